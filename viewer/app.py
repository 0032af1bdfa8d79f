"""The window: watch runs live (simulated in worker threads) or replayed, with keys and mouse.

The simulation runs in a worker thread per run and hands read-only snapshots to the window
through a bounded queue; the window thread only draws them, so it stays responsive during a
long replan. When the viewer falls behind (paused, or slow playback), the queue fills and the
run's observer blocks until there is room: pausing the view pauses the run soon after.
"""

from __future__ import annotations

import contextlib
import os
import queue
import sys
import tempfile
import threading
import time
from pathlib import Path

import pygame

from viewer._render import LAYERS
from viewer._stage import Stage

__all__ = ["App", "LiveRun", "open_window", "NoDisplayError", "SPEEDS", "default_speed"]

#: Playback speeds (simulated seconds per wall-clock second); None = as fast as it computes.
SPEEDS = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0,
          5000.0, 10000.0, None)
_QUEUE = 32          # snapshots in flight between a run and the window
_LOOKAHEAD = 256     # snapshots received but not yet shown before the window stops reading
_FLASH_S = 0.9       # wall seconds a replan flash lasts


class NoDisplayError(RuntimeError):
    """No display to open a window on."""


def default_speed(duration_s: float, watch_s: float = 60.0) -> float:
    """The listed speed closest (below) to showing ``duration_s`` simulated in ``watch_s``."""
    want = max(duration_s, 1.0) / watch_s
    best = SPEEDS[0]
    for s in SPEEDS[:-1]:
        if s <= want:
            best = s
    return best


def open_window(size=(1280, 800), title: str = "rover view", *,
                visible: bool = False) -> pygame.Surface:
    """Initialise the display (only: no audio) and open a resizable window.

    ``visible``: also refuse SDL's drivers that show nothing (``dummy``, ``offscreen``),
    which SDL falls back to when DISPLAY names no X server.

    Raises
    ------
    NoDisplayError
        When there is no display to open it on.
    """
    if (sys.platform.startswith("linux") and not os.environ.get("DISPLAY")
            and not os.environ.get("WAYLAND_DISPLAY") and not os.environ.get("SDL_VIDEODRIVER")):
        raise NoDisplayError("DISPLAY is not set")
    with _held_stderr():
        try:
            pygame.display.init()
            pygame.font.init()
            screen = pygame.display.set_mode(size, pygame.RESIZABLE)
        except pygame.error as exc:
            raise NoDisplayError(str(exc) or "pygame could not open a window") from None
        if visible and pygame.display.get_driver() in ("dummy", "offscreen"):
            # SDL falls back to "offscreen" when DISPLAY names no reachable X server: say so.
            where = (f"DISPLAY={os.environ['DISPLAY']} could not be reached, and "
                     if os.environ.get("DISPLAY") and not os.environ.get("SDL_VIDEODRIVER")
                     else "")
            raise NoDisplayError(f"{where}SDL's {pygame.display.get_driver()!r} video driver "
                                 "shows no window")
    pygame.display.set_caption(title)
    return screen


@contextlib.contextmanager
def _held_stderr():
    """Hold back what SDL itself writes to stderr (file descriptor 2, below Python) while
    the window opens: when it cannot open, SDL's own line ("error: XDG_RUNTIME_DIR is
    invalid ...") would come before ours and say less. Released as it was if the block ends
    without an exception (the window opened)."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no usable stderr: nothing to hold back
        yield
        return
    with tempfile.TemporaryFile() as buf:
        os.dup2(buf.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        # Reached only when the block raised nothing.
        buf.seek(0)
        text = buf.read()
        if text:
            with contextlib.suppress(OSError):
                os.write(2, text)


class _Stopped(Exception):
    """Raised in a run's observer to end it when the window closes or restarts."""


