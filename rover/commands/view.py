"""``rover view SCENARIO | RUN_DIR``: watch a run in a window, live or replayed."""

from __future__ import annotations

import argparse
from pathlib import Path

from rover.commands import CLIError, path_arg
from rover.commands.run import _seed, check_planner

EXIT_OK = 0


def register(sub) -> None:
    p = sub.add_parser(
        "view", help="watch a run in a window, live or replayed",
        description="Open a window and watch a rover think: with a scenario file the run is "
                    "simulated live (in the background, so the window stays responsive); with a "
                    "folder written by 'rover run' the run is replayed from its run.npz. Without "
                    "a display, use 'rover run SCENARIO --png FILE' instead.",
        epilog="keys in the window (H shows them there too): space pause/resume, right arrow "
               "one step, + and - playback speed (up to 'max'), mouse wheel zoom about the "
               "cursor, drag pan, F fit, C centre on the rover, 1-9 and 0 toggle layers, "
               "L legend, S screenshot, R restart, Esc or Q quit",
    )
    p.add_argument("target", metavar="SCENARIO|RUN_DIR",
                   help="scenario file (.toml) or a shipped scenario's name to run live, or a run "
                        "folder to replay")
    p.add_argument("--planner", metavar="NAME", help="planner to use instead of [mission].planner")
    p.add_argument("--seed", metavar="N", type=_seed, help="seed to use instead of the scenario's")
    p.add_argument("--compare", metavar="NAMES",
                   help="comma-separated planners to run side by side on the same terrain, "
                        "e.g. astar,dstar_lite")
    p.add_argument("--size", metavar="WxH", type=_size, default=(1280, 800),
                   help="window size in pixels (default 1280x800)")
    p.add_argument("--speed", metavar="X", type=_speed, default="auto",
                   help="initial playback speed in simulated seconds per second, or 'max' "
                        "(default: the fastest listed speed at which the whole run takes at least a minute)")
    p.add_argument("--shots", metavar="DIR", type=path_arg,
                   help="folder for screenshots saved with S (default: the current folder)")
    # Synthetic key presses "FRAME:KEY,..." for tests and demos (e.g. "120:s,180:q").
    p.add_argument("--script", help=argparse.SUPPRESS)
    p.set_defaults(func=run)


def _size(text: str) -> tuple[int, int]:
    w, sep, h = text.lower().partition("x")
    try:
        size = (int(w), int(h))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be WIDTHxHEIGHT in pixels, e.g. 1280x800, got {text!r}") from None
    if not sep or min(size) < 200 or max(size) > 16384:
        raise argparse.ArgumentTypeError(f"must be WIDTHxHEIGHT between 200 and 16384 pixels, got {text!r}")
    return size


def _speed(text: str):
    if text.lower() == "max":
        return None
    if text == "auto":
        return text
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number > 0 or 'max', got {text!r}") from None
    if not v > 0 or v != v or v == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number > 0 or 'max', got {text!r}")
    return v


def _planners(args, default: str) -> list[str]:
    from rover.planners import check_planner_name

    if args.compare is None:
        check_planner(args.planner)
        return [args.planner or default]
    if args.planner is not None:
        raise CLIError("--planner and --compare cannot be used together; list every planner in --compare")
    names = [n.strip() for n in args.compare.split(",") if n.strip()]
    if not names:
        raise CLIError(f"--compare: expected planner names separated by commas, got {args.compare!r}")
    for n in names:
        try:
            check_planner_name(n)
        except ValueError as exc:
            raise CLIError(f"--compare: {exc}") from None
    if len(set(names)) != len(names):
        raise CLIError(f"--compare: a planner is listed twice in {args.compare!r}")
    return names


def _script(text):
    """The hidden --script option's synthetic key presses."""
    if not text:
        return None
    from viewer.app import parse_script

    try:
        return parse_script(text)
    except ValueError as exc:
        raise CLIError(f"--script: {exc}") from None


def _no_display(exc) -> CLIError:
    return CLIError(f"cannot open a window: no display available ({exc}); draw the run to a "
                    "picture with 'rover run SCENARIO --png FILE', or start a display "
                    "(e.g. 'xvfb-run rover view ...')")


def run(args) -> int:
    target = Path(args.target)
    if target.is_dir() or target.suffix == ".npz":
        return _replay(args, target)
    return _live(args, target)


