"""The scenario loader: every kind of bad input is a one-line ScenarioError naming file and key."""

from __future__ import annotations

import os

import numpy as np
import pytest

from rover.scenario import Scenario, ScenarioError, load_scenario

BASE = {
    "top": 'name = "unit"\nseed = 3\n',
    "terrain": '[terrain]\nbody = "mars"\nsize = [64, 48]\ncell_size_m = 0.5\n',
    "rover": '[rover]\npreset = "generic"\n',
    "mission": '[mission]\nstart = [2.0, 2.0]\ngoal = [20.0, 28.0]\n',
    "hazards": "",
}


def scenario_text(**parts: str) -> str:
    merged = {**BASE, **parts}
    return "\n".join(merged[k] for k in ("top", "terrain", "rover", "mission", "hazards"))


@pytest.fixture
def write(tmp_path):
    def _write(text: str, name: str = "case.toml"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write


def test_valid_file_gives_typed_frozen_objects_with_defaults(write):
    sc = load_scenario(write(scenario_text()))
    assert isinstance(sc, Scenario)
    assert sc.name == "unit" and sc.seed == 3
    assert sc.terrain.size == (64, 48) and sc.terrain.cell_size_m == 0.5
    assert sc.terrain.extent_m == (24.0, 32.0)
    assert sc.rover.name == "generic"
    assert sc.mission.start == (2.0, 2.0) and sc.mission.goal == (20.0, 28.0)
    assert sc.mission.planner == "mpgaa" and sc.mission.waypoints == ()
    with pytest.raises(AttributeError):
        sc.seed = 4  # frozen
    with pytest.raises(TypeError):
        sc.terrain.params["x"] = 1  # read-only mapping


def test_name_defaults_to_file_stem_and_rover_overrides_apply(write):
    text = scenario_text(top="", rover='[rover]\npreset = "generic"\nmax_speed_mps = 0.25\n')
    sc = load_scenario(write(text, "my-site.toml"))
    assert sc.name == "my-site" and sc.seed == 0
    assert sc.rover.max_speed_mps == 0.25


def test_default_time_step_fits_a_fast_rover_between_sensing_points(write):
    # A file that never sets dt_s must not be refused for the default's sake: a rover that
    # covers more than sense_every_m in the default 1 s gets a shorter default step.
    fast = scenario_text(rover='[rover]\npreset = "generic"\nmax_speed_mps = 2.0\n')
    sc = load_scenario(write(fast))
    assert sc.mission.dt_s == sc.mission.sense_every_m / 2.0
    slow = load_scenario(write(scenario_text(), "slow.toml"))
    assert slow.mission.dt_s == 1.0


def test_costmap_weights_default_and_zero_weights_make_binary_ground(write):
    from rover.models import CostWeights
    from rover.sim import prepare

    mission = "[mission]\nstart = [2.25, 1.75]\ngoal = [20.0, 28.0]\n"
    default = load_scenario(write(scenario_text(mission=mission), "a.toml"))
    assert default.costmap == CostWeights()
    text = scenario_text(rover='[rover]\npreset = "generic"\n[costmap]\ntilt_weight = 0\n'
                              'roughness_weight = 0\nstep_weight = 0.0\nroughness_limit_m = 0.1\n',
                         mission=mission)
    binary = load_scenario(write(text, "b.toml"))
    assert binary.costmap == CostWeights(tilt=0.0, roughness=0.0, step=0.0, roughness_limit_m=0.1)
    graded = prepare(default).true_cost
    flat = prepare(binary).true_cost
    # Weights change what a drivable cell costs, not which cells the rover can drive (the
    # roughness limit set here is the generic rover's default one).
    assert binary.costmap.roughness_limit(binary.rover) == CostWeights().roughness_limit(binary.rover)
    assert np.array_equal(np.isinf(flat), np.isinf(graded))
    assert np.all(flat[np.isfinite(flat)] == 1.0) and np.any(graded[np.isfinite(graded)] > 1.0)


def test_hazard_polygon_and_circle(write):
    hz = ('[[hazards]]\nname = "scarp"\npolygon = [[5, 5], [10, 5], [10, 10]]\n'
          '[[hazards]]\ncenter = [15.0, 15.0]\nradius_m = 2.0\n')
    sc = load_scenario(write(scenario_text(hazards=hz)))
    assert [h.name for h in sc.hazards] == ["scarp", "hazard 1"]
    assert sc.hazards[0].geometry().area == pytest.approx(12.5)
    assert sc.hazards[1].geometry().area == pytest.approx(np.pi * 4, rel=0.01)


BAD = [
    # (what, file text, message pattern)
    ("toml syntax", scenario_text(mission="[mission]\nstart = [2.0, 2.0\ngoal = [1, 1]\n"),
     r"case\.toml: TOML syntax error: .*\(at line 14, column 1\)"),
    ("toml syntax at end", scenario_text(mission="[mission]\nstart = [2.0, 2.0\n"),
     r"case\.toml: TOML syntax error: Unclosed array \(at end of document, line \d+, column 1\)"),
    ("unknown top key", scenario_text(top='name = "x"\nseeed = 1\n'),
     r"case\.toml: seeed: unknown key \(did you mean 'seed'\?\)"),
    ("unknown mission key", scenario_text(mission="[mission]\nstart = [2, 2]\ngoal = [20, 28]\ngoal_tolerence_m = 1\n"),
     r"\[mission\]\.goal_tolerence_m: unknown key \(did you mean 'goal_tolerance_m'\?\)"),
    ("unknown rover key", scenario_text(rover='[rover]\nmax_sped_mps = 1\n'),
     r"\[rover\]\.max_sped_mps: unknown key \(did you mean 'max_speed_mps'\?\)"),
    ("unknown terrain key", scenario_text(terrain='[terrain]\ncell_size = 0.5\n'),
     r"\[terrain\]\.cell_size: unknown key \(did you mean 'cell_size_m'\?\)"),
    ("missing table", scenario_text(mission=""), r"case\.toml: \[mission\]: required table is missing"),
    ("missing key", scenario_text(mission="[mission]\nstart = [2, 2]\n"),
     r"\[mission\]\.goal: required key is missing"),
    ("wrong type", scenario_text(terrain='[terrain]\ncell_size_m = "big"\n'),
     r"\[terrain\]\.cell_size_m: must be a number, got a string 'big'"),
    ("bool for number", scenario_text(top="seed = true\n"), r"seed: must be an integer, got a boolean"),
    ("negative cell size", scenario_text(terrain='[terrain]\ncell_size_m = -0.5\n'),
     r"\[terrain\]\.cell_size_m: must be > 0, got -0\.5"),
    ("bad size", scenario_text(terrain='[terrain]\nsize = [0, 10]\n'), r"\[terrain\]\.size: must be positive"),
    ("huge size", scenario_text(terrain='[terrain]\nsize = [100000, 100000]\n'), r"\[terrain\]\.size: .*too large"),
    ("goal outside", scenario_text(mission="[mission]\nstart = [2, 2]\ngoal = [900.0, 20.0]\n"),
     r"case\.toml: \[mission\]\.goal: \(900\.0, 20\.0\) lies outside the 24 x 32 m terrain"),
    ("waypoint outside", scenario_text(mission="[mission]\nstart = [2, 2]\ngoal = [20, 20]\nwaypoints = [[5, 5], [-1, 3]]\n"),
     r"\[mission\]\.waypoints\[1\]: \(-1\.0, 3\.0\) lies outside"),
    ("malformed point", scenario_text(mission="[mission]\nstart = [2]\ngoal = [20, 20]\n"),
     r"\[mission\]\.start: must be a point \[x, y\] in metres"),
    ("unknown planner", scenario_text(mission='[mission]\nstart = [2, 2]\ngoal = [20, 20]\nplanner = "a_star"\n'),
     r"\[mission\]\.planner: unknown value 'a_star' \(did you mean 'astar'\?\)"),
    ("unknown rover preset", scenario_text(rover='[rover]\npreset = "perserverance"\n'),
     r"\[rover\]\.preset: unknown value 'perserverance'.*valid values: .*generic"),
    ("inconsistent rover limit", scenario_text(rover='[rover]\nmax_speed_mps = -1\n'),
     r"\[rover\]\.max_speed_mps: must be a finite number > 0, got -1"),
    ("zero footprint", scenario_text(rover='[rover]\nlength_m = 0\n'),
     r"\[rover\]\.length_m: must be a finite number > 0, got 0"),
    ("unknown body", scenario_text(terrain='[terrain]\nbody = "marz"\n'),
     r"\[terrain\]\.body: unknown value 'marz' \(did you mean 'mars'\?\)"),
    ("unknown terrain preset", scenario_text(terrain='[terrain]\npreset = "mars-jezro"\n'),
     r"\[terrain\]\.preset: unknown value 'mars-jezro' \(did you mean 'mars-jezero'\?\)"),
    ("invalid polygon", scenario_text(hazards="[[hazards]]\npolygon = [[0, 0], [4, 4], [4, 0], [0, 4]]\n"),
     r"\[\[hazards\]\]\[0\]\.polygon: is not a valid polygon: Self-intersection"),
    ("too few vertices", scenario_text(hazards="[[hazards]]\npolygon = [[0, 0], [4, 4]]\n"),
     r"\[\[hazards\]\]\[0\]\.polygon: must be a list of at least 3 points"),
    ("hazard outside", scenario_text(hazards="[[hazards]]\npolygon = [[100, 100], [110, 100], [110, 110]]\n"),
     r"\[\[hazards\]\]\[0\]: lies wholly outside"),
    ("negative radius", scenario_text(hazards="[[hazards]]\ncenter = [5, 5]\nradius_m = -1\n"),
     r"\[\[hazards\]\]\[0\]\.radius_m: must be >= 0.001"),
    # A circle this small made no polygon and was called "wholly outside the terrain".
    ("tiny radius", scenario_text(hazards="[[hazards]]\ncenter = [5, 5]\nradius_m = 1e-300\n"),
     r"\[\[hazards\]\]\[0\]\.radius_m: must be >= 0.001, got 1e-300$"),
    # A rover cannot stop within a nanometre of a point: the run used to end stuck.
    ("tiny goal tolerance", scenario_text(mission="[mission]\nstart = [2, 2]\ngoal = [20, 20]\n"
                                                  "goal_tolerance_m = 1e-300\n"),
     r"\[mission\]\.goal_tolerance_m: must be >= 0.001, got 1e-300$"),
    ("missing heightmap", scenario_text(terrain='[terrain]\nheightmap = "nope.npy"\n'),
     r"\[terrain\]\.heightmap: no such file 'nope\.npy'"),
    ("heightmap is a folder", scenario_text(terrain='[terrain]\nheightmap = "."\n'),
     r"\[terrain\]\.heightmap: '\.' is a folder \(.*\); name the heightmap file in it"),
    ("heightmap name the OS refuses", scenario_text(terrain=f'[terrain]\nheightmap = "{"h" * 5000}.npy"\n'),
     r"\[terrain\]\.heightmap: cannot use h+\.npy as a file name: .*too long"),
    # TOML integers have no size limit: beyond float range they are "not finite", not a crash.
    ("integer beyond float range", scenario_text(mission="[mission]\nstart = [2, 2]\ngoal = [20, 20]\n"
                                                         "goal_tolerance_m = 1" + "0" * 400 + "\n"),
     r"\[mission\]\.goal_tolerance_m: must be finite, got 1000+\.\.\.$"),
    ("huge integer point", scenario_text(mission="[mission]\nstart = [2, 1" + "0" * 400 + "]\ngoal = [20, 20]\n"),
     r"\[mission\]\.start: must be finite"),
    ("huge integer terrain parameter", scenario_text(terrain="[terrain]\nhurst = 1" + "0" * 400 + "\n"),
     r"\[terrain\]\.hurst: must be finite"),
    ("key with a newline", scenario_text(mission='[mission]\nstart = [2, 2]\ngoal = [20, 20]\n"bad\\nkey" = 1\n'),
     r'\[mission\]\."bad\\nkey": unknown key'),
    ("tiny rover limit", scenario_text(rover="[rover]\nmax_step_m = 1e-200\n"),
     r"\[rover\]\.max_step_m: must be between 0\.001 and 100, got 1e-200"),
    ("tiny speed", scenario_text(rover="[rover]\nmax_speed_mps = 1e-300\n"),
     r"\[rover\]\.max_speed_mps: must be between 0\.0001 and 100"),
    ("time step too small", scenario_text(mission="[mission]\nstart = [2, 2]\ngoal = [20, 20]\ndt_s = 1e-300\n"),
     r"\[mission\]\.dt_s: a time step of 1e-300 s within the time limit .* makes 1.* steps \(at most 1e\+08\); "
     r"raise dt_s \(up to .* s\) or set a \[mission\]\.max_time_s$"),
    # Sensing very often shrinks the default step: the key the file wrote is to blame.
    ("sensing too often", scenario_text(mission="[mission]\nstart = [2, 2]\ngoal = [20, 20]\n"
                                                "sense_every_m = 1e-9\n"),
     r"\[mission\]\.sense_every_m: sensing every 1e-09 m at the rover's top speed of .* m/s sets "
     r"the default time step to .* s, so the time limit of .* s from the default \(10 x the time to "
     r"drive .*, starting and stopping at every sensing point, \+ 600 s\) takes .* steps \(at most "
     r"1e\+08\); raise sense_every_m or set a \[mission\]\.max_time_s$"),
    ("time step past the sensing point", scenario_text(
        rover='[rover]\npreset = "generic"\nmax_speed_mps = 0.3\n',
        mission="[mission]\nstart = [2, 2]\ngoal = [20, 20]\ndt_s = 4\nsense_every_m = 0.5\n"),
     r"\[mission\]\.dt_s: a time step of 4 s at the rover's top speed of 0\.3 m/s covers 1\.2 m, "
     r"more than \[mission\]\.sense_every_m \(0\.5 m\): use dt_s <= 1\.66$"),
    ("huge hazard", scenario_text(hazards="[[hazards]]\ncenter = [5, 5]\nradius_m = 1e300\n"),
     r"\[\[hazards\]\]\[0\]\.radius_m: must be <= 1e\+09"),
    ("huge polygon", scenario_text(hazards="[[hazards]]\npolygon = [[0, 0], [1e300, 0], [0, 1e300]]\n"),
     r"\[\[hazards\]\]\[0\]\.polygon\[1\]: coordinates must lie within \+-1e\+09 m"),
    ("huge cell size", scenario_text(terrain="[terrain]\ncell_size_m = 1e300\n"),
     r"\[terrain\]\.cell_size_m: must be a number > 0 and <= 1e\+06 \(metres\), got 1e\+300$"),
    ("one-cell terrain", scenario_text(terrain="[terrain]\nsize = 1\n"),
     r"\[terrain\]\.size: must be at least 2 cells per side, got \(1, 1\)$"),
    # x < width, yet x / cell_size rounds to the column past the last one.
    ("unknown costmap key", scenario_text(rover='[costmap]\ntilt = 0\n'),
     r"\[costmap\]\.tilt: unknown key; valid keys: footprint, roughness_limit_m, "
     r"roughness_weight, step_weight, tilt_weight$"),
    ("negative weight", scenario_text(rover='[costmap]\nstep_weight = -1\n'),
     r"\[costmap\]\.step_weight: must be >= 0, got -1"),
    ("huge weight", scenario_text(rover='[costmap]\nroughness_weight = 1e9\n'),
     r"\[costmap\]\.roughness_weight: must be <= 1000, got 1000000000\.0"),
    ("zero roughness limit", scenario_text(rover='[costmap]\nroughness_limit_m = 0\n'),
     r"\[costmap\]\.roughness_limit_m: must be >= 0.001, got 0$"),
    ("tiny roughness limit", scenario_text(rover='[costmap]\nroughness_limit_m = 1e-300\n'),
     r"\[costmap\]\.roughness_limit_m: must be >= 0.001, got 1e-300$"),
    ("tiny clearance", scenario_text(rover='[rover]\nclearance_m = 1e-200\n'),
     r"\[rover\]\.clearance_m: must be 0 \(none\) or at least 0.002, got 1e-200$"),
    ("costmap not a table", scenario_text(top='costmap = 3\n'),
     r"\[costmap\]: must be a table, got an integer"),
    ("start on the far edge", scenario_text(terrain="[terrain]\nsize = [68, 68]\ncell_size_m = 0.2\n",
                                            mission="[mission]\nstart = [13.6, 13.6]\ngoal = [2, 2]\n"),
     r"\[mission\]\.start: \(13\.6, 13\.6\) lies outside the 13\.6 x 13\.6 m terrain"),
]


@pytest.mark.parametrize("what,text,pattern", BAD, ids=[b[0] for b in BAD])
def test_bad_scenarios_raise_one_line_errors(write, what, text, pattern):
    path = write(text)
    with pytest.raises(ScenarioError, match=pattern) as info:
        load_scenario(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(path))


def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match=r"nope\.toml: no such file"):
        load_scenario(tmp_path / "nope.toml")


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + scenario_text().encode("utf-8"))
    assert load_scenario(path).name == "unit"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "pipe.toml")
    with pytest.raises(ScenarioError) as err:
        load_scenario(tmp_path / "pipe.toml")
    assert str(err.value) == f"{tmp_path / 'pipe.toml'}: not a regular file (a named pipe or a device)"


