"""numba kernel for Theta* on a cost grid (private).

Theta* (Nash, Daniel, Koenig & Felner, "Theta*: Any-Angle Path Planning on Grids", AAAI
2007) is A* over the 8-connected grid in which a node may take its parent's parent as its
own parent when the segment between them is clear ("path 2"), so paths turn at any angle.
On cost grids the segment is costed by the exact line integral
(:func:`rover.planners._line_cost_kernels.walk`, here as :func:`_centre_walk`), and, unlike
the uniform-cost original, path 2 is taken only when it is cheaper than the grid step from
the node itself ("path 1"): a clear straight line may cross dear ground that a bend
avoids. Path 1 is the grid planners' move-cost rule (a straight or diagonal step, no corner
cutting), which equals the line integral of that step.

Work per expansion is dominated by the line walks (a walk is as long as the segment). Two
cuts keep them few, neither changing the result: no walk when the neighbour already has
the same parent (the segment and its cost would be the same), and none when even the
least cost times the Euclidean length cannot beat the neighbour's best so far; a walk
that runs past that bound stops there. On blobs:1024 that still leaves 3.4 walks per
expansion, of 3.5 cells on average, so the walk is inlined and set up for segments between
centres (:func:`_centre_walk`, same arithmetic): one plan 220 -> 168 ms.

Per node: g (float64), parent (int32, flat index) and a state byte; the open list is an
indexed binary heap on flat arrays (key, node) with each node's slot in ``pos``. A node
enters the heap at most once at a time, so arrays of the grid's size never overflow.
The kernel returns status codes and never raises.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from rover.planners._astar_kernels import _open_sides, _rc
# The heap step is MPGAA*'s: the same binary heap of keys, nodes and positions.
from rover.planners._mpgaa_kernels import _sift_up

INF = np.inf

UNSEEN = 0
OPEN = 1
CLOSED = 2

FOUND = 0
NOT_FOUND = 1

TIE_EPS = 1e-12
"""The heuristic is inflated by this relative amount so that of two nodes with equal f the
one nearer the goal comes first (as ``_astar_kernels.TIE_EPS``); smaller than A*'s because
a path may exceed the best by this much of its length, and Moving AI optima are checked to
1e-9 on lengths up to about 1,500 cells."""

SQRT2 = math.sqrt(2.0)
HALF_DIAG = SQRT2 / 2.0
DR = np.array([-1, 1, 0, 0, -1, -1, 1, 1], dtype=np.int64)
DC = np.array([0, 0, -1, 1, -1, 1, -1, 1], dtype=np.int64)
# Bits of the straight-neighbour mask each direction needs (1 the row above, 2 below, 4 the
# column to the left, 8 to the right): a straight move its own cell, a diagonal both cells
# beside it.
NEED = np.array([1, 2, 4, 8, 1 | 4, 1 | 8, 2 | 4, 2 | 8], dtype=np.int64)


@njit(inline="always")
def _centre_walk(cost, cols, x, dr, dc, length, limit):
    """:func:`rover.planners._line_cost_kernels.walk` for a segment from the centre of flat
    cell ``x`` to the centre ``dr`` rows and ``dc`` columns away (``length`` its Euclidean
    length, as the caller has it), with the same arithmetic in the same order, so the same
    result to the bit (tests/rover/planners/theta_records.py). Inline and without the cases
    a segment between centres never meets (an end on a grid line): most segments Theta*
    walks are 3 or 4 cells long, so the walk's setup cost is most of its cost."""
    su = 1 if dr > 0 else (-1 if dr < 0 else 0)
    sv = 1 if dc > 0 else (-1 if dc < 0 else 0)
    adu = float(abs(dr))
    adv = float(abs(dc))
    nu = 0.5
    nv = 0.5
    inv_u = 1.0 / adu if su != 0 else 0.0
    inv_v = 1.0 / adv if sv != 0 else 0.0
    lim = limit / length
    step_u = su * cols
    t_prev = 0.0
    total = 0.0
    while True:
        cc = cost[np.uint64(x)]
        if cc == INF:
            return INF
        u_end = su == 0 or nu >= adu
        v_end = sv == 0 or nv >= adv
        if u_end and v_end:
            total += (1.0 - t_prev) * cc
            break
        if u_end:
            t = nv * inv_v
            x += sv
            nv += 1.0
        elif v_end:
            t = nu * inv_u
            x += step_u
            nu += 1.0
        else:
            a = nu * adv
            b = nv * adu
            if a == b:
                # Through a lattice point: the cells beside the way are touched too.
                if cost[np.uint64(x + step_u)] == INF or cost[np.uint64(x + sv)] == INF:
                    return INF
                t = nu * inv_u
                x += step_u + sv
                nu += 1.0
                nv += 1.0
            elif a < b:
                t = nu * inv_u
                x += step_u
                nu += 1.0
            else:
                t = nv * inv_v
                x += sv
                nv += 1.0
        total += (t - t_prev) * cc
        if total > lim:
            return INF
        t_prev = t
    total *= length
    if total > limit:
        return INF
    return total


