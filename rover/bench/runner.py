"""Running the planners on workloads, timing them fairly, and reporting the figures.

Timing rules (so that the figures can be trusted on a busy machine):

- Every planner on a workload is called once untimed first (numba compiles or loads its
  kernels; peers warm up), once more under :func:`peak_rss` for memory, then ``repeat``
  timed rounds with **one call of each planner per round** (interleaved), so that a burst of
  load from another process slows every contender alike. The table shows the median and
  the range (min-max) of the rounds, and each planner's median over ``astar``'s median
  from the same rounds.
- Moving AI problems are each solved once per planner, planners interleaved problem by
  problem; the median and range are over problems.
- A traverse (sensing and replanning) runs once per planner on one prepared world; the
  median and range are over its replans.

Nothing is typed in: every number in a report is measured by the call that made it.
"""

from __future__ import annotations

import csv
import ctypes
import gc
import io
import math
import os
import platform
import time
from typing import Callable

import numpy as np

from rover.bench import peers as _peers
from rover.bench.workloads import GridProblem, MovingAISpec, path_cost
from rover.costmap import cell_index

__all__ = ["OURS", "PEERS", "ALL_PLANNERS", "PlannerFailure", "parse_planners", "machine_info", "peak_rss",
           "interleaved", "best_time", "run_benchmarks", "format_report", "write_json",
           "write_csv", "csv_text", "MOVINGAI_TOLERANCE"]

OURS = ("astar", "wastar", "dijkstra", "dstar_lite", "mpgaa")
"""The built-in planners, run when none is named (``wastar`` with
:data:`rover.planners.WASTAR_WEIGHT` on grids, the scenario's ``[mission].wastar_weight`` in
traverses). Any registered or installed planner can be named too (``--planners``)."""
PEERS = tuple(_peers.PEERS)
ALL_PLANNERS = OURS + PEERS
MOVINGAI_TOLERANCE = 1e-5
"""Largest |cost - optimal length| counted as correct: the files print 8 decimals."""


def parse_planners(text: str | None) -> list[str]:
    """Planner names from a comma-separated list (None: all of :data:`ALL_PLANNERS`).

    Raises
    ------
    ValueError
        An empty list or an unknown name; the message lists the valid names.
    """
    if text is None:
        return list(ALL_PLANNERS)
    names = [t.strip() for t in text.split(",") if t.strip()]
    if not names:
        raise ValueError(f"--planners: expected a comma-separated list of planners, got "
                         f"{text!r}; valid planners: {', '.join(ALL_PLANNERS)}")
    from rover.planners import PlannerError, get

    for n in names:
        if n in PEERS:
            continue
        try:
            get(n)  # a built-in, registered or installed planner
        except PlannerError as exc:
            raise ValueError(f"--planners: {exc}; or a peer: {', '.join(PEERS)}") from None
    return list(dict.fromkeys(names))


# --------------------------------------------------------------------------------------------
# Machine and memory


def _cpuinfo(key: str) -> str | None:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.split(":", 1)[0].strip() == key:
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def _cpu_name() -> str:
    return _cpuinfo("model name") or platform.processor() or platform.machine() or "unknown"


def machine_info() -> dict:
    """Versions and machine: Python, numpy, numba, this package, peers, CPU, cores, load."""
    import numba

    from rover import __version__

    try:
        affinity = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        affinity = None
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        load = None
    info = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "planetary_rover_nav": __version__,
        "platform": platform.platform(),
        "cpu": _cpu_name(),
        "cpu_mhz": _cpuinfo("cpu MHz"),
        "logical_cpus": os.cpu_count(),
        "cpus_available": affinity,
        "load_average": load,
    }
    for name in _peers.PEERS:
        ok, ver = _peers.available(name)
        info[f"peer_{name}"] = ver if ok else None
    return info


