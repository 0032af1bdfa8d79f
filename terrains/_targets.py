"""Literature targets for each site preset's whole surface (issue 23), with their sources.

Data only: what a finished preset terrain (relief, craters, rocks and ripples together) should
measure back to. The values describe the planetary surface a preset names, not the generator's
input parameters. Each :class:`Target` carries its source (a key of :data:`SOURCES`), the range
the literature gives where it gives one, and a note saying how the value was checked; a value
that could not be checked against the source in the session that wrote it says so in
``checked``, and no value is invented to fill a gap: where no site-specific figure was found,
the note says what stands in for it.

Quantities (``Target.quantity``) and what ``at`` / ``over`` mean for each:

``rms_slope_deg``
    RMS of directional slopes between points ``at`` metres apart [deg].
``hurst``
    Deviogram slope (log RMS height difference against log lag) over lags ``over`` [m].
``crater_density``
    Cumulative crater density N(>= ``at`` m) [craters per m^2].
``crater_slope_below`` / ``crater_slope_above``
    Cumulative size-frequency slope (negative) over diameters ``over`` [m], below and above
    the equilibrium crossover.
``crossover_d_m``
    Diameter [m] where the production population meets equilibrium.
``fresh_depth_ratio``, ``fresh_rim_ratio``
    Rim-crest-to-floor depth / D and rim height above the surroundings / D of fresh simple
    craters with diameters ``over`` [m].
``ejecta_1p5r_ratio``, ``ejecta_2r_ratio``
    Relief of a fresh crater's ejecta above the surroundings at 1.5 R and 2 R, over D.
``rock_cover_k``
    Total fractional area covered by rocks, k of Golombek & Rapp (1997), for rocks of
    diameters ``over`` [m] (the whole population: the model's k is the limit D -> 0).
``rock_density``
    Cumulative rock density N(>= ``at`` m) [rocks per m^2].
``rock_near_crater_ratio``
    Rock density within 1.5 R of fresh craters of D >= ``at`` m over the background density.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Source", "Target", "SOURCES", "TARGETS", "targets"]


@dataclass(frozen=True)
class Source:
    """One publication."""

    citation: str
    """Authors, year, title, journal, volume, pages."""
    checked: str
    """How the figures taken from it were checked (or that they were not)."""


@dataclass(frozen=True)
class Target:
    """One literature target for a preset's whole surface."""

    quantity: str
    """What is measured (see the module docstring)."""
    value: float
    """The target value (units of the quantity)."""
    low: float | None = None
    """Lower end of the range the source gives (None: the source gives a single value)."""
    high: float | None = None
    """Upper end of that range."""
    at: float | None = None
    """Baseline [m] (slopes) or diameter [m] (densities) the value applies at."""
    over: tuple[float, float] | None = None
    """Range of lags [m] (Hurst) or diameters [m] (slopes of distributions, morphology,
    rock cover) the value applies over."""
    source: str = ""
    """Key of :data:`SOURCES`."""
    note: str = ""
    """What the value stands for, and any caveat."""


