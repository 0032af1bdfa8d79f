"""Public Theta*: validation and wrapping around :mod:`._theta_star_kernels`."""

from __future__ import annotations

import math

import numpy as np

from rover.planners import _line_cost_kernels as lc
from rover.planners import _theta_star_kernels as kernels
from rover.planners._common import Plan, as_cell, as_cost_grid, not_found, vouched
from rover.planners._line_cost import taut_points

__all__ = ["theta_star"]


def theta_star(cost, start, goal, *, taut: bool = True) -> Plan:
    """Any-angle path on a cost grid with Theta* (a wrapper around a numba kernel).

    Theta* (Nash, Daniel, Koenig & Felner 2007) searches the 8-connected grid like A*, but
    a node may take its predecessor's parent as its own when the straight segment between
    them is clear, so the path is a polyline between cell centres that turns at any angle.
    Segments are costed by the exact line integral (:func:`line_cost`: length inside each
    cell times its cost) and must be clear under its rule (touching a blocked cell, even at
    a corner point, is not clear). On cost grids a line-of-sight parent is taken only when
    it is not dearer than the grid step from the node itself. The heuristic is the Euclidean
    distance times the least cell cost (admissible for the line integral). The path is
    then pulled taut through the cells it crosses (:func:`taut`: it turns 0.05 cells from
    blocked corners instead of at cell centres) when that lowers its line integral. Like
    every Theta*, the result is not guaranteed optimal, but it is never longer than the
    8-connected optimum (every grid step stays available, and pulling taut only shortens).

    Parameters
    ----------
    cost : array_like of float32 or float64, shape (rows, cols)
        Cost of crossing each cell per cell of length: finite values in [1, 1e100], ``inf``
        for blocked cells.
    start, goal : (int, int)
        (row, col) cells; the path runs between their centres.
    taut : bool
        Pull the path taut (default); False returns Theta*'s own path, every vertex at a
        cell centre.

    Returns
    -------
    Plan
        ``points``: float64 (N, 2), the polyline's vertices from the start's centre to the
        goal's; ``path``: int64 (M, 2), every cell the polyline touches, in order, each once;
        ``cost``: the line integral of ``points`` (:func:`line_cost`); ``expanded``: nodes
        expanded. ``found=False`` with ``cost=inf`` and empty path and points when the
        start or goal is blocked or the goal cannot be reached.

    Raises
    ------
    ValueError
        A malformed grid (not 2-D, empty, integer dtype, NaN or values below 1), or a start
        or goal outside it.

    Examples
    --------
    >>> import numpy as np
    >>> from rover.planners import theta_star
    >>> plan = theta_star(np.ones((3, 5)), (0, 0), (2, 4))
    >>> plan.points.tolist(), round(plan.cost, 6)
    ([[0.0, 0.0], [2.0, 4.0]], 4.472136)
    >>> plan.path.tolist()
    [[0, 0], [0, 1], [1, 1], [1, 2], [1, 3], [2, 3], [2, 4]]
    """
    run = vouched(cost)  # a run's known map is not validated again at every replan
    grid, cmin = run[:2] if run is not None else as_cost_grid(cost)[:2]
    s = as_cell(start, grid.shape, "start")
    t = as_cell(goal, grid.shape, "goal")
    if not (math.isfinite(grid[s]) and math.isfinite(grid[t])):
        return not_found()
    rows, cols = grid.shape
    flat = grid.reshape(-1)
    n = flat.size
    g = np.empty(n, dtype=np.float64)
    parent = np.empty(n, dtype=np.int32)
    flags = np.zeros(n, dtype=np.uint8)
    pos = np.empty(n, dtype=np.int32)
    hf = np.empty(n, dtype=np.float64)
    hn = np.empty(n, dtype=np.int32)
    si = s[0] * cols + s[1]
    ti = t[0] * cols + t[1]
    status, expanded = kernels.search(flat, rows, cols, si, ti, cmin,
                                      cmin * (1.0 + kernels.TIE_EPS), g, parent, flags, pos,
                                      hf, hn)
    if status != kernels.FOUND:
        return not_found(expanded)
    points = kernels.trace(parent, cols, si, ti)
    # The cost is the public line integral of the vertices (the same sums as g, segment by
    # segment, except that grid steps were added by the move-cost rule).
    total = float(lc.polyline_cost(flat, rows, cols, points))
    tight = taut_points(flat, rows, cols, points, total) if taut else None
    if tight is not None:  # turn at the corners, not the centres
        points, total = tight
    flags[:] = 0  # reused as the zeroed mark array of the supercover walk
    cells = lc.supercover(rows, cols, points, flags)
    path = np.stack(np.divmod(cells, cols), axis=1).astype(np.int64)
    return Plan(path, total, int(expanded), True, points)
