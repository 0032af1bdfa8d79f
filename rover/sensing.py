"""Sensing: what the rover sees of the true cost map from where it stands.

The rover keeps a *known* cost map: cells it has seen carry their true cost, cells it has
not seen carry an optimistic ``unknown_cost`` (1 by default: the free-space assumption that
D* Lite relies on). Seen cells never change again (the sensor model has no noise), so the
known map only ever moves from the optimistic guess to the truth.

A cell is seen by a sensing step when its centre is

- within the *near field* (the rover's radius plus one cell): the ground under and around
  the body, covered by the front and rear hazard cameras, always known; or
- within the sensor's range and field of view of the rover's heading and, with
  ``line_of_sight``, visible over the height field from a sensor ``sensor_height_m``
  above the ground (terrain higher than the ray at any half-cell sample hides it).

The kernel lives in :mod:`rover._sensing`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rover._sensing import _sense
from rover.planners import MAX_COST, scan_costs
from rover.models import RoverSpec

__all__ = ["SensorModel", "KnownMap"]


@dataclass(frozen=True)
class SensorModel:
    """Where the rover's navigation sensor reaches."""

    range_m: float
    """Range [m]."""
    fov_deg: float
    """Horizontal field of view centred on the heading [deg]; 360 sees all around."""
    near_m: float
    """Radius of the always-known near field around the rover's centre [m]."""
    height_m: float = 1.0
    """Sensor height above the ground, for line of sight [m]."""
    line_of_sight: bool = True
    """Hide cells behind terrain."""

    @classmethod
    def for_rover(cls, rover: RoverSpec, cell_size: float, *, line_of_sight: bool = True) -> "SensorModel":
        """The sensor of ``rover`` on a grid of ``cell_size`` [m] cells."""
        return cls(range_m=rover.sensor_range_m, fov_deg=rover.sensor_fov_deg,
                   near_m=rover.radius_m + cell_size, height_m=rover.sensor_height_m,
                   line_of_sight=line_of_sight)