def _replay(args, target: Path) -> int:
    from rover.io.replay import ReplayError, load_replay

    for flag, value in (("--planner", args.planner), ("--seed", args.seed), ("--compare", args.compare)):
        if value is not None:
            raise CLIError(f"{flag} does not apply to a run folder: a replay shows the run as it "
                           "was; run the scenario file to choose")
    try:
        replay = load_replay(target)
    except ReplayError as exc:
        raise CLIError(str(exc)) from None
    from viewer.app import App, default_speed
    from viewer.offscreen import stage_for

    screen = _open(args, f"rover view: {replay.scene.name} (replay)")
    try:
        from viewer import SceneArt

        art = _in_background(screen, lambda: SceneArt(replay.scene), f"drawing {replay.scene.name}")
        if art is None:  # closed while the terrain was being drawn
            return EXIT_OK
        stage = stage_for(replay, size=screen.get_size(), art=art)
        for tl in stage.timelines:
            tl.seek(0.0)
        t_end = max(tl.t_available for tl in stage.timelines)
        speed = default_speed(t_end) if args.speed == "auto" else args.speed
        app = App(screen, stage, speed=speed, shots_dir=args.shots, script=_script(args.script))
        return app.run()
    finally:
        _quit()


def _open(args, title: str):
    """The window, or a CLIError when there is no display to show it on."""
    shots = args.shots
    if shots is not None and shots.exists() and not shots.is_dir():
        raise CLIError(f"--shots: {shots} exists and is not a folder")

    from viewer.app import NoDisplayError, open_window

    try:
        # Without a --script to end it, a viewer on a driver that shows nothing (no X server
        # behind DISPLAY, or SDL_VIDEODRIVER=dummy) would wait forever.
        screen = open_window(args.size, title, visible=not args.script)
    except NoDisplayError as exc:
        _quit()
        raise _no_display(exc) from None
    return screen


def _live(args, target: Path) -> int:
    from rover import scenarios

    scenario = scenarios.load(args.target)
    planners = _planners(args, scenario.mission.planner)
    from viewer.app import App, LiveRun, default_speed

    screen = _open(args, f"rover view: {scenario.name}")
    try:
        from rover.io.replay import scene_from_world
        from rover.sim import prepare
        from viewer import SceneArt, Stage, Timeline

        def work():
            world = prepare(scenario, seed=args.seed)
            scene = scene_from_world(world, planner=planners[0])
            return world, scene, SceneArt(scene)

        made = _in_background(screen, work, f"preparing {scenario.name}: terrain and cost map")
        if made is None:  # the user closed the window while the terrain was being made
            return EXIT_OK
        world, scene, art = made
        stage = Stage(scene, [Timeline(scene, label=p) for p in planners], screen.get_size(),
                      art=art)
        live = LiveRun(scenario, world, planners, seed=args.seed).start()
        rover = scenario.rover
        m = scenario.mission
        route = sum(_dist(a, b) for a, b in zip([m.start, *m.waypoints], [*m.waypoints, m.goal]))
        speed = (default_speed(1.3 * route / rover.max_speed_mps) if args.speed == "auto"
                 else args.speed)
        app = App(screen, stage, live=live, speed=speed, shots_dir=args.shots,
                  script=_script(args.script))
        return app.run()
    finally:
        _quit()


def _in_background(screen, work, message: str):
    """Run ``work()`` in a worker thread while the window shows ``message`` and stays
    responsive; returns its result, or None when the user closed the window. Re-raises the
    worker's error in this thread.
    """
    import threading
    import time

    import pygame

    box: dict = {}

    def run():
        try:
            box["value"] = work()
        except BaseException as exc:  # handed to the window thread
            box["error"] = exc

    worker = threading.Thread(target=run, daemon=True, name="rover-view-prepare")
    worker.start()
    t0 = time.monotonic()
    clock = pygame.time.Clock()
    while worker.is_alive():
        for ev in pygame.event.get():
            quit_key = ev.type == pygame.KEYDOWN and ev.key in (pygame.K_q, pygame.K_ESCAPE)
            if ev.type == pygame.QUIT or quit_key:
                return None
        dots = "." * (1 + int(time.monotonic() - t0) % 3)
        pygame_screen_message(screen, f"{message} ({time.monotonic() - t0:.0f} s){dots}")
        clock.tick(20)
    if "error" in box:
        raise box["error"]
    return box["value"]


def _dist(a, b) -> float:
    return ((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5


def pygame_screen_message(screen, text: str) -> None:
    """A one-line message on a dark window (shown while the world is prepared)."""
    import pygame

    screen.fill((22, 23, 28))
    font = pygame.font.Font(None, 24)
    s = font.render(text, True, (235, 238, 245))
    w, h = screen.get_size()
    screen.blit(s, ((w - s.get_width()) // 2, (h - s.get_height()) // 2))
    pygame.display.flip()
    pygame.event.pump()


def _quit() -> None:
    import pygame

    pygame.display.quit()
    pygame.font.quit()
