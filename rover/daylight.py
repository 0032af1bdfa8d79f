"""The Sun during a run: where it is, what it lights, and the local solar clock.

A run whose scenario has a ``[sun]`` table (:class:`rover.scenario.SunConfig`) keeps one
:class:`Daylight`: the Sun's azimuth and elevation at the run's simulated time (from
:func:`terrains.sun_position` at the site, or fixed), and the cast-shadow mask of the
terrain under it (:func:`terrains.shadow`), recomputed every ``update_every_s`` of simulated
time. A run without ``[sun]`` has none, imports nothing of it, and compiles no shadow kernel.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Daylight", "SunState"]

# Mean distances from the Sun [AU] for a fixed Sun: the Moon's is the Earth's; Mars's the
# semi-major axis in Mars24 step D-2 (Allison & McEwen 2000).
_MEAN_DISTANCE_AU = {"moon": 1.0, "mars": 1.52367934}
_DUE_S = 1e-6
"""An update falls due this close [s] before its time: a drive's time steps sum with
rounding (1200 steps of 0.1 s come to 119.99999999999746 s)."""


@dataclass(frozen=True)
class SunState:
    """The Sun at one moment of a run."""

    t_s: float
    """Simulated time [s]."""
    azimuth_deg: float
    """Clockwise from north [deg]."""
    elevation_deg: float
    """Above the local horizon [deg]."""
    local_time_h: float | None
    """Local true solar time at the site [hours of the solar day, 0-24), None for a fixed Sun."""
    utc: str | None
    """UTC at that moment, ISO 8601 (None for a fixed Sun)."""
    distance_au: float = 1.0
    """The body's distance from the Sun [AU] (a fixed Sun: the body's mean distance)."""


class Daylight:
    """The Sun and the shadows of one run.

    Parameters
    ----------
    sun : rover.scenario.SunConfig
    body : str
        The terrain's body (``"moon"``, ``"mars"``).
    height : ndarray
        The terrain's heights [m], (rows, cols).
    cell_size : float
        Cell edge [m].
    """

    def __init__(self, sun, body: str, height: np.ndarray, cell_size: float):
        self.config = sun
        self.body = body
        self.height = height
        self.cell_size = float(cell_size)
        self.start = None if sun.fixed else dt.datetime.fromisoformat(sun.start)
        self.state: SunState | None = None
        self.mask: np.ndarray | None = None
        """bool (rows, cols): True in shadow under :attr:`state`'s Sun."""
        self.next_update = -math.inf
        self.updates = 0
        self.first: SunState | None = None
        self.look_ahead = False
        """Also cast the shadows of the next update (set by a run that plans around them)."""
        self.ahead: np.ndarray | None = None
        """bool (rows, cols): in shadow now or at the next update (with :attr:`look_ahead`)."""
        self._cast: dict[int, np.ndarray] = {}  # shadow masks of updates to come, by number
        self._k = -1  # the number of the update in force (its time: k * update_every_s)

    def _shadow_at(self, state: SunState) -> np.ndarray:
        import terrains

        return terrains.shadow(self.height, self.cell_size, state.azimuth_deg,
                               state.elevation_deg)

    def future(self, n: int) -> list[np.ndarray]:
        """The shadow masks (bool (rows, cols), True in shadow) of the next ``n`` Sun updates,
        at ``next_update + j * update_every_s`` [s] for j = 0 .. n-1: each is cast once, and
        :meth:`update` takes it when it falls due."""
        period = float(self.config.update_every_s)
        first = self._k + 1
        for k in [k for k in self._cast if k < first]:
            del self._cast[k]
        out = []
        for k in range(first, first + n):
            if k not in self._cast:
                self._cast[k] = self._shadow_at(self.at(k * period))
            out.append(self._cast[k])
        return out

    def at(self, t_s: float) -> SunState:
        """The Sun at simulated time ``t_s`` [s] (does not move the run's Sun)."""
        import terrains

        c = self.config
        if c.fixed:
            return SunState(float(t_s), float(c.azimuth_deg) % 360.0, float(c.elevation_deg),
                            None, None, _MEAN_DISTANCE_AU.get(self.body, 1.0))
        when = self.start + dt.timedelta(seconds=float(t_s))
        az, el = terrains.sun_position(self.body, c.lat_deg, c.lon_deg, when)
        lst = terrains.local_solar_time(self.body, c.lon_deg, when)
        d = terrains.sun_distance_au(self.body, when)
        return SunState(float(t_s), az, el, lst, when.isoformat(), d)

    def update(self, t_s: float) -> bool:
        """At the first call at or after an update time (a multiple of ``update_every_s``),
        move the Sun to that update time, the latest at or before ``t_s`` [s], and take its
        shadows; returns True when it did. The Sun and its shadows are those of the update
        time until the next one is taken (a run's drive stops to sense at each, so ``t_s``
        is then at most one time step past it)."""
        if t_s < self.next_update - _DUE_S:
            return False
        period = float(self.config.update_every_s)
        # Updates fall on multiples of the period, however the sensing points fall.
        k = math.floor((t_s + _DUE_S) / period)
        self.next_update = (k + 1.0) * period
        self._k = k
        state = self.at(k * period)
        cast = self._cast.get(k)  # cast ahead of time (future()) for this update
        if cast is not None:
            self.mask = cast
        elif self.state is None or (state.azimuth_deg, state.elevation_deg) != (
                self.state.azimuth_deg, self.state.elevation_deg):
            self.mask = self._shadow_at(state)
        if self.look_ahead:
            self.ahead = self.mask | self.future(1)[0]
        self.state = state
        if self.first is None:
            self.first = state
        self.updates += 1
        return True

    def snapshot(self) -> tuple | None:
        """(azimuth [deg], elevation [deg], local solar time [h] or NaN) of the current Sun,
        for :class:`rover.sim.Snapshot`; None before the first update."""
        s = self.state
        if s is None:
            return None
        return (s.azimuth_deg, s.elevation_deg,
                math.nan if s.local_time_h is None else s.local_time_h)

    def in_shadow(self, r: int, c: int) -> bool:
        """True when cell (r, c) is in shadow under the current Sun."""
        return bool(self.mask is not None and self.mask[r, c])

    def summary(self, shadow_time_s: float) -> dict:
        """The run summary's ``sun`` entry (JSON-ready)."""
        a, b = self.first, self.state

        def one(s: SunState) -> dict:
            out = {"azimuth_deg": round(s.azimuth_deg, 3),
                   "elevation_deg": round(s.elevation_deg, 3)}
            if s.local_time_h is not None:
                out["local_solar_time_h"] = round(s.local_time_h, 4)
                out["utc"] = s.utc
            return out

        return {"site": None if self.config.fixed else {
                    "body": self.body, "lat_deg": self.config.lat_deg,
                    "lon_deg": self.config.lon_deg},
                "start": one(a), "end": one(b), "updates": self.updates,
                "shadow_time_s": round(float(shadow_time_s), 3),
                "shadowed_fraction_end": round(float(self.mask.mean()), 4)}