SOURCES: dict[str, Source] = {
    "golombek1999": Source(
        "Golombek, M. P., et al. (1999). Overview of the Mars Pathfinder Mission: Launch "
        "through landing, surface operations, data sets, and science results. J. Geophys. "
        "Res. 104(E4), 8523-8553.",
        "Pathfinder RMS slopes 5.4 +- 1.0 deg at 1 m, 2.5 +- 1.0 at 10 m, 1.7 +- 0.9 at 100 m "
        "and Hurst 0.54-0.61 read in Shepard, Seelos, Arvidson & Haldemann, 'The roughness of "
        "the Martian surface: what we know' (presentation, stored copy), which tabulates them "
        "for Pathfinder; the paper itself was not read in this session."),
    "shepard_vl1": Source(
        "Shepard, M. K., Seelos, F. P., Arvidson, R. E., Haldemann, A. F. C. 'The roughness of "
        "the Martian surface: what we know' (presentation; Viking Lander 1 stereo profiles "
        "and MOLA); undated in the stored copy (MER landing-site era).",
        "Viking Lander 1: Hurst 0.5-0.8, RMS slope 4.8 +- 1.0 deg at 1 m, 3.0 +- 1.0 at 10 m, "
        "1.2 +- 0.3 at 100 m, read in the stored copy of the slides."),
    "shepard2001": Source(
        "Shepard, M. K., Campbell, B. A., Bulmer, M. H., Farr, T. G., Gaddis, L. R., Plaut, "
        "J. J. (2001). The roughness of natural terrain: A planetary and remote sensing "
        "perspective. J. Geophys. Res. 106(E12), 32777-32795.",
        "Definitions (RMS deviation, RMS slope, Hurst exponent); title, journal and pages "
        "read in a stored copy."),
    "rosenburg2011": Source(
        "Rosenburg, M. A., Aharonson, O., Head, J. W., Kreslavsky, M. A., Mazarico, E., "
        "Neumann, G. A., Smith, D. E., Torrence, M. H., Zuber, M. T. (2011). Global surface "
        "slopes and roughness of the Moon from the Lunar Orbiter Laser Altimeter. J. Geophys. "
        "Res. 116, E02001.",
        "NOT VERIFIED in this session: the stored material confirms the method (deviogram "
        "slope from LOLA profiles, 57 m to 2.7 km in the gridded Hurst product, median "
        "absolute slopes at 57, 225 and 560 m in the slope product) but not the figures; the "
        "values used (Hurst about 0.9-0.95 at short baselines; RMS slope at 17 m 3-5 deg for "
        "maria, 7-10 deg for highlands) are issue 23's summary of the paper and must be "
        "checked against it."),
    "kreslavsky2013": Source(
        "Kreslavsky, M. A., Head, J. W., Neumann, G. A., Rosenburg, M. A., Aharonson, O., "
        "Smith, D. E., Zuber, M. T. (2013). Lunar topographic roughness maps from Lunar "
        "Orbiter Laser Altimeter (LOLA) data: Scale dependence and correlation with geologic "
        "features and units. Icarus 226, 52-66.",
        "Cited for the maria/highlands contrast and 1-D vs 2-D slopes (its LPSC 2015 "
        "follow-up, stored, states the 1-D/2-D relation); no figure taken from it."),
    "trask1966": Source(
        "Trask, N. J. (1966). Size and spatial distribution of craters estimated from the "
        "Ranger photographs. In: Ranger VIII and IX, Part II, JPL Tech. Rep. 32-800, 252-263.",
        "Equilibrium N(>D) = 10^10.9 D^-2 per 10^6 km^2 (D in m), i.e. 10^-1.1 D^-2 per m^2, "
        "as the project's presets already quoted it; exponent -2 confirmed by Minton et al. "
        "2019 and Marcus 1970 (stored abstracts); the coefficient was not re-read."),
    "gault1970": Source(
        "Gault, D. E. (1970). Saturation and equilibrium conditions for impact cratering on "
        "the lunar surface: Criteria and implications. Radio Science 5(2), 273-291.",
        "Equilibrium at a few percent of geometric saturation, slope -2; not re-read."),
    "minton2019": Source(
        "Minton, D. A., Fassett, C. I., Hirabayashi, M., Howl, B. A., Richardson, J. E. (2019). "
        "The equilibrium size-frequency distribution of small craters reveals the effects of "
        "distal ejecta on lunar landscape morphology. Icarus 326, 63-87.",
        "Abstract read (stored): equilibrium cumulative SFD of small mare craters ~ r^-2, a "
        "few percent of geometric saturation."),
    "moore1980": Source(
        "Moore, H. J., Boyce, J. M., Hahn, D. A. (1980). Small impact craters in the lunar "
        "regolith - their morphologies, relative ages, and rates of formation. The Moon and "
        "the Planets 23, 231-252.",
        "Abstract read (stored): craters ~1-100 m across follow production distributions with "
        "cumulative exponent near -2.8 or steady-state (equilibrium) distributions with -2."),
    "neukum2001": Source(
        "Neukum, G., Ivanov, B. A., Hartmann, W. K. (2001). Cratering records in the inner "
        "solar system in relation to the lunar reference system. Space Sci. Rev. 96, 55-86.",
        "NOT VERIFIED: cited for the lunar production function (cumulative slope about -3 for "
        "D of a few hundred metres to ~1 km); the slope was not read from the paper."),
    "xiao_werner2015": Source(
        "Xiao, Z., Werner, S. C. (2015). Size-frequency distribution of crater populations in "
        "equilibrium on the Moon. J. Geophys. Res. Planets 120, 2277-2292.",
        "NOT VERIFIED: no stored copy found; cited for equilibrium crossover diameters that "
        "vary from place to place (larger on older surfaces). The crossover values below "
        "are placeholders to be checked against its tables."),
    "pike1977": Source(
        "Pike, R. J. (1977). Size-dependence in the shape of fresh impact craters on the Moon. "
        "In: Roddy, Pepin, Merrill (eds.), Impact and Explosion Cratering, Pergamon, 489-509.",
        "Partly verified: Pike (1974, GRL 1(7) 291) and Pike (1977, Proc. Lunar Sci. Conf. 8th, "
        "3427) abstracts (stored) give depth/diameter ~0.2 for fresh simple craters below "
        "15 km; rim height 0.036 D^1.014 (km) is from the paper as usually quoted and was "
        "not re-read."),
    "sun2018": Source(
        "Sun, S., Yue, Z., Di, K. (2018). Investigation of the depth and diameter relationship "
        "of subkilometer-diameter lunar craters. Icarus 309, 61-68.",
        "Abstract read (stored): fresh craters under 1 km have d/D from ~0.2 down to ~0.1, "
        "shallower than larger craters."),
    "stopar2017": Source(
        "Stopar, J. D., Robinson, M. S., Barnouin, O. S., McEwen, A. S., Speyerer, E. J., "
        "Henriksen, M. R., Sutton, S. S. (2017). Relative depths of simple craters and the "
        "nature of the lunar regolith. Icarus 298, 34-48.",
        "NOT VERIFIED: the stored LROC news item confirms the study (950 craters, d/D and "
        "degradation) but not its figures; the project's earlier note (0.1-0.15 below 100 m) "
        "is kept only as a cross-check of Sun et al. 2018's range."),
    "mcgetchin1973": Source(
        "McGetchin, T. R., Settle, M., Head, J. W. (1973). Radial thickness variation in "
        "impact crater ejecta: Implications for lunar basin deposits. Earth Planet. Sci. "
        "Lett. 20, 226-236.",
        "NOT VERIFIED in a stored copy: thickness t = 0.14 R^0.74 (r/R)^-3.0 as usually "
        "quoted; the targets use its (r/R)^-3 thinning from Pike's rim height, as issue 23 "
        "states them (0.011 D at 1.5 R, 0.0045 D at 2 R)."),
    "fassett_thomson2014": Source(
        "Fassett, C. I., Thomson, B. J. (2014). Crater degradation on the lunar maria: "
        "Topographic diffusion and the rate of erosion on the Moon. J. Geophys. Res. Planets "
        "119, 2255-2271.",
        "Abstract read (stored): 800 m-5 km mare craters, average diffusivity ~5.5 m^2/Myr "
        "over 3 Ga; after 3 Ga a 1 km crater keeps ~52% of its initial depth, a 300 m crater "
        "~7%, and craters under ~200-300 m are degraded beyond recognition. The generator's "
        "depth law (terrains._generate.diffusion_depth) is a two-point fit to these figures, "
        "applied to smaller craters too (assumed)."),
    "golombek2014": Source(
        "Golombek, M. P., Warner, N. H., Ganti, V., Lamb, M. P., Parker, T. J., Fergason, "
        "R. L., Sullivan, R. (2014). Small crater modification on Meridiani Planum and "
        "implications for erosion rates and climate change on Mars. J. Geophys. Res. Planets "
        "119, doi:10.1002/2014JE004658.",
        "Abstract read (stored excerpt): ~100 small craters along Opportunity's traverse in "
        "six degradation classes from fresh and blocky to shallow depressions, class ages "
        "from <50-200 ka to ~20 Ma. The Mars presets' fresh share (0.5%) is the freshest "
        "class's duration over ~20 Ma in a steady state (0.25-1%), a derivation of this "
        "project, not a figure of the paper."),
    "golombek_rapp1997": Source(
        "Golombek, M., Rapp, D. (1997). Size-frequency distributions of rocks on Mars and "
        "Earth analog sites: Implications for future landed missions. J. Geophys. Res. "
        "102(E2), 4117-4129.",
        "Model F_k(D) = k exp(-q(k) D), q(k) = 1.79 + 0.152 / k, read in Golombek et al. "
        "(NTRS 20030111177, stored) and the paper's stored abstract."),
    "golombek2003rocks": Source(
        "Golombek, M. P., Haldemann, A. F. C., Forsberg-Taylor, N. K., DiMaggio, E. N., "
        "Schroeder, R. D., Jakosky, B. M., Mellon, M. T., Matijevic, J. R. (2003). Rock "
        "size-frequency distributions on Mars and implications for Mars Exploration Rover "
        "landing safety and operations. J. Geophys. Res. 108(E12), 8086.",
        "Abstract read (stored): Pathfinder total measured rock abundance 19%; model curves "
        "flatten at total rock abundances of 5-40% (NTRS 20030111177)."),
    "golombek2003sites": Source(
        "Golombek, M. P., et al. (2003). Selection of the Mars Exploration Rover landing "
        "sites. J. Geophys. Res. 108(E12), 8072.",
        "NOT VERIFIED: Meridiani as the smoothest, least rocky candidate (rock abundance a few "
        "percent or less) is the preset's earlier note; no figure was re-read."),
    "kirk2008": Source(
        "Kirk, R. L., et al. (2008). Ultrahigh resolution topographic mapping of Mars with "
        "MRO HiRISE stereo images: Meter-scale slopes of candidate Phoenix landing sites. "
        "J. Geophys. Res. 113, E00A24, doi:10.1029/2007JE003000.",
        "Abstract read (stored): HiRISE stereo gives 1.8-2.8 deg RMS bidirectional slopes at "
        "1 m baseline for the Phoenix sites (MOC 0.8-4.5 deg at 3-10 m); of the sites where "
        "missions landed, only MER-B in Meridiani Planum is smoother. No Meridiani value is "
        "given there; the co-authors and the article number were not re-read (the DOI was)."),
    "golombek2012": Source(
        "Golombek, M., et al. (2012). Selection of the Mars Science Laboratory landing site. "
        "Space Sci. Rev. 170, 641-737.",
        "NOT VERIFIED: rock cover of a few percent in the Gale ellipse is the preset's "
        "earlier note."),
    "grant2018": Source(
        "Grant, J. A., et al. (2018). The science process for selecting the landing site for "
        "the 2020 Mars rover. Planet. Space Sci. 164, 106-126.",
        "NOT VERIFIED: sparse-to-moderate rock fields on the Jezero floor; the 8% cover is the "
        "preset's representative value, not a measurement."),
    "bandfield2011": Source(
        "Bandfield, J. L., Ghent, R. R., Vasavada, A. R., Paige, D. A., Lawrence, S. J., "
        "Robinson, M. S. (2011). Lunar surface rock abundance and regolith fines temperatures "
        "derived from LRO Diviner Radiometer data. J. Geophys. Res. 116, E00H02.",
        "Abstract read (stored): rock concentrations correlate with crater age; rocks are "
        "preserved on the youngest surfaces (rocky impact craters). No number taken."),
    "viper_spec": Source(
        "NASA VIPER lunar environment specification for polar traverse planning (craters "
        "N(>D) = 29174 D^-1.92 per km^2 for D <= 80 m; rocks N(>D) = 3e-4 D^-2.482 per m^2).",
        "NOT VERIFIED: a project document as the presets already quoted it; not a "
        "peer-reviewed source and no stored copy was found."),
    "hartmann1984": Source(
        "Hartmann, W. K. (1984). Does crater 'saturation equilibrium' occur in the solar "
        "system? Icarus 60, 56-74.",
        "Abstract read (stored, NTRS 19850030582): a uniform maximum relative crater density "
        "on heavily cratered surfaces, and a levelling off at that relative density among "
        "100 m craters on the lunar maria; a constant relative (R) density is a cumulative "
        "slope of -2. No coefficient taken."),
    "preset_only": Source(
        "The preset's own parameter (terrains/_presets.py), not a literature value.",
        "NOT A LITERATURE TARGET: no site-specific crater density was found for this Mars "
        "site in this session; the row checks the generator against its own claim only."),
    "issue23": Source(
        "Issue 23 quality bar (this project): rock density within 1.5 R of fresh craters at "
        "least 3x the background.",
        "A requirement, not a measurement; Bandfield et al. (2011) support the direction "
        "(boulders concentrate on young craters), not the factor."),
}


