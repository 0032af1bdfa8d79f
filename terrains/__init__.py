"""Procedural Moon and Mars terrain that matches the planetary literature, measured back.

Make a terrain, measure it, draw it::

    >>> import terrains
    >>> t = terrains.generate(preset="mars-jezero", size=128, seed=7)
    >>> t.shape, t.extent_m
    ((128, 128), (64.0, 64.0))
    >>> s = terrains.stats(t)
    >>> sorted(s["rocks"])[:3]
    ['count', 'cover', 'cover_listed']
    >>> terrains.render_rgb(t).shape
    (128, 128, 3)

Conventions (DESIGN.md): ``height[row, col]`` with cell centres at
``x = (col + 0.5) * cell_size`` east and ``y = (row + 0.5) * cell_size`` north (row 0 = south);
images come out north up. Every random stream is its own generator spawned from the seed.

Public API: :func:`generate`, :class:`Terrain`, :class:`Body`, :class:`Preset`, :func:`bodies`,
:func:`presets`, :func:`parameters`, :func:`stats`, :func:`save`, :func:`load`,
:func:`load_heightmap` (real DEMs: GeoTIFF, PDS3 .IMG, with their georeferencing,
no-data cells and windows; needs rasterio), :func:`dem_info`, :class:`DemInfo`,
:class:`GeoRef` (a DEM terrain's place on its body), :func:`hillshade`, :func:`render_rgb`,
:func:`draw_scale_bar`, :func:`write_png`, :func:`read_png`; the Sun: :func:`sun_position`,
:func:`subsolar_point`, :func:`sun_distance_au`, :func:`local_solar_time`, :func:`parse_utc`,
:func:`sun_track`; shadows: :func:`shadow`, :func:`horizon_map`, :func:`illumination`. The
numba kernels compile (or load from cache) on first use, not on import. :mod:`terrains.files`
writes files whole or not at all (shared with ``rover``).
"""

from __future__ import annotations

from terrains._generate import check_parameters, generate
from terrains._dem import DemInfo
from terrains._georef import MAX_DISTORTION, GeoRef
from terrains._io import (HeightmapError, dem_info, distortion_message, heightmap_shape, load,
                          load_heightmap, save)
from terrains._model import Body, ParameterError, Terrain, bodies, parameters
from terrains._presets import Preset, presets
from terrains._render import draw_scale_bar, hillshade, render_rgb
from terrains._shadow import HorizonMap, horizon_map, illumination, shadow, sun_track
from terrains._stats import stats
from terrains._sun import (SUN_BODIES, local_solar_time, parse_utc, subsolar_point,
                           sun_distance_au, sun_position)

__all__ = [
    "generate", "check_parameters", "ParameterError", "Terrain", "Body", "Preset", "bodies",
    "presets", "parameters", "stats",
    "save", "load", "load_heightmap", "heightmap_shape", "HeightmapError", "dem_info", "DemInfo",
    "GeoRef", "MAX_DISTORTION", "distortion_message", "hillshade", "render_rgb",
    "draw_scale_bar", "write_png", "read_png",
    "sun_position", "subsolar_point", "sun_distance_au", "local_solar_time", "parse_utc",
    "SUN_BODIES", "shadow", "horizon_map", "HorizonMap", "illumination", "sun_track",
]


def __getattr__(name: str):
    # The PNG module defines a numba kernel; import it only when a PNG is actually used.
    if name in ("write_png", "read_png"):
        from terrains import _png

        return getattr(_png, name)
    raise AttributeError(f"module 'terrains' has no attribute {name!r}")


def __dir__():
    # write_png and read_png are in __all__ but not yet in globals (loaded on first use); the
    # rest are in both, and each name is listed once.
    return sorted(set(globals()) | set(__all__))
