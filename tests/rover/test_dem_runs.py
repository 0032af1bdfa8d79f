"""Runs on real ground (issue 25): scenarios on georeferenced DEMs, end to end.

``[terrain] heightmap`` without ``cell_size_m``, ``window``, the body from the CRS,
``[mission]`` points as ``{ lat, lon }``, no-data cells impassable and known from the start,
latitude and longitude in the summary and the trace, ``rover terrain --info``; and the bad
input, each a one-line error naming the file and key, exit 2, nothing written.
"""

from __future__ import annotations

import csv
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rover.cli import main
from rover.scenario import ScenarioError, load_scenario

rasterio = pytest.importorskip(
    "rasterio", reason="the DEM tests write GeoTIFFs with rasterio, the optional 'geotiff' "
                       "extra (pip install 'planetary-rover-nav[geotiff]'); CI installs it "
                       "with the 'test' extra")

MARS_R = 3_396_190.0
WEST, NORTH, CELL = 12_000.0, 240_000.0, 0.5   # a Mars equirectangular DEM, 0.5 m cells


def write_dem(path: Path, *, crs="IAU_2015:49910", rows=160, cols=200, hole=True,
              geo=True) -> Path:
    """Gentle, smooth relief of 0.5 m cells, int16 with scale 0.01 m, a no-data block."""
    yy, xx = np.mgrid[0:rows, 0:cols]
    z = (30 * np.sin(xx / 23.0) * np.cos(yy / 17.0)).astype(np.int16)
    if hole:
        z[60:80, 90:110] = -32768                     # file rows: north first
    kw = dict(driver="GTiff", height=rows, width=cols, count=1, dtype="int16", nodata=-32768)
    if geo:
        kw.update(crs=crs, transform=rasterio.Affine(CELL, 0, WEST, 0, -CELL, NORTH))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
        with rasterio.open(path, "w", **kw) as dst:
            dst.write(z, 1)
            dst.scales = (0.01,)
    return path


def latlon(x: float, y: float) -> tuple[float, float]:
    """Latitude and longitude [deg] of terrain point (x, y) of the whole DEM above."""
    south = NORTH - 160 * CELL
    return math.degrees((south + y) / MARS_R), math.degrees((WEST + x) / MARS_R)


def scenario(tmp_path, terrain: str, mission: str = 'start = [10.0, 10.0]\ngoal = [90.0, 70.0]\n',
             name="site.toml") -> Path:
    p = tmp_path / name
    p.write_text(f'[terrain]\n{terrain}\n[rover]\npreset = "generic"\n[mission]\n{mission}')
    return p


def test_a_scenario_on_a_georeferenced_dem_takes_its_cell_size_body_and_place(tmp_path):
    write_dem(tmp_path / "dem.tif")
    lat, lon = latlon(90.0, 70.0)
    sc = load_scenario(scenario(tmp_path, 'heightmap = "dem.tif"',
                                f'start = [10.0, 10.0]\ngoal = {{ lat = {lat!r}, lon = {lon!r} }}\n'))
    t = sc.terrain
    assert (t.size, t.cell_size_m, t.body, t.vertical_scale) == ((160, 200), 0.5, "mars", 0.01)
    assert sc.mission.goal == pytest.approx((90.0, 70.0), abs=1e-6)
    g = t.georef
    assert g.body == "mars" and g.crs == "IAU_2015:49910"
    assert math.isclose(g.center_lat_deg, latlon(50.0, 40.0)[0], rel_tol=1e-9)


def test_a_window_in_metres_and_in_degrees(tmp_path):
    write_dem(tmp_path / "dem.tif")
    sc = load_scenario(scenario(
        tmp_path, f'heightmap = "dem.tif"\nwindow = {{ center = [{WEST + 50}, {NORTH - 40}], '
                  'size_m = [60.0, 40.0] }', 'start = [5.0, 5.0]\ngoal = [50.0, 30.0]\n'))
    assert sc.terrain.size == (80, 120)
    assert sc.terrain.georef.origin == (WEST + 20.0, NORTH - 60.0)
    lat, lon = latlon(50.0, 40.0)
    sc = load_scenario(scenario(
        tmp_path, f'heightmap = "dem.tif"\nwindow = {{ center_lat = {lat!r}, center_lon = '
                  f'{lon!r}, size_m = [60.0, 40.0] }}', 'start = [5.0, 5.0]\ngoal = [50.0, 30.0]\n'))
    assert sc.terrain.size == (80, 120)
    assert sc.terrain.georef.origin == pytest.approx((WEST + 20.0, NORTH - 80.0 + 20.0))


