"""Viewer frame rate: playback at 1280 x 800 on a 2048 x 2048 terrain, pan and zoom on 4096.

Each benchmark draws a sequence of frames with the window's own drawing code
(:class:`viewer._stage.Stage`) on an off-screen surface (SDL dummy video driver), so the
figure is the drawing cost per frame without the display's flip or the 60 Hz frame cap:

- ``playback``: a rover drives across a synthetic terrain; the playback clock advances every
  frame and a sensing step (fog lifts, new plan, flash) arrives every third frame, the way
  a live run at high speed looks. Camera fixed (fitted, or zoomed in on the route).
- ``pan_zoom``: the camera moves every frame (a drag, then wheel zoom in and out about a
  point), so the cached background is rebuilt every frame.
- ``flagship``: one frame of the shipped Jezero scenario half-way through.

``extra_info['frames_per_s']`` holds the rate (frames / median round time). The default run
(``--benchmark-disable``) smoke-tests 256 x 256; the bar sizes run with::

    .venv/bin/python -m pytest tests/benchmarks/test_viewer.py --benchmark-enable

Nothing asserts on time.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

SCENARIO = Path(__file__).resolve().parents[2] / "rover" / "scenarios" / "mars-jezero-perseverance.toml"
SIZE = (1280, 800)


def _heavy(request, n: int) -> None:
    cfg = request.config
    disabled = cfg.getoption("benchmark_disable") and not cfg.getoption("benchmark_enable")
    if n > 256 and disabled:
        pytest.skip("heavy benchmark: run with --benchmark-enable")


def synthetic_run(n: int, *, cell: float = 0.5, snapshots: int = 400, seed: int = 0):
    """A Replay-like (scene, snapshots) of a rover driving diagonally across an n x n terrain."""
    from rover.io.replay import Replay, Scene
    from rover.sim import Snapshot

    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:n, 0:n].astype(np.float32) * cell
    L = n * cell
    height = (3.0 * np.sin(x / L * 7.0) * np.cos(y / L * 5.0) + 0.8 * np.sin(x / 3.1 + y / 4.7)
              + 0.3 * rng.standard_normal((n, n)).astype(np.float32)).astype(np.float32)
    gy, gx = np.gradient(height, cell)
    slope = np.hypot(gx, gy)
    cost = (1.0 + 3.0 * np.clip(slope / 1.2, 0, 1) ** 2).astype(np.float32)
    cost[slope > 1.0] = np.inf
    scene = Scene(name=f"synthetic-{n}", body="mars", tint_rgb=(214, 150, 92), cell_size=cell,
                  height=height, true_cost=cost, unknown_cost=1.0, start=(0.05 * L, 0.05 * L),
                  goal=(0.95 * L, 0.95 * L), waypoints=((0.5 * L, 0.45 * L),),
                  hazards=(("keep-out", ((0.3 * L, 0.6 * L), (0.4 * L, 0.6 * L), (0.4 * L, 0.7 * L))),),
                  rover="perseverance", length_m=3.0, width_m=2.7, sensor_range_m=15.0,
                  sensor_fov_deg=90.0, near_m=2.5, goal_tolerance_m=1.5, planner="dstar_lite",
                  seed=seed, dt_s=1.0)
    rows_per = 10
    total = snapshots * rows_per
    s = np.linspace(0.0, 1.0, total)
    px = (0.05 + 0.9 * s) * L + 0.03 * L * np.sin(s * 40)
    py = (0.05 + 0.9 * s) * L + 0.03 * L * np.cos(s * 31)
    heading = np.arctan2(np.gradient(py), np.gradient(px))
    trace = np.zeros((total, 9))
    trace[:, 0] = np.arange(total, dtype=np.float64)
    trace[:, 1], trace[:, 2], trace[:, 3] = px, py, heading
    trace[:, 7] = np.arange(total) * 0.05
    r_cells = int(15.0 / cell)
    dr, dc = np.mgrid[-r_cells:r_cells + 1, -r_cells:r_cells + 1]
    disc = np.column_stack([dr[dr ** 2 + dc ** 2 <= r_cells ** 2], dc[dr ** 2 + dc ** 2 <= r_cells ** 2]])
    seen = np.zeros((n, n), bool)
    snaps = []
    # The plans follow one route to the goal (the drive ahead), each with a detour near the
    # rover that alternates side: a replan changes the plan locally, as D* Lite's usually do.
    route = np.column_stack([(py / cell).astype(np.int64), (px / cell).astype(np.int64)]).clip(0, n - 1)
    for i in range(snapshots):
        a, b = i * rows_per, (i + 1) * rows_per
        r, c = int(py[b - 1] / cell), int(px[b - 1] / cell)
        cells = np.clip(disc + [r, c], 0, n - 1)
        fresh = cells[~seen[cells[:, 0], cells[:, 1]]]
        seen[fresh[:, 0], fresh[:, 1]] = True
        plan = route[b - 1::rows_per].copy()
        detour = min(len(plan), 8)
        plan[:detour, 1] += (2 if i % 2 else -2) * np.sin(np.linspace(0, np.pi, detour)).round().astype(np.int64)
        plan = plan.clip(0, n - 1)
        fig = {"distance_m": float(b), "energy_wh": float(trace[b - 1, 7]), "replans": i + 1,
               "planner_time_s": 0.001 * i, "expanded": 100 * i, "waypoints_reached": 0,
               "cells_seen": int(seen.sum())}
        for arr in (trace[a:b], fresh, plan):
            arr.setflags(write=False)
        snaps.append(Snapshot(kind="replan", t_s=float(trace[b - 1, 0]),
                              pose=(float(px[b - 1]), float(py[b - 1]), float(heading[b - 1])),
                              leg=0, trace=trace[a:b].copy(), trace_end=b,
                              seen=fresh.astype(np.int32), plan=plan.astype(np.int64),
                              route=np.empty((0, 2)), replan=(float(trace[b - 1, 0]), 0.5, 100, len(fresh), 1.0, r, c, 0),
                              figures=fig))
    return Replay(scene=scene, snapshots=tuple(snaps), summary={"planner": "dstar_lite"})


def _stage(replay, size=SIZE):
    import pygame

    from viewer.offscreen import stage_for

    stage = stage_for(replay, size=size)
    surf = pygame.Surface(stage.size, depth=32)
    for tl in stage.timelines:
        tl.seek(0.0)
    stage.draw(surf)  # first frame: builds the cached terrain pyramid
    return stage, surf


@pytest.fixture(scope="module", params=[256, 2048], ids=lambda n: f"{n}x{n}")
def playback_run(request):
    _heavy(request, request.param)
    return synthetic_run(request.param)


@pytest.mark.parametrize("view", ["fit", "zoom"])
def test_playback(benchmark, playback_run, view):
    """Frames while the run plays: rover, paths, HUD every frame; fog and plan every third."""
    benchmark.group = "viewer-playback"
    stage, surf = _stage(playback_run)
    tl = stage.timelines[0]
    if view == "zoom":
        # About 8 pixels per cell, centred on the route a third of the way along.
        stage.cam.scale = 8.0 / playback_run.scene.cell_size
        stage.cam.centre_on(*tl.snaps[len(tl.snaps) // 3].pose[:2])
    frames = 120 if not benchmark.disabled else 6
    per_frame = 10.0 / 3.0          # simulated seconds per frame: a snapshot every 3 frames
    state = {"t": 0.0}

    def play():
        t = state["t"]
        for _ in range(frames):
            t += per_frame
            if t > tl.t_available:
                t = 0.0
            tl.seek(t)
            stage.panes[0].flash_alpha = 0.5
            stage.draw(surf)
        state["t"] = t

    benchmark.pedantic(play, rounds=5 if not benchmark.disabled else 1, iterations=1)
    if not benchmark.disabled:
        benchmark.extra_info["frames_per_s"] = frames / benchmark.stats.stats.median
        benchmark.extra_info["terrain"] = f"{playback_run.scene.shape[0]}^2"
        benchmark.extra_info["window"] = f"{SIZE[0]}x{SIZE[1]}"


@pytest.fixture(scope="module", params=[256, 4096], ids=lambda n: f"{n}x{n}")
def pan_run(request):
    _heavy(request, request.param)
    return synthetic_run(request.param, snapshots=60)


def test_pan_zoom(benchmark, pan_run):
    """Frames while the user drags and wheels: the background is rebuilt every frame."""
    benchmark.group = "viewer-pan-zoom"
    stage, surf = _stage(pan_run)
    tl = stage.timelines[0]
    tl.seek(tl.t_available)
    cam = stage.cam
    frames = 120 if not benchmark.disabled else 6

    def interact():
        cam.fit()
        for i in range(frames):
            phase = (i // 20) % 3
            if phase == 0:
                cam.pan(7, -4)                              # a drag
            elif phase == 1:
                cam.zoom_at(640 + i, 400, 1.08)             # wheel in
            else:
                cam.zoom_at(640 - i, 380, 1 / 1.05)         # wheel out
            stage.draw(surf)

    benchmark.pedantic(interact, rounds=3 if not benchmark.disabled else 1, iterations=1)
    if not benchmark.disabled:
        benchmark.extra_info["frames_per_s"] = frames / benchmark.stats.stats.median
        benchmark.extra_info["terrain"] = f"{pan_run.scene.shape[0]}^2"


@pytest.fixture(scope="module")
def flagship():
    from rover.io.replay import Recorder, Replay, scene_from_world
    from rover.scenario import load_scenario
    from rover.sim import prepare, simulate

    sc = load_scenario(SCENARIO)
    world = prepare(sc)
    rec = Recorder()
    result = simulate(sc, world=world, observer=rec)
    return Replay(scene_from_world(world), tuple(rec.snapshots), result.summary)


def test_flagship_frame(benchmark, flagship):
    """One frame of the shipped Jezero run half-way through (static camera and state)."""
    benchmark.group = "viewer-frame"
    stage, surf = _stage(flagship)
    for tl in stage.timelines:
        tl.seek(flagship.summary["sim_time_s"] / 2)
    benchmark(stage.draw, surf)
    if not benchmark.disabled:
        benchmark.extra_info["frames_per_s"] = 1.0 / benchmark.stats.stats.median


def window_fps(n: int, frames: int = 300, frames_per_step: int = 3) -> dict:
    """Frames per second of the real window loop (events, drawing, display update; no 60 Hz cap).

    Run in a process with a display (the test below starts one under ``xvfb-run``). A sensing
    step (fog, new plan, flash: a full-window update) arrives every ``frames_per_step`` frames;
    the frames between update only the rectangles that moved.
    """
    import time

    import pygame

    from viewer.app import App, open_window
    from viewer.offscreen import stage_for

    run = synthetic_run(n)
    screen = open_window(SIZE)
    stage = stage_for(run, size=screen.get_size())
    app = App(screen, stage, speed=10.0 / frames_per_step * 60.0)
    app.tick(0.0)
    pygame.display.flip()
    t0 = time.perf_counter()
    for _ in range(frames):
        for ev in pygame.event.get():
            app.handle(ev)
        app.tick(1.0 / 60.0)
        app.present()       # the changed rectangles only, or a flip when more changed
    wall = time.perf_counter() - t0
    out = {"frames_per_s": frames / wall, "driver": pygame.display.get_driver(),
           "frames_per_sensing_step": frames_per_step,
           "terrain": f"{n}^2", "window": f"{SIZE[0]}x{SIZE[1]}"}
    pygame.display.quit()
    return out


@pytest.mark.parametrize("frames_per_step", [3, 30])
def test_window_fps_under_xvfb(benchmark, frames_per_step):
    """The real window (X11 under Xvfb) playing a 2048^2 run: drawing plus the display flip."""
    import json
    import shutil
    import subprocess
    import sys

    if benchmark.disabled:
        pytest.skip("window frame rate: run with --benchmark-enable")
    if shutil.which("xvfb-run") is None:
        pytest.skip("xvfb-run is not installed (apt-get install xvfb)")
    benchmark.group = "viewer-window"
    env = {k: v for k, v in os.environ.items() if k not in ("SDL_VIDEODRIVER", "DISPLAY")}
    # x11 set before the module's dummy-driver default applies.
    code = ("import os; os.environ['SDL_VIDEODRIVER'] = 'x11'; "
            f"import sys, json; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
            f"import test_viewer as t; print(json.dumps(t.window_fps(2048, frames_per_step={frames_per_step})))")
    result = {}

    def run():
        proc = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1400x900x24", sys.executable,
                               "-c", code], env=env, capture_output=True, text=True, timeout=300,
                              cwd=Path(__file__).resolve().parents[2])
        assert proc.returncode == 0, proc.stderr
        result.update(json.loads(proc.stdout.strip().splitlines()[-1]))

    benchmark.pedantic(run, rounds=1, iterations=1)
    benchmark.extra_info.update(result)
