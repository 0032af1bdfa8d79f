"""Optimal lengths of the Moving AI benchmark (a sample from every map in ../shared/movingai).

The full run over every problem is a benchmark: tests/benchmarks/test_planners.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rover.io.movingai import read_map, read_scen
from rover.planners import DStarLite, astar, dijkstra

ROOT = Path(__file__).resolve().parents[3] / ".." / "shared" / "movingai"
SCENS = sorted(ROOT.glob("*.scen")) if ROOT.is_dir() else []
PER_MAP = 12

pytestmark = pytest.mark.skipif(not SCENS, reason=f"Moving AI files not found in {ROOT}")


@pytest.mark.parametrize("scen", SCENS, ids=[p.name for p in SCENS])
def test_sample_matches_optimal_length(scen):
    problems = read_scen(scen)
    grid = read_map(scen.parent / problems[0].map)
    assert grid.shape == (problems[0].height, problems[0].width)
    # Spread over the file (and so over the buckets), always including the longest.
    pick = np.unique(np.linspace(0, len(problems) - 1, PER_MAP).astype(int))
    for i in pick:
        p = problems[i]
        plan = astar(grid, p.start, p.goal)
        assert plan.found
        assert abs(plan.cost - p.optimal_length) < 1e-5, (i, p, plan.cost)
    # The longest problem with the other two planners as well.
    p = problems[-1]
    for plan in (dijkstra(grid, p.start, p.goal), DStarLite(grid, p.start, p.goal).plan()):
        assert abs(plan.cost - p.optimal_length) < 1e-5, (p, plan.cost)


def test_ties_keep_astar_off_a_flood_on_uniform_maps():
    # On a uniform map every cell of the region swept by optimal paths has the same f; only
    # tie-breaking toward the goal keeps A* near one path. Take the longest problem whose
    # optimal length is its octile distance (an open line of sight).
    scen = ROOT / "Berlin_2_1024.map.scen"
    if not scen.exists():
        pytest.skip(f"{scen} not found")
    problems = read_scen(scen)
    grid = read_map(ROOT / problems[0].map)

    def octile(p):
        dr, dc = abs(p.start[0] - p.goal[0]), abs(p.start[1] - p.goal[1])
        return max(dr, dc) + (np.sqrt(2) - 1) * min(dr, dc)

    p = max((p for p in problems if abs(p.optimal_length - octile(p)) < 1e-6),
            key=lambda p: p.optimal_length)
    assert p.optimal_length > 1000
    plan = astar(grid, p.start, p.goal)
    assert abs(plan.cost - p.optimal_length) < 1e-5
    assert plan.expanded < 3 * len(plan.path)
