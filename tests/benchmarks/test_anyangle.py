"""theta_star against astar, one plan, on blobs:1024 and mars-jezero:1024 (the ``rover bench``
grids); the ratio of their medians, measured in the same run, is in ``extra_info``.

    ROVER_PREWARM=0 .venv/bin/python -m pytest tests/benchmarks/test_anyangle.py --benchmark-enable

The default run (``--benchmark-disable``) smoke-tests blobs:256 and mars-jezero:256 once.
Quality figures (Moving AI, terrain routes, the exact reference): anyangle_bench.py.
"""

from __future__ import annotations

import time

import pytest

from rover.bench.workloads import GridSpec
from rover.planners import astar, line_cost, theta_star


@pytest.fixture(scope="module", params=["blobs", "mars-jezero"])
def problem(request):
    cfg = request.config
    disabled = cfg.getoption("benchmark_disable") and not cfg.getoption("benchmark_enable")
    return GridSpec(request.param, 256 if disabled else 1024, 0, "generic").build()


def _median(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2]


def test_theta_star_against_astar(benchmark, problem):
    benchmark.group = f"anyangle-{problem.name}"
    c, s, t = problem.cost, problem.start, problem.goal
    grid = astar(c, s, t)  # load the kernels outside the timing
    theta_star(c, s, t)
    plan = benchmark(theta_star, c, s, t)
    assert plan.found
    assert plan.cost <= line_cost(c, grid.points) * (1 + 1e-12)
    if not benchmark.disabled:
        # A* timed in the same run, interleaved with Theta* so both see the same machine.
        ta, tt = [], []
        for _ in range(5):
            ta.append(_median(lambda: astar(c, s, t), 1))
            tt.append(_median(lambda: theta_star(c, s, t), 1))
        ratio = sorted(tt)[2] / sorted(ta)[2]
        benchmark.extra_info.update(
            ratio_to_astar=ratio, astar_ms=sorted(ta)[2] * 1e3, theta_ms=sorted(tt)[2] * 1e3,
            expanded=plan.expanded, astar_expanded=grid.expanded,
            cost_over_astar_line_cost=plan.cost / line_cost(c, grid.points))
        print(f"\n{problem.name}: theta_star {sorted(tt)[2] * 1e3:.1f} ms, astar "
              f"{sorted(ta)[2] * 1e3:.1f} ms, ratio {ratio:.2f}")
