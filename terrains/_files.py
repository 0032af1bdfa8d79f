"""Writing output files whole or not at all (private; shared with :mod:`rover.io.results`).

Every file the package writes (PNG pictures, ``.npz`` data, JSON and CSV reports) goes
through :func:`atomic_write`, so a reader never sees half a file and a failure leaves the old
file as it was.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path
from typing import Callable

__all__ = ["atomic_write", "output_target"]


def output_target(path: str | os.PathLike) -> tuple[Path, bool]:
    """Where a write to ``path`` lands: ``(target, in_place)``.

    ``in_place`` is True for an existing file that is not a regular file or a folder (a
    device such as ``/dev/null``, a FIFO, a terminal) and for anything under ``/dev`` or
    ``/proc`` (``/dev/stdout``): those are written into as they are, as a shell redirection
    would, because replacing them would swap a device node or a pipe for a regular file.
    Otherwise a symbolic link is followed, so that the file it points to is replaced and
    the link kept, and ``target`` is that file.
    """
    path = Path(path)
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode) and not stat.S_ISDIR(st.st_mode):
        return path, True
    if str(path.absolute()).startswith(("/dev/", "/proc/")) and st is not None:
        return path, True
    if os.path.islink(path):
        return Path(os.path.realpath(path)), False
    return path, False


def atomic_write(path: str | os.PathLike, write: Callable, *, binary: bool = False) -> Path:
    """Write a file through ``write(fileobj)`` into a temporary file beside it, then rename it.

    The rename is atomic on POSIX and Windows, so the file holds either its old content or
    the whole new content, never a part; the temporary file is removed if ``write`` fails or
    is interrupted. A symbolic link is kept and its target replaced; a device or a pipe is
    written into directly (see :func:`output_target`). Returns ``path``.
    """
    path = Path(path)
    target, in_place = output_target(path)
    text_args = {} if binary else {"newline": "", "encoding": "utf-8"}
    if in_place:
        try:
            with open(path, "wb" if binary else "w", **text_args) as fh:
                write(fh)
        except OSError as exc:  # e.g. /dev/full: say which file
            if exc.filename is not None or exc.errno is None:
                raise
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        return path
    # Not mkstemp: it makes the file private (0600). Mode 0666 lets the kernel apply the
    # user's umask, as for any other file they create; O_EXCL keeps the name ours alone.
    tmp = target.parent / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as exc:  # name the file the caller asked for, not our temporary one
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    try:
        with os.fdopen(fd, "wb" if binary else "w", **text_args) as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path
