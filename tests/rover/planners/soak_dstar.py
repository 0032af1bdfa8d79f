"""Soak test for D* Lite: thousands of random update / move sequences against A* from scratch.

Not part of the default test run (too long); run it by hand after touching the D* Lite
kernels::

    .venv/bin/python tests/rover/planners/soak_dstar.py --sequences 5000
    .venv/bin/python tests/rover/planners/soak_dstar.py --sequences 2000 --seed 7 --size 48
    .venv/bin/python tests/rover/planners/soak_dstar.py --sequences 0 --drives 200

``--drives`` adds long sense-and-drive runs on larger grids (``dstar_sequences.drive``).

Sequence ``i`` of a run with ``--seed S`` uses the knobs and seed drawn from
``numpy.random.default_rng([S, i])``, so any failure is replayed with ``--only i``. It prints
how many sequences, steps and plans it checked, and exits with status 1 at the first
disagreement (printing the sequence's knobs and history).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

import numpy as np

from rover.planners import _dstar_lite

_spec = importlib.util.spec_from_file_location(
    "rover_planners_dstar_sequences", Path(__file__).with_name("dstar_sequences.py"))
seqs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(seqs)


def knobs(seed: int, i: int, size: int, steps: int):
    """The knobs of sequence i: (seed, rows, cols, kind, blocked, connectivity, ops)."""
    rng = np.random.default_rng([seed, i])
    rows = int(rng.integers(1, size + 1))
    cols = int(rng.integers(1, size + 1))
    kind = str(rng.choice(seqs.COST_KINDS))
    blocked = float(rng.choice([0.0, 0.1, 0.25, 0.4, 0.55]))
    conn = int(rng.choice([8, 8, 4]))
    n = int(rng.integers(1, steps + 1))
    # Some sequences favour one family of operations, so that long runs of walls or moves
    # happen, not just an even mix.
    if rng.random() < 0.5:
        ops = [str(o) for o in rng.choice(seqs.OPS, n)]
    else:
        family = list(rng.choice(seqs.OPS, 3)) + ["move"]
        ops = [str(o) for o in rng.choice(family, n)]
    return int(rng.integers(2**63)), rows, cols, kind, blocked, conn, ops


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sequences", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--size", type=int, default=32, help="largest rows and cols")
    ap.add_argument("--steps", type=int, default=40, help="most operations in a sequence")
    ap.add_argument("--only", type=int, default=None, help="run sequence i only")
    ap.add_argument("--drives", type=int, default=0, help="long sense-and-drive runs")
    ap.add_argument("--drive-size", type=int, default=160, help="rows and cols of a drive")
    args = ap.parse_args(argv)
    which = [args.only] if args.only is not None else range(args.sequences)
    default_heap = _dstar_lite.HEAP_START
    t0 = time.perf_counter()
    done = steps = 0
    for i in which:
        k = knobs(args.seed, i, args.size, args.steps)
        # Every fourth sequence starts with a tiny queue, so that it grows mid-search.
        _dstar_lite.HEAP_START = 4 if i % 4 == 0 else default_heap
        try:
            seqs.run(*k)
        except seqs.Mismatch as exc:
            print(f"FAILED sequence {i} (--seed {args.seed} --size {args.size} --steps "
                  f"{args.steps} --only {i}): seed={k[0]} shape=({k[1]}, {k[2]}) kind={k[3]} "
                  f"blocked={k[4]} connectivity={k[5]}\nops={k[6]}\n{exc}")
            return 1
        finally:
            _dstar_lite.HEAP_START = default_heap
        done += 1
        steps += len(k[6])
        if done % 500 == 0:
            print(f"{done} sequences, {steps} operations, {time.perf_counter() - t0:.0f} s",
                  flush=True)
    moved = 0
    for j in range(args.drives if args.only is None else 0):
        rng = np.random.default_rng([args.seed, 10**9 + j])
        k = (int(rng.integers(2**63)), args.drive_size, str(rng.choice(seqs.COST_KINDS)),
             float(rng.choice([0.05, 0.15, 0.25])), int(rng.choice([8, 8, 4])), 2000)
        try:
            seq = seqs.drive(*k)
        except seqs.Mismatch as exc:
            print(f"FAILED drive {j} (--seed {args.seed} --drive-size {args.drive_size}): "
                  f"knobs {k}\n{exc}")
            return 1
        moved += sum(1 for h in seq.history if h[0] == "move_to")
    print(f"OK: {done} sequences, {steps} operations (each followed by plan() checked "
          f"against astar from scratch), seed {args.seed}, size <= {args.size}, "
          f"{time.perf_counter() - t0:.1f} s")
    if args.drives:
        print(f"OK: {args.drives} drives of {args.drive_size} x {args.drive_size}, {moved} "
              f"moves, each after a sensing update and a plan() checked against astar")
    return 0


if __name__ == "__main__":
    sys.exit(main())
