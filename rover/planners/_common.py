"""Shared pieces of the planners: the :class:`Plan` result, input validation and grid helpers.

Validation happens once, here, in Python and one small numba pass over the grid; the kernels
in :mod:`rover.planners._astar_kernels`, :mod:`rover.planners._dstar_lite_kernels` and
:mod:`rover.planners._mpgaa_kernels` trust their inputs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numba import njit

__all__ = ["Plan", "as_cost_grid", "as_cell", "check_connectivity", "not_found", "lazy_zeros",
           "MAX_COST", "MAX_SPREAD", "check_spread", "scan_costs", "KnownGrid", "vouched",
           "grid_of"]

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
        or sqrt(2) cells), or for an any-angle planner the line integral of ``points``
        (:func:`rover.planners.line_cost`); ``inf`` when no path exists.
    expanded : int
        Number of nodes the search expanded for this query.
    found : bool
        True when a path was found.
    points : numpy.ndarray
        float64 array of shape (N, 2): the (row, col) positions the path runs through, in
        cell units (cell centres at integer coordinates), start to goal. For grid planners
        (the default when not given) the cells of ``path`` as floats; for any-angle planners
        the polyline's vertices, while ``path`` holds every cell the polyline touches.
    """

    path: np.ndarray = field(repr=False)
    cost: float
    expanded: int
    found: bool
    points: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self):
        if self.points is None:
            # Grid planners: the cells themselves (frozen dataclass, hence object.__setattr__).
            object.__setattr__(self, "points", np.asarray(self.path).astype(np.float64))

    def __len__(self) -> int:
        return int(self.path.shape[0])


def not_found(expanded: int = 0) -> Plan:
    """The one documented "no path" result: empty (0, 2) path, infinite cost."""
    return Plan(np.empty((0, 2), dtype=np.int64), float("inf"), int(expanded), False)


def scan_costs(cost: np.ndarray) -> tuple:
    """One pass over a flat float64 grid (a numba kernel): what is wrong in it, and its range.

    For code that checks a cost grid its own way (``rover.sensing.KnownMap``) with the
    planners' rules: NaN, below 1, or finite above :data:`MAX_COST` are errors. ``cost`` is
    a contiguous 1-D float64 array.

    Returns (n_nan, first_nan, n_low, first_low, n_blocked, min_finite, first_high,
    max_finite); first_* is -1 when there is none (first_high: a finite cost above MAX_COST),
    min_finite is inf and max_finite -inf when every cell is blocked.
    """
    # Always through a read-only view: planners receive the known map read-only, and numba
    # compiles a kernel once per array type, so one type means one compile (0.5 s of a first
    # run), not two.
    view = cost.view()
    view.flags.writeable = False
    return _scan_costs(view)


@njit(cache=True, nogil=True)
def _scan_costs(cost):
    """:func:`scan_costs`' kernel."""
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


def lazy_zeros(n: int, dtype) -> np.ndarray:
    """A zeroed, writable 1-D array of ``n`` items of ``dtype`` whose memory the system maps
    4 KiB page by page as it is first written: for per-cell arrays a search touches
    sparsely.

    numpy asks Linux for 2 MiB huge pages on large arrays (``madvise``), so one cell written
    per grid row makes a whole array resident: an MPGAA* plan along the diagonal of an
    8192 x 8192 grid of ones that expanded 6,501 cells touched 1.5 GB in 5.8 s, and 0.18 GB
    in 0.16 s from these.
    An anonymous memory map is zero-filled on demand and gets no such advice.
    """
    import mmap

    dt = np.dtype(dtype)
    buf = mmap.mmap(-1, max(int(n) * dt.itemsize, 1))
    return np.frombuffer(buf, dtype=dt, count=int(n))


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
    n_nan, first_nan, n_low, first_low, _, cmin, first_high, cmax = scan_costs(grid.reshape(-1))
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


