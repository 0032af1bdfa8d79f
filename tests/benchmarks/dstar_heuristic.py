"""How much of D* Lite's work on a graded traverse a better heuristic could save: a study
behind the "Known limit" in docs/DESIGN.md, not a test or a benchmark of our kernels.

It records the sensing updates of a ``traverse:SIZE`` run of :func:`rover.simulate` with
``dstar_lite``, then replays them through a plain-Python D* Lite (Koenig & Likhachev's
optimised version, with the same cost rule) whose queue keys are all recomputed before each
replan, so that the heuristic may change between replans, and prints the expansions per
replan under:

- ``octile``: the octile distance times the least cost, 1, as :class:`rover.planners.DStarLite`
  uses;
- ``landmark K``: ``max(octile(a, b), |d(L, a) - d(L, b)|)``, with ``d`` the least-cost
  distances from a landmark cell ``L`` on the known map (:func:`rover.planners.dijkstra`),
  ``L`` the rover's cell, recomputed every K replans. Sensing only raises costs, so the
  distances stay lower bounds and the heuristic stays admissible and consistent. With K = 1
  it is the exact distance from the rover: the best any heuristic can do, here for free.

Every replan's cost is checked against the recorded plan. Python is slow: about 10-30 s per
heuristic on the default 512 x 512 traverse.

Usage::

    .venv/bin/python tests/benchmarks/dstar_heuristic.py [SIZE] [K ...]
"""

from __future__ import annotations

import heapq
import math
import sys
import time

import numpy as np

SQ2 = math.sqrt(2.0)
INF = math.inf
DIRS = ((-1, 0, 1.0), (1, 0, 1.0), (0, -1, 1.0), (0, 1, 1.0),
        (-1, -1, SQ2), (-1, 1, SQ2), (1, -1, SQ2), (1, 1, SQ2))
BAND = 1e-9
"""Keys within this relative band above the start's are expanded too: with an exact
heuristic every cell on an optimal path ties with the start, and rounding must not stop the
search short of them (the kernels have the same band, ``_dstar_lite_kernels.KEY_RTOL``)."""


def record(size: int) -> dict:
    """The known grid at the start, start, goal and, per replan, (rover cell, changed flat
    cells, their new costs, the plan's cost) of a ``traverse:SIZE`` run with D* Lite."""
    from rover import sim
    from rover.bench.workloads import TraverseSpec

    log: dict = {}
    init, plan = sim._Replanner.__init__, sim._Replanner.plan

    def rec_init(self, name, weight, known, start, goal, *a, **k):
        log.update(known=np.array(known, dtype=np.float64), start=tuple(start),
                   goal=tuple(goal), calls=[])
        init(self, name, weight, known, start, goal, *a, **k)

    def rec_plan(self, cell, cells, costs):
        p = plan(self, cell, cells, costs)
        log["calls"].append((tuple(int(x) for x in cell),
                             (cells[:, 0] * self.cols + cells[:, 1]).tolist(),
                             np.asarray(costs, dtype=np.float64).tolist(), p.cost))
        return p

    sim._Replanner.__init__, sim._Replanner.plan = rec_init, rec_plan
    try:
        scenario, world = TraverseSpec(size).build()
        sim.simulate(scenario, planner="dstar_lite", world=world)
    finally:
        sim._Replanner.__init__, sim._Replanner.plan = init, plan
    return log


