"""Where a terrain lies on its body: :class:`GeoRef`, made by the DEM reader (:mod:`terrains._dem`).

A terrain's own coordinates are metres from its south-west corner (``x`` east, ``y`` north,
DESIGN.md). A terrain read from a georeferenced DEM also knows the map coordinates of that
corner in the DEM's coordinate reference system (CRS), and so the latitude and longitude of
every point. Nothing here imports rasterio at module level: only the conversions of a
*projected* CRS to latitude and longitude need PROJ, and they import rasterio when called
(a terrain that has a projected GeoRef was read with rasterio, so it is installed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["GeoRef", "BODY_RADIUS_M", "IAU_BODY_CODES", "MAX_DISTORTION"]

BODY_RADIUS_M = {"moon": 1_737_400.0, "mars": 3_396_190.0, "phobos": 11_080.0}
"""Reference sphere radius [m] of each body the package knows (IAU 2015 / the radii HiRISE,
CTX and LOLA products are projected on); used to recognise a body from a CRS that names no
authority code, and for a geographic CRS whose own radius cannot be read."""

IAU_BODY_CODES = {301: "moon", 499: "mars", 401: "phobos"}
"""NAIF body number -> body name. An IAU planetary CRS code is the body number times 100
plus a variant (``IAU_2015:30100`` the Moon's sphere, ``IAU_2015:49910`` Mars equirectangular)."""

MAX_DISTORTION = 0.01
"""Largest east-west scale error [-] a run accepts when a DEM in a geographic CRS (degrees)
is turned into a square metre grid by the equirectangular approximation about its window's
centre: ``|cos(lat) / cos(lat_centre) - 1|`` at the window's northern and southern edges.
1 % allows a window 16.2 degrees of latitude tall at the equator (490 km on the Moon),
1.14 degrees at 45 degrees of latitude (68 km on Mars) and 0.2 degree at 80 (12 km on Mars,
6 km on the Moon); past it, reproject the DEM to a projected CRS first
(``gdalwarp -t_srs``), e.g. polar stereographic near a pole."""


@dataclass(frozen=True)
class GeoRef:
    """The place of a terrain grid on its body: its CRS, its south-west corner, its centre.

    Built by :func:`terrains.load_heightmap` (as ``Terrain.georef``) and
    :func:`terrains.dem_info` from a DEM's georeferencing; terrain coordinates ``(x, y)`` [m]
    are from the grid's south-west corner, as everywhere in the package.

    Two kinds of CRS:

    - **projected** (metres): map coordinates are ``(x0 + x, y0 + y)`` exactly; latitude and
      longitude come from PROJ (through rasterio) on the CRS's own body shape.
    - **geographic** (degrees): the grid is the equirectangular approximation about the
      window's centre, ``x = R cos(lat_c) (lon - lon_west)``, ``y = R (lat - lat_south)``
      (radians), which is exact north-south and off east-west by :attr:`scale_error` at the
      window's northern and southern edges.

    Latitudes are those of the CRS (planetocentric on the spheres the IAU codes, HiRISE, CTX
    and LOLA products use), longitudes east-positive, both in degrees.
    """

    crs: str
    """Short name of the CRS: its authority code (``"IAU_2015:30100"``) or its WKT name."""
    crs_wkt: str
    """The CRS as WKT (what PROJ needs to convert coordinates)."""
    body: str | None
    """Body named by the CRS (authority code, datum name or radius), None when it names none."""
    radius_m: float
    """Radius [m] of the CRS's sphere (semi-major axis of an ellipsoid)."""
    geographic: bool
    """True for a CRS in degrees (converted by the equirectangular approximation)."""
    origin: tuple[float, float]
    """Map coordinates of the grid's south-west corner: (easting, northing) [m] for a
    projected CRS, (longitude, latitude) [deg] for a geographic one."""
    cell_size: float
    """Edge of one grid cell [m]."""
    shape: tuple[int, int]
    """(rows, cols) of the grid."""
    center_lat_deg: float
    """Latitude of the grid's centre [deg]."""
    center_lon_deg: float
    """Longitude of the grid's centre [deg], east-positive."""
    scale_error: float = 0.0
    """Largest east-west scale error of the equirectangular approximation within the grid
    [-] (0 for a projected CRS, whose map coordinates are used as they are)."""
    source_cell: tuple[float, float] = (0.0, 0.0)
    """The DEM's own cell (east-west, north-south) [m] at the grid's centre, before any
    resampling to square cells."""

    # -- conversions ------------------------------------------------------------------------
    @property
    def extent_m(self) -> tuple[float, float]:
        """(width east, height north) of the grid [m]."""
        return (self.shape[1] * self.cell_size, self.shape[0] * self.cell_size)

    def _cos_c(self) -> float:
        return math.cos(math.radians(self.center_lat_deg))

    def map_xy(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """Terrain ``(x, y)`` [m] -> map coordinates of the CRS ((easting, northing) [m], or
        (longitude, latitude) [deg] for a geographic CRS); arrays of the inputs' shape."""
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        if self.geographic:
            lon = self.origin[0] + np.degrees(x / (self.radius_m * self._cos_c()))
            lat = self.origin[1] + np.degrees(y / self.radius_m)
            return lon, lat
        return self.origin[0] + x, self.origin[1] + y

    def latlon(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """Terrain ``(x, y)`` [m] -> (latitude, longitude) [deg]; arrays of the inputs' shape.

        Examples
        --------
        A 3 km x 2 km grid of 100 m cells on the Moon, in degrees, its south-west corner at
        1 S 10 E (its centre at 0.967 S, 10.049 E):

        >>> g = GeoRef(crs="IAU_2015:30100", crs_wkt="", body="moon", radius_m=1737400.0,
        ...            geographic=True, origin=(10.0, -1.0), cell_size=100.0, shape=(20, 30),
        ...            center_lat_deg=-0.967021, center_lon_deg=10.049474)
        >>> lat, lon = g.latlon(0.0, 0.0)
        >>> round(float(lat), 6), round(float(lon), 6)
        (-1.0, 10.0)
        >>> x, y = g.xy(-1.0, 10.0)
        >>> round(float(x), 6), round(float(y), 6)
        (0.0, 0.0)
        """
        mx, my = self.map_xy(x, y)
        if self.geographic:
            return my, mx
        lon, lat = _transform(self.crs_wkt, self._lonlat_crs(), mx, my)
        return lat, lon

    def xy(self, lat, lon) -> tuple[np.ndarray, np.ndarray]:
        """(latitude, longitude) [deg] -> terrain ``(x, y)`` [m] (the inverse of :meth:`latlon`).
        A longitude is taken modulo 360 to the turn nearest the grid's centre."""
        lat = np.asarray(lat, dtype=np.float64)
        lon = np.asarray(lon, dtype=np.float64)
        lon = self.center_lon_deg + (lon - self.center_lon_deg + 180.0) % 360.0 - 180.0
        if self.geographic:
            x = np.radians(lon - self.origin[0]) * self.radius_m * self._cos_c()
            y = np.radians(lat - self.origin[1]) * self.radius_m
            return x, y
        mx, my = _transform(self._lonlat_crs(), self.crs_wkt, lon, lat)
        return np.asarray(mx) - self.origin[0], np.asarray(my) - self.origin[1]

    def _lonlat_crs(self) -> str:
        """The geographic CRS on the same body shape, as PROJ text."""
        return lonlat_proj(self.crs_wkt)

    def describe(self) -> str:
        """One line: CRS, body, centre and (geographic) the approximation's scale error."""
        where = (f"{self.crs} ({self.body or 'body not named by the CRS'}), centre "
                 f"{self.center_lat_deg:.5f} N {self.center_lon_deg:.5f} E")
        if self.geographic:
            where += (f"; degrees converted to metres about the centre (equirectangular, "
                      f"east-west scale off by up to {100 * self.scale_error:.2g} %)")
        return where


def lonlat_proj(crs_wkt: str) -> str:
    """PROJ text of the longitude/latitude CRS on the body shape of ``crs_wkt``."""
    from rasterio.crs import CRS  # only a projected GeoRef gets here: rasterio read its DEM

    d = CRS.from_wkt(crs_wkt).to_dict()
    if "R" in d:
        return f"+proj=longlat +R={d['R']} +no_defs"
    if "a" in d:
        b = d.get("b", d["a"] if "rf" not in d else d["a"] * (1 - 1 / d["rf"]))
        return f"+proj=longlat +a={d['a']} +b={b} +no_defs"
    if "ellps" in d:
        return f"+proj=longlat +ellps={d['ellps']} +no_defs"
    raise ValueError(f"cannot tell the body shape of CRS {d}")


def _transform(src: str, dst: str, xs, ys) -> tuple[np.ndarray, np.ndarray]:
    from rasterio.crs import CRS
    from rasterio.warp import transform

    xs = np.asarray(xs, dtype=np.float64)
    ys = np.asarray(ys, dtype=np.float64)
    shape = np.broadcast(xs, ys).shape
    fx, fy = np.broadcast_to(xs, shape).ravel(), np.broadcast_to(ys, shape).ravel()

    def crs(text):
        return CRS.from_wkt(text) if not text.startswith("+") else CRS.from_proj4(text)

    ox, oy = transform(crs(src), crs(dst), fx.tolist(), fy.tolist())
    return np.asarray(ox).reshape(shape), np.asarray(oy).reshape(shape)
