"""Compiled kernels of cast shadows and horizons (private; :mod:`terrains._shadow` wraps them).

The terrain is the bilinear surface through the cell centres (the surface a brute-force ray
march reads). Both kernels sweep the grid along the Sun's azimuth:

- **Lines.** Parallel lines in the Sun's direction, ACROSS cells apart, cut the grid. Each is
  read where it crosses the grid lines (the rows and columns through the cell centres): there
  the bilinear surface is a linear interpolation between two cells, exact, and between two
  crossings it bends by a second-order amount only (a peak at a cell centre is met where the
  line passes closest to it). A line keeps, walking away from the Sun, the running maximum
  of ``height + s * cell * tan(elevation)`` (shadows) or the upper convex hull of its
  profile (horizons).
- **Cells.** A cell centre lies in the strip between two lines. Its far field is read from
  both lines, at their crossings at least FAR cells before the centre, and interpolated by
  its distance to each: on a plane that is exactly the ground under the centre's own ray,
  and the error does not grow with the length of the shadow (interpolating a shadow height
  from row to row, the other common sweep, spreads sideways with the distance).
- **Near field.** Within OWN cells of the centre, where the ground's own slope decides (on
  rough ground most shadow edges are decided a tenth of a cell from the centre) and a line
  beside the ray is furthest off in angle, the centre's own ray is read exactly, patch by
  patch of the bilinear surface (a quadratic along the ray on each patch). A cheap bound
  (the highest ground in the blocks around the cell) ends the walk once the ray is above it.

Coordinates: a point (row, col) in cell units, cell centres at integers (DESIGN.md: row 0 is
the south edge, so azimuth 0, north, is +row and azimuth 90, east, is +col). ``s`` runs
along the lines away from the Sun, ``p`` across them. Heights are read only inside the hull
of the cell centres: beyond the grid nothing casts a shadow.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__: list[str] = []

#: Spacing of the lines [cells]. With the exact near field out to OWN cells, half a cell
#: keeps 99.5 % agreement with a ray march on rough ground; a quarter cell bought little more
#: (tests/terrains/test_terrain_shadow.py) and cost a third more time.
ACROSS = 0.5
#: The near field: from NEAR0 [cells] (a ray march's first step) to OWN cells each centre's
#: own ray is read exactly over the bilinear patches it crosses. Close to the centre a line a
#: tenth of a cell beside the ray differs most in angle, and the ground's own slope decides
#: most shadow edges on rough ground.
NEAR0 = 0.1
OWN = 4.0
#: Far-field crossings of the lines are those at least FAR cells before a centre (overlapping
#: the own ray's reach, so that no stretch of the ray is missed).
FAR = 3.5
_TINY = 1e-12


@njit(cache=True, nogil=True)
def _frame(rows, cols, az_rad):
    """The sweep's axes and extent: (ur, uc) along the lines away from the Sun, (vr, vc)
    across, and the range of line indices k whose strips (between lines k - 1 and k) hold
    the cell centres."""
    ur = -math.cos(az_rad)
    uc = -math.sin(az_rad)
    if abs(ur) < _TINY:
        ur = 0.0
    if abs(uc) < _TINY:
        uc = 0.0
    vr = -uc
    vc = ur
    pmin = 1e300
    pmax = -1e300
    for cr in (0.0, rows - 1.0):
        for cc in (0.0, cols - 1.0):
            p = cr * vr + cc * vc
            pmin = min(pmin, p)
            pmax = max(pmax, p)
    return ur, uc, vr, vc, int(math.floor(pmin / ACROSS)), int(math.ceil(pmax / ACROSS)) + 1


@njit(cache=True, nogil=True)
def _span(ur, uc, r0, c0, rows, cols):
    """(s_first, s_last) of the line through (r0, c0) at s = 0 inside the hull of the
    centres, [0, rows - 1] x [0, cols - 1]; s_first > s_last when it misses it."""
    t0 = -1e300
    t1 = 1e300
    for d, x0, hi in ((ur, r0, rows - 1.0), (uc, c0, cols - 1.0)):
        if d == 0.0:
            if x0 < -1e-9 or x0 > hi + 1e-9:
                return 1.0, 0.0
        else:
            a = (0.0 - x0) / d
            b = (hi - x0) / d
            if a > b:
                a, b = b, a
            t0 = max(t0, a)
            t1 = min(t1, b)
    return t0, t1


@njit(cache=True, nogil=True)
def _exit(rows, cols, r, c, dr, dc):
    """How far [cells] the ray from the centre (r, c) along (dr, dc) runs inside the hull of
    the centres."""
    t = 1e300
    if dr > 0.0:
        t = min(t, (rows - 1 - r) / dr)
    elif dr < 0.0:
        t = min(t, r / -dr)
    if dc > 0.0:
        t = min(t, (cols - 1 - c) / dc)
    elif dc < 0.0:
        t = min(t, c / -dc)
    return t


@njit(cache=True, nogil=True)
def _next_line(x0, u, s_first):
    """Along one axis of the line x0 + s u: the first grid line (an integer) at or after
    ``s_first``, the s at which the line crosses it, and the step in s from one grid line
    to the next; (0, 1e300, 0.0) when u is 0 (it crosses none)."""
    if u == 0.0:
        return 0, 1e300, 0.0
    xs = x0 + s_first * u
    n = int(math.ceil(xs - 1e-9) if u > 0 else math.floor(xs + 1e-9))
    return n, (n - x0) / u, 1.0 / abs(u)


@njit(cache=True, nogil=True)
def _crossings(z, ur, uc, r0, c0, s_first, s_last, ss, hh):
    """The crossings of the line (r0, c0) + s (ur, uc), s_first <= s <= s_last, with the
    row and column lines, in order of s: their s into ``ss`` and heights into ``hh``;
    returns how many (at most ``ss.size``; a 2-D digital differential analyser)."""
    n = 0
    cap = ss.shape[0]
    if s_first > s_last:
        return 0
    # the next row line and column line at or after s_first, and the steps between them
    nr, s_row, d_row = _next_line(r0, ur, s_first)
    nc, s_col, d_col = _next_line(c0, uc, s_first)
    rows, cols = z.shape
    while n < cap:
        if s_row <= s_col:
            s = s_row
            if s > s_last + 1e-9:
                break
            ri = min(max(nr, 0), rows - 1)
            c = min(max(c0 + s * uc, 0.0), cols - 1.0)
            ci = min(int(c), cols - 2) if cols > 1 else 0
            f = c - ci
            hh[n] = z[ri, ci] * (1.0 - f) + z[ri, min(ci + 1, cols - 1)] * f
            s_row += d_row
            nr += 1 if ur > 0 else -1
        else:
            s = s_col
            if s > s_last + 1e-9:
                break
            ci = min(max(nc, 0), cols - 1)
            r = min(max(r0 + s * ur, 0.0), rows - 1.0)
            ri = min(int(r), rows - 2) if rows > 1 else 0
            f = r - ri
            hh[n] = z[ri, ci] * (1.0 - f) + z[min(ri + 1, rows - 1), ci] * f
            s_col += d_col
            nc += 1 if uc > 0 else -1
        ss[n] = s
        n += 1
    return n


@njit(cache=True, nogil=True)
def _local_max(z, radius):
    """float32 (rows, cols): a bound on the heights within ``radius`` cells of each cell: the
    highest of the blocks of ``radius`` x ``radius`` cells around its own (3 x 3 blocks)."""
    rows, cols = z.shape
    b = max(int(radius), 1)
    nbr = (rows + b - 1) // b
    nbc = (cols + b - 1) // b
    blocks = np.full((nbr, nbc), -np.inf, dtype=np.float32)
    for r in range(rows):
        for c in range(cols):
            if z[r, c] > blocks[r // b, c // b]:
                blocks[r // b, c // b] = z[r, c]
    near = np.empty_like(blocks)
    for i in range(nbr):
        for j in range(nbc):
            m = blocks[i, j]
            for di in range(max(i - 1, 0), min(i + 2, nbr)):
                for dj in range(max(j - 1, 0), min(j + 2, nbc)):
                    m = max(m, blocks[di, dj])
            near[i, j] = m
    out = np.empty_like(z)
    for r in range(rows):
        for c in range(cols):
            out[r, c] = near[r // b, c // b]
    return out


@njit(cache=True, nogil=True)
def _own_ray(z, r0, c0, dr, dc, cell, m, t_max, stop, top):
    """The centre's own ray (dr, dc) from (r0, c0), NEAR0 to t_max cells, over the bilinear
    surface, patch by patch (a digital differential analyser): on a patch the height is a
    quadratic in t, so its largest excess over the line ``h0 + m t cell`` is at an end or at
    the vertex, and its largest slope from the centre where (h - h0) / t is stationary.
    Returns (the largest excess [m], the largest slope [-]); with ``stop`` it returns as soon
    as the excess is positive (a shadow). (-inf, -inf) when the ray leaves the grid at once.
    ``top`` bounds the ground within reach (see :func:`_local_max`): the walk ends once the
    ray, or every slope it could still find, is past it.
    """
    rows, cols = z.shape
    h0 = z[r0, c0]
    margin = 1e-9 * (abs(h0) + 1.0)
    excess = -np.inf
    rise = -np.inf
    sr = 1 if dr > 0 else -1
    sc = 1 if dc > 0 else -1
    t_row = 1.0 / abs(dr) if dr != 0.0 else 1e300
    t_col = 1.0 / abs(dc) if dc != 0.0 else 1e300
    step_row = t_row
    step_col = t_col
    ta = NEAR0
    first = True
    # the patch the ray is in: rows pr, pr + 1 and columns pc, pc + 1
    pr = r0 if dr >= 0 else r0 - 1
    pc = c0 if dc >= 0 else c0 - 1
    while ta < t_max:
        if stop:
            if h0 + m * ta * cell >= top:
                break
        elif rise >= (top - h0) / (ta * cell):
            break
        tb = min(t_row, t_col, t_max)
        if pr < 0 or pr >= rows or pc < 0 or pc >= cols:
            break
        pr1 = pr + 1
        pc1 = pc + 1
        if pr1 >= rows:
            if dr != 0.0:
                break
            pr1 = pr
        if pc1 >= cols:
            if dc != 0.0:
                break
            pc1 = pc
        h00 = z[pr, pc]
        h01 = z[pr, pc1]
        h10 = z[pr1, pc]
        h11 = z[pr1, pc1]
        if stop and max(max(h00, h01), max(h10, h11)) <= h0 + m * ta * cell:
            # the whole patch is below the ray where it enters it, and the ray only rises
            if tb >= t_max:
                break
            if t_row <= t_col:
                t_row += step_row
                pr += sr
            else:
                t_col += step_col
                pc += sc
            ta = tb
            continue
        bx = h01 - h00
        by = h10 - h00
        bxy = h11 - h10 - h01 + h00
        # x = c - pc = x0 + t dc, y = r - pr = y0 + t dr: h(t) = q0 + q1 t + q2 t^2
        x0 = c0 - pc
        y0 = r0 - pr
        q0 = h00 + bx * x0 + by * y0 + bxy * x0 * y0 - h0
        q1 = bx * dc + by * dr + bxy * (x0 * dr + y0 * dc)
        q2 = bxy * dc * dr
        k = m * cell
        for i in range(3):
            if i == 0:
                if not first:
                    continue      # the previous patch's far end
                t = ta
            elif i == 1:
                t = tb
            else:
                if q2 >= 0.0:
                    continue
                t = -(q1 - k) / (2.0 * q2)     # vertex of the excess
                if t <= ta or t >= tb:
                    continue
            e = q0 + (q1 - k + q2 * t) * t
            if e > excess:
                excess = e
            if not stop:
                rise = max(rise, (q0 + (q1 + q2 * t) * t) / (t * cell))
        if stop:
            if excess > margin:
                return excess, rise
        elif q2 < 0.0 and q0 > 0.0:
            t = math.sqrt(q0 / -q2)           # where q0 / t + q1 + q2 t is largest
            if ta < t < tb:
                rise = max(rise, (q0 / t + q1 + q2 * t) / cell)
        first = False
        if tb >= t_max:
            break
        if t_row <= t_col:
            t_row += step_row
            pr += sr
        else:
            t_col += step_col
            pc += sc
        ta = tb
    return excess, rise


@njit(cache=True, nogil=True)
def _strip_cells(rows, cols, ur, uc, vr, vc, k, cr, cc, cs, cp):
    """The cells whose centre lies in strip k, (k - 1) ACROSS < p <= k ACROSS, in order of
    s (away from the Sun): rows into ``cr``, cols into ``cc``, their s and p into ``cs``,
    ``cp``; returns how many. Walks the strip one row (or column, whichever the lines run
    along more) at a time: the strip is under a cell wide there, so it holds at most one
    centre per row. A centre belongs to the strip ceil(p / ACROSS), computed one way for
    every strip, so each cell is in exactly one."""
    n = 0
    mid = (k - 0.5) * ACROSS
    along_rows = abs(ur) >= abs(uc)
    length = rows if along_rows else cols
    width = cols if along_rows else rows
    w_a = vr if along_rows else vc          # p = a * w_a + x * w_x
    w_x = vc if along_rows else vr
    forward = (ur if along_rows else uc) >= 0.0
    # the rows a where the strip's middle is within the grid's width (a margin of 2)
    lo_a = 0
    hi_a = length - 1
    if w_a != 0.0:
        e0 = (mid - (-2.0) * w_x) / w_a
        e1 = (mid - (width + 1.0) * w_x) / w_a
        lo_a = max(lo_a, int(math.floor(min(e0, e1))))
        hi_a = min(hi_a, int(math.ceil(max(e0, e1))))
    count = hi_a - lo_a + 1
    for m in range(max(count, 0)):
        a = lo_a + m if forward else hi_a - m
        x = int(math.floor((mid - a * w_a) / w_x + 0.5))
        for x1 in (x, x - 1, x + 1):
            if x1 < 0 or x1 >= width:
                continue
            r = a if along_rows else x1
            c = x1 if along_rows else a
            p = r * vr + c * vc
            if int(math.ceil(p / ACROSS)) == k:
                cr[n] = r
                cc[n] = c
                cs[n] = r * ur + c * uc
                cp[n] = p
                n += 1
                break
    return n


@njit(cache=True, nogil=True)
def _line(z, ur, uc, vr, vc, k, ss, hh):
    """The crossings of line k (s, height) into ss, hh; returns how many."""
    rows, cols = z.shape
    p = k * ACROSS
    r0 = p * vr
    c0 = p * vc
    a, b = _span(ur, uc, r0, c0, rows, cols)
    return _crossings(z, ur, uc, r0, c0, a, b, ss, hh)


@njit(cache=True, nogil=True)
def cast_shadow(z, cell, az_rad, tan_el, out, work):
    """Mark in ``out`` (uint8, z's shape, zeroed by the caller) the cells whose centre does
    not see a Sun at azimuth ``az_rad`` and elevation tan ``tan_el`` > 0 over the terrain.

    ``z`` float32 (rows, cols) heights [m], ``cell`` the cell size [m], ``work`` float64
    scratch (6, n), n at least 2 * (rows + cols) + 8. A centre is in shadow when its near
    field rises faster than the Sun, or when the far field (the running maximum of
    ``height + s * cell * tan_el`` of the two lines beside it, interpolated) is above its own
    ``height + s * cell * tan_el``. Returns 0.
    """
    rows, cols = z.shape
    ur, uc, vr, vc, kmin, kmax = _frame(rows, cols, az_rad)
    slope = cell * tan_el
    ss0, hh0, ss1, hh1 = work[0], work[1], work[2], work[3]
    cs, cp = work[4], work[5]
    cr = np.empty(work.shape[1], dtype=np.int64)
    cc = np.empty(work.shape[1], dtype=np.int64)
    n0 = _line(z, ur, uc, vr, vc, kmin - 1, ss0, hh0)
    for i in range(n0):
        hh0[i] = hh0[i] + ss0[i] * slope
        if i:
            hh0[i] = max(hh0[i], hh0[i - 1])
    for k in range(kmin, kmax + 1):
        n1 = _line(z, ur, uc, vr, vc, k, ss1, hh1)
        for i in range(n1):        # running maximum of g along the line
            hh1[i] = hh1[i] + ss1[i] * slope
            if i:
                hh1[i] = max(hh1[i], hh1[i - 1])
        m = _strip_cells(rows, cols, ur, uc, vr, vc, k, cr, cc, cs, cp)
        i0 = 0
        i1 = 0
        for q in range(m):
            lim = cs[q] - FAR
            while i0 < n0 and ss0[i0] < lim:
                i0 += 1
            while i1 < n1 and ss1[i1] < lim:
                i1 += 1
            if (cr[q] < FAR + 1 or cr[q] > rows - 2 - FAR or cc[q] < FAR + 1
                    or cc[q] > cols - 2 - FAR) and _exit(rows, cols, cr[q], cc[q], -ur, -uc) < FAR:
                continue               # the centre's own ray leaves the grid first
            a = hh0[i0 - 1] if i0 > 0 else -np.inf
            b = hh1[i1 - 1] if i1 > 0 else -np.inf
            if a == -np.inf:
                far = b
            elif b == -np.inf:
                far = a
            else:
                f = (cp[q] - (k - 1) * ACROSS) / ACROSS     # 0 on line k - 1, 1 on line k
                far = a * (1.0 - f) + b * f
            gc = z[cr[q], cc[q]] + cs[q] * slope
            # a relative margin, so that flat ground never shadows itself by rounding
            if far > gc + 1e-9 * (abs(gc) + 1.0):
                out[cr[q], cc[q]] = 1
        # line k becomes the previous line
        ss0, ss1 = ss1, ss0
        hh0, hh1 = hh1, hh0
        n0 = n1
    dr = -ur
    dc = -uc
    top = _local_max(z, int(OWN) + 2)
    for r0 in range(rows):
        for c0 in range(cols):
            if out[r0, c0] == 0:
                excess, _ = _own_ray(z, r0, c0, dr, dc, cell, tan_el, OWN, True, top[r0, c0])
                if excess > 1e-9 * (abs(z[r0, c0]) + 1.0):
                    out[r0, c0] = 1
    return 0


@njit(cache=True, nogil=True)
def _hull_add(hx, hy, n, x, y):
    """Add (x, y), right of every vertex, to the upper convex hull hx[:n], hy[:n]
    (Andrew's monotone chain: pop the vertices it hides); returns the new count."""
    while n >= 2 and ((hx[n - 1] - hx[n - 2]) * (y - hy[n - 2])
                      - (hy[n - 1] - hy[n - 2]) * (x - hx[n - 2])) >= 0.0:
        n -= 1
    hx[n] = x
    hy[n] = y
    return n + 1


@njit(cache=True, nogil=True)
def _tangent(hx, hy, n, x, y):
    """Largest slope (hy[i] - y) / (x - hx[i]) over the hull's n vertices (all left of x)."""
    lo = 0
    hi = n - 1
    while lo < hi:  # first vertex whose slope is not below the next one's
        mid = (lo + hi) // 2
        a = (hy[mid] - y) / (x - hx[mid])
        b = (hy[mid + 1] - y) / (x - hx[mid + 1])
        if a < b:
            lo = mid + 1
        else:
            hi = mid
    return (hy[lo] - y) / (x - hx[lo])


@njit(cache=True, nogil=True)
def horizon(z, cell, az_rad, out, work):
    """Write into ``out`` (float32, z's shape) the tangent of the horizon's elevation seen
    from each cell centre towards azimuth ``az_rad``: the largest slope from the centre up to
    the ground before it, 0 when none rises above the centre's level.

    ``work`` float64 scratch (12, n) (n as for :func:`cast_shadow`). Near field as there. Far
    field: the upper convex hull of each of the two lines beside the centre, over their
    crossings at least FAR cells before it (the highest slope from a point beyond them is to
    a hull vertex, found by bisection: the slopes rise, then fall, along the hull), the two
    tangents interpolated by the centre's distance to each line. The strip's cells come in
    order along the lines, so each hull only grows. Returns 0.
    """
    rows, cols = z.shape
    ur, uc, vr, vc, kmin, kmax = _frame(rows, cols, az_rad)
    ss0, hh0, ss1, hh1 = work[0], work[1], work[2], work[3]
    cs, cp = work[4], work[5]
    hx0, hy0, hx1, hy1 = work[8], work[9], work[10], work[11]
    cr = np.empty(work.shape[1], dtype=np.int64)
    cc = np.empty(work.shape[1], dtype=np.int64)
    n0 = _line(z, ur, uc, vr, vc, kmin - 1, ss0, hh0)
    for k in range(kmin, kmax + 1):
        n1 = _line(z, ur, uc, vr, vc, k, ss1, hh1)
        m = _strip_cells(rows, cols, ur, uc, vr, vc, k, cr, cc, cs, cp)
        i0 = 0
        i1 = 0
        h0n = 0
        h1n = 0
        for q in range(m):
            lim = cs[q] - FAR
            while i0 < n0 and ss0[i0] < lim:
                h0n = _hull_add(hx0, hy0, h0n, ss0[i0] * cell, hh0[i0])
                i0 += 1
            while i1 < n1 and ss1[i1] < lim:
                h1n = _hull_add(hx1, hy1, h1n, ss1[i1] * cell, hh1[i1])
                i1 += 1
            if _exit(rows, cols, cr[q], cc[q], -ur, -uc) < FAR:
                out[cr[q], cc[q]] = 0.0        # the centre's own ray leaves the grid first
                continue
            x = cs[q] * cell
            y = z[cr[q], cc[q]]
            f = (cp[q] - (k - 1) * ACROSS) / ACROSS
            if h0n and h1n:
                t = (_tangent(hx0, hy0, h0n, x, y) * (1.0 - f)
                     + _tangent(hx1, hy1, h1n, x, y) * f)
            elif h0n:
                t = _tangent(hx0, hy0, h0n, x, y)
            elif h1n:
                t = _tangent(hx1, hy1, h1n, x, y)
            else:
                t = 0.0
            out[cr[q], cc[q]] = max(t, 0.0)
        ss0, ss1 = ss1, ss0
        hh0, hh1 = hh1, hh0
        n0 = n1
    dr = -ur
    dc = -uc
    top = _local_max(z, int(OWN) + 2)
    for r0 in range(rows):
        for c0 in range(cols):
            _, rise = _own_ray(z, r0, c0, dr, dc, cell, 0.0, OWN, False, top[r0, c0])
            out[r0, c0] = max(out[r0, c0], rise)
    return 0


@njit(cache=True, nogil=True)
def lit_fraction(horizons, sun_az_rad, sun_tan_el, out):
    """Add to ``out`` (float64, (rows, cols)) the count of Sun positions each cell sees.

    ``horizons`` float32 (n_az, rows, cols) horizon tangents at azimuths k 2 pi / n_az; a Sun
    position (``sun_az_rad[i]``, ``sun_tan_el[i]``) lights a cell when its elevation tangent
    is above the horizon's, interpolated linearly between the two nearest azimuths, and the
    Sun is above the plane (tangent > 0). Returns 0.
    """
    n_az, rows, cols = horizons.shape
    width = 2.0 * math.pi / n_az
    for i in range(sun_az_rad.shape[0]):
        t = sun_tan_el[i]
        if t <= 0.0:
            continue
        a = (sun_az_rad[i] % (2.0 * math.pi)) / width
        b0 = int(math.floor(a)) % n_az
        b1 = (b0 + 1) % n_az
        f = a - math.floor(a)
        for r in range(rows):
            for c in range(cols):
                if t > horizons[b0, r, c] * (1.0 - f) + horizons[b1, r, c] * f:
                    out[r, c] += 1.0
    return 0
