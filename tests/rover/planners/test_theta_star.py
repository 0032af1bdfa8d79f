"""rover.planners.theta_star: plan form, clear segments, never dearer than the grid optimum,
never shorter than the true Euclidean shortest path (anyangle_naive.euclidean_shortest),
and a sample of the Moving AI problems."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rover.io.movingai import read_map, read_scen
from rover.planners import Plan, astar, line_cost, segment_clear, theta_star
from rover.planners._taut_kernels import INSET

_spec = importlib.util.spec_from_file_location("rover_anyangle_naive",
                                               Path(__file__).with_name("anyangle_naive.py"))
naive = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(naive)

MOVINGAI = Path(__file__).resolve().parents[3] / ".." / "shared" / "movingai"
SCENS = sorted(MOVINGAI.glob("*.scen")) if MOVINGAI.is_dir() else []
PUBLISHED_ROUNDING = 5e-9
PUBLISHED_REL = 1e-9
"""Moving AI optima are printed to 8 decimals (2.41421356 for 1 + sqrt(2)) and computed
with a sqrt(2) of about 10 digits (46 diagonal steps are published as 65.05382385, exactly
65.0538238692), so an exact octile length can exceed the published one by half a unit of
the 8th decimal plus about 2.6e-10 of the length: the check allows 5e-9 + 1e-9 relative."""


def check_plan(cost, plan, start, goal):
    """Everything a theta_star plan promises, from the public functions and the reference."""
    assert isinstance(plan, Plan) and plan.found
    pts = plan.points
    assert pts.dtype == np.float64 and pts.ndim == 2 and pts.shape[1] == 2
    assert pts[0].tolist() == list(map(float, start))
    assert pts[-1].tolist() == list(map(float, goal))
    # vertices at cell centres, or (pulled taut) INSET cells along an edge from a corner
    inner = pts[1:-1]
    at_centre = np.all(inner == np.round(inner), axis=1)
    off = np.abs(inner - (np.floor(inner) + 0.5))
    at_corner = (np.min(off, axis=1) <= 1e-9) & (np.abs(np.max(off, axis=1) - INSET) <= 1e-9)
    assert np.all(at_centre | at_corner)
    for a, b in zip(pts, pts[1:]):
        assert segment_clear(cost, a, b), (a, b)
    assert plan.cost == line_cost(cost, pts)
    assert plan.path.dtype == np.int64
    ref = naive.supercover_ref(cost, pts)
    got = [tuple(c) for c in plan.path.tolist()]
    assert len(got) == len(set(got)) and set(got) == set(ref)
    assert [ref[c] for c in got] == sorted(ref[c] for c in got)
    assert all(math.isfinite(cost[c]) for c in got)




@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(naive.problems(max_side=9))
def test_plan_is_clear_and_never_dearer_than_the_grid_optimum(case):
    # Every grid step stays available to Theta* (path 1), so its line-integral cost is at
    # most A*'s path costed the same way; it finds a path exactly when A* does.
    cost, s, t = case
    plan = theta_star(cost, s, t)
    grid = astar(cost, s, t)
    assert plan.found == grid.found
    if not plan.found:
        assert plan.cost == math.inf and plan.path.shape == (0, 2)
        assert plan.points.shape == (0, 2) and plan.points.dtype == np.float64
        return
    check_plan(cost, plan, s, t)
    assert plan.cost <= line_cost(cost, grid.points) * (1 + 1e-12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(naive.problems(uniform=True, max_side=7))
def test_never_shorter_than_the_euclidean_shortest_path(case):
    cost, s, t = case
    plan = theta_star(cost, s, t)
    best = naive.euclidean_shortest(cost, s, t)
    assert plan.found == (best < math.inf)
    if plan.found:
        assert plan.cost >= best * (1 - 1e-12)


def test_open_ground_is_one_straight_segment():
    cost = np.ones((40, 60))
    plan = theta_star(cost, (3, 2), (37, 55))
    assert plan.points.tolist() == [[3.0, 2.0], [37.0, 55.0]]
    assert plan.cost == pytest.approx(math.hypot(34, 53), rel=1e-14)


def test_around_a_wall_bends_at_its_end():
    cost = np.ones((9, 9))
    cost[4, 0:7] = np.inf
    plan = theta_star(cost, (0, 0), (8, 0))
    check_plan(cost, plan, (0, 0), (8, 0))
    best = naive.euclidean_shortest(cost, (0, 0), (8, 0))
    # The infimum hugs the wall's corners; Theta*'s own path turns at a centre one cell off
    # them, and pulled taut through the cells it crosses it comes closer.
    own = theta_star(cost, (0, 0), (8, 0), taut=False)
    assert np.all(own.points == np.round(own.points))
    assert best < plan.cost < own.cost < 1.15 * best


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(naive.problems(max_side=12))
def test_taut_is_never_dearer_and_stays_clear(case):
    cost, s, t = case
    own = theta_star(cost, s, t, taut=False)
    plan = theta_star(cost, s, t)
    assert plan.found == own.found
    if plan.found:
        check_plan(cost, plan, s, t)
        assert plan.cost <= own.cost
        assert plan.expanded == own.expanded


def test_taut_turns_corners_in_a_corridor_one_cell_wide():
    # A zigzag corridor one cell wide: no straight segment between two cell centres turns
    # any of its corners, so Theta*'s own path is the grid path; pulled taut, it cuts each
    # corner INSET cells from the wall's corner point.
    cost = np.full((7, 9), np.inf)
    cost[0, 0:3] = cost[0:7, 2] = cost[6, 2:9] = 1.0  # down, across, down
    cost[3:7, 8] = 1.0  # and up
    s, t = (0, 0), (3, 8)
    own = theta_star(cost, s, t, taut=False)
    plan = theta_star(cost, s, t)
    check_plan(cost, plan, s, t)
    grid = astar(cost, s, t)
    assert own.cost == pytest.approx(line_cost(cost, grid.points))  # no shortcut at centres
    best = naive.euclidean_shortest(cost, s, t)
    # three turns, each INSET off the corner: at most about 2 INSET longer per turn
    assert best < plan.cost < best + 3 * 2 * INSET < own.cost - 2.0


def test_dear_ground_is_avoided_when_a_bend_is_cheaper():
    cost = np.ones((11, 11))
    cost[3:8, 2:9] = 50.0
    plan = theta_star(cost, (5, 0), (5, 10))
    check_plan(cost, plan, (5, 0), (5, 10))
    assert plan.cost < 10 * 1.0 + 7 * 49.0  # not the straight line through the block
    assert plan.cost <= line_cost(cost, astar(cost, (5, 0), (5, 10)).points)


def test_not_found_forms():
    cost = np.ones((5, 5))
    cost[2, :] = np.inf
    plan = theta_star(cost, (0, 0), (4, 4))
    assert not plan.found and plan.cost == math.inf and plan.expanded > 0
    assert plan.path.shape == (0, 2) and plan.points.shape == (0, 2)
    blocked = theta_star(cost, (2, 2), (4, 4))
    assert not blocked.found and blocked.expanded == 0


def test_start_is_goal():
    plan = theta_star(np.ones((3, 3)), (1, 1), (1, 1))
    assert plan.found and plan.cost == 0.0
    assert plan.points.tolist() == [[1.0, 1.0]] and plan.path.tolist() == [[1, 1]]


def test_validation_messages():
    with pytest.raises(ValueError, match=r"start \(5, 0\) is outside the cost grid"):
        theta_star(np.ones((3, 3)), (5, 0), (0, 0))
    with pytest.raises(ValueError, match="goal must be a"):
        theta_star(np.ones((3, 3)), (0, 0), (0.5, 1))
    with pytest.raises(ValueError, match="below 1"):
        theta_star(np.full((3, 3), 0.5), (0, 0), (1, 1))
    with pytest.raises(ValueError, match="NaN"):
        theta_star(np.full((3, 3), np.nan), (0, 0), (1, 1))
    with pytest.raises(ValueError, match="dtype bool"):
        theta_star(np.ones((3, 3), dtype=bool), (0, 0), (1, 1))


def test_grid_plans_keep_points_as_their_cells():
    plan = astar(np.ones((3, 3)), (0, 0), (2, 1))
    assert plan.points.dtype == np.float64
    assert plan.points.tolist() == plan.path.astype(float).tolist()
    assert Plan(np.empty((0, 2), dtype=np.int64), math.inf, 0, False).points.shape == (0, 2)


PER_MAP = 8


@pytest.mark.skipif(not SCENS, reason=f"Moving AI files not found in {MOVINGAI}")
@pytest.mark.parametrize("scen", SCENS, ids=[p.name for p in SCENS])
def test_movingai_sample_never_longer_than_octile(scen):
    # The full set is measured by tests/benchmarks/anyangle_bench.py (movingai).
    problems = read_scen(scen)
    grid = read_map(scen.parent / problems[0].map)
    pick = np.unique(np.linspace(0, len(problems) - 1, PER_MAP).astype(int))
    for i in pick:
        p = problems[i]
        plan = theta_star(grid, p.start, p.goal)
        assert plan.found
        assert plan.cost <= p.optimal_length * (1 + PUBLISHED_REL) + PUBLISHED_ROUNDING, (
            i, p, plan.cost)
        for a, b in zip(plan.points, plan.points[1:]):
            assert segment_clear(grid, a, b)


def test_an_off_centre_rover_is_not_stuck_on_a_segment_checked_from_its_cell_centre():
    # Found by the shipped campaign (planners-jezero, curiosity, seed 92): theta_star's
    # first segment, clear from the centre of the rover's cell, grazed a known blocked cell
    # from where the rover stood; the drive's guard stopped it, every replan gave the same
    # plan, and the run ended "stuck" after 50 replans. The rover now goes by its cell centre.
    from rover import simulate, sweep

    s = sweep.load_sweep("planners-jezero")
    (run,) = [r for r in s.runs() if r.planner == "theta_star" and r.seed == 92
              and r.case.values == ("curiosity",)]
    result = simulate(run.scenario(), planner="theta_star", seed=run.seed)
    assert result.summary["outcome"] == "reached", result.summary["reason"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 12), st.integers(1, 12), st.integers(0, 2**32 - 1),
       st.sampled_from([np.inf, 0.5, 1.0, 3.0]))
def test_the_inlined_centre_walk_is_the_line_walk_to_the_bit(rows, cols, seed, limit_scale):
    """Theta*'s kernel walks segments between centres with ``_centre_walk``; it must give
    exactly what ``_line_cost_kernels.walk`` gives (value, inf when blocked or over the
    limit), or theta_star's plans would change."""
    from rover.planners._line_cost_kernels import walk
    from rover.planners._theta_star_kernels import _centre_walk

    rng = np.random.default_rng(seed)
    cost = np.where(rng.random((rows, cols)) < 0.15, np.inf,
                    rng.choice([1.0, 1.5, 2.0, 7.25], size=(rows, cols)))
    flat = cost.reshape(-1)
    free = np.argwhere(np.isfinite(cost))
    if len(free) == 0:
        return
    for _ in range(20):
        (r0, c0), (r1, c1) = free[rng.integers(len(free), size=2)]
        dr, dc = int(r1 - r0), int(c1 - c0)
        if dr == dc == 0:  # Theta* never walks from a cell to itself
            continue
        length = math.sqrt(dr * dr + dc * dc)
        limit = limit_scale * length * 3.0
        want = walk(flat, cols, r0 + 0.5, c0 + 0.5, r1 + 0.5, c1 + 0.5, limit)
        got = _centre_walk(flat, cols, int(r0 * cols + c0), dr, dc, length, limit)
        assert got == want or (math.isnan(got) and math.isnan(want)), (r0, c0, r1, c1)