def _status_bytes(key: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(key):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


_LIBC = None


def _trim() -> None:
    """Hand freed heap memory back to the OS (glibc), so a new peak shows up in RSS."""
    global _LIBC
    if _LIBC is None:
        try:
            _LIBC = ctypes.CDLL("libc.so.6")
            _LIBC.malloc_trim.argtypes = [ctypes.c_size_t]
        except (OSError, AttributeError):
            _LIBC = False
    if _LIBC:
        _LIBC.malloc_trim(0)


def peak_rss(fn: Callable):
    """Call ``fn()``; return (peak resident memory it added [bytes] or None, its result).

    Linux only: freed heap memory is returned to the OS (``malloc_trim``), the process's
    peak-RSS mark is reset (``/proc/self/clear_refs``), and the peak after the call
    (``VmHWM``) is compared with the resident size before it. Unlike ``tracemalloc`` this
    sees numba's allocations too. None where the mark cannot be reset.
    """
    gc.collect()
    _trim()
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
    except OSError:
        return None, fn()
    before = _status_bytes("VmRSS")
    out = fn()
    peak = _status_bytes("VmHWM")
    if before is None or peak is None:
        return None, out
    return max(peak - before, 0), out


# --------------------------------------------------------------------------------------------
# Timing


def interleaved(fns: dict, rounds: int = 7) -> tuple[dict, dict]:
    """Least wall time [s] of each callable over ``rounds`` rounds, one call of each per
    round (a busy neighbour slows every contender alike), and each one's last result."""
    times, out = _samples(fns, rounds)
    return {k: min(v) for k, v in times.items()}, out


def _samples(fns: dict, rounds: int) -> tuple[dict, dict]:
    times = {k: [] for k in fns}
    out = {}
    for _ in range(rounds):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            out[k] = fn()
            times[k].append(time.perf_counter() - t0)
    return times, out


def best_time(fn: Callable, repeat: int = 5):
    """Least wall time of ``repeat`` calls [s] and the last result."""
    best = math.inf
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


# --------------------------------------------------------------------------------------------
# Solvers: ours and peers behind one signature


def _solver(name: str, cost: np.ndarray) -> Callable:
    """``solve(start, goal) -> (path or None, our cost or None, expanded or None, points or
    None)``: ``points`` the polyline the path follows, (N, 2) float64 (row, col) cells (an
    any-angle planner's vertices; a grid path's cells)."""
    if name not in PEERS:
        from rover.planners import check_plan, plan_path

        def solve(s, g):
            # A planner's mistake (a plugin's) is reported in one line, as in a run.
            try:
                p = plan_path(name, cost, s, g)
            except Exception as exc:
                what = f"{type(exc).__name__}: {exc}".splitlines()[0]
                raise PlannerFailure(f"planner {name!r} raised: {what}") from None
            problem = check_plan(cost, p, s, g)
            if problem is not None:
                raise PlannerFailure(f"planner {name!r} failed: {problem}")
            return (p.path, p.cost, p.expanded, p.points) if p.found else \
                (None, p.cost, p.expanded, None)

        return solve
    peer = _peers.make_peer(name, cost)

    def solve_peer(s, g):
        path = peer(s, g)
        return path, None, None, (None if path is None else np.asarray(path, dtype=np.float64))

    return solve_peer


class PlannerFailure(ValueError):
    """A planner raised, or returned a plan that fails :func:`rover.planners.check_plan`
    (one line)."""


def _ms(x: float) -> float:
    return round(x * 1e3, 4)


def _grid_rows(prob: GridProblem, names: list[str], repeat: int, tick) -> list[dict]:
    from rover.planners import dijkstra

    cost, s, g = prob.cost, prob.start, prob.goal
    optimum = float(dijkstra(cost, s, g).cost)
    solvers = {n: _solver(n, cost) for n in names}
    mem = {}
    results = {}
    for n, solve in solvers.items():
        solve(s, g)  # compile, load or warm up outside the measurements
        mem[n], results[n] = peak_rss(lambda: solve(s, g))
    times, _ = _samples({n: (lambda f: lambda: f(s, g))(f) for n, f in solvers.items()}, repeat)
    base = float(np.median(times["astar"])) if "astar" in times else None
    rows = []
    from rover.planners import line_cost
    from rover.scenario import polyline_length

    for n in names:
        path, ours_cost, expanded, points = results[n]
        t = np.asarray(times[n])
        med = float(np.median(t))
        recost, cuts, bad = path_cost(cost, path)
        c = ours_cost if ours_cost is not None else recost
        found = path is not None and math.isfinite(c)
        # Every path costed one way, the exact line integral of the polyline it follows
        # (for a grid path it equals the move-cost rule; a cut corner makes it inf), so
        # that any-angle and grid planners compare fairly.
        lc = float(line_cost(cost, points)) if found else None
        rows.append({
            "workload": prob.name, "kind": "plan", "planner": n,
            "rows": cost.shape[0], "cols": cost.shape[1], "cell_size_m": prob.cell_size_m,
            "start": list(s), "goal": list(g), "runs": len(t),
            "time_ms_median": _ms(med), "time_ms_min": _ms(float(t.min())),
            "time_ms_max": _ms(float(t.max())),
            "time_vs_astar": round(med / base, 4) if base else None,
            "expanded": expanded,
            "expansions_per_s": round(expanded / med) if expanded is not None and med > 0 else None,
            "found": bool(found), "cost": c if found else None, "optimum": optimum,
            "cost_ratio": round(c / optimum, 6) if found and optimum > 0 else None,
            "corner_cuts": cuts, "invalid_steps": bad,
            "line_cost": lc if lc is not None and math.isfinite(lc) else None,
            "path_length_m": (round(polyline_length(points) * prob.cell_size_m, 3)
                              if found else None),
            "peak_mem_mib": round(mem[n] / 2**20, 2) if mem[n] is not None else None,
        })
        tick()
    return rows


OFF_LISTED = 10
"""Off-optimum Moving AI problems listed by number in a report row (the count is whole)."""


def _movingai_rows(spec: MovingAISpec, names: list[str], tick) -> list[dict]:
    grid, problems = spec.build()
    where = spec.indices(spec.total)  # each problem's position in the .scen, for the report
    solvers = {n: _solver(n, grid) for n in names}
    p0 = problems[-1]  # the hardest bucket: warm-up and memory
    mem = {}
    for n, solve in solvers.items():
        solve(p0.start, p0.goal)
        mem[n], _ = peak_rss(lambda: solve(p0.start, p0.goal))
    k = len(problems)
    times = {n: np.empty(k) for n in names}
    err = {n: np.empty(k) for n in names}
    found = {n: np.empty(k) for n in names}
    ratio = {n: np.full(k, np.nan) for n in names}
    expanded = {n: 0 for n in names}
    cuts = {n: 0 for n in names}
    unsolved = {n: 0 for n in names}
    for i, p in enumerate(problems):
        for n, solve in solvers.items():
            t0 = time.perf_counter()
            path, c, e, _ = solve(p.start, p.goal)
            times[n][i] = time.perf_counter() - t0
            rc, cut, _ = path_cost(grid, path)
            if c is None:
                c = rc
            found[n][i] = c
            cuts[n] += cut
            if e is not None:
                expanded[n] += e
            if not math.isfinite(c):
                unsolved[n] += 1
                err[n][i] = math.inf
            else:
                err[n][i] = abs(c - p.optimal_length)
                if p.optimal_length > 0:
                    ratio[n][i] = c / p.optimal_length
    rows = []
    base = float(times["astar"].sum()) if "astar" in names else None
    for n in names:
        t = times[n]
        total = float(t.sum())
        solved = err[n][np.isfinite(err[n])]
        worst = float(solved.max()) if len(solved) else math.inf  # unsolved: counted apart
        finite_r = ratio[n][np.isfinite(ratio[n])]
        off = np.flatnonzero(err[n] > MOVINGAI_TOLERANCE)
        rows.append({
            "workload": spec.name, "kind": "movingai", "planner": n,
            "rows": grid.shape[0], "cols": grid.shape[1], "cell_size_m": 1.0,
            "problems": k, "problems_in_file": spec.total, "runs": k,
            "time_ms_median": _ms(float(np.median(t))), "time_ms_min": _ms(float(t.min())),
            "time_ms_max": _ms(float(t.max())), "total_s": round(total, 4),
            "total_vs_astar": round(total / base, 4) if base else None,
            "expanded": expanded[n] if n not in PEERS else None,
            "expansions_per_s": (round(expanded[n] / total) if n not in PEERS and total > 0
                                 else None),
            "worst_abs_error": worst if math.isfinite(worst) else None,
            "not_optimal": int(len(off)),
            # The first few, so a user can rerun them: the problem's number in the .scen
            # (1 = its first problem line, as its error messages count), the optimal length and
            # the cost found (None: no path).
            "not_optimal_problems": [
                {"problem": int(where[i]) + 1, "optimal": problems[i].optimal_length,
                 "cost": float(found[n][i]) if math.isfinite(found[n][i]) else None}
                for i in off[:OFF_LISTED]],
            "unsolved": unsolved[n], "corner_cuts": cuts[n],
            "cost_ratio": round(float(finite_r.mean()), 6) if len(finite_r) else None,
            "cost_ratio_max": round(float(finite_r.max()), 6) if len(finite_r) else None,
            "cost_ratio_min": round(float(finite_r.min()), 6) if len(finite_r) else None,
            "peak_mem_mib": round(mem[n] / 2**20, 2) if mem[n] is not None else None,
        })
        tick()
    return rows


def _traverse_rows(name: str, scenario, world, names: list[str], tick) -> list[dict]:
    from rover.sim import simulate

    rows = []
    for n in names:
        r = simulate(scenario, planner=n, world=world)
        s = r.summary
        if s["outcome"] == "planner_error":
            raise PlannerFailure(f"{name}: {s['reason']}")
        ms = np.asarray(r.replans["planner_ms"], dtype=np.float64)
        rows.append({
            "workload": name, "kind": "traverse", "planner": n,
            "rows": world.true_cost.shape[0], "cols": world.true_cost.shape[1],
            "cell_size_m": world.cell_size, "outcome": s["outcome"], "replans": s["replans"],
            "runs": int(len(ms)),
            "time_ms_median": round(float(np.median(ms)), 4) if len(ms) else None,
            "time_ms_min": round(float(ms.min()), 4) if len(ms) else None,
            "time_ms_max": round(float(ms.max()), 4) if len(ms) else None,
            "time_ms_p90": round(float(np.percentile(ms, 90)), 4) if len(ms) else None,
            "planner_total_s": s["planner_time_s"], "wall_s": s["wall_time_s"],
            "sim_time_s": s["sim_time_s"], "speedup": s["speedup"], "expanded": s["expanded"],
            "expanded_per_replan": (round(s["expanded"] / s["replans"], 1)
                                    if s["replans"] else None),
            "expansions_per_s": (round(s["expanded"] / s["planner_time_s"])
                                 if s["planner_time_s"] else None),
            "distance_m": s["distance_m"], "straight_line_m": s["straight_line_m"],
        })
        if n == "wastar":  # a traverse plans with its scenario's weight
            rows[-1]["wastar_weight"] = scenario.mission.wastar_weight
        tick()
    base = next((r for r in rows if r["planner"] == "astar"), None)
    for r in rows:
        r["total_vs_astar"] = (round(r["planner_total_s"] / base["planner_total_s"], 4)
                               if base and base["planner_total_s"] else None)
    return rows


def _scenario_problem(name: str, world) -> GridProblem:
    m = world.scenario.mission
    h = world.cell_size
    rows, cols = world.true_cost.shape

    def cell(p):
        return cell_index(p[0], p[1], h, (rows, cols))

    return GridProblem(name, np.ascontiguousarray(world.true_cost, dtype=np.float64),
                       cell(m.start), cell(m.goal), h, {"scenario": world.scenario.name})


def _wastar_weight() -> float:
    """The weight ``wastar`` plans with here: :data:`rover.planners.WASTAR_WEIGHT`."""
    from rover.planners import WASTAR_WEIGHT

    return WASTAR_WEIGHT


def run_benchmarks(specs: list, planners: list[str], *, repeat: int = 5,
                   traverse_planners: list[str] | None = None,
                   progress: Callable[[float, dict], None] | None = None) -> dict:
    """Run ``planners`` on every workload in ``specs``; return a JSON-ready report.

    Parameters
    ----------
    specs : list
        Workloads from :func:`rover.bench.workloads.parse_workload` or
        :func:`~rover.bench.workloads.default_workloads`.
    planners : list of str
        Names from :data:`ALL_PLANNERS`. Peers that are not installed are skipped with a
        note; peers are not run in traverses (they have no incremental interface).
    repeat : int
        Timed rounds per planner and grid workload (>= 1).
    traverse_planners : list of str, optional
        Our planners to run in traverses; default: those of ``planners``.
    progress : callable, optional
        ``progress(fraction_done, {"workload": name})`` after each planner on each workload.

    Returns
    -------
    dict
        ``machine`` (:func:`machine_info`), ``settings``, ``workloads`` (name, kind, build
        time [s]), ``results`` (one dict per workload, planner and kind: "plan",
        "movingai" or "traverse"), ``notes`` (skipped peers and the like), ``wall_s``.
    """
    if repeat < 1:
        raise ValueError(f"repeat must be >= 1, got {repeat}")
    t_start = time.perf_counter()
    notes = []
    usable = []
    for n in planners:
        if n in PEERS:
            ok, why = _peers.available(n)
            if not ok:
                notes.append(why)
                continue
        usable.append(n)
    ours = [n for n in usable if n not in PEERS and (traverse_planners is None
                                                      or n in traverse_planners)]
    if any(s.kind == "scenario" for s in specs) and any(n in PEERS for n in usable):
        notes.append("peers plan from scratch on a whole grid only: they are not run in "
                     "traverses")
    units = 0
    for s in specs:
        units += len(usable) + (len(ours) if s.kind == "scenario" else 0)
    done = [0]

    def tick(name):
        done[0] += 1
        if progress is not None:
            progress(done[0] / max(units, 1), {"workload": name})

    results: list[dict] = []
    workloads = []
    for spec in specs:
        t0 = time.perf_counter()
        name = spec.name
        if spec.kind == "movingai":
            if spec.limit is not None and spec.limit < spec.total:
                notes.append(f"{name}: {min(spec.limit, spec.total)} of {spec.total} problems, "
                             "evenly spread over the file (--problems all for every one)")
            workloads.append({"name": name, "kind": "movingai", "map": str(spec.map_path),
                              "scen": str(spec.scen_path)})
            results += _movingai_rows(spec, usable, lambda: tick(name))
        elif spec.kind == "scenario":
            scenario, world = spec.build()
            workloads.append({"name": name, "kind": "scenario", "build_s":
                              round(time.perf_counter() - t0, 3),
                              "source": str(getattr(spec, "path", name))})
            prob = _scenario_problem(name, world)
            results += _grid_rows(prob, usable, repeat, lambda: tick(name))
            results += _traverse_rows(name, scenario, world, ours, lambda: tick(name))
        else:
            prob = spec.build()
            workloads.append({"name": name, "kind": "grid", "build_s":
                              round(time.perf_counter() - t0, 3), **prob.info})
            results += _grid_rows(prob, usable, repeat, lambda: tick(name))
    return {
        "rover_bench": 1,
        "machine": machine_info(),
        "settings": {"planners": usable, "repeat": repeat,
                     "movingai_tolerance": MOVINGAI_TOLERANCE,
                     "wastar_weight": _wastar_weight()},
        "workloads": workloads,
        "results": results,
        "notes": notes,
        "wall_s": round(time.perf_counter() - t_start, 3),
    }


# --------------------------------------------------------------------------------------------
# Output


def _f(v, fmt: str, none: str = "-") -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return none
    return format(v, fmt)


def _table(headers: list[str], rows: list[list[str]], right: set[int]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells):
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows])


