"""Planner comparison: workloads, peer adapters and the runner behind ``rover bench``.

The pytest-benchmark suite in ``tests/benchmarks`` and the ``rover bench`` command build
their workloads and call the peers through this package, so both measure the same thing:

- :mod:`rover.bench.workloads`: the benchmark grid (:func:`bench_grid`), terrain cost
  grids, Moving AI maps, scenarios and generated traverses; our cost rule for other
  libraries' paths (:func:`path_cost`).
- :mod:`rover.bench.peers`: scikit-image, tcod and pyastar2d behind one signature
  (optional ``bench`` extra; a missing peer is skipped with a note).
- :mod:`rover.bench.runner`: interleaved timing, peak memory, the report and its
  table, JSON and CSV forms (:func:`run_benchmarks`).

Importing this package imports numpy only; numba loads when a planner first runs.
"""

from __future__ import annotations

from rover.bench.runner import (ALL_PLANNERS, format_report, machine_info, parse_planners,
                                run_benchmarks, write_csv, write_json)
from rover.bench.workloads import (WorkloadError, bench_grid, corners, default_workloads,
                                   parse_workload, path_cost)

__all__ = ["ALL_PLANNERS", "WorkloadError", "bench_grid", "corners", "default_workloads",
           "format_report", "machine_info", "parse_planners", "parse_workload", "path_cost",
           "run_benchmarks", "write_csv", "write_json"]
