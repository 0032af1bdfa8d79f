"""Sweep files: what they expand to, and a one-line error naming the file and key for every
mistake, before anything runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rover import sweep
from rover.sweep import SweepError, load_sweep

DATA = Path(__file__).parent / "data"


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    shutil.copy(DATA / "tiny.toml", tmp_path / "tiny.toml")
    p = tmp_path / name
    p.write_text(text)
    return p


BASE = """
[sweep]
scenarios = ["tiny.toml"]
seeds = [0, 1]
planners = ["astar", "mpgaa"]
"""


def test_expansion_product_order_and_ids(tmp_path):
    p = write(tmp_path, BASE + """
[sweep.vary]
"rover.preset" = ["curiosity", "perseverance"]
"terrain.rock_cover" = [0.05, 0.1, 0.2]
""")
    s = load_sweep(p)
    assert s.name == "s" and s.count() == 2 * 3 * 2 * 2
    cases = s.cases()
    assert len(cases) == 12
    # Product order: last key fastest, then seed.
    assert [c.values for c in cases[:4]] == [("curiosity", 0.05)] * 2 + [("curiosity", 0.1)] * 2
    assert [c.seed for c in cases[:4]] == [0, 1, 0, 1]
    assert cases[0].doc["rover"]["preset"] == "curiosity"
    assert cases[0].doc["terrain"]["rock_cover"] == 0.05
    runs = s.runs()
    assert len(runs) == 24 and len({r.id for r in runs}) == 24
    assert len({c.id for c in cases}) == 12
    # Planners of one case share it; ids do not depend on where the file is.
    assert runs[0].case is runs[1].case and runs[0].planner == "astar"
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    q = write(moved, p.read_text())
    assert [r.id for r in load_sweep(q).runs()] == [r.id for r in runs]
    # A changed value changes the ids of the runs it touches, and only those.
    r = write(tmp_path, p.read_text().replace("0.2]", "0.3]"), "t.toml")
    other = {x.id for x in load_sweep(r).runs()}
    assert len(other & {x.id for x in runs}) == 16


def test_seed_range_and_default_planner(tmp_path):
    p = write(tmp_path, """
