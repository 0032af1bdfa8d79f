"""Rover models: the physical and sensing limits of a rover, and presets with flight heritage.

A :class:`RoverSpec` is plain configuration (angles in degrees, keys ending ``_deg``); the
simulation converts to radians once. Presets are looked up by name with :func:`rover_preset`;
a scenario's ``[rover]`` table names a preset and may override any field.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

__all__ = ["RoverSpec", "CostWeights", "STEERING_KINDS", "ARRAY_MODES", "rover_presets",
           "rover_preset"]

#: Steering kinds a rover model may declare.
STEERING_KINDS = ("skid", "ackermann", "turn_in_place")
#: How a rover's solar array is held: flat on the deck, tilted by ``array_tilt_deg`` towards
#: the rover's front, or turned to face the Sun.
ARRAY_MODES = ("horizontal", "tilted", "tracking")


_SANE: dict[str, tuple[float, float]] = {
    "mass_kg": (0.01, 1e5),
    "max_speed_mps": (1e-4, 100.0),
    "accel_mps2": (1e-6, 100.0),
    "max_yaw_rate_deg_s": (1e-3, 3600.0),
    "length_m": (0.01, math.inf),  # huge footprints are clamped to the grid
    "width_m": (0.01, math.inf),
    "max_tilt_deg": (0.1, 90.0),
    "max_step_m": (1e-3, 100.0),
    "sensor_range_m": (0.01, math.inf),  # clamped to the grid too
    "sensor_fov_deg": (0.1, 360.0),
    "clearance_m": (0.0, 100.0),
    "sensor_height_m": (0.0, 1e3),
    "solar_area_m2": (0.0, 1e4),
    "solar_rated_w": (0.0, 1e7),
    "rtg_w": (0.0, 1e7),
    "battery_wh": (0.0, 1e9),
    "hotel_w": (0.0, 1e7),
}
"""(least, greatest) value of a limit that any real or imagined rover could have."""
MIN_CLEARANCE_M = 2e-3
"""Least ground clearance [m] other than 0: its half, the default roughness limit, then
stays within :data:`ROUGHNESS_LIMIT_M`."""


def _finite(v) -> bool:
    """math.isfinite, but False (not OverflowError) for an integer beyond float range (TOML
    integers have no size limit)."""
    try:
        return math.isfinite(v)
    except OverflowError:  # an integer beyond float range
        return False


def _short(v) -> str:
    """repr(v), cut to 40 characters (a 400-digit integer makes a poor error message)."""
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


@dataclass(frozen=True)
class RoverSpec:
    """Limits and figures of one rover.

    Every field can be overridden from a scenario's ``[rover]`` table by its name.
    """

    name: str
    """Preset name, e.g. ``"perseverance"``."""
    description: str
    """One line for ``rover list``."""
    mass_kg: float
    """Mass [kg]."""
    max_speed_mps: float
    """Top driving speed on flat ground [m/s]."""
    accel_mps2: float
    """Acceleration and braking limit [m/s^2]."""
    max_yaw_rate_deg_s: float
    """Turn-rate limit [deg/s]."""
    length_m: float
    """Footprint length along the heading [m]."""
    width_m: float
    """Footprint width [m]."""
    clearance_m: float
    """Ground clearance under the body [m]; taller rocks are impassable."""
    max_tilt_deg: float
    """Largest tilt the rover may be driven at [deg]."""
    max_step_m: float
    """Largest step (height difference over the footprint) it can climb [m]."""
    steering: str
    """One of :data:`STEERING_KINDS`."""
    sensor_range_m: float
    """Range of the navigation cameras used for the hazard map [m]."""
    sensor_fov_deg: float
    """Horizontal field of view of the navigation sensor [deg]; 360 sees all around."""
    drive_power_w: float
    """Electrical power drawn while driving on flat ground [W]."""
    rolling_resistance: float = 0.1
    """Rolling-resistance coefficient on regolith (dimensionless)."""
    sensor_height_m: float = 1.0
    """Height of the sensor above the ground, for line of sight [m]."""
    # -- power (used only in a run with a [sun] table and a battery; rover.power) --------
    solar_area_m2: float = 0.0
    """Solar array area [m^2] (0: none, or give ``solar_rated_w``)."""
    solar_efficiency: float = 0.0
    """End-to-end efficiency of the array, sunlight to the bus [-], 0-1."""
    solar_rated_w: float = 0.0
    """Array output facing the Sun at 1 AU [W]; when > 0 it replaces area x efficiency x
    1361 W/m^2."""
    array_mode: str = "horizontal"
    """One of :data:`ARRAY_MODES`."""
    array_tilt_deg: float = 0.0
    """Tilt of a ``"tilted"`` array from the deck, towards the rover's front [deg], 0-90."""
    rtg_w: float = 0.0
    """Constant electrical power of a radioisotope generator [W] (Curiosity's MMRTG)."""
    battery_wh: float = 0.0
    """Battery capacity [Wh]; 0: no power model (energy is only counted, as without a Sun)."""
    hotel_w: float = 0.0
    """Load of the avionics, heaters and radio, driving or not [W]."""
    drive_in_shadow: bool = True
    """Whether the rover may drive in shadow."""
    references: str = ""
    """Where the figures come from."""

    @property
    def radius_m(self) -> float:
        """Radius of the circle that holds the footprint [m] (used to inflate obstacles)."""
        return 0.5 * math.hypot(self.length_m, self.width_m)

    def problems(self) -> list[tuple[str, str]]:
        """Inconsistent values as ``(field, message)`` pairs; empty when the spec is usable."""
        out: list[tuple[str, str]] = []
        positive = (
            "mass_kg", "max_speed_mps", "accel_mps2", "max_yaw_rate_deg_s", "length_m",
            "width_m", "max_tilt_deg", "max_step_m", "sensor_range_m", "sensor_fov_deg",
        )
        for f in positive:
            v = getattr(self, f)
            if not (isinstance(v, (int, float)) and _finite(v) and v > 0):
                out.append((f, f"must be a finite number > 0, got {_short(v)}"))
            elif f in _SANE and not _SANE[f][0] <= v <= _SANE[f][1]:
                # Positive but far outside any rover: tiny limits divide costs by ~0 and
                # tiny speeds make runs that never end; huge sizes overflow the geometry.
                lo, hi = _SANE[f]
                out.append((f, f"must be between {lo:g} and {hi:g}, got {_short(v)}"))
        for f in ("clearance_m", "drive_power_w", "rolling_resistance", "sensor_height_m",
                  "solar_area_m2", "solar_efficiency", "solar_rated_w", "array_tilt_deg",
                  "rtg_w", "battery_wh", "hotel_w"):
            v = getattr(self, f)
            if not (isinstance(v, (int, float)) and _finite(v) and v >= 0):
                out.append((f, f"must be a finite number >= 0, got {_short(v)}"))
            elif f in _SANE and v > _SANE[f][1]:
                out.append((f, f"must be at most {_SANE[f][1]:g}, got {_short(v)}"))
            elif f == "clearance_m" and 0 < v < MIN_CLEARANCE_M:
                # Half the clearance is the default roughness limit, which divides costs.
                out.append((f, f"must be 0 (none) or at least {MIN_CLEARANCE_M:g}, got "
                               f"{_short(v)}"))
        if isinstance(self.max_tilt_deg, (int, float)) and self.max_tilt_deg >= 90:
            out.append(("max_tilt_deg", f"must be < 90, got {self.max_tilt_deg!r}"))
        if isinstance(self.sensor_fov_deg, (int, float)) and self.sensor_fov_deg > 360:
            out.append(("sensor_fov_deg", f"must be <= 360, got {self.sensor_fov_deg!r}"))
        if isinstance(self.solar_efficiency, (int, float)) and self.solar_efficiency > 1:
            out.append(("solar_efficiency", f"must be at most 1, got {_short(self.solar_efficiency)}"))
        if isinstance(self.array_tilt_deg, (int, float)) and self.array_tilt_deg > 90:
            out.append(("array_tilt_deg", f"must be at most 90, got {_short(self.array_tilt_deg)}"))
        if self.array_mode not in ARRAY_MODES:
            out.append(("array_mode", f"must be one of {', '.join(ARRAY_MODES)}, got "
                                      f"{self.array_mode!r}"))
        if not isinstance(self.drive_in_shadow, bool):
            out.append(("drive_in_shadow", f"must be true or false, got {_short(self.drive_in_shadow)}"))
        if self.steering not in STEERING_KINDS:
            out.append(("steering", f"must be one of {', '.join(STEERING_KINDS)}, got {self.steering!r}"))
        return out

    def replace(self, **changes) -> "RoverSpec":
        """A copy with some fields changed (no validation; call :meth:`problems`)."""
        return dataclasses.replace(self, **changes)


