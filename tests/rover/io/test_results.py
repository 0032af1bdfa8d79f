"""Result files are written whole or not at all."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pytest

from rover.commands._progress import ProgressBar
from rover.io.results import atomic_write, json_ready, write_summary, write_trace


def test_failed_write_leaves_old_file_and_no_temp(tmp_path):
    target = tmp_path / "summary.json"
    target.write_text("old")

    def boom(fh):
        fh.write("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, boom)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_summary_json_has_no_infinities_and_plain_types(tmp_path):
    s = {"a": np.float32(1.5), "b": math.inf, "c": np.int64(3), "d": [np.nan, 2.0], "e": np.arange(2)}
    write_summary(tmp_path / "s.json", s)
    assert json.loads((tmp_path / "s.json").read_text()) == {"a": 1.5, "b": None, "c": 3, "d": [None, 2.0], "e": [0, 1]}
    assert json_ready({"x": (1, np.bool_(True))}) == {"x": [1, True]}


def test_trace_csv_round_trips(tmp_path):
    cols = {"t_s": np.array([0.0, 0.5]), "x_m": np.array([1.25, 1.123456789012])}
    write_trace(tmp_path / "t.csv", cols)
    lines = (tmp_path / "t.csv").read_text().splitlines()
    assert lines[0] == "t_s,x_m"
    back = np.loadtxt(tmp_path / "t.csv", delimiter=",", skiprows=1)
    np.testing.assert_allclose(back, np.column_stack(list(cols.values())), rtol=1e-9)
    with pytest.raises(ValueError, match="differ in shape"):
        write_trace(tmp_path / "u.csv", {"a": np.zeros(2), "b": np.zeros(3)})


def test_progress_bar_silent_off_terminal():
    buf = io.StringIO()
    bar = ProgressBar(buf, delay_s=0.0)
    bar(0.5, {"t_s": 3.0})
    bar.close()
    assert buf.getvalue() == ""


def test_progress_bar_draws_on_a_terminal_after_the_delay():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    buf = Tty()
    bar = ProgressBar(buf, delay_s=0.0)
    bar(0.5, {"t_s": 3.0, "distance_m": 1.0, "replans": 2})
    assert "50%" in buf.getvalue() and "2 replans" in buf.getvalue()
    late = ProgressBar(Tty(), delay_s=3600.0)
    late(0.5)
    assert late.stream.getvalue() == ""


def test_written_files_get_the_usual_mode(tmp_path):
    import os

    mask = os.umask(0o022)
    try:
        write_summary(tmp_path / "s.json", {"a": 1})
    finally:
        os.umask(mask)
    assert (tmp_path / "s.json").stat().st_mode & 0o777 == 0o644


def test_writes_keep_links_and_name_the_file_on_failure(tmp_path):
    import os
    import stat

    (tmp_path / "link.json").symlink_to("real.json")
    atomic_write(tmp_path / "link.json", lambda fh: fh.write("{}"))
    assert (tmp_path / "link.json").is_symlink() and (tmp_path / "real.json").read_text() == "{}"
    (tmp_path / "loop").symlink_to("loop")
    with pytest.raises(OSError) as err:
        atomic_write(tmp_path / "loop", lambda fh: fh.write("x"))
    assert err.value.filename == str(tmp_path / "loop") and (tmp_path / "loop").is_symlink()
    with pytest.raises(IsADirectoryError) as err:
        atomic_write(tmp_path, lambda fh: fh.write("x"))
    assert err.value.filename == str(tmp_path)
    atomic_write("/dev/null", lambda fh: fh.write("gone"))  # written into, never replaced
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
