"""Slow, obviously right references for the terrain kernels (pure Python / plain numpy)."""

from __future__ import annotations

import math

import numpy as np

EJECTA = 1.5


def crater_profile(r: float, depth: float, rim: float) -> float:
    """Height added at ``r`` crater radii from the centre (see terrains._kernels)."""
    if r < 1.0:
        return rim - depth + depth * r * r
    if r < EJECTA:
        return rim * (r ** -3 - EJECTA ** -3) / (1.0 - EJECTA ** -3)
    return 0.0


def stamp_craters(z, cell, craters):
    """Every cell against every crater: craters is (N, 5) x, y, D, depth, rim."""
    out = z.astype(np.float64).copy()
    rows, cols = z.shape
    for x, y, d, depth, rim in craters:
        for r in range(rows):
            for c in range(cols):
                dist = math.hypot((c + 0.5) * cell - x, (r + 0.5) * cell - y)
                out[r, c] += crater_profile(dist / (d / 2), depth, rim)
    return out


def stamp_rocks(z, cell, rocks):
    """Every cell against every rock: rocks is (M, 4) x, y, D, height."""
    out = z.astype(np.float64).copy()
    rows, cols = z.shape
    for x, y, d, h in rocks:
        for r in range(rows):
            for c in range(cols):
                q = math.hypot((c + 0.5) * cell - x, (r + 0.5) * cell - y) / (d / 2)
                if q < 1.0:
                    out[r, c] += h * math.sqrt(1.0 - q * q)
    return out


def structure_mean_square(z, lag):
    """Mean squared difference at ``lag`` cells along both axes, all pairs inside the grid."""
    z = z.astype(np.float64)
    parts = []
    if lag < z.shape[1]:
        parts.append(((z[:, lag:] - z[:, :-lag]) ** 2).ravel())
    if lag < z.shape[0]:
        parts.append(((z[lag:] - z[:-lag]) ** 2).ravel())
    return float(np.concatenate(parts).mean())
