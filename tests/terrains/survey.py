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
    From the height field alone: the surroundings are the ring 4-6 R, beyond a continuous
    ejecta blanket (which reaches about one diameter past the rim; a blanket thinning as
    (r/R)^-3 from a 0.036 D rim has 0.0006 D left at 4 R). A quadratic surface (plane,
    curvature and saddle terms) is fitted to the ring's cells by least absolute deviations
    and removed, so that a neighbouring crater on part of the ring, or a crater sitting on
    the wall of a larger one or on curved ground, does not tilt or offset the reference
    (a plane by least squares over the ring let such craters move the measured rim by
    several times its height, and regional relief of a few metres left 1-3x the ejecta's
    relief as scatter). Heights are then averaged over annuli in each sector and the annulus
    value is the median over sectors; rim crest = the mean over the 16 sectors of each
    sector's highest annulus in 0.7-1.3 R, floor = lowest annulus inside 0.5 R, depth =
    crest - floor, rim height = crest above the surroundings (0 after the fit), relief at
    1.5 R and 2 R = the annulus there. A blanket that did not end but kept thinning as
    (r/R)^-3 past 4 R would be partly taken for curvature: its relief would measure about
    2%, 8% and 18% low at R, 1.5 R and 2 R (tested).
Rock cover
    From the list: the summed disc area of rocks of diameter >= D over the grid's area,
    compared with Golombek & Rapp (1997, JGR 102(E2) 4117) ``F_k(D) = k exp(-q D)``,
    ``q = 1.79 + 0.152 / k``, and the k fitted to the cover of the sizes listed
    (:func:`fit_cover_k`). From the height field: its rock volume read as a cover (below),
    and, as a diagnostic, the fraction of cells a rock raises by more than 1 cm; both read
    from the rocks' own relief ``delta`` (the terrain minus the same terrain generated
    without its rocks in the height field, which the table script makes; the generator
    draws rocks from their own random streams and adds them to the height field, so the
    difference is exactly what the rocks put there).
Rock cover from the rocks' volume in the height field (:func:`cover_k_from_volume`)
    A height field of cell means (each cell the mean elevation over it) cannot show which
    part of a cell a rock smaller than the cell covers, but it holds its volume: the mean of
    ``delta`` is the rocks' volume per ground area. The k read from it is the Golombek &
    Rapp k whose rocks, half-ellipsoids of height ``h_ratio D`` (volume (2/3) h pi D^2 / 4),
    hold that volume over the diameters claimed: ``(2/3) h_ratio integral D dF_k(D)``,
    ``dF_k = k q exp(-q D) dD``, in closed form. Rocks that overlap lose the volume they
    share (they never stack), so this reads a little below the k placed.
Ripple crests (:func:`crest_map`, :func:`crest_spacings`, :func:`crest_defects`)
    For ripples whose crests run along the columns (waves along the rows, as a preset with
    crests running north makes them): a crest cell is the highest cell of a row within half a
    wavelength either side, standing at least a threshold above the lowest there. The
    spacings are the distances between successive crest cells of a row (their median and
    relative spread, placed between cells by a parabola); the defects are the ends of crest
    lines (a crest cell with no crest cell among the three nearest of the row above, or
    below), counted away from the grid's edges: terminations where the crest fades out, and
    junctions where it runs into a neighbouring crest.
Profile asymmetry (:func:`slope_skewness`)
    Skewness (third standardised moment) of the one-cell slopes along the rows: 0 for a
    symmetric profile, negative when the faces falling towards +x (east) are the short, steep
    ones (lee faces to the east).
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
    "fit_cover_k", "gr_volume_per_area", "cover_k_from_volume", "disc_mask", "rock_height_max",
    "rock_cell_means", "rock_grid_cover", "rock_visibility", "density_ratio_near",
    "footprint_anisotropy", "crest_map", "crest_spacings", "crest_defects", "slope_skewness",
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


