"""The numba kernel that checks a grid path (private; :func:`rover.planners.check_plan` is
the public wrapper)."""

from __future__ import annotations

import math

from numba import njit

OK = 0
START = 1      # the path does not start at the start cell
GOAL = 2       # it does not end at the goal cell
OUTSIDE = 3    # a cell outside the grid
JUMP = 4       # a step to a cell that is not one of the 8 neighbours
CORNER = 5     # a diagonal step past a blocked cell beside it
BLOCKED = 6    # a blocked (inf) cell on the path


@njit(cache=True, nogil=True)
def check_path(grid, path, sr, sc, gr, gc):
    """(code, index, cost) of the grid path ``path`` ((N, 2) int64 rows and columns, N >= 1)
    on ``grid`` ((R, C) float64): the first problem (a code above, and the path index it
    is at) or OK, and the path's cost under the move-cost rule (step * (c_u + c_v) / 2),
    summed in path order."""
    R, C = grid.shape
    n = path.shape[0]
    if path[0, 0] != sr or path[0, 1] != sc:
        return START, 0, math.inf
    if path[n - 1, 0] != gr or path[n - 1, 1] != gc:
        return GOAL, n - 1, math.inf
    total = 0.0
    for i in range(n):
        r = path[i, 0]
        c = path[i, 1]
        if r < 0 or r >= R or c < 0 or c >= C:
            return OUTSIDE, i, math.inf
        if not math.isfinite(grid[r, c]):
            return BLOCKED, i, math.inf
        if i == 0:
            continue
        pr = path[i - 1, 0]
        pc = path[i - 1, 1]
        dr = r - pr
        dc = c - pc
        if abs(dr) > 1 or abs(dc) > 1 or (dr == 0 and dc == 0):
            return JUMP, i, math.inf
        step = 1.0
        if dr != 0 and dc != 0:
            if not (math.isfinite(grid[pr, c]) and math.isfinite(grid[r, pc])):
                return CORNER, i, math.inf
            step = math.sqrt(2.0)
        total += step * (grid[pr, pc] + grid[r, c]) * 0.5
    return OK, 0, total
