"""Campaigns: many runs over terrains, routes, rovers and planners (``rover sweep``).

One run on one seed proves nothing. A sweep file (:func:`load_sweep`) names scenarios,
seeds, planners, scenario keys to vary and, optionally, routes to draw; :func:`run_sweep`
runs every (scenario, varied values, seed, planner) on Dask (an embedded local cluster by
default, or an existing one at ``scheduler``), streams one row per run to ``runs.csv``,
resumes where an interrupted sweep stopped, and writes the aggregates (``summary.csv``,
``pairs.csv``) and ``report.md``.

A run is a pure function of its configuration: its row is the same, bit for bit, on any
worker, in any order, apart from the clock's columns (``wall_time_s``, ``speedup``,
``planner_time_s``, ``planner_median_ms``) and ``worker``; and it equals what
``rover.simulate(run.scenario(), planner=run.planner, seed=run.seed)`` gives in-process.

Examples
--------
>>> from rover import sweep
>>> s = sweep.load_sweep("planners-jezero")          # a shipped sweep, or a file's path
>>> rows = sweep.run_sweep(s, out="sweeps/planners-jezero")   # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from rover.sweep._file import (FOLDER, MAX_RUNS, Case, Routes, Run, Sweep, SweepError,
                               _planner_of, describe, load_sweep, names)
from rover.sweep._engine import ClusterError
from rover.sweep._runner import ROUTE_COLUMNS, SUMMARY_COLUMNS, RouteError, draw_route, run_case

__all__ = ["load_sweep", "run_sweep", "names", "describe", "Sweep", "Case", "Run", "Routes", "SweepError",
           "ClusterError",
           "SweepProgress", "SweepInterrupted", "RouteError", "draw_route", "run_case",
           "columns", "read_runs", "write_outputs", "planners_of", "CLOCK_COLUMNS", "SUMMARY_COLUMNS", "ROUTE_COLUMNS",
           "FOLDER", "MAX_RUNS"]

CLOCK_COLUMNS = ("planner_time_s", "planner_median_ms", "wall_time_s", "speedup", "worker")
"""The columns that depend on the machine and the moment (the clock, the worker); every other
column of a row is the same wherever and whenever its run happens."""


def columns(sweep: Sweep) -> list[str]:
    """The columns of ``sweep``'s ``runs.csv`` (and of its rows), in order: ``run`` (a hash
    of the run's configuration), ``case`` (the same without the planner: runs sharing it
    share terrain and route), ``scenario``, each varied key, ``seed``, ``planner``, the route
    (``start_x_m``, ``start_y_m``, ``goal_x_m``, ``goal_y_m``), the run's summary fields
    (:data:`SUMMARY_COLUMNS`) and ``worker``."""
    from rover.sweep._rows import columns as _columns

    return _columns(sweep.vary_keys)


@dataclass(frozen=True)
class SweepProgress:
    """What a ``progress`` callback of :func:`run_sweep` is told after each case."""

    done: int
    """Runs recorded, this session and before it."""
    total: int
    errors: int
    """Runs recorded with outcome "error" (this session)."""
    resumed: int
    """Runs found already recorded when the sweep started."""
    elapsed_s: float
    eta_s: float | None
    """Estimated wall time left [s] (None until a run of this session has finished)."""
    workers: int | None = None
    """Worker threads of the cluster, in the first report (before any case: 0 says the
    cluster has no workers yet); None in the others."""


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped a sweep: the rows recorded so far are on disk; running the same sweep
    into the same folder again resumes it."""

    def __init__(self, done: int, total: int, out: Path | None):
        super().__init__(f"{done} of {total} runs recorded")
        self.done, self.total, self.out = done, total, out


