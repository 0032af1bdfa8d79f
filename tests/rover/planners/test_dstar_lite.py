"""D* Lite: after any sequence of updates and moves, plan() equals a from-scratch A*."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rover.planners import DStarLite, astar

_spec = importlib.util.spec_from_file_location("rover_planners_naive",
                                               Path(__file__).with_name("naive.py"))
naive = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(naive)

INF = np.inf


def same(a, b):
    return a == b or math.isclose(a, b, rel_tol=1e-9)


def check_against_astar(planner, grid, connectivity):
    plan = planner.plan()
    ref = astar(grid, planner.start, planner.goal, connectivity=connectivity)
    assert same(plan.cost, ref.cost), (plan.cost, ref.cost)
    assert plan.found == ref.found
    if plan.found:
        naive.check_path(grid, plan, planner.start, planner.goal, connectivity)
    return plan


@settings(deadline=None, max_examples=120, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_updates_and_moves_match_a_fresh_astar(data):
    rows = data.draw(st.integers(1, 12), label="rows")
    cols = data.draw(st.integers(1, 12), label="cols")
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    conn = data.draw(st.sampled_from([8, 4]), label="connectivity")
    rng = np.random.default_rng(seed)
    grid = 1.0 + rng.choice([0.0, 1.0, 9.0]) * rng.random((rows, cols))
    grid[rng.random((rows, cols)) < rng.choice([0.0, 0.2, 0.4])] = INF
    start = (int(rng.integers(rows)), int(rng.integers(cols)))
    goal = (int(rng.integers(rows)), int(rng.integers(cols)))
    planner = DStarLite(grid, start, goal, connectivity=conn)
    plan = check_against_astar(planner, grid, conn)
    for _ in range(data.draw(st.integers(1, 10), label="steps")):
        op = data.draw(st.sampled_from(["rise", "fall", "block", "unblock", "mixed", "move"]))
        if op == "move":
            if plan.found and len(plan.path) > 1:
                k = data.draw(st.integers(1, len(plan.path) - 1), label="advance")
                planner.move_to(tuple(plan.path[k]))
        else:
            k = data.draw(st.integers(1, 8), label="cells")
            cells = np.stack([rng.integers(0, rows, k), rng.integers(0, cols, k)], axis=1)
            old = grid[cells[:, 0], cells[:, 1]]
            if op == "rise":
                new = np.where(np.isfinite(old), old + 1.0 + 5.0 * rng.random(k), INF)
            elif op == "fall":
                new = np.where(np.isfinite(old), np.maximum(1.0, old - 5.0 * rng.random(k)),
                               old)
            elif op == "block":
                new = np.full(k, INF)
            elif op == "unblock":
                new = 1.0 + 2.0 * rng.random(k)
            else:
                new = np.where(rng.random(k) < 0.3, INF, 1.0 + 9.0 * rng.random(k))
            # Reference grid: the last entry for a repeated cell wins.
            expect = grid.copy()
            for (r, c), v in zip(cells.tolist(), new.tolist()):
                expect[r, c] = v
            changed = planner.update(cells, new)
            assert changed == int(np.sum(expect != grid))
            grid = expect
            np.testing.assert_array_equal(planner.cost, grid)
        plan = check_against_astar(planner, grid, conn)


def test_unreachable_goal_becomes_reachable_and_back():
    grid = np.ones((7, 7))
    grid[:, 3] = INF
    planner = DStarLite(grid, (3, 0), (3, 6))
    assert not planner.plan().found
    assert planner.update([[5, 3]], [2.0]) == 1
    grid[5, 3] = 2.0
    plan = check_against_astar(planner, grid, 8)
    assert plan.found and [5, 3] in plan.path.tolist()
    planner.move_to(tuple(plan.path[2]))
    assert planner.update([[5, 3]], [INF]) == 1
    grid[5, 3] = INF
    assert not check_against_astar(planner, grid, 8).found
    assert planner.update([[0, 3], [6, 3]], [1.0, 1.0]) == 2
    grid[0, 3] = grid[6, 3] = 1.0
    check_against_astar(planner, grid, 8)


def test_cost_below_initial_minimum_rekeys_and_stays_optimal():
    rng = np.random.default_rng(1)
    grid = 5.0 + 5.0 * rng.random((30, 30))
    planner = DStarLite(grid, (0, 0), (29, 29))
    check_against_astar(planner, grid, 8)
    planner.move_to((3, 3))
    cells = np.array([[r, r] for r in range(4, 29)])
    planner.update(cells, np.ones(len(cells)))
    grid[cells[:, 0], cells[:, 1]] = 1.0
    plan = check_against_astar(planner, grid, 8)
    assert plan.cost < 30 * 5


def test_replan_after_a_local_change_expands_little():
    rng = np.random.default_rng(2)
    grid = 1.0 + 9.0 * rng.random((120, 120))
    planner = DStarLite(grid, (0, 0), (119, 119))
    first = planner.plan()
    planner.move_to(tuple(first.path[5]))
    r, c = first.path[8]
    cells = np.array([[r, c], [r + 1, c], [r, c + 1]])
    planner.update(cells, [INF, INF, INF])
    grid[cells[:, 0], cells[:, 1]] = INF
    again = check_against_astar(planner, grid, 8)
    assert again.expanded < first.expanded / 5
    assert planner.expanded_total == first.expanded + again.expanded
    assert planner.plan().expanded == 0  # nothing changed: no work


def test_grid_is_copied_and_cost_view_is_read_only():
    grid = np.ones((5, 5))
    planner = DStarLite(grid, (0, 0), (4, 4))
    planner.update([[2, 2]], [INF])
    assert grid[2, 2] == 1.0
    view = planner.cost
    assert view[2, 2] == INF and view.dtype == np.float64
    with pytest.raises(ValueError):
        view[0, 0] = 3.0
    assert planner.start == (0, 0) and planner.goal == (4, 4)
    planner.move_to((1, 1))
    assert planner.start == (1, 1)


def test_update_counts_only_real_changes_and_last_duplicate_wins():
    planner = DStarLite(np.ones((4, 4)), (0, 0), (3, 3))
    assert planner.update(np.empty((0, 2), dtype=int), []) == 0
    assert planner.update([[1, 1], [2, 2]], [1.0, 1.0]) == 0
    assert planner.update([[1, 1], [1, 1], [2, 2]], [INF, 3.0, 1.0]) == 1
    assert planner.cost[1, 1] == 3.0


def test_update_and_move_errors():
    planner = DStarLite(np.ones((4, 4)), (0, 0), (3, 3))
    with pytest.raises(ValueError, match=r"cells must be an integer array of shape \(K, 2\)"):
        planner.update([1, 1], [2.0])
    with pytest.raises(ValueError, match=r"cells must be an integer array"):
        planner.update([[1.0, 1.0]], [2.0])
    with pytest.raises(ValueError,
                       match=r"costs must have shape \(1,\) to match cells, got \(2,\)"):
        planner.update([[1, 1]], [2.0, 3.0])
    with pytest.raises(ValueError, match=r"cells\[1\] \(4, 0\) is outside the cost grid of "
                                         r"shape \(4, 4\)"):
        planner.update([[1, 1], [4, 0]], [2.0, 2.0])
    with pytest.raises(ValueError, match=r"costs has 1 NaN values, first at index 0"):
        planner.update([[1, 1]], [np.nan])
    with pytest.raises(ValueError, match=r"costs must be >= 1 .* costs\[0\] is 0.5"):
        planner.update([[1, 1]], [0.5])
    with pytest.raises(ValueError, match=r"cell \(9, 9\) is outside the cost grid"):
        planner.move_to((9, 9))
    # Nothing above changed the planner.
    assert planner.plan().cost == pytest.approx(3 * math.sqrt(2))


def test_a_long_drive_with_sensing_matches_astar_at_every_step():
    # The way the simulator uses it: drive along the plan, discover obstacles and cheaper
    # ground near the rover, update, replan.
    rng = np.random.default_rng(8)
    true = 1.0 + 9.0 * rng.random((40, 40))
    true[rng.random(true.shape) < 0.25] = INF
    true[0, 0] = true[39, 39] = 1.0
    known = np.full(true.shape, 3.0)
    known[0, 0] = known[39, 39] = 1.0
    planner = DStarLite(known, (0, 0), (39, 39))
    steps = 0
    while planner.start != planner.goal and steps < 200:
        r, c = planner.start
        window = (slice(max(r - 3, 0), min(r + 4, 40)), slice(max(c - 3, 0), min(c + 4, 40)))
        rows, cols = np.mgrid[window]
        cells = np.stack([rows.ravel(), cols.ravel()], axis=1)
        planner.update(cells, true[rows.ravel(), cols.ravel()])
        known[window] = true[window]
        plan = check_against_astar(planner, known, 8)
        if not plan.found:
            break
        planner.move_to(tuple(plan.path[1]))
        steps += 1
    assert steps > 39
