"""save/load (.npz, no pickle) and heightmap import (.npy, 16-bit PNG, GeoTIFF), with bad input."""

from __future__ import annotations

import builtins
import json

import numpy as np
import pytest

import terrains
from terrains import HeightmapError, generate, load, load_heightmap, save
from terrains._png import encode_png


def test_save_load_round_trip_keeps_everything(tmp_path):
    t = generate(preset="mars-meridiani", size=(48, 40), seed=12)
    path = tmp_path / "t.npz"
    save(t, path)
    u = load(path)
    assert u.height.tobytes() == t.height.tobytes()
    assert np.array_equal(u.craters, t.craters) and np.array_equal(u.rocks, t.rocks)
    assert u.body == t.body and u.cell_size == t.cell_size and u.seed == t.seed
    assert u.params == t.params and u.params["preset"] == "mars-meridiani"
    # no pickle: the archive opens with allow_pickle=False and holds only plain arrays
    with np.load(path, allow_pickle=False) as z:
        assert sorted(z.files) == ["craters", "height", "meta", "rocks"]
        assert json.loads(str(z["meta"]))["format"] == "terrains.npz"
    assert list(tmp_path.iterdir()) == [path]  # no temporary left behind
    # stats of the loaded terrain regenerate the same relief
    assert terrains.stats(u)["hurst"] == terrains.stats(t)["hurst"]


