"""Measuring a terrain back: slopes, Hurst exponent, crater and rock size-frequency fits.

What is measured, exactly:

RMS slope at baseline L
    ``atan(nu(L) / L)`` in degrees, with ``nu(L)`` the RMS height difference between cell
    centres L apart along rows and along columns (every pair inside the grid, no wrap-around):
    the "RMS slope" / Allan deviation of Shepard et al. (2001, JGR 106(E12) 32777) used for
    Mars landing sites. L must be between one cell and half the shorter side; a baseline that
    is not a whole number of cells is interpolated log-log between the two lags around it.
Hurst exponent
    From the radially averaged power spectrum, which for a self-affine surface falls as
    ``f^-(2H + 2)``: the surface is detrended (mean and plane), tapered with a 2-D Hann window
    and transformed (the generator's relief wraps around, so it is transformed as it is); the
    spectral exponent is fitted by Whittle maximum likelihood to every
    Fourier coefficient with 4 cycles per shorter side <= f <= 1/4 cycle per cell. The spectrum
    is used rather than the structure function because on any finite patch the structure
    function of a persistent surface (H -> 1) bends over well before the patch size.
    ``psd_exponent`` is the fitted exponent itself; a fit outside 2 < exponent < 4 gives
    ``hurst`` None: such a surface is not self-affine over the band (aeolian ripples, for
    one, put a peak in it), and no Hurst exponent describes it.
Hurst exponent over a range of lags (the whole surface's)
    The slope of log nu(L) against log L fitted by least squares over 8 lags spaced
    geometrically from ``lo`` to ``hi`` metres (rounded to whole cells, duplicates dropped,
    none past half the shorter side: the lags the generator calibrates a surface on):
    the deviogram slope a site's Hurst exponent is published as (Shepard et al. 2001) and a
    preset's whole surface is calibrated to (``surface_hurst`` over ``surface_lag_min_m`` to
    ``surface_lag_max_m``). It differs from the spectral estimate above on a surface that is
    not self-affine: rocks and ripples add power at the shortest wavelengths, which lowers
    the spectral slope while the deviogram over metres to hundreds of metres keeps the
    relief's. The lags used are reported with it; None when they are fewer than two.
Relief versus surface
    For a generated terrain, slopes and Hurst are measured on the fractal relief component
    (regenerated bit for bit from the seed and parameters), which is what ``hurst`` and
    ``rms_slope_deg`` describe; craters and rocks are measured from their lists. The same
    slope and Hurst measures of the complete height field are reported under ``"surface"``.
    For an imported heightmap there is only the height field.
Crater size-frequency distribution
    From at least MIN_FIT_COUNT (10) craters, else None. Maximum-likelihood fit of a power law truncated to [crater_min_d_m, crater_max_d_m] to the
    listed diameters (Clauset et al. 2009, with the upper truncation), then
    ``a = N / (A (Dmin^-b - Dmax^-b))`` per m^2.
Rocks
    ``cover_listed``: summed area of the listed rocks over the terrain area. For the Golombek &
    Rapp model, ``cover`` is the total cover k fitted to the listed rocks: the cumulative
    fractional area F(D) of rocks >= D, at ``rock_min_d_m`` and at larger diameters with at
    least 10 rocks above them, is fitted
    (least squares in log F, weighted by the number of rocks above each diameter) by
    ``k (exp(-q(k) D) - exp(-q(k) Dmax))``, q(k) = 1.79 + 0.152 / k: that is the area fraction
    extrapolated to all rock sizes, the k of the literature. For the power-law model the
    exponent and density are fitted as for craters and ``cover`` is the listed cover. Fits
    need at least 10 listed rocks (else None).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from terrains._model import Terrain

__all__ = ["stats"]

#: Baselines reported by :func:`stats` [m], when they fit on the grid.
BASELINES_M = (1.0, 10.0, 100.0)

#: Fewest craters or rocks a size-frequency fit is made from (fewer: the fit is None).
MIN_FIT_COUNT = 10


def _golden(fun, lo: float, hi: float, iters: int = 80) -> float:
    """Minimum of a unimodal function on [lo, hi] by golden-section search."""
    g = (math.sqrt(5.0) - 1.0) / 2.0
    a, b = lo, hi
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = fun(c), fun(d)
    for _ in range(iters):
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = fun(c)
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = fun(d)
    return 0.5 * (a + b)


def rms_slope_deg(z: np.ndarray, cell: float, baseline_m: float) -> float | None:
    """RMS slope [deg] of a height grid at ``baseline_m``, or None when it does not fit."""
    from terrains._generate import max_lag, structure_nu

    lag = baseline_m / cell
    if lag < 1.0 - 1e-9 or lag > max_lag(z.shape) + 1e-9:
        return None
    lag = min(max(lag, 1.0), max_lag(z.shape))
    nu = structure_nu(np.ascontiguousarray(z, dtype=np.float32), lag)
    return math.degrees(math.atan(nu / (lag * cell)))


def deviogram_hurst(z: np.ndarray, cell: float, lo_m: float,
                    hi_m: float) -> tuple[float | None, float, float]:
    """Hurst exponent [-] of a height grid (rows, cols) [m] of ``cell`` m cells as the
    deviogram slope d log nu / d log L over lags from ``lo_m`` to ``hi_m`` [m] (module
    docstring), at the lags the generator calibrates a surface on
    (:func:`terrains._generate.lags_over`: limited to half the shorter side). Returns
    ``(H, lo, hi)`` with the lags [m] actually used; H is None when they are fewer than two.
    """
    from terrains._generate import lags_over, structure_nu

    lags = lags_over(z.shape, cell, lo_m, hi_m)
    lo, hi = float(lags[0] * cell), float(lags[-1] * cell)
    if len(lags) < 2:
        return None, lo, hi
    zz = np.ascontiguousarray(z, dtype=np.float32)
    nu = np.array([structure_nu(zz, float(k)) for k in lags])
    if not np.all(nu > 0.0):
        return None, lo, hi
    return float(np.polyfit(np.log(lags), np.log(nu), 1)[0]), lo, hi


def hurst_estimate(z: np.ndarray, *, periodic: bool = False) -> float | None:
    """Hurst exponent of a height grid from its power spectrum (see the module docstring).

    ``periodic=True`` is for a surface known to wrap around (the generator's relief): it is
    then transformed as it is, without detrending or window, whose leakage is the main noise
    of the estimate. Returns None for grids smaller than 32 cells a side.
    """
    rows, cols = z.shape
    if min(rows, cols) < 32:
        return None
    z = np.asarray(z, dtype=np.float64)
    z = z - z.mean()
    if not periodic:
        yy = np.arange(rows) - (rows - 1) / 2.0
        xx = np.arange(cols) - (cols - 1) / 2.0
        bx = float((z @ xx).sum() / (rows * (xx ** 2).sum()))
        by = float((yy @ z).sum() / (cols * (yy ** 2).sum()))
        z -= bx * xx[None, :]
        z -= by * yy[:, None]
        z *= np.hanning(rows)[:, None]
        z *= np.hanning(cols)[None, :]
    spec = np.fft.rfft2(z)
    del z
    power = spec.real ** 2 + spec.imag ** 2
    del spec
    fy = np.fft.fftfreq(rows)[:, None]
    fx = np.fft.rfftfreq(cols)[None, :]
    f = np.sqrt(fx ** 2 + fy ** 2)
    band = (f >= 4.0 / min(rows, cols)) & (f <= 0.25)
    p, lf = power[band], np.log(f[band])
    if p.size < 16 or not np.any(p > 0):
        return None
    # Whittle likelihood with the scale profiled out; coefficients are pooled in fine log-f
    # bins (sums of power, mean log f), which changes the estimate by far less than its noise.
    edges = np.linspace(lf.min(), lf.max() + 1e-12, 513)
    idx = np.digitize(lf, edges) - 1
    n_j = np.bincount(idx, minlength=512).astype(np.float64)
    s_j = np.bincount(idx, weights=p, minlength=512)
    l_j = np.bincount(idx, weights=lf, minlength=512)
    keep = n_j > 0
    n_j, s_j, l_j = n_j[keep], s_j[keep], l_j[keep] / n_j[keep]
    mean_lf = float(lf.mean())
    total = float(n_j.sum())
    shift = float(l_j.max())

    def neg_loglik(beta: float) -> float:
        return math.log(float(np.sum(s_j * np.exp(beta * (l_j - shift)))) / total) \
            - beta * (mean_lf - shift)

    beta = _golden(neg_loglik, 0.0, 8.0)
    return (beta - 2.0) / 2.0


def _hurst_fields(z: np.ndarray, *, periodic: bool = False) -> dict[str, float | None]:
    """{"hurst": H or None when the fit is outside (0, 1), "psd_exponent": 2H + 2 or None}."""
    h = hurst_estimate(z, periodic=periodic)
    if h is None:
        return {"hurst": None, "psd_exponent": None}
    return {"hurst": h if 0.0 < h < 1.0 else None, "psd_exponent": 2.0 * h + 2.0}


def fit_power_law(d: np.ndarray, dmin: float, dmax: float, area_m2: float) -> dict[str, Any]:
    """Maximum-likelihood power law N(>D) = a D^-b truncated to [dmin, dmax]."""
    d = d[(d >= dmin) & (d <= dmax)]
    n = int(d.size)
    if n < MIN_FIT_COUNT or dmax <= dmin:
        return {"exponent_b": None, "density_a": None, "fit_count": n}
    mean_log = float(np.mean(np.log(d)))
    lmin, lmax = math.log(dmin), math.log(dmax)

    def neg_loglik(b: float) -> float:
        # -(1/n) log L = -log b + (b + 1) mean(log D) + log(dmin^-b - dmax^-b)
        return -math.log(b) + (b + 1.0) * mean_log + math.log(
            math.exp(-b * lmin) - math.exp(-b * lmax))

    b = _golden(neg_loglik, 1e-3, 10.0)
    a = n / (area_m2 * (dmin ** -b - dmax ** -b))
    return {"exponent_b": b, "density_a": a, "fit_count": n}


def fit_golombek_rapp(d: np.ndarray, dmin: float, dmax: float, area_m2: float) -> dict[str, Any]:
    """Fit the total rock cover k of F_k(D) = k exp(-q(k) D) to rock diameters (see module)."""
    from terrains._generate import golombek_rapp_q

    d = np.sort(d[(d >= dmin) & (d <= dmax)])[::-1]
    if d.size < MIN_FIT_COUNT:
        return {"cover": None, "q": None, "fit_count": int(d.size)}
    cum_area = np.cumsum(math.pi / 4.0 * d ** 2) / area_m2  # F at each diameter, largest first
    # thresholds from dmin up, while at least 10 rocks are above (dmin itself always counts,
    # so a sparse field is still fitted, through the cover of all its listed rocks)
    thresholds = dmin * 1.15 ** np.arange(64)
    counts = d.size - np.searchsorted(d[::-1], thresholds, side="left")
    ok = counts >= 10
    ok[0] = True
    thresholds, counts = thresholds[ok], counts[ok]
    f_obs = cum_area[counts - 1]
    w = counts.astype(np.float64)
    lf_obs = np.log(f_obs)

    def loss(logk: float) -> float:
        k = math.exp(logk)
        q = golombek_rapp_q(k)
        model = k * (np.exp(-q * thresholds) - math.exp(-q * dmax))
        return float(np.sum(w * (lf_obs - np.log(np.maximum(model, 1e-300))) ** 2))

    k = math.exp(_golden(loss, math.log(1e-4), math.log(0.99)))
    return {"cover": k, "q": golombek_rapp_q(k), "fit_count": int(d.size)}


def _relief_of(terrain: Terrain) -> np.ndarray | None:
    """The relief component of a generated terrain, regenerated from its seed, or None."""
    from terrains._generate import relief, stream, surface_relief_of

    p = terrain.params
    keys = ("hurst", "rms_slope_deg", "rms_baseline_m")
    if terrain.seed is None or not all(k in p for k in keys) or p.get("source") == "heightmap":
        return None
    if p.get("surface_slope_deg") is not None:
        # calibrated against the whole surface: the relief depends on the craters, rocks and
        # ripples, which are drawn again to regenerate it
        return surface_relief_of(terrain.shape, terrain.cell_size, p, int(terrain.seed),
                                 p.get("preset"))
    return relief(terrain.shape, terrain.cell_size, float(p["hurst"]), float(p["rms_slope_deg"]),
                  float(p["rms_baseline_m"]), stream(int(terrain.seed), "relief", p.get("preset")))


def _slopes(z, cell) -> dict[str, float]:
    out = {}
    for base in BASELINES_M:
        s = rms_slope_deg(z, cell, base)
        if s is not None:
            out[f"{base:g}"] = s
    return out


def _at_baseline(z, cell, p) -> dict[str, float] | None:
    """{"baseline_m", "deg"}: RMS slope at the parameters' reference baseline, or None (no
    such baseline, or it does not fit on the grid)."""
    if "rms_baseline_m" not in p:
        return None
    s = rms_slope_deg(z, cell, float(p["rms_baseline_m"]))
    return None if s is None else {"baseline_m": float(p["rms_baseline_m"]), "deg": s}


def stats(terrain: Terrain) -> dict[str, Any]:
    """Measure a terrain back against the numbers it was made from.

    Parameters
    ----------
    terrain : Terrain
        A generated, loaded or imported terrain.

    Returns
    -------
    dict
        JSON-ready (plain floats, ints, strings, lists, None):

        - ``shape``, ``cell_size_m``, ``extent_m``, ``body``, ``preset``, ``seed``;
        - ``measured_on``: ``"relief"`` (the fractal component of a generated terrain) or
          ``"height"`` (an imported heightmap);
        - ``rms_slope_deg``: {baseline in m as a string: RMS slope [deg]} at 1, 10 and 100 m,
          those that fit; ``rms_slope_at_baseline``: {"baseline_m", "deg"} at the terrain's own
          reference baseline (None if it does not fit); ``hurst``: Hurst estimate (None
          when the spectrum is not self-affine) and ``psd_exponent``, the fitted 2H + 2;
        - ``surface``: the same slope and Hurst measures on the complete height field, and
          for a relief calibrated to the whole surface ``hurst_lags``: {``lo_m``, ``hi_m``,
          ``hurst``}, the deviogram Hurst over the lags it was calibrated on (``lo_m`` and
          ``hi_m`` the shortest and longest used: on a small patch the range is cut at half
          its shorter side, as the calibration's is);
        - ``craters``: ``count``, ``exponent_b``, ``density_a`` [per m^2, D in m],
          ``min_d_m``, ``max_d_m``;
        - ``rocks``: ``count``, ``model``, ``cover`` (fitted total cover k for the Golombek &
          Rapp model, None with fewer than 10 rocks; else the listed cover), ``cover_listed``, ``q`` [1/m], ``exponent_b``,
          ``density_a``, ``min_d_m``;
        - ``targets``: the parameters these are compared with (empty for a heightmap);
        - ``literature``: for a preset, its literature targets for the whole surface
          (:mod:`terrains._targets`) that this function measures, each a dict of
          ``quantity``, ``at`` [m], ``over`` [m, m] (a Hurst target's lags), ``value``,
          ``low``, ``high``, ``source`` (a key of ``terrains._targets.SOURCES``),
          ``citation`` and ``measured``: the RMS slope of the complete height field at
          baseline ``at`` [deg] (None when it does not fit), its deviogram Hurst exponent
          over the lags ``over``, cut at half the shorter side (``measured_over`` [m, m]: the
          shortest and longest lag used; None when fewer than two fit), the
          listed craters' N(>= ``at`` m) and rocks' N(>= ``at`` m) [per m^2], and the rock
          cover k of the fit above; empty without a preset.

        See the module docstring for exactly what each statistic measures.

    Examples
    --------
    >>> from terrains import generate
    >>> s = stats(generate("mars", size=128, seed=0))
    >>> round(s["rms_slope_at_baseline"]["deg"], 2)
    5.4
    """
    if not isinstance(terrain, Terrain):
        raise TypeError(f"stats() needs a Terrain, got {type(terrain).__name__}")
    p = terrain.params
    cell = terrain.cell_size
    z = terrain.height
    width, height = terrain.extent_m
    area = width * height
    rel = _relief_of(terrain)
    measured = rel if rel is not None else z

    out: dict[str, Any] = {
        "shape": list(terrain.shape),
        "cell_size_m": cell,
        "extent_m": [width, height],
        "body": terrain.body.name,
        "preset": p.get("preset"),
        "seed": terrain.seed,
        "measured_on": "relief" if rel is not None else "height",
        "rms_slope_deg": _slopes(measured, cell),
        "rms_slope_at_baseline": _at_baseline(measured, cell, p),
        **_hurst_fields(measured, periodic=rel is not None),
    }
    memo: dict = {}     # deviogram Hurst exponents by lag range, shared with _literature
    out["surface"] = {"rms_slope_deg": _slopes(z, cell),
                      "rms_slope_at_baseline": _at_baseline(z, cell, p), **_hurst_fields(z),
                      "height_min_m": float(z.min()), "height_max_m": float(z.max())}
    if p.get("surface_slope_deg") is not None:
        # the deviogram Hurst over the lags the whole surface was calibrated on
        h, lo, hi = _deviogram(terrain, float(p["surface_lag_min_m"]),
                               float(p["surface_lag_max_m"]), memo)
        out["surface"]["hurst_lags"] = {"lo_m": lo, "hi_m": hi, "hurst": h}

    cd = terrain.craters[:, 2]
    cmin = float(p.get("crater_min_d_m") or (cd.min() if cd.size else 0.0))
    cmax = float(p.get("crater_max_d_m") or (cd.max() if cd.size else 0.0))
    fit = fit_power_law(cd, cmin, cmax, area) if cd.size else {"exponent_b": None, "density_a": None}
    out["craters"] = {"count": int(cd.size), "exponent_b": fit["exponent_b"],
                      "density_a": fit["density_a"], "min_d_m": cmin, "max_d_m": cmax}

    rd = terrain.rocks[:, 2]
    model = p.get("rock_model", "golombek-rapp" if terrain.body.name == "mars" else "power-law")
    rmin = float(p.get("rock_min_d_m") or (rd.min() if rd.size else 0.0))
    rmax = float(p.get("rock_max_d_m") or (rd.max() if rd.size else 0.0))
    listed = float(np.sum(math.pi / 4.0 * rd ** 2) / area)
    rocks: dict[str, Any] = {"count": int(rd.size), "model": model, "cover": listed,
                             "cover_listed": listed, "q": None, "exponent_b": None,
                             "density_a": None, "min_d_m": rmin}
    if model == "golombek-rapp":
        # None when there are too few rocks to fit: k cannot be told from a handful
        g = fit_golombek_rapp(rd, rmin, rmax, area)
        rocks["cover"], rocks["q"] = g["cover"], g["q"]
    elif rd.size:
        f = fit_power_law(rd, rmin, rmax, area)
        rocks["exponent_b"], rocks["density_a"] = f["exponent_b"], f["density_a"]
    out["rocks"] = rocks

    targets: dict[str, Any] = {}
    if rel is not None:
        # A relief calibrated against the whole surface is not scaled to hurst and
        # rms_slope_deg: they are no target of it then.
        surface = p.get("surface_slope_deg") is not None
        for k in ("hurst", "rms_slope_deg", "rms_baseline_m", "crater_density_a",
                  "crater_exponent_b", "rock_model"):
            if not (surface and k in ("hurst", "rms_slope_deg", "rms_baseline_m")):
                targets[k] = p[k]
        if p["rock_model"] == "golombek-rapp":
            targets["rock_cover"] = p["rock_cover"]
        elif p["rock_model"] == "power-law":
            targets["rock_density_a"] = p["rock_density_a"]
            targets["rock_exponent_b"] = p["rock_exponent_b"]
    out["targets"] = targets
    out["literature"] = _literature(terrain, out, area, memo)
    return out


_MEASURED = ("rms_slope_deg", "hurst", "crater_density", "rock_density", "rock_cover_k")
"""The literature quantities :func:`stats` measures (the others need the survey's methods:
deviogram Hurst over a lag range, crater morphology, rocks near craters)."""


def _literature(terrain: Terrain, out: dict, area: float,
                memo: dict) -> list[dict[str, Any]]:
    """The preset's literature targets that :func:`stats` measures, each with its measure
    on the whole surface (see :func:`stats`)."""
    from terrains._targets import SOURCES, TARGETS

    preset = terrain.params.get("preset")
    if preset not in TARGETS:
        return []
    rows = []
    for t in TARGETS[preset]:
        if t.quantity not in _MEASURED:
            continue
        used = None
        if t.quantity == "rms_slope_deg":
            got = rms_slope_deg(terrain.height, terrain.cell_size, t.at)
        elif t.quantity == "hurst":
            got, lo, hi = _deviogram(terrain, *map(float, t.over), memo)
            used = [lo, hi]
        elif t.quantity == "crater_density":
            got = float(np.count_nonzero(terrain.craters[:, 2] >= t.at) / area)
        elif t.quantity == "rock_density":
            got = float(np.count_nonzero(terrain.rocks[:, 2] >= t.at) / area)
        else:
            got = out["rocks"]["cover"] if out["rocks"]["model"] == "golombek-rapp" else None
        src = SOURCES.get(t.source)
        rows.append({"quantity": t.quantity, "at": t.at,
                     "over": list(t.over) if t.over else None, "value": t.value, "low": t.low,
                     "high": t.high, "source": t.source,
                     "citation": src.citation if src else "", "measured": got,
                     "measured_over": used})
    return rows


def _deviogram(terrain: Terrain, lo_m: float, hi_m: float, memo: dict):
    """:func:`deviogram_hurst` of the terrain's height field, computed once per range in
    ``memo`` (the whole surface's calibration lags and its Hurst target are often the same)."""
    key = (lo_m, hi_m)
    if key not in memo:
        memo[key] = deviogram_hurst(terrain.height, terrain.cell_size, lo_m, hi_m)
    return memo[key]
