"""numba kernels for A*, weighted A* and Dijkstra on a cost grid (private).

The grid is flat (row-major, ``index = row * cols + col``). Per node the search keeps its g
value (float64) and one flag byte: bits 0-1 hold the state (unseen, open, closed) and bits
2-5 the direction of the step that reached it, so no parent index is stored. g is only
meaningful where the state is not "unseen", which lets the caller allocate it with
``np.empty`` (pages the search never touches are never written).

The open list is an indexed binary heap on flat arrays (key, node) with each node's slot in
``pos`` for decrease-key; keys are single floats so that choosing a child is branch-free.
Ties go to the node nearer the goal (larger g) because the caller inflates the heuristic by
a relative ``TIE_EPS`` (1e-10): of two nodes with equal g + h the one with the smaller h
comes first. Exact-equality tie-breaking would not do: g sums the same steps in different
orders, so "equal" keys differ in their last bits and uniform-cost maps would flood. The
price is that a path may cost up to a relative 1e-10 more than the optimum.

Kernels return status codes and never raise.
"""

from __future__ import annotations

import numpy as np
from numba import njit

UNSEEN = 0
OPEN = 1
CLOSED = 2
STATE_MASK = 3
NO_PARENT = 8

SQRT2 = np.sqrt(2.0)
HALF = 0.5
HALF_DIAG = SQRT2 / 2.0  # half a diagonal step: a diagonal move costs (c[u] + c[v]) * HALF_DIAG

# Direction codes: 0 up, 1 down, 2 left, 3 right, 4 up-left, 5 up-right, 6 down-left, 7 down-right.
DR = np.array([-1, 1, 0, 0, -1, -1, 1, 1], dtype=np.int64)
DC = np.array([0, 0, -1, 1, -1, 1, -1, 1], dtype=np.int64)

FOUND = 0
NOT_FOUND = 1


@njit
def _dist(r, c, gr, gc, conn8):
    """Octile (8-connected) or Manhattan (4-connected) distance in cells."""
    dr = r - gr
    if dr < 0:
        dr = -dr
    dc = c - gc
    if dc < 0:
        dc = -dc
    if conn8:
        if dr < dc:
            return dc + (SQRT2 - 1.0) * dr
        return dr + (SQRT2 - 1.0) * dc
    return float(dr + dc)


# Bit of the straight-neighbour mask each direction needs: straight moves their own cell,
# diagonal moves both cells beside them (no corner cutting).
NEED = np.array([1, 2, 4, 8, 1 | 4, 1 | 8, 2 | 4, 2 | 8], dtype=np.int64)
HALF_STEP = np.array([HALF] * 4 + [HALF_DIAG] * 4, dtype=np.float64)

GROW = 2
TIE_EPS = 1e-10
"""The heuristic is inflated by this relative amount to break ties toward the goal."""


@njit(inline="always")
def _rc(u, cols, inv_cols):
    """(row, col) of flat cell u by a float reciprocal, corrected (cheaper than division)."""
    r = int(u * inv_cols)
    c = u - r * cols
    if c >= cols:
        r += 1
        c -= cols
    elif c < 0:
        r -= 1
        c += cols
    return r, c


@njit(inline="always")
def _open_sides(cost, u, r, c, cols, last_row, last_col):
    """Bits 1, 2, 4, 8: the cell above, below, left, right of flat cell u (row r, col c) is
    on the grid and passable (a diagonal move needs both cells beside it). Indexes with
    unsigned integers, so numba skips its negative-index wraparound: Theta*'s inner loop
    (:func:`search` writes the same out; :func:`rover.planners._dstar_lite_kernels._mask`
    is the signed form)."""
    inf = np.inf
    mask = 0
    if r > 0 and cost[np.uint64(u - cols)] < inf:
        mask |= 1
    if r < last_row and cost[np.uint64(u + cols)] < inf:
        mask |= 2
    if c > 0 and cost[np.uint64(u - 1)] < inf:
        mask |= 4
    if c < last_col and cost[np.uint64(u + 1)] < inf:
        mask |= 8
    return mask


