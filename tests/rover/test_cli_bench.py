"""`rover bench` end to end, and the pieces of rover.bench it is built from."""

from __future__ import annotations

import csv
import os
import stat
import json
import math

import numpy as np
import pytest

from rover.bench import peers as bench_peers
from rover.bench.runner import ALL_PLANNERS, parse_planners, peak_rss
from rover.bench.workloads import bench_grid, parse_workload, path_cost, path_length_cells
from rover.cli import main

SMALL = """
name = "bench-small"
description = "A short drive on a small Mars patch"
seed = 5

[terrain]
body = "mars"
size = [64, 64]
cell_size_m = 0.5
rock_cover = 0.02

[rover]
preset = "generic"

[mission]
start = [5.0, 5.0]
goal = [25.0, 27.0]
"""

MAP = "type octile\nheight 4\nwidth 5\nmap\n.....\n.@@..\n.....\n.....\n"
SQ2 = math.sqrt(2.0)


def scen(lines, width=5, height=4, name="tiny.map"):
    out = "version 1\n"
    for (sx, sy, gx, gy, length) in lines:
        out += f"0\t{name}\t{width}\t{height}\t{sx}\t{sy}\t{gx}\t{gy}\t{length:.8f}\n"
    return out


@pytest.fixture
def tiny_map(tmp_path):
    (tmp_path / "tiny.map").write_text(MAP)
    # (0,0) -> (4,0): straight along the top row; (0,0) -> (4,3): 3 diagonals + 1 straight
    # without the wall; the blocked x=1,2 of row 1 and no corner cutting make it 5 + sqrt(2).
    (tmp_path / "tiny.map.scen").write_text(scen([(0, 0, 4, 0, 4.0), (0, 0, 0, 0, 0.0),
                                                  (0, 0, 4, 3, 5 + SQ2)]))
    return tmp_path / "tiny.map"


def run_ok(argv, capsys):
    code = main(["bench", *argv])
    out = capsys.readouterr()
    assert code == 0, out.err
    return out


