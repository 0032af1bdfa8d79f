"""numba kernels for D* Lite (Koenig & Likhachev 2002, the optimised version) (private).

The search runs backwards from the goal: ``g[s]`` and ``rhs[s]`` estimate the cost from s to
the goal. Edges are symmetric (``c(u, v) == c(v, u)``), so a cell's predecessors are its
successors: its passable neighbours, diagonals only when both cells beside them are passable.

The priority queue U is an indexed binary heap on flat arrays: keys ``hk1``, ``hk2``
(float64), nodes ``hn`` (int32) and each node's slot plus one in ``pos`` (int32, 0 when not
in U), giving O(log n) insert, update and removal.

Per-cell state starts as zeros: ``g`` and ``rhs`` store 0.0 for inf (see :data:`GOAL_ZERO`)
and ``pos`` stores slot + 1, so the caller allocates them with ``np.zeros`` and a page
costs nothing until a search first touches it. Filling them with inf and -1 touched the
whole grid before the first expansion: on a 2048 x 2048 grid 80 MB, up to 100 ms or more
of page faults on this machine, where a replan touches a few pages.

The caller owns every array; kernels return ``GROW`` before the heap could overflow so the
caller can enlarge it and call again.

Kernels return status codes and never raise.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from rover.planners._astar_kernels import DC, DR, HALF_STEP, NEED, SQRT2, _rc

DONE = 0
GROW = 2
NOT_FOUND = 1
BROKEN = 3  # path extraction found no descent: the state is inconsistent (a bug)
PAUSED = 4  # compute reached a limit it was given; U still holds every inconsistent vertex
UNSURE = 0  # separated(): neither side's component fits in the budget
SEPARATED = 1  # separated(): no path joins the two cells
JOINED = 2  # separated(): a path joins them

KEY_RTOL = 5e-10
"""Relative width of the band below the start's first key component where the search stops.

Three rules keep ComputeShortestPath from flooding plateaus of (nearly) equal keys, which on
uniform ground hold every cell between the goal and the start, while staying correct in
floating point:

1. Ties toward the start. The caller inflates the heuristic by a relative ``TIE_EPS``, as
   A* does (see :mod:`._astar_kernels`): of two overconsistent vertices with equal ``g + h`` in real
   arithmetic, the one nearer the start has the smaller key, so the search runs straight to
   the start instead of widening across the plateau. (The second key component, ``-rhs``,
   only orders exact ties the same way.)
2. Stop in the band. The search stops once the start is not underconsistent and the least
   first component is ``>= k1(start) - KEY_RTOL * rhs(start) - KEY_NOISE * k1(start)``,
   with ``k1(start) = rhs(start) + km``. If the start's value were too high by more than
   the band, an overconsistent vertex on its true shortest path would have a key below the
   band (its first component is at most the true value plus the inflation) and be
   expanded first; so a plan costs at most a relative KEY_RTOL + TIE_EPS (6e-10) over the
   optimum, plus 1e-14 of ``km`` (the heuristic distance moved since the last re-key).
3. Raises first. A value that is too *low* comes from an underconsistent vertex u that the
   start's value steps through, and then ``k1(u) <= k1(start)`` up to rounding and the
   inflation (TIE_EPS is a fifth of KEY_RTOL). Underconsistent keys are therefore scaled by
   ``UNDER = 1 - 2 KEY_RTOL``, which puts every such u strictly below the band: it is always
   raised before the search stops. Expanding a vertex early never breaks D* Lite's
   invariants (rhs is the one-step minimum, U holds the inconsistent vertices); it is only
   work.

The rounding absorbed is a few ulps of ``k1``: the start's and the top's first components
share the same ``km``, so only the final additions round differently.
"""

TIE_EPS = 1e-10
"""The caller multiplies the heuristic's scale by ``1 + TIE_EPS`` (rule 1 above)."""
KEY_NOISE = 1e-14
"""Rounding allowance of the band relative to the whole first key component (``km`` grows
with the distance driven and can dwarf the start's value; a band relative to ``rhs + km``
would let replans near the goal stop that far from optimal)."""
UNDER = 1.0 - 2.0 * KEY_RTOL

