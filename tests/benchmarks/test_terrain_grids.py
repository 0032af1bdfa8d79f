"""Planning on generated terrain cost grids of several sizes (``rover bench PRESET:SIZE``).

The grid is a terrain preset made into a cost map for the generic rover, start and goal 90%
of a diagonal apart (:func:`rover.bench.workloads.terrain_grid`). ``extra_info`` holds the
expansions, the expansions per second and the ratio of each planner's cost to the optimum.
The default run smoke-tests 256 x 256; 1024 and 2048 run with ``--benchmark-enable``.
"""

from __future__ import annotations

import math

import pytest

from rover.bench.workloads import parse_workload
from rover.planners import dijkstra, plan_path

SIZES = [256, 1024, 2048]


@pytest.fixture(scope="module", params=[(p, n) for p in ("mars-jezero", "moon-highlands")
                                        for n in SIZES], ids=lambda v: f"{v[0]}-{v[1]}")
def terrain_problem(request):
    preset, n = request.param
    cfg = request.config
    disabled = cfg.getoption("benchmark_disable") and not cfg.getoption("benchmark_enable")
    if n > 256 and disabled:
        pytest.skip("heavy benchmark: run with --benchmark-enable")
    (spec,) = parse_workload(f"{preset}:{n}")
    prob = spec.build()
    optimum = dijkstra(prob.cost, prob.start, prob.goal).cost
    return prob, optimum


@pytest.mark.parametrize("planner", ["astar", "wastar", "dstar_lite"])
def test_plan_on_terrain(benchmark, terrain_problem, planner):
    prob, optimum = terrain_problem
    benchmark.group = f"plan-terrain-{prob.name}"
    plan_path(planner, prob.cost, prob.start, prob.goal)  # load the kernels
    plan = benchmark(plan_path, planner, prob.cost, prob.start, prob.goal)
    assert plan.found
    if planner == "wastar":
        assert plan.cost <= 1.5 * optimum * (1 + 1e-9)
    else:
        assert math.isclose(plan.cost, optimum, rel_tol=1e-9)
    if not benchmark.disabled:
        benchmark.extra_info.update(
            expanded=plan.expanded, cost_ratio=plan.cost / optimum,
            expansions_per_s=plan.expanded / benchmark.stats.stats.median)
