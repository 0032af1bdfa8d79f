"""Cost-map throughput (cells per second) on a Jezero terrain with the Perseverance preset.

The default run smoke-tests 256 x 256; 2048 x 2048 runs with ``--benchmark-enable``, on
0.5 m cells (a footprint window of 9 x 9 cells) and on 0.05 m cells (81 x 81: the time per
cell must not grow with the footprint).
``extra_info['cells_per_s']`` holds the figure; ``traverse_bench.py costmap`` prints it.
"""

from __future__ import annotations

import pytest

from rover.costmap import traversability
from rover.models import rover_preset


@pytest.mark.benchmark(group="costmap")
@pytest.mark.parametrize("cell", [0.5, 0.05], ids=lambda c: f"cell{c:g}m")
@pytest.mark.parametrize("size", [256, 2048], ids=lambda s: f"{s}x{s}")
def test_costmap_throughput(benchmark, size, cell, request):
    if size > 256 and benchmark.disabled:
        pytest.skip("heavy benchmark: run with --benchmark-enable")
    import terrains

    t = terrains.generate("mars", preset="mars-jezero", size=(size, size), cell_size=cell, seed=7)
    rover = rover_preset("perseverance")
    traversability(t, rover)  # compile or load outside the timing
    result = benchmark(traversability, t, rover)
    assert result.cost.shape == (size, size)
    if not benchmark.disabled:
        benchmark.extra_info["cells_per_s"] = size * size / benchmark.stats.stats.min
