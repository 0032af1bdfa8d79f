"""The README's examples run as written, and CI runs the README's own test command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest


REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_python_examples_run(monkeypatch, capsys, tmp_path):
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    assert blocks, "the README has no python example"
    monkeypatch.chdir(tmp_path)  # the example loads scenarios by name, from any folder
    for code in blocks:
        exec(compile(code, "README.md", "exec"), {"__name__": "readme"})
    out = capsys.readouterr().out
    assert "reached" in out


def test_ci_runs_the_readme_test_command():
    quickstart = README[README.index("## Quickstart"):README.index("## A short tour")]
    commands = re.findall(r"```\n(.*?)\n```", quickstart, flags=re.S)
    assert len(commands) == 2, "the quickstart has one run command and one test command"
    run_command, test_command = commands
    from rover import scenarios

    ran = re.search(r"\.venv/bin/rover run ([\w-]+)$", run_command)
    assert ran and ran.group(1) in scenarios.names() and "pytest" in test_command
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in ci


def test_the_scenario_table_names_every_shipped_scenario():
    from rover import scenarios

    named = re.findall(r"^\| `([\w-]+)` \|", README, flags=re.M)
    assert sorted(named) == sorted(scenarios.names())


def test_annotated_scenario_example_is_valid(tmp_path):
    # The reference of every scenario key lives in docs/scenarios.md, linked from the README.
    from rover.scenario import load_scenario
    from rover.sim import prepare, simulate

    text = (REPO / "docs" / "scenarios.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```toml\n(.*?)```", text, flags=re.S)
    path = tmp_path / "example.toml"
    path.write_text(block, encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.rover.max_speed_mps == 0.04 and len(scenario.hazards) == 2
    result = simulate(scenario, world=prepare(scenario))  # placements are checked by prepare
    assert result.summary["outcome"] == "reached", result.summary["reason"]


def test_the_sample_run_output_is_what_the_flagship_prints(tmp_path, capsys, monkeypatch):
    from rover.cli import main

    monkeypatch.chdir(tmp_path)  # a scenario name runs from any folder
    (sample,) = re.findall(r"```\n\$ \.venv/bin/rover run (\S+)\n(.*?)\.\.\.\n```", README, flags=re.S)
    scenario, shown = sample
    assert main(["run", scenario, "--out", str(tmp_path / "run")]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[:len(shown.splitlines())] == shown.splitlines()


def test_the_sweep_example_is_the_shipped_campaign(tmp_path):
    from rover.sweep import load_sweep

    (block,) = re.findall(r"```toml\n(.*?)```", README, flags=re.S)
    (tmp_path / "readme.toml").write_text(block, encoding="utf-8")
    mine, shipped = load_sweep(tmp_path / "readme.toml"), load_sweep("planners-jezero")
    assert [r.id for r in mine.runs()] == [r.id for r in shipped.runs()]
    assert "rover sweep planners-jezero" in README


@pytest.mark.slow
def test_the_campaign_table_is_what_the_shipped_sweep_prints(tmp_path, capsys, monkeypatch):
    # The whole campaign (800 runs, ~25 s on two cores): the README's table, every column but
    # the clock's (planner ms per replan), is what the command prints today.
    from rover.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["sweep", "planners-jezero", "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    from rover.sweep import load_sweep, planners_of, read_runs, stats

    sweep = load_sweep("planners-jezero")
    rows = read_runs(sweep, tmp_path / "sweeps" / "planners-jezero")
    table = stats.summarize(rows, vary=sweep.vary_keys, planners=planners_of(sweep, rows)).table()

    def cut(text):  # drop the last column (ms/replan) and the legend
        return [line.rsplit(None, 1)[0] if i > 2 else line
                for i, line in enumerate(l for l in text.splitlines() if l and not
                                         l.startswith(("success:", "runs that", "raised")))]

    start = README.index("scenario mars-jezero-perseverance\npreset")
    shown = README[start:README.index("```", start)]
    assert len(cut(table)) == 11 and cut(shown) == cut(table)
