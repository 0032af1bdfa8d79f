"""The generator: fractal relief, ripples, craters and rocks, each from its own random stream.

Models (figures from the literature, see also :mod:`terrains._presets`):

Relief
    Fractional Brownian surface by spectral synthesis: on the ``rfft2`` half plane, waves of
    amplitude ``f^-(H + 1)`` (power spectral density ``P(f) ~ f^-(2H + 2)``) with uniformly
    random phases, transformed back with one ``irfft2``. Its structure function grows as
    ``nu(L) ~ L^H``, so the RMS slope ``tan(theta(L)) = nu(L) / L`` falls as ``L^(H - 1)``
    (Shepard et al. 2001, JGR 106(E12) 32777). The amplitude is set by measuring ``nu`` at the
    reference baseline ``rms_baseline_m`` on the generated field and rescaling, so the RMS
    slope there is met exactly (when the baseline fits on the grid; otherwise at the nearest
    baseline that fits, extrapolated with ``L^(H - 1)``). Mars landing sites have H ~0.5-0.8
    (Pathfinder 0.54-0.61; 5.4 deg at 1 m, 2.5 at 10 m, 1.7 at 100 m, Golombek et al. 1999);
    the lunar nominal spectrum ``3 / (2e5 f^3.35 + 1)`` has a log-slope 3.35 = 2H + 2.
Relief calibrated against the whole surface (``surface_slope_deg`` set: every preset)
    The literature's slopes describe the whole surface, so the craters, ripples and rocks
    are made first on flat ground, their RMS height difference measured at SURFACE_LAGS lags
    (every row up to 512, then every k-th), and the relief's spectrum chosen so that the sum
    meets ``nu(L) = L tan(surface_slope_deg) (L / surface_baseline_m)^(H - 1)`` over
    [surface_lag_min_m, surface_lag_max_m] (``H = surface_hurst`` below the baseline,
    ``surface_hurst_long`` above): independent components add in the structure function,
    and the relief's is predicted in closed form from its discrete spectrum
    (:func:`fit_surface_relief`), a smoothly broken power law with Hurst exponents 0.3-1.5.
    Where the other components alone exceed the target the relief adds almost nothing and
    the surface stays above it. The relief is added last (craters overprint the ripples and
    each other, not the relief); ``hurst`` and ``rms_slope_deg`` are then unused. A terrain
    narrower than 6 x ``surface_lag_max_m`` gets a relief standing for a patch of a field
    2-4 times wider (:func:`relief_grid`): a periodic relief on the terrain alone bends
    over near its period (512 m lunar patches could not pass H ~0.84 over 17-170 m); the
    wider field's waves longer than the terrain are summed one by one, the rest come from
    the terrain's FFT, and the two are reweighted against the target with their measured
    cross terms with the craters (:func:`_patch_relief`).
Craters
    Diameters from a power-law cumulative size-frequency distribution
    ``N(>D) = a D^-b`` per m^2, drawn by inverse transform between ``crater_min_d_m`` and
    ``crater_max_d_m`` (stratified: one uniform per CDF stratum, shuffled); a Poisson number of
    craters with uniform centres. Lunar equilibrium for
    metre-scale craters: a = 10^-1.1, b = 2 (Gault 1970); VIPER spec: 29174 D^-1.92 per km^2.
    Above ``crater_crossover_d_m`` (when set) the population is the production population,
    ``N(>D) = a Dc^-b (D / Dc)^-b_p`` with ``b_p = crater_production_b`` (about 3: Moore et
    al. 1980 give 2.8 for small lunar craters), continuous with equilibrium below ``Dc``.
    Profile of a fresh simple crater: parabolic bowl with depth/diameter 0.2 above 400 m (Pike
    1977) and ``crater_depth_ratio`` (0.1-0.15, Stopar et al. 2017) below 100 m, raised rim of
    ``crater_rim_ratio`` D (0.036-0.04), ejecta thinning as (r/R)^-3 (McGetchin et al. 1973)
    out to 2.5 R and fading to zero at 3 R; depth/diameter spread log-normally (sigma 0.1) and a
    slightly elliptical outline (axis ratio up to 1.15, same area). Each crater has
    a degradation state s in [0, 1]; wear scales the depth by (1 - 0.85 s) and the rim by
    (1 - s)^2 and rounds the rim crest (a smooth minimum of width 0.3 s times the fresh rim
    height). With ``crater_fresh_fraction`` set (every preset) a crater is fresh (s = 0)
    with that probability and otherwise worn by topographic diffusion: its depth fraction
    g = (1 + x / 0.0228)^-1.2, fitted to Fassett & Thomson (2014, JGR Planets 119, 2255:
    kappa ~5.5 m^2/Myr, after 3 Ga a 1 km crater keeps ~52% of its depth, a 300 m one ~7%),
    with x = kappa t / D^2 uniform (a steady state: ages uniform over the lifetime) from the
    end of the fresh class (g = 0.7) to the ghost (g = 0.07), and s = (1 - g) / 0.85; worn
    craters have median depth 0.14 of the fresh one (:func:`crater_states`). Without it, s
    is drawn with mean ``crater_degradation`` (as before). Craters are stamped oldest (most
    degraded) first, and each pulls the older topography inside its rim towards its mean by
    0.8 (1 - s), so fresh craters cut through older rims instead of sitting on top of them.
Rocks
    Mars: Golombek & Rapp (1997): the cumulative fractional area covered by rocks of diameter
    >= D is ``F_k(D) = k exp(-q(k) D)``, ``q(k) = 1.79 + 0.152 / k``; so the number density
    is ``n(D) = k q exp(-q D) / (pi D^2 / 4)`` per m^2 per m, drawn by numerical inverse
    transform. Moon: power law ``N(>D) = 3e-4 D^-2.482`` per m^2 (VIPER spec). With
    ``rock_crater_factor`` m > 0, craters of 20 m and more carry boulder fields, m times the
    background density at a fresh rim, thinning as (r/R)^-3 to 3 R and wearing away with the
    crater; the background gives up as many rocks (:func:`crater_rocks`). Rock height is
    ``rock_height_ratio`` D (~0.5); every rock is both a half-ellipsoid bump in the height field
    and a row (x, y, diameter, height) of ``Terrain.rocks``. Rocks never stack (overlapping
    rocks raise the ground to the highest of them). With ``rock_subcell = 1`` (every preset)
    the height field is a DEM of cell means: each rock enters each cell it covers by its
    volume there (the mean of the rocks' upper envelope over the cell), and the Golombek &
    Rapp rocks below ``rock_min_d_m``, unlisted, are in it too, so the model's whole cover k
    is (:func:`rock_relief`). Otherwise (body defaults, as in the first release) a cell takes
    the rocks' height at its centre, the cell holding a rock's centre its whole height, and
    smaller rocks are dropped.
Ripples
    Optional fields of aeolian ripples (:func:`add_ripples`): the crests of a narrow-band
    random wave ``Re(psi(x) exp(i k . x))``, psi a complex Gaussian envelope (wavenumber
    spread 12%, crest orientation spread 5 deg) drawn on a coarse grid and interpolated, so
    that the spacing and height vary from place to place and crests end or split where |psi|
    vanishes (its phase singularities are the crest terminations and Y-junctions). Each ridge
    is asymmetric (gentle stoss, lee faces downwind near the angle of repose, Lapotre et al.
    2016) with flat ground between ridges; ``ripple_cover`` < 1 confines them to patches.
    They are absent inside every crater's rim and thin out over fresh craters' ejecta (at
    Meridiani the youngest craters are superposed on the ripples, Golombek et al. 2010).
    Meridiani: mean spacing 5 m, typical height 0.12 m, up to 0.33 m (see the preset).

Random streams: each model draws from its own ``numpy.random.Generator`` seeded with
``SeedSequence(seed, spawn_key=(i,))`` (the i-th child of ``SeedSequence(seed).spawn``), in the
fixed order of :data:`STREAMS`; new streams are only ever appended, so adding one never changes
the others. A preset's streams also carry the preset's name in their spawn key, so presets do
not share crater places or rocks for one seed.
"""

from __future__ import annotations

import math
import os
import zlib
from typing import Any

import numpy as np

from terrains._model import (
    _BODIES, _BODY_DEFAULTS, MAX_LENGTH_M, Body, ParameterError, Terrain, _did_you_mean,
    check_params,
)

__all__ = ["generate", "STREAMS"]

#: Named random streams, by spawn index. Append only: an index must never change.
STREAMS = ("relief", "craters", "rocks", "ripples", "small_rocks")

#: Upper bounds on the number of drawn objects, to fail fast instead of filling memory.
MAX_CRATERS = 2_000_000
MAX_ROCKS = 5_000_000

# Bytes of working memory per cell while generating: the float32 height, the complex64 half
# spectrum and the FFT's temporaries (measured peak ~3.2 x the height), with margin.
_BYTES_PER_CELL = 6 * 4


def stream(seed: int, name: str, preset: str | None = None) -> np.random.Generator:
    """The random generator of one named stream (see :data:`STREAMS`).

    A preset's terrain draws from streams of its own: the spawn key gains the CRC-32 of the
    preset's name, so two presets with the same seed share no crater or rock places.
    Without a preset the key is the stream's index alone (as before presets had streams).
    """
    key = (STREAMS.index(name),)
    if preset is not None:
        key += (zlib.crc32(preset.encode("utf-8")),)
    ss = np.random.SeedSequence(seed, spawn_key=key)
    return np.random.Generator(np.random.PCG64(ss))


# --------------------------------------------------------------------------------------------
# validation

def _available_bytes() -> int | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _gib(n: float) -> str:
    return f"{n / 2**30:.1f} GiB"


def check_size(size) -> tuple[int, int]:
    """``size`` as (rows, cols); an int N means (N, N). ValueError names what is wrong."""
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        rows = cols = int(size)
    else:
        try:
            rows, cols = size
            if any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in (rows, cols)):
                raise TypeError
        except (TypeError, ValueError):
            raise ParameterError(
                "size", f"size must be an int N or a pair (rows, cols) of ints, got {size!r}") from None
        rows, cols = int(rows), int(cols)
    if rows <= 0 or cols <= 0:
        raise ParameterError("size", f"size must be positive, got ({rows}, {cols})")
    if rows < 2 or cols < 2:
        raise ParameterError("size", f"size must be at least 2 cells per side, got ({rows}, {cols})")
    cells = rows * cols
    need = cells * _BYTES_PER_CELL
    if cells >= 2**31:
        raise ParameterError("size", f"size ({rows}, {cols}) is too large: {cells} cells (at most "
                                     f"2^31 - 1), needing about {_gib(need)} of memory")
    avail = _available_bytes()
    if avail is not None and need > avail:
        raise ParameterError("size", f"size ({rows}, {cols}) is too large for memory: generating "
                                     f"it needs about {_gib(need)}, only {_gib(avail)} is available")
    return rows, cols