def _time(r) -> str:
    return (f"{_f(r['time_ms_median'], '.3g')} ({_f(r['time_ms_min'], '.3g')}-"
            f"{_f(r['time_ms_max'], '.3g')})")


def format_report(report: dict) -> str:
    """The report as readable tables: one-shot plans, Moving AI, traverses, then notes."""
    res = report["results"]
    out = []
    m = report["machine"]
    out.append(f"machine: {m['cpu']}, {m['cpus_available'] or m['logical_cpus']} CPUs, load "
               f"{m['load_average']}; Python {m['python']}, numpy {m['numpy']}, numba "
               f"{m['numba']}, planetary-rover-nav {m['planetary_rover_nav']}")
    plans = [r for r in res if r["kind"] == "plan"]
    if plans:
        rows = []
        for r in plans:
            cost = _f(r["cost"], ".6g", "no path")
            ratio = _f(r["cost_ratio"], ".4f")
            if r["corner_cuts"]:
                ratio += f" ({r['corner_cuts']} cuts)"
            rows.append([r["workload"], r["planner"], _time(r), _f(r["time_vs_astar"], ".2f"),
                         _f(r["expanded"], ","), _f(r["expansions_per_s"] and
                                                    r["expansions_per_s"] / 1e6, ".1f"),
                         cost, ratio, _f(r.get("line_cost"), ".6g"),
                         _f(r["path_length_m"], ".1f"), _f(r["peak_mem_mib"], ".1f")])
        out.append(f"\nOne plan, start to goal (median of {report['settings']['repeat']} "
                   "interleaved rounds, (min-max)):")
        out.append(_table(["workload", "planner", "time ms", "x astar", "expanded", "M exp/s",
                           "cost", "/ optimum", "line cost", "length m", "peak MiB"], rows,
                          {2, 3, 4, 5, 6, 8, 9, 10}))
    mai = [r for r in res if r["kind"] == "movingai"]
    if mai:
        rows = []
        for r in mai:
            ratio = f"{_f(r['cost_ratio_min'], '.4f')}-{_f(r['cost_ratio_max'], '.4f')}"
            if r["corner_cuts"]:
                ratio += f" ({r['corner_cuts']} cuts)"
            rows.append([r["workload"], r["planner"], f"{r['problems']}/{r['problems_in_file']}",
                         _time(r), _f(r["total_s"], ".2f"), _f(r["total_vs_astar"], ".2f"),
                         _f(r["expansions_per_s"] and r["expansions_per_s"] / 1e6, ".1f"),
                         _f(r["worst_abs_error"], ".2e"),
                         str(r["not_optimal"]) + (f" ({r['unsolved']} no path)"
                                                  if r["unsolved"] else ""), ratio,
                         _f(r["peak_mem_mib"], ".1f")])
        out.append(f"\nMoving AI (each problem once; time per problem, median (min-max); "
                   f"off = problems with |cost - optimal| > {MOVINGAI_TOLERANCE:g}; peers "
                   "re-costed under our rule, cuts = diagonal steps past a blocked corner, which our rule "
                   "forbids):")
        out.append(_table(["map", "planner", "problems", "time ms", "total s", "x astar",
                           "M exp/s", "worst |error|", "off", "/ optimum", "peak MiB"], rows,
                          {2, 3, 4, 5, 6, 7, 8, 10}))
        if len({r["workload"] for r in mai}) > 1:
            for p in dict.fromkeys(r["planner"] for r in mai):
                rs = [r for r in mai if r["planner"] == p]
                errs = [r["worst_abs_error"] for r in rs if r["worst_abs_error"] is not None]
                worst = f"{max(errs):.2e}" if errs else "-"
                n = sum(r["problems"] for r in rs)
                total = sum(r["total_s"] for r in rs)
                out.append(f"all {len(rs)} maps, {p}: {n} problems, worst |error| {worst}, "
                           f"{sum(r['not_optimal'] for r in rs)} off, {total:.2f} s "
                           f"({total / n * 1e3:.3f} ms a problem)")
    trav = [r for r in res if r["kind"] == "traverse"]
    if trav:
        rows = []
        for r in trav:
            rows.append([r["workload"], r["planner"], r["outcome"], str(r["replans"]),
                         _time(r), _f(r["time_ms_p90"], ".3g"), _f(r["planner_total_s"], ".3f"),
                         _f(r["total_vs_astar"], ".2f"), _f(r["expanded"], ","),
                         _f(r["expanded_per_replan"], ",.0f"), _f(r["wall_s"], ".2f"),
                         _f(r["sim_time_s"], ",.0f"), _f(r["speedup"], ",.0f"),
                         _f(r["distance_m"], ".1f")])
        out.append("\nTraverse with sensing and replanning (time per replan, median (min-max); "
                   "x real time = sim s / wall s):")
        out.append(_table(["scenario", "planner", "outcome", "replans", "replan ms", "p90 ms",
                           "planner s", "x astar", "expanded", "exp/replan", "wall s", "sim s",
                           "x real time", "driven m"], rows,
                          {3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}))
    for n in report["notes"]:
        out.append(f"note: {n}")
    out.append(f"total {report['wall_s']:.1f} s")
    return "\n".join(out)


