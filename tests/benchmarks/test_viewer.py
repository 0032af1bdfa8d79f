"""Viewer frame time: drawing one frame of a finished run off-screen (headless).

The flagship scenario (Jezero, Perseverance) is run once with a snapshot recorder; the
benchmark is one ``Stage.draw`` of the run half-way through, at 1280 x 800, the work the
window does every frame. ``extra_info['frames_per_s']`` holds the rate. Skipped when the
viewer package is not there.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "mars-jezero-perseverance.toml"


@pytest.fixture(scope="module")
def replay():
    try:
        from rover.io.replay import Recorder, Replay, scene_from_world
        from viewer.offscreen import stage_for  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"viewer not available: {exc}")
    from rover.scenario import load_scenario
    from rover.sim import prepare, simulate

    sc = load_scenario(SCENARIO)
    world = prepare(sc)
    rec = Recorder()
    result = simulate(sc, world=world, observer=rec)
    return Replay(scene_from_world(world), tuple(rec.snapshots), result.summary)


@pytest.mark.parametrize("size", [(1280, 800)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_viewer_frame(benchmark, replay, size):
    import pygame

    from viewer.offscreen import stage_for

    benchmark.group = "viewer-frame"
    stage = stage_for(replay, size=size)
    t_mid = replay.summary["sim_time_s"] / 2
    for tl in stage.timelines:
        tl.seek(t_mid)
    stage.paused = True
    surf = pygame.Surface(stage.size, depth=32)
    stage.draw(surf)  # first frame builds cached layers
    benchmark(stage.draw, surf)
    if not benchmark.disabled:
        benchmark.extra_info["frames_per_s"] = 1.0 / benchmark.stats.stats.median
