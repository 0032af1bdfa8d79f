"""rover.sweep.report: report.md and its charts, with matplotlib and without it."""

from __future__ import annotations

import ast
import struct
import sys
from pathlib import Path

import pytest

from rover.sweep import report
from rover.sweep.report import CHARTS, INSTALL_CHARTS, write_report
from rover.sweep.stats import summarize

KEY = "terrain.rock_cover"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def rows(reached=True):
    out = []
    for cover in (0.05, 0.2):
        for seed in range(4):
            case = f"{cover}-{seed}"
            for i, p in enumerate(("astar", "dstar_lite", "field_dstar")):
                outcome = "error" if (seed, i) == (3, 2) else (
                    "reached" if reached and seed != 2 else "stuck")
                out.append({"run": f"{case}-{p}", "case": case, "scenario": "mars-jezero",
                            KEY: cover, "seed": seed, "planner": p, "outcome": outcome,
                            "distance_m": 100.0 + 3 * seed + i, "energy_wh": 40.0 + seed,
                            "path_efficiency": 0.9, "sim_time_s": 500.0,
                            "planner_time_s": 0.02 * (1 + seed) * 10 ** i, "replans": 20})
    return out


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC, path
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def report_of(folder, runs, **kw):
    summary = summarize(runs, vary=[KEY], planners=["astar", "dstar_lite", "field_dstar"])
    return summary, write_report(folder, summary, runs, **kw)


def test_report_and_charts(tmp_path):
    pytest.importorskip("matplotlib")
    runs = rows()
    summary, paths = report_of(tmp_path / "campaign", runs, title="Rock cover on Jezero",
                               command="rover sweep rocks.toml --workers 2")
    folder = tmp_path / "campaign"
    assert paths == [folder / name for name in CHARTS] + [folder / "report.md"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in paths)  # no temp
    for png in folder.glob("*.png"):
        assert png_size(png) == (800, 450)                       # 8 x 4.5 in at 100 dpi
        assert png.stat().st_size > 10_000                       # drawn, not blank
    md = (folder / "report.md").read_text()
    assert md.startswith("# Rock cover on Jezero\n")
    assert "rover sweep rocks.toml --workers 2" in md
    assert f"{len(runs)} runs: {len(runs) - 2} ran to an outcome" in md
    assert "2 raised an error" in md
    for png in folder.glob("*.png"):
        assert f"]({png.name})" in md
    group_lines = [line for line in md.splitlines() if line.startswith("| mars-jezero |")]
    assert len(group_lines) == len(summary.groups) + len(summary.pairs)
    assert "| 0.05 | astar | 4 | 0 | 3/4 = 75 [30-95] |" in md
    assert "matplotlib" not in md


def test_charts_with_nothing_to_draw_are_not_written(tmp_path):
    pytest.importorskip("matplotlib")
    _, paths = report_of(tmp_path, rows(reached=False), title="Nothing reached")
    # success rates of 0 are still a chart; no distance or energy without a reached run
    assert [p.name for p in paths] == ["success.png", "planner_time.png", "report.md"]
    md = (tmp_path / "report.md").read_text()
    assert "](success.png)" in md and "](distance.png)" not in md
    assert "nothing to draw" in md


def test_charts_leave_matplotlib_as_they_found_it(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    had_pyplot = "matplotlib.pyplot" in sys.modules
    # rcParams["backend"] would resolve the backend (and import pyplot) on reading it.
    backend = dict.__getitem__(matplotlib.rcParams, "backend")
    report_of(tmp_path, rows(), title="t")
    assert dict.__getitem__(matplotlib.rcParams, "backend") == backend
    assert had_pyplot or "matplotlib.pyplot" not in sys.modules


def test_without_matplotlib_the_report_says_how_to_get_charts(tmp_path, monkeypatch):
    # None in sys.modules makes an import raise ImportError, as if it were not installed.
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    summary, paths = report_of(tmp_path, rows(), title="No charts", command="rover sweep x.toml")
    assert paths == [tmp_path / "report.md"]
    assert list(tmp_path.glob("*.png")) == []
    md = paths[0].read_text()
    assert f"`{INSTALL_CHARTS}`" in md
    assert "](" not in md.split("## Charts")[1]
    assert md.count("| mars-jezero |") == len(summary.groups) + len(summary.pairs)


def test_report_imports_matplotlib_only_when_writing():
    tree = ast.parse(Path(report.__file__).read_text())
    top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    names = {a.name for n in top if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module for n in top if isinstance(n, ast.ImportFrom)}
    assert not [n for n in names if n.split(".")[0] == "matplotlib"]
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)
             and getattr(n.func, "attr", getattr(n.func, "id", None)) == "use"]
    assert not calls                                           # no matplotlib.use(...)