IMPROVE_RTOL = 1e-14
"""A relaxation lowers a neighbour's rhs only when it improves it by more than this relative
amount. Adding the same steps in another order changes a sum in its last bits; accepting
such "improvements" re-opened cells already expanded and spread one-ulp changes across whole
plateaus (a first plan on a uniform 2048 x 2048 grid expanded 15 times the cells). 1e-14 is
far above one addition's rounding, and skipped improvements add up to at most about 1e-14
per step of a path (1e-10 at 10,000 steps). Since a skipped relaxation leaves rhs slightly
*above* the term it skipped, the tests for "this neighbour's rhs came through u" are
``rhs >= c + g_old`` rather than ``==``."""
SHRINK = 1.0 - IMPROVE_RTOL

GOAL_ZERO = -1e-300
"""What the goal's own g and rhs (0) are stored as, since a stored 0.0 means inf. Every
other value, and every key but the goal's own when the start is the goal (which
``DStarLite.plan`` answers without a search), is a sum that includes a step cost of at
least 1: adding this to it gives the same float as adding 0, so kernels use it as they
read it. It is a normal number, not a subnormal: a library built with -ffast-math can set
the CPU to read subnormals as zero for the whole process, and the goal would then have no
value (a test sets those flags)."""


@njit(inline="always")
def _unset(v):
    """Whether a stored g or rhs ``v`` stands for inf (stored as 0.0)."""
    return v == 0.0


@njit(inline="always")
def _h(a, b, cols, conn8, scale):
    """Heuristic between flat cells a and b: scale x octile (or Manhattan) distance."""
    ar = a // cols
    br = b // cols
    dr = ar - br
    if dr < 0:
        dr = -dr
    dc = (a - ar * cols) - (b - br * cols)
    if dc < 0:
        dc = -dc
    if conn8:
        if dr < dc:
            return scale * (dc + (SQRT2 - 1.0) * dr)
        return scale * (dr + (SQRT2 - 1.0) * dc)
    return scale * (dr + dc)


@njit(inline="always")
def _hrc(ar, ac, br, bc, conn8, scale):
    """Heuristic between (ar, ac) and (br, bc)."""
    dr = ar - br
    if dr < 0:
        dr = -dr
    dc = ac - bc
    if dc < 0:
        dc = -dc
    if conn8:
        if dr < dc:
            return scale * (dc + (SQRT2 - 1.0) * dr)
        return scale * (dr + (SQRT2 - 1.0) * dc)
    return scale * (dr + dc)


@njit(inline="always")
def _mask(cost, u, r, c, cols, last_row, last_col):
    """Bits 1, 2, 4, 8: the cell above, below, left, right of u (row r, col c) is on the
    grid and passable; a move in direction k is allowed when ``mask & NEED[k] == NEED[k]``
    and its target is passable (no corner cutting)."""
    mask = 0
    if r > 0 and cost[u - cols] < np.inf:
        mask |= 1
    if r < last_row and cost[u + cols] < np.inf:
        mask |= 2
    if c > 0 and cost[u - 1] < np.inf:
        mask |= 4
    if c < last_col and cost[u + 1] < np.inf:
        mask |= 8
    return mask


@njit(inline="always")
def _best_rhs(cost, g, s, r, c, cols, last_row, last_col, ndir, off):
    """min over successors s' of c(s, s') + g(s') for s at (r, c) (inf when s is blocked)."""
    cs = cost[s]
    mask = _mask(cost, s, r, c, cols, last_row, last_col)
    best = np.inf
    for k in range(ndir):
        need = NEED[k]
        if (mask & need) != need:
            continue
        v = s + off[k]
        cv = cost[v]
        gv = g[v]
        if cv == np.inf or _unset(gv):  # blocked, or no value yet (inf)
            continue
        val = (cs + cv) * HALF_STEP[k] + gv
        if val < best:
            best = val
    return best


@njit(inline="always")
def _less(a1, a2, b1, b2):
    return a1 < b1 or (a1 == b1 and a2 < b2)


