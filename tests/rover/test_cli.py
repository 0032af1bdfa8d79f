"""The `rover` CLI end to end: exit codes, one-line errors, atomic result files."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rover.cli import _COMMANDS, main

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "rover" / "scenarios"

SMALL = """
name = "cli-small"
description = "A short drive on a small Mars patch"
seed = 5

[terrain]
body = "mars"
size = [80, 80]
cell_size_m = 0.5
rock_cover = 0.03

[rover]
preset = "generic"

[mission]
start = [5.0, 5.0]
goal = [30.0, 32.0]
planner = "astar"
"""


@pytest.fixture
def small(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(SMALL)
    return path


@pytest.mark.parametrize("command", _COMMANDS)
def test_every_command_has_help(command, capsys):
    assert main([command, "--help"]) == 0
    assert "usage: rover " + command in capsys.readouterr().out


def test_usage_errors_are_one_line_exit_2(capsys):
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert main(["frobnicate"]) == 2
    assert main(["run", "x.toml", "--seed", "-3"]) == 2
    assert "--seed" in capsys.readouterr().err


def test_run_writes_summary_and_trace(small, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["run", str(small), "--out", str(out)])
    captured = capsys.readouterr()
    summary = json.loads((out / "summary.json").read_text())
    assert code == (0 if summary["outcome"] == "reached" else 3)
    assert summary["outcome"] == "reached", summary
    assert summary["scenario"] == "cli-small" and summary["planner"] == "astar"
    # it stops within the goal tolerance (1 m by default), so it may drive a little less
    # than the straight line from start to goal, never less than that minus the tolerance
    assert summary["distance_m"] >= summary["straight_line_m"] - 1.0
    for word in ("outcome", "distance driven", "straight line", "sim time", "wall time",
                 "replans", "planner time"):
        assert word in captured.out
    with open(out / "trace.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:3] == ["t_s", "x_m", "y_m"]
    assert len(rows) > 10
    last = [float(v) for v in rows[-1][:3]]
    goal = (30.0, 32.0)
    assert ((last[1] - goal[0]) ** 2 + (last[2] - goal[1]) ** 2) ** 0.5 <= 1.0 + 1e-9
    assert not list(out.glob(".*tmp"))  # no temporary files left behind


def test_same_seed_same_trace(small, tmp_path):
    for d in ("a", "b"):
        assert main(["run", str(small), "--quiet", "--out", str(tmp_path / d)]) == 0
    assert (tmp_path / "a" / "trace.csv").read_bytes() == (tmp_path / "b" / "trace.csv").read_bytes()


def test_planner_flag_overrides(small, tmp_path):
    assert main(["run", str(small), "-q", "--planner", "dstar_lite", "--out", str(tmp_path / "d")]) == 0
    assert json.loads((tmp_path / "d" / "summary.json").read_text())["planner"] == "dstar_lite"


@pytest.mark.parametrize("args,pattern", [
    (["--planner", "a*"], r"--planner: unknown planner 'a\*'; valid planners: astar"),
    (["--frame-count", "10"], r"--frame-count needs --frames DIR"),
])
def test_bad_flags_exit_2_before_any_output(small, tmp_path, capsys, args, pattern):
    out = tmp_path / "never"
    assert main(["run", str(small), "--out", str(out), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert re.search(pattern, err)
    assert not out.exists()


@pytest.mark.parametrize("edit,pattern", [
    (lambda s: s.replace("seed = 5", "seed = 5\nsede = 1"), r"sede: unknown key \(did you mean 'seed'\?\)"),
    (lambda s: s.replace("goal = [30.0, 32.0]", "goal = [900.0, 20.0]"),
     r"\[mission\]\.goal: \(900\.0, 20\.0\) lies outside the 40 x 40 m terrain"),
    (lambda s: s + "\n[[hazards]]\ncenter = [5.0, 5.0]\nradius_m = 3.0\n", r"\[mission\]\.start: .*"),
    (lambda s: s.replace("[rover]", "[rover]\nmax_speed_mps = -1"), r"\[rover\]\.max_speed_mps: must be a finite number > 0"),
    (lambda s: s.replace("size = [80, 80]", "size = [80, 80"), r"TOML syntax error"),
])
def test_bad_scenarios_exit_2_one_line_no_output(tmp_path, capsys, edit, pattern):
    bad = tmp_path / "bad.toml"
    bad.write_text(edit(SMALL))
    out = tmp_path / "never"
    for argv in (["run", str(bad), "--out", str(out)], ["validate", str(bad)]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: {bad}: ") and err.count("\n") == 1, err
        assert "Traceback" not in err
        assert re.search(pattern, err), err
    assert not out.exists()


def test_validate_reports_each_file(small, tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(SMALL.replace("[mission]", "[misson]"))
    assert main(["validate", str(small)]) == 0
    assert capsys.readouterr().out.startswith(f"ok: {small}")
    assert main(["validate", str(small), str(bad)]) == 2
    captured = capsys.readouterr()
    assert f"ok: {small}" in captured.out
    assert f"error: {bad}: misson: unknown key (did you mean 'mission'?)" in captured.err


def test_shipped_scenarios_validate():
    files = sorted(SHIPPED.glob("*.toml"))
    assert len(files) >= 4
    assert main(["validate", *map(str, files)]) == 0


def test_list_names_every_kind(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for title in ("scenarios:", "planners:", "terrain presets:", "rover presets:"):
        assert title in out
    for name in ("dstar_lite", "astar", "mars-jezero", "moon-south-pole", "perseverance", "pragyan"):
        assert name in out


def test_interrupted_run_still_writes_marked_results(small, tmp_path, monkeypatch):
    from rover.commands import _progress

    calls = {"n": 0}

    def interrupt(self, fraction, info=None):
        calls["n"] += 1
        if calls["n"] == 1:
            raise KeyboardInterrupt

    monkeypatch.setattr(_progress.ProgressBar, "__call__", interrupt)
    out = tmp_path / "int"
    assert main(["run", str(small), "--out", str(out)]) == 3
    summary = json.loads((out / "summary.json").read_text())
    assert summary["outcome"] == "interrupted"
    assert (out / "trace.csv").exists()


def test_python_dash_m_is_the_same_program():
    done = subprocess.run([sys.executable, "-m", "rover", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("rover ")


def test_heightmap_scenario_runs_from_its_own_folder(tmp_path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    rows, cols = 60, 60
    yy, xx = np.mgrid[0:rows, 0:cols]
    np.save(site / "dem.npy", (0.02 * np.sin(xx / 7.0) * np.cos(yy / 5.0)).astype(np.float32))
    (site / "dem.toml").write_text(
        '[terrain]\nbody = "moon"\nheightmap = "dem.npy"\ncell_size_m = 0.5\n'
        '[rover]\npreset = "generic"\n[mission]\nstart = [3.0, 3.0]\ngoal = [25.0, 26.0]\n'
    )
    monkeypatch.chdir(tmp_path)  # the heightmap path is relative to the scenario, not here
    assert main(["run", "site/dem.toml", "-q", "--out", "out"]) == 0
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["outcome"] == "reached"


def test_unreadable_heightmap_is_a_one_line_error(tmp_path, capsys):
    (tmp_path / "dem.npy").write_bytes(b"not an array")
    (tmp_path / "dem.toml").write_text(
        '[terrain]\nheightmap = "dem.npy"\n[mission]\nstart = [3.0, 3.0]\ngoal = [25.0, 26.0]\n'
    )
    assert main(["run", str(tmp_path / "dem.toml"), "--out", str(tmp_path / "never")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {tmp_path / 'dem.toml'}: [terrain].heightmap: ") and err.count("\n") == 1
    assert not (tmp_path / "never").exists()


def test_impassable_start_suggests_a_passable_point_that_validates(tmp_path, capsys):
    flagship = (SHIPPED / "mars-jezero-perseverance.toml").read_text()
    bad = tmp_path / "other-seed.toml"
    for seed in range(1, 60):  # a seed whose terrain puts a rock or a step under the start
        bad.write_text(flagship.replace("seed = 2021", f"seed = {seed}"))
        if main(["validate", str(bad)]) == 2:
            break
    else:
        pytest.fail("no seed in 1..59 puts the flagship's start on impassable ground")
    err = capsys.readouterr().err
    m = re.search(r"\[mission\]\.start: \(15, 15\) is on impassable ground \(.+\); "
                  r"the nearest passable point is \(([\d.]+), ([\d.]+)\)$", err.strip())
    assert m, err
    good = tmp_path / "fixed.toml"
    good.write_text(bad.read_text().replace("start = [15.0, 15.0]", f"start = [{m[1]}, {m[2]}]"))
    assert main(["validate", str(good)]) == 0


@pytest.mark.parametrize("flag,value,pattern", [
    ("--png", "{tmp}/small.toml/sub/run.png", r"--png: cannot create folder .*small.toml/sub"),
    ("--png", "{tmp}", r"--png: .* is a folder"),
    ("--png", "{tmp}/small.toml/run.png", r"--png: .*small.toml is not a folder"),
    ("--frames", "{tmp}/small.toml", r"--frames: .* exists and is not a folder"),
    ("--out", "{tmp}/small.toml", r"--out: .* exists and is not a folder"),
])
def test_unwritable_outputs_fail_before_the_run(small, tmp_path, capsys, flag, value, pattern):
    argv = ["run", str(small), flag, value.format(tmp=tmp_path)]
    if flag != "--out":
        argv += ["--out", str(tmp_path / "never")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and re.search(pattern, err), err
    assert not (tmp_path / "never").exists()


def test_failed_write_is_a_one_line_error(small, tmp_path, capsys, monkeypatch):
    import rover.io.results as results

    def disk_full(path, columns):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(results, "write_trace", disk_full)
    assert main(["run", str(small), "-q", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert re.match(r"error: --out: cannot write \S+trace.csv: No space left on device$", err), err
    assert err.count("\n") == 1
    assert not (tmp_path / "o").exists()  # the folder the run made is taken back, empty


def test_png_may_name_a_folder_that_the_run_makes(small, tmp_path, capsys):
    out = tmp_path / "new" / "run"
    assert main(["run", str(small), "-q", "--out", str(out), "--png", str(out / "pics" / "run.png")]) == 0
    assert (out / "pics" / "run.png").stat().st_size > 0 and (out / "summary.json").is_file()


def test_a_run_stopped_before_its_results_leaves_no_folder(small, tmp_path, monkeypatch):
    import rover.sim as sim

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sim, "simulate", stopped)
    assert main(["run", str(small), "-q", "--out", str(tmp_path / "o" / "p")]) == 130
    assert not (tmp_path / "o").exists()


def test_a_failed_picture_takes_back_the_results_already_written(small, tmp_path, capsys,
                                                                  monkeypatch):
    import viewer.offscreen as offscreen

    def disk_full(surf, path):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(offscreen, "save_surface", disk_full)
    out = tmp_path / "o"
    assert main(["run", str(small), "-q", "--out", str(out), "--png", str(tmp_path / "r.png"),
                 "--frames", str(tmp_path / "fr")]) == 2
    err = capsys.readouterr().err
    assert re.match(r"error: --png: cannot write \S+: No space left on device$", err), err
    assert err.count("\n") == 1
    # No results, and neither the folders the run made nor a half-written picture.
    assert not out.exists() and not (tmp_path / "fr").exists() and not (tmp_path / "r.png").exists()


def test_a_failed_frame_names_frames(small, tmp_path, capsys, monkeypatch):
    import viewer.offscreen as offscreen

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device", str(tmp_path / "fr"))

    monkeypatch.setattr(offscreen, "write_frames", disk_full)
    assert main(["run", str(small), "-q", "--out", str(tmp_path / "o"),
                 "--frames", str(tmp_path / "fr")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: --frames: cannot write {tmp_path / 'fr'}: No space left")
    assert not (tmp_path / "o").exists() and not (tmp_path / "fr").exists()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_a_picture_on_a_full_disk_is_an_oserror_naming_the_file():
    import os

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    import pygame

    from viewer.offscreen import save_surface

    with pytest.raises(OSError) as err:  # pygame alone says only "Error writing the PNG file"
        save_surface(pygame.Surface((8, 8)), "/dev/full")
    assert err.value.errno == 28 and err.value.filename == "/dev/full"


def test_ctrl_c_while_writing_still_finishes_the_files(small, tmp_path, monkeypatch, capsys):
    import os
    import signal

    import rover.io.results as results

    real = results.write_trace

    def interrupted_write(path, columns):
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C arrives in the middle of writing
        return real(path, columns)

    monkeypatch.setattr(results, "write_trace", interrupted_write)
    out = tmp_path / "o"
    assert main(["run", str(small), "-q", "--out", str(out)]) == 0
    assert json.loads((out / "summary.json").read_text())["outcome"] == "reached"
    assert (out / "trace.csv").exists() and (out / "run.npz").exists()
    assert "interrupted while writing" in capsys.readouterr().err


def test_sigterm_while_writing_finishes_the_files_then_exits_143(small, tmp_path, monkeypatch,
                                                                capsys):
    import os
    import signal

    import rover.io.results as results

    real = results.write_trace

    def terminated_write(path, columns):
        os.kill(os.getpid(), signal.SIGTERM)  # a job scheduler's stop, in the middle of writing
        return real(path, columns)

    monkeypatch.setattr(results, "write_trace", terminated_write)
    out = tmp_path / "o"
    assert main(["run", str(small), "-q", "--out", str(out)]) == 143
    assert json.loads((out / "summary.json").read_text())["outcome"] == "reached"
    assert "interrupted while writing" in capsys.readouterr().err


def test_a_second_interrupt_stops_the_writing_and_takes_it_back(small, tmp_path, monkeypatch):
    import os
    import signal

    import rover.io.results as results

    real = results.write_trace

    def insisted(path, columns):
        os.kill(os.getpid(), signal.SIGINT)
        os.kill(os.getpid(), signal.SIGINT)
        return real(path, columns)

    monkeypatch.setattr(results, "write_trace", insisted)
    assert main(["run", str(small), "-q", "--out", str(tmp_path / "o" / "p")]) == 130
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("extra, pattern", [
    (["--png", "{out}/summary.json/x.png"], r"--png: .* would put a folder where the run writes"),
    (["--png", "{tmp}/x/y.png", "--frames", "{tmp}/x/y.png"], r"--frames: .* is also the --png file"),
    (["--frames", "{out}/trace.csv"], r"--out: .*trace.csv is also the --frames file"),
    ([], r"--out: .*trace.csv: Is a directory"),  # a folder named like a result, made below
])
def test_outputs_that_would_collide_are_refused_before_the_run(small, tmp_path, capsys, extra,
                                                               pattern):
    out = tmp_path / "o"
    argv = ["run", str(small), "-q", "--out", str(out)]
    argv += [a.format(out=out, tmp=tmp_path) for a in extra]
    if not extra:
        (out / "trace.csv").mkdir(parents=True)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and re.search(pattern, err), err
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_reused_out_dir_never_mixes_runs(small, tmp_path, monkeypatch):
    import rover.io.results as results

    out = tmp_path / "o"
    assert main(["run", str(small), "-q", "--out", str(out)]) == 0

    def disk_full(path, columns):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(results, "write_trace", disk_full)
    assert main(["run", str(small), "-q", "--out", str(out)]) == 2
    assert not (out / "summary.json").exists()  # the old summary no longer vouches for the folder


def test_png_must_be_a_png_and_frames_replace_an_older_sequence(small, tmp_path, capsys):
    assert main(["run", str(small), "--png", str(tmp_path / "run.jpg"), "--out", str(tmp_path / "n")]) == 2
    assert "--png must name a .png file" in capsys.readouterr().err
    frames = tmp_path / "frames"
    frames.mkdir()
    (frames / "frame_00007.png").write_bytes(b"old")
    (frames / "notes.txt").write_text("mine")
    assert main(["run", str(small), "-q", "--frames", str(frames), "--frame-count", "3",
                 "--out", str(tmp_path / "o")]) == 0
    assert sorted(p.name for p in frames.iterdir()) == [
        "frame_00000.png", "frame_00001.png", "frame_00002.png", "notes.txt"]


@pytest.mark.parametrize("name, folder", [("Марс: тест", "Марс-тест"), ("../../escape", "escape"),
                                          ("..", "run"), ("ü" * 300, "ü" * 40)])
def test_default_out_dir_keeps_letters_and_never_hides_the_folder(tmp_path, monkeypatch, name,
                                                                   folder):
    from rover.commands.run import default_out_dir

    monkeypatch.chdir(tmp_path)
    out = default_out_dir(name)
    assert out.parent == Path("runs") and out.name.rsplit("-", 2)[0] == folder


@pytest.mark.parametrize("args", [["--out", ""], ["--png", " "], ["--frames", ""]])
def test_an_empty_output_path_is_refused(small, tmp_path, capsys, monkeypatch, args):
    # An unset shell variable must not make the results land in the current folder.
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(small), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: argument --") and "empty path" in err and err.count("\n") == 1
    assert [p.name for p in tmp_path.iterdir()] == ["small.toml"]


def test_default_out_dir_cuts_a_long_scenario_name(tmp_path, monkeypatch):
    # File systems limit a name to 255 bytes; a 300-character scenario name must not make
    # `rover run` fail on its default output folder.
    from rover.commands.run import default_out_dir

    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs").mkdir()
    out = default_out_dir("x" * 300)
    assert out.parent.name == "runs" and len(out.name) <= 100 and out.name.startswith("x" * 80 + "-")
    assert not out.exists()


def test_a_closed_pipe_does_not_cut_the_run_short(tmp_path):
    # `rover run x | head -1`: the reader goes away; the run still finishes, writes its files
    # and returns its own exit code (3: a time limit, not success), with nothing on stderr.
    short = tmp_path / "short.toml"
    short.write_text(SMALL.replace('planner = "astar"', 'planner = "astar"\nmax_time_s = 20.0'))
    proc = subprocess.Popen([sys.executable, "-m", "rover", "run", str(short), "--out",
                             str(tmp_path / "o")], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=tmp_path, env=_buffered_env())
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 3, err
    assert err == ""
    assert json.loads((tmp_path / "o" / "summary.json").read_text())["outcome"] == "timeout"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_a_full_disk_is_one_line_not_a_bug_report(tmp_path):
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "rover", "list"], stdout=full,
                              stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                              env=_buffered_env())
    assert done.returncode == 2
    assert done.stderr == "error: standard output: No space left on device\n"


def _buffered_env():
    """The environment with stdout buffered as usual (CI may set PYTHONUNBUFFERED)."""
    import os

    return {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}


def test_a_report_on_dev_stdout_follows_what_was_printed(tmp_path):
    # `--json /dev/stdout > out.txt` writes through standard output, not over it from byte 0
    with open(tmp_path / "out.txt", "w") as out:
        done = subprocess.run([sys.executable, "-m", "rover", "bench", "blobs:16", "--planners",
                               "astar", "--quick", "--json", "/dev/stdout"], stdout=out,
                              stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                              env=_buffered_env())
    assert done.returncode == 0, done.stderr
    # The report alone on stdout (parseable); the table for people went to stderr.
    report = json.loads((tmp_path / "out.txt").read_text())
    assert report["rover_bench"] == 1
    assert "blobs:16" in done.stderr


def test_png_may_not_overwrite_the_scenarios_heightmap(tmp_path, capsys):
    from terrains._png import write_png

    write_png(tmp_path / "hm.png", np.zeros((40, 40), dtype=np.uint16))
    before = (tmp_path / "hm.png").read_bytes()
    (tmp_path / "hm.toml").write_text(
        '[terrain]\nbody = "mars"\nheightmap = "hm.png"\ncell_size_m = 0.5\n'
        '[mission]\nstart = [2.0, 2.0]\ngoal = [15.0, 15.0]\n')
    for argv in (["run", str(tmp_path / "hm.toml"), "--png", str(tmp_path / "hm.png")],
                 ["bench", str(tmp_path / "hm.toml"), "--planners", "astar", "--png",
                  str(tmp_path / "hm.png")]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: --png: ") and "heightmap" in err and err.count("\n") == 1
    assert (tmp_path / "hm.png").read_bytes() == before
