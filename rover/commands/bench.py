"""``rover bench [WORKLOAD ...]``: compare planners on the same workloads, side by side."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from rover.commands import (CLIError, check_distinct_outputs, check_writable_file, path_arg,
                            take_back, whole_number)
from terrains.files import stdout_fd

_positive = whole_number(1)
_seed = whole_number(0)

QUICK_REPEAT = 3
QUICK_PROBLEMS = 10
DEFAULT_PROBLEMS = 100


def register(sub) -> None:
    p = sub.add_parser(
        "bench", help="compare planners: time, expansions, path cost against the optimum",
        description="Run every planner on the same workloads and print, per workload and "
                    "planner, the median and range of planning time, nodes expanded, "
                    "expansions per second, the path cost and its ratio to the optimum, its "
                    "line-integral cost (every path costed alike, any-angle or grid), the "
                    "path length in metres and the peak memory; for scenarios also the whole "
                    "traverse with sensing (time per replan and in total). Peers "
                    "(scikit-image, tcod, pyastar2d, from the 'bench' extra) are re-costed "
                    "under our cost rule; absent peers are skipped with a note.",
        epilog="WORKLOAD: a scenario .toml; a Moving AI .map or .scen (the other file beside "
               "it; every answer checked against the optimal length); a folder of them; "
               "blobs:SIZE (the planner benchmark grid: costs 1-10, 25% blocked, corner to "
               "corner); PRESET:SIZE (a terrain preset as a cost map, e.g. mars-jezero:1024); "
               "traverse:SIZE (a generated Jezero traverse); obstacles:SIZE (the same over "
               "binary ground: drivable cells cost 1). Default: the shipped scenarios, "
               "blobs:1024, mars-jezero:1024, moon-highlands:512 (with --quick: the "
               "scenarios without a Sun, blobs:256, mars-jezero:256).",
    )
    p.add_argument("workloads", nargs="*", metavar="WORKLOAD",
                   help="scenario, Moving AI map or scen, folder, or NAME:SIZE (see below)")
    p.add_argument("--planners", metavar="LIST",
                   help="comma-separated planners (default: all): astar, wastar, dijkstra, "
                        "dstar_lite, mpgaa, skimage, tcod, pyastar2d")
    p.add_argument("--repeat", metavar="N", type=_positive,
                   help=f"timed rounds per planner and grid (default 7; {QUICK_REPEAT} with "
                        "--quick)")
    p.add_argument("--problems", metavar="N", type=_problems,
                   help=f"Moving AI problems per map, evenly spread over the file, or 'all' "
                        f"(default {DEFAULT_PROBLEMS}; {QUICK_PROBLEMS} with --quick)")
    p.add_argument("--quick", action="store_true",
                   help="smaller default workloads (no scenario with a Sun), fewer rounds and "
                        "Moving AI problems, no Dijkstra traverses")
    p.add_argument("--rover", metavar="NAME", default="generic",
                   help="rover preset for PRESET:SIZE cost maps (default generic)")
    p.add_argument("--seed", metavar="N", type=_seed, default=None,
                   help="seed of the generated workloads: grids (default 0) and the traverse "
                        "terrains (default 7); scenario files keep their own")
    p.add_argument("--json", metavar="FILE", type=path_arg, help="write the full report as JSON")
    p.add_argument("--csv", metavar="FILE", type=path_arg, help="write one row per result as CSV")
    p.add_argument("--png", metavar="FILE", type=path_arg,
                   help="write a bar chart of time and cost ratio per planner")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar and no table")
    p.set_defaults(func=run)


def _problems(text: str):
    if text == "all":
        return "all"
    return _positive(text)


def _check_out(flag: str, path: Path | None, suffix: str) -> None:
    if path is not None and path.is_dir():
        raise CLIError(f"{flag}: {path} is a folder; expected a {suffix} file name")
    check_writable_file(path, flag)


def run(args) -> int:
    from rover.bench.runner import (format_report, parse_planners, run_benchmarks, write_csv,
                                    write_json)
    from rover.bench.workloads import (ScenarioSpec, WorkloadError, default_workloads, grid_seed,
                                       parse_workload, traverse_seed)
    from rover.commands._progress import ProgressBar
    from rover.models import rover_presets

    # Names, files, sizes and output folders are checked before anything slow runs; a
    # scenario's placement on its terrain is checked when its world is built.
    try:
        planners = parse_planners(args.planners)
    except ValueError as exc:
        raise CLIError(str(exc)) from None
    if args.rover not in rover_presets():
        raise CLIError(f"--rover: unknown rover preset {args.rover!r}; valid presets: "
                       f"{', '.join(rover_presets())}")
    _check_out("--json", args.json, ".json")
    _check_out("--csv", args.csv, ".csv")
    _check_out("--png", args.png, ".png")
    repeat = args.repeat or (QUICK_REPEAT if args.quick else 7)
    problems = args.problems or (QUICK_PROBLEMS if args.quick else DEFAULT_PROBLEMS)
    limit = None if problems == "all" else problems
    try:
        if args.workloads:
            specs = [s for w in args.workloads
                     for s in parse_workload(w, limit=limit, rover=args.rover, seed=args.seed)]
        else:
            specs = default_workloads(quick=args.quick, rover=args.rover, seed=args.seed)
    except WorkloadError as exc:
        raise CLIError(str(exc)) from None
    if not specs:
        raise CLIError("no workloads: name a scenario, a Moving AI map or NAME:SIZE "
                       "(see 'rover bench --help')")
    scenarios = [s.scenario for s in specs if isinstance(s, ScenarioSpec)]
    inputs = [("a workload file", p) for s in specs
              for p in (getattr(s, "path", None), getattr(s, "map_path", None),
                        getattr(s, "scen_path", None)) if p is not None]
    inputs += [("a scenario's heightmap", sc.terrain.heightmap) for sc in scenarios
               if sc.terrain.heightmap is not None]
    check_distinct_outputs([("--json", args.json), ("--csv", args.csv), ("--png", args.png)],
                           inputs)

    from rover import _prewarm
    from rover.bench.runner import PlannerFailure

    # On a cold cache, the kernels needed after the terrains and cost maps are compiled on
    # another core meanwhile, in the order needed: D* Lite's plans (whole grids), the driving
    # loop (traverses), D* Lite's updates (its traverses, after A*'s). MPGAA*'s kernel is
    # left to this process: compiled in the background after D* Lite's plans it made a cold
    # --quick slower (15.3 s against 13.5 s), and last it gained nothing (14.1 s).
    dstar = "dstar_lite" in planners
    warm = _prewarm.start((["dstar-plan"] if dstar else [])
                          + (["drive"] if any(s.kind == "scenario" for s in specs) else [])
                          + (["dstar"] if dstar else []))
    bar = ProgressBar(enabled=not args.quiet)
    t0 = time.perf_counter()
    try:
        # --quick leaves Dijkstra out of traverses: it searches the whole map at every replan
        # and takes as long as all the other traverses together.
        report = run_benchmarks(specs, planners, repeat=repeat, progress=bar,
                                traverse_planners=([n for n in planners if n != "dijkstra"]
                                                   if args.quick else None))
    except PlannerFailure as exc:
        _prewarm.stop(warm)
        raise CLIError(str(exc)) from None
    except BaseException:
        _prewarm.stop(warm)  # e.g. a scenario placed on impassable ground
        raise
    finally:
        bar.close()
    report["command"] = "rover bench " + " ".join(sys.argv[2:]) if sys.argv[1:2] == ["bench"] \
        else None
    report["created_utc"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    if args.quick and "dijkstra" in planners and any(s.kind == "scenario" for s in specs):
        report["notes"].append("--quick: dijkstra is not run in traverses")
    if args.quick and not args.workloads:
        sunny = [s.name for s in default_workloads(rover=args.rover, seed=args.seed)
                 if s.kind == "scenario" and s.scenario.sun is not None]
        if sunny:
            report["notes"].append(f"--quick: the scenarios with a Sun are left out "
                                   f"({', '.join(sunny)})")
    report["settings"].update(quick=bool(args.quick), movingai_problems=problems,
                              seed=grid_seed(args.seed), traverse_seed=traverse_seed(args.seed),
                              rover=args.rover)
    # A report written to stdout itself (--json /dev/stdout) must stay parseable there: the
    # lines for people go to stderr then.
    human = (sys.stderr if any(p is not None and stdout_fd(p) is not None
                               for p in (args.json, args.csv)) else sys.stdout)
    if not args.quiet:
        print(format_report(report), file=human)
    written = []
    option = "--json"
    try:
        if args.json is not None:
            written.append(str(write_json(args.json, report)))
        option = "--csv"
        if args.csv is not None:
            written.append(str(write_csv(args.csv, report)))
        option = "--png"
        if args.png is not None:
            from viewer.chart import write_chart

            try:
                written.append(str(write_chart(args.png, report)))
            except ValueError as exc:  # only traverses: nothing to chart
                print(f"note: --png not written: {exc}", file=sys.stderr)
    except OSError as exc:
        take_back(written)  # all the outputs asked for, or none
        # Checked before the run, so the machine refused it meanwhile (a folder removed, a
        # pseudo-file system such as /proc that takes no new files, a full disk).
        raise CLIError(f"{option}: cannot write {exc.filename or 'the output'}: "
                       f"{exc.strerror or exc}") from None
    if written and not args.quiet:
        print("wrote " + ", ".join(written), file=human)
    elif args.quiet:
        print(f"{len(report['results'])} results in {time.perf_counter() - t0:.1f} s", file=human)
    return 0
