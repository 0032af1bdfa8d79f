"""Benchmark grids, peer wrappers and measurements for the planners.

The grid, cost rule, peers and timing helpers come from :mod:`rover.bench` (shared with
``rover bench``). Used by ``tests/benchmarks/test_planners.py`` and runnable on its own to
print every figure of the README's performance table::

    .venv/bin/python tests/benchmarks/planner_bench.py            # all figures
    .venv/bin/python tests/benchmarks/planner_bench.py speed      # A* vs peers at 1024 x 1024
    .venv/bin/python tests/benchmarks/planner_bench.py dstar      # D* Lite first plan, replans
    .venv/bin/python tests/benchmarks/planner_bench.py along      # replans along the route
    .venv/bin/python tests/benchmarks/planner_bench.py walls      # a wall cuts the rover off
    .venv/bin/python tests/benchmarks/planner_bench.py facts      # figures the README explains
    .venv/bin/python tests/benchmarks/planner_bench.py memory     # peak RSS at 4096 x 4096
    .venv/bin/python tests/benchmarks/planner_bench.py fresh      # first plan in a new process
    .venv/bin/python tests/benchmarks/planner_bench.py movingai   # every Moving AI problem

Peers (scikit-image, tcod, pyastar2d) are optional: a missing one is reported and skipped.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))  # run as a script from anywhere

# The grid, the cost rule, the peers and the timing helpers live in the package, shared with
# `rover bench`; re-exported here so the figures below and test_planners.py read as before.
from rover.bench.peers import (  # noqa: E402,F401
    make_peer_pyastar2d, make_peer_tcod, peer_skimage, peers)
from rover.bench.runner import best_time, interleaved  # noqa: E402,F401
from rover.bench.workloads import SQRT2, bench_grid, corners, path_cost  # noqa: E402,F401

SHARED = REPO / ".." / "shared"


# ----------------------------------------------------------------------------- figures
def speed(size=1024, seed=0, rounds=7):
    from rover.planners import astar, dijkstra

    cost = bench_grid(size, seed)
    start, goal = corners(cost)
    astar(cost, start, goal)  # compile / load
    fns = {"astar": lambda: astar(cost, start, goal),
           "dijkstra": lambda: dijkstra(cost, start, goal),
           "wastar": lambda: astar(cost, start, goal, weight=1.5)}
    for name, fn in peers(cost).items():
        fns[name] = (lambda fn: lambda: fn(start, goal))(fn)
    best, out = interleaved(fns, rounds)
    plan = out["astar"]
    t_ours = best["astar"]
    print(f"grid {size} x {size}, seed {seed}, {np.isinf(cost).mean():.1%} blocked, "
          f"corner to corner; best of {rounds} interleaved rounds")
    print(f"{'astar':34s} {t_ours * 1e3:8.1f} ms  cost {plan.cost:.6f}  expanded "
          f"{plan.expanded}  {plan.expanded / t_ours / 1e6:.1f} M expansions/s")
    d = out["dijkstra"]
    print(f"{'dijkstra':34s} {best['dijkstra'] * 1e3:8.1f} ms  cost {d.cost:.6f}  expanded "
          f"{d.expanded}")
    w = out["wastar"]
    print(f"{'wastar (weight 1.5)':34s} {best['wastar'] * 1e3:8.1f} ms  cost {w.cost:.6f} "
          f"({(w.cost / plan.cost - 1) * 100:+.2f}% vs optimal)  expanded {w.expanded}")
    for name in fns:
        if name in ("astar", "dijkstra", "wastar"):
            continue
        c, cuts, bad = path_cost(cost, out[name])
        note = f"  ({cuts} corner cuts)" if cuts else ""
        note += f"  ({bad} invalid steps)" if bad else ""
        print(f"{name:34s} {best[name] * 1e3:8.1f} ms  our-rule cost {c:.6f} "
              f"({(c / plan.cost - 1) * 100:+.2f}% vs optimal)  astar is "
              f"{best[name] / t_ours:.2f}x faster" + note)
    return t_ours, plan


def _warm_update():
    """Load (or compile) D* Lite's update, re-key and flood kernels before anything is timed
    (the changes can bring a cost below the grid's least, which re-keys, and wall the rover
    in, which floods): ``simulate``'s warm-up, plus the checks of the public ``update()``,
    which sensing skips."""
    from rover.planners import DStarLite, get
    from rover.sim import _warm_planner

    _warm_planner(get("dstar_lite"), np.float64, rekey=True)
    DStarLite(np.full((3, 3), 2.0), (0, 0), (2, 2)).update(np.array([[1, 1]]), np.array([3.0]))


def local_changes(rng, cell, size, changes=500, radius=10):
    """(cells (K, 2), new costs (K,)): up to ``changes`` cells within ``radius`` cells of
    ``cell`` (not the cell itself) on a ``size`` x ``size`` grid, 30% made impassable and the
    rest a cost in [1, 10] (issue 3's "change of up to 500 cells within 10 cells")."""
    r0, c0 = cell
    rr = np.clip(r0 + rng.integers(-radius, radius + 1, changes), 0, size - 1)
    cc = np.clip(c0 + rng.integers(-radius, radius + 1, changes), 0, size - 1)
    keep = (rr != r0) | (cc != c0)
    cells = np.stack([rr[keep], cc[keep]], axis=1)
    new = np.where(rng.random(len(cells)) < 0.3, np.inf, 1.0 + 9.0 * rng.random(len(cells)))
    return cells, new


def dstar(size=1024, seed=0, repeat=3, changes=500, radius=10):
    from rover.planners import DStarLite, astar

    cost = bench_grid(size, seed)
    start, goal = corners(cost)
    astar(cost, start, goal)
    DStarLite(cost, start, goal).plan()
    _warm_update()
    holder = {}

    def fresh_dstar():
        holder["d"] = DStarLite(cost, start, goal)
        return holder["d"].plan()

    best, out = interleaved({"astar": lambda: astar(cost, start, goal),
                             "dstar": fresh_dstar}, rounds=max(repeat, 5))
    t_a, plan = best["astar"], out["astar"]
    t_first, p0, d = best["dstar"], out["dstar"], holder["d"]
    print(f"D* Lite first plan (construction included) {t_first * 1e3:.1f} ms (expanded "
          f"{p0.expanded}) vs astar "
          f"{t_a * 1e3:.1f} ms: ratio {t_first / t_a:.2f}  (costs {p0.cost:.6f} / {plan.cost:.6f}; "
          f"best of interleaved rounds)")
    # Drive along the path; every 20 cells change up to `changes` cells within `radius` cells.
    rng = np.random.default_rng(seed + 1)
    grid = cost.copy()
    path = p0.path
    t_re, t_scratch, n = 0.0, 0.0, 0
    k = 0
    for _ in range(10):
        k = min(k + 20, len(path) - 1)
        cell = tuple(path[k])
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
        if not math.isclose(p.cost, ref.cost, rel_tol=1e-9):
            print(f"  MISMATCH at step {n}: D* Lite {p.cost} astar {ref.cost}")
        path = p.path
        k = 0
    print(f"D* Lite replan after <= {changes} changed cells within {radius} cells of the rover: "
          f"{t_re / n * 1e3:.2f} ms vs astar from scratch {t_scratch / n * 1e3:.1f} ms: "
          f"{t_scratch / t_re:.1f}x faster (mean of {n})")
    return t_first / t_a, t_scratch / t_re


def along(size=1024, seed=0, changes=500, radius=10, repeat=20):
    """The replan ratio of :func:`dstar` with the rover at points along the route: A* from
    scratch gets cheaper as the rover nears the goal, D* Lite's repair does not."""
    from rover.planners import DStarLite, astar

    cost = bench_grid(size, seed)
    start, goal = corners(cost)
    route = astar(cost, start, goal).path
    _warm_update()
    rng = np.random.default_rng(seed + 2)
    print(f"D* Lite replan vs astar from scratch after <= {changes} changed cells within "
          f"{radius} cells of the rover, by the rover's position along the route (mean of "
          f"{repeat} changes at each, after one untimed):")
    for frac in (0.05, 0.3, 0.5, 0.7, 0.9):
        cell = tuple(route[int(frac * (len(route) - 1))])
        grid = cost.copy()
        d = DStarLite(grid, start, goal)
        d.plan()
        d.move_to(cell)
        d.plan()
        t_re = t_scratch = 0.0
        worst = 0.0
        # The first change at each position is not timed: a fresh planner's first repairs
        # touch memory its plan left cold (`dstar`'s mean includes them; this is the steady
        # state).
        for i in range(repeat + 1):
            cells, new = local_changes(rng, cell, size, changes, radius)
            grid[cells[:, 0], cells[:, 1]] = new
            t0 = time.perf_counter()
            d.update(cells, new)
            p = d.plan()
            t1 = time.perf_counter()
            ref = astar(grid, cell, goal)
            t2 = time.perf_counter()
            if i:
                t_re += t1 - t0
                t_scratch += t2 - t1
                worst = max(worst, t1 - t0)
            if not math.isclose(p.cost, ref.cost, rel_tol=1e-9):
                print(f"  MISMATCH at {cell}: D* Lite {p.cost} astar {ref.cost}")
        print(f"  {frac:4.0%} of the route: D* Lite {t_re / repeat * 1e3:7.2f} ms (slowest "
              f"{worst * 1e3:6.2f}), astar {t_scratch / repeat * 1e3:7.2f} ms: "
              f"{t_scratch / t_re:6.1f}x")


def walls(size=1024, seed=0, at=0.7):
    """One replan after a wall cuts the rover off from the goal: D* Lite (floods from the
    rover when the wall is near it, from both ends once it has raised many values) against
    A* from scratch, for square rings of growing radius around the rover and for a double
    line across the whole grid."""
    from rover.planners import DStarLite, astar

    cost = bench_grid(size, seed)
    start, goal = corners(cost)
    route = astar(cost, start, goal).path
    cell = tuple(int(x) for x in route[int(at * (len(route) - 1))])
    _warm_update()
    r0, c0 = cell

    def ring(radius):
        return [(r, c) for r in range(r0 - radius, r0 + radius + 1)
                for c in range(c0 - radius, c0 + radius + 1)
                if max(abs(r - r0), abs(c - c0)) == radius and 0 <= r < size and 0 <= c < size]

    k = r0 + c0 + 20  # two anti-diagonals just past the rover, edge to edge
    line = [(r, k + j - r) for j in (0, 1) for r in range(size) if 0 <= k + j - r < size]
    print(f"one replan after a wall around the rover at {at:.0%} of the route on blobs:{size} "
          f"(D* Lite after its first plan and a move; A* from scratch):")
    # Only rings that fit on the grid wall the rover in (all of them on the default size).
    cases = [(f"ring of radius {r}", ring(r)) for r in (5, 5, 10, 20, 50, 100, 200)
             if r <= min(r0, c0, size - 1 - r0, size - 1 - c0)]
    for i, (name, cells) in enumerate(cases + [("double line across the grid", line)]):
        grid = cost.copy()
        d = DStarLite(grid, start, goal)
        d.plan()
        d.move_to(cell)
        d.plan()
        cells = np.array(cells)
        grid[cells[:, 0], cells[:, 1]] = np.inf
        t0 = time.perf_counter()
        d.update(cells, np.full(len(cells), np.inf))
        p = d.plan()
        t1 = time.perf_counter()
        ref = astar(grid, cell, goal)
        t2 = time.perf_counter()
        assert not p.found and not ref.found
        if i == 0:
            continue  # untimed: loads the kernels a wall brings into play
        print(f"  {name:28s} D* Lite {(t1 - t0) * 1e3:8.2f} ms ({p.expanded:7,} expanded), "
              f"astar {(t2 - t1) * 1e3:7.2f} ms ({ref.expanded:7,} expanded)")


def facts(size=1024, seed=0):
    """Figures the README's explanations quote: the grids' mean passable cost, and a first
    D* Lite plan on uniform ground against the path's length."""
    from rover.bench.workloads import terrain_grid
    from rover.planners import DStarLite, astar

    blobs = bench_grid(size, seed)
    terrain, _, _, _ = terrain_grid("mars-jezero", size, seed=seed)
    for name, c in ((f"blobs:{size}", blobs), (f"mars-jezero:{size}", terrain)):
        print(f"{name}: mean cost of the passable cells {c[np.isfinite(c)].mean():.2f}")
    n = 2048
    flat = np.ones((n, n))
    for name, plan in (("dstar_lite", DStarLite(flat, (0, 0), (n - 1, n // 2)).plan()),
                       ("astar", astar(flat, (0, 0), (n - 1, n // 2)))):
        print(f"uniform {n} x {n}, corner to far edge: {name} expanded {plan.expanded:,} "
              f"for a path of {len(plan.path):,} cells")


_MEM_CHILD = textwrap.dedent("""
    import sys, numpy as np
    def status(key):
        for line in open('/proc/self/status'):
            if line.startswith(key):
                return int(line.split()[1]) * 1024
    which, path = sys.argv[1], sys.argv[2]
    from rover.planners import astar, DStarLite
    small = np.ones((8, 8))
    astar(small, (0, 0), (7, 7)); DStarLite(small, (0, 0), (7, 7)).plan()  # load kernels
    cost = np.load(path)
    start, goal = (0, 0), (cost.shape[0] - 1, cost.shape[1] - 1)
    try:  # reset VmHWM to the current RSS (Linux >= 4.0)
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
    except OSError:
        pass
    before = status('VmRSS')
    if which == 'astar':
        p = astar(cost, start, goal)
    else:
        d = DStarLite(cost, start, goal); p = d.plan()
    print(status('VmHWM') - before, cost.nbytes, p.expanded, p.found)
""")


def memory(size=4096):
    """Peak RSS added by one plan on a size x size grid, in a fresh subprocess [bytes].

    The child loads the grid from a .npy file, resets its peak-RSS mark (VmHWM) and reads it
    again after planning; numba's allocations are invisible to tracemalloc, RSS is not.
    """
    import tempfile

    out = {}
    cost = bench_grid(size, 0)
    with tempfile.TemporaryDirectory() as tmp:
        f = os.path.join(tmp, "grid.npy")
        np.save(f, cost)
        del cost
        for which in ("astar", "dstar_lite"):
            res = subprocess.run([sys.executable, "-c", _MEM_CHILD, which, f],
                                 capture_output=True, text=True, check=True, cwd=REPO)
            delta, grid_bytes, expanded, found = res.stdout.split()
            out[which] = int(delta)
            print(f"{which:10s} {size} x {size}: peak RSS +{int(delta) / 2**20:.0f} MiB beyond "
                  f"the {int(grid_bytes) / 2**20:.0f} MiB float64 grid (expanded {expanded}, "
                  f"found {found})")
    return out


_FRESH_CHILD = textwrap.dedent("""
    import sys, time
    if sys.argv[2] == 'no-scipy':
        sys.modules['scipy'] = None  # as with the runtime dependencies only
    import numpy as np
    cost = np.load(sys.argv[1])
    t0 = time.perf_counter()
    import rover
    t1 = time.perf_counter()
    plan = rover.astar(cost, (0, 0), (cost.shape[0] - 1, cost.shape[1] - 1))
    t2 = time.perf_counter()
    print(t2 - t0, plan.found)
""")


def fresh(size=1024, runs=5):
    """Seconds from `import rover` to the end of the first plan, in fresh processes with a
    warm numba cache. Numba's start-up imports scipy.linalg when scipy is installed (a test
    dependency here, not a runtime one), so both cases are measured."""
    import tempfile

    cost = bench_grid(size, 0)
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        f = os.path.join(tmp, "grid.npy")
        np.save(f, cost)
        for mode in ("with-scipy", "no-scipy"):
            subprocess.run([sys.executable, "-c", _FRESH_CHILD, f, mode], check=True, cwd=REPO,
                           capture_output=True)  # warm the cache
            times = []
            for _ in range(runs):
                res = subprocess.run([sys.executable, "-c", _FRESH_CHILD, f, mode], check=True,
                                     cwd=REPO, capture_output=True, text=True)
                times.append(float(res.stdout.split()[0]))
            times.sort()
            out[mode] = times[len(times) // 2]
            print(f"fresh process ({mode}), warm cache: first astar on {size} x {size} done "
                  f"{times[len(times) // 2]:.3f} s after `import rover` (median of {runs}; "
                  f"best {times[0]:.3f}, worst {times[-1]:.3f})")
    return out["with-scipy"]


def movingai(every=1):
    """Run every Moving AI problem (or every `every`-th) with astar; worst error, time each."""
    from rover.io.movingai import read_map, read_scen
    from rover.planners import astar

    root = SHARED / "movingai"
    worst = 0.0
    total_t = 0.0
    total_n = 0
    for scen in sorted(root.glob("*.scen")):
        problems = read_scen(scen)[::every]
        grid = read_map(root / problems[0].map)
        astar(grid, problems[0].start, problems[0].start)
        t0 = time.perf_counter()
        err = 0.0
        for p in problems:
            plan = astar(grid, p.start, p.goal)
            err = max(err, abs(plan.cost - p.optimal_length))
        t = time.perf_counter() - t0
        worst = max(worst, err)
        total_t += t
        total_n += len(problems)
        print(f"{scen.name:28s} {len(problems):5d} problems  worst |error| {err:.2e}  "
              f"{t / len(problems) * 1e3:.2f} ms/problem")
    print(f"all: {total_n} problems, worst |error| {worst:.2e}, "
          f"{total_t / total_n * 1e3:.2f} ms/problem")
    return worst, total_n


if __name__ == "__main__":
    which = sys.argv[1:] or ["speed", "dstar", "along", "walls", "facts", "memory", "fresh",
                             "movingai"]
    for name in which:
        print(f"== {name}")
        globals()[name]()
