"""The traverse and costmap benchmarks' setup and measurements, also runnable on their own::

    .venv/bin/python tests/benchmarks/traverse_bench.py            # 1 km traverse, both policies
    .venv/bin/python tests/benchmarks/traverse_bench.py costmap    # costmap throughput

The traverse: a Mars terrain (``mars-jezero`` preset) of 2048 x 2048 cells at 0.5 m, the
Perseverance preset, 1 km from a start near the south-west corner to a goal to the
north-east (both snapped to the nearest passable cell), sensing and replanning every 0.5 m
driven, line of sight on. Wall time is :func:`rover.simulate`'s own (the world is prepared
once, outside the timing, and reused by both policies).
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import replace

import numpy as np

from rover.models import rover_preset
from rover.scenario import MissionConfig, Scenario, TerrainConfig

ROUTE_M = 1000.0


def snap(true_cost: np.ndarray, cell: float, x: float, y: float) -> tuple[float, float]:
    """Centre of the passable cell nearest (x, y) [m]."""
    r0, c0 = int(y // cell), int(x // cell)
    for rad in range(0, 200):
        sub = true_cost[max(r0 - rad, 0):r0 + rad + 1, max(c0 - rad, 0):c0 + rad + 1]
        ok = np.argwhere(np.isfinite(sub))
        if len(ok):
            rr = ok[:, 0] + max(r0 - rad, 0)
            cc = ok[:, 1] + max(c0 - rad, 0)
            i = int(np.argmin((rr - r0) ** 2 + (cc - c0) ** 2))
            return ((cc[i] + 0.5) * cell, (rr[i] + 0.5) * cell)
    raise RuntimeError("no passable cell near the requested point")


def traverse_world(size: int = 2048, cell: float = 0.5, route_m: float = ROUTE_M, seed: int = 7,
                   sense_every_m: float = 0.5):
    """(scenario, world) for a straight-line route of ``route_m`` [m] along the diagonal."""
    from rover.sim import prepare

    d = route_m / math.sqrt(2.0)
    x0 = y0 = 0.5 * (size * cell - d)
    sc = Scenario(
        name=f"mars-traverse-{size}", description="benchmark traverse", seed=seed,
        terrain=TerrainConfig(body="mars", preset="mars-jezero", size=(size, size), cell_size_m=cell),
        rover=rover_preset("perseverance"),
        mission=MissionConfig(start=(x0, y0), goal=(x0 + d, y0 + d), planner="dstar_lite",
                              sense_every_m=sense_every_m, goal_tolerance_m=1.0),
    )
    # Snap the ends to passable ground of this terrain, then prepare for real.
    from rover.scenario import build_terrain
    from rover.costmap import traversability

    tr = traversability(build_terrain(sc), sc.rover)
    start = snap(tr.cost, cell, x0, y0)
    goal = snap(tr.cost, cell, x0 + d, y0 + d)
    sc = replace(sc, mission=replace(sc.mission, start=start, goal=goal))
    return sc, prepare(sc)


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
    for p in ("dstar_lite", "astar"):
        run_traverse(small, sw, p)  # compile or load outside the timing
    rows = {}
    for p in ("dstar_lite", "astar"):
        s = run_traverse(sc, world, p)
        rows[p] = s
        print(f"{p:10s} outcome={s['outcome']} distance={s['distance_m']:.1f} m "
              f"sim={s['sim_time_s']:.0f} s wall={s['wall_time_s']:.2f} s "
              f"speedup={s['speedup']:.0f}x replans={s['replans']} "
              f"planner={s['planner_time_s']:.2f} s (median {s['planner_median_ms']:.2f} ms) "
              f"expanded={s['expanded']}")
    a, d = rows["astar"], rows["dstar_lite"]
    print(f"astar / dstar_lite: wall {a['wall_time_s'] / d['wall_time_s']:.1f}x, "
          f"planner time {a['planner_time_s'] / d['planner_time_s']:.1f}x, "
          f"expanded {a['expanded'] / max(d['expanded'], 1):.1f}x")


if __name__ == "__main__":
    main(sys.argv)
