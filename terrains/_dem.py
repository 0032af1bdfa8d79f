"""Georeferenced DEMs: GeoTIFF, PDS3 ``.IMG`` and any raster GDAL reads, through rasterio.

What the file says is used, not guessed: the cell size comes from its geotransform, heights
from its scale and offset, its no-data cells become a mask, its CRS names the body, and only
the window asked for is read (rasterio windowed reads), so memory follows the window and not
the file. :func:`dem_plan` reads the header alone and works out the grid a window gives
(shape, cell size, :class:`~terrains.GeoRef`): scenarios check their points against it
without reading heights. :func:`read_dem` reads the heights. rasterio is imported inside the
functions, so that nothing else in the package needs it.

Grid orientation: row 0 is the southern edge (DESIGN.md), so a north-up file's rows are
flipped; a file stored south-up is not; columns run west to east.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from terrains._georef import BODY_RADIUS_M, IAU_BODY_CODES, GeoRef

__all__ = ["DemInfo", "dem_plan", "read_dem", "RASTER_EXTRA", "MAX_NODATA_SHARE",
           "MAX_RESAMPLE_RATIO", "WINDOW_KEYS"]

RASTER_EXTRA = "pip install 'planetary-rover-nav[geotiff]'"
"""How to get rasterio, the optional package DEMs are read with."""

MAX_NODATA_SHARE = 0.5
"""A window with more than this share of no-data cells is refused: most of it is no ground."""

MAX_RESAMPLE_RATIO = 8.0
"""Non-square cells (a geographic DEM away from the equator, or a projected one with
unequal pixel sides) are resampled to square cells of the shorter side along the other axis,
by linear interpolation, when the sides differ by at most this factor; past it the DEM is
refused (reproject it with ``gdalwarp -tr``)."""

WINDOW_KEYS = ("center", "center_lat", "center_lon", "size_m")
"""Keys of a window: ``{"center": [x, y], "size_m": [w, h]}`` in the DEM's projected map
coordinates [m], or ``{"center_lat": .., "center_lon": .., "size_m": [w, h]}`` [deg, m]."""

_SQUARE_TOL = 1e-6  # relative difference of two cell sides still called square


class DemError(ValueError):
    """Base for the reader's errors (re-raised as :class:`terrains.HeightmapError`)."""


@dataclass(frozen=True)
class DemInfo:
    """What a DEM's header says, and the grid a window of it gives (no heights read).

    Made by :func:`terrains.dem_info`; ``rover terrain --info FILE`` prints it.
    """

    path: Path
    width: int
    """Columns of the whole file [pixels]."""
    height: int
    """Rows of the whole file [pixels]."""
    dtype: str
    """Stored data type (``"int16"``, ``"float32"``...)."""
    driver: str
    """GDAL driver (``"GTiff"``, ``"PDS"``...)."""
    crs: str | None
    """Short CRS name, None without georeferencing."""
    body: str | None
    """Body named by the CRS, None when it names none."""
    pixel_size: tuple[float, float]
    """(east-west, north-south) pixel size in the CRS's units (metres or degrees)."""
    units: str
    """``"m"``, ``"deg"`` or ``"pixels"`` (no georeferencing)."""
    bounds: tuple[float, float, float, float]
    """(west, south, east, north) of the whole file in the CRS's units."""
    scale: float
    """Metres per stored unit of height (the file's scale, 1 when it has none)."""
    offset: float
    """Height [m] of a stored 0 (the file's offset)."""
    nodata: float | None
    """The stored no-data value, None when the file declares none."""
    grid_shape: tuple[int, int]
    """(rows, cols) of the terrain grid the window gives (after any resampling)."""
    cell_size: float | None
    """Terrain cell edge [m] (None without georeferencing: the caller gives it)."""
    window_pixels: tuple[int, int, int, int]
    """(col_off, row_off, width, height) of the window in the file's pixels."""
    georef: GeoRef | None = None
    """The window's place on its body (None without georeferencing)."""
    latlon_bounds: tuple[float, float, float, float] | None = None
    """(south, north, west, east) [deg] of the whole file, None without georeferencing."""
    extent_m: tuple[float, float] | None = None
    """(width, height) [m] of the whole file (at the centre's latitude for degrees)."""
    nodata_share: float | None = None
    """Share of no-data cells in the whole file (counted block by block when asked for)."""
    resample: tuple[int, int] | None = field(default=None, repr=False)
    """(axis, new length) when the cells are resampled to square ones, else None."""
    transform: tuple = field(default=(1.0, 0.0, 0.0, 0.0, -1.0, 0.0), repr=False)
    """The file's geotransform (a, b, c, d, e, f); its signs say how rows and columns run."""