def test_a_run_on_real_ground_reports_latitude_longitude_and_nodata(tmp_path):
    from rover import simulate
    from rover.sim import prepare

    write_dem(tmp_path / "dem.tif")
    # Start west of the hole, goal east of it: the straight line crosses the no-data block.
    sc = load_scenario(scenario(tmp_path, 'heightmap = "dem.tif"',
                                'start = [30.0, 45.0]\ngoal = [70.0, 45.0]\nplanner = "mpgaa"\n'))
    world = prepare(sc)
    nodata = world.terrain.nodata
    assert int(nodata.sum()) == 400
    # Known from the start, as the map's edge is: inf in the known map before any sensing.
    keep = world.traversability.known_keep_out()
    assert keep[nodata].all()
    seen_first = []
    res = simulate(sc, world=world,
                   observer=lambda s: seen_first.append(s) if not seen_first else None)
    s = res.summary
    assert s["outcome"] == "reached" and s["nodata_cells"] == 400
    # Where: the extent of the no-data cells, in metres.
    rows, cols = np.nonzero(nodata)
    assert s["nodata_extent_m"] == [cols.min() * CELL, rows.min() * CELL,
                                    (cols.max() + 1) * CELL, (rows.max() + 1) * CELL]
    assert s["crs"] == "IAU_2015:49910" and s["body"] == "mars"
    la, lo = latlon(30.0, 45.0)
    assert s["start_lat_deg"] == pytest.approx(la, abs=1e-7)
    assert s["start_lon_deg"] == pytest.approx(lo, abs=1e-7)
    # The rover never entered a no-data cell (nor came within its radius of one).
    rr = np.floor(res.trace["y_m"] / CELL).astype(int)
    cc = np.floor(res.trace["x_m"] / CELL).astype(int)
    assert not world.traversability.nodata_keep_out[rr, cc].any()
    assert not nodata[rr, cc].any()
    # The trace carries latitude and longitude of every row.
    want = [latlon(x, y) for x, y in zip(res.trace["x_m"], res.trace["y_m"])]
    np.testing.assert_allclose(res.trace["lat_deg"], [w[0] for w in want], atol=1e-9)
    np.testing.assert_allclose(res.trace["lon_deg"], [w[1] for w in want], atol=1e-9)
    assert np.isinf(res.known_cost[nodata]).all()


def test_the_cli_writes_latlon_into_summary_and_trace(tmp_path, capsys):
    write_dem(tmp_path / "dem.tif")
    p = scenario(tmp_path, 'heightmap = "dem.tif"')
    assert main(["run", str(p), "-q", "--out", str(tmp_path / "out")]) == 0
    s = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert {"start_lat_deg", "start_lon_deg", "goal_lat_deg", "end_lon_deg", "crs"} <= set(s)
    with open(tmp_path / "out" / "trace.csv") as fh:
        head = next(csv.reader(fh))
    assert head[-2:] == ["lat_deg", "lon_deg"]


def test_points_on_a_procedural_terrain_stay_as_they_were(tmp_path):
    # No georeferencing, no new keys: the summary and trace of a procedural run are unchanged.
    from rover import simulate

    p = tmp_path / "p.toml"
    p.write_text('[terrain]\nsize = [64, 64]\n[mission]\nstart = [3.0, 3.0]\ngoal = [20.0, 20.0]\n')
    res = simulate(load_scenario(p))
    assert "lat_deg" not in res.trace and "start_lat_deg" not in res.summary
    assert "nodata_cells" not in res.summary


