"""Slow, obviously right references for the planner tests (pure Python, small grids only)."""

from __future__ import annotations

import heapq
import math

import numpy as np

SQRT2 = math.sqrt(2.0)
STRAIGHT = [(-1, 0), (1, 0), (0, -1), (0, 1)]
DIAGONAL = [(-1, -1), (-1, 1), (1, -1), (1, 1)]


def passable(cost, r, c):
    rows, cols = cost.shape
    return 0 <= r < rows and 0 <= c < cols and math.isfinite(cost[r, c])


def moves(cost, r, c, connectivity=8):
    """Allowed moves from (r, c): yields (r2, c2, step cost) under the project's rule."""
    if not passable(cost, r, c):
        return
    dirs = STRAIGHT + (DIAGONAL if connectivity == 8 else [])
    for dr, dc in dirs:
        r2, c2 = r + dr, c + dc
        if not passable(cost, r2, c2):
            continue
        if dr and dc and not (passable(cost, r + dr, c) and passable(cost, r, c + dc)):
            continue  # no corner cutting
        step = SQRT2 if dr and dc else 1.0
        yield r2, c2, step * (cost[r, c] + cost[r2, c2]) / 2.0


def edge_list(cost, connectivity=8):
    """(rows, cols, weights) of every allowed directed move, flat indices."""
    rows, cols = cost.shape
    src, dst, w = [], [], []
    for r in range(rows):
        for c in range(cols):
            for r2, c2, x in moves(cost, r, c, connectivity):
                src.append(r * cols + c)
                dst.append(r2 * cols + c2)
                w.append(x)
    return np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64), np.array(w)


def dijkstra_all(cost, start, connectivity=8):
    """Least cost from start to every cell with heapq; inf where unreachable."""
    dist = np.full(cost.shape, np.inf)
    if not passable(cost, *start):
        return dist
    dist[start] = 0.0
    heap = [(0.0, tuple(start))]
    while heap:
        d, (r, c) = heapq.heappop(heap)
        if d > dist[r, c]:
            continue
        for r2, c2, x in moves(cost, r, c, connectivity):
            if d + x < dist[r2, c2]:
                dist[r2, c2] = d + x
                heapq.heappush(heap, (d + x, (r2, c2)))
    return dist


def path_cost(cost, path):
    """Cost of a path, recomputed step by step from the start."""
    total = 0.0
    for (r0, c0), (r1, c1) in zip(path[:-1], path[1:]):
        step = SQRT2 if r0 != r1 and c0 != c1 else 1.0
        total += step * (cost[r0, c0] + cost[r1, c1]) / 2.0
    return total


def check_path(cost, plan, start, goal, connectivity=8, rel=1e-12):
    """Assert that a found plan is a valid path whose recomputed cost is plan.cost."""
    path = plan.path
    assert plan.found
    assert path.dtype == np.int64 and path.ndim == 2 and path.shape[1] == 2
    assert tuple(path[0]) == tuple(start) and tuple(path[-1]) == tuple(goal)
    for (r0, c0), (r1, c1) in zip(path[:-1].tolist(), path[1:].tolist()):
        allowed = {(r2, c2) for r2, c2, _ in moves(cost, r0, c0, connectivity)}
        assert (r1, c1) in allowed, f"illegal step {(r0, c0)} -> {(r1, c1)}"
    assert math.isclose(path_cost(cost, path.tolist()), plan.cost, rel_tol=rel, abs_tol=1e-12)
