"""Public A*, weighted A* and Dijkstra: validation and wrapping around :mod:`._astar_kernels`."""

from __future__ import annotations

import math

import numpy as np

from rover.planners import _astar_kernels as kernels
from rover.planners._common import (Plan, as_cell, as_cost_grid, check_connectivity, grid_of,
                                    not_found, vouched)

__all__ = ["astar", "dijkstra", "RepeatedSearch"]

HEAP_START = 4096
"""Initial open-list capacity; it doubles whenever the kernel asks (tests lower it)."""


def _search(flat, cols, s, t, conn8, hscale, g, flags, pos, hf, hn):
    """Run the kernel to the end, doubling the open list whenever it asks.

    Returns (status, expanded, hf, hn): the heap arrays may have been replaced by larger ones.
    """
    size = 0
    expanded = 0
    while True:
        status, size, exp = kernels.search(flat, cols, s, t, conn8, hscale, g, flags, pos,
                                          hf, hn, size)
        expanded += exp
        if status != kernels.GROW:
            return status, expanded, hf, hn
        # The open list outgrew its arrays: double them and resume where the kernel stopped.
        hf = np.concatenate([hf, np.empty_like(hf)])
        hn = np.concatenate([hn, np.empty_like(hn)])


def _run(grid, start, goal, conn8, hscale):
    """Run the kernel; return (status, expanded, g, flags)."""
    n = grid.size
    g = np.empty(n, dtype=np.float64)
    flags = np.zeros(n, dtype=np.uint8)
    pos = np.empty(n, dtype=np.int32)
    hf = np.empty(HEAP_START, dtype=np.float64)
    hn = np.empty(HEAP_START, dtype=np.int32)
    cols = grid.shape[1]
    s = start[0] * cols + start[1]
    t = -1 if goal is None else goal[0] * cols + goal[1]
    status, expanded, _, _ = _search(grid.reshape(-1), cols, s, t, conn8, hscale, g, flags,
                                     pos, hf, hn)
    if goal is None:
        g[flags == 0] = np.inf
    return status, expanded, g, flags


def _hscale(cmin: float, weight: float) -> float:
    """Heuristic factor for A* (weight 1) or weighted A*: the least cost times the weight,
    inflated by a tiny relative amount that breaks ties toward the goal (see
    ``kernels.TIE_EPS``); 0 (no heuristic) when no cell is passable."""
    return cmin * weight * (1.0 + kernels.TIE_EPS) if math.isfinite(cmin) else 0.0


def _outcome(status, expanded, g, flags, cols, s, t) -> Plan:
    """The :class:`Plan` of a finished search from flat cell ``s`` to flat cell ``t``."""
    if status != kernels.FOUND:
        return not_found(expanded)
    return Plan(kernels.trace(flags, cols, s, t), float(g[t]), expanded, True)


def _plan(grid, start, goal, conn8, hscale) -> Plan:
    if not (math.isfinite(grid[start]) and math.isfinite(grid[goal])):
        return not_found()
    status, expanded, g, flags = _run(grid, start, goal, conn8, hscale)
    cols = grid.shape[1]
    return _outcome(status, expanded, g, flags, cols, start[0] * cols + start[1],
                    goal[0] * cols + goal[1])


def astar(cost, start, goal, *, connectivity: int = 8, weight: float = 1.0) -> Plan:
    """Least-cost path on a cost grid with A* (a wrapper around a numba kernel).

    A step from cell u to a neighbour v costs ``step * (cost[u] + cost[v]) / 2`` with
    ``step`` 1 for a straight move and sqrt(2) for a diagonal one; a diagonal move is allowed
    only when both cells beside it are passable (no corner cutting). The heuristic is the
    octile distance (Manhattan when 4-connected) times the least finite cost in the grid, so
    with ``weight=1`` the path is optimal. Ties go to the node nearer the goal.

    Parameters
    ----------
    cost : array_like of float32 or float64, shape (rows, cols)
        Cost of crossing each cell: finite values in [1, 1e100], ``inf`` for blocked cells. A
        float64 C-contiguous grid is used without copying; float32 is converted once.
    start, goal : (int, int)
        (row, col) cells.
    connectivity : {8, 4}
        Neighbourhood of a cell.
    weight : float
        Heuristic weight >= 1; above 1 this is weighted A*, whose path costs at most
        ``weight`` times the optimum and which usually expands far fewer nodes.

    Returns
    -------
    Plan
        ``found=False`` with ``cost=inf`` and a (0, 2) path when the start or goal is blocked
        or the goal cannot be reached.

    Raises
    ------
    ValueError
        A malformed grid (not 2-D, empty, integer dtype, NaN or values below 1), a start or
        goal outside it, a connectivity other than 4 or 8, or a weight below 1.

    Examples
    --------
    >>> import numpy as np
    >>> from rover.planners import astar
    >>> grid = np.ones((3, 3))
    >>> grid[1, 1] = np.inf
    >>> plan = astar(grid, (0, 0), (2, 2))
    >>> plan.path.tolist(), plan.cost
    ([[0, 0], [1, 0], [2, 0], [2, 1], [2, 2]], 4.0)
    """
    conn = check_connectivity(connectivity)
    try:
        w = float(weight)
    except (TypeError, ValueError):
        raise ValueError(f"weight must be a number >= 1, got {weight!r}") from None
    if not (w >= 1.0 and math.isfinite(w)):
        raise ValueError(f"weight must be a finite number >= 1, got {weight!r}")
    run = vouched(cost)
    if run is not None:  # a run's known map: no validation, and its one search workspace
        grid, cmin, known = run
        s = as_cell(start, grid.shape, "start")
        t = as_cell(goal, grid.shape, "goal")
        if known._lock.acquire(blocking=False):
            try:
                search = known._spaces.get(conn)
                if search is None:
                    search = known._spaces[conn] = RepeatedSearch(grid, connectivity=conn)
                return search.plan("astar" if w == 1.0 else "wastar", s, t, cmin, weight=w)
            finally:
                known._lock.release()
        # (another thread is using the workspace: plan with arrays of this call's own)
    else:
        grid, cmin, _ = as_cost_grid(cost)
        s = as_cell(start, grid.shape, "start")
        t = as_cell(goal, grid.shape, "goal")
    return _plan(grid, s, t, conn == 8, _hscale(cmin, w))


