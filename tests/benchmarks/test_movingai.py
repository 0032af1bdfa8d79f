"""Moving AI problems (Sturtevant 2012), one map at a time, every answer checked.

Each benchmark solves an evenly spread sample of a map's problems with one planner and
checks every cost against the published optimal length (to 1e-5: the files print 8
decimals). The default run (``--benchmark-disable``) solves 5 problems per map once; with
``--benchmark-enable`` 200 per map, and ``extra_info`` holds the time per problem, the
expansions per second and the worst error. Every problem of every map:
``test_planners.py::test_all_movingai_problems`` or ``rover bench ../shared/movingai
--problems all --planners astar``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rover.bench.workloads import parse_workload
from rover.planners import plan_path

MOVINGAI = Path(__file__).resolve().parents[2] / ".." / "shared" / "movingai"
MAPS = ["arena.map", "AR0500SR.map", "maze512-1-0.map", "random512-40-0.map", "Berlin_2_1024.map"]


@pytest.fixture(scope="module", params=MAPS)
def movingai_map(request):
    path = MOVINGAI / request.param
    if not path.is_file():
        pytest.skip(f"Moving AI files not found in {MOVINGAI}")
    cfg = request.config
    disabled = cfg.getoption("benchmark_disable") and not cfg.getoption("benchmark_enable")
    (spec,) = parse_workload(str(path), limit=5 if disabled else 200)
    return spec.build()


@pytest.mark.parametrize("planner", ["astar", "dstar_lite"])
def test_movingai_map(benchmark, movingai_map, planner):
    grid, problems = movingai_map
    benchmark.group = "movingai"
    plan_path(planner, grid, problems[0].start, problems[0].goal)  # load the kernels

    def solve_all():
        return [plan_path(planner, grid, p.start, p.goal) for p in problems]

    plans = benchmark.pedantic(solve_all, rounds=1 if benchmark.disabled else 3)
    errors = [abs(pl.cost - p.optimal_length) for pl, p in zip(plans, problems)]
    assert max(errors) < 1e-5
    if not benchmark.disabled:
        t = benchmark.stats.stats.min
        benchmark.extra_info.update(
            problems=len(problems), worst_abs_error=max(errors),
            ms_per_problem=t / len(problems) * 1e3,
            expansions_per_s=sum(pl.expanded for pl in plans) / t)
