"""Playback of one run from its snapshots: what is true at a given simulated time (no pygame).

Snapshots (:class:`rover.sim.Snapshot`) arrive in order, live from a simulating thread or all
at once from a replay file; :meth:`Timeline.ingest` files them. :meth:`Timeline.seek` moves the
playback clock: every snapshot whose time has come is applied (newly seen cells leave the
fog, a new plan replaces the old one), and the rover's pose is interpolated between trace
rows. The timeline only reads snapshots; it never changes the run.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["Timeline"]


class Timeline:
    """The state of one run at the playback time :attr:`t_s`.

    Parameters
    ----------
    scene : rover.io.replay.Scene
        The run's static scene (grid shape, cell size).
    label : str, optional
        Shown in the HUD (default: the scene's planner name).
    """

    def __init__(self, scene, label: str | None = None):
        self.scene = scene
        self.label = label or scene.planner
        self.snaps: list = []
        self._trace = np.empty((1024, 9), dtype=np.float64)
        self._t = np.empty(1024, dtype=np.float64)      # contiguous copy of the time column
        self._cum = np.zeros(1024, dtype=np.float64)
        self.rows = 0
        self._idx_key = None
        self._idx = (0, 0.0)
        self.ended = False
        self.error: str | None = None
        self.reset()

    # -- input ---------------------------------------------------------------------------------
    def ingest(self, snap) -> None:
        """File one more snapshot (in run order)."""
        k = len(snap.trace)
        if k:
            need = self.rows + k
            if need > len(self._trace):
                cap = max(need, 2 * len(self._trace))
                self._trace = np.concatenate([self._trace, np.empty((cap - len(self._trace), 9))])
                self._t = np.concatenate([self._t, np.empty(cap - len(self._t))])
                self._cum = np.concatenate([self._cum, np.zeros(cap - len(self._cum))])
            self._trace[self.rows:need] = snap.trace
            self._t[self.rows:need] = snap.trace[:, 0]
            xy = self._trace[max(self.rows - 1, 0):need, 1:3]
            steps = np.hypot(np.diff(xy[:, 0]), np.diff(xy[:, 1]))
            base = self._cum[self.rows - 1] if self.rows else 0.0
            if self.rows:
                self._cum[self.rows:need] = base + np.cumsum(steps)
            else:
                self._cum[0] = 0.0
                self._cum[1:need] = np.cumsum(steps)
            self.rows = need
            self._idx_key = None
        self.snaps.append(snap)
        if snap.kind == "end":
            self.ended = True

    @property
    def trace(self) -> np.ndarray:
        """(rows, 9) trace rows received so far (read-only view)."""
        v = self._trace[:self.rows]
        v.flags.writeable = False
        return v

    @property
    def t_available(self) -> float:
        """Latest simulated time received [s] (0 before the first snapshot)."""
        return float(self._trace[self.rows - 1, 0]) if self.rows else 0.0

    @property
    def t_end(self) -> float | None:
        """Simulated time at which the run ended, or None while it is still running."""
        return self.t_available if self.ended else None

    @property
    def finished(self) -> bool:
        """True when the playback has reached the end of a finished run."""
        return self.ended and self.applied == len(self.snaps) and self.t_s >= self.t_available

    # -- playback ------------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to the start of the run (nothing applied, fog everywhere)."""
        shape = self.scene.height.shape
        self.seen = np.zeros(shape, dtype=np.uint8)
        """(rows, cols) 1 where the rover has seen the cell by :attr:`t_s`."""
        self.dirty: list[tuple[int, int, int, int]] = [(0, shape[0], 0, shape[1])]
        """Grid windows (r0, r1, c0, c1) whose fog changed since :meth:`take_dirty`."""
        self.applied = 0
        self.t_s = 0.0
        self.plan = np.empty((0, 2), dtype=np.int64)
        self.route = np.empty((0, 2), dtype=np.float64)
        self.flash = np.empty((0, 2), dtype=np.int64)
        """(K, 2) cells of the latest plan that were not in the plan before it."""
        self.flash_serial = 0
        """Counts replans that changed the plan (callers time the flash from its change)."""
        self.last_replan: tuple | None = None
        self.figures: dict = {}
        self.summary: dict | None = None
        self.leg = 0
        self.sun: tuple | None = None
        """(azimuth [deg], elevation [deg], local solar time [h] or NaN) of the Sun at
        :attr:`t_s`, for a run with a Sun; None without."""

    def seek(self, t_s: float) -> None:
        """Move the playback clock to ``t_s`` [s] (clamped to what has been received)."""
        t_s = min(max(float(t_s), 0.0), self.t_available)
        if t_s < self.t_s:
            self.reset()
        self.t_s = t_s
        while self.applied < len(self.snaps) and self.snaps[self.applied].t_s <= t_s:
            self._apply(self.snaps[self.applied])
            self.applied += 1

    def next_tick(self) -> float:
        """Time of the first trace row after the playback time (the step key's target)."""
        if not self.rows:
            return 0.0
        t = self._t[:self.rows]
        i = int(np.searchsorted(t, self.t_s, side="right"))
        return float(t[min(i, self.rows - 1)])

    def _apply(self, s) -> None:
        if len(s.seen):
            self.seen[s.seen[:, 0], s.seen[:, 1]] = 1
            r0, c0 = s.seen.min(axis=0)
            r1, c1 = s.seen.max(axis=0) + 1
            self.dirty.append((int(r0), int(r1), int(c0), int(c1)))
        if s.plan is not None:
            new = np.asarray(s.plan)
            if len(self.plan) and len(new):
                cols = self.seen.shape[1]
                fresh = ~np.isin(new[:, 0] * cols + new[:, 1], self.plan[:, 0] * cols + self.plan[:, 1])
                if fresh.any():
                    self.flash = new[fresh]
                    self.flash_serial += 1
            self.plan = new
            self.route = np.asarray(s.route) if s.route is not None else np.empty((0, 2))
        if s.replan is not None:
            self.last_replan = s.replan
        self.figures = dict(s.figures or {})
        self.leg = s.leg
        if getattr(s, "sun", None) is not None:
            self.sun = tuple(s.sun)
        if s.summary is not None:
            self.summary = dict(s.summary)

    def take_dirty(self) -> list[tuple[int, int, int, int]]:
        """The fog windows changed since the last call (and forget them)."""
        d, self.dirty = self.dirty, []
        return d

    # -- what to draw --------------------------------------------------------------------------
    def _index(self) -> tuple[int, float]:
        """(row at or before the playback time, fraction of the way to the next row)."""
        key = (self.t_s, self.rows)
        if self._idx_key == key:
            return self._idx
        t = self._t[:self.rows]
        i = int(np.searchsorted(t, self.t_s, side="right")) - 1
        i = min(max(i, 0), self.rows - 1)
        f = 0.0
        if i + 1 < self.rows and t[i + 1] > t[i]:
            f = min(max((self.t_s - t[i]) / (t[i + 1] - t[i]), 0.0), 1.0)
        self._idx_key, self._idx = key, (i, f)
        return i, f

    def pose(self) -> tuple[float, float, float] | None:
        """Interpolated (x [m], y [m], heading [rad]) at the playback time, None before data."""
        if not self.rows:
            return None
        i, f = self._index()
        a = self._trace[i]
        if f == 0.0:
            return float(a[1]), float(a[2]), float(a[3])
        b = self._trace[i + 1]
        dh = math.remainder(b[3] - a[3], 2 * math.pi)
        return (float(a[1] + f * (b[1] - a[1])), float(a[2] + f * (b[2] - a[2])),
                float(a[3] + f * dh))

    def driven(self) -> np.ndarray:
        """(k, 2) float64 (x, y) [m] of the path driven up to the playback time."""
        if not self.rows:
            return np.empty((0, 2))
        i, f = self._index()
        pts = self._trace[:i + 1, 1:3]
        if f > 0.0:
            p = self.pose()
            pts = np.vstack([pts, [[p[0], p[1]]]])
        return pts

    def row(self) -> np.ndarray | None:
        """The trace row at or before the playback time."""
        if not self.rows:
            return None
        return self._trace[self._index()[0]]

    def distance_m(self) -> float:
        """Distance driven up to the playback time [m]."""
        if not self.rows:
            return 0.0
        i, f = self._index()
        d = self._cum[i]
        if f > 0.0:
            d += f * (self._cum[i + 1] - self._cum[i])
        return float(d)
