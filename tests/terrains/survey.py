"""An independent survey of a terrain's surface: the yardstick issue 23 is measured with.

Plain numpy and scipy. Nothing here calls :func:`terrains.stats` or reuses any of the
measuring code of :mod:`terrains` (``_stats``, ``_kernels``, ``_generate``'s helpers): every
measure is written again from its definition, and ``tests/terrains/test_survey.py`` checks
each one on synthetic surfaces whose answer is known (a plane, spectral fBm of known H, a
hand-placed crater, hand-placed rocks, square and disc masks). The only things read from a
:class:`terrains.Terrain` are its public fields: ``height`` float32 (rows, cols) [m],
``cell_size`` [m], ``craters`` (N, 4) x, y, diameter, depth [m] and ``rocks`` (M, 4) x, y,
diameter, height [m]; grid convention ``x = (col + 0.5) * cell``, ``y = (row + 0.5) * cell``.

Definitions
-----------
RMS slope at baseline L (:func:`rms_slope_deg`)
    The RMS, over every pair of cell centres L apart along a row or along a column (both
    axes pooled, no wrap-around), of the pair's slope angle ``atan(|h(x + L) - h(x)| / L)``,
    in degrees. This is the RMS of directional (1-D, "bidirectional") slopes between points L
    apart, the quantity Mars Pathfinder reported (Golombek et al. 1999, JGR 104(E4) 8523) and
    Shepard et al. (2001, JGR 106(E12) 32777) standardise as ``atan(nu(L) / L)``; the two
    agree to within 1% below 15 deg. It is not the 2-D gradient magnitude, which is larger
    by about sqrt(2) for isotropic ground (Kreslavsky et al. 2013).
Hurst exponent over [L1, L2] (:func:`hurst_exponent`)
    The least-squares slope of log nu(L) against log L, nu(L) the RMS height difference
    between points L apart (both axes pooled), at integer lags spaced geometrically in
    [L1, L2]: the deviogram slope of Shepard et al. (2001) and Rosenburg et al. (2011, JGR
    116 E02001).
Crater size-frequency (:func:`crater_density`, :func:`cumulative_slope`)
    N(>=D) per m^2 is the number of listed craters of diameter >= D over the grid's area;
    the cumulative slope over [D1, D2] is -b of the maximum-likelihood truncated power law
    ``n(D) ~ D^-(b+1)`` on [D1, D2] (Clauset et al. 2009 with an upper truncation).
Crater morphology (:func:`crater_profile`, :func:`crater_morphology`)
    From the height field alone: a plane is fitted to the ring 5-6 R (the surroundings, where
    a blanket thinning as (r/R)^-3 from a 0.036 D rim has under 0.0003 D left) and removed,
    heights are averaged over annuli; rim crest = the mean over 16 azimuth sectors of each
    sector's highest annulus in 0.7-1.3 R,
    floor = lowest annulus inside 0.5 R, depth = crest - floor, rim height = crest above the
    surroundings (0 after the plane), relief at 1.5 R and 2 R = the annulus there.
Rock cover
    From the list: the summed disc area of rocks of diameter >= D over the grid's area,
    compared with Golombek & Rapp (1997, JGR 102(E2) 4117) ``F_k(D) = k exp(-q D)``,
    ``q = 1.79 + 0.152 / k``. From the height field: the fraction of cells a rock raises
    by more than 1 cm, read from the rocks' own relief ``delta`` (the terrain minus the same
    terrain generated without rocks, which the table script makes; the generator draws rocks
    from their own random stream and adds them to the height field, so the difference is
    exactly what the rocks put there).
Footprint isotropy (:func:`footprint_anisotropy`)
    How far a blocked patch grown around one obstacle cell reaches along the diagonals
    against along the axes: sqrt(2) for a square, 1 for a disc.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize

__all__ = [
    "rms_slope_deg", "rms_height_difference", "hurst_exponent", "crater_density",
    "cumulative_slope", "crater_profile", "crater_morphology", "gr_cover", "listed_cover",
    "fit_cover_k", "disc_mask", "rock_height_max", "rock_grid_cover", "rock_visibility", "density_ratio_near",
    "footprint_anisotropy",
]


# --------------------------------------------------------------------------------------------
# slopes and Hurst exponent

def _lag_cells(length_m: float, cell: float) -> int:
    lag = int(round(length_m / cell))
    if lag < 1 or abs(lag * cell - length_m) > 1e-6 * max(length_m, cell):
        raise ValueError(f"baseline {length_m:g} m is not a whole number of {cell:g} m cells")
    return lag


def _pair_differences(z: np.ndarray, lag: int):
    """Height differences [m] of every pair ``lag`` cells apart along rows, then columns."""
    z = np.asarray(z, dtype=np.float64)
    rows, cols = z.shape
    if lag >= cols and lag >= rows:
        raise ValueError(f"lag {lag} cells does not fit on a grid of shape {z.shape}")
    if lag < cols:
        yield z[:, lag:] - z[:, :-lag]
    if lag < rows:
        yield z[lag:, :] - z[:-lag, :]


def rms_slope_deg(z: np.ndarray, cell: float, baseline_m: float) -> float:
    """RMS of the directional slope angles between points ``baseline_m`` apart [deg].

    Parameters
    ----------
    z : numpy.ndarray
        Heights [m], shape (rows, cols).
    cell : float
        Cell size [m].
    baseline_m : float
        Baseline L [m]; a whole number of cells.
    """
    lag = _lag_cells(baseline_m, cell)
    length = lag * cell
    total = 0.0
    count = 0
    for d in _pair_differences(z, lag):
        a = np.arctan(np.abs(d) / length)
        total += float(np.sum(a * a))
        count += a.size
    return math.degrees(math.sqrt(total / count))


def rms_height_difference(z: np.ndarray, lag: int) -> float:
    """nu: RMS height difference [m] between points ``lag`` cells apart (both axes)."""
    total = 0.0
    count = 0
    for d in _pair_differences(z, lag):
        total += float(np.sum(d * d))
        count += d.size
    return math.sqrt(total / count)


def hurst_exponent(z: np.ndarray, cell: float, lo_m: float, hi_m: float, n: int = 8):
    """Deviogram slope d log nu / d log L over lags in [lo_m, hi_m].

    Returns
    -------
    (float, numpy.ndarray)
        The Hurst exponent and the lags used [m] (integer cells, geometric spacing).
    """
    lo = max(1, int(round(lo_m / cell)))
    hi = int(round(hi_m / cell))
    if hi <= lo:
        raise ValueError(f"lag range [{lo_m:g}, {hi_m:g}] m holds fewer than two lags")
    lags = np.unique(np.round(np.geomspace(lo, hi, n)).astype(int))
    nu = np.array([rms_height_difference(z, int(k)) for k in lags])
    slope = np.polyfit(np.log(lags), np.log(nu), 1)[0]
    return float(slope), lags * cell


# --------------------------------------------------------------------------------------------
# craters

def crater_density(diameters: np.ndarray, area_m2: float, d_m: float) -> float:
    """N(>=D): listed craters of diameter >= ``d_m`` per m^2."""
    return float(np.count_nonzero(np.asarray(diameters) >= d_m)) / area_m2


def cumulative_slope(diameters: np.ndarray, d_lo: float, d_hi: float):
    """Cumulative SFD slope over [d_lo, d_hi] (negative, e.g. -2) by maximum likelihood.

    Returns
    -------
    (float or None, int, float)
        The slope (None with fewer than 10 craters in range), the number of craters used and
        the slope's standard error (b / sqrt(n)).
    """
    d = np.asarray(diameters, dtype=np.float64)
    d = d[(d >= d_lo) & (d <= d_hi)]
    n = d.size
    if n < 10:
        return None, n, math.nan
    mean_log = float(np.mean(np.log(d)))
    la, lc = math.log(d_lo), math.log(d_hi)

    def nll(b):
        # -log likelihood / n of n(D) = b D^-(b+1) / (d_lo^-b - d_hi^-b)
        norm = math.exp(-b * la) - math.exp(-b * lc)
        return -(math.log(b) - (b + 1.0) * mean_log - math.log(norm))

    res = optimize.minimize_scalar(nll, bounds=(0.01, 10.0), method="bounded",
                                   options={"xatol": 1e-6})
    b = float(res.x)
    return -b, n, b / math.sqrt(n)


def crater_profile(z: np.ndarray, cell: float, x: float, y: float, radius: float,
                   q_max: float = 6.0, dq: float | None = None, sectors: int = 1):
    """Radially averaged height around (x, y) [m], the surroundings' plane removed.

    Parameters
    ----------
    z : numpy.ndarray
        Heights [m], shape (rows, cols).
    x, y, radius : float
        Centre and radius R [m].
    q_max : float
        Outer edge of the profile [R]; the plane is fitted to q_max - 1 <= r / R < q_max
        (far enough that ejecta thinning as (r/R)^-3 leave under 0.0003 D there).
    dq : float, optional
        Annulus width [R]; default max(0.02, 0.5 cell / R) (narrow, so that a sharp rim crest
        is not averaged away).
    sectors : int
        With more than 1, one profile per azimuth sector of 360 / sectors degrees.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray) or None
        Annulus centres [R] and mean heights [m] (NaN for an empty annulus), shape (n,) or
        (sectors, n); None when the profile's disc does not lie wholly on the grid.
    """
    rows, cols = z.shape
    reach = q_max * radius
    c0 = int(math.floor((x - reach) / cell - 0.5))
    c1 = int(math.ceil((x + reach) / cell - 0.5))
    r0 = int(math.floor((y - reach) / cell - 0.5))
    r1 = int(math.ceil((y + reach) / cell - 0.5))
    if c0 < 0 or r0 < 0 or c1 > cols - 1 or r1 > rows - 1:
        return None
    patch = np.asarray(z[r0:r1 + 1, c0:c1 + 1], dtype=np.float64)
    yy, xx = np.mgrid[r0:r1 + 1, c0:c1 + 1]
    dx = (xx + 0.5) * cell - x
    dy = (yy + 0.5) * cell - y
    q = np.hypot(dx, dy) / radius
    ring = (q >= q_max - 1.0) & (q < q_max)
    a = np.column_stack([np.ones(ring.sum()), dx[ring], dy[ring]])
    coef = np.linalg.lstsq(a, patch[ring], rcond=None)[0]
    flat = patch - (coef[0] + coef[1] * dx + coef[2] * dy)
    if dq is None:
        dq = max(0.02, 0.5 * cell / radius)
    edges = np.arange(0.0, q_max + 1e-9, dq)
    nb = len(edges) - 1
    idx = np.digitize(q.ravel(), edges) - 1
    sec = np.zeros(idx.shape, dtype=np.int64)
    if sectors > 1:
        az = np.arctan2(dy, dx).ravel()
        sec = np.minimum(((az + math.pi) / (2 * math.pi) * sectors).astype(np.int64), sectors - 1)
    ok = (idx >= 0) & (idx < nb)
    key = sec[ok] * nb + idx[ok]
    sums = np.bincount(key, weights=flat.ravel()[ok], minlength=sectors * nb)
    counts = np.bincount(key, minlength=sectors * nb)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (sums / counts).reshape(sectors, nb)
    return 0.5 * (edges[1:] + edges[:-1]), (mean[0] if sectors == 1 else mean)


def crater_morphology(z: np.ndarray, cell: float, x: float, y: float, diameter: float):
    """Depth, rim height and ejecta relief of one crater measured from the height field.

    Returns
    -------
    dict or None
        ``depth_m`` (rim crest to floor), ``rim_m`` (crest above the surroundings),
        ``relief_1p5_m`` and ``relief_2_m`` (mean height above the surroundings at 1.5 R and
        2 R), each also over D (``depth_ratio``, ``rim_ratio``, ``relief_1p5_ratio``,
        ``relief_2_ratio``); None when the crater lies too near the edge or is under 8 cells.
    """
    radius = 0.5 * diameter
    if diameter < 8 * cell:
        return None
    prof = crater_profile(z, cell, x, y, radius)
    if prof is None:
        return None
    q, h = prof

    def at(lo, hi, pick):
        sel = (q >= lo) & (q <= hi) & np.isfinite(h)
        return float(pick(h[sel])) if sel.any() else math.nan

    floor = at(0.0, 0.5, np.min)
    # The crest per azimuth sector (16 of 22.5 deg), averaged: a crater that is not quite round
    # has its crest at different radii, which one circular profile would smear out.
    _, hs = crater_profile(z, cell, x, y, radius, sectors=16)
    band = (q >= 0.7) & (q <= 1.3)
    crests = [np.nanmax(row[band]) for row in hs if np.isfinite(row[band]).any()]
    crest = float(np.mean(crests)) if crests else math.nan
    out = {"depth_m": crest - floor, "rim_m": crest,
           "relief_1p5_m": float(np.interp(1.5, q, h)), "relief_2_m": float(np.interp(2.0, q, h))}
    for key in list(out):
        out[key.replace("_m", "_ratio")] = out[key] / diameter
    return out


# --------------------------------------------------------------------------------------------
# rocks

def gr_cover(k: float, d: np.ndarray | float) -> np.ndarray | float:
    """Golombek & Rapp (1997) cumulative fractional area of rocks >= d [m]: k exp(-q d)."""
    q = 1.79 + 0.152 / k
    return k * np.exp(-q * np.asarray(d, dtype=np.float64))


def listed_cover(rocks: np.ndarray, area_m2: float, d_lo: float = 0.0,
                 d_hi: float = math.inf) -> float:
    """Summed disc area of listed rocks with d_lo <= D < d_hi over ``area_m2``."""
    d = np.asarray(rocks, dtype=np.float64).reshape(-1, 4)[:, 2]
    d = d[(d >= d_lo) & (d < d_hi)]
    return float(np.sum(math.pi * d * d / 4.0)) / area_m2


def fit_cover_k(cover: float, d_lo: float, d_hi: float) -> float:
    """The Golombek & Rapp k whose cover between d_lo and d_hi [m] equals ``cover``.

    Returns NaN when no k in (0, 1) gives it (the curve's cover over a range is not
    monotonic in k for wide ranges at large k, but is over the ranges used here).
    """
    if cover <= 0.0:
        return 0.0

    def f(k):
        return (gr_cover(k, d_lo) - gr_cover(k, d_hi)) - cover

    ks = np.linspace(1e-3, 0.999, 400)
    vals = np.array([f(k) for k in ks])
    sign = np.nonzero(np.diff(np.sign(vals)))[0]
    if not len(sign):
        return math.nan
    i = sign[0]
    return float(optimize.brentq(f, ks[i], ks[i + 1]))


def _disc_stencils(cell: float, x, y, r):
    """For discs of centre (x, y) and radius r [m] (float64 (N,)), in batches of equal
    stencil size: ``(k, rr, cc, d2, centre)`` with ``k`` the discs' indices (K,), ``rr``,
    ``cc`` int64 (K, S) the rows and columns of the cells of a square stencil around each
    disc's centre cell (reaching past its radius; off-grid cells included), ``d2`` float64
    (K, S) their centres' squared distance [m^2] to the disc's centre and ``centre`` bool
    (S,) the stencil's middle cell (the one holding the disc's centre)."""
    half = np.ceil(r / cell).astype(np.int64) + 1
    for w in np.unique(half):
        sel = np.nonzero(half == w)[0]
        off = np.arange(-w, w + 1)
        oy, ox = np.meshgrid(off, off, indexing="ij")
        oy, ox = oy.ravel(), ox.ravel()
        centre = (ox == 0) & (oy == 0)
        step = max(1, 2_000_000 // ox.size)
        for s in range(0, len(sel), step):
            k = sel[s:s + step]
            cc = np.floor(x[k] / cell).astype(np.int64)[:, None] + ox[None, :]
            rr = np.floor(y[k] / cell).astype(np.int64)[:, None] + oy[None, :]
            d2 = ((cc + 0.5) * cell - x[k, None]) ** 2 + ((rr + 0.5) * cell - y[k, None]) ** 2
            yield k, rr, cc, d2, centre


def disc_mask(shape, cell: float, x: np.ndarray, y: np.ndarray, r: np.ndarray) -> np.ndarray:
    """bool (rows, cols): cells whose centre lies strictly within any disc (x, y, r) [m]."""
    rows, cols = shape
    out = np.zeros(shape, dtype=bool)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    r = np.asarray(r, dtype=np.float64)
    for k, rr, cc, d2, _ in _disc_stencils(cell, x, y, r):
        inside = ((d2 < (r[k, None]) ** 2) & (cc >= 0) & (cc < cols)
                  & (rr >= 0) & (rr < rows))
        out[rr[inside], cc[inside]] = True
    return out


def rock_height_max(shape, cell: float, rocks: np.ndarray) -> np.ndarray:
    """float64 (rows, cols): per cell, the height [m] of the tallest listed rock on it (whose
    disc holds the cell centre, or whose centre lies in the cell); 0 where none is."""
    rows, cols = shape
    rk = np.asarray(rocks, dtype=np.float64).reshape(-1, 4)
    out = np.zeros(shape)
    if not len(rk):
        return out
    x, y, r, h = rk[:, 0], rk[:, 1], 0.5 * rk[:, 2], rk[:, 3]
    for k, rr, cc, d2, centre in _disc_stencils(cell, x, y, r):
        on = (d2 < r[k, None] ** 2) | centre[None, :]
        on &= (cc >= 0) & (cc < cols) & (rr >= 0) & (rr < rows)
        hh = np.broadcast_to(h[k, None], on.shape)
        np.maximum.at(out, (rr[on], cc[on]), hh[on])
    return out


def rock_grid_cover(delta: np.ndarray, threshold_m: float = 0.01) -> float:
    """Fraction of cells that rocks raise by more than ``threshold_m`` [m].

    ``delta`` (rows, cols) [m] is the rocks' own relief: the terrain minus the same terrain
    without rocks.
    """
    return float(np.count_nonzero(np.asarray(delta) > threshold_m)) / np.asarray(delta).size


def rock_visibility(delta: np.ndarray, cell: float, rocks: np.ndarray, sample: int = 4000,
                    seed: int = 0) -> dict:
    """How listed rocks appear in their relief ``delta`` [m] (rows, cols).

    For up to ``sample`` rocks (a fixed random subset): ``missing``, the fraction whose disc
    holds no cell centre; ``stacked``, the fraction with a cell inside the disc that stands
    above 1.05 x the tallest listed rock on that cell (:func:`rock_height_max`: rocks added on
    top of each other); ``hidden``, the fraction with cell centres inside but none raised to
    half the height the rock has there; ``unseen``, the fraction the height field does not
    show at all: hidden, or missing with the cell holding its centre raised by less than half
    its height.
    """
    rk = np.asarray(rocks, dtype=np.float64).reshape(-1, 4)
    if len(rk) == 0:
        return {"n": 0, "missing": math.nan, "stacked": math.nan, "hidden": math.nan,
                "unseen": math.nan}
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(rk), size=min(sample, len(rk)), replace=False)
    rows, cols = delta.shape
    tallest = rock_height_max(delta.shape, cell, rk)
    missing = stacked = hidden = unseen = 0
    for x, y, d, h in rk[pick]:
        r = 0.5 * d
        c0, c1 = int(math.floor((x - r) / cell)), int(math.floor((x + r) / cell))
        r0, r1 = int(math.floor((y - r) / cell)), int(math.floor((y + r) / cell))
        c0, r0 = max(c0, 0), max(r0, 0)
        c1, r1 = min(c1, cols - 1), min(r1, rows - 1)
        yy, xx = np.mgrid[r0:r1 + 1, c0:c1 + 1]
        q2 = (((xx + 0.5) * cell - x) ** 2 + ((yy + 0.5) * cell - y) ** 2) / (r * r)
        inside = q2 < 1.0
        if not inside.any():
            missing += 1
            rc, cc = int(math.floor(y / cell)), int(math.floor(x / cell))
            if not (0 <= rc < rows and 0 <= cc < cols and delta[rc, cc] >= 0.5 * h):
                unseen += 1
            continue
        vals = delta[r0:r1 + 1, c0:c1 + 1][inside]
        expect = h * np.sqrt(1.0 - q2[inside])
        if np.any(vals > 1.05 * tallest[r0:r1 + 1, c0:c1 + 1][inside] + 1e-6):
            stacked += 1
        if not np.any(vals >= 0.5 * expect):
            hidden += 1
            unseen += 1
    n = len(pick)
    return {"n": n, "missing": missing / n, "stacked": stacked / n, "hidden": hidden / n,
            "unseen": unseen / n}


def density_ratio_near(rocks: np.ndarray, craters: np.ndarray, shape, cell: float,
                       d_min: float = 20.0, reach: float = 1.5):
    """Rock density within ``reach`` R of craters of D >= ``d_min`` [m] over that elsewhere.

    Returns (ratio, rocks near, rocks elsewhere, area fraction near); ratio NaN without such
    craters or rocks.
    """
    cr = np.asarray(craters, dtype=np.float64).reshape(-1, 4)
    cr = cr[cr[:, 2] >= d_min]
    rk = np.asarray(rocks, dtype=np.float64).reshape(-1, 4)
    if len(cr) == 0 or len(rk) == 0:
        return math.nan, 0, len(rk), 0.0
    near = disc_mask(shape, cell, cr[:, 0], cr[:, 1], reach * 0.5 * cr[:, 2])
    rows, cols = shape
    ci = np.clip(np.floor(rk[:, 0] / cell).astype(np.int64), 0, cols - 1)
    ri = np.clip(np.floor(rk[:, 1] / cell).astype(np.int64), 0, rows - 1)
    on = near[ri, ci]
    frac = near.mean()
    n_in, n_out = int(on.sum()), int((~on).sum())
    if frac <= 0.0 or frac >= 1.0 or n_out == 0:
        return math.nan, n_in, n_out, float(frac)
    return (n_in / frac) / (n_out / (1.0 - frac)), n_in, n_out, float(frac)


# --------------------------------------------------------------------------------------------
# cost map footprint

def footprint_anisotropy(blocked: np.ndarray, centre: tuple[int, int]) -> float:
    """Reach of a blocked patch along the diagonals over its reach along the axes.

    From ``centre`` (row, col), walks outward along the 4 axis rays and the 4 diagonal rays
    while cells stay blocked; the reach of a ray is the Euclidean distance [cells] of its last
    blocked cell. Returns mean diagonal reach / mean axis reach: sqrt(2) ~1.41 for a square
    patch, about 1 for a disc.
    """
    b = np.asarray(blocked, dtype=bool)
    r0, c0 = centre
    rows, cols = b.shape

    def reach(dr, dc):
        k = 0
        while True:
            r, c = r0 + (k + 1) * dr, c0 + (k + 1) * dc
            if not (0 <= r < rows and 0 <= c < cols) or not b[r, c]:
                return k * math.hypot(dr, dc)
            k += 1

    axis = np.mean([reach(1, 0), reach(-1, 0), reach(0, 1), reach(0, -1)])
    diag = np.mean([reach(1, 1), reach(1, -1), reach(-1, 1), reach(-1, -1)])
    return float(diag / axis) if axis > 0 else math.nan