@njit(inline="always")
def _key(gv, rv, hv, km):
    """Key of an inconsistent vertex with g ``gv``, rhs ``rv`` and heuristic ``hv``."""
    if gv < rv:  # underconsistent: before every overconsistent vertex of the stopping band
        return (gv + hv + km) * UNDER, -np.inf
    return rv + hv + km, -rv  # overconsistent: ties go to the larger value (nearer the start)


@njit
def _down(hk1, hk2, hn, pos, i, size):
    n = hn[i]
    k1 = hk1[i]
    k2 = hk2[i]
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        right = child + 1
        if right < size and _less(hk1[right], hk2[right], hk1[child], hk2[child]):
            child = right
        if not _less(hk1[child], hk2[child], k1, k2):
            break
        cn = hn[child]
        hk1[i] = hk1[child]
        hk2[i] = hk2[child]
        hn[i] = cn
        pos[cn] = i + 1
        i = child
    hk1[i] = k1
    hk2[i] = k2
    hn[i] = n
    pos[n] = i + 1


@njit
def _remove(hk1, hk2, hn, pos, node, size):
    """Remove `node` from U; returns the new size."""
    i = pos[node] - 1
    pos[node] = 0
    size -= 1
    if i != size:
        hk1[i] = hk1[size]
        hk2[i] = hk2[size]
        hn[i] = hn[size]
        pos[hn[i]] = i + 1
        p = (i - 1) >> 1
        if i > 0 and _less(hk1[i], hk2[i], hk1[p], hk2[p]):
            _up_from(hk1, hk2, hn, pos, i, hk1[i], hk2[i], hn[i])
        else:
            _down(hk1, hk2, hn, pos, i, size)
    return size


@njit(inline="always")
def _pop_root(hk1, hk2, hn, pos, size):
    """Take the root out of U (its node's ``pos`` already cleared) and return the new size:
    the last slot's node sifted down from the root bottom-up, with a branch-free child choice
    and unsigned indices (see :func:`rover.planners._astar_kernels.search` for why each of
    these matters). The expansion's pop of D* Lite and of Field D*."""
    size -= 1
    if size > 0:
        x = np.uint64(hn[size])
        x1 = hk1[size]
        x2 = hk2[size]
        usize = np.uint64(size)
        one = np.uint64(1)
        i = np.uint64(0)
        while True:
            ch = i + i + one
            if ch >= usize:
                break
            rt = ch + one
            if rt < usize:
                a1 = hk1[rt]
                b1 = hk1[ch]
                ch += np.uint64((a1 < b1) | ((a1 == b1) & (hk2[rt] < hk2[ch])))
            cn = np.uint64(hn[ch])
            hk1[i] = hk1[ch]
            hk2[i] = hk2[ch]
            hn[i] = cn
            pos[cn] = i + one
            i = ch
        _up_from(hk1, hk2, hn, pos, i, x1, x2, x)
    return size


@njit(inline="always")
def _up_from(hk1, hk2, hn, pos, i, k1, k2, node):
    """Put ``node`` with key (k1, k2) in slot ``i`` (free) or above it, where the heap
    order wants it; unsigned indices."""
    one = np.uint64(1)
    i = np.uint64(i)
    while i > 0:
        p = (i - one) >> one
        if not _less(k1, k2, hk1[p], hk2[p]):
            break
        pn = np.uint64(hn[p])
        hk1[i] = hk1[p]
        hk2[i] = hk2[p]
        hn[i] = pn
        pos[pn] = i + one
        i = p
    hk1[i] = k1
    hk2[i] = k2
    hn[i] = node
    pos[np.uint64(node)] = i + one


@njit(inline="always")
def _ld(a, i):
    """g or rhs of vertex i as a number (a stored 0.0 is inf)."""
    v = a[i]
    return np.inf if _unset(v) else v


