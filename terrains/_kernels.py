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
def _catmull_rom(t):
    """The four Catmull-Rom weights of a point a fraction ``t`` in [0, 1) past the second of
    four equally spaced samples (an interpolating cubic: smooth slopes across samples)."""
    t2 = t * t
    t3 = t2 * t
    return (-0.5 * t3 + t2 - 0.5 * t,
            1.5 * t3 - 2.5 * t2 + 1.0,
            -1.5 * t3 + 2.0 * t2 + 0.5 * t,
            0.5 * t3 - 0.5 * t2)


@njit(cache=True, nogil=True)
def add_ripple_field(z, cell, step, env_re, env_im, patch, mask, height, k_east, k_north,
                     ridge, lee, amp_max, patch_lo, patch_width):
    """Add a field of aeolian ripples to ``z`` (float32 (rows, cols) [m]) in place.

    The ripples are the crests of a narrow-band random wave ``Re(psi(x) exp(i k . x))``:
    ``psi`` is a slowly varying complex envelope sampled every ``step`` cells on a coarse
    grid (``env_re``, ``env_im``, float64 (R, C) with R >= (rows - 1) // step + 4 and the same
    for C; coarse sample (i, j) sits at cell (step * (i - 1), step * (j - 1))), interpolated
    with Catmull-Rom cubics. Its argument bends and spaces the crests (the local wavevector is
    ``k + grad arg psi``), and where ``|psi|`` falls to zero the crests end or split (the
    phase singularities of the wave are its crest terminations and Y-junctions). ``k_east``,
    ``k_north`` [rad/m] is the mean wavevector, pointing downwind.

    At each cell, with ``t`` the fraction of a period the phase has run past a trough, the
    profile is a ridge over ``t < ridge`` (a fraction of the period; flat trough beyond):
    rising over the first ``1 - lee`` of the ridge (stoss) and falling over the last ``lee``
    (lee face, downwind), each half a cosine, so the profile and its slope are continuous.
    The ridge stands ``height * min(|psi|, amp_max) * p * m`` [m] tall, ``p`` the patch
    weight, a smoothstep of ``(patch - patch_lo) / patch_width`` (``patch`` a coarse float64
    field interpolated as ``psi``; ``patch_width`` <= 0 for ripples everywhere) and ``m``
    the float32 ``mask`` (rows, cols) in [0, 1] (0 inside craters, see
    :func:`ripple_crater_mask`).
    """
    rows, cols = z.shape
    inv = 1.0 / step
    two_pi = 2.0 * math.pi
    stoss = ridge * (1.0 - lee)
    # horizontal interpolation: per column, the coarse index and the four weights
    cj = np.empty(cols, np.int64)
    wx = np.empty((cols, 4))
    for c in range(cols):
        u = c * inv
        j = int(math.floor(u))
        cj[c] = j
        w0, w1, w2, w3 = _catmull_rom(u - j)
        wx[c, 0] = w0
        wx[c, 1] = w1
        wx[c, 2] = w2
        wx[c, 3] = w3
    # per row: the three coarse fields interpolated vertically onto the coarse columns
    vre = np.empty(env_re.shape[1])
    vim = np.empty(env_re.shape[1])
    vpa = np.empty(env_re.shape[1])
    for r in range(rows):
        u = r * inv
        i = int(math.floor(u))
        a0, a1, a2, a3 = _catmull_rom(u - i)
        for j in range(env_re.shape[1]):
            vre[j] = (a0 * env_re[i, j] + a1 * env_re[i + 1, j] + a2 * env_re[i + 2, j]
                      + a3 * env_re[i + 3, j])
            vim[j] = (a0 * env_im[i, j] + a1 * env_im[i + 1, j] + a2 * env_im[i + 2, j]
                      + a3 * env_im[i + 3, j])
            vpa[j] = (a0 * patch[i, j] + a1 * patch[i + 1, j] + a2 * patch[i + 2, j]
                      + a3 * patch[i + 3, j])
        yy = (r + 0.5) * cell
        for c in range(cols):
            m = mask[r, c]
            if m <= 0.0:
                continue
            j = cj[c]
            p = 1.0
            if patch_width > 0.0:
                g = (wx[c, 0] * vpa[j] + wx[c, 1] * vpa[j + 1] + wx[c, 2] * vpa[j + 2]
                     + wx[c, 3] * vpa[j + 3])
                s = (g - patch_lo) / patch_width
                if s <= 0.0:
                    continue
                if s < 1.0:
                    p = s * s * (3.0 - 2.0 * s)
            re = (wx[c, 0] * vre[j] + wx[c, 1] * vre[j + 1] + wx[c, 2] * vre[j + 2]
                  + wx[c, 3] * vre[j + 3])
            im = (wx[c, 0] * vim[j] + wx[c, 1] * vim[j + 1] + wx[c, 2] * vim[j + 2]
                  + wx[c, 3] * vim[j + 3])
            amp = math.sqrt(re * re + im * im)
            if amp > amp_max:
                amp = amp_max
            ph = k_east * (c + 0.5) * cell + k_north * yy + math.atan2(im, re)
            t = ph / two_pi
            t -= math.floor(t)
            if t >= ridge:
                continue
            if t < stoss:
                prof = 0.5 - 0.5 * math.cos(math.pi * t / stoss)
            else:
                prof = 0.5 + 0.5 * math.cos(math.pi * (t - stoss) / (ridge - stoss))
            z[r, c] += np.float32(height * amp * p * m * prof)
    return 0


