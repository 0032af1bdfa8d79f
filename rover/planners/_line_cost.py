"""Public exact line-integral cost of polylines on a cost grid: validation and wrapping around
:mod:`._line_cost_kernels`."""

from __future__ import annotations

import numpy as np

from rover.planners import _line_cost_kernels as kernels
from rover.planners import _taut_kernels
from rover.planners._common import grid_of

__all__ = ["line_cost", "segment_clear", "taut"]


def as_points(points, name: str = "points") -> np.ndarray:
    """Validate a polyline: a float64 C-contiguous array of shape (N, 2), N >= 1, finite."""
    try:
        arr = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an array of (row, col) numbers of shape (N, 2): "
                         f"{exc}") from None
    if arr.ndim != 2 or arr.shape[1] != 2 or arr.shape[0] == 0:
        raise ValueError(f"{name} must have shape (N, 2) with N >= 1 (row, col) points, got "
                         f"shape {arr.shape}")
    bad = ~np.isfinite(arr).all(axis=1)
    if bad.any():
        k = int(np.argmax(bad))
        raise ValueError(f"{name}[{k}] is not finite: {arr[k].tolist()}")
    arr = np.ascontiguousarray(arr)
    if not arr.flags.writeable:
        arr = arr.copy()  # numba would compile read-only arrays a second time
    return arr


def _as_point(p, name: str) -> np.ndarray:
    """One (row, col) point as a float64 array of shape (2,), finite."""
    try:
        arr = np.asarray(p, dtype=np.float64)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.shape != (2,) or not np.isfinite(arr).all():
        raise ValueError(f"{name} must be a (row, col) pair of finite numbers, got {p!r}")
    return arr


def line_cost(cost, points) -> float:
    """Exact line-integral cost of a polyline on a cost grid (a wrapper around a numba kernel).

    Cell (r, c) is the square [r - 0.5, r + 0.5] x [c - 0.5, c + 0.5] in cell units (cell
    centres at integer coordinates, rows and columns as the grid is indexed). The cost of a
    polyline is the sum over its segments of, for every cell, the length of the segment
    inside the cell [cells] times the cell's cost. A segment running exactly along the edge
    between two cells is charged the cheaper of the two (the convention of Field D*,
    Ferguson & Stentz 2006).

    A segment that touches a blocked (``inf``) cell, even only at one corner point, is not
    clear; a segment through a corner shared by four cells touches all four. Cells outside
    the grid count as blocked, so a point outside the grid or on its outer border is not
    clear either. Any segment that is not clear makes the cost ``inf``.

    Relation to the grid planners: for a path of cell centres whose steps go to one of the
    8 neighbours without cutting a corner, the line integral of each step is half a step in
    each of its two cells (a diagonal passes through the shared corner, where the two cells
    beside it are touched but not charged), so ``line_cost`` equals the move-cost rule
    ``step * (cost[u] + cost[v]) / 2``: bit for bit for straight steps, within rounding
    (a few ulps a step) for diagonal ones. A step that cuts a corner past a blocked cell
    touches it and costs ``inf`` here, as the planners forbid it.

    Parameters
    ----------
    cost : array_like of float32 or float64, shape (rows, cols)
        Cost of crossing each cell per cell of length: finite values in [1, 1e100], ``inf``
        for blocked cells.
    points : array_like of float, shape (N, 2)
        (row, col) vertices in cell units, N >= 1. One point costs 0 when clear.

    Returns
    -------
    float
        The cost (cell costs times cells of length), or ``inf`` when a segment is not clear.

    Raises
    ------
    ValueError
        A malformed grid (as for :func:`astar`), or points not of shape (N, 2) with N >= 1,
        or not finite.

    Examples
    --------
    >>> import numpy as np
    >>> from rover.planners import line_cost
    >>> grid = np.array([[1.0, 3.0], [1.0, 1.0]])
    >>> line_cost(grid, [(0, 0), (0, 1)])  # half a cell at 1, half at 3
    2.0
    >>> line_cost(grid, [(0, 0), (1, 1)]) == 2 ** 0.5  # corner only: (0, 1) is not charged
    True
    >>> grid[0, 1] = np.inf
    >>> line_cost(grid, [(0, 0), (1, 1)])  # but it touches the blocked cell's corner
    inf
    """
    grid = grid_of(cost)  # (a run's known map is not validated again)
    pts = as_points(points)
    rows, cols = grid.shape
    return float(kernels.polyline_cost(grid.reshape(-1), rows, cols, pts))