@njit(inline="always")
def _queue(hk1, hk2, hn, pos, u, k1, k2, size):
    """Give vertex u the key (k1, k2) in the heap: re-key it where it is, or insert it.
    Returns the new heap size. (UpdateVertex's heap step, for D* Lite and Field D*.)"""
    i = np.int64(pos[u]) - 1
    if i < 0:
        i = size
        size += 1
    elif not _less(k1, k2, hk1[i], hk2[i]):
        hk1[i] = k1
        hk2[i] = k2
        _down(hk1, hk2, hn, pos, i, size)
        return size
    _up_from(hk1, hk2, hn, pos, i, k1, k2, u)
    return size


@njit(inline="always")
def _st(a, i, v):
    """Store g or rhs ``v`` of vertex i (inf as 0.0); never the goal's 0 (see GOAL_ZERO)."""
    a[i] = 0.0 if v == np.inf else v


@njit(inline="always")
def _update_vertex(u, r, c, g, rhs, pos, hk1, hk2, hn, size, st_r, st_c, km, conn8, scale):
    """UpdateVertex(u) for u at (r, c), the start at (st_r, st_c): put u in U with its key
    if inconsistent, else take it out. Returns the new heap size."""
    gu = _ld(g, u)
    ru = _ld(rhs, u)
    if gu != ru:
        k1, k2 = _key(gu, ru, _hrc(st_r, st_c, r, c, conn8, scale), km)
        size = _queue(hk1, hk2, hn, pos, u, k1, k2, size)
    elif pos[u] > 0:
        size = _remove(hk1, hk2, hn, pos, u, size)
    return size


@njit(inline="always")
def _widen(touched, r, c):
    """Grow the box ``touched`` (row min, row max, col min, col max) to hold (r, c)."""
    if r < touched[0]:
        touched[0] = r
    if r > touched[1]:
        touched[1] = r
    if c < touched[2]:
        touched[2] = c
    if c > touched[3]:
        touched[3] = c


