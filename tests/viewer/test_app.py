"""The window's event loop, driven with synthetic key and mouse events (dummy video driver)."""

from __future__ import annotations

import numpy as np
import pygame
import pytest

from viewer._render import COLOURS
from viewer.app import SPEEDS, App, LiveRun, open_window
from viewer.offscreen import stage_for, surface_to_array


@pytest.fixture
def screen():
    surf = open_window((900, 600))
    yield surf
    pygame.display.quit()


def _key(k):
    return pygame.event.Event(pygame.KEYDOWN, key=k, mod=0, unicode="", scancode=0)


@pytest.fixture
def app(screen, replay, tmp_path):
    stage = stage_for(replay, size=screen.get_size())
    a = App(screen, stage, speed=10.0, shots_dir=tmp_path / "shots")
    a.tick(0.0)
    return a


def test_space_pauses_and_resumes(app):
    app.tick(1.0)
    t = app.clock_t
    assert t == pytest.approx(10.0)
    app.handle(_key(pygame.K_SPACE))
    assert app.stage.paused
    app.tick(1.0)
    assert app.clock_t == t
    app.handle(_key(pygame.K_SPACE))
    app.tick(0.5)
    assert app.clock_t == pytest.approx(t + 5.0)


def test_right_arrow_steps_one_tick(app, replay):
    dt = replay.scene.dt_s
    app.tick(0.35)
    app.handle(_key(pygame.K_RIGHT))
    assert app.stage.paused
    app.tick(0.0)
    t1 = app.clock_t
    app.handle(_key(pygame.K_RIGHT))
    app.tick(0.0)
    assert app.clock_t == pytest.approx(t1 + dt)
    trace_t = app.stage.timelines[0].trace[:, 0]
    assert t1 in trace_t and app.clock_t in trace_t


def test_plus_minus_change_speed_up_to_max(app):
    app.handle(_key(pygame.K_PLUS))
    assert app.stage.speed == 20.0
    app.handle(_key(pygame.K_MINUS))
    app.handle(_key(pygame.K_MINUS))
    assert app.stage.speed == 5.0
    for _ in range(len(SPEEDS)):
        app.handle(_key(pygame.K_EQUALS))
    assert app.stage.speed is None
    app.tick(0.016)
    tl = app.stage.timelines[0]
    assert app.clock_t == tl.t_available and tl.finished


@pytest.mark.parametrize("start, up, down", [(150.0, 200.0, 100.0), (3.0, 5.0, 2.0),
                                              (0.1, 0.25, 0.25), (20000.0, None, 10000.0)])
def test_plus_minus_step_from_a_custom_speed(app, start, up, down):
    app.stage.speed = start
    app.handle(_key(pygame.K_PLUS))
    assert app.stage.speed == up
    app.stage.speed = start
    app.handle(_key(pygame.K_MINUS))
    assert app.stage.speed == down


def test_number_keys_toggle_layers_and_the_image(app):
    before = surface_to_array(app.screen)
    app.handle(_key(pygame.K_1))
    assert not app.stage.layers["terrain"]
    assert not app.stage.panes[0].layers["terrain"]
    app.tick(0.0)
    assert (surface_to_array(app.screen) != before).any()
    app.handle(_key(pygame.K_1))
    app.handle(_key(pygame.K_0))
    assert app.stage.layers["terrain"] and not app.stage.layers["flash"]


def test_wheel_zooms_about_the_cursor(app):
    cam = app.stage.cam
    pos = (600, 200)
    before = cam.to_world(*pos)
    s0 = cam.scale
    app.handle(pygame.event.Event(pygame.MOUSEWHEEL, x=0, y=2, pos=pos, flipped=False))
    assert cam.scale == pytest.approx(s0 * 1.25 ** 2)
    assert cam.to_world(*pos) == pytest.approx(before)
    app.handle(pygame.event.Event(pygame.MOUSEWHEEL, x=0, y=-1, pos=pos, flipped=False))
    assert cam.scale == pytest.approx(s0 * 1.25)
    assert cam.to_world(*pos) == pytest.approx(before)