def test_a_scenario_can_come_through_a_pipe(tmp_path):
    # `rover validate <(cat s.toml)` and `... /dev/stdin < s.toml` name a pipe through a link
    r, w = os.pipe()
    os.write(w, scenario_text().encode())
    os.close(w)
    try:
        assert load_scenario(f"/dev/fd/{r}").name == "unit"
    finally:
        os.close(r)


@pytest.mark.parametrize("name,content,pattern", [
    ("dem.npy", b"not numpy", r"cannot read the size of 'dem\.npy': not a \.npy file"),
    ("dem.npy", None, r"cannot read the size of 'dem\.npy': a heightmap is a 2-D array, "
                      r"this \.npy holds shape \(3,\)"),
    ("dem.png", b"GIF89a", r"cannot read the size of 'dem\.png': not a PNG file"),
    # Any other file is a raster to GDAL (an ESRI ASCII grid, a PDS3 .IMG...): rasterio's.
    ("dem.asc", b"ncols 3", r"cannot read 'dem\.asc': reading a raster DEM needs the optional "
                            r"package rasterio \(pip install 'planetary-rover-nav\[geotiff\]'\)"),
    ("dem.tif", b"II*\x00" + bytes(64), r"cannot read 'dem\.tif': reading GeoTIFF "
                                        r"needs the optional package rasterio \(pip install"),
])
def test_an_unusable_heightmap_says_why(tmp_path, monkeypatch, name, content, pattern):
    import sys

    monkeypatch.setitem(sys.modules, "rasterio", None)  # as on an install without the extra
    if content is None:
        np.save(tmp_path / name, np.zeros(3))
    else:
        (tmp_path / name).write_bytes(content)
    path = tmp_path / "case.toml"
    path.write_text(scenario_text(terrain=f'[terrain]\nheightmap = "{name}"\n'))
    with pytest.raises(ScenarioError, match=r"\[terrain\]\.heightmap: " + pattern) as info:
        load_scenario(path)
    assert "\n" not in str(info.value)


