"""``runs.csv``: one row per run, streamed to disk as runs finish, read back to resume.

Every row is written with one ``write`` call and flushed, so the file holds whole rows; a
torn last line (the machine died mid-write) is detected and cut off when the file is
opened again. A cell never holds a line break, so one line is one row.
"""

from __future__ import annotations

import csv
import io
import json
import os
import time
from pathlib import Path

from rover.sweep._runner import ROUTE_COLUMNS, SUMMARY_COLUMNS

__all__ = ["columns", "RunsFile", "cell", "parse"]

_INT = {"seed", "replans", "expanded", "waypoints_reached", "cells_seen"}
_STR = {"run", "case", "scenario", "planner", "outcome", "reason", "rover", "worker"}
_FSYNC_EVERY_S = 2.0


def columns(vary_keys) -> list[str]:
    """The columns of ``runs.csv`` for a sweep varying ``vary_keys``, in order."""
    return (["run", "case", "scenario", *vary_keys, "seed", "planner", *ROUTE_COLUMNS,
             *SUMMARY_COLUMNS, "worker"])


def cell(v) -> str:
    """A value as a CSV cell: None empty, booleans as TOML writes them, floats exactly
    (``repr``), a list or table as JSON; never a line break."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, (int, str)):
        text = str(v)
    else:
        text = json.dumps(v, default=str)
    return " ".join(text.splitlines()) if ("\n" in text or "\r" in text) else text


def parse(column: str, text: str, vary_values: dict | None = None):
    """A cell read back: the value :func:`cell` was given (varied values through
    ``vary_values``: ``{column: {cell text: value}}``)."""
    if vary_values and column in vary_values:
        return vary_values[column].get(text, text)
    if column in _STR:
        return text
    if text == "":
        return None
    if column in _INT:
        return int(text)
    return float(text)


class RunsFile:
    """``runs.csv`` opened for appending, after reading what it holds.

    Parameters
    ----------
    path : Path
        The file; created with its header when absent.
    header : list of str
        The sweep's columns (:func:`columns`); a file with other columns belongs to another
        sweep and is refused (ValueError).
    vary_values : dict
        ``{column: {cell text: value}}`` to read varied values back with their types.
    """

    def __init__(self, path: Path, header: list[str], vary_values: dict | None = None):
        self.path = Path(path)
        self.header = list(header)
        self.rows: list[dict] = []
        """The rows the file held when opened (typed, in file order)."""
        self.torn = 0
        """1 when a torn last line was cut off on opening."""
        self._fd = None
        self._synced = time.monotonic()
        self._vary_values = vary_values or {}

    @staticmethod
    def check(path: Path, header: list[str]) -> int:
        """The number of rows ``path`` holds (0 when absent), without changing it;
        ValueError (one line, naming the file) when it belongs to another sweep or is
        malformed. Called before anything is written."""
        if not path.exists():
            return 0
        lines = _whole_lines(path.read_bytes())
        if not lines:
            return 0
        _check_header(path, lines[0], header)
        return len(lines) - 1

    def open(self) -> RunsFile:
        """Read the rows already recorded (cutting off a torn last line), then open the
        file to append; writes the header to a new or empty file."""
        path = self.path
        data = path.read_bytes() if path.exists() else b""
        lines = _whole_lines(data)
        whole = sum(len(x) + 1 for x in lines)
        if whole != len(data):
            self.torn = 1
        if lines:
            _check_header(path, lines[0], self.header)
            for n, line in enumerate(lines[1:], start=2):
                values = next(csv.reader([line.decode("utf-8")]))
                if len(values) != len(self.header):
                    raise ValueError(f"{path}: line {n} has {len(values)} cells, not "
                                     f"{len(self.header)}: the file was edited; move it "
                                     "away or fix the line")
                try:
                    self.rows.append({c: parse(c, v, self._vary_values)
                                      for c, v in zip(self.header, values)})
                except ValueError as exc:
                    raise ValueError(f"{path}: line {n}: {exc}") from None
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
        os.ftruncate(self._fd, whole)  # the torn line goes
        os.lseek(self._fd, whole, os.SEEK_SET)
        if not lines:
            self._write(self.header)
        return self

    def append(self, row: dict) -> None:
        """Write one whole row (one ``write`` call) and flush it to the OS."""
        self._write([row.get(c) for c in self.header])
        if time.monotonic() - self._synced > _FSYNC_EVERY_S:
            os.fsync(self._fd)
            self._synced = time.monotonic()

    def _write(self, values) -> None:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow([cell(v) for v in values])
        data = buf.getvalue().encode("utf-8")
        while data:  # os.write may write less than asked (a signal): finish the row
            data = data[os.write(self._fd, data):]

    def close(self) -> None:
        """Sync and close (idempotent)."""
        if self._fd is not None:
            try:
                os.fsync(self._fd)
            finally:
                os.close(self._fd)
                self._fd = None


def _whole_lines(data: bytes) -> list[bytes]:
    """The complete (newline-ended) lines of ``data``, without their newlines."""
    end = data.rfind(b"\n")
    return data[:end].split(b"\n") if end >= 0 else []


def _check_header(path: Path, line: bytes, header: list[str]) -> None:
    found = next(csv.reader([line.decode("utf-8", "replace")]), [])
    if found != header:
        extra = [c for c in found if c not in header]
        missing = [c for c in header if c not in found]
        what = "; ".join(x for x in (
            f"columns this sweep has not: {', '.join(extra)}" if extra else "",
            f"it lacks this sweep's {', '.join(missing)}" if missing else "") if x) \
            or "its columns are in another order"
        raise ValueError(f"{path}: holds the rows of another sweep ({what}); write this one "
                         "to another --out folder")
