"""Rover models: the physical and sensing limits of a rover, and presets with flight heritage.

A :class:`RoverSpec` is plain configuration (angles in degrees, keys ending ``_deg``); the
simulation converts to radians once. Presets are looked up by name with :func:`rover_preset`;
a scenario's ``[rover]`` table names a preset and may override any field.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

__all__ = ["RoverSpec", "STEERING_KINDS", "rover_presets", "rover_preset"]

#: Steering kinds a rover model may declare.
STEERING_KINDS = ("skid", "ackermann", "turn_in_place")


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
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                out.append((f, f"must be a finite number > 0, got {v!r}"))
        for f in ("clearance_m", "drive_power_w", "rolling_resistance", "sensor_height_m"):
            v = getattr(self, f)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0):
                out.append((f, f"must be a finite number >= 0, got {v!r}"))
        if isinstance(self.max_tilt_deg, (int, float)) and self.max_tilt_deg >= 90:
            out.append(("max_tilt_deg", f"must be < 90, got {self.max_tilt_deg!r}"))
        if isinstance(self.sensor_fov_deg, (int, float)) and self.sensor_fov_deg > 360:
            out.append(("sensor_fov_deg", f"must be <= 360, got {self.sensor_fov_deg!r}"))
        if self.steering not in STEERING_KINDS:
            out.append(("steering", f"must be one of {', '.join(STEERING_KINDS)}, got {self.steering!r}"))
        return out

    def replace(self, **changes) -> "RoverSpec":
        """A copy with some fields changed (no validation; call :meth:`problems`)."""
        return dataclasses.replace(self, **changes)


_PRESETS: dict[str, RoverSpec] = {
    "generic": RoverSpec(
        name="generic",
        description="A generic small research rover (1 m x 0.7 m, 0.5 m/s); a neutral test platform",
        mass_kg=50.0, max_speed_mps=0.5, accel_mps2=0.5, max_yaw_rate_deg_s=30.0,
        length_m=1.0, width_m=0.7, clearance_m=0.2, max_tilt_deg=25.0, max_step_m=0.2,
        steering="skid", sensor_range_m=10.0, sensor_fov_deg=120.0, drive_power_w=100.0,
        references="Not a real rover: round figures in the range of small research rovers.",
    ),
}


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