def test_heightmap_is_relative_to_the_scenario_file(tmp_path):
    sub = tmp_path / "site"
    sub.mkdir()
    np.save(sub / "dem.npy", np.zeros((40, 30), dtype=np.float32))
    text = scenario_text(terrain='[terrain]\nheightmap = "dem.npy"\ncell_size_m = 1.0\n')
    path = sub / "s.toml"
    path.write_text(text)
    sc = load_scenario(path)
    assert sc.terrain.heightmap == (sub / "dem.npy").resolve()
    assert sc.terrain.size == (40, 30)


@pytest.mark.parametrize("line,pattern", [
    ('hurst = "abc"', r"\[terrain\]\.hurst: must be a number, got 'abc'"),
    ("hurst = -3", r"\[terrain\]\.hurst: must be in \(0, 1\), got -3"),
    ("crater_min_d_m = 10.0\ncrater_max_d_m = 1.0", r"\[terrain\]\.crater_min_d_m: the crater diameters need"),
    ('rock_model = "boulders"', r"\[terrain\]\.rock_model: .*must be one of"),
])
def test_terrain_parameters_are_checked_when_loading(write, line, pattern):
    with pytest.raises(ScenarioError, match=pattern):
        load_scenario(write(scenario_text(terrain=f'[terrain]\nsize = [64, 48]\n{line}\n')))


