"""Saving and loading terrains (.npz, no pickle) and importing heightmaps (.npy, PNG, GeoTIFF)."""

from __future__ import annotations

import dataclasses
import io
import json
import math
import struct
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

import numpy as np

from terrains._model import _BODIES, _BODY_DEFAULTS, Body, Terrain, check_params
from terrains.files import atomic_write

if TYPE_CHECKING:
    from terrains._dem import DemInfo

__all__ = ["save", "load", "load_heightmap", "heightmap_shape", "HeightmapError", "dem_info",
           "distortion_message"]

_FORMAT = "terrains.npz"
_VERSION = 1


class HeightmapError(ValueError):
    """A heightmap or terrain file cannot be used: unreadable, wrong kind, or non-finite values."""


def _jsonable(v):
    if isinstance(v, (np.floating,)):
        return float(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, Path):
        return str(v)
    return v


def save(terrain: Terrain, path) -> None:
    """Save a terrain to an ``.npz`` file with all its metadata, atomically.

    The archive holds ``height`` (float32), ``craters`` and ``rocks`` (float64 (N, 4)) and
    ``meta``, a JSON string (cell size, body, seed, resolved parameters), so it loads with
    ``allow_pickle=False``. The data are written to a temporary file in the same directory that
    then replaces ``path``.

    Examples
    --------
    >>> import tempfile, os
    >>> from terrains import generate, load
    >>> t = generate(size=32, seed=3)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     save(t, os.path.join(d, "t.npz"))
    ...     u = load(os.path.join(d, "t.npz"))
    >>> bool((u.height == t.height).all()) and u.params == t.params
    True
    """
    if not isinstance(terrain, Terrain):
        raise TypeError(f"save() needs a Terrain, got {type(terrain).__name__}")
    b = terrain.body
    meta = {
        "format": _FORMAT, "version": _VERSION,
        "cell_size": terrain.cell_size,
        "body": {"name": b.name, "gravity_mps2": b.gravity_mps2, "tint_rgb": list(b.tint_rgb),
                 "description": b.description},
        "seed": terrain.seed,
        "params": _jsonable(dict(terrain.params)),
    }
    extra = {}
    if terrain.georef is not None:
        meta["georef"] = _jsonable(dataclasses.asdict(terrain.georef))
    if terrain.nodata is not None:
        extra["nodata"] = terrain.nodata
    buf = io.BytesIO()
    np.savez(buf, height=terrain.height, craters=terrain.craters, rocks=terrain.rocks,
             meta=np.array(json.dumps(meta)), **extra)
    atomic_write(Path(path), lambda fh: fh.write(buf.getbuffer()), binary=True)


