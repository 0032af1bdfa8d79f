"""The run loop checks every plan before the rover uses it: a broken planner (a plugin's
mistake) ends the run "planner_error" with one line naming the planner, the replan and what
was wrong; ``rover run`` and ``rover bench`` exit 2 with that line and no traceback."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from rover.planners import Plan, _registry, astar, check_plan, register
from rover.sim import simulate


def good(cost, start, goal):
    return astar(cost, start, goal)


def jump(cost, start, goal):
    p = astar(cost, start, goal)
    path = np.delete(p.path, 1, axis=0) if len(p.path) > 2 else p.path
    return Plan(path, p.cost, p.expanded, True)


def wrong_cost(cost, start, goal):
    p = astar(cost, start, goal)
    return Plan(p.path, p.cost * 0.9, p.expanded, True)


def wrong_start(cost, start, goal):
    p = astar(cost, start, goal)
    return Plan(p.path[1:], p.cost, p.expanded, True)


def raises(cost, start, goal):
    raise RuntimeError("my planner broke\nsecond line")


def none(cost, start, goal):
    return None


def no_count(cost, start, goal):
    p = astar(cost, start, goal)
    return Plan(p.path, p.cost, None, True)


def through_blocked(cost, start, goal):
    # A straight line of cells, whatever lies on it.
    (r0, c0), (r1, c1) = start, goal
    n = max(abs(r1 - r0), abs(c1 - c0))
    path = np.array([(r0 + round(k * (r1 - r0) / n), c0 + round(k * (c1 - c0) / n))
                     for k in range(n + 1)], dtype=np.int64)
    return Plan(path, 1.0, 0, True)


BROKEN = {
    "jump": (jump, r"failed at replan 1: step 1 goes from \(\d+, \d+\) to \(\d+, \d+\), not to "
                   r"a neighbouring cell"),
    "wrong_cost": (wrong_cost, r"failed at replan 1: its plan reports cost [\d.]+, but its "
                               r"path costs [\d.]+"),
    "wrong_start": (wrong_start, r"failed at replan 1: its path starts at \(\d+, \d+\), not "
                                 r"at the rover's cell"),
    "raises": (raises, r"raised at replan 1: RuntimeError: my planner broke$"),
    "none": (none, r"failed at replan 1: it returned None, not a rover.planners.Plan"),
    "no_count": (no_count, r"failed at replan 1: its plan's expanded is None, not a whole "
                           r"number >= 0"),
}


@pytest.fixture
def clean(monkeypatch):
    monkeypatch.setattr(_registry, "_REGISTERED", {})
    return monkeypatch


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_planner_ends_the_run_with_one_line(clean, name):
    from rover import scenarios

    planner, pattern = BROKEN[name]
    register(name, planner)
    res = simulate(scenarios.load("moon-south-pole-pragyan"), planner=name)
    assert res.summary["outcome"] == "planner_error"
    assert "\n" not in res.summary["reason"]
    assert res.summary["reason"].startswith(f"planner {name!r} ")
    assert re.search(pattern, res.summary["reason"]), res.summary["reason"]


def test_check_plan_names_a_step_through_a_blocked_cell_and_a_corner_squeeze():
    grid = np.ones((6, 6))
    grid[2, 2] = np.inf
    p = through_blocked(grid, (0, 0), (5, 5))
    assert check_plan(grid, p, (0, 0), (5, 5)) == \
        "cell 3 of its path, (2, 2), is impassable on the known map"
    grid = np.ones((3, 3))
    grid[0, 1] = grid[1, 0] = np.inf
    squeeze = Plan(np.array([[0, 0], [1, 1]]), np.sqrt(2), 1, True)
    assert check_plan(grid, squeeze, (0, 0), (1, 1)) == \
        "step 1 goes from (0, 0) to (1, 1) past a blocked corner"
    # Past one blocked cell at a corner is a squeeze too (no corner cutting).
    grid[1, 0] = 1.0
    assert "past a blocked corner" in check_plan(grid, squeeze, (0, 0), (1, 1))
    assert check_plan(grid, Plan(np.empty((0, 2), np.int64), 3.0, 0, False), (0, 0),
                      (1, 1)) == "its plan says not found but has a path or a finite cost"


@pytest.mark.parametrize("name", ["jump", "raises"])
def test_rover_run_exits_2_with_the_line_and_writes_the_files(clean, tmp_path, capsys, name):
    from rover.cli import main

    register(name, BROKEN[name][0])
    out = tmp_path / "out"
    assert main(["run", "moon-south-pole-pragyan", "--planner", name, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith(f"error: planner {name!r} ")
    assert "Traceback" not in err
    assert json.loads((out / "summary.json").read_text())["outcome"] == "planner_error"


def test_rover_bench_exits_2_with_the_line(clean, capsys):
    from rover.cli import main

    register("wrong_cost", wrong_cost)
    assert main(["bench", "blobs:64", "--planners", "astar,wrong_cost", "-q"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "planner 'wrong_cost' failed: its plan reports cost" in err


def test_the_builtin_planners_pass_the_check_on_every_replan():
    from rover import scenarios

    for planner in ("astar", "wastar", "dijkstra", "dstar_lite", "mpgaa"):
        res = simulate(scenarios.load("moon-south-pole-pragyan"), planner=planner)
        assert res.summary["outcome"] == "reached", (planner, res.summary["reason"])


def straight_line(cost, start, goal):
    """An any-angle 'planner' that draws one segment, whatever it crosses."""
    from rover.planners import line_cost

    pts = np.array([start, goal], dtype=np.float64)
    c = line_cost(np.where(np.isinf(cost), 1.0, cost), pts)
    # The cells it crosses, roughly (the check reads the points of an any-angle plan).
    t = np.linspace(0.0, 1.0, 64)[:, None]
    cells = np.rint(pts[0] + t * (pts[1] - pts[0])).astype(np.int64)
    path = cells[np.r_[True, (np.diff(cells, axis=0) != 0).any(axis=1)]]
    return Plan(path, c, 1, True, pts)


def test_an_any_angle_plan_is_checked_on_its_points():
    from rover.planners import theta_star

    grid = np.ones((12, 12))
    grid[3:9, 6] = np.inf
    good_plan = theta_star(grid, (5, 0), (5, 11))
    assert len(good_plan.points) > 2 and check_plan(grid, good_plan, (5, 0), (5, 11)) is None
    assert check_plan(grid, straight_line(grid, (5, 0), (5, 11)), (5, 0), (5, 11)) == \
        "segment 1 of its points, (5, 0) to (5, 11), touches a blocked cell of the known map"
    dear = Plan(good_plan.path, good_plan.cost + 1.0, 1, True, good_plan.points)
    assert check_plan(grid, dear, (5, 0), (5, 11)).startswith(
        "its plan reports cost ") and "(line integral)" in check_plan(grid, dear, (5, 0),
                                                                      (5, 11))
    elsewhere = Plan(good_plan.path, good_plan.cost, 1, True, good_plan.points + 0.5)
    assert check_plan(grid, elsewhere, (5, 0), (5, 11)) == \
        "its points start at (5.5, 0.5), not at the rover's cell (5, 0)"
    # Touching a blocked cell at a corner point only is not clear either.
    grid = np.ones((4, 4))
    grid[1, 2] = np.inf
    assert "touches a blocked cell" in check_plan(grid, straight_line(grid, (0, 0), (3, 3)),
                                                  (0, 0), (3, 3))


def test_theta_star_drives_a_run_and_passes_the_check_at_every_replan():
    from rover import scenarios

    res = simulate(scenarios.load("moon-south-pole-pragyan"), planner="theta_star")
    assert res.summary["outcome"] == "reached", res.summary["reason"]
    assert res.summary["planner"] == "theta_star"


@pytest.mark.slow
def test_field_dstar_drives_a_run_and_passes_the_check_at_every_replan():
    from rover import scenarios

    res = simulate(scenarios.load("moon-south-pole-pragyan"), planner="field_dstar")
    assert res.summary["outcome"] == "reached", res.summary["reason"]
