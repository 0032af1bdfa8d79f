"""Small synthetic terrains and scenarios for the rover tests (no terrains package needed)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from rover.models import rover_preset
from rover.scenario import Hazard, MissionConfig, Scenario, TerrainConfig


def bumpy_terrain(size=(96, 96), cell=0.5, seed=0, n_bumps=12, n_rocks=25, tilt_deg=0.0,
                  bump_height=3.0):
    """Smooth Gaussian hills on an optional tilted plane, with rocks (x, y, diameter, height)."""
    rng = np.random.default_rng(seed)
    rows, cols = size
    y, x = (np.mgrid[0:rows, 0:cols] + 0.5) * cell
    z = np.tan(np.radians(tilt_deg)) * x
    for _ in range(n_bumps):
        cx, cy = rng.uniform(0, cols * cell), rng.uniform(0, rows * cell)
        s = rng.uniform(2.0, 6.0)
        a = rng.uniform(-bump_height, bump_height)
        z = z + a * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * s * s))
    rocks = np.column_stack([
        rng.uniform(0, cols * cell, n_rocks), rng.uniform(0, rows * cell, n_rocks),
        rng.uniform(0.2, 1.0, n_rocks), rng.uniform(0.1, 0.8, n_rocks),
    ])
    return SimpleNamespace(height=z.astype(np.float32), cell_size=cell, rocks=rocks,
                           craters=np.empty((0, 4)),
                           body=SimpleNamespace(name="mars", gravity_mps2=3.71))


def scenario(start, goal, *, size=(96, 96), cell=0.5, rover="generic", waypoints=(),
             hazards=(), seed=0, **mission):
    spec = rover if not isinstance(rover, str) else rover_preset(rover)
    return Scenario(
        name="test", description="", seed=seed,
        terrain=TerrainConfig(body="mars", preset=None, size=size, cell_size_m=cell),
        rover=spec,
        mission=MissionConfig(start=start, goal=goal, waypoints=tuple(waypoints), **mission),
        hazards=tuple(Hazard(f"h{i}", tuple(p)) for i, p in enumerate(hazards)),
    )
