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
_FLOAT = (set(ROUTE_COLUMNS) | set(SUMMARY_COLUMNS)) - _INT - _STR
_FSYNC_EVERY_S = 2.0


def columns(vary_keys) -> list[str]:
    """The columns of ``runs.csv`` for a sweep varying ``vary_keys``, in order."""
    return (["run", "case", "scenario", *vary_keys, "seed", "planner", *ROUTE_COLUMNS,
             *SUMMARY_COLUMNS, "worker"])


def cell(v) -> str:
    """A value as a CSV cell: None empty, booleans as TOML writes them, floats exactly
    (``repr``), a list, a table or a text with a line break as JSON; never a line break."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str) and "\n" not in v and "\r" not in v:
        return v
    return json.dumps(v, default=str)  # a list, a table, or text with a line break


def parse(column: str, text: str, vary_values: dict | None = None):
    """A cell read back: the value :func:`cell` was given (varied values through
    ``vary_values``: ``{column: {cell text: value}}``)."""
    if vary_values and column in vary_values:
        return vary_values[column].get(text, text)
    if column not in _INT and column not in _FLOAT:
        return text  # a text column, or a varied key's without its values
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
    def check(path: Path, header: list[str], vary_values: dict | None = None) -> int:
        """The number of rows ``path`` holds (0 when absent), without changing it;
        ValueError (one line, naming the file and the line) when it belongs to another
        sweep, or a line other than a torn last one is malformed. Called before anything
        is written."""
        if not path.exists():
            return 0
        if not path.is_file():
            raise ValueError(f"{path}: is not a file")
        return len(_parse(path, path.read_bytes(), header, vary_values or {})[0])

    def open(self) -> RunsFile:
        """Take the file (an exclusive lock: a second sweep into the same folder is refused,
        ValueError), read the rows already recorded (cutting off a torn last line), then
        stand ready to append; writes the header to a new or empty file."""
        path = self.path
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _lock(fd, path)
            chunks = []
            while chunk := os.read(fd, 1 << 20):
                chunks.append(chunk)
            data = b"".join(chunks)
            self.rows, whole = _parse(path, data, self.header, self._vary_values)
            self.torn = int(whole != len(data))
            os.ftruncate(fd, whole)  # the torn line goes
            os.lseek(fd, whole, os.SEEK_SET)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        if whole == 0:
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


def _parse(path: Path, data: bytes, header: list[str], vary_values: dict) -> tuple[list, int]:
    """(typed rows, bytes of whole lines) of a runs.csv's content; ValueError naming the
    file and the line for anything but a torn last line."""
    lines = _whole_lines(data)
    whole = sum(len(x) + 1 for x in lines)
    if not lines:
        return [], whole
    _check_header(path, lines[0], header)
    rows = []
    for n, line in enumerate(lines[1:], start=2):
        try:
            values = next(csv.reader([line.decode("utf-8")]), [])
        except (UnicodeDecodeError, csv.Error) as exc:
            raise ValueError(f"{path}: line {n} cannot be read ({exc}): the file was edited; "
                             "move it away or fix the line") from None
        if len(values) != len(header):
            raise ValueError(f"{path}: line {n} has {len(values)} cells, not {len(header)}: "
                             "the file was edited; move it away or fix the line")
        try:
            rows.append({c: parse(c, v, vary_values) for c, v in zip(header, values)})
        except ValueError as exc:
            raise ValueError(f"{path}: line {n}: {exc}; the file was edited: move it away or "
                             "fix the line") from None
    return rows, whole


def _lock(fd: int, path: Path) -> None:
    """An exclusive lock on the open runs.csv, held until it is closed: two sweeps appending
    to one file would splice their rows."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks here
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise ValueError(f"{path}: another rover sweep is writing to it; wait for it to "
                         "finish, or write this one to another --out folder") from None


def _check_header(path: Path, line: bytes, header: list[str]) -> None:
    # utf-8-sig: a spreadsheet that saved the file may have put a byte-order mark in front.
    found = next(csv.reader([line.decode("utf-8-sig", "replace")]), [])
    if found != header:
        extra = [c for c in found if c not in header]
        missing = [c for c in header if c not in found]
        what = "; ".join(x for x in (
            f"columns this sweep has not: {', '.join(extra)}" if extra else "",
            f"it lacks this sweep's {', '.join(missing)}" if missing else "") if x) \
            or "its columns are in another order"
        raise ValueError(f"{path}: holds the rows of another sweep ({what}); write this one "
                         "to another --out folder")
