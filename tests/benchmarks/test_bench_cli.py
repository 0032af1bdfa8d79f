"""The whole ``rover bench --quick`` run, as one benchmark (heavy: ``--benchmark-enable``).

Tracks the end-to-end time of the quick comparison, which should stay well under 20 s on a
2-core machine with a warm numba cache; ``extra_info`` holds the report's own total.
"""

from __future__ import annotations

import json

import pytest

from rover.cli import main


def test_rover_bench_quick(benchmark, tmp_path, capsys):
    benchmark.group = "rover-bench"
    if benchmark.disabled:
        pytest.skip("heavy benchmark (the whole quick run): run with --benchmark-enable")
    out = tmp_path / "quick.json"
    code = benchmark.pedantic(main, args=(["bench", "--quick", "-q", "--json", str(out)],),
                              rounds=1)
    capsys.readouterr()
    assert code == 0
    report = json.loads(out.read_text())
    benchmark.extra_info.update(report_wall_s=report["wall_s"], results=len(report["results"]))
