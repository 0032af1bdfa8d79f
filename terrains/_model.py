"""Types of the terrain package: bodies, the terrain itself, and the parameters.

Nothing here imports numba; the generator's kernels are loaded on first use.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

__all__ = ["Body", "Terrain", "bodies", "parameters"]


@dataclass(frozen=True)
class Body:
    """A planetary body: what the rover model and the renderer need to know."""

    name: str
    """Lower-case name, e.g. ``"mars"``."""
    gravity_mps2: float
    """Surface gravity [m/s^2]."""
    tint_rgb: tuple[int, int, int]
    """Display colour of ground facing the sun squarely (0-255 per channel)."""
    description: str = ""
    """One line for listings."""


_BODIES = {
    "moon": Body("moon", 1.62, (214, 212, 206), "Earth's Moon: regolith, equilibrium craters"),
    "mars": Body("mars", 3.71, (226, 164, 108), "Mars: butterscotch dust, rock fields"),
    "phobos": Body("phobos", 0.0057, (150, 136, 124), "Phobos: dark, heavily cratered"),
}


def bodies() -> dict[str, Body]:
    """The known planetary bodies by name (a new dict each call).

    Examples
    --------
    >>> sorted(bodies())
    ['mars', 'moon', 'phobos']
    >>> bodies()["mars"].gravity_mps2
    3.71
    """
    return dict(_BODIES)


# --------------------------------------------------------------------------------------------
# Parameters: name -> (description with unit, kind). Defaults per body below; None = "auto",
# resolved from the grid by the generator (and written back, as numbers, into Terrain.params).

_ROCK_MODELS = ("golombek-rapp", "power-law", "none")

MAX_LENGTH_M = 1e6
"""Upper bound of every length parameter and of the cell size [m] (1000 km: past any use,
and small enough that areas, counts and heights stay finite in float64)."""

_PARAM_DOCS: dict[str, str] = {
    "hurst": "Hurst exponent H of the fractal (fBm) relief, 0 < H < 1 [-]",
    "rms_slope_deg": "RMS slope of the relief at rms_baseline_m, 0 <= s < 60 [deg]",
    "rms_baseline_m": "baseline at which rms_slope_deg is set [m]",
    "surface_slope_deg": "RMS slope of the whole surface (relief, craters, rocks, ripples) at "
                         "surface_baseline_m; set, the relief is calibrated so that the finished "
                         "surface meets it and surface_hurst (hurst and rms_slope_deg unused) "
                         "[deg]",
    "surface_baseline_m": "baseline at which surface_slope_deg is set [m]",
    "surface_hurst": "deviogram slope of the whole surface over lags from surface_lag_min_m "
                     "to surface_baseline_m, 0 < H <= 1.5 [-]",
    "surface_hurst_long": "deviogram slope of the whole surface over lags from "
                          "surface_baseline_m to surface_lag_max_m, 0 < H <= 1.5 [-]",
    "surface_lag_min_m": "shortest lag at which the whole surface is calibrated [m]",
    "surface_lag_max_m": "longest lag at which the whole surface is calibrated [m]",
    "rocks_in_height": "1: rocks are raised in the height field; 0: they are listed only and "
                       "the height field is the ground beneath them (the relief calibrated as "
                       "with them) [-]",
    "crater_density_a": "a of the crater size-frequency distribution N(>D) = a * D^-b "
                        "[craters per m^2 with D in m]; 0 for no craters",
    "crater_exponent_b": "b of the crater size-frequency distribution, 0 < b <= 6 [-]",
    "crater_min_d_m": "smallest crater diameter [m]",
    "crater_max_d_m": "largest crater diameter [m]",
    "crater_crossover_d_m": "diameter above which craters follow the production population "
                            "instead of equilibrium [m]",
    "crater_production_b": "cumulative exponent of the production population above "
                           "crater_crossover_d_m, 0 < b <= 6 [-]",
    "crater_depth_ratio": "depth/diameter of a fresh crater below 100 m, rising to 0.2 at 400 m [-]",
    "crater_rim_ratio": "rim height/diameter of a fresh crater [-]",
    "crater_degradation": "mean degradation of the craters, 0 all fresh to 1 all worn flat [-]",
    "crater_fresh_fraction": "fraction of craters that are fresh (pristine rim, ejecta and "
                             "depth); set, the others are worn by topographic diffusion from "
                             "the end of the fresh class to ghosts (crater_degradation unused) "
                             "[-]",
    "rock_model": "rock size model: 'golombek-rapp' (cover k), 'power-law' (a, b) or 'none'",
    "rock_cover": "total rock cover k of the Golombek & Rapp model, 0 <= k < 1 [-]",
    "rock_density_a": "a of the power-law rock model N(>D) = a * D^-b [rocks per m^2, D in m]",
    "rock_exponent_b": "b of the power-law rock model, 0 < b <= 6 [-]",
    "rock_crater_factor": "rock density at the rim of a fresh crater of 20 m or more, in "
                          "times the background's, thinning as (r/R)^-3 out to 3 R and with "
                          "the crater's wear; 0 for no boulder fields [-]",
    "rock_min_d_m": "smallest rock diameter placed [m]",
    "rock_max_d_m": "largest rock diameter placed [m]",
    "rock_height_ratio": "rock height/diameter [-]",
    "rock_subcell": "1: the height field holds each cell's mean over the rocks (each rock by "
                    "its volume in the cells it covers) and, for the Golombek & Rapp model, "
                    "the rocks below rock_min_d_m too (unlisted), so its whole cover k is "
                    "there; 0: rocks at their height at cell centres, smaller ones dropped [-]",
    "ripple_height_m": "typical crest-to-trough height of aeolian ripples (their field's RMS "
                       "envelope; single ripples reach 2.75 times it) [m]; 0 for none",
    "ripple_wavelength_m": "mean crest spacing of aeolian ripples [m]",
    "ripple_azimuth_deg": "direction the ripple crests run, clockwise from north (lee faces "
                          "90 deg clockwise from it) [deg]",
    "ripple_cover": "fraction of the ground covered by ripple patches, 0-1 [-]",
}

_AUTO_DOCS = {
    "surface_slope_deg": "auto = none: the relief alone is set by hurst and rms_slope_deg",
    "surface_hurst_long": "auto = surface_hurst",
    "crater_min_d_m": "auto = max(1 m, 3 cells)",
    "crater_max_d_m": "auto = a third of the shorter side",
    "crater_crossover_d_m": "auto = none: equilibrium at every size",
    "crater_fresh_fraction": "auto = none: states drawn with mean crater_degradation",
    "rock_min_d_m": "auto = max(0.5 m, 1 cell)",
    "rock_max_d_m": "auto = min(10 m, a quarter of the shorter side)",
}

_COMMON = {
    "surface_slope_deg": None,
    "surface_baseline_m": 1.0,
    "surface_hurst": 0.6,
    "surface_hurst_long": None,
    "surface_lag_min_m": 1.0,
    "surface_lag_max_m": 100.0,
    "rocks_in_height": 1.0,
    "crater_min_d_m": None,
    "crater_max_d_m": None,
    "crater_crossover_d_m": None,
    "crater_production_b": 3.0,
    "crater_fresh_fraction": None,
    "crater_rim_ratio": 0.036,
    "rock_min_d_m": None,
    "rock_max_d_m": None,
    "rock_height_ratio": 0.5,
    "rock_subcell": 0.0,
    "rock_crater_factor": 0.0,
    "ripple_height_m": 0.0,
    "ripple_wavelength_m": 2.5,
    "ripple_azimuth_deg": 0.0,
    "ripple_cover": 1.0,
}

# Body defaults: generic terrain of each body, sourced in the presets module's notes.
_BODY_DEFAULTS: dict[str, dict[str, Any]] = {
    "mars": {
        # Pathfinder: H 0.54-0.61, RMS slope 5.4 deg at 1 m (Golombek et al. 1999).
        "hurst": 0.6, "rms_slope_deg": 5.4, "rms_baseline_m": 1.0,
        # Cratered plains about a fifth of lunar equilibrium (Golombek et al. 2006, Gusev).
        "crater_density_a": 0.016, "crater_exponent_b": 2.0,
        "crater_depth_ratio": 0.13, "crater_degradation": 0.6,
        # Golombek & Rapp (1997): Viking 1 k = 0.07, Pathfinder 0.19, Viking 2 0.16.
        "rock_model": "golombek-rapp", "rock_cover": 0.10,
        "rock_density_a": 3e-4, "rock_exponent_b": 2.482,
        **_COMMON,
    },
    "moon": {
        # Lunar nominal PSD 3 / (2e5 f^3.35 + 1): slope 3.35 = 2H + 2 -> H ~0.68.
        "hurst": 0.68, "rms_slope_deg": 2.0, "rms_baseline_m": 25.0,
        # Lunar equilibrium for metre-scale craters: a = 10^-1.1, b = 2 (Gault 1970).
        "crater_density_a": 10 ** -1.1, "crater_exponent_b": 2.0,
        "crater_depth_ratio": 0.12, "crater_degradation": 0.5,
        # VIPER environment spec: N(>D) = 3e-4 D^-2.482 per m^2.
        "rock_model": "power-law", "rock_cover": 0.01,
        "rock_density_a": 3e-4, "rock_exponent_b": 2.482,
        **_COMMON,
    },
    "phobos": {
        "hurst": 0.7, "rms_slope_deg": 8.0, "rms_baseline_m": 25.0,
        "crater_density_a": 10 ** -1.1, "crater_exponent_b": 2.0,
        "crater_depth_ratio": 0.12, "crater_degradation": 0.7,
        "rock_model": "power-law", "rock_cover": 0.01,
        "rock_density_a": 1e-4, "rock_exponent_b": 2.5,
        **_COMMON,
    },
}


def _fmt_default(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return repr(value) if isinstance(value, str) else str(value)


def parameters() -> dict[str, str]:
    """Every keyword :func:`terrains.generate` accepts in ``**params``, with a one-line help.

    Each description gives the unit in brackets and the defaults per body. A preset replaces
    the body's defaults with its own values; explicit keywords override both.

    Examples
    --------
    >>> p = parameters()
    >>> "hurst" in p and "rock_cover" in p
    True
    """
    out = {}
    for name, doc in _PARAM_DOCS.items():
        if name in _AUTO_DOCS:
            default = _AUTO_DOCS[name]
        else:
            vals = {b: _fmt_default(d[name]) for b, d in _BODY_DEFAULTS.items()}
            if len(set(vals.values())) == 1:
                default = next(iter(vals.values()))
            else:
                default = ", ".join(f"{b} {v}" for b, v in vals.items())
        out[name] = f"{doc} (default: {default})"
    return out


def _did_you_mean(name: str, choices) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class ParameterError(ValueError):
    """A bad argument to :func:`terrains.generate` or to the Sun functions; ``name`` says
    which one: a model parameter ("hurst", ...), or "body", "preset", "size", "cell_size",
    "seed", "lat_deg", "lon_deg", "when", "start", "end" or "step_s"."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name