def load(path) -> Terrain:
    """Load a terrain saved by :func:`save`.

    Raises
    ------
    HeightmapError
        The file is not a terrain archive (or is corrupt); the message says which.
    FileNotFoundError
        No such file.
    """
    path = Path(path)
    try:
        z = np.load(path, allow_pickle=False)
        if not isinstance(z, np.lib.npyio.NpzFile):
            raise HeightmapError(f"{path} is a single array, not a terrain archive; load a height "
                                 "array with load_heightmap(path, cell_size=...)")
        with z:
            missing = {"height", "craters", "rocks", "meta"} - set(z.files)
            if missing:
                raise HeightmapError(f"{path} is not a terrain file (missing {sorted(missing)})")
            meta = json.loads(str(z["meta"]))
            height, craters, rocks = z["height"], z["craters"], z["rocks"]
            nodata = z["nodata"] if "nodata" in z.files else None
    except (zipfile.BadZipFile, ValueError, EOFError, OSError, json.JSONDecodeError) as exc:
        if isinstance(exc, (HeightmapError, FileNotFoundError)):
            raise
        raise HeightmapError(f"{path} is not a readable terrain file ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != _FORMAT:
        fmt = meta.get("format") if isinstance(meta, dict) else None
        raise HeightmapError(f"{path} is not a terrain file (format {fmt!r})")
    # A damaged or hand-edited archive must fail here with the field named, not later
    # inside stats() or a scenario run.
    try:
        bd = meta["body"]
        known = _BODIES.get(bd["name"])
        body = known if known is not None and known.gravity_mps2 == bd["gravity_mps2"] else Body(
            bd["name"], float(bd["gravity_mps2"]), tuple(int(c) for c in bd["tint_rgb"]),
            bd.get("description", ""))
        cell = float(meta["cell_size"])
        params = dict(meta["params"])
        seed = meta["seed"]
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
            raise ValueError(f"seed {seed!r} is not a non-negative integer")
        if seed is not None and "source" not in params:
            # A generated terrain: its parameters are what stats() regenerates it from.
            missing = sorted(set(_BODY_DEFAULTS["mars"]) - set(params))
            if missing:
                raise ValueError(f"parameters {missing} missing")
            check_params({k: v for k, v in params.items() if k != "preset"})
        georef = None
        if meta.get("georef") is not None:
            from terrains._georef import GeoRef

            gd = dict(meta["georef"])
            for k in ("origin", "shape", "source_cell"):
                gd[k] = tuple(gd[k])
            georef = GeoRef(**gd)
    except KeyError as exc:
        raise HeightmapError(f"{path}: damaged terrain metadata (no {exc} entry)") from None
    except (TypeError, AttributeError, ValueError) as exc:
        raise HeightmapError(f"{path}: damaged terrain metadata ({exc})") from None
    if height.dtype.kind not in "fiu":
        raise HeightmapError(f"{path}: heights are {height.dtype}, not numbers")
    if height.ndim == 2:
        _check_finite(height, str(path))
    try:
        return Terrain(height=height, cell_size=cell, body=body, craters=craters, rocks=rocks,
                       seed=seed, params=params, nodata=nodata, georef=georef)
    except (TypeError, ValueError) as exc:
        raise HeightmapError(f"{path}: {exc}") from None


def _check_finite(z: np.ndarray, where: str) -> None:
    bad = ~np.isfinite(z)
    n = int(bad.sum())
    if n:
        rr, cc = np.nonzero(bad)
        raise HeightmapError(
            f"{where} has {n} non-finite value{'s' if n > 1 else ''} (NaN or inf) of "
            f"{z.size}: first at row {rr[0]}, col {cc[0]} (file order); all within rows "
            f"{rr.min()}-{rr.max()}, cols {cc.min()}-{cc.max()}; fill or crop them first")


_RASTER_KINDS = ("a .npy array, a 16-bit grayscale .png, or a raster GDAL reads (GeoTIFF, "
                 "PDS3 .IMG, ...)")


def _check_scale(vertical_scale) -> float:
    if (isinstance(vertical_scale, bool) or not isinstance(vertical_scale, (int, float, np.number))
            or not math.isfinite(vertical_scale) or vertical_scale <= 0):
        raise ValueError(f"vertical_scale must be a number > 0 (metres per unit), "
                         f"got {vertical_scale!r}")
    return float(vertical_scale)


def load_heightmap(path, *, cell_size: float | None = None, vertical_scale: float | None = None,
                   body: str | Body | None = None, window=None,
                   max_distortion: float | None = None) -> Terrain:
    """Import a height grid as a :class:`Terrain`: a real DEM (GeoTIFF, PDS3 ``.IMG``, any
    raster GDAL reads) with its georeferencing, or a bare array or image.

    A georeferenced DEM says what it is, and that is used: the cell size comes from its
    geotransform, heights from its stored values times its scale plus its offset, its
    no-data cells become :attr:`Terrain.nodata` (impassable), its CRS names the body, and
    the terrain carries its place on the body (:attr:`Terrain.georef`). A north-up file's
    rows are flipped so that row 0 is the southern edge. A projected CRS in metres is used
    as it is; a geographic one (degrees) is turned into metres with the CRS's radius about
    the window's centre (equirectangular: exact north-south, off east-west by
    ``GeoRef.scale_error`` at the window's northern and southern edges). Non-square cells
    (degrees away from the equator) are resampled by linear interpolation to square cells of
    the shorter side, up to 8 times longer one way; past that the DEM is refused.

    Parameters
    ----------
    path : str or Path
        ``.npy`` (a 2-d numeric array in grid order: row 0 = south, as ``Terrain.height``),
        ``.png`` (8- or 16-bit grayscale, north up as images are) or any raster rasterio
        reads (needs the optional rasterio: ``pip install 'planetary-rover-nav[geotiff]'``).
    cell_size : float, optional
        Edge of one cell [m], > 0. Required for ``.npy``, ``.png`` and rasters without
        georeferencing; for a georeferenced DEM it may be left out, and if given must agree
        with the file's (within 0.1 %).
    vertical_scale : float, optional
        Metres per stored unit (per grey level for a PNG), > 0; default the file's own scale
        (1 when it has none). A value contradicting a DEM's own scale is an error.
    body : str or Body, optional
        The planetary body; default the body the DEM's CRS names (IAU codes 30100 Moon,
        49900 Mars, 40100 Phobos and their projections, or a datum or radius of theirs),
        else Mars. A body contradicting the DEM's is an error.
    window : mapping, optional
        Read only this rectangle of a georeferenced DEM: ``{"center": [x, y], "size_m":
        [w, h]}`` in the DEM's projected map coordinates [m], or ``{"center_lat": lat,
        "center_lon": lon, "size_m": [w, h]}`` [deg, m]. Memory follows the window, not the
        file. A window reaching outside the DEM is an error.
    max_distortion : float, optional
        Largest east-west scale error [-] accepted from a geographic CRS
        (:data:`terrains.MAX_DISTORTION`, 1 %, is what a run uses); None: no limit, the
        error is only recorded in ``georef.scale_error``.

    Returns
    -------
    Terrain
        No craters or rocks; ``seed`` None; ``params`` records the source (and for a DEM
        the window and ``nodata_cells``); ``nodata`` and ``georef`` as above.

    Raises
    ------
    HeightmapError
        Unreadable or corrupt file, not a raster, a colour image, not a 2-d grid, non-finite
        values in a ``.npy`` (saying how many and where), rasterio missing, a DEM without
        georeferencing and no cell_size, a cell size, scale or body contradicting the
        file's, a window outside the DEM or more than half no-data, a rotated grid, cells
        too far from square, a distortion past ``max_distortion``.
    ValueError
        cell_size or vertical_scale <= 0, or an unknown body.
    FileNotFoundError
        No such file.

    Examples
    --------
    >>> import tempfile, os, numpy as np
    >>> with tempfile.TemporaryDirectory() as d:
    ...     np.save(os.path.join(d, "dem.npy"), np.zeros((4, 6), np.float32))
    ...     t = load_heightmap(os.path.join(d, "dem.npy"), cell_size=2.0, body="moon")
    >>> t.shape, t.extent_m, t.body.name, t.georef
    ((4, 6), (12.0, 8.0), 'moon', None)
    """
    from terrains._dem import DemError, dem_plan, read_dem
    from terrains._generate import check_body, check_cell_size
    from terrains._png import PNGError, read_png

    path = Path(path)
    cell = None if cell_size is None else check_cell_size(cell_size)
    scale = None if vertical_scale is None else _check_scale(vertical_scale)
    body_obj = None if body is None else check_body(body)
    if max_distortion is not None and not (isinstance(max_distortion, (int, float))
                                           and max_distortion >= 0):
        raise ValueError(f"max_distortion must be a number >= 0, got {max_distortion!r}")
    if not path.exists():
        raise FileNotFoundError(f"heightmap {path} does not exist")
    if path.is_dir():
        raise HeightmapError(f"{path}: is a folder, not a heightmap file (.npy, .png or a raster)")
    suffix = path.suffix.lower()
    if suffix in (".npy", ".png"):
        if cell is None:
            raise HeightmapError(f"{path}: a {suffix} heightmap carries no cell size: give "
                                 "cell_size (metres)")
        if window is not None:
            raise HeightmapError(f"{path}: a window needs a georeferenced DEM (GeoTIFF, .IMG), "
                                 f"not a {suffix} file")
        grid = _read_plain(path, suffix, PNGError, read_png)
        if grid.shape[0] < 2 or grid.shape[1] < 2:
            raise HeightmapError(f"{path}: the grid must be at least 2 x 2 cells, got {grid.shape}")
        s = 1.0 if scale is None else scale
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported just below
            height = (grid * s).astype(np.float32)
        _check_finite(height, f"heightmap {path} (after vertical_scale)")
        params = {"preset": None, "source": "heightmap", "path": str(path), "vertical_scale": s}
        return Terrain(height=height, cell_size=cell, body=body_obj or check_body("mars"),
                       seed=None, params=params)
    try:
        plan = dem_plan(path, window=window, cell_size=cell)
        if plan.cell_size is None:
            raise DemError(f"{path}: the DEM has no georeferencing (no CRS and geotransform), so "
                           "its cell size is unknown: give cell_size (metres)")
        g = plan.georef
        if g is not None and g.body is not None and body_obj is not None and body_obj.name != g.body:
            raise DemError(f"{path}: body {body_obj.name!r} contradicts the DEM's body {g.body!r} "
                           f"(its CRS {g.crs}); leave the body out or use the {g.body} DEM")
        if (g is not None and g.geographic and max_distortion is not None
                and g.scale_error > max_distortion):
            raise DemError(distortion_message(path, g, max_distortion))
        height, nodata = read_dem(path, plan, scale)
    except DemError as exc:
        msg = str(exc)
        raise HeightmapError(msg if msg.startswith(f"{path}: ") else f"{path}: {msg}") from None
    if body_obj is None:
        body_obj = check_body(g.body if g is not None and g.body else "mars")
    params = {"preset": None, "source": "heightmap", "path": str(path),
              "vertical_scale": plan.scale if scale is None else scale,
              "height_offset_m": plan.offset,
              "window": None if window is None else _jsonable(dict(window)),
              "nodata_cells": 0 if nodata is None else int(nodata.sum())}
    return Terrain(height=height, cell_size=plan.cell_size, body=body_obj, seed=None,
                   params=params, nodata=nodata, georef=g)


def dem_info(path, *, window: Mapping | None = None, count_nodata: bool = True) -> DemInfo:
    """What the DEM at ``path`` holds: size, cell size, CRS, body, extent in metres and in
    latitude/longitude, and its share of no-data cells (counted block by block, so a large
    file is read in pieces, never whole; ``count_nodata=False`` reads the header alone).

    Parameters
    ----------
    path : str or Path
        A raster GDAL reads (GeoTIFF, PDS3 ``.IMG``, ...); needs rasterio.
    window : mapping, optional
        As :func:`terrains.load_heightmap`'s: the grid and :class:`~terrains.GeoRef` are then
        the window's.

    Returns
    -------
    DemInfo

    Raises
    ------
    HeightmapError
        Not a raster, rasterio missing, or a window that does not fit the DEM.
    FileNotFoundError
        No such file.
    """
    from terrains._dem import DemError, dem_plan

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"DEM {path} does not exist")
    try:
        return dem_plan(path, window=window, count_nodata=count_nodata)
    except DemError as exc:
        msg = str(exc)
        raise HeightmapError(msg if msg.startswith(f"{path}: ") else f"{path}: {msg}") from None


