"""Site presets: named, sourced parameter sets (:class:`Preset`, :func:`presets`).

Where a figure is a measurement the reference says so; where the literature gives a range or
a constraint rather than a value, the preset takes a representative value inside it and the
reference says that too. Parameters a preset does not set keep the body's defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Mapping

__all__ = ["Preset", "presets", "PRESETS"]


@dataclass(frozen=True)
class Preset:
    """A named, sourced parameter set for one site; a scenario may override any parameter."""

    name: str
    """Preset name, e.g. ``"mars-jezero"``."""
    body: str
    """Name of the body (a key of :func:`terrains.bodies`)."""
    description: str
    """One line for listings."""
    params: Mapping[str, Any]
    """Parameters (names of :func:`terrains.parameters`) that replace the body's defaults."""
    references: str
    """Where the numbers come from."""

_VIPER = ("VIPER lunar environment spec (NASA, for polar traverse planning): craters "
          "N(>D) = 29174 D^-1.92 per km^2 for D <= 80 m, rocks N(>D) = 3e-4 D^-2.482 per m^2")
_EQUILIBRIUM = ("lunar equilibrium crater density for metre-scale craters N(>D) = 10^-1.1 D^-2 "
                "per m^2 (Gault 1970; Trask 1966)")
_GR97 = ("Golombek & Rapp 1997, JGR 102(E2) 4117: cumulative fractional rock area "
         "F_k(D) = k exp(-q(k) D), q(k) = 1.79 + 0.152/k")
_DEPTH = ("simple-crater depth/diameter ~0.2 (Pike 1977), 0.1-0.15 below 100 m (Stopar et al. "
          "2017, Icarus 298); rim height ~0.036-0.04 D")
_LOLA = ("LOLA RMS slopes at 25 m baselines: maria a few degrees, highlands several degrees "
         "(Rosenburg et al. 2011, JGR 116 E02001; Kreslavsky et al. 2013)")
_PSD = "lunar nominal spectrum PSD = 3 / (2e5 f^3.35 + 1): log-slope 3.35 = 2H + 2, H ~0.68"
_CRATERS_M = ("crater sizes bounded in metres (2 m to 1 km), not in cells, so a preset holds the "
              "same population per area at any extent; above the crossover diameter the "
              "production population, cumulative exponent 3 (Moore et al. 1980, The Moon and "
              "the Planets 23, 231: about 2.8 for small lunar craters; Neukum et al. 2001), "
              "equilibrium below it")
_MARS_CROSSOVER = "; Mars crossover 100 m assumed (no source checked)"
#: Crater sizes in metres and the production exponent shared by every preset.
_METRES = {"crater_min_d_m": 2.0, "crater_max_d_m": 1000.0, "crater_production_b": 3.0,
           "rock_crater_factor": 10.0, "rock_subcell": 1.0}
_BOULDERS = ("boulder fields on craters of 20 m and more: 10 times the background's rock density "
             "at a fresh rim, thinning as (r/R)^-3 to 3 R and wearing with the crater, the "
             "background giving up as many rocks (the factor is assumed, chosen for issue 23's "
             "bar of 3x within 1.5 R; that rocks concentrate on young craters is Bandfield et al. "
             "2011, JGR 116 E00H02)")
_CRATERS_M += "; " + _BOULDERS
_CRATERS_M += ("; rocks as cell means (rock_subcell): each rock by its volume in the cells it "
               "covers, and for the Golombek & Rapp model the rocks below rock_min_d_m too, "
               "unlisted, so the height field holds the model's whole cover k")
_SUN2018 = ("fresh depth/diameter 0.15 below 100 m: the middle of ~0.1-0.2 for fresh sub-km lunar "
            "craters (Sun et al. 2018, Icarus 309, 61)")
_PATHFINDER = ("Mars Pathfinder / Ares Vallis: Hurst 0.54-0.61, RMS slope 5.4 deg at 1 m, 2.5 deg "
               "at 10 m, 1.7 deg at 100 m (Golombek et al. 1999, JGR 104(E4) 8523); rock cover "
               "k ~0.19 (Golombek et al. 2003, JGR 108(E12) 8086)")

