"""numba kernel for MPGAA* (Hernández, Baier & Asín 2015) (private).

Multipath Generalized Adaptive A*: A* from the rover to a fixed goal that learns. After a
search that finds the goal at cost ``f*``, every expanded cell u learns the heuristic
``h(u) = f* - g(u)`` (Koenig & Likhachev's Adaptive A*), which stays admissible and
consistent while costs only rise; and the path found is kept as ``next`` pointers toward
the goal. A later search stops as soon as it selects a cell whose chain of ``next``
pointers still costs exactly what its heuristic says under the current costs: that
heuristic is then the cell's true distance (an admissible value equal to a real path's
cost), so the path through it is optimal.

State (caller-owned, per cell, all starting as zeros so that only the pages a search
reaches are touched):

- ``h`` (float64) learned heuristic and ``nxt`` (uint8, 0 none, else direction + 1),
  trusted only where ``hst`` (int32) equals ``epoch``; elsewhere h is ``scale`` x octile
  (or Manhattan) distance to the goal. A cost decrease makes learned values unsafe, so the
  caller starts a new epoch (every value forgotten at once).
- ``g`` (float64) and ``par`` (uint8 direction from the parent) of the current search,
  trusted where ``gst`` (int32) is ``2 sid`` (open) or ``2 sid + 1`` (closed).
- The heap (``hf`` keys, ``hn`` nodes, ``pos`` slot of each open node) and ``closed`` (the
  expanded cells, in order) hold up to one entry per cell.

Keys are ``g + (1 + TIE_EPS) h``: as in :mod:`._astar_kernels`, ties go to the cell nearer the
goal, and a plan costs at most a relative TIE_EPS over the optimum.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from rover.planners._astar_kernels import DC, DR, HALF_STEP, NEED
from rover.planners._dstar_lite_kernels import _hrc as _h0  # scale x octile distance between two cells
from rover.planners._dstar_lite_kernels import _mask

FOUND = 0
NOT_FOUND = 1
TIE_EPS = 1e-10


@njit(inline="always")
def _step(cost, u, r, c, k, cols, last_row, last_col):
    """Cost of the move in direction k (< ndir: pointers and parents are only ever set
    for such moves) from u at (r, c) under the current grid, inf when the move is not
    allowed (off the grid, blocked, a cut corner)."""
    cu = cost[u]
    if cu == np.inf:
        return np.inf
    need = NEED[k]
    if (_mask(cost, u, r, c, cols, last_row, last_col) & need) != need:
        return np.inf
    cv = cost[u + DR[k] * cols + DC[k]]
    if cv == np.inf:
        return np.inf
    return (cu + cv) * HALF_STEP[k]


@njit(inline="always")
def _sift_up(hf, hn, pos, i, f, v):
    """Put node v with key f in heap slot i (free) or above it, where the heap order wants
    it."""
    while i > 0:
        p = (i - 1) >> 1
        if not f < hf[p]:
            break
        hf[i] = hf[p]
        hn[i] = hn[p]
        pos[hn[i]] = i
        i = p
    hf[i] = f
    hn[i] = v
    pos[v] = i


@njit(cache=True, nogil=True)
def search(cost, cols, conn8, scale, start, goal, h, nxt, hst, epoch, g, par, gst, sid,
           hf, hn, pos, closed, steps):
    """One MPGAA* search from ``start``; learns and records its path on success.

    Parameters are the flat cost grid (float64, validated), its width, the connectivity,
    the heuristic scale (the least cost), flat ``start`` and ``goal`` cells, and the state
    described in the module docstring (``sid >= 1`` new for each search, ``epoch >= 1``);
    ``steps`` is float64 scratch with room for the longest path (a slot per cell).

    Returns (status, expanded, path, total): on FOUND ``path`` (L, 2) int64 (row, col) from
    start to goal and ``total`` its cost summed from the start (so the same path always
    costs the same, bit for bit); on NOT_FOUND an empty path.
    """
    n = cost.size
    rows = n // cols
    last_row = rows - 1
    last_col = cols - 1
    ndir = 8 if conn8 else 4
    off = DR * cols + DC
    gr = goal // cols
    gc = goal - gr * cols
    inf = np.inf
    tie = 1.0 + TIE_EPS
    s_open = np.int32(2 * sid)
    s_closed = np.int32(2 * sid + 1)
    sr = start // cols
    sc = start - sr * cols
    g[start] = 0.0
    gst[start] = s_open
    par[start] = 255
    h_s = h[start] if hst[start] == epoch else _h0(sr, sc, gr, gc, conn8, scale)
    hf[0] = tie * h_s
    hn[0] = start
    pos[start] = 0
    size = 1
    nclosed = 0
    found = -1
    while size > 0:
        u = hn[0]
        # Pop the root: bottom-up sift (see _astar_kernels.search).
        size -= 1
        if size > 0:
            x = hn[size]
            xf = hf[size]
            i = 0
            while True:
                child = 2 * i + 1
                if child >= size:
                    break
                right = child + 1
                if right < size and hf[right] < hf[child]:
                    child = right
                hf[i] = hf[child]
                hn[i] = hn[child]
                pos[hn[i]] = i
                i = child
            _sift_up(hf, hn, pos, i, xf, x)
        ur = u // cols
        uc = u - ur * cols
        # The goal condition: does u's chain of next pointers reach the goal, each step
        # costing exactly the drop in learned heuristic along it?
        s = u
        s_r = ur
        s_c = uc
        ntail = 0
        while s != goal:
            if hst[s] != epoch or nxt[s] == 0:
                break
            k = nxt[s] - 1
            e = _step(cost, s, s_r, s_c, k, cols, last_row, last_col)
            if e == inf:
                break
            t = s + off[k]
            t_r = s_r + DR[k]
            t_c = s_c + DC[k]
            h_t = h[t] if hst[t] == epoch else _h0(t_r, t_c, gr, gc, conn8, scale)
            if h[s] != e + h_t:
                break
            steps[ntail] = e
            ntail += 1
            s = t
            s_r = t_r
            s_c = t_c
        if s == goal:
            found = u
            break
        gst[u] = s_closed
        closed[nclosed] = u
        nclosed += 1
        gu = g[u]
        cu = cost[u]
        mask = _mask(cost, u, ur, uc, cols, last_row, last_col)
        for k in range(ndir):
            need = NEED[k]
            if (mask & need) != need:
                continue
            v = u + off[k]
            cv = cost[v]
            if cv == inf:
                continue
            st = gst[v]
            if st == s_closed:
                continue
            ng = gu + (cu + cv) * HALF_STEP[k]
            if st == s_open:
                if not ng < g[v]:
                    continue
                i = pos[v]
            else:
                i = size
                size += 1
            g[v] = ng
            gst[v] = s_open
            par[v] = k
            vr = ur + DR[k]
            vc = uc + DC[k]
            hv = h[v] if hst[v] == epoch else _h0(vr, vc, gr, gc, conn8, scale)
            _sift_up(hf, hn, pos, i, ng + tie * hv, v)
    if found < 0:
        return NOT_FOUND, nclosed, np.empty((0, 2), dtype=np.int64), inf
    # Learn: every expanded cell's distance is at least f* - g.
    fr = found // cols
    fc = found - fr * cols
    h_f = h[found] if hst[found] == epoch else _h0(fr, fc, gr, gc, conn8, scale)
    fstar = g[found] + h_f
    for j in range(nclosed):
        u = closed[j]
        h[u] = fstar - g[u]
        hst[u] = epoch
    # The new part of the path, start to `found`, by parent directions: count it, then
    # chain it backward (next pointers and the exact costs the goal condition reads).
    npre = 0
    u = found
    while u != start:
        u -= off[par[u]]
        npre += 1
    # The goal condition left the reused chain's step costs in steps[:ntail]: move them
    # after the new part's.
    for j in range(ntail - 1, -1, -1):
        steps[npre + j] = steps[j]
    path = np.empty((npre + ntail + 1, 2), dtype=np.int64)
    u = found
    ur = fr
    uc = fc
    for j in range(npre, 0, -1):
        k = par[u]
        p = u - off[k]
        pr = ur - DR[k]
        pc = uc - DC[k]
        e = _step(cost, p, pr, pc, k, cols, last_row, last_col)
        steps[j - 1] = e
        h_u = h[u] if hst[u] == epoch else _h0(ur, uc, gr, gc, conn8, scale)
        h[p] = e + h_u
        hst[p] = epoch
        nxt[p] = k + 1
        path[j, 0] = ur
        path[j, 1] = uc
        u = p
        ur = pr
        uc = pc
    path[0, 0] = sr
    path[0, 1] = sc
    s = found
    for j in range(npre + 1, npre + ntail + 1):
        k = nxt[s] - 1
        s += off[k]
        fr += DR[k]
        fc += DC[k]
        path[j, 0] = fr
        path[j, 1] = fc
    total = 0.0
    for j in range(npre + ntail):
        total += steps[j]
    return FOUND, nclosed + 1, path, total
