"""Saving and loading terrains (.npz, no pickle) and importing heightmaps (.npy, PNG, GeoTIFF)."""

from __future__ import annotations

import io
import json
import math
import struct
import warnings
import zipfile
from pathlib import Path

import numpy as np

from terrains.files import atomic_write
from terrains._model import _BODIES, _BODY_DEFAULTS, Body, Terrain, check_params

__all__ = ["save", "load", "load_heightmap", "heightmap_shape", "HeightmapError"]

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
    buf = io.BytesIO()
    np.savez(buf, height=terrain.height, craters=terrain.craters, rocks=terrain.rocks,
             meta=np.array(json.dumps(meta)))
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
                       seed=seed, params=params)
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


def _read_geotiff(path: Path) -> np.ndarray:
    try:
        import rasterio  # optional extra: pip install 'planetary-rover-nav[geotiff]'
        from rasterio.errors import NotGeoreferencedWarning
    except ImportError:
        raise HeightmapError(
            f"{path}: reading GeoTIFF needs the optional package rasterio "
            "(pip install 'planetary-rover-nav[geotiff]'), or export the DEM as .npy or a "
            "16-bit grayscale PNG") from None
    try:
        with warnings.catch_warnings():
            # The cell size is the caller's, so a DEM without a geotransform is fine here.
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            with rasterio.open(path) as src:
                band = src.read(1, masked=True)
    except Exception as exc:  # rasterio raises its own error types
        raise HeightmapError(f"{path}: unreadable GeoTIFF ({exc})") from None
    return np.ma.filled(band.astype(np.float64), np.nan)


def load_heightmap(path, *, cell_size: float, vertical_scale: float = 1.0,
                   body: str | Body = "mars") -> Terrain:
    """Import a height grid (e.g. a real DEM exported from GIS) as a :class:`Terrain`.

    Parameters
    ----------
    path : str or Path
        ``.npy`` (a 2-d numeric array in grid order: row 0 = south, as ``Terrain.height``),
        ``.png`` (8- or 16-bit grayscale, north up as images are; rows are flipped into grid
        order) or ``.tif``/``.tiff`` (GeoTIFF, first band, north up; needs rasterio; nodata
        cells count as non-finite).
    cell_size : float
        Edge of one cell [m], > 0.
    vertical_scale : float
        Metres per stored unit (per grey level for a PNG), > 0: height = value * scale.
    body : str or Body
        The planetary body.

    Returns
    -------
    Terrain
        No craters or rocks; ``seed`` None; ``params`` records the source.

    Raises
    ------
    HeightmapError
        Unknown file kind, unreadable or corrupt file, a colour (not grayscale) image, not a
        2-d grid, non-finite values (saying how many and where), or rasterio missing.
    ValueError
        cell_size or vertical_scale <= 0, or an unknown body.
    FileNotFoundError
        No such file.
    """
    from terrains._generate import check_body, check_cell_size
    from terrains._png import PNGError, read_png

    path = Path(path)
    cell = check_cell_size(cell_size)
    if (isinstance(vertical_scale, bool) or not isinstance(vertical_scale, (int, float, np.number))
            or not math.isfinite(vertical_scale) or vertical_scale <= 0):
        raise ValueError(f"vertical_scale must be a number > 0 (metres per unit), "
                         f"got {vertical_scale!r}")
    body_obj = check_body(body)
    if not path.exists():
        raise FileNotFoundError(f"heightmap {path} does not exist")
    if path.is_dir():
        raise HeightmapError(f"{path}: is a folder, not a heightmap file (.npy, .png or .tif)")
    suffix = path.suffix.lower()
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
    elif suffix == ".png":
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
        grid = img[::-1].astype(np.float64)
    elif suffix in (".tif", ".tiff"):
        data = _read_geotiff(path)
        _check_finite(data, f"heightmap {path}")
        grid = data[::-1]
    else:
        raise HeightmapError(f"{path}: unknown heightmap kind {suffix!r}; use .npy, .png "
                             "(16-bit grayscale) or .tif (GeoTIFF)")
    if grid.shape[0] < 2 or grid.shape[1] < 2:
        raise HeightmapError(f"{path}: the grid must be at least 2 x 2 cells, got {grid.shape}")
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported just below
        height = (grid * float(vertical_scale)).astype(np.float32)
    _check_finite(height, f"heightmap {path} (after vertical_scale)")
    params = {"preset": None, "source": "heightmap", "path": str(path),
              "vertical_scale": float(vertical_scale)}
    return Terrain(height=height, cell_size=cell, body=body_obj, seed=None, params=params)


_HEIGHTMAP_KINDS = "expected a .npy array, a 16-bit grayscale .png or a .tif GeoTIFF"


def heightmap_shape(path) -> tuple[int, int]:
    """(rows, cols) of the heightmap :func:`load_heightmap` would read from ``path``, from the
    file's header where it has one (.npy, PNG), so that a large DEM is not read to check a
    scenario; a GeoTIFF is loaded (its checks included).

    Raises
    ------
    HeightmapError
        Why the size cannot be read, after ``"{path}: "``: not a .npy or PNG file, a .npy that
        is not 2-D, rasterio missing, an unknown suffix, an unreadable file.
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
        if suffix in (".tif", ".tiff"):
            return tuple(load_heightmap(path, cell_size=1.0).height.shape)
    except HeightmapError:
        raise
    except OSError as exc:
        raise fail(exc.strerror or str(exc)) from None
    except ValueError as exc:
        raise fail(str(exc)) from None
    except Exception as exc:  # numpy's header parser raises assorted errors on a bad .npy
        raise fail(f"unreadable ({type(exc).__name__}: {exc}); {_HEIGHTMAP_KINDS}") from None
    kind = f"unknown file type {path.suffix!r}" if path.suffix else "no file type (suffix)"
    raise fail(f"{kind}; {_HEIGHTMAP_KINDS}")
