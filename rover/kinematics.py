"""Rover kinematics: a 2-D pose moved by a unicycle (skid-steer) model with limits.

State and command are frozen dataclasses and :func:`step` is a pure function
``step(state, command, limits, dt) -> new state``; prediction, replay and tests are repeated
calls. The run loop uses a compiled twin of the same arithmetic (``rover._drive._step``);
the tests keep the two in agreement.

Model, per step of ``dt`` seconds:

- the speed moves toward the commanded speed (clipped to ``[0, min(limit, max_speed)]``)
  by at most ``accel * dt`` (backing up, which only a rover that cannot turn in place does
  to free itself, is a separate manoeuvre of the run loop: ``rover._drive._reverse``);
- the yaw rate is the commanded one clipped to ``max_yaw_rate``; a rover that cannot turn
  in place (``steering="ackermann"``) is further held to ``speed / min_turn_radius``;
- the pose follows the circular arc of the new speed and yaw rate exactly.

Heading is in radians, 0 east, counter-clockwise, wrapped to (-pi, pi].
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rover.models import RoverSpec

__all__ = ["RoverState", "Command", "DriveLimits", "step", "slope_speed_limit", "wrap_angle"]


@dataclass(frozen=True)
class RoverState:
    """Pose and motion of the rover."""

    x_m: float
    """East [m]."""
    y_m: float
    """North [m]."""
    heading_rad: float = 0.0
    """Heading [rad], 0 east, counter-clockwise."""
    speed_mps: float = 0.0
    """Forward speed [m/s] (>= 0)."""
    yaw_rate_rad_s: float = 0.0
    """Yaw rate [rad/s], positive counter-clockwise."""


@dataclass(frozen=True)
class Command:
    """What the follower asks for."""

    speed_mps: float
    """Desired forward speed [m/s]."""
    yaw_rate_rad_s: float
    """Desired yaw rate [rad/s]."""


@dataclass(frozen=True)
class DriveLimits:
    """Motion limits, in SI units (radians)."""

    max_speed_mps: float
    accel_mps2: float
    max_yaw_rate_rad_s: float
    turn_in_place: bool = True
    """Skid-steered and corner-steered rovers can turn with zero speed."""
    min_turn_radius_m: float = 0.0
    """Smallest turn radius when the rover cannot turn in place [m]."""

    @classmethod
    def from_spec(cls, rover: RoverSpec) -> "DriveLimits":
        """Limits of ``rover`` (an Ackermann rover's turn radius is taken as its length)."""
        tip = rover.steering in ("skid", "turn_in_place")
        return cls(max_speed_mps=float(rover.max_speed_mps), accel_mps2=float(rover.accel_mps2),
                   max_yaw_rate_rad_s=math.radians(rover.max_yaw_rate_deg_s),
                   turn_in_place=tip, min_turn_radius_m=0.0 if tip else float(rover.length_m))


def wrap_angle(a: float) -> float:
    """``a`` [rad] wrapped to (-pi, pi]."""
    b = a - 2.0 * math.pi * math.floor((a + math.pi) / (2.0 * math.pi))
    if b <= -math.pi:
        b += 2.0 * math.pi
    return b


def slope_speed_limit(max_speed_mps: float, tan_tilt: float, tan_max_tilt: float) -> float:
    """Speed limit [m/s] on ground tilted by ``atan(tan_tilt)``: top speed on the flat,
    falling linearly (in tan) to half of it at the rover's tilt limit."""
    frac = min(abs(tan_tilt) / tan_max_tilt, 1.0)
    return max_speed_mps * (1.0 - 0.5 * frac)


def step(state: RoverState, command: Command, limits: DriveLimits, dt: float,
         speed_limit_mps: float | None = None) -> RoverState:
    """Advance ``state`` by ``dt`` [s] under ``command`` and ``limits``.

    Parameters
    ----------
    state : RoverState
    command : Command
    limits : DriveLimits
    dt : float
        Time step [s], > 0.
    speed_limit_mps : float, optional
        Extra speed limit for this step (e.g. :func:`slope_speed_limit`) [m/s].

    Returns
    -------
    RoverState
        The new state; the input is not changed.

    Examples
    --------
    >>> lim = DriveLimits(max_speed_mps=1.0, accel_mps2=0.5, max_yaw_rate_rad_s=0.5)
    >>> s = step(RoverState(0.0, 0.0), Command(1.0, 0.0), lim, 1.0)
    >>> (s.x_m, s.speed_mps)
    (0.5, 0.5)
    """
    if not (dt > 0 and math.isfinite(dt)):
        raise ValueError(f"dt must be a finite number > 0 [s], got {dt!r}")
    target = command.speed_mps
    if speed_limit_mps is not None:
        target = min(target, speed_limit_mps)
    target = max(min(target, limits.max_speed_mps), 0.0)
    dv = max(min(target - state.speed_mps, limits.accel_mps2 * dt), -limits.accel_mps2 * dt)
    vn = min(max(state.speed_mps + dv, 0.0), limits.max_speed_mps)
    wl = limits.max_yaw_rate_rad_s
    if not limits.turn_in_place:
        wl = min(wl, vn / limits.min_turn_radius_m)
    wn = max(min(command.yaw_rate_rad_s, wl), -wl)
    th = state.heading_rad
    if abs(wn) > 1e-12:
        thn = th + wn * dt
        xn = state.x_m + vn / wn * (math.sin(thn) - math.sin(th))
        yn = state.y_m - vn / wn * (math.cos(thn) - math.cos(th))
    else:
        thn = th
        xn = state.x_m + vn * dt * math.cos(th)
        yn = state.y_m + vn * dt * math.sin(th)
    return RoverState(xn, yn, wrap_angle(thn), vn, wn)
