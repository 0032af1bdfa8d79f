"""``rover sweep FILE``: a campaign of runs on Dask, rows streamed to DIR/runs.csv."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
import time

from rover.commands import CLIError, path_arg, whole_number

EXIT_ERRORS = 3


def register(sub) -> None:
    p = sub.add_parser(
        "sweep", help="run a campaign: scenarios x varied keys x seeds x planners, on Dask",
        description="Run every (scenario, varied values, seed, planner) of a sweep file on an "
                    "embedded local Dask cluster (one worker per core) or, with --scheduler, "
                    "on an existing cluster. Rows stream to DIR/runs.csv as runs finish; "
                    "running the same command again resumes (runs already recorded are "
                    "skipped). At the end: DIR/summary.csv, DIR/pairs.csv, DIR/report.md and "
                    "the tables on standard output. Exit code 0 when every run was recorded, "
                    "3 when some runs raised (outcome \"error\", the message in runs.csv), 2 "
                    "for bad input, 130 when interrupted by Ctrl-C and 143 by SIGTERM (rerun "
                    "to resume).",
    )
    p.add_argument("sweep", metavar="FILE", help="a sweep file (.toml), or a shipped sweep's "
                   "name (rover list shows them)")
    p.add_argument("--out", metavar="DIR", type=path_arg,
                   help="folder for runs.csv, summary.csv, pairs.csv and report.md (default: "
                        "sweeps/NAME); a folder holding this sweep's runs.csv is resumed")
    p.add_argument("--workers", metavar="N", type=whole_number(1),
                   help="worker processes of the local cluster (default: one per core)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on an existing Dask cluster, e.g. tcp://10.0.0.5:8786 (started "
                        "with 'dask scheduler' and 'dask worker ADDRESS'); tls://... with "
                        "Dask's TLS settings")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no tables")
    p.set_defaults(func=run)


def run(args) -> int:
    from pathlib import Path

    from rover.commands import check_writable_dir
    from rover.sweep import ClusterError, SweepInterrupted, load_sweep, run_sweep

    if args.scheduler is not None and not args.scheduler.strip():
        raise CLIError("--scheduler: an empty address; give tcp://HOST:PORT, or leave it out "
                       "for a local cluster")
    if args.scheduler is not None and args.workers is not None:
        raise CLIError("--workers applies to the local cluster; with --scheduler the "
                       "cluster's own workers run the sweep")
    sweep = load_sweep(args.sweep)
    out = args.out if args.out is not None else Path("sweeps") / sweep.name
    check_writable_dir(out, "--out")
    where = args.scheduler or (f"a local cluster of {args.workers} worker"
                               f"{'s' if args.workers != 1 else ''}" if args.workers
                               else "a local cluster, one worker per core")
    bar = _Bar(enabled=not args.quiet,
               header=f"sweep {sweep.name}: {sweep.count():,} runs on {where}, into {out}")
    terminated = []
    try:
        with _sigterm_as_interrupt(terminated):
            rows = run_sweep(sweep, out=out, workers=args.workers, scheduler=args.scheduler,
                             progress=bar)
    except ClusterError as exc:
        raise CLIError(str(exc)) from None
    except SweepInterrupted as exc:
        bar.close()  # before the message (and again, harmlessly, in finally)
        how = "terminated" if terminated else "interrupted"
        print(f"{how}: {exc.done:,} of {exc.total:,} runs recorded in {out / 'runs.csv'};"
              " run the same command again to resume", file=sys.stderr)
        return 128 + signal.SIGTERM if terminated else 130
    finally:
        bar.close()
    errors = sum(r["outcome"] == "error" for r in rows)
    if not args.quiet:
        from rover.sweep import planners_of, stats

        summary = stats.summarize(rows, vary=sweep.vary_keys, planners=planners_of(sweep, rows))
        print(summary.table())
        if summary.pairs:
            print()
            print(summary.pairs_table())
        print(f"\nwrote {out / 'runs.csv'}, summary.csv, pairs.csv and report.md",
              file=sys.stderr)
    if errors:
        print(f"error: {errors} of {len(rows)} runs raised (outcome \"error\"; the message is "
              f"in the reason column of {out / 'runs.csv'})", file=sys.stderr)
        return EXIT_ERRORS
    return 0


@contextlib.contextmanager
def _sigterm_as_interrupt(noted: list):
    """SIGTERM (a job scheduler's stop, ``kill``) stops a sweep as Ctrl-C does: cases in
    flight cancelled, workers closed, rows kept; ``noted`` gets an entry when it came."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        noted.append(signum)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _Bar:
    """``[#####.....] 120/500 runs  2 errors  ETA 3m12s`` on stderr, rewritten in place; on a
    stream that is not a terminal, a line every 10% instead."""

    def __init__(self, stream=None, enabled: bool = True, width: int = 30, header: str = ""):
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.width = width
        self.header = header
        self.drawn = False
        self.next_tenth = 1
        self.last = 0.0

    def __call__(self, p) -> None:
        if not self.enabled:
            return
        if p.workers is not None:  # the first report: the cluster is up, the files checked
            self.stream.write(f"{self.header}\n")
            if p.resumed:
                self.stream.write(f"resuming: {p.resumed:,} of {p.total:,} runs already "
                                  "recorded\n")
                self.next_tenth = int(p.done / p.total * 10) + 1 if p.total else 1
            if p.workers == 0:
                self.stream.write("waiting for workers to join the cluster (Ctrl-C stops)\n")
            self.stream.flush()
            return
        fraction = p.done / p.total if p.total else 1.0
        eta = "" if p.eta_s is None else f"  ETA {_duration(p.eta_s)}"
        errors = f"  {p.errors} error{'s' if p.errors != 1 else ''}" if p.errors else ""
        text = f"{p.done:,}/{p.total:,} runs{errors}{eta}"
        if self.tty:
            if time.monotonic() - self.last < 0.1 and p.done < p.total:
                return
            self.last = time.monotonic()
            filled = int(round(fraction * self.width))
            self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {text}\033[K")
            self.stream.flush()
            self.drawn = True
        elif fraction * 10 >= self.next_tenth:
            self.next_tenth = int(fraction * 10) + 1
            self.stream.write(f"{text}\n")
            self.stream.flush()

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.drawn = False


def _duration(s: float) -> str:
    s = int(round(s))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"
