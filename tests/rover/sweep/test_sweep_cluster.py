"""Sweeps on real Dask clusters: the embedded local one (1 and 2 workers) and a scheduler with
two workers started as separate processes (``cluster`` fixture). Rows are the same
everywhere; a killed worker, an interrupt, a torn row and a run that raises each leave every
run recorded exactly once."""

from __future__ import annotations

import csv
import dataclasses
import os
import signal
from pathlib import Path

import pytest

from rover.sweep import (CLOCK_COLUMNS, SweepInterrupted, load_sweep, read_runs, run_case,
                         run_sweep)

DATA = Path(__file__).parent / "data"


def strip(rows):
    """Rows without the clock's columns (and the worker's name)."""
    return [{k: v for k, v in r.items() if k not in CLOCK_COLUMNS} for r in rows]


def recorded_ids(out: Path) -> list[str]:
    with open(out / "runs.csv", newline="") as f:
        return [r["run"] for r in csv.DictReader(f)]


@pytest.fixture(scope="module")
def tiny():
    return load_sweep(DATA / "tiny-sweep.toml")


@pytest.fixture(scope="module")
def reference(tiny):
    """The tiny sweep's rows computed in this process, case by case, without Dask."""
    return strip([row for case in tiny.cases() for row in run_case(case)])


def test_one_worker_two_workers_and_a_scheduler_give_the_same_rows(tiny, reference, cluster,
                                                                   tmp_path):
    one = run_sweep(tiny, workers=1, out=tmp_path / "one")
    two = run_sweep(tiny, workers=2)
    remote = run_sweep(tiny, scheduler=cluster.address, out=tmp_path / "remote")
    assert strip(one) == reference
    assert strip(two) == reference
    assert strip(remote) == reference
    assert len({r["worker"] for r in remote}) == 2  # both of the cluster's workers ran cases
    # What was streamed to disk reads back as what was returned.
    assert read_runs(tiny, tmp_path / "one") == one
    assert sorted(recorded_ids(tmp_path / "remote")) == sorted(r["run"] for r in remote)
    for name in ("summary.csv", "pairs.csv", "report.md"):
        assert (tmp_path / "one" / name).stat().st_size > 0


def test_a_worker_killed_mid_sweep(tmp_path, cluster):
    # Longer runs than the tiny sweep's, so that cases are in flight when the worker dies.
    text = (DATA / "tiny-sweep.toml").read_text().replace("count = 6", "count = 16") \
        .replace("min_distance_m = 10.0", "min_distance_m = 25.0") \
        .replace("max_distance_m = 20.0", "max_distance_m = 35.0")
    (tmp_path / "tiny.toml").write_text((DATA / "tiny.toml").read_text())
    (tmp_path / "kill.toml").write_text(text)
    s = load_sweep(tmp_path / "kill.toml")
    expected = strip(run_sweep(s, workers=2))
    killed = []

    def kill_one(progress):
        if not killed and progress.done >= 4:
            pid = cluster.worker_pids()[0]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    rows = run_sweep(s, scheduler=cluster.address, out=tmp_path / "out", progress=kill_one)
    assert killed
    ids = recorded_ids(tmp_path / "out")
    assert len(ids) == len(set(ids)) == s.count()  # every run, once
    assert strip(rows) == expected
    assert all(r["outcome"] != "error" for r in rows)


def test_interrupted_and_resumed_equals_uninterrupted(tiny, reference, tmp_path):
    out = tmp_path / "out"

    def stop(progress):
        if progress.done >= 8:
            raise KeyboardInterrupt

    with pytest.raises(SweepInterrupted) as info:
        run_sweep(tiny, workers=2, out=out, progress=stop)
    first = recorded_ids(out)
    assert info.value.done == len(first) and 8 <= len(first) < tiny.count()
    assert not (out / "summary.csv").exists()  # no aggregates of a partial sweep
    # The machine also died in the middle of writing a row.
    with open(out / "runs.csv", "ab") as f:
        f.write(b"0123456789abcdef,fedcba98,tiny.toml,curiosity,3,ast")
    seen = []
    rows = run_sweep(tiny, workers=2, out=out, progress=seen.append)
    assert seen[0].resumed == len(first)
    ids = recorded_ids(out)
    assert ids[:len(first)] == first and len(ids) == len(set(ids)) == tiny.count()
    assert strip(rows) == reference
    # Resuming a finished sweep runs nothing and changes nothing.
    before = (out / "runs.csv").read_bytes()
    assert strip(run_sweep(tiny, workers=1, out=out)) == reference
    assert (out / "runs.csv").read_bytes() == before


def test_a_run_that_raises_does_not_stop_the_others(tiny, reference, tmp_path):
    # The second scenario's document is broken after validation: every case of it raises
    # on the worker.
    label, file, doc = tiny.scenarios[0]
    broken = {**doc, "terrain": {**doc["terrain"], "size": "large"}}
    s = dataclasses.replace(tiny, scenarios=(tiny.scenarios[0], ("broken", file, broken)))
    rows = run_sweep(s, workers=2, out=tmp_path)
    good = [r for r in rows if r["scenario"] != "broken"]
    bad = [r for r in rows if r["scenario"] == "broken"]
    assert strip(good) == reference
    assert len(bad) == len(reference) and {r["outcome"] for r in bad} == {"error"}
    assert all("[terrain].size" in r["reason"] for r in bad)
    assert len(set(recorded_ids(tmp_path))) == len(rows)


def test_a_planner_registered_in_code_runs_on_the_workers(tiny, tmp_path):
    from rover.planners import get, register
    from rover.planners._registry import _REGISTERED

    def straight_astar(cost, start, goal):
        from rover.planners import astar

        return astar(cost, start, goal)

    register("sweep_test_astar", straight_astar, description="A* under another name")
    try:
        assert get("sweep_test_astar").source == "registered in code"
        text = (DATA / "tiny-sweep.toml").read_text().replace(
            'planners = ["astar", "mpgaa"]', 'planners = ["astar", "sweep_test_astar"]')
        (tmp_path / "tiny.toml").write_text((DATA / "tiny.toml").read_text())
        (tmp_path / "p.toml").write_text(text)
        rows = run_sweep(load_sweep(tmp_path / "p.toml"), workers=2)
    finally:
        _REGISTERED.pop("sweep_test_astar", None)
    by = {}
    for r in rows:
        by.setdefault(r["case"], {})[r["planner"]] = r
    for pair in by.values():
        a, b = pair["astar"], pair["sweep_test_astar"]
        assert a["outcome"] == b["outcome"] == "reached"
        assert a["distance_m"] == b["distance_m"] and a["expanded"] == b["expanded"]


def test_a_list_valued_key_varies_end_to_end(tmp_path):
    # A varied value may be a list ("terrain.size"): it travels, is written, read back and
    # grouped like any other.
    (tmp_path / "tiny.toml").write_text((DATA / "tiny.toml").read_text())
    (tmp_path / "v.toml").write_text(
        "[sweep]\nscenarios = ['tiny.toml']\nseeds = [0, 1]\nplanners = ['astar']\n"
        "[sweep.vary]\n'terrain.size' = [[80, 80], [72, 72]]\n")
    rows = run_sweep(load_sweep(tmp_path / "v.toml"), workers=1, out=tmp_path / "out")
    assert [r["terrain.size"] for r in rows] == [[80, 80], [80, 80], [72, 72], [72, 72]]
    summary = (tmp_path / "out" / "summary.csv").read_text().splitlines()
    assert len(summary) == 3 and '"[72, 72]"' in summary[1]
