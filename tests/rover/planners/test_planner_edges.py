"""Edge cases, input errors and the planner registry."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rover.planners import PLANNERS, DStarLite, Plan, astar, dijkstra, plan_path

INF = np.inf
SQRT2 = math.sqrt(2.0)


def all_planners(cost, start, goal, connectivity=8):
    return {
        "astar": astar(cost, start, goal, connectivity=connectivity),
        "wastar": astar(cost, start, goal, connectivity=connectivity, weight=3.0),
        "dijkstra": dijkstra(cost, start, goal, connectivity=connectivity),
        "dstar_lite": DStarLite(cost, start, goal, connectivity=connectivity).plan(),
    }


def assert_not_found(plan):
    assert not plan.found
    assert plan.cost == INF
    assert plan.path.shape == (0, 2) and plan.path.dtype == np.int64


# ----------------------------------------------------------------------------- edge cases
def test_start_equals_goal():
    cost = np.full((5, 6), 2.0)
    for name, plan in all_planners(cost, (2, 3), (2, 3)).items():
        assert plan.found, name
        assert plan.cost == 0.0
        assert plan.path.tolist() == [[2, 3]]


def test_one_by_one_grid():
    for name, plan in all_planners(np.array([[7.0]]), (0, 0), (0, 0)).items():
        assert plan.found and plan.cost == 0.0 and plan.path.tolist() == [[0, 0]], name
    for name, plan in all_planners(np.array([[INF]]), (0, 0), (0, 0)).items():
        assert_not_found(plan)
    assert dijkstra(np.array([[INF]]), (0, 0)).tolist() == [[INF]]


def test_everything_blocked():
    cost = np.full((4, 4), INF)
    for plan in all_planners(cost, (0, 0), (3, 3)).values():
        assert_not_found(plan)
    assert np.all(dijkstra(cost, (0, 0)) == INF)


def test_blocked_start_or_goal():
    cost = np.ones((4, 4))
    cost[0, 0] = INF
    cost[3, 3] = INF
    for plan in list(all_planners(cost, (0, 0), (2, 2)).values()) + list(
            all_planners(cost, (1, 1), (3, 3)).values()):
        assert_not_found(plan)


def test_goal_walled_in():
    cost = np.ones((9, 9))
    cost[3:8, 3] = cost[3:8, 7] = cost[3, 3:8] = cost[7, 3:8] = INF
    for conn in (4, 8):
        for name, plan in all_planners(cost, (0, 0), (5, 5), conn).items():
            assert_not_found(plan)
            assert plan.expanded > 0, name
    reach = dijkstra(cost, (0, 0))
    assert np.all(reach[4:7, 4:7] == INF) and np.isfinite(reach[8, 8])


def test_diagonal_squeeze_between_two_blocked_cells_is_not_allowed():
    cost = np.array([[1.0, INF], [INF, 1.0]])
    for plan in all_planners(cost, (0, 0), (1, 1)).values():
        assert_not_found(plan)
    # One side open: the diagonal is still a corner cut, so the path goes around it.
    cost = np.array([[1.0, 1.0], [INF, 1.0]])
    for name, plan in all_planners(cost, (0, 0), (1, 1)).items():
        assert plan.path.tolist() == [[0, 0], [0, 1], [1, 1]], name
        assert plan.cost == 2.0


def test_diagonal_step_cost_is_sqrt2_times_mean_cost():
    cost = np.array([[2.0, 5.0], [5.0, 3.0]])
    plan = astar(cost, (0, 0), (1, 1))
    assert plan.path.tolist() == [[0, 0], [1, 1]]
    assert plan.cost == pytest.approx(SQRT2 * 2.5)
    # 4-connected: two straight steps through a dear side cell.
    plan4 = astar(cost, (0, 0), (1, 1), connectivity=4)
    assert plan4.cost == pytest.approx(3.5 + 4.0)
    assert len(plan4.path) == 3
    # A cheap side cell makes two straight steps beat the diagonal.
    cost[1, 0] = 1.0
    assert astar(cost, (0, 0), (1, 1)).path.tolist() == [[0, 0], [1, 0], [1, 1]]


def test_plan_is_frozen_and_sized():
    plan = astar(np.ones((3, 3)), (0, 0), (0, 2))
    assert isinstance(plan, Plan) and len(plan) == 3
    with pytest.raises(AttributeError):
        plan.cost = 0.0


def test_float32_input_and_caller_grid_untouched():
    cost = np.ones((6, 6), dtype=np.float32)
    cost[2, 1:5] = np.inf
    before = cost.copy()
    for plan in all_planners(cost, (0, 0), (5, 5)).values():
        assert plan.found
    np.testing.assert_array_equal(cost, before)


def test_non_contiguous_and_list_input():
    big = np.ones((10, 10))
    view = big[::2, ::2]
    assert astar(view, (0, 0), (4, 4)).cost == pytest.approx(4 * SQRT2)
    assert astar([[1.0, 1.0], [1.0, 1.0]], [0, 0], np.array([1, 1])).found


# ----------------------------------------------------------------------------- errors
def test_nan_is_an_error_naming_count_and_first_cell():
    cost = np.ones((8, 9))
    cost[3, 7] = np.nan
    cost[5, 0] = np.nan
    with pytest.raises(ValueError, match=r"cost grid has 2 NaN cells, first at \(3, 7\)"):
        astar(cost, (0, 0), (1, 1))
    with pytest.raises(ValueError, match="NaN"):
        DStarLite(cost, (0, 0), (1, 1))


def test_costs_below_one_are_an_error():
    cost = np.ones((4, 4))
    cost[1, 2] = 0.5
    with pytest.raises(ValueError, match=r"1 cells below 1 .* first at \(1, 2\): 0.5"):
        dijkstra(cost, (0, 0))
    cost[1, 2] = -np.inf
    with pytest.raises(ValueError, match="below 1"):
        astar(cost, (0, 0), (3, 3))


@pytest.mark.parametrize("bad, match", [
    (np.ones(5), r"must be 2-D \(rows, cols\), got shape \(5,\)"),
    (np.ones((2, 2, 2)), r"must be 2-D"),
    (np.ones((0, 4)), r"must not be empty, got shape \(0, 4\)"),
    (np.ones((3, 3), dtype=np.int32), r"dtype int32.*astype\(np.float64\)"),
    (np.ones((3, 3), dtype=bool), r"dtype bool"),
    (np.array([["a"]]), r"expected float32 or float64"),
])
def test_malformed_grids(bad, match):
    with pytest.raises(ValueError, match=match):
        astar(bad, (0, 0), (0, 0))
    with pytest.raises(ValueError, match=match):
        DStarLite(bad, (0, 0), (0, 0))


def test_start_and_goal_out_of_bounds():
    cost = np.ones((128, 128))
    with pytest.raises(ValueError,
                       match=r"start \(-1, 4\) is outside the cost grid of shape \(128, 128\)"):
        astar(cost, (-1, 4), (0, 0))
    with pytest.raises(ValueError, match=r"goal \(3, 128\) is outside"):
        dijkstra(cost, (0, 0), (3, 128))
    with pytest.raises(ValueError, match=r"goal \(128, 0\) is outside"):
        DStarLite(cost, (0, 0), (128, 0))
    with pytest.raises(ValueError, match=r"start must be a \(row, col\) pair of integers"):
        astar(cost, (1, 2, 3), (0, 0))
    with pytest.raises(ValueError, match=r"start must be a \(row, col\) pair of integers"):
        astar(cost, (0.5, 1), (0, 0))


def test_bad_connectivity_and_weight():
    cost = np.ones((3, 3))
    with pytest.raises(ValueError, match="connectivity must be 4 or 8, got 6"):
        astar(cost, (0, 0), (2, 2), connectivity=6)
    with pytest.raises(ValueError, match="connectivity must be 4 or 8, got 6"):
        DStarLite(cost, (0, 0), (2, 2), connectivity=6)
    with pytest.raises(ValueError, match=r"weight must be a finite number >= 1, got 0.5"):
        astar(cost, (0, 0), (2, 2), weight=0.5)
    with pytest.raises(ValueError, match=r"weight must be a number >= 1, got 'x'"):
        astar(cost, (0, 0), (2, 2), weight="x")


# ----------------------------------------------------------------------------- registry
def test_registry_names_and_plan_path():
    assert set(PLANNERS) == {"astar", "wastar", "dijkstra", "dstar_lite", "mpgaa", "theta_star",
                             "field_dstar"}
    assert all(isinstance(v, str) and v and "\n" not in v for v in PLANNERS.values())
    rng = np.random.default_rng(5)
    cost = 1.0 + 9.0 * rng.random((40, 50))
    cost[rng.random(cost.shape) < 0.2] = INF
    cost[0, 0] = cost[39, 49] = 1.0
    best = astar(cost, (0, 0), (39, 49))
    assert best.found
    for name in ("astar", "dijkstra", "dstar_lite", "mpgaa"):
        assert plan_path(name, cost, (0, 0), (39, 49)).cost == pytest.approx(best.cost,
                                                                            rel=1e-9)
    w = plan_path("wastar", cost, (0, 0), (39, 49), weight=1.5)
    assert best.cost <= w.cost <= 1.5 * best.cost * (1 + 1e-12)
    assert plan_path("astar", cost, (0, 0), (39, 49), connectivity=4).cost >= best.cost


def test_unknown_planner_name_lists_valid_ones():
    with pytest.raises(ValueError, match=r"unknown planner 'rrt'; valid planners: astar, "
                                         r"wastar, dijkstra, dstar_lite"):
        plan_path("rrt", np.ones((2, 2)), (0, 0), (1, 1))


# ----------------------------------------------------------------------------- growth
def test_open_list_growth_resumes_the_search_exactly(monkeypatch):
    # With a tiny starting capacity the kernels stop many times to have their heap arrays
    # doubled and resume; the answers must not change.
    from rover.planners import _astar, _dstar_lite

    rng = np.random.default_rng(11)
    cost = 1.0 + 9.0 * rng.random((60, 70))
    cost[rng.random(cost.shape) < 0.2] = INF
    cost[0, 0] = cost[59, 69] = 1.0
    ref = astar(cost, (0, 0), (59, 69))
    ref_all = dijkstra(cost, (0, 0))
    ref_d = DStarLite(cost, (0, 0), (59, 69))
    ref_d.plan()
    monkeypatch.setattr(_astar, "HEAP_START", 2)
    monkeypatch.setattr(_dstar_lite, "HEAP_START", 2)
    monkeypatch.setattr(_dstar_lite, "PATH_START", 2)
    plan = astar(cost, (0, 0), (59, 69))
    assert plan.cost == ref.cost and plan.expanded == ref.expanded
    assert np.array_equal(plan.path, ref.path)
    np.testing.assert_array_equal(dijkstra(cost, (0, 0)), ref_all)
    planner = DStarLite(cost, (0, 0), (59, 69))
    first = planner.plan()
    assert first.cost == pytest.approx(ref.cost, rel=1e-12)
    assert np.array_equal(first.path, ref_d.plan().path)
    assert planner._hn.size > 2 and planner._rev.shape[0] >= len(first.path)  # both grew
    cells = np.array([[r, c] for r in range(20, 40) for c in range(20, 40)])
    planner.update(cells, np.full(len(cells), INF))
    ref_d.update(cells, np.full(len(cells), INF))
    assert planner.plan().cost == pytest.approx(ref_d.plan().cost, rel=1e-12)


def test_dstar_update_rejects_ragged_and_complex_input_clearly():
    from rover.planners import DStarLite

    d = DStarLite(np.ones((5, 5)), (0, 0), (4, 4))
    with pytest.raises(ValueError, match=r"cells must be \(K, 2\) integers and costs \(K,\) real numbers"):
        d.update([[1, 2], [3]], [2.0, 2.0])
    with pytest.raises(ValueError, match=r"costs \(K,\) real numbers"):
        d.update([[1, 2]], [2.0 + 1j])
    assert d.update(np.array([[1.0, 2.0]]), [3.0]) == 1  # whole-number float cells are fine
    assert d.plan().found


@pytest.mark.parametrize("connectivity", [8, 4])
def test_repeated_search_matches_plan_path_as_the_grid_changes(connectivity, monkeypatch):
    # The simulator's replanning from scratch: one workspace, a grid changed in place between
    # plans. Every plan must be plan_path's (path, cost and expansions), whether it is found,
    # unreachable, or refused for a blocked end; and each plan must leave no flag behind.
    from rover.planners import _astar

    monkeypatch.setattr(_astar, "HEAP_START", 2)  # also exercise the open list's growth
    rng = np.random.default_rng(connectivity)
    grid = 1.0 + 4.0 * rng.random((40, 50))
    grid[rng.random(grid.shape) < 0.25] = INF
    rs = _astar.RepeatedSearch(grid, connectivity=connectivity)
    outcomes = set()
    for step in range(150):
        cells = rng.integers(0, [40, 50], size=(rng.integers(1, 40), 2))
        grid[cells[:, 0], cells[:, 1]] = rng.choice([1.0, 2.5, 7.0, INF], size=len(cells))
        if step == 100:
            grid[:, 25] = INF  # a wall: the far side cannot be reached
        start, goal = tuple(rng.integers(0, [40, 50])), tuple(rng.integers(0, [40, 50]))
        name = ("astar", "wastar", "dijkstra")[step % 3]
        finite = grid[np.isfinite(grid)]
        got = rs.plan(name, start, goal, float(finite.min()) if finite.size else INF,
                      weight=2.0)
        # plan_path passes options to the planner: only wastar takes a weight.
        options = {"weight": 2.0} if name == "wastar" else {}
        want = plan_path(name, grid, start, goal, connectivity=connectivity, **options)
        assert (got.found, got.cost, got.expanded) == (want.found, want.cost, want.expanded)
        np.testing.assert_array_equal(got.path, want.path)
        assert not rs._flags.any()
        outcomes.add((got.found, got.expanded > 0))
    assert outcomes == {(True, True), (False, True), (False, False)}


def test_repeated_search_refuses_what_it_cannot_trust():
    from rover.planners._astar import RepeatedSearch

    with pytest.raises(ValueError, match="float64"):
        RepeatedSearch(np.ones((3, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="not 'dstar_lite'"):
        RepeatedSearch(np.ones((3, 3))).plan("dstar_lite", (0, 0), (2, 2), 1.0)


def test_repeated_search_recovers_from_an_interrupted_search(monkeypatch):
    # An exception between the search and the reset (here: an interrupt while tracing) must
    # not leave flags behind, or every later search would refuse its start.
    from rover.planners import _astar, _astar_kernels

    grid = np.ones((20, 20))
    rs = _astar.RepeatedSearch(grid)
    real_trace = _astar_kernels.trace

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(_astar_kernels, "trace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        rs.plan("astar", (0, 0), (19, 19), 1.0)
    monkeypatch.setattr(_astar_kernels, "trace", real_trace)
    assert not rs._flags.any()
    assert rs.plan("astar", (0, 0), (19, 19), 1.0).cost == astar(grid, (0, 0), (19, 19)).cost


def test_finite_costs_too_large_to_sum_are_refused():
    # 1e308 is finite and >= 1, but one step's (c + c) / 2 overflows to inf: such grids are
    # refused up front, the same way by every planner, rather than planned with cost inf.
    from rover.planners import DStarLite, dijkstra

    cost = np.ones((3, 3))
    cost[1, 2] = 1e308
    for call in (lambda: astar(cost, (0, 0), (2, 2)), lambda: dijkstra(cost, (0, 0)),
                 lambda: DStarLite(cost, (0, 0), (2, 2))):
        with pytest.raises(ValueError, match=r"cost grid has a finite cost above 1e\+100 at \(1, 2\)"):
            call()
    planner = DStarLite(np.ones((3, 3)), (0, 0), (2, 2))
    with pytest.raises(ValueError, match=r"costs must be <= 1e\+100 \(or inf for blocked\), costs\[1\]"):
        planner.update([[0, 1], [1, 1]], [2.0, 1e200])
    assert astar(np.full((3, 3), 1e100), (0, 0), (2, 2)).cost == pytest.approx(2e100 * SQRT2)



@pytest.mark.parametrize("big", [1e15, 1e16, 1e100])
@pytest.mark.parametrize("cls", ["DStarLite", "MPGAAStar"])
def test_incremental_planners_refuse_costs_spread_beyond_float64_with_a_clear_error(cls, big):
    """1 beside 1e16: steps vanish in the sums, so D* Lite could not read its path back (it
    raised RuntimeError) and MPGAA* kept a dearer path as exact (a silently wrong plan); now
    a ValueError says why and names the planners that can do it."""
    from rover import planners

    planner = getattr(planners, cls)
    cost = np.array([[1.0, 1.0, 1.0, big, 1.0]])
    with pytest.raises(ValueError, match="use astar or dijkstra"):
        planner(cost, (0, 0), (0, 4))
    ds = planner(np.ones((1, 5)), (0, 0), (0, 4))
    with pytest.raises(ValueError, match="cannot plan exactly"):
        ds.update([[0, 3]], [big])
    assert ds.plan().cost == pytest.approx(4.0)  # the refused update changed nothing
    assert astar(cost, (0, 0), (0, 4), connectivity=4).cost == pytest.approx(big + 3.0)


def test_mpgaa_is_refused_where_it_would_keep_a_dearer_path_as_exact():
    """The review's case: a first search from a 1e20 cell carries ~5e19 in every g, the
    tail's step costs vanish, and the path kept through (1, 0) cost 2.83 where 2 is optimal;
    the next plan reused it. Such a grid is now refused up front."""
    from rover.planners import MPGAAStar

    grid = np.ones((4, 4))
    grid[0, 0] = 1e20
    with pytest.raises(ValueError, match=r"MPGAA\* cannot plan exactly over costs from 1 to 1e\+20 on 16 cells"):
        MPGAAStar(grid, (0, 0), (3, 0))


@pytest.mark.parametrize("cls", ["DStarLite", "MPGAAStar"])
def test_incremental_planners_own_a_writable_grid_whatever_they_are_given(cls):
    """A read-only grid, or an object whose __array__ hands out a fresh read-only array each
    time (so it shares no memory with a second conversion), is copied: update() then works
    and the caller's array is never written."""
    from rover import planners

    base = np.ones((4, 4))
    base.flags.writeable = False

    class Lazy:
        def __array__(self, dtype=None, copy=None):
            a = np.ones((4, 4))
            a.flags.writeable = False
            return a

    walled = np.ones((4, 4))
    walled[[1, 2], [1, 2]] = np.inf
    for given in (base, Lazy()):
        p = getattr(planners, cls)(given, (0, 0), (3, 3))
        assert p.update([[1, 1], [2, 2]], [np.inf, np.inf]) == 2
        assert p.plan().cost == pytest.approx(astar(walled, (0, 0), (3, 3)).cost)
    assert (base == 1).all()


def test_kernels_lists_each_planners_numba_kernels():
    from numba.core.registry import CPUDispatcher

    from rover.planners import PLANNERS, kernels

    for name in PLANNERS:
        assert kernels(name) and all(isinstance(k, CPUDispatcher) for k in kernels(name)), name
    assert len(kernels("dstar_lite", updates=False)) == len(kernels("dstar_lite")) - 1
    with pytest.raises(ValueError, match=r"unknown planner 'dstar' \(did you mean 'dstar_lite'\?\); "
                                         r"valid planners: astar, "):
        kernels("dstar")
