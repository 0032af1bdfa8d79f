"""A stage: one or more runs on the same terrain, side by side, sharing a camera."""

from __future__ import annotations

import math

import pygame

from viewer._camera import Camera
from viewer._render import COLOURS, LAYERS, Fonts, Overlay, PaneView, SceneArt

__all__ = ["Stage", "pane_rects"]

_GAP = 2


def pane_rects(size, n: int) -> list[pygame.Rect]:
    """Equal viewports for ``n`` runs: a row of up to three, then a grid."""
    W, H = size
    cols = n if n <= 3 else math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    w = max((W - _GAP * (cols - 1)) // cols, 1)
    h = max((H - _GAP * (rows - 1)) // rows, 1)
    screen = pygame.Rect(0, 0, max(W, 1), max(H, 1))
    rects = [pygame.Rect((i % cols) * (w + _GAP), (i // cols) * (h + _GAP), w, h).clip(screen)
             for i in range(n)]
    # A window a few pixels across cannot hold every pane and its gaps: a pane left without
    # room is drawn into the corner pixel rather than outside the window.
    return [r if r.width and r.height else pygame.Rect(0, 0, 1, 1) for r in rects]


class Stage:
    """Runs drawn side by side on one terrain, with one camera and one set of layer switches.

    Parameters
    ----------
    scene : rover.io.replay.Scene
    timelines : list of viewer.Timeline
        One per run (the same scene).
    size : (int, int)
        Surface size [px].
    art : SceneArt, optional
        The scene's images, if already made (they take seconds on large terrains).
    """

    def __init__(self, scene, timelines, size=(1280, 800), *, art: SceneArt | None = None):
        self.scene = scene
        self.art = art if art is not None else SceneArt(scene)
        self.panes = [PaneView(self.art, tl) for tl in timelines]
        self.fonts = Fonts()
        self.overlay = Overlay(self.fonts)
        self.size = (int(size[0]), int(size[1]))
        self.rects = pane_rects(self.size, len(self.panes))
        self.cam = Camera(scene.extent_m, scene.cell_size, self.rects[0].size)
        self.layers = {name: True for name, _, _ in LAYERS}
        self.show_help = False
        self.show_legend = len(self.panes) == 1
        """The layer legend (L toggles it); side by side it would cover the right-hand map,
        so compare mode starts with only a one-line hint in its place."""
        self.replay = False
        """True when the runs are played back from recorded files, not simulated now: the
        HUD says so (the window sets it for ``rover view RUN_DIR``)."""
        self.legend_rect: pygame.Rect | None = None
        """Where the legend (or its one-line hint) was drawn last; None when it was not."""
        self.speed: float | None = 1.0
        self.paused = False
        self.toast: str | None = None
        self.status = ""
        self.dirty: list | None = None
        """After :meth:`draw`: the rectangles that differ from the previous frame, or None
        when the whole frame may differ (for ``pygame.display.update``)."""
        self._static_key = None
        self._moved: list = []
        self._legend_was = None

    @property
    def timelines(self):
        return [p.timeline for p in self.panes]

    def resize(self, size) -> None:
        """Keep the view's centre and zoom; re-lay the panes."""
        self.size = (max(int(size[0]), 1), max(int(size[1]), 1))
        self.rects = pane_rects(self.size, len(self.panes))
        self.cam.resize(self.rects[0].size)

    def toggle(self, name: str) -> None:
        self.set_layer(name, not self.layers[name])

    def set_layer(self, name: str, on: bool) -> None:
        if name not in self.layers:
            raise ValueError(f"unknown layer {name!r}; layers: {', '.join(self.layers)}")
        self.layers[name] = bool(on)
        for p in self.panes:
            p.layers[name] = bool(on)

    def pane_at(self, pos) -> tuple[int, tuple[int, int]]:
        """(pane index, position inside it) for a surface position (the nearest pane)."""
        for i, r in enumerate(self.rects):
            if r.collidepoint(pos):
                return i, (pos[0] - r.x, pos[1] - r.y)
        r = self.rects[0]
        return 0, (pos[0] - r.x, pos[1] - r.y)

    def draw(self, surf: pygame.Surface) -> None:
        """Draw the whole frame on ``surf`` (of :attr:`size`)."""
        if surf.get_size() != self.size:
            self.resize(surf.get_size())
        surf.fill(COLOURS["background"])
        moved = []
        for pane, rect in zip(self.panes, self.rects):
            sub = surf.subsurface(rect)
            moved += [r.move(rect.topleft) for r in pane.draw(sub, self.cam, self.fonts)]
            hud = self.overlay.hud(sub, pane, speed=self.speed, paused=self.paused,
                                   status=self.status, replay=self.replay)
            moved.append(hud.move(rect.topleft))
        key = (self.size, self.show_help, self.show_legend, self.toast, tuple(self.layers.items()),
               tuple(p.static_key(self.cam) for p in self.panes))
        screen = surf.get_rect()
        now = [r.clip(screen) for r in moved]
        if key != self._static_key:
            self.dirty = None
        else:
            self.dirty = [r for r in now + self._moved if r.width and r.height]
            # Many or overlapping rectangles cost more to send than one whole frame.
            if sum(r.width * r.height for r in self.dirty) > 0.4 * screen.width * screen.height:
                self.dirty = None
        self._static_key = key
        self._moved = now
        first = surf.subsurface(self.rects[0])
        self.overlay.scale_bar(first, self.cam)
        self.overlay.north_arrow(surf)
        # The legend never covers a rover: it moves to another corner, or gives way to the
        # one-line hint, or (when even that would cover one) is left out of this frame.
        rovers = [p.rover_rect.move(r.topleft).inflate(8, 8) for p, r in zip(self.panes, self.rects)
                  if p.rover_rect is not None]
        self.legend_rect = None
        if self.show_legend:
            self.legend_rect = self.overlay.legend(surf, self.layers, tint=self.scene.tint_rgb,
                                                   avoid=rovers)
        if self.legend_rect is None:
            self.legend_rect = self.overlay.legend_hint(surf, avoid=rovers)
        if self.legend_rect != self._legend_was:
            self.dirty = None  # the legend moved: its old place must be redrawn too
        self._legend_was = self.legend_rect
        if self.show_help:
            self.overlay.help(surf)
        if self.toast:
            self.overlay.toast(surf, self.toast)
