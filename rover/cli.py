"""The `rover` command line: ``rover run|validate|list|terrain ...``; ``python -m rover`` is the same.

Exit codes: 0 success (goal reached), 3 the run finished without reaching the goal,
2 bad input or usage, or a file the machine would not let us write (a full disk, a read-only
folder): one ``error:`` line on stderr, no traceback; 1 an unexpected internal error, 130
interrupted before anything could be saved (or twice while saving), 143 ``rover run`` stopped
by SIGTERM while saving (after finishing the files). A closed pipe on standard output (``rover run x |
head``) only silences the rest of the output: the command finishes with its own exit code.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import sys
import traceback

from rover.commands import CLIError

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_NOT_REACHED = 3

# Subcommand modules in rover/commands, in the order `rover --help` lists them.
_COMMANDS = ("run", "validate", "list", "terrain", "bench", "sweep", "view")


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one ``error:`` line and exit code 2."""

    def error(self, message: str):  # noqa: D401 - argparse API
        self.exit(EXIT_USAGE, f"error: {message} (see '{self.prog} --help')\n")


# Failures of the machine rather than of rover (a full disk, a read-only folder): one line.
_ENVIRONMENT_ERRNOS = frozenset(getattr(errno, name) for name in (
    "ENOSPC", "EDQUOT", "EROFS", "EACCES", "EPERM", "EFBIG", "EIO") if hasattr(errno, name))


class StdoutError(OSError):
    """Standard output could not be written (a full disk under a redirection, say)."""


class _StdoutGuard:
    """``sys.stdout`` during a command: once the reader of a pipe has gone (``rover run x |
    head``), later output is dropped, so the command still writes its files and returns its
    own exit code instead of dying halfway; any other failure is raised as StdoutError."""

    def __init__(self, stream):
        self._stream = stream
        self.lost = False

    def write(self, text):
        self._guarded(self._stream.write, text)
        return len(text)

    def flush(self):
        self._guarded(self._stream.flush)

    def _guarded(self, call, *args):
        if self.lost:
            return
        try:
            call(*args)
        except BrokenPipeError:
            self._lose()
        except OSError as exc:
            self._lose()  # said once, as an error; the rest would fail the same way
            raise StdoutError(exc.errno, exc.strerror) from None

    def _lose(self):
        self.lost = True
        try:  # the interpreter flushes stdout once more at exit: let that go nowhere
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, self._stream.fileno())
            os.close(null)
        except (OSError, ValueError, AttributeError):
            pass

    def __getattr__(self, name):
        return getattr(self._stream, name)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    from rover import __version__

    parser = _Parser(
        prog="rover",
        description="Planetary rover autonomous navigation: run, check and inspect scenarios.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in _COMMANDS:
        importlib.import_module(f"rover.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default ``sys.argv[1:]``) and return the exit code."""
    stdout = sys.stdout
    if stdout is not None:  # None when the process was started with stdout closed
        sys.stdout = _StdoutGuard(stdout)
    try:
        code = _run(argv)
        try:
            if sys.stdout is not None:
                sys.stdout.flush()  # what is still buffered fails here, not after we return
        except StdoutError as exc:
            print(f"error: standard output: {exc.strerror}", file=sys.stderr)
            code = EXIT_USAGE
        return code
    finally:
        sys.stdout = stdout


def _run(argv) -> int:
    from rover.scenario import ScenarioError

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return int(exc.code or 0) if isinstance(exc.code, int) else EXIT_USAGE
    try:
        return int(args.func(args))
    except (CLIError, ScenarioError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except MemoryError:
        # Sizes are checked against free memory up front, but that check cannot see every
        # peak (a PNG encoder, a container's cgroup limit): still the user's size, not a bug.
        print(f"error: not enough memory for `rover {args.command}` with these sizes; try a "
              "smaller terrain or map", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except StdoutError as exc:
        print(f"error: standard output: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        # An output the machine refused (the file is named); anything else is a bug.
        if exc.errno not in _ENVIRONMENT_ERRNOS or not exc.filename:
            return _internal_error()
        print(f"error: {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    except Exception:  # an internal error: say so, with the traceback for the bug report
        return _internal_error()


def _internal_error() -> int:
    traceback.print_exc()
    print("error: internal error (a bug in rover; please report it with the traceback above)",
          file=sys.stderr)
    return EXIT_INTERNAL


if __name__ == "__main__":
    raise SystemExit(main())
