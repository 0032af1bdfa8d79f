"""Public D* Lite: validation, state and wrapping around :mod:`._dstar_lite_kernels`."""

from __future__ import annotations

import math

import numpy as np

from rover.planners import _dstar_lite_kernels as kernels
from rover.planners._common import IncrementalPlanner, Plan, as_cell, not_found

__all__ = ["DStarLite"]

_SQRT2 = math.sqrt(2.0)
_NO_LIMIT = np.iinfo(np.int64).max
HEAP_START = 4096
"""Initial queue capacity; it doubles whenever a kernel asks (tests lower it)."""
PATH_START = 1024
"""Initial capacity of the kept path and its scratch [cells]; both double whenever a path
is longer."""
CHECK_START = 1024
"""Values one :meth:`DStarLite.plan` raises before it first asks whether the start and the
goal are walled apart; the next ask comes after twice as many, and so on (tests lower it)."""
CHECK_SHARE = 1
"""Each ask floods at most (the raises it asks at) / CHECK_SHARE cells from the start and
from the goal. A flooded cell costs about a twentieth of a raise, so the asks add about a
tenth to a search that raises many values."""
CHECK_EXPANDED = 8
"""A replan also asks after CHECK_EXPANDED times as many expansions as the raises it would
ask at. Once a wall has cut the start off, its key is infinite and the search runs on,
lowering values, until the queue is empty: after a narrow search (uniform ground) that
takes few raises and most of the grid."""
CHECK_EXPANDED_FIRST = 64
"""The same for a first plan (the start has no value yet): a start walled into a pocket
would make it search the goal's whole side of the wall. Asking this seldom adds under 1% to
a first plan that finds its path."""
POCKET_NEAR = 12
"""An update that blocks a cell within this many cells (Chebyshev) of the rover makes the
next :meth:`DStarLite.plan` first flood from the rover, at most :data:`POCKET_BUDGET` cells
and no further out than one more cell (so a rover not walled in costs a few dozen):
a wall of a few hundred cells that closes around the rover is then found at once, where
the search would raise :data:`CHECK_START` values before its first flood (0.7 ms on a
1024 x 1024 grid, against 1.0 ms for A* from scratch)."""
POCKET_BUDGET = (2 * POCKET_NEAR + 1) ** 2
"""Cells that first flood may visit: every cell within :data:`POCKET_NEAR` of the rover, so
a ring of that radius (529 cells inside for 12) is found whole (0 turns the flood off;
tests do, to reach the other floods). On the 2048 x 2048 benchmark traverse 62 of 2,070
replans flood, a few microseconds each."""


