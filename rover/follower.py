"""Path smoothing for the follower: line-of-sight shortcuts over a planner's cell path.

The run loop (:mod:`rover.sim`) follows the polyline these functions produce. A rover that
can turn in place turns toward the next vertex when it is more than 10 degrees off and
drives straight at it otherwise (slowing to stop at sharp corners and never further than the
known-drivable ground ahead allows). A rover that cannot (``steering = "ackermann"``) uses
pure pursuit: it steers along the arc through a point one turn radius ahead on the path,
its curvature held to ``1 / min_turn_radius``, preferring among arcs from full left to full
right lock the one nearest that arc which stays on drivable ground for a quarter turn; it
slows on tight arcs but never stops to turn (at rest it could not), creeping on instead.
Either way every step passes a safety check against the known map. The compiled
kernels live in :mod:`rover._drive`; these wrappers validate and are handy for drawing.

A cell is *drivable* when it has been seen and its known cost is finite. A shortcut segment
may only touch drivable cells no costlier than the dearest cell of the path it replaces, and
a segment through a cell corner touches all the cells around that corner.
"""

from __future__ import annotations

import math

import numpy as np

from rover import _drive

__all__ = ["smooth_path", "segment_clear"]


def _grids(known, seen):
    k = np.ascontiguousarray(known, dtype=np.float64)
    if k.ndim != 2:
        raise ValueError(f"known must be a 2-D cost grid, got shape {k.shape}")
    s = np.ones(k.shape, dtype=np.uint8) if seen is None else np.ascontiguousarray(seen, dtype=np.uint8)
    if s.shape != k.shape:
        raise ValueError(f"seen must have the cost grid's shape {k.shape}, got {s.shape}")
    return k, s


def segment_clear(p0, p1, known, cell_size: float, *, seen=None, max_cost: float = math.inf) -> bool:
    """True when the segment ``p0``-``p1`` ((x, y) [m]) touches only drivable cells whose
    known cost is at most ``max_cost``. ``seen`` (bool-like, the grid's shape) defaults to
    all seen."""
    k, s = _grids(known, seen)
    return bool(_drive._segment_ok(float(p0[0]), float(p0[1]), float(p1[0]), float(p1[1]), k, s,
                                   float(cell_size), float(max_cost)))


def smooth_path(cells, start_xy, goal_xy, known, cell_size: float, *, seen=None,
                max_length_m: float = math.inf) -> np.ndarray:
    """The polyline the rover drives for a planned cell path.

    Parameters
    ----------
    cells : array_like
        (N, 2) int row/col, the rover's cell first and the target's cell last (``Plan.path``).
    start_xy, goal_xy : (float, float)
        The rover's position and the exact target point [m] (inside the first and last cells).
    known : numpy.ndarray
        (rows, cols) known cost grid (>= 1, ``inf`` impassable).
    cell_size : float
        Cell edge [m].
    seen : array_like, optional
        Seen mask; default all seen.
    max_length_m : float
        Only the first this-many metres are shortcut; cell centres are kept beyond.

    Returns
    -------
    numpy.ndarray
        (M, 2) float64 vertices (x, y) [m] from ``start_xy`` to ``goal_xy``.
    """
    k, s = _grids(known, seen)
    c = np.ascontiguousarray(cells, dtype=np.int64)
    if c.ndim != 2 or c.shape[1] != 2 or len(c) == 0:
        raise ValueError(f"cells must have shape (N, 2) with N >= 1, got {c.shape}")
    rows, cols = k.shape
    if (c[:, 0] < 0).any() or (c[:, 0] >= rows).any() or (c[:, 1] < 0).any() or (c[:, 1] >= cols).any():
        raise ValueError(f"cells must lie inside the cost grid of shape {k.shape}")
    out = np.empty((len(c) + 2, 2), dtype=np.float64)
    n = _drive._smooth(c, len(c), float(start_xy[0]), float(start_xy[1]), float(goal_xy[0]),
                       float(goal_xy[1]), k, s, float(cell_size), float(max_length_m), out)
    return out[:n].copy()
