"""MPGAA* (rover.planners.MPGAAStar): every plan equals a from-scratch A*, whatever came before."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from rover.planners import MPGAAStar, astar, plan_path
from tests.rover.planners import dstar_sequences as sequences

SQRT2 = math.sqrt(2.0)


@settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(**sequences.property_args())
def test_sequences_of_walls_moves_and_changes_match_a_fresh_astar(
        rows, cols, kind, blocked, connectivity, ops, seed):
    # The D* Lite sequences (walls around either end, changes on the path, sensing windows,
    # cheaper cells, ulp changes, moves and jumps): every plan() equals A* from scratch and
    # its path is legal and costs what the plan says (dstar_sequences.check).
    sequences.run(seed, rows, cols, kind, blocked, connectivity, ops, cls=MPGAAStar)


def test_sense_and_drive_runs_match_astar_at_every_step():
    # The simulator's pattern, where MPGAA* is meant to shine: costs only rise as the rover
    # senses ground it assumed cheapest ("ones", "reals" guess 1) or also fall ("wide",
    # guess 5: every fall forgets what was learned).
    moves = 0
    for seed in range(10):
        seq = sequences.drive(seed, 48, "ones", 0.15, 8, 2000, cls=MPGAAStar)
        moves += sum(1 for h in seq.history if h[0] == "move_to")
    for seed in range(4):
        sequences.drive(seed, 48, "reals", 0.15, 4, 2000, cls=MPGAAStar)
        sequences.drive(seed, 32, "wide", 0.1, 8, 400, cls=MPGAAStar)
    assert moves > 100


def test_replans_while_costs_rise_expand_far_less_than_astar():
    # A rover crossing ground it assumed flat: each step reveals a window ahead at its true
    # cost. MPGAA* keeps its path beyond the window and its learned distances behind it.
    rng = np.random.default_rng(7)
    n = 160
    truth = 1.0 + 2.0 * rng.random((n, n))
    known = np.ones((n, n))
    start, goal = (5, 5), (n - 6, n - 6)
    planner = MPGAAStar(known, start, goal)
    first = planner.plan()
    ours = scratch = 0
    cell = start
    for _ in range(60):
        r, c = cell
        window = (slice(max(r - 8, 0), r + 9), slice(max(c - 8, 0), c + 9))
        rows, cols = np.nonzero(known[window] != truth[window])
        rows += window[0].start
        cols += window[1].start
        known[rows, cols] = truth[rows, cols]
        planner.update(np.stack([rows, cols], axis=1), truth[rows, cols])
        planner.move_to(cell)
        plan = planner.plan()
        ref = astar(known, cell, goal)
        assert plan.cost == pytest.approx(ref.cost, rel=1e-9)
        ours += plan.expanded
        scratch += ref.expanded
        cell = tuple(int(x) for x in plan.path[2])
    assert first.found and ours < 0.6 * scratch, (ours, scratch)  # 4,463 against 9,765


def test_a_fall_forgets_what_was_learned_and_stays_optimal():
    grid = np.full((30, 30), 4.0)
    planner = MPGAAStar(grid, (0, 0), (29, 29))
    planner.plan()
    planner.update([[10, 10], [15, 15]], [9.0, 9.0])
    assert planner.plan().cost == pytest.approx(astar(planner.cost, (0, 0), (29, 29)).cost,
                                                rel=1e-9)
    # Cheaper than any cell so far: the heuristic's scale falls too.
    cells = np.array([(i, i) for i in range(5, 25)])
    planner.update(cells, np.full(len(cells), 1.0))
    plan = planner.plan()
    assert plan.cost == pytest.approx(astar(planner.cost, (0, 0), (29, 29)).cost, rel=1e-9)


def test_edges():
    one = MPGAAStar(np.ones((1, 1)), (0, 0), (0, 0)).plan()
    assert one.found and one.cost == 0.0 and one.path.tolist() == [[0, 0]]
    walled = np.ones((5, 5))
    walled[3:, 3] = walled[3, 3:] = np.inf
    p = MPGAAStar(walled, (0, 0), (4, 4))
    assert not p.plan().found
    p.update([[3, 4]], [1.0])
    opened = p.plan()
    assert opened.found and opened.cost == pytest.approx(
        astar(p.cost, (0, 0), (4, 4)).cost, rel=1e-12)
    blocked_start = MPGAAStar(np.array([[np.inf, 1.0]]), (0, 0), (0, 1))
    assert not blocked_start.plan().found
    # A diagonal squeeze between two blocked cells is not a move.
    squeeze = np.array([[1.0, np.inf], [np.inf, 1.0]])
    assert not MPGAAStar(squeeze, (0, 0), (1, 1)).plan().found
    assert plan_path("mpgaa", np.ones((4, 4)), (0, 0), (3, 3)).cost == pytest.approx(3 * SQRT2)


def test_grid_is_copied_errors_and_counters():
    grid = np.ones((4, 4), dtype=np.float32)
    planner = MPGAAStar(grid, (0, 0), (3, 3), connectivity=4)
    assert planner.connectivity == 4 and "MPGAAStar" in repr(planner)
    assert planner.update([[1, 1], [1, 1]], [np.inf, 2.0]) == 1  # the last entry wins
    assert grid[1, 1] == 1.0 and planner.cost[1, 1] == 2.0
    with pytest.raises(ValueError):
        planner.cost[0, 0] = 5.0
    assert planner.update([[1, 1]], [2.0]) == 0
    with pytest.raises(ValueError, match=r"cells\[0\] \(4, 0\) is outside the cost grid"):
        planner.update([[4, 0]], [1.0])
    with pytest.raises(ValueError, match=r"costs must be >= 1 .* costs\[0\] is 0.5"):
        planner.update([[0, 1]], [0.5])
    with pytest.raises(ValueError, match=r"cell \(9, 9\) is outside the cost grid"):
        planner.move_to((9, 9))
    a = planner.plan()
    b = planner.plan()
    assert a.cost == b.cost == pytest.approx(astar(planner.cost, (0, 0), (3, 3),
                                                   connectivity=4).cost)
    assert b.expanded == 1 and planner.expanded_total == a.expanded + b.expanded
