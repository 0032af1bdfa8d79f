"""Digests of theta_star plans on fixed problems: a speed-up of the kernel must not change
one plan (points, cost, expanded nodes, crossed cells). The search's own plans
(``taut=False``): pulling paths taut came after, and is tested on its own.

    ROVER_PREWARM=0 .venv/bin/python tests/rover/planners/theta_records.py          # compare
    ROVER_PREWARM=0 .venv/bin/python tests/rover/planners/theta_records.py --record # rewrite

Recorded on the kernel before its loop took A*'s unsigned indices and neighbour mask
(commit 1c2392f); tests/rover/planners/test_theta_records.py compares.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np

from rover.bench.workloads import GridSpec
from rover.planners import theta_star

DATA = Path(__file__).with_name("data") / "theta_records.json"


def problems():
    """(name, cost, start, goal): 4 terrain and obstacle grids of 192 x 192, and 300 small
    random grids (uniform with blocked cells, or mixed costs)."""
    for name in ("blobs", "mars-jezero", "moon-south-pole", "mars-meridiani"):
        p = GridSpec(name, 192, 0, "generic").build()
        yield name, p.cost, p.start, p.goal
    rng = np.random.default_rng(20261207)
    for k in range(300):
        rows, cols = (int(v) for v in rng.integers(2, 40, 2))
        if k % 2:
            c = rng.choice([1.0, 1.0, 2.0, 5.5, np.inf], size=(rows, cols),
                           p=[.5, .1, .1, .1, .2])
        else:
            c = np.where(rng.random((rows, cols)) < .25, np.inf, 1.0)
        free = np.argwhere(np.isfinite(c))
        if len(free) < 2:
            continue
        a, b = free[rng.integers(len(free), size=2)]
        yield f"random-{k}", c, (int(a[0]), int(a[1])), (int(b[0]), int(b[1]))


def digest(plan) -> str:
    h = hashlib.sha256()
    h.update(repr((bool(plan.found), float(plan.cost), int(plan.expanded))).encode())
    for arr in (plan.points, plan.path):
        h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()[:16]


def current() -> dict:
    return {name: digest(theta_star(c, s, t, taut=False)) for name, c, s, t in problems()}


def main() -> int:
    got = current()
    if "--record" in sys.argv:
        DATA.write_text(json.dumps(got, indent=0, sort_keys=True) + "\n")
        print(f"recorded {len(got)} plans in {DATA}")
        return 0
    want = json.loads(DATA.read_text())
    changed = [k for k in want if got.get(k) != want[k]]
    print(f"{len(want) - len(changed)} of {len(want)} plans unchanged"
          + (f"; changed: {', '.join(changed[:10])}" if changed else ""))
    return 1 if changed or set(got) != set(want) else 0


if __name__ == "__main__":
    sys.exit(main())