class LiveRun:
    """Simulate ``scenario`` with each planner in ``planners`` in worker threads.

    ``queues[i]`` receives run ``i``'s snapshots, then ``("error", message)`` if it failed.
    """

    def __init__(self, scenario, world, planners, *, seed=None):
        self.scenario = scenario
        self.world = world
        self.planners = list(planners)
        self.seed = seed
        self.stop = threading.Event()
        self.queues = [queue.Queue(maxsize=_QUEUE) for _ in self.planners]
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True,
                                         name=f"rover-sim-{p}") for i, p in enumerate(self.planners)]

    def start(self) -> "LiveRun":
        for t in self.threads:
            t.start()
        return self

    def _put(self, q, item) -> None:
        while not self.stop.is_set():
            try:
                q.put(item, timeout=0.05)
                return
            except queue.Full:
                continue
        raise _Stopped

    def _run(self, i: int) -> None:
        from rover.sim import simulate

        q = self.queues[i]
        try:
            simulate(self.scenario, planner=self.planners[i], seed=self.seed, world=self.world,
                     observer=lambda s: self._put(q, s))
        except _Stopped:
            return
        except Exception as exc:  # shown in the pane's HUD; the window stays usable
            try:
                self._put(q, ("error", f"{type(exc).__name__}: {exc}"))
            except _Stopped:
                pass

    def close(self, timeout: float = 2.0) -> None:
        """Stop the runs (their observers raise) and wait for the threads."""
        self.stop.set()
        for t in self.threads:
            t.join(timeout)