def replay(log: dict, every: int | None) -> tuple[float, float, int]:
    """Replay ``log`` with the octile heuristic (``every`` None) or a landmark at the rover
    refreshed every ``every`` replans. Returns (expansions per replan after the first,
    raises per replan, replans whose cost differs from the recorded plan's)."""
    from rover.planners import dijkstra

    known = log["known"]
    rows, cols = known.shape
    c = known.ravel().tolist()
    n = rows * cols
    phi: list | None = None

    def nbrs(u):
        r, q = divmod(u, cols)
        cu = c[u]
        if cu == INF:
            return
        for dr, dc, st in DIRS:
            rr, cc = r + dr, q + dc
            if 0 <= rr < rows and 0 <= cc < cols:
                v = rr * cols + cc
                cv = c[v]
                if cv == INF or (dr and dc and (c[r * cols + cc] == INF
                                                or c[rr * cols + q] == INF)):
                    continue
                yield v, st * (cu + cv) * 0.5

    def h(a, b):
        ar, ac = divmod(a, cols)
        br, bc = divmod(b, cols)
        dx, dy = abs(ar - br), abs(ac - bc)
        o = max(dx, dy) + (SQ2 - 1) * min(dx, dy)
        return max(o, abs(phi[a] - phi[b])) if phi is not None else o

    g = [INF] * n
    rhs = [INF] * n
    goal = log["goal"][0] * cols + log["goal"][1]
    start = log["start"][0] * cols + log["start"][1]
    rhs[goal] = 0.0
    queued: dict = {}  # node -> its key; heap entries with another key are stale
    heap: list = []

    def key(s):
        m = min(g[s], rhs[s])
        return (m + h(start, s), m)

    def update_vertex(u):
        if g[u] != rhs[u]:
            k = key(u)
            queued[u] = k
            heapq.heappush(heap, (k, u))
        else:
            queued.pop(u, None)

    def compute():
        expanded = raised = 0
        while heap:
            k, u = heap[0]
            if queued.get(u) != k:
                heapq.heappop(heap)
                continue
            ks = key(start)
            if not (k[0] < ks[0] + BAND * (1.0 + abs(ks[0])) or rhs[start] > g[start]):
                break
            heapq.heappop(heap)
            del queued[u]
            expanded += 1
            if g[u] > rhs[u]:
                g[u] = rhs[u]
                for s, w in nbrs(u):
                    if s != goal and w + g[u] < rhs[s]:
                        rhs[s] = w + g[u]
                        update_vertex(s)
            else:
                raised += 1
                g_old = g[u]
                g[u] = INF
                for s, w in [*nbrs(u), (u, 0.0)]:
                    if s != goal and (s == u or rhs[s] == w + g_old):
                        rhs[s] = min((w2 + g[t] for t, w2 in nbrs(s)), default=INF)
                    update_vertex(s)
        return expanded, raised

    def landmark(cell):
        nonlocal phi
        d = dijkstra(np.array(c, dtype=np.float64).reshape(rows, cols), divmod(cell, cols))
        phi = np.minimum(d, 1e7).ravel().tolist()  # a cap keeps it 1-Lipschitz and finite

    if every is not None:
        landmark(start)
    update_vertex(goal)
    compute()
    expanded = raised = wrong = 0
    calls = log["calls"][1:]
    for i, (cell, flat, vals, cost) in enumerate(calls, 1):
        for f, v in zip(flat, vals):
            c[f] = v
        around = {rr * cols + cc for f in flat for rr in range(f // cols - 1, f // cols + 2)
                  for cc in range(f % cols - 1, f % cols + 2) if 0 <= rr < rows and 0 <= cc < cols}
        for u in around:
            if u != goal:
                rhs[u] = min((w + g[t] for t, w in nbrs(u)), default=INF)
            update_vertex(u)
        start = cell[0] * cols + cell[1]
        if every is not None and i % every == 0:
            landmark(start)
        heap = [(key(u), u) for u in queued]  # re-key: the start or the heuristic moved
        queued = {u: k for k, u in heap}
        heapq.heapify(heap)
        e, r = compute()
        expanded += e
        raised += r
        if not math.isclose(rhs[start], cost, rel_tol=1e-6) and not rhs[start] == cost == INF:
            wrong += 1
    return expanded / len(calls), raised / len(calls), wrong


def main(argv: list[str]) -> int:
    size = int(argv[0]) if argv else 512
    ks = [int(a) for a in argv[1:]] or [1, 4, 16]
    t0 = time.perf_counter()
    log = record(size)
    print(f"traverse:{size}: {len(log['calls']) - 1} replans after the first "
          f"(recorded in {time.perf_counter() - t0:.1f} s)")
    for every in [None, *ks]:
        t0 = time.perf_counter()
        e, r, wrong = replay(log, every)
        name = "octile" if every is None else f"landmark at the rover, every {every}"
        print(f"  {name:36s} {e:7.1f} expanded per replan ({r:6.1f} raised), "
              f"{wrong} plans off ({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