_RIPPLES = ("ripple fields (granule ripples / megaripples, inactive for the last ~50 ka and "
            "absent from the youngest craters, Golombek et al. 2010, JGR 115 E00F08): mean crest "
            "spacing 5 m, the average of active equatorial megaripples spaced 1-35 m (Silvestro "
            "et al. 2020, JGR Planets 125, e2020JE006446; no Meridiani-specific spacing was "
            "checked); typical crest-to-trough height 0.12 m, the largest 0.33 m as "
            "Opportunity's 'Purgatory' ripple, about 1/3 m tall and 2.5 m wide (NASA/JPL "
            "PIA07999), with flat ground between ridges; asymmetric, lee faces near the angle of "
            "repose (Lapotre et al. 2016, Science 353, 55); half the plains rippled and the "
            "typical height chosen so that the ripples alone (1.7 deg at 1 m) leave the "
            "relief room to meet 2 deg at 1 m, under the Phoenix sites' 1.8-2.8 deg that "
            "Meridiani is smoother than (Kirk et al. 2008, JGR 113 E00A24) (assumed); crests run north (the preset's earlier choice, not checked)")
#: Fresh craters in a steady-state (equilibrium) lunar population: craters wear by
#: topographic diffusion (Fassett & Thomson 2014, JGR Planets 119, 2255; Minton et al. 2019,
#: Icarus 326, 63: steady diffusive degradation is the main way small craters are destroyed),
#: each crater's age is uniform over its lifetime, so x = kappa t / D^2 is uniform from the
#: fresh crater to the ghost and the share of the fresh class is x(fresh) / x(ghost) of
#: terrains._generate.diffusion_x: 0.042 for a fresh class down to 70% of the fresh depth
#: (Sun et al. 2018's fresh range) and ghosts at 7% (FRESH_CLASS_DEPTH, GHOST_DEPTH there);
#: the same for every D, as Moore et al. 1980 state for each morphologic class of a
#: steady-state population.
_LUNAR_FRESH = 0.042
#: Fresh craters on Mars: Golombek et al. (2014, JGR Planets 119, doi:10.1002/2014JE004658: ~100 small craters
#: along Opportunity's traverse on Meridiani Planum in six degradation classes) date the
#: freshest class at under 50-200 ka and the most degraded at ~20 Ma; in a steady state a
#: class's share of the craters is its duration over the craters' lifetime, 0.25-1%; 0.5%
#: the geometric middle. Used for every Mars preset (no site-specific figure found), the
#: worn ones diffusion-shaped like the Moon's (assumed).
_MARS_FRESH = 0.005
_FRESH_NOTE = ("crater states: a fresh class (pristine) and diffusion-worn craters from the "
               "end of the fresh class to ghosts at 7% of the fresh depth (Fassett & Thomson "
               "2014, JGR Planets 119, 2255: a 300 m crater keeps ~7% of its depth after 3 Ga, "
               "a 1 km crater ~52%); fresh share 4.2% on the Moon (steady state of that "
               "diffusion, Minton et al. 2019), 0.5% on Mars (Golombek et al. 2014, JGR "
               "Planets 119: freshest class under 50-200 ka of ~20 Ma)")
_CRATERS_M += "; " + _FRESH_NOTE

_SURFACE = ("whole surface calibrated (relief, craters, rocks and ripples together): the relief's "
            "spectrum is fitted so that the finished surface's RMS height difference follows "
            "the target over the named lags (terrains._generate.fit_surface_relief)")
#: Lunar whole-surface relief: LOLA's short-baseline Hurst exponent and RMS slopes at 17 m
#: (issue 23's summary of Rosenburg et al. 2011, JGR 116 E02001; not verified in a stored
#: copy, see terrains._targets), calibrated over 17-170 m.
_LUNAR_SURFACE = {"surface_baseline_m": 17.0, "surface_hurst": 0.925,
                  "surface_lag_min_m": 17.0, "surface_lag_max_m": 170.0}
