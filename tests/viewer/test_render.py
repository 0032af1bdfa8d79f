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
    tl1.seek(0.8 * tl1.t_available)   # (at the end the goal's marker is drawn over the rover)
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
        surf = pygame.Surface((1280, 800))  # full size (a small window's legend is smaller)
        surf.fill((0, 0, 0))
        ov.legend(surf, {}, tint=tint)
        arr = pygame.surfarray.array3d(surf).swapaxes(0, 1).reshape(-1, 3)
        want = [min(255, int(v * f)) for v in tint]
        assert (arr == want).all(axis=1).sum() == 12, tint  # one column of the 12 px swatch


# -- the newcomer's screenshots ("The first ten minutes") -----------------------------------

def _wedge_leaves_the_map(scene, pose) -> bool:
    x, y, th = pose
    fov = math.radians(scene.sensor_fov_deg)
    a = th - fov / 2 + fov * np.linspace(0.0, 1.0, 41)
    xs, ys = x + scene.sensor_range_m * np.cos(a), y + scene.sensor_range_m * np.sin(a)
    W, H = scene.extent_m
    return bool((xs < 0).any() or (xs > W).any() or (ys < 0).any() or (ys > H).any())


def test_compare_panes_keep_the_sensor_wedge_on_their_own_map(replay):
    """The wedge reaches past the terrain's edge; side by side it used to run on into the
    gutter between the maps. Only pixels on a pane's map change when it is switched on."""
    stage = stage_for([replay, replay], size=(1200, 600))
    tl0, tl1 = stage.timelines
    t = next((s.t_s for s in tl0.snaps
              if s.pose is not None and _wedge_leaves_the_map(replay.scene, s.pose)), None)
    assert t is not None, "no moment where the wedge reaches past the map"
    for tl in stage.timelines:
        tl.seek(t)
    on = _draw(stage)
    stage.set_layer("sensor", False)
    off = _draw(stage)
    changed = (on != off).any(axis=2)
    on_map = np.zeros_like(changed)
    for pane, rect in zip(stage.panes, stage.rects):
        m = pane.map_rect(stage.cam).move(rect.topleft).clip(rect)
        on_map[m.top:m.bottom, m.left:m.right] = True
    assert changed.sum() > 200
    assert not (changed & ~on_map).any()


def test_hazard_labels_are_whole_legible_and_inside_their_pane(replay):
    stage = stage_for([replay, replay], size=(1200, 600))
    sc = replay.scene
    (name, poly), = sc.hazards
    xs = [p[0] for p in poly]
    # Put the hazard's left half off the pane's left edge: a centred label would be cut.
    stage.cam.scale = 40.0
    stage.cam.centre_on(min(xs) + stage.cam.size[0] / 2 / stage.cam.scale, np.mean([p[1] for p in poly]))
    img = _draw(stage)
    for pane, rect in zip(stage.panes, stage.rects):
        (lab,) = pane.label_rects
        view = pygame_rect(0, 0, *rect.size)
        assert view.contains(lab), (lab, view)
        crop = img[rect.y + lab.top:rect.y + lab.bottom, rect.x + lab.left:rect.x + lab.right]
        lum = crop.astype(int) @ np.array([299, 587, 114]) // 1000
        inner = lum[2:-2, 3:-3]
        light, dark = (inner > 180).sum(), (inner < 50).sum()
        # light letters on a dark plate: both plenty, and nothing in between dominates
        assert light > 40 and dark > 0.5 * inner.size, (light, dark, inner.size)
        # the whole name: the plate is as wide as the text rendered on its own, plus margins
        assert lab.width == stage.fonts.text(name, 16).get_width() + 8
    # the fixed text colour against the plate: WCAG contrast ratio well above 7
    def rel(c):
        c = np.array(c) / 255.0
        c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
        return float(c @ [0.2126, 0.7152, 0.0722])
    assert (rel(COLOURS["text"]) + 0.05) / (rel(COLOURS["label_plate"]) + 0.05) > 7


def pygame_rect(*a):
    import pygame

    return pygame.Rect(*a)


def test_a_single_changed_cell_is_drawn_to_scale(replay):
    """A one-cell replan change was a 16 px disc; it is that cell (at least 5 px)."""
    stage = stage_for(replay, size=(900, 600), layers={"plan": False})
    stage.show_legend = False  # its "(off)" would change with the layer
    tl = stage.timelines[0]
    tl.seek(tl.t_available / 2)
    tl.flash = np.array([[40, 40]], dtype=np.int64)
    tl.flash_serial += 1
    stage.panes[0].flash_alpha = 1.0
    h = replay.scene.cell_size
    for px_per_cell in (2.0, 8.0, 20.0):
        stage.cam.scale = px_per_cell / h
        stage.cam.centre_on(40.5 * h, 40.5 * h)
        on = _draw(stage)
        stage.set_layer("flash", False)
        off = _draw(stage)
        stage.set_layer("flash", True)
        ys, xs = np.nonzero((on != off).any(axis=2))
        side = max(5, round(px_per_cell)) + 2  # the cell and its 1 px outline
        assert np.ptp(xs) + 1 <= side and np.ptp(ys) + 1 <= side, px_per_cell
        cx, cy = _screen_xy(stage, 40.5 * h, 40.5 * h)
        assert abs(xs.mean() - cx) <= 1.5 and abs(ys.mean() - cy) <= 1.5


