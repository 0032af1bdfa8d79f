"""The viewer draws the run's cast shadows and its local solar time (headless; the dummy SDL
drivers are set in conftest.py)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

import rover
import terrains
from rover.io.replay import Recorder, Replay, scene_from_world
from rover.sim import prepare
from viewer._render import fmt_sun
from viewer.offscreen import render_image, stage_for

SCENARIO = """
name = "viewer-sun"
seed = 3
[terrain]
preset = "moon-south-pole"
size = [96, 96]
cell_size_m = 0.5
[rover]
preset = "pragyan"
drive_in_shadow = true
[mission]
start = [6.0, 6.0]
goal = [39.75, 38.25]
[sun]
lat_deg = -69.37
lon_deg = 32.32
start = 2023-08-23T12:33:00Z
"""


@pytest.fixture(scope="module")
def sunny(tmp_path_factory):
    path = tmp_path_factory.mktemp("sun") / "sun.toml"
    path.write_text(SCENARIO)
    sc = rover.load_scenario(path)
    world = prepare(sc)
    rec = Recorder()
    res = rover.simulate(sc, world=world, observer=rec)
    return Replay(scene=scene_from_world(world), snapshots=tuple(rec.snapshots),
                  summary=res.summary)


def test_the_hud_says_the_local_solar_time():
    assert fmt_sun((62.05, 8.619, 7.9413)) == "local solar time 07:56   Sun el 8.6°  az 62°"
    assert fmt_sun((10.0, 3.0, math.nan)).startswith("fixed Sun")
    assert fmt_sun((0.0, 1.0, 23.999)).startswith("local solar time 00:00")


def test_the_timeline_follows_the_sun(sunny):
    stage = stage_for(sunny, size=(640, 480))
    tl = stage.panes[0].timeline
    tl.seek(0.0)
    first = tl.sun
    tl.seek(tl.t_available)
    assert first is not None and tl.sun is not None
    assert tl.sun[2] > first[2]                         # the clock moved on
    assert tl.sun == sunny.snapshots[-1].sun


def test_shadows_are_drawn(sunny):
    # the same run without its Sun: the shadowed ground is the only difference, and darker
    no_sun = Replay(scene=sunny.scene, snapshots=tuple(
        dataclasses.replace(s, sun=None) for s in sunny.snapshots), summary=sunny.summary)
    layers = {"fog": False, "cost": False}
    lit = render_image(sunny, size=(640, 480), layers=layers).astype(int)
    plain = render_image(no_sun, size=(640, 480), layers=layers).astype(int)
    diff = (lit - plain).sum(axis=2)
    assert (diff < 0).sum() > 1000          # many pixels darker
    az, el, _ = sunny.snapshots[-1].sun
    frac = terrains.shadow(sunny.scene.height, sunny.scene.cell_size, az, el).mean()
    assert frac > 0.02