def nearest_square_gap_naive(mask, radius, cell):
    """grow_cells by its definition: cells whose square comes closer than ``radius`` to a
    set cell's square, and the set cells."""
    out = mask.copy()
    rows, cols = mask.shape
    for r, c in zip(*np.nonzero(mask)):
        for rr in range(rows):
            for cc in range(cols):
                gap = cell * math.hypot(max(abs(rr - r) - 1, 0), max(abs(cc - c) - 1, 0))
                if gap < radius - 1e-9 * cell:
                    out[rr, cc] = True
    return out


@pytest.mark.parametrize("radius", [0.0, 0.3, 0.5, 0.9, 1.6])
def test_grow_cells_matches_its_definition(radius):
    from rover.costmap import grow_cells

    rng = np.random.default_rng(int(radius * 10))
    mask = rng.random((14, 15)) < 0.08
    mask[5:9, 4:10] = True                                  # a block: its inside is skipped
    np.testing.assert_array_equal(grow_cells(mask, radius, 0.5),
                                  nearest_square_gap_naive(mask, radius, 0.5))


# ---------------------------------------------------------------------------- bad input

def run_cli(args, capsys) -> str:
    code = main(args)
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    return err


@pytest.mark.parametrize("terrain, mission, key, match", [
    # A DEM without georeferencing and no cell_size_m: say to give it.
    ('heightmap = "bare.tif"', None, "[terrain].cell_size_m",
     r"required: the DEM 'bare.tif' has no georeferencing .* give cell_size_m"),
    # A window outside the DEM.
    ('heightmap = "dem.tif"\nwindow = { center = [0.0, 0.0], size_m = [50.0, 50.0] }', None,
     "[terrain].window", r"lies outside the DEM, which covers \[12000, 12100\] x "
                         r"\[239920, 240000\] m"),
    # Latitude/longitude points without a georeferenced terrain.
    ('size = [64, 64]', 'start = { lat = 1.0, lon = 2.0 }\ngoal = [20.0, 20.0]\n',
     "[mission].start", r"a point given as lat/lon needs a georeferenced terrain"),
    ('heightmap = "bare.tif"\ncell_size_m = 0.5', 'start = [5.0, 5.0]\ngoal = { lat = 1.0, lon = 2.0 }\n',
     "[mission].goal", r"a point given as lat/lon needs a georeferenced terrain"),
    # A body mismatch.
    ('heightmap = "dem.tif"\nbody = "moon"', None, "[terrain].body",
     r"'moon' contradicts the DEM 'dem.tif', which is on 'mars' \(its CRS IAU_2015:49910\)"),
    # A file that is not a raster.
    ('heightmap = "notes.tif"', None, "[terrain].heightmap",
     r"cannot read 'notes.tif': not a raster GDAL can read"),
    # An explicit cell size contradicting the file's.
    ('heightmap = "dem.tif"\ncell_size_m = 2.0', None, "[terrain].cell_size_m",
     r"2 m contradicts the DEM's own cell of 0.5 m \(from its georeferencing, IAU_2015:49910\)"),
    # A window on a .npy heightmap.
    ('heightmap = "dem.npy"\nwindow = { center = [1.0, 1.0], size_m = [5.0, 5.0] }', None,
     "[terrain].window", r"needs a georeferenced DEM"),
    # A point outside the window, in degrees.
    ('heightmap = "dem.tif"', 'start = { lat = 80.0, lon = 0.2 }\ngoal = [20.0, 20.0]\n',
     "[mission].start", r"lat 80, lon 0.2 \(at x, y = .*\) lies outside the 100 x 80 m terrain"),
])
def test_bad_input_is_one_line_naming_file_and_key_exit_2(tmp_path, capsys, terrain, mission,
                                                          key, match):
    write_dem(tmp_path / "dem.tif", cols=200)
    write_dem(tmp_path / "bare.tif", geo=False)
    (tmp_path / "notes.tif").write_text("a note, not a raster\n")
    np.save(tmp_path / "dem.npy", np.zeros((20, 20), np.float32))
    p = scenario(tmp_path, terrain, mission or 'start = [10.0, 10.0]\ngoal = [30.0, 30.0]\n')
    with pytest.raises(ScenarioError, match=match) as info:
        load_scenario(p)
    assert str(info.value).startswith(f"{p}: {key}: ")
    out = tmp_path / "never"
    err = run_cli(["run", str(p), "--out", str(out)], capsys)
    assert err.startswith(f"error: {p}: {key}: ")
    assert not out.exists()                         # nothing written, not even the folder


