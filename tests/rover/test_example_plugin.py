"""The example planner plugin (examples/rover-pyastar), installed as a package installs it
(a distribution with a ``rover.planners`` entry point on the path), reaches every command
with no change to this package: rover list, rover run --planner, rover bench --planners and
rover view --compare."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "rover-pyastar"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A site folder holding the example as pip would leave it: its module and a dist-info
    with the entry point that its pyproject.toml declares."""
    import tomllib

    site = tmp_path_factory.mktemp("site")
    shutil.copytree(EXAMPLE / "rover_pyastar", site / "rover_pyastar")
    meta = tomllib.loads((EXAMPLE / "pyproject.toml").read_text())["project"]
    info = site / f"rover_pyastar-{meta['version']}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {meta['name']}\n"
                                   f"Version: {meta['version']}\n")
    points = meta["entry-points"]["rover.planners"]
    (info / "entry_points.txt").write_text(
        "[rover.planners]\n" + "".join(f"{k} = {v}\n" for k, v in points.items()))
    env = dict(os.environ, PYTHONPATH=str(site), ROVER_PREWARM="0",
               SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    return env


def rover(env, *args, cwd):
    return subprocess.run([sys.executable, "-m", "rover", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=600,
                          stdin=subprocess.DEVNULL)


@pytest.mark.slow
def test_the_plugin_is_listed_and_runs(installed, tmp_path):
    out = rover(installed, "list", cwd=tmp_path)
    assert out.returncode == 0
    assert any(line.split()[:1] == ["pyastar"] and "A* in plain Python" in line
               for line in out.stdout.splitlines()), out.stdout
    run = rover(installed, "run", "moon-south-pole-pragyan", "--planner", "pyastar", "-q",
                "--out", "out", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["planner"] == "pyastar" and summary["outcome"] == "reached"
    # The same drive as the built-in A*: the same optimal plans, and ties broken alike or
    # not, a plan of the same cost.
    ours = rover(installed, "run", "moon-south-pole-pragyan", "--planner", "astar", "-q",
                 "--out", "ours", cwd=tmp_path)
    assert ours.returncode == 0
    theirs = json.loads((tmp_path / "ours" / "summary.json").read_text())
    assert abs(summary["distance_m"] - theirs["distance_m"]) < 0.05 * theirs["distance_m"]


@pytest.mark.slow
def test_the_plugin_in_bench_and_in_the_viewer(installed, tmp_path):
    bench = rover(installed, "bench", "blobs:64", "--planners", "astar,pyastar", "-q",
                  "--json", "b.json", cwd=tmp_path)
    assert bench.returncode == 0, bench.stderr
    rows = json.loads((tmp_path / "b.json").read_text())["results"]
    mine = [r for r in rows if r["planner"] == "pyastar"]
    assert mine and mine[0]["cost_ratio"] == pytest.approx(1.0)
    shots = tmp_path / "shots"
    view = rover(installed, "view", "moon-south-pole-pragyan", "--compare", "astar,pyastar",
                 "--speed", "max", "--size", "900x500", "--shots", str(shots), "--script",
                 "40:s,41:q", cwd=tmp_path)
    assert view.returncode == 0, view.stderr
    assert len(list(shots.iterdir())) == 1
