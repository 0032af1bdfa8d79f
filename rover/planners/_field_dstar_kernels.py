"""numba kernels for Field D* (Ferguson & Stentz 2006) on the dual grid of cell centres
(private).

Field D* keeps D* Lite's backward search (Koenig & Likhachev 2002) but computes the cost to
the goal ``g`` at the corners of grid squares and lets a path leave a corner towards any
point of the far edges of the squares around it, the value of that point being the linear
interpolation of ``g`` at the edge's two ends (the paper's ComputeCost).

Mapping to our cell-centred grids: the search runs on the *dual* grid whose nodes are the
cell centres (node (r, c) is the centre of cell (r, c)); a dual square has the four centres
(r, c), (r + 1, c), (r, c + 1), (r + 1, c + 1) as corners and overlaps a quarter of each of
those four cells. The costs the search uses, per cell length:

- along a dual edge between two neighbouring centres: ``(cost[a] + cost[b]) / 2``, which is
  the exact line integral of the whole edge (half a cell in each), and passable when both
  cells are;
- the dual square's diagonal: ``sqrt(2) * (cost[s] + cost[t]) / 2`` (exact: a diagonal
  through the shared corner runs half its length in each of its two end cells), passable
  only when all four cells are (it touches the other two at their corner);
- any other crossing of a dual square's interior: the mean of its four cells (an estimate:
  the exact integral depends on how much of the crossing lies in each quarter), passable
  only when all four cells are.

So the node-to-node moves are exactly the grid planners' 8-connected moves under the
move-cost rule (no corner cutting), and every segment the search can take touches only
passable cells. Because the interior cost is an estimate, ``g`` only approximates the line
integral of the path; the wrapper recomputes the exact cost of the extracted polyline.

State per node: ``g``, ``rhs`` (float64, inf when unknown), ``bp`` (uint8, which of the 8
triangles gave rhs, :data:`NO_TRIANGLE` when none did) and ``pos`` (slot in the queue plus
one, int32, 0 when not queued). ``bp`` is D* Lite's backpointer: when a node's value rises,
only the neighbours whose rhs leans on it are recomputed (on the traverse:2048 benchmark
this cut the recomputations after a rise from 9 to about 3.6 per raised node, and the
replans' planner time by a third). The queue U is an indexed binary heap on flat arrays
(keys ``hk1``, ``hk2``, nodes ``hn``); a node is queued at most once, so arrays of the
grid's size never overflow. Keys are D* Lite's ``[min(g, rhs) + h + km, min(g, rhs)]``
with ``h`` the Euclidean distance to the start times the least cell cost (admissible for
every cost above).

Kernels return status codes and never raise.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# The priority queue U (two-part keys, positions stored + 1) is D* Lite's.
from rover.planners._astar_kernels import _rc
from rover.planners._dstar_lite_kernels import (_down, _less, _pop_root, _queue, _remove,
                                                _up_from)
from rover.planners._line_cost_kernels import segment_cost, walk

INF = np.inf
SQRT2 = math.sqrt(2.0)

DONE = 0
NOT_FOUND = 1
PAUSED = 3  # compute reached its expansion limit
STUCK = 2  # extraction found no lower neighbour (a node whose value the search left stale)

TIE_EPS = 1e-10
"""The wrapper inflates the heuristic's factor by this relative amount so that of two
nodes with equal ``g + h`` the one nearer the start is expanded first (as D* Lite)."""

IMPROVE_RTOL = 1e-4
"""A relaxation lowers a neighbour's rhs only when it improves it by more than this relative
amount. Interpolated values otherwise keep improving each other by tiny amounts: at 1e-12,
a fresh search on uniform ground (the known map of a run is mostly that) ran past twice the
grid's nodes and was completed by A* (every replan of Field D* on the flagship was). At
1e-4 the flagship's ground made binary takes 10,285 expansions (A*: 9,326; at 1e-12:
411,648 and a repair), and a whole run on the flagship needs no restart (at 1e-5 one
replan still did); paths' line costs are within 0.3% of 1e-6's (1892.1 against 1887.1 on
mars-jezero:1024, tests/benchmarks/field_dstar_bench.py)."""

# The 8 directions in circular order: even indices are the 4 cardinal ones, odd the
# diagonals; consecutive pairs (k, k + 1 mod 8) are the 8 triangles around a node.
DR = np.array([0, 1, 1, 1, 0, -1, -1, -1], dtype=np.int64)
DC = np.array([1, 1, 0, -1, -1, -1, 0, 1], dtype=np.int64)


# ----------------------------------------------------------------------------- costs
@njit(inline="always")
def edge_rate(cost, a, b):
    """Cost per cell of length along the dual edge between flat nodes a and b."""
    return 0.5 * cost[np.uint64(a)] + 0.5 * cost[np.uint64(b)]  # inf when either is blocked


@njit(inline="always")
def square_rate(cost, cols, r, c):
    """Mean cost of the four cells of the dual square whose least corner is (r, c); inf when
    one is blocked. The caller keeps (r, c) and (r + 1, c + 1) inside the grid."""
    x = np.uint64(r * cols + c)
    ucols = np.uint64(cols)
    a = cost[x]
    b = cost[x + np.uint64(1)]
    d = cost[x + ucols]
    e = cost[x + ucols + np.uint64(1)]
    if a == INF or b == INF or d == INF or e == INF:
        return INF
    return 0.25 * (a + b + d + e)


@njit(inline="always")
def triangle(cost, g, rows, cols, r, c, k, bound):
    """The paper's ComputeCost for node (r, c) and the triangle of directions (k, k + 1):
    the least estimated cost to the goal leaving the node into that triangle, and how.

    ``bound``: the caller only wants a value below it (inf is returned otherwise, kind 0).
    The two ways that need square roots (kinds 3 and 4) run at least one cell at the lesser
    of the edge's and the square's rate and end on the edge s1-s2 at a value of at least g2
    (kind 3 only when g2 < g1), so they are skipped when that bound is not below both
    ``bound`` and the best of kinds 1 and 2.

    Returns (value, kind, y): kind 0 none (inf), 1 along the cardinal edge to s1, 2 the
    diagonal to s2, 3 straight to the point at y in (0, 1) from s1 on the edge s1-s2,
    4 along the edge s-s1 a length 1 - y, then straight to s2 (y in (0, 1)).
    """
    if k % 2 == 0:
        k1 = k
        k2 = (k + 1) % 8
    else:
        k1 = (k + 1) % 8
        k2 = k
    r1 = r + DR[k1]
    c1 = c + DC[k1]
    r2 = r + DR[k2]
    c2 = c + DC[k2]
    if r2 < 0 or r2 >= rows or c2 < 0 or c2 >= cols:
        # The square is outside the grid; s1 may still be inside.
        if r1 < 0 or r1 >= rows or c1 < 0 or c1 >= cols:
            return INF, 0, 0.0
        s = r * cols + c
        s1 = r1 * cols + c1
        b = edge_rate(cost, s, s1)
        v = b + g[s1]
        if v < bound:
            return v, 1, 0.0
        return INF, 0, 0.0
    s = r * cols + c
    s1 = r1 * cols + c1
    s2 = r2 * cols + c2
    g1 = g[np.uint64(s1)]
    g2 = g[np.uint64(s2)]
    b = edge_rate(cost, s, s1)
    best = b + g1
    kind = 1
    y = 0.0
    sq = square_rate(cost, cols, min(r, r2), min(c, c2))
    if sq < INF:
        v = SQRT2 * (0.5 * cost[np.uint64(s)] + 0.5 * cost[np.uint64(s2)]) + g2
        if v < best:
            best = v
            kind = 2
        if min(b, sq) + g2 < min(best, bound):
            f = g1 - g2
            if f > 0.0 and f < sq:
                # Straight to the edge s1-s2: minimise sq * sqrt(1 + y^2) + g1 - f * y.
                yy = f / math.sqrt(sq * sq - f * f)
                if yy < 1.0:
                    v = sq * math.sqrt(1.0 + yy * yy) + g1 - f * yy
                    if v < best:
                        best = v
                        kind = 3
                        y = yy
            if b < sq:
                # Along the edge for x = 1 - z, then to s2: minimise
                # b * (1 - z) + sq * sqrt(1 + z^2).
                z = b / math.sqrt(sq * sq - b * b)
                if z < 1.0:
                    v = b * (1.0 - z) + sq * math.sqrt(1.0 + z * z) + g2
                    if v < best:
                        best = v
                        kind = 4
                        y = z
    if best < bound:
        return best, kind, y
    return INF, 0, 0.0


NO_TRIANGLE = 255
"""``bp`` of a node whose rhs no triangle gives (inf, or the goal)."""


@njit(inline="always")
def _full_rhs(cost, g, rows, cols, r, c):
    """The least value over the 8 triangles of node (r, c) and which triangle gives it
    (:data:`NO_TRIANGLE` when none is finite)."""
    best = INF
    arg = NO_TRIANGLE
    for k in range(8):
        v, _, _ = triangle(cost, g, rows, cols, r, c, k, best)
        if v < best:
            best = v
            arg = k
    return best, arg


@njit(inline="always")
def _recompute(cost, g, rhs, bp, rows, cols, r, c, s):
    """Set rhs[s] (node s at (r, c)) to the least of its triangles and bp[s] to which."""
    if cost[s] < INF:
        v, k = _full_rhs(cost, g, rows, cols, r, c)
        rhs[s] = v
        bp[s] = k
    else:
        rhs[s] = INF
        bp[s] = NO_TRIANGLE


@njit(inline="always")
def _leans_on(bp_s, back):
    """Whether a node whose rhs comes from triangle ``bp_s`` leans on its neighbour in
    direction ``back``: a triangle (k, k + 1) has the neighbours in directions k and k + 1
    as corners."""
    return bp_s == back or bp_s == (back + 7) % 8


# ----------------------------------------------------------------------------- queue
@njit(inline="always")
def _h(r, c, sr, sc, scale):
    dr = float(r - sr)
    dc = float(c - sc)
    return scale * math.sqrt(dr * dr + dc * dc)


@njit(inline="always")
def _key(gv, rv, hv, km):
    m = min(gv, rv)
    return m + hv + km, m


@njit
def _update_vertex(u, r, c, g, rhs, pos, hk1, hk2, hn, size, sr, sc, km, scale):
    """UpdateVertex(u): queue u with its key when inconsistent, else take it out. Returns
    the new queue size."""
    if g[u] != rhs[u]:
        k1, k2 = _key(g[u], rhs[u], _h(r, c, sr, sc, scale), km)
        size = _queue(hk1, hk2, hn, pos, u, k1, k2, size)
    elif pos[u] > 0:
        size = _remove(hk1, hk2, hn, pos, u, size)
    return size


# ----------------------------------------------------------------------------- search
@njit(cache=True, nogil=True)
def compute(cost, rows, cols, scale, g, rhs, bp, pos, hk1, hk2, hn, size, start, goal, km,
            margin, limit):
    """ComputeShortestPath() of Field D* (the paper's Fig. 6, with D* Lite's key modifier),
    run on until the queue's least key is ``margin`` above the start's (D* Lite stops at 0).

    Why a margin: the heuristic is consistent for moves between points, but a node's value
    interpolates its neighbours' values and can rise less, from a neighbour, than the
    heuristic falls, so a node the start's value (or its path) leans on may have a key a
    little above the start's and be left stale by D* Lite's stopping rule. The wrapper
    passes a margin of a few cells times the least cost and widens it when the path cannot
    be read.

    Stops early, with PAUSED, after ``limit`` expansions: when a wall cuts nodes off from
    the goal, their values rise round after round (D* Lite's count to infinity), and with
    interpolation a round may rise by very little, so the wrapper bounds the work and
    searches afresh instead (a fresh search only lowers values, and ends).

    Returns (status, size, expanded): DONE or PAUSED, the new queue size and the nodes
    expanded.
    """
    inv_cols = 1.0 / cols
    sr, sc = _rc(start, cols, inv_cols)
    expanded = 0
    while size > 0:
        sk1, sk2 = _key(g[start], rhs[start], 0.0, km)
        t1 = hk1[0]
        t2 = hk2[0]
        if not (t1 < sk1 + margin or rhs[start] != g[start]):
            break
        u = hn[0]
        uu = np.uint64(u)
        ur, uc = _rc(u, cols, inv_cols)
        n1, n2 = _key(g[uu], rhs[uu], _h(ur, uc, sr, sc, scale), km)
        if _less(t1, t2, n1, n2):
            hk1[0] = n1
            hk2[0] = n2
            _down(hk1, hk2, hn, pos, 0, size)
            continue
        if expanded >= limit:
            return PAUSED, size, expanded
        expanded += 1
        if g[uu] > rhs[uu]:
            g[uu] = rhs[uu]
            # Pop the root (u) as D* Lite's kernel does (bottom-up, unsigned indices).
            pos[uu] = 0
            size = _pop_root(hk1, hk2, hn, pos, size)
            gu = g[uu]
            # Each neighbour s' of u: only the two triangles of s' that have u as a corner.
            for k in range(8):
                r = ur + DR[k]
                c = uc + DC[k]
                if r < 0 or r >= rows or c < 0 or c >= cols:
                    continue
                s = r * cols + c
                # A triangle's value through u exceeds g[u] (each candidate adds a positive
                # cost to g[u], or to a value above it), so a node whose rhs is already at
                # most g[u] cannot improve.
                us = np.uint64(s)
                rs = rhs[us]
                if rs <= gu or cost[us] == INF:
                    continue
                back = (k + 4) % 8  # direction from s to u
                bound = rs * (1.0 - IMPROVE_RTOL)
                v1, _, _ = triangle(cost, g, rows, cols, r, c, back, bound)
                v2, _, _ = triangle(cost, g, rows, cols, r, c, (back + 7) % 8, min(v1, bound))
                v = min(v1, v2)
                if v < bound:
                    rhs[us] = v
                    bp[us] = back if v1 <= v2 else (back + 7) % 8
                    # UpdateVertex(s), inline, with unsigned heap indices (as D* Lite's).
                    gs = g[us]
                    if gs == v:
                        if pos[us] > 0:
                            size = _remove(hk1, hk2, hn, pos, s, size)
                        continue
                    k1, k2 = _key(gs, v, _h(r, c, sr, sc, scale), km)
                    i = np.int64(pos[us]) - 1
                    if i < 0:
                        i = size
                        size += 1
                    elif not _less(k1, k2, hk1[i], hk2[i]):
                        hk1[i] = k1
                        hk2[i] = k2
                        _down(hk1, hk2, hn, pos, i, size)
                        continue
                    _up_from(hk1, hk2, hn, pos, i, k1, k2, s)
        else:
            g[u] = INF
            # u's value rose to inf: recompute the rhs of u and of the neighbours whose rhs
            # leans on u (their best triangle has u as a corner); any other neighbour's best
            # triangle is unchanged, and a triangle with a corner at inf cannot fall. (Not
            # so for a finite rise: a triangle's value is not monotone in its corners', as
            # the crossing of kind 3 comes and goes with the sign of g1 - g2.)
            for k in range(9):
                if k == 8:
                    r = ur
                    c = uc
                else:
                    r = ur + DR[k]
                    c = uc + DC[k]
                    if r < 0 or r >= rows or c < 0 or c >= cols:
                        continue
                s = r * cols + c
                if k < 8 and not _leans_on(bp[s], (k + 4) % 8):
                    continue
                if s != goal:
                    _recompute(cost, g, rhs, bp, rows, cols, r, c, s)
                size = _update_vertex(s, r, c, g, rhs, pos, hk1, hk2, hn, size, sr, sc, km,
                                      scale)
    return DONE, size, expanded


@njit(cache=True, nogil=True)
def update(cost, rows, cols, scale, g, rhs, bp, pos, hk1, hk2, hn, size, start, goal, km,
           cells, values):
    """Set ``cost[cells] = values`` and repair rhs of every node whose triangles use one of
    those cells (the 3 x 3 nodes around each). Returns the new queue size."""
    for j in range(cells.size):
        cost[cells[j]] = values[j]
    sr = start // cols
    sc = start - sr * cols
    for j in range(cells.size):
        x = cells[j]
        xr = x // cols
        xc = x - xr * cols
        for r in range(max(xr - 1, 0), min(xr + 2, rows)):
            for c in range(max(xc - 1, 0), min(xc + 2, cols)):
                s = r * cols + c
                if s == goal:
                    continue
                _recompute(cost, g, rhs, bp, rows, cols, r, c, s)
                size = _update_vertex(s, r, c, g, rhs, pos, hk1, hk2, hn, size, sr, sc, km,
                                      scale)
    return size


@njit(cache=True, nogil=True)
def rekey(cols, scale, g, rhs, pos, hk1, hk2, hn, size, start, km):
    """Recompute every queued key (after the heuristic's factor fell) and re-heapify."""
    sr = start // cols
    sc = start - sr * cols
    for i in range(size):
        u = hn[i]
        ur = u // cols
        uc = u - ur * cols
        hk1[i], hk2[i] = _key(g[u], rhs[u], _h(ur, uc, sr, sc, scale), km)
    for i in range(size // 2 - 1, -1, -1):
        _down(hk1, hk2, hn, pos, i, size)


# ----------------------------------------------------------------------------- extraction
@njit(inline="always")
def _interp(g, cols, pr, pc):
    """g at a point on a dual edge (or a node): linear between the edge's two nodes."""
    r0 = math.floor(pr)
    c0 = math.floor(pc)
    x = int(r0) * cols + int(c0)
    fr = pr - r0
    fc = pc - c0
    if fr == 0.0 and fc == 0.0:
        return g[x]
    if fr == 0.0:
        return (1.0 - fc) * g[x] + fc * g[x + 1]
    return (1.0 - fr) * g[x] + fr * g[x + cols]


@njit(inline="always")
def _to_segment(rate, pr, pc, ar, ac, dr, dc, ga, gb):
    """Least ``rate * |p - q| + (1 - y) ga + y gb`` over q = a + y (dr, dc), y in [0, 1]
    (a unit, axis-aligned edge); p not on the edge's line. Returns (value, y)."""
    t0 = (pr - ar) * dr + (pc - ac) * dc  # projection of p on the edge
    d = abs((pr - ar) * dc - (pc - ac) * dr)  # distance of p from the edge's line
    if ga == INF and gb == INF:
        return INF, 0.0
    if ga == INF:
        y = 1.0
    elif gb == INF:
        y = 0.0
    else:
        k = (ga - gb) / rate
        if k >= 1.0:
            y = 1.0
        elif k <= -1.0:
            y = 0.0
        else:
            y = t0 + k * d / math.sqrt(1.0 - k * k)
            y = min(max(y, 0.0), 1.0)
    e = y - t0
    gv = ga if y == 0.0 else (gb if y == 1.0 else (1.0 - y) * ga + y * gb)
    return rate * math.sqrt(d * d + e * e) + gv, y


@njit
def _step(cost, g, rows, cols, pr, pc):
    """The best next point from p = (pr, pc), a node or a point on a dual edge: straight
    across one of the dual squares that hold p to a point of one of its edges not through p,
    or along a dual edge through p to one of its nodes. Values are estimates (square interior
    at the mean of its four cells, dual edges and diagonals exact). Returns (value, qr, qc),
    value inf when no move is possible."""
    r0 = int(math.floor(pr))
    c0 = int(math.floor(pc))
    on_r = pr == r0  # p on a row of nodes
    on_c = pc == c0
    best = INF
    qr = pr
    qc = pc
    # Moves along the dual edges through p.
    if on_r and on_c:
        s = r0 * cols + c0
        for k in range(0, 8, 2):
            r = r0 + DR[k]
            c = c0 + DC[k]
            if 0 <= r < rows and 0 <= c < cols:
                n = r * cols + c
                v = edge_rate(cost, s, n) + g[n]
                if v < best:
                    best, qr, qc = v, float(r), float(c)
        for k in range(1, 8, 2):
            r = r0 + DR[k]
            c = c0 + DC[k]
            if 0 <= r < rows and 0 <= c < cols:
                if square_rate(cost, cols, min(r, r0), min(c, c0)) < INF:
                    n = r * cols + c
                    v = SQRT2 * (0.5 * cost[s] + 0.5 * cost[n]) + g[n]
                    if v < best:
                        best, qr, qc = v, float(r), float(c)
    elif on_r:
        a = r0 * cols + c0
        rate = edge_rate(cost, a, a + 1)
        f = pc - c0
        v = rate * f + g[a]
        if v < best:
            best, qr, qc = v, float(r0), float(c0)
        v = rate * (1.0 - f) + g[a + 1]
        if v < best:
            best, qr, qc = v, float(r0), float(c0 + 1)
    else:  # on_c
        a = r0 * cols + c0
        rate = edge_rate(cost, a, a + cols)
        f = pr - r0
        v = rate * f + g[a]
        if v < best:
            best, qr, qc = v, float(r0), float(c0)
        v = rate * (1.0 - f) + g[a + cols]
        if v < best:
            best, qr, qc = v, float(r0 + 1), float(c0)
    # Straight across each dual square holding p, to each of its edges not through p.
    sr_lo = r0 - 1 if on_r else r0
    sc_lo = c0 - 1 if on_c else c0
    for sr in range(sr_lo, r0 + 1):
        if sr < 0 or sr + 1 >= rows:
            continue
        for sc in range(sc_lo, c0 + 1):
            if sc < 0 or sc + 1 >= cols:
                continue
            rate = square_rate(cost, cols, sr, sc)
            if rate == INF:
                continue
            x = sr * cols + sc
            # The four edges: (corner a, direction), a + direction the other end.
            for e in range(4):
                if e == 0:  # row sr, from (sr, sc) along +col
                    ar, ac, dr, dc, ga, gb = sr, sc, 0, 1, g[x], g[x + 1]
                elif e == 1:  # row sr + 1
                    ar, ac, dr, dc, ga, gb = sr + 1, sc, 0, 1, g[x + cols], g[x + cols + 1]
                elif e == 2:  # col sc, from (sr, sc) along +row
                    ar, ac, dr, dc, ga, gb = sr, sc, 1, 0, g[x], g[x + cols]
                else:  # col sc + 1
                    ar, ac, dr, dc, ga, gb = sr, sc + 1, 1, 0, g[x + 1], g[x + cols + 1]
                # Skip the edge when p lies on its line (those are the moves along edges).
                if (dr == 0 and pr == ar) or (dc == 0 and pc == ac):
                    continue
                v, y = _to_segment(rate, pr, pc, ar, ac, dr, dc, ga, gb)
                if v < best:
                    best = v
                    qr = ar + y * dr
                    qc = ac + y * dc
    return best, qr, qc


@njit(cache=True, nogil=True)
def extract(cost, g, rows, cols, start, goal, max_steps):
    """Follow the interpolated field from the start's centre to the goal's.

    Each step takes the best move of :func:`_step` when it leads to a point of lower
    interpolated ``g`` and touches no blocked cell (checked by the exact segment walk,
    :func:`rover.planners._line_cost_kernels.segment_cost`); otherwise it falls back to the best node-to-node move to a neighbour of
    lower ``g`` (first, from a point on an edge, along the edge to its lower end).

    Returns (status, points (N, 2) float64, fallbacks): status DONE, or STUCK when no move
    lowers ``g`` (points then end where it stopped).
    """
    out = np.empty((64, 2))
    out[0, 0] = start // cols
    out[0, 1] = start % cols
    n = 1
    gr = goal // cols
    gc = goal % cols
    pr = out[0, 0]
    pc = out[0, 1]
    fallbacks = 0
    status = STUCK
    for _ in range(max_steps):
        if pr == gr and pc == gc:
            status = DONE
            break
        here = _interp(g, cols, pr, pc)
        v, qr, qc = _step(cost, g, rows, cols, pr, pc)
        ok = (v < INF and _interp(g, cols, qr, qc) < here
              and segment_cost(cost, rows, cols, pr, pc, qr, qc, INF) < INF)
        if not ok:
            fallbacks += 1
            qr, qc, ok = _node_step(cost, g, rows, cols, pr, pc, here)
            if not ok:
                break
        if n == out.shape[0]:
            bigger = np.empty((2 * n, 2))
            bigger[:n] = out
            out = bigger
        out[n, 0] = qr
        out[n, 1] = qc
        n += 1
        pr = qr
        pc = qc
    return status, out[:n].copy(), fallbacks


@njit
def _node_step(cost, g, rows, cols, pr, pc, here):
    """The fallback move: from a point inside a dual edge, along it to its end of lower g;
    from a node, the 8-connected move (no corner cutting) to the neighbour of lower g with
    the least move cost + g. Returns (qr, qc, found)."""
    r0 = int(math.floor(pr))
    c0 = int(math.floor(pc))
    if pr != r0 or pc != c0:
        a = r0 * cols + c0
        b = a + 1 if pr == r0 else a + cols
        br = r0 if pr == r0 else r0 + 1
        bc = c0 + 1 if pr == r0 else c0
        if g[a] <= g[b]:
            return float(r0), float(c0), g[a] < INF
        return float(br), float(bc), g[b] < INF
    s = r0 * cols + c0
    best = INF
    qr = pr
    qc = pc
    for k in range(8):
        r = r0 + DR[k]
        c = c0 + DC[k]
        if r < 0 or r >= rows or c < 0 or c >= cols:
            continue
        n = r * cols + c
        if not g[n] < here:
            continue
        if k % 2 == 0:
            v = edge_rate(cost, s, n) + g[n]
        elif square_rate(cost, cols, min(r, r0), min(c, c0)) < INF:
            v = SQRT2 * (0.5 * cost[s] + 0.5 * cost[n]) + g[n]
        else:
            continue
        if v < best:
            best, qr, qc = v, float(r), float(c)
    return qr, qc, best < INF


# ----------------------------------------------------------------------------- shortening
SLACK = 1.0 + 1e-12
"""A shortcut may cost up to this factor of the stretch it replaces (rounding)."""

@njit(inline="always")
def _seg(cost, cols, points, i, j, limit):
    return walk(cost, cols, points[i, 0] + 0.5, points[i, 1] + 0.5, points[j, 0] + 0.5,
                points[j, 1] + 0.5, limit)


@njit(cache=True, nogil=True)
def shorten(cost, rows, cols, points):
    """Drop vertices of a clear polyline where the straight segment that skips them is clear
    and not dearer under the exact line integral (greedy, from the start: from each kept
    vertex the farthest later vertex found by doubling, then bisection). Returns the kept
    vertices (float64, shape (M, 2)), first and last always kept; every new segment is
    clear and the line integral never rises by more than :data:`SLACK` (rounding: collinear
    vertices sum to the straight segment's cost only up to a few ulps)."""
    n = points.shape[0]
    if n <= 2:
        return points.copy()
    prefix = np.empty(n)
    prefix[0] = 0.0
    for k in range(n - 1):
        prefix[k + 1] = prefix[k] + _seg(cost, cols, points, k, k + 1, INF)
    keep = np.empty(n, dtype=np.int64)
    m = 0
    i = 0
    keep[m] = 0
    m += 1
    while i < n - 1:
        good = i + 1  # always acceptable: the polyline's own segment
        step = 2
        bad = -1
        while True:
            j = min(i + step, n - 1)
            if _seg(cost, cols, points, i, j, (prefix[j] - prefix[i]) * SLACK) < INF:
                good = j
                if j == n - 1:
                    break
                step *= 2
            else:
                bad = j
                break
        if bad > 0:
            lo = good
            hi = bad
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if _seg(cost, cols, points, i, mid, (prefix[mid] - prefix[i]) * SLACK) < INF:
                    lo = mid
                else:
                    hi = mid
            good = lo
        keep[m] = good
        m += 1
        i = good
    out = np.empty((m, 2))
    for k in range(m):
        out[k, 0] = points[keep[k], 0]
        out[k, 1] = points[keep[k], 1]
    return out