def _T(quantity, value, low=None, high=None, *, at=None, over=None, source, note=""):
    return Target(quantity, float(value), None if low is None else float(low),
                  None if high is None else float(high), at, over, source, note)


# Lunar fresh-crater morphology and ejecta, shared by the three lunar presets.
_LUNAR_FRESH = (
    _T("fresh_depth_ratio", 0.15, 0.10, 0.20, over=(20.0, 400.0), source="sun2018",
       note="fresh sub-km craters: ~0.1 to ~0.2; 0.15 the middle of that range"),
    _T("fresh_depth_ratio", 0.196, 0.18, 0.21, over=(400.0, 15000.0), source="pike1977",
       note="fresh simple craters above a few hundred metres, d = 0.196 D^1.01 (km)"),
    _T("fresh_rim_ratio", 0.036, at=None, over=(20.0, 15000.0), source="pike1977",
       note="h = 0.036 D^1.014 (km): 0.034-0.036 D for D of 20 m to 1 km"),
    _T("ejecta_1p5r_ratio", 0.036 * 1.5 ** -3, over=(20.0, 15000.0), source="mcgetchin1973",
       note="Pike's rim height thinned as (r/R)^-3: 0.036 D / 3.375"),
    _T("ejecta_2r_ratio", 0.036 * 2.0 ** -3, over=(20.0, 15000.0), source="mcgetchin1973",
       note="0.036 D / 8"),
)