def one_error_line(argv, capsys):
    assert main(["bench", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    return err


def test_grid_json_csv_png(tmp_path, capsys):
    j, c, p = tmp_path / "r.json", tmp_path / "r.csv", tmp_path / "r.png"
    out = run_ok(["blobs:64", "--planners", "astar,dijkstra,dstar_lite,wastar", "--repeat", "2",
                  "--json", str(j), "--csv", str(c), "--png", str(p)], capsys).out
    assert "blobs:64" in out and "M exp/s" in out
    report = json.loads(j.read_text())
    m = report["machine"]
    for key in ("python", "numpy", "numba", "planetary_rover_nav", "cpu"):
        assert m[key], key
    rows = {r["planner"]: r for r in report["results"]}
    assert set(rows) == {"astar", "dijkstra", "dstar_lite", "wastar"}
    for name in ("astar", "dijkstra", "dstar_lite"):
        assert rows[name]["cost_ratio"] == pytest.approx(1.0, abs=1e-9)
        assert rows[name]["runs"] == 2
        assert rows[name]["expanded"] > 0 and rows[name]["expansions_per_s"] > 0
        r = rows[name]
        assert r["time_ms_min"] <= r["time_ms_median"] <= r["time_ms_max"]
    assert 1.0 <= rows["wastar"]["cost_ratio"] <= 1.5
    assert rows["astar"]["time_vs_astar"] == 1.0
    assert rows["astar"]["path_length_m"] >= 63 * SQ2
    with open(c, newline="") as fh:
        table = list(csv.DictReader(fh))
    assert [r["planner"] for r in table] == [r["planner"] for r in report["results"]]
    assert float(table[0]["cost_ratio"]) == pytest.approx(1.0)
    from terrains import read_png

    img = read_png(p)
    assert img.ndim == 3 and img.shape[2] == 3 and img.shape[0] == 640
    assert len(np.unique(img.reshape(-1, 3), axis=0)) > 5  # bars, not a blank picture


def test_any_angle_and_grid_paths_are_costed_alike(tmp_path, capsys):
    """The line-integral column: every planner's path costed by rover.planners.line_cost of
    the polyline it follows, and its length that polyline's."""
    from rover.bench.workloads import GridSpec
    from rover.planners import astar, line_cost, theta_star

    j = tmp_path / "r.json"
    out = run_ok(["mars-jezero:64", "--planners", "astar,theta_star", "--repeat", "1",
                  "--json", str(j)], capsys).out
    assert "line cost" in out.splitlines()[3]
    rows = {r["planner"]: r for r in json.loads(j.read_text())["results"]}
    prob = GridSpec("mars-jezero", 64, 0, "generic").build()
    for name, plan in (("astar", astar(prob.cost, prob.start, prob.goal)),
                       ("theta_star", theta_star(prob.cost, prob.start, prob.goal))):
        assert rows[name]["line_cost"] == pytest.approx(line_cost(prob.cost, plan.points),
                                                        rel=1e-12)
        length = float(np.hypot(*np.diff(plan.points, axis=0).T).sum())
        assert rows[name]["path_length_m"] == pytest.approx(length * prob.cell_size_m, abs=1e-3)
    # Grid steps cost the same under both rules; the any-angle path is the cheaper here.
    assert rows["astar"]["line_cost"] == pytest.approx(rows["astar"]["cost"], rel=1e-12)
    assert rows["theta_star"]["line_cost"] < rows["astar"]["line_cost"]


def test_same_seed_same_report_figures(tmp_path, capsys):
    reports = []
    for i in range(2):
        j = tmp_path / f"r{i}.json"
        run_ok(["blobs:48", "mars-jezero:64", "--planners", "astar", "--repeat", "1", "-q",
                "--json", str(j)], capsys)
        reports.append(json.loads(j.read_text())["results"])
    keys = ("workload", "start", "goal", "cost", "optimum", "expanded", "path_length_m")
    assert [[r[k] for k in keys] for r in reports[0]] == [[r[k] for k in keys] for r in reports[1]]


def test_movingai_every_answer_checked(tiny_map, tmp_path, capsys):
    j = tmp_path / "m.json"
    out = run_ok([str(tiny_map), "--planners", "astar,dijkstra,dstar_lite", "--json", str(j)],
                 capsys).out
    assert "Moving AI" in out
    report = json.loads(j.read_text())
    # The seeds in effect are recorded, not just the option as given (none here).
    assert report["settings"]["seed"] == 0 and report["settings"]["traverse_seed"] == 7
    rows = report["results"]
    assert {r["planner"] for r in rows} == {"astar", "dijkstra", "dstar_lite"}
    for r in rows:
        assert r["problems"] == 3 and r["kind"] == "movingai"
        assert r["worst_abs_error"] < 1e-7 and r["not_optimal"] == 0


def test_movingai_wrong_optimum_is_reported(tmp_path, capsys):
    (tmp_path / "tiny.map").write_text(MAP)
    (tmp_path / "tiny.map.scen").write_text(scen([(0, 0, 4, 0, 4.0), (0, 0, 4, 3, 4.5)]))
    j = tmp_path / "m.json"
    run_ok([str(tmp_path / "tiny.map.scen"), "--planners", "astar", "--json", str(j), "-q"],
           capsys)
    (row,) = json.loads(j.read_text())["results"]
    assert row["not_optimal"] == 1
    assert row["worst_abs_error"] == pytest.approx(abs(5 + SQ2 - 4.5), abs=1e-7)
    # Which problem: its position in the .scen, the published length and ours.
    (off,) = row["not_optimal_problems"]
    assert off["problem"] == 2 and off["optimal"] == 4.5
    assert off["cost"] == pytest.approx(5 + SQ2, abs=1e-7)


def test_movingai_rows_give_time_against_astar_and_positions_in_thinned_files(tmp_path, capsys):
    (tmp_path / "tiny.map").write_text(MAP)
    # Five problems; the third has a wrong published length.
    (tmp_path / "tiny.map.scen").write_text(scen([(0, 0, 4, 0, 4.0), (0, 0, 1, 0, 1.0),
                                                  (0, 0, 4, 3, 4.5), (0, 0, 0, 3, 3.0),
                                                  (0, 0, 4, 0, 4.0)]))
    j, c = tmp_path / "m.json", tmp_path / "m.csv"
    out = run_ok([str(tmp_path / "tiny.map"), "--planners", "astar,dijkstra", "--problems", "3",
                  "--json", str(j), "--csv", str(c)], capsys).out
    assert "x astar" in out.split("Moving AI")[1]
    rows = {r["planner"]: r for r in json.loads(j.read_text())["results"]}
    assert rows["astar"]["total_vs_astar"] == 1.0 and rows["dijkstra"]["total_vs_astar"] > 0
    assert [p["problem"] for p in rows["astar"]["not_optimal_problems"]] == [3]
    assert "not_optimal_problems" in c.read_text().splitlines()[0]


def test_scenario_plan_and_traverse(tmp_path, capsys):
    sc = tmp_path / "small.toml"
    sc.write_text(SMALL)
    j = tmp_path / "s.json"
    out = run_ok([str(sc), "--planners", "astar,dstar_lite", "--repeat", "1", "--json", str(j)],
                 capsys).out
    assert "Traverse" in out
    rows = json.loads(j.read_text())["results"]
    kinds = {(r["kind"], r["planner"]) for r in rows}
    assert kinds == {("plan", "astar"), ("plan", "dstar_lite"), ("traverse", "astar"),
                     ("traverse", "dstar_lite")}
    trav = [r for r in rows if r["kind"] == "traverse"]
    for r in trav:
        assert r["outcome"] == "reached" and r["replans"] >= 1
        assert r["expanded_per_replan"] == pytest.approx(r["expanded"] / r["replans"], abs=0.05)
        # (wall_s is rounded to 0.1 ms, which on a run of a few ms moves the ratio by ~2%)
        assert r["speedup"] == pytest.approx(r["sim_time_s"] / r["wall_s"], rel=0.05)
        assert r["time_ms_min"] <= r["time_ms_median"] <= r["time_ms_max"]
        assert r["planner_total_s"] >= 0
    assert trav[0]["distance_m"] == pytest.approx(trav[1]["distance_m"], rel=0.2)


def test_wastar_weights_are_reported_as_used(tmp_path, capsys):
    """Grid plans use plan_path's default weight; a traverse uses its scenario's."""
    sc = tmp_path / "small.toml"
    sc.write_text(SMALL + "wastar_weight = 2.0\n")
    j = tmp_path / "s.json"
    run_ok([str(sc), "--planners", "wastar", "--repeat", "1", "--json", str(j)], capsys)
    report = json.loads(j.read_text())
    assert report["settings"]["wastar_weight"] == 1.5
    (trav,) = [r for r in report["results"] if r["kind"] == "traverse"]
    assert trav["wastar_weight"] == 2.0


def test_missing_file(capsys):
    err = one_error_line(["no/such/file.map"], capsys)
    assert "no/such/file.map: no such file" in err


def test_unknown_planner(capsys):
    err = one_error_line(["blobs:32", "--planners", "astar,bogus"], capsys)
    assert "unknown planner 'bogus'" in err and "dstar_lite" in err and "pyastar2d" in err


def test_scen_that_does_not_match_its_map(tmp_path, capsys):
    (tmp_path / "tiny.map").write_text(MAP)
    (tmp_path / "tiny.map.scen").write_text(scen([(0, 0, 4, 0, 4.0)], width=6, height=4))
    err = one_error_line([str(tmp_path / "tiny.map")], capsys)
    assert "6 x 4 map but tiny.map is 5 x 4" in err and "does not match" in err
    err = one_error_line([str(tmp_path / "tiny.map.scen")], capsys)
    assert "does not match" in err


def test_scen_of_another_map_of_the_same_size_is_refused(tmp_path, capsys):
    # Same size is not the same map: every answer would be counted "off".
    (tmp_path / "tiny.map").write_text(MAP)
    (tmp_path / "tiny.map.scen").write_text(scen([(0, 0, 4, 0, 4.0)], name="other.map"))
    err = one_error_line([str(tmp_path / "tiny.map")], capsys)
    assert "its problems are for the map 'other.map', not tiny.map" in err


def test_unsolved_problems_are_counted_apart_from_the_error_of_the_solved(tmp_path, capsys):
    # A goal walled into its corner has no path; the worst error of the others is still shown.
    (tmp_path / "tiny.map").write_text("type octile\nheight 4\nwidth 5\nmap\n.....\n.@@..\n"
                                       "...@@\n...@.\n")
    (tmp_path / "tiny.map.scen").write_text(scen([(0, 0, 4, 0, 4.0), (0, 0, 4, 3, 4.0),
                                                  (0, 0, 4, 1, 4.5)]))
    j = tmp_path / "m.json"
    out = run_ok([str(tmp_path / "tiny.map"), "--planners", "astar", "--json", str(j)],
                 capsys).out
    (row,) = json.loads(j.read_text())["results"]
    assert row["unsolved"] == 1 and row["not_optimal"] == 2
    assert row["worst_abs_error"] == pytest.approx(abs(3 + SQ2 - 4.5), abs=1e-7)
    assert "2 (1 no path)" in out


def test_a_problem_that_starts_or_ends_in_a_wall_is_refused_naming_it(tmp_path, capsys):
    # No published problem does: the .scen does not go with the .map.
    (tmp_path / "tiny.map").write_text(MAP)
    for problems, what in (([(0, 0, 4, 0, 4.0), (1, 1, 4, 3, 4.0)], "start (x=1, y=1)"),
                           ([(0, 0, 2, 1, 2.0)], "goal (x=2, y=1)")):
        (tmp_path / "tiny.map.scen").write_text(scen(problems))
        err = one_error_line([str(tmp_path / "tiny.map")], capsys)
        assert f"problem {len(problems)}: its {what} is a blocked cell of tiny.map" in err


def test_map_without_scen(tmp_path, capsys):
    (tmp_path / "lonely.map").write_text(MAP)
    err = one_error_line([str(tmp_path / "lonely.map")], capsys)
    assert "no scenario file beside it" in err


@pytest.mark.parametrize("argv, match", [
    (["blobs:abc"], "size must be a whole number"),
    (["blobs:4"], "size must be between 16 and"),
    (["nowhere:64"], "unknown generated workload 'nowhere'"),
    (["traverse:64"], "size must be between 128 and"),
    (["obstacles:9000"], "size must be between 128 and 8192"),
    (["plain-word"], "plain-word: no such file"),
    (["blobs:32", "--repeat", "0"], "--repeat"),
    (["blobs:32", "--problems", "some"], "--problems"),
    (["blobs:32", "--json", "no/such/dir/r.json"], "--json: folder no/such/dir does not exist"),
    (["blobs:32", "--rover", "rocky"], "--rover: unknown rover preset 'rocky'"),
])
def test_bad_input_is_one_line(argv, match, capsys):
    assert match in one_error_line(argv, capsys)


def test_bad_scenario_file_is_one_line(tmp_path, capsys):
    sc = tmp_path / "bad.toml"
    sc.write_text(SMALL.replace("[rover]", "[rover]\nfrobs = 3"))
    assert "frobs" in one_error_line([str(sc)], capsys)


@pytest.mark.parametrize("error", [ImportError("No module named 'skimage'"),
                                   ValueError("numpy.dtype size changed")])
def test_absent_or_broken_peer_is_skipped_with_a_note(error, monkeypatch, tmp_path, capsys):
    """A peer that is missing, or installed but failing to import (a wheel built for another
    numpy), is skipped with a note; it must not crash every bench run."""
    real = bench_peers.importlib.import_module

    def fake(name, *a, **k):
        if name.startswith("skimage"):
            raise error
        return real(name, *a, **k)

    monkeypatch.setattr(bench_peers.importlib, "import_module", fake)
    j = tmp_path / "r.json"
    out = run_ok(["blobs:32", "--planners", "astar,skimage", "--repeat", "1", "--json", str(j)],
                 capsys).out
    why = "is not installed" if isinstance(error, ImportError) else "is installed but fails to import"
    assert f"note: scikit-image route_through_array skipped: scikit-image {why}" in out
    report = json.loads(j.read_text())
    assert [r["planner"] for r in report["results"]] == ["astar"]
    assert report["machine"]["peer_skimage"] is None


@pytest.mark.parametrize("peer", ["skimage", "tcod", "pyastar2d"])
def test_peer_paths_are_recosted_under_our_rule(peer, tmp_path, capsys):
    ok, _ = bench_peers.available(peer)
    if not ok:
        pytest.skip(f"{peer} is not installed (the 'bench' extra)")
    j = tmp_path / "r.json"
    run_ok(["blobs:64", "--planners", f"astar,{peer}", "--repeat", "1", "-q", "--json", str(j)],
           capsys)
    ours, theirs = json.loads(j.read_text())["results"]
    assert theirs["planner"] == peer and theirs["expanded"] is None
    assert theirs["invalid_steps"] == 0
    # Below the optimum only through corner cuts, which our rule forbids.
    assert theirs["cost_ratio"] >= 1.0 - 1e-9 or theirs["corner_cuts"] > 0
    assert theirs["found"]


def test_parse_planners():
    assert parse_planners(None) == list(ALL_PLANNERS)
    assert parse_planners("tcod, astar,astar") == ["tcod", "astar"]
    with pytest.raises(ValueError, match="expected a comma-separated list"):
        parse_planners(" , ")


def test_path_cost_rule_and_corner_cuts():
    cost = np.array([[1.0, np.inf], [3.0, 5.0]])
    total, cuts, bad = path_cost(cost, [(1, 0), (0, 0)])
    assert (total, cuts, bad) == (2.0, 0, 0)
    total, cuts, bad = path_cost(cost, [(0, 0), (1, 1)])  # beside the blocked (0, 1)
    assert total == pytest.approx(SQ2 * 3.0) and cuts == 1 and bad == 0
    total, cuts, bad = path_cost(cost, [(0, 0), (1, 1), (1, 1)])  # a repeated cell: invalid
    assert bad == 1
    assert path_cost(cost, None)[0] == math.inf
    assert path_length_cells([(0, 0), (1, 1), (1, 2)]) == pytest.approx(1 + SQ2)


def test_generated_workloads_are_deterministic():
    assert np.array_equal(bench_grid(64, 3), bench_grid(64, 3))
    assert not np.array_equal(bench_grid(64, 3), bench_grid(64, 4))
    (spec,) = parse_workload("moon-mare:64", seed=2)
    a, b = spec.build(), spec.build()
    assert np.array_equal(a.cost, b.cost) and a.start == b.start and a.goal == b.goal
    assert np.isfinite(a.cost[a.start]) and np.isfinite(a.cost[a.goal])


def test_seed_reaches_the_traverse_and_its_default_is_the_documented_one():
    from rover.bench.workloads import TRAVERSE_SEED, TraverseSpec

    (default,) = parse_workload("traverse:128")
    (seeded,) = parse_workload("traverse:128", seed=3)
    assert default == TraverseSpec(128, TRAVERSE_SEED) and seeded == TraverseSpec(128, 3)
    (grid,) = parse_workload("blobs:64")
    assert grid.seed == 0
    a, b = default.build()[1], seeded.build()[1]
    assert a.seed == TRAVERSE_SEED and b.seed == 3
    assert not np.array_equal(a.terrain.height, b.terrain.height)


def test_obstacles_is_the_traverse_over_binary_ground():
    from rover.bench.workloads import TRAVERSE_SEED, TraverseSpec

    (spec,) = parse_workload("obstacles:128")
    assert spec == TraverseSpec(128, TRAVERSE_SEED, True) and spec.name == "obstacles:128"
    sc, world = spec.build()
    _, graded = parse_workload("traverse:128")[0].build()
    cost = world.true_cost
    assert cost is world.traversability.cost
    # The same impassable cells; every other cell costs 1 (graded ground costs more).
    assert np.array_equal(np.isinf(cost), np.isinf(graded.true_cost))
    assert np.all(cost[np.isfinite(cost)] == 1.0)
    assert np.any(graded.true_cost[np.isfinite(graded.true_cost)] > 1.0)


def test_peak_rss_sees_a_touched_allocation():
    n, out = peak_rss(lambda: np.ones(8 * 2**20).sum())  # 64 MiB, touched
    if n is None:
        pytest.skip("peak RSS cannot be reset on this platform")
    assert out == 8 * 2**20
    assert 48 * 2**20 <= n <= 256 * 2**20


def test_malformed_movingai_files_reached_through_the_map_are_one_line(tiny_map, capsys):
    scen_path = tiny_map.with_name("tiny.map.scen")
    scen_path.write_text("version 1\n")  # no problems at all
    assert "tiny.map.scen: no problems in the scenario file" in one_error_line([str(tiny_map)], capsys)
    scen_path.write_text(scen([(0, 0, 4, 0, float("nan"))]))
    assert "the optimal length must be a finite number >= 0, got 'nan'" in one_error_line(
        [str(tiny_map)], capsys)
    # A header claiming a huge width fails on the row lengths, before any allocation.
    tiny_map.write_text(MAP.replace("width 5", "width 99999999"))
    scen_path.write_text(scen([(0, 0, 4, 0, 4.0)]))
    assert "expected 99999999 characters" in one_error_line([str(tiny_map)], capsys)


def test_outputs_may_not_overwrite_inputs_or_each_other(tiny_map, tmp_path, capsys):
    map_path = str(tmp_path / "tiny.map")
    before = (tmp_path / "tiny.map").read_text()
    msg = one_error_line([map_path, "--planners", "astar", "--quick", "--json", map_path],
                         capsys)
    assert "--json" in msg and "workload" in msg
    assert (tmp_path / "tiny.map").read_text() == before
    out = str(tmp_path / "out.json")
    msg = one_error_line(["blobs:16", "--planners", "astar", "--quick", "--json", out,
                          "--csv", out], capsys)
    assert "--csv" in msg and "--json" in msg
    (tmp_path / "link.json").symlink_to("out.json")
    msg = one_error_line(["blobs:16", "--planners", "astar", "--quick", "--json", out,
                          "--csv", str(tmp_path / "link.json")], capsys)
    assert "--csv" in msg


def test_report_through_a_symlink_and_to_a_device(tmp_path, capsys):
    (tmp_path / "link.json").symlink_to("real.json")
    run_ok(["blobs:16", "--planners", "astar", "--quick", "--json",
            str(tmp_path / "link.json"), "--csv", "/dev/null"], capsys)
    assert (tmp_path / "link.json").is_symlink()  # the link is kept, its target written
    assert json.loads((tmp_path / "real.json").read_text())["rover_bench"] == 1
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_json_to_stdout_stays_parseable(capfd):
    """With --json /dev/stdout the lines for people go to stderr, -q or not."""
    import sys
    if not os.path.exists("/dev/stdout"):
        pytest.skip("no /dev/stdout on this system")
    for quiet in ([], ["-q"]):
        assert main(["bench", "blobs:32", "--planners", "astar", "--repeat", "1",
                     "--json", "/dev/stdout", *quiet]) == 0
        sys.stdout.flush()
        out = capfd.readouterr()
        assert json.loads(out.out)["results"], out.out
        assert "results in" in out.err or "astar" in out.err


def test_a_failed_output_takes_back_the_others_and_is_one_line(tmp_path, capsys, monkeypatch):
    # The auditor's case: --png on /proc (which refuses new files with ENOENT) printed a
    # traceback and left the JSON and CSV written.
    import errno

    import rover.bench.runner as runner

    def refuse(path, report):
        raise OSError(errno.ENOENT, "No such file or directory", str(path))

    monkeypatch.setattr(runner, "write_csv", refuse)
    j, c = tmp_path / "r.json", tmp_path / "r.csv"
    err = one_error_line(["blobs:32", "--planners", "astar", "-q", "--json", str(j),
                          "--csv", str(c)], capsys)
    assert err == f"error: --csv: cannot write {c}: No such file or directory\n"
    assert not j.exists() and not c.exists()


def test_help_lists_every_planner(capsys):
    assert main(["bench", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps the help
    listed = text.split("(default: all):")[1].split("--repeat")[0]
    assert [n.strip(" ,") for n in listed.split()] == list(ALL_PLANNERS)


def test_quick_defaults_leave_the_sun_scenarios_out():
    # they run for hours of simulated time (A* replans at every shadow update): --quick
    # keeps to the scenarios without a Sun, and the full default runs them all
    from rover.bench.workloads import default_workloads

    full = {s.name for s in default_workloads() if s.kind == "scenario"}
    quick = {s.name for s in default_workloads(quick=True) if s.kind == "scenario"}
    sunny = {s.name for s in default_workloads() if s.kind == "scenario"
             and s.scenario.sun is not None}
    assert sunny and not (quick & sunny) and quick == full - sunny
