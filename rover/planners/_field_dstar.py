"""Public Field D*: validation, state and wrapping around :mod:`._field_dstar_kernels`."""

from __future__ import annotations

import math

import numpy as np

from rover.planners import _field_dstar_kernels as kernels
from rover.planners import _line_cost_kernels as lc
from rover.planners._astar import astar
from rover.planners._common import IncrementalPlanner, Plan, as_cell, not_found
from rover.planners._line_cost import taut_points

__all__ = ["FieldDStar"]

MARGIN_CELLS = 2.0
"""When the path cannot be read (a stale value on the way), the search runs on until the
least queued key is this many cells (times the least cost) above the start's (see
``kernels.compute``), then eightfold that, at most :data:`MAX_WIDEN` times. Not the default:
past the start, interpolated values improve each other many times over (the heuristic is
not consistent with interpolation), so the search is bounded by :data:`REPAIR_LIMIT`."""
MAX_WIDEN = 3
REPAIR_LIMIT = 2
"""A search that expands more than this many times the grid's nodes (plus 1024) stops: a
replan then searches afresh, once (see ``kernels.compute``: a wall that cuts nodes off
from the goal), and a fresh search that stops too leaves the path to A*."""
_NO_LIMIT = np.iinfo(np.int64).max


class FieldDStar(IncrementalPlanner):
    """Incremental any-angle planner: Field D* (Ferguson & Stentz 2006) in numba.

    Field D*, the planner of the Mars Exploration Rovers, is D* Lite with linear
    interpolation: the cost to the goal is kept at grid nodes, and a path may leave a node
    towards any point on the far edge of a neighbouring square, valued by interpolating
    the costs at that edge's two ends. Paths are polylines that turn at any angle, and the
    planner keeps its work between queries like :class:`DStarLite`.

    Here the nodes are the cell centres (the *dual* grid). Moving along the line between
    two neighbouring centres costs the mean of their two cells, and the diagonal between
    two centres the mean of its two end cells times sqrt(2): both are the exact line
    integral (:func:`rover.planners.line_cost`), and with them the node-to-node moves are
    exactly :func:`astar`'s 8-connected moves (no corner cutting). Any other crossing of
    the square between four centres is estimated at the mean of the four cells, and is
    allowed only when all four are passable, so no segment can touch a blocked cell.

    Parameters
    ----------
    cost : array_like of float32 or float64, shape (rows, cols)
        Cell costs per cell of length: finite values in [1, 1e100], ``inf`` for blocked
        cells. The grid is copied; the caller's array is never changed.
    start, goal : (int, int)
        (row, col) of the rover and of the goal.
    connectivity : {8}
        Only 8: Field D* interpolates across the squares between centres, so a path leaves
        a node in any direction (4 is refused with a ValueError).

    Raises
    ------
    ValueError
        A malformed grid, a start or goal outside it, a connectivity other than 8, or costs
        spread too far for float64 sums (see :data:`rover.planners.MAX_SPREAD`).

    Notes
    -----
    Field D* is approximate. The interpolated values assume a square's interior costs the
    mean of its four cells, and linear interpolation of the cost-to-goal along an edge is
    itself an estimate, so the returned path is not the least line integral (neither is
    :func:`theta_star`'s). The plan's ``cost`` is always the exact line integral of its
    ``points``, recomputed, never the search's estimate; on uniform ground it is within
    a few percent of the Euclidean shortest path, and it is usually below :func:`astar`'s
    path costed the same way. The path is read from the start by following the
    interpolated field (the paper's extraction); each segment is checked clear with the
    exact line walk, and a step that is not, or that would not descend, is replaced by
    the node-to-node move of lower value (always clear); a final pass drops vertices where
    a clear straight segment is not dearer (so open uniform ground gives one segment).
    If the search left a node's value stale so that no move descends, it runs on past the
    start's key (:data:`MARGIN_CELLS`) and reads again; if still stuck (counted by
    :attr:`repaired_plans`), the rest of the path is completed by :func:`astar` from the
    last node reached. A replan that runs past :data:`REPAIR_LIMIT` expansions searches
    afresh (counted by :attr:`restarts`).

    Memory: about 50 bytes per cell (grid copy 8, g 8, rhs 8, backpointer 1, queue slot 4,
    queue keys and nodes 20, scratch mark 1).

    Examples
    --------
    >>> import numpy as np
    >>> from rover.planners import FieldDStar
    >>> planner = FieldDStar(np.ones((5, 9)), (0, 0), (4, 8))
    >>> plan = planner.plan()
    >>> plan.points.tolist(), round(plan.cost, 6)  # one straight segment, sqrt(4**2 + 8**2)
    ([[0.0, 0.0], [4.0, 8.0]], 8.944272)
    >>> planner.update([[2, 4]], [np.inf])
    1
    >>> planner.plan().cost > 8.944272
    True
    """

    _label = "Field D*"

    def __init__(self, cost, start, goal, *, connectivity: int = 8):
        if connectivity == 4 and not isinstance(connectivity, bool):
            raise ValueError("connectivity must be 8 for Field D* (its paths cross cells at "
                             "any angle), got 4")
        self._set_scale(self._own_grid(cost, connectivity))
        grid = self._grid
        s = as_cell(start, grid.shape, "start")
        t = as_cell(goal, grid.shape, "goal")
        self._start = s
        self._goal = t
        n = grid.size
        self._rows = grid.shape[0]
        self._g = np.full(n, np.inf)
        self._rhs = np.full(n, np.inf)
        self._bp = np.full(n, kernels.NO_TRIANGLE, dtype=np.uint8)  # rhs's triangle
        self._pos = np.zeros(n, dtype=np.int32)  # slot in U + 1; 0: not in U
        self._mark = np.zeros(n, dtype=np.uint8)
        self._hk1 = np.empty(n)
        self._hk2 = np.empty(n)
        self._hn = np.empty(n, dtype=np.int32)
        self._restart()
        self._expanded_total = 0
        self._repaired = 0
        self._fallback_steps = 0
        self._restarts = 0

    def _restart(self) -> None:
        """Forget every value: the state of a new planner at the current start."""
        s, t = self._start, self._goal
        if hasattr(self, "_size"):  # not the first
            self._g.fill(np.inf)
            self._rhs.fill(np.inf)
            self._bp.fill(kernels.NO_TRIANGLE)
            self._pos.fill(0)
            self._restarts += 1
        gi = self._index(t)
        self._rhs[gi] = 0.0
        self._hk1[0] = self._h(s, t)
        self._hk2[0] = 0.0
        self._hn[0] = gi
        self._pos[gi] = 1
        self._size = 1
        self._km = 0.0

    def __repr__(self) -> str:
        return f"FieldDStar(shape={self._shape}, start={self._start}, goal={self._goal})"

    # ------------------------------------------------------------------ helpers
    def _index(self, cell) -> int:
        return cell[0] * self._cols + cell[1]

    def _h(self, a, b) -> float:
        return self._hscale * math.hypot(a[0] - b[0], a[1] - b[1])

    def _set_scale(self, scale: float) -> None:
        """The least cost seen (the heuristic's factor) and the factor the kernels use,
        inflated by ``kernels.TIE_EPS`` so that ties go toward the start."""
        self._scale = scale
        self._hscale = scale * (1.0 + kernels.TIE_EPS)

    @property
    def repaired_plans(self) -> int:
        """Plans whose extraction got stuck and were completed by A* (expected 0)."""
        return self._repaired

    @property
    def restarts(self) -> int:
        """Replans that stopped a long repair and searched afresh."""
        return self._restarts

    @property
    def fallback_steps(self) -> int:
        """Extraction steps, over the planner's life, that took the node-to-node move
        because the interpolated one did not descend or was not clear."""
        return self._fallback_steps

    # ------------------------------------------------------------------ API
    def plan(self) -> Plan:
        """Bring the search up to date and return a path from the current start.

        Returns
        -------
        Plan
            ``points``: float64 (N, 2), the polyline's vertices (row, col) in cell units
            from the start cell's centre to the goal cell's centre (vertices may lie
            anywhere on the lines between neighbouring centres); ``path``: int64 (M, 2),
            every cell the polyline touches, in order, start cell first and goal cell last;
            ``cost``: the exact line integral of ``points`` (:func:`line_cost`);
            ``expanded``: nodes expanded by this call. ``found=False`` (cost inf, empty
            path) when the start or goal is blocked or the goal is unreachable.
        """
        si = self._index(self._start)
        ti = self._index(self._goal)
        flat = self._flat
        if not (math.isfinite(flat[si]) and math.isfinite(flat[ti])):
            return not_found()
        if si == ti:
            return Plan(np.array([self._start], dtype=np.int64), 0.0, 0, True,
                        np.array([self._start], dtype=np.float64))
        expanded = 0
        margin = 0.0
        widen = 0
        restarted = False
        limit = REPAIR_LIMIT * flat.size + 1024
        while True:
            done, self._size, exp = kernels.compute(
                flat, self._rows, self._cols, self._hscale, self._g, self._rhs, self._bp,
                self._pos, self._hk1, self._hk2, self._hn, self._size, si, ti, self._km, margin,
                limit)
            expanded += int(exp)
            if done == kernels.PAUSED:
                if not restarted:  # a long count to infinity: search afresh, once
                    self._restart()
                    restarted = True
                    margin = 0.0
                    continue
                status, points = done, np.array([self._start], dtype=np.float64)
                break
            if not math.isfinite(self._g[si]):
                self._expanded_total += expanded
                return not_found(expanded)
            status, points, fallbacks = kernels.extract(flat, self._g, self._rows,
                                                        self._cols, si, ti, 4 * flat.size + 16)
            self._fallback_steps += int(fallbacks)
            if status == kernels.DONE or widen == MAX_WIDEN or self._size == 0:
                break
            # A stale value on the way: search on past the start's key, then read again.
            margin = MARGIN_CELLS * self._hscale if margin == 0.0 else 8.0 * margin
            widen += 1
        self._expanded_total += expanded
        if status != kernels.DONE:
            points = self._repair(points)
            if points is None:  # pragma: no cover - would be a bug in the kernels
                return not_found(expanded)
        points = kernels.shorten(flat, self._rows, self._cols, points)
        total = float(lc.polyline_cost(flat, self._rows, self._cols, points))
        if not math.isfinite(total):  # pragma: no cover - every segment was checked clear
            raise RuntimeError("Field D* extracted a segment that is not clear")
        tight = taut_points(flat, self._rows, self._cols, points, total)  # turn at the corners
        if tight is not None:
            points, total = tight
        cells = lc.supercover(self._rows, self._cols, points, self._mark)
        path = np.stack(np.divmod(cells, self._cols), axis=1).astype(np.int64)
        return Plan(path, total, expanded, True, points)

    def _repair(self, points: np.ndarray):
        """Complete a stuck extraction with A* from its last node (see the class notes)."""
        self._repaired += 1
        whole = np.all(points == np.round(points), axis=1)
        k = int(np.flatnonzero(whole)[-1])  # the start is a node
        cell = tuple(int(v) for v in points[k])
        rest = astar(self._grid, cell, self._goal)
        if not rest.found:
            return None
        return np.ascontiguousarray(np.concatenate([points[:k], rest.points]))

    def _apply(self, flat, vals) -> None:
        """:meth:`update` without its checks, for callers that guarantee them (simulate's
        sensing): ``flat`` distinct flat cell indices in the grid (int64, shape (K,)),
        ``vals`` their new costs (float64, shape (K,), >= 1 or inf)."""
        lo = vals.min() if vals.size else np.inf
        if lo < self._scale:  # a cheaper cell than the heuristic assumed: re-key U
            self._set_scale(float(lo))
            self._km = 0.0
            kernels.rekey(self._cols, self._hscale, self._g, self._rhs, self._pos, self._hk1,
                          self._hk2, self._hn, self._size, self._index(self._start), self._km)
        self._size = int(kernels.update(
            self._flat, self._rows, self._cols, self._hscale, self._g, self._rhs, self._bp,
            self._pos, self._hk1, self._hk2, self._hn, self._size, self._index(self._start),
            self._index(self._goal), self._km, flat, vals))

    def move_to(self, cell) -> None:
        """Move the rover (the search's start) to ``cell`` (row, col); any cell is accepted.

        ``km`` grows by the heuristic distance moved, so the queue's keys stay lower bounds
        without re-keying (D* Lite's key modifier).
        """
        new = as_cell(cell, self._shape, "cell")
        self._km += self._h(self._start, new)
        self._start = new