class KnownMap:
    """The rover's knowledge of the ground: a known cost grid and a seen mask.

    This is the run's one mutable piece of state, by design: it is a large grid updated in
    place by each sensing step (copying it per step would dominate the run time).

    Parameters
    ----------
    true_cost : numpy.ndarray
        (rows, cols) float64, >= 1, ``inf`` impassable: what the world is.
    height : numpy.ndarray
        (rows, cols) heights [m], for line of sight.
    cell_size : float
        Cell edge [m].
    unknown_cost : float
        Cost assumed for unseen cells (>= 1, finite).
    known_impassable : numpy.ndarray, optional
        (rows, cols) bool, cells known to be impassable before anything is seen (keep-out
        zones drawn from orbit and the band along the map's edge,
        :meth:`rover.costmap.Traversability.known_keep_out`); they start at ``inf``. Each
        must be impassable in ``true_cost`` too.
    """

    def __init__(self, true_cost: np.ndarray, height: np.ndarray, cell_size: float,
                 unknown_cost: float = 1.0, known_impassable: np.ndarray | None = None):
        tc = np.ascontiguousarray(true_cost, dtype=np.float64)
        if tc.ndim != 2:
            raise ValueError(f"true_cost must be a 2-D array, got shape {tc.shape}")
        hh = np.ascontiguousarray(height, dtype=np.float32)
        if hh.shape != tc.shape:
            raise ValueError(f"height must have the cost grid's shape {tc.shape}, got {hh.shape}")
        # Checked once here, in the planners' one-pass scan, because the planners trust the
        # known map from then on (one bad cell would otherwise surface as a wrong plan).
        n_nan, first_nan, _, first_low, _, cmin, first_high, cmax = scan_costs(tc.reshape(-1))
        if n_nan:
            r, c = divmod(int(first_nan), tc.shape[1])
            raise ValueError(f"true_cost has {n_nan} NaN cell{'s' if n_nan > 1 else ''}, the "
                             f"first at (row {r}, col {c})")
        bad = [i for i in (first_low, first_high) if i >= 0]
        if bad:
            r, c = divmod(int(min(bad)), tc.shape[1])
            raise ValueError(f"true_cost must be >= 1 and <= {MAX_COST:g} (inf for "
                             f"impassable), cell (row {r}, col {c}) is {float(tc[r, c])!r}")
        if not (math.isfinite(unknown_cost) and unknown_cost >= 1):
            raise ValueError(f"unknown_cost must be a finite number >= 1, got {unknown_cost!r}")
        if not (math.isfinite(cell_size) and cell_size > 0):
            raise ValueError(f"cell_size must be a finite number > 0 [m], got {cell_size!r}")
        self.true_cost = tc
        self.true_cost_range = (float(cmin), float(cmax))
        """Least and largest finite true costs (inf, -inf when every cell is impassable)."""
        self.height = hh
        self.cell_size = float(cell_size)
        self.unknown_cost = float(unknown_cost)
        self.cost = np.full(tc.shape, float(unknown_cost), dtype=np.float64)
        """Known cost grid (float64): true cost where seen or known from the start,
        ``unknown_cost`` elsewhere."""
        self._unknown = tc.size      # cells that may still hold unknown_cost
        if known_impassable is not None:
            prior = np.asarray(known_impassable, dtype=bool)
            if prior.shape != tc.shape:
                raise ValueError(f"known_impassable must have the cost grid's shape {tc.shape}, "
                                 f"got {prior.shape}")
            wrong = np.flatnonzero(prior.reshape(-1) & (tc.reshape(-1) < np.inf))
            if wrong.size:
                r, c = divmod(int(wrong[0]), tc.shape[1])
                raise ValueError(f"known_impassable cell (row {r}, col {c}) is passable in "
                                 f"true_cost ({float(tc[r, c])!r})")
            self.cost[prior] = np.inf
            self._unknown -= int(np.count_nonzero(prior))
        self.seen = np.zeros(tc.shape, dtype=np.uint8)
        """1 where the cell has been seen."""
        self._cells = np.empty((0, 2), dtype=np.int64)
        self._costs = np.empty(0, dtype=np.float64)
        self._changed = 0            # cells whose known cost has changed (each changes once)
        self._changed_min = math.inf  # least finite cost among them

    @property
    def least_cost(self) -> float:
        """The least finite value of :attr:`cost` (inf when there is none), in O(1).

        A cell's known cost changes at most once (from ``unknown_cost`` to its true cost) and
        only through :meth:`sense`, so the least is the least changed cost, or
        ``unknown_cost`` while some cell still holds it. This is the heuristic scale of A*
        on the known map, which would otherwise cost a pass over the grid per replan.
        """
        if self._changed < self._unknown:
            return min(self._changed_min, self.unknown_cost)
        return self._changed_min

    def sense(self, x: float, y: float, heading: float, sensor: SensorModel) -> tuple[np.ndarray, np.ndarray]:
        """Look from (x, y) [m] with ``heading`` [rad] (0 east, counter-clockwise).

        Ranges beyond the grid's extent are clamped to it (the cells seen are the same).

        Returns
        -------
        cells : numpy.ndarray
            (K, 2) int64 row/col of the cells whose known cost changed (a copy).
        costs : numpy.ndarray
            (K,) float64, their new known cost (the true cost).
        """
        rows, cols = self.cost.shape
        # No cell of the grid is farther than its diagonal from a point on it, so ranges are
        # clamped there: a huge (legal) range then costs one grid, not range**2.
        span = math.hypot(rows, cols) * self.cell_size
        x0, y0 = float(x), float(y)
        off = math.hypot(max(-x0, x0 - cols * self.cell_size, 0.0),
                         max(-y0, y0 - rows * self.cell_size, 0.0))
        if not math.isfinite(off):
            raise ValueError(f"the sensing position ({x!r}, {y!r}) must be finite")
        span += off + self.cell_size
        range_m = min(float(sensor.range_m), span)
        near_m = min(float(sensor.near_m), span)
        reach = max(range_m, near_m)
        side = 2 * int(math.ceil(reach / self.cell_size)) + 3
        need = min(side, rows) * min(side, cols)
        if self._cells.shape[0] < need:
            self._cells = np.empty((need, 2), dtype=np.int64)
            self._costs = np.empty(need, dtype=np.float64)
        half = math.radians(sensor.fov_deg) / 2.0 if sensor.fov_deg < 360 else math.pi
        k = _sense(self.height, self.true_cost, self.cost, self.seen, self.cell_size,
                   x0, y0, float(heading), range_m, float(half),
                   near_m, float(sensor.height_m), bool(sensor.line_of_sight),
                   self._cells, self._costs)
        if k:
            self._changed += k
            costs = self._costs[:k]
            finite = costs[costs < math.inf]
            if finite.size:
                self._changed_min = min(self._changed_min, float(finite.min()))
        return self._cells[:k].copy(), self._costs[:k].copy()
