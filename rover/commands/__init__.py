"""Subcommands of the `rover` CLI, one module each.

Each module defines ``register(subparsers)``, which adds its parser and sets ``func`` to a
function ``(args) -> int`` returning the exit code. A user's mistake is raised as
:class:`CLIError` (or :class:`rover.scenario.ScenarioError`); ``rover.cli.main`` turns either
into one ``error:`` line on stderr and exit code 2. The helpers here are shared by the
commands: argument types, and checks that an output path can be written before any work.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from pathlib import Path

from terrains.files import output_target


class CLIError(Exception):
    """A user's mistake on the command line: printed as one line, exit code 2."""


def path_arg(text: str) -> Path:
    """An argparse ``type`` for a file or folder path: refuses an empty one (which ``Path``
    would read as the current folder, e.g. from an unset shell variable)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty path; give a file or folder name")
    return Path(text)


def whole_number(minimum: int):
    """An argparse ``type`` accepting whole numbers >= ``minimum`` with a one-line message."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(f"must be a whole number >= {minimum}, got {text!r}")
        return value

    return parse


def check_writable_file(path: Path | None, option: str) -> None:
    """Raise :class:`CLIError` unless ``path`` (if given) can be created or replaced as a file."""
    if path is None:
        return
    if path.is_dir():
        raise CLIError(f"{option}: {path} is a folder; give a file name")
    try:
        target, in_place = output_target(path)
    except OSError as exc:  # a loop of symbolic links
        raise CLIError(f"{option}: {path}: {exc.strerror}") from None
    if in_place:  # a device or pipe such as /dev/null is written into, not replaced
        if not os.access(path, os.W_OK):
            raise CLIError(f"{option}: cannot write to {path} (permission denied)")
        return
    folder = target.parent
    if folder.exists() and not folder.is_dir():
        raise CLIError(f"{option}: {folder} is not a folder")
    if not folder.is_dir():
        raise CLIError(f"{option}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise CLIError(f"{option}: cannot write in folder {folder} (permission denied)")


def check_writable_dir(path: Path | None, option: str) -> None:
    """Raise :class:`CLIError` unless ``path`` (if given) is, or can be made, a writable folder."""
    from terrains.files import folder_problem

    if path is None:
        return
    problem = folder_problem(path)
    if problem is not None:
        raise CLIError(f"{option}: {problem}")


def take_back(paths) -> None:
    """Remove files this command wrote before a later output failed, so that an error leaves
    no partial set of results; devices and streams (``/dev/null``) are left alone."""
    for p in paths:
        if not is_stream(Path(p)):
            with contextlib.suppress(OSError):
                Path(p).unlink()


def is_stream(path: Path | None) -> bool:
    """True when ``path`` names a device or an open stream (``/dev/null``, ``/dev/stdout``),
    which is written into as it is and needs no file-name suffix."""
    if path is None:
        return False
    try:
        return output_target(path)[1]
    except OSError:
        return False


def check_distinct_outputs(outputs, inputs=()) -> None:
    """Raise :class:`CLIError` when two output files, or an output and an input, are one file.

    ``outputs``: (option, Path or None) pairs; ``inputs``: (what, Path) pairs of files read.
    Devices and pipes (``/dev/null``) may be named more than once.
    """
    seen = []
    for what, path in inputs:
        if Path(path).is_file():
            seen.append((what, os.path.realpath(path)))
    for option, path in outputs:
        if path is None:
            continue
        try:
            target, in_place = output_target(path)
        except OSError as exc:  # a folder or a loop of links where the file would go
            raise CLIError(f"{option}: {path}: {exc.strerror}") from None
        if in_place:
            continue
        real = os.path.realpath(target)
        for what, other in seen:
            if real == other:
                raise CLIError(f"{option}: {path} is also {what}; give another file name")
        seen.append((f"the {option} file", real))