def check_cell_size(cell_size) -> float:
    if (isinstance(cell_size, bool) or not isinstance(cell_size, (int, float, np.integer, np.floating))
            or not math.isfinite(cell_size) or not 0 < cell_size <= MAX_LENGTH_M):
        raise ParameterError("cell_size", f"cell_size must be a number > 0 and <= {MAX_LENGTH_M:g} "
                                          f"(metres), got {cell_size!r}")
    return float(cell_size)


def check_body(body) -> Body:
    if isinstance(body, Body):
        return body
    if not isinstance(body, str) or body.lower() not in _BODIES:
        hint = _did_you_mean(str(body).lower(), _BODIES) if isinstance(body, str) else ""
        raise ParameterError("body", f"unknown body {body!r}{hint}; known bodies: "
                                     f"{', '.join(sorted(_BODIES))}")
    return _BODIES[body.lower()]


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError("seed", f"seed must be an int >= 0, got {seed!r}")
    return int(seed)


def resolve(body, preset, size, cell_size, params) -> tuple[Body, tuple[int, int], float, dict]:
    """Validate everything and return (body, (rows, cols), cell size, resolved parameters)."""
    from terrains._presets import PRESETS

    user = check_params(params)
    pre = None
    if preset is not None:
        if not isinstance(preset, str) or preset not in PRESETS:
            hint = _did_you_mean(preset, PRESETS) if isinstance(preset, str) else ""
            raise ParameterError("preset", f"unknown preset {preset!r}{hint}; known presets: "
                                           f"{', '.join(PRESETS)}")
        pre = PRESETS[preset]
    if body is None:
        body = pre.body if pre is not None else "mars"
    body_obj = check_body(body)
    shape = check_size(size)
    cell = check_cell_size(cell_size)

    p: dict[str, Any] = dict(_BODY_DEFAULTS.get(body_obj.name, _BODY_DEFAULTS["mars"]))
    if pre is not None:
        p.update(pre.params)
    p.update(user)
    rows, cols = shape
    short = min(rows, cols) * cell
    if p["crater_min_d_m"] is None:
        p["crater_min_d_m"] = max(1.0, 3.0 * cell)
    if p["crater_max_d_m"] is None:
        p["crater_max_d_m"] = short / 3.0
    if p["rock_min_d_m"] is None:
        p["rock_min_d_m"] = max(0.5, cell)
    if p["rock_max_d_m"] is None:
        p["rock_max_d_m"] = min(10.0, short / 4.0)
    for kind in ("crater", "rock"):
        lo, hi = p[f"{kind}_min_d_m"], p[f"{kind}_max_d_m"]
        # Both bounds automatic on a tiny terrain: simply no craters or rocks fit. A bound the
        # user set that leaves an empty range is a mistake worth saying.
        set_by_user = f"{kind}_min_d_m" in user or f"{kind}_max_d_m" in user
        if set_by_user and lo >= hi:
            which = f"{kind}_min_d_m" if f"{kind}_min_d_m" in user else f"{kind}_max_d_m"
            raise ParameterError(
                which, f"{which}: the {kind} diameters need {kind}_min_d_m < {kind}_max_d_m, got "
                       f"{lo:g} m and {hi:g} m (an unset bound defaults to a fraction of the "
                       f"terrain's {short:g} m shorter side)")
    check_counts(shape, cell, p, user)
    p["preset"] = preset
    return body_obj, shape, cell, p


def check_parameters(body: str | Body | None = None, *, preset: str | None = None,
                     size=(512, 512), cell_size: float = 0.5, **params) -> dict[str, Any]:
    """Validate the arguments of :func:`generate` without generating anything.

    Cheap (no arrays), so a scenario loader can reject a bad value before any work starts.

    Returns
    -------
    dict
        The resolved parameters, as ``Terrain.params`` would hold them.

    Raises
    ------
    ParameterError
        As :func:`generate` would (a ``ValueError`` whose ``name`` is the bad parameter's; its
        message starts with that name, except for an unknown one or preset or body).
    """
    return resolve(body, preset, size, cell_size, params)[3]


# --------------------------------------------------------------------------------------------
# relief

def structure_nu(z: np.ndarray, lag: float) -> float:
    """RMS height difference nu [height units] at a lag of ``lag`` cells (>= 1).

    Integer lags are measured exactly (:func:`terrains._kernels.structure_sum`); fractional
    lags are interpolated linearly in log(nu) against log(lag) between the integer lags around.
    """
    from terrains import _kernels as K

    lo = int(math.floor(lag))
    v0 = K.structure_sum(z, lo)
    if lag == lo or v0 <= 0.0:
        return math.sqrt(max(v0, 0.0))
    v1 = K.structure_sum(z, lo + 1)
    if v1 <= 0.0:
        return math.sqrt(v0)
    t = (math.log(lag) - math.log(lo)) / (math.log(lo + 1) - math.log(lo))
    return math.exp((1.0 - t) * 0.5 * math.log(v0) + t * 0.5 * math.log(v1))


def max_lag(shape) -> float:
    """Longest lag [cells] at which slopes are measured: half the shorter side."""
    return min(shape) / 2.0


