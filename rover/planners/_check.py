"""Checking a plan before a rover uses it: the run loop's trust boundary (public through
:func:`rover.planners.check_plan`)."""

from __future__ import annotations

import math

import numpy as np

from rover.planners import _check_kernels as k
from rover.planners._common import Plan

__all__ = ["check_plan", "COST_RTOL"]

COST_RTOL = 1e-6
"""How far a plan's reported cost may be from the recomputed one, relative to it."""


def check_plan(cost: np.ndarray, plan, start, goal) -> str | None:
    """What is wrong with ``plan`` as a plan from ``start`` to ``goal`` on ``cost``, or None.

    A found grid plan's ``path`` must start at ``start`` and end at ``goal`` ((row, col) cells),
    step only to one of the 8 neighbours without passing a blocked cell at a corner, cross
    only passable cells of ``cost`` ((R, C) float64: the grid the planner planned on), and
    report a ``cost`` within :data:`COST_RTOL` (relative) of the move-cost rule's
    (``step * (cost[u] + cost[v]) / 2``). A plan not found must say so as :func:`not_found`
    does (``found`` False, cost inf, an empty path). An any-angle plan (``points`` not the
    path's cells) is checked on its ``points`` instead: they run from the start cell's centre
    to the goal's, every segment is clear of blocked cells (even at a corner point), and the
    cost is their line integral (:func:`rover.planners.line_cost`) within the same tolerance.

    Returns
    -------
    str or None
        One line naming the problem and the step it is at (steps counted from 1), e.g.
        ``"step 4 goes from (2, 3) to (4, 3), not to a neighbouring cell"``; None for a good
        plan.

    Examples
    --------
    >>> import numpy as np
    >>> from rover.planners import astar, check_plan
    >>> grid = np.ones((5, 5))
    >>> check_plan(grid, astar(grid, (0, 0), (4, 4)), (0, 0), (4, 4)) is None
    True
    """
    if not isinstance(plan, Plan):
        return f"it returned {_what(plan)}, not a rover.planners.Plan"
    if not isinstance(plan.found, (bool, np.bool_)):
        return f"its plan's found is {plan.found!r}, not True or False"
    if isinstance(plan.expanded, (bool, np.bool_)) or \
            not isinstance(plan.expanded, (int, np.integer)) or plan.expanded < 0:
        return f"its plan's expanded is {plan.expanded!r}, not a whole number >= 0"
    path = np.asarray(plan.path)
    if not plan.found:
        if len(path) or not (isinstance(plan.cost, float) and math.isinf(plan.cost)):
            return "its plan says not found but has a path or a finite cost"
        return None
    points = getattr(plan, "points", None)
    if points is not None and not (np.shape(points) == path.shape
                                   and np.array_equal(points, path)):
        return _check_points(cost, plan, np.asarray(points), start, goal)
    if path.ndim != 2 or path.shape[1:] != (2,) or len(path) < 1 or \
            not np.issubdtype(path.dtype, np.integer):
        return (f"its plan's path must be an (N, 2) array of whole cells, got shape "
                f"{path.shape} of {path.dtype}")
    grid = np.ascontiguousarray(cost, dtype=np.float64)
    code, i, total = k.check_path(grid, np.ascontiguousarray(path, dtype=np.int64),
                                  int(start[0]), int(start[1]), int(goal[0]), int(goal[1]))
    cell = tuple(int(v) for v in path[i]) if code != k.OK else None
    if code == k.START:
        return f"its path starts at {cell}, not at the rover's cell {tuple(start)}"
    if code == k.GOAL:
        return f"its path ends at {cell}, not at the goal {tuple(goal)}"
    if code == k.OUTSIDE:
        return f"cell {i + 1} of its path, {cell}, is outside the {grid.shape} grid"
    if code == k.BLOCKED:
        return f"cell {i + 1} of its path, {cell}, is impassable on the known map"
    prev = tuple(int(v) for v in path[i - 1]) if code in (k.JUMP, k.CORNER) else None
    if code == k.JUMP:
        return f"step {i} goes from {prev} to {cell}, not to a neighbouring cell"
    if code == k.CORNER:
        return f"step {i} goes from {prev} to {cell} past a blocked corner"
    try:
        reported = float(plan.cost)
    except (TypeError, ValueError):
        return f"its plan's cost is {plan.cost!r}, not a number"
    if not abs(reported - total) <= COST_RTOL * max(abs(total), 1e-300):
        return f"its plan reports cost {reported!r}, but its path costs {total!r}"
    return None


def _check_points(cost, plan, points: np.ndarray, start, goal) -> str | None:
    """:func:`check_plan` for an any-angle plan: its ``points`` start at the rover's cell
    centre and end at the goal's, every segment is clear (touches no blocked cell, even at a
    corner point: :func:`rover.planners.segment_clear`), and its cost is the line integral
    of ``points`` (:func:`rover.planners.line_cost`) within :data:`COST_RTOL`."""
    from rover.planners import _line_cost_kernels as lk

    if points.ndim != 2 or points.shape[1:] != (2,) or len(points) < 1 or \
            not np.issubdtype(points.dtype, np.number) or not np.isfinite(points).all():
        return (f"its plan's points must be an (N, 2) array of finite (row, col) positions, "
                f"got shape {points.shape} of {points.dtype}")
    if tuple(points[0]) != (float(start[0]), float(start[1])):
        return f"its points start at {_pt(points[0])}, not at the rover's cell {tuple(start)}"
    if tuple(points[-1]) != (float(goal[0]), float(goal[1])):
        return f"its points end at {_pt(points[-1])}, not at the goal {tuple(goal)}"
    grid = np.ascontiguousarray(cost, dtype=np.float64)
    rows, cols = grid.shape
    flat = grid.reshape(-1)
    pts = np.ascontiguousarray(points, dtype=np.float64)
    total = 0.0
    for i in range(len(pts) - 1):
        c = lk.segment_cost(flat, rows, cols, pts[i, 0], pts[i, 1], pts[i + 1, 0],
                            pts[i + 1, 1], math.inf)
        if not math.isfinite(c):
            return (f"segment {i + 1} of its points, {_pt(pts[i])} to {_pt(pts[i + 1])}, "
                    f"touches a blocked cell of the known map")
        total += c
    try:
        reported = float(plan.cost)
    except (TypeError, ValueError):
        return f"its plan's cost is {plan.cost!r}, not a number"
    if not abs(reported - total) <= COST_RTOL * max(abs(total), 1e-300):
        return (f"its plan reports cost {reported!r}, but its points cost {total!r} (line "
                f"integral)")
    return None


def _pt(p) -> str:
    return f"({float(p[0]):g}, {float(p[1]):g})"


def _what(x) -> str:
    return "None" if x is None else f"a {type(x).__name__}"