def segment_clear(cost, p, q) -> bool:
    """True when the segment from ``p`` to ``q`` touches no blocked cell and stays inside the
    grid (the rule of :func:`line_cost`: a corner point counts as touching).

    Parameters
    ----------
    cost : array_like of float32 or float64, shape (rows, cols)
        Cell costs, ``inf`` for blocked cells.
    p, q : (float, float)
        (row, col) endpoints in cell units (cell centres at integers).

    Returns
    -------
    bool

    Raises
    ------
    ValueError
        A malformed grid, or an endpoint that is not two finite numbers.

    Examples
    --------
    >>> import numpy as np
    >>> from rover.planners import segment_clear
    >>> grid = np.ones((3, 3))
    >>> grid[1, 1] = np.inf
    >>> segment_clear(grid, (0, 0), (0, 2)), segment_clear(grid, (0, 0), (2, 1))
    (True, False)
    """
    grid = grid_of(cost)  # (a run's known map is not validated again)
    a = _as_point(p, "p")
    b = _as_point(q, "q")
    rows, cols = grid.shape
    c = kernels.segment_cost(grid.reshape(-1), rows, cols, a[0], a[1], b[0], b[1],
                             np.inf)
    return bool(c < np.inf)


def taut_points(flat, rows, cols, points, before=None):
    """:func:`taut` on a validated grid (``flat`` float64, ``rows`` x ``cols``) and clear
    polyline ``points`` (N, 2) float64 whose line cost is ``before`` (computed when None):
    ``(points, cost)`` of the taut path, or None when it is not cheaper (or not clear)."""
    if points.shape[0] < 2:
        return None
    cells = np.empty((_taut_kernels.channel_size(points), 2), dtype=np.int64)
    n = _taut_kernels.channel(points, cells)
    if n < 1:
        return None
    out = np.empty((n + 1, 2))
    k = _taut_kernels.funnel(cells, n, points[0], points[-1], _taut_kernels.INSET, out)
    tight = out[:k].copy()
    c = float(kernels.polyline_cost(flat, rows, cols, tight))
    if before is None:
        before = float(kernels.polyline_cost(flat, rows, cols, points))
    return (tight, c) if c <= before else None


def taut(cost, points) -> np.ndarray:
    """The path pulled taut through the cells it crosses: the shortest polyline from the
    first vertex to the last that stays in the chain of cells ``points`` crosses (a
    wrapper around numba kernels: the funnel algorithm, Lee & Preparata 1984, in the form
    of Mononen's "simple stupid funnel", Recast/Detour 2010).

    An any-angle planner that turns only at cell centres (Theta*) or on the lines between
    them (Field D*) cannot cut a corner closer than those; the Euclidean shortest path
    turns at the corners of blocked cells. Pulled taut, the path turns
    :data:`rover.planners._taut_kernels.INSET` cells (0.05) from those corners, never on
    them: clear under :func:`line_cost`'s rule, with room for a rover following it to brake
    past a turn without touching the corner. In one-cell corridors, where no straight
    segment between two cell centres can turn a corner, this is what makes any-angle paths
    shorter than grid paths.

    Parameters
    ----------
    cost : array_like of float32 or float64, shape (rows, cols)
        The cost grid (see :func:`line_cost`).
    points : array_like, shape (N, 2)
        A clear polyline (row, col), cell centres at integer coordinates (as
        :func:`rover.planners.theta_star` and :class:`rover.planners.FieldDStar` return).

    Returns
    -------
    numpy.ndarray
        float64 (M, 2): the taut polyline from ``points[0]`` to ``points[-1]``, or
        ``points`` itself when pulling it taut does not lower its :func:`line_cost` (on a
        grid of varying costs a shorter path can cost more).

    Raises
    ------
    ValueError
        A malformed grid or polyline, or a polyline that is not clear.

    Examples
    --------
    >>> import numpy as np
    >>> from rover.planners import taut
    >>> corridor = np.full((3, 3), np.inf)  # an L-shaped corridor one cell wide
    >>> corridor[0, :] = corridor[:, 2] = 1.0
    >>> p = taut(corridor, [[0, 0], [0, 2], [2, 2]])  # 4 cells long
    >>> p.tolist()  # around the corner (0.5, 1.5), 0.05 cells off it
    [[0.0, 0.0], [0.45, 1.5], [0.5, 1.55], [2.0, 2.0]]
    """
    grid = grid_of(cost)  # (a run's known map is not validated again)
    pts = as_points(points)
    rows, cols = grid.shape
    flat = grid.reshape(-1)
    before = float(kernels.polyline_cost(flat, rows, cols, pts))
    if not np.isfinite(before):
        raise ValueError("points is not clear on the grid (it touches a blocked cell or "
                         "leaves the grid)")
    out = taut_points(flat, rows, cols, pts, before)
    return pts if out is None else out[0]
