"""Field D* figures, printed as plain text in one run (no times are asserted anywhere)::

    ROVER_PREWARM=0 .venv/bin/python tests/benchmarks/field_dstar_bench.py [--routes 50]

- ``first``: first plan (construction included) against astar, best of interleaved rounds,
  on blobs:1024 (``bench_grid``, corner to corner) and mars-jezero:1024 (the ``rover bench``
  grid, generic rover).
- ``replan``: on blobs:1024, as planner_bench.py's ``dstar`` mode measures D* Lite: drive
  along the path, every 20 cells change up to 500 cells within 10 cells of the rover (30%
  blocked), then update + plan, against astar from scratch on the same grid.
- ``quality``: mean line-integral cost over random routes on mars-jezero:1024 over A*'s
  path costed by the line integral (and theta_star's, for reference).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rover.bench.runner import interleaved  # noqa: E402
from rover.bench.workloads import GridSpec, bench_grid, corners  # noqa: E402
from rover.planners import FieldDStar, astar, dijkstra, line_cost, theta_star  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from planner_bench import local_changes  # noqa: E402  (the same changes as D* Lite's figure)


def jezero():
    prob = GridSpec("mars-jezero", 1024, 0, "generic").build()
    return prob.cost, tuple(prob.start), tuple(prob.goal)


def first(rounds: int) -> None:
    blobs = bench_grid(1024, 0)
    for name, (cost, s, t) in (("blobs:1024", (blobs, *corners(blobs))),
                               ("mars-jezero:1024", jezero())):
        FieldDStar(cost, s, t).plan()  # load the kernels
        best, out = interleaved({"astar": lambda: astar(cost, s, t),
                                 "field": lambda: FieldDStar(cost, s, t).plan()}, rounds)
        a, f = out["astar"], out["field"]
        print(f"{name}: first plan {best['field'] * 1e3:.1f} ms (expanded {f.expanded}) vs "
              f"astar {best['astar'] * 1e3:.1f} ms (expanded {a.expanded}): ratio "
              f"{best['field'] / best['astar']:.2f}; line cost {f.cost:.3f} vs A* path "
              f"{line_cost(cost, a.points):.3f}")


def replan(seed: int = 0, changes: int = 500, radius: int = 10) -> None:
    size = 1024
    cost = bench_grid(size, seed)
    start, goal = corners(cost)
    d = FieldDStar(cost, start, goal)
    p0 = d.plan()
    rng = np.random.default_rng(seed + 1)
    grid = cost.copy()
    path = p0.path
    t_re, t_scratch, n, worse = 0.0, 0.0, 0, []
    k = 0
    for _ in range(10):
        k = min(k + 20, len(path) - 1)
        cell = tuple(int(v) for v in path[k])
        d.move_to(cell)
        cells, new = local_changes(rng, cell, size, changes, radius)
        grid[cells[:, 0], cells[:, 1]] = new
        t0 = time.perf_counter()
        d.update(cells, new)
        p = d.plan()
        t_re += time.perf_counter() - t0
        t0 = time.perf_counter()
        ref = astar(grid, cell, goal)
        t_scratch += time.perf_counter() - t0
        n += 1
        if p.found != ref.found:
            print(f"  MISMATCH at step {n}: found {p.found} vs astar {ref.found}")
        elif p.found:
            worse.append(p.cost / line_cost(grid, ref.points))
        path = p.path
        k = 0
    print(f"replan after <= {changes} changed cells within {radius} cells of the rover "
          f"(blobs:1024): {t_re / n * 1e3:.2f} ms vs astar from scratch "
          f"{t_scratch / n * 1e3:.1f} ms: {t_scratch / t_re:.1f}x faster (mean of {n}); "
          f"line cost / A* path line cost mean {np.mean(worse):.4f}, worst {max(worse):.4f}; "
          f"restarts {d.restarts}, A* repairs {d.repaired_plans}")


def quality(routes: int, seed: int) -> None:
    cost, start, _ = jezero()
    reach = np.isfinite(dijkstra(cost, start))
    cells = np.argwhere(reach)
    rng = np.random.default_rng(seed)
    r_astar, r_theta, fallbacks, repaired = [], [], 0, 0
    n = cost.shape[0]
    t0 = time.perf_counter()
    while len(r_astar) < routes:
        s, t = (tuple(int(v) for v in c) for c in cells[rng.integers(len(cells), size=2)])
        if math.dist(s, t) < n / 4:
            continue
        a = astar(cost, s, t)
        planner = FieldDStar(cost, s, t)
        f = planner.plan()
        th = theta_star(cost, s, t)
        fallbacks += planner.fallback_steps
        repaired += planner.repaired_plans
        r_astar.append(f.cost / line_cost(cost, a.points))
        r_theta.append(f.cost / th.cost)
    ra, rt = np.array(r_astar), np.array(r_theta)
    print(f"mars-jezero:1024, {routes} routes >= {n // 4} cells apart (seed {seed}): Field D* "
          f"line cost / A* path line cost mean {ra.mean():.4f} (best {ra.min():.4f}, worst "
          f"{ra.max():.4f}, above 1: {(ra > 1).sum()}); / theta_star mean {rt.mean():.4f} "
          f"(worst {rt.max():.4f}); extraction fallback steps {fallbacks}, A* repairs "
          f"{repaired} ({time.perf_counter() - t0:.0f} s)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("what", nargs="*", help="first, replan and/or quality (default: all)")
    ap.add_argument("--routes", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    a.what = a.what or ["first", "replan", "quality"]
    bad = set(a.what) - {"first", "replan", "quality"}
    if bad:
        ap.error(f"unknown figure(s) {sorted(bad)}; choose from first, replan, quality")
    if "first" in a.what:
        first(a.rounds)
    if "replan" in a.what:
        replan(a.seed)
    if "quality" in a.what:
        quality(a.routes, a.seed)


if __name__ == "__main__":
    main()