def run_sweep(sweep, *, out: str | os.PathLike | None = None, workers: int | None = None,
              scheduler: str | None = None,
              progress: Callable[[SweepProgress], None] | None = None) -> list[dict]:
    """Run a sweep on Dask and return its rows.

    Parameters
    ----------
    sweep : Sweep, str or path-like
        A :class:`Sweep`, a sweep file, or a shipped sweep's name.
    out : str or path-like, optional
        Folder for ``runs.csv`` (streamed, one row per run as it finishes), ``summary.csv``,
        ``pairs.csv`` and ``report.md``. When it already holds this sweep's ``runs.csv``
        the runs recorded there are skipped (resume). None: nothing is written.
    workers : int, optional
        Worker processes of the embedded local cluster (default: one per core).
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://host:8786``); ``workers`` is then
        ignored.
    progress : callable, optional
        ``progress(SweepProgress)`` after each case (in the calling thread).

    Returns
    -------
    list of dict
        One row per run of the sweep, in the sweep's order (:meth:`Sweep.runs`), columns
        :func:`columns`, values typed (None for an empty cell).

    Raises
    ------
    SweepError
        A bad sweep file, or an ``out`` holding another sweep's ``runs.csv``; raised before
        any run starts and before any file is written.
    ClusterError
        The cluster could not be reached (an OSError), also before anything is written.
    SweepInterrupted
        Ctrl-C: the recorded rows are on disk, the workers closed.
    """
    from rover.sweep import _engine, _rows

    if not isinstance(sweep, Sweep):
        sweep = load_sweep(sweep)
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):
        raise ValueError(f"workers must be a whole number >= 1, got {workers!r}")
    header = columns(sweep)
    vary_values = {k: {_rows.cell(v): v for v in values} for k, values in sweep.vary}
    out = Path(out) if out is not None else None
    runs_csv = out / "runs.csv" if out is not None else None
    if out is not None:
        _check_folder(out)
        try:
            _rows.RunsFile.check(runs_csv, header, vary_values)
        except ValueError as exc:
            raise SweepError(str(exc)) from None
    in_code = _in_code_planners(sweep)
    client, cluster = _engine.connect(workers, scheduler)
    store = None
    try:
        # The client keeps the ids of the runs recorded, not their rows: those are on disk
        # (read back at the end), so its memory stays flat however long the campaign.
        # Without ``out`` the rows have nowhere else to be, and are kept.
        recorded: set[str] = set()
        kept: dict[str, dict] = {}
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            try:
                store = _rows.RunsFile(runs_csv, header, vary_values).open()
            except ValueError as exc:  # another sweep holds it, or it changed since check
                raise SweepError(str(exc)) from None
            recorded = {row["run"] for row in store.rows}
            store.rows = []
        resumed = sum(r.id in recorded for r in sweep.iter_runs())
        total = sweep.count()
        todo = _todo(sweep.iter_cases(), recorded)
        state = {"done": resumed, "errors": 0, "new": 0}
        t0 = time.perf_counter()
        if progress is not None:  # before the first case: where, and what is done already
            progress(SweepProgress(done=resumed, total=total, errors=0, resumed=resumed,
                                   elapsed_s=0.0, eta_s=None,
                                   workers=_engine.threads(client, at_least=0)))

        def on_result(case: Case, rows, error) -> None:
            if error is not None:
                rows = [_failed_row(case, planner, rid, error) for planner, rid in case.runs]
            for row in rows:
                if row["run"] in recorded:  # never twice (a case Dask ran again, say)
                    continue
                if store is not None:
                    store.append(row)
                else:
                    kept[row["run"]] = row
                recorded.add(row["run"])
                state["done"] += 1
                state["new"] += 1
                state["errors"] += row["outcome"] == "error"
            if progress is not None:
                elapsed = time.perf_counter() - t0
                left = total - state["done"]
                eta = elapsed / state["new"] * left if state["new"] else None
                progress(SweepProgress(done=state["done"], total=total,
                                       errors=state["errors"], resumed=resumed,
                                       elapsed_s=elapsed, eta_s=eta, workers=None))

        try:
            _engine.execute(client, todo, run_case, (in_code,), on_result)
        except KeyboardInterrupt:
            raise SweepInterrupted(state["done"], total, out) from None
    finally:
        try:
            if store is not None:
                store.close()
        finally:
            _engine.close(client, cluster)
    if out is None:
        return [_typed(kept[r.id], vary_values) for r in sweep.iter_runs()]
    rows = read_runs(sweep, out)
    write_outputs(sweep, rows, out)
    return rows


