"""Slow, obviously right references for the terrain kernels (pure Python / plain numpy)."""

from __future__ import annotations

import math

import numpy as np

EJECTA = 3.0
TAPER = 2.5


def crater_profile(q: float, depth: float, rim: float, soft: float = 0.0) -> float:
    """Height added at ``q`` crater radii from the centre (see terrains._kernels)."""
    if q >= EJECTA:
        return 0.0
    inner = rim - depth + depth * q * q
    if q > 0:
        t = min(max((q - TAPER) / (EJECTA - TAPER), 0.0), 1.0)
        outer = rim * q ** -3 * (1.0 - t * t * (3.0 - 2.0 * t))
    else:
        outer = math.inf
    fresh = inner if q < 1.0 else outer  # the bowl inside the rim, the ejecta outside
    if soft <= 0.0 or q >= 1.5:
        return fresh
    taper = 1.0 if q <= 1.3 else (1.5 - q) / 0.2
    # smooth minimum: -soft * log(exp(-inner / soft) + exp(-outer / soft)), tapered
    lo = min(inner, outer)
    smooth = lo - soft * math.log(math.exp(-(inner - lo) / soft) + math.exp(-(outer - lo) / soft))
    return fresh + (smooth - fresh) * taper


def stamp_craters(z, cell, craters):
    """Every cell against every crater, oldest first: craters is (N, 9) x, y, D, depth, rim,
    soft, erase, elong, angle. The crater is an ellipse of axis ratio elong and the area of
    the circle of diameter D, long axis at ``angle`` anticlockwise from east. Inside the rim
    the older heights are pulled towards their mean over the crater by ``erase`` (fading
    out between 0.8 R and R)."""
    out = z.astype(np.float64).copy()
    rows, cols = z.shape
    yy, xx = np.mgrid[0:rows, 0:cols]
    for x, y, d, depth, rim, soft, erase, elong, angle in craters:
        dx = (xx + 0.5) * cell - x
        dy = (yy + 0.5) * cell - y
        a = d / 2 * math.sqrt(elong)
        b = d / 2 / math.sqrt(elong)
        u = dx * math.cos(angle) + dy * math.sin(angle)
        v = dy * math.cos(angle) - dx * math.sin(angle)
        q = np.sqrt((u / a) ** 2 + (v / b) ** 2)
        inside = q < 1.0
        ref = out[inside].mean() if inside.any() else 0.0
        before = out.copy()
        for r in range(rows):
            for c in range(cols):
                add = crater_profile(q[r, c], depth, rim, soft)
                if inside[r, c] and erase > 0:
                    w = erase if q[r, c] <= 0.8 else erase * (1.0 - q[r, c]) / 0.2
                    add += w * (ref - before[r, c])
                out[r, c] += add
    return out


def stamp_rocks(z, cell, rocks):
    """Every cell against every rock: rocks is (M, 4) x, y, D, height. Each cell rises by
    the highest rock over it (rocks never stack): its bump at the cell centre, or its whole
    height in the cell that holds the rock's centre."""
    layer = np.zeros(z.shape)
    rows, cols = z.shape
    for x, y, d, h in rocks:
        for r in range(rows):
            for c in range(cols):
                q = math.hypot((c + 0.5) * cell - x, (r + 0.5) * cell - y) / (d / 2)
                if q < 1.0:
                    layer[r, c] = max(layer[r, c], h * math.sqrt(1.0 - q * q))
                if r == math.floor(y / cell) and c == math.floor(x / cell):
                    layer[r, c] = max(layer[r, c], h)
    return z.astype(np.float64) + layer


def rock_layer_area(shape, cell, sub, rocks):
    """Every sample point against every rock: (layer, covered) float64 of ``shape``. Each
    cell is sampled at sub x sub sub-cell centres; a sample's height is the tallest rock's
    half-ellipsoid over it; the cell holds the mean of its samples and the fraction of them
    under a rock."""
    rows, cols = shape
    s = (np.arange(cols * sub) + 0.5) * (cell / sub)
    t = (np.arange(rows * sub) + 0.5) * (cell / sub)
    yy, xx = np.meshgrid(t, s, indexing="ij")
    top = np.zeros(yy.shape)
    for x, y, d, h in rocks:
        q2 = ((xx - x) ** 2 + (yy - y) ** 2) / (0.5 * d) ** 2
        top = np.maximum(top, np.where(q2 < 1.0, h * np.sqrt(np.clip(1.0 - q2, 0.0, None)), 0.0))
    blocks = top.reshape(rows, sub, cols, sub)
    return blocks.mean(axis=(1, 3)), (blocks > 0).mean(axis=(1, 3))


def structure_mean_square(z, lag):
    """Mean squared difference at ``lag`` cells along both axes, all pairs inside the grid."""
    z = z.astype(np.float64)
    parts = []
    if lag < z.shape[1]:
        parts.append(((z[:, lag:] - z[:, :-lag]) ** 2).ravel())
    if lag < z.shape[0]:
        parts.append(((z[lag:] - z[:-lag]) ** 2).ravel())
    return float(np.concatenate(parts).mean())


def _catmull_rom_1d(samples, pos):
    """Catmull-Rom interpolation along axis 0 of ``samples`` at positions ``pos`` [sample
    units, counted from sample 1]: the cubic through samples floor(pos)..floor(pos) + 3."""
    i = np.floor(pos).astype(int)
    t = pos - i
    w = [-0.5 * t ** 3 + t ** 2 - 0.5 * t, 1.5 * t ** 3 - 2.5 * t ** 2 + 1.0,
         -1.5 * t ** 3 + 2.0 * t ** 2 + 0.5 * t, 0.5 * t ** 3 - 0.5 * t ** 2]
    shape = (-1,) + (1,) * (samples.ndim - 1)
    return sum(w[k].reshape(shape) * samples[i + k] for k in range(4))