class App:
    """The event loop over a :class:`Stage`.

    Parameters
    ----------
    screen : pygame.Surface
        The window surface (``pygame.display.get_surface()``), or any surface in tests.
    stage : Stage
    live : LiveRun, optional
        Worker threads feeding the stage's timelines (None: everything is already loaded).
    speed : float or None
        Initial playback speed (simulated s per wall s); None = as fast as it computes.
    shots_dir : path, optional
        Where ``S`` saves screenshots (default: the current folder).
    script : list of (frame, event), optional
        Synthetic events posted at given frame numbers (tests and demos).
    """

    def __init__(self, screen, stage: Stage, *, live: LiveRun | None = None,
                 speed: float | None = 1.0, shots_dir=None, script=None, fps: int = 60):
        self.screen = screen
        self.stage = stage
        self.live = live
        # Without a live run the stage plays back recorded snapshots: the HUD says so.
        self.stage.replay = live is None
        self.stage.speed = speed
        self._usual_speed = speed  # what R plays at after "as fast as it computes"
        self.shots_dir = Path(shots_dir) if shots_dir is not None else Path.cwd()
        self.script = sorted(script or [], key=lambda e: e[0])
        self.fps = fps
        self.clock_t = 0.0
        self.running = True
        self.frame = 0
        self.dragging = False
        self.toast_until = 0.0
        self.shots: list[Path] = []
        self._flash_seen = [0] * len(stage.panes)
        self._flash_at = [-1e9] * len(stage.panes)
        self._keys = {pygame.key.key_code(k): name for name, k, _ in LAYERS}

    # -- input -------------------------------------------------------------------------------
    def _ingest(self) -> None:
        if self.live is None:
            return
        for tl, q in zip(self.stage.timelines, self.live.queues):
            # Read ahead only so far: a paused view lets the run block on its full queue.
            while self.stage.speed is None or len(tl.snaps) - tl.applied < _LOOKAHEAD:
                try:
                    item = q.get_nowait()
                except queue.Empty:
                    break
                if isinstance(item, tuple):
                    tl.error = item[1]
                    tl.ended = True
                    break
                tl.ingest(item)

    def handle(self, ev) -> None:
        """Act on one pygame event."""
        st = self.stage
        if ev.type == pygame.QUIT:
            self.running = False
        elif ev.type == pygame.KEYDOWN:
            self._key(ev)
        elif ev.type in (pygame.VIDEORESIZE, getattr(pygame, "WINDOWSIZECHANGED", -1)):
            surf = pygame.display.get_surface() if pygame.display.get_init() else None
            if surf is not None:
                self.screen = surf
            size = self.screen.get_size()
            st.resize(size)
        elif ev.type == pygame.MOUSEWHEEL:
            pos = getattr(ev, "pos", None)
            if pos is None:
                pos = pygame.mouse.get_pos() if pygame.display.get_init() else (0, 0)
            self.zoom_at(pos, ev.y)
        elif ev.type == pygame.MOUSEBUTTONDOWN:
            if ev.button == 1:
                self.dragging = True
            elif ev.button in (4, 5) and not hasattr(pygame, "MOUSEWHEEL"):
                i, local = st.pane_at(ev.pos)
                st.cam.zoom_at(local[0], local[1], 1.25 if ev.button == 4 else 0.8)
        elif ev.type == pygame.MOUSEBUTTONUP:
            if ev.button == 1:
                self.dragging = False
        elif ev.type == pygame.MOUSEMOTION:
            if self.dragging or (ev.buttons and ev.buttons[0]):
                st.cam.pan(ev.rel[0], ev.rel[1])

    def zoom_at(self, pos, clicks: float) -> None:
        """Zoom by mouse-wheel ``clicks`` about the surface position ``pos``."""
        i, local = self.stage.pane_at(pos)
        self.stage.cam.zoom_at(local[0], local[1], 1.25 ** clicks)

    def _key(self, ev) -> None:
        st = self.stage
        k = ev.key
        if k in (pygame.K_ESCAPE, pygame.K_q):
            self.running = False
        elif k == pygame.K_SPACE:
            st.paused = not st.paused
        elif k == pygame.K_RIGHT:
            st.paused = True
            nxt = min((tl.next_tick() for tl in st.timelines if tl.rows), default=0.0)
            if nxt <= self.clock_t:
                nxt = max((tl.next_tick() for tl in st.timelines), default=0.0)
            self.clock_t = nxt
        elif k in (pygame.K_PLUS, pygame.K_EQUALS, pygame.K_KP_PLUS):
            self._speed(+1)
        elif k in (pygame.K_MINUS, pygame.K_KP_MINUS, pygame.K_UNDERSCORE):
            self._speed(-1)
        elif k == pygame.K_f:
            st.cam.fit()
        elif k == pygame.K_c:
            pose = st.timelines[0].pose()
            if pose is not None:
                st.cam.centre_on(pose[0], pose[1])
        elif k == pygame.K_h:
            st.show_help = not st.show_help
        elif k == pygame.K_l:
            st.show_legend = not st.show_legend
        elif k == pygame.K_r:
            self.clock_t = 0.0
            for tl in st.timelines:
                tl.seek(0.0)
            if st.speed is None:
                # "As fast as it computes" shows the newest state, which would undo the
                # restart on the next frame: play from the start at the usual speed instead.
                st.speed = self._usual_speed or default_speed(
                    max((tl.t_available for tl in st.timelines), default=0.0))
                self._say(f"restarted from the beginning at {st.speed:g}x")
            else:
                self._say("restarted from the beginning")
        elif k == pygame.K_s:
            try:
                self.screenshot()
            except OSError as exc:  # a folder that cannot be written: say so, keep running
                print(f"screenshot not saved: {exc}", file=sys.stderr, flush=True)
                self._say(f"screenshot not saved: {exc.strerror or exc}", seconds=4.0)
        elif k in self._keys:
            name = self._keys[k]
            st.toggle(name)
            self._say(f"{name} {'on' if st.layers[name] else 'off'}")

    def _speed(self, step: int) -> None:
        st = self.stage
        if st.speed in SPEEDS:
            i = min(max(SPEEDS.index(st.speed) + step, 0), len(SPEEDS) - 1)
        else:
            # A speed off the ladder (e.g. --speed 150): the next rung up or down from it.
            finite = SPEEDS[:-1]
            if step > 0:
                i = next((j for j, v in enumerate(finite) if v > st.speed), len(SPEEDS) - 1)
            else:
                i = max((j for j, v in enumerate(finite) if v < st.speed), default=0)
        st.speed = SPEEDS[i]
        self._say(f"playback {'as fast as it computes' if st.speed is None else f'{st.speed:g}x'}")

    def _say(self, text: str, seconds: float = 1.5) -> None:
        self.stage.toast = text
        self.toast_until = time.monotonic() + seconds

    def screenshot(self) -> Path:
        """Save the current frame as a PNG in :attr:`shots_dir`; returns its path."""
        from viewer.offscreen import save_surface

        self.shots_dir.mkdir(parents=True, exist_ok=True)
        name = "".join(c if c.isalnum() or c in "-_." else "-" for c in self.stage.scene.name)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = self.shots_dir / f"{name}-{stamp}-{len(self.shots) + 1:03d}.png"
        toast, self.stage.toast = self.stage.toast, None
        self.stage.draw(self.screen)
        self.stage.toast = toast
        save_surface(self.screen, path)
        self.shots.append(path)
        print(f"screenshot: {path}", flush=True)
        self._say(f"saved {path.name}")
        return path

    # -- the loop ----------------------------------------------------------------------------
    def tick(self, dt_wall: float) -> None:
        """One frame: events from the script, data from the runs, the clock, then drawing."""
        while self.script and self.script[0][0] <= self.frame:
            pygame.event.post(self.script.pop(0)[1])
        self._ingest()
        st = self.stage
        tls = st.timelines
        avail = max((tl.t_available for tl in tls), default=0.0)
        if not st.paused:
            if st.speed is None:
                self.clock_t = avail
            else:
                self.clock_t = min(self.clock_t + dt_wall * st.speed, avail)
        now = time.monotonic()
        for i, (pane, tl) in enumerate(zip(st.panes, tls)):
            tl.seek(self.clock_t)
            if tl.flash_serial != self._flash_seen[i]:
                self._flash_seen[i] = tl.flash_serial
                self._flash_at[i] = now
            pane.flash_alpha = max(0.0, 1.0 - (now - self._flash_at[i]) / _FLASH_S)
        waiting = [tl for tl in tls if not tl.ended and tl.t_s >= tl.t_available - 1e-9]
        st.status = "simulating..." if waiting and not st.paused else ""
        if st.toast and now > self.toast_until:
            st.toast = None
        st.draw(self.screen)
        self.frame += 1

    def present(self) -> None:
        """Show the frame: only the rectangles that moved, or all of it when more changed
        (and every second, as a safety net)."""
        dirty = self.stage.dirty
        if dirty is None or self.frame % self.fps == 0:
            pygame.display.flip()
        elif dirty:
            pygame.display.update(dirty)

    def run(self, max_frames: int | None = None) -> int:
        """Run until the user quits (or ``max_frames``); returns 0."""
        clock = pygame.time.Clock()
        try:
            while self.running:
                dt = clock.tick(self.fps) / 1000.0
                for ev in pygame.event.get():
                    self.handle(ev)
                if not self.running:
                    break
                self.tick(dt)
                self.present()
                if max_frames is not None and self.frame >= max_frames:
                    break
        finally:
            if self.live is not None:
                self.live.close()
        return 0


def parse_script(text: str) -> list:
    """``"30:s,90:q"`` -> key presses at frames 30 and 90 (for tests and demos)."""
    out = []
    for item in filter(None, (p.strip() for p in text.split(","))):
        frame, _, key = item.partition(":")
        try:
            code = pygame.key.key_code(key)
            at = int(frame)
        except ValueError:
            raise ValueError(f"expected FRAME:KEY items such as '30:s', got {item!r}") from None
        out.append((at, pygame.event.Event(pygame.KEYDOWN, key=code, mod=0,
                                                   unicode=key, scancode=0)))
    return out
