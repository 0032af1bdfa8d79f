"""Planner benchmarks: A* against scikit-image, tcod and pyastar2d; D* Lite replans; memory;
fresh-process latency; every Moving AI problem.

Figures are ratios against our own planner measured in the same test, never absolute
thresholds. The default run (``--benchmark-disable``) executes each light benchmark once as
a smoke test and skips the heavy ones; run them all with::

    .venv/bin/python -m pytest tests/benchmarks/test_planners.py --benchmark-enable

``tests/benchmarks/planner_bench.py`` prints the same figures as plain text (see its doc).
The grid, the peers and the cost rule come from :mod:`rover.bench`, as in ``rover bench``.
Peers come from the ``bench`` extra and are skipped when absent.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import planner_bench as pb  # noqa: E402

from rover.bench.peers import make_peer  # noqa: E402
from rover.bench.runner import best_time, interleaved  # noqa: E402
from rover.bench.workloads import bench_grid, corners, path_cost  # noqa: E402
from rover.planners import DStarLite, astar, dijkstra  # noqa: E402

SIZES = [256, 1024]


@pytest.fixture(scope="module", params=SIZES, ids=lambda s: f"{s}x{s}")
def grid(request):
    return bench_grid(request.param, seed=0)


def _repeat(benchmark):
    return 1 if benchmark.disabled else 5


def _heavy(benchmark):
    if benchmark.disabled:
        pytest.skip("heavy benchmark: run with --benchmark-enable")


def test_astar(benchmark, grid):
    benchmark.group = f"plan-blobs-{grid.shape[0]}"
    start, goal = corners(grid)
    astar(grid, start, goal)  # compile or load the kernels outside the timing
    plan = benchmark(astar, grid, start, goal)
    assert plan.found
    t, _ = best_time(lambda: astar(grid, start, goal), _repeat(benchmark))
    benchmark.extra_info.update(cost=plan.cost, expanded=plan.expanded,
                                expansions_per_s=plan.expanded / t)


def test_dijkstra(benchmark, grid):
    benchmark.group = f"plan-blobs-{grid.shape[0]}"
    start, goal = corners(grid)
    ref = astar(grid, start, goal)
    plan = benchmark(dijkstra, grid, start, goal)
    assert math.isclose(plan.cost, ref.cost, rel_tol=1e-9)
    benchmark.extra_info.update(expanded=plan.expanded)


PEERS = {"skimage": "skimage.graph", "tcod": "tcod.path", "pyastar2d": "pyastar2d"}


@pytest.mark.parametrize("peer", list(PEERS))
def test_peer(benchmark, grid, peer):
    benchmark.group = f"plan-blobs-{grid.shape[0]}"
    pytest.importorskip(PEERS[peer])
    run = make_peer(peer, grid)
    start, goal = corners(grid)
    plan = astar(grid, start, goal)
    path = benchmark(run, start, goal)
    best, _ = interleaved({"ours": lambda: astar(grid, start, goal),
                              "peer": lambda: run(start, goal)}, _repeat(benchmark))
    t_ours, t_peer = best["ours"], best["peer"]
    cost, cuts, bad = path_cost(grid, path)
    assert bad == 0
    # The peer's path re-costed under our rule; corner cuts make it illegal for us.
    benchmark.extra_info.update(
        peer_cost_our_rule=cost, optimal_cost=plan.cost,
        peer_excess_pct=(cost / plan.cost - 1.0) * 100.0, peer_corner_cuts=cuts,
        astar_speedup=t_peer / t_ours)


def test_dstar_lite_first_plan(benchmark, grid):
    benchmark.group = f"plan-blobs-{grid.shape[0]}"
    start, goal = corners(grid)
    ref = astar(grid, start, goal)
    plan = benchmark(lambda: DStarLite(grid, start, goal).plan())
    assert math.isclose(plan.cost, ref.cost, rel_tol=1e-9)
    best, _ = interleaved({"astar": lambda: astar(grid, start, goal),
                              "dstar": lambda: DStarLite(grid, start, goal).plan()},
                             _repeat(benchmark))
    benchmark.extra_info.update(ratio_to_astar=best["dstar"] / best["astar"])


def test_dstar_lite_replan(benchmark, grid):
    """Up to 500 changed cells within 10 cells of the rover, then a replan."""
    benchmark.group = f"dstar-replan-{grid.shape[0]}"
    start, goal = corners(grid)
    planner = DStarLite(grid, start, goal)
    first = planner.plan()
    rng = np.random.default_rng(1)
    state = {"k": 0, "path": first.path, "grid": grid.copy()}

    def setup():
        path = state["path"]
        k = min(20, len(path) - 1)
        cell = tuple(int(x) for x in path[k])
        planner.move_to(cell)
        rr = np.clip(cell[0] + rng.integers(-10, 11, 500), 0, grid.shape[0] - 1)
        cc = np.clip(cell[1] + rng.integers(-10, 11, 500), 0, grid.shape[1] - 1)
        keep = (rr != cell[0]) | (cc != cell[1])
        cells = np.stack([rr[keep], cc[keep]], axis=1)
        vals = np.where(rng.random(len(cells)) < 0.3, np.inf,
                        1.0 + 9.0 * rng.random(len(cells)))
        state["grid"][cells[:, 0], cells[:, 1]] = vals
        return (cells, vals), {}

    def replan(cells, vals):
        planner.update(cells, vals)
        plan = planner.plan()
        state["path"] = plan.path
        return plan

    # One untimed round first: it loads update()'s kernel, which is not replanning.
    plan = benchmark.pedantic(replan, setup=setup, rounds=1 if benchmark.disabled else 10,
                              warmup_rounds=0 if benchmark.disabled else 1)
    ref = astar(state["grid"], planner.start, goal)
    assert math.isclose(plan.cost, ref.cost, rel_tol=1e-9)
    t_a, _ = best_time(lambda: astar(state["grid"], planner.start, goal),
                          _repeat(benchmark))
    if not benchmark.disabled:
        benchmark.extra_info.update(speedup_vs_astar=t_a / benchmark.stats.stats.mean)


@pytest.mark.benchmark(group="memory-and-start-up")
def test_peak_memory_4096(benchmark):
    _heavy(benchmark)
    out = benchmark.pedantic(pb.memory, args=(4096,), rounds=1)
    benchmark.extra_info.update({f"{k}_peak_mib": v / 2**20 for k, v in out.items()})


@pytest.mark.benchmark(group="memory-and-start-up")
def test_fresh_process_first_plan(benchmark):
    _heavy(benchmark)
    seconds = benchmark.pedantic(pb.fresh, rounds=1)
    benchmark.extra_info.update(first_plan_s=seconds)


@pytest.mark.benchmark(group="movingai")
def test_all_movingai_problems(benchmark):
    _heavy(benchmark)
    if not (pb.SHARED / "movingai").is_dir():
        pytest.skip(f"Moving AI files not found in {pb.SHARED / 'movingai'}")
    worst, n = benchmark.pedantic(pb.movingai, rounds=1)
    benchmark.extra_info.update(worst_abs_error=worst, problems=n,
                                ms_per_problem=benchmark.stats.stats.mean / n * 1e3)
    assert worst < 1e-5


def test_planner_bench_script_runs_its_replan_modes(capsys):
    """The README quotes ``planner_bench.py dstar along walls``: run them once on small grids
    (a smoke test, no timing read), so a change that breaks the script fails here."""
    pb.dstar(size=128, repeat=1)
    pb.along(size=128, repeat=1)
    pb.walls(size=256)
    out = capsys.readouterr().out
    assert "MISMATCH" not in out
    assert "D* Lite first plan" in out and "90% of the route" in out
    assert "ring of radius 50" in out and "double line across the grid" in out