class DStarLite(IncrementalPlanner):
    """Incremental planner: D* Lite (Koenig & Likhachev 2002, optimised version) in numba.

    It searches backwards from the goal and keeps its work between queries, so after a few
    cells change near the rover, or the rover moves, a new optimal plan costs a small fraction
    of planning from scratch. Same cost rule as :func:`rover.planners.astar`.

    Parameters
    ----------
    cost : array_like of float32 or float64, shape (rows, cols)
        Cell costs: finite values in [1, 1e100], ``inf`` for blocked cells. The grid is copied;
        the caller's array is never changed.
    start, goal : (int, int)
        (row, col) of the rover and of the goal.
    connectivity : {8, 4}
        Neighbourhood of a cell.

    Raises
    ------
    ValueError
        A malformed grid, a start or goal outside it, a connectivity other than 4 or 8, or
        costs spread too far for exact float64 sums (see
        :data:`rover.planners.MAX_SPREAD`; A* has no limit).

    Notes
    -----
    After any sequence of :meth:`update` and :meth:`move_to` calls, :meth:`plan` returns an
    optimal path on the current grid from the current start, to within a relative 1e-9 (the
    price of floating point: see ``kernels.KEY_RTOL``). The heuristic is the octile (Manhattan
    when 4-connected) distance times the least finite cost seen so far, inflated by a relative
    1e-10 so that ties go toward the start as in :func:`astar`; when an update brings a cost
    below it, the queue is re-keyed once for the smaller factor. On uniform ground a first
    plan expands about as many cells as A* (the path's), not the plateau of equal keys.
    A search that raises many values, or expands very many, stops now and then to flood
    from the start and from the goal (see :meth:`plan`), so a rover or goal walled
    into a pocket is found unreachable
    after work in proportion to the pocket, instead of after raising every value the wall
    cut off; after an update that blocks cells near the rover, a plan floods a little from
    the rover before it searches. When a wall splits the grid into two large parts, D* Lite
    still raises about the smaller part's values: A* from scratch is then much faster.
    Memory: up to about 34 bytes per cell (grid copy, g, rhs, heap index, path index,
    scratch), plus the queue; all but the grid copy start untouched (zero pages, or
    uninitialised for the path index), so the machine maps them as a search first reaches
    them.

    Examples
    --------
    >>> import numpy as np
    >>> from rover.planners import DStarLite
    >>> planner = DStarLite(np.ones((5, 5)), (0, 0), (4, 4))
    >>> round(planner.plan().cost, 6)  # four diagonal steps
    5.656854
    >>> planner.update([[1, 1], [2, 2]], [np.inf, np.inf])
    2
    >>> round(planner.plan().cost, 6)
    6.828427
    """

    _label = "D* Lite"

    def _warm_more(self) -> None:
        self._separated(0, 8, 4)  # the flood a raising replan stops for (never on 3 x 3)

    def __init__(self, cost, start, goal, *, connectivity: int = 8):
        self._set_scale(self._own_grid(cost, connectivity))
        grid = self._grid
        s = as_cell(start, grid.shape, "start")
        t = as_cell(goal, grid.shape, "goal")
        self._start = s
        self._goal = t
        n = grid.size
        # g and rhs hold 0.0 for inf (kernels.GOAL_ZERO): fresh zero pages, touched only
        # where the search goes.
        self._g = np.zeros(n)
        self._rhs = np.zeros(n)
        self._pos = np.zeros(n, dtype=np.int32)  # slot in U + 1; 0: not in U
        self._mark = np.zeros(n, dtype=np.uint8)
        # The last path, goal first, for kernels.extract to reuse: (cell, row, col) and the
        # cost of each step; the index of each of its cells (trusted where _rev agrees, so
        # never cleared); the box of cells changed since; the new part's scratch.
        self._rev = np.empty((PATH_START, 3), dtype=np.int64)
        self._ecost = np.empty(PATH_START)
        self._plen = 0
        self._pidx = np.empty(n, dtype=np.int32)  # grids hold under 2**31 cells
        self._touched = np.array([kernels.UNTOUCHED, -1, kernels.UNTOUCHED, -1], dtype=np.int64)
        self._walk = np.empty((PATH_START, 3), dtype=np.int64)
        self._wcost = np.empty(PATH_START)
        self._seen = np.empty(0, dtype=np.int64)  # flood scratch of _separated, grows
        self._cut = False  # the last plan found the start and goal walled apart
        self._walled = False  # an update blocked a cell near the rover since the last plan
        cap = HEAP_START
        self._hk1 = np.empty(cap)
        self._hk2 = np.empty(cap)
        self._hn = np.empty(cap, dtype=np.int32)
        gi = self._index(t)
        self._rhs[gi] = kernels.GOAL_ZERO
        self._hk1[0] = self._h(s, t)
        self._hk2[0] = 0.0
        self._hn[0] = gi
        self._pos[gi] = 1
        self._size = 1
        self._km = 0.0
        self._expanded_total = 0

    def __repr__(self) -> str:
        return (f"DStarLite(shape={self._shape}, start={self._start}, goal={self._goal}, "
                f"connectivity={self.connectivity})")

    # ------------------------------------------------------------------ helpers
    def _index(self, cell) -> int:
        return cell[0] * self._cols + cell[1]

    def _h(self, a, b) -> float:
        dr = abs(a[0] - b[0])
        dc = abs(a[1] - b[1])
        if self._conn8:
            return self._hscale * (max(dr, dc) + (_SQRT2 - 1.0) * min(dr, dc))
        return self._hscale * float(dr + dc)

    def _set_scale(self, scale: float) -> None:
        """The least cost seen (the heuristic's factor) and the factor the kernels use,
        inflated by ``kernels.TIE_EPS`` so that ties go toward the start."""
        self._scale = scale
        self._hscale = scale * (1.0 + kernels.TIE_EPS)

    def _reserve(self, extra: int) -> None:
        need = self._size + extra
        cap = self._hn.size
        if need <= cap:
            return
        while cap < need:
            cap *= 2
        # U holds each vertex at most once (+ the kernels' margin): no need to double past it.
        cap = max(need, min(cap, self._flat.size + 32))
        k = self._size
        for name in ("_hk1", "_hk2", "_hn"):
            old = getattr(self, name)
            new = np.empty(cap, dtype=old.dtype)
            new[:k] = old[:k]
            setattr(self, name, new)

    # ------------------------------------------------------------------ API
    def plan(self) -> Plan:
        """Bring the search up to date and return the optimal path from the current start.

        Returns
        -------
        Plan
            ``expanded`` counts the nodes expanded by this call only (0 when nothing changed
            since the last plan). ``found=False`` (cost inf, empty path) when the start or the
            goal is blocked or the goal is unreachable.

        Notes
        -----
        After raising :data:`CHECK_START` values, then twice as many, and so on (or after
        :data:`CHECK_EXPANDED` times as many expansions; :data:`CHECK_EXPANDED_FIRST` for a
        first plan), the search pauses and floods at most 1/:data:`CHECK_SHARE` as many
        cells from each end. If one end's whole pocket fits and does not hold the other, no
        path exists and the plan returns at once; the paused search stays in the queue and a
        later call resumes it. A pocket of P cells is so found after raising about 2P values
        or expanding about 16P vertices (128P in a first plan), whichever comes first.
        Before it searches, a plan that follows an update blocking a cell within
        :data:`POCKET_NEAR` cells of the rover floods from the rover alone, over at most
        :data:`POCKET_BUDGET` cells within ``POCKET_NEAR + 1`` of it: a pocket that small is
        found with no expansion. A plan found "not found" stays so, with no work, until a
        blocked cell is opened or the rover moves.
        """
        si = self._index(self._start)
        ti = self._index(self._goal)
        if not (math.isfinite(self._flat[si]) and math.isfinite(self._flat[ti])):
            return not_found()
        if self._cut:  # no cell opened and no move since the flood that proved it
            return not_found()
        if self._walled:
            self._walled = False
            if (POCKET_BUDGET and self._separated(si, ti, POCKET_BUDGET, box=POCKET_NEAR + 1)
                    == kernels.SEPARATED):
                self._cut = True
                return not_found()
        if si == ti:  # at the goal: nothing to search (U keeps its work for later moves)
            return Plan(np.array([self._start], dtype=np.int64), 0.0, 0, True)
        expanded = 0
        # A wall that cuts the start off from the goal makes D* Lite raise every value the
        # wall cut off, up to the whole grid, where A* from scratch would stop after the
        # pocket. So a search that raises many values, or expands very many, stops now and
        # then to flood from both ends: when one end's pocket is found whole, the goal is
        # unreachable and the search can wait (U keeps its work for a later plan, after the
        # pocket opens).
        check = CHECK_START
        raised = 0
        joined = False
        replan = self._g[si] != 0.0 or self._rhs[si] != 0.0  # the start has a value
        every = CHECK_EXPANDED if replan else CHECK_EXPANDED_FIRST
        while True:
            limit = _NO_LIMIT if joined else max(check - raised, 0)
            limit_exp = _NO_LIMIT if joined else max(every * check - expanded, 0)
            status, self._size, exp, up = kernels.compute(
                self._flat, self._cols, self._conn8, self._hscale, self._g, self._rhs,
                self._pos, self._hk1, self._hk2, self._hn, self._size, si, ti, self._km,
                limit, limit_exp, self._touched, self._plen > 0,
            )
            expanded += int(exp)
            raised += int(up)
            if status == kernels.GROW:
                self._reserve(self._hn.size + 1)
            elif status == kernels.PAUSED:
                verdict = self._separated(si, ti, max(1, check // CHECK_SHARE))
                if verdict == kernels.SEPARATED:
                    self._cut = True
                    self._expanded_total += expanded
                    return not_found(expanded)
                joined = verdict == kernels.JOINED
                check *= 2
            else:
                break
        self._expanded_total += expanded
        # No kept path while the kernel may rewrite it: an interrupt before the new length
        # is recorded then costs a whole descent next time, never a stale tail.
        kept, self._plen = self._plen, 0
        while True:
            status, count, total, path = kernels.extract(
                self._flat, self._cols, self._conn8, self._g, self._rhs, si, ti, self._rev,
                self._ecost, kept, self._pidx, self._touched, self._walk, self._wcost)
            if status != kernels.GROW:
                break
            self._grow_path(kept)
        if status == kernels.NOT_FOUND:
            self._plen = kept  # untouched: still the last path read
            return not_found(expanded)
        if status != kernels.DONE:  # pragma: no cover - would be a bug in the kernels
            raise RuntimeError("D* Lite state is inconsistent: no descent from the start")
        self._plen = int(count)
        return Plan(path, float(total), expanded, True)

    def _grow_path(self, kept: int) -> None:
        """Double the kept path's arrays (keeping its first ``kept`` cells) and the scratch."""
        cap = 2 * self._rev.shape[0]
        rev = np.empty((cap, 3), dtype=np.int64)
        ecost = np.empty(cap)
        rev[:kept] = self._rev[:kept]
        ecost[:kept] = self._ecost[:kept]
        self._rev, self._ecost = rev, ecost
        self._walk = np.empty((cap, 3), dtype=np.int64)
        self._wcost = np.empty(cap)

    def _separated(self, si: int, ti: int, budget: int, box: int = -1) -> int:
        """``kernels.separated`` for flat cells si and ti with a flood budget [cells], from
        both ends, or from si only within ``box`` cells of it when ``box >= 0``."""
        budget = min(budget, self._flat.size)
        if self._seen.size < budget:
            self._seen = np.empty(max(budget, 2 * self._seen.size), dtype=np.int64)
        return int(kernels.separated(self._flat, self._cols, si, ti, budget, self._mark,
                                    self._seen, box))

    def _apply(self, flat, vals) -> None:
        """:meth:`update` without its checks, for callers that guarantee them (simulate's
        sensing): ``flat`` distinct flat cell indices in the grid (int64, shape (K,)),
        ``vals`` their new costs (float64, shape (K,), >= 1 or inf)."""
        lo = vals.min() if vals.size else np.inf
        if lo < self._scale:  # inf never is, so this is the least finite new cost
            # A cheaper cell than the heuristic assumed: lower the factor and re-key U.
            self._set_scale(float(lo))
            self._km = 0.0
            kernels.rekey(self._cols, self._conn8, self._hscale, self._g, self._rhs, self._pos,
                         self._hk1, self._hk2, self._hn, self._size, self._index(self._start))
        # Each vertex is in U at most once, so U never outgrows the grid.
        self._reserve(min(9 * flat.size + 32, self._flat.size - self._size))
        size, walled, opened = kernels.update(
            self._flat, self._cols, self._conn8, self._hscale, self._g, self._rhs, self._pos,
            self._hk1, self._hk2, self._hn, self._size, self._index(self._start),
            self._index(self._goal), self._km, flat, vals, self._mark, POCKET_NEAR,
            self._touched,
        )
        self._size = int(size)
        self._walled = self._walled or bool(walled)
        if opened:  # only a blocked cell made passable can join the walled-apart ends
            self._cut = False

    def move_to(self, cell) -> None:
        """Move the rover (the search's start) to ``cell`` (row, col); any cell is accepted.

        ``km`` grows by the heuristic distance moved, so the queue's keys stay valid lower
        bounds without re-keying (Koenig & Likhachev's key modifier).
        """
        new = as_cell(cell, self._shape, "cell")
        self._km += self._h(self._start, new)
        if new != self._start:
            self._cut = False
        self._start = new