def dijkstra(cost, start, goal=None, *, connectivity: int = 8):
    """Least costs with Dijkstra's algorithm (a wrapper around a numba kernel).

    Same cost rule as :func:`astar` (no heuristic).

    Parameters
    ----------
    cost : array_like of float32 or float64, shape (rows, cols)
        Cell costs: finite values in [1, 1e100], ``inf`` for blocked cells.
    start : (int, int)
        (row, col) source cell.
    goal : (int, int) or None
        With a goal, stop there and return a :class:`Plan`; without, search everything.
    connectivity : {8, 4}
        Neighbourhood of a cell.

    Returns
    -------
    Plan or numpy.ndarray
        With a goal, a :class:`Plan`. Without, a float64 array of shape (rows, cols) holding
        the least cost from ``start`` to every cell, ``inf`` where unreachable (everywhere
        when ``start`` is blocked).

    Raises
    ------
    ValueError
        As :func:`astar`.

    Examples
    --------
    >>> import numpy as np
    >>> from rover.planners import dijkstra
    >>> dijkstra(np.array([[1.0, 3.0, np.inf]]), (0, 0)).tolist()
    [[0.0, 2.0, inf]]
    """
    conn = check_connectivity(connectivity)
    grid = grid_of(cost)
    s = as_cell(start, grid.shape, "start")
    if goal is not None:
        t = as_cell(goal, grid.shape, "goal")
        return _plan(grid, s, t, conn == 8, 0.0)
    if not math.isfinite(grid[s]):
        return np.full(grid.shape, np.inf)
    _, _, g, _ = _run(grid, s, None, conn == 8, 0.0)
    return g.reshape(grid.shape)


class RepeatedSearch:
    """Plans from scratch, one after another, on one grid whose costs change in place between
    them: the replanning loop of :func:`rover.simulate` with ``astar``, ``wastar`` or
    ``dijkstra``.

    :func:`astar` validates the whole grid and allocates per-cell arrays on every call: work
    in proportion to the grid's cells, which on a 2048 x 2048 map costs about twenty times a
    typical replan's search. Here the caller vouches for the grid instead (float64,
    C-contiguous, finite values >= 1 or ``inf``, as :class:`rover.sensing.KnownMap` keeps it)
    and passes its least finite cost; the arrays are allocated once and a search resets only
    the cells it touched. Each plan is the one :func:`plan_path` would return for the grid as
    it stands: same kernel, same heuristic, same tie-breaking.

    Parameters
    ----------
    grid : numpy.ndarray
        float64, C-contiguous, shape (rows, cols); read at each :meth:`plan`, never written.
    connectivity : {8, 4}
    """

    def __init__(self, grid: np.ndarray, *, connectivity: int = 8):
        if not (isinstance(grid, np.ndarray) and grid.dtype == np.float64 and grid.ndim == 2
                and grid.flags.c_contiguous):
            raise ValueError("grid must be a C-contiguous 2-D float64 array")
        self._conn8 = check_connectivity(connectivity) == 8
        self._grid = grid
        self._flat = grid.reshape(-1)
        n = grid.size
        self._g = np.empty(n, dtype=np.float64)
        self._flags = np.zeros(n, dtype=np.uint8)
        self._pos = np.empty(n, dtype=np.int32)
        self._hf = np.empty(HEAP_START, dtype=np.float64)
        self._hn = np.empty(HEAP_START, dtype=np.int32)

    def plan(self, name: str, start, goal, least_cost: float, *, weight: float = 1.5) -> Plan:
        """Plan from ``start`` to ``goal`` ((row, col) cells on the grid) with ``name``:
        ``"astar"``, ``"wastar"`` (with ``weight``) or ``"dijkstra"``; ``least_cost`` is the
        grid's least finite cost now (inf when there is none)."""
        if name == "dijkstra":
            hscale = 0.0
        elif name in ("astar", "wastar"):
            hscale = _hscale(least_cost, weight if name == "wastar" else 1.0)
        else:
            raise ValueError(f"RepeatedSearch plans with astar, wastar or dijkstra, not {name!r}")
        grid = self._grid
        s_rc = (int(start[0]), int(start[1]))
        t_rc = (int(goal[0]), int(goal[1]))
        if not (math.isfinite(grid[s_rc]) and math.isfinite(grid[t_rc])):
            return not_found()
        cols = grid.shape[1]
        s = s_rc[0] * cols + s_rc[1]
        t = t_rc[0] * cols + t_rc[1]
        try:
            status, expanded, self._hf, self._hn = _search(
                self._flat, cols, s, t, self._conn8, hscale, self._g, self._flags, self._pos,
                self._hf, self._hn)
            return _outcome(status, expanded, self._g, self._flags, cols, s, t)
        finally:
            # Also after an interrupt or a failed allocation: flags left set would make
            # every later search refuse its start.
            kernels.clear(self._flags, cols, s, self._pos)