# Mars: the same simple-crater shapes (fresh Martian simple craters d/D ~0.2 too), cited to
# the lunar work; no Mars-specific figure was checked in this session.
_MARS_FRESH = tuple(
    Target(t.quantity, t.value, t.low, t.high, t.at, t.over, t.source,
           t.note + "; lunar value used for Mars (no Mars-specific figure checked)")
    for t in _LUNAR_FRESH)

_PATHFINDER_RELIEF = (
    _T("rms_slope_deg", 5.4, 4.4, 6.4, at=1.0, source="golombek1999"),
    _T("rms_slope_deg", 2.5, 1.5, 3.5, at=10.0, source="golombek1999"),
    _T("rms_slope_deg", 1.7, 0.8, 2.6, at=100.0, source="golombek1999"),
    _T("hurst", 0.575, 0.54, 0.61, over=(1.0, 100.0), source="golombek1999",
       note="the lag range is the span of the three slope baselines; the source's own fit "
            "range was not read"),
)


def _borrowed(targets, why):
    return tuple(Target(t.quantity, t.value, t.low, t.high, t.at, t.over, t.source,
                        (t.note + "; " if t.note else "") + why) for t in targets)


_MOON_EQUILIBRIUM = 10 ** -1.1   # N(>D) = a D^-2 per m^2 (Trask 1966; Gault 1970)

