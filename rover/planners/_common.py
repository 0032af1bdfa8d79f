"""Shared pieces of the planners: the :class:`Plan` result, input validation and grid helpers.

Validation happens once, here, in Python and one small numba pass over the grid; the kernels
in :mod:`rover.planners._astar` and :mod:`rover.planners._dstar` trust their inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numba import njit

__all__ = ["Plan", "as_cost_grid", "as_cell", "check_connectivity", "not_found"]

_MAX_CELLS = 2**31 - 1  # the kernels keep heap positions in int32
MAX_COST = 1e100
"""Largest finite cell cost: a path of a billion such steps still sums to a finite cost
(1e308 cells would overflow to inf on one step)."""


@dataclass(frozen=True)
class Plan:
    """The result of one planning query.

    Attributes
    ----------
    path : numpy.ndarray
        int64 array of shape (N, 2): the (row, col) cells from start to goal inclusive, or
        shape (0, 2) when no path exists.
    cost : float
        Cost of ``path`` under the move-cost rule (``step * (cost[u] + cost[v]) / 2``, step 1
        or sqrt(2) cells); ``inf`` when no path exists.
    expanded : int
        Number of nodes the search expanded for this query.
    found : bool
        True when a path was found.
    """

    path: np.ndarray = field(repr=False)
    cost: float
    expanded: int
    found: bool

    def __len__(self) -> int:
        return int(self.path.shape[0])


def not_found(expanded: int = 0) -> Plan:
    """The one documented "no path" result: empty (0, 2) path, infinite cost."""
    return Plan(np.empty((0, 2), dtype=np.int64), float("inf"), int(expanded), False)


@njit(cache=True, nogil=True)
def _scan(cost):
    """One pass over a flat float64 grid.

    Returns (n_nan, first_nan, n_low, first_low, n_blocked, min_finite, first_high,
    max_finite); first_* is -1 when there is none (first_high: a finite cost above MAX_COST),
    min_finite is inf and max_finite -inf when every cell is blocked.
    """
    n_nan = 0
    first_nan = -1
    n_low = 0
    first_low = -1
    n_blocked = 0
    cmin = np.inf
    cmax = -np.inf
    first_high = -1
    for i in range(cost.size):
        c = cost[i]
        if c != c:
            if n_nan == 0:
                first_nan = i
            n_nan += 1
        elif c < 1.0:
            if n_low == 0:
                first_low = i
            n_low += 1
        elif c == np.inf:
            n_blocked += 1
        else:
            if c < cmin:
                cmin = c
            if c > cmax:
                cmax = c
            if c > MAX_COST and first_high < 0:
                first_high = i
    return n_nan, first_nan, n_low, first_low, n_blocked, cmin, first_high, cmax


def as_cost_grid(cost, name: str = "cost") -> tuple[np.ndarray, float, float]:
    """Validate a cost grid and return it as C-contiguous float64, with its least and largest
    finite costs.

    A C-contiguous float64 grid is used as it is (no copy); float32 (and float16) grids are
    converted once. Integer and boolean grids are refused: their meaning for blocked cells is
    ambiguous, so the caller converts explicitly.

    Returns
    -------
    grid : numpy.ndarray
        float64, shape (rows, cols), C-contiguous.
    min_finite, max_finite : float
        The least and largest finite costs in the grid (inf and -inf when every cell is
        blocked).
    """
    arr = np.asarray(cost)
    if arr.dtype.kind in "biu":
        raise ValueError(
            f"{name} grid has dtype {arr.dtype}; expected float32 or float64 with inf for "
            f"blocked cells (convert with {name}.astype(np.float64) and set blocked cells to "
            "np.inf)"
        )
    if arr.dtype.kind != "f":
        raise ValueError(f"{name} grid has dtype {arr.dtype}; expected float32 or float64")
    if arr.ndim != 2:
        raise ValueError(f"{name} grid must be 2-D (rows, cols), got shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} grid must not be empty, got shape {arr.shape}")
    if arr.size > _MAX_CELLS:
        raise ValueError(f"{name} grid has {arr.size} cells; at most {_MAX_CELLS} are supported")
    grid = np.ascontiguousarray(arr, dtype=np.float64)
    n_nan, first_nan, n_low, first_low, _, cmin, first_high, cmax = _scan(grid.reshape(-1))
    cols = grid.shape[1]
    if n_nan:
        r, c = divmod(int(first_nan), cols)
        raise ValueError(f"{name} grid has {n_nan} NaN cells, first at ({r}, {c})")
    if n_low:
        r, c = divmod(int(first_low), cols)
        raise ValueError(
            f"{name} grid has {n_low} cells below 1 (costs must be >= 1, or inf for blocked), "
            f"first at ({r}, {c}): {float(grid[r, c])!r}"
        )
    if first_high >= 0:
        r, c = divmod(int(first_high), cols)
        raise ValueError(f"{name} grid has a finite cost above {MAX_COST:g} at ({r}, {c}): "
                         f"{float(grid[r, c])!r} (use inf for blocked cells)")
    return grid, float(cmin), float(cmax)


def as_cell(cell, shape: tuple[int, int], name: str) -> tuple[int, int]:
    """Validate one (row, col) cell against a grid shape and return it as a tuple of ints."""
    try:
        arr = np.asarray(cell)
    except Exception:  # pragma: no cover - exotic objects
        arr = None
    if arr is None or arr.shape != (2,) or arr.dtype.kind not in "iu":
        if arr is not None and arr.shape == (2,) and arr.dtype.kind == "f" and np.all(
            np.isfinite(arr)
        ) and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        else:
            raise ValueError(f"{name} must be a (row, col) pair of integers, got {cell!r}")
    r, c = int(arr[0]), int(arr[1])
    if not (0 <= r < shape[0] and 0 <= c < shape[1]):
        raise ValueError(f"{name} ({r}, {c}) is outside the cost grid of shape {tuple(shape)}")
    return r, c


def check_connectivity(connectivity) -> int:
    """Return 4 or 8, or raise ValueError naming the value given."""
    if isinstance(connectivity, bool) or connectivity not in (4, 8):
        raise ValueError(f"connectivity must be 4 or 8, got {connectivity!r}")
    return int(connectivity)