def _background(dx, dy, q, patch, radius, lo=4.0, hi=6.0, most=6000):
    """Coefficients of the surroundings' surface c0 + c1 x + c2 y + c3 x^2 + c4 x y + c5 y^2
    (x, y in R): least absolute deviations (iteratively reweighted least squares) over the
    cells of the ring lo-hi R (every k-th of them when there are more than ``most``)."""
    ring = (q >= lo) & (q < hi)
    x, y, h = dx[ring] / radius, dy[ring] / radius, patch[ring]
    step = max(1, -(-x.size // most))
    x, y, h = x[::step], y[::step], h[::step]
    a = np.column_stack([np.ones_like(x), x, y, x * x, x * y, y * y])
    w = np.ones_like(h)
    coef = np.zeros(6)
    for _ in range(30):
        coef = np.linalg.lstsq(a * w[:, None], h * w, rcond=None)[0]
        w = 1.0 / np.sqrt(np.maximum(np.abs(h - a @ coef), 1e-4 * radius))
    return coef


def crater_profile(z: np.ndarray, cell: float, x: float, y: float, radius: float,
                   q_max: float = 6.0, dq: float | None = None, sectors: int = 1):
    """Radially averaged height around (x, y) [m], the surroundings' surface removed.

    Parameters
    ----------
    z : numpy.ndarray
        Heights [m], shape (rows, cols).
    x, y, radius : float
        Centre and radius R [m].
    q_max : float
        Outer edge of the profile [R]; the surroundings are fitted to q_max - 2 <= r / R <
        q_max (see the module docstring).
    dq : float, optional
        Annulus width [R]; default max(0.02, 0.5 cell / R) (narrow, so that a sharp rim crest
        is not averaged away).
    sectors : int
        With 1, the profile is the median over 16 azimuth sectors of each sector's annulus
        mean (robust to a neighbouring crater on a few sectors); with more than 1, one
        profile per azimuth sector of 360 / sectors degrees.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray) or None
        Annulus centres [R] and heights [m] (NaN for an empty annulus), shape (n,) or
        (sectors, n); None when the profile's disc does not lie wholly on the grid.
    """
    out = _sector_profiles(z, cell, x, y, radius, q_max, dq, 16 if sectors == 1 else sectors)
    if out is None:
        return None
    centres, mean = out
    return (centres, mean) if sectors > 1 else (centres, _median_profile(mean))


def _median_profile(mean: np.ndarray) -> np.ndarray:
    """Median over sectors (rows of ``mean``) of each annulus; NaN where no sector has data."""
    prof = np.full(mean.shape[1], np.nan)
    seen = np.isfinite(mean).any(axis=0)
    prof[seen] = np.nanmedian(mean[:, seen], axis=0)
    return prof


def _sector_profiles(z, cell, x, y, radius, q_max, dq, nsec):
    """(annulus centres [R], mean height [m] per sector and annulus (nsec, n)) around (x, y)
    with the surroundings' surface removed (see :func:`crater_profile`); None off the grid."""
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
    k = _background(dx, dy, q, patch, radius, q_max - 2.0, q_max)
    u, v = dx / radius, dy / radius
    flat = patch - (k[0] + k[1] * u + k[2] * v + k[3] * u * u + k[4] * u * v + k[5] * v * v)
    if dq is None:
        dq = max(0.02, 0.5 * cell / radius)
    edges = np.arange(0.0, q_max + 1e-9, dq)
    nb = len(edges) - 1
    idx = np.digitize(q.ravel(), edges) - 1
    az = np.arctan2(dy, dx).ravel()
    sec = np.minimum(((az + math.pi) / (2 * math.pi) * nsec).astype(np.int64), nsec - 1)
    ok = (idx >= 0) & (idx < nb)
    key = sec[ok] * nb + idx[ok]
    sums = np.bincount(key, weights=flat.ravel()[ok], minlength=nsec * nb)
    counts = np.bincount(key, minlength=nsec * nb)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (sums / counts).reshape(nsec, nb)
    return 0.5 * (edges[1:] + edges[:-1]), mean


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
    prof = _sector_profiles(z, cell, x, y, radius, 6.0, None, 16)
    if prof is None:
        return None
    q, hs = prof
    h = _median_profile(hs)

    def at(lo, hi, pick):
        sel = (q >= lo) & (q <= hi) & np.isfinite(h)
        return float(pick(h[sel])) if sel.any() else math.nan

    floor = at(0.0, 0.5, np.min)
    # The crest per azimuth sector (16 of 22.5 deg), averaged: a crater that is not quite round
    # has its crest at different radii, which one circular profile would smear out.
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


def _first_root_k(f) -> float:
    """The smallest k in (0.001, 0.999) where ``f`` changes sign, refined by Brent's method
    (k scanned on 400 points); NaN when ``f`` keeps its sign there."""
    ks = np.linspace(1e-3, 0.999, 400)
    vals = np.array([f(k) for k in ks])
    sign = np.nonzero(np.diff(np.sign(vals)))[0]
    if not len(sign):
        return math.nan
    i = sign[0]
    return float(optimize.brentq(f, ks[i], ks[i + 1]))


def fit_cover_k(cover: float, d_lo: float, d_hi: float) -> float:
    """The Golombek & Rapp k whose cover between d_lo and d_hi [m] equals ``cover``.

    Returns NaN when no k in (0, 1) gives it (the curve's cover over a range is not
    monotonic in k for wide ranges at large k, but is over the ranges used here).
    """
    if cover <= 0.0:
        return 0.0

    def f(k):
        return (gr_cover(k, d_lo) - gr_cover(k, d_hi)) - cover

    return _first_root_k(f)


def gr_volume_per_area(k: float, h_ratio: float, d_lo: float, d_hi: float) -> float:
    """Volume [m^3 per m^2 of ground] of the Golombek & Rapp rocks with d_lo <= D <= d_hi
    [m], each a half-ellipsoid of height ``h_ratio D``: (2/3) h_ratio k [(d_lo + 1/q)
    exp(-q d_lo) - (d_hi + 1/q) exp(-q d_hi)], the integral of (2/3) h_ratio D dF_k."""
    if k <= 0.0:
        return 0.0
    q = 1.79 + 0.152 / k
    return (2.0 / 3.0) * h_ratio * k * ((d_lo + 1.0 / q) * math.exp(-q * d_lo)
                                        - (d_hi + 1.0 / q) * math.exp(-q * d_hi))


def cover_k_from_volume(volume_per_area: float, h_ratio: float, d_lo: float,
                        d_hi: float) -> float:
    """The Golombek & Rapp k whose rocks of d_lo..d_hi [m] (height ``h_ratio D``) hold
    ``volume_per_area`` [m]: the rocks' volume in a height field (the mean of their own
    relief) read back as a cover. NaN when no k in (0.001, 0.999) gives it."""
    if volume_per_area <= 0.0:
        return 0.0

    def f(k):
        return gr_volume_per_area(k, h_ratio, d_lo, d_hi) - volume_per_area

    return _first_root_k(f)


def rock_cell_means(shape, cell: float, rock, sub: int = 16):
    """One rock's own mean height over each cell it touches: (r0, c0, means) with means
    float64 (rows, cols) of the cells from (r0, c0), each the mean of the rock's
    half-ellipsoid (x, y, D, h) [m] over sub x sub points of the cell (sub-cell centres)."""
    x, y, d, h = (float(v) for v in rock)
    rows, cols = shape
    r = 0.5 * d
    c0, c1 = max(int(math.floor((x - r) / cell)), 0), min(int(math.floor((x + r) / cell)), cols - 1)
    r0, r1 = max(int(math.floor((y - r) / cell)), 0), min(int(math.floor((y + r) / cell)), rows - 1)
    if c1 < c0 or r1 < r0:
        return r0, c0, np.zeros((0, 0))
    off = (np.arange(sub) + 0.5) / sub
    xs = (np.arange(c0, c1 + 1)[:, None] + off[None, :]).ravel() * cell
    ys = (np.arange(r0, r1 + 1)[:, None] + off[None, :]).ravel() * cell
    q2 = ((xs[None, :] - x) ** 2 + (ys[:, None] - y) ** 2) / (r * r)
    top = np.where(q2 < 1.0, h * np.sqrt(np.clip(1.0 - q2, 0.0, None)), 0.0)
    means = top.reshape(r1 - r0 + 1, sub, c1 - c0 + 1, sub).mean(axis=(1, 3))
    return r0, c0, means


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
    disc holds the cell centre, whose centre lies in the cell, or whose disc reaches into the
    cell's square: a height field of cell means raises every cell a rock covers part of);
    0 where none is."""
    rows, cols = shape
    rk = np.asarray(rocks, dtype=np.float64).reshape(-1, 4)
    out = np.zeros(shape)
    if not len(rk):
        return out
    x, y, r, h = rk[:, 0], rk[:, 1], 0.5 * rk[:, 2], rk[:, 3]
    for k, rr, cc, d2, centre in _disc_stencils(cell, x, y, r):
        # distance from the rock's centre to the nearest point of the cell's square
        nx = np.clip(x[k, None], cc * cell, (cc + 1) * cell) - x[k, None]
        ny = np.clip(y[k, None], rr * cell, (rr + 1) * cell) - y[k, None]
        on = (nx * nx + ny * ny < r[k, None] ** 2) | centre[None, :]
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
    half the height the rock has there (a cell-centre height field) nor to half the rock's
    own mean over the cell (:func:`rock_cell_means`, a height field of cell means);
    ``unseen``, the fraction the height field does not show at all: hidden, or missing with
    no cell raised to half the rock's own mean over it nor the cell holding its centre to
    half its height.
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
        mr0, mc0, means = rock_cell_means(delta.shape, cell, (x, y, d, h))
        own = delta[mr0:mr0 + means.shape[0], mc0:mc0 + means.shape[1]]
        by_mean = bool(np.any((means > 0.0) & (own >= 0.5 * means)))
        if not inside.any():
            missing += 1
            rc, cc = int(math.floor(y / cell)), int(math.floor(x / cell))
            if not (by_mean or (0 <= rc < rows and 0 <= cc < cols and delta[rc, cc] >= 0.5 * h)):
                unseen += 1
            continue
        vals = delta[r0:r1 + 1, c0:c1 + 1][inside]
        expect = h * np.sqrt(1.0 - q2[inside])
        if np.any(vals > 1.05 * tallest[r0:r1 + 1, c0:c1 + 1][inside] + 1e-6):
            stacked += 1
        if not (np.any(vals >= 0.5 * expect) or by_mean):
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


# --------------------------------------------------------------------------------------------
# ripples

def crest_map(z: np.ndarray, cell: float, wavelength_m: float, min_height_m: float) -> np.ndarray:
    """bool (rows, cols): ripple crest cells of ``z`` for waves running along the rows.

    A cell is a crest when it is the highest of the cells within half ``wavelength_m`` [m]
    either side along its row (the first of equal highest) and stands at least
    ``min_height_m`` [m] above the lowest of them.
    """
    from scipy import ndimage

    z = np.asarray(z, dtype=np.float64)
    w = max(1, int(round(0.5 * wavelength_m / cell)))
    size = 2 * w + 1
    hi = ndimage.maximum_filter1d(z, size, axis=1, mode="nearest")
    lo = ndimage.minimum_filter1d(z, size, axis=1, mode="nearest")
    crest = (z >= hi) & (z - lo >= min_height_m)
    # of a run of equal highest cells, keep the first
    crest[:, 1:] &= ~crest[:, :-1]
    return crest


def crest_spacings(crests: np.ndarray, z: np.ndarray, cell: float):
    """Distances [m] between successive crests along each row of a :func:`crest_map`.

    Each crest is placed between cells by the vertex of the parabola through its cell and its
    two neighbours in ``z`` along the row. Returns (median [m], relative spread, all spacings
    [m]); the spread is the standard deviation over the median of the spacings within 0.5-1.5
    times the median (a longer gap is a crest missing where the ripples fade, not a spacing).
    """
    z = np.asarray(z, dtype=np.float64)
    out = []
    for r, row in enumerate(np.asarray(crests, dtype=bool)):
        cols = np.nonzero(row)[0]
        cols = cols[(cols > 0) & (cols < z.shape[1] - 1)]
        if len(cols) < 2:
            continue
        a, b, c = z[r, cols - 1], z[r, cols], z[r, cols + 1]
        den = a - 2.0 * b + c
        off = np.where(den < 0.0, 0.5 * (a - c) / np.where(den < 0.0, den, -1.0), 0.0)
        out.append(np.diff(cols + np.clip(off, -0.5, 0.5)))
    d = np.concatenate(out) * cell if out else np.empty(0)
    if not len(d):
        return math.nan, math.nan, d
    med = float(np.median(d))
    core = d[(d > 0.5 * med) & (d < 1.5 * med)]
    return med, float(np.std(core) / med), d


def crest_defects(crests: np.ndarray, cell: float, wavelength_m: float, margin: int = 2):
    """Crest terminations and junctions of a :func:`crest_map` (crest lines along the columns).

    A crest cell is an end when none of the three nearest cells (columns c - 1 .. c + 1) of
    the row above, or of the row below, is a crest. An end is a junction when, within the
    next two rows that way, a crest lies within 0.6 ``wavelength_m`` [m] across: the line runs
    into a neighbouring crest (a Y-junction, whose branches a crest map cannot hold both closer
    than half a wavelength); otherwise it is a termination (the crest fades out). Cells within
    ``margin`` rows or columns of the edge are not counted. Returns (terminations, junctions).
    """
    b = np.asarray(crests, dtype=bool)
    rows, cols = b.shape
    w = max(2, int(round(0.6 * wavelength_m / cell)))
    pad = np.zeros((rows + 4, cols + 2 * w), dtype=bool)
    pad[2:-2, w:-w] = b
    inner = np.zeros_like(b)
    inner[margin:rows - margin, margin:cols - margin] = True
    term = 0
    junc = 0
    for dr in (-1, 1):
        def shifted(k, o):
            return pad[2 + k * dr:rows + 2 + k * dr, w + o:cols + w + o]

        end = b & inner & ~(shifted(1, -1) | shifted(1, 0) | shifted(1, 1))
        near = np.zeros_like(b)
        for k in (1, 2):
            for o in range(-w, w + 1):
                near |= shifted(k, o)
        junc += int(np.count_nonzero(end & near))
        term += int(np.count_nonzero(end & ~near))
    return term, junc


def slope_skewness(z: np.ndarray) -> float:
    """Skewness of the one-cell height differences along the rows (see the module notes)."""
    d = np.diff(np.asarray(z, dtype=np.float64), axis=1).ravel()
    d = d - d.mean()
    sd = math.sqrt(float(np.mean(d * d)))
    return float(np.mean(d ** 3) / sd ** 3) if sd > 0 else math.nan