#: Mars Pathfinder's whole surface, a compromise inside every range Golombek et al. (1999)
#: give (5.4 +- 1.0 deg at 1 m, 2.5 +- 1.0 at 10 m, 1.7 +- 0.9 at 100 m, Hurst 0.54-0.61):
#: the three slopes imply a deviogram slope of 0.75 over 1-100 m, outside the Hurst range, so
#: the surface keeps 2.5 deg at 10 m with H = 0.6 (6.3 deg at 1 m, 1.0 deg at 100 m).
_PATHFINDER_SURFACE = {"surface_slope_deg": 2.5, "surface_baseline_m": 10.0,
                       "surface_hurst": 0.6, "surface_lag_min_m": 1.0,
                       "surface_lag_max_m": 100.0}


def _p(name, body, description, params, references) -> Preset:
    return Preset(name, body, description, MappingProxyType(dict(params)), references)


PRESETS: dict[str, Preset] = {p.name: p for p in (
    _p("moon-south-pole", "moon",
       "Chandrayaan-3 landing region (Shiv Shakti point, 69.37 S 32.32 E): low-relief plains",
       {"hurst": 0.75, "rms_slope_deg": 2.0, "rms_baseline_m": 25.0,
        "surface_slope_deg": 4.0, **_LUNAR_SURFACE,
        "crater_density_a": 0.029174, "crater_exponent_b": 1.92,
        "crater_depth_ratio": 0.15, "crater_fresh_fraction": _LUNAR_FRESH,
        **_METRES, "crater_crossover_d_m": 80.0,
        "rock_model": "power-law", "rock_density_a": 3e-4, "rock_exponent_b": 2.482},
       "Vikram landed on the low-relief smooth plains of a ~3.7 Ga highland region ~600 km from "
       "the south pole, among boulders thrown from a 540 m crater 14 km south (PRL/ISRO "
       "geological map, 2024); craters and rocks: " + _VIPER + "; " + _DEPTH + "; relief: "
       + _PSD + ", RMS slope of the fractal relief a representative value below the plains' total (" + _LOLA
       + "), since on the Moon craters carry much of the roughness"
       + "; " + _CRATERS_M + "; crossover 80 m, where the VIPER law is stated to end (assumed)"),
    _p("moon-highlands", "moon",
       "Lunar highlands: rough, saturated with degraded craters, rocky",
       {"hurst": 0.8, "rms_slope_deg": 4.0, "rms_baseline_m": 25.0,
        "surface_slope_deg": 8.5, **_LUNAR_SURFACE,
        "crater_density_a": 10 ** -1.1, "crater_exponent_b": 2.0,
        "crater_depth_ratio": 0.15, "crater_fresh_fraction": _LUNAR_FRESH,
        **_METRES, "crater_crossover_d_m": 300.0,
        "rock_model": "power-law", "rock_density_a": 3e-4, "rock_exponent_b": 2.482},
       _LOLA + "; " + _EQUILIBRIUM + "; " + _DEPTH + "; rocks: " + _VIPER
       + "; " + _CRATERS_M + "; crossover 300 m (placeholder, to check against Xiao & Werner "
       "2015, JGR Planets 120, 2277); " + _SUN2018),
    _p("moon-mare", "moon",
       "Lunar mare (Apollo 11-like plains): smooth basalt, equilibrium craters, few rocks",
       {"hurst": 0.7, "rms_slope_deg": 1.5, "rms_baseline_m": 25.0,
        "surface_slope_deg": 4.0, **_LUNAR_SURFACE,
        "crater_density_a": 10 ** -1.1, "crater_exponent_b": 2.0,
        "crater_depth_ratio": 0.15, "crater_fresh_fraction": _LUNAR_FRESH,
        **_METRES, "crater_crossover_d_m": 150.0,
        "rock_model": "power-law", "rock_density_a": 1e-4, "rock_exponent_b": 2.482},
       _LOLA + "; " + _PSD + "; " + _EQUILIBRIUM + "; " + _DEPTH
       + "; rocks: the VIPER power law with a third of its density (maria are less rocky)"
       + "; " + _CRATERS_M + "; crossover 150 m (placeholder, to check against Xiao & Werner "
       "2015)" + "; " + _SUN2018),
    _p("mars-jezero", "mars",
       "Perseverance, Jezero crater floor (Maaz formation): moderately rocky, degraded craters",
       {"hurst": 0.65, "rms_slope_deg": 5.0, "rms_baseline_m": 1.0, **_PATHFINDER_SURFACE,
        "crater_density_a": 0.02, "crater_exponent_b": 2.0,
        "crater_depth_ratio": 0.13, "crater_fresh_fraction": _MARS_FRESH,
        **_METRES, "crater_crossover_d_m": 100.0,
        "rock_model": "golombek-rapp", "rock_cover": 0.08},
       _GR97 + "; rock cover a representative value for the landing ellipse's crater floor "
       "(sparse-to-moderate rock fields of the Mars 2020 site selection, Grant et al. 2018, "
       "Planet. Space Sci. 164); " + _PATHFINDER
       + " used for the relief; " + _DEPTH
       + "; " + _CRATERS_M + _MARS_CROSSOVER),
    _p("mars-gale", "mars",
       "Curiosity, Gale crater (Aeolis Palus near Bradbury Landing): few rocks, gentle relief",
       {"hurst": 0.7, "rms_slope_deg": 4.0, "rms_baseline_m": 1.0,
        # Viking Lander 1 (Shepard et al. slides): 4.8 deg at 1 m, 3.0 at 10 m, 1.2 at 100 m
        # through all three: H 0.796 over 1-10 m, 0.602 over 10-100 m
        "surface_slope_deg": 3.0, "surface_baseline_m": 10.0, "surface_hurst": 0.796,
        "surface_hurst_long": 0.602, "surface_lag_min_m": 1.0, "surface_lag_max_m": 100.0,
        "crater_density_a": 0.02, "crater_exponent_b": 2.0,
        "crater_depth_ratio": 0.13, "crater_fresh_fraction": _MARS_FRESH,
        **_METRES, "crater_crossover_d_m": 100.0,
        "rock_model": "golombek-rapp", "rock_cover": 0.05},
       _GR97 + "; rock cover of a few percent in the MSL ellipse (Golombek et al. 2012, "
       "Space Sci. Rev. 170); relief after " + _PATHFINDER + ", smoothed; " + _DEPTH
       + "; " + _CRATERS_M + _MARS_CROSSOVER),
    _p("mars-meridiani", "mars",
       "Opportunity, Meridiani Planum: flat sand plains with ripples, almost no rocks",
       {"hurst": 0.7, "rms_slope_deg": 2.0, "rms_baseline_m": 1.0,
        "surface_slope_deg": 2.0, "surface_baseline_m": 1.0, "surface_hurst": 0.7,
        "surface_lag_min_m": 1.0, "surface_lag_max_m": 100.0,
        "crater_density_a": 0.008, "crater_exponent_b": 2.0,
        "crater_depth_ratio": 0.12, "crater_fresh_fraction": _MARS_FRESH,
        **_METRES, "crater_crossover_d_m": 100.0,
        "rock_model": "golombek-rapp", "rock_cover": 0.02,
        "ripple_height_m": 0.12, "ripple_wavelength_m": 5.0, "ripple_azimuth_deg": 0.0,
        "ripple_cover": 0.5},
       "Meridiani was the smoothest and least rocky MER candidate (Golombek et al. 2003, JGR "
       "108(E12) 8072: rock abundance a few percent or less, low RMS slopes); " + _RIPPLES
       + "; " + _GR97 + "; " + _DEPTH
       + "; " + _CRATERS_M + _MARS_CROSSOVER),
    _p("mars-ares-vallis", "mars",
       "Mars Pathfinder, Ares Vallis: a rocky flood plain, the best-measured Mars site",
       {"hurst": 0.58, "rms_slope_deg": 5.4, "rms_baseline_m": 1.0, **_PATHFINDER_SURFACE,
        "crater_density_a": 0.016, "crater_exponent_b": 2.0,
        "crater_depth_ratio": 0.13, "crater_fresh_fraction": _MARS_FRESH,
        **_METRES, "crater_crossover_d_m": 100.0,
        "rock_model": "golombek-rapp", "rock_cover": 0.19},
       _PATHFINDER + "; " + _GR97 + "; " + _DEPTH
       + "; " + _CRATERS_M + _MARS_CROSSOVER),
)}


def presets() -> dict[str, Preset]:
    """The named site presets (a new dict each call).

    Examples
    --------
    >>> "mars-jezero" in presets() and presets()["moon-south-pole"].body == "moon"
    True
    """
    return dict(PRESETS)