@njit(cache=True, nogil=True)
def compute(cost, cols, conn8, scale, g, rhs, pos, hk1, hk2, hn, size, start, goal, km,
            limit, limit_expanded, touched, track):
    """ComputeShortestPath(). Returns (status, size, expanded, raised): ``raised`` counts
    the underconsistent expansions (values raised to inf), which are among ``expanded``.
    Every expansion changes its vertex's g, so with ``track`` each widens ``touched``, the
    (row min, row max, col min, col max) box that :func:`extract` reads (int64, shape (4,));
    without a kept path to reuse (a first plan) there is nothing to track.
    Status GROW means enlarge the heap arrays (keeping the first ``size`` slots) and call
    again; PAUSED means ``limit`` values were raised, or ``limit_expanded`` vertices
    expanded, and the search is not finished: call again to go on.
    Both stop only between expansions, where D* Lite's invariants hold (U holds exactly the
    inconsistent vertices), so a later call resumes as if never stopped, even after
    updates and moves in between.

    The overconsistent branch (every expansion of a first plan) is written inline with
    coordinates carried along: helper calls and integer divisions dominate otherwise.
    """
    rows = cost.size // cols
    last_row = rows - 1
    last_col = cols - 1
    ndir = 8 if conn8 else 4
    cap = hn.size
    inv_cols = 1.0 / cols
    inf = np.inf
    st_r, st_c = _rc(start, cols, inv_cols)
    ugoal = np.uint64(goal)
    off = DR * cols + DC
    expanded = 0
    raised = 0
    while size > 0:
        if size + 2 * ndir + 2 > cap:
            return GROW, size, expanded, raised
        tk1 = hk1[0]
        tk2 = hk2[0]
        # Stop once the start is not underconsistent and the top's first key component is
        # within the band below the start's (see KEY_RTOL).
        rs = _ld(rhs, start)
        if not rs > _ld(g, start):
            if rs < inf:
                lim = rs + km
                if not tk1 < lim - KEY_RTOL * rs - KEY_NOISE * lim:
                    break
        if raised >= limit or expanded >= limit_expanded:
            return PAUSED, size, expanded, raised
        u = hn[0]
        uu = np.uint64(u)
        gu = _ld(g, uu)
        ru = _ld(rhs, uu)
        r, c = _rc(u, cols, inv_cols)
        nk1, nk2 = _key(gu, ru, _hrc(st_r, st_c, r, c, conn8, scale), km)
        if _less(tk1, tk2, nk1, nk2):
            hk1[0] = nk1
            hk2[0] = nk2
            _down(hk1, hk2, hn, pos, 0, size)
            continue
        expanded += 1
        if track:
            _widen(touched, r, c)
        if gu > ru:
            g[uu] = ru
            # Pop the root (u): bottom-up, branch-free child choice, unsigned indices (see
            # _astar_kernels.search for why each of these matters).
            pos[u] = 0
            size = _pop_root(hk1, hk2, hn, pos, size)
            cu = cost[uu]
            if cu == inf:
                continue
            mask = _mask(cost, u, r, c, cols, last_row, last_col)
            for k in range(ndir):
                need = NEED[k]
                if (mask & need) != need:
                    continue
                s = np.uint64(u + off[k])
                cs = cost[s]
                if cs == inf or s == ugoal:
                    continue
                nr = (cs + cu) * HALF_STEP[k] + ru
                rs = rhs[s]
                if not _unset(rs) and not nr < rs * SHRINK:  # (inf: any value improves)
                    continue
                rhs[s] = nr
                # UpdateVertex(s), inline.
                gs = _ld(g, s)
                if gs == nr:
                    if pos[s] > 0:
                        size = _remove(hk1, hk2, hn, pos, s, size)
                    continue
                k1, ms_ = _key(gs, nr, _hrc(st_r, st_c, r + DR[k], c + DC[k], conn8, scale), km)
                # (_queue written out: through the inlined _queue the first plan ran ~5% slower)
                i = pos[s] - 1
                if i < 0:
                    i = size
                    size += 1
                elif not _less(k1, ms_, hk1[i], hk2[i]):
                    hk1[i] = k1
                    hk2[i] = ms_
                    _down(hk1, hk2, hn, pos, i, size)
                    continue
                _up_from(hk1, hk2, hn, pos, i, k1, ms_, s)
        else:
            # Underconsistent: raise g to inf and repair the predecessors whose rhs came
            # through u (coordinates carried, as in the branch above).
            raised += 1
            g_old = gu
            g[uu] = 0.0  # inf
            cu = cost[uu]
            if cu < inf:
                mask = _mask(cost, u, r, c, cols, last_row, last_col)
                for k in range(ndir):
                    need = NEED[k]
                    if (mask & need) != need:
                        continue
                    s = u + off[k]
                    cs = cost[s]
                    if cs == inf or s == goal:
                        continue
                    if _ld(rhs, s) >= (cu + cs) * HALF_STEP[k] + g_old:
                        sr = r + DR[k]
                        sc = c + DC[k]
                        _st(rhs, s, _best_rhs(cost, g, s, sr, sc, cols, last_row, last_col,
                                              ndir, off))
                        size = _update_vertex(s, sr, sc, g, rhs, pos, hk1, hk2, hn, size,
                                              st_r, st_c, km, conn8, scale)
            size = _update_vertex(u, r, c, g, rhs, pos, hk1, hk2, hn, size, st_r, st_c, km,
                                  conn8, scale)
    return DONE, size, expanded, raised


@njit(inline="always")
def _flood(cost, cols, src, dst, budget, mark, seen, box):
    """One side of :func:`separated`: flood from ``src`` by straight steps, marking cells.
    Returns (verdict, cells marked); breadth-first with the marked cells listed in ``seen``
    when ``box < 0``, else depth-first with ``seen`` as the stack, and UNSURE on a step more
    than ``box`` cells (Chebyshev) from ``src``."""
    last_row = cost.size // cols - 1
    last_col = cols - 1
    off = DR * cols + DC
    deep = box >= 0
    sr = src // cols
    sc = src - sr * cols
    seen[0] = src
    mark[src] = 1
    count = 1
    head = 0  # breadth-first: the next cell to take; depth-first: the stack's height
    if deep:
        head = 1
    while (head > 0) if deep else (head < count):
        if deep:
            head -= 1
            u = seen[head]
        else:
            u = seen[head]
            head += 1
        r = u // cols
        c = u - r * cols
        mask = _mask(cost, u, r, c, cols, last_row, last_col)
        for k in range(4):
            if (mask & NEED[k]) == 0:  # a straight step: its own bit is its target
                continue
            v = u + off[k]
            if mark[v] != 0:
                continue
            if v == dst:
                return JOINED, count
            if count == budget or (deep and (abs(r + DR[k] - sr) > box
                                             or abs(c + DC[k] - sc) > box)):
                return UNSURE, count
            mark[v] = 1
            if deep:
                seen[head] = v
                head += 1
            else:
                seen[count] = v
            count += 1
    return SEPARATED, count


