"""Cast shadows, horizon maps and illumination over time: validating wrappers around the
kernels in :mod:`terrains._shadow_kernels` (numba compiles them on first use)."""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass

import numpy as np

from terrains._model import ParameterError

__all__ = ["shadow", "horizon_map", "HorizonMap", "illumination", "sun_track"]


def _grid(height, cell_size) -> tuple[np.ndarray, float]:
    z = np.asarray(height)
    if z.ndim != 2 or z.shape[0] < 1 or z.shape[1] < 1:
        raise ValueError(f"height must be a 2-d array, got shape {z.shape}")
    if not np.issubdtype(z.dtype, np.number) or np.issubdtype(z.dtype, np.complexfloating):
        raise ValueError(f"height must hold real numbers, got dtype {z.dtype}")
    z = np.ascontiguousarray(z, dtype=np.float32)
    if not np.isfinite(z).all():
        raise ValueError("height holds NaN or infinite values")
    try:
        cell = float(cell_size)
    except (TypeError, ValueError):
        raise ValueError(f"cell_size must be a number of metres, got {cell_size!r}") from None
    if not (math.isfinite(cell) and cell > 0):
        raise ValueError(f"cell_size must be > 0 metres, got {cell_size!r}")
    return z, cell


def _work_length(shape) -> int:
    """Scratch length of the kernels: more than a line's grid crossings (rows + cols)."""
    return 2 * (shape[0] + shape[1]) + 8


def _angle(value, name: str, lo: float | None = None, hi: float | None = None) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number of degrees, got {value!r}") from None
    if not math.isfinite(x) or (lo is not None and not lo <= x <= hi):
        span = f" within [{lo:g}, {hi:g}]" if lo is not None else ""
        raise ValueError(f"{name} must be a finite number of degrees{span}, got {value!r}")
    return x


def shadow(height, cell_size, azimuth_deg, elevation_deg) -> np.ndarray:
    """Cast shadow: the cells whose centre cannot see the Sun's centre over the terrain.

    A wrapper around a numba kernel that sweeps the grid along the Sun's azimuth
    (:mod:`terrains._shadow_kernels` has the method): O(rows x cols), a quarter of a cell of
    error across the Sun's direction at most, whatever the length of the shadows. Ground that
    merely faces away from the Sun is in shadow too (its own slope rises above the ray).

    Parameters
    ----------
    height : array_like
        Heights [m], shape (rows, cols), grid order (row 0 = south edge); read as float32.
    cell_size : float
        Cell edge [m].
    azimuth_deg : float
        Direction of the Sun, clockwise from north [deg] (0 = towards increasing rows).
    elevation_deg : float
        The Sun's elevation in [-90, 90] [deg]. At 0 and below every cell is in shadow (the
        ground beyond the grid is taken as the plane; the body's curvature is not modelled).

    Returns
    -------
    ndarray
        bool (rows, cols), True in shadow. Nothing beyond the grid casts a shadow.

    Examples
    --------
    >>> import numpy as np
    >>> z = np.zeros((5, 9), np.float32); z[:, 2] = 1.0      # a wall 1 m high along col 2
    >>> shadow(z, 1.0, 270.0, 30.0)[2].astype(int)           # Sun in the west (low cols)
    array([0, 0, 0, 1, 0, 0, 0, 0, 0])
    >>> shadow(z, 1.0, 270.0, 20.0)[2].astype(int)           # lower: tan 20 deg x 2 m < 1 m
    array([0, 0, 0, 1, 1, 0, 0, 0, 0])
    """
    z, cell = _grid(height, cell_size)
    az = _angle(azimuth_deg, "azimuth_deg")
    el = _angle(elevation_deg, "elevation_deg", -90.0, 90.0)
    if el <= 0.0:
        return np.ones(z.shape, dtype=bool)
    out = np.zeros(z.shape, dtype=np.uint8)
    if el < 90.0:
        from terrains._shadow_kernels import cast_shadow

        cast_shadow(z, cell, math.radians(az % 360.0), math.tan(math.radians(el)), out,
                    np.empty((6, _work_length(z.shape))))
    return out.view(bool)


@dataclass(frozen=True)
class HorizonMap:
    """The horizon's elevation seen from every cell, at evenly spaced azimuths.

    ``tangent`` is float32 (n_azimuths, rows, cols): the tangent of the horizon's elevation
    (never below 0: beyond the grid the plane) towards ``azimuths_deg[k] = k * 360 / n``
    [deg clockwise from north]. A Sun at (az, el) lights a cell when tan(el) is above the
    horizon's tangent interpolated linearly between the two nearest azimuths; with 36 or
    more azimuths this agrees with :func:`shadow` except along shadow edges.
    """

    azimuths_deg: np.ndarray
    tangent: np.ndarray

    def elevation_deg(self) -> np.ndarray:
        """The horizon's elevation [deg], float32 (n_azimuths, rows, cols)."""
        return np.degrees(np.arctan(self.tangent)).astype(np.float32)

    def shadow(self, azimuth_deg, elevation_deg) -> np.ndarray:
        """bool (rows, cols): True where the Sun at (azimuth_deg, elevation_deg) is hidden."""
        az = _angle(azimuth_deg, "azimuth_deg")
        el = _angle(elevation_deg, "elevation_deg", -90.0, 90.0)
        return ~(_lit_counts(self, np.array([az]), np.array([el])) > 0)