class KnownGrid(np.ndarray):
    """The known cost map a run hands to planners: a read-only float64 (rows, cols) view of
    the map the run keeps (true cost where seen, the assumed cost elsewhere), which the run
    changes in place between replans.

    It is an ``numpy.ndarray`` in every way a planner can tell, with one addition: the run
    vouches for its values (finite costs >= 1, or ``inf``) and knows their least finite
    value, so the public planners (:func:`rover.planners.astar`,
    :func:`rover.planners.theta_star`, ...) skip their O(cells) validation on it, and
    :func:`rover.planners.astar` reuses one search workspace across calls, as the built-in
    ``astar`` does. A planner registered as a plugin that simply calls ``astar`` on it
    therefore plans as fast as the built-in (issue 21's registry bar). Whatever is derived
    from it (a slice, a copy, arithmetic: still a ``KnownGrid`` instance) is vouched for by
    nobody and validated as any other grid, and so is the grid itself once made writeable
    or reshaped in place.
    """

    def __array_finalize__(self, obj):
        self._least = None  # callable () -> the least finite cost now; None: not vouched
        self._spaces = None  # search workspaces per connectivity (see :func:`vouched`)
        self._lock = None
        self._plain = None  # the plain ndarray view of the same memory

    def vouch(self, least_cost) -> "KnownGrid":
        """Vouch for this grid (the run, once): ``least_cost`` () -> its least finite value
        now (a lower bound will do: it scales admissible heuristics). Returns self.

        The caller answers for the values; the form is checked here (2-D, float64,
        C-contiguous), in constant time."""
        import threading

        if not (self.ndim == 2 and self.dtype == np.float64 and self.flags.c_contiguous):
            raise ValueError("a KnownGrid vouched for must be a C-contiguous 2-D float64 grid, "
                             f"got {self.dtype} of shape {self.shape}")

        self._least = least_cost
        self._spaces = {}
        self._lock = threading.Lock()
        self._plain = self.view(np.ndarray)
        return self


def grid_of(cost) -> np.ndarray:
    """The validated float64 grid of ``cost`` (:func:`as_cost_grid`), without validating a
    run's vouched :class:`KnownGrid` again."""
    run = vouched(cost)
    return run[0] if run is not None else as_cost_grid(cost)[0]


def vouched(cost):
    """``(grid, least_cost, known)`` when ``cost`` is a :class:`KnownGrid` a run vouches
    for: ``grid`` the plain float64 array under it, ``least_cost`` its least finite cost now,
    ``known`` the KnownGrid itself; else None (validate with :func:`as_cost_grid`)."""
    if type(cost) is not KnownGrid or cost._least is None:
        return None
    if cost.flags.writeable or cost.shape != cost._plain.shape:
        return None  # made writeable (values no longer the run's alone) or reshaped in place
    return cost._plain, float(cost._least()), cost


def as_cell(cell, shape: tuple[int, int], name: str) -> tuple[int, int]:
    """Validate one (row, col) cell against a grid shape and return it as a tuple of ints."""
    if type(cell) is tuple and len(cell) == 2:  # the common case, without numpy (a replan's)
        r, c = cell
        if (type(r) is int or (isinstance(r, np.integer) and not isinstance(r, np.timedelta64))
                ) and (type(c) is int or (isinstance(c, np.integer)
                                          and not isinstance(c, np.timedelta64))):
            r, c = int(r), int(c)
            if not (0 <= r < shape[0] and 0 <= c < shape[1]):
                raise ValueError(f"{name} ({r}, {c}) is outside the cost grid of shape "
                                 f"{tuple(shape)}")
            return r, c
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


MAX_SPREAD = 1e12
"""Largest (dearest finite cost / least finite cost) x cells the incremental planners (D*
Lite, MPGAA*) accept. Their kept values (g, learned distances) reach about the dearest cost
times the cells on a path, and a step of the least cost must still show in them above the
searches' relative tolerances (1e-14 for D* Lite; float64 holds 16 digits): beyond this,
steps vanish in the sums, neighbours tie, D* Lite cannot read its path back and MPGAA* keeps
a dearer path as exact. A* and Dijkstra have no such limit (they keep nothing between
plans and read paths from parents); 1e12 leaves a 100-fold margin."""


def check_spread(cmax: float, cmin: float, cells: int, planner: str) -> None:
    """ValueError when costs from ``cmin`` to ``cmax`` on ``cells`` cells exceed
    :data:`MAX_SPREAD` for ``planner`` (its name in the message)."""
    if cmax / cmin * cells > MAX_SPREAD:
        raise ValueError(
            f"{planner} cannot plan exactly over costs from {cmin:g} to {cmax:g} on {cells} "
            f"cells: (dearest / least) x cells must be at most {MAX_SPREAD:g}, got "
            f"{cmax / cmin * cells:.3g} (steps would vanish in float64 sums); use astar or "
            "dijkstra, which have no such limit")


def check_connectivity(connectivity) -> int:
    """Return 4 or 8, or raise ValueError naming the value given."""
    if isinstance(connectivity, bool) or connectivity not in (4, 8):
        raise ValueError(f"connectivity must be 4 or 8, got {connectivity!r}")
    return int(connectivity)


