"""Compiled kernels for :func:`rover.planners.taut` (private): the shortest path through
the cells an any-angle path crosses, by the funnel algorithm.

A polyline between cell centres crosses a chain of cells, each sharing an edge with the
next (the *channel*). The Euclidean shortest path from the first centre to the last that
stays inside the channel turns only at ends of the shared edges (the *portals*); the
funnel algorithm finds it in one pass (Lee & Preparata 1984; here in the form of
Mononen's "simple stupid funnel", Recast/Detour 2010). A portal's ends are grid corners,
and a segment through a corner touches the cells around it, blocked ones included; so
each portal is shortened by :data:`INSET` cells at both ends, and the path keeps that far
from every corner: its segments touch only channel cells (clear), and it is longer than
the channel's true shortest path by at most about ``2 * INSET`` per turn.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__: list[str] = []

INSET = 0.05
"""How far [cells] the path keeps from a portal's ends (grid corners). Not 0: a rover that
follows the path stops at each vertex and turns, and the drive's guard checks the straight
braking line past it, which from a vertex on a corner would touch the blocked cell there
(with an inset of 1e-6, Field D* on the flagship stopped at a corner until it ended
"stuck"; at 0.05 it reaches)."""


@njit(cache=True, nogil=True)
def channel_size(points):
    """An upper bound on the cells in the channel of ``points`` (N, 2) (row, col): per
    segment the row and column boundaries it crosses, plus the joins."""
    n = 1
    for k in range(points.shape[0] - 1):
        n += int(abs(points[k + 1, 0] - points[k, 0])) + 2
        n += int(abs(points[k + 1, 1] - points[k, 1])) + 2
    return n


@njit(inline="always")
def _side(x, d, leaving):
    """The index of the cell (centres at integers) that holds the coordinate ``x`` on the
    side a segment of direction ``d`` leaves ``x`` by (``leaving``) or reaches it from."""
    f = int(math.floor(x + 0.5))
    if f == x + 0.5:  # on the edge between cells f - 1 and f
        if d > 0.0:
            return f if leaving else f - 1
        if d < 0.0:
            return f - 1 if leaving else f
    return f


@njit(cache=True, nogil=True)
def channel(points, out):
    """The chain of cells, each sharing an edge with the next, that the clear polyline
    ``points`` (N, 2) float64 (row, col), cell centres at integers, crosses, into ``out``
    (at least :func:`channel_size` rows, 2) int64; returns the count, or -1 when the walk
    loses the line (the caller then keeps the polyline as it is). Where a segment passes
    through a grid corner it goes by the cell that shares the corner's row (a clear
    segment through a corner touches all four cells there, so that cell is passable);
    where a vertex lies on a cell edge or corner, the cells on either side are joined the
    same way."""
    n = 0
    for k in range(points.shape[0] - 1):
        r0 = points[k, 0]
        c0 = points[k, 1]
        dr = points[k + 1, 0] - r0
        dc = points[k + 1, 1] - c0
        if dr == 0.0 and dc == 0.0:
            continue
        r = _side(r0, dr, True)
        c = _side(c0, dc, True)
        r1 = _side(points[k + 1, 0], dr, False)
        c1 = _side(points[k + 1, 1], dc, False)
        if n > 0:
            # join the previous segment's last cell to this one's first
            pr = out[n - 1, 0]
            pc = out[n - 1, 1]
            if abs(r - pr) > 1 or abs(c - pc) > 1:
                return -1
            if r != pr and c != pc:
                out[n, 0] = r
                out[n, 1] = pc
                n += 1
            if r != pr or c != pc:
                out[n, 0] = r
                out[n, 1] = c
                n += 1
        else:
            out[0, 0] = r
            out[0, 1] = c
            n = 1
        sr = 1 if dr > 0.0 else (-1 if dr < 0.0 else 0)
        sc = 1 if dc > 0.0 else (-1 if dc < 0.0 else 0)
        steps = abs(r1 - r) + abs(c1 - c)
        while r != r1 or c != c1:
            if steps < 0:
                return -1
            steps -= 1
            if sr == 0 or r == r1:
                c += sc
            elif sc == 0 or c == c1:
                r += sr
            else:
                # The line's parameter at the next row boundary and at the next column
                # boundary, both times |dr| |dc| (exact with vertices at cell centres).
                a = ((r + 0.5 * sr) - r0) * sr * abs(dc)
                b = ((c + 0.5 * sc) - c0) * sc * abs(dr)
                if a == b:
                    r += sr  # through the corner: by the row neighbour, then across
                    out[n, 0] = r
                    out[n, 1] = c
                    n += 1
                    c += sc
                    steps -= 1
                elif a < b:
                    r += sr
                else:
                    c += sc
            out[n, 0] = r
            out[n, 1] = c
            n += 1
    return n


@njit(inline="always")
def _tri(ax, ay, bx, by, cx, cy):
    """Twice the signed area of the triangle (a, b, c)."""
    return (cx - ax) * (by - ay) - (bx - ax) * (cy - ay)


@njit(cache=True, nogil=True)
def funnel(cells, n, start, goal, inset, out):
    """The shortest path from ``start`` to ``goal`` ((row, col) float64, in ``cells[0]``
    and ``cells[n - 1]``) through the chain ``cells[:n]`` (int64 (row, col)), each portal
    shortened by ``inset`` cells (< 0.5) at both ends, into ``out`` (at least n + 1 rows,
    2) float64 (row, col); returns the number of vertices."""
    m = n + 1  # portals: the start, the n - 1 shared edges, the goal
    lx = np.empty(m)
    ly = np.empty(m)
    rx = np.empty(m)
    ry = np.empty(m)
    # x is the column, y the row.
    lx[0] = rx[0] = start[1]
    ly[0] = ry[0] = start[0]
    half = 0.5 - inset
    for i in range(n - 1):
        dr = cells[i + 1, 0] - cells[i, 0]
        dc = cells[i + 1, 1] - cells[i, 1]
        ex = cells[i, 1] + 0.5 * dc
        ey = cells[i, 0] + 0.5 * dr
        # (-dr, dc) is perpendicular to the step (dc, dr) in (x, y)
        lx[i + 1] = ex - half * dr
        ly[i + 1] = ey + half * dc
        rx[i + 1] = ex + half * dr
        ry[i + 1] = ey - half * dc
    lx[m - 1] = rx[m - 1] = goal[1]
    ly[m - 1] = ry[m - 1] = goal[0]
    ax = lx[0]
    ay = ly[0]
    plx = ax
    ply = ay
    prx = ax
    pry = ay
    li = 0
    ri = 0
    out[0, 0] = ay
    out[0, 1] = ax
    k = 1
    i = 1
    while i < m:
        j = -1  # the portal whose end becomes the next vertex, if any
        nx = ny = 0.0
        # the right side of the funnel
        if _tri(ax, ay, prx, pry, rx[i], ry[i]) <= 0.0:
            if (ax == prx and ay == pry) or _tri(ax, ay, plx, ply, rx[i], ry[i]) > 0.0:
                prx = rx[i]
                pry = ry[i]
                ri = i
            else:  # it crossed the left side: the left end is a vertex of the path
                j = li
                nx = plx
                ny = ply
        # the left side of the funnel
        if j < 0 and _tri(ax, ay, plx, ply, lx[i], ly[i]) >= 0.0:
            if (ax == plx and ay == ply) or _tri(ax, ay, prx, pry, lx[i], ly[i]) < 0.0:
                plx = lx[i]
                ply = ly[i]
                li = i
            else:  # it crossed the right side: the right end is a vertex of the path
                j = ri
                nx = prx
                ny = pry
        if j < 0:
            i += 1
            continue
        ax = nx
        ay = ny
        out[k, 0] = ay
        out[k, 1] = ax
        k += 1
        prx = plx = ax
        pry = ply = ay
        li = ri = j
        i = j + 1
    gx = lx[m - 1]
    gy = ly[m - 1]
    if out[k - 1, 0] != gy or out[k - 1, 1] != gx:
        out[k, 0] = gy
        out[k, 1] = gx
        k += 1
    return k
