"""Writing run results: atomic files (temp file, then rename) so no reader ever sees half a file."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Mapping

import numpy as np

from terrains.files import atomic_write

__all__ = ["atomic_write", "write_summary", "write_trace", "json_ready"]


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
