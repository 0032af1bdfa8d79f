"""Drawing a run with pygame, on or off screen: layers, HUD, legend, scale bar, north arrow.

The terrain, cost and fog layers are composed once per cell into a grid-sized image (updated
only where the fog lifts) and kept as a pyramid of surfaces, halving each level; a frame
scales the few texels on screen from the level whose texels are one to two pixels. The
scaled background is cached per camera, so a frame where only the rover moves blits it and
draws the vectors that move (plan, driven path, rover, sensor, HUD).

Everything here draws on a surface it is given; the window (:mod:`viewer._app`) and the
off-screen renderer (:mod:`viewer.offscreen`) share it.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pygame

from viewer._camera import Camera

__all__ = ["LAYERS", "SceneArt", "PaneView", "Overlay", "Fonts", "COLOURS"]

#: (name, key, legend text), in drawing order; the key toggles the layer.
LAYERS = (
    ("terrain", "1", "terrain (hillshade)"),
    ("cost", "2", "cost map, red = impassable"),
    ("fog", "3", "fog: not yet seen"),
    ("hazards", "4", "hazard zones"),
    ("sensor", "5", "sensor range and field of view"),
    ("plan", "6", "current plan"),
    ("driven", "7", "path driven"),
    ("markers", "8", "start, waypoints, goal"),
    ("rover", "9", "rover to scale, heading"),
    ("flash", "0", "replan: newly planned cells"),
)

COLOURS = {
    "background": (22, 23, 28),
    "no_terrain": (70, 70, 76),
    "fog": (16, 20, 32),
    "impassable": (205, 25, 60),
    "impassable_dark": (140, 10, 40),
    "cost_lo": (255, 225, 80),
    "cost_hi": (255, 110, 20),
    "hazard": (255, 60, 200),
    "sensor": (120, 220, 255),
    "plan": (40, 230, 255),
    "driven": (255, 196, 40),
    "flash": (255, 255, 255),
    "flash_edge": (255, 60, 220),
    "start": (60, 220, 90),
    "waypoint": (255, 230, 60),
    "goal": (255, 70, 70),
    "rover": (250, 250, 255),
    "rover_front": (255, 90, 30),
    "wheel": (45, 45, 52),
    "outline": (10, 10, 14),
    "text": (235, 238, 245),
    "text_dim": (140, 145, 155),
    "panel": (12, 14, 20, 200),
    "label_plate": (16, 12, 22),
    "good": (90, 230, 120),
    "bad": (255, 110, 90),
}
_FOG_KEEP = 0.28          # fraction of the terrain's colour left visible under the fog
_COST_ALPHA_MAX = 120     # of 255, for the costliest passable ground
_IMPASSABLE_ALPHA = 200
_SHADOW_LIGHT = 0.35      # share of the light left on ground in cast shadow (ambient, roughly)


class Fonts:
    """pygame fonts by size, with a small cache of rendered strings."""

    def __init__(self):
        if not pygame.font.get_init():
            pygame.font.init()
        self._fonts: dict[int, pygame.font.Font] = {}
        self._cache: dict[tuple, pygame.Surface] = {}

    def font(self, size: int) -> pygame.font.Font:
        f = self._fonts.get(size)
        if f is None:
            f = self._fonts[size] = pygame.font.Font(None, size)
        return f

    def text(self, s: str, size: int = 18, colour=COLOURS["text"], bold: bool = False) -> pygame.Surface:
        key = (s, size, colour, bold)
        surf = self._cache.get(key)
        if surf is None:
            if len(self._cache) > 600:
                self._cache.clear()
            f = self.font(size)
            f.set_bold(bold)
            surf = self._cache[key] = f.render(s, True, colour)
            f.set_bold(False)
        return surf


def _to_surface_layout(grid: np.ndarray) -> np.ndarray:
    """Grid order (row 0 south) to pygame surfarray order [x, y] (y 0 = north)."""
    return grid[::-1].swapaxes(0, 1)


class SceneArt:
    """Per-scene static images shared by every pane: terrain colours and cost colours.

    Arrays are in surfarray order ``[x, y]`` with y = 0 the northern edge.
    """

    def __init__(self, scene):
        from terrains import render_rgb

        self.scene = scene
        H, W = scene.height.shape
        self.shape = (H, W)
        terrain = SimpleNamespace(height=scene.height, cell_size=scene.cell_size,
                                  body=SimpleNamespace(tint_rgb=scene.tint_rgb))
        # render_rgb is north up (image order); surfarray wants [x, y].
        self.terrain = np.ascontiguousarray(render_rgb(terrain).swapaxes(0, 1))
        cost = _to_surface_layout(np.asarray(scene.true_cost, dtype=np.float32))
        finite = np.isfinite(cost)
        hi = float(np.percentile(cost[finite], 99.5)) if finite.any() else 2.0
        hi = max(hi, 1.5)
        t = np.clip((np.where(finite, cost, np.float32(1.0)) - 1.0) / np.float32(hi - 1.0), 0.0, 1.0)
        col = np.empty(cost.shape + (3,), dtype=np.uint8)
        for k, (lo_c, hi_c) in enumerate(zip(COLOURS["cost_lo"], COLOURS["cost_hi"])):
            col[..., k] = (lo_c + t * np.float32(hi_c - lo_c)).astype(np.uint8)
        alpha = (t * np.float32(_COST_ALPHA_MAX)).astype(np.uint8)
        del t
        # Impassable ground: a solid red with darker diagonal stripes, clear at any zoom.
        ix, iy = np.nonzero(~finite)
        stripe = ((ix + iy) // 2) % 3 == 0
        col[ix, iy] = COLOURS["impassable"]
        col[ix[stripe], iy[stripe]] = COLOURS["impassable_dark"]
        alpha[ix, iy] = _IMPASSABLE_ALPHA
        self.cost_rgb = col
        self.cost_alpha = alpha
        # The two looks of a cell with the terrain on, made once so that a frame (or a layer
        # toggle) only selects between them: seen ground with its cost, and fogged ground.
        self.lit = _blend_cost(self.terrain, self.cost_rgb, self.cost_alpha)
        self.fogged = _fog(self.terrain)


class PaneView:
    """One run drawn into one viewport: the composed background pyramid, then the vectors.

    Parameters
    ----------
    art : SceneArt
    timeline : viewer.Timeline
    """

    MIN_LEVEL_SIZE = 256

    def __init__(self, art: SceneArt, timeline):
        self.art = art
        self.timeline = timeline
        self.layers = {name: True for name, _, _ in LAYERS}
        self._layer_key = None
        self._levels: list[np.ndarray] = []
        self._surfs: list[pygame.Surface] = []
        self._bg: pygame.Surface | None = None
        self._bg_key = None
        self._version = 0
        self._flash_cache = None
        self._driven_n = 0
        self.flash_alpha = 0.0
        self.label_rects: list = []
        """Plates of the hazard labels drawn last (view pixels)."""
        self.rover_rect: pygame.Rect | None = None
        """Where the rover was drawn last (view pixels), None when it was not."""
        self._sun_key = None
        self._shadow: np.ndarray | None = None
        """bool [x, y] (surfarray order): cast shadow under the timeline's Sun, or None."""

    # -- the composed grid image -----------------------------------------------------------
    def _compose(self, x0, x1, y0, y1, dst: np.ndarray | None = None) -> np.ndarray:
        """Colours of surfarray window [x0:x1, y0:y1] with the layers switched on, written
        into ``dst`` (uint8 [x1 - x0, y1 - y0, 3]) when given."""
        a = self.art
        win = (slice(x0, x1), slice(y0, y1))
        if self.layers["terrain"]:
            plain = a.terrain[win]
            out = a.lit[win] if self.layers["cost"] else plain
            fogged = a.fogged[win] if self.layers["fog"] else None
        else:
            # One colour everywhere: broadcast views, not full-size arrays, until the blend.
            colour = np.array(COLOURS["no_terrain"], np.uint8)
            plain = np.broadcast_to(colour, (x1 - x0, y1 - y0, 3))
            out = (_blend_cost(plain, a.cost_rgb[win], a.cost_alpha[win])
                   if self.layers["cost"] else plain)
            fogged = (np.broadcast_to(_fog(colour), plain.shape) if self.layers["fog"]
                      else None)
        if dst is None:
            dst = np.empty((x1 - x0, y1 - y0, 3), np.uint8)
        if fogged is None:
            dst[...] = out
        else:
            # Unseen ground: a dim terrain without costs, so the fog gives nothing away.
            H = a.shape[0]
            seen = self.timeline.seen[H - y1:H - y0, x0:x1][::-1].T
            dst[...] = fogged
            np.copyto(dst, out, where=seen[..., None] != 0)
        if self._shadow is not None and self.layers["terrain"]:
            # Cast shadows of the run's Sun: the ground there gets a third of its light.
            sh = self._shadow[win]
            dst[sh] = (dst[sh] * np.float32(_SHADOW_LIGHT)).astype(np.uint8)
        return dst

    def _sun_shadow(self) -> tuple | None:
        """Recast the shadows when the timeline's Sun moved; returns the Sun's key."""
        sun = self.timeline.sun
        key = None if sun is None else (round(sun[0], 6), round(sun[1], 6))
        if key != self._sun_key:
            self._sun_key = key
            if key is None:
                self._shadow = None
            else:
                from terrains import shadow

                sc = self.art.scene
                self._shadow = np.ascontiguousarray(
                    _to_surface_layout(shadow(sc.height, sc.cell_size, key[0], key[1])))
        return key

    def _rebuild(self) -> None:
        H, W = self.art.shape
        if not self._levels:
            # The pyramid's arrays and surfaces are made once and rewritten in place after:
            # fresh memory for a 4096^2 terrain costs more than composing into it.
            self._levels = [np.empty((W, H, 3), np.uint8)]
            while max(self._levels[-1].shape[:2]) > self.MIN_LEVEL_SIZE:
                w, h = self._levels[-1].shape[:2]
                self._levels.append(np.empty(((w + 1) // 2, (h + 1) // 2, 3), np.uint8))
            self._surfs = [pygame.Surface(arr.shape[:2], depth=32) for arr in self._levels]
        self._compose(0, W, 0, H, self._levels[0])
        for k in range(1, len(self._levels)):
            self._levels[k][...] = _halve(self._levels[k - 1])
        for arr, surf in zip(self._levels, self._surfs):
            pygame.surfarray.blit_array(surf, arr)
        self.timeline.take_dirty()
        self._version += 1

    def _update(self, r0, r1, c0, c1) -> None:
        H, _ = self.art.shape
        x0, x1, y0, y1 = c0, c1, H - r1, H - r0
        for k in range(len(self._levels)):
            if k == 0:
                win = self._compose(x0, x1, y0, y1)
            else:
                x0, y0 = x0 // 2 * 2, y0 // 2 * 2
                src = self._levels[k - 1][x0:x1, y0:y1]
                win = _halve(src)
                x0, x1, y0, y1 = x0 // 2, x0 // 2 + win.shape[0], y0 // 2, y0 // 2 + win.shape[1]
            self._levels[k][x0:x1, y0:y1] = win
            view = pygame.surfarray.pixels3d(self._surfs[k])
            view[x0:x1, y0:y1] = win
            del view
        self._version += 1

    def refresh(self) -> None:
        """Bring the composed image up to date with the layers and the timeline's fog."""
        key = (self.layers["terrain"], self.layers["cost"], self.layers["fog"],
               self._sun_shadow())
        if key != self._layer_key or not self._surfs:
            self._layer_key = key
            self._rebuild()
            return
        dirty = self.timeline.take_dirty()
        if not dirty:
            return
        if len(dirty) > 1:
            # Several sensing steps in one frame overlap: one bounding window is cheaper than
            # each on its own unless they are far apart.
            r0 = min(d[0] for d in dirty); r1 = max(d[1] for d in dirty)
            c0 = min(d[2] for d in dirty); c1 = max(d[3] for d in dirty)
            if (r1 - r0) * (c1 - c0) <= 2 * sum((d[1] - d[0]) * (d[3] - d[2]) for d in dirty) \
                    or len(dirty) > 64:
                dirty = [(r0, r1, c0, c1)]
        if self.layers["fog"]:
            for d in dirty:
                self._update(*d)

    # -- a frame ---------------------------------------------------------------------------
    def background(self, cam: Camera, fonts: Fonts) -> pygame.Surface:
        """The scaled terrain, cost and fog, plus the hazards, for this camera (cached)."""
        self.refresh()
        key = (cam.key(), self._version, self.layers["hazards"])
        if self._bg is not None and key == self._bg_key:
            return self._bg
        w, h = cam.size
        if self._bg is None or self._bg.get_size() != (w, h):
            self._bg = pygame.Surface((w, h), depth=32)
        bg = self._bg
        bg.fill(COLOURS["background"])
        k = cam.level(len(self._surfs) - 1)
        surf = self._surfs[k]
        Wk, Hk = surf.get_size()
        H, W = self.art.shape
        texel_x = W * self.art.scene.cell_size / Wk
        texel_y = H * self.art.scene.cell_size / Hk
        x0, y0, x1, y1 = cam.visible_world()
        ext_h = H * self.art.scene.cell_size
        sx0 = max(int(math.floor(x0 / texel_x)), 0)
        sx1 = min(int(math.ceil(x1 / texel_x)), Wk)
        sy0 = max(int(math.floor((ext_h - y1) / texel_y)), 0)
        sy1 = min(int(math.ceil((ext_h - y0) / texel_y)), Hk)
        if sx1 > sx0 and sy1 > sy0:
            px0, py0 = cam.to_screen(sx0 * texel_x, ext_h - sy0 * texel_y)
            px1, py1 = cam.to_screen(sx1 * texel_x, ext_h - sy1 * texel_y)
            left, top = int(round(float(px0))), int(round(float(py0)))
            dw, dh = int(round(float(px1))) - left, int(round(float(py1))) - top
            if dw > 0 and dh > 0:
                sub = surf.subsurface((sx0, sy0, sx1 - sx0, sy1 - sy0))
                bg.blit(pygame.transform.scale(sub, (dw, dh)), (left, top))
        if self.layers["hazards"]:
            self._draw_hazards(bg, cam, fonts)
        self._bg_key = key
        return bg

    def _draw_hazards(self, surf, cam, fonts) -> None:
        """Keep-out polygons, translucent, each named by a label on a dark plate.

        The label's text is light on a dark plate edged in the hazard's colour, so it reads on
        the hazard's own fill, on the cost map's red stripes and on bright ground alike. It
        sits at the visible part of the hazard and is kept whole inside the view (a label is
        often wider than its hazard); a hazard wholly out of view has no label. The plates'
        rectangles (view pixels) are kept in :attr:`label_rects` for tests.
        """
        self.label_rects = []
        scene = self.art.scene
        if not scene.hazards:
            return
        w, h = cam.size
        layer = pygame.Surface((w, h), pygame.SRCALPHA)
        labels = []
        for name, poly in scene.hazards:
            pts = np.array(poly, dtype=np.float64)
            sx, sy = cam.to_screen(pts[:, 0], pts[:, 1])
            ring = _int_points(sx, sy)
            if len(ring) < 3:
                continue
            pygame.draw.polygon(layer, (*COLOURS["hazard"], 55), ring)
            pygame.draw.polygon(layer, (*COLOURS["hazard"], 255), ring, 2)
            # The part of the hazard's bounding box in view: no label when there is none.
            bx0, bx1 = max(float(np.min(sx)), 0.0), min(float(np.max(sx)), float(w))
            by0, by1 = max(float(np.min(sy)), 0.0), min(float(np.max(sy)), float(h))
            if bx0 >= bx1 or by0 >= by1:
                continue
            cx = min(max(float(np.mean(sx)), bx0), bx1)
            cy = min(max(float(np.mean(sy)), by0), by1)
            labels.append((name, cx, cy))
        surf.blit(layer, (0, 0))
        for name, cx, cy in labels:
            self.label_rects.append(_label(surf, fonts, name, cx, cy, COLOURS["hazard"]))

    def draw(self, surf: pygame.Surface, cam: Camera, fonts: Fonts) -> list:
        """Draw the whole pane (background, moving layers) on ``surf`` (the pane's size).

        Returns the rectangles (pane coordinates) of what moves from frame to frame (sensor,
        flash, head of the driven path, rover); everything else changes only with the
        camera, the fog, the plan or the layers (see :meth:`static_key`).
        """
        surf.blit(self.background(cam, fonts), (0, 0))
        tl = self.timeline
        L = self.layers
        pose = tl.pose()
        moved = []
        # What lies in the world (sensor wedge, plan, path) is clipped to the map: the
        # wedge reaches past the terrain's edge, and beyond it is the gutter between panes.
        clip = surf.get_clip()
        surf.set_clip(self.map_rect(cam).clip(clip))
        if L["sensor"] and pose is not None:
            moved.append(self._draw_sensor(surf, cam, pose))
        if L["plan"] and len(tl.plan):
            h = self.art.scene.cell_size
            p = tl.plan
            _polyline(surf, cam, (p[:, 1] + 0.5) * h, (p[:, 0] + 0.5) * h, COLOURS["plan"], 2)
        if L["flash"] and self.flash_alpha > 0 and len(tl.flash):
            moved.append(self._draw_flash(surf, cam))
        if L["driven"]:
            d = tl.driven()
            if len(d) > 1:
                _polyline(surf, cam, d[:, 0], d[:, 1], COLOURS["driven"], 2)
                # Only the head changed since the last frame (a rewind redraws everything).
                head = d[max(min(self._driven_n, len(d)) - 2, 0):]
                sx, sy = cam.to_screen(head[:, 0], head[:, 1])
                moved.append(pygame.Rect(int(np.min(sx)) - 4, int(np.min(sy)) - 4,
                                         int(np.ptp(sx)) + 9, int(np.ptp(sy)) + 9))
            self._driven_n = len(d)
        surf.set_clip(clip)
        if L["markers"]:
            self._draw_markers(surf, cam, fonts)
        self.rover_rect = None
        if L["rover"] and pose is not None:
            self.rover_rect = self._draw_rover(surf, cam, pose)
            moved.append(self.rover_rect)
            if L["markers"]:
                moved.append(self._goal_over_rover(surf, cam, pose))
        return [r for r in moved if r is not None]

    def map_rect(self, cam: Camera) -> pygame.Rect:
        """The terrain's extent on screen (view pixels, not clipped to the view)."""
        W, H = self.art.scene.extent_m
        x0, y0 = cam.to_screen(0.0, H)
        x1, y1 = cam.to_screen(W, 0.0)
        x0, y0 = int(round(float(x0))), int(round(float(y0)))
        return pygame.Rect(x0, y0, int(round(float(x1))) - x0, int(round(float(y1))) - y0)

    def _goal_over_rover(self, surf, cam, pose):
        """When the rover covers the goal's marker (on arrival), the goal again on top: a
        hollow ring at the goal, so the rover shows through it, and a flag on a pole above
        it that nothing covers. None when they are apart."""
        sc = self.art.scene
        gx, gy = cam.to_screen(*sc.goal)
        rx, ry = cam.to_screen(pose[0], pose[1])
        half_diag = 0.5 * math.hypot(sc.length_m, sc.width_m) * cam.scale
        d = math.hypot(float(gx) - float(rx), float(gy) - float(ry))
        if d > half_diag + 10:
            return None
        g = (int(round(float(gx))), int(round(float(gy))))
        pygame.draw.circle(surf, COLOURS["outline"], g, 9, 5)
        pygame.draw.circle(surf, COLOURS["goal"], g, 8, 3)
        # The pole starts at the ring's top and clears the rover's drawn body.
        top = g[1] - max(int(math.ceil(d + half_diag)), 14) - 22
        pole = pygame.Rect(g[0] - 1, top, 3, g[1] - 9 - top)
        pygame.draw.rect(surf, COLOURS["outline"], pole.inflate(2, 2))
        pygame.draw.rect(surf, COLOURS["text"], pole)
        flag = [(g[0] + 1, top), (g[0] + 17, top + 6), (g[0] + 1, top + 12)]
        pygame.draw.polygon(surf, COLOURS["goal"], flag)
        pygame.draw.polygon(surf, COLOURS["outline"], flag, 1)
        return pygame.Rect(g[0] - 11, top - 2, 31, g[1] + 11 - top + 2)

    def static_key(self, cam: Camera) -> tuple:
        """Changes whenever something other than the moving parts changed."""
        tl = self.timeline
        return (cam.key(), self._version, tuple(self.layers.items()), id(tl.plan), tl.applied < 1)

    def _draw_sensor(self, surf, cam, pose) -> None:
        sc = self.art.scene
        x, y, th = pose
        r = sc.sensor_range_m
        fov = math.radians(min(sc.sensor_fov_deg, 360.0))
        n = max(8, int(fov / math.radians(6)))
        angles = th - fov / 2 + fov * np.arange(n + 1) / n
        xs = x + r * np.cos(angles)
        ys = y + r * np.sin(angles)
        if fov < 2 * math.pi - 1e-9:
            xs = np.concatenate([[x], xs])
            ys = np.concatenate([[y], ys])
        sx, sy = cam.to_screen(xs, ys)
        pts = np.column_stack([sx, sy])
        w, h = surf.get_size()
        lo = np.maximum(np.floor(pts.min(axis=0)) - 2, [0, 0]).astype(int)
        hi = np.minimum(np.ceil(pts.max(axis=0)) + 2, [w, h]).astype(int)
        if (hi <= lo).any():
            return None
        layer = pygame.Surface(tuple(hi - lo), pygame.SRCALPHA)
        local = _int_points(sx - lo[0], sy - lo[1])
        if len(local) >= 3:
            pygame.draw.polygon(layer, (*COLOURS["sensor"], 38), local)
            pygame.draw.polygon(layer, (*COLOURS["sensor"], 170), local, 1)
        return surf.blit(layer, tuple(lo))

    def _flash_segments(self, cam) -> list:
        """Screen polylines of the cells a replan added to the plan (cached per camera)."""
        key = (cam.key(), self.timeline.flash_serial, id(self.timeline.flash))
        if self._flash_cache is not None and self._flash_cache[0] == key:
            return self._flash_cache[1]
        h = self.art.scene.cell_size
        f = self.timeline.flash
        sx, sy = cam.to_screen((f[:, 1] + 0.5) * h, (f[:, 0] + 0.5) * h)
        ix = np.rint(np.clip(sx, -_LIM, _LIM)).astype(np.int64)
        iy = np.rint(np.clip(sy, -_LIM, _LIM)).astype(np.int64)
        # Runs of neighbouring cells make one polyline each.
        gaps = (np.nonzero(np.abs(np.diff(f, axis=0)).max(axis=1) > 1)[0] + 1).tolist() if len(f) > 1 else []
        pts = list(zip(ix.tolist(), iy.tolist()))
        bounds = [0, *gaps, len(pts)]
        segs = [pts[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
        self._flash_cache = (key, segs)
        return segs

    def _draw_flash(self, surf, cam) -> None:
        a = self.flash_alpha
        width = max(2, int(round(2 + 6 * a)))
        edge = _mix(COLOURS["flash_edge"], COLOURS["plan"], 1 - a)
        core = _mix(COLOURS["flash"], COLOURS["plan"], 1 - a)
        rects = []
        # A lone changed cell is drawn as that cell, to scale (at least 5 px so it shows),
        # in the line's colours, rather than as a disc many cells wide.
        side = max(5, int(round(self.art.scene.cell_size * cam.scale)))
        for seg in self._flash_segments(cam):
            if len(seg) == 1:
                cell = pygame.Rect(0, 0, side, side)
                cell.center = seg[0]
                rects.append(pygame.draw.rect(surf, COLOURS["outline"], cell.inflate(2, 2)))
                pygame.draw.rect(surf, edge, cell)
                if side >= 7:
                    pygame.draw.rect(surf, core, cell.inflate(-4, -4))
                continue
            rects.append(pygame.draw.lines(surf, COLOURS["outline"], False, seg, width + 4))
            pygame.draw.lines(surf, edge, False, seg, width + 2)
            pygame.draw.lines(surf, core, False, seg, max(1, width - 2))
        return rects[0].unionall(rects[1:]) if rects else None

    def _draw_markers(self, surf, cam, fonts) -> None:
        sc = self.art.scene
        tol = sc.goal_tolerance_m * cam.scale
        gx, gy = cam.to_screen(*sc.goal)
        g = (int(round(float(gx))), int(round(float(gy))))
        if tol >= 4:
            pygame.draw.circle(surf, COLOURS["goal"], g, int(tol), 1)
        pygame.draw.circle(surf, COLOURS["outline"], g, 10)
        pygame.draw.circle(surf, COLOURS["goal"], g, 9)
        pygame.draw.circle(surf, (255, 255, 255), g, 6)
        pygame.draw.circle(surf, COLOURS["goal"], g, 3)
        for i, wp in enumerate(sc.waypoints):
            wx, wy = cam.to_screen(*wp)
            c = (int(round(float(wx))), int(round(float(wy))))
            d = 9
            diamond = [(c[0], c[1] - d), (c[0] + d, c[1]), (c[0], c[1] + d), (c[0] - d, c[1])]
            pygame.draw.polygon(surf, COLOURS["waypoint"], diamond)
            pygame.draw.polygon(surf, COLOURS["outline"], diamond, 2)
            t = fonts.text(str(i + 1), 16, COLOURS["outline"], bold=True)
            surf.blit(t, (c[0] - t.get_width() // 2, c[1] - t.get_height() // 2 + 1))
        sx, sy = cam.to_screen(*sc.start)
        s = (int(round(float(sx))), int(round(float(sy))))
        pygame.draw.circle(surf, COLOURS["outline"], s, 9)
        pygame.draw.circle(surf, COLOURS["start"], s, 8)
        t = fonts.text("S", 16, COLOURS["outline"], bold=True)
        surf.blit(t, (s[0] - t.get_width() // 2, s[1] - t.get_height() // 2 + 1))

    def _draw_rover(self, surf, cam, pose) -> None:
        sc = self.art.scene
        x, y, th = pose
        c, s = math.cos(th), math.sin(th)
        hl, hw = sc.length_m / 2, sc.width_m / 2
        local = [(hl, hw), (hl, -hw), (-hl, -hw), (-hl, hw)]
        xs = np.array([x + a * c - b * s for a, b in local])
        ys = np.array([y + a * s + b * c for a, b in local])
        sx, sy = cam.to_screen(xs, ys)
        body = _int_points(sx, sy)
        size_px = sc.length_m * cam.scale
        cx, cy = cam.to_screen(x, y)
        cx, cy = float(cx), float(cy)
        if size_px >= 8:
            if size_px >= 24:
                # Six wheels, three a side, at the footprint's edges.
                wl, ww = sc.length_m / 5, sc.width_m / 7
                for a in (-hl + wl / 2, 0.0, hl - wl / 2):
                    for b in (-hw + ww / 2, hw - ww / 2):
                        wx = [x + (a + da) * c - (b + db) * s for da, db in
                              ((wl / 2, ww / 2), (wl / 2, -ww / 2), (-wl / 2, -ww / 2), (-wl / 2, ww / 2))]
                        wy = [y + (a + da) * s + (b + db) * c for da, db in
                              ((wl / 2, ww / 2), (wl / 2, -ww / 2), (-wl / 2, -ww / 2), (-wl / 2, ww / 2))]
                        pygame.draw.polygon(surf, COLOURS["wheel"],
                                            _int_points(*cam.to_screen(np.array(wx), np.array(wy))))
                deck = [(hl * 0.92, hw * 0.7), (hl * 0.92, -hw * 0.7),
                        (-hl * 0.92, -hw * 0.7), (-hl * 0.92, hw * 0.7)]
                dx = np.array([x + a * c - b * s for a, b in deck])
                dy = np.array([y + a * s + b * c for a, b in deck])
                pygame.draw.polygon(surf, COLOURS["outline"], body, 1)
                pygame.draw.polygon(surf, COLOURS["rover"], _int_points(*cam.to_screen(dx, dy)))
                pygame.draw.polygon(surf, COLOURS["outline"], _int_points(*cam.to_screen(dx, dy)), 2)
            else:
                pygame.draw.polygon(surf, COLOURS["rover"], body)
                pygame.draw.polygon(surf, COLOURS["outline"], body, 2)
            # Front: a wedge on the leading third of the body.
            fx = [x + hl * c, x + hl / 3 * c - hw * 0.8 * s, x + hl / 3 * c + hw * 0.8 * s]
            fy = [y + hl * s, y + hl / 3 * s + hw * 0.8 * c, y + hl / 3 * s - hw * 0.8 * c]
            front = _int_points(*cam.to_screen(np.array(fx), np.array(fy)))
            pygame.draw.polygon(surf, COLOURS["rover_front"], front)
        else:
            # Too small to read at this zoom: the footprint outline to scale, plus a marker
            # of fixed size pointing along the heading.
            r = 11.0
            tip = (cx + r * c, cy - r * s)
            left = (cx - 0.7 * r * c - 0.6 * r * s, cy + 0.7 * r * s - 0.6 * r * c)
            right = (cx - 0.7 * r * c + 0.6 * r * s, cy + 0.7 * r * s + 0.6 * r * c)
            back = (cx - 0.3 * r * c, cy + 0.3 * r * s)
            arrow = [tip, left, back, right]
            pygame.draw.polygon(surf, COLOURS["rover"], arrow)
            pygame.draw.polygon(surf, COLOURS["outline"], arrow, 2)
            pygame.draw.circle(surf, COLOURS["rover_front"], (int(round(cx)), int(round(cy))), 2)
            if size_px >= 2:
                pygame.draw.polygon(surf, COLOURS["rover_front"], body, 1)
        xs = [p[0] for p in body] + [cx - 14, cx + 14]
        ys = [p[1] for p in body] + [cy - 14, cy + 14]
        x0, y0 = int(min(xs)) - 3, int(min(ys)) - 3
        return pygame.Rect(x0, y0, int(max(xs)) - x0 + 4, int(max(ys)) - y0 + 4)


def _blend_cost(rgb: np.ndarray, cost_rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """``rgb`` with the cost colours laid over it (uint8 [x, y, 3])."""
    out = np.empty(np.broadcast_shapes(rgb.shape, cost_rgb.shape), np.uint8)
    # In slabs of columns: whole-image uint16 temporaries of a 4096^2 terrain are hundreds of
    # MB, and touching fresh memory cost more than the arithmetic.
    step = max(1, (1 << 18) // max(out.shape[1], 1))
    for i in range(0, out.shape[0], step):
        sl = slice(i, i + step)
        al = alpha[sl, :, None].astype(np.uint16)
        x = rgb[sl].astype(np.uint16) * (255 - al)
        x += cost_rgb[sl].astype(np.uint16) * al
        # x // 255, exactly for 0 <= x <= 255 * 255, without numpy's slow integer division.
        x += (x >> 8) + 1
        x >>= 8
        out[sl] = x
    return out


def _fog(rgb: np.ndarray) -> np.ndarray:
    """``rgb`` under the fog: :data:`_FOG_KEEP` of its colour, the rest the fog's."""
    keep = int(_FOG_KEEP * 256)
    fog = np.array(COLOURS["fog"], np.uint16)
    return ((rgb.astype(np.uint16) * keep + fog * (256 - keep)) >> 8).astype(np.uint8)


def _halve(a: np.ndarray) -> np.ndarray:
    """Average 2 x 2 blocks of a [x, y, 3] uint8 image (odd edges padded by repetition)."""
    w, h = a.shape[:2]
    if w % 2 or h % 2:
        a = np.pad(a, ((0, w % 2), (0, h % 2), (0, 0)), mode="edge")
    # In place on one uint16 quarter-size buffer: half the time of widening the whole image.
    s = a[0::2, 0::2].astype(np.uint16)
    s += a[1::2, 0::2]
    s += a[0::2, 1::2]
    s += a[1::2, 1::2]
    s += 2
    s >>= 2
    return s.astype(np.uint8)


def _label(surf, fonts, text: str, cx: float, cy: float, edge) -> pygame.Rect:
    """``text`` in light letters on a dark plate edged with ``edge``, centred on (cx, cy) but
    moved as little as needed to lie whole inside ``surf`` (2 px from its sides); returns the
    plate's rectangle."""
    t = fonts.text(text, 16, COLOURS["text"])
    pw, ph = t.get_width() + 8, t.get_height() + 4
    W, H = surf.get_size()
    x = int(round(cx - pw / 2))
    y = int(round(cy - ph / 2))
    x = min(max(x, 2), max(W - pw - 2, 0))
    y = min(max(y, 2), max(H - ph - 2, 0))
    rect = pygame.Rect(x, y, pw, ph)
    plate = pygame.Surface((pw, ph), pygame.SRCALPHA)
    plate.fill((*COLOURS["label_plate"], 225))
    pygame.draw.rect(plate, (*edge, 255), plate.get_rect(), 1)
    surf.blit(plate, rect.topleft)
    surf.blit(t, (x + 4, y + 2))
    return rect


def _mix(a, b, f):
    return tuple(int(round(a[i] + (b[i] - a[i]) * f)) for i in range(3))


_LIM = 1.0e6


def _int_points(sx, sy) -> list[tuple[int, int]]:
    sx = np.clip(np.asarray(sx, dtype=np.float64), -_LIM, _LIM)
    sy = np.clip(np.asarray(sy, dtype=np.float64), -_LIM, _LIM)
    return list(zip(np.rint(sx).astype(int).tolist(), np.rint(sy).astype(int).tolist()))


def _polyline(surf, cam, xs, ys, colour, width) -> None:
    """A world polyline, outlined in black for contrast, with points closer than a pixel merged."""
    sx, sy = cam.to_screen(np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64))
    ix = np.rint(np.clip(sx, -_LIM, _LIM)).astype(np.int64)
    iy = np.rint(np.clip(sy, -_LIM, _LIM)).astype(np.int64)
    if len(ix) > 2:
        keep = np.ones(len(ix), dtype=bool)
        keep[1:] = (np.diff(ix) != 0) | (np.diff(iy) != 0)
        keep[-1] = True
        ix, iy = ix[keep], iy[keep]
    pts = list(zip(ix.tolist(), iy.tolist()))
    if len(pts) < 2:
        return
    pygame.draw.lines(surf, COLOURS["outline"], False, pts, width + 2)
    pygame.draw.lines(surf, colour, False, pts, width)


# ----------------------------------------------------------------------------------------------
# Overlays: HUD, legend, scale bar, north arrow, help


def _panel(size, alpha=200) -> pygame.Surface:
    p = pygame.Surface(size, pygame.SRCALPHA)
    p.fill((*COLOURS["panel"][:3], alpha))
    pygame.draw.rect(p, (255, 255, 255, 40), p.get_rect(), 1)
    return p


def fmt_time(t: float) -> str:
    t = max(float(t), 0.0)
    h, rem = divmod(int(t), 3600)
    m, s = divmod(rem, 60)
    return f"{h:d}:{m:02d}:{s:02d}" if h else f"{m:d}:{s:02d}"


def fmt_sun(sun) -> str:
    """The HUD's Sun line: local solar time (hh:mm of the local solar day), elevation and
    azimuth; a fixed Sun has no clock."""
    az, el, lst = sun
    if lst != lst:  # NaN: a fixed Sun
        clock = "fixed Sun"
    else:
        minutes = int(round(lst * 60.0)) % (24 * 60)
        clock = f"local solar time {minutes // 60:02d}:{minutes % 60:02d}"
    return f"{clock}   Sun el {el:.1f}°  az {az:.0f}°"


def fmt_speed(speed: float | None) -> str:
    if speed is None:
        return "max"
    return f"{speed:g}x"


def _planner_label(name: str) -> str:
    """The planner's display name (its registry label: "D* Lite"), else its name."""
    from rover.planners import PlannerError, get

    try:
        return get(name).display
    except PlannerError:
        return name


class Overlay:
    """HUD, legend, scale bar, north arrow and the help panel."""

    def __init__(self, fonts: Fonts):
        self.fonts = fonts
        self._panels: dict[tuple, pygame.Surface] = {}

    def panel(self, size, alpha=200):
        key = (size, alpha)
        p = self._panels.get(key)
        if p is None:
            if len(self._panels) > 32:
                self._panels.clear()
            p = self._panels[key] = _panel(size, alpha)
        return p

    def hud(self, surf, view: PaneView, *, speed, paused: bool | None, status: str = "",
            replay: bool = False) -> pygame.Rect:
        """The figures of one pane's run, top left; returns the panel's rectangle.

        ``replay`` says the run is played back from a recorded file (not being simulated):
        the panel then says so under the scenario's name.
        """
        tl = view.timeline
        sc = view.art.scene
        f = self.fonts
        row = tl.row()
        fig = tl.figures
        energy = float(row[7]) if row is not None else 0.0
        lines = [(f"{sc.name}", COLOURS["text"], True),
                 (f"{sc.rover}  ·  {_planner_label(tl.label)}", COLOURS["plan"], True)]
        if replay:
            lines.insert(1, ("REPLAY of a recorded run", COLOURS["waypoint"], True))
        # paused is None for a still picture (--png, --frames): no playback state to show.
        play = "" if paused is None else "   (paused)" if paused else f"   ({fmt_speed(speed)})"
        lines.append((f"sim time  {fmt_time(tl.t_s)}{play}", COLOURS["text"], False))
        if tl.sun is not None:
            lines.append((fmt_sun(tl.sun), COLOURS["text"], False))
        lines.append((f"distance  {tl.distance_m():.1f} m", COLOURS["text"], False))
        lines.append((f"energy  {energy:.1f} Wh", COLOURS["text"], False))
        if "battery_wh" in fig:
            cap = fig.get("battery_capacity_wh") or 0.0
            pct = f" ({100.0 * fig['battery_wh'] / cap:.0f} %)" if cap > 0 else ""
            lines.append((f"battery  {fig['battery_wh']:.1f} / {cap:.0f} Wh{pct}",
                          COLOURS["text"], False))
        lines.append((f"replans  {fig.get('replans', 0):,}   planner total "
                      f"{fig.get('planner_time_s', 0.0):.2f} s", COLOURS["text"], False))
        lp = tl.last_replan
        if lp is not None:
            lines.append((f"last plan  {lp[1]:.1f} ms, {int(lp[2]):,} nodes", COLOURS["text"], False))
        else:
            lines.append(("last plan  -", COLOURS["text_dim"], False))
        if tl.error:
            lines.append((f"error: {tl.error}"[:70], COLOURS["bad"], True))
        elif tl.finished and tl.summary:
            out = tl.summary.get("outcome", "?")
            lines.append((f"outcome  {out}", COLOURS["good"] if out == "reached" else COLOURS["bad"], True))
        elif status:
            lines.append((status, COLOURS["text_dim"], False))
        surfs = [f.text(s, 18, c, b) for s, c, b in lines]
        w = max(s.get_width() for s in surfs) + 20
        h = sum(s.get_height() + 3 for s in surfs) + 14
        rect = surf.blit(self.panel((w, h)), (8, 8))
        y = 15
        for s in surfs:
            surf.blit(s, (18, y))
            y += s.get_height() + 3
        return rect

    def legend(self, surf, layers: dict, tint, *, avoid=()) -> pygame.Rect | None:
        """The layers, their keys and whether they are on; ``tint`` (r, g, b) is the body's
        terrain colour, for the terrain swatch.

        The legend goes bottom right, else top right under the north arrow, else bottom left
        above the scale bar: the first place where it covers none of the rectangles in
        ``avoid`` (the rover). In a small window (under 1100 x 700 px) it is drawn smaller.
        When no place is free it is not drawn and None is returned (the caller shows
        :meth:`legend_hint` instead); else its rectangle.
        """
        f = self.fonts
        W, H = surf.get_size()
        compact = W < 1100 or H < 700
        size, lh, sw = (13, 15, 16) if compact else (16, 19, 22)
        rows = []
        for name, key, text in LAYERS:
            on = layers.get(name, True)
            rows.append((key, name, text + ("" if on else "  (off)"), on))
        texts = [f.text(f"{k}  {t}", size, COLOURS["text"] if on else COLOURS["text_dim"])
                 for k, _, t, on in rows]
        foot = f.text("H: help   L: hide" if compact else "H: help, keys and mouse   L: hide",
                      size, COLOURS["text_dim"])
        w = max(max(t.get_width() for t in texts), foot.get_width()) + sw + 24
        h = lh * len(rows) + foot.get_height() + 20
        rect = self._place((w, h), (W, H), avoid)
        if rect is None:
            return None
        x0, y0 = rect.topleft
        surf.blit(self.panel((w, h)), (x0, y0))
        y = y0 + 8
        for (key, name, _, on), t in zip(rows, texts):
            self._swatch(surf, name, pygame.Rect(x0 + 10, y + 2, sw, lh - 7), on, tint)
            surf.blit(t, (x0 + 16 + sw, y))
            y += lh
        surf.blit(foot, (x0 + 10, y + 4))
        return rect

    @staticmethod
    def _place(size, surf_size, avoid) -> pygame.Rect | None:
        """The first corner slot (see :meth:`legend`) where a panel of ``size`` fits the
        surface and covers nothing in ``avoid``; None if there is none."""
        w, h = size
        W, H = surf_size
        for x, y in ((W - w - 8, H - h - 8),        # bottom right
                     (W - w - 8, 8 + 62 + 8),       # top right, under the north arrow
                     (8, H - h - 8 - 44 - 8)):      # bottom left, above the scale bar
            r = pygame.Rect(x, y, w, h)
            if x >= 0 and y >= 0 and r.bottom <= H and not any(r.colliderect(a) for a in avoid):
                return r
        return None

    def legend_hint(self, surf, *, avoid=()) -> pygame.Rect | None:
        """In place of the legend: one line saying how to bring it back, bottom right (or
        where :meth:`legend` would move to, to keep off the rectangles in ``avoid``)."""
        t = self.fonts.text("L: legend   H: help", 16, COLOURS["text_dim"])
        w, h = t.get_width() + 20, t.get_height() + 10
        rect = self._place((w, h), surf.get_size(), avoid)
        if rect is None:
            return None
        surf.blit(self.panel((w, h)), rect.topleft)
        surf.blit(t, (rect.x + 10, rect.y + 5))
        return rect

    def _swatch(self, surf, name, r: pygame.Rect, on: bool, tint) -> None:
        c = COLOURS
        dim = (lambda col: _mix(col, (60, 60, 60), 0.6)) if not on else (lambda col: col)
        if name == "terrain":
            # The body's tint from shadow to light, as the hillshade draws it (grey on the Moon).
            for i in range(r.width):
                f = (90 + 120 * i / r.width) / 210.0
                col = tuple(min(255, int(v * f)) for v in tint)
                pygame.draw.line(surf, dim(col), (r.x + i, r.y), (r.x + i, r.bottom - 1))
        elif name == "cost":
            w3 = r.width // 3
            pygame.draw.rect(surf, dim(c["cost_lo"]), (r.x, r.y, w3, r.height))
            pygame.draw.rect(surf, dim(c["cost_hi"]), (r.x + w3, r.y, w3, r.height))
            pygame.draw.rect(surf, dim(c["impassable"]), (r.x + 2 * w3, r.y, r.width - 2 * w3, r.height))
        elif name == "fog":
            pygame.draw.rect(surf, dim((50, 54, 66)), r)
        elif name == "hazards":
            pygame.draw.rect(surf, dim(_mix(c["hazard"], (0, 0, 0), 0.6)), r)
            pygame.draw.rect(surf, dim(c["hazard"]), r, 2)
        elif name == "sensor":
            wedge = [(r.x, r.centery), (r.right, r.y), (r.right, r.bottom)]
            pygame.draw.polygon(surf, dim(c["sensor"]), wedge, 1)
        elif name in ("plan", "driven"):
            pygame.draw.line(surf, dim(c[name]), (r.x, r.centery), (r.right, r.centery), 3)
        elif name == "markers":
            pygame.draw.circle(surf, dim(c["start"]), (r.x + 4, r.centery), 4)
            pygame.draw.circle(surf, dim(c["waypoint"]), (r.centerx, r.centery), 4)
            pygame.draw.circle(surf, dim(c["goal"]), (r.right - 4, r.centery), 4)
        elif name == "rover":
            pygame.draw.rect(surf, dim(c["rover"]), (r.x + 3, r.y + 1, r.width - 6, r.height - 2))
            pygame.draw.rect(surf, dim(c["rover_front"]), (r.right - 8, r.y + 1, 5, r.height - 2))
        elif name == "flash":
            # A changed stretch of plan (a line) and a lone changed cell (a small square).
            pygame.draw.line(surf, dim(c["flash_edge"]), (r.x, r.centery), (r.right - 9, r.centery), 5)
            pygame.draw.line(surf, dim(c["flash"]), (r.x, r.centery), (r.right - 9, r.centery), 1)
            pygame.draw.rect(surf, dim(c["flash_edge"]), (r.right - 5, r.centery - 2, 5, 5))

    def scale_bar(self, surf, cam: Camera) -> None:
        """A scale bar bottom left: 1, 2 or 5 x 10^k metres, about 150 px."""
        target = 150.0 / cam.scale
        exp = math.floor(math.log10(target))
        length = 10 ** exp
        for m in (5.0, 2.0, 1.0):
            if m * 10 ** exp <= target:
                length = m * 10 ** exp
                break
        px = int(round(length * cam.scale))
        if length >= 1000:
            label = f"{length / 1000:g} km"
        else:
            label = f"{length:g} m" if length >= 1 else f"{length * 100:g} cm"
        t = self.fonts.text(label, 18)
        W, H = surf.get_size()
        x0, y0 = 16, H - 22
        surf.blit(self.panel((px + 24, 44), 170), (x0 - 10, y0 - 30))
        pygame.draw.rect(surf, COLOURS["outline"], (x0 - 1, y0 - 1, px + 2, 8))
        pygame.draw.rect(surf, COLOURS["text"], (x0, y0, px // 2, 6))
        pygame.draw.rect(surf, (90, 90, 96), (x0 + px // 2, y0, px - px // 2, 6))
        surf.blit(t, (x0, y0 - 22))

    def north_arrow(self, surf) -> None:
        W, _ = surf.get_size()
        cx, cy = W - 32, 44
        surf.blit(self.panel((44, 62), 170), (cx - 22, cy - 36))
        pygame.draw.polygon(surf, COLOURS["text"], [(cx, cy - 22), (cx - 10, cy + 8), (cx, cy + 2)])
        pygame.draw.polygon(surf, (110, 110, 118), [(cx, cy - 22), (cx + 10, cy + 8), (cx, cy + 2)])
        t = self.fonts.text("N", 18, COLOURS["text"], True)
        surf.blit(t, (cx - t.get_width() // 2, cy + 9))

    def help(self, surf) -> None:
        rows = [
            ("space", "pause / resume"),
            ("right arrow", "step one tick (pauses)"),
            ("+ / -", "playback faster / slower (up to 'max': as fast as it computes)"),
            ("mouse wheel", "zoom about the cursor"),
            ("drag", "pan"),
            ("F", "fit the terrain to the window"),
            ("C", "centre on the rover"),
            ("1 ... 9, 0", "toggle layers (see the legend)"),
            ("L", "show / hide the legend"),
            ("S", "save a screenshot (PNG)"),
            ("R", "restart the playback from the start (at the usual speed if at max)"),
            ("H", "show / hide this help"),
            ("Esc or Q", "quit"),
        ]
        f = self.fonts
        title = f.text("rover view: keys and mouse", 22, COLOURS["text"], True)
        ks = [f.text(k, 18, COLOURS["plan"], True) for k, _ in rows]
        vs = [f.text(v, 18) for _, v in rows]
        kw = max(k.get_width() for k in ks)
        w = kw + max(v.get_width() for v in vs) + 60
        h = 24 * len(rows) + 60
        W, H = surf.get_size()
        x0, y0 = (W - w) // 2, (H - h) // 2
        surf.blit(self.panel((w, h), 230), (x0, y0))
        surf.blit(title, (x0 + 20, y0 + 14))
        y = y0 + 46
        for k, v in zip(ks, vs):
            surf.blit(k, (x0 + 20, y))
            surf.blit(v, (x0 + 40 + kw, y))
            y += 24

    def toast(self, surf, text: str) -> None:
        t = self.fonts.text(text, 18)
        W, H = surf.get_size()
        p = self.panel((t.get_width() + 20, t.get_height() + 12), 220)
        x = (W - p.get_width()) // 2
        surf.blit(p, (x, H - p.get_height() - 12))
        surf.blit(t, (x + 10, H - p.get_height() - 6))