# --------------------------------------------------------------------------------------------
# Opening and the header


def _rasterio(path: Path):
    try:
        import rasterio
    except ImportError:
        what = "GeoTIFF" if path.suffix.lower() in (".tif", ".tiff") else "a raster DEM"
        raise DemError(f"{path}: reading {what} needs the optional package rasterio "
                       f"({RASTER_EXTRA}), or export the DEM as .npy or a 16-bit grayscale "
                       "PNG") from None
    return rasterio


def _open(path: Path):
    rasterio = _rasterio(path)
    from rasterio.errors import NotGeoreferencedWarning

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            return rasterio.open(path)
    except Exception as exc:  # rasterio raises its own error types, all meaning "not a raster"
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        first = first.replace(f"'{path}' ", "").replace(str(path), "the file")  # named once
        raise DemError(f"{path}: not a raster GDAL can read ({first}); a heightmap is a .npy "
                       "array, a 16-bit grayscale .png, or a raster such as a GeoTIFF or PDS3 "
                       ".IMG DTM") from None


def _crs_body(crs) -> tuple[str | None, float | None, str]:
    """(body, radius [m], short name) of a rasterio CRS."""
    auth = None
    try:
        auth = crs.to_authority()
    except Exception:  # noqa: BLE001 - a CRS PROJ cannot match to an authority
        auth = None
    name = f"{auth[0]}:{auth[1]}" if auth else _wkt_name(crs.to_wkt())
    d = {}
    try:
        d = crs.to_dict()
    except Exception:  # noqa: BLE001
        d = {}
    radius = d.get("R") or d.get("a")
    body = None
    if auth and auth[0].upper().startswith("IAU") and auth[1].isdigit():
        body = IAU_BODY_CODES.get(int(auth[1]) // 100)
    if body is None:
        wkt = crs.to_wkt().lower()
        for b in ("mars", "moon", "phobos"):
            if b in wkt or (b == "moon" and "lunar" in wkt):
                body = b
                break
    if body is None and radius:
        for b, r in BODY_RADIUS_M.items():
            if abs(float(radius) / r - 1.0) < 0.005:
                body = b
                break
    return body, (float(radius) if radius else None), name


def _wkt_name(wkt: str) -> str:
    i = wkt.find('"')
    j = wkt.find('"', i + 1)
    return wkt[i + 1:j] if 0 <= i < j else "unnamed CRS"


@dataclass(frozen=True)
class _Header:
    path: Path
    width: int
    height: int
    dtype: str
    driver: str
    transform: tuple  # (a, b, c, d, e, f)
    crs: Any
    crs_name: str | None
    body: str | None
    radius_m: float | None
    geographic: bool
    georeferenced: bool
    nodata: float | None
    scale: float
    offset: float


def _header(src, path: Path) -> _Header:
    t = src.transform
    crs = src.crs
    geo = crs is not None and not t.is_identity
    body = radius = name = None
    geographic = False
    if geo:
        body, radius, name = _crs_body(crs)
        geographic = bool(crs.is_geographic)
        if not geographic:
            units = (crs.linear_units or "").lower()
            if units not in ("metre", "meter", "m", "metres", "meters"):
                raise DemError(f"{path}: its projected CRS {name} is in {units or 'unknown units'}, "
                               "not metres: reproject it with gdalwarp -t_srs to a CRS in metres")
        if t.b != 0 or t.d != 0:
            raise DemError(f"{path}: its grid is rotated (geotransform {tuple(t)[:6]}): make it "
                           "north-up with gdalwarp first")
        if geographic and radius is None:
            radius = BODY_RADIUS_M.get(body) if body else None
            if radius is None:
                raise DemError(f"{path}: its geographic CRS {name} gives no body radius to turn "
                               "degrees into metres; reproject it with gdalwarp -t_srs")
    scale = float(src.scales[0]) if src.scales and src.scales[0] else 1.0
    offset = float(src.offsets[0]) if src.offsets and src.offsets[0] else 0.0
    return _Header(path=path, width=int(src.width), height=int(src.height),
                   dtype=str(src.dtypes[0]), driver=str(src.driver),
                   transform=tuple(t)[:6], crs=crs if geo else None, crs_name=name, body=body,
                   radius_m=radius, geographic=geographic, georeferenced=geo,
                   nodata=None if src.nodata is None else float(src.nodata),
                   scale=scale, offset=offset)


# --------------------------------------------------------------------------------------------
# The window and the grid it gives


def _pixel_bounds(h: _Header, col0: float, row0: float, col1: float, row1: float):
    """Map (x, y) of pixel corner (col, row) -> the pixel's own coordinates."""
    a, _, c, _, e, f = h.transform
    return (c + a * col0, f + e * row0, c + a * col1, f + e * row1)


def _map_bounds(h: _Header) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = _pixel_bounds(h, 0, 0, h.width, h.height)
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def _num_pair(v, what: str) -> tuple[float, float]:
    if (not isinstance(v, (list, tuple)) or len(v) != 2
            or any(isinstance(c, bool) or not isinstance(c, (int, float, np.number)) for c in v)
            or not all(math.isfinite(c) for c in v)):
        raise DemError(f"{what} must be a pair of finite numbers, got {v!r}")
    return float(v[0]), float(v[1])


def _num(v, what: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float, np.number)) or not math.isfinite(v):
        raise DemError(f"{what} must be a finite number, got {v!r}")
    return float(v)