def ripple_field(shape, cell, step, env_re, env_im, patch, mask, height, k_east, k_north,
                 ridge, lee, amp_max, patch_lo, patch_width):
    """The ripples terrains._kernels.add_ripple_field adds, evaluated directly with numpy
    (float64 (rows, cols) [m]), from its docstring's definition."""
    rows, cols = shape
    pr = np.arange(rows) / step
    pc = np.arange(cols) / step

    def interp(f):
        return _catmull_rom_1d(_catmull_rom_1d(f, pr).T, pc).T

    re, im, g = interp(env_re), interp(env_im), interp(patch)
    amp = np.minimum(np.hypot(re, im), amp_max)
    if patch_width > 0:
        s = np.clip((g - patch_lo) / patch_width, 0.0, 1.0)
        p = s * s * (3 - 2 * s)
    else:
        p = np.ones(shape)
    r, c = np.mgrid[0:rows, 0:cols]
    ph = k_east * (c + 0.5) * cell + k_north * (r + 0.5) * cell + np.arctan2(im, re)
    t = ph / (2 * math.pi)
    t -= np.floor(t)
    stoss = ridge * (1 - lee)
    prof = np.where(t < stoss, 0.5 - 0.5 * np.cos(math.pi * t / stoss),
                    0.5 + 0.5 * np.cos(math.pi * (t - stoss) / (ridge - stoss)))
    prof = np.where(t < ridge, prof, 0.0)
    return height * amp * p * mask.astype(np.float64) * prof


def fill_nodata_naive(z, bad):
    """terrains._dem_kernels.fill_nodata by its definition: each bad cell takes the nearest
    valid cell of its row (the western one on a tie); a row with no valid cell copies the
    nearest row that has one (the southern one on a tie), as filled."""
    out = z.astype(np.float64).copy()
    rows, cols = z.shape
    full = [r for r in range(rows) if not bad[r].all()]
    for r in full:
        good = np.flatnonzero(~bad[r])
        for c in np.flatnonzero(bad[r]):
            d = np.abs(good - c)
            out[r, c] = z[r, good[np.flatnonzero(d == d.min())[0]]]
    for r in range(rows):
        if bad[r].all():
            d = np.abs(np.array(full) - r)
            out[r] = out[full[int(np.flatnonzero(d == d.min())[0])]]
    return out


def _bilinear(z, r, c):
    """Bilinear heights at points (r, c) (arrays) inside the hull of the cell centres."""
    rows, cols = z.shape
    r0 = np.clip(np.floor(r).astype(int), 0, max(rows - 2, 0))
    c0 = np.clip(np.floor(c).astype(int), 0, max(cols - 2, 0))
    r1 = np.minimum(r0 + 1, rows - 1)
    c1 = np.minimum(c0 + 1, cols - 1)
    fr, fc = r - r0, c - c0
    return ((z[r0, c0] * (1 - fc) + z[r0, c1] * fc) * (1 - fr)
            + (z[r1, c0] * (1 - fc) + z[r1, c1] * fc) * fr)


def ray_march_shadow(z, cell, azimuth_deg, elevation_deg, step=0.1):
    """Cast shadow by marching a ray from every cell centre towards the Sun, ``step`` cells
    at a time, over the bilinear surface of the cell centres, until it leaves the grid or
    rises above its highest point: True where the surface rises above the ray."""
    z = np.asarray(z, dtype=np.float64)
    rows, cols = z.shape
    if elevation_deg <= 0:
        return np.ones(z.shape, bool)
    az, el = math.radians(azimuth_deg), math.radians(elevation_deg)
    dr, dc = math.cos(az), math.sin(az)             # towards the Sun: +row is north
    rise = math.tan(el) * cell * step               # the ray's rise per step [m]
    r0, c0 = np.mgrid[0:rows, 0:cols].astype(np.float64)
    r0, c0, h0 = r0.ravel(), c0.ravel(), z.ravel()
    out = np.zeros(r0.size, bool)
    active = np.ones(r0.size, bool)
    top = z.max()
    k = 0
    while active.any():
        k += 1
        idx = np.flatnonzero(active)
        r, c = r0[idx] + k * step * dr, c0[idx] + k * step * dc
        ray = h0[idx] + k * rise
        inside = (r >= 0) & (r <= rows - 1) & (c >= 0) & (c <= cols - 1) & (ray <= top)
        hit = np.zeros(idx.size, bool)
        hit[inside] = _bilinear(z, r[inside], c[inside]) > ray[inside] + 1e-9
        out[idx[hit]] = True
        active[idx[hit | ~inside]] = False
    return out.reshape(rows, cols)


def horizon_naive(z, cell, azimuth_deg, step=0.1):
    """Tangent of the horizon's elevation from every cell centre towards ``azimuth_deg``
    (at least 0), by marching every ray to the grid's edge."""
    z = np.asarray(z, dtype=np.float64)
    rows, cols = z.shape
    az = math.radians(azimuth_deg)
    dr, dc = math.cos(az), math.sin(az)
    r0, c0 = np.mgrid[0:rows, 0:cols].astype(np.float64)
    r0, c0, h0 = r0.ravel(), c0.ravel(), z.ravel()
    best = np.zeros(r0.size)
    k = 0
    while True:
        k += 1
        r, c = r0 + k * step * dr, c0 + k * step * dc
        inside = (r >= 0) & (r <= rows - 1) & (c >= 0) & (c <= cols - 1)
        if not inside.any():
            break
        t = (_bilinear(z, r[inside], c[inside]) - h0[inside]) / (k * step * cell)
        best[inside] = np.maximum(best[inside], t)
    return best.reshape(rows, cols)
