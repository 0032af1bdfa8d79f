"""Public A*, weighted A* and Dijkstra: validation and wrapping around :mod:`._astar`."""

from __future__ import annotations

import math

import numpy as np

from rover.planners import _astar
from rover.planners._common import Plan, as_cell, as_cost_grid, check_connectivity, not_found

__all__ = ["astar", "dijkstra"]

HEAP_START = 4096
"""Initial open-list capacity; it doubles whenever the kernel asks (tests lower it)."""


def _run(grid, start, goal, conn8, hscale):
    """Run the kernel; return (status, expanded, g, flags)."""
    n = grid.size
    g = np.empty(n, dtype=np.float64)
    flags = np.zeros(n, dtype=np.uint8)
    pos = np.empty(n, dtype=np.int32)
    cap = HEAP_START
    hf = np.empty(cap, dtype=np.float64)
    hn = np.empty(cap, dtype=np.int32)
    cols = grid.shape[1]
    flat = grid.reshape(-1)
    s = start[0] * cols + start[1]
    t = -1 if goal is None else goal[0] * cols + goal[1]
    size = 0
    expanded = 0
    while True:
        status, size, exp = _astar.search(flat, cols, s, t, conn8, hscale, g, flags, pos,
                                          hf, hn, size)
        expanded += exp
        if status != _astar.GROW:
            break
        # The open list outgrew its arrays: double them and resume where the kernel stopped.
        cap *= 2
        hf = np.concatenate([hf, np.empty_like(hf)])
        hn = np.concatenate([hn, np.empty_like(hn)])
    if goal is None:
        g[flags == 0] = np.inf
    return status, expanded, g, flags


def _plan(grid, start, goal, conn8, hscale) -> Plan:
    if not (math.isfinite(grid[start]) and math.isfinite(grid[goal])):
        return not_found()
    status, expanded, g, flags = _run(grid, start, goal, conn8, hscale)
    if status != _astar.FOUND:
        return not_found(expanded)
    cols = grid.shape[1]
    path = _astar.trace(flags, cols, start[0] * cols + start[1], goal[0] * cols + goal[1])
    return Plan(path, float(g[goal[0] * cols + goal[1]]), expanded, True)


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
        Cost of crossing each cell: finite values >= 1, ``inf`` for blocked cells. A float64
        C-contiguous grid is used without copying; float32 is converted once.
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
    grid, cmin = as_cost_grid(cost)
    s = as_cell(start, grid.shape, "start")
    t = as_cell(goal, grid.shape, "goal")
    # A tiny inflation breaks ties toward the goal (see _astar.TIE_EPS).
    hscale = cmin * w * (1.0 + _astar.TIE_EPS) if math.isfinite(cmin) else 0.0
    return _plan(grid, s, t, conn == 8, hscale)


def dijkstra(cost, start, goal=None, *, connectivity: int = 8):
    """Least costs with Dijkstra's algorithm (a wrapper around a numba kernel).

    Same cost rule as :func:`astar` (no heuristic).

    Parameters
    ----------
    cost : array_like of float32 or float64, shape (rows, cols)
        Cell costs: finite values >= 1, ``inf`` for blocked cells.
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
    grid, _ = as_cost_grid(cost)
    s = as_cell(start, grid.shape, "start")
    if goal is not None:
        t = as_cell(goal, grid.shape, "goal")
        return _plan(grid, s, t, conn == 8, 0.0)
    if not math.isfinite(grid[s]):
        return np.full(grid.shape, np.inf)
    _, _, g, _ = _run(grid, s, None, conn == 8, 0.0)
    return g.reshape(grid.shape)