def _check_folder(out: Path) -> None:
    """SweepError unless ``out`` is, or can be made, a folder this process can write in."""
    from terrains.files import folder_problem

    problem = folder_problem(out)
    if problem is not None:
        raise SweepError(problem)


def _todo(cases, recorded):
    """The cases with runs left to do, each holding only those runs."""
    for case in cases:
        left = tuple((p, rid) for p, rid in case.runs if rid not in recorded)
        if left:
            yield case if len(left) == len(case.runs) else dataclasses.replace(case, runs=left)


def _failed_row(case, planner, rid, error) -> dict:
    from rover.sweep._runner import error_row

    return error_row(case, planner, rid, None, error, "")


def _typed(row: dict, vary_values: dict) -> dict:
    """A row as read back from runs.csv would be: each value through its cell text (a row
    made in this session and one read from the file compare equal)."""
    from rover.sweep._rows import cell, parse

    return {c: parse(c, cell(v), vary_values) for c, v in row.items()}


def _in_code_planners(sweep: Sweep) -> dict:
    """``{name: (planner, description)}`` of the sweep's planners registered in code in this
    process: the workers, other processes, are sent them."""
    from rover.planners import get

    names_ = set(sweep.planners or ())
    if sweep.planners is None:
        for label, file, doc in sweep.scenarios:
            names_.add(_planner_of(doc))
    out = {}
    for name in sorted(names_):
        entry = get(name)
        if entry.source == "registered in code":
            out[name] = (entry.planner, entry.description)
    return out


def read_runs(sweep, out) -> list[dict]:
    """The rows of ``sweep`` recorded in ``out``/runs.csv so far, in the sweep's order (runs
    not recorded yet are left out)."""
    from rover.sweep import _rows

    if not isinstance(sweep, Sweep):
        sweep = load_sweep(sweep)
    vary_values = {k: {_rows.cell(v): v for v in values} for k, values in sweep.vary}
    path = Path(out) / "runs.csv"
    if not path.exists():
        return []
    rows, _ = _rows._parse(path, path.read_bytes(), columns(sweep), vary_values)
    by_id = {r["run"]: r for r in rows}
    return [by_id[r.id] for r in sweep.iter_runs() if r.id in by_id]


def write_outputs(sweep: Sweep, rows: list[dict], out: str | os.PathLike) -> list[Path]:
    """Write ``summary.csv``, ``pairs.csv`` and ``report.md`` (with its charts) for ``rows``
    (a sweep's, as :func:`run_sweep` or :func:`read_runs` give them) into ``out``; returns
    the paths written. Each file is written whole or not at all."""
    from rover.sweep.report import write_report
    from rover.sweep.stats import summarize

    out = Path(out)
    summary = summarize(rows, vary=sweep.vary_keys, planners=planners_of(sweep, rows))
    source = sweep.source
    shown = source.stem if source.parent == FOLDER else str(source)
    written = summary.write(out)
    written += write_report(out, summary, rows, title=f"Sweep {sweep.name}",
                            command=f"rover sweep {shown} --out {out}")
    return written


def planners_of(sweep: Sweep, rows: list[dict]) -> list[str]:
    """The sweep's planners in order (each scenario's own, in order of appearance, when the
    sweep names none)."""
    if sweep.planners:
        return list(sweep.planners)
    return list(dict.fromkeys(r["planner"] for r in rows))
