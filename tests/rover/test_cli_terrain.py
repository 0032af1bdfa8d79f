"""`rover terrain`: PNG with a scale bar, .npz data, --stats beside targets, one-line errors."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import terrains
from rover.cli import main
from terrains._png import read_png


def test_png_npz_and_stats(tmp_path, capsys):
    png, npz = tmp_path / "j.png", tmp_path / "j.npz"
    code = main(["terrain", "--preset", "mars-jezero", "--size", "96", "--seed", "3",
                 "-o", str(png), "--npz", str(npz), "--stats"])
    out = capsys.readouterr()
    assert code == 0 and out.err == ""
    img = read_png(png)
    assert img.shape == (96, 96, 3) and img.dtype == np.uint8
    assert (img[-12:, :20] == 255).all(axis=2).any()  # the white scale bar, bottom-left
    t = terrains.load(npz)
    assert t.shape == (96, 96) and t.seed == 3 and t.params["preset"] == "mars-jezero"
    same = terrains.generate(preset="mars-jezero", size=96, seed=3)
    assert t.height.tobytes() == same.height.tobytes()
    rows = stats_rows(out.out)
    # A preset's relief is calibrated against the whole surface (issue 23): the relief rows
    # have no input target, the whole surface has the preset's (2.5 deg at 10 m, H 0.6).
    assert rows["RMS slope at 1 m (relief)"][1:] == ["-"]
    assert rows["Hurst exponent (relief, calibrated to the whole surface)"][1:] == ["-"]
    assert rows["RMS slope at 10 m (whole surface)"][1:] == ["2.5 deg", "input (preset)"]
    # the spectral estimate has no target; the deviogram over the calibrated lags (cut at
    # half the 48 m side) has H 0.6
    h = terrains.stats(same)["surface"]["hurst_lags"]["hurst"]
    assert rows["Hurst exponent (whole surface, spectrum)"][1:] == ["-"]
    assert rows["Hurst exponent over 1-24 m (whole surface, deviogram)"] == [
        f"{h:.4g}", "0.6", "input (preset)"]
    # Two rock covers that say which is which; only the fitted k has a target.
    assert rows["rock cover k, all sizes (Golombek-Rapp fit)"][1:] == ["0.08", "input (preset)"]
    assert rows["rock cover of the listed rocks >= 0.5 m (area fraction)"][1:] == ["-"]


def test_stats_set_the_whole_surface_beside_the_sites_literature(capsys):
    # issue 23: each preset's literature targets (terrains._targets), with their sources
    from terrains._stats import rms_slope_deg
    from terrains._targets import targets

    assert main(["terrain", "--preset", "mars-ares-vallis", "--size", "96", "--seed", "2",
                 "--stats", "-o", "/dev/null"]) == 0
    rows = stats_rows(capsys.readouterr().out)
    t = terrains.generate(preset="mars-ares-vallis", size=96, seed=2)
    slopes = [x for x in targets("mars-ares-vallis") if x.quantity == "rms_slope_deg"]
    for x in slopes:
        label = f"site: RMS slope at {x.at:g} m (whole surface)"
        got = rms_slope_deg(t.height, t.cell_size, x.at)
        want = "-" if got is None else f"{got:.4g} deg"
        assert rows[label][0] == want, (label, rows[label])
        assert rows[label][2] == f"literature: {x.source}"
    assert rows["site: RMS slope at 1 m (whole surface)"][1] == "5.4 deg (4.4-6.4)"
    area = 96 * 96 * t.cell_size ** 2
    n10 = np.count_nonzero(t.craters[:, 2] >= 10.0) / area * 1e6
    assert rows["site: craters >= 10 m per km^2 (listed)"][0] == f"{n10:.4g}"
    # no preset, no literature
    assert main(["terrain", "--body", "moon", "--size", "64", "--stats", "-o", "/dev/null"]) == 0
    assert not [k for k in stats_rows(capsys.readouterr().out) if k.startswith("site:")]


def stats_rows(out: str) -> dict[str, list[str]]:
    """The --stats table as {statistic: [measured, target, target from]} (columns are two or
    more spaces apart; an empty "target from" is left off)."""
    lines = out.splitlines()
    head = next(i for i, ln in enumerate(lines) if ln.startswith("statistic "))
    assert lines[head].split() == ["statistic", "measured", "target", "target", "from"]
    body = [ln for ln in lines[head + 1:] if ln and not ln.startswith(("target from:", "  "))]
    return {cells[0]: cells[1:] for cells in (re.split(r"\s{2,}", ln.strip()) for ln in body)}


def test_stats_say_which_targets_came_from_set_and_the_body(capsys):
    assert main(["terrain", "--body", "moon", "--size", "64", "--set", "hurst=0.9",
                 "--stats"]) == 0
    rows = stats_rows(capsys.readouterr().out)
    assert rows["Hurst exponent (relief, generated with its input)"][1:] == ["0.9",
                                                                            "input (--set)"]
    assert rows["crater SFD exponent b (fitted)"][2] == "input (moon default)"
    assert rows["Hurst exponent (whole surface)"][1:] == ["-"]  # no preset: no literature


def test_an_unknown_set_name_is_reported_before_nothing_to_do(capsys):
    assert main(["terrain", "--set", "hurts=0.5"]) == 2
    assert capsys.readouterr().err.startswith(
        "error: --set: unknown terrain parameter 'hurts' (did you mean 'hurst'?)")


def test_body_size_cell_size_and_set(tmp_path, capsys):
    npz = tmp_path / "m.npz"
    code = main(["terrain", "--body", "moon", "--size", "32x48", "--cell-size", "2",
                 "--set", "hurst=0.9", "--set", "rock_model=none", "--npz", str(npz)])
    assert code == 0
    t = terrains.load(npz)
    assert t.shape == (32, 48) and t.cell_size == 2.0 and t.body.name == "moon"
    assert t.params["hurst"] == 0.9 and len(t.rocks) == 0


def test_stats_as_json(capsys):
    assert main(["terrain", "--size", "64", "--stats", "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["body"] == "mars" and s["shape"] == [64, 64]


@pytest.mark.parametrize("argv, match", [
    (["--preset", "mars-jezro", "--stats"], r"^error: --preset: unknown preset 'mars-jezro' \(did you mean"),
    (["--body", "venus", "--stats"], r"^error: --body: unknown body 'venus'; known bodies"),
    (["--size", "0", "--stats"], r"size must be positive"),
    (["--size", "200000", "--stats"], r"^error: --size: size \(200000, 200000\) is too large"),
    (["--size", "abc", "--stats"], r"--size must be N or ROWSxCOLS, got 'abc'"),
    (["--cell-size", "-1", "--stats"], r"^error: --cell-size: cell_size must be a number > 0"),
    (["--set", "hurts=0.5", "--stats"], r"^error: --set: unknown terrain parameter 'hurts' \(did you mean 'hurst'"),
    (["--set", "hurst", "--stats"], r"--set needs NAME=VALUE"),
    (["--set", "hurst=2", "--stats"], r"^error: --set: hurst must be in \(0, 1\), got 2"),
    ([], r"nothing to do: give -o FILE.png, --npz FILE or --stats"),
    (["-o", "x.jpg"], r"-o must name a .png file, got 'x.jpg'"),
    (["-o", "/no/such/dir/x.png"], r"-o: folder /no/such/dir does not exist"),
    (["--cell-size", "1e300", "--stats"], r"^error: --cell-size: cell_size must be a number > 0 and <= 1e\+06"),
    (["--set", "crater_min_d_m=1e-300", "--stats"], r"would hold about inf craters"),
    (["--set", "ripple_height_m=1e39", "--stats"], r"ripple_height_m must be in \[0, 1e\+06\] metres"),
])
def test_user_mistakes_are_one_line_and_exit_2(argv, match, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["terrain", "--size", "16", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    import re
    assert re.search(match, err)
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_preset_and_body_are_exclusive(capsys):
    assert main(["terrain", "--preset", "moon-mare", "--body", "mars", "--stats"]) == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_bad_input_leaves_an_existing_file_alone(tmp_path, capsys):
    png = tmp_path / "keep.png"
    png.write_bytes(b"old")
    assert main(["terrain", "--size", "-4", "-o", str(png)]) == 2
    assert png.read_bytes() == b"old"


def test_help_and_list_params(capsys):
    assert main(["terrain", "--help"]) == 0
    out = capsys.readouterr().out
    assert "hillshaded" in out and "moon-south-pole" in out
    assert main(["terrain", "--list-params"]) == 0
    out = capsys.readouterr().out
    assert "rms_slope_deg" in out and "[deg]" in out


def test_json_stats_stay_parseable_when_files_are_written(tmp_path, capsys):
    import json

    from rover.cli import main

    png, npz = tmp_path / "t.png", tmp_path / "t.npz"
    assert main(["terrain", "--size", "64", "-o", str(png), "--npz", str(npz), "--stats", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["shape"] == [64, 64]
    assert "wrote" in captured.err and png.exists() and npz.exists()


def test_running_out_of_memory_is_a_user_error_not_a_traceback(tmp_path, capsys, monkeypatch):
    # The up-front size check cannot see every peak (PNG encoding, a cgroup limit).
    import terrains._render

    def boom(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(terrains._render, "render_rgb", boom)
    monkeypatch.setattr(terrains, "render_rgb", boom)
    png = tmp_path / "t.png"
    assert main(["terrain", "--size", "16", "-o", str(png)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: not enough memory for `rover terrain`") and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_stats_site_hurst_is_the_deviogram_over_its_lags(capsys):
    # 200 m of Jezero at 1 m: the 1-100 m lags of Pathfinder's Hurst exponent fit whole;
    # on 48 m the row says over which lags it was measured
    from terrains._stats import deviogram_hurst

    for size, cell, label in ((200, "1", "site: Hurst exponent over 1-100 m (whole surface)"),
                              (96, "0.5", "site: Hurst exponent over 1-100 m (whole surface), "
                                          "measured over 1-24 m")):
        assert main(["terrain", "--preset", "mars-jezero", "--size", str(size), "--cell-size",
                     cell, "--seed", "4", "--stats", "-o", "/dev/null"]) == 0
        rows = stats_rows(capsys.readouterr().out)
        t = terrains.generate(preset="mars-jezero", size=size, cell_size=float(cell), seed=4)
        h = deviogram_hurst(t.height, t.cell_size, 1.0, 100.0)[0]
        assert rows[label] == [f"{h:.4g}", "0.575 (0.54-0.61)", "literature: golombek1999"]
