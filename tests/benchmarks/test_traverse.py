"""The traverse speed bar: a 1 km Mars traverse, D* Lite against A* from scratch.

The default run (``--benchmark-disable``) smoke-tests a 100 m traverse on 256 x 256 cells
once per policy; the 1 km traverse on 2048 x 2048 cells runs with::

    .venv/bin/python -m pytest tests/benchmarks/test_traverse.py --benchmark-enable

Figures land in ``extra_info`` (wall time, sim time, speed-up over real time, planner time,
expansions) and the A* / D* Lite ratios in the A* test's ``extra_info``. Nothing asserts on
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
    for p in ("dstar_lite", "astar"):
        tb.run_traverse(small, sw, p)  # compile or load the kernels outside the timing
    return size, sc, world


@pytest.mark.benchmark(group="traverse")
@pytest.mark.parametrize("planner", ["dstar_lite", "astar"])
def test_traverse(benchmark, traverse, planner):
    size, sc, world = traverse
    summary = benchmark.pedantic(tb.run_traverse, args=(sc, world, planner), rounds=1, iterations=1)
    assert summary["outcome"] == "reached", summary["reason"]
    assert summary["distance_m"] >= 0.99 * summary["straight_line_m"]
    info = {k: summary[k] for k in ("wall_time_s", "sim_time_s", "speedup", "replans",
                                    "planner_time_s", "planner_median_ms", "expanded",
                                    "distance_m")}
    _RESULTS[(size, planner)] = info
    other = _RESULTS.get((size, "dstar_lite"))
    if planner == "astar" and other:
        info["astar_over_dstar_wall"] = info["wall_time_s"] / other["wall_time_s"]
        info["astar_over_dstar_planner_time"] = info["planner_time_s"] / max(other["planner_time_s"], 1e-9)
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
