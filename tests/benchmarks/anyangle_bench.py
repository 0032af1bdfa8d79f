"""Quality figures of the any-angle planners (theta_star, field_dstar), printed as plain text
(their speed: test_anyangle.py, field_dstar_bench.py).

    ROVER_PREWARM=0 .venv/bin/python tests/benchmarks/anyangle_bench.py movingai [--planner P]
    ROVER_PREWARM=0 .venv/bin/python tests/benchmarks/anyangle_bench.py terrain [--routes 60]
    ROVER_PREWARM=0 .venv/bin/python tests/benchmarks/anyangle_bench.py exact [--maps 200]
    ROVER_PREWARM=0 .venv/bin/python tests/benchmarks/anyangle_bench.py drive

``--planner`` is theta_star (the default) or field_dstar; "the planner" below.

- ``movingai``: every problem in ../shared/movingai (uniform cost): the planner's length
  over the published octile optimum (worst, mean over all and over problems with optimum
  >= 50, per map), how many exceed it (beyond the published rounding), every segment
  checked clear.
- ``terrain``: mars-jezero:1024 (the ``rover bench`` grid, generic rover) over random
  routes between connected cells at least a quarter of the map apart: the planner's
  line-integral cost over A*'s path costed by the line integral (mean and worst).
- ``exact``: random small uniform maps: the planner's length over the true Euclidean
  shortest path (visibility graph over blocked-cell corners, tests/rover/planners/
  anyangle_naive.py).
- ``drive``: the distance the rover drives with A*, the planner and the other any-angle
  planner on the flagship (mars-jezero-perseverance) and on traverse:1024 (the ``rover
  bench`` traverse), its energy, and the line integral of the true costs along the
  driven trace (what the any-angle planners minimise, here on the ground as driven).
- ``corridors``: for each Moving AI map, its 2 x 2 blocks of free cells and the clear
  segments between free cell centres that run along neither a row nor a column, over
  every direction (a, b) with gcd 1 and |a|, |b| <= ``--span`` (a longer segment along
  (k a, k b) holds the clear segment along (a, b) from the same start). maze512-1-0
  (12,120 of the problems) has no 2 x 2 free block and no such segment up to 64 cells
  across: its any-angle paths are its grid paths, as long as the octile optimum.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import sys
import time
from pathlib import Path

import numpy as np

from rover.bench.workloads import GridSpec
from rover.io.movingai import read_map, read_scen
from rover.planners import astar, dijkstra, line_cost, plan_path

HERE = Path(__file__).resolve().parent
MOVINGAI = HERE.parents[1] / ".." / "shared" / "movingai"
PUBLISHED_ROUNDING = 5e-9  # the .scen optima are printed to 8 decimals...
PUBLISHED_REL = 1e-9  # ...from a sqrt(2) of about 10 digits (46 diagonals: 65.05382385)


def movingai(planner: str) -> None:
    scens = sorted(MOVINGAI.glob("*.scen"))
    if not scens:
        sys.exit(f"no Moving AI files in {MOVINGAI}")
    all_r, long_r, over, unclear = [], [], 0, 0
    t0 = time.perf_counter()
    for scen in scens:
        problems = read_scen(scen)
        grid = read_map(scen.parent / problems[0].map)
        ratios, longs = [], []
        for p in problems:
            plan = plan_path(planner, grid, p.start, p.goal)
            if not plan.found:
                raise SystemExit(f"{scen.name}: no path for {p}")
            if plan.cost > p.optimal_length * (1 + PUBLISHED_REL) + PUBLISHED_ROUNDING:
                over += 1
                print(f"  LONGER: {scen.name} {p} {plan.cost!r}")
            # One line_cost per plan (finite exactly when every segment is clear): the public
            # segment_clear validates the whole grid at each call, 1 ms a segment on 1024^2.
            unclear += not math.isfinite(line_cost(grid, plan.points))
            if p.optimal_length > 0:
                ratios.append(plan.cost / p.optimal_length)
                if p.optimal_length >= 50:
                    longs.append(plan.cost / p.optimal_length)
        all_r += ratios
        long_r += longs
        print(f"{scen.name:28s} {len(problems):6d} problems  mean {np.mean(ratios):.4f}  "
              f"mean(opt>=50) {np.mean(longs) if longs else float('nan'):.4f}  "
              f"worst {max(ratios):.6f}")
    print(f"{planner}, all maps: {len(all_r)} problems, mean {np.mean(all_r):.4f}, "
          f"mean over optimum >= 50 ({len(long_r)}): {np.mean(long_r):.4f}, worst ratio "
          f"{max(all_r):.9f}, longer than optimum: {over}, plans with a segment not clear: {unclear} "
          f"({time.perf_counter() - t0:.0f} s)")


def terrain(routes: int, seed: int, planner: str) -> None:
    prob = GridSpec("mars-jezero", 1024, 0, "generic").build()
    cost = prob.cost
    reach = np.isfinite(dijkstra(cost, prob.start))  # one connected region
    cells = np.argwhere(reach)
    rng = np.random.default_rng(seed)
    ratios = []
    n = cost.shape[0]
    while len(ratios) < routes:
        s, t = cells[rng.integers(len(cells), size=2)]
        if math.dist(s, t) < n / 4:
            continue
        a = astar(cost, tuple(s), tuple(t))
        th = plan_path(planner, cost, tuple(s), tuple(t))
        ratios.append(th.cost / line_cost(cost, a.points))
    r = np.array(ratios)
    k = int(np.argmax(r))
    print(f"mars-jezero:1024, {routes} routes (seed {seed}): {planner} line cost / A* path "
          f"line cost: mean {r.mean():.4f}, median {np.median(r):.4f}, best {r.min():.4f}, "
          f"worst {r.max():.4f} (route {k}), routes above 1: {(r > 1).sum()}")


def exact(maps: int, seed: int, planner: str) -> None:
    spec = importlib.util.spec_from_file_location(
        "anyangle_naive", HERE.parent / "rover" / "planners" / "anyangle_naive.py")
    naive = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(naive)
    rng = np.random.default_rng(seed)
    ratios = []
    while len(ratios) < maps:
        size = int(rng.integers(8, 17))
        cost = np.where(rng.random((size, size)) < rng.uniform(0.05, 0.3), np.inf, 1.0)
        free = np.argwhere(np.isfinite(cost))
        if len(free) < 2:
            continue
        s, t = (tuple(int(v) for v in free[i]) for i in rng.integers(len(free), size=2))
        plan = plan_path(planner, cost, s, t)
        best = naive.euclidean_shortest(cost, s, t)
        if not plan.found or best < 4:
            continue
        ratios.append(plan.cost / best)
    r = np.array(ratios)
    print(f"{maps} random uniform maps 8-16 cells, routes >= 4 cells: {planner} length / "
          f"Euclidean shortest: mean {r.mean():.4f}, median {np.median(r):.4f}, "
          f"worst {r.max():.4f}, within 1%: {(r <= 1.01).mean():.0%}")


def corridors(span: int) -> None:
    from numba import njit

    from rover.planners import _line_cost_kernels as lc

    @njit(cache=False)
    def count(cost, K):
        rows, cols = cost.shape
        flat = cost.reshape(-1)
        clear = checked = 0
        for a in range(1, K + 1):
            for b in range(-K, K + 1):
                if b == 0:
                    continue
                x, y = a, abs(b)
                while y:
                    x, y = y, x % y
                if x != 1:
                    continue  # not primitive: it holds the primitive segment's start
                for r in range(rows - a):
                    for c in range(max(0, -b), min(cols, cols - b)):
                        if not (math.isfinite(cost[r, c]) and math.isfinite(cost[r + a, c + b])):
                            continue
                        checked += 1
                        if math.isfinite(lc.segment_cost(flat, rows, cols, r, c, r + a, c + b,
                                                         math.inf)):
                            clear += 1
        return clear, checked

    for mp in sorted(MOVINGAI.glob("*.map")):
        grid = np.ascontiguousarray(read_map(mp))
        free = np.isfinite(grid)
        blocks = int((free[:-1, :-1] & free[1:, :-1] & free[:-1, 1:] & free[1:, 1:]).sum())
        clear, checked = count(grid, span) if blocks == 0 else (None, 0)
        what = (f"clear segments off the axes up to {span} cells: {clear} of {checked:,}"
                if clear is not None else "(not checked: it has 2 x 2 free blocks)")
        print(f"{mp.name:28s} 2 x 2 free blocks {blocks:8d}  {what}", flush=True)


def driven_line_cost(world, trace) -> float:
    """The line integral of the world's true costs along the driven trace (its distinct
    positions joined by straight segments; a blocked cell counts 1e6)."""
    from rover.planners import line_cost

    h = world.cell_size
    x = np.asarray(trace["x_m"])
    y = np.asarray(trace["y_m"])
    keep = np.r_[True, (np.diff(x) != 0) | (np.diff(y) != 0)]
    pts = np.stack([y[keep] / h - 0.5, x[keep] / h - 0.5], axis=1)
    cost = np.where(np.isfinite(world.true_cost), world.true_cost, 1e6)
    return line_cost(np.ascontiguousarray(cost, dtype=np.float64), pts)


def drive() -> None:
    from rover import scenarios
    from rover.bench.workloads import TraverseSpec
    from rover.sim import prepare, simulate

    flagship = scenarios.load("mars-jezero-perseverance")
    worlds = (("flagship", flagship, prepare(flagship)),
              ("traverse:1024", *TraverseSpec(1024).build()))
    for name, sc, world in worlds:
        for planner in ("astar", "theta_star", "field_dstar"):
            r = simulate(sc, planner=planner, world=world)
            s = r.summary
            print(f"{name:14s} {planner:11s} {s['outcome']:8s} driven {s['distance_m']:7.1f} m, "
                  f"energy {s['energy_wh']:7.1f} Wh, true line cost of the drive "
                  f"{driven_line_cost(world, r.trace):8.1f}, planner {s['planner_time_s']:6.2f} s",
                  flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("what", choices=["movingai", "terrain", "exact", "corridors", "drive"])
    ap.add_argument("--span", type=int, default=64)
    ap.add_argument("--routes", type=int, default=60)
    ap.add_argument("--maps", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--planner", choices=["theta_star", "field_dstar"], default="theta_star")
    a = ap.parse_args()
    if a.what == "movingai":
        movingai(a.planner)
    elif a.what == "terrain":
        terrain(a.routes, a.seed, a.planner)
    elif a.what == "corridors":
        corridors(a.span)
    elif a.what == "drive":
        drive()
    else:
        exact(a.maps, a.seed, a.planner)


if __name__ == "__main__":
    main()
