"""The traverse and costmap benchmarks' setup and measurements, also runnable on their own::

    .venv/bin/python tests/benchmarks/traverse_bench.py            # 1 km traverse, each planner
    .venv/bin/python tests/benchmarks/traverse_bench.py costmap    # costmap throughput

The traverse: a Mars terrain (``mars-jezero`` preset) of 2048 x 2048 cells at 0.5 m, the
Perseverance preset, 1 km from a start near the south-west corner to a goal to the
north-east (both snapped to the nearest passable cell), sensing and replanning every 0.5 m
driven, line of sight on. Wall time is :func:`rover.simulate`'s own (the world is prepared
once, outside the timing, and reused by every planner: ``astar`` from scratch, the
incremental ``dstar_lite`` and ``mpgaa``). The world is built by
:func:`rover.bench.workloads.traverse_world`, which ``rover bench traverse:SIZE`` also uses.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script from anywhere

from rover.bench.workloads import snap, traverse_world  # noqa: E402,F401  (shared with rover bench)
from rover.models import rover_preset  # noqa: E402

ROUTE_M = 1000.0
PLANNERS = ("astar", "dstar_lite", "mpgaa")
"""A* from scratch first: the others' ratios are against it."""


def run_traverse(sc, world, planner: str) -> dict:
    from rover.sim import simulate

    return simulate(sc, planner=planner, world=world).summary


def costmap_rate(size: int = 2048, repeat: int = 3) -> dict:
    """Best-of-``repeat`` cost-map throughput [cells/s] on a Jezero terrain, Perseverance."""
    import terrains

    from rover.costmap import traversability

    t = terrains.generate("mars", preset="mars-jezero", size=(size, size), cell_size=0.5, seed=7)
    rover = rover_preset("perseverance")
    traversability(t, rover)  # compile or load outside the timing
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        traversability(t, rover)
        best = min(best, time.perf_counter() - t0)
    return {"cells": size * size, "seconds": best, "cells_per_s": size * size / best}


def main(argv: list[str]) -> None:
    what = argv[1] if len(argv) > 1 else "traverse"
    if what == "costmap":
        r = costmap_rate()
        print(f"costmap 2048 x 2048 (Perseverance, Jezero): {r['seconds']:.3f} s, "
              f"{r['cells_per_s'] / 1e6:.1f} M cells/s")
        return
    t0 = time.perf_counter()
    sc, world = traverse_world()
    print(f"prepare (terrain + costmap + checks): {time.perf_counter() - t0:.2f} s")
    small, sw = traverse_world(size=128, route_m=40.0)
    for p in PLANNERS:
        run_traverse(small, sw, p)  # compile or load outside the timing
    rows = {}
    for p in PLANNERS:
        s = run_traverse(sc, world, p)
        rows[p] = s
        print(f"{p:10s} outcome={s['outcome']} distance={s['distance_m']:.1f} m "
              f"sim={s['sim_time_s']:.0f} s wall={s['wall_time_s']:.2f} s "
              f"speedup={s['speedup']:.0f}x replans={s['replans']} "
              f"planner={s['planner_time_s']:.2f} s (median {s['planner_median_ms']:.2f} ms) "
              f"expanded={s['expanded']}")
    a = rows["astar"]
    for p in PLANNERS[1:]:
        d = rows[p]
        print(f"{p} / astar: planner time {d['planner_time_s'] / a['planner_time_s']:.2f}x, "
              f"wall {d['wall_time_s'] / a['wall_time_s']:.2f}x, "
              f"expanded {d['expanded'] / max(a['expanded'], 1):.2f}x")


if __name__ == "__main__":
    main(sys.argv)
