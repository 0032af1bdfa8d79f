"""``rover view`` and ``rover run --png/--frames`` from the command line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pygame
import pytest

from rover.cli import main

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def run_dir(small_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "run"
    assert main(["run", str(small_path), "--out", str(out), "-q"]) == 0
    return out


def _one_error_line(capsys, pattern):
    import re

    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert re.search(pattern, err), err


def test_run_writes_a_replay_and_a_png(small_path, tmp_path, capsys):
    out = tmp_path / "out"
    png = tmp_path / "pic.png"
    frames = tmp_path / "frames"
    assert main(["run", str(small_path), "--out", str(out), "--png", str(png),
                 "--frames", str(frames), "--frame-count", "4"]) == 0
    text = capsys.readouterr().out
    assert "run.npz" in text and f"rover view {out}" in text and str(png) in text
    assert (out / "run.npz").exists() and (out / "summary.json").exists()
    img = pygame.image.load(str(png))
    assert img.get_size() == (1280, 800)
    assert sorted(p.name for p in frames.iterdir()) == [f"frame_{i:05d}.png" for i in range(4)]
    # The last frame is the finished run, as the --png picture (give or take a replan flash).
    last = pygame.surfarray.array3d(pygame.image.load(str(frames / "frame_00003.png")))
    assert (last != pygame.surfarray.array3d(img)).any(axis=2).mean() < 0.005
    first = pygame.surfarray.array3d(pygame.image.load(str(frames / "frame_00000.png")))
    assert not np.array_equal(first, last)
    assert not list(out.glob(".*tmp")) and not list(tmp_path.glob(".*tmp"))


def test_run_png_bad_folder_is_refused_before_running(small_path, tmp_path, capsys):
    out = tmp_path / "never"
    afile = tmp_path / "afile"
    afile.write_text("x")
    assert main(["run", str(small_path), "--out", str(out), "--png", str(afile / "no" / "x.png")]) == 2
    _one_error_line(capsys, r"--png: cannot create folder .*afile/no \(its parent is not a writable folder\)")
    assert not out.exists()
    assert main(["run", str(small_path), "--frame-count", "0"]) == 2
    assert "--frame-count" in capsys.readouterr().err


def test_screenshot_folder_problems_do_not_crash_the_viewer(run_dir, tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("x")
    assert main(["view", str(run_dir), "--shots", str(afile), "--script", "3:q"]) == 2
    assert "--shots: " in capsys.readouterr().err
    # Under a file: only S finds out; the window says so and keeps going until Q.
    assert main(["view", str(run_dir), "--shots", str(afile / "sub"), "--script", "3:s,5:q"]) == 0
    assert "screenshot not saved:" in capsys.readouterr().err


def test_view_replays_a_run_folder_and_quits_on_q(run_dir, tmp_path, capsys):
    shots = tmp_path / "shots"
    assert main(["view", str(run_dir), "--size", "800x500", "--shots", str(shots),
                 "--script", "3:s,5:q"]) == 0
    (shot,) = shots.iterdir()
    assert pygame.image.load(str(shot)).get_size() == (800, 500)
    assert f"screenshot: {shot}" in capsys.readouterr().out


def test_view_compare_runs_planners_side_by_side(small_path, tmp_path, capsys):
    shots = tmp_path / "shots"
    assert main(["view", str(small_path), "--compare", "astar,dstar_lite", "--speed", "max",
                 "--size", "900x500", "--shots", str(shots), "--script", "40:s,41:q"]) == 0
    (shot,) = shots.iterdir()
    img = pygame.surfarray.array3d(pygame.image.load(str(shot))).swapaxes(0, 1)
    # Two panes: a background-coloured gutter splits the window down the middle.
    mid = img.shape[1] // 2
    assert (img[:, mid - 1:mid + 1].reshape(-1, 3) == (22, 23, 28)).all(axis=1).mean() > 0.5


@pytest.mark.parametrize("args,pattern", [
    (["--compare", "astar,foo"], r"--compare: unknown planner 'foo'; valid planners: astar"),
    (["--compare", "astar,astar"], r"--compare: a planner is listed twice"),
    (["--compare", ","], r"--compare: expected planner names separated by commas"),
    (["--planner", "a*"], r"--planner: unknown planner 'a\*'"),
    (["--planner", "astar", "--compare", "astar,dstar_lite"], r"--planner and --compare cannot be used together"),
    (["--size", "10x10"], r"--size: must be WIDTHxHEIGHT between 200 and 16384"),
    (["--speed", "fast"], r"--speed: must be a number > 0 or 'max', got 'fast'"),
    (["--script", "x:plus"], r"--script: expected FRAME:KEY items such as '30:s', got 'x:plus'"),
])
def test_view_bad_flags_exit_2(small_path, capsys, args, pattern):
    assert main(["view", str(small_path), *args]) == 2
    _one_error_line(capsys, pattern)


def test_view_run_folder_problems_exit_2(run_dir, tmp_path, capsys):
    assert main(["view", str(tmp_path / "missing")]) == 2
    _one_error_line(capsys, r"missing: no such file")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["view", str(empty)]) == 2
    _one_error_line(capsys, r"empty: no run\.npz in this run folder \(is it a folder written by 'rover run'\?\)")
    old = tmp_path / "old"
    old.mkdir()
    shutil.copy(run_dir / "summary.json", old / "summary.json")
    assert main(["view", str(old)]) == 2
    _one_error_line(capsys, r"no run\.npz .*the file was removed, or an older 'rover run' wrote "
                            r"the folder; run the scenario again")
    bad = tmp_path / "bad"
    bad.mkdir()
    data = (run_dir / "run.npz").read_bytes()
    (bad / "run.npz").write_bytes(data[: len(data) // 3])
    shutil.copy(run_dir / "summary.json", bad / "summary.json")
    assert main(["view", str(bad)]) == 2
    _one_error_line(capsys, r"run\.npz: (corrupt|not a replay file)")
    half = tmp_path / "half"
    half.mkdir()
    shutil.copy(run_dir / "run.npz", half / "run.npz")
    assert main(["view", str(half)]) == 2
    _one_error_line(capsys, r"half: no summary\.json in this run folder: the run did not finish")
    (half / "summary.json").write_text("{not json")
    assert main(["view", str(half)]) == 2
    _one_error_line(capsys, r"summary\.json: corrupt summary file")
    assert main(["view", str(run_dir), "--seed", "3"]) == 2
    _one_error_line(capsys, r"--seed does not apply to a run folder")


def test_view_without_a_display_says_what_to_do(run_dir, small_path, monkeypatch, capsys):
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER"):
        monkeypatch.delenv(var, raising=False)
    if not sys.platform.startswith("linux"):
        pytest.skip("the no-display check is for Linux (X11 or Wayland)")
    for target in (run_dir, small_path):
        assert main(["view", str(target)]) == 2
        _one_error_line(capsys, r"cannot open a window: no display available \(DISPLAY is not set\); "
                                r"draw the run to a picture with 'rover run SCENARIO --png FILE'")


def test_view_on_a_driver_that_shows_nothing_says_so_instead_of_waiting(run_dir, small_path, capsys):
    # The tests run SDL's dummy driver (conftest): without a --script to end it, a viewer
    # nobody can see would wait forever for a key press.
    assert os.environ.get("SDL_VIDEODRIVER") == "dummy"
    for target in (run_dir, small_path):
        assert main(["view", str(target)]) == 2
        _one_error_line(capsys, r"cannot open a window: no display available \(SDL's 'dummy' "
                                r"video driver shows no window\)")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 and Wayland are Linux's")
def test_sdls_own_complaint_does_not_come_before_our_line(run_dir):
    # Without XDG_RUNTIME_DIR, SDL writes its own "error: ..." line to file descriptor 2 as
    # the display starts; the user should read one line, ours.
    # DISPLAY names no X server: SDL tries Wayland (which complains) and falls back to offscreen.
    env = {k: v for k, v in os.environ.items() if k not in ("XDG_RUNTIME_DIR", "SDL_VIDEODRIVER",
                                                            "WAYLAND_DISPLAY")}
    env.update(DISPLAY=":97", SDL_AUDIODRIVER="dummy")
    proc = subprocess.run([sys.executable, "-m", "rover", "view", str(run_dir)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith(
        "error: cannot open a window: no display available (DISPLAY=:97 could not be reached, "
        "and SDL's 'offscreen' video driver"), proc.stderr


def test_view_of_a_damaged_replay_is_one_line(run_dir, tmp_path, capsys):
    import zipfile

    bad = tmp_path / "flipped"
    bad.mkdir()
    shutil.copy(run_dir / "summary.json", bad / "summary.json")
    # Damage the deflated bytes of one member but keep the archive's index intact.
    with zipfile.ZipFile(run_dir / "run.npz") as z:
        info = z.getinfo("height.npy")
    data = bytearray((run_dir / "run.npz").read_bytes())
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 8, start + min(info.compress_size, 200), 7):
        data[i] ^= 0xFF
    (bad / "run.npz").write_bytes(bytes(data))
    assert main(["view", str(bad), "--script", "5:q"]) == 2
    _one_error_line(capsys, r"run\.npz: corrupt")


@pytest.mark.parametrize("key, edit, match", [
    ("trace", lambda a: a[:, :5], r"trace has shape \(\d+, 5\), expected \(n, 9\)"),
    ("seen_off", lambda a: a[::-1].copy(), r"seen_off does not step through seen_flat in order"),
    ("figures", lambda a: a[:-1], r"figures has shape"),
    ("scalars", lambda a: np.concatenate([a[:, :5], a[::-1, 5:]], axis=1),
     r"the snapshots' trace ends go backwards"),
])
def test_view_of_a_well_formed_but_inconsistent_replay_is_one_line(run_dir, tmp_path, capsys,
                                                                   key, edit, match):
    # Arrays that load fine but do not fit together (the auditor's 5-column trace crashed
    # the viewer with a traceback; reversed seen offsets were accepted silently).
    bad = tmp_path / "edited"
    bad.mkdir()
    shutil.copy(run_dir / "summary.json", bad / "summary.json")
    with np.load(run_dir / "run.npz") as z:
        arrays = {k: z[k] for k in z.files}
    arrays[key] = edit(arrays[key])
    np.savez_compressed(bad / "run.npz", **arrays)
    assert main(["view", str(bad), "--script", "5:q"]) == 2
    _one_error_line(capsys, r"run\.npz: corrupt replay file \(" + match)


@pytest.mark.skipif(shutil.which("xvfb-run") is None,
                    reason="xvfb-run is not installed (apt-get install xvfb): the real-window test needs it")
def test_real_window_under_xvfb(small_path, tmp_path):
    """A real X11 window: open, run live, save a screenshot on S, quit on Q."""
    shots = tmp_path / "shots"
    env = {k: v for k, v in os.environ.items() if k not in ("SDL_VIDEODRIVER", "DISPLAY")}
    env["SDL_AUDIODRIVER"] = "dummy"
    cmd = ["xvfb-run", "-a", "-s", "-screen 0 1400x900x24", sys.executable, "-m", "rover", "view",
           str(small_path), "--speed", "max", "--shots", str(shots), "--script", "90:s,100:q"]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    (shot,) = shots.iterdir()
    img = pygame.surfarray.array3d(pygame.image.load(str(shot))).swapaxes(0, 1)
    assert img.shape == (800, 1280, 3)
    # The scene is there: terrain in many colours, the rover's white body, the legend text.
    assert len(np.unique(img.reshape(-1, 3), axis=0)) > 500
    assert (img.reshape(-1, 3) == (250, 250, 255)).all(axis=1).sum() > 20
    assert f"screenshot: {shot}" in proc.stdout


def test_view_bad_placement_is_one_line_exit_2(small_path, tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(small_path.read_text() + "\n[[hazards]]\ncenter = [5.0, 5.0]\nradius_m = 3.0\n")
    assert main(["view", str(bad), "--script", "400:q"]) == 2
    _one_error_line(capsys, r"bad\.toml: \[mission\]\.start: .*inside hazard")


def test_run_png_no_fog_draws_the_whole_cost_map(small_path, tmp_path, capsys):
    fog, clear = tmp_path / "fog.png", tmp_path / "clear.png"
    assert main(["run", str(small_path), "--out", str(tmp_path / "a"), "-q", "--png", str(fog)]) == 0
    assert main(["run", str(small_path), "--out", str(tmp_path / "b"), "-q", "--png", str(clear),
                 "--no-fog"]) == 0
    a = pygame.surfarray.array3d(pygame.image.load(str(fog))).astype(int)
    b = pygame.surfarray.array3d(pygame.image.load(str(clear))).astype(int)
    # unseen ground was dimmed by the fog; without it, a large part of the map is brighter
    brighter = (b.sum(axis=2) > a.sum(axis=2) + 60).mean()
    assert brighter > 0.05, brighter
    assert (b.sum(axis=2) < a.sum(axis=2) - 60).mean() < 0.002
    capsys.readouterr()
    assert main(["run", str(small_path), "--out", str(tmp_path / "c"), "--no-fog"]) == 2
    _one_error_line(capsys, r"--no-fog needs --png FILE or --frames DIR")
    assert not (tmp_path / "c").exists()


def test_run_help_lists_no_fog(capsys):
    assert main(["run", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "--no-fog" in out and "without the fog" in out


def test_view_command_uses_only_public_viewer_names():
    """``rover view`` builds its window from ``viewer``'s public names (no private module of
    another package), and those names are in ``viewer.__all__``."""
    import ast

    import viewer

    tree = ast.parse((REPO / "rover" / "commands" / "view.py").read_text())
    used = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("viewer"):
            used.append(node.module)
            assert not any(part.startswith("_") for part in node.module.split(".")), node.module
            assert not any(a.name.startswith("_") for a in node.names), node.module
    assert "viewer" in used
    for name in ("SceneArt", "Stage", "Timeline"):
        assert name in viewer.__all__ and getattr(viewer, name).__name__ == name
