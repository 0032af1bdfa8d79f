"""A case on a worker, in-process here: rows equal what ``rover.simulate`` gives, routes are
drawn reproducibly on passable ground, and runs.csv keeps whole rows only."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rover import simulate
from rover.sweep import CLOCK_COLUMNS, RouteError, columns, draw_route, load_sweep, run_case
from rover.sweep._rows import RunsFile, cell, parse

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def tiny():
    return load_sweep(DATA / "tiny-sweep.toml")


def same(a: dict, b: dict) -> bool:
    return {k: v for k, v in a.items() if k not in CLOCK_COLUMNS} == \
        {k: v for k, v in b.items() if k not in CLOCK_COLUMNS}


def test_rows_equal_simulate_in_process(tiny):
    cases = tiny.cases()
    for case in (cases[0], cases[-1]):
        rows = run_case(case)
        assert [r["planner"] for r in rows] == ["astar", "mpgaa"]
        assert [r["run"] for r in rows] == [rid for _, rid in case.runs]
        for row, run in zip(rows, [r for r in tiny.runs() if r.case.id == case.id]):
            scenario = run.scenario()
            s = simulate(scenario, planner=run.planner, seed=run.seed).summary
            assert row["outcome"] == "reached"
            for k in row:
                if k in s and k not in CLOCK_COLUMNS and k not in ("scenario", "seed"):
                    assert row[k] == s[k], k
            assert (row["start_x_m"], row["start_y_m"]) == scenario.mission.start
            assert (row["goal_x_m"], row["goal_y_m"]) == scenario.mission.goal
            assert row["seed"] == run.seed and row["rover.preset"] == scenario.rover.name
            assert list(row) == columns(tiny)
    # The same case again: the same rows.
    assert all(same(a, b) for a, b in zip(run_case(cases[0]), run_case(cases[0])))


def test_routes_drawn_within_bounds_on_passable_connected_ground(tiny):
    from rover.planners import plan_path

    seen = set()
    for run in tiny.runs()[::4]:
        sc = run.scenario()
        (x0, y0), (x1, y1) = sc.mission.start, sc.mission.goal
        d = math.dist((x0, y0), (x1, y1))
        assert 10.0 <= d <= 20.0
        assert sc.mission.waypoints == ()
        seen.add((x0, y0, x1, y1))
    assert len(seen) > 1  # different seeds, different routes
    cost = np.ones((40, 40))
    cost[:, 20] = np.inf  # a wall: no goal on the far side may be drawn
    for seed in range(20):
        s, g = draw_route(cost, 1.0, seed, 5.0, 12.0)
        assert (s[0] < 20) == (g[0] < 20)
        assert plan_path("astar", cost, (int(s[1]), int(s[0])), (int(g[1]), int(g[0]))).found
        assert draw_route(cost, 1.0, seed, 5.0, 12.0) == (s, g)


def test_no_route_is_an_error_row_and_the_other_runs_go_on(tiny):
    with pytest.raises(RouteError, match="no route of 50-60 m"):
        draw_route(np.ones((20, 20)), 1.0, 0, 50.0, 60.0)
    case = tiny.cases()[0]
    broken = dataclasses.replace(case, doc={**case.doc, "rover": {"preset": "nope"}})
    rows = run_case(broken)
    assert [r["outcome"] for r in rows] == ["error", "error"]
    assert "[rover].preset" in rows[0]["reason"] and "\n" not in rows[0]["reason"]
    assert rows[0]["run"] == case.runs[0][1]


@given(st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**63),
                 st.floats(allow_nan=False), st.text()))
def test_cells_read_back_as_written(v):
    text = cell(v)
    assert "\n" not in text and "\r" not in text
    if isinstance(v, float):
        assert parse("distance_m", text) == v
    elif isinstance(v, bool) or v is None:
        assert parse("rover.x", text, {"rover.x": {cell(v): v}}) is v
    elif isinstance(v, int):
        assert parse("seed", text) == v
    elif "\n" not in v and "\r" not in v:
        assert parse("reason", text) == v


def test_runs_file_drops_a_torn_line_and_refuses_another_sweeps(tmp_path, tiny):
    header = columns(tiny)
    rows = run_case(tiny.cases()[0])
    path = tmp_path / "runs.csv"
    f = RunsFile(path, header).open()
    for r in rows:
        f.append(r)
    f.close()
    whole = path.read_bytes()
    path.write_bytes(whole + b"3f2a,1b,tiny.toml,curio")  # the machine died mid-row
    assert RunsFile.check(path, header) == 2
    g = RunsFile(path, header, {"rover.preset": {"curiosity": "curiosity"}}).open()
    g.close()
    assert g.torn == 1 and path.read_bytes() == whole
    assert [same(a, b) for a, b in zip(g.rows, rows)] == [True, True]
    with pytest.raises(ValueError, match="another sweep .*columns this sweep has not: rover.preset"):
        RunsFile.check(path, [c for c in header if c != "rover.preset"])
    with pytest.raises(ValueError, match="it lacks this sweep's extra"):
        RunsFile.check(path, header + ["extra"])
    lines = whole.split(b"\n")
    path.write_bytes(b"\n".join([lines[0], b"a,b,c", lines[2], b""]))
    with pytest.raises(ValueError, match="line 2 has 3 cells"):
        RunsFile(path, header).open()


def test_a_second_sweep_into_the_same_file_is_refused(tmp_path, tiny):
    header = columns(tiny)
    first = RunsFile(tmp_path / "runs.csv", header).open()
    try:
        with pytest.raises(ValueError, match="another rover sweep is writing to it"):
            RunsFile(tmp_path / "runs.csv", header).open()
    finally:
        first.close()
    RunsFile(tmp_path / "runs.csv", header).open().close()  # free again once closed


def test_an_edited_file_is_named_by_its_line_before_anything_runs(tmp_path, tiny):
    header = columns(tiny)
    path = tmp_path / "runs.csv"
    f = RunsFile(path, header).open()
    for r in run_case(tiny.cases()[0]):
        f.append(r)
    f.close()
    lines = path.read_text().splitlines()
    cells = lines[1].split(",")
    cells[header.index("seed")] = "x"
    path.write_text("\n".join([lines[0], ",".join(cells), lines[2], ""]))
    with pytest.raises(ValueError, match="line 2: invalid literal"):
        RunsFile.check(path, header)
    # a byte-order mark from a spreadsheet is not "another sweep"
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join([lines[0], lines[2], ""]).encode())
    assert RunsFile.check(path, header) == 1