def check_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Check names, types and ranges of user parameters; return them as plain Python values.

    Raises
    ------
    ParameterError
        For an unknown name (with a "did you mean" hint) or a value of the wrong type or range.
    """
    out: dict[str, Any] = {}
    for name, value in params.items():
        if name not in _PARAM_DOCS:
            raise ParameterError(name,
                f"unknown terrain parameter {name!r}{_did_you_mean(name, _PARAM_DOCS)}; "
                f"known: {', '.join(_PARAM_DOCS)}")
        if name == "rock_model":
            if value not in _ROCK_MODELS:
                raise ParameterError(name, f"rock_model must be one of {', '.join(map(repr, _ROCK_MODELS))}, "
                                 f"got {value!r}")
            out[name] = str(value)
            continue
        if value is None and name in _AUTO_DOCS:
            out[name] = None
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise ParameterError(name, f"{name} must be a number, got {value!r}")
        try:
            v = float(value)
        except OverflowError:  # an integer beyond float range (TOML integers are unbounded)
            v = math.inf
        if not math.isfinite(v):
            shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
            raise ParameterError(name, f"{name} must be finite, got {shown}")
        _check_range(name, v)
        out[name] = v
    return out


def _check_range(name: str, v: float) -> None:
    def need(ok: bool, what: str) -> None:
        if not ok:
            raise ParameterError(name, f"{name} must be {what}, got {v:g}")

    if name == "hurst":
        need(0.0 < v < 1.0, "in (0, 1)")
    elif name in ("rms_slope_deg", "surface_slope_deg"):
        need(0.0 <= v < 60.0, "in [0, 60) degrees")
    elif name in ("surface_hurst", "surface_hurst_long"):
        need(0.0 < v <= 1.5, "in (0, 1.5]")
    elif name in ("rocks_in_height", "rock_subcell"):
        need(v in (0.0, 1.0), "0 or 1")
    elif name in ("crater_exponent_b", "rock_exponent_b", "crater_production_b"):
        need(0.0 < v <= 6.0, "in (0, 6]")
    elif name == "rock_cover":
        need(0.0 <= v < 1.0, "in [0, 1)")
    elif name == "rock_crater_factor":
        need(0.0 <= v <= 1000.0, "in [0, 1000]")
    elif name in ("crater_degradation", "crater_fresh_fraction"):
        need(0.0 <= v <= 1.0, "in [0, 1]")
    elif name in ("crater_depth_ratio", "crater_rim_ratio", "rock_height_ratio"):
        need(0.0 <= v <= 2.0, "in [0, 2]")
    elif name in ("crater_density_a", "rock_density_a"):
        need(v >= 0.0, ">= 0")
    elif name == "ripple_height_m":
        need(0.0 <= v <= MAX_LENGTH_M, f"in [0, {MAX_LENGTH_M:g}] metres")
    elif name == "ripple_azimuth_deg":
        pass
    elif name == "ripple_cover":
        need(0.0 <= v <= 1.0, "in [0, 1]")
    else:  # lengths: bounded so that sizes and counts stay finite in float64
        need(0.0 < v <= MAX_LENGTH_M, f"> 0 and <= {MAX_LENGTH_M:g} metres")


def _as_table(a, name: str) -> np.ndarray:
    arr = np.ascontiguousarray(a if a is not None else np.empty((0, 4)), dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise ValueError(f"{name} must have shape (N, 4), got {arr.shape}")
    return arr


@dataclass(frozen=True, eq=False)
class Terrain:
    """A terrain: a height field on a square grid, with its craters and rocks.

    Arrays are indexed ``[row, col]``; cell centres are at ``x = (col + 0.5) * cell_size``
    (east) and ``y = (row + 0.5) * cell_size`` (north), so row 0 is the southern edge.
    Construct one with :func:`terrains.generate`, :func:`terrains.load` or
    :func:`terrains.load_heightmap`.
    """

    height: np.ndarray
    """Ground height [m], float32, shape (rows, cols), rocks and craters included."""
    cell_size: float
    """Edge of one square cell [m]."""
    body: Body
    """The planetary body."""
    craters: np.ndarray = field(default_factory=lambda: np.empty((0, 4)))
    """float64 (N, 4): x [m], y [m], diameter [m], rim-crest-to-floor depth [m]; oldest first."""
    rocks: np.ndarray = field(default_factory=lambda: np.empty((0, 4)))
    """float64 (M, 4): x [m], y [m], diameter [m], height [m]: the rocks of at least
    ``rock_min_d_m``. With ``rock_subcell = 1`` (the presets) smaller rocks are in
    ``height`` too (each cell's share of their volume) but not listed."""
    seed: int | None = 0
    """Seed it was generated from (None for an imported heightmap)."""
    params: dict = field(default_factory=dict)
    """Resolved parameters ("auto" values as numbers), plus ``"preset"`` (name or None)."""
    nodata: np.ndarray | None = None
    """bool (rows, cols), True on cells a DEM holds no data for (impassable, and known to be
    from the start of a run); their heights are filled from the nearest valid cell. None
    when every cell has data (always for a generated terrain)."""
    georef: Any = None
    """The terrain's place on its body (:class:`terrains.GeoRef`: CRS, centre latitude and
    longitude, conversions between metres and degrees) when it was read from a
    georeferenced DEM; None otherwise."""

    def __post_init__(self):
        h = np.ascontiguousarray(self.height, dtype=np.float32)
        if h.ndim != 2 or h.shape[0] < 1 or h.shape[1] < 1:
            raise ValueError(f"height must be a 2-d array, got shape {np.shape(self.height)}")
        if not (isinstance(self.cell_size, (int, float, np.floating, np.integer))
                and math.isfinite(self.cell_size) and self.cell_size > 0):
            raise ValueError(f"cell_size must be > 0 metres, got {self.cell_size!r}")
        object.__setattr__(self, "height", h)
        object.__setattr__(self, "cell_size", float(self.cell_size))
        object.__setattr__(self, "craters", _as_table(self.craters, "craters"))
        object.__setattr__(self, "rocks", _as_table(self.rocks, "rocks"))
        if self.nodata is not None:
            m = np.ascontiguousarray(self.nodata, dtype=bool)
            if m.shape != h.shape:
                raise ValueError(f"nodata must have the height's shape {h.shape}, got {m.shape}")
            object.__setattr__(self, "nodata", m if m.any() else None)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols) of the grid."""
        return (int(self.height.shape[0]), int(self.height.shape[1]))

    @property
    def extent_m(self) -> tuple[float, float]:
        """(width east, height north) of the terrain [m]."""
        return (self.shape[1] * self.cell_size, self.shape[0] * self.cell_size)

    def __repr__(self) -> str:
        rows, cols = self.shape
        return (f"Terrain({self.body.name}, preset={self.params.get('preset')!r}, "
                f"{rows}x{cols} cells of {self.cell_size:g} m, {len(self.craters)} craters, "
                f"{len(self.rocks)} rocks, seed={self.seed})")