@njit(cache=True, nogil=True)
def search(cost, cols, start, goal, conn8, hscale, g, flags, pos, hf, hn, size):
    """Best-first search over the flat grid ``cost``, resumable.

    Everything is written inline in one function: helper calls taking arrays cost numba
    reference-count traffic in the innermost loop.

    Parameters
    ----------
    cost : float64[:]
        Flat cost grid, validated (>= 1 or inf).
    cols : int
        Grid width.
    start, goal : int
        Flat indices; ``goal = -1`` searches the whole reachable region (Dijkstra).
    conn8 : bool
        8-connected (no corner cutting) when True, else 4-connected.
    hscale : float
        Heuristic factor: 0 for Dijkstra, the least cost for A*, times the weight for
        weighted A*.
    g : float64[:]
        g values, valid where the state is not unseen (allocate with ``np.empty``).
    flags : uint8[:]
        State and parent direction per node (zeros on the first call).
    pos : int32[:]
        Heap slot of each open node (uninitialised on the first call).
    hf, hn : float64[:], int32[:]
        Heap keys and nodes; the first ``size`` slots are live.
    size : int
        Live heap slots; 0 on the first call, which seeds the heap with ``start``.

    Returns
    -------
    (status, size, expanded) : (int, int, int)
        ``GROW`` when the heap arrays are nearly full: enlarge them (keeping the first
        ``size`` slots) and call again with the returned size.
    """
    n = cost.size
    rows = n // cols
    cap = hf.size
    inf = np.inf
    if goal >= 0:
        gr = goal // cols
        gc = goal - gr * cols
    else:
        gr = 0
        gc = 0
        hscale = 0.0
    off = DR * cols + DC
    if size == 0:
        if (flags[start] & STATE_MASK) != UNSEEN:
            return NOT_FOUND, 0, 0
        sr = start // cols
        g[start] = 0.0
        flags[start] = OPEN | (NO_PARENT << 2)
        hf[0] = hscale * _dist(sr, start - sr * cols, gr, gc, conn8)
        hn[0] = start
        pos[start] = 0
        size = 1
    ndir = 8 if conn8 else 4
    inv_cols = 1.0 / cols
    expanded = 0
    last_row = rows - 1
    last_col = cols - 1
    while size > 0:
        if size + 8 > cap:
            return GROW, size, expanded
        # Pop the best node; sift the last slot down from the root.
        u = hn[0]
        size -= 1
        if size > 0:
            # Bottom-up pop: walk the hole down to a leaf along the better children (one
            # comparison a level), then sift the last slot up from there. Indices are
            # unsigned in the heap and grid accesses: numba then skips its negative-index
            # wraparound code, a large share of this loop.
            x = np.uint64(hn[size])
            xf = hf[size]
            usize = np.uint64(size)
            one = np.uint64(1)
            i = np.uint64(0)
            while True:
                child = i + i + one
                if child >= usize:
                    break
                right = child + one
                if right < usize:
                    # Branch-free: which child is better is a coin toss for the predictor.
                    child += np.uint64(hf[right] < hf[child])
                cn = np.uint64(hn[child])
                hf[i] = hf[child]
                hn[i] = cn
                pos[cn] = i
                i = child
            while i > 0:
                p = (i - one) >> one
                pf = hf[p]
                pn = np.uint64(hn[p])
                if not xf < pf:
                    break
                hf[i] = pf
                hn[i] = pn
                pos[pn] = i
                i = p
            hf[i] = xf
            hn[i] = x
            pos[x] = i
        uu = np.uint64(u)
        flags[uu] = (flags[uu] & ~STATE_MASK) | CLOSED
        expanded += 1
        if u == goal:
            return FOUND, size, expanded
        gu = g[uu]
        cu = cost[uu]
        # Row and column by a float reciprocal, corrected: much cheaper than integer division.
        # (_rc and _open_sides written out: called here, A* measured 3-10% slower.)
        r = int(u * inv_cols)
        c = u - r * cols
        if c >= cols:
            r += 1
            c -= cols
        elif c < 0:
            r -= 1
            c += cols
        # Passable straight neighbours as a bit mask; diagonals need both beside them.
        mask = 0
        if r > 0 and cost[np.uint64(u - cols)] < inf:
            mask |= 1
        if r < last_row and cost[np.uint64(u + cols)] < inf:
            mask |= 2
        if c > 0 and cost[np.uint64(u - 1)] < inf:
            mask |= 4
        if c < last_col and cost[np.uint64(u + 1)] < inf:
            mask |= 8
        for k in range(ndir):
            need = NEED[k]
            if (mask & need) != need:
                continue
            v = np.uint64(u + off[k])
            cv = cost[v]
            if cv == inf:
                continue
            fv = flags[v]
            st = fv & STATE_MASK
            if st == CLOSED:
                continue
            ng = gu + (cu + cv) * HALF_STEP[k]
            if st == UNSEEN:
                i = size
                size += 1
            elif ng < g[v]:
                i = pos[v]
            else:
                continue
            g[v] = ng
            flags[v] = OPEN | (k << 2)
            f = ng + hscale * _dist(r + DR[k], c + DC[k], gr, gc, conn8)
            # Sift up from slot i (a new last slot or a decreased key).
            i = np.uint64(i)
            while i > 0:
                p = (i - np.uint64(1)) >> np.uint64(1)
                pf = hf[p]
                pn = np.uint64(hn[p])
                if not f < pf:
                    break
                hf[i] = pf
                hn[i] = pn
                pos[pn] = i
                i = p
            hf[i] = f
            hn[i] = v
            pos[v] = i
    if goal < 0:
        return FOUND, 0, expanded
    return NOT_FOUND, 0, expanded


@njit(cache=True, nogil=True)
def trace(flags, cols, start, goal):
    """Follow parent directions from ``goal`` back to ``start``; (N, 2) int64 path start->goal."""
    off = DR * cols + DC
    count = 1
    v = goal
    while v != start:
        v -= off[(flags[v] >> 2) & 15]
        count += 1
    path = np.empty((count, 2), dtype=np.int64)
    v = goal
    for k in range(count - 1, -1, -1):
        r = v // cols
        path[k, 0] = r
        path[k, 1] = v - r * cols
        if k > 0:
            v -= off[(flags[v] >> 2) & 15]
    return path


@njit(cache=True, nogil=True)
def clear(flags, cols, start, stack):
    """Zero the flags one search wrote, in time proportional to the cells it touched.

    Every touched cell (flag non-zero) was reached from an expanded neighbour, so the touched
    cells form one 8-connected region holding ``start``; a flood fill over non-zero flags
    from ``start`` finds them all and nothing else (all other flags are zero).

    Parameters
    ----------
    flags : uint8[:]
        The search's flags; all zero on return.
    cols : int
        Grid width.
    start : int
        Flat index the search started from.
    stack : int32[:]
        Scratch of at least ``flags.size`` slots (the search's ``pos``, free once it is over).
    """
    if flags[start] == 0:
        return
    rows = flags.size // cols
    flags[start] = 0
    stack[0] = start
    top = 1
    while top > 0:
        top -= 1
        u = stack[top]
        r = u // cols
        c = u - r * cols
        for rr in range(max(r - 1, 0), min(r + 2, rows)):
            for cc in range(max(c - 1, 0), min(c + 2, cols)):
                v = rr * cols + cc
                if flags[v] != 0:
                    flags[v] = 0
                    stack[top] = v
                    top += 1