def _window_pixels(h: _Header, window: Mapping | None):
    """(col_off, row_off, width, height) of ``window`` in the file's pixels."""
    if window is None:
        return (0, 0, h.width, h.height)
    if not isinstance(window, Mapping):
        raise DemError(f"window must be a table with size_m and center or center_lat and "
                       f"center_lon, got {window!r}")
    unknown = [k for k in window if k not in WINDOW_KEYS]
    if unknown:
        raise DemError(f"window: unknown key {unknown[0]!r}; valid keys: {', '.join(WINDOW_KEYS)}")
    if "size_m" not in window:
        raise DemError("window: size_m = [width, height] (metres) is required")
    w, hh = _num_pair(window["size_m"], "window.size_m")
    if w <= 0 or hh <= 0:
        raise DemError(f"window.size_m must be positive, got {window['size_m']!r}")
    has_xy = "center" in window
    has_ll = "center_lat" in window or "center_lon" in window
    if has_xy == has_ll:
        raise DemError("window: give either center = [x, y] (metres of the DEM's projected CRS) "
                       "or center_lat and center_lon (degrees), not " + ("both" if has_xy else "neither"))
    if not h.georeferenced:
        raise DemError("window: the DEM has no georeferencing, so a window cannot be placed on it "
                       "(crop the file instead)")
    if has_ll:
        if "center_lat" not in window or "center_lon" not in window:
            raise DemError("window: center_lat and center_lon go together")
        lat = _num(window["center_lat"], "window.center_lat")
        lon = _num(window["center_lon"], "window.center_lon")
        if not -90.0 <= lat <= 90.0:
            raise DemError(f"window.center_lat must be within [-90, 90] degrees, got {lat:g}")
        if h.geographic:
            west, _, east, _ = _map_bounds(h)
            mid = 0.5 * (west + east)
            cx = mid + (lon - mid + 180.0) % 360.0 - 180.0  # the file's own turn of longitude
            cy = lat
        else:
            from terrains._georef import _transform, lonlat_proj

            mx, my = _transform(lonlat_proj(h.crs.to_wkt()), h.crs.to_wkt(), lon, lat)
            cx, cy = float(mx), float(my)
            if not (math.isfinite(cx) and math.isfinite(cy)):
                raise DemError(f"window: latitude {lat:g}, longitude {lon:g} has no place in the "
                               f"DEM's CRS {h.crs_name}")
    else:
        if h.geographic:
            raise DemError(f"window.center is in metres of a projected CRS, but this DEM's CRS "
                           f"{h.crs_name} is geographic (degrees): use center_lat and center_lon")
        cx, cy = _num_pair(window["center"], "window.center")
    if h.geographic:
        r = h.radius_m
        half_h = math.degrees(0.5 * hh / r)
        cosc = math.cos(math.radians(cy))
        if cosc < 1e-6:
            raise DemError(f"window: centre at latitude {cy:g} is a pole, where degrees of "
                           "longitude have no width: reproject the DEM (gdalwarp -t_srs, polar "
                           "stereographic)")
        half_w = math.degrees(0.5 * w / (r * cosc))
    else:
        half_w, half_h = 0.5 * w, 0.5 * hh
    a, _, c, _, e, f = h.transform
    cols = sorted(((cx - half_w - c) / a, (cx + half_w - c) / a))
    rows = sorted(((cy - half_h - f) / e, (cy + half_h - f) / e))
    c0, c1 = round(cols[0]), round(cols[1])
    r0, r1 = round(rows[0]), round(rows[1])
    west, south, east, north = _map_bounds(h)
    unit = "deg" if h.geographic else "m"
    asked = (f"[{cx - half_w:.6g}, {cx + half_w:.6g}] x [{cy - half_h:.6g}, {cy + half_h:.6g}] "
             f"{unit}")
    have = f"[{west:.6g}, {east:.6g}] x [{south:.6g}, {north:.6g}] {unit}"
    if c1 <= 0 or r1 <= 0 or c0 >= h.width or r0 >= h.height:
        raise DemError(f"window {asked} lies outside the DEM, which covers {have}")
    if c0 < 0 or r0 < 0 or c1 > h.width or r1 > h.height:
        raise DemError(f"window {asked} reaches outside the DEM, which covers {have}: move "
                       "its centre or shrink size_m")
    if c1 - c0 < 2 or r1 - r0 < 2:
        raise DemError(f"window.size_m {window['size_m']!r} holds fewer than 2 x 2 of the DEM's "
                       f"cells ({abs(a):g} x {abs(e):g} {unit})")
    return (int(c0), int(r0), int(c1 - c0), int(r1 - r0))


