"""Moving AI readers: formats, line ends and error messages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rover.io.movingai import Problem, read_map, read_scen

ROOT = Path(__file__).resolve().parents[3] / ".." / "shared" / "movingai"

MAP = "type octile\nheight 3\nwidth 4\nmap\n.@..\nGTOS\n..W.\n"
SCEN = ("version 1\n"
        "0\ttiny.map\t4\t3\t0\t0\t3\t0\t3.00000000\n"
        "1\ttiny.map\t4\t3\t2\t0\t2\t2\t2.41421356\n")


def write(tmp_path, name, text, newline="\n"):
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode())
    return path


def test_read_map_values_and_orientation(tmp_path):
    grid = read_map(write(tmp_path, "tiny.map", MAP))
    assert grid.dtype == np.float64 and grid.shape == (3, 4)
    inf = np.inf
    np.testing.assert_array_equal(grid, [[1, inf, 1, 1], [1, inf, inf, 1], [1, 1, inf, 1]])


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("final", [True, False])
def test_read_map_accepts_crlf_and_missing_final_newline(tmp_path, newline, final):
    text = MAP if final else MAP.rstrip("\n")
    grid = read_map(write(tmp_path, "tiny.map", text, newline))
    np.testing.assert_array_equal(grid, read_map(write(tmp_path, "ref.map", MAP)))


def test_read_scen(tmp_path):
    problems = read_scen(write(tmp_path, "tiny.map.scen", SCEN, "\r\n"))
    assert problems == [
        Problem(0, "tiny.map", 4, 3, (0, 0), (0, 3), 3.0),
        Problem(1, "tiny.map", 4, 3, (0, 2), (2, 2), 2.41421356),
    ]
    assert problems[1].start == (0, 2)  # (row, col) = (y, x)


@pytest.mark.parametrize("text, match", [
    ("type octile\nheight 3\nwidth 4\n", r"bad.map: line 4: expected 'map' header line, got end"),
    ("type octile\nheight x\nwidth 4\nmap\n", r"bad.map: line 2: height must be an integer"),
    ("type octile\nwidth 4\nheight 3\nmap\n", r"bad.map: line 2: expected 'height <value>'"),
    (MAP.replace("GTOS", "GTO"), r"bad.map: line 6: expected 4 characters, got 3"),
    (MAP.replace("GTOS", "GTOx"), r"bad.map: line 6, column 4: unknown terrain character 'x'"),
    (MAP + "....\n", r"bad.map: header says height 3 but the file has 4 map rows"),
])
def test_read_map_errors_name_file_and_line(tmp_path, text, match):
    with pytest.raises(ValueError, match=match):
        read_map(write(tmp_path, "bad.map", text))


@pytest.mark.parametrize("text, match", [
    ("", r"bad.scen: line 1: expected 'version 1'"),
    ("version 2\n", r"bad.scen: line 1: only 'version 1' is supported"),
    ("version 1\n0\ttiny.map\t4\t3\t0\t0\t3\n", r"bad.scen: line 2: expected 9 tab-separated"),
    ("version 1\n0\ttiny.map\t4\t3\t0\t0\t3\t0\tabc\n",
     r"bad.scen: line 2: could not convert string to float"),
    ("version 1\n\n0\ttiny.map\t4\t3\t0\t5\t3\t0\t1.0\n",
     r"bad.scen: line 3: start \(x=0, y=5\) is outside the 4 x 3 map"),
])
def test_read_scen_errors_name_file_and_line(tmp_path, text, match):
    with pytest.raises(ValueError, match=match):
        read_scen(write(tmp_path, "bad.scen", text))


def test_non_ascii_file_is_a_clear_error(tmp_path):
    path = tmp_path / "bin.map"
    path.write_bytes(b"type octile\n\xff\xfe")
    with pytest.raises(ValueError, match=r"bin.map: not an ASCII Moving AI file"):
        read_map(path)


@pytest.mark.skipif(not (ROOT / "Berlin_2_1024.map").exists(),
                    reason=f"Moving AI files not found in {ROOT}")
def test_shared_berlin_map_crlf_without_final_newline():
    raw = (ROOT / "Berlin_2_1024.map").read_bytes()
    assert b"\r\n" in raw and not raw.endswith(b"\n")
    grid = read_map(ROOT / "Berlin_2_1024.map")
    assert grid.shape == (1024, 1024)
    assert set(np.unique(grid)) <= {1.0, np.inf}