_CSV_FIRST = ["workload", "kind", "planner", "time_ms_median", "time_ms_min", "time_ms_max",
              "runs", "time_vs_astar", "expanded", "expansions_per_s", "cost", "optimum",
              "cost_ratio", "line_cost", "path_length_m", "peak_mem_mib"]


def csv_text(report: dict) -> str:
    """One CSV row per result; columns are the union of the result keys (blank if absent)."""
    keys = list(_CSV_FIRST)
    for r in report["results"]:
        keys += [k for k in r if k not in keys]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=keys, lineterminator="\n")
    w.writeheader()
    for r in report["results"]:
        w.writerow({k: _csv_cell(r.get(k)) for k in keys})
    return buf.getvalue()


def _csv_cell(v):
    """A result value as one CSV cell: lists space-separated; listed problems by number."""
    if v is None:
        return ""
    if isinstance(v, list):
        return " ".join(str(x["problem"]) if isinstance(x, dict) else str(x) for x in v)
    return v


def write_json(path, report: dict):
    """Write ``report`` as indented JSON, atomically (non-finite floats as null)."""
    from rover.io.results import write_summary

    return write_summary(path, report)


def write_csv(path, report: dict):
    """Write :func:`csv_text` of ``report`` atomically."""
    from rover.io.results import atomic_write

    text = csv_text(report)
    return atomic_write(path, lambda fh: fh.write(text))