def _real_columns(spec: np.ndarray, rows: int, cols: int) -> None:
    """Make the columns of a half spectrum that ``irfft2`` turns into real data on its own
    (f_x = 0, and the Nyquist column when ``cols`` is even) Hermitian along f_y, in place.

    The inverse real transform keeps only the real part of those columns after their f_y
    transform, which, with independent phases at +f_y and -f_y, halves the power of every
    wave running straight along the columns: the relief was then smoother along one axis than
    along the other (4% in RMS height difference at 32 cells on a square, far more on strips).
    Each +f_y coefficient now sets its -f_y partner, as every other coefficient sets its
    implicit -f partner. A self-conjugate coefficient (f = -f on the grid) has no partner, so
    it becomes real with sqrt(2) times its amplitude and the sign of its real part: the same
    exact amplitude and variance as every other wave.
    """
    k = np.arange(1, (rows + 1) // 2)
    for j in ((0, cols // 2) if cols % 2 == 0 else (0,)):
        col = spec[:, j]
        col[rows - k] = np.conj(col[k])
        for i in ((0, rows // 2) if rows % 2 == 0 else (0,)):
            c = complex(col[i])
            col[i] = math.copysign(math.sqrt(2.0) * abs(c), c.real)


def relief(shape, cell: float, hurst: float, slope_deg: float, baseline_m: float,
           rng: np.random.Generator) -> np.ndarray:
    """The fractal relief alone: float32 (rows, cols) [m], zero mean (see module docstring)."""
    from terrains import _kernels as K

    rows, cols = shape
    half = cols // 2 + 1
    # Random phases, exact power-law amplitudes: the periodogram of the relief is the target
    # spectrum itself, so its measured slopes and Hurst exponent scatter far less between
    # seeds than with Gaussian amplitudes, while the heights are still Gaussian (many waves).
    phase = rng.random((rows, half), dtype=np.float32)
    spec = np.empty((rows, half), dtype=np.complex64)
    K.fill_spectrum(spec, phase, rows, cols, hurst + 1.0)
    del phase
    _real_columns(spec, rows, cols)
    z = np.fft.irfft2(spec, s=(rows, cols))
    del spec
    if z.dtype != np.float32 or not z.flags.c_contiguous:  # numpy < 2 returns float64
        z = np.ascontiguousarray(z, dtype=np.float32)
    if slope_deg == 0.0:
        z.fill(0.0)
        return z
    lag_ref = baseline_m / cell
    lag = min(max(lag_ref, 1.0), max(1.0, math.floor(max_lag(shape))))
    target_tan = math.tan(math.radians(slope_deg)) * (lag / lag_ref) ** (hurst - 1.0)
    nu = structure_nu(z, lag)
    if nu > 0.0:
        K.scale_inplace(z, target_tan * lag * cell / nu)
    return z


# --------------------------------------------------------------------------------------------
# the relief calibrated against the whole surface

#: Number of lags (geometric between ``surface_lag_min_m`` and ``surface_lag_max_m``) at which
#: the whole surface is calibrated; the survey fits Hurst exponents to 8 such lags too.
SURFACE_LAGS = 8
#: Log-frequency bins per e-fold used to predict a relief spectrum's structure function.
_BINS_PER_E = 12.0
#: Sharpness of the bend between the relief spectrum's two power laws (see
#: :func:`terrains._kernels.broken_power_amplitude`).
_BREAK_SHARPNESS = 4.0
#: Range of the relief's Hurst exponents the fit may choose: below 0.3 a relief is close to
#: white noise, cell-to-cell roughness no planetary DEM shows (Mars landing sites 0.5-0.8,
#: Golombek et al. 1999; Shepard et al. 2001 find 0.5-1 on natural terrain); above 1 it is a
#: smooth undulation whose slopes grow with scale, allowed to 1.5 for the long lags.
H_MIN, H_MAX = 0.3, 1.5
#: Weight of (h_hi - h_lo)^2 in the fit: an unbroken power law unless the data ask otherwise.
_BEND_PENALTY = 0.1


def surface_target_nu(p, lags_m) -> np.ndarray:
    """The whole surface's target RMS height difference nu(L) [m] at lags ``lags_m`` [m].

    ``nu(L) = L tan(surface_slope_deg) (L / L0)^(H - 1)``, ``L0 = surface_baseline_m``, with
    ``H = surface_hurst`` below L0 and ``surface_hurst_long`` (default: the same) above it:
    RMS slope ``atan(nu / L)`` falls as ``L^(H - 1)`` (Shepard et al. 2001).
    """
    lags_m = np.asarray(lags_m, dtype=np.float64)
    l0 = p["surface_baseline_m"]
    h_short = p["surface_hurst"]
    h_long = p["surface_hurst_long"] if p["surface_hurst_long"] is not None else h_short
    h = np.where(lags_m <= l0, h_short, h_long)
    return lags_m * math.tan(math.radians(p["surface_slope_deg"])) * (lags_m / l0) ** (h - 1.0)


def surface_lags(shape, cell, p) -> np.ndarray:
    """The integer lags [cells] at which the whole surface is calibrated: :func:`lags_over`
    [surface_lag_min_m, surface_lag_max_m]."""
    return lags_over(shape, cell, p["surface_lag_min_m"], p["surface_lag_max_m"])


def lags_over(shape, cell, lo_m, hi_m) -> np.ndarray:
    """SURFACE_LAGS integer lags [cells] in geometric steps over [lo_m, hi_m] [m], limited
    to one cell and half the shorter side of a grid of ``shape``, duplicates removed (int64,
    increasing): where the whole surface is calibrated, and its Hurst exponent measured."""
    hi_cells = max(1, int(math.floor(max_lag(shape))))
    lo = min(max(1.0, lo_m / cell), hi_cells)
    hi = min(max(lo, hi_m / cell), hi_cells)
    return np.unique(np.clip(np.round(np.geomspace(lo, hi, SURFACE_LAGS)), 1, hi_cells)
                     ).astype(np.int64)


_KERNEL_CACHE: dict = {}


def _lag_kernel(shape, lags, small=False):
    """(K, lf): K (len(lags), B) float64 with ``nu^2(L_m) = sum_b a_b^2 K[m, b]`` for a
    relief whose half-spectrum amplitudes are ``a_b`` in log-frequency bin b (irfft2
    normalisation, rows and columns pooled), and lf (B,) the mean log|f| [cycles per cell]
    of each bin. Depends only on the grid and the lags: cached (a few per process). With
    ``small`` (a small terrain's enlarged field) the same kernel is summed in memory
    O(lags x bins) (:func:`terrains._kernels.lag_kernel_bins`), not O(bins x side)."""
    from terrains import _kernels as K

    key = (tuple(shape), tuple(int(v) for v in lags), bool(small))
    hit = _KERNEL_CACHE.get(key)
    if hit is not None:
        return hit
    rows, cols = shape
    lf0 = math.log(1.0 / max(rows, cols)) - 1e-9   # the lowest frequency on the grid
    lf1 = math.log(math.sqrt(0.5))                 # the corner (Nyquist on both axes)
    nbins = max(1, int(math.ceil((lf1 - lf0) * _BINS_PER_E)) + 1)
    dlf = (lf1 - lf0) / (nbins - 1) if nbins > 1 else 1.0
    lags = np.asarray(lags, dtype=np.float64)
    # a wave of column frequency j adds 2 (1 - cos(2 pi j L / cols)) |c|^2 / (rows cols)^2 to
    # the mean squared difference along rows at lag L; pooled with the columns' half and half
    wx = 2.0 * (1.0 - np.cos(2.0 * math.pi * np.outer(lags, np.arange(cols // 2 + 1)) / cols))
    wy = 2.0 * (1.0 - np.cos(2.0 * math.pi * np.outer(lags, np.arange(rows // 2 + 1)) / rows))
    if not small:
        cx = np.zeros((nbins, cols // 2 + 1))
        cy = np.zeros((nbins, rows // 2 + 1))
        slf = np.zeros(nbins)
        K.radial_bins(rows, cols, lf0, dlf, nbins, cx, cy, slf)
        n = cx.sum(axis=1)
        used = n > 0
        kern = 0.5 * (wx @ cx[used].T + wy @ cy[used].T) / (float(rows) * cols) ** 2
    else:   # the same kernel in memory O(lags x bins): a small terrain's enlarged field
        full = np.zeros((len(lags), nbins))
        n = np.zeros(nbins)
        slf = np.zeros(nbins)
        K.lag_kernel_bins(rows, cols, lf0, dlf, nbins, wx, wy, full, n, slf)
        used = n > 0
        kern = full[:, used] / (float(rows) * cols) ** 2
    lf = slf[used] / n[used]
    if len(_KERNEL_CACHE) > 8:
        _KERNEL_CACHE.clear()
    _KERNEL_CACHE[key] = (kern, lf)
    return kern, lf


def _amplitude2(lf, h_hi, h_lo, f_break):
    """Squared :func:`terrains._kernels.broken_power_amplitude` at log|f| ``lf`` (B,), for
    arrays of candidate parameters (C,) at once: (C, B)."""
    h_hi = np.asarray(h_hi, dtype=np.float64)[:, None]
    h_lo = np.asarray(h_lo, dtype=np.float64)[:, None]
    lfb = np.log(np.asarray(f_break, dtype=np.float64))[:, None]
    s = _BREAK_SHARPNESS
    # log a = -(h_hi + 1) lf + (h_lo - h_hi) / s * log(1 + exp(s (lfb - lf)))
    bend = np.logaddexp(0.0, s * (lfb - lf[None, :])) / s
    return np.exp(2.0 * (-(h_hi + 1.0) * lf[None, :] + (h_lo - h_hi) * bend))


def _fit_scale(k, c, y, iters=30):
    """Best log relief power u (C,) for predicted relief nu^2 ``k`` (C, M) at unit power,
    other components' nu^2 ``c`` (M,) and log target nu^2 ``y`` (M,): least squares in
    log(e^u k + c) - y by Gauss-Newton. Returns (u, loss)."""
    logk = np.log(k)
    u = np.mean(y[None, :] - logk, axis=1)          # the relief alone meeting the target
    floor = u - 25.0                                 # a relief too faint to matter
    for _ in range(iters):
        rel = np.exp(u[:, None] + logk)
        tot = rel + c[None, :]
        r = np.log(tot) - y[None, :]
        w = rel / tot
        step = np.sum(r * w, axis=1) / np.maximum(np.sum(w * w, axis=1), 1e-12)
        u = np.maximum(u - step, floor)
    r = np.log(np.exp(u[:, None] + logk) + c[None, :]) - y[None, :]
    return u, np.sum(r * r, axis=1)


def fit_surface_relief(shape, cell, p, lags, other_nu2, small=False):
    """Choose the relief's spectrum so that relief plus everything else meets the target.

    Parameters
    ----------
    shape : (int, int)
        Grid (rows, cols).
    cell : float
        Cell size [m].
    p : dict
        Resolved parameters (the ``surface_*`` ones are read).
    lags : numpy.ndarray
        Calibration lags [cells] (:func:`surface_lags`), int64 (M,).
    other_nu2 : numpy.ndarray
        Mean squared height difference [m^2] of the craters, rocks and ripples alone at
        those lags (M,).

    Returns
    -------
    (h_hi, h_lo, f_break, scale)
        The relief's half-spectrum amplitudes are ``scale`` times
        :func:`terrains._kernels.broken_power_amplitude` (h_hi, h_lo, f_break [cycles per
        cell], sharpness _BREAK_SHARPNESS).

    Independent components add in the structure function (the variance of a height
    difference is the sum of the components' variances), so the relief's needed nu^2 is the
    target's minus the others'; where the others alone exceed the target the relief cannot
    help and the fit spends nothing there. The relief's nu^2 at each lag is predicted in
    closed form from its spectrum (:func:`_lag_kernel`): no relief is generated to measure.
    The fit is least squares in log nu^2 of the sum over a grid of Hurst exponents above and
    below a bend and of bend frequencies, refined once, with the power solved by
    Gauss-Newton for every candidate.
    """
    kern, lf = _lag_kernel(shape, lags, small)
    y = 2.0 * np.log(surface_target_nu(p, np.asarray(lags, dtype=np.float64) * cell))
    c = np.maximum(np.asarray(other_nu2, dtype=np.float64), 0.0)
    lag_m = np.asarray(lags, dtype=np.float64)
    breaks = 1.0 / (4.0 * np.geomspace(lag_m[0], max(lag_m[-1], lag_m[0]), 5))
    if len(lags) < 3:   # too few lags to see a bend or a slope: the target's own exponent
        h = np.array([p["surface_hurst"]])
        cand = (h, h, np.array([breaks[0]]))
    else:
        grid = np.arange(H_MIN, H_MAX + 1e-9, 0.1)
        hh, hl, fb = np.meshgrid(grid, grid, breaks, indexing="ij")
        cand = (hh.ravel(), hl.ravel(), fb.ravel())
    for rnd in range(2):
        k = _amplitude2(lf, *cand) @ kern.T
        u, loss = _fit_scale(np.maximum(k, 1e-300), c, y)
        loss = loss + _BEND_PENALTY * (cand[0] - cand[1]) ** 2
        best = int(np.argmin(loss))
        if rnd == 1 or len(lags) < 3:
            break
        b_hh, b_hl, b_fb = (v[best] for v in cand)
        d = np.arange(-0.08, 0.081, 0.02)
        hh, hl, fb = np.meshgrid(np.clip(b_hh + d, H_MIN, H_MAX), np.clip(b_hl + d, H_MIN, H_MAX),
                                 b_fb * np.array([0.7, 1.0, 1.4]), indexing="ij")
        cand = (hh.ravel(), hl.ravel(), fb.ravel())
    return (float(cand[0][best]), float(cand[1][best]), float(cand[2][best]),
            math.exp(0.5 * float(u[best])))


#: A calibrated relief is made as if cut from a periodic field at least this many times the
#: longest calibration lag across: on a periodic field the RMS height difference at a lag
#: near the period bends over (a lag of a third of the period loses ~20% of its growth),
#: which capped a 512 m lunar patch's Hurst exponent over 17-170 m near 0.84 whatever the
#: spectrum. Six lags across keep the bend under ~5%.
EMBED_LAGS = 6.0
#: Largest enlargement of that field per axis (a power of two).
EMBED_MAX = 4
#: Waves of the enlarged field longer than this many cells over the terrain's shorter side
#: (|f| < LONG_WAVES / side) are summed one by one on the terrain; shorter ones come from the
#: terrain's own FFT, which holds them as well.
LONG_WAVES = 1.5


def relief_grid(shape, cell, p) -> tuple[int, int]:
    """Shape (rows, cols) of the periodic field a calibrated relief stands for: the
    terrain's grid times the smallest power of two (at most EMBED_MAX) that makes its
    shorter side at least EMBED_LAGS x ``surface_lag_max_m``; the terrain's own grid when it
    already is (every 2 km preset terrain)."""
    rows, cols = shape
    need = EMBED_LAGS * p["surface_lag_max_m"] / cell
    k = 1
    while k < EMBED_MAX and min(rows, cols) * k < need:
        k *= 2
    return rows * k, cols * k


def calibrated_relief(shape, cell, p, rng, lags, other_nu2, parts=None) -> np.ndarray:
    """The relief of a surface-calibrated terrain: float32 (rows, cols) [m], zero mean.

    Random phases from ``rng`` drawn as :func:`relief` draws them, amplitudes from
    :func:`fit_surface_relief`. On a terrain narrower than the field of :func:`relief_grid`
    the relief stands for a patch of that larger field (:func:`_patch_relief`); ``parts``
    float32 (rows, cols) [m] are then the craters, rocks and ripples whose mean squared
    differences ``other_nu2`` are (None: taken as independent of the relief).
    """
    from terrains import _kernels as K

    rows, cols = shape
    big = relief_grid(shape, cell, p)
    h_hi, h_lo, f_break, scale = fit_surface_relief(big, cell, p, lags, other_nu2,
                                                    small=big != tuple(shape))
    phase = rng.random((rows, cols // 2 + 1), dtype=np.float32)
    spec = np.empty((rows, cols // 2 + 1), dtype=np.complex64)
    k = big[0] // rows
    # the same power per frequency area as the larger field (its irfft2 divides by k^2 more)
    K.fill_spectrum_broken(spec, phase, rows, cols, h_hi, h_lo, f_break, _BREAK_SHARPNESS,
                           scale / k)
    del phase
    _real_columns(spec, rows, cols)
    if k == 1:
        z = np.fft.irfft2(spec, s=(rows, cols))
        del spec
        if z.dtype != np.float32 or not z.flags.c_contiguous:  # numpy < 2 returns float64
            z = np.ascontiguousarray(z, dtype=np.float32)
        return z
    return _patch_relief(spec, big, shape, (h_hi, h_lo, f_break, scale), rng, lags, other_nu2,
                         p, cell, parts)


def _long_waves(shape, big, f_cut, spectrum, rng) -> np.ndarray:
    """Every wave of the periodic field ``big`` (rows, cols) with 0 < |f| < ``f_cut``
    [cycles per cell], amplitudes ``scale * broken_power_amplitude`` (``spectrum`` = (h_hi,
    h_lo, f_break, scale)) and phases from ``rng``, summed on the terrain's cells as that
    field's irfft2 would put them there: float32 ``shape`` [m]."""
    from terrains import _kernels as K

    rows, cols = shape
    big_r, big_c = big
    h_hi, h_lo, f_break, scale = spectrum
    ny = int(math.ceil(f_cut * big_r))
    nx = int(math.ceil(f_cut * big_c))
    waves = []
    for j in range(0, nx + 1):
        for ky in range(-ny, ny + 1):
            if j == 0 and ky <= 0:           # the half plane: (0, -ky) is (0, ky)'s partner
                continue
            f2 = (ky / big_r) ** 2 + (j / big_c) ** 2
            if f2 < f_cut * f_cut:
                waves.append((ky, j, f2))
    if not waves:
        return np.zeros(shape, dtype=np.float32)
    w = np.asarray(waves, dtype=np.float64)
    phi = 2.0 * math.pi * rng.random(len(w))
    amp = np.array([scale * K.broken_power_amplitude(f2, h_hi, h_lo, f_break,
                                                     _BREAK_SHARPNESS) for f2 in w[:, 2]])
    # a half-plane coefficient and its conjugate partner: (2 a / (R C)) cos(phase)
    coef = 2.0 * amp / (float(big_r) * big_c)
    nw = len(w)
    # cos(a + b) = cos a cos b - sin a sin b: one product of (rows, 2W) by (2W, cols)
    left = np.empty((rows, 2 * nw), dtype=np.float32)
    right = np.empty((cols, 2 * nw), dtype=np.float32)
    for m in range(nw):
        a = 2.0 * math.pi * (np.arange(rows) * (w[m, 0] / big_r)) + phi[m]
        b = 2.0 * math.pi * (np.arange(cols) * (w[m, 1] / big_c))
        left[:, m] = coef[m] * np.cos(a)
        left[:, nw + m] = -coef[m] * np.sin(a)
        right[:, m] = np.cos(b)
        right[:, nw + m] = np.sin(b)
    z = np.empty(shape, dtype=np.float32)
    K.sum_separable(left, right, z)
    return z


def _patch_relief(spec, big, shape, spectrum, rng, lags, other_nu2, p, cell, parts):
    """A calibrated relief standing for a patch of the larger periodic field ``big``
    (:func:`relief_grid`), its long and short waves reweighted so that the patch meets the
    target.

    The terrain's own FFT (``spec``, complex64 half plane with the larger field's power per
    frequency area, consumed) makes the waves shorter than side / LONG_WAVES; the larger
    field's longer waves, which a periodic terrain cannot hold, are summed one by one
    (:func:`_long_waves`, a few dozen). A patch holds only part of its longest waves, so its
    RMS height differences scatter about the predicted ones (by 10-25% at 17 m on a 512 m
    lunar patch), and a few long waves carry both the relief and the craters' largest
    depressions (height correlations of -0.7 were seen on 512 m): the mean squared
    differences of the two parts, of their sum and of each with ``parts`` are measured at
    the lags, and the weights a, b of ``a long + b short`` chosen on a grid (factors 1/4 to
    4) for the least squares in log nu^2 of relief plus the rest against the target. Memory:
    one terrain-sized float32 field more than the plain relief. float32 ``shape`` [m], zero
    mean.
    """
    from terrains import _kernels as K

    rows, cols = shape
    f_cut = LONG_WAVES / min(rows, cols)
    ny, nx = int(math.ceil(f_cut * rows)), int(math.ceil(f_cut * cols))
    for ky in range(-ny, ny + 1):                  # the long waves leave the FFT
        for j in range(0, min(nx, spec.shape[1] - 1) + 1):
            if (ky / rows) ** 2 + (j / cols) ** 2 < f_cut * f_cut:
                spec[ky % rows, j] = 0
    zh = np.fft.irfft2(spec, s=(rows, cols))
    del spec
    zh = np.ascontiguousarray(zh, dtype=np.float32)
    zl = _long_waves(shape, big, f_cut, spectrum, rng)
    for z in (zh, zl):
        z -= np.float32(z.mean(dtype=np.float64))
    step = _measure_step(shape)
    m = len(lags)
    s_l, s_h, s_lh, c_lo, c_ho = (np.zeros(m) for _ in range(5))
    K.structure_sums(zl, zl, False, lags, step, s_l)
    K.structure_sums(zh, zh, False, lags, step, s_h)
    K.structure_sums(zl, zh, True, lags, step, s_lh)
    cross = 0.5 * (s_lh - s_l - s_h)
    o = np.asarray(other_nu2, dtype=np.float64)
    if parts is not None:
        tmp = np.empty(m)
        K.structure_sums(zl, parts, True, lags, step, tmp)
        c_lo = 0.5 * (tmp - s_l - o)
        K.structure_sums(zh, parts, True, lags, step, tmp)
        c_ho = 0.5 * (tmp - s_h - o)
    y = 2.0 * np.log(surface_target_nu(p, np.asarray(lags, dtype=np.float64) * cell))
    w = np.exp(np.linspace(math.log(0.25), math.log(4.0), 57))
    a, b = np.meshgrid(w, w, indexing="ij")
    a, b = a.ravel()[:, None], b.ravel()[:, None]
    tot = (a * a * s_l[None, :] + b * b * s_h[None, :] + 2.0 * a * b * cross[None, :]
           + 2.0 * a * c_lo[None, :] + 2.0 * b * c_ho[None, :] + np.maximum(o, 0.0)[None, :])
    loss = np.sum((np.log(np.maximum(tot, 1e-300)) - y[None, :]) ** 2, axis=1)
    best = int(np.argmin(loss))
    zh *= np.float32(b[best, 0])
    zl *= np.float32(a[best, 0])
    zh += zl
    return zh


def _measure_step(shape) -> int:
    """Row step of the calibration's structure sums: every row up to 512, then fewer (the
    estimate's cost stays near that of a 512-row grid; rows 4 apart still sample every
    crater of more than a few metres)."""
    return max(1, min(shape) // 512)


# --------------------------------------------------------------------------------------------
# craters and rocks

def stratified_uniform(rng, n: int) -> np.ndarray:
    """n uniforms in [0, 1), one in each stratum [i/n, (i+1)/n), in random order.

    Inverse-transform sampling from these follows the size-frequency distribution far more
    closely than independent draws (the fitted exponent of a few hundred craters scatters
    several times less), while each value remains random.
    """
    u = (np.arange(n) + rng.random(n)) / max(n, 1)
    return u[rng.permutation(n)]


def _power_law_diameters(rng, n, dmin, dmax, b):
    u = stratified_uniform(rng, n)
    lo, hi = dmin ** -b, dmax ** -b
    return (lo - u * (lo - hi)) ** (-1.0 / b)


def _expected(a: float, area: float, dmin: float, dmax: float, b: float) -> float:
    """a * area * (dmin^-b - dmax^-b): the expected count of a truncated power law (inf when
    it overflows, as a tiny dmin can make it)."""
    try:
        return a * area * (dmin ** -b - dmax ** -b)
    except OverflowError:
        return math.inf


def _area(shape, cell) -> float:
    """Area [m^2] of a terrain of ``shape`` (rows, cols) cells of ``cell`` m, computed as
    width times height (the order the populations' expected counts have always used)."""
    return (shape[1] * cell) * (shape[0] * cell)


def _crossover(p) -> float:
    """The equilibrium-to-production crossover diameter [m] (inf: equilibrium throughout)."""
    dc = p.get("crater_crossover_d_m")
    return math.inf if dc is None else float(dc)


def crater_cumulative(p, d):
    """N(>D) [craters per m^2] of the crater population at diameters ``d`` [m] (array).

    ``a D^-b`` (equilibrium) below the crossover ``Dc``; above it the production population
    ``a Dc^-b (D / Dc)^-b_p``, continuous at ``Dc``.
    """
    a, b = p["crater_density_a"], p["crater_exponent_b"]
    dc, bp = _crossover(p), p["crater_production_b"]
    d = np.asarray(d, dtype=np.float64)
    with np.errstate(over="ignore"):
        eq = a * d ** -b
        if not math.isfinite(dc):
            return eq
        return np.where(d <= dc, eq, a * dc ** -b * (d / dc) ** -bp)


def _crater_count(shape, cell, p) -> float:
    """Expected number of craters on a terrain of ``shape`` cells of ``cell`` m (0: none)."""
    a, dmin, dmax = p["crater_density_a"], p["crater_min_d_m"], p["crater_max_d_m"]
    if a <= 0.0 or dmax <= dmin:
        return 0.0
    if not math.isfinite(_crossover(p)) or _crossover(p) >= dmax:
        return _expected(a, _area(shape, cell), dmin, dmax, p["crater_exponent_b"])
    n_lo, n_hi = crater_cumulative(p, [dmin, dmax])
    return _area(shape, cell) * float(n_lo - n_hi) if math.isfinite(n_lo) else math.inf


def _rock_table(p):
    """(D, N(>D)) of the Golombek & Rapp model for ``p``, or None when it places no rocks."""
    k, dmin, dmax = p["rock_cover"], p["rock_min_d_m"], p["rock_max_d_m"]
    if k <= 0.0 or dmax <= dmin or golombek_rapp_q(k) * dmin > 700.0:
        return None  # (a vanishing cover: exp(-q D) underflows)
    return gr_cumulative_number(k, dmin, dmax)


def _rock_count(shape, cell, p) -> float:
    """Expected number of rocks on a terrain of ``shape`` cells of ``cell`` m (0: none)."""
    area = _area(shape, cell)
    dmin, dmax = p["rock_min_d_m"], p["rock_max_d_m"]
    if p["rock_model"] == "none" or dmax <= dmin:
        return 0.0
    if p["rock_model"] == "golombek-rapp":
        table = _rock_table(p)
        return 0.0 if table is None else area * table[1][0]
    if p["rock_density_a"] <= 0.0:
        return 0.0
    return _expected(p["rock_density_a"], area, dmin, dmax, p["rock_exponent_b"])


def check_counts(shape, cell, p, user=()) -> None:
    """Refuse, before any work, parameters that would place more craters or rocks than
    :data:`MAX_CRATERS` / :data:`MAX_ROCKS` on this terrain: a ParameterError naming the
    population's parameter the caller set (``user``), else ``size``, and saying what helps."""
    for what, expected, limit, keys in (
            ("craters", _crater_count(shape, cell, p), MAX_CRATERS,
             ("crater_min_d_m", "crater_density_a", "crater_exponent_b", "crater_max_d_m")),
            ("rocks", _rock_count(shape, cell, p), MAX_ROCKS,
             ("rock_min_d_m", "rock_cover", "rock_density_a", "rock_exponent_b",
              "rock_max_d_m", "rock_model"))):
        if not expected <= limit:  # NaN too
            name = next((k for k in keys if k in user), "size")
            raise ParameterError(
                name, f"{name}: a {shape[1] * cell:g} x {shape[0] * cell:g} m terrain "
                f"({shape[0]} x {shape[1]} cells of {cell:g} m) would hold about {expected:.3g} "
                f"{what} with these parameters (at most {limit}): use a smaller size, raise "
                f"{keys[0]} or lower the {what[:-1]} density")


#: Spread of fresh depth/diameter between craters of one size: log-normal, sigma 0.1
#: (assumed; Sun et al. 2018 find fresh sub-km lunar craters from ~0.1 to ~0.2 d/D).
DEPTH_SPREAD = 0.1
#: Largest axis ratio of a crater's ellipse; the ratio is 1 + ELONGATION * u^2 for a
#: uniform u, so most craters are nearly round (assumed: only oblique impacts make clearly
#: elongated craters).
ELONGATION = 0.15


#: Topographic diffusion of small lunar craters (Fassett & Thomson 2014, JGR Planets 119,
#: 2255): a crater's depth, as a fraction g of its fresh depth, falls with x = kappa t / D^2
#: as ``g = (1 + x / DIFFUSION_X0)^-DIFFUSION_P``. Fitted here to their two figures for
#: kappa ~5.5 m^2/Myr over 3 Ga: a 1 km crater keeps ~52% of its depth (x = 0.0165) and a
#: 300 m crater ~7% (x = 0.183); the fit gives 0.520 and 0.071.
DIFFUSION_X0 = 0.0228
DIFFUSION_P = 1.2
#: Depth fraction at which a worn crater is a ghost at the end of its life: ~7%, the 300 m
#: crater of Fassett & Thomson (2014) after 3 Ga, just above the craters "degraded beyond
#: recognition" below 200-300 m.
GHOST_DEPTH = 0.07
#: Depth fraction at which a crater leaves the fresh class: fresh sub-km lunar craters span
#: d/D ~0.2 down to ~0.1 (Sun et al. 2018, Icarus 309, 61), so a crater made at the presets'
#: 0.15 counts as fresh until about 0.105 = 0.7 x 0.15. The fresh class is drawn pristine
#: (its shape is Pike's fresh crater; assumed), the worn craters start below it.
FRESH_CLASS_DEPTH = 0.7


def diffusion_depth(x) -> np.ndarray:
    """Depth fraction g (of the fresh depth) of a crater at x = kappa t / D^2 (see
    DIFFUSION_X0): float64 like ``x``."""
    return (1.0 + np.asarray(x, dtype=np.float64) / DIFFUSION_X0) ** -DIFFUSION_P


def diffusion_x(g: float) -> float:
    """Inverse of :func:`diffusion_depth`: x = kappa t / D^2 at depth fraction ``g``."""
    return DIFFUSION_X0 * (g ** (-1.0 / DIFFUSION_P) - 1.0)


def crater_states(u, fresh_fraction: float) -> np.ndarray:
    """Depth fractions g (of the fresh depth) of craters with uniforms ``u`` in [0, 1), for
    a population with ``fresh_fraction`` fresh craters (g = 1) and the rest worn.

    In a steady state (equilibrium) each crater's age is uniform over its lifetime, so x =
    kappa t / D^2 is uniform and the share of every degradation class is independent of D,
    as Moore et al. (1980, The Moon and the Planets 23, 231) state for steady-state
    populations: worn craters have x uniform between the end of the fresh class (depth
    FRESH_CLASS_DEPTH) and the ghost (GHOST_DEPTH), and g from :func:`diffusion_depth`
    (median 0.14, mean 0.19 of the fresh depth). Craters with u < fresh_fraction are fresh.
    """
    u = np.asarray(u, dtype=np.float64)
    x0, x1 = diffusion_x(FRESH_CLASS_DEPTH), diffusion_x(GHOST_DEPTH)
    f = float(fresh_fraction)
    if f >= 1.0:
        return np.ones_like(u)
    t = np.clip((u - f) / (1.0 - f), 0.0, 1.0)
    return np.where(u < f, 1.0, diffusion_depth(x0 + t * (x1 - x0)))


def crater_diameters(p, u) -> np.ndarray:
    """Diameters [m] at cumulative fractions ``u`` in [0, 1) of the population of ``p``
    between ``crater_min_d_m`` and ``crater_max_d_m`` (inverse transform of N(>D))."""
    dmin, dmax, b = p["crater_min_d_m"], p["crater_max_d_m"], p["crater_exponent_b"]
    dc = _crossover(p)
    if not math.isfinite(dc) or dc >= dmax:
        lo, hi = dmin ** -b, dmax ** -b
        return (lo - u * (lo - hi)) ** (-1.0 / b)
    a, bp = p["crater_density_a"], p["crater_production_b"]
    n_lo, n_hi = crater_cumulative(p, [dmin, dmax])
    t = n_lo - u * (n_lo - n_hi)
    n_c = a * dc ** -b
    below = (t / a) ** (-1.0 / b)
    above = dc * (t / n_c) ** (-1.0 / bp)
    return np.where(t >= n_c, below, above)


def craters(shape, cell, p, rng) -> np.ndarray:
    """Draw the crater population, oldest first: float64 (N, 9) columns x, y, D, depth, rim,
    soft [m], erase [-], elongation [-] and angle [rad] (see
    :func:`terrains._kernels.stamp_craters`).

    Diameters follow :func:`crater_cumulative` (stratified inverse transform), centres are
    uniform on the terrain; each crater has a degradation state s (mean
    ``crater_degradation``), a fresh depth/diameter spread log-normally (DEPTH_SPREAD) about
    ``crater_depth_ratio`` (rising to Pike's 0.2 at 400 m), and a slightly elliptical outline
    (ELONGATION) turned at random.
    """
    rows, cols = shape
    width, height = cols * cell, rows * cell
    expected = _crater_count(shape, cell, p)  # within MAX_CRATERS: checked by resolve()
    if expected <= 0.0:
        return np.empty((0, 9))
    n = int(rng.poisson(expected))
    d = crater_diameters(p, stratified_uniform(rng, n))
    x = rng.random(n) * width
    y = rng.random(n) * height
    u = rng.random(n)
    c = p["crater_degradation"]
    fresh_fraction = p.get("crater_fresh_fraction")
    if fresh_fraction is not None:
        # fresh class and diffusion-worn craters (crater_states); s keeps the rim's wear
        g = crater_states(u, fresh_fraction)
        s = np.minimum(1.0, (1.0 - g) / 0.85)
    elif c <= 0.0:
        s = np.zeros(n)
    elif c >= 1.0:
        s = np.ones(n)
    else:
        s = u ** ((1.0 - c) / c)  # mean c
    spread = np.exp(DEPTH_SPREAD * rng.standard_normal(n))
    elong = 1.0 + ELONGATION * rng.random(n) ** 2
    angle = rng.random(n) * math.pi
    # fresh depth/diameter: crater_depth_ratio below 100 m, log-linear to Pike's 0.2 at 400 m
    t = np.clip(np.log(d / 100.0) / math.log(4.0), 0.0, 1.0)
    ratio = (p["crater_depth_ratio"] + t * (0.2 - p["crater_depth_ratio"])) * spread
    if fresh_fraction is not None:
        depth = ratio * d * g
    else:
        depth = ratio * d * (1.0 - 0.85 * s)
    rim_fresh = p["crater_rim_ratio"] * d
    rim = rim_fresh * (1.0 - s) ** 2
    soft = 0.3 * s * rim_fresh          # worn rims are rounded ...
    erase = 0.8 * (1.0 - s)             # ... and worn craters no longer cut cleanly
    order = np.argsort(-s, kind="stable")
    return np.ascontiguousarray(
        np.column_stack([x, y, d, depth, rim, soft, erase, elong, angle])[order])


def golombek_rapp_q(k: float) -> float:
    """q(k) = 1.79 + 0.152 / k [1/m] of the Golombek & Rapp (1997) rock model."""
    return 1.79 + 0.152 / k


def gr_cumulative_number(k: float, dmin: float, dmax: float, n_grid: int = 4097):
    """Tabulated N(>D) [rocks per m^2] of the Golombek & Rapp model on [dmin, dmax].

    Returns (D, N) with D increasing (geometric grid) and N decreasing to 0 at dmax; N is the
    integral of ``n(D) = k q exp(-q D) / (pi D^2 / 4)`` by the trapezoid rule in log D.
    """
    q = golombek_rapp_q(k)
    d = np.geomspace(dmin, dmax, n_grid)
    f = k * q * np.exp(-q * d) * 4.0 / (math.pi * d)  # n(D) * D: integrand in log D
    dl = np.diff(np.log(d))
    seg = 0.5 * (f[1:] + f[:-1]) * dl
    n = np.concatenate([np.cumsum(seg[::-1])[::-1], [0.0]])
    return d, n


def _rock_sizes(p):
    """(sizes(u), mean disc area [m^2]) of the preset's rock size distribution on
    [rock_min_d_m, rock_max_d_m]: ``sizes`` maps cumulative fractions u in [0, 1) to
    diameters [m]; None when the model places no rocks."""
    dmin, dmax = p["rock_min_d_m"], p["rock_max_d_m"]
    if p["rock_model"] == "none" or dmax <= dmin:
        return None
    if p["rock_model"] == "golombek-rapp":
        table = _rock_table(p)
        if table is None:
            return None
        dd, nn = table
        n0 = nn[0]

        def sizes(u):
            return np.interp(u * n0, nn[::-1], dd[::-1])
    else:
        b = p["rock_exponent_b"]
        if p["rock_density_a"] <= 0.0:
            return None
        lo, hi = dmin ** -b, dmax ** -b

        def sizes(u):
            return (lo - u * (lo - hi)) ** (-1.0 / b)
    mid = sizes((np.arange(4096) + 0.5) / 4096)
    return sizes, float(np.mean(math.pi * mid * mid / 4.0))


def rocks(shape, cell, p, rng, craters_=None) -> np.ndarray:
    """Draw the rock population: float64 (M, 4) x, y, diameter, height [m].

    The background (uniform places, the preset's size model) comes first; then, when
    ``rock_crater_factor`` > 0 and the crater table ``craters_`` (N, 9) is given, the boulder
    fields of craters of at least CRATER_ROCKS_MIN_D (see :func:`crater_rocks`).
    """
    rows, cols = shape
    width, height = cols * cell, rows * cell
    area = width * height
    dmin, dmax = p["rock_min_d_m"], p["rock_max_d_m"]
    model = p["rock_model"]
    if model == "none" or dmax <= dmin:
        return np.empty((0, 4))
    fields = craters_ is not None and len(craters_) and p.get("rock_crater_factor", 0.0) > 0.0
    # The boulder fields are part of the site's rocks: the background keeps the model's
    # size distribution and gives up the rocks the fields are expected to hold, so that the
    # whole population keeps the model's density and cover on average.
    keep = 1.0
    if fields:
        keep = max(0.0, 1.0 - float(np.sum(_field_share(p, craters_))) / area)
    # Counts are within MAX_ROCKS: checked by resolve().
    if model == "golombek-rapp":
        table = _rock_table(p)
        if table is None:
            return np.empty((0, 4))
        dd, nn = table
        n_model = nn[0]
        n = int(rng.poisson(area * n_model * keep))
        target = stratified_uniform(rng, n) * nn[0]
        d = np.interp(target, nn[::-1], dd[::-1])
    else:
        a, b = p["rock_density_a"], p["rock_exponent_b"]
        if a <= 0.0:
            return np.empty((0, 4))
        n_model = _expected(a, 1.0, dmin, dmax, b)
        n = int(rng.poisson(_expected(a, area, dmin, dmax, b) * keep))
        d = _power_law_diameters(rng, n, dmin, dmax, b)
    x = rng.random(n) * width
    y = rng.random(n) * height
    out = np.column_stack([x, y, d, p["rock_height_ratio"] * d])
    if fields:
        extra = crater_rocks(shape, cell, p, craters_, rng, n_model)
        if len(extra):
            out = np.concatenate([out, extra])
    return np.ascontiguousarray(out)


#: Smallest crater [m] with a boulder field (assumed: a crater digs to about a tenth of its
#: diameter, so below ~20 m it stays in the metres of regolith and throws out few blocks).
CRATER_ROCKS_MIN_D = 20.0
#: Most boulders one crater's field holds (a bound on work and memory, reached only by
#: fresh craters of several hundred metres on rocky ground).
CRATER_ROCKS_MAX = 100_000


def _field_share(p, cr) -> np.ndarray:
    """Each boulder field's rocks in units of the model's rock density [m^2]: the area of
    background ground holding as many rocks, (4/3) pi m f^4 R^2, for the craters of ``cr``
    (N, 9) of at least CRATER_ROCKS_MIN_D (see :func:`crater_rocks`)."""
    big = cr[cr[:, 2] >= CRATER_ROCKS_MIN_D]
    fresh = np.clip(big[:, 6] / 0.8, 0.0, 1.0)
    return (4.0 / 3.0) * math.pi * p["rock_crater_factor"] * fresh ** 4 * (0.5 * big[:, 2]) ** 2


def crater_rocks(shape, cell, p, cr, rng, n_model: float) -> np.ndarray:
    """Boulder fields on and around craters: float64 (M, 4) x, y, diameter, height [m].

    A crater of radius R at least CRATER_ROCKS_MIN_D across with freshness ``f = 1 - s``
    (from its overprinting weight, ``erase = 0.8 f``) has, from its rim to 3 R, rocks at
    ``m f^4 (r / R)^-3`` times the model's density ``n_model`` [rocks per m^2], ``m =
    rock_crater_factor``: the rocks thin out as its ejecta do (McGetchin et al. 1973) and
    wear away faster than its rim (f^4 against the rim's f^2, assumed: rocks are found on
    the youngest craters only, Bandfield et al. 2011, JGR 116 E00H02). That is
    ``(4/3) pi m f^4 R^2 n_model`` rocks on average, a Poisson number,
    of the model's sizes; rocks falling off the terrain are dropped. The background
    (:func:`rocks`) gives up as many, so the site keeps its model's density and cover.
    """
    model = _rock_sizes(p)
    if model is None:
        return np.empty((0, 4))
    sizes = model[0]
    big = cr[cr[:, 2] >= CRATER_ROCKS_MIN_D]
    if not len(big):
        return np.empty((0, 4))
    radius = 0.5 * big[:, 2]
    expected = _field_share(p, cr) * n_model
    counts = np.minimum(rng.poisson(expected), CRATER_ROCKS_MAX)
    total = int(counts.sum())
    if total == 0:
        return np.empty((0, 4))
    which = np.repeat(np.arange(len(big)), counts)
    # r / R from the density q^-3 per area on [1, 3]: pdf ~ q^-2, F(q) = 1.5 (1 - 1 / q)
    q = 1.0 / (1.0 - rng.random(total) / 1.5)
    theta = rng.random(total) * (2.0 * math.pi)
    x = big[which, 0] + q * radius[which] * np.cos(theta)
    y = big[which, 1] + q * radius[which] * np.sin(theta)
    d = sizes(rng.random(total))
    rows, cols = shape
    keep = (x >= 0.0) & (x < cols * cell) & (y >= 0.0) & (y < rows * cell)
    return np.column_stack([x, y, d, p["rock_height_ratio"] * d])[keep]


# --------------------------------------------------------------------------------------------
# rocks in the height field as a DEM of cell means (rock_subcell = 1)

#: Rocks of the Golombek & Rapp model smaller than ``rock_min_d_m`` but at least this
#: fraction of it are placed one by one, unlisted, area-weighted like the listed rocks: they
#: carry nearly all of the small rocks' height variance (a rock's squared volume grows as
#: D^6, the number as D^-2), and the cells they straddle share them as real rocks would.
#: Below it each cell's volume of rocks is drawn per cell (:func:`small_rock_moments`):
#: 14-37% of the rocks' volume at Ares Vallis (0.5 / 1 m cells), up to 95% at Meridiani
#: (1 m), but a small share of the height variance (0.06-1% at Ares Vallis, counted as
#: point masses). A third instead of a half placed 1.4 M rocks instead of 0.5 M on Ares
#: Vallis at 2048 x 2048 (1 m), about 1 s more on the shared 2-core machine.
SMALL_ROCKS_PLACED = 0.5
#: Fewest sample points per cell side when rocks are area-weighted (36 per cell): a rock of
#: half a cell, the smallest placed with the default rock_min_d_m (>= one cell), covers about
#: 7 of them, and any rock of sqrt(2) sample spacings holds at least one, so every placed
#: rock shows; smaller listed rocks (a rock_min_d_m set below a cell) get finer samples.
ROCK_SUB_MIN = 6
ROCK_SUB_MAX = 32


def split_share(s):
    """Mean over a rock's place of the sum over cells of (its volume in the cell / its
    volume)^2, for a half-ellipsoid of diameter ``s`` cells (array or float): 1 for a point,
    less as the rock straddles cell borders. Measured by fine sampling (0.945, 0.876, 0.759,
    0.549 at s = 0.1, 0.25, 0.5, 1); 1 - s / 2 is within 1% of it up to half a cell and 9%
    at one cell, and 0.55 / s^2 (the volume spread over about s^2 cells) beyond."""
    s = np.asarray(s, dtype=np.float64)
    return np.where(s <= 1.0, 1.0 - 0.5 * s, 0.55 / np.maximum(s, 1.0) ** 2)


def gr_volume_moments(k: float, h_ratio: float, d_lo: float, d_hi: float,
                      cell: float | None = None):
    """Volume moments of the Golombek & Rapp (1997) rocks with diameters in [d_lo, d_hi] [m].

    A rock of diameter D is a half-ellipsoid of height ``h_ratio D``: volume (2/3) a h with
    a = pi D^2 / 4 its disc. With the model's cover density dF = k q exp(-q D) dD (area of
    rocks per m^2 of ground per m of diameter), returns (m1, m2): m1 = integral of
    (2/3) h dF [m^3 per m^2] (the rocks' mean volume per ground area) and m2 = integral of
    V^2 dF / a [m^6 per m^2], times :func:`split_share` of D / ``cell`` when ``cell`` [m]
    is given: m2 / A is then the variance of the volume per area of a cell of area A
    (Campbell's theorem for a Poisson field of rocks; each rock's squared volume shared
    among the cells it straddles).
    """
    if d_hi <= d_lo or k <= 0.0:
        return 0.0, 0.0
    q = golombek_rapp_q(k)
    # m1 in closed form: integral of D q exp(-q D) dD = -(D + 1/q) exp(-q D)
    m1 = (2.0 / 3.0) * h_ratio * k * ((d_lo + 1.0 / q) * math.exp(-q * d_lo)
                                      - (d_hi + 1.0 / q) * math.exp(-q * d_hi))
    d = np.linspace(d_lo, d_hi, 2049)
    # V^2 / a = (2/3 h_ratio D)^2 (pi D^2 / 4)
    f = (2.0 / 3.0 * h_ratio) ** 2 * (math.pi / 4.0) * d ** 4 * k * q * np.exp(-q * d)
    if cell is not None:
        f *= split_share(d / cell)
    m2 = float(np.sum(0.5 * (f[1:] + f[:-1]) * np.diff(d)))
    return m1, m2


def small_rock_range(shape, cell, p):
    """(d_lo, d_hi) [m]: the Golombek & Rapp rocks below ``rock_min_d_m`` that are placed
    one by one, unlisted (see SMALL_ROCKS_PLACED); d_lo is raised when there would be more
    than MAX_ROCKS of them (their share then goes to the per-cell volume). (0, 0) when the
    model is not Golombek & Rapp or places none."""
    if p["rock_model"] != "golombek-rapp" or p["rock_cover"] <= 0.0:
        return 0.0, 0.0
    d_hi = min(p["rock_min_d_m"], p["rock_max_d_m"])
    d_lo = p["rock_min_d_m"] * SMALL_ROCKS_PLACED
    k = p["rock_cover"]
    if golombek_rapp_q(k) * d_lo > 700.0:
        return 0.0, 0.0
    area = _area(shape, cell)
    while d_lo < d_hi:
        dd, nn = gr_cumulative_number(k, d_lo, d_hi, 513)
        if area * nn[0] <= MAX_ROCKS:
            return d_lo, d_hi
        d_lo *= 1.25
    return 0.0, 0.0


def small_rocks(shape, cell, p, rng, listed):
    """The listed rocks ``listed`` (M, 4) and, after them, the unlisted small rocks placed
    one by one: (x, y, diameter, height), four float64 arrays [m] of M + M' rocks.

    The small rocks lie on [d_lo, d_hi) of :func:`small_rock_range` with uniform places
    (boulder fields are made of the listed sizes only), sizes by inverse transform of the
    model's N(>D). They come sorted by y (the order statistics of uniforms, from the running
    sum of exponential gaps), so the row sweep of :func:`terrains._kernels.rock_layer_area`
    reads them in memory order, and are drawn straight into the output arrays (no copies:
    they may be millions).
    """
    listed = listed.reshape(-1, 4)
    m = len(listed)
    d_lo, d_hi = small_rock_range(shape, cell, p)
    n = 0
    if d_hi > d_lo:
        dd, nn = gr_cumulative_number(p["rock_cover"], d_lo, d_hi)
        n = int(rng.poisson(_area(shape, cell) * nn[0]))
    out = [np.empty(m + n) for _ in range(4)]
    for i in range(4):
        out[i][:m] = listed[:, i]
    if n:
        rows, cols = shape
        x, y, d, h = (a[m:] for a in out)
        rng.standard_exponential(out=y)          # the first n of n + 1 gaps
        np.cumsum(y, out=y)
        y *= (rows * cell) / (y[-1] + rng.standard_exponential())
        rng.random(out=x)
        x *= cols * cell
        d[:] = np.interp(rng.random(n) * nn[0], nn[::-1], dd[::-1])
        np.multiply(d, p["rock_height_ratio"], out=h)
    return out


def small_rock_moments(shape, cell, p):
    """(mean, variance) [m, m^2] of a cell's volume over its area of the Golombek & Rapp
    rocks below those placed (diameters 0 to d_lo of :func:`small_rock_range`, or to
    ``rock_min_d_m`` when none are placed), each rock's squared volume shared among the
    cells it straddles (:func:`split_share`; counted whole in one cell it would be 1.3x too
    much at half a cell). Drawn independently per cell, the covariance of neighbours that
    share a rock is left out: these rocks are 0.06% (Ares Vallis, 0.5 m cells) to 1% (1 m)
    of the rocks' height variance, 10% at Gale and 50% at Meridiani (1 m cells), where few
    larger rocks are. (0, 0) for other models."""
    if p["rock_model"] != "golombek-rapp" or p["rock_cover"] <= 0.0:
        return 0.0, 0.0
    d_lo, d_hi = small_rock_range(shape, cell, p)
    top = d_lo if d_hi > d_lo else min(p["rock_min_d_m"], p["rock_max_d_m"])
    m1, m2 = gr_volume_moments(p["rock_cover"], p["rock_height_ratio"], 0.0, top, cell)
    return m1, m2 / (cell * cell)


def rock_relief(shape, cell, p, rk, rng) -> np.ndarray | None:
    """The rocks' relief with ``rock_subcell = 1``: float32 (rows, cols) [m], or None.

    The height field is a DEM of cell means (what a DEM posted at the cell size measures,
    and what a wheel of about that size rides on), so every rock enters by its volume in
    each cell it covers (:func:`terrains._kernels.rock_layer_area`): the listed rocks
    ``rk`` (M, 4), then, for the Golombek & Rapp model, the rocks below ``rock_min_d_m``
    that are not listed: down to half of it placed one by one (:func:`small_rocks`), and
    below that each cell's volume of rocks drawn with the Poisson field's mean and variance
    (:func:`small_rock_moments`, :func:`terrains._kernels.add_fine_rocks`), laid between the
    larger rocks. So the whole cover k of the model, down to D -> 0 (where its area integral
    converges), is in the height field. The power-law model's cover diverges as D -> 0:
    only its listed rocks are in it. ``rng`` is the ``small_rocks`` stream.
    """
    from terrains import _kernels as K

    cols4 = small_rocks(shape, cell, p, rng, rk)
    mean, var = small_rock_moments(shape, cell, p)
    if not len(cols4[0]) and mean <= 0.0:
        return None
    layer = np.zeros(shape, dtype=np.float32)
    covered = np.zeros(shape, dtype=np.float32)
    if len(cols4[0]):
        d_small = float(cols4[2].min())
        sub = int(min(ROCK_SUB_MAX, max(ROCK_SUB_MIN, math.ceil(1.5 * cell / d_small))))
        K.rock_layer_area(cell, sub, *cols4, layer, covered)
    del cols4
    if mean > 0.0 and var > 0.0:
        u = rng.random(size=shape, dtype=np.float32)
        open_mean = 1.0 - float(np.mean(covered, dtype=np.float64))
        K.add_fine_rocks(layer, covered, u, mean, var, max(open_mean, 1e-6))
    return layer


# --------------------------------------------------------------------------------------------
# ripple fields

#: Spread of the ripples' wavenumber, as a fraction of the mean (standard deviation of the
#: narrow band the crests are drawn from): the local crest spacing varies by about this much
#: from place to place. Assumed, with the crest spread below, so that crests run several
#: wavelengths between terminations and junctions (large martian ripples are "spatially
#: uniform in size" with "sinuous crest lines", Lapotre et al. 2016, Science 353, 55).
RIPPLE_WAVENUMBER_SPREAD = 0.12
#: Spread of the crests' orientation [rad] (standard deviation of the band's direction).
RIPPLE_CREST_SPREAD = math.radians(5.0)
#: Fraction of a period a ripple's ridge occupies; the rest is flat interripple ground.
#: Opportunity's "Purgatory" ripple was about 0.3 m tall and 2.5 m wide (NASA/JPL PIA07999),
#: half of a 5 m spacing (assumed spacing, see the preset).
RIPPLE_RIDGE_FRACTION = 0.5
#: Fraction of the ridge on its lee (downwind) face: 0.35 of a 2.5 m ridge is 0.9 m, so a
#: 0.3 m ripple's steepest lee slope, pi/2 x 0.3 / 0.9, is about 28 deg, near the angle of
#: repose of the lee faces of large martian ripples (Lapotre et al. 2016).
RIPPLE_LEE_FRACTION = 0.35
#: Ripples stand at most this many times ripple_height_m (the envelope |psi| has RMS 1 and a
#: Rayleigh distribution: exp(-2.75^2), 0.05% of the plains, reach the cap; Meridiani's 0.12 m
#: then tops out at 0.33 m, the "Purgatory" ripple's 1/3 m).
RIPPLE_AMPLITUDE_MAX = 2.75
#: Correlation length of the patches of rippled ground, in wavelengths (assumed).
RIPPLE_PATCH_WAVELENGTHS = 12.0
#: Width of the edge of a patch, in standard deviations of the patch field.
RIPPLE_PATCH_EDGE = 0.6


def _fast_len(n: int) -> int:
    """The smallest 2^a 3^b 5^c >= n (an FFT of that length is fast)."""
    best = 1 << max(0, (n - 1).bit_length())
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            m = p35
            while m < n:
                m *= 2
            best = min(best, m)
            p35 *= 3
        p5 *= 5
    return best


def _gaussian_band(rng, shape, step_m, sigma_u, sigma_v, k0, ux, uy, complex_field):
    """A stationary Gaussian random field on a coarse grid of ``shape`` with spacing
    ``step_m`` [m], unit RMS, drawn from ``rng`` (float64; complex when ``complex_field``).

    Its spectrum is a Gaussian band: centred on wavevector ``k0`` (cycles/m) along the unit
    vector (ux, uy) [east, north] when ``k0`` > 0, with standard deviation ``sigma_u`` along
    it (the wavenumber) and ``sigma_v`` across it ([cycles/m]; the angle times k0), and given
    back demodulated: the field is the slowly varying envelope psi of ``psi exp(2 pi i k0 u .
    x)``. With ``k0`` = 0 the band is centred on zero (a smooth field of that extent).
    """
    nr, nc = shape
    fy = np.fft.fftfreq(nr, d=step_m)[:, None]
    fx = np.fft.fftfreq(nc, d=step_m)[None, :]
    if k0 > 0.0:
        # frequency of the full wave: k0 u + f; its wavenumber and direction off the mean
        gx, gy = k0 * ux + fx, k0 * uy + fy
        along = gx * ux + gy * uy
        across = gy * ux - gx * uy
        dk = np.hypot(along, across) - k0
        dth = np.arctan2(across, along) * k0
        amp = np.exp(-0.25 * (dk / sigma_u) ** 2 - 0.25 * (dth / sigma_v) ** 2)
    else:
        amp = np.exp(-0.25 * (fx / sigma_u) ** 2 - 0.25 * (fy / sigma_v) ** 2)
    noise = rng.standard_normal((2, nr, nc))
    if complex_field:
        spec = amp * (noise[0] + 1j * noise[1])
        field = np.fft.ifft2(spec)
        field /= math.sqrt(float(np.mean(np.abs(field) ** 2)))
        return field
    field = np.fft.ifft2(amp * np.fft.fft2(noise[0])).real
    field -= field.mean()
    field /= math.sqrt(float(np.mean(field ** 2)))
    return field


def add_ripples(z, cell, p, rng, cr=None) -> None:
    """Add the preset's field of aeolian ripples to ``z`` (float32 (rows, cols) [m]) in place.

    The crests are those of a narrow-band random wave (:func:`terrains._kernels.add_ripple_field`):
    a complex Gaussian field psi, band-limited around the mean wavevector (wavelength
    ``ripple_wavelength_m``, crests along ``ripple_azimuth_deg``, the lee faces turned
    90 deg clockwise from it, i.e. to the east for crests running north) with relative
    wavenumber spread RIPPLE_WAVENUMBER_SPREAD and crest spread RIPPLE_CREST_SPREAD, drawn
    demodulated on a coarse grid (one small FFT) and interpolated. Its phase spaces and bends
    the crests, its modulus sets their height (``ripple_height_m`` times |psi|, RMS 1, capped at
    RIPPLE_AMPLITUDE_MAX), and where it vanishes crests end or split. With ``ripple_cover`` < 1
    the ripples lie in patches covering that fraction of the ground (a smooth Gaussian field
    thresholded), and with the crater table ``cr`` (N, 9) they are absent inside every crater
    and thin out over fresh craters' ejecta (:func:`terrains._kernels.ripple_crater_mask`).
    Deterministic: ``rng`` is the ripples' own stream.
    """
    from terrains import _kernels as K
    from statistics import NormalDist

    rows, cols = z.shape
    lam = p["ripple_wavelength_m"]
    k0 = 1.0 / lam
    sig_u = RIPPLE_WAVENUMBER_SPREAD * k0
    sig_v = math.tan(RIPPLE_CREST_SPREAD) * k0
    patch_len = RIPPLE_PATCH_WAVELENGTHS * lam
    # coarse grid: its Nyquist frequency covers 5 standard deviations of both bands
    step_m = 1.0 / (10.0 * max(sig_u, sig_v, 1.0 / patch_len))
    step = max(1, int(step_m / cell))
    step_m = step * cell
    shape = (_fast_len((rows - 1) // step + 4), _fast_len((cols - 1) // step + 4))
    az = math.radians(p["ripple_azimuth_deg"])
    ux, uy = math.cos(az), -math.sin(az)   # downwind: crests' direction turned 90 deg clockwise
    psi = _gaussian_band(rng, shape, step_m, sig_u, sig_v, k0, ux, uy, True)
    cover = p["ripple_cover"]
    if cover >= 1.0:
        patch = np.zeros(shape)
        lo, width = 0.0, 0.0
    else:
        s = 1.0 / (math.pi * patch_len)
        patch = _gaussian_band(rng, shape, step_m, s, s, 0.0, ux, uy, False)
        # the smoothstep's middle at the quantile leaving `cover` of the ground rippled
        width = RIPPLE_PATCH_EDGE
        lo = NormalDist().inv_cdf(1.0 - cover) - 0.5 * width
    mask = np.ones(z.shape, dtype=np.float32)
    if cr is not None and len(cr):
        fresh = np.clip(cr[:, 6] / 0.8, 0.0, 1.0)
        K.ripple_crater_mask(mask, cell, *(np.ascontiguousarray(a) for a in (
            cr[:, 0], cr[:, 1], cr[:, 2], fresh, cr[:, 7], cr[:, 8])))
    K.add_ripple_field(z, cell, step, np.ascontiguousarray(psi.real),
                       np.ascontiguousarray(psi.imag), patch, mask, p["ripple_height_m"],
                       2.0 * math.pi * k0 * ux, 2.0 * math.pi * k0 * uy,
                       RIPPLE_RIDGE_FRACTION, RIPPLE_LEE_FRACTION, RIPPLE_AMPLITUDE_MAX,
                       lo, width)


# --------------------------------------------------------------------------------------------

def generate(body: str | Body | None = None, *, preset: str | None = None, size=(512, 512),
             cell_size: float = 0.5, seed: int = 0, **params) -> Terrain:
    """Generate a procedural Moon or Mars terrain: fractal relief, craters, rocks (and ripples).

    Parameters
    ----------
    body : str or Body, optional
        ``"moon"``, ``"mars"`` or ``"phobos"`` (see :func:`terrains.bodies`). Default: the
        preset's body, or ``"mars"`` without a preset. Given together with a preset, it
        replaces the preset's body (the preset's parameters are kept).
    preset : str, optional
        A site preset name (see :func:`terrains.presets`), e.g. ``"mars-jezero"``.
    size : int or (int, int)
        Grid size in cells, (rows, cols); an int N means (N, N). Default (512, 512).
    cell_size : float
        Edge of one square cell [m]. Default 0.5.
    seed : int
        Seed (>= 0) of every random stream; the same seed and parameters give bit-identical
        output.
    **params
        Model parameters (see :func:`terrains.parameters`); they override the preset's.

    Returns
    -------
    Terrain
        ``height`` float32 (rows, cols) [m]; ``craters`` float64 (N, 4) x, y, diameter,
        depth [m] (oldest first); ``rocks`` float64 (M, 4) x, y, diameter, height [m];
        ``params`` the resolved parameters, ``"preset"`` included.

    Raises
    ------
    ParameterError
        A ``ValueError`` whose ``name`` says which argument: unknown body, preset or parameter
        (with the valid names or a "did you mean" hint), a size <= 0 or too large for memory
        (saying how large), a cell size <= 0, or a parameter out of range.
    ValueError
        Parameters that would place too many craters or rocks.

    Notes
    -----
    The models and their sources are described in :mod:`terrains._generate`. Randomness comes
    from named streams (relief, craters, rocks, ripples) spawned from ``seed`` with
    ``numpy.random.SeedSequence``, so changing e.g. the rock parameters leaves the relief and
    the craters unchanged.

    Examples
    --------
    >>> t = generate(preset="mars-jezero", size=64, seed=1)
    >>> t.height.shape, t.height.dtype, t.body.name
    ((64, 64), dtype('float32'), 'mars')
    >>> bool((generate(preset="mars-jezero", size=64, seed=1).height == t.height).all())
    True
    """
    from terrains import _kernels as K

    body_obj, shape, cell, p = resolve(body, preset, size, cell_size, params)
    seed = _check_seed(seed)
    if p["surface_slope_deg"] is not None:
        z, cr, rk = _surface_terrain(shape, cell, p, seed, preset)
        return Terrain(height=z, cell_size=cell, body=body_obj, craters=cr[:, :4].copy(),
                       rocks=rk, seed=seed, params=p)
    z = relief(shape, cell, p["hurst"], p["rms_slope_deg"], p["rms_baseline_m"],
               stream(seed, "relief", preset))
    cr = craters(shape, cell, p, stream(seed, "craters", preset))
    if p["ripple_height_m"] > 0.0 and p["ripple_cover"] > 0.0:
        add_ripples(z, cell, p, stream(seed, "ripples", preset), cr)
    if len(cr):
        K.stamp_craters(z, cell, *(np.ascontiguousarray(cr[:, i]) for i in range(9)))
    rk = rocks(shape, cell, p, stream(seed, "rocks", preset), cr)
    if p["rock_subcell"] == 1.0:
        layer = rock_relief(shape, cell, p, rk, stream(seed, "small_rocks", preset))
        if layer is not None:
            z += layer
    elif len(rk):
        K.stamp_rocks(z, cell, *(np.ascontiguousarray(rk[:, i]) for i in range(4)),
                      np.zeros_like(z))
    return Terrain(height=z, cell_size=cell, body=body_obj, craters=cr[:, :4].copy(),
                   rocks=rk, seed=seed, params=p)


def _surface_parts(shape, cell, p, seed, preset):
    """Craters, rocks and ripples of a surface-calibrated terrain, without the relief.

    Returns (z, layer, cr, rk): ``z`` float32 (rows, cols) [m] the ripples with the craters
    stamped on them (so ripples are erased inside craters, and younger craters overprint
    older ones), ``layer`` float32 (rows, cols) [m] the rocks' relief (or None without
    rocks), the crater table (N, 9) and the rock list (M, 4).
    """
    from terrains import _kernels as K

    z = np.zeros(shape, dtype=np.float32)
    cr = craters(shape, cell, p, stream(seed, "craters", preset))
    if p["ripple_height_m"] > 0.0 and p["ripple_cover"] > 0.0:
        add_ripples(z, cell, p, stream(seed, "ripples", preset), cr)
    if len(cr):
        K.stamp_craters(z, cell, *(np.ascontiguousarray(cr[:, i]) for i in range(9)))
    rk = rocks(shape, cell, p, stream(seed, "rocks", preset), cr)
    layer = None
    if p["rock_subcell"] == 1.0:
        layer = rock_relief(shape, cell, p, rk, stream(seed, "small_rocks", preset))
    elif len(rk):
        layer = np.zeros(shape, dtype=np.float32)
        K.rock_layer(cell, *(np.ascontiguousarray(rk[:, i]) for i in range(4)), layer)
    return z, layer, cr, rk


def _surface_terrain(shape, cell, p, seed, preset):
    """(height, craters (N, 9), rocks (M, 4)) of a terrain whose relief is calibrated so
    that the whole surface meets ``surface_slope_deg`` / ``surface_hurst`` (module
    docstring). The relief is added last and is not overprinted by the craters: the
    craters' own shapes and erasure act on the ripples and on older craters."""
    z, rel, cr, rk = _calibrate_surface(shape, cell, p, seed, preset)
    z += rel
    return z, cr, rk


def _calibrate_surface(shape, cell, p, seed, preset):
    """(parts, relief, craters (N, 9), rocks (M, 4)): the craters, ripples and rocks made on
    flat ground (the rock layer included in ``parts`` unless ``rocks_in_height`` is 0), and
    the relief calibrated so that their sum meets the whole surface's targets, float32
    (rows, cols) [m] each."""
    from terrains import _kernels as K

    z, layer, cr, rk = _surface_parts(shape, cell, p, seed, preset)
    lags = surface_lags(shape, cell, p)
    other = np.empty(len(lags))
    with_layer = layer is not None
    K.structure_sums(z, layer if with_layer else z, with_layer, lags, _measure_step(shape),
                     other)
    parts = z + layer if with_layer else z
    if with_layer and p["rocks_in_height"] == 1.0:
        z = parts
    del layer
    rel = calibrated_relief(shape, cell, p, stream(seed, "relief", preset), lags, other, parts)
    return z, rel, cr, rk


def surface_relief_of(shape, cell, p, seed, preset) -> np.ndarray:
    """The calibrated relief component of a surface-calibrated terrain, regenerated (as
    :func:`generate` makes it: the craters, rocks and ripples are drawn again to calibrate
    it): float32 (rows, cols) [m]."""
    return _calibrate_surface(shape, cell, p, seed, preset)[1]
