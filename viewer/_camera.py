"""World-to-screen mapping: centre, zoom and pan over a terrain, north up (no pygame)."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["Camera"]


class Camera:
    """Maps world metres (x east, y north) to pixels of a viewport, north up.

    Parameters
    ----------
    extent_m : (float, float)
        Terrain (width, height) [m].
    cell_size : float
        Cell edge [m] (limits the zoom to a few dozen pixels per cell).
    size : (int, int)
        Viewport (width, height) [px].
    """

    MAX_PX_PER_CELL = 48.0

    def __init__(self, extent_m, cell_size: float, size):
        self.extent_m = (float(extent_m[0]), float(extent_m[1]))
        self.cell_size = float(cell_size)
        self.size = (int(size[0]), int(size[1]))
        self.cx = self.extent_m[0] / 2
        self.cy = self.extent_m[1] / 2
        self.scale = 1.0
        """Pixels per metre."""
        self.fit()

    def key(self) -> tuple:
        """Changes whenever the mapping changes (for caches)."""
        return (self.cx, self.cy, self.scale, self.size)

    def resize(self, size) -> None:
        self.size = (max(int(size[0]), 1), max(int(size[1]), 1))

    def fit(self) -> None:
        """Show the whole terrain, centred, with a small margin."""
        w, h = self.size
        self.scale = 0.96 * min(w / self.extent_m[0], h / self.extent_m[1])
        self.cx, self.cy = self.extent_m[0] / 2, self.extent_m[1] / 2

    def min_scale(self) -> float:
        w, h = self.size
        return 0.25 * min(w / self.extent_m[0], h / self.extent_m[1])

    def to_screen(self, x, y):
        """World (x, y) [m] (scalars or arrays) to viewport pixels (floats)."""
        w, h = self.size
        return (w / 2 + (np.asarray(x) - self.cx) * self.scale,
                h / 2 - (np.asarray(y) - self.cy) * self.scale)

    def to_world(self, px, py):
        """Viewport pixels to world (x, y) [m]."""
        w, h = self.size
        return (self.cx + (px - w / 2) / self.scale, self.cy - (py - h / 2) / self.scale)

    def zoom_at(self, px: float, py: float, factor: float) -> None:
        """Zoom by ``factor`` keeping the world point under pixel (px, py) where it is."""
        wx, wy = self.to_world(px, py)
        s = min(max(self.scale * factor, self.min_scale()), self.MAX_PX_PER_CELL / self.cell_size)
        self.scale = s
        w, h = self.size
        self.cx = wx - (px - w / 2) / s
        self.cy = wy + (py - h / 2) / s
        self._clamp()

    def pan(self, dx_px: float, dy_px: float) -> None:
        """Move the view by a mouse drag of (dx, dy) pixels (the ground follows the mouse)."""
        self.cx -= dx_px / self.scale
        self.cy += dy_px / self.scale
        self._clamp()

    def centre_on(self, x: float, y: float) -> None:
        self.cx, self.cy = float(x), float(y)
        self._clamp()

    def _clamp(self) -> None:
        # Keep some of the terrain on screen whatever the user does.
        W, H = self.extent_m
        self.cx = min(max(self.cx, 0.0), W)
        self.cy = min(max(self.cy, 0.0), H)

    def metres_per_pixel(self) -> float:
        return 1.0 / self.scale

    def visible_world(self) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) [m] of the viewport."""
        w, h = self.size
        x0, y1 = self.to_world(0, 0)
        x1, y0 = self.to_world(w, h)
        return x0, y0, x1, y1

    def level(self, max_level: int) -> int:
        """Pyramid level whose texels are about one to two pixels on screen."""
        px_per_cell = self.scale * self.cell_size
        if px_per_cell >= 1.0:
            return 0
        return min(int(math.floor(math.log2(1.0 / px_per_cell))), max_level)
