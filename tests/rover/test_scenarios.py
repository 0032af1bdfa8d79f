"""The shipped scenarios by name: rover.scenarios, load_scenario, and every command that
takes a scenario, from a folder that is not the checkout."""

from __future__ import annotations

import doctest
import json

import pytest

from rover import scenarios
from rover.scenario import ScenarioError, load_scenario

SHIPPED = ["mars-jezero-perseverance", "mars-rock-field", "mars-sol-opportunity",
           "moon-highlands-yutu2", "moon-south-pole-low-sun", "moon-south-pole-pragyan"]


def test_names_paths_and_loading():
    assert scenarios.names() == SHIPPED
    for name in SHIPPED:
        p = scenarios.path(name)
        assert p.is_file() and p.parent == scenarios.FOLDER and p.stem == name
        assert scenarios.load(name).name == name
        assert scenarios.describe(name)


def test_an_unknown_name_lists_the_shipped_ones_and_the_nearest():
    with pytest.raises(ValueError, match=r"no shipped scenario is named 'mars-jezero'; did you "
                                         r"mean 'mars-jezero-perseverance'\? \(shipped: "):
        scenarios.path("mars-jezero")


def test_the_docstring_examples_run():
    assert doctest.testmod(scenarios).failed == 0


def test_load_takes_a_name_or_a_path_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert scenarios.load("moon-highlands-yutu2").rover.name == "yutu2"
    assert scenarios.load(scenarios.path("mars-rock-field")).name == "mars-rock-field"
    with pytest.raises(ScenarioError, match=r"^moon-highland: no such file, and no shipped "
                                            r"scenario is named 'moon-highland'; did you mean "
                                            r"'moon-highlands-yutu2'\?"):
        scenarios.load("moon-highland")
    # A path is a path: a missing file is not looked up among the names.
    with pytest.raises(ScenarioError, match=r"^moon-highlands-yutu2.toml: no such file; the "
                                            r"shipped scenario 'moon-highlands-yutu2' is run "
                                            r"by its name"):
        scenarios.load("moon-highlands-yutu2.toml")
    with pytest.raises(ScenarioError, match=r"^an empty name: expected a scenario file or a "
                                            r"shipped scenario's name$"):
        scenarios.load("")
    # load_scenario reads files only.
    with pytest.raises(ScenarioError, match=r"^moon-highlands-yutu2: no such file$"):
        load_scenario("moon-highlands-yutu2")


def test_a_file_of_the_same_name_in_the_folder_wins(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = scenarios.path("moon-south-pole-pragyan").read_text()
    (tmp_path / "mars-rock-field").write_text(text)
    assert scenarios.load("mars-rock-field").name == "moon-south-pole-pragyan"


def test_commands_take_a_name_from_another_folder(tmp_path, monkeypatch, capsys):
    from rover.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["validate", "moon-south-pole-pragyan", "mars-rock-field"]) == 0
    assert main(["run", "moon-south-pole-pragyan", "--quiet", "--out", "out"]) == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["scenario"] == "moon-south-pole-pragyan" and summary["planner"] == "mpgaa"
    capsys.readouterr()
    assert main(["run", "moon-south-pol-pragyan", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "did you mean 'moon-south-pole-pragyan'?" in err
    assert not (tmp_path / "runs").exists()


def test_bench_takes_a_name():
    from rover.bench.workloads import ScenarioSpec, parse_workload

    (spec,) = parse_workload("mars-rock-field")
    assert isinstance(spec, ScenarioSpec) and spec.path == scenarios.path("mars-rock-field")


def test_list_shows_names():
    import contextlib
    import io

    from rover.cli import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["list"]) == 0
    lines = buf.getvalue().splitlines()
    shown = [ln.split()[0] for ln in lines[1:1 + len(SHIPPED)]]
    assert lines[0] == "scenarios:" and shown == SHIPPED


def test_a_folder_of_the_same_name_does_not_hide_a_shipped_scenario(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mars-rock-field").mkdir()  # e.g. rover run mars-rock-field --out mars-rock-field
    assert scenarios.load("mars-rock-field").name == "mars-rock-field"


def test_the_old_path_of_a_shipped_scenario_says_how_to_run_it_now(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioError, match=r"^scenarios/mars-rock-field.toml: no such file; "
                                            r"the shipped scenario 'mars-rock-field' is run by "
                                            r"its name: 'rover run mars-rock-field'$"):
        scenarios.load("scenarios/mars-rock-field.toml")


def test_load_refuses_what_is_no_name_or_path():
    with pytest.raises(TypeError, match="a scenario's name or path must be a str or a path, "
                                        "got NoneType"):
        scenarios.load(None)
