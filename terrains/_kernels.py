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

#: Outer edge of a crater's ejecta blanket in crater radii (the issue: "out to ~1.5 R").
EJECTA_EXTENT = 1.5


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
def stamp_craters(z, cell, x, y, diameter, depth, rim):
    """Add every crater's profile to ``z`` in place, in array order (oldest first).

    Crater ``i`` is centred at (x[i], y[i]) [m] with diameter D [m], rim-crest-to-floor
    ``depth`` [m] and rim height above the surroundings ``rim`` [m]. With ``r`` the distance
    from the centre in crater radii R = D / 2, the profile added is
    - a parabolic bowl ``rim - depth + depth * r**2`` for r < 1 (floor ``depth - rim`` below
      the surroundings, rim crest at ``+rim``);
    - an ejecta blanket ``rim * (r**-3 - E**-3) / (1 - E**-3)`` for 1 <= r < E, which falls
      as r^-3 (McGetchin et al. 1973) and reaches zero at E = EJECTA_EXTENT.
    Only the bounding box of each crater is touched.
    """
    rows, cols = z.shape
    e3 = EJECTA_EXTENT ** -3.0
    norm = 1.0 / (1.0 - e3)
    for k in range(x.shape[0]):
        radius = 0.5 * diameter[k]
        if radius <= 0.0:
            continue
        reach = EJECTA_EXTENT * radius
        r0, r1, c0, c1 = _bbox(x[k], y[k], reach, cell, rows, cols)
        inv_r = 1.0 / radius
        d = depth[k]
        h = rim[k]
        for r in range(r0, r1 + 1):
            dy = ((r + 0.5) * cell - y[k]) * inv_r
            for c in range(c0, c1 + 1):
                dx = ((c + 0.5) * cell - x[k]) * inv_r
                q2 = dx * dx + dy * dy
                if q2 < 1.0:
                    z[r, c] += np.float32(h - d + d * q2)
                elif q2 < EJECTA_EXTENT * EJECTA_EXTENT:
                    q = math.sqrt(q2)
                    z[r, c] += np.float32(h * (1.0 / (q2 * q) - e3) * norm)
    return 0


@njit(cache=True, nogil=True)
def stamp_rocks(z, cell, x, y, diameter, height):
    """Add every rock to ``z`` in place as a half-ellipsoid of the given diameter and height.

    The bump is ``height * sqrt(1 - (r / R)**2)`` at cell centres within R = diameter / 2 of
    the rock's centre [m]; a rock smaller than a cell may miss every cell centre and then only
    lives in the rock list.
    """
    rows, cols = z.shape
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
                    z[r, c] += np.float32(h * math.sqrt(1.0 - q2))
    return 0


@njit(cache=True, nogil=True)
def add_ripples(z, cell, height, wavelength, azimuth, phase, wobble_amp, wobble_len, wobble_phase):
    """Add sinuous aeolian ripples to ``z`` in place.

    Crests run along ``azimuth`` [rad, clockwise from north]; the crest-to-trough height is
    ``height`` [m] and the spacing ``wavelength`` [m]. Crests meander sideways by up to
    ``wobble_amp`` [rad of phase] with along-crest period ``wobble_len`` [m]; the profile is
    sharpened towards the crest (``0.5 * (1 + sin)`` raised to 1.5) as wind ripples are.
    """
    rows, cols = z.shape
    # unit vector along the crests (east, north) and across them
    ax = math.sin(azimuth)
    ay = math.cos(azimuth)
    k = 2.0 * math.pi / wavelength
    kw = 2.0 * math.pi / wobble_len
    for r in range(rows):
        yy = (r + 0.5) * cell
        for c in range(cols):
            xx = (c + 0.5) * cell
            along = xx * ax + yy * ay
            across = xx * ay - yy * ax
            ph = k * across + phase + wobble_amp * math.sin(kw * along + wobble_phase)
            s = 0.5 * (1.0 + math.sin(ph))
            z[r, c] += np.float32(height * (s * math.sqrt(s) - 0.5))
    return 0