# Figures marked "assumed" in a preset's references are engineering guesses in the right range
# (no public source gives them); every other figure is sourced. Accelerations are short
# (the rovers reach top speed within about a second), so they matter little to a traverse.
_PRESETS: dict[str, RoverSpec] = {
    "generic": RoverSpec(
        name="generic",
        description="A generic small research rover (1 m x 0.7 m, 0.5 m/s); a neutral test platform",
        mass_kg=50.0, max_speed_mps=0.5, accel_mps2=0.5, max_yaw_rate_deg_s=30.0,
        length_m=1.0, width_m=0.7, clearance_m=0.2, max_tilt_deg=25.0, max_step_m=0.2,
        steering="skid", sensor_range_m=10.0, sensor_fov_deg=120.0, drive_power_w=100.0,
        solar_area_m2=1.0, solar_efficiency=0.25, battery_wh=500.0, hotel_w=20.0,
        references="Not a real rover: round figures in the range of small research rovers "
                   "(a 1 m^2 array at 25 %, 500 Wh, 20 W idle).",
    ),
    "pragyan": RoverSpec(
        name="pragyan",
        description="ISRO Chandrayaan-3 lunar rover (2023): 26 kg, six wheels, ~1 cm/s, skid steering",
        mass_kg=26.0, max_speed_mps=0.01, accel_mps2=0.01, max_yaw_rate_deg_s=5.0,
        length_m=0.917, width_m=0.75, clearance_m=0.15, max_tilt_deg=20.0, max_step_m=0.15,
        steering="skid", sensor_range_m=5.0, sensor_fov_deg=60.0, drive_power_w=50.0,
        sensor_height_m=0.7, solar_rated_w=50.0, array_mode="tilted", array_tilt_deg=60.0,
        battery_wh=500.0, hotel_w=10.0, drive_in_shadow=False,
        references=(
            "Mass 26 kg, 0.917 x 0.75 x 0.397 m stowed (0.9 x 0.75 x 0.85 m deployed), 50 W "
            "solar (taken as the panel's output facing the Sun at 1 AU), one fixed side panel "
            "and a Li-ion battery, six wheels on rocker-bogie, skid steering, 1 cm/s, stereo NavCams "
            "(https://en.wikipedia.org/wiki/Pragyan_(Chandrayaan-3); ISRO Chandrayaan-3 "
            "brochure); NavCam DEMs reach about 5 m, and it crossed a ~100 mm deep crater "
            "(Times of India interview with project director P. Veeramuthuvel, Aug 2023; "
            "Ghosh et al., 'Path Planning for the Pragyan Rover', iSpaRo 2024). Assumed: "
            "clearance, tilt limit 20 deg, step 15 cm, yaw rate, NavCam FOV; the panel's tilt "
            "(60 deg towards the front), battery 500 Wh, 10 W idle, and no driving in shadow "
            "(a solar rover at the pole that sleeps in the dark)."
        ),
    ),
    "yutu2": RoverSpec(
        name="yutu2",
        description="CNSA Chang'e-4 lunar far-side rover Yutu-2 (2019): 140 kg, 200 m/h, 20 deg, 20 cm",
        mass_kg=140.0, max_speed_mps=200.0 / 3600.0, accel_mps2=0.05, max_yaw_rate_deg_s=5.0,
        length_m=1.5, width_m=1.0, clearance_m=0.20, max_tilt_deg=20.0, max_step_m=0.20,
        steering="turn_in_place", sensor_range_m=8.0, sensor_fov_deg=120.0, drive_power_w=100.0,
        sensor_height_m=1.1,
        references=(
            "Mass 140 kg, design top speed 200 m/h, climbs 20 deg slopes and 20 cm obstacles, "
            "1.5 x 1.0 x 1.1 m, six wheels with four corner-steering motors (CNSA; Ding et al., "
            "Science Robotics 2022, 'A 2-year locomotive exploration ... by the Yutu-2 rover'; "
            "https://sputnikglobe.com/amp/20211210/...1091422912.html for 200 m/h). "
            "Assumed: clearance, yaw rate, hazard-camera range/FOV, drive power."
        ),
    ),
    "zhurong": RoverSpec(
        name="zhurong",
        description="CNSA Tianwen-1 Mars rover Zhurong (2021): 240 kg, 200 m/h, 20 deg, 30 cm",
        mass_kg=240.0, max_speed_mps=200.0 / 3600.0, accel_mps2=0.05, max_yaw_rate_deg_s=5.0,
        length_m=2.6, width_m=3.0, clearance_m=0.30, max_tilt_deg=20.0, max_step_m=0.30,
        steering="turn_in_place", sensor_range_m=10.0, sensor_fov_deg=120.0, drive_power_w=150.0,
        sensor_height_m=1.8,
        references=(
            "Mass 240 kg, 2.6 x 3.0 x 1.85 m deployed (Nature Geoscience 2022, s41561-022-00905-6, "
            "Extended Data Fig. 1); about 200 m/h, 30 cm obstacles, 20 deg slopes, six wheels "
            "independently driven and steered, active suspension "
            "(https://www.slashgear.com/chinas-zhurong-rover-kicks-off-its-martian-exploration-24674154/). "
            "Assumed: clearance, yaw rate, NaTeCam/HazCam range and FOV, drive power."
        ),
    ),
    "sojourner": RoverSpec(
        name="sojourner",
        description="NASA Mars Pathfinder rover Sojourner (1997): 11.5 kg, 0.6 m/min, 13 cm clearance",
        mass_kg=11.5, max_speed_mps=0.01, accel_mps2=0.01, max_yaw_rate_deg_s=5.0,
        length_m=0.63, width_m=0.48, clearance_m=0.13, max_tilt_deg=25.0, max_step_m=0.13,
        steering="turn_in_place", sensor_range_m=1.0, sensor_fov_deg=60.0, drive_power_w=10.0,
        sensor_height_m=0.28, solar_area_m2=0.22, solar_efficiency=0.105, battery_wh=150.0,
        hotel_w=2.0,
        references=(
            "Mass 11.5 kg, 630 x 480 mm, 280 mm high, 130 mm clearance "
            "(https://mpf.digitec.net/rover/mission.html); up to 0.6 m/min, rocker-bogie "
            "(https://www2.jpl.nasa.gov/basics/sj.html); 0.22 m^2 flat solar panel of about "
            "16 W peak on Mars (NASA/JPL Mars Pathfinder rover pages), so an end-to-end "
            "efficiency of 16 W / (0.22 m^2 x 694 W/m^2 at 1.4 AU) = 0.105; primary LiSOCl2 "
            "D-cell battery of about 150 Wh (same; primary, not recharged in flight, modelled "
            "here as a store like the others). Assumed: tilt limit, step (about one "
            "wheel, 13 cm), yaw rate, sensor range 1 m, drive power, 2 W idle."
        ),
    ),
    "opportunity": RoverSpec(
        name="opportunity",
        description="NASA MER-B Opportunity (2004): 185 kg, 5 cm/s, 30 deg software tilt limit, ~25 cm rocks",
        mass_kg=185.0, max_speed_mps=0.05, accel_mps2=0.05, max_yaw_rate_deg_s=7.0,
        length_m=1.6, width_m=2.3, clearance_m=0.30, max_tilt_deg=30.0, max_step_m=0.25,
        steering="turn_in_place", sensor_range_m=5.0, sensor_fov_deg=120.0, drive_power_w=100.0,
        sensor_height_m=1.5, solar_area_m2=1.3, solar_efficiency=0.155, battery_wh=448.0,
        hotel_w=30.0,
        references=(
            "Mass 185 kg, 1.6 m long x 2.3 m wide x 1.5 m high, top speed 5 cm/s "
            "(2 in/s, http://talesoftheheliosphere.blogspot.com/2005/05/mark-adler-of-jpl-talks-about-rover.html), "
            "30 deg software tilt limit (45 deg static), wheels 25 cm so rocks to ~25 cm, "
            "corner steering turns in place, GESTALT hazard map from hazcams (120 deg FOV) out to "
            "a few metres (NASA/JPL MER fact sheets; Goldberg et al. 2002, 'Stereo vision and "
            "rover navigation software for planetary exploration'); 1.3 m^2 of triple-junction "
            "arrays giving about 140 W at the start of the mission (NASA MER fact sheet), so "
            "140 W / (1.3 m^2 x 694 W/m^2) = 0.155 end to end; two 8 Ah Li-ion batteries on "
            "the 28 V bus, 448 Wh (same). Assumed: clearance, yaw rate, drive power, 30 W idle."
        ),
    ),
    "curiosity": RoverSpec(
        name="curiosity",
        description="NASA MSL Curiosity (2012): 899 kg, 4.2 cm/s, 65 cm obstacles",
        mass_kg=899.0, max_speed_mps=0.042, accel_mps2=0.05, max_yaw_rate_deg_s=5.0,
        length_m=3.0, width_m=2.7, clearance_m=0.60, max_tilt_deg=30.0, max_step_m=0.65,
        steering="turn_in_place", sensor_range_m=10.0, sensor_fov_deg=120.0, drive_power_w=200.0,
        sensor_height_m=1.9, rtg_w=110.0, battery_wh=2352.0, hotel_w=100.0,
        references=(
            "Mass 899 kg, 3 m long x 2.7 m wide x 2.2 m high "
            "(https://mars.nbi.ku.dk/research/mars-science-laboratory/curiosity-rover/); top speed "
            "1.5 in/s (~4 cm/s) on flat hard ground, 110 W MMRTG plus batteries for driving, "
            "four-wheel steering (https://www.carprousa.com/facts-about-the-rover-curiosity-car-pro-news); "
            "rolls over obstacles up to 65 cm; 50 cm wheels; two 42 Ah Li-ion batteries on the "
            "28 V bus, 2352 Wh (NASA MSL press kit). Assumed: 30 deg software tilt "
            "limit (as MER), clearance 60 cm, yaw rate, hazcam range, drive power, 100 W idle."
        ),
    ),
    "perseverance": RoverSpec(
        name="perseverance",
        description="NASA Mars 2020 Perseverance (2021): 1025 kg, 152 m/h top (ENav ~120 m/h), 40 cm step",
        mass_kg=1025.0, max_speed_mps=152.0 / 3600.0, accel_mps2=0.05, max_yaw_rate_deg_s=5.0,
        length_m=3.0, width_m=2.7, clearance_m=0.60, max_tilt_deg=30.0, max_step_m=0.40,
        steering="turn_in_place", sensor_range_m=15.0, sensor_fov_deg=90.0, drive_power_w=200.0,
        sensor_height_m=2.0, rtg_w=110.0, battery_wh=2408.0, hotel_w=100.0,
        references=(
            "Top speed 152 m/h on flat hard ground "
            "(https://steamdaily.com/nasa-releases-video-of-perseverance-rover-moving-across-mars); "
            "ENav AutoNav drives at up to ~120 m/h and keeps a 30 m x 30 m map centred on the "
            "rover, hence a 15 m sensing range (same source; "
            "https://legitreviews.com/?p=228480); mass 1025 kg, 3 m x 2.7 m x 2.2 m, MSL-heritage "
            "mobility, 40 cm step (NASA Mars 2020 fact sheet); Verma et al. 2023, 'Autonomous "
            "robotics is driving Perseverance rover's progress on Mars', Science Robotics. "
            "MMRTG of about 110 W and two 43 Ah Li-ion batteries on the 28 V bus, 2408 Wh "
            "(NASA Mars 2020 press kit). Assumed: tilt limit 30 deg, clearance, yaw rate, "
            "Navcam FOV 90 deg, drive power, 100 W idle."
        ),
    ),
}