[sweep]
scenarios = ["tiny.toml", "mars-jezero-perseverance"]
seeds = { first = 5, count = 3 }
""")
    s = load_sweep(p)
    assert s.seeds == (5, 6, 7) and s.planners is None
    # Each scenario's own planner.
    assert [c.runs[0][0] for c in s.cases()] == ["astar"] * 3 + ["mpgaa"] * 3
    assert s.scenarios[1][1].endswith("mars-jezero-perseverance.toml")


def test_shipped_sweep_by_name():
    assert "planners-jezero" in sweep.names()
    s = load_sweep("planners-jezero")
    assert s.routes is not None and s.count() >= 300
    assert s.planners == ("astar", "mpgaa", "dstar_lite", "theta_star")


@pytest.mark.parametrize("body, key, words", [
    # a typo in a key
    ("[sweep]\nscenarios = ['tiny.toml']\nseeds = [0]\nplaners = ['astar']",
     "[sweep].planers", "did you mean 'planners'"),
    ("[swep]\nscenarios = ['tiny.toml']", "swep", "did you mean 'sweep'"),
    (BASE + "[sweep.routes]\nmin_distance = 3.0\nmax_distance_m = 5.0",
     "[sweep.routes].min_distance", "did you mean 'min_distance_m'"),
    # a varied key that scenarios do not have
    (BASE + "[sweep.vary]\n'rover.prest' = ['curiosity']", '[sweep.vary]."rover.prest"[0]',
     "[rover].prest: unknown key (did you mean 'preset'?)"),
    (BASE + "[sweep.vary]\n'rovr.preset' = ['curiosity']", '[sweep.vary]."rovr.preset"[0]',
     "rovr: unknown key"),
    (BASE + "[sweep.vary]\n'rover.preset.x' = [1]", '[sweep.vary]."rover.preset.x"',
     "'preset' is not a table"),
    # a value of the wrong type for its key
    (BASE + "[sweep.vary]\n'terrain.rock_cover' = [0.1, 'lots']",
     '[sweep.vary]."terrain.rock_cover"[1]', "[terrain].rock_cover"),
    (BASE + "[sweep.vary]\n'rover.preset' = ['curiosity', 'curiosty']",
     '[sweep.vary]."rover.preset"[1]', "did you mean 'curiosity'"),
    (BASE + "[sweep.vary]\n'rover.preset' = []", '[sweep.vary]."rover.preset"', "non-empty"),
    (BASE + "[sweep.vary]\n'seed' = [1, 2]", '[sweep.vary]."seed"', "[sweep].seeds"),
    (BASE + "[sweep.vary]\n'mission.planner' = ['astar']", '[sweep.vary]."mission.planner"',
     "[sweep].planners"),
    # an unknown planner
    ("[sweep]\nscenarios = ['tiny.toml']\nseeds = [0]\nplanners = ['astr']",
     "[sweep].planners[0]", "astar"),
    ("[sweep]\nscenarios = ['tiny.toml']\nseeds = [0]\nplanners = ['astar', 'astar']",
     "[sweep].planners[1]", "listed twice"),
    # seeds
    ("[sweep]\nscenarios = ['tiny.toml']\nseeds = []", "[sweep].seeds", "is empty"),
    ("[sweep]\nscenarios = ['tiny.toml']\nseeds = { first = 0, count = 0 }",
     "[sweep].seeds.count", ">= 1"),
    ("[sweep]\nscenarios = ['tiny.toml']\nseeds = [0, -1]", "[sweep].seeds[1]", "whole number"),
    ("[sweep]\nscenarios = ['tiny.toml']\nseeds = [1.5]", "[sweep].seeds[0]", "whole number"),
    ("[sweep]\nscenarios = ['tiny.toml']", "[sweep].seeds", "required"),
    # scenarios
    ("[sweep]\nscenarios = ['nope.toml']\nseeds = [0]", "[sweep].scenarios[0]", "no such file"),
    ("[sweep]\nscenarios = ['mars-jezero-perseveranse']\nseeds = [0]", "[sweep].scenarios[0]",
     "did you mean 'mars-jezero-perseverance'"),
    ("[sweep]\nscenarios = []\nseeds = [0]", "[sweep].scenarios", "non-empty"),
    # a value listed twice, as 0 and 0.0 (one configuration)
    (BASE + "[sweep.vary]\n'terrain.rock_cover' = [0, 0.0]", '[sweep.vary]."terrain.rock_cover"[1]',
     "listed twice"),
    # a name that would lead the default output folder elsewhere
    ("[sweep]\nname = '../../x'\nscenarios = ['tiny.toml']\nseeds = [0]", "[sweep].name",
     "plain name"),
    # routes
    (BASE + "[sweep.routes]\nmin_distance_m = 30.0\nmax_distance_m = 20.0",
     "[sweep.routes].min_distance_m", "more than max_distance_m"),
    (BASE + "[sweep.routes]\nmin_distance_m = 80.0\nmax_distance_m = 90.0",
     "[sweep.routes].min_distance_m", "does not fit"),
    (BASE + "[sweep.routes]\nmin_distance_m = 1.0\nmax_distance_m = 5.0\n[sweep.vary]\n"
     "'mission.goal' = [[1.0, 1.0]]", '[sweep.vary]."mission.goal"', "not both"),
])
def test_bad_input_is_one_line_naming_file_and_key(tmp_path, body, key, words):
    p = write(tmp_path, body)
    with pytest.raises(SweepError) as info:
        load_sweep(p)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{p}: {key}: "), message
    assert words in message, message


def test_a_combination_that_fails_is_named(tmp_path):
    # Each value is fine alone; together they are not (a speed and a step too long for it).
    p = write(tmp_path, BASE + """
[sweep.vary]
"rover.max_speed_mps" = [0.05, 5.0]
"mission.dt_s" = [0.5, 1.0]
""")
    with pytest.raises(SweepError) as info:
        load_sweep(p)
    assert "[sweep.vary]" in str(info.value) and "rover.max_speed_mps = 5.0" in str(info.value)


def test_a_broken_scenario_file_is_named(tmp_path):
    p = write(tmp_path, BASE)
    (tmp_path / "tiny.toml").write_text("[mission]\nstart = [1.0, 1.0]\ngoal = 'x'\n")
    with pytest.raises(SweepError) as info:
        load_sweep(p)
    assert str(info.value).startswith(f"{p}: [sweep].scenarios[0]: ")
    assert "[mission].goal" in str(info.value)


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(SweepError, match="no such file"):
        load_sweep(tmp_path / "none.toml")
    with pytest.raises(SweepError, match="no shipped sweep is named 'planers-jezero'"):
        load_sweep("planers-jezero")
    bad = tmp_path / "bad.toml"
    bad.write_text("[sweep\n")
    with pytest.raises(SweepError, match="TOML syntax error"):
        load_sweep(bad)