def test_drag_pans_and_f_fits(app):
    cam = app.stage.cam
    fit = (cam.cx, cam.cy, cam.scale)
    app.handle(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=(400, 300)))
    app.handle(pygame.event.Event(pygame.MOUSEMOTION, pos=(440, 280), rel=(40, -20), buttons=(1, 0, 0)))
    app.handle(pygame.event.Event(pygame.MOUSEBUTTONUP, button=1, pos=(440, 280)))
    assert cam.cx == pytest.approx(fit[0] - 40 / cam.scale)
    assert cam.cy == pytest.approx(fit[1] - 20 / cam.scale)
    # The ground follows the mouse: what was under (400, 300) is now under (440, 280).
    app.handle(pygame.event.Event(pygame.MOUSEMOTION, pos=(500, 500), rel=(60, 200), buttons=(0, 0, 0)))
    assert cam.cx == pytest.approx(fit[0] - 40 / cam.scale)
    app.handle(_key(pygame.K_f))
    assert (cam.cx, cam.cy, cam.scale) == pytest.approx(fit)


def test_s_saves_a_screenshot_r_restarts_h_helps(app):
    app.tick(3.0)
    assert app.clock_t > 0
    path = app.screenshot()
    assert path.exists() and pygame.image.load(str(path)).get_size() == app.screen.get_size()
    app.handle(_key(pygame.K_s))
    assert len(app.shots) == 2 and app.shots[1].exists()
    app.handle(_key(pygame.K_r))
    assert app.clock_t == 0.0 and app.stage.timelines[0].t_s == 0.0
    app.tick(0.0)
    plain = surface_to_array(app.screen)
    app.handle(_key(pygame.K_h))
    app.tick(0.0)
    assert app.stage.show_help
    assert (surface_to_array(app.screen) != plain).any(axis=2).sum() > 5000


def test_r_at_full_speed_plays_from_the_start_instead_of_jumping_back(screen, replay):
    app = App(screen, stage_for(replay, size=screen.get_size()), speed=None)
    app.tick(0.016)
    end = app.clock_t
    assert end > 0
    app.handle(_key(pygame.K_r))
    app.tick(0.016)
    assert app.stage.speed is not None and 0.0 < app.clock_t < end
    # from a speed the window started with, + up to max, then R: back to that speed
    app = App(screen, stage_for(replay, size=screen.get_size()), speed=20.0)
    while app.stage.speed is not None:
        app.handle(_key(pygame.K_PLUS))
    app.tick(0.016)
    app.handle(_key(pygame.K_r))
    assert app.stage.speed == 20.0 and app.clock_t == 0.0


@pytest.mark.parametrize("n", [2, 3, 4])
@pytest.mark.parametrize("size", [(1, 1), (5, 5), (3000, 4)])
def test_compare_panes_fit_a_tiny_window(screen, replay, n, size):
    app = App(screen, stage_for([replay] * n, size=screen.get_size()), speed=10.0)
    app.tick(0.1)
    app.screen = pygame.display.set_mode(size, pygame.RESIZABLE)
    app.handle(pygame.event.Event(pygame.VIDEORESIZE, size=size, w=size[0], h=size[1]))
    app.tick(0.1)
    assert all(app.screen.get_rect().contains(r) for r in app.stage.rects)


def test_l_toggles_the_legend_which_compare_mode_starts_without(screen, replay):
    """Side by side the legend would cover the right-hand map: it starts as a one-line hint."""
    stage = stage_for([replay, replay], size=screen.get_size())
    app = App(screen, stage, speed=10.0)
    assert not stage.show_legend
    app.tick(0.0)
    corner = lambda: surface_to_array(app.screen)[-240:, -280:].copy()  # noqa: E731
    hint = corner()
    app.handle(_key(pygame.K_l))
    app.tick(0.0)
    assert stage.show_legend
    legend = corner()
    # The legend is a panel with a line of text per layer; the hint is one short line.
    text = lambda img: (img.sum(axis=2) > 450).sum()  # noqa: E731
    assert (legend != hint).any(axis=2).sum() > 20000
    assert text(legend) > text(hint) + 1000
    app.handle(_key(pygame.K_l))
    app.tick(0.0)
    assert np.array_equal(corner(), hint)
    assert stage_for(replay, size=screen.get_size()).show_legend   # one run: shown


@pytest.mark.parametrize("k", [pygame.K_q, pygame.K_ESCAPE])
def test_q_and_escape_quit_the_loop(app, k):
    pygame.event.clear()
    pygame.event.post(_key(k))
    assert app.run(max_frames=1000) == 0
    assert not app.running and app.frame < 5


