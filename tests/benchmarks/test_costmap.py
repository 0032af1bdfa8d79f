"""Cost-map throughput (cells per second) on a Jezero terrain with the Perseverance preset.

The default run smoke-tests 256 x 256; 2048 x 2048 runs with ``--benchmark-enable``, on
0.5 m cells (a footprint window of 9 x 9 cells) and on 0.05 m cells (81 x 81: the time per
cell must not grow with the footprint).
``extra_info['cells_per_s']`` holds the figure; ``traverse_bench.py costmap`` prints it.
Each runs with the square footprint and with the disc (``[costmap] footprint = "disc"``,
O(K) per cell for a disc K cells in radius). The square against the disc side by side::

    PYTHONPATH=. .venv/bin/python tests/benchmarks/test_costmap.py
"""

from __future__ import annotations

import pytest

from rover.costmap import traversability
from rover.models import CostWeights, rover_preset


@pytest.mark.benchmark(group="costmap")
@pytest.mark.parametrize("footprint", ["square", "disc"])
@pytest.mark.parametrize("cell", [0.5, 0.05], ids=lambda c: f"cell{c:g}m")
@pytest.mark.parametrize("size", [256, 2048], ids=lambda s: f"{s}x{s}")
def test_costmap_throughput(benchmark, size, cell, footprint, request):
    if size > 256 and benchmark.disabled:
        pytest.skip("heavy benchmark: run with --benchmark-enable")
    import terrains

    t = terrains.generate("mars", preset="mars-jezero", size=(size, size), cell_size=cell, seed=7)
    rover = rover_preset("perseverance")
    w = CostWeights(footprint=footprint)
    traversability(t, rover, weights=w)  # compile or load outside the timing
    result = benchmark(traversability, t, rover, weights=w)
    assert result.cost.shape == (size, size)
    if not benchmark.disabled:
        benchmark.extra_info["cells_per_s"] = size * size / benchmark.stats.stats.min


if __name__ == "__main__":
    import time

    import terrains

    rover = rover_preset("perseverance")
    for size, cell in ((1024, 0.25), (1024, 0.1), (2048, 0.25)):
        t = terrains.generate("mars", preset="mars-jezero", size=(size, size), cell_size=cell,
                              seed=3)
        best = {}
        for footprint in ("square", "disc"):
            w = CostWeights(footprint=footprint)
            traversability(t, rover, weights=w)
            times = []
            for _ in range(3):
                t0 = time.perf_counter()
                traversability(t, rover, weights=w)
                times.append(time.perf_counter() - t0)
            best[footprint] = min(times)
        print(f"{size} x {size} cells of {cell:g} m, Perseverance: square {best['square']:.3f} s, "
              f"disc {best['disc']:.3f} s (best of 3)")
