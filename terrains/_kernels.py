"""Compiled kernels of the terrain generator (private).

Every kernel takes only contiguous numpy arrays and scalars, works in place where it can (so
that the generator's peak memory stays visible to ``tracemalloc`` and small), and returns an
integer status (0 = done) or a plain number. The public layer in :mod:`terrains._generate`
validates its inputs once and never passes anything a kernel has to check.

Grid convention (see DESIGN.md): ``z[row, col]`` with cell centres at
``x = (col + 0.5) * cell`` east and ``y = (row + 0.5) * cell`` north.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__: list[str] = []

#: Outer edge of a crater's ejecta blanket in crater radii. The blanket thins as (r/R)^-3
#: (McGetchin et al. 1973) and fades smoothly to zero between EJECTA_TAPER and here: at 3 R
#: the law leaves 3.7% of the rim height (0.0013 D for a 0.036 D rim).
EJECTA_EXTENT = 3.0
#: Where the blanket starts fading out [crater radii]; inside it the (r/R)^-3 law is exact.
EJECTA_TAPER = 2.5
#: Outer end of the rounding of worn rim crests [crater radii] (faded out from 1.3 R).
SOFT_END = 1.5


@njit(cache=True, nogil=True)
def fill_spectrum(spec, phase, rows, cols, exponent):
    """Fill a half spectrum (``rfft2`` layout) with ``|f| ** -exponent * exp(2 pi i phase)``.

    ``spec`` is complex64 of shape (rows, cols // 2 + 1), written in place; ``phase`` float32
    of the same shape holds uniform numbers in [0, 1). ``f`` is the spatial frequency in
    cycles per cell along each axis, so a non-square grid keeps an isotropic spectrum. The mean
    (f = 0) is set to zero.
    """
    half = spec.shape[1]
    inv_r = 1.0 / rows
    inv_c = 1.0 / cols
    p = -0.5 * exponent
    two_pi = 2.0 * math.pi
    for i in range(rows):
        ky = i if i <= rows // 2 else i - rows
        fy2 = (ky * inv_r) * (ky * inv_r)
        for j in range(half):
            fx = j * inv_c
            f2 = fx * fx + fy2
            if f2 == 0.0:
                spec[i, j] = 0.0
            else:
                amp = math.pow(f2, p)
                ph = two_pi * phase[i, j]
                spec[i, j] = complex(amp * math.cos(ph), amp * math.sin(ph))
    return 0


@njit(cache=True, nogil=True)
def structure_sum(z, lag):
    """Mean squared height difference at an integer ``lag`` [cells] along rows and columns.

    Averages ``(z[r, c + lag] - z[r, c]) ** 2`` and ``(z[r + lag, c] - z[r, c]) ** 2`` over
    every pair inside the grid (no wrap-around), accumulated in float64. Returns -1.0 when the
    lag does not fit along either axis.
    """
    rows, cols = z.shape
    total = 0.0
    count = 0
    if lag < cols:
        for r in range(rows):
            for c in range(cols - lag):
                d = np.float64(z[r, c + lag]) - np.float64(z[r, c])
                total += d * d
            count += cols - lag
    if lag < rows:
        for r in range(rows - lag):
            for c in range(cols):
                d = np.float64(z[r + lag, c]) - np.float64(z[r, c])
                total += d * d
            count += cols
    if count == 0:
        return -1.0
    return total / count


@njit(cache=True, nogil=True)
def scale_inplace(z, factor):
    """``z *= factor`` without a temporary (float32 grid, float64 factor)."""
    f = np.float32(factor)
    rows, cols = z.shape
    for r in range(rows):
        for c in range(cols):
            z[r, c] *= f
    return 0


@njit(cache=True, nogil=True)
def _bbox(x, y, reach, cell, rows, cols):
    # Cells whose centre can lie within `reach` of (x, y): centre of col c is (c + 0.5) * cell.
    c0 = int(math.floor((x - reach) / cell - 0.5))
    c1 = int(math.ceil((x + reach) / cell - 0.5))
    r0 = int(math.floor((y - reach) / cell - 0.5))
    r1 = int(math.ceil((y + reach) / cell - 0.5))
    if c0 < 0:
        c0 = 0
    if r0 < 0:
        r0 = 0
    if c1 > cols - 1:
        c1 = cols - 1
    if r1 > rows - 1:
        r1 = rows - 1
    return r0, r1, c0, c1


@njit(cache=True, nogil=True)
def crater_profile(q, depth, rim, soft):
    """Height [m] a crater adds at ``q`` crater radii from its centre.

    The fresh profile is the lower of a parabolic bowl ``rim - depth + depth * q**2`` (floor
    ``depth - rim`` below the surroundings, crest ``+rim`` at q = 1) and an ejecta blanket
    ``rim * q**-3`` (McGetchin et al. 1973), which fades to zero between EJECTA_TAPER and
    EJECTA_EXTENT with a smoothstep; the two meet at the rim crest. ``soft`` > 0 [m] rounds
    the crest with a smooth minimum of that width (worn rims), faded out between 1.3 R and
    SOFT_END so the profile stays continuous.
    """
    if q >= EJECTA_EXTENT:
        return 0.0
    inner = rim - depth + depth * q * q
    if q > 0.0:
        outer = rim / (q * q * q)
        if q > EJECTA_TAPER:
            t = (q - EJECTA_TAPER) / (EJECTA_EXTENT - EJECTA_TAPER)
            outer *= 1.0 - t * t * (3.0 - 2.0 * t)
    else:
        outer = math.inf
    m = min(inner, outer)
    if soft > 0.0 and q < SOFT_END:
        gap = abs(inner - outer) / soft
        if gap < 40.0:  # beyond, the rounding is below 4e-18 of soft: skip the exp
            taper = 1.0 if q <= 1.3 else (SOFT_END - q) / (SOFT_END - 1.3)
            m -= soft * math.log1p(math.exp(-gap)) * taper
    return m


@njit(cache=True, nogil=True)
def stamp_craters(z, cell, x, y, diameter, depth, rim, soft, erase, elong, angle):
    """Stamp every crater into ``z`` in place, in array order (oldest first).

    Crater ``i`` is centred at (x[i], y[i]) [m] with mean diameter D [m], rim-crest-to-floor
    ``depth`` [m], rim height ``rim`` [m] and crest rounding ``soft`` [m] (see
    :func:`crater_profile`). It is an ellipse of axis ratio ``elong`` (>= 1) and the same
    area as the circle of diameter D, its long axis ``angle`` [rad] anticlockwise from east:
    the profile is taken at the elliptical radius ``q = sqrt((u / a)**2 + (v / b)**2)``,
    ``a = R sqrt(elong)``, ``b = R / sqrt(elong)``. A crater also overprints what was there
    before it: inside its rim the older topography is pulled towards its mean over the
    crater by the fraction ``erase`` (faded to zero between 0.8 R and the rim), so a young
    crater cuts through old rims instead of being added on top of them. Only the bounding
    box of each crater is touched.
    """
    rows, cols = z.shape
    for k in range(x.shape[0]):
        radius = 0.5 * diameter[k]
        if radius <= 0.0:
            continue
        stretch = math.sqrt(elong[k])
        ca = math.cos(angle[k])
        sa = math.sin(angle[k])
        inv_a = 1.0 / (radius * stretch)
        inv_b = stretch / radius
        w0 = erase[k]
        ref = 0.0
        if w0 > 0.0:
            # the mean inside the rim: only the rim's own box is read
            r0, r1, c0, c1 = _bbox(x[k], y[k], radius * stretch, cell, rows, cols)
            total = 0.0
            n = 0
            for r in range(r0, r1 + 1):
                dy = (r + 0.5) * cell - y[k]
                for c in range(c0, c1 + 1):
                    dx = (c + 0.5) * cell - x[k]
                    u = (dx * ca + dy * sa) * inv_a
                    v = (dy * ca - dx * sa) * inv_b
                    if u * u + v * v < 1.0:
                        total += z[r, c]
                        n += 1
            if n == 0:
                w0 = 0.0
            else:
                ref = total / n
        # a rimless (fully worn) crater adds exactly nothing past its rounding (SOFT_END):
        # its cells out there are skipped (the same heights, bit for bit, at ~1/4 the work)
        extent = SOFT_END if rim[k] == 0.0 else EJECTA_EXTENT
        lim2 = extent * extent
        reach = extent * radius * stretch
        r0, r1, c0, c1 = _bbox(x[k], y[k], reach, cell, rows, cols)
        for r in range(r0, r1 + 1):
            dy = (r + 0.5) * cell - y[k]
            # columns whose centres can lie within the reach (a circle holding the ellipse)
            half = reach * reach - dy * dy
            if half < 0.0:
                continue
            half = math.sqrt(half)
            ca0 = max(c0, int(math.floor((x[k] - half) / cell - 0.5)))
            ca1 = min(c1, int(math.ceil((x[k] + half) / cell - 0.5)))
            for c in range(ca0, ca1 + 1):
                dx = (c + 0.5) * cell - x[k]
                u = (dx * ca + dy * sa) * inv_a
                v = (dy * ca - dx * sa) * inv_b
                q2 = u * u + v * v
                if q2 >= lim2:
                    continue
                q = math.sqrt(q2)
                add = crater_profile(q, depth[k], rim[k], soft[k])
                if w0 > 0.0 and q < 1.0:
                    w = w0 if q <= 0.8 else w0 * (1.0 - q) / 0.2
                    add += w * (ref - z[r, c])
                z[r, c] += np.float32(add)
    return 0


@njit(cache=True, nogil=True)
def stamp_rocks(z, cell, x, y, diameter, height, layer):
    """Add every rock to ``z`` in place as a half-ellipsoid of the given diameter and height.

    The bump is ``height * sqrt(1 - (r / R)**2)`` at cell centres within R = diameter / 2 of
    the rock's centre [m], and the cell holding the rock's centre carries the rock's whole
    height (a rock smaller than a cell, which may miss every cell centre, still shows at its
    height). Rocks never stack: where rocks overlap the ground rises to the highest of them,
    not their sum. ``layer`` is a float32 work array of ``z``'s shape, all zero on entry
    (it holds the rocks' relief on return).
    """
    rock_layer(cell, x, y, diameter, height, layer)
    rows, cols = z.shape
    for r in range(rows):
        for c in range(cols):
            z[r, c] += layer[r, c]
    return 0


@njit(cache=True, nogil=True)
def rock_layer(cell, x, y, diameter, height, layer):
    """The rocks' relief of :func:`stamp_rocks` alone, written into ``layer`` (float32, the
    grid's shape, all zero on entry): each cell the height of the tallest rock over it."""
    rows, cols = layer.shape
    for k in range(x.shape[0]):
        radius = 0.5 * diameter[k]
        if radius <= 0.0:
            continue
        r0, r1, c0, c1 = _bbox(x[k], y[k], radius, cell, rows, cols)
        inv_r = 1.0 / radius
        h = height[k]
        for r in range(r0, r1 + 1):
            dy = ((r + 0.5) * cell - y[k]) * inv_r
            for c in range(c0, c1 + 1):
                dx = ((c + 0.5) * cell - x[k]) * inv_r
                q2 = dx * dx + dy * dy
                if q2 < 1.0:
                    v = np.float32(h * math.sqrt(1.0 - q2))
                    if v > layer[r, c]:
                        layer[r, c] = v
        rc = int(math.floor(y[k] / cell))
        cc = int(math.floor(x[k] / cell))
        if 0 <= rc < rows and 0 <= cc < cols:
            v = np.float32(h)
            if v > layer[rc, cc]:
                layer[rc, cc] = v
    return 0


@njit(cache=True, nogil=True)
def add_ripples(z, cell, height, wavelength, azimuth, phase, wobble_amp, wobble_len,
                wobble_phase, patch_len, patch_phase):
    """Add sinuous aeolian ripples to ``z`` in place.

    Crests run along ``azimuth`` [rad, clockwise from north]; the crest-to-trough height is
    ``height`` [m] and the spacing ``wavelength`` [m]. Crests meander sideways by up to
    ``wobble_amp`` [rad of phase] with along-crest period ``wobble_len`` [m] (plus a second,
    oblique meander at 1.7 times that period), and their height swells and fades over patches
    of size ``patch_len`` [m] (between 0.4 and 1 of ``height``). The profile is sharpened
    towards the crest (``0.5 * (1 + sin)`` raised to 1.5), as wind ripples are.
    """
    rows, cols = z.shape
    # unit vector along the crests (east, north) and across them
    ax = math.sin(azimuth)
    ay = math.cos(azimuth)
    k = 2.0 * math.pi / wavelength
    kw = 2.0 * math.pi / wobble_len
    kw2 = kw / 1.7
    kp = 2.0 * math.pi / patch_len
    # Along a row, every argument below is linear in the column, so its sine and cosine are
    # advanced by one rotation per cell (restarted exactly at each row, so no drift builds up):
    # one true sine per cell instead of five.
    d_along = cell * ax
    d_across = cell * ay
    st0 = kw * d_along
    st1 = kw2 * (d_along + 0.5 * d_across)
    st2 = kp * d_along
    st3 = kp * 0.8 * d_across
    c0, s0 = math.cos(st0), math.sin(st0)
    c1, s1 = math.cos(st1), math.sin(st1)
    c2, s2 = math.cos(st2), math.sin(st2)
    c3, s3 = math.cos(st3), math.sin(st3)
    for r in range(rows):
        yy = (r + 0.5) * cell
        along0 = 0.5 * cell * ax + yy * ay
        across0 = 0.5 * cell * ay - yy * ax
        a0 = kw * along0 + wobble_phase
        a1 = kw2 * (along0 + 0.5 * across0) + 2.0 * wobble_phase
        a2 = kp * along0 + patch_phase
        a3 = kp * 0.8 * across0
        sv0, cv0 = math.sin(a0), math.cos(a0)
        sv1, cv1 = math.sin(a1), math.cos(a1)
        sv2, cv2 = math.sin(a2), math.cos(a2)
        sv3, cv3 = math.sin(a3), math.cos(a3)
        for c in range(cols):
            across = across0 + c * d_across
            ph = k * across + phase + wobble_amp * (sv0 + 0.6 * sv1)
            s = 0.5 * (1.0 + math.sin(ph))
            amp = 0.7 + 0.3 * sv2 * cv3
            z[r, c] += np.float32(height * amp * (s * math.sqrt(s) - 0.5))
            sv0, cv0 = sv0 * c0 + cv0 * s0, cv0 * c0 - sv0 * s0
            sv1, cv1 = sv1 * c1 + cv1 * s1, cv1 * c1 - sv1 * s1
            sv2, cv2 = sv2 * c2 + cv2 * s2, cv2 * c2 - sv2 * s2
            sv3, cv3 = sv3 * c3 + cv3 * s3, cv3 * c3 - sv3 * s3
    return 0


@njit(cache=True, nogil=True)
def broken_power_amplitude(f2, h_hi, h_lo, f_break, sharp):
    """Amplitude of a relief wave at squared frequency ``f2`` [(cycles per cell)^2].

    A smoothly broken power law: ``f^-(h_hi + 1) * (1 + (f_break / f)^sharp)^((h_lo - h_hi) /
    sharp)``, i.e. the spectrum of an fBm of Hurst exponent ``h_hi`` at frequencies above
    ``f_break`` and of ``h_lo`` below it (power spectral density ``f^-(2H + 2)``); ``sharp``
    sets how quickly one gives way to the other. With ``h_lo == h_hi`` it is the plain
    ``f^-(H + 1)`` of :func:`fill_spectrum`.
    """
    f = math.sqrt(f2)
    a = math.pow(f, -(h_hi + 1.0))
    if h_lo != h_hi:
        a *= math.pow(1.0 + math.pow(f_break / f, sharp), (h_lo - h_hi) / sharp)
    return a


@njit(cache=True, nogil=True)
def fill_spectrum_broken(spec, phase, rows, cols, h_hi, h_lo, f_break, sharp, scale):
    """As :func:`fill_spectrum`, with the amplitudes ``scale`` times
    :func:`broken_power_amplitude` (``spec`` complex64 (rows, cols // 2 + 1), ``phase``
    float32 of that shape, uniform in [0, 1)). The mean (f = 0) is zero."""
    half = spec.shape[1]
    inv_r = 1.0 / rows
    inv_c = 1.0 / cols
    two_pi = 2.0 * math.pi
    for i in range(rows):
        ky = i if i <= rows // 2 else i - rows
        fy2 = (ky * inv_r) * (ky * inv_r)
        for j in range(half):
            fx = j * inv_c
            f2 = fx * fx + fy2
            if f2 == 0.0:
                spec[i, j] = 0.0
            else:
                amp = scale * broken_power_amplitude(f2, h_hi, h_lo, f_break, sharp)
                ph = two_pi * phase[i, j]
                spec[i, j] = complex(amp * math.cos(ph), amp * math.sin(ph))
    return 0


@njit(cache=True, nogil=True)
def radial_bins(rows, cols, lf0, dlf, nbins, count_x, count_y, sum_lf):
    """Bin the frequencies of a ``rows`` x ``cols`` grid's ``rfft2`` half plane by log |f|.

    Bin ``b`` holds ``lf0 + b dlf <= log|f| < lf0 + (b + 1) dlf`` (|f| in cycles per cell;
    clamped to the first and last bin). On return ``count_x[b, j]`` (nbins, cols // 2 + 1)
    is the number of full-plane coefficients of bin b with column frequency index j (a half
    plane column other than 0 and, for even ``cols``, the Nyquist one stands for two),
    ``count_y[b, i]`` (nbins, rows // 2 + 1) the same by row frequency index |ky|, and
    ``sum_lf[b]`` the sum of log|f| over the bin's full-plane coefficients (its mean is where
    the bin's spectrum is evaluated). All three arrays are float64 and zero on entry. The mean
    (f = 0) is left out.
    """
    half = cols // 2 + 1
    inv_r = 1.0 / rows
    inv_c = 1.0 / cols
    for i in range(rows):
        ky = i if i <= rows // 2 else i - rows
        aky = ky if ky >= 0 else -ky
        fy2 = (ky * inv_r) * (ky * inv_r)
        for j in range(half):
            fx = j * inv_c
            f2 = fx * fx + fy2
            if f2 == 0.0:
                continue
            mult = 1.0 if (j == 0 or (cols % 2 == 0 and j == cols // 2)) else 2.0
            lf = 0.5 * math.log(f2)
            b = int(math.floor((lf - lf0) / dlf))
            if b < 0:
                b = 0
            if b >= nbins:
                b = nbins - 1
            count_x[b, j] += mult
            count_y[b, aky] += mult
            sum_lf[b] += mult * lf
    return 0


@njit(cache=True, nogil=True)
def structure_sums(z, layer, with_layer, lags, step, out):
    """Mean squared height difference of ``z`` (+ ``layer`` when ``with_layer``) at each
    integer lag of ``lags`` [cells], along rows and columns pooled, written to ``out``.

    As :func:`structure_sum`, but over every ``step``-th row (pairs along rows) and every
    ``step``-th row as the first of a pair along columns: an estimate ``step`` times cheaper,
    for calibration. ``layer`` float32 of ``z``'s shape (any shape when not used). A lag that
    fits along neither axis gives -1.
    """
    rows, cols = z.shape
    for m in range(lags.shape[0]):
        lag = lags[m]
        total = 0.0
        count = 0
        if lag < cols:
            for r in range(0, rows, step):
                for c in range(cols - lag):
                    d = np.float64(z[r, c + lag]) - np.float64(z[r, c])
                    if with_layer:
                        d += np.float64(layer[r, c + lag]) - np.float64(layer[r, c])
                    total += d * d
                count += cols - lag
        if lag < rows:
            for r in range(0, rows - lag, step):
                for c in range(cols):
                    d = np.float64(z[r + lag, c]) - np.float64(z[r, c])
                    if with_layer:
                        d += np.float64(layer[r + lag, c]) - np.float64(layer[r, c])
                    total += d * d
                count += cols
        out[m] = total / count if count else -1.0
    return 0


@njit(cache=True, nogil=True)
def lag_kernel_bins(rows, cols, lf0, dlf, nbins, wx, wy, kern, count, sum_lf):
    """:func:`radial_bins` and the lag kernel in one pass, in memory O(lags x bins).

    For the ``rows`` x ``cols`` grid's ``rfft2`` half plane binned by log |f| as in
    :func:`radial_bins`, adds to ``kern[m, b]`` (float64 (M, nbins), zero on entry) the sum
    over bin b's full-plane coefficients of ``0.5 (wx[m, j] + wy[m, |ky|])`` (``wx`` (M,
    cols // 2 + 1), ``wy`` (M, rows // 2 + 1): 2 (1 - cos) of each lag at each column and row
    frequency), and to ``count[b]`` / ``sum_lf[b]`` the number of coefficients and the sum of
    their log|f|. The same kernel as ``0.5 (wx @ count_x.T + wy @ count_y.T)`` without the
    (nbins, cols) count tables (which on a 2048-wide field cost ~1.4 MB each).
    """
    half = cols // 2 + 1
    inv_r = 1.0 / rows
    inv_c = 1.0 / cols
    nlag = wx.shape[0]
    for i in range(rows):
        ky = i if i <= rows // 2 else i - rows
        aky = ky if ky >= 0 else -ky
        fy2 = (ky * inv_r) * (ky * inv_r)
        for j in range(half):
            fx = j * inv_c
            f2 = fx * fx + fy2
            if f2 == 0.0:
                continue
            mult = 1.0 if (j == 0 or (cols % 2 == 0 and j == cols // 2)) else 2.0
            lf = 0.5 * math.log(f2)
            b = int(math.floor((lf - lf0) / dlf))
            if b < 0:
                b = 0
            if b >= nbins:
                b = nbins - 1
            count[b] += mult
            sum_lf[b] += mult * lf
            for m in range(nlag):
                kern[m, b] += 0.5 * mult * (wx[m, j] + wy[m, aky])
    return 0


@njit(cache=True, nogil=True)
def sum_separable(left, right, out):
    """``out[r, c] = sum_m left[r, m] * right[c, m]`` in a fixed order (float64 sums stored
    as float32): a sum of separable waves, the same bits whatever the BLAS or its threads.
    ``left`` (rows, M), ``right`` (cols, M) float32, ``out`` float32 (rows, cols)."""
    rows, nm = left.shape
    cols = right.shape[0]
    for r in range(rows):
        for c in range(cols):
            acc = 0.0
            for m in range(nm):
                acc += np.float64(left[r, m]) * np.float64(right[c, m])
            out[r, c] = np.float32(acc)
    return 0
