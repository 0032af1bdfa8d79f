"""Planners against an independent oracle: scipy's csgraph Dijkstra on the same edge costs."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rover.planners import DStarLite, astar, dijkstra

csgraph = pytest.importorskip("scipy.sparse.csgraph")
sparse = pytest.importorskip("scipy.sparse")

_spec = importlib.util.spec_from_file_location("rover_planners_naive",
                                               Path(__file__).with_name("naive.py"))
naive = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(naive)


def random_grid(seed, rows, cols, blocked, mode):
    """A random cost grid: uniform 1, mild or wide costs, some cells blocked."""
    rng = np.random.default_rng(seed)
    spread = {0: 0.0, 1: 1.0, 2: 9.0}[mode]
    cost = 1.0 + spread * rng.random((rows, cols))
    cost[rng.random((rows, cols)) < blocked] = np.inf
    return cost, rng


def oracle(cost, start, connectivity):
    """Least costs from start by scipy's Dijkstra over naive.edge_list's edges."""
    src, dst, w = naive.edge_list(cost, connectivity)
    n = cost.size
    graph = sparse.csr_matrix((w, (src, dst)), shape=(n, n))
    dist = csgraph.dijkstra(graph, directed=True, indices=start[0] * cost.shape[1] + start[1])
    if not math.isfinite(cost[start]):
        dist[:] = np.inf
    return dist.reshape(cost.shape)


def same(a, b):
    return (a == b) or math.isclose(a, b, rel_tol=1e-9)


grids = st.tuples(
    st.integers(0, 2**32 - 1),   # seed
    st.integers(1, 14),          # rows
    st.integers(1, 14),          # cols
    st.sampled_from([0.0, 0.1, 0.25, 0.4]),  # blocked fraction
    st.integers(0, 2),           # cost spread
    st.sampled_from([8, 4]),     # connectivity
)


@settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(grids)
def test_planners_match_scipy_oracle(spec):
    seed, rows, cols, blocked, mode, conn = spec
    cost, rng = random_grid(seed, rows, cols, blocked, mode)
    start = (int(rng.integers(rows)), int(rng.integers(cols)))
    goal = (int(rng.integers(rows)), int(rng.integers(cols)))
    ref = oracle(cost, start, conn)
    want = ref[goal]

    plans = {
        "astar": astar(cost, start, goal, connectivity=conn),
        "dijkstra": dijkstra(cost, start, goal, connectivity=conn),
        "dstar_lite": DStarLite(cost, start, goal, connectivity=conn).plan(),
    }
    for name, plan in plans.items():
        assert same(plan.cost, want), (name, plan.cost, want)
        assert plan.found == math.isfinite(want), name
        if plan.found:
            naive.check_path(cost, plan, start, goal, conn)
        else:
            assert plan.path.shape == (0, 2) and plan.path.dtype == np.int64

    every = dijkstra(cost, start, connectivity=conn)
    assert every.shape == cost.shape and every.dtype == np.float64
    assert np.array_equal(np.isinf(every), np.isinf(ref))
    finite = np.isfinite(ref)
    np.testing.assert_allclose(every[finite], ref[finite], rtol=1e-9)

    weighted = astar(cost, start, goal, connectivity=conn, weight=2.0)
    assert weighted.found == plans["astar"].found
    if weighted.found:
        naive.check_path(cost, weighted, start, goal, conn)
        assert weighted.cost <= 2.0 * want * (1 + 1e-12)


@settings(deadline=None, max_examples=40)
@given(st.integers(0, 2**32 - 1))
def test_dijkstra_all_matches_naive_heapq(seed):
    cost, rng = random_grid(seed, 9, 11, 0.3, 2)
    start = (int(rng.integers(9)), int(rng.integers(11)))
    for conn in (4, 8):
        got = dijkstra(cost, start, connectivity=conn)
        ref = naive.dijkstra_all(cost, start, conn)
        np.testing.assert_allclose(got, ref, rtol=1e-12)


def test_float32_grid_gives_the_same_plan_as_its_float64_copy():
    cost, _ = random_grid(7, 30, 40, 0.2, 2)
    c32 = cost.astype(np.float32)
    p32 = astar(c32, (0, 0), (29, 39))
    p64 = astar(c32.astype(np.float64), (0, 0), (29, 39))
    assert p32.cost == p64.cost
    assert np.array_equal(p32.path, p64.path)


def test_same_input_same_output_bit_for_bit():
    cost, _ = random_grid(3, 60, 60, 0.25, 2)
    runs = [astar(cost, (0, 0), (59, 59)) for _ in range(2)]
    assert runs[0].cost == runs[1].cost and runs[0].expanded == runs[1].expanded
    assert np.array_equal(runs[0].path, runs[1].path)
    d = [DStarLite(cost, (0, 0), (59, 59)).plan() for _ in range(2)]
    assert d[0].cost == d[1].cost and np.array_equal(d[0].path, d[1].path)


def test_ties_go_toward_the_goal_on_a_uniform_map():
    # With larger-g tie-breaking A* walks straight to the goal on an open uniform map
    # instead of flooding every cell with f equal to the optimum.
    cost = np.ones((200, 200))
    plan = astar(cost, (0, 0), (199, 120))
    assert plan.cost == pytest.approx(79 + 120 * math.sqrt(2))
    assert plan.expanded < 2 * 200