def distortion_message(path, georef, limit: float) -> str:
    """Why a geographic DEM's window is refused: its equirectangular scale error, the
    limit, and the fixes."""
    return (f"{path}: its CRS {georef.crs} is in degrees; turned into metres about the "
            f"window's centre (latitude {georef.center_lat_deg:.4g}) its east-west scale is off "
            f"by up to {100 * georef.scale_error:.3g} % at the window's edges, more than "
            f"{100 * limit:g} %: use a smaller window ([terrain].window), or reproject the DEM "
            "to a projected CRS in metres with gdalwarp -t_srs")


def _read_plain(path: Path, suffix: str, PNGError, read_png) -> np.ndarray:
    """A .npy or .png heightmap as float64 in grid order (row 0 south)."""
    if suffix == ".npy":
        try:
            data = np.load(path, allow_pickle=False)
        except (ValueError, OSError, EOFError) as exc:
            raise HeightmapError(f"{path}: unreadable .npy file ({exc})") from None
        if data.ndim != 2 or not (np.issubdtype(data.dtype, np.number)
                                  and not np.issubdtype(data.dtype, np.complexfloating)):
            raise HeightmapError(f"{path}: expected a 2-d numeric array, got {data.dtype} "
                                 f"{data.shape}")
        grid = data.astype(np.float64)
        _check_finite(grid, f"heightmap {path}")
        return grid
    try:
        img = read_png(path)
    except PNGError as exc:
        raise HeightmapError(f"{path}: unreadable image ({exc})") from None
    if img.ndim == 3:
        if img.shape[2] == 2:  # grayscale + alpha: use the grey
            img = img[:, :, 0]
        else:
            raise HeightmapError(f"{path}: expected a grayscale PNG (8 or 16 bit), got a "
                                 f"colour image with {img.shape[2]} channels")
    return img[::-1].astype(np.float64)