def dem_plan(path, *, window: Mapping | None = None, cell_size: float | None = None,
             count_nodata: bool = False) -> DemInfo:
    """The header of the DEM at ``path`` and the grid ``window`` gives, reading no heights
    (with ``count_nodata``, the whole file's no-data cells are counted block by block).

    Raises
    ------
    DemError
        Not a raster, rasterio missing, a rotated grid, a CRS not in metres or degrees, a bad
        or outside window, a cell_size contradicting the file's, cells too far from square.
    """
    path = Path(path)
    with _open(path) as src:
        h = _header(src, path)
        share = _nodata_share(src, h) if count_nodata else None
    win = _window_pixels(h, window)
    a, _, _, _, e, _ = h.transform
    latlon_bounds = extent = None
    resample = None
    if not h.georeferenced:
        units = "pixels"
        georef = None
        cell = None if cell_size is None else float(cell_size)
        grid = (win[3], win[2])
    else:
        units = "deg" if h.geographic else "m"
        col0, row0, wc, hr = win
        # The window's map corners and centre.
        x0, y0, x1, y1 = _pixel_bounds(h, col0, row0, col0 + wc, row0 + hr)
        west, east, south, north = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
        if h.geographic:
            r = h.radius_m
            lat_c = 0.5 * (south + north)
            cos_c = math.cos(math.radians(lat_c))
            if cos_c < 1e-6:
                raise DemError(f"{path}: the window is centred on a pole, where degrees of "
                               "longitude have no width: reproject the DEM (gdalwarp -t_srs, "
                               "polar stereographic)")
            cx_m = r * cos_c * math.radians(abs(a))
            cy_m = r * math.radians(abs(e))
            worst = max(abs(math.cos(math.radians(max(min(lat, 90.0), -90.0))) / cos_c - 1.0)
                        for lat in (south, north))
            lon_c = 0.5 * (west + east)
        else:
            cx_m, cy_m = abs(a), abs(e)
            worst = 0.0
        ratio = max(cx_m, cy_m) / min(cx_m, cy_m)
        if ratio - 1.0 <= _SQUARE_TOL:
            file_cell = cx_m
            grid = (hr, wc)
        elif ratio > MAX_RESAMPLE_RATIO:
            raise DemError(f"{path}: its cells are {cx_m:.6g} m east-west by {cy_m:.6g} m "
                           f"north-south at the window's centre, {ratio:.3g} times longer one "
                           f"way (at most {MAX_RESAMPLE_RATIO:g} is resampled): make them square "
                           "with gdalwarp -tr")
        else:
            # Resample the longer side to the shorter: no cell loses detail.
            file_cell = min(cx_m, cy_m)
            if cy_m > cx_m:
                n = max(2, round(hr * cy_m / file_cell))
                grid = (n, wc)
                resample = (0, n)
            else:
                n = max(2, round(wc * cx_m / file_cell))
                grid = (hr, n)
                resample = (1, n)
        if cell_size is not None and abs(float(cell_size) / file_cell - 1.0) > 1e-3:
            raise DemError(f"cell_size {float(cell_size):g} m contradicts the DEM's own cell of "
                           f"{file_cell:.6g} m (from its georeferencing, {h.crs_name}); leave "
                           "cell_size out to use the file's, or resample the file with gdalwarp")
        cell = file_cell
        if h.geographic:
            origin = (west, south)
            center = (lat_c, lon_c)
        else:
            origin = (west, south)
            from terrains._georef import _transform, lonlat_proj

            lon, lat = _transform(h.crs.to_wkt(), lonlat_proj(h.crs.to_wkt()),
                                  0.5 * (west + east), 0.5 * (south + north))
            center = (float(lat), float(lon))
        georef = GeoRef(crs=h.crs_name, crs_wkt=h.crs.to_wkt(), body=h.body,
                        radius_m=float(h.radius_m) if h.radius_m else float("nan"),
                        geographic=h.geographic, origin=origin, cell_size=cell, shape=grid,
                        center_lat_deg=center[0], center_lon_deg=center[1], scale_error=worst,
                        source_cell=(cx_m, cy_m))
        fw, fs, fe, fn = _map_bounds(h)
        if h.geographic:
            latlon_bounds = (fs, fn, fw, fe)
            lat_m = math.radians(0.5 * (fs + fn))
            extent = (h.radius_m * math.cos(lat_m) * math.radians(fe - fw),
                      h.radius_m * math.radians(fn - fs))
        else:
            from terrains._georef import _transform, lonlat_proj

            xs = np.array([fw, fe, fe, fw, 0.5 * (fw + fe), 0.5 * (fw + fe), fw, fe])
            ys = np.array([fs, fs, fn, fn, fs, fn, 0.5 * (fs + fn), 0.5 * (fs + fn)])
            lon, lat = _transform(h.crs.to_wkt(), lonlat_proj(h.crs.to_wkt()), xs, ys)
            ok = np.isfinite(lat) & np.isfinite(lon)
            if ok.any():
                latlon_bounds = (float(lat[ok].min()), float(lat[ok].max()),
                                 float(lon[ok].min()), float(lon[ok].max()))
            extent = (fe - fw, fn - fs)
    return DemInfo(path=path, width=h.width, height=h.height, dtype=h.dtype, driver=h.driver,
                   crs=h.crs_name, body=h.body, pixel_size=(abs(a), abs(e)), units=units,
                   bounds=_map_bounds(h), scale=h.scale, offset=h.offset, nodata=h.nodata,
                   grid_shape=(int(grid[0]), int(grid[1])), cell_size=cell, window_pixels=win,
                   georef=georef, latlon_bounds=latlon_bounds, extent_m=extent,
                   nodata_share=share, resample=resample,
                   transform=h.transform if h.georeferenced else (1.0, 0.0, 0.0, 0.0, -1.0, 0.0))