@dataclass(frozen=True)
class CostWeights:
    """Weights of the normalised terms in the cost ``1 + sum(w * (term / limit) ** 2)``
    (:func:`rover.costmap.terrain_cost`; also ``rover.costmap.CostWeights``), and the
    roughness limit. A weight of 0 keeps the term a limit only: with all three at 0 every
    drivable cell costs 1 (binary traversability). Scenarios set them in ``[costmap]``."""

    tilt: float = 3.0
    roughness: float = 2.0
    step: float = 2.0
    roughness_limit_m: float | None = None
    """RMS roughness [m] at which a cell becomes impassable; None: half of the smaller of
    the rover's step limit and its clearance (half its step limit when clearance is 0)."""
    footprint: str = "disc"
    """The cells the terrain terms are computed over around each cell: ``"disc"`` (the
    default), the cells whose centres lie within the rover's radius (the same reach in every
    direction); ``"square"``, the ``2k+1`` cells a side that hold the rover's circle (the
    footprint before issue 23: it reaches further along the diagonals)."""

    def roughness_limit(self, rover: RoverSpec) -> float:
        """The roughness limit [m] for ``rover``."""
        if self.roughness_limit_m is not None:
            return float(self.roughness_limit_m)
        lim = min(rover.max_step_m, rover.clearance_m) if rover.clearance_m > 0 else rover.max_step_m
        return 0.5 * lim

    def problems(self) -> list[tuple[str, str]]:
        """Unusable values as ``(field, message)`` pairs; empty when the weights are usable.
        Weights are 0 to :data:`MAX_WEIGHT` (every cost then stays under 3001, a spread
        D* Lite plans over exactly on the largest grid a scenario may ask for); the
        roughness limit, when set, is 0.001 to 100 m (a smaller one divides costs by ~0)."""
        out: list[tuple[str, str]] = []
        for f in ("tilt", "roughness", "step"):
            v = getattr(self, f)
            if not (isinstance(v, (int, float)) and _finite(v) and 0 <= v <= MAX_WEIGHT):
                out.append((f, f"must be a number from 0 to {MAX_WEIGHT:g}, got {_short(v)}"))
        if self.footprint not in FOOTPRINTS:
            out.append(("footprint", f"must be one of {', '.join(map(repr, FOOTPRINTS))}, "
                                     f"got {_short(self.footprint)}"))
        v = self.roughness_limit_m
        if v is not None and not (isinstance(v, (int, float)) and _finite(v)
                                  and ROUGHNESS_LIMIT_M[0] <= v <= ROUGHNESS_LIMIT_M[1]):
            lo, hi = ROUGHNESS_LIMIT_M
            out.append(("roughness_limit_m", f"must be between {lo:g} and {hi:g} m, got {_short(v)}"))
        return out


MAX_WEIGHT = 1000.0
"""Largest weight of a cost term (see :meth:`CostWeights.problems`)."""
FOOTPRINTS = ("square", "disc")
"""The footprints the cost map's terrain terms can be computed over (:class:`CostWeights`)."""
ROUGHNESS_LIMIT_M = (1e-3, 100.0)
"""Least and greatest roughness limit [m] a :class:`CostWeights` may set."""


def rover_presets() -> dict[str, RoverSpec]:
    """All rover presets by name (a new dict each call)."""
    return dict(_PRESETS)


def rover_preset(name: str) -> RoverSpec:
    """The preset called ``name``; ``KeyError`` naming the valid presets when there is none."""
    try:
        return _PRESETS[name]
    except KeyError:
        raise KeyError(
            f"unknown rover preset {name!r}; valid presets: {', '.join(sorted(_PRESETS))}"
        ) from None