@njit(cache=True, nogil=True)
def ripple_crater_mask(mask, cell, x, y, diameter, fresh, elong, angle):
    """Where craters keep ripples out: ``mask`` (float32 (rows, cols), all 1 on entry) is
    lowered in place to the smallest weight any crater gives a cell.

    A crater (centre x, y [m], equal-area diameter [m], axis ratio ``elong`` >= 1, long axis
    ``angle`` [rad] anticlockwise from east, as :func:`stamp_craters`) gives 0 inside its rim
    (elliptical radius q <= 1) and a smoothstep from 0 to 1 over ``1 < q < 1 + w``, ``w =
    0.15 + 0.85 * fresh`` (``fresh`` in [0, 1], 1 for a fresh crater): ripples thin over a
    fresh crater's ejecta out to about 2 R, and come back at the rim of a worn one.
    """
    rows, cols = mask.shape
    for k in range(x.shape[0]):
        radius = 0.5 * diameter[k]
        if radius <= 0.0:
            continue
        w = 0.15 + 0.85 * fresh[k]
        outer = 1.0 + w
        stretch = math.sqrt(elong[k])
        ca = math.cos(angle[k])
        sa = math.sin(angle[k])
        inv_a = 1.0 / (radius * stretch)
        inv_b = stretch / radius
        r0, r1, c0, c1 = _bbox(x[k], y[k], outer * radius * stretch, cell, rows, cols)
        o2 = outer * outer
        for r in range(r0, r1 + 1):
            dy = (r + 0.5) * cell - y[k]
            for c in range(c0, c1 + 1):
                dx = (c + 0.5) * cell - x[k]
                u = (dx * ca + dy * sa) * inv_a
                v = (dy * ca - dx * sa) * inv_b
                q2 = u * u + v * v
                if q2 >= o2:
                    continue
                if q2 <= 1.0:
                    g = 0.0
                else:
                    s = (math.sqrt(q2) - 1.0) / w
                    g = s * s * (3.0 - 2.0 * s)
                if g < mask[r, c]:
                    mask[r, c] = np.float32(g)
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
def rock_layer_area(cell, sub, x, y, diameter, height, layer, covered):
    """The rocks' relief as a DEM of cell means: each cell the mean height of the rocks'
    upper envelope over it.

    A rock is a half-ellipsoid ``height * sqrt(1 - (r / R)**2)`` of radius R = diameter / 2
    [m] centred at (x, y) [m]. Each cell is sampled at ``sub`` x ``sub`` points (the centres
    of its sub-cells, ``cell / sub`` apart); a sample's height is the tallest rock over it
    (rocks never stack: where they overlap the ground follows the highest, not their sum)
    and the cell holds the mean of its samples. So a rock enters every cell it covers by its
    volume there over the cell's area instead of standing at full height on whole cells (a
    rock of one cell then gave the height field about 2.5x its own height variance). A disc
    of diameter >= sqrt(2) sample spacings always holds a sample, so every rock at least that
    large shows. ``layer`` and ``covered`` are float32 of the grid's shape, all zero on
    entry: on return ``layer`` [m] holds the cell means and ``covered`` [-] the fraction of
    each cell's samples under a rock.

    Rocks are swept row by row (bucketed by their first row), so only one row of samples
    is held at a time (``sub`` x ``cols * sub`` float32, with the row each sample was last
    written on, so nothing is cleared between rows); each cell's sum is kept up to date as
    samples rise, so the work is the rocks' samples plus one write per touched cell.
    """
    rows, cols = layer.shape
    n = x.shape[0]
    sc = cell / sub
    inv_s2 = 1.0 / (sub * sub)
    # int32 indices: rocks are at most a few million (MAX_ROCKS), and these arrays are the
    # kernel's largest (the generator's peak memory is bounded in units of the height array)
    first = np.empty(n, dtype=np.int32)
    last = np.empty(n, dtype=np.int32)
    # bucket the rocks by first row (a counting sort: order[start[r]:start[r + 1]])
    start = np.zeros(rows + 1, dtype=np.int64)
    for k in range(n):
        radius = 0.5 * diameter[k]
        f = max(0, int(math.floor((y[k] - radius) / cell)))
        l = min(rows - 1, int(math.floor((y[k] + radius) / cell)))
        if radius <= 0.0 or l < f:
            f = rows  # never active
        first[k] = f
        last[k] = l
        if f < rows:
            start[f + 1] += 1
    for r in range(rows):
        start[r + 1] += start[r]
    fill = start[:rows].copy()
    order = np.empty(start[rows], dtype=np.int32)
    for k in range(n):
        if first[k] < rows:
            order[fill[first[k]]] = k
            fill[first[k]] += 1
    buf = np.zeros((sub, cols * sub), dtype=np.float32)
    # the row each sample was last written on: no sample has to be cleared between rows
    stamp = np.full((sub, cols * sub), -1, dtype=np.int64)
    csum = np.zeros(cols, dtype=np.float64)
    chits = np.zeros(cols, dtype=np.int64)
    touched = np.zeros(cols, dtype=np.bool_)
    active = np.empty(order.shape[0], dtype=np.int32)
    n_active = 0
    for r in range(rows):
        # drop rocks that ended above this row, take in those starting on it
        m = 0
        for i in range(n_active):
            if last[active[i]] >= r:
                active[m] = active[i]
                m += 1
        n_active = m
        for i in range(start[r], start[r + 1]):
            active[n_active] = order[i]
            n_active += 1
        if n_active == 0:
            continue
        cmin = cols
        cmax = -1
        for i in range(n_active):
            k = active[i]
            radius = 0.5 * diameter[k]
            inv_r2 = 1.0 / (radius * radius)
            h = height[k]
            xk = x[k]
            for a in range(sub):
                dy = (r * sub + a + 0.5) * sc - y[k]
                w2 = radius * radius - dy * dy
                if w2 <= 0.0:
                    continue
                w = math.sqrt(w2)
                j0 = max(0, int(math.ceil((xk - w) / sc - 0.5)))
                j1 = min(cols * sub - 1, int(math.floor((xk + w) / sc - 0.5)))
                if j1 < j0:
                    continue
                base = 1.0 - dy * dy * inv_r2
                c = j0 // sub
                c_end = (c + 1) * sub  # first sample of the next cell
                cmin = min(cmin, c)
                for j in range(j0, j1 + 1):
                    if j == c_end:
                        c += 1
                        c_end += sub
                    dx = (j + 0.5) * sc - xk
                    q = base - dx * dx * inv_r2
                    if q > 0.0:
                        v = np.float32(h * math.sqrt(q))
                        # a sample written on an earlier row counts as bare ground
                        old = buf[a, j] if stamp[a, j] == r else np.float32(0.0)
                        if v > old:
                            buf[a, j] = v
                            stamp[a, j] = r
                            csum[c] += v - old
                            if old == 0.0:
                                chits[c] += 1
                            touched[c] = True
                cmax = max(cmax, c)
        for c in range(cmin, cmax + 1):
            if not touched[c]:
                continue
            touched[c] = False
            layer[r, c] = np.float32(csum[c] * inv_s2)
            covered[r, c] = np.float32(chits[c] * inv_s2)
            csum[c] = 0.0
            chits[c] = 0
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
def add_fine_rocks(layer, covered, u, mean, var, open_mean):
    """Add the rocks too small to place one by one to the rocks' relief, in place.

    Each cell's volume of such rocks over its area [m] is drawn from ``u`` (float32
    uniforms in [0, 1), the grid's shape) with the given ``mean`` [m] and ``var`` [m^2]:
    when var >= mean^2 (a cell holds few of them: most hold none worth counting, some a
    patch) a zero-inflated exponential, 0 with probability 1 - pi and else exponential of
    mean b, b = (var + mean^2) / (2 mean), pi = mean / b; otherwise (many per cell) an
    exponential of scale sqrt(var) shifted by mean - sqrt(var). Both are non-negative and
    skewed like a sum of a Poisson number of rock volumes, with its mean and variance, and
    cost one logarithm per cell. The rocks lie between the larger rocks, never on them, so
    a cell gets the draw times ``(1 - covered) / open_mean``, ``covered`` float32 the
    fraction of the cell under placed rocks and ``open_mean`` the mean open fraction (the
    division keeps their total volume).
    """
    rows, cols = layer.shape
    inv = 1.0 / open_mean
    if var >= mean * mean:
        b = (var + mean * mean) / (2.0 * mean)
        pi = mean / b
        shift = 0.0
    else:
        b = math.sqrt(var)
        pi = 1.0
        shift = mean - b
    for r in range(rows):
        for c in range(cols):
            t = 1.0 - u[r, c]  # in (0, 1]
            if t > pi:
                v = shift
            else:
                v = shift - b * math.log(t / pi)
            layer[r, c] += np.float32(v * (1.0 - covered[r, c]) * inv)
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
