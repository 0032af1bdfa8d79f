"""D* Lite: after any sequence of updates and moves, plan() equals a from-scratch A*."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rover.planners import DStarLite, astar


def _load(name, filename):
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(filename))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


naive = _load("rover_planners_naive", "naive.py")
sequences = _load("rover_planners_dstar_sequences", "dstar_sequences.py")
soak = _load("rover_planners_soak_dstar", "soak_dstar.py")

INF = np.inf
SQRT2 = math.sqrt(2.0)


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


# ----------------------------------------------------------------------------- key ties
# On a uniform grid the octile heuristic is exact along straight and diagonal lines, so a
# vertex near the start can have exactly the start's first key component in real arithmetic
# (the tie then goes to it by the second component, its smaller g). Rounding used to put it
# an ulp above the start's, ComputeShortestPath stopped with it unexpanded, and plan() either
# raised "no descent from the start" or returned a longer path. These are the smallest cases
# found; each is: plan, change one cell, move one step along the path, plan again.
@pytest.mark.parametrize("start, goal, cell, value, moved, expected", [
    ((3, 4), (0, 0), (0, 1), INF, (2, 3), 3 + SQRT2),  # raised
    ((3, 6), (0, 0), (1, 1), 2.0, (3, 5), 2 + 3 * SQRT2),  # raised
    ((0, 6), (3, 1), (3, 1), 3.0, (0, 5), 2 + 3 * SQRT2),  # returned 2 + 2 * SQRT2 + 2
])
def test_key_ties_on_a_uniform_grid_after_a_change_and_a_move(start, goal, cell, value, moved,
                                                              expected):
    grid = np.ones((4, 7))
    planner = DStarLite(grid, start, goal)
    check_against_astar(planner, grid, 8)
    planner.update([cell], [value])
    grid[cell] = value
    planner.move_to(moved)
    plan = check_against_astar(planner, grid, 8)
    assert plan.cost == pytest.approx(expected, rel=1e-12)


def test_every_one_cell_change_and_step_on_a_small_uniform_grid():
    # Exhaustive over a 4 x 5 grid of ones: every start and goal, every cell blocked or
    # doubled, then one step along the first path (the old stopping test failed 16 of these
    # 15,200 cases).
    shape = (4, 5)
    cells = [(r, c) for r in range(shape[0]) for c in range(shape[1])]
    checked = 0
    for start in cells:
        for goal in cells:
            first = DStarLite(np.ones(shape), start, goal).plan()
            if len(first) < 2:
                continue
            moved = tuple(int(x) for x in first.path[1])
            for cell in cells:
                for value in (INF, 2.0):
                    grid = np.ones(shape)
                    planner = DStarLite(grid, start, goal)
                    planner.plan()
                    planner.update([cell], [value])
                    grid[cell] = value
                    planner.move_to(moved)
                    plan = planner.plan()
                    ref = astar(grid, moved, goal)
                    assert plan.found == ref.found, (start, goal, cell, value)
                    assert same(plan.cost, ref.cost), (start, goal, cell, value)
                    checked += 1
    assert checked == 15200


def test_replayed_simulator_case_on_a_near_uniform_costmap():
    # The shape of the failure first seen in the simulator (an 80 x 80 drive on a costmap of
    # ones, reduced): cells rising by a few ulps (a costmap recomputed from the same DEM),
    # then one diagonal step. It raised "no descent from the start" although A* found the
    # path.
    eps = np.finfo(np.float64).eps
    grid = np.ones((4, 8))
    planner = DStarLite(grid, (3, 1), (0, 7))
    check_against_astar(planner, grid, 8)
    assert planner.update([[0, 7]], [1.0 + 16 * eps]) == 1
    grid[0, 7] = 1.0 + 16 * eps
    planner.move_to((3, 2))
    plan = check_against_astar(planner, grid, 8)
    assert plan.cost == pytest.approx(2 + 3 * SQRT2, rel=1e-12)


# ----------------------------------------------------------------------------- sequences
# Failures of the old stopping test under this generator (dstar_sequences), kept as
# explicit examples: random search meets this class only about once per 100 sequences.
@example(rows=6, cols=7, kind="ones", blocked=0.25, connectivity=8,
         ops=["open_start", "wall_goal"], seed=3582158447)
@example(rows=6, cols=7, kind="ones", blocked=0.1, connectivity=8,
         ops=["unblock_end", "block_end"], seed=140337663)
@example(rows=7, cols=6, kind="integers", blocked=0.1, connectivity=8,
         ops=["unblock", "wall_goal"], seed=2580293661)
@example(rows=6, cols=5, kind="ones", blocked=0.0, connectivity=8,
         ops=["on_path", "rise", "open_start"], seed=937083475)
@example(rows=8, cols=7, kind="ones", blocked=0.25, connectivity=8,
         ops=["wall_goal", "move", "on_path"], seed=678594050)
@settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(**sequences.property_args())
def test_sequences_of_walls_moves_and_changes_match_a_fresh_astar(
        rows, cols, kind, blocked, connectivity, ops, seed):
    # Walls closing and opening around the goal and the start, heavy changes next to the
    # start, sensing windows, cheaper cells (re-key), ulp-sized changes, the ends blocked
    # and unblocked, moves along the path and jumps: plan() against A* after every step
    # (dstar_sequences.apply), and a repeated plan() expands nothing.
    sequences.run(seed, rows, cols, kind, blocked, connectivity, ops)


def test_seeded_sequences_on_uniform_grids():
    # Uniform grids are where keys tie; a fixed sweep of walls, changes on the path and moves
    # on them, independent of hypothesis's choices (the old stopping test failed about one
    # sequence in 70 here).
    family = ["on_path", "move", "wall_goal", "open_goal", "wall_start", "open_start",
              "near_start"]
    for i in range(400):
        rng = np.random.default_rng([2026, i])
        ops = [str(o) for o in rng.choice(family, 12)]
        sequences.run(int(rng.integers(2**32)), int(rng.integers(3, 13)),
                      int(rng.integers(3, 13)), "ones", float(rng.choice([0.0, 0.1])), 8, ops)


def test_sense_and_drive_runs_match_astar_at_every_step():
    # The simulator's pattern: start from a uniform guess, sense a window, replan, drive a
    # few cells (the old stopping test failed the ones-grid drive with seed 9).
    moves = 0
    for seed in range(12):
        seq = sequences.drive(seed, 48, "ones", 0.15, 8, 2000)
        moves += sum(1 for h in seq.history if h[0] == "move_to")
    for seed in range(4):
        sequences.drive(seed, 48, "reals", 0.15, 4, 2000)
    assert moves > 100


def test_soak_script_runs_and_reports():
    assert soak.main(["--sequences", "20", "--seed", "3", "--size", "10", "--steps", "8",
                      "--drives", "1", "--drive-size", "24"]) == 0


def test_goal_and_start_walled_in_and_out_again():
    grid = np.ones((11, 11))
    planner = DStarLite(grid, (1, 1), (7, 7))
    check_against_astar(planner, grid, 8)
    ring_goal = sequences._ring((7, 7), 2, grid.shape)
    ring_start = sequences._ring((1, 1), 1, grid.shape)
    assert len(ring_goal) == 16 and len(ring_start) == 8

    def set_cells(cells, value):
        planner.update(cells, np.full(len(cells), value))
        for cell in cells:
            grid[cell] = value

    set_cells(ring_goal, INF)
    assert not check_against_astar(planner, grid, 8).found
    assert not planner.plan().found  # and again, without raising
    set_cells([(5, 9)], 4.0)  # a corner of the ring: no corner cutting keeps it closed
    assert not check_against_astar(planner, grid, 8).found
    set_cells([(5, 8)], 4.0)  # a side: open
    plan = check_against_astar(planner, grid, 8)
    assert plan.found and [5, 8] in plan.path.tolist()
    planner.move_to(tuple(plan.path[1]))
    around_rover = sequences._ring(planner.start, 1, grid.shape)
    set_cells(around_rover, INF)
    assert not check_against_astar(planner, grid, 8).found
    set_cells(around_rover, 1.0)
    set_cells(ring_goal, 1.0)
    plan = check_against_astar(planner, grid, 8)
    for cell in plan.path[1:4]:  # drive on, then wall in where the rover started
        planner.move_to(tuple(cell))
        check_against_astar(planner, grid, 8)
    set_cells(ring_start, INF)
    plan = check_against_astar(planner, grid, 8)
    while len(plan) > 1:
        planner.move_to(tuple(plan.path[1]))
        plan = check_against_astar(planner, grid, 8)
    assert planner.start == planner.goal and plan.cost == 0.0


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
        planner.update([[1.5, 1.0]], [2.0])  # whole-number floats are accepted, fractions not
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


@pytest.mark.parametrize("value", [1.0, 1.1, 3.7, 9.9])
@pytest.mark.parametrize("connectivity", [8, 4])
def test_first_plan_on_uniform_ground_does_not_flood_the_plateau(value, connectivity):
    """Every cell between the goal and the start ties on g + h on uniform ground; the search
    must run straight to the start (as A* does), not expand the plateau or re-open cells
    for last-bit "improvements" (it once expanded 15 times the cells at 2048 x 2048)."""
    n = 300
    cost = np.full((n, n), value)
    start, goal = (0, 0), (n - 1, n // 2 - 12)
    plan = DStarLite(cost, start, goal, connectivity=connectivity).plan()
    ref = astar(cost, start, goal, connectivity=connectivity)
    assert same(plan.cost, ref.cost)
    naive.check_path(cost, plan, start, goal, connectivity)
    assert plan.expanded <= 2 * len(plan.path), (plan.expanded, len(plan.path))
    # And after a wall across the plan appears, the repair stays correct.
    planner = DStarLite(cost, start, goal, connectivity=connectivity)
    planner.plan()
    wall = np.array([[150, c] for c in range(0, n - 1)])
    planner.update(wall, np.full(len(wall), INF))
    cost[wall[:, 0], wall[:, 1]] = INF
    assert same(planner.plan().cost, astar(cost, start, goal, connectivity=connectivity).cost)


def test_replans_far_into_a_drive_stay_within_1e9_of_optimal():
    """km grows with the distance driven; a stopping band relative to rhs(start) + km once
    let a replan near the goal keep a route 3e-7 dearer than the optimum (found by QA)."""
    n, eps = 10_000, 1e-6
    cost = np.ones((2, n + 1))
    cost[1, :n - 20] = INF                 # row 1 opens only near the goal ...
    cost[1, n - 20:n - 5] = 1.0 + eps      # ... and is marginally dearer at first
    cost[0, n - 12] = 1.0 + 100 * eps      # a bump on row 0: the plan goes down before it
    goal = (1, n)
    planner = DStarLite(cost, (0, 0), goal, connectivity=4)
    here = (0, 0)
    while here[1] < n - 25:                # drive along the plan: km becomes ~n >> rhs
        here = tuple(int(x) for x in planner.plan().path[1])
        planner.move_to(here)
    planner.plan()
    planner.update([[0, n - 12]], [1.0])   # the bump turns out to be flat ground
    cost[0, n - 12] = 1.0
    ref = astar(cost, here, goal, connectivity=4)
    assert planner.plan().cost == pytest.approx(ref.cost, rel=1e-12)


# --------------------------------------------------------------------------------------------
# Walled apart: a long search stops to flood from both ends (DStarLite.plan, kernels.separated)

def _random_field(size, seed):
    rng = np.random.default_rng(seed)
    return 1.0 + 9.0 * rng.random((size, size))


@pytest.mark.parametrize("walled", ["start", "goal"])
def test_an_end_walled_into_a_pocket_is_unreachable_without_raising_the_grid(walled,
                                                                             monkeypatch):
    # Costs in [1, 10]: the first plan explores most of the grid, so a wall around the rover
    # (or the goal) cuts off values everywhere; D* Lite used to raise them all (tens of
    # thousands of expansions, 177 ms on planner_bench's 1024 x 1024 grid) where A* from
    # scratch stops after the pocket. (The flood from the rover that an update near it
    # asks for is off here: it would find this pocket first.)
    from rover.planners import _dstar_lite

    monkeypatch.setattr(_dstar_lite, "POCKET_BUDGET", 0)

    grid = _random_field(200, 3)
    planner = DStarLite(grid, (0, 0), (199, 199))
    first = planner.plan()
    assert first.expanded > 20 * _dstar_lite.CHECK_START
    # Far along: most of the values the first plan set route through the rover's cell
    # (without the floods this takes 39,772 expansions; 39,953 for the goal).
    here = tuple(int(x) for x in first.path[int(0.8 * len(first))])
    planner.move_to(here)
    check_against_astar(planner, grid, 8)
    # 49 cells inside around the rover; 36 around the goal (the grid's edge closes the ring)
    pocket = sequences._ring(here if walled == "start" else (197, 197), 4, grid.shape)
    planner.update(pocket, np.full(len(pocket), INF))
    for cell in pocket:
        grid[cell] = INF
    plan = check_against_astar(planner, grid, 8)
    assert not plan.found
    assert plan.expanded <= 4 * _dstar_lite.CHECK_START   # asked after 1,024 raises
    assert planner.plan().expanded == 0                   # and again: nothing changed
    planner.update(pocket[:1], [5.0])                     # a corner: still shut (no cutting)
    grid[pocket[0]] = 5.0
    assert not check_against_astar(planner, grid, 8).found
    planner.update(pocket[1:2], [5.0])                    # beside it: open
    grid[pocket[1]] = 5.0
    assert check_against_astar(planner, grid, 8).found


def test_a_rover_walled_in_after_a_narrow_search_is_not_flooded_out(monkeypatch):
    # On uniform ground the first plan expands about the path's cells. Walling the rover in
    # then raises only a handful of values, but the start's key becomes infinite and the
    # search would lower values until the queue is empty: most of the grid (999,773
    # expansions on 1000 x 1000, found by review). A replan also asks after
    # CHECK_EXPANDED x CHECK_START expansions (the rover's own flood is off, as above).
    from rover.planners import _dstar_lite

    monkeypatch.setattr(_dstar_lite, "POCKET_BUDGET", 0)

    grid = np.ones((400, 400))
    planner = DStarLite(grid, (200, 200), (380, 390))
    first = planner.plan()
    assert first.expanded < 500
    here = tuple(int(x) for x in first.path[3])
    planner.move_to(here)
    ring = sequences._ring(here, 3, grid.shape)
    planner.update(ring, np.full(len(ring), INF))
    for cell in ring:
        grid[cell] = INF
    plan = check_against_astar(planner, grid, 8)
    assert not plan.found
    assert plan.expanded <= _dstar_lite.CHECK_EXPANDED * _dstar_lite.CHECK_START  # not 159,773


def test_a_first_plan_from_a_walled_in_start_does_not_search_the_whole_grid():
    # The search runs from the goal: without the floods it would cover the goal's whole
    # side of the wall (about the grid) before the start's pocket showed it unreachable.
    from rover.planners import _dstar_lite

    grid = np.ones((400, 400))
    for cell in sequences._ring((200, 200), 3, grid.shape):
        grid[cell] = INF
    plan = check_against_astar(DStarLite(grid, (200, 200), (390, 380)), grid, 8)
    assert not plan.found
    assert plan.expanded <= _dstar_lite.CHECK_EXPANDED_FIRST * _dstar_lite.CHECK_START


def test_a_wall_closing_round_the_rover_is_found_before_any_search():
    # A wall of up to a few hundred cells within POCKET_NEAR of the rover: the plan floods
    # from the rover first and answers with no expansion (A* from scratch needs the
    # pocket's); without that flood the search raised CHECK_START values first.
    from rover.planners import _dstar_lite

    grid = _random_field(300, 7)
    planner = DStarLite(grid, (0, 0), (299, 299))
    first = planner.plan()
    here = tuple(int(x) for x in first.path[int(0.8 * len(first))])
    planner.move_to(here)
    check_against_astar(planner, grid, 8)
    ring = sequences._ring(here, 10, grid.shape)           # 80 cells round 361
    assert len(ring) == 80 and 19 * 19 <= _dstar_lite.POCKET_BUDGET
    gap = ring[len(ring) // 2]
    rest = [cell for cell in ring if cell != gap]
    planner.update(rest, np.full(len(rest), INF))         # open at one side: a path
    for cell in rest:
        grid[cell] = INF
    assert check_against_astar(planner, grid, 8).found
    planner.update([gap], [INF])                          # shut
    grid[gap] = INF
    plan = check_against_astar(planner, grid, 8)
    assert not plan.found and plan.expanded == 0
    assert planner.plan().expanded == 0
    far = (5, 290)                                        # changes that join nothing
    for value in (9.0, INF):
        planner.update([far], [value])
        grid[far] = value
        again = check_against_astar(planner, grid, 8)
        assert not again.found and again.expanded == 0
    planner.update([gap], [3.0])                          # open again
    grid[gap] = 3.0
    assert check_against_astar(planner, grid, 8).found
    # The widest ring the rover's flood covers, then one just beyond it, left to the floods
    # of a long search.
    planner.update(ring, np.full(len(ring), 2.0))
    for cell in ring:
        grid[cell] = 2.0
    widest = sequences._ring(here, _dstar_lite.POCKET_NEAR, grid.shape)
    planner.update(widest, np.full(len(widest), INF))
    for cell in widest:
        grid[cell] = INF
    plan = check_against_astar(planner, grid, 8)
    assert not plan.found and plan.expanded == 0
    planner.update(widest, np.full(len(widest), 2.0))
    for cell in widest:
        grid[cell] = 2.0
    assert check_against_astar(planner, grid, 8).found
    outer = sequences._ring(here, _dstar_lite.POCKET_NEAR + 1, grid.shape)
    planner.update(outer, np.full(len(outer), INF))
    for cell in outer:
        grid[cell] = INF
    plan = check_against_astar(planner, grid, 8)
    assert not plan.found and plan.expanded > 0


def test_a_wall_round_the_rover_and_the_goal_keeps_the_path():
    # The goal inside the ring: the rover's flood meets it, and the plan goes on.
    grid = np.ones((60, 60))
    planner = DStarLite(grid, (30, 30), (33, 34))
    check_against_astar(planner, grid, 8)
    ring = sequences._ring((30, 30), 6, grid.shape)
    planner.update(ring, np.full(len(ring), INF))
    for cell in ring:
        grid[cell] = INF
    assert check_against_astar(planner, grid, 8).found


def test_separated_floods_under_the_planners_move_rule():
    from rover.planners import _dstar_lite_kernels as kernels

    def verdict(grid, a, b, budget, box=-1):
        flat = np.ascontiguousarray(grid, dtype=np.float64).reshape(-1)
        mark = np.zeros(flat.size, dtype=np.uint8)
        seen = np.empty(budget, dtype=np.int64)
        cols = grid.shape[1]
        out = kernels.separated(flat, cols, a[0] * cols + a[1], b[0] * cols + b[1], budget,
                               mark, seen, box)
        assert not mark.any()                              # scratch left zeroed
        return out

    grid = np.ones((5, 5))
    assert verdict(grid, (0, 0), (4, 4), 25) == kernels.JOINED
    assert verdict(grid, (2, 2), (2, 2), 1) == kernels.JOINED
    assert verdict(grid, (0, 0), (4, 4), 3) == kernels.UNSURE  # neither side fits in 3 cells
    grid[1, 0] = grid[0, 1] = INF                          # corner (0, 0) shut, diagonal too
    assert verdict(grid, (0, 0), (4, 4), 2) == kernels.SEPARATED
    assert verdict(grid, (4, 4), (0, 0), 2) == kernels.SEPARATED  # found from the other end
    assert verdict(grid, (4, 4), (0, 0), 2, box=4) == kernels.UNSURE  # not from (4, 4) alone
    assert verdict(grid, (0, 0), (4, 4), 2, box=4) == kernels.SEPARATED
    assert verdict(grid, (0, 0), (4, 4), 2, box=0) == kernels.SEPARATED  # one cell: inside
    assert verdict(np.ones((5, 5)), (2, 2), (4, 4), 25, box=1) == kernels.UNSURE  # leaves it
    assert verdict(np.ones((5, 5)), (2, 2), (2, 3), 25, box=1) == kernels.JOINED
    squeeze = np.ones((4, 4))
    squeeze[:2, 2] = INF
    squeeze[2, :2] = INF                                   # only a corner-cutting step joins
    squeeze[3, :] = INF
    squeeze[2:, 3] = INF
    assert verdict(squeeze, (0, 0), (2, 2), 16) == kernels.SEPARATED
    diag = np.ones((3, 3))
    diag[0, 1] = diag[1, 0] = INF                          # only a corner-cutting step leaves
    assert verdict(diag, (0, 0), (2, 2), 9) == kernels.SEPARATED
    diag[0, 1] = 1.0
    assert verdict(diag, (0, 0), (2, 2), 9) == kernels.JOINED
    # A diagonal step needs both cells beside it, so straight steps reach whatever the
    # planner can, 8- or 4-connected: the flood agrees with A* on random grids.
    rng = np.random.default_rng(5)
    for _ in range(300):
        grid = np.where(rng.random((9, 9)) < 0.4, INF, 1.0)
        a, b = (0, 0), (8, 8)
        grid[a] = grid[b] = 1.0
        for connectivity in (8, 4):
            found = astar(grid, a, b, connectivity=connectivity).found
            assert verdict(grid, a, b, 81) == (kernels.JOINED if found else kernels.SEPARATED)
            assert verdict(grid, a, b, 81, box=8) == verdict(grid, a, b, 81)  # depth-first
        # From the middle with a box of 2: SEPARATED only for a pocket inside the box.
        c = (4, 4)
        grid[c] = 1.0
        out = verdict(grid, c, b, 81, box=2)
        whole = verdict(grid, c, b, 81)
        assert out == whole or out == kernels.UNSURE
        if out == kernels.SEPARATED:
            assert not astar(grid, c, b).found


def test_sequences_match_astar_when_every_plan_stops_to_flood(monkeypatch):
    # The searches pause after 1, 2, 4, 8, ... raises (replans also after 8, 16, 32, ...
    # expansions) and flood with budgets of 1, 2, 4, ... cells: resuming from any of those
    # points, after updates and moves, must give A*'s cost.
    from rover.planners import _dstar_lite

    monkeypatch.setattr(_dstar_lite, "CHECK_START", 1)
    monkeypatch.setattr(_dstar_lite, "CHECK_SHARE", 1)
    monkeypatch.setattr(_dstar_lite, "POCKET_BUDGET", 0)  # walls near the start pause too
    family = ["on_path", "move", "move", "wall_goal", "open_goal", "wall_start", "open_start",
              "near_start", "block", "unblock", "rise", "fall", "cheaper", "jump"]
    for i in range(300):
        rng = np.random.default_rng([2027, i])
        ops = [str(o) for o in rng.choice(family, 14)]
        sequences.run(int(rng.integers(2**32)), int(rng.integers(2, 14)),
                      int(rng.integers(2, 14)), str(rng.choice(sequences.COST_KINDS)),
                      float(rng.choice([0.0, 0.1, 0.3])), int(rng.choice([8, 4])), ops)
    for seed in range(3):
        sequences.drive(seed, 40, "reals", 0.2, 8, 600)


def test_plans_hold_when_the_cpu_treats_subnormals_as_zero(tmp_path):
    """A library built with -ffast-math sets the CPU's flush-to-zero and denormals-are-zero
    flags for the whole thread. The goal's stored 0 must not read as the 'no value' mark
    then (a subnormal sentinel did: every plan came out "not found")."""
    import ctypes
    import platform
    import shutil
    import subprocess

    if platform.machine() not in ("x86_64", "AMD64") or shutil.which("cc") is None:
        pytest.skip("needs an x86-64 machine with a C compiler to set the MXCSR flags")
    src = tmp_path / "daz.c"
    src.write_text("#include <xmmintrin.h>\n"
                   "unsigned get(void){ return _mm_getcsr(); }\n"
                   "void set(unsigned v){ _mm_setcsr(v); }\n")
    lib = tmp_path / "libdaz.so"
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(lib), str(src)], check=True)
    csr = ctypes.CDLL(str(lib))
    csr.get.restype = ctypes.c_uint
    rng = np.random.default_rng(5)
    grids = [np.ones((6, 7)), 1.0 + 9.0 * rng.random((20, 20))]
    refs = [astar(g, (0, 0), (g.shape[0] - 1, g.shape[1] - 1)) for g in grids]
    old = csr.get()
    try:
        csr.set(ctypes.c_uint(old | 0x8040))  # flush to zero | denormals are zero
        assert np.float64(5e-324) * 1.0 == 0.0  # the flags are on in this thread
        for g, ref in zip(grids, refs):
            d = DStarLite(g, (0, 0), (g.shape[0] - 1, g.shape[1] - 1))
            assert same(d.plan().cost, ref.cost)
            d.move_to(tuple(ref.path[-1]))
            assert d.plan().cost == 0.0  # start == goal
    finally:
        csr.set(ctypes.c_uint(old))