def test_live_run_equals_the_simulation_and_stays_responsive(screen, small_run):
    """Live: snapshots come from a worker thread; with speed 'max' the view follows it."""
    from rover.io.replay import scene_from_world
    from viewer import Stage, Timeline

    sc, world, result, snaps, scene = small_run
    scene = scene_from_world(world)
    stage = Stage(scene, [Timeline(scene), Timeline(scene, label="astar")], screen.get_size())
    live = LiveRun(sc, world, ["dstar_lite", "astar"]).start()
    app = App(screen, stage, live=live, speed=None)
    assert not stage.replay  # a live run's HUD does not call it a replay
    import time

    # A deadline, not a tick count: on a loaded CI machine the worker threads may still be
    # compiling numba kernels after many thousands of cheap frames.
    deadline = time.monotonic() + 300.0
    try:
        while not all(tl.finished for tl in stage.timelines) and time.monotonic() < deadline:
            app.tick(0.016)
            time.sleep(0.001)  # let the worker threads run between frames
        tl = stage.timelines[0]
        assert tl.finished and tl.error is None
        assert np.array_equal(tl.trace[:, 1], result.trace["x_m"])
        assert np.array_equal(tl.trace[:, 2], result.trace["y_m"])
        assert tl.summary["outcome"] == result.summary["outcome"]
        assert stage.timelines[1].summary["planner"] == "astar"
    finally:
        live.close(timeout=60.0)
    assert not any(t.is_alive() for t in live.threads)
    assert pygame.mixer.get_init() is None  # audio never initialised


def test_paused_view_holds_back_the_run(screen, small_run):
    """A paused window stops reading; the run's observer then blocks on the full queue."""
    from rover.io.replay import scene_from_world
    from viewer import Stage, Timeline

    sc, world, result, snaps, scene = small_run
    scene = scene_from_world(world)
    stage = Stage(scene, [Timeline(scene)], screen.get_size())
    import viewer.app as va

    live = LiveRun(sc, world, ["dstar_lite"])
    old = va._LOOKAHEAD
    va._LOOKAHEAD = 4
    try:
        live.start()
        app = App(screen, stage, live=live, speed=1.0)
        app.handle(_key(pygame.K_SPACE))
        import time

        for _ in range(50):
            app.tick(0.016)
            time.sleep(0.01)
        tl = stage.timelines[0]
        assert not tl.ended and len(tl.snaps) <= 4 + 1
        assert live.threads[0].is_alive()          # blocked, not finished
    finally:
        va._LOOKAHEAD = old
        live.close(timeout=60.0)                   # generous: a loaded CI machine may be slow
    assert not live.threads[0].is_alive()          # closing ends the blocked run


def test_window_keeps_drawing_during_a_long_replan(screen, small_run, monkeypatch):
    """A planner call that does not return (here it waits on an event) does not stop the frames."""
    import threading

    from rover.io.replay import scene_from_world
    from rover.planners import RepeatedSearch
    from viewer import Stage, Timeline

    sc, world, result, snaps, scene = small_run
    original = RepeatedSearch.plan  # what the run's astar replanning calls
    entered, release, returned = threading.Event(), threading.Event(), threading.Event()

    def blocked_plan(self, *args, **kwargs):
        entered.set()
        release.wait(120.0)
        returned.set()
        return original(self, *args, **kwargs)

    monkeypatch.setattr(RepeatedSearch, "plan", blocked_plan)
    scene = scene_from_world(world)
    stage = Stage(scene, [Timeline(scene, label="astar")], screen.get_size())
    live = LiveRun(sc, world, ["astar"]).start()
    app = App(screen, stage, live=live, speed=None)
    try:
        assert entered.wait(120.0)              # the run is now inside its first plan (cold numba cache: slow)
        statuses = set()
        for _ in range(20):                     # the window keeps drawing meanwhile
            app.tick(0.016)
            statuses.add(stage.status)
        assert not returned.is_set()            # all those frames came while the plan was stuck
        assert len(stage.timelines[0].snaps) == 0 or stage.timelines[0].rows <= 1
        assert "simulating..." in statuses
    finally:
        release.set()
        live.close(timeout=5.0)


def test_replay_hud_says_it_is_a_replay(app):
    """``rover view RUN_DIR`` plays a recorded run; its HUD says so (a live run's does not)."""
    st = app.stage
    assert st.replay
    surf = pygame.Surface(st.size, depth=32)
    st.draw(surf)
    with_tag = surface_to_array(surf)
    st.replay = False
    st.draw(surf)
    without = surface_to_array(surf)
    hud = (slice(0, 200), slice(0, 320))
    assert (with_tag[hud] != without[hud]).any(axis=2).sum() > 100
    # the tag is a line of its own, in the waypoint yellow that nothing else in the HUD uses
    yellow = np.array(COLOURS["waypoint"])
    tagged = (np.abs(with_tag[hud].astype(int) - yellow).sum(axis=2) < 40).sum()
    assert tagged > 40 and (np.abs(without[hud].astype(int) - yellow).sum(axis=2) < 40).sum() < 5
