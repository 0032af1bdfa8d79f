"""Solar power and the battery during a run with a Sun.

A run whose scenario has a ``[sun]`` table and whose rover has a battery (``battery_wh`` >
0, :class:`rover.models.RoverSpec`) keeps one :class:`Power`. Over each time step of the
trace (from row i - 1 to row i, the rover's pose and the Sun as they were at its start):

- in: the array's output ``rated / d^2 * cos(incidence)`` when the Sun is up and the rover's
  cell is lit (none from a shadowed cell), with ``rated = solar_rated_w`` or
  ``solar_area_m2 * solar_efficiency * 1361 W/m^2`` and ``d`` the body's distance from the
  Sun [AU]; plus a radioisotope generator's constant ``rtg_w``;
- out: the drive energy the drive kernels count (the trace's ``energy_wh``), and the hotel
  load ``hotel_w``, driving or not.

The battery holds between 0 and ``battery_wh``: what a full battery cannot take is spilled
(counted); a step it cannot supply ends the run with outcome "battery" at the row before.
So over a run, ``end - start = solar - spilled + rtg - drive - hotel`` exactly (tested to
1e-6). Atmospheric attenuation on Mars, the array's temperature and ageing, and dust are not
modelled.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["Power", "SOLAR_CONSTANT_W_M2"]

SOLAR_CONSTANT_W_M2 = 1361.0
"""Total solar irradiance at 1 AU [W/m^2] (Kopp & Lean 2011, Geophys. Res. Lett. 38,
L01706)."""


class Power:
    """The battery of one run, step by step along the trace.

    Parameters
    ----------
    spec : rover.models.RoverSpec
        Its power figures.
    """

    def __init__(self, spec):
        self.capacity = float(spec.battery_wh)
        self.level = self.capacity
        """Charge now [Wh] (the run starts full)."""
        self.rated_w = (float(spec.solar_rated_w) if spec.solar_rated_w > 0 else
                        float(spec.solar_area_m2) * float(spec.solar_efficiency)
                        * SOLAR_CONSTANT_W_M2)
        self.mode = spec.array_mode
        self.tilt = math.radians(float(spec.array_tilt_deg))
        self.rtg_w = float(spec.rtg_w)
        self.hotel_w = float(spec.hotel_w)
        self.totals = {"solar_wh": 0.0, "spilled_wh": 0.0, "rtg_wh": 0.0, "drive_wh": 0.0,
                       "hotel_wh": 0.0}
        self.lowest = self.capacity
        self.levels = np.empty(1024)
        """Charge after each trace row [Wh] (row 0: the start)."""
        self.levels[0] = self.capacity
        self.solar = np.zeros(1024)
        """Array output over the step that ends at each trace row [W]."""

    def solar_w(self, heading_rad, lit, azimuth_deg: float, elevation_deg: float,
                distance_au: float) -> np.ndarray:
        """Array output [W] for rovers at headings ``heading_rad`` (0 east, counter-clockwise)
        on cells ``lit`` (bool), under a Sun at (azimuth, elevation) [deg], ``distance_au``
        from it. Shapes broadcast."""
        if elevation_deg <= 0.0 or self.rated_w <= 0.0:
            return np.zeros(np.shape(heading_rad))
        el = math.radians(elevation_deg)
        az = math.radians(azimuth_deg)
        if self.mode == "tracking":
            cos_i = np.ones(np.shape(heading_rad))
        elif self.mode == "tilted":
            # the array's normal tilted towards the rover's front; the Sun's direction in
            # (east, north, up)
            h = np.asarray(heading_rad, dtype=np.float64)
            cos_i = (math.sin(self.tilt) * (np.cos(h) * math.cos(el) * math.sin(az)
                                            + np.sin(h) * math.cos(el) * math.cos(az))
                     + math.cos(self.tilt) * math.sin(el))
        else:
            cos_i = np.full(np.shape(heading_rad), math.sin(el))
        out = self.rated_w / (distance_au * distance_au) * np.maximum(cos_i, 0.0)
        return np.where(lit, out, 0.0)

    def account(self, trace: np.ndarray, lo: int, hi: int, mask: np.ndarray, sun,
                cell_size: float) -> int | None:
        """Charge and draw over the steps that end at trace rows ``lo .. hi - 1``, under the
        shadows ``mask`` and the Sun ``sun`` (a :class:`rover.daylight.SunState`). Returns
        None, or the first row whose step the battery cannot supply (nothing from it on is
        counted: the run ends at the row before)."""
        if hi <= lo:
            return None
        while len(self.levels) < hi:
            self.levels = np.concatenate([self.levels, np.empty_like(self.levels)])
            self.solar = np.concatenate([self.solar, np.zeros_like(self.solar)])
        rows = trace[lo - 1:hi]
        start = rows[:-1]
        rr = np.clip(np.floor(start[:, 2] / cell_size).astype(np.int64), 0, mask.shape[0] - 1)
        cc = np.clip(np.floor(start[:, 1] / cell_size).astype(np.int64), 0, mask.shape[1] - 1)
        lit = ~mask[rr, cc]
        solar = self.solar_w(start[:, 3], lit, sun.azimuth_deg, sun.elevation_deg,
                             sun.distance_au)
        dt_h = np.diff(rows[:, 0]) / 3600.0
        drive = np.diff(rows[:, 7])
        level = self.level
        tot = self.totals
        for j in range(hi - lo):
            gain = solar[j] * dt_h[j]
            rtg = self.rtg_w * dt_h[j]
            hotel = self.hotel_w * dt_h[j]
            new = level + gain + rtg - drive[j] - hotel
            if new < 0.0:
                self.level = level
                return lo + j
            spill = max(new - self.capacity, 0.0)
            level = new - spill
            tot["solar_wh"] += gain
            tot["spilled_wh"] += spill
            tot["rtg_wh"] += rtg
            tot["drive_wh"] += drive[j]
            tot["hotel_wh"] += hotel
            self.levels[lo + j] = level
            self.solar[lo + j] = solar[j]
            self.lowest = min(self.lowest, level)
        self.level = level
        return None

    def summary(self, waited_s: float) -> dict:
        """The run summary's ``power`` entry (JSON-ready)."""
        out = {"battery_wh": self.capacity, "start_wh": self.capacity,
               "end_wh": round(self.level, 6), "lowest_wh": round(self.lowest, 6),
               "end_fraction": round(self.level / self.capacity, 4),
               "array_rated_w": round(self.rated_w, 3), "waited_for_light_s": round(waited_s, 3)}
        out.update({k: round(v, 6) for k, v in self.totals.items()})
        return out
