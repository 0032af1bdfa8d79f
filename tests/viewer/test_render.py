"""The off-screen renderer: known states drawn, pixels checked; replay equals the live run."""

from __future__ import annotations

import math

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rover.io.replay import ReplayError, load_replay, save_replay
from viewer._render import COLOURS, LAYERS, _FOG_KEEP
from viewer.offscreen import render_image, render_png, stage_for, surface_to_array

REPO = Path(__file__).resolve().parents[2]


def _draw(stage):
    import pygame

    surf = pygame.Surface(stage.size, depth=32)
    stage.draw(surf)
    return surface_to_array(surf)


def _screen_xy(stage, x, y, pane=0):
    sx, sy = stage.cam.to_screen(x, y)
    r = stage.rects[pane]
    return int(round(float(sx))) + r.x, int(round(float(sy))) + r.y


def test_import_rover_does_not_import_pygame():
    code = ("import sys, rover, rover.sim, rover.cli, rover.io.replay, viewer\n"
            "rover.cli.build_parser()\n"
            "assert 'pygame' not in sys.modules, 'pygame imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_rover_is_drawn_where_it_is(replay):
    stage = stage_for(replay, size=(1000, 700))
    tl = stage.timelines[0]
    for t in (0.0, tl.t_available / 3, tl.t_available * 0.7):
        tl.seek(t)
        img = _draw(stage)
        x, y, _ = tl.pose()
        px, py = _screen_xy(stage, x, y)
        assert tuple(img[py, px]) == COLOURS["rover"], t
        stage.set_layer("rover", False)
        assert tuple(_draw(stage)[py, px]) != COLOURS["rover"]
        stage.set_layer("rover", True)


def test_rover_heading_points_the_front(replay):
    stage = stage_for(replay, size=(1000, 700))
    tl = stage.timelines[0]
    tl.seek(tl.t_available / 2)
    x, y, th = tl.pose()
    img = _draw(stage)
    ahead = _screen_xy(stage, x + 0.4 * np.cos(th), y + 0.4 * np.sin(th))
    behind = _screen_xy(stage, x - 0.4 * np.cos(th), y - 0.4 * np.sin(th))
    assert tuple(img[ahead[1], ahead[0]]) == COLOURS["rover_front"]
    assert tuple(img[behind[1], behind[0]]) == COLOURS["rover"]


def test_fog_hides_unseen_cells(replay):
    stage = stage_for(replay, size=(1000, 700), layers={"markers": False, "sensor": False,
                                                        "plan": False, "hazards": False})
    tl = stage.timelines[0]
    tl.seek(tl.snaps[0].t_s)
    h = replay.scene.cell_size
    rows, cols = tl.seen.shape
    art = stage.art
    checked = 0
    for r, c in [(60, 30), (70, 60), (40, 75), (5, 60)]:
        assert not tl.seen[r, c]
        px, py = _screen_xy(stage, (c + 0.5) * h, (r + 0.5) * h)
        terrain = art.terrain[c, rows - 1 - r].astype(np.int64)
        keep = int(_FOG_KEEP * 256)
        fogged = (terrain * keep + np.array(COLOURS["fog"]) * (256 - keep)) >> 8
        assert tuple(_draw(stage)[py, px]) == tuple(fogged)
        stage.set_layer("fog", False)
        bright = _draw(stage)[py, px].astype(int)
        stage.set_layer("fog", True)
        assert bright.sum() > fogged.sum() + 60
        checked += 1
    assert checked == 4
    # Cells seen by then are shown as they are.
    r, c = np.argwhere(tl.seen)[len(np.argwhere(tl.seen)) // 2]
    px, py = _screen_xy(stage, (c + 0.5) * h, (r + 0.5) * h)
    stage.set_layer("rover", False)
    stage.set_layer("driven", False)
    a = _draw(stage)[py, px]
    stage.set_layer("fog", False)
    assert tuple(_draw(stage)[py, px]) == tuple(a)


def test_fog_lifts_as_the_run_goes(replay):
    stage = stage_for(replay, size=(640, 400))
    tl = stage.timelines[0]
    tl.seek(0.0)
    early = tl.seen.sum()
    dark_early = (_draw(stage).sum(axis=2) < 120).sum()
    tl.seek(tl.t_available)
    assert tl.seen.sum() > early
    assert (_draw(stage).sum(axis=2) < 120).sum() < dark_early
    # and back again: a rewind brings the fog back
    tl.seek(0.0)
    assert tl.seen.sum() == early


def _flash_time(tl):
    tl.reset()
    for s in tl.snaps:
        tl.seek(s.t_s)
        if tl.flash_serial:
            return s.t_s
    pytest.fail("no replan changed the plan in this run")


@pytest.mark.parametrize("name", [name for name, _, _ in LAYERS])
def test_toggling_a_layer_changes_the_image(replay, name):
    stage = stage_for(replay, size=(900, 600))
    tl = stage.timelines[0]
    t = _flash_time(tl)
    tl.seek(t)
    stage.panes[0].flash_alpha = 1.0
    on = _draw(stage)
    stage.set_layer(name, False)
    off = _draw(stage)
    assert (on != off).any(axis=2).sum() > 20, name
    stage.set_layer(name, True)
    assert np.array_equal(_draw(stage), on)


def test_unknown_layer_is_named():
    from viewer._stage import Stage

    with pytest.raises(ValueError, match="unknown layer 'fgo'; layers: terrain, cost, fog"):
        Stage.set_layer(SimpleStage(), "fgo", False)


class SimpleStage:
    layers = {name: True for name, _, _ in LAYERS}
    panes = []


def test_impassable_cells_are_marked_red(replay):
    stage = stage_for(replay, size=(1000, 700), layers={"fog": False, "hazards": False,
                                                        "markers": False, "sensor": False,
                                                        "plan": False, "driven": False,
                                                        "rover": False})
    img = _draw(stage)
    from rover.costmap import edge_band_cells

    sc = replay.scene
    h = sc.cell_size
    cost = sc.true_cost
    # Obstacles inside the map (the edge band lies partly under the HUD and the legend).
    b = edge_band_cells(0.5 * math.hypot(sc.length_m, sc.width_m), h)
    rs, cs = np.nonzero(~np.isfinite(cost[b:-b, b:-b]))
    rs, cs = rs + b, cs + b
    assert len(rs)
    reds = 0
    for r, c in list(zip(rs, cs))[:: max(len(rs) // 40, 1)]:
        px, py = _screen_xy(stage, (c + 0.5) * h, (r + 0.5) * h)
        p = img[py, px].astype(int)
        reds += p[0] > 1.6 * p[1] and p[0] > 120
    assert reds >= 0.9 * len(list(zip(rs, cs))[:: max(len(rs) // 40, 1)])


def test_hud_and_legend_are_drawn(replay):
    stage = stage_for(replay, size=(1280, 800))
    stage.timelines[0].seek(1e9)
    assert stage.timelines[0].finished
    img = _draw(stage)
    # The HUD panel (top left) and the legend (bottom right) are dark panels with light text.
    hud = img[12:160, 12:200]
    legend = img[-200:-12, -260:-12]
    for part in (hud, legend):
        assert (part.sum(axis=2) > 600).sum() > 200      # text
        assert (part.sum(axis=2) < 150).sum() > 2000     # panel
    # The outcome line is green for a reached goal.
    g = np.array(COLOURS["good"])
    assert (np.abs(hud.astype(int) - g).sum(axis=2) < 40).sum() > 20


def test_replay_file_equals_live_run(small_run, replay, tmp_path):
    sc, world, result, snaps, scene = small_run
    path = save_replay(tmp_path / "run.npz", scene, snaps, result.summary)
    loaded = load_replay(path)
    assert len(loaded.snapshots) == len(snaps)
    for a, b in zip(snaps, loaded.snapshots):
        for f in ("kind", "t_s", "pose", "leg", "trace_end", "replan"):
            assert getattr(a, f) == getattr(b, f), f
        for f in ("trace", "seen", "plan", "route"):
            x, y = getattr(a, f), getattr(b, f)
            assert (x is None) == (y is None)
            if x is not None:
                assert np.array_equal(x, y), f
                assert not y.flags.writeable
        assert dict(a.figures) == dict(b.figures)
    full = np.concatenate([s.trace for s in loaded.snapshots])
    assert np.array_equal(full[:, 1], result.trace["x_m"])
    assert np.array_equal(full[:, 0], result.trace["t_s"])
    for t in (None, result.summary["sim_time_s"] / 2):
        assert np.array_equal(render_image(replay, t_s=t, size=(640, 400)),
                              render_image(loaded, t_s=t, size=(640, 400)))
    assert path.exists()


def test_replay_errors_name_the_file(small_run, tmp_path):
    sc, world, result, snaps, scene = small_run
    with pytest.raises(ReplayError, match="no such run folder or file"):
        load_replay(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ReplayError, match=r"empty: no run\.npz in this run folder"):
        load_replay(tmp_path / "empty")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ReplayError, match=r"bad\.npz: not a replay file \(not a \.npz archive\)"):
        load_replay(bad)
    good = save_replay(tmp_path / "run.npz", scene, snaps)
    data = good.read_bytes()
    cut = tmp_path / "cut.npz"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ReplayError, match=r"cut\.npz: (corrupt|not a replay)"):
        load_replay(cut)
    other = tmp_path / "other.npz"
    np.savez(other, a=np.zeros(3))
    with pytest.raises(ReplayError, match=r"other\.npz: not a rover replay file \(missing format"):
        load_replay(other)


def test_render_png_writes_an_image(replay, tmp_path):
    import pygame

    path = render_png(replay, tmp_path / "x.png", size=(320, 200))
    img = pygame.image.load(str(path))
    assert img.get_size() == (320, 200)
    with pytest.raises(ValueError, match=r"size must be between 64 and 16384 pixels a side, got 10 x 10"):
        render_image(replay, size=(10, 10))


def test_compare_stage_draws_each_run_side_by_side(replay):
    stage = stage_for([replay, replay], size=(1200, 600))
    assert len(stage.rects) == 2 and stage.rects[0].right <= stage.rects[1].left
    tl0, tl1 = stage.timelines
    tl0.seek(tl0.t_available / 2)
    tl1.seek(tl1.t_available)
    img = _draw(stage)
    for pane, tl in ((0, tl0), (1, tl1)):
        x, y, _ = tl.pose()
        px, py = _screen_xy(stage, x, y, pane)
        assert tuple(img[py, px]) == COLOURS["rover"]


@pytest.mark.parametrize("px_per_m", [12.0, 40.0])
def test_rover_footprint_is_to_scale(replay, px_per_m):
    only_rover = {name: name == "rover" for name, _, _ in LAYERS}
    stage = stage_for(replay, size=(800, 600), layers=only_rover)
    tl = stage.timelines[0]
    tl.seek(tl.t_available / 2)
    x, y, th = tl.pose()
    stage.cam.scale = px_per_m
    stage.cam.centre_on(x, y)
    img = _draw(stage)
    cx, cy = _screen_xy(stage, x, y)
    win = img[cy - 60:cy + 60, cx - 60:cx + 60].astype(int)
    drawn = (np.abs(win - np.array(COLOURS["no_terrain"])).sum(axis=2) > 0).sum()
    sc = replay.scene
    area = sc.length_m * sc.width_m * px_per_m ** 2
    assert 0.85 * area < drawn < 1.25 * area + 4 * (sc.length_m + sc.width_m) * px_per_m


def test_dirty_rectangles_cover_every_changed_pixel(replay):
    """Between frames where only the rover moved, the reported rectangles hold every change."""
    import pygame

    stage = stage_for(replay, size=(900, 600))
    stage.speed = 50.0
    tl = stage.timelines[0]
    surf = pygame.Surface(stage.size, depth=32)
    tl.seek(0.0)
    stage.draw(surf)
    assert stage.dirty is None          # the first frame is all new
    prev = surface_to_array(surf)
    partial = 0
    t = 0.0
    while t < tl.t_available:
        t += 0.7
        tl.seek(t)
        stage.panes[0].flash_alpha = max(0.0, 1.0 - (t % 5.0) / 3.0)
        stage.draw(surf)
        img = surface_to_array(surf)
        if stage.dirty is not None:
            partial += 1
            covered = np.zeros(img.shape[:2], dtype=bool)
            for r in stage.dirty:
                covered[r.top:r.bottom, r.left:r.right] = True
            changed = (img != prev).any(axis=2)
            assert not (changed & ~covered).any(), t
        prev = img
    assert partial > 20
    stage.cam.pan(5, 0)
    stage.draw(surf)
    assert stage.dirty is None


def test_goal_stays_visible_under_the_rover_on_arrival(replay):
    """At the end the rover sits on the goal; a ring drawn over it keeps the goal in sight."""
    stage = stage_for(replay, size=(1280, 800))
    stage.timelines[0].seek(1e9)
    assert stage.timelines[0].summary["outcome"] == "reached"
    gx, gy = _screen_xy(stage, *replay.scene.goal)

    def goal_red(img):
        win = img[gy - 16:gy + 17, gx - 16:gx + 17].astype(int)
        return int((np.abs(win - np.array(COLOURS["goal"])).sum(axis=2) < 30).sum())

    with_ring = goal_red(_draw(stage))
    stage.set_layer("markers", False)
    without = goal_red(_draw(stage))
    assert with_ring > without + 100


def test_legend_terrain_swatch_takes_the_bodys_tint():
    # The auditor saw Mars's tan in the legend of a Moon run.
    import pygame

    from viewer._render import Fonts, Overlay

    ov = Overlay(Fonts())
    f = (90 + 120 * 21 / 22) / 210.0  # the swatch's lightest column (22 px wide)
    for tint in ((170, 170, 170), (214, 160, 100)):
        surf = pygame.Surface((900, 600))
        surf.fill((0, 0, 0))
        ov.legend(surf, {}, tint=tint)
        arr = pygame.surfarray.array3d(surf).swapaxes(0, 1).reshape(-1, 3)
        want = [min(255, int(v * f)) for v in tint]
        assert (arr == want).all(axis=1).sum() == 12, tint  # one column of the 12 px swatch
