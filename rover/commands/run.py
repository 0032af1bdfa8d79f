"""``rover run SCENARIO``: run a scenario, print a summary, write summary.json, trace.csv and
run.npz (the replay ``rover view RUN_DIR`` shows); ``--png``/``--frames`` draw it off screen."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
import threading
import time
from pathlib import Path

from rover.commands import (CLIError, check_distinct_outputs, check_writable_dir,
                            check_writable_file, is_stream, path_arg, take_back, whole_number)

_seed = whole_number(0)
_count = whole_number(1)
FRAME_COUNT = 300
"""Frames --frames writes when --frame-count is not given: 10 s of video at 30 fps."""

EXIT_OK, EXIT_NOT_REACHED = 0, 3


def register(sub) -> None:
    p = sub.add_parser(
        "run", help="run a scenario and write its results",
        description="Run a scenario: generate the terrain, then sense, plan and drive until the "
                    "goal is reached, proven unreachable, or a limit is hit. Prints a summary "
                    "and writes DIR/summary.json, DIR/trace.csv and DIR/run.npz (the replay "
                    "'rover view DIR' shows). Exit code 0 when the goal "
                    "was reached, 3 when the run ended without reaching it, 2 for bad input.",
    )
    p.add_argument("scenario", metavar="SCENARIO",
                   help="scenario file (.toml), or a shipped scenario's name ('rover list')")
    p.add_argument("--planner", metavar="NAME", help="planner to use instead of [mission].planner "
                   "(see 'rover list')")
    p.add_argument("--seed", metavar="N", type=_seed, help="seed to use instead of the scenario's")
    p.add_argument("--out", metavar="DIR", type=path_arg,
                   help="output folder (default: runs/<scenario-name>-<timestamp>)")
    p.add_argument("--quiet", "-q", action="store_true",
                   help="no progress bar and no table: print only the outcome line")
    p.add_argument("--png", metavar="FILE", type=path_arg,
                   help="also draw the finished run (terrain, fog, plan, path, rover, legend, "
                        "HUD) to this PNG file, without opening a window")
    p.add_argument("--frames", metavar="DIR", type=path_arg,
                   help="also write a numbered PNG sequence of the run to DIR "
                        "(frame_00000.png, ...; evenly spaced in simulated time) for a video")
    p.add_argument("--no-fog", action="store_true",
                   help="with --png or --frames: draw the whole cost map, without the fog "
                        "that hides the ground the rover has not seen")
    p.add_argument("--frame-count", metavar="N", type=_count, default=None,
                   help=f"number of frames for --frames (default {FRAME_COUNT}: 10 s of video at "
                        "30 fps)")
    p.set_defaults(func=run)


def check_planner(name: str | None) -> None:
    """Raise :class:`CLIError` unless ``name`` is None or a registered planner."""
    if name is None:
        return
    from rover.planners import check_planner_name

    try:
        check_planner_name(name)
    except ValueError as exc:
        raise CLIError(f"--planner: {exc}") from None


def default_out_dir(scenario_name: str) -> Path:
    """``runs/<name>-<UTC timestamp>``, made unique with a counter if it exists."""
    # Letters of any script are kept; runs of anything else become one "-", and leading dots
    # go (a name such as "../x" must not make a hidden folder). Folder names are limited to
    # 255 bytes on most file systems: a long name is cut to 80 bytes of UTF-8.
    safe = re.sub(r"[^\w.-]+", "-", scenario_name).lstrip(".-")
    safe = safe.encode("utf-8")[:80].decode("utf-8", "ignore").strip("-") or "run"
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    out = Path("runs") / f"{safe}-{stamp}"
    n = 1
    while out.exists():
        n += 1
        out = Path("runs") / f"{safe}-{stamp}-{n}"
    return out


def prepare_out_dir(out: Path) -> tuple[Path, list[Path]]:
    """Create ``out`` (and parents); :class:`CLIError` if it is a file or cannot be made.

    Returns ``(out, created)``: ``created`` lists the folders this call made, innermost
    first, so that a failed write can take them back (see :func:`_remove_partial`).
    """
    if out.exists() and not out.is_dir():
        raise CLIError(f"--out: {out} exists and is not a folder")
    try:
        created = _make_folder(out)
    except OSError as exc:
        raise CLIError(f"--out: cannot create {out}: {exc.strerror or exc}") from None
    return out, created


def run(args) -> int:
    from rover.commands._progress import ProgressBar
    from rover.io.results import write_summary, write_trace
    from rover import scenarios
    from rover.sim import prepare, simulate

    scenario = scenarios.load(args.scenario)
    check_planner(args.planner)
    # Everything a user can get wrong is checked before the output folder is made.
    png = getattr(args, "png", None)
    frames = getattr(args, "frames", None)
    if png is not None and not png.parent.exists():
        # Like --frames, --png may name a folder that does not exist yet (even one inside
        # --out): it is made when the picture is written.
        check_writable_dir(png.parent, "--png")
    else:
        check_writable_file(png, "--png")
    if png is not None and png.suffix.lower() != ".png" and not is_stream(png):
        raise CLIError(f"--png must name a .png file, got {str(png)!r}")
    heightmap = scenario.terrain.heightmap
    if getattr(args, "no_fog", False) and png is None and frames is None:
        raise CLIError("--no-fog needs --png FILE or --frames DIR (it changes only the pictures)")
    if args.frame_count is not None and frames is None:
        raise CLIError("--frame-count needs --frames DIR (the folder the frames go to)")
    check_writable_dir(frames, "--frames")
    check_writable_dir(args.out, "--out")
    from rover.io.replay import REPLAY_FILE

    out_dir = args.out if args.out is not None else default_out_dir(scenario.name)
    out_files = [out_dir / f for f in ("trace.csv", REPLAY_FILE, "summary.json")]
    for option, path in (("--png", png), ("--frames", frames)):
        inside = path is not None and next(
            (f for f in out_files if Path(os.path.realpath(f)) in Path(os.path.realpath(path)).parents),
            None)
        if inside:
            raise CLIError(f"{option}: {path} would put a folder where the run writes {inside}")
    # A --frames folder that exists already cannot be a new file; one still to be made can.
    new_frames = frames if frames is not None and not frames.is_dir() else None
    check_distinct_outputs(
        [("--png", png), ("--frames", new_frames)] + [("--out", f) for f in out_files],
        [("the scenario file", Path(args.scenario))]
        + ([("the scenario's heightmap", heightmap)] if heightmap else []))
    from rover import _prewarm

    # On a cold cache (a first run) some kernels compile on another core meanwhile
    # (rover._prewarm.run_targets says which and why).
    planner = args.planner or scenario.mission.planner
    targets = _prewarm.run_targets()
    # Said even with --quiet, on a terminal: a silent first run would look hung. A transient
    # line, erased before anything else is written (an error stays one line).
    from rover.commands._progress import STATUS

    if _prewarm.cold(targets, planner=planner):
        STATUS.show("compiling kernels, first run only: later runs start at once")
    warm = _prewarm.start(targets)
    try:
        with _prewarm.defer_terms(warm, targets):
            world = prepare(scenario, seed=args.seed)
        if warm is not None:
            _prewarm.look(planner, rekey=scenario.mission.unknown_cost > 1.0)
            _prewarm.wait_for(warm, "follow")
    except BaseException:
        _prewarm.stop(warm)
        raise
    finally:
        STATUS.clear()
    from rover.io.replay import Recorder, Replay, save_replay, scene_from_world

    bar = ProgressBar(enabled=not args.quiet)
    recorder = Recorder()
    try:
        result = simulate(scenario, planner=args.planner, seed=args.seed, progress=bar, world=world,
                          observer=recorder)
    finally:
        bar.close()
    written: list = []
    created: list = []
    option = "--out"  # the option whose output is being written, for an error's message
    with _interrupt_deferred() as interrupted:
        try:
            # Made only now: a run stopped before this point leaves no folder behind.
            out, created = prepare_out_dir(out_dir)
            summary = dict(result.summary)
            summary["output_dir"] = str(out)
            # A summary.json left by an earlier run in this folder would vouch for files that are
            # about to be replaced: remove it first, write it again last.
            (out / "summary.json").unlink(missing_ok=True)
            written = [write_trace(out / "trace.csv", result.trace)]
            scene = scene_from_world(world, planner=summary.get("planner"))
            written.append(save_replay(out / REPLAY_FILE, scene, recorder.snapshots, summary))
            if png is not None or frames is not None:
                from viewer.offscreen import render_png, write_frames

                replay = Replay(scene=scene, snapshots=tuple(recorder.snapshots), summary=summary)
                layers = {"fog": False} if getattr(args, "no_fog", False) else None
                if png is not None:
                    option = "--png"
                    created += _make_folder(png.parent)
                    written.append(render_png(replay, png, layers=layers))
                if frames is not None:
                    option = "--frames"
                    created += _make_folder(frames)
                    written.append(frames)  # write_frames removes older frames first
                    write_frames(replay, frames, layers=layers,
                                 count=args.frame_count or FRAME_COUNT)
            option = "--out"
            write_summary(out / "summary.json", summary)  # last: its presence marks a complete run
        except OSError as exc:
            _remove_partial(written, frames, created)
            raise CLIError(f"{option}: cannot write {exc.filename or 'the results'}: "
                           f"{exc.strerror or exc}") from None
        except BaseException:  # a CLIError, or a second interrupt that stops the writing
            _remove_partial(written, frames, created)
            raise
    if interrupted:
        print("interrupted while writing the results: they were finished first", file=sys.stderr)
        if signal.SIGTERM in interrupted:  # asked to stop: say so to whoever asked
            return 128 + signal.SIGTERM

    outcome = summary.get("outcome")
    if outcome == "planner_error":
        # The planner's mistake is the user's (their plugin, or their choice of it): one line
        # and exit 2, after the run's files, which say so too.
        raise CLIError(f"{summary.get('reason', '')} (the run's files: {out})")
    if args.quiet:
        extra = "".join(f", {p}" for p in (png, frames) if p is not None)
        print(f"{outcome}: {summary.get('reason', '')} ({out}{extra})")
    else:
        print(format_summary(summary))
        print(f"\nresults: {out / 'summary.json'}, {out / 'trace.csv'}, {out / REPLAY_FILE} "
              f"(replay: rover view {out})")
        if png is not None:
            print(f"picture: {png}")
        if frames is not None:
            print(f"frames: {frames}/frame_*.png")
    return EXIT_OK if outcome == "reached" else EXIT_NOT_REACHED


def _make_folder(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; return those it made, innermost first."""
    made = [p for p in (folder, *folder.absolute().parents) if not p.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    return made


def _remove_partial(written: list, frames: Path | None, created: list) -> None:
    """After a failed write, take back what this run already wrote (each file is whole, but
    without summary.json the set is not a run) and the folders it made, when they are left
    empty: the error then leaves no results behind. Devices such as /dev/null are left alone."""
    paths = []
    for p in written:
        if p == frames:
            paths += Path(p).glob("frame_[0-9][0-9][0-9][0-9][0-9].png")
        else:
            paths.append(Path(p))
    take_back(paths)
    # Deepest first (--out and --png may have made nested folders); one that still holds
    # something stays.
    for folder in sorted(created, key=lambda p: len(p.absolute().parts), reverse=True):
        with contextlib.suppress(OSError):
            folder.rmdir()


@contextlib.contextmanager
def _interrupt_deferred():
    """Hold Ctrl-C and SIGTERM back while results are written, so a run's files are whole.

    Yields a list of the signals that arrived (SIGINT, SIGTERM); the first is not raised
    again (the run itself had already ended), a second one raises KeyboardInterrupt so that
    someone who insists can stop a long write. Outside the main thread it does nothing.
    """
    caught: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield caught
        return

    def held(signum, frame):
        caught.append(signum)
        if len(caught) > 1:
            raise KeyboardInterrupt

    # SIGTERM (a job scheduler's stop) too: its default would kill the process mid-file.
    previous = {sig: signal.signal(sig, held) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield caught
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def format_summary(s: dict) -> str:
    """The summary as an aligned two-column table for the terminal."""

    def num(key, fmt, unit=""):
        v = s.get(key)
        if v is None:
            return "-"
        try:
            return f"{v:{fmt}}{unit}"
        except (TypeError, ValueError):
            return str(v)

    rows = [
        ("scenario", str(s.get("scenario", "-"))),
        ("planner", str(s.get("planner", "-"))),
        ("outcome", f"{s.get('outcome', '-')}" + (f" ({s['reason']})" if s.get("reason") else "")),
        ("distance driven", num("distance_m", ".1f", " m")),
        ("straight line", num("straight_line_m", ".1f", " m")),
        ("path efficiency", num("path_efficiency", ".2f")),
        ("sim time", num("sim_time_s", ".0f", " s")),
        ("wall time", num("wall_time_s", ".2f", " s")),
        ("speed-up", num("speedup", ",.0f", "x real time")),
        ("replans", num("replans", "d")),
        ("planner time", num("planner_time_s", ".3f", " s")),
        ("energy", num("energy_wh", ".1f", " Wh")),
        ("max tilt", num("max_tilt_deg", ".1f", " deg")),
    ]
    if s.get("start_lat_deg") is not None:  # a georeferenced terrain: where on the body
        rows += [(f"{k} (lat, lon)", f"{s[f'{k}_lat_deg']:.6f}, {s[f'{k}_lon_deg']:.6f} deg")
                 for k in ("start", "goal", "end")]
        rows.append(("ground", f"{s.get('crs', '-')}"))
    if s.get("nodata_cells"):
        where = ""
        if s.get("nodata_extent_m"):
            x0, y0, x1, y1 = s["nodata_extent_m"]
            where = f", within x {x0:g}-{x1:g} m, y {y0:g}-{y1:g} m"
        rows.append(("no-data cells",
                     f"{s['nodata_cells']:,} (impassable, known from the start{where})"))
    sun = s.get("sun")
    if isinstance(sun, dict):  # a run with a [sun] table
        a, b = sun.get("start", {}), sun.get("end", {})

        def clock(p):
            h = p.get("local_solar_time_h")
            if h is None:
                return ""
            m = int(round(h * 60)) % 1440
            return f"{m // 60:02d}:{m % 60:02d} "

        rows.append(("sun", f"{clock(a)}el {a.get('elevation_deg', 0):.1f} deg -> "
                            f"{clock(b)}el {b.get('elevation_deg', 0):.1f} deg"
                            + (" (local solar time)" if clock(a) else " (fixed)")))
        rows.append(("in shadow", f"{sun.get('shadow_time_s', 0):.0f} s"))
    pw = s.get("power")
    if isinstance(pw, dict):  # a run with a Sun and a battery
        rows.append(("battery", f"{pw.get('end_wh', 0):.1f} of {pw.get('battery_wh', 0):g} Wh "
                                f"at the end (lowest {pw.get('lowest_wh', 0):.1f} Wh)"))
        rows.append(("solar in", f"{pw.get('solar_wh', 0):.1f} Wh (spilled "
                                 f"{pw.get('spilled_wh', 0):.1f} Wh); drive "
                                 f"{pw.get('drive_wh', 0):.1f} Wh, hotel "
                                 f"{pw.get('hotel_wh', 0):.1f} Wh"))
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)
