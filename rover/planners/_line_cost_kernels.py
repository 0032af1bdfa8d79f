"""numba kernels for the exact line-integral cost of segments on a cost grid (private).

Geometry: cell (r, c) is the closed square [r - 0.5, r + 0.5] x [c - 0.5, c + 0.5] in cell
units, so cell centres sit at integer coordinates. Inside the kernels coordinates are
shifted by +0.5 (``u = r + 0.5``, ``v = c + 0.5``): cell (i, j) is then [i, i + 1] x
[j, j + 1] and the grid lines are the integers.

The walk is Amanatides & Woo's ("A fast voxel traversal algorithm for ray tracing",
Eurographics 1987): from the cell the segment enters at its start, step to the next row or
column line, whichever the segment meets first. Which comes first is decided by comparing
cross products (``nu * |dv|`` against ``nv * |du|``) instead of two divided parameters, so
a segment through a lattice point (a corner shared by four cells) is seen as such whenever
the products are exact, which they are for points on a grid of multiples of a power of two
(cell centres in particular). At such a corner the segment touches the two cells beside
its way as well, and touching a blocked cell is not clear. A segment running exactly along
a grid line touches the cells on both sides and is charged the cheaper one (Field D*'s
rule, Ferguson & Stentz 2006). Cells outside the grid count as blocked, so a point on the
grid's outer border, or outside it, is not clear.

A segment's cost is ``length * sum((t1 - t0) * cost)`` over the pieces between crossings
(t the fraction of the segment); a step between neighbouring centres gives
``step * (0.5 * c0 + 0.5 * c1)``, bit-identical to the grid planners' ``step * (c0 + c1) / 2``
(halving is exact).

Kernels return values (``inf`` for not clear) and never raise.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

INF = np.inf


@njit(cache=True, nogil=True)
def _span(x):
    """The first and last cell index (shifted coordinate ``x``) whose closed interval
    [i, i + 1] holds ``x``: one cell, or two when ``x`` is on a grid line."""
    f = math.floor(x)
    lo = int(f)
    if f == x:
        return lo - 1, lo
    return lo, lo


@njit(cache=True, nogil=True)
def point_clear(cost, rows, cols, u, v):
    """True when every cell whose closed square holds the point (shifted coordinates
    ``u``, ``v``) is inside the grid and passable (one, two or four cells)."""
    if not (u >= 0.0 and v >= 0.0 and u <= rows and v <= cols):  # also NaN
        return False
    i0, i1 = _span(u)
    j0, j1 = _span(v)
    if i0 < 0 or j0 < 0 or i1 >= rows or j1 >= cols:
        return False
    for i in range(i0, i1 + 1):
        for j in range(j0, j1 + 1):
            if cost[i * cols + j] == INF:
                return False
    return True


@njit(cache=True, nogil=True)
def _start_cell(x, s):
    """The cell index the segment occupies just after its start along one axis (``s`` the
    sign of its direction; 0 when it runs along that axis' lines or parallel to them)."""
    f = math.floor(x)
    i = int(f)
    if s < 0 and f == x:
        return i - 1  # on a line, moving down: the cell below the line
    return i


@njit(cache=True, nogil=True)
def walk(cost, cols, u0, v0, u1, v1, limit):
    """Line-integral cost of the segment (u0, v0) -> (u1, v1) in shifted coordinates.

    The endpoints must already be known clear (:func:`point_clear`, or cell centres of
    passable cells): the segment then lies inside the grid and every cell it touches is in
    it. Returns ``inf`` when the segment touches a blocked cell or its cost exceeds
    ``limit`` (the walk stops there: Theta* asks only whether a parent beats a bound).

    Parameters
    ----------
    cost : float64[:]
        Flat cost grid (row-major), values >= 1 or inf.
    cols : int
        Grid width.
    u0, v0, u1, v1 : float
        Endpoints, shifted (row + 0.5, col + 0.5) [cells].
    limit : float
        Stop and return inf as soon as the running cost exceeds this.
    """
    du = u1 - u0
    dv = v1 - v0
    length = math.sqrt(du * du + dv * dv)
    if length == 0.0:
        return 0.0
    su = 1 if du > 0.0 else (-1 if du < 0.0 else 0)
    sv = 1 if dv > 0.0 else (-1 if dv < 0.0 else 0)
    adu = abs(du)
    adv = abs(dv)
    i = _start_cell(u0, su)
    j = _start_cell(v0, sv)
    # Along a row line (du == 0 with u0 on it) the segment lies between rows i - 1 and i;
    # likewise for a column line. Both sides are touched; the cheaper one is charged.
    edge_u = su == 0 and math.floor(u0) == u0
    edge_v = sv == 0 and math.floor(v0) == v0
    # Distance (along the axis, >= 0) from the start to the next line the segment crosses.
    nu = (i + 1 - u0) if su > 0 else (u0 - i)
    nv = (j + 1 - v0) if sv > 0 else (v0 - j)
    # Multiplications by inverses instead of divisions in the loop; the running sum is of
    # (fraction of the segment) x cost, times the length once at the end.
    inv_u = 1.0 / adu if su != 0 else 0.0
    inv_v = 1.0 / adv if sv != 0 else 0.0
    lim = limit / length
    x = i * cols + j
    step_u = su * cols
    t_prev = 0.0
    total = 0.0
    while True:
        cc = cost[x]
        if edge_u:
            other = cost[x - cols]
            if other == INF or cc == INF:
                return INF
            if other < cc:
                cc = other
        elif edge_v:
            other = cost[x - 1]
            if other == INF or cc == INF:
                return INF
            if other < cc:
                cc = other
        elif cc == INF:
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
                if cost[x + step_u] == INF or cost[x + sv] == INF:
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
def segment_cost(cost, rows, cols, r0, c0, r1, c1, limit):
    """Line-integral cost of the segment (r0, c0) -> (r1, c1) (cell units, centres at
    integers); ``inf`` when it is not clear (an endpoint outside the grid, or a blocked
    cell touched) or costs more than ``limit``."""
    u0 = r0 + 0.5
    v0 = c0 + 0.5
    u1 = r1 + 0.5
    v1 = c1 + 0.5
    if not (point_clear(cost, rows, cols, u0, v0) and point_clear(cost, rows, cols, u1, v1)):
        return INF
    return walk(cost, cols, u0, v0, u1, v1, limit)


@njit(cache=True, nogil=True)
def polyline_cost(cost, rows, cols, points):
    """Sum of :func:`segment_cost` over the segments of ``points`` (float64, shape (N, 2),
    (row, col)); ``inf`` when one is not clear. One point: 0 if it is clear, else inf."""
    n = points.shape[0]
    if n == 0:
        return INF
    if not point_clear(cost, rows, cols, points[0, 0] + 0.5, points[0, 1] + 0.5):
        return INF
    total = 0.0
    for k in range(n - 1):
        c = segment_cost(cost, rows, cols, points[k, 0], points[k, 1], points[k + 1, 0],
                         points[k + 1, 1], INF)
        if c == INF:
            return INF
        total += c
    return total


@njit(cache=True, nogil=True)
def _add(x, mark, out, n):
    if mark[x] == 0:
        mark[x] = 1
        out[n] = x
        return n + 1
    return n


@njit(cache=True, nogil=True)
def _add_point(rows, cols, u, v, mark, out, n):
    i0, i1 = _span(u)
    j0, j1 = _span(v)
    for i in range(i0, i1 + 1):
        for j in range(j0, j1 + 1):
            n = _add(i * cols + j, mark, out, n)
    return n


@njit(cache=True, nogil=True)
def supercover(rows, cols, points, mark):
    """Every cell the polyline ``points`` touches (closed squares), in the order the line
    first touches them, each once: flat indices (int64). The polyline must be clear of
    the grid's border (every touched cell inside the grid). ``mark`` is a zeroed uint8
    array of the grid's size, left zeroed."""
    n_pts = points.shape[0]
    cap = 16
    out = np.empty(cap, dtype=np.int64)
    n = 0
    for k in range(n_pts):
        u0 = points[k, 0] + 0.5
        v0 = points[k, 1] + 0.5
        if out.size - n < 4:
            out = np.concatenate((out, np.empty(out.size, dtype=np.int64)))
        n = _add_point(rows, cols, u0, v0, mark, out, n)
        if k == n_pts - 1:
            break
        u1 = points[k + 1, 0] + 0.5
        v1 = points[k + 1, 1] + 0.5
        du = u1 - u0
        dv = v1 - v0
        if du == 0.0 and dv == 0.0:
            continue
        su = 1 if du > 0.0 else (-1 if du < 0.0 else 0)
        sv = 1 if dv > 0.0 else (-1 if dv < 0.0 else 0)
        adu = abs(du)
        adv = abs(dv)
        i = _start_cell(u0, su)
        j = _start_cell(v0, sv)
        edge_u = su == 0 and math.floor(u0) == u0
        edge_v = sv == 0 and math.floor(v0) == v0
        nu = (i + 1 - u0) if su > 0 else (u0 - i)
        nv = (j + 1 - v0) if sv > 0 else (v0 - j)
        while True:
            if out.size - n < 4:
                out = np.concatenate((out, np.empty(out.size, dtype=np.int64)))
            x = i * cols + j
            if edge_u:
                n = _add(x - cols, mark, out, n)
            elif edge_v:
                n = _add(x - 1, mark, out, n)
            n = _add(x, mark, out, n)
            u_end = su == 0 or nu >= adu
            v_end = sv == 0 or nv >= adv
            if u_end and v_end:
                break
            if u_end:
                j += sv
                nv += 1.0
            elif v_end:
                i += su
                nu += 1.0
            else:
                a = nu * adv
                b = nv * adu
                if a == b:
                    n = _add((i + su) * cols + j, mark, out, n)
                    n = _add(i * cols + j + sv, mark, out, n)
                    i += su
                    j += sv
                    nu += 1.0
                    nv += 1.0
                elif a < b:
                    i += su
                    nu += 1.0
                else:
                    j += sv
                    nv += 1.0
    cells = out[:n].copy()
    for k in range(n):
        mark[cells[k]] = 0
    return cells