TARGETS: dict[str, tuple[Target, ...]] = {
    "moon-mare": (
        _T("rms_slope_deg", 4.0, 3.0, 5.0, at=17.0, source="rosenburg2011",
           note="maria; see the source's 'checked'"),
        _T("hurst", 0.925, 0.90, 0.95, over=(17.0, 170.0), source="rosenburg2011",
           note="short-baseline LOLA value; a 512 m patch cannot hold the deviogram to "
                "170 m without bending (tests/terrains/test_survey.py)"),
        _T("crater_density", _MOON_EQUILIBRIUM * 10.0 ** -2, at=10.0, source="trask1966",
           note="equilibrium 10^-1.1 D^-2 per m^2 at D = 10 m"),
        _T("crater_density", _MOON_EQUILIBRIUM * 50.0 ** -2, at=50.0, source="trask1966"),
        _T("crater_slope_below", -2.0, -2.1, -1.9, over=(5.0, 100.0), source="minton2019",
           note="equilibrium below the crossover"),
        _T("crater_slope_above", -2.8, -3.2, -2.8, over=(150.0, 1000.0), source="moore1980",
           note="production: -2.8 (Moore et al. 1980) to about -3 (Neukum et al. 2001, "
                "not verified)"),
        _T("crossover_d_m", 150.0, 100.0, 300.0, source="xiao_werner2015",
           note="PLACEHOLDER, not verified: mare equilibrium onset of order 100-300 m"),
        *_LUNAR_FRESH,
        _T("rock_density", 1e-4 * 1.0 ** -2.482, at=1.0, source="viper_spec",
           note="the preset's own choice: a third of the VIPER density (maria less rocky); "
                "no measured mare rock density was checked"),
        _T("rock_near_crater_ratio", 3.0, 3.0, None, at=20.0, source="issue23"),
    ),
    "moon-highlands": (
        _T("rms_slope_deg", 8.5, 7.0, 10.0, at=17.0, source="rosenburg2011",
           note="highlands; see the source's 'checked'"),
        _T("hurst", 0.925, 0.90, 0.95, over=(17.0, 170.0), source="rosenburg2011"),
        _T("crater_density", _MOON_EQUILIBRIUM * 10.0 ** -2, at=10.0, source="trask1966"),
        _T("crater_density", _MOON_EQUILIBRIUM * 50.0 ** -2, at=50.0, source="trask1966"),
        _T("crater_slope_below", -2.0, -2.1, -1.9, over=(5.0, 100.0), source="minton2019"),
        _T("crater_slope_above", -2.8, -3.2, -2.8, over=(300.0, 1000.0), source="moore1980",
           note="production above the crossover; highland crossovers are larger than mare "
                "ones (older surface)"),
        _T("crossover_d_m", 300.0, 200.0, 1000.0, source="xiao_werner2015",
           note="PLACEHOLDER, not verified"),
        *_LUNAR_FRESH,
        _T("rock_density", 3e-4 * 1.0 ** -2.482, at=1.0, source="viper_spec"),
        _T("rock_near_crater_ratio", 3.0, 3.0, None, at=20.0, source="issue23"),
    ),
    "moon-south-pole": (
        _T("rms_slope_deg", 4.0, 3.0, 5.0, at=17.0, source="rosenburg2011",
           note="NO SITE VALUE: the Shiv Shakti plains are described as low-relief; the "
                "mare range stands in until a site figure (e.g. from Chandrayaan-2 OHRC "
                "DEMs) is found"),
        _T("hurst", 0.925, 0.90, 0.95, over=(17.0, 170.0), source="rosenburg2011"),
        _T("crater_density", 0.029174 * 10.0 ** -1.92, at=10.0, source="viper_spec",
           note="29174 D^-1.92 per km^2 = 0.029174 D^-1.92 per m^2, D <= 80 m"),
        _T("crater_density", 0.029174 * 50.0 ** -1.92, at=50.0, source="viper_spec"),
        _T("crater_slope_below", -1.92, -2.0, -1.9, over=(5.0, 80.0), source="viper_spec"),
        _T("crater_slope_above", -2.8, -3.2, -2.8, over=(300.0, 1000.0), source="moore1980"),
        *_LUNAR_FRESH,
        _T("rock_density", 3e-4 * 1.0 ** -2.482, at=1.0, source="viper_spec"),
        _T("rock_near_crater_ratio", 3.0, 3.0, None, at=20.0, source="issue23"),
    ),
    "mars-ares-vallis": (
        *_PATHFINDER_RELIEF,
        _T("rock_cover_k", 0.19, 0.16, 0.20, over=(0.0, 10.0), source="golombek2003rocks",
           note="total rock abundance measured at Pathfinder: 19%; the low end (16%) is a "
                "recollection of the near-field figure, not verified"),
        _T("crater_density", 0.016 * 10.0 ** -2, at=10.0, source="preset_only"),
        _T("crater_density", 0.016 * 50.0 ** -2, at=50.0, source="preset_only"),
        _T("crater_slope_below", -2.0, -2.1, -1.9, over=(5.0, 100.0), source="hartmann1984",
           note="equilibrium; Mars crossover and production slope not verified here"),
        *_MARS_FRESH,
        _T("rock_near_crater_ratio", 3.0, 3.0, None, at=20.0, source="issue23"),
    ),
    "mars-jezero": (
        *_borrowed(_PATHFINDER_RELIEF, "NO SITE VALUE: Pathfinder's relief stands in for the "
                   "Jezero floor (the preset's earlier choice)"),
        _T("rock_cover_k", 0.08, 0.05, 0.10, over=(0.0, 10.0), source="grant2018",
           note="representative, not measured: sparse-to-moderate rock fields"),
        _T("crater_density", 0.02 * 10.0 ** -2, at=10.0, source="preset_only"),
        _T("crater_density", 0.02 * 50.0 ** -2, at=50.0, source="preset_only"),
        _T("crater_slope_below", -2.0, -2.1, -1.9, over=(5.0, 100.0), source="hartmann1984",
           note="equilibrium; Mars crossover and production slope not verified here"),
        *_MARS_FRESH,
        _T("rock_near_crater_ratio", 3.0, 3.0, None, at=20.0, source="issue23"),
    ),
    "mars-gale": (
        _T("rms_slope_deg", 4.8, 3.8, 5.8, at=1.0, source="shepard_vl1",
           note="NO SITE VALUE: Viking Lander 1 stands in for Aeolis Palus"),
        _T("rms_slope_deg", 3.0, 2.0, 4.0, at=10.0, source="shepard_vl1",
           note="NO SITE VALUE: Viking Lander 1"),
        _T("rms_slope_deg", 1.2, 0.9, 1.5, at=100.0, source="shepard_vl1",
           note="NO SITE VALUE: Viking Lander 1"),
        _T("hurst", 0.65, 0.5, 0.8, over=(1.0, 100.0), source="shepard_vl1",
           note="NO SITE VALUE: Viking Lander 1"),
        _T("rock_cover_k", 0.05, 0.02, 0.08, over=(0.0, 10.0), source="golombek2012",
           note="a few percent"),
        _T("crater_density", 0.02 * 10.0 ** -2, at=10.0, source="preset_only"),
        _T("crater_density", 0.02 * 50.0 ** -2, at=50.0, source="preset_only"),
        _T("crater_slope_below", -2.0, -2.1, -1.9, over=(5.0, 100.0), source="hartmann1984",
           note="equilibrium; Mars crossover and production slope not verified here"),
        *_MARS_FRESH,
        _T("rock_near_crater_ratio", 3.0, 3.0, None, at=20.0, source="issue23"),
    ),
    "mars-meridiani": (
        _T("rms_slope_deg", 2.0, 1.0, 2.8, at=1.0, source="kirk2008",
           note="A BOUND, NOT A MEASURED VALUE: Kirk et al. (2008) give 1.8-2.8 deg at 1 m "
                "(HiRISE stereo) for the Phoenix candidate sites and call only the MER-B "
                "(Meridiani) site smoother; the upper end is that bound at its loosest, the "
                "value 2 and the lower end 1 are the preset's own (no Meridiani figure was "
                "read). A 1 m DTM resolves 5 m ripples only in part, so the rover-scale slope "
                "may be higher"),
        _T("rock_cover_k", 0.02, 0.0, 0.04, over=(0.0, 10.0), source="golombek2003sites",
           note="'a few percent or less'"),
        _T("crater_density", 0.008 * 10.0 ** -2, at=10.0, source="preset_only"),
        _T("crater_density", 0.008 * 50.0 ** -2, at=50.0, source="preset_only"),
        _T("crater_slope_below", -2.0, -2.1, -1.9, over=(5.0, 100.0), source="hartmann1984",
           note="equilibrium; Mars crossover and production slope not verified here"),
        *_MARS_FRESH,
        _T("rock_near_crater_ratio", 3.0, 3.0, None, at=20.0, source="issue23"),
    ),
}


def targets(preset: str) -> tuple[Target, ...]:
    """The literature targets of one preset (see :data:`TARGETS`).

    Examples
    --------
    >>> [t.at for t in targets("mars-ares-vallis") if t.quantity == "rms_slope_deg"]
    [1.0, 10.0, 100.0]
    """
    return TARGETS[preset]
