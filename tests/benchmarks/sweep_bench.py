"""Sweep figures, printed as plain text (no times are asserted anywhere)::

    .venv/bin/python tests/benchmarks/sweep_bench.py scale [--seeds 25] [--rounds 3]
    .venv/bin/python tests/benchmarks/sweep_bench.py memory [--runs 1000]
    .venv/bin/python tests/benchmarks/sweep_bench.py campaign

- ``scale``: the shipped campaign planners-jezero cut to ``--seeds`` seeds (25 seeds: 200
  runs of 100-150 m, 0.02-0.2 s each), timed whole (cluster start and close included) with
  1 and 2 local workers, against a plain in-process loop over the same runs (each case's
  terrain and route built once, then ``rover.simulate`` per planner: what the workers do,
  without Dask), the loop in this process with its kernels already loaded (the strictest
  baseline: the workers load theirs inside the sweep's time) and, as a user meets them,
  the loop and the 1-worker sweep each in a new process. Rounds interleave them; medians are
  reported, and the ratios of medians: throughput of 2 workers over 1, and 1 worker's wall
  time over the loop's.
- ``memory``: the client's resident memory during a ``--runs`` sweep of short runs (the
  tiny test scenario), sampled after every case: its value after the first 10% of runs and
  its peak, so a client that kept per-run data would show a climb.
- ``campaign``: the whole shipped campaign with the default workers, in runs per second.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from rover.sweep import load_sweep, run_case, run_sweep  # noqa: E402


def cut(seeds: int, folder: Path) -> Path:
    """The shipped campaign with its first ``seeds`` seeds, as a file in ``folder``."""
    from rover.sweep import FOLDER

    text = (FOLDER / "planners-jezero.toml").read_text()
    text = text.replace("count = 100 }", f"count = {seeds} }}")
    path = folder / f"planners-jezero-{seeds}.toml"
    path.write_text(text)
    return path


_COLD = """
import sys, time
t = time.perf_counter()
from rover.sweep import load_sweep, run_case, run_sweep
s = load_sweep(sys.argv[1])
if sys.argv[2] == "loop":
    for case in s.cases():
        run_case(case)
else:
    run_sweep(s, workers=int(sys.argv[2]))
print(time.perf_counter() - t)
"""


def cold(path: Path, how: str) -> float:
    """Seconds from the first import to the end, in a new process (kernels loaded from the
    disk cache, as a user's script or ``rover sweep`` would)."""
    import subprocess

    out = subprocess.run([sys.executable, "-c", _COLD, str(path), how], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1])


def scale(seeds: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = cut(seeds, Path(tmp))
        sweep = load_sweep(path)
        cases = sweep.cases()
        for case in cases[:1]:
            run_case(case)  # load the kernels in this process (the workers load their own)
        times = {"loop": [], "1 worker": [], "2 workers": [], "loop, new process": [],
                 "1 worker, new process": []}
        for _ in range(rounds):
            t = time.perf_counter()
            for case in cases:
                run_case(case)
            times["loop"].append(time.perf_counter() - t)
            for n, key in ((1, "1 worker"), (2, "2 workers")):
                t = time.perf_counter()
                rows = run_sweep(sweep, workers=n)
                times[key].append(time.perf_counter() - t)
                assert len(rows) == sweep.count()
            times["loop, new process"].append(cold(path, "loop"))
            times["1 worker, new process"].append(cold(path, "1"))
    med = {k: statistics.median(v) for k, v in times.items()}
    runs = sweep.count()
    for k, v in times.items():
        print(f"{k:21s} {runs} runs: median {med[k]:.2f} s ({runs / med[k]:.1f} runs/s); "
              f"rounds {', '.join(f'{x:.2f}' for x in v)}")
    print(f"throughput 2 workers / 1 worker: {med['1 worker'] / med['2 workers']:.2f}x")
    print(f"wall time 1 worker / in-process loop (its kernels loaded before timing): "
          f"{med['1 worker'] / med['loop']:.2f}x")
    print(f"wall time 1 worker / in-process loop, each in a new process: "
          f"{med['1 worker, new process'] / med['loop, new process']:.2f}x")


def memory(runs: int) -> None:
    import psutil

    data = ROOT / "tests" / "rover" / "sweep" / "data"
    seeds = max(1, runs // 4)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "tiny.toml").write_text((data / "tiny.toml").read_text())
        text = (data / "tiny-sweep.toml").read_text().replace("count = 6", f"count = {seeds}")
        (tmp / "m.toml").write_text(text)
        sweep = load_sweep(tmp / "m.toml")
        me = psutil.Process()
        samples = []

        def sample(p):
            samples.append((p.done, me.memory_info().rss))

        t = time.perf_counter()
        run_sweep(sweep, out=tmp / "out", progress=sample)
        wall = time.perf_counter() - t
    early = next(rss for done, rss in samples if done >= sweep.count() // 10)
    peak = max(rss for _, rss in samples)
    mb = 1024 * 1024
    print(f"{sweep.count()} runs in {wall:.1f} s; client RSS after {sweep.count() // 10} runs "
          f"{early / mb:.1f} MB, peak {peak / mb:.1f} MB (+{(peak - early) / mb:.1f} MB over "
          f"the last {sweep.count() - sweep.count() // 10} runs)")


def campaign() -> None:
    sweep = load_sweep("planners-jezero")
    t = time.perf_counter()
    rows = run_sweep(sweep)
    wall = time.perf_counter() - t
    print(f"planners-jezero: {len(rows)} runs in {wall:.1f} s with the default workers: "
          f"{len(rows) / wall:.1f} runs/s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=("scale", "memory", "campaign"))
    ap.add_argument("--seeds", type=int, default=25)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--runs", type=int, default=1000)
    a = ap.parse_args()
    if a.mode == "scale":
        scale(a.seeds, a.rounds)
    elif a.mode == "memory":
        memory(a.runs)
    else:
        campaign()


if __name__ == "__main__":
    main()