@njit(cache=True, nogil=True)
def separated(cost, cols, a, b, budget, mark, seen, box):
    """Whether passable cells ``a`` and ``b`` are joined under the planner's move rule, found
    by a flood that gives up past ``budget`` cells: SEPARATED when a flooded side's whole
    component fits in the budget and does not hold the other, JOINED when a flood reaches
    the other, UNSURE otherwise.

    With ``box < 0`` it floods breadth-first from each end in turn. With ``box >= 0`` it
    floods from ``a`` only, depth-first, and gives up (UNSURE) as soon as it steps more than
    ``box`` cells (Chebyshev) from ``a``: a rover walled in nearby is found whole, and one
    that is not escapes the box within a few dozen cells, mostly along one straight run.

    The flood takes straight steps only, for 8- and 4-connected planners alike: without
    corner cutting a diagonal step needs both cells beside it passable, so it joins nothing
    that two straight steps do not.

    Costs O(budget), plus O(box ** 2) to clear the box, whatever the grid's size: it lets
    D* Lite answer "unreachable" for a rover or goal walled into a pocket without raising
    every value the wall cut off (see ``DStarLite.plan``). ``mark`` is a zeroed uint8 scratch array (left zeroed), ``seen``
    int64 scratch of at least ``budget`` entries.
    """
    if a == b:
        return JOINED
    if box >= 0:
        verdict, _ = _flood(cost, cols, a, b, budget, mark, seen, box)
        # Every marked cell lies in the box (the stack forgot them): clear the box.
        rows = cost.size // cols
        ar = a // cols
        ac = a - ar * cols
        for r in range(max(ar - box, 0), min(ar + box, rows - 1) + 1):
            for c in range(max(ac - box, 0), min(ac + box, cols - 1) + 1):
                mark[r * cols + c] = 0
        return verdict
    verdict = UNSURE
    for side in range(2):
        src = a if side == 0 else b
        dst = b if side == 0 else a
        verdict, count = _flood(cost, cols, src, dst, budget, mark, seen, box)
        for i in range(count):
            mark[seen[i]] = 0
        if verdict != UNSURE:
            return verdict
    return verdict


