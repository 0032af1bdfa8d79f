"""The traverse speed bar: a 1 km Mars traverse, D* Lite and MPGAA* against A* from scratch.

The default run (``--benchmark-disable``) smoke-tests a 100 m traverse on 256 x 256 cells
once per policy; the 1 km traverse on 2048 x 2048 cells runs with::

    .venv/bin/python -m pytest tests/benchmarks/test_traverse.py --benchmark-enable

Figures land in ``extra_info`` (wall time, sim time, speed-up over real time, planner time,
expansions) and each incremental planner's ratios to A* in its own ``extra_info``
(``planner_time_vs_astar``, ``wall_vs_astar``). Nothing asserts on
wall time; ``tests/benchmarks/traverse_bench.py`` prints the same figures as text.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import traverse_bench as tb  # noqa: E402

_RESULTS: dict = {}


@pytest.fixture(scope="module", params=[256, 2048], ids=lambda s: f"{s}x{s}")
def traverse(request):
    size = request.param
    cfg = request.config
    # The same test pytest-benchmark makes (a module fixture cannot ask `benchmark` itself).
    disabled = cfg.getoption("benchmark_disable") and not cfg.getoption("benchmark_enable")
    if size > 256 and disabled:
        pytest.skip("heavy benchmark: run with --benchmark-enable")
    route = tb.ROUTE_M if size >= 2048 else 100.0
    sc, world = tb.traverse_world(size=size, route_m=route)
    small, sw = tb.traverse_world(size=128, route_m=40.0)
    for p in tb.PLANNERS:
        tb.run_traverse(small, sw, p)  # compile or load the kernels outside the timing
    return size, sc, world


@pytest.mark.benchmark(group="traverse")
@pytest.mark.parametrize("planner", tb.PLANNERS)
def test_traverse(benchmark, traverse, planner):
    size, sc, world = traverse
    summary = benchmark.pedantic(tb.run_traverse, args=(sc, world, planner), rounds=1, iterations=1)
    assert summary["outcome"] == "reached", summary["reason"]
    assert summary["distance_m"] >= 0.99 * summary["straight_line_m"]
    info = {k: summary[k] for k in ("wall_time_s", "sim_time_s", "speedup", "replans",
                                    "planner_time_s", "planner_median_ms", "expanded",
                                    "distance_m")}
    _RESULTS[(size, planner)] = info
    base = _RESULTS.get((size, "astar"))  # A* runs first (tb.PLANNERS)
    if planner != "astar" and base:
        info["planner_time_vs_astar"] = info["planner_time_s"] / max(base["planner_time_s"], 1e-9)
        info["wall_vs_astar"] = info["wall_time_s"] / base["wall_time_s"]
    benchmark.extra_info.update(info)


def test_dstar_heuristic_study_runs_and_replays_exactly(capsys):
    """``dstar_heuristic.py`` backs a figure in docs/DESIGN.md: on a small traverse its
    plain-Python D* Lite must reproduce every recorded plan's cost under each heuristic, and
    the exact heuristic must expand fewer cells than the octile one."""
    import re

    import dstar_heuristic

    assert dstar_heuristic.main(["96", "1"]) == 0
    out = capsys.readouterr().out
    per = [float(x) for x in re.findall(r"([\d.]+) expanded per replan", out)]
    assert len(per) == 2 and per[1] < per[0], out
    assert out.count(" 0 plans off") == 2, out