@njit(cache=True, nogil=True)
def search(cost, rows, cols, start, goal, cmin, hscale, g, parent, flags, pos, hf, hn):
    """Theta* from flat cell ``start`` to flat cell ``goal`` (both passable).

    Parameters
    ----------
    cost : float64[:]
        Flat cost grid (validated: >= 1 or inf).
    rows, cols : int
        Grid shape.
    start, goal : int
        Flat indices.
    cmin : float
        Least finite cost: the walks' lower bound (Euclidean length times cmin).
    hscale : float
        Heuristic factor: cmin times (1 + TIE_EPS); h is the Euclidean distance to the
        goal's centre times hscale.
    g : float64[:]
        Cost from the start, valid where the state is not unseen (``np.empty``).
    parent : int32[:]
        Parent (flat index) where the state is not unseen (``np.empty``).
    flags : uint8[:]
        State per node, zeros on entry.
    pos : int32[:]
        Heap slot of each open node (``np.empty``).
    hf, hn : float64[:], int32[:]
        Heap keys and nodes, the grid's size (``np.empty``).

    Returns
    -------
    (status, expanded) : (int, int)
        ``FOUND`` or ``NOT_FOUND`` and the number of nodes expanded; with ``FOUND`` the
        path is read from ``parent`` from ``goal`` back to ``start`` (its own parent).
    """
    inf = np.inf
    gr = goal // cols
    gc = goal - gr * cols
    sr = start // cols
    sc = start - sr * cols
    g[start] = 0.0
    parent[start] = start
    flags[start] = OPEN
    hf[0] = hscale * math.sqrt((sr - gr) ** 2 + (sc - gc) ** 2)
    hn[0] = start
    pos[start] = 0
    size = 1
    expanded = 0
    # A*'s ways of keeping the inner loop cheap (``_astar_kernels.search``): indices are
    # unsigned where they index arrays (numba then skips its negative-index wraparound),
    # row and column come from a float reciprocal, corrected (much cheaper than integer
    # division), and the passable straight neighbours are a bit mask. None changes which
    # node is popped or what it gets.
    inv_cols = 1.0 / cols
    last_row = rows - 1
    last_col = cols - 1
    off = DR * cols + DC
    one = np.uint64(1)
    while size > 0:
        s = hn[0]
        size -= 1
        if size > 0:
            # Pop: move the last slot to the root and sift it down.
            x = np.uint64(hn[size])
            xf = hf[size]
            usize = np.uint64(size)
            i = np.uint64(0)
            while True:
                child = i + i + one
                if child >= usize:
                    break
                right = child + one
                if right < usize and hf[right] < hf[child]:
                    child = right
                if not hf[child] < xf:
                    break
                cn = np.uint64(hn[child])
                hf[i] = hf[child]
                hn[i] = cn
                pos[cn] = i
                i = child
            hf[i] = xf
            hn[i] = x
            pos[x] = i
        us = np.uint64(s)
        flags[us] = CLOSED
        expanded += 1
        if s == goal:
            return FOUND, expanded
        r, c = _rc(s, cols, inv_cols)
        gs = g[us]
        cs = cost[us]
        pp = parent[us]
        upp = np.uint64(pp)
        gpp = g[upp]
        cpp = cost[upp]
        ppr, ppc = _rc(pp, cols, inv_cols)
        # Passable straight neighbours; a diagonal needs both cells beside it (no corner
        # cutting: the segment touches both at the shared corner).
        mask = _open_sides(cost, s, r, c, cols, last_row, last_col)
        for d in range(8):
            need = NEED[d]
            if (mask & need) != need:
                continue
            s2 = s + off[d]
            us2 = np.uint64(s2)
            c_s2 = cost[us2]
            if c_s2 == inf:
                continue
            st = flags[us2]
            if st == CLOSED:
                continue
            r2 = r + DR[d]
            c2 = c + DC[d]
            if d >= 4:
                best = gs + (cs + c_s2) * HALF_DIAG
            else:
                best = gs + (cs + c_s2) * 0.5
            bp = s
            old = g[us2] if st == OPEN else inf
            if pp != s and not (st == OPEN and parent[us2] == pp):
                bound = best if best < old else old
                lim = bound - gpp
                dr = r2 - ppr
                dc = c2 - ppc
                # A lower bound of the segment's cost: at least half a cell of it lies in
                # each end cell (a cell's square holds the disc of radius 1/2 around its
                # centre), the rest costs at least cmin a cell. With a hair of slack, so
                # that rounding never skips a walk the bound would not: the result is the
                # one the walk would give.
                seg = math.sqrt(dr * dr + dc * dc)
                if 0.5 * (cpp + c_s2) + (seg - 1.0) * cmin <= lim * (1.0 + 1e-9):
                    c2cost = _centre_walk(cost, cols, pp, dr, dc, seg, lim)
                    if c2cost < inf and gpp + c2cost <= best:
                        # Ties go to the line of sight: fewer vertices for the same cost.
                        best = gpp + c2cost
                        bp = pp
            if best < old:
                g[us2] = best
                parent[us2] = bp
                key = best + hscale * math.sqrt((r2 - gr) ** 2 + (c2 - gc) ** 2)
                if st == OPEN:
                    _sift_up(hf, hn, pos, pos[us2], key, s2)
                else:
                    flags[us2] = OPEN
                    _sift_up(hf, hn, pos, size, key, s2)
                    size += 1
    return NOT_FOUND, expanded


@njit(cache=True, nogil=True)
def trace(parent, cols, start, goal):
    """The vertices from ``start`` to ``goal`` read from ``parent``: float64 (N, 2) (row,
    col) cell centres."""
    n = 1
    x = goal
    while x != start:
        x = parent[x]
        n += 1
    out = np.empty((n, 2), dtype=np.float64)
    x = goal
    for k in range(n - 1, -1, -1):
        r = x // cols
        out[k, 0] = r
        out[k, 1] = x - r * cols
        x = parent[x]
    return out