@njit(cache=True, nogil=True)
def update(cost, cols, conn8, scale, g, rhs, pos, hk1, hk2, hn, size, start, goal, km,
           cells, values, mark, near, touched):
    """Set ``cost[cells] = values`` (distinct cells whose value changes) and repair rhs and U.

    A cell's cost enters every edge touching it and, with no corner cutting, the diagonal
    edges between its straight neighbours that pass beside it: every endpoint of such an
    edge is the cell or one of its 8 neighbours, so those are the only vertices whose rhs
    (the one-step minimum over their edges) can change. Each is recomputed once, whatever
    the number of changed cells around it; a vertex whose rhs comes out unchanged keeps its
    consistency and its place in U. (Recomputing may also take up an improvement smaller
    than IMPROVE_RTOL that a relaxation skipped: that queues the vertex once, and its
    expansion passes on no such improvement.) One recomputation per vertex takes half the
    time of comparing each edge's old and new cost, which needed the old costs tabled.
    ``mark`` is a zeroed uint8 scratch array (left zeroed). The heap must have room for
    ``min(9 * len(cells), cells in the grid - size)`` more entries. Returns the new heap
    size, whether a cell became blocked within ``near`` cells (Chebyshev) of the start, and
    whether a blocked cell became passable (the only change that can join two parts). Each
    changed cell widens ``touched`` (see :func:`compute`).
    """
    rows = cost.size // cols
    last_row = rows - 1
    last_col = cols - 1
    ndir = 8 if conn8 else 4
    off = DR * cols + DC
    st_r = start // cols
    st_c = start - st_r * cols
    nc = cells.size
    most = min(9 * nc, cost.size)  # each affected vertex is listed once
    aff = np.empty(most, dtype=np.int64)
    ar = np.empty(most, dtype=np.int64)
    ac = np.empty(most, dtype=np.int64)
    na = 0
    walled = False
    opened = False
    for j in range(nc):
        x = cells[j]
        if cost[x] == np.inf and values[j] < np.inf:
            opened = True
        cost[x] = values[j]
        xr = x // cols
        xc = x - xr * cols
        _widen(touched, xr, xc)
        if values[j] == np.inf and abs(xr - st_r) <= near and abs(xc - st_c) <= near:
            walled = True
        for dr in range(-1, 2):
            r = xr + dr
            if r < 0 or r >= rows:
                continue
            for dc in range(-1, 2):
                c = xc + dc
                if c < 0 or c >= cols:
                    continue
                y = r * cols + c
                if mark[y] == 0:
                    mark[y] = 1
                    aff[na] = y
                    ar[na] = r
                    ac[na] = c
                    na += 1
    for i in range(na):
        u = aff[i]
        mark[u] = 0
        if u == goal:
            continue
        r = ar[i]
        c = ac[i]
        best = _best_rhs(cost, g, u, r, c, cols, last_row, last_col, ndir, off)
        if best != _ld(rhs, u):  # unchanged rhs: consistency and queue membership too
            _st(rhs, u, best)
            size = _update_vertex(u, r, c, g, rhs, pos, hk1, hk2, hn, size, st_r, st_c, km,
                                  conn8, scale)
    return size, walled, opened