def _nodata_share(src, h: _Header) -> float:
    """Share of no-data (or NaN) cells in the whole file, read one block row at a time."""
    from rasterio.windows import Window

    bad = 0
    rows_per = max(1, min(h.height, (1 << 22) // max(h.width, 1)))  # ~4 M cells a read
    for r in range(0, h.height, rows_per):
        n = min(rows_per, h.height - r)
        data = src.read(1, window=Window(0, r, h.width, n), masked=True)
        bad += int(np.ma.getmaskarray(data).sum())
        if data.dtype.kind == "f":
            bad += int((~np.isfinite(data.filled(0))).sum())
    return bad / float(h.width * h.height)


# --------------------------------------------------------------------------------------------
# Reading the heights


def read_dem(path: Path, plan: DemInfo, vertical_scale: float | None):
    """(height float32 (rows, cols) in grid order, no-data bool mask or None) of ``plan``'s
    window: scale and offset applied, no-data cells filled from their nearest valid
    neighbour along the row (or column), cells resampled square when ``plan`` says so."""
    from rasterio.windows import Window

    col0, row0, wc, hr = plan.window_pixels
    with _open(path) as src:
        try:
            data = src.read(1, window=Window(col0, row0, wc, hr), masked=True)
        except Exception as exc:  # noqa: BLE001 - a corrupt block: rasterio's own types
            raise DemError(f"{path}: unreadable raster data ({str(exc).splitlines()[0]})") from None
    raw = data.data
    mask = np.ma.getmaskarray(data)
    del data
    if raw.dtype.kind == "f":
        mask = mask | ~np.isfinite(raw)
    scale = plan.scale if vertical_scale is None else float(vertical_scale)
    if vertical_scale is not None and plan.scale != 1.0 and abs(scale / plan.scale - 1.0) > 1e-9:
        raise DemError(f"vertical_scale {scale:g} contradicts the DEM's own scale of "
                       f"{plan.scale:g} m per stored unit; leave vertical_scale out to use the file's")
    # Grid order: row 0 south, column 0 west, whatever way the file is stored (a file
    # without georeferencing is taken as north up, as images are).
    a, e = plan.transform[0], plan.transform[4]
    if e < 0:
        raw, mask = raw[::-1], mask[::-1]
    if a < 0:
        raw, mask = raw[:, ::-1], mask[:, ::-1]
    # One float64 grid, flipped and scaled as it is made (memory follows the window: no
    # second copy of it for the flip or the offset).
    z = np.empty(raw.shape, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        np.multiply(raw, scale, out=z, casting="unsafe")
        if plan.offset:
            z += plan.offset
    del raw
    mask = np.ascontiguousarray(mask)
    n_bad = int(mask.sum())
    if n_bad and n_bad > MAX_NODATA_SHARE * mask.size:
        raise DemError(f"{path}: the window is {100.0 * n_bad / mask.size:.3g} % no-data "
                       f"({n_bad:,} of {mask.size:,} cells, more than "
                       f"{100 * MAX_NODATA_SHARE:g} %): move the window onto the DEM's data")
    if n_bad:
        from terrains._dem_kernels import fill_nodata

        fill_nodata(z, mask.view(np.uint8))
    finite = np.isfinite(z)
    if not finite.all():
        raise DemError(f"{path}: heights overflow after scale {scale:g} and offset "
                       f"{plan.offset:g}")
    if plan.resample is not None:
        axis, n = plan.resample
        z, mask = _resample(z, mask, axis, n)
    return z.astype(np.float32), (mask if mask.any() else None)


def _resample(z: np.ndarray, mask: np.ndarray, axis: int, n: int):
    """Linear interpolation of ``z`` along ``axis`` to ``n`` samples over the same extent
    (sample centres at (j + 0.5) * L / n); a sample is no-data when either neighbour is."""
    m = z.shape[axis]
    f = (np.arange(n) + 0.5) * (m / n) - 0.5
    f = np.clip(f, 0.0, m - 1.0)
    i0 = np.minimum(np.floor(f).astype(np.int64), m - 2) if m > 1 else np.zeros(n, np.int64)
    t = f - i0
    i1 = np.minimum(i0 + 1, m - 1)
    if axis == 0:
        tt = t[:, None]
        out = z[i0] * (1.0 - tt) + z[i1] * tt
        bad = mask[i0] | (mask[i1] & (tt > 0))
    else:
        tt = t[None, :]
        out = z[:, i0] * (1.0 - tt) + z[:, i1] * tt
        bad = mask[:, i0] | (mask[:, i1] & (tt > 0))
    return np.ascontiguousarray(out), np.ascontiguousarray(bad)
