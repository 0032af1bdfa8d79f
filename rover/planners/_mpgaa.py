"""Public MPGAA*: validation, state and wrapping around :mod:`._mpgaa_kernels`."""

from __future__ import annotations

import math

import numpy as np

from rover.planners import _mpgaa_kernels as kernels
from rover.planners._common import IncrementalPlanner, Plan, as_cell, lazy_zeros, not_found

__all__ = ["MPGAAStar"]

_STAMP_LIMIT = 2**30 - 2
"""Searches (and epochs) before the int32 stamps are cleared and start again."""


class MPGAAStar(IncrementalPlanner):
    """Incremental A* toward a fixed goal that learns from each search: Multipath
    Generalized Adaptive A* (Hernández, Baier & Asín, "Reusing previously found A* paths
    for fast goal-directed navigation in dynamic terrain", AAAI 2015).

    Each :meth:`plan` is an A* search from the rover's cell, with two things kept from the
    searches before it:

    - a learned heuristic: every cell a search expanded learns ``f* - g`` (its distance to
      the goal is at least that), so the next search around there is narrower;
    - the paths found, as pointers toward the goal: a search stops at the first cell it
      selects whose pointer chain still costs exactly what that cell's heuristic says under
      the current costs, and reuses the chain instead of searching on to the goal.

    Plans are optimal (to a relative 1e-10, as A*'s). Cost rises keep everything learned
    valid, which is the case of a rover sensing ground it had assumed cheapest (every
    unseen cell at the least cost): a replan there expands a few hundred cells where A*
    from scratch searches on to the goal. A cost fall (or a cost below the heuristic's
    scale) makes learned values unsafe, so the planner forgets them all at once and its
    next plan is an A* search from scratch; unlike D* Lite it does not repair them.

    Same interface as :class:`~rover.planners.DStarLite`: :meth:`update`,
    :meth:`move_to`, :meth:`plan`.

    Parameters
    ----------
    cost : array_like, shape (rows, cols)
        float32 or float64 cost grid (>= 1, ``inf`` impassable); copied.
    start, goal : (int, int)
        (row, col) of the rover and of the goal.
    connectivity : {8, 4}
        8 (no corner cutting) or 4.

    Raises
    ------
    ValueError
        A malformed grid, start or goal, a connectivity other than 4 or 8, or costs spread
        too far for exact float64 sums (see :data:`rover.planners.MAX_SPREAD`; A*
        has no limit).

    Notes
    -----
    Memory: about 63 bytes per cell: the grid copy (8), the learned heuristic with its
    stamp and pointer (13), the search's g, stamp and parent (13), the heap with each
    open cell's slot and the list of expanded cells (20), scratch for a path's step costs
    (8) and a scratch mask (1). All but the grid copy stay untouched (no memory mapped)
    until a search first reaches them.

    Examples
    --------
    >>> import numpy as np
    >>> from rover.planners import MPGAAStar
    >>> planner = MPGAAStar(np.ones((5, 5)), (0, 0), (4, 4))
    >>> round(planner.plan().cost, 6)  # four diagonal steps
    5.656854
    >>> planner.update([[1, 1], [2, 2]], [np.inf, np.inf])
    2
    >>> round(planner.plan().cost, 6)
    6.828427
    """

    _label = "MPGAA*"

    def __init__(self, cost, start, goal, *, connectivity: int = 8):
        self._scale = self._own_grid(cost, connectivity)
        grid = self._grid
        self._start = as_cell(start, grid.shape, "start")
        self._goal = as_cell(goal, grid.shape, "goal")
        n = grid.size
        # Per-cell arrays a search reaches sparsely (a band along its path): in 4 KiB pages
        # mapped as they are written, not numpy's huge pages (lazy_zeros says why).
        self._h = lazy_zeros(n, np.float64)
        self._nxt = lazy_zeros(n, np.uint8)
        self._hst = lazy_zeros(n, np.int32)
        self._epoch = 1
        self._g = lazy_zeros(n, np.float64)
        self._par = lazy_zeros(n, np.uint8)
        self._gst = lazy_zeros(n, np.int32)
        self._sid = 0
        # One heap slot and one expanded entry per cell at most, filled from the front:
        # np.empty leaves the pages unmapped until a search reaches them.
        self._hf = np.empty(n)
        self._hn = np.empty(n, dtype=np.int32)  # grids hold under 2**31 cells
        self._pos = lazy_zeros(n, np.int32)  # indexed by cell: sparse
        self._closed = np.empty(n, dtype=np.int32)
        self._steps = np.empty(n)  # a path's step costs, to sum them from the start
        self._mark = lazy_zeros(n, np.uint8)
        self._expanded_total = 0

    def __repr__(self) -> str:
        return (f"MPGAAStar(shape={self._shape}, start={self._start}, goal={self._goal}, "
                f"connectivity={self.connectivity})")

    # ------------------------------------------------------------------ API
    def plan(self) -> Plan:
        """An optimal plan from the current start to the goal on the current costs.

        Returns
        -------
        Plan
            ``found`` False (``inf`` cost, empty path) when the goal cannot be reached;
            ``expanded`` counts this search's expansions.
        """
        cols = self._cols
        si = self._start[0] * cols + self._start[1]
        ti = self._goal[0] * cols + self._goal[1]
        if not (math.isfinite(self._flat[si]) and math.isfinite(self._flat[ti])):
            return not_found()
        self._sid += 1
        if self._sid > _STAMP_LIMIT:
            self._gst[:] = 0
            self._sid = 1
        status, expanded, path, total = kernels.search(
            self._flat, cols, self._conn8, self._scale, si, ti, self._h, self._nxt, self._hst,
            self._epoch, self._g, self._par, self._gst, self._sid, self._hf, self._hn,
            self._pos, self._closed, self._steps)
        self._expanded_total += int(expanded)
        if status != kernels.FOUND:
            return not_found(int(expanded))
        return Plan(path, float(total), int(expanded), True)

    def _apply(self, flat, vals) -> None:
        """:meth:`update` without its checks, for callers that guarantee them (simulate's
        sensing): ``flat`` distinct flat cell indices in the grid (int64, shape (K,)),
        ``vals`` their new costs (float64, shape (K,), >= 1 or inf)."""
        lower = vals < self._flat[flat]
        self._flat[flat] = vals
        if lower.any():
            # Learned distances may now be too high: forget them all (a new epoch), and
            # scale the starting heuristic by the least cost again.
            self._scale = min(self._scale, float(vals.min()))
            self._epoch += 1
            if self._epoch > _STAMP_LIMIT:
                self._hst[:] = 0
                self._epoch = 1

    def move_to(self, cell) -> None:
        """Move the rover (the search's start) to ``cell`` (row, col); any cell is accepted.
        Nothing learned depends on the start."""
        self._start = as_cell(cell, self._shape, "cell")