@njit(cache=True, nogil=True)
def rekey(cols, conn8, scale, g, rhs, pos, hk1, hk2, hn, size, start):
    """Recompute every key in U for a new heuristic scale (km restarts at 0) and re-heapify."""
    for i in range(size):
        u = hn[i]
        hk1[i], hk2[i] = _key(_ld(g, u), _ld(rhs, u), _h(start, u, cols, conn8, scale), 0.0)
    for i in range(size // 2 - 1, -1, -1):
        _down(hk1, hk2, hn, pos, i, size)
    for i in range(size):
        pos[hn[i]] = i + 1


@njit
def _descend(cost, g, s, r, c, cols, last_row, last_col, ndir, off):
    """The steepest-descent step from s at (r, c): (direction, edge cost), direction -1 if
    none. Among equal values the first direction in ``DR``/``DC`` order wins."""
    cs = cost[s]
    mask = _mask(cost, s, r, c, cols, last_row, last_col)
    best = np.inf
    bk = -1
    bc = 0.0
    for k in range(ndir):
        need = NEED[k]
        if (mask & need) != need:
            continue
        cv = cost[s + off[k]]
        gv = g[s + off[k]]
        if cv == np.inf or _unset(gv):  # blocked, or no value (inf)
            continue
        e = (cs + cv) * HALF_STEP[k]
        val = e + gv
        if val < best:
            best = val
            bk = k
            bc = e
    return bk, bc


UNTOUCHED = 1 << 40
"""Row and column bound of an empty ``touched`` box: (UNTOUCHED, -1, UNTOUCHED, -1)."""


@njit(cache=True, nogil=True)
def extract(cost, cols, conn8, g, rhs, start, goal, rev, ecost, plen, pidx, touched, walk,
            wcost):
    """Follow the steepest descent of c(s, s') + g(s') from start to goal, reusing the end of
    the last path where nothing it was read from has changed.

    A descent step from s reads the costs and values of s and its 8 neighbours only. The
    last path is kept goal first: ``rev[k]`` = (flat cell, row, col) of its k-th cell from
    the goal (int64, shape (cap, 3)), ``ecost[k]`` the cost of the step from it to
    ``rev[k - 1]`` (float64, shape (cap,)), ``plen`` cells in all (0: none), and
    ``pidx[cell]`` its index in ``rev`` (a per-cell int array, trusted only where ``rev``
    agrees). ``touched`` (int64, shape (4,)) bounds the rows and columns of every cell
    whose cost or value changed since that path was read (:func:`compute` and :func:`update`
    widen it). The steps of the path's cells from the goal up to its first cell within one
    cell of that box would come out the same, so the descent from the start stops on
    reaching any of them and the rest is copied. The result equals a descent all the way,
    bit for bit (the cost is summed in the same order); on uniform ground after sensing near
    the rover it re-reads a few dozen cells instead of the whole path. ``walk`` (int64,
    shape (cap, 3)) and ``wcost`` (float64, shape (cap,)) are scratch.

    The start's own value is ``rhs[start]``: the optimised ComputeShortestPath may stop with
    the start overconsistent (g inf), which is enough for the descent.

    Returns (status, path length, path cost summed from the start, path): path (L, 2) int64
    (row, col) from start to goal. On DONE the new path replaces the kept one and
    ``touched`` is emptied. GROW means ``rev`` or ``walk`` filled up (nothing was changed):
    enlarge both, keeping ``rev``'s first ``plen`` rows, and call again.
    """
    n = cost.size
    last_row = n // cols - 1
    last_col = cols - 1
    ndir = 8 if conn8 else 4
    off = DR * cols + DC
    none = np.empty((0, 2), dtype=np.int64)
    if _unset(rhs[start]):  # inf
        return NOT_FOUND, 0, np.inf, none
    r0 = touched[0] - 1
    r1 = touched[1] + 1
    c0 = touched[2] - 1
    c1 = touched[3] + 1
    clean = 0  # rev[:clean] step as they did
    while clean < plen:
        r = rev[clean, 1]
        c = rev[clean, 2]
        if r0 <= r <= r1 and c0 <= c <= c1:
            break
        clean += 1
    cap = walk.shape[0]
    s = start
    r = start // cols
    c = start - r * cols
    count = 0
    total = 0.0
    j = 0  # where the walk joins the kept path (the goal is rev[0] whenever plen > 0)
    while s != goal:
        if plen > 0:
            k = pidx[s]
            if 0 <= k < clean and rev[k, 0] == s:
                j = k
                break
        if count == cap:
            return GROW, count, np.inf, none
        bk, bc = _descend(cost, g, s, r, c, cols, last_row, last_col, ndir, off)
        if bk < 0 or count >= n:
            return BROKEN, count, np.inf, none
        walk[count, 0] = s
        walk[count, 1] = r
        walk[count, 2] = c
        wcost[count] = bc
        count += 1
        total += bc
        s += off[bk]
        r += DR[bk]
        c += DC[bk]
    if s == goal:
        j = 0
    length = j + 1 + count
    if length > rev.shape[0]:
        return GROW, count, np.inf, none
    for k in range(j, 0, -1):
        total += ecost[k]
    if j == 0:  # the goal itself: the kept path may be empty
        rev[0, 0] = goal
        rev[0, 1] = goal // cols
        rev[0, 2] = goal - rev[0, 1] * cols
        pidx[goal] = 0
    path = np.empty((length, 2), dtype=np.int64)
    for m in range(count):
        k = length - 1 - m
        rev[k, 0] = walk[m, 0]
        rev[k, 1] = walk[m, 1]
        rev[k, 2] = walk[m, 2]
        ecost[k] = wcost[m]
        pidx[walk[m, 0]] = k
        path[m, 0] = walk[m, 1]
        path[m, 1] = walk[m, 2]
    for k in range(j, -1, -1):
        m = length - 1 - k
        path[m, 0] = rev[k, 1]
        path[m, 1] = rev[k, 2]
    touched[0] = UNTOUCHED
    touched[1] = -1
    touched[2] = UNTOUCHED
    touched[3] = -1
    return DONE, length, total, path