def test_legend_moves_off_the_rover_in_a_small_window(replay):
    """960 x 600, C (centre on the rover), then a zoom that puts the rover bottom right,
    where the legend lives: the legend goes elsewhere and the rover is drawn whole."""
    stage = stage_for(replay, size=(960, 600))
    tl = stage.timelines[0]
    tl.seek(tl.t_available / 2)
    x, y, _ = tl.pose()
    stage.cam.centre_on(x, y)
    stage.cam.zoom_at(120, 120, 2.0)
    shown = _draw(stage)
    rover = stage.panes[0].rover_rect
    assert rover is not None and stage.legend_rect is not None
    # the legend's usual corner holds the rover (else this test would prove nothing) ...
    usual = stage.overlay._place(stage.legend_rect.size, stage.size, ())
    assert usual.colliderect(rover)
    # ... so it is drawn elsewhere, and the rover's pixels are those of a frame without it
    assert not stage.legend_rect.colliderect(rover)
    stage.show_legend = False
    hidden = _draw(stage)
    assert stage.legend_rect is None or not stage.legend_rect.colliderect(rover)
    r = rover
    assert np.array_equal(shown[r.top:r.bottom, r.left:r.right], hidden[r.top:r.bottom, r.left:r.right])
    # and in a small window it is the compact legend, clear of the fitted map
    stage.show_legend = True
    stage.cam.fit()
    _draw(stage)
    assert not stage.legend_rect.colliderect(stage.panes[0].map_rect(stage.cam))


def test_goal_ring_and_flag_are_drawn_over_the_rover_on_arrival(replay):
    stage = stage_for(replay, size=(1280, 800))
    tl = stage.timelines[0]
    tl.seek(1e9)
    img = _draw(stage)
    gx, gy = _screen_xy(stage, *replay.scene.goal)
    goal = np.array(COLOURS["goal"])
    ring = [img[int(round(gy + 7 * math.sin(a))), int(round(gx + 7 * math.cos(a)))]
            for a in np.linspace(0, 2 * math.pi, 16, endpoint=False)]
    assert sum(int(np.abs(p.astype(int) - goal).sum()) < 30 for p in ring) >= 14
    # the flag flies above the rover, clear of it
    rover = stage.panes[0].rover_rect
    above = img[: rover.top, gx - 2:gx + 20].astype(int)
    assert (np.abs(above - goal).sum(axis=2) < 30).sum() > 40


def test_impassable_cells_are_drawn_cell_by_cell():
    """The viewer draws the cost map as it is: each impassable cell exactly its own square
    of pixels, nothing squared off, grown or blurred around it."""
    from viewer import Stage, Timeline

    rows, cols, h = 64, 64, 0.5
    cost = np.ones((rows, cols), np.float32)
    cost[10:14, 20:22] = 3.0
    blocked = [(30, 30), (31, 31), (32, 30), (20, 45), (21, 45), (22, 45), (45, 12)]
    for r, c in blocked:
        cost[r, c] = np.inf
    scene = _plain_scene(cost, h)
    k = 6  # pixels per cell
    stage = Stage(scene, [Timeline(scene)], (cols * k + 300, rows * k + 300))
    stage.show_legend = False  # clear of the cells (the HUD is too, at this size)
    for name in ("terrain", "fog", "hazards", "markers"):
        stage.set_layer(name, False)
    stage.cam.scale = k / h
    stage.cam.centre_on(cols * h / 2, rows * h / 2)
    img = _draw(stage)
    stage.set_layer("cost", False)
    bare = _draw(stage)
    changed = (img != bare).any(axis=2)
    # impassable red (stripes included); the dearest passable cells (cost 3) are orange
    red = changed & (img[..., 0].astype(int) > 2.5 * img[..., 1].astype(int))
    want = np.zeros_like(red)
    for r, c in blocked:
        x0, y1 = _screen_xy(stage, c * h, r * h)  # south-west corner of the cell
        want[y1 - k:y1, x0:x0 + k] = True
    assert np.array_equal(red, want)


def _plain_scene(cost, h):
    import dataclasses

    from rover.io.replay import Scene

    fields = {f.name for f in dataclasses.fields(Scene)
              if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}
    base = dict(name="cells", body="mars", tint_rgb=(200, 150, 100), cell_size=h,
                height=np.zeros(cost.shape, np.float32), true_cost=cost, unknown_cost=1.0,
                start=(1.0, 1.0), goal=(2.0, 2.0), waypoints=(), hazards=(), rover="generic",
                length_m=1.0, width_m=1.0, sensor_range_m=5.0, sensor_fov_deg=90.0, near_m=1.0,
                goal_tolerance_m=0.5, planner="astar", seed=0, dt_s=0.5)
    missing = fields - set(base)
    assert not missing, f"Scene has new fields {missing}: give them values here"
    return Scene(**base)