def heightmap_shape(path) -> tuple[int, int]:
    """(rows, cols) of the heightmap :func:`load_heightmap` would read from ``path``, from the
    file's header where it has one (.npy, PNG), so that a large DEM is not read to check a
    scenario; a raster DEM's from its header too (its whole file, no window: see
    :func:`terrains.dem_info` for a window's grid).

    Raises
    ------
    HeightmapError
        Why the size cannot be read, after ``"{path}: "``: not a .npy or PNG file, a .npy that
        is not 2-D, rasterio missing, not a raster, an unreadable file.
    """
    from terrains._png import _SIGNATURE

    path = Path(path)
    suffix = path.suffix.lower()

    def fail(reason: str) -> HeightmapError:
        return HeightmapError(f"{path}: {reason}")

    try:
        if suffix == ".npy":
            with open(path, "rb") as fh:
                if fh.read(6) != b"\x93NUMPY":
                    raise fail("not a .npy file (numpy.save writes one)")
            try:
                arr = np.load(path, mmap_mode="r", allow_pickle=False)
            except ValueError as exc:  # e.g. a header promising more data than the file holds
                raise fail(f"not a readable .npy array ({exc})") from None
            if arr.ndim != 2:
                raise fail(f"a heightmap is a 2-D array, this .npy holds shape {arr.shape}")
            return (int(arr.shape[0]), int(arr.shape[1]))
        if suffix == ".png":
            with open(path, "rb") as fh:
                head = fh.read(24)
            if head[:8] != _SIGNATURE or head[12:16] != b"IHDR":
                raise fail("not a PNG file")
            width, height = struct.unpack(">II", head[16:24])
            return (int(height), int(width))
        from terrains._dem import DemError, dem_plan

        try:
            return dem_plan(path).grid_shape  # the header alone: no heights are read
        except DemError as exc:
            raise HeightmapError(str(exc)) from None
    except HeightmapError:
        raise
    except OSError as exc:
        raise fail(exc.strerror or str(exc)) from None
    except ValueError as exc:
        raise fail(str(exc)) from None
    except Exception as exc:  # numpy's header parser raises assorted errors on a bad .npy
        raise fail(f"unreadable ({type(exc).__name__}: {exc}); expected {_RASTER_KINDS}") from None
