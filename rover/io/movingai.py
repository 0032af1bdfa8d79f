"""Readers for the Moving AI grid benchmark files (Sturtevant 2012): ``.map`` and ``.scen``.

A ``.map`` becomes a float64 cost grid (passable 1.0, blocked ``inf``) with row 0 the file's
first map line, so a cell (x, y) of the benchmark is ``grid[y, x]``. A ``.scen`` becomes a
list of :class:`Problem` with start and goal as (row, col). CRLF line ends and a missing
final newline are accepted. With every passable cell at 1, the planners' cost rule gives
exactly the benchmark's octile lengths.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import NamedTuple

import numpy as np

__all__ = ["Problem", "read_map", "read_scen", "PASSABLE", "BLOCKED"]

PASSABLE = ".GS"
"""Terrain characters that are passable (cost 1)."""
BLOCKED = "@OTW"
"""Terrain characters that are blocked (cost inf)."""


class Problem(NamedTuple):
    """One benchmark problem (one line of a ``.scen`` file)."""

    bucket: int
    """Difficulty bucket (roughly the optimal length // 4)."""
    map: str
    """Map file name as written in the scenario (relative to the scenario's folder)."""
    width: int
    """Map width in cells (columns)."""
    height: int
    """Map height in cells (rows)."""
    start: tuple[int, int]
    """(row, col) of the start, i.e. (y, x) of the file."""
    goal: tuple[int, int]
    """(row, col) of the goal."""
    optimal_length: float
    """Optimal octile path length [cells] (straight 1, diagonal sqrt(2), no corner cutting)."""


def _lines(path: Path) -> list[str]:
    try:
        text = path.read_bytes().decode("ascii")
    except UnicodeDecodeError as err:
        raise ValueError(f"{path}: not an ASCII Moving AI file ({err.reason} at byte "
                         f"{err.start})") from None
    return text.splitlines()


def read_map(path) -> np.ndarray:
    """Read a Moving AI ``.map`` file into a cost grid.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.map`` file.

    Returns
    -------
    numpy.ndarray
        float64, shape (height, width): 1.0 where passable (``.``, ``G``, ``S``), ``inf``
        where blocked (``@``, ``O``, ``T``, ``W``); row 0 is the first map line.

    Raises
    ------
    ValueError
        A malformed header, a row of the wrong length, too few or too many rows, or an
        unknown terrain character; the message names the file and the line.
    """
    path = Path(path)
    lines = _lines(path)
    header = {}
    expect = ("type", "height", "width", "map")
    for i, key in enumerate(expect):
        if i >= len(lines):
            raise ValueError(f"{path}: line {i + 1}: expected '{key}' header line, "
                             "got end of file")
        parts = lines[i].split()
        if not parts or parts[0] != key or (key == "map") != (len(parts) == 1):
            raise ValueError(f"{path}: line {i + 1}: expected '{key}"
                             f"{'' if key == 'map' else ' <value>'}', got {lines[i]!r}")
        if key in ("height", "width"):
            try:
                header[key] = int(parts[1])
            except ValueError:
                raise ValueError(f"{path}: line {i + 1}: {key} must be an integer, got "
                                 f"{parts[1]!r}") from None
            if header[key] <= 0 or len(parts) != 2:
                raise ValueError(f"{path}: line {i + 1}: expected '{key} <positive integer>', "
                                 f"got {lines[i]!r}")
    height, width = header["height"], header["width"]
    rows = lines[4:]
    while len(rows) > height and rows[-1].strip() == "":
        rows.pop()  # trailing blank lines
    if len(rows) != height:
        raise ValueError(f"{path}: header says height {height} but the file has {len(rows)} "
                         "map rows")
    for r, line in enumerate(rows):  # before allocating: the header may claim any width
        if len(line) != width:
            raise ValueError(f"{path}: line {r + 5}: expected {width} characters, got "
                             f"{len(line)}")
    grid = np.empty((height, width), dtype=np.float64)
    lut = np.full(256, np.nan)
    lut[np.frombuffer(PASSABLE.encode(), dtype=np.uint8)] = 1.0
    lut[np.frombuffer(BLOCKED.encode(), dtype=np.uint8)] = np.inf
    for r, line in enumerate(rows):
        row = lut[np.frombuffer(line.encode(), dtype=np.uint8)]
        bad = np.isnan(row)
        if bad.any():
            c = int(np.argmax(bad))
            raise ValueError(f"{path}: line {r + 5}, column {c + 1}: unknown terrain "
                             f"character {line[c]!r} (passable {PASSABLE!r}, blocked "
                             f"{BLOCKED!r})")
        grid[r] = row
    return grid


def read_scen(path) -> list[Problem]:
    """Read a Moving AI ``.scen`` file (version 1).

    Parameters
    ----------
    path : str or os.PathLike
        The ``.scen`` file.

    Returns
    -------
    list of Problem
        In file order; start and goal as (row, col) = (y, x) of the file.

    Raises
    ------
    ValueError
        A missing ``version 1`` line, a line without nine tab-separated fields, a field that
        is not a number, or a start or goal outside the stated map size; the message names
        the file and the line.
    """
    path = Path(path)
    lines = _lines(path)
    if not lines or lines[0].split() != ["version", "1"] and lines[0].split()[:1] != [
            "version"]:
        raise ValueError(f"{path}: line 1: expected 'version 1', got "
                         f"{lines[0] if lines else 'end of file'!r}")
    if lines[0].split() != ["version", "1"] and lines[0].split() != ["version", "1.0"]:
        raise ValueError(f"{path}: line 1: only 'version 1' is supported, got {lines[0]!r}")
    problems = []
    for n, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 9:
            raise ValueError(f"{path}: line {n}: expected 9 tab-separated fields (bucket, "
                             f"map, width, height, start x, start y, goal x, goal y, optimal "
                             f"length), got {len(fields)}")
        try:
            bucket, width, height, sx, sy, gx, gy = (int(fields[i]) for i in
                                                     (0, 2, 3, 4, 5, 6, 7))
            length = float(fields[8])
        except ValueError as err:
            raise ValueError(f"{path}: line {n}: {err}") from None
        if not (math.isfinite(length) and length >= 0):
            raise ValueError(f"{path}: line {n}: the optimal length must be a finite number "
                             f">= 0, got {fields[8]!r}")
        for name, (x, y) in (("start", (sx, sy)), ("goal", (gx, gy))):
            if not (0 <= x < width and 0 <= y < height):
                raise ValueError(f"{path}: line {n}: {name} (x={x}, y={y}) is outside the "
                                 f"{width} x {height} map")
        problems.append(Problem(bucket, fields[1], width, height, (sy, sx), (gy, gx), length))
    return problems