def test_top_level_keys_have_no_leading_dot(write):
    with pytest.raises(ScenarioError, match=r"case\.toml: seed: must be an integer, got a number 1\.5$"):
        load_scenario(write(scenario_text(top="seed = 1.5\n")))


def test_only_mission_is_required(write):
    sc = load_scenario(write("[mission]\nstart = [10.0, 10.0]\ngoal = [200.0, 150.0]\n"))
    assert (sc.terrain.body, sc.terrain.size, sc.terrain.cell_size_m) == ("mars", (512, 512), 0.5)
    assert sc.rover.name == "generic"
    with pytest.raises(ScenarioError, match=r"\[mission\]: required table is missing"):
        load_scenario(write(""))


def test_values_are_shown_as_toml_writes_them(write):
    with pytest.raises(ScenarioError, match=r"seed: must be an integer, got a boolean true$"):
        load_scenario(write(scenario_text(top="seed = true\n")))


def test_simulate_and_prepare_name_a_callers_mistake(write):
    from rover.sim import prepare, simulate

    path = write(scenario_text())
    with pytest.raises(TypeError, match=r"scenario must be a rover\.Scenario, got PosixPath \(a file name\? "
                                        r"load it first: rover\.load_scenario\(path\)\)"):
        simulate(path)
    sc = load_scenario(path)
    for bad in (-1, "3", 1.5, True):
        with pytest.raises(ValueError, match=r"^seed must be a whole number >= 0, got "):
            prepare(sc, seed=bad)


