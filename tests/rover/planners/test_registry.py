"""The planner registry: built-ins through it, planners registered in code, installed ones
(entry points, loaded on first use), name clashes and objects that are no planner."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from rover.planners import (DStarLite, MPGAAStar, PlannerError, _registry, astar, get, names,
                            plan_path, register)


@pytest.fixture
def clean(monkeypatch):
    """An empty set of registered and installed planners, restored afterwards."""
    monkeypatch.setattr(_registry, "_REGISTERED", {})
    monkeypatch.setattr(_registry, "_INSTALLED", {})
    monkeypatch.setattr(_registry, "_ENTRY_POINTS", {})
    return monkeypatch


def my_astar(cost, start, goal):
    """A* by another name."""
    return astar(cost, start, goal)


class MyIncremental:
    """Replans from scratch, behind the incremental interface."""

    def __init__(self, cost, start, goal):
        self.cost = np.array(cost, dtype=np.float64)
        self.start, self.goal = start, goal

    def update(self, cells, costs):
        self.cost[cells[:, 0], cells[:, 1]] = costs

    def move_to(self, cell):
        self.start = cell

    def plan(self):
        return astar(self.cost, self.start, self.goal)


def test_the_builtins_are_in_the_registry_with_their_kind():
    assert names()[:5] == ["astar", "wastar", "dijkstra", "dstar_lite", "mpgaa"]
    assert get("dstar_lite").planner is DStarLite and get("dstar_lite").incremental
    assert get("mpgaa").planner is MPGAAStar and get("mpgaa").display == "MPGAA*"
    assert not get("astar").incremental and get("astar").source == "built in"


def test_register_a_planner_in_code_and_use_it_by_name(clean):
    register("mine", my_astar, description="A* by another name")
    register("mine_inc", MyIncremental)
    assert names()[-2:] == ["mine", "mine_inc"]
    assert not get("mine").incremental and get("mine_inc").incremental
    cost = np.ones((8, 8))
    assert plan_path("mine", cost, (0, 0), (7, 7)).cost == plan_path("astar", cost, (0, 0),
                                                                      (7, 7)).cost
    assert plan_path("mine_inc", cost, (0, 0), (7, 0)).cost == 7.0
    register("mine", my_astar, description="again")  # a notebook cell run twice
    assert get("mine").description == "again"


@pytest.mark.parametrize("planner", ["astar", "mine_inc"])
def test_a_registered_planner_runs_the_same_traverse_as_the_one_it_wraps(clean, planner):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from _fixtures import bumpy_terrain, scenario

    from rover.sim import simulate, world_from_terrain

    register("mine", my_astar)
    register("mine_inc", MyIncremental)
    t = bumpy_terrain(size=(48, 48), seed=3)
    sc = scenario((4.0, 4.0), (19.75, 20.25), size=(48, 48))
    world = world_from_terrain(sc, t)
    ours = simulate(sc, planner="astar", world=world)
    theirs = simulate(sc, planner="mine" if planner == "astar" else planner, world=world)
    assert theirs.summary["outcome"] == ours.summary["outcome"] == "reached"
    assert theirs.summary["distance_m"] == ours.summary["distance_m"]
    np.testing.assert_array_equal(theirs.trace["x_m"], ours.trace["x_m"])


@pytest.mark.parametrize("name, planner, match", [
    ("astar", my_astar, r"cannot register planner 'astar': the name is taken by the built-in "
                        r"planner astar \(rover.planners._astar.astar\); choose another name"),
    ("my planner", my_astar, r"a planner's name must be a word .*got 'my planner'"),
    ("nothing", 42, r"planner 'nothing' \(registered in code\) is a int: expected a callable"),
])
def test_bad_registrations_are_one_clear_line(clean, name, planner, match):
    with pytest.raises(PlannerError, match=match):
        register(name, planner)


def entry_point(name, value, obj=None, error=None):
    def load():
        if error is not None:
            raise error
        return obj
    return SimpleNamespace(name=name, value=value, load=load)


def test_installed_planners_are_listed_without_loading_and_loaded_on_first_use(clean):
    loaded = []

    def load():
        loaded.append(1)
        return my_astar
    clean.setattr(_registry, "_ENTRY_POINTS",
                  {"theirs": SimpleNamespace(name="theirs", value="pkg.mod:my_astar", load=load)})
    assert "theirs" in names() and not loaded
    entry = get("theirs")
    assert loaded == [1] and entry.source == "entry point pkg.mod:my_astar"
    assert entry.description == "A* by another name."
    get("theirs")
    assert loaded == [1]


def test_an_installed_planner_that_clashes_or_does_not_load_is_one_line(clean):
    clean.setattr(_registry, "_ENTRY_POINTS", {
        "astar": entry_point("astar", "pkg.mod:fake", my_astar),
        "broken": entry_point("broken", "pkg.broken:X", error=ImportError("no module pkg")),
        "odd": entry_point("odd", "pkg.mod:VALUE", obj=3.0),
    })
    with pytest.raises(PlannerError, match=r"^the installed planner astar \(entry point "
                                           r"pkg.mod:fake\) has the name of the built-in "
                                           r"planner astar"):
        get("astar")
    with pytest.raises(PlannerError, match=r"^planner 'broken' \(entry point pkg.broken:X\) "
                                           r"does not load: ImportError: no module pkg$"):
        get("broken")
    with pytest.raises(PlannerError, match=r"^planner 'odd' \(entry point pkg.mod:VALUE\) is a "
                                           r"float"):
        get("odd")
    with pytest.raises(PlannerError, match=r"cannot register planner 'broken': the name is "
                                           r"taken by the installed planner broken"):
        register("broken", my_astar)


def test_an_unknown_name_lists_the_planners_and_the_nearest(clean):
    with pytest.raises(PlannerError, match=r"^unknown planner 'mpgaaa' \(did you mean "
                                           r"'mpgaa'\?\); valid planners: astar, wastar, "):
        get("mpgaaa")


def test_cli_lists_and_runs_a_registered_planner(clean, tmp_path, capsys):
    from rover.cli import main

    register("mine", my_astar, description="A* by another name")
    assert main(["list"]) == 0
    assert any(line.split()[:1] == ["mine"] and "A* by another name" in line
               for line in capsys.readouterr().out.splitlines())
    assert main(["run", "moon-south-pole-pragyan", "--planner", "mine", "--quiet", "--out",
                 str(tmp_path / "out")]) == 0
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["planner"] == "mine"
    assert main(["run", "moon-south-pole-pragyan", "--planner", "minee", "--quiet"]) == 2
    assert "did you mean 'mine'?" in capsys.readouterr().err
