"""Terrain generation speed and memory, as ratios measured in the same process.

Bars (issue 4): a 2048 x 2048 Mars preset with craters and rocks in at most 10x the time of
one numpy ``rfft2`` + ``irfft2`` round trip of the same size (float64, numpy's default), and a
peak of traced memory at most 6x the float32 height array (numba kernels work in place, so
``tracemalloc`` sees every allocation the generator makes).

Print the figures for every Mars preset::

    .venv/bin/python tests/benchmarks/test_terrains.py            # 2048 x 2048
    .venv/bin/python tests/benchmarks/test_terrains.py 1024       # another size

Under pytest the default run (``--benchmark-disable``) runs each benchmark once as a smoke
test; ``--benchmark-enable`` times them and also asserts the time ratio.
"""

from __future__ import annotations

import statistics
import sys
import time
import tracemalloc

import numpy as np
import pytest

import terrains

MARS_PRESETS = ("mars-jezero", "mars-gale", "mars-meridiani", "mars-ares-vallis")


def fft_round_trip_s(n: int, repeats: int = 5) -> float:
    """Median time [s] of one ``irfft2(rfft2(a))`` on an n x n float64 array."""
    a = np.random.default_rng(0).standard_normal((n, n))
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.fft.irfft2(np.fft.rfft2(a), s=a.shape)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def generate_s(preset: str, n: int, repeats: int = 5) -> float:
    """Median time [s] of ``generate(preset=..., size=n)`` (kernels already compiled)."""
    terrains.generate(preset=preset, size=32)  # compile / load the kernels from cache
    times = []
    for seed in range(repeats):
        t0 = time.perf_counter()
        terrains.generate(preset=preset, size=n, seed=seed)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def peak_memory_ratio(preset: str, n: int) -> float:
    """Peak traced memory while generating, over the bytes of the float32 height array."""
    terrains.generate(preset=preset, size=32)
    tracemalloc.start()
    try:
        t = terrains.generate(preset=preset, size=n, seed=0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak / t.height.nbytes


def figures(preset: str, n: int) -> dict:
    """Time ratio (interleaved, median of three rounds) and memory ratio for one preset."""
    ratios = []
    for _ in range(3):  # interleave so that a burst of load on a shared machine hits both
        base = fft_round_trip_s(n)
        gen = generate_s(preset, n)
        ratios.append(gen / base)
    t = terrains.generate(preset=preset, size=n, seed=0)
    return {"preset": preset, "size": n, "fft_round_trip_s": base, "generate_s": gen,
            "time_ratio": statistics.median(ratios), "memory_ratio": peak_memory_ratio(preset, n),
            "craters": len(t.craters), "rocks": len(t.rocks)}


@pytest.mark.parametrize("preset", MARS_PRESETS)
@pytest.mark.parametrize("n", [512, 2048])
def test_generate_mars_preset(benchmark, preset, n):
    benchmark.group = f"terrain-generation-{n}"
    terrains.generate(preset=preset, size=32)
    result = benchmark(terrains.generate, preset=preset, size=n, seed=1)
    assert result.shape == (n, n) and len(result.craters) > 0 and len(result.rocks) > 0
    mem = peak_memory_ratio(preset, n)
    benchmark.extra_info["memory_ratio"] = mem
    benchmark.extra_info["craters"] = len(result.craters)
    benchmark.extra_info["rocks"] = len(result.rocks)
    assert mem <= 6.0  # deterministic: allocations, not time
    if n == 2048 and not benchmark.disabled:
        base = fft_round_trip_s(n)
        gen = generate_s(preset, n)
        benchmark.extra_info["fft_round_trip_s"] = base
        benchmark.extra_info["time_ratio"] = gen / base
        assert gen / base <= 10.0


@pytest.mark.benchmark(group="terrain-generation-2048")
def test_fft_round_trip_baseline(benchmark):
    a = np.random.default_rng(0).standard_normal((2048, 2048))
    benchmark(lambda: np.fft.irfft2(np.fft.rfft2(a), s=a.shape))


@pytest.mark.benchmark(group="terrain-stats")
def test_stats_2048(benchmark):
    t = terrains.generate(preset="mars-jezero", size=2048, seed=0)
    s = benchmark(terrains.stats, t)
    benchmark.extra_info["hurst"] = s["hurst"]


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2048
    print(f"{'preset':<18} {'size':>6} {'fft rt ms':>10} {'gen ms':>8} {'time x':>7} "
          f"{'mem x':>6} {'craters':>8} {'rocks':>8}")
    for p in MARS_PRESETS:
        f = figures(p, n)
        print(f"{p:<18} {n:>6} {f['fft_round_trip_s'] * 1e3:>10.1f} {f['generate_s'] * 1e3:>8.1f} "
              f"{f['time_ratio']:>7.2f} {f['memory_ratio']:>6.2f} {f['craters']:>8} {f['rocks']:>8}")
