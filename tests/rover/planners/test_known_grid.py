"""rover.planners.KnownGrid: the known map a run hands to planners. The public planners take
it without validating it again and A* reuses one workspace on it (the registry bar: a
plugin that calls ``astar`` plans as fast as the built-in), with the same plans as on a
plain copy; anything derived from it is an ordinary grid, validated as any other."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rover.planners import (KnownGrid, astar, dijkstra, line_cost, segment_clear, taut, theta_star,
                            wastar)
from rover.planners._common import vouched


def known(grid, least=None):
    kg = np.ascontiguousarray(grid, dtype=np.float64).view(KnownGrid)
    finite = grid[np.isfinite(grid)]
    low = float(finite.min()) if finite.size else np.inf
    kg.vouch(lambda: low if least is None else least)
    kg.flags.writeable = False
    return kg


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 14), st.integers(1, 14), st.integers(0, 2**32 - 1))
def test_plans_on_a_known_grid_are_the_plans_on_a_plain_copy(rows, cols, seed):
    rng = np.random.default_rng(seed)
    grid = np.where(rng.random((rows, cols)) < 0.2, np.inf,
                    rng.choice([1.0, 1.5, 4.0], size=(rows, cols)))
    kg = known(grid)
    for _ in range(4):  # the workspace is reused: each plan must be as fresh
        s = (int(rng.integers(rows)), int(rng.integers(cols)))
        t = (int(rng.integers(rows)), int(rng.integers(cols)))
        for plan in (astar, wastar, theta_star):
            a, b = plan(kg, s, t), plan(grid.copy(), s, t)
            assert a.found == b.found and a.cost == b.cost and a.expanded == b.expanded
            np.testing.assert_array_equal(a.path, b.path)
            np.testing.assert_array_equal(a.points, b.points)
        a = astar(kg, s, t, connectivity=4)
        b = astar(grid.copy(), s, t, connectivity=4)
        assert a.cost == b.cost and np.array_equal(a.path, b.path)
        assert dijkstra(kg, s, t).cost == dijkstra(grid.copy(), s, t).cost
        pts = theta_star(grid, s, t, taut=False).points
        if len(pts):
            assert line_cost(kg, pts) == line_cost(grid, pts)
            assert segment_clear(kg, pts[0], pts[-1]) == segment_clear(grid, pts[0], pts[-1])
            np.testing.assert_array_equal(taut(kg, pts), taut(grid, pts))
    np.testing.assert_array_equal(dijkstra(kg, (0, 0)), dijkstra(grid, (0, 0)))


def test_only_the_grid_a_run_vouched_for_skips_validation():
    grid = np.ones((6, 7))
    kg = known(grid)
    assert vouched(kg) is not None
    assert vouched(grid) is None
    assert vouched(grid.view(KnownGrid)) is None  # a KnownGrid nobody vouched for
    for derived in (kg[1:], kg.copy(), kg * 2.0, kg - 0.5, kg.T):
        assert vouched(derived) is None, type(derived)
    with pytest.raises(ValueError, match="below 1"):
        astar(kg - 0.5, (0, 0), (5, 6))  # derived, so validated


def test_the_least_cost_is_read_at_each_call():
    base = np.full((5, 5), 3.0)
    least = [3.0]
    kg = base.view(KnownGrid).vouch(lambda: least[0])
    assert astar(kg, (0, 0), (4, 4)).cost == astar(base.copy(), (0, 0), (4, 4)).cost
    base[2, :] = 1.0  # the run changes its map in place, and its least cost with it
    least[0] = 1.0
    assert astar(kg, (0, 0), (4, 4)).cost == astar(base.copy(), (0, 0), (4, 4)).cost


def test_a_busy_workspace_falls_back_to_arrays_of_the_call():
    grid = np.ones((9, 9))
    grid[4, 1:] = np.inf
    kg = known(grid)
    assert kg._lock.acquire(blocking=False)  # another thread is planning on it
    try:
        plan = astar(kg, (0, 8), (8, 8))
    finally:
        kg._lock.release()
    assert plan.cost == astar(grid, (0, 8), (8, 8)).cost
    assert not kg._spaces  # the workspace was not touched


def test_cells_as_tuples_of_numpy_ints_and_bad_cells():
    kg = known(np.ones((4, 4)))
    assert astar(kg, (np.int64(0), np.int32(1)), (3, 3)).found
    with pytest.raises(ValueError, match=r"start \(4, 0\) is outside the cost grid"):
        astar(kg, (4, 0), (3, 3))
    with pytest.raises(ValueError, match="goal must be a \\(row, col\\) pair of integers"):
        astar(kg, (0, 0), (0.5, 1))


def test_a_grid_made_writeable_or_reshaped_in_place_is_validated_again():
    base = np.ones((5, 6))
    kg = base.view(KnownGrid).vouch(lambda: 1.0)
    kg.flags.writeable = False
    assert vouched(kg) is not None
    kg.flags.writeable = True  # numpy allows it: the base is writeable
    kg[0, 0] = 0.25
    assert vouched(kg) is None
    with pytest.raises(ValueError, match="below 1"):
        astar(kg, (0, 0), (4, 5))
    kg[0, 0] = 1.0
    kg.flags.writeable = False
    kg.shape = (6, 5)
    assert vouched(kg) is None
    assert astar(kg, (5, 0), (0, 4)).cost == astar(np.ones((6, 5)), (5, 0), (0, 4)).cost


def test_vouch_checks_the_form():
    for bad in (np.ones((4, 4), dtype=np.float32), np.ones(16), np.ones((4, 4), order="F")[:, :3]):
        with pytest.raises(ValueError, match="C-contiguous 2-D float64"):
            bad.view(KnownGrid).vouch(lambda: 1.0)


def test_a_run_hands_planners_its_vouched_known_map(monkeypatch):
    """What every replan of a plugin sees: a read-only KnownGrid the run vouches for, whose
    least cost is never above the least finite cell."""
    import sys
    from pathlib import Path

    from rover.planners import _registry, register

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from _fixtures import bumpy_terrain, scenario

    from rover.sim import simulate, world_from_terrain

    seen = []

    def probe(cost, start, goal):
        run = vouched(cost)
        finite = np.asarray(cost)[np.isfinite(cost)]
        seen.append((run is not None, not cost.flags.writeable,
                     run is not None and run[1] <= finite.min()))
        return astar(cost, start, goal)

    monkeypatch.setattr(_registry, "_REGISTERED", dict(_registry._REGISTERED))
    register("vouch_probe", probe)
    t = bumpy_terrain(size=(48, 48), seed=3)
    sc = scenario((4.0, 4.0), (19.75, 20.25), size=(48, 48))
    r = simulate(sc, planner="vouch_probe", world=world_from_terrain(sc, t))
    assert r.summary["outcome"] == "reached"
    assert seen and all(all(x) for x in seen), seen[:3]
