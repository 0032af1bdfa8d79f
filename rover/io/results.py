"""Writing run results: atomic files (temp file, then rename) so no reader ever sees half a file."""

from __future__ import annotations

import json
import math
import os
import secrets
from pathlib import Path
from typing import Callable, Mapping

import numpy as np

__all__ = ["atomic_write", "write_summary", "write_trace", "json_ready"]


def atomic_write(path: str | os.PathLike, write: Callable, *, binary: bool = False) -> Path:
    """Write a file through ``write(fileobj)`` into a temporary file beside it, then rename it.

    The rename is atomic on POSIX and Windows, so ``path`` holds either its old content or the
    whole new content, never a part; the temporary file is removed if ``write`` fails or is
    interrupted.
    """
    path = Path(path)
    # Not mkstemp: it makes the file private (0600). Mode 0666 lets the kernel apply the
    # user's umask, as for any other file they create; O_EXCL keeps the name ours alone.
    tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as exc:  # name the file the caller asked for, not our temporary one
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"newline": "", "encoding": "utf-8"})) as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def json_ready(value):
    """``value`` with numpy scalars and arrays made plain and non-finite floats made ``None``.

    JSON has no infinity or NaN; ``None`` (``null``) says "no value" in every reader.
    """
    if isinstance(value, Mapping):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, np.ndarray):
        return json_ready(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


def write_summary(path: str | os.PathLike, summary: Mapping) -> Path:
    """Write ``summary`` as indented JSON, atomically."""
    text = json.dumps(json_ready(summary), indent=2, allow_nan=False) + "\n"
    return atomic_write(path, lambda fh: fh.write(text))


def write_trace(path: str | os.PathLike, columns: Mapping[str, np.ndarray]) -> Path:
    """Write equal-length 1-D columns as CSV (header row, then one row per sample), atomically.

    Floats are written with 10 significant digits, enough to replay a run to the millimetre.
    """
    names = list(columns)
    arrays = [np.asarray(columns[n]) for n in names]
    lengths = {a.shape for a in arrays}
    if len(lengths) > 1:
        raise ValueError(f"trace columns differ in shape: {sorted(lengths)}")
    table = np.column_stack([a.astype(np.float64) for a in arrays]) if arrays else np.empty((0, 0))

    def write(fh):
        fh.write(",".join(names) + "\n")
        if table.size:
            np.savetxt(fh, table, fmt="%.10g", delimiter=",")

    return atomic_write(path, write)