# A value changed in Python after loading is not blamed on the file (Scenario.as_loaded)

def _flat(rows, cols):
    import terrains

    return terrains.Terrain(height=np.zeros((rows, cols), np.float32), cell_size=0.5,
                            body=terrains.bodies()["mars"])


def test_a_value_set_in_code_names_the_field_and_says_so(write):
    from dataclasses import replace

    from rover.models import CostWeights
    from rover.sim import prepare, world_from_terrain

    sc = load_scenario(write(scenario_text(), "mars.toml"))
    bad = replace(sc, rover=replace(sc.rover, max_speed_mps=-1))
    with pytest.raises(ScenarioError, match=r"^rover\.max_speed_mps \(set in code, not in "
                                            r"\S*mars\.toml\): must be a finite number > 0, "
                                            r"got -1$") as info:
        prepare(bad)
    assert info.value.set_in_code and info.value.key == "rover.max_speed_mps"
    bad = replace(sc, costmap=CostWeights(roughness_limit_m=1e-300))
    with pytest.raises(ScenarioError, match=r"^costmap\.roughness_limit_m \(set in code, not "
                                            r"in \S*mars\.toml\): must be between 0\.001"):
        prepare(bad)
    bad = replace(sc, mission=replace(sc.mission, goal=(500.0, 5.0)))
    with pytest.raises(ScenarioError, match=r"^mission\.goal \(set in code, not in "
                                            r"\S*mars\.toml\): \(500, 5\) lies outside"):
        world_from_terrain(bad, _flat(64, 48))
    assert sc.as_loaded == sc and bad.as_loaded is sc.as_loaded  # replace() carries it over


def test_a_value_from_the_file_still_names_the_file_and_key(write):
    from dataclasses import replace

    from rover.sim import world_from_terrain

    pit = '[[hazards]]\nname = "pit"\ncenter = [2.0, 2.0]\nradius_m = 1.0\n'
    sc = load_scenario(write(scenario_text(hazards=pit), "mars.toml"))
    flat = _flat(64, 48)
    # Another value changed in code does not move the blame off the file's own key.
    faster = replace(sc, rover=replace(sc.rover, max_speed_mps=0.2))
    for case in (sc, faster):
        with pytest.raises(ScenarioError, match=r"^\S*mars\.toml: \[mission\]\.start: "
                                                r"\(2, 2\) is inside hazard 'pit'$") as info:
            world_from_terrain(case, flat)
        assert not info.value.set_in_code and info.value.key == "[mission].start"
