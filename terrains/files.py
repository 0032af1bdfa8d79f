"""Writing output files whole or not at all: the file helpers ``terrains`` and ``rover`` share.

Every file the package writes (PNG pictures, ``.npz`` data, JSON and CSV reports) goes
through :func:`atomic_write`, so a reader never sees half a file and a failure leaves the old
file as it was.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
import sys
from pathlib import Path
from typing import Callable

__all__ = ["atomic_write", "output_target", "stdout_fd", "folder_problem"]

# Names that stand for an already open file of this process: written into, never replaced.
_STREAM_PREFIXES = ("/dev/stdout", "/dev/stderr", "/dev/fd/", "/proc/")


def stdout_fd(path: Path) -> int | None:
    """Standard output's descriptor when ``path`` is the file it writes to, else None."""
    try:
        fd = sys.stdout.fileno()
        a, b = os.fstat(fd), os.stat(path)
    except (AttributeError, OSError, ValueError):
        return None
    return fd if (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino) else None


def output_target(path: str | os.PathLike) -> tuple[Path, bool]:
    """Where a write to ``path`` lands: ``(target, in_place)``.

    ``in_place`` is True for an existing file that is not a regular file or a folder (a
    device such as ``/dev/null``, a FIFO, a terminal) and for names of open streams
    (``/dev/stdout``, ``/dev/fd/N``, ``/proc/...``): those are written into as they are, as a
    shell redirection would, because replacing them would swap a device node or a pipe for a
    regular file. Otherwise a symbolic link is followed, so that the file it points to is
    replaced and the link kept, and ``target`` is that file.

    Raises OSError (naming ``path``) for a folder or a loop of symbolic links.
    """
    path = Path(path)
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        st = None
    except ValueError:  # a NUL byte: the open() that follows says so
        st = None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    if st is not None and not stat.S_ISREG(st.st_mode):
        return path, True
    if st is not None and str(path.absolute()).startswith(_STREAM_PREFIXES):
        return path, True
    if os.path.islink(path):
        return Path(os.path.realpath(path)), False
    return path, False


def _write_in_place(path: Path, write: Callable, binary: bool, text_args: dict) -> None:
    fd = stdout_fd(path)
    if fd is not None:
        # Standard output itself (``--json /dev/stdout``): write through its descriptor, after
        # what was printed so far, instead of a second open that would start at offset 0.
        sys.stdout.flush()
        fh = open(fd, "wb" if binary else "w", closefd=False, **text_args)
    else:
        fh = open(path, "wb" if binary else "w", **text_args)
    try:
        with fh:
            write(fh)
    except BrokenPipeError:
        pass  # the reader of the pipe has gone: nobody is left to read the rest


def atomic_write(path: str | os.PathLike, write: Callable, *, binary: bool = False) -> Path:
    """Write a file through ``write(fileobj)`` into a temporary file beside it, then rename it.

    The rename is atomic on POSIX and Windows, so the file holds either its old content or
    the whole new content, never a part; the temporary file is removed if ``write`` fails or
    is interrupted. A symbolic link is kept and its target replaced; a device or a pipe is
    written into directly (see :func:`output_target`). Returns ``path``. An OSError always
    names ``path``.
    """
    path = Path(path)
    text_args = {} if binary else {"newline": "", "encoding": "utf-8"}
    try:
        target, in_place = output_target(path)
        if in_place:
            _write_in_place(path, write, binary, text_args)
        else:
            _replace(target, write, binary, text_args)
    except OSError as exc:  # name the file the caller asked for, not a temporary one
        if exc.errno is None or exc.filename == str(path):
            raise
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    return path


def _replace(target: Path, write: Callable, binary: bool, text_args: dict) -> None:
    # Not mkstemp: it makes the file private (0600). Mode 0666 lets the kernel apply the
    # user's umask, as for any other file they create; O_EXCL keeps the name ours alone.
    tmp = target.parent / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
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


def folder_problem(path: str | os.PathLike) -> str | None:
    """Why ``path`` is not, and cannot be made, a folder this process can write in (a
    message naming the path), or None when it is fine."""
    path = Path(path)
    if path.exists():
        if not path.is_dir():
            return f"{path} exists and is not a folder"
        if not os.access(path, os.W_OK | os.X_OK):
            return f"cannot write in folder {path} (permission denied)"
        return None
    parent = next((p for p in path.absolute().parents if p.exists()), None)
    if parent is None or not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        return f"cannot create folder {path} (its parent is not a writable folder)"
    return None