@njit(cache=True, nogil=True)
def changes(cells, values, rows, cols, cost, mark):
    """The edits of one ``update`` call of an incremental planner: (row, col) ``cells``
    (int64, shape (K, 2)) and their new ``values`` (float64, shape (K,)), where a cell listed
    twice takes its last value. Returns (index in ``cells`` of the first cell outside the
    grid or -1, count, flat cells, values): the distinct cells whose value differs from
    ``cost`` (flat float64 grid), each with its last value, in the order of their last
    occurrence from the end.
    ``mark`` is a zeroed uint8 scratch array (left zeroed).
    """
    k = values.size
    for j in range(k):
        r = cells[j, 0]
        c = cells[j, 1]
        if r < 0 or r >= rows or c < 0 or c >= cols:
            return j, 0, np.empty(0, dtype=np.int64), np.empty(0)
    out = np.empty(k, dtype=np.int64)
    vals = np.empty(k)
    n = 0
    for j in range(k - 1, -1, -1):
        x = cells[j, 0] * cols + cells[j, 1]
        if mark[x] == 0:
            mark[x] = 1
            v = values[j]
            if cost[x] != v:
                out[n] = x
                vals[n] = v
                n += 1
    for j in range(k):
        mark[cells[j, 0] * cols + cells[j, 1]] = 0
    return -1, n, out[:n].copy(), vals[:n].copy()


_NO_EDITS = np.empty(0, dtype=np.int64)
_NO_COSTS = np.empty(0)


def edits(cells, costs, shape: tuple[int, int], flat: np.ndarray, mark: np.ndarray):
    """Check the arguments of an incremental planner's ``update`` and reduce them to edits.

    Parameters
    ----------
    cells : array_like of int, shape (K, 2)
        (row, col) of each cell; whole-number floats are accepted.
    costs : array_like of float, shape (K,)
        New costs: finite values in [1, MAX_COST] or ``inf``.
    shape : (rows, cols)
        The grid's shape.
    flat : numpy.ndarray
        The planner's flat float64 cost grid (read, not changed).
    mark : numpy.ndarray
        Zeroed uint8 scratch of the grid's size (left zeroed).

    Returns
    -------
    (flat cells, costs, least, largest)
        The distinct cells whose cost changes (int64, shape (N,)), each with the last cost
        listed for it (float64, shape (N,)), and the least and largest finite value among
        all ``costs`` (inf and -inf when there is none).

    Raises
    ------
    ValueError
        Cells not of shape (K, 2) or outside the grid, costs of the wrong shape, NaN, below
        1 or finite above MAX_COST.
    """
    try:
        cells_arr = np.asarray(cells)
        costs_arr = np.asarray(costs, dtype=np.float64) if np.ndim(costs) else None
    except (ValueError, TypeError) as exc:  # ragged lists, complex or text costs
        raise ValueError("cells must be (K, 2) integers and costs (K,) real numbers: "
                         f"{exc}") from None
    if (cells_arr.dtype.kind == "f" and cells_arr.size
            and np.all(np.isfinite(cells_arr)) and np.all(cells_arr == np.round(cells_arr))):
        cells_arr = cells_arr.astype(np.int64)  # whole-number floats, as astar's start accepts
    if cells_arr.size == 0 and (costs_arr is None or costs_arr.size == 0):
        return _NO_EDITS, _NO_COSTS, np.inf, -np.inf
    if cells_arr.ndim != 2 or cells_arr.shape[1] != 2 or cells_arr.dtype.kind not in "iu":
        raise ValueError(
            f"cells must be an integer array of shape (K, 2) holding (row, col), got "
            f"{cells_arr.dtype} array of shape {cells_arr.shape}")
    k = cells_arr.shape[0]
    if costs_arr is None or costs_arr.shape != (k,):
        raise ValueError(f"costs must have shape ({k},) to match cells, got "
                         f"{np.shape(costs)}")
    rows, cols = shape
    # Writeable copies when needed: numba would compile read-only arrays a second time.
    cells_arr = np.ascontiguousarray(cells_arr, dtype=np.int64)
    if not cells_arr.flags.writeable:
        cells_arr = cells_arr.copy()
    costs_arr = np.ascontiguousarray(costs_arr)
    if not costs_arr.flags.writeable:
        costs_arr = costs_arr.copy()
    # A kernel finds a cell outside the grid and keeps each listed cell's last entry when
    # it changes the cell's cost: numpy's checks and np.unique took 21 us of a 67 us
    # update of 274 cells, the kernel takes 3.
    out, _, uniq, vals = changes(cells_arr, costs_arr, rows, cols, flat, mark)
    if out >= 0:
        r, c = (int(v) for v in cells_arr[out])
        raise ValueError(f"cells[{out}] ({r}, {c}) is outside the cost grid of shape "
                         f"{shape}")
    n_nan, first_nan, _, first_low, _, fmin, first_high, fmax = scan_costs(costs_arr)
    if n_nan:
        raise ValueError(f"costs has {n_nan} NaN values, first at index {first_nan}")
    if first_low >= 0:
        raise ValueError(f"costs must be >= 1 (or inf for blocked), costs[{first_low}] is "
                         f"{float(costs_arr[first_low])!r}")
    if first_high >= 0:
        raise ValueError(f"costs must be <= {MAX_COST:g} (or inf for blocked), "
                         f"costs[{first_high}] is {float(costs_arr[first_high])!r}")
    return uniq, vals, float(fmin), float(fmax)