def horizon_map(height, cell_size, n_azimuths: int = 36) -> HorizonMap:
    """Horizon elevation per cell per azimuth: a whole day of shadows from one computation.

    Parameters
    ----------
    height, cell_size
        As for :func:`shadow`.
    n_azimuths : int
        Number of azimuths, evenly spaced from north (at least 4).

    Returns
    -------
    HorizonMap
        Its ``tangent`` array takes ``4 * n_azimuths`` bytes a cell.

    Examples
    --------
    >>> import numpy as np
    >>> z = np.zeros((5, 9), np.float32); z[:, 2] = 1.0
    >>> h = horizon_map(z, 1.0, n_azimuths=4)                # N, E, S, W
    >>> [round(float(x), 3) for x in h.elevation_deg()[3, 2, 2:6]]  # looking west
    [0.0, 45.0, 26.565, 18.435]
    """
    z, cell = _grid(height, cell_size)
    if isinstance(n_azimuths, bool) or not isinstance(n_azimuths, (int, np.integer)) \
            or n_azimuths < 4:
        raise ValueError(f"n_azimuths must be an integer >= 4, got {n_azimuths!r}")
    from terrains._shadow_kernels import horizon

    n = int(n_azimuths)
    tangent = np.empty((n,) + z.shape, dtype=np.float32)
    work = np.empty((12, _work_length(z.shape)))
    azimuths = np.arange(n) * (360.0 / n)
    for k in range(n):
        horizon(z, cell, math.radians(azimuths[k]), tangent[k], work)
    return HorizonMap(azimuths, tangent)


def _lit_counts(hmap: HorizonMap, az_deg, el_deg) -> np.ndarray:
    from terrains._shadow_kernels import lit_fraction

    out = np.zeros(hmap.tangent.shape[1:], dtype=np.float64)
    el = np.asarray(el_deg, dtype=np.float64)
    tan_el = np.where(el >= 90.0, np.inf, np.tan(np.radians(np.minimum(el, 89.999999))))
    tan_el = np.where(el <= 0.0, -1.0, tan_el)
    lit_fraction(hmap.tangent, np.radians(np.asarray(az_deg, dtype=np.float64)), tan_el, out)
    return out


def illumination(height, cell_size, azimuth_deg, elevation_deg, *, horizons=None,
                 n_azimuths: int = 72) -> np.ndarray:
    """Fraction of the given Sun positions that light each cell.

    Parameters
    ----------
    height, cell_size
        As for :func:`shadow`.
    azimuth_deg, elevation_deg : array_like
        Sun positions [deg], shape (n,), e.g. from :func:`sun_track` over a lunar day or a
        year: equally spaced times give the fraction of that time.
    horizons : HorizonMap, optional
        A horizon map of this grid (else one is made with ``n_azimuths``).

    Returns
    -------
    ndarray
        float64 (rows, cols) in [0, 1]; 0 is ground that the Sun never lit over the
        period: permanently shadowed, if the period covers the Sun's whole range.
    """
    z, cell = _grid(height, cell_size)
    az = np.asarray(azimuth_deg, dtype=np.float64).ravel()
    el = np.asarray(elevation_deg, dtype=np.float64).ravel()
    if az.shape != el.shape or az.size == 0:
        raise ValueError(f"azimuth_deg and elevation_deg must be the same non-empty length, "
                         f"got {az.size} and {el.size}")
    if not (np.isfinite(az).all() and np.isfinite(el).all()):
        raise ValueError("Sun positions must be finite")
    if horizons is None:
        horizons = horizon_map(z, cell, n_azimuths)
    elif horizons.tangent.shape[1:] != z.shape:
        raise ValueError(f"horizons are for a grid of shape {horizons.tangent.shape[1:]}, "
                         f"height has shape {z.shape}")
    return _lit_counts(horizons, az, el) / az.size


def sun_track(body, lat_deg, lon_deg, start, end, step_s: float):
    """The Sun's path over a site from ``start`` to ``end`` (inclusive) every ``step_s``.

    Returns (times, azimuth_deg, elevation_deg): a list of UTC datetimes and two float64
    arrays, from :func:`terrains.sun_position`.
    """
    from terrains._sun import parse_utc, sun_position

    t0 = parse_utc(start, name="start")
    t1 = parse_utc(end, name="end")
    step = float(step_s)
    if not (math.isfinite(step) and step > 0):
        raise ParameterError("step_s", f"step_s must be > 0 seconds, got {step_s!r}")
    if t1 < t0:
        raise ParameterError("end", f"end {t1.isoformat()} is before start {t0.isoformat()}")
    n = int((t1 - t0).total_seconds() // step) + 1
    times = [t0 + _dt.timedelta(seconds=i * step) for i in range(n)]
    pos = np.array([sun_position(body, lat_deg, lon_deg, t) for t in times], dtype=np.float64)
    return times, pos[:, 0], pos[:, 1]