def test_a_mostly_nodata_window_is_refused_when_the_terrain_is_built(tmp_path, capsys):
    write_dem(tmp_path / "dem.tif")
    # The window is the no-data block and a margin: 400 of 576 cells hold no data.
    p = scenario(tmp_path, f'heightmap = "dem.tif"\nwindow = {{ center = [{WEST + 50.0}, '
                           f'{NORTH - 35.0}], size_m = [12.0, 12.0] }}',
                 'start = [1.0, 1.0]\ngoal = [2.0, 2.0]\n')
    err = run_cli(["run", str(p), "--out", str(tmp_path / "never")], capsys)
    assert f"{p}: [terrain].window: " in err and "% no-data" in err
    assert not (tmp_path / "never").exists()


def test_terrain_info_describes_a_dem(tmp_path, capsys):
    write_dem(tmp_path / "dem.tif")
    assert main(["terrain", "--info", str(tmp_path / "dem.tif")]) == 0
    out = capsys.readouterr().out
    for want in ("200 x 160 pixels", "IAU_2015:49910 (projected, metres)", "body       mars",
                 "0.5 x 0.5 m", "100 m x 80 m", "latitude ", "1.25 % of the cells (400 of 32,000)"):
        assert want in out, (want, out)
    (tmp_path / "notes.tif").write_text("no raster\n")
    err = run_cli(["terrain", "--info", str(tmp_path / "notes.tif")], capsys)
    assert "not a raster GDAL can read" in err


def test_a_procedural_run_does_not_import_rasterio(tmp_path):
    p = tmp_path / "p.toml"
    p.write_text('[terrain]\nsize = [48, 48]\nrock_model = "none"\n[mission]\nstart = [3.0, 3.0]\ngoal = [15.0, 15.0]\n')
    code = ("import sys, rover; from rover.cli import main; "
            f"c = main(['run', {str(p)!r}, '-q', '--out', {str(tmp_path / 'o')!r}]); "
            "print(c, 'rasterio' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.split()[-2:] == ["0", "False"], done.stdout + done.stderr


def test_a_start_on_nodata_says_so_and_where_to_go(tmp_path):
    write_dem(tmp_path / "dem.tif")
    # File rows 60-79, columns 90-109 hold no data: grid rows 80-99, x 45-55 m, y 40-50 m.
    p = scenario(tmp_path, 'heightmap = "dem.tif"', 'start = [50.0, 45.0]\ngoal = [90.0, 70.0]\n')
    from rover.sim import prepare

    with pytest.raises(ScenarioError, match=r"\[mission\].start: \(50, 45\) is on impassable "
                                            r"ground \(the DEM has no data there\); the nearest "
                                            r"passable point is"):
        prepare(load_scenario(p))


def test_the_sun_site_defaults_to_the_dems_own_place(tmp_path):
    """[sun] with a start time only: a georeferenced terrain gives the site (its centre);
    given keys win; a terrain without georeferencing still needs them."""
    write_dem(tmp_path / "dem.tif")
    sun = '\n[sun]\nstart = "2021-03-01T12:00:00Z"\n'
    p = scenario(tmp_path, 'heightmap = "dem.tif"')
    p.write_text(p.read_text() + sun)
    sc = load_scenario(p)
    g = sc.terrain.georef
    assert (sc.sun.lat_deg, sc.sun.lon_deg) == (g.center_lat_deg, g.center_lon_deg)
    p.write_text(p.read_text() + "lat_deg = 18.0\n")
    assert load_scenario(p).sun.lat_deg == 18.0
    q = tmp_path / "flat.toml"
    q.write_text('[terrain]\nbody = "mars"\nsize = [64, 64]\n[rover]\npreset = "generic"\n'
                 '[mission]\nstart = [5.0, 5.0]\ngoal = [20.0, 20.0]\n' + sun)
    with pytest.raises(ScenarioError, match=r"\[sun\]\.lat_deg: required key is missing"):
        load_scenario(q)