class IncrementalPlanner:
    """What :class:`~rover.planners.DStarLite` and :class:`~rover.planners.MPGAAStar` share:
    the validation and copy of the grid (:meth:`_own_grid`), :meth:`update` (its checks;
    subclasses apply the edits in ``_apply`` and keep ``_scale``, the least cost their
    heuristic assumes, and ``_mark``, a zeroed uint8 scratch array of one byte per cell),
    and the read-only views of their state (subclasses set ``_start``, ``_goal`` and
    ``_expanded_total``).
    """

    _label = ""
    """The planner's name in messages ("D* Lite")."""

    @classmethod
    def warm_up(cls, dtype, rekey: bool = False) -> None:
        """Compile (or load from numba's cache) the planner's kernels for cost grids of
        ``dtype``, on a 3 x 3 grid: a plan, a cost rise fed as sensing feeds it (``_apply``:
        the run skips ``update()``'s checks), a move and a plan again. ``rekey``: also a
        cost below the least one seen (only D* Lite has a kernel for it)."""
        ds = cls(np.full((3, 3), 2.0, dtype=dtype), (0, 0), (2, 2))
        ds.plan()
        ds._apply(np.array([4]), np.array([3.0]))       # a rise at (1, 1)
        if rekey:
            ds._apply(np.array([5]), np.array([1.0]))   # (1, 2) below the least cost
        ds.move_to((0, 1))
        ds.plan()
        ds._warm_more()

    def _warm_more(self) -> None:
        """Kernels :meth:`warm_up` reaches no other way (none here)."""

    def _own_grid(self, cost, connectivity) -> float:
        """Validate ``cost`` and ``connectivity`` and keep the planner's own float64 copy of
        the grid (``_grid``, ``_flat``, ``_shape``, ``_cols``, ``_conn8``, and ``_cmax`` its
        dearest finite cost, 1 when none); return its least finite cost (1 when none).

        Raises ValueError for a bad connectivity, a malformed grid or costs spread beyond
        :data:`MAX_SPREAD`."""
        conn = check_connectivity(connectivity)
        arr = np.asarray(cost)
        grid, cmin, cmax = as_cost_grid(arr)
        cmin = cmin if math.isfinite(cmin) else 1.0
        self._cmax = cmax if math.isfinite(cmax) else 1.0
        check_spread(self._cmax, cmin, grid.size, self._label)
        if np.may_share_memory(grid, arr) or not grid.flags.writeable:
            grid = grid.copy()  # the planner owns its grid; the caller's is never changed
        self._shape = grid.shape
        self._grid = grid
        self._flat = grid.reshape(-1)
        self._cols = grid.shape[1]
        self._conn8 = conn == 8
        return cmin

    def update(self, cells, costs) -> int:
        """Change the cost of some cells (rises, falls, ``inf`` to finite and back).

        Parameters
        ----------
        cells : array_like of int, shape (K, 2)
            (row, col) of each cell. When a cell appears more than once its last cost wins.
        costs : array_like of float, shape (K,)
            New costs: finite values in [1, 1e100] or ``inf``.

        Returns
        -------
        int
            How many cells actually changed cost.

        Raises
        ------
        ValueError
            Cells not of shape (K, 2) or outside the grid, costs of the wrong shape, NaN,
            below 1 or finite above 1e100, or spread too far (see :data:`MAX_SPREAD`).
        """
        uniq, vals, fmin, fmax = edits(cells, costs, self._shape, self._flat, self._mark)
        if fmin < np.inf:
            cmax = max(self._cmax, float(fmax))
            check_spread(cmax, min(self._scale, float(fmin)), self._flat.size, self._label)
            self._cmax = cmax
        if uniq.size == 0:
            return 0
        self._apply(uniq, vals)
        return int(uniq.size)

    @property
    def start(self) -> tuple[int, int]:
        """Current (row, col) of the rover."""
        return self._start

    @property
    def goal(self) -> tuple[int, int]:
        """(row, col) of the goal."""
        return self._goal

    @property
    def cost(self) -> np.ndarray:
        """The current cost grid: a read-only float64 view, shape (rows, cols)."""
        view = self._grid.view()
        view.flags.writeable = False
        return view

    @property
    def expanded_total(self) -> int:
        """Nodes expanded over the planner's whole life."""
        return self._expanded_total

    @property
    def connectivity(self) -> int:
        """4 or 8."""
        return 8 if self._conn8 else 4