def test_load_rejects_files_that_are_not_terrains(tmp_path):
    np.savez(tmp_path / "other.npz", a=np.zeros(3))
    with pytest.raises(HeightmapError, match=r"other.npz is not a terrain file \(missing"):
        load(tmp_path / "other.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(HeightmapError, match=r"junk.npz is not a readable terrain file"):
        load(tmp_path / "junk.npz")
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.npz")


def _damaged(tmp_path, name, meta_edit=None, **arrays):
    """A saved terrain archive with its metadata edited or arrays replaced."""
    t = generate(preset="mars-jezero", size=(17, 33), seed=3)
    save(t, tmp_path / "ok.npz")
    with np.load(tmp_path / "ok.npz") as z:
        parts = {k: z[k] for k in z.files}
    meta = json.loads(str(parts["meta"]))
    if meta_edit is not None:
        meta_edit(meta)
    parts["meta"] = np.array(json.dumps(meta))
    parts.update(arrays)
    np.savez(tmp_path / name, **parts)
    return tmp_path / name


@pytest.mark.parametrize("edit, arrays, match", [
    (lambda m: m.pop("body"), {}, r"damaged terrain metadata \(no 'body' entry\)"),
    (lambda m: m.__setitem__("body", "mars"), {}, r"damaged terrain metadata"),
    (lambda m: m.pop("cell_size"), {}, r"no 'cell_size' entry"),
    (lambda m: m.__setitem__("seed", -5), {}, r"seed -5 is not a non-negative integer"),
    (lambda m: m["params"].pop("rock_model"), {}, r"parameters \['rock_model'\] missing"),
    (lambda m: m["params"].__setitem__("hurst", "x"), {}, r"hurst must be a number"),
    (None, {"height": np.full((4, 4), np.nan, np.float32)}, r"16 non-finite values"),
    (None, {"height": np.array([["a", "b"]])}, r"heights are <U1, not numbers"),
    (None, {"craters": np.zeros((3, 3))}, r"craters must have shape \(N, 4\)"),
])
def test_load_of_a_damaged_archive_is_a_heightmap_error(tmp_path, edit, arrays, match):
    path = _damaged(tmp_path, "bad.npz", edit, **arrays)
    with pytest.raises(HeightmapError, match=match):
        load(path)


def test_npy_heightmap_is_in_grid_order_and_scaled(tmp_path):
    grid = np.arange(12, dtype=np.float64).reshape(3, 4)
    np.save(tmp_path / "dem.npy", grid)
    t = load_heightmap(tmp_path / "dem.npy", cell_size=2.0, vertical_scale=0.5, body="moon")
    np.testing.assert_array_equal(t.height, 0.5 * grid)
    assert t.height.dtype == np.float32 and t.cell_size == 2.0 and t.body.name == "moon"
    assert t.seed is None and len(t.craters) == 0 and len(t.rocks) == 0
    assert t.params["source"] == "heightmap" and t.params["vertical_scale"] == 0.5


def test_png_heightmap_is_flipped_to_north_up_grid(tmp_path):
    img = np.array([[0, 1000, 65535], [7, 8, 9]], dtype=np.uint16)  # row 0 = north
    (tmp_path / "dem.png").write_bytes(encode_png(img))
    t = load_heightmap(tmp_path / "dem.png", cell_size=1.0, vertical_scale=0.01)
    np.testing.assert_allclose(t.height, 0.01 * img[::-1].astype(np.float64), rtol=1e-6)
    assert t.height[1, 2] == pytest.approx(655.35)  # top-right pixel is the north-east cell


def test_8_bit_grayscale_png_works_too(tmp_path):
    (tmp_path / "g.png").write_bytes(encode_png(np.full((4, 5), 200, np.uint8)))
    assert load_heightmap(tmp_path / "g.png", cell_size=1.0).height.max() == 200.0


def test_non_finite_values_are_counted_and_located(tmp_path):
    grid = np.zeros((6, 7))
    grid[2, 5] = np.nan
    grid[4, 1] = np.inf
    grid[4, 3] = np.nan
    np.save(tmp_path / "holes.npy", grid)
    with pytest.raises(HeightmapError, match=r"holes.npy has 3 non-finite values \(NaN or inf\) "
                                             r"of 42: first at row 2, col 5 .*rows 2-4, cols 1-5"):
        load_heightmap(tmp_path / "holes.npy", cell_size=1.0)


@pytest.mark.parametrize("name, blob, match", [
    ("bad.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 10, r"bad.png: unreadable image"),
    ("text.png", b"hello", r"text.png: unreadable image \(not a PNG file"),
    ("bad.npy", b"\x93NUMPY garbage", r"bad.npy: unreadable .npy file"),
    # Any other file is tried as a raster (GeoTIFF, PDS3 .IMG, ...) through rasterio.
    ("dem.xyz", b"1 2 3", r"dem.xyz: (not a raster GDAL can read \(.*\); a heightmap is a "
                          r"\.npy array, a 16-bit grayscale \.png, or a raster|reading a raster "
                          r"DEM needs the optional package rasterio)"),
])
def test_unreadable_files_are_clear_errors(tmp_path, name, blob, match):
    (tmp_path / name).write_bytes(blob)
    with pytest.raises(HeightmapError, match=match):
        load_heightmap(tmp_path / name, cell_size=1.0)


def test_colour_png_and_wrong_arrays_are_refused(tmp_path):
    (tmp_path / "c.png").write_bytes(encode_png(np.zeros((4, 4, 3), np.uint8)))
    with pytest.raises(HeightmapError, match=r"expected a grayscale PNG .* 3 channels"):
        load_heightmap(tmp_path / "c.png", cell_size=1.0)
    np.save(tmp_path / "v.npy", np.zeros(5))
    with pytest.raises(HeightmapError, match=r"expected a 2-d numeric array, got float64 \(5,\)"):
        load_heightmap(tmp_path / "v.npy", cell_size=1.0)


@pytest.mark.parametrize("kwargs, match", [
    (dict(cell_size=0.0), r"cell_size must be a number > 0"),
    (dict(cell_size=1.0, vertical_scale=-1.0), r"vertical_scale must be a number > 0"),
    (dict(cell_size=1.0, body="pluto"), r"unknown body 'pluto'"),
])
def test_bad_arguments(tmp_path, kwargs, match):
    np.save(tmp_path / "d.npy", np.zeros((4, 4)))
    with pytest.raises(ValueError, match=match):
        load_heightmap(tmp_path / "d.npy", **kwargs)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_heightmap(tmp_path / "nope.npy", cell_size=1.0)


def test_geotiff_without_rasterio_says_how_to_get_it(tmp_path, monkeypatch):
    real_import = builtins.__import__

    def no_rasterio(name, *args, **kwargs):
        if name == "rasterio":
            raise ImportError("No module named 'rasterio'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_rasterio)
    (tmp_path / "dem.tif").write_bytes(b"II*\x00")
    with pytest.raises(HeightmapError, match=r"reading GeoTIFF needs the optional package "
                                             r"rasterio \(pip install 'planetary-rover-nav\[geotiff\]'\)"):
        load_heightmap(tmp_path / "dem.tif", cell_size=1.0)


@pytest.mark.filterwarnings("ignore:Dataset has no geotransform")  # writing a bare test DEM
def test_geotiff_with_rasterio(tmp_path):
    rasterio = pytest.importorskip("rasterio")
    data = np.arange(20, dtype=np.float32).reshape(4, 5)
    with rasterio.open(tmp_path / "dem.tif", "w", driver="GTiff", height=4, width=5, count=1,
                       dtype="float32") as dst:
        dst.write(data, 1)
    t = load_heightmap(tmp_path / "dem.tif", cell_size=1.0)
    np.testing.assert_array_equal(t.height, data[::-1])


def test_load_of_a_plain_array_points_to_load_heightmap(tmp_path):
    np.save(tmp_path / "dem.npy", np.zeros((4, 4), dtype=np.float32))
    with pytest.raises(HeightmapError, match=r"is a single array, not a terrain archive; .*load_heightmap"):
        load(tmp_path / "dem.npy")
