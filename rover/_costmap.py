"""Compiled kernels for :mod:`rover.costmap` (private).

Every kernel takes contiguous float64/uint8 arrays and scalars, writes into output arrays it
is given and returns nothing or a status code; validation happens in :mod:`rover.costmap`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__: list[str] = []


@njit(cache=True, nogil=True)
def _window_max(src, n, k, pad, fwd, bwd, out):
    """``out[c] = max(src[max(c - k, 0) : min(c + k, n - 1) + 1])`` for c < n (values >= 0)
    in O(n) whatever k (van Herk / Gil-Werman): ``src`` goes into ``pad`` between k zeros on
    each side (a zero never raises a maximum of values >= 0), cut into blocks of 2k + 1, and
    each window is a suffix of one block and a prefix of the next. ``pad``, ``fwd`` and
    ``bwd`` are scratch of at least n + 4k + 1 elements."""
    w = 2 * k + 1
    m = n + 2 * k
    mm = ((m + w - 1) // w) * w  # whole blocks
    for i in range(k):
        pad[i] = 0.0
    for i in range(n):
        pad[k + i] = src[i]
    for i in range(k + n, mm):
        pad[i] = 0.0
    for b0 in range(0, mm, w):
        acc = 0.0
        for i in range(b0, b0 + w):
            if pad[i] > acc:
                acc = pad[i]
            fwd[i] = acc
        acc = 0.0
        for i in range(b0 + w - 1, b0 - 1, -1):
            if pad[i] > acc:
                acc = pad[i]
            bwd[i] = acc
    for c in range(n):
        a = bwd[c]
        b = fwd[c + 2 * k]
        out[c] = a if a > b else b


@njit(cache=True, nogil=True)
def _step_max(z, zoff, k, vm):
    """``vm`` (R, C) float64: over the (2k+1) x (2k+1) window around every cell (clipped at
    the grid edges), the largest |dz| between edge-adjacent cells [m] (diagonals span
    sqrt(2) cells and would read ordinary slope as step). O(R C) whatever k: each cell's
    largest difference to its 4 neighbours, then a sliding maximum along rows, then along
    columns (the same block scheme as :func:`_window_max`)."""
    R, C = z.shape
    scratch = max(R, C) + 4 * k + 1
    pad = np.empty(scratch)
    fwd = np.empty(scratch)
    bwd = np.empty(scratch)
    m = np.empty(C)
    ra = np.empty(C)
    rb = np.empty(C)
    for i in range(R):
        for c in range(C):
            rb[c] = z[i, c] - zoff
            m[c] = 0.0
        for c in range(1, C):
            d = abs(rb[c] - rb[c - 1])
            if d > m[c]:
                m[c] = d
            if d > m[c - 1]:
                m[c - 1] = d
        for dr in (-1, 1):
            rr = i + dr
            if rr < 0 or rr >= R:
                continue
            for c in range(C):
                ra[c] = z[rr, c] - zoff
            for c in range(C):
                d = abs(ra[c] - rb[c])
                if d > m[c]:
                    m[c] = d
        _window_max(m, C, k, pad, fwd, bwd, vm[i])
    # Columns in strips of S, whole rows of a strip at a time (reading one column at a time
    # would touch a cache line per cell).
    S = 64
    w = 2 * k + 1
    mm = ((R + 2 * k + w - 1) // w) * w
    pad2 = np.empty((mm, S))
    fwd2 = np.empty((mm, S))
    bwd2 = np.empty((mm, S))
    for c0 in range(0, C, S):
        cw = min(S, C - c0)
        for i in range(mm):
            src = i - k
            for j in range(cw):
                pad2[i, j] = vm[src, c0 + j] if 0 <= src < R else 0.0
        for b0 in range(0, mm, w):
            for j in range(cw):
                fwd2[b0, j] = pad2[b0, j]
            for i in range(b0 + 1, b0 + w):
                for j in range(cw):
                    a = pad2[i, j]
                    b = fwd2[i - 1, j]
                    fwd2[i, j] = a if a > b else b
            for j in range(cw):
                bwd2[b0 + w - 1, j] = pad2[b0 + w - 1, j]
            for i in range(b0 + w - 2, b0 - 1, -1):
                for j in range(cw):
                    a = pad2[i, j]
                    b = bwd2[i + 1, j]
                    bwd2[i, j] = a if a > b else b
        for i in range(R):
            for j in range(cw):
                a = bwd2[i, j]
                b = fwd2[i + 2 * k, j]
                vm[i, c0 + j] = a if a > b else b


@njit(cache=True, nogil=True)
def _row_terms(z, zoff, i, k, h0, h1, h2, slot, p0, p1, p2):
    """Horizontal window sums (z, col*z, z*z) of row ``i`` into ring slot ``slot``. Returns
    True when the row holds a height that is not finite."""
    R, C = z.shape
    for c in range(C):
        v = z[i, c] - zoff
        p0[c + 1] = p0[c] + v
        p1[c + 1] = p1[c] + c * v
        p2[c + 1] = p2[c] + v * v
    for c in range(C):
        c0 = max(c - k, 0)
        c1 = min(c + k, C - 1)
        h0[slot, c] = p0[c1 + 1] - p0[c0]
        h1[slot, c] = p1[c1 + 1] - p1[c0]
        h2[slot, c] = p2[c1 + 1] - p2[c0]
    # NaN and inf propagate into the sum of squares, so one test covers the row.
    return not math.isfinite(p2[C])


@njit(cache=True, nogil=True)
def _terrain_terms(z, zoff, k, h, tan_tilt_max, rough_max, step_max, w_tilt, w_rough, w_step,
                   obstacle, cost, slope_x, slope_y, rough, step):
    """Plane fit, step height and cost over a (2k+1) x (2k+1) window around every cell.

    ``z`` (R, C) float32 heights [m]; ``zoff`` is subtracted first (the mean, so that the
    sums of z**2 stay well conditioned). Cost: ``1 + w_tilt t**2 + w_rough q**2 + w_step
    s**2`` with ``t = tan(tilt) / tan_tilt_max``, ``q = rough / rough_max``,
    ``s = step / step_max``; a term over 1 sets ``obstacle`` (uint8, in/out: cells already
    set stay obstacles) and every obstacle gets ``cost`` (float64) ``inf``. Also writes
    ``slope_x``/``slope_y`` (dz/dx east, dz/dy north [m/m]), ``rough`` (RMS residual of the
    fit [m]) and ``step`` (largest height difference between edge-adjacent cells in the
    window, less the fitted plane's own largest such difference [m]), all (R, C) float32. Windows are clipped at
    the grid edges. One pass over the rows with a ring of 2k+2 rows of partial sums: O(R C)
    for the fit, and O(R C) for the step maximum too (a separable sliding maximum,
    :func:`_step_max`), whatever the footprint. Returns 0, or 1 when a height is not finite.
    """
    bad = False
    R, C = z.shape
    # A ring of R + 1 rows already holds every row once: a footprint wider than the grid
    # must not size the ring by its own width.
    W = min(2 * k + 2, R + 1)
    h0 = np.zeros((W, C))
    h1 = np.zeros((W, C))
    h2 = np.zeros((W, C))
    vm = np.empty((R, C))
    _step_max(z, zoff, k, vm)
    p0 = np.zeros(C + 1)
    p1 = np.zeros(C + 1)
    p2 = np.zeros(C + 1)
    s0 = np.zeros(C)
    sr = np.zeros(C)
    s1 = np.zeros(C)
    s2 = np.zeros(C)
    inv_h = 1.0 / h
    inv_tan2 = 1.0 / (tan_tilt_max * tan_tilt_max)
    inv_rough2 = 1.0 / (rough_max * rough_max)
    inv_step = 1.0 / step_max
    mcol = np.empty(C)
    inv_nc = np.empty(C)
    inv_suu = np.empty(C)
    for c in range(C):
        c0 = max(c - k, 0)
        c1 = min(c + k, C - 1)
        nc = c1 - c0 + 1
        mcol[c] = 0.5 * (c0 + c1)
        inv_nc[c] = 1.0 / nc
        suu = nc * (nc * nc - 1) / 12.0
        inv_suu[c] = 1.0 / suu if suu > 0 else 0.0
    # Prime the window of row 0: rows [0, k].
    for i in range(0, min(k, R - 1) + 1):
        bad |= _row_terms(z, zoff, i, k, h0, h1, h2, i % W, p0, p1, p2)
        sl = i % W
        for c in range(C):
            s0[c] += h0[sl, c]
            sr[c] += i * h0[sl, c]
            s1[c] += h1[sl, c]
            s2[c] += h2[sl, c]
    for r in range(R):
        if r > 0:
            inc = r + k
            if inc < R:
                sl = inc % W
                bad |= _row_terms(z, zoff, inc, k, h0, h1, h2, sl, p0, p1, p2)
                for c in range(C):
                    s0[c] += h0[sl, c]
                    sr[c] += inc * h0[sl, c]
                    s1[c] += h1[sl, c]
                    s2[c] += h2[sl, c]
            out = r - k - 1
            if out >= 0:
                sl = out % W
                for c in range(C):
                    s0[c] -= h0[sl, c]
                    sr[c] -= out * h0[sl, c]
                    s1[c] -= h1[sl, c]
                    s2[c] -= h2[sl, c]
        r0 = max(r - k, 0)
        r1 = min(r + k, R - 1)
        nr = r1 - r0 + 1
        mr = 0.5 * (r0 + r1)
        svv_row = nr * (nr * nr - 1) / 12.0
        inv_nr = 1.0 / nr
        inv_svv_row = 1.0 / svv_row if svv_row > 0 else 0.0
        for c in range(C):
            # Centred coordinates make the normal equations diagonal on a rectangle.
            suz = s1[c] - mcol[c] * s0[c]
            svz = sr[c] - mr * s0[c]
            a = suz * inv_suu[c] * inv_nr
            b = svz * inv_svv_row * inv_nc[c]
            inv_n = inv_nc[c] * inv_nr
            ss = s2[c] - s0[c] * s0[c] * inv_n - a * suz - b * svz
            _cell_terms(r, c, a, b, ss, inv_n, vm[r, c], inv_h, inv_tan2, inv_rough2, inv_step,
                        w_tilt, w_rough, w_step, obstacle, cost, slope_x, slope_y, rough, step)
    return 1 if bad else 0


@njit(inline="always")
def _cell_terms(r, c, a, b, ss, inv_n, vmax, inv_h, inv_tan2, inv_rough2, inv_step, w_tilt,
                w_rough, w_step, obstacle, cost, slope_x, slope_y, rough, step):
    """Cell (r, c)'s outputs from its footprint plane's slopes ``a``, ``b`` [m per cell]
    along columns and rows, the fit's sum of squared residuals ``ss`` over ``1 / inv_n``
    cells and the footprint's largest edge-neighbour |dz| ``vmax`` [m] (both kernels')."""
    if ss < 0.0:
        ss = 0.0
    slope_x[r, c] = a * inv_h
    slope_y[r, c] = b * inv_h
    q2 = ss * inv_n
    rough[r, c] = math.sqrt(q2)
    sv = vmax - max(abs(a), abs(b))
    if sv < 0.0:
        sv = 0.0
    step[r, c] = sv
    # Squared ratios: no square roots needed for the cost.
    t2 = (a * a + b * b) * inv_h * inv_h * inv_tan2
    q2 = q2 * inv_rough2
    st = sv * inv_step
    if t2 > 1.0 or q2 > 1.0 or st > 1.0:
        obstacle[r, c] = 1
    if obstacle[r, c]:
        cost[r, c] = np.inf
    else:
        cost[r, c] = 1.0 + w_tilt * t2 + w_rough * q2 + w_step * st * st


@njit(cache=True, nogil=True)
def _disc_geometry(spans, C):
    """Per half-width ``w = spans[d]``: for every column c, the clipped span [lo, hi] of
    ``[c - w, c + w]`` and its exact sums of 1, (x - c) and (x - c)**2 over x in the span,
    as float64 (K+1, C) arrays (lo, hi int64)."""
    K1 = spans.shape[0]
    lo = np.empty((K1, C), dtype=np.int64)
    hi = np.empty((K1, C), dtype=np.int64)
    n = np.empty((K1, C))
    su = np.empty((K1, C))
    suu = np.empty((K1, C))
    for d in range(K1):
        w = spans[d]
        for c in range(C):
            a = max(c - w, 0)
            b = min(c + w, C - 1)
            lo[d, c] = a
            hi[d, c] = b
            n[d, c] = b - a + 1
            u0 = a - c
            u1 = b - c
            su[d, c] = (u0 + u1) * (u1 - u0 + 1) // 2
            suu[d, c] = (u1 * (u1 + 1) * (2 * u1 + 1) - (u0 - 1) * u0 * (2 * u0 - 1)) // 6
    return lo, hi, n, su, suu


@njit(cache=True, nogil=True)
def _disc_terms(z, zoff, spans, h, tan_tilt_max, rough_max, step_max, w_tilt, w_rough,
                w_step, obstacle, cost, slope_x, slope_y, rough, step):
    """:func:`_terrain_terms` over a disc footprint instead of a square: the cells of row
    offset ``dr`` whose column lies within ``spans[|dr|]`` of the centre's, for ``|dr| <=
    K = len(spans) - 1`` (the cells whose centres lie within the rover's radius), clipped at
    the grid's edges. Same outputs and status. The plane is the least-squares fit over the
    disc's cells (a 3 x 3 solve, since a clipped disc is not symmetric about its centre);
    the step term is the largest |dz| between edge-adjacent cells over the disc (a sliding
    row maximum per half-width, then the maximum over the disc's rows). Each output row
    adds the disc's rows in order of ``dr`` from -K to K, one span sum from each row's
    prefix sums per term: O(K R C). A ring of 2K + 1 rows holds the prefix sums."""
    R, C = z.shape
    K = spans.shape[0] - 1
    lo, hi, gn, gsu, gsuu = _disc_geometry(spans, C)
    # The step term: each cell's largest |dz| to its 4 neighbours (as _step_max)...
    m = np.zeros((R, C))
    for i in range(R):
        for c in range(1, C):
            d = abs((z[i, c] - zoff) - (z[i, c - 1] - zoff))
            if d > m[i, c]:
                m[i, c] = d
            if d > m[i, c - 1]:
                m[i, c - 1] = d
        if i > 0:
            for c in range(C):
                d = abs((z[i, c] - zoff) - (z[i - 1, c] - zoff))
                if d > m[i, c]:
                    m[i, c] = d
                if d > m[i - 1, c]:
                    m[i - 1, c] = d
    # ...then its maximum over each disc row's span, and over the disc's rows.
    vm = np.zeros((R, C))
    tmp = np.empty((R, C))
    for d in range(K + 1):
        w = spans[d]
        sc = C + 4 * w + 1
        pad = np.empty(sc)
        fwd = np.empty(sc)
        bwd = np.empty(sc)
        for i in range(R):
            _window_max(m[i], C, w, pad, fwd, bwd, tmp[i])
        for i in range(R):
            for rr in (i - d, i + d):
                if 0 <= rr < R:
                    for c in range(C):
                        if tmp[rr, c] > vm[i, c]:
                            vm[i, c] = tmp[rr, c]
    W = min(2 * K + 1, R)
    p0 = np.zeros((W, C + 1))
    p1 = np.zeros((W, C + 1))
    p2 = np.zeros((W, C + 1))
    bad = False
    ready = 0  # rows whose prefix sums are in the ring: [ready - W, ready)
    N = np.empty(C)
    Su = np.empty(C)
    Suu = np.empty(C)
    Sv = np.empty(C)
    Svv = np.empty(C)
    Suv = np.empty(C)
    Sz = np.empty(C)
    Suz = np.empty(C)
    Svz = np.empty(C)
    Szz = np.empty(C)
    inv_h = 1.0 / h
    inv_tan2 = 1.0 / (tan_tilt_max * tan_tilt_max)
    inv_rough2 = 1.0 / (rough_max * rough_max)
    inv_step = 1.0 / step_max
    for r in range(R):
        while ready <= min(r + K, R - 1):
            sl = ready % W
            for c in range(C):
                v = z[ready, c] - zoff
                p0[sl, c + 1] = p0[sl, c] + v
                p1[sl, c + 1] = p1[sl, c] + c * v
                p2[sl, c + 1] = p2[sl, c] + v * v
            # NaN and inf propagate into the sum of squares, so one test covers the row.
            if not math.isfinite(p2[sl, C]):
                bad = True
            ready += 1
        for c in range(C):
            N[c] = 0.0
            Su[c] = 0.0
            Suu[c] = 0.0
            Sv[c] = 0.0
            Svv[c] = 0.0
            Suv[c] = 0.0
            Sz[c] = 0.0
            Suz[c] = 0.0
            Svz[c] = 0.0
            Szz[c] = 0.0
        for dr in range(-K, K + 1):
            rr = r + dr
            if rr < 0 or rr >= R:
                continue
            d = abs(dr)
            sl = rr % W
            fdr = float(dr)
            for c in range(C):
                a = lo[d, c]
                b = hi[d, c] + 1
                sz = p0[sl, b] - p0[sl, a]
                scz = p1[sl, b] - p1[sl, a]
                szz = p2[sl, b] - p2[sl, a]
                N[c] += gn[d, c]
                Su[c] += gsu[d, c]
                Suu[c] += gsuu[d, c]
                Sv[c] += fdr * gn[d, c]
                Svv[c] += (fdr * fdr) * gn[d, c]
                Suv[c] += fdr * gsu[d, c]
                Sz[c] += sz
                Suz[c] += scz - c * sz
                Svz[c] += fdr * sz
                Szz[c] += szz
        for c in range(C):
            ub = Su[c] / N[c]
            vb = Sv[c] / N[c]
            cuu = Suu[c] - Su[c] * ub
            cvv = Svv[c] - Sv[c] * vb
            cuv = Suv[c] - Su[c] * vb
            cuz = Suz[c] - ub * Sz[c]
            cvz = Svz[c] - vb * Sz[c]
            det = cuu * cvv - cuv * cuv
            if det > 0.0:
                a = (cvv * cuz - cuv * cvz) / det
                b = (cuu * cvz - cuv * cuz) / det
            elif cuu > 0.0:
                a = cuz / cuu
                b = 0.0
            elif cvv > 0.0:
                a = 0.0
                b = cvz / cvv
            else:
                a = 0.0
                b = 0.0
            inv_n = 1.0 / N[c]
            ss = Szz[c] - Sz[c] * Sz[c] * inv_n - a * cuz - b * cvz
            _cell_terms(r, c, a, b, ss, inv_n, vm[r, c], inv_h, inv_tan2, inv_rough2, inv_step,
                        w_tilt, w_rough, w_step, obstacle, cost, slope_x, slope_y, rough, step)
    return 1 if bad else 0


DEFER_TERMS = False
"""When True, :func:`terrain_terms` runs :func:`_terrain_terms_numpy` until
:func:`_terrain_terms` is compiled in this process, and :func:`disc_terms` likewise. Set by a first ``rover run``
(:func:`rover._prewarm.defer_terms`) whose background process compiles the kernel for the
runs that follow: compiling it here would cost that run 3-4 s, the NumPy twin costs it 50 ms
on the flagship's 320 x 320 cells."""


def terrain_terms(*args):
    """:func:`_terrain_terms` (same arguments, same result), or its NumPy twin while
    :data:`DEFER_TERMS` holds and the kernel is not compiled in this process."""
    if DEFER_TERMS and not _terrain_terms.overloads:
        # The kernel computes through a NaN or inf silently and says so in its status.
        with np.errstate(all="ignore"):
            return _terrain_terms_numpy(*args)
    return _terrain_terms(*args)


def disc_terms(*args):
    """:func:`_disc_terms` (same arguments, same result), or its NumPy twin while
    :data:`DEFER_TERMS` holds and the kernel is not compiled in this process."""
    if DEFER_TERMS and not _disc_terms.overloads:
        with np.errstate(all="ignore"):
            return _disc_terms_numpy(*args)
    return _disc_terms(*args)


def _sliding_max_rows(m, k):
    """(R, C) float64: the maximum of ``m`` (R, C) float64, values >= 0, over the window
    ``[c - k, c + k]`` of its row, clipped at the ends: :func:`_window_max` on every row at
    once (the same blocks; a maximum is exact, so any order gives the same numbers)."""
    R, C = m.shape
    w = 2 * k + 1
    mm = ((C + 2 * k + w - 1) // w) * w
    pad = np.zeros((R, mm))
    pad[:, k:k + C] = m
    blocks = pad.reshape(R, mm // w, w)
    fwd = np.maximum.accumulate(blocks, axis=2).reshape(R, mm)
    bwd = np.maximum.accumulate(blocks[:, :, ::-1], axis=2)[:, :, ::-1].reshape(R, mm)
    return np.maximum(bwd[:, :C], fwd[:, 2 * k:2 * k + C])


def _terrain_terms_numpy(z, zoff, k, h, tan_tilt_max, rough_max, step_max, w_tilt, w_rough,
                         w_step, obstacle, cost, slope_x, slope_y, rough, step):
    """:func:`_terrain_terms` in NumPy, for a first run that has not compiled it: the same
    arguments and the same numbers, bit for bit on finite heights (tests/rover/
    test_costmap_twin.py checks it), because every sum is formed in the kernel's order: the
    prefix sums run along each row as the kernel's loops do (``np.cumsum`` adds in sequence),
    and the window sums are updated row by row, adding the row that enters and subtracting
    the one that leaves, one NumPy operation per term over all columns. Each product and
    quotient is the kernel's, in the kernel's order (IEEE arithmetic rounds each the same in
    both; numba contracts no multiply-add without fastmath). About 15x slower than the
    kernel: for first runs only."""
    R, C = z.shape
    zz = z.astype(np.float64) - zoff
    # The step term: each cell's largest |dz| to its 4 neighbours, then the window maximum
    # along rows and along columns (:func:`_step_max`).
    m = _neighbour_steps(zz)
    vm = _sliding_max_rows(_sliding_max_rows(m, k).T, k).T
    col = np.arange(C)
    p0, p1, p2, bad = _row_prefix_sums(zz)
    c0 = np.maximum(col - k, 0)
    c1 = np.minimum(col + k, C - 1)
    h0 = p0[:, c1 + 1] - p0[:, c0]
    h1 = p1[:, c1 + 1] - p1[:, c0]
    h2 = p2[:, c1 + 1] - p2[:, c0]
    nc = c1 - c0 + 1
    mcol = 0.5 * (c0 + c1)
    inv_nc = 1.0 / nc
    suu = nc * (nc * nc - 1) / 12.0
    inv_suu = np.zeros(C)
    np.divide(1.0, suu, out=inv_suu, where=suu > 0)
    inv_h = 1.0 / h
    inv_tan2 = 1.0 / (tan_tilt_max * tan_tilt_max)
    inv_rough2 = 1.0 / (rough_max * rough_max)
    inv_step = 1.0 / step_max
    s0 = np.zeros(C)
    sr = np.zeros(C)
    s1 = np.zeros(C)
    s2 = np.zeros(C)
    for i in range(0, min(k, R - 1) + 1):
        s0 += h0[i]
        sr += i * h0[i]
        s1 += h1[i]
        s2 += h2[i]
    for r in range(R):
        if r > 0:
            inc = r + k
            if inc < R:
                s0 += h0[inc]
                sr += inc * h0[inc]
                s1 += h1[inc]
                s2 += h2[inc]
            out = r - k - 1
            if out >= 0:
                s0 -= h0[out]
                sr -= out * h0[out]
                s1 -= h1[out]
                s2 -= h2[out]
        r0 = max(r - k, 0)
        r1 = min(r + k, R - 1)
        nr = r1 - r0 + 1
        mr = 0.5 * (r0 + r1)
        svv_row = nr * (nr * nr - 1) / 12.0
        inv_nr = 1.0 / nr
        inv_svv_row = 1.0 / svv_row if svv_row > 0 else 0.0
        suz = s1 - mcol * s0
        svz = sr - mr * s0
        a = suz * inv_suu * inv_nr
        b = svz * inv_svv_row * inv_nc
        inv_n = inv_nc * inv_nr
        ss = s2 - s0 * s0 * inv_n - a * suz - b * svz
        _row_outputs(r, a, b, ss, inv_n, vm[r], inv_h, inv_tan2, inv_rough2, inv_step, w_tilt,
                     w_rough, w_step, obstacle, cost, slope_x, slope_y, rough, step)
    return 1 if bad else 0


def _row_prefix_sums(zz):
    """Prefix sums along each row of ``zz`` (R, C) float64 of z, col * z and z * z, each
    (R, C + 1) with a zero first column, in the kernels' order (``np.cumsum`` adds in
    sequence); and True when a height is not finite (NaN and inf propagate into the sum of
    squares, so one test covers a row). The NumPy twins'."""
    R, C = zz.shape
    col = np.arange(C)
    p0 = np.zeros((R, C + 1))
    p1 = np.zeros((R, C + 1))
    p2 = np.zeros((R, C + 1))
    np.cumsum(zz, axis=1, out=p0[:, 1:])
    np.cumsum(col * zz, axis=1, out=p1[:, 1:])
    np.cumsum(zz * zz, axis=1, out=p2[:, 1:])
    return p0, p1, p2, not np.isfinite(p2[:, C]).all()


def _neighbour_steps(zz):
    """(R, C) float64: each cell's largest |dz| to its 4 neighbours, heights ``zz`` (R, C)
    float64 (the NumPy twins' step term, before the footprint's maximum)."""
    R, C = zz.shape
    m = np.zeros((R, C))
    if C > 1:
        d = np.abs(zz[:, 1:] - zz[:, :-1])
        m[:, 1:] = d
        np.maximum(m[:, :-1], d, out=m[:, :-1])
    if R > 1:
        d = np.abs(zz[1:] - zz[:-1])
        np.maximum(m[1:], d, out=m[1:])
        np.maximum(m[:-1], d, out=m[:-1])
    return m


def _row_outputs(r, a, b, ss, inv_n, vmax, inv_h, inv_tan2, inv_rough2, inv_step, w_tilt,
                 w_rough, w_step, obstacle, cost, slope_x, slope_y, rough, step):
    """:func:`_cell_terms` for a whole row ``r`` at once (the NumPy twins')."""
    np.maximum(ss, 0.0, out=ss)
    slope_x[r] = a * inv_h
    slope_y[r] = b * inv_h
    q2 = ss * inv_n
    rough[r] = np.sqrt(q2)
    sv = vmax - np.maximum(np.abs(a), np.abs(b))
    np.maximum(sv, 0.0, out=sv)
    step[r] = sv
    t2 = (a * a + b * b) * inv_h * inv_h * inv_tan2
    q2 = q2 * inv_rough2
    st = sv * inv_step
    obstacle[r] |= (t2 > 1.0) | (q2 > 1.0) | (st > 1.0)
    row = 1.0 + w_tilt * t2 + w_rough * q2 + w_step * st * st
    row[obstacle[r] != 0] = np.inf
    cost[r] = row


def _disc_terms_numpy(z, zoff, spans, h, tan_tilt_max, rough_max, step_max, w_tilt,
                      w_rough, w_step, obstacle, cost, slope_x, slope_y, rough, step):
    """:func:`_disc_terms` in NumPy, for a first run that has not compiled it: the same
    arguments and the same numbers, bit for bit on finite heights, as
    :func:`_terrain_terms_numpy` is :func:`_terrain_terms`'s (the prefix sums by
    ``np.cumsum``, each output row's sums over the disc's rows in the kernel's order, one
    NumPy operation per term over all columns)."""
    R, C = z.shape
    K = len(spans) - 1
    lo, hi, gn, gsu, gsuu = _disc_geometry_numpy(spans, C)
    zz = z.astype(np.float64) - zoff
    m = _neighbour_steps(zz)
    vm = np.zeros((R, C))
    for dd in range(K + 1):
        tmp = _sliding_max_rows(m, int(spans[dd]))
        if dd < R:
            np.maximum(vm[dd:], tmp[:R - dd], out=vm[dd:])
            np.maximum(vm[:R - dd], tmp[dd:], out=vm[:R - dd])
    col = np.arange(C)
    p0, p1, p2, bad = _row_prefix_sums(zz)
    inv_h = 1.0 / h
    inv_tan2 = 1.0 / (tan_tilt_max * tan_tilt_max)
    inv_rough2 = 1.0 / (rough_max * rough_max)
    inv_step = 1.0 / step_max
    fcol = col.astype(np.float64)
    for r in range(R):
        N = np.zeros(C)
        Su = np.zeros(C)
        Suu = np.zeros(C)
        Sv = np.zeros(C)
        Svv = np.zeros(C)
        Suv = np.zeros(C)
        Sz = np.zeros(C)
        Suz = np.zeros(C)
        Svz = np.zeros(C)
        Szz = np.zeros(C)
        for dr in range(-K, K + 1):
            rr = r + dr
            if rr < 0 or rr >= R:
                continue
            d = abs(dr)
            a, b = lo[d], hi[d] + 1
            sz = p0[rr, b] - p0[rr, a]
            scz = p1[rr, b] - p1[rr, a]
            szz = p2[rr, b] - p2[rr, a]
            fdr = float(dr)
            N += gn[d]
            Su += gsu[d]
            Suu += gsuu[d]
            Sv += fdr * gn[d]
            Svv += (fdr * fdr) * gn[d]
            Suv += fdr * gsu[d]
            Sz += sz
            Suz += scz - fcol * sz
            Svz += fdr * sz
            Szz += szz
        ub = Su / N
        vb = Sv / N
        cuu = Suu - Su * ub
        cvv = Svv - Sv * vb
        cuv = Suv - Su * vb
        cuz = Suz - ub * Sz
        cvz = Svz - vb * Sz
        det = cuu * cvv - cuv * cuv
        a = np.where(det > 0.0, (cvv * cuz - cuv * cvz) / det,
                     np.where(cuu > 0.0, cuz / cuu, 0.0))
        b = np.where(det > 0.0, (cuu * cvz - cuv * cuz) / det,
                     np.where(cuu > 0.0, 0.0, np.where(cvv > 0.0, cvz / cvv, 0.0)))
        inv_n = 1.0 / N
        ss = Szz - Sz * Sz * inv_n - a * cuz - b * cvz
        _row_outputs(r, a, b, ss, inv_n, vm[r], inv_h, inv_tan2, inv_rough2, inv_step, w_tilt,
                     w_rough, w_step, obstacle, cost, slope_x, slope_y, rough, step)
    return 1 if bad else 0


def _disc_geometry_numpy(spans, C):
    """:func:`_disc_geometry` in NumPy (exact integers, so the same numbers)."""
    col = np.arange(C, dtype=np.int64)
    w = np.asarray(spans, dtype=np.int64)[:, None]
    lo = np.maximum(col - w, 0)
    hi = np.minimum(col + w, C - 1)
    u0, u1 = lo - col, hi - col
    n = (hi - lo + 1).astype(np.float64)
    su = ((u0 + u1) * (u1 - u0 + 1) // 2).astype(np.float64)
    suu = ((u1 * (u1 + 1) * (2 * u1 + 1) - (u0 - 1) * u0 * (2 * u0 - 1)) // 6).astype(np.float64)
    return lo, hi, n, su, suu


@njit(cache=True, nogil=True)
def _stamp_discs(mask, xs, ys, radii, h):
    """Set ``mask`` (R, C) uint8 on every cell whose square meets the disc of radius
    ``radii[i]`` [m] around ``(xs[i], ys[i])`` [m] (the nearest point of the square is within
    the radius; a disc wholly inside one cell marks that cell). Exact and conservative: a
    cell left unset holds no point of any disc. Discs partly off the grid stamp only the
    part on it."""
    R, C = mask.shape
    for i in range(xs.shape[0]):
        x = xs[i]
        y = ys[i]
        rad = radii[i]
        # Clipped in float first: a disc far off the grid must not overflow the int cast.
        fr0 = max(math.floor((y - rad) / h), 0.0)
        fr1 = min(math.floor((y + rad) / h), R - 1.0)
        fc0 = max(math.floor((x - rad) / h), 0.0)
        fc1 = min(math.floor((x + rad) / h), C - 1.0)
        if fr1 < fr0 or fc1 < fc0:
            continue
        r0 = int(fr0)
        r1 = int(fr1)
        c0 = int(fc0)
        c1 = int(fc1)
        rad2 = rad * rad
        for r in range(r0, r1 + 1):
            # Nearest point of the cell's row band to the centre, along y.
            ylo = r * h
            dy = 0.0
            if y < ylo:
                dy = ylo - y
            elif y > ylo + h:
                dy = y - (ylo + h)
            for c in range(c0, c1 + 1):
                xlo = c * h
                dx = 0.0
                if x < xlo:
                    dx = xlo - x
                elif x > xlo + h:
                    dx = x - (xlo + h)
                if dx * dx + dy * dy <= rad2:
                    mask[r, c] = 1


@njit(cache=True, nogil=True)
def _edt_1d(f, n, d, v, zz):
    """Felzenszwalb-Huttenlocher squared distance transform of ``f[:n]`` into ``d[:n]``."""
    big = 1e30
    kk = 0
    # Skip leading infinities: the lower envelope starts at the first finite sample.
    first = -1
    for q in range(n):
        if f[q] < big:
            first = q
            break
    if first < 0:
        for q in range(n):
            d[q] = big
        return
    v[0] = first
    zz[0] = -big
    zz[1] = big
    for q in range(first + 1, n):
        if f[q] >= big:
            continue
        s = ((f[q] + q * q) - (f[v[kk]] + v[kk] * v[kk])) / (2.0 * q - 2.0 * v[kk])
        while s <= zz[kk]:
            kk -= 1
            s = ((f[q] + q * q) - (f[v[kk]] + v[kk] * v[kk])) / (2.0 * q - 2.0 * v[kk])
        kk += 1
        v[kk] = q
        zz[kk] = s
        zz[kk + 1] = big
    kk = 0
    for q in range(n):
        while zz[kk + 1] < q:
            kk += 1
        dq = q - v[kk]
        d[q] = dq * dq + f[v[kk]]


@njit(cache=True, nogil=True)
def _squared_edt(mask, out):
    """Squared Euclidean distance [cells^2] from every cell centre to the nearest set cell of
    ``mask`` (R, C) uint8; 1e30 where the mask is empty. ``out`` (R, C) float64."""
    R, C = mask.shape
    big = 1e30
    n = max(R, C)
    f = np.empty(n)
    d = np.empty(n)
    v = np.empty(n, dtype=np.int64)
    zz = np.empty(n + 1)
    for c in range(C):
        for r in range(R):
            f[r] = 0.0 if mask[r, c] else big
        _edt_1d(f, R, d, v, zz)
        for r in range(R):
            out[r, c] = d[r]
    for r in range(R):
        for c in range(C):
            f[c] = out[r, c]
        _edt_1d(f, C, d, v, zz)
        for c in range(C):
            out[r, c] = d[c] if d[c] < big else big


@njit(cache=True, nogil=True)
def _dilate(mask, offsets, out):
    """Set ``out`` (R, C) uint8 at every set cell of ``mask`` moved by each of ``offsets``
    (K, 2) int64 row/col (a disc of offsets makes a Euclidean dilation). Cost: set cells x K."""
    R, C = mask.shape
    K = offsets.shape[0]
    for r in range(R):
        for c in range(C):
            if mask[r, c]:
                for i in range(K):
                    rr = r + offsets[i, 0]
                    cc = c + offsets[i, 1]
                    if 0 <= rr < R and 0 <= cc < C:
                        out[rr, cc] = 1
