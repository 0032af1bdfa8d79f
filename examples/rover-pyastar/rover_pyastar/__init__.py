"""A* in plain Python (heapq), the smallest useful planner plugin for planetary-rover-nav."""

import heapq
import math

import numpy as np

from rover.planners import Plan

__all__ = ["plan"]

SQRT2 = math.sqrt(2.0)
STEPS = [(-1, -1, SQRT2), (-1, 0, 1.0), (-1, 1, SQRT2), (0, -1, 1.0), (0, 1, 1.0),
         (1, -1, SQRT2), (1, 0, 1.0), (1, 1, SQRT2)]


def plan(cost, start, goal):
    """A* in plain Python: an optimal path under the package's move-cost rule (a step
    costs its length, 1 or sqrt(2) cells, times the mean of its two cells' costs; no corner
    cutting). ``cost`` is a (rows, cols) float grid (inf impassable); ``start`` and ``goal``
    are (row, col) cells."""
    rows, cols = cost.shape
    start, goal = tuple(map(int, start)), tuple(map(int, goal))
    finite = cost[np.isfinite(cost)]
    least = float(finite.min()) if finite.size else 1.0

    def h(r, c):  # octile distance times the least cost: admissible
        dr, dc = abs(r - goal[0]), abs(c - goal[1])
        return least * (max(dr, dc) + (SQRT2 - 1.0) * min(dr, dc))

    if not (math.isfinite(cost[start]) and math.isfinite(cost[goal])):
        return Plan(np.empty((0, 2), np.int64), math.inf, 0, False)
    g = {start: 0.0}
    parent = {start: None}
    heap = [(h(*start), start)]
    expanded = 0
    done = set()
    while heap:
        _, u = heapq.heappop(heap)
        if u in done:
            continue
        done.add(u)
        expanded += 1
        if u == goal:
            path = []
            while u is not None:
                path.append(u)
                u = parent[u]
            return Plan(np.array(path[::-1], dtype=np.int64), g[goal], expanded, True)
        r, c = u
        for dr, dc, step in STEPS:
            v = (r + dr, c + dc)
            if not (0 <= v[0] < rows and 0 <= v[1] < cols) or not math.isfinite(cost[v]):
                continue
            if dr and dc and not (math.isfinite(cost[r, c + dc]) and math.isfinite(cost[r + dr, c])):
                continue  # no corner cutting
            gv = g[u] + step * (cost[u] + cost[v]) / 2.0
            if gv < g.get(v, math.inf):
                g[v], parent[v] = gv, u
                heapq.heappush(heap, (gv + h(*v), v))
    return Plan(np.empty((0, 2), np.int64), math.inf, expanded, False)
