"""Issue 21's registry bar: a planner registered in code that simply calls ``astar`` runs the
traverse:1024 benchmark within 5% of the built-in ``astar``'s planner time.

    ROVER_PREWARM=0 .venv/bin/python tests/benchmarks/registry_bench.py [--rounds 7]

Both run the same traverse (the same plans, replan for replan: asserted), interleaved,
``--rounds`` times each. Printed: the median over rounds of each planner's total planner
time, and the ratio of the sums over replans of each replan's median over rounds (pairing
replans removes most of the machine's noise from the comparison).
"""

from __future__ import annotations

import argparse

import numpy as np

from rover.bench.workloads import TraverseSpec
from rover.planners import astar, register
from rover.sim import simulate


def plain_astar(cost, start, goal):
    """What a user writes: a planner that calls the public ``astar``."""
    return astar(cost, start, goal)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--reverse", action="store_true", help="run plain_astar first in each round")
    args = ap.parse_args()
    register("plain_astar", plain_astar, description="calls rover.planners.astar")
    scenario, world = TraverseSpec(args.size).build()
    names = ("plain_astar", "astar") if args.reverse else ("astar", "plain_astar")
    totals = {n: [] for n in names}
    per_replan = {n: [] for n in names}
    distance = {}
    for _ in range(args.rounds):
        for n in names:
            r = simulate(scenario, planner=n, world=world)
            totals[n].append(r.summary["planner_time_s"])
            per_replan[n].append(np.asarray(r.replans["planner_ms"], dtype=np.float64))
            distance.setdefault(n, r.summary["distance_m"])
    assert distance["astar"] == distance["plain_astar"], distance
    med = {n: float(np.median(totals[n])) for n in names}
    paired = {n: float(np.median(np.stack(per_replan[n]), axis=0).sum()) / 1000.0
              for n in names}
    print(f"traverse:{args.size}, {args.rounds} interleaved rounds, "
          f"{len(per_replan['astar'][0])} replans each")
    for n in names:
        print(f"  {n:12s} planner time median {med[n]:.4f} s "
              f"(min {min(totals[n]):.4f}, max {max(totals[n]):.4f}); "
              f"sum of per-replan medians {paired[n]:.4f} s")
    print(f"  plain_astar / astar: totals' medians {med['plain_astar'] / med['astar']:.3f}, "
          f"paired per replan {paired['plain_astar'] / paired['astar']:.3f}")


if __name__ == "__main__":
    main()
