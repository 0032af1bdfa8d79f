"""Headless pygame for the viewer tests: the dummy video and audio drivers are chosen before
pygame is first imported, and only pygame.display and pygame.font are ever initialised."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pytest  # noqa: E402

SMALL = """
name = "viewer-small"
description = "A short drive past a hazard and through a waypoint"
seed = 5

[terrain]
body = "mars"
size = [80, 80]
cell_size_m = 0.5
rock_cover = 0.03

[rover]
preset = "generic"

[mission]
start = [5.0, 5.0]
waypoints = [[12.0, 26.0]]
goal = [32.0, 32.0]
planner = "dstar_lite"
sense_every_m = 1.0

[[hazards]]
name = "sand"
polygon = [[18.0, 8.0], [28.0, 8.0], [28.0, 18.0], [18.0, 18.0]]
"""


@pytest.fixture(scope="session")
def small_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("viewer") / "small.toml"
    path.write_text(SMALL)
    return path


@pytest.fixture(scope="session")
def small_run(small_path):
    """(scenario, world, result, snapshots, scene) of one recorded run of SMALL."""
    from rover.io.replay import Recorder, scene_from_world
    from rover.scenario import load_scenario
    from rover.sim import prepare, simulate

    sc = load_scenario(small_path)
    world = prepare(sc)
    rec = Recorder()
    result = simulate(sc, world=world, observer=rec)
    return sc, world, result, rec.snapshots, scene_from_world(world)


@pytest.fixture(scope="session")
def replay(small_run):
    from rover.io.replay import Replay

    sc, world, result, snaps, scene = small_run
    return Replay(scene=scene, snapshots=tuple(snaps), summary=dict(result.summary))
