"""Hillshade and body-tinted images of a terrain, without pygame (the viewer reuses these)."""

from __future__ import annotations

import math

import numpy as np

from terrains._model import Terrain

__all__ = ["hillshade", "render_rgb", "draw_scale_bar", "scale_bar_layout"]


def hillshade(height: np.ndarray, cell_size: float, *, azimuth_deg: float = 315.0,
              altitude_deg: float = 30.0) -> np.ndarray:
    """Lambertian shading of a height grid lit by a distant sun.

    Parameters
    ----------
    height : ndarray
        Heights [m], shape (rows, cols), in grid order (row 0 = south).
    cell_size : float
        Cell edge [m].
    azimuth_deg : float
        Direction the light comes from, clockwise from north [deg] (315 = north-west, the
        cartographic convention that makes hills look raised).
    altitude_deg : float
        Sun elevation above the horizon [deg].

    Returns
    -------
    ndarray
        float32 (rows, cols) in [0, 1], in the same (grid) row order as ``height``: the
        cosine of the angle between the surface normal and the sun, 0 in shadow-facing cells.

    Examples
    --------
    >>> import numpy as np
    >>> flat = hillshade(np.zeros((4, 4)), 1.0, altitude_deg=30)
    >>> round(float(flat[0, 0]), 3)  # sin(30 deg)
    0.5
    """
    z = np.asarray(height, dtype=np.float32)
    if z.ndim != 2:
        raise ValueError(f"height must be a 2-d array, got shape {z.shape}")
    if not (math.isfinite(cell_size) and cell_size > 0):
        raise ValueError(f"cell_size must be > 0 metres, got {cell_size!r}")
    rows, cols = z.shape
    # central differences (one-sided at the edges); y grows with the row index (north)
    if rows > 1:
        dzdy = np.gradient(z, axis=0) / np.float32(cell_size)
    else:
        dzdy = np.zeros_like(z)
    if cols > 1:
        dzdx = np.gradient(z, axis=1) / np.float32(cell_size)
    else:
        dzdx = np.zeros_like(z)
    az, alt = math.radians(azimuth_deg), math.radians(altitude_deg)
    sx, sy, sz = math.sin(az) * math.cos(alt), math.cos(az) * math.cos(alt), math.sin(alt)
    # normal (-dzdx, -dzdy, 1) / |.|, dotted with the sun vector
    shade = (np.float32(sz) - np.float32(sx) * dzdx - np.float32(sy) * dzdy)
    shade /= np.sqrt(1.0 + dzdx * dzdx + dzdy * dzdy, dtype=np.float32)
    np.clip(shade, 0.0, 1.0, out=shade)
    return shade.astype(np.float32, copy=False)


def render_rgb(terrain: Terrain, *, azimuth_deg: float = 315.0,
               altitude_deg: float = 30.0, shadows: bool = False,
               shadow_mask: np.ndarray | None = None) -> np.ndarray:
    """A hillshaded, body-tinted picture of a terrain, north up.

    Parameters
    ----------
    terrain : Terrain
        The terrain to draw.
    azimuth_deg, altitude_deg : float
        Sun direction, as for :func:`hillshade`.
    shadows : bool
        Also draw the cast shadows of that Sun (:func:`terrains.shadow`): shadowed ground
        gets the ambient light only. Off by default (the cartographic hillshade).
    shadow_mask : ndarray, optional
        bool (rows, cols) in grid order: a shadow mask computed already (it implies
        ``shadows``).

    Returns
    -------
    ndarray
        uint8 (rows, cols, 3) RGB in image order: row 0 is the NORTH edge (the terrain's last
        grid row), so ``image[::-1]`` is back in grid order. The colour is the body's tint
        (grey Moon, butterscotch Mars) times an ambient-plus-direct light
        ``0.15 + 0.85 * hillshade``, with a gentle darkening of low ground.
    """
    shade = hillshade(terrain.height, terrain.cell_size, azimuth_deg=azimuth_deg,
                      altitude_deg=altitude_deg)
    if shadow_mask is None and shadows:
        from terrains._shadow import shadow

        shadow_mask = shadow(terrain.height, terrain.cell_size, azimuth_deg, altitude_deg)
    if shadow_mask is not None:
        mask = np.asarray(shadow_mask, dtype=bool)
        if mask.shape != shade.shape:
            raise ValueError(f"shadow_mask has shape {mask.shape}, the terrain {shade.shape}")
        shade = np.where(mask, np.float32(0.0), shade)
    light = 0.15 + 0.85 * shade
    z = terrain.height
    lo, hi = np.percentile(z, [1.0, 99.0]) if z.size > 1 else (0.0, 0.0)
    if hi > lo:
        light *= 0.85 + 0.15 * np.clip((z - lo) / (hi - lo), 0.0, 1.0)
    tint = np.asarray(terrain.body.tint_rgb, dtype=np.float32)
    rgb = np.clip(light[::-1, :, None] * tint[None, None, :], 0.0, 255.0)
    return np.ascontiguousarray(rgb + 0.5, dtype=np.float32).astype(np.uint8)


def _nice_length(target_m: float) -> float:
    """The largest 1, 2 or 5 x 10^k not above ``target_m``."""
    if target_m <= 0:
        return 0.0
    exp = math.floor(math.log10(target_m))
    for m in (5.0, 2.0, 1.0):
        if m * 10 ** exp <= target_m:
            return m * 10 ** exp
    return 10 ** exp


# 5 x 7 pixel glyphs ("#" lit) for the scale-bar label: digits, the decimal point, a space and
# the letters of "m", "km" and "cm". Widths vary ("." and " " are narrow); one blank column
# separates glyphs. 3 x 5 glyphs were too small for an "m" (it read as a blob).
_GLYPHS = {
    "0": (".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."),
    "1": ("..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."),
    "2": (".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"),
    "3": ("#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."),
    "4": ("...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."),
    "5": ("#####", "#....", "####.", "....#", "....#", "#...#", ".###."),
    "6": ("..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."),
    "7": ("#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."),
    "8": (".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."),
    "9": (".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."),
    ".": ("..", "..", "..", "..", "..", "##", "##"),
    " ": ("...", "...", "...", "...", "...", "...", "..."),
    "m": (".....", ".....", "##.#.", "#.#.#", "#.#.#", "#.#.#", "#.#.#"),
    "k": ("#....", "#....", "#..#.", "#.#..", "##...", "#.#..", "#..#."),
    "c": (".....", ".....", ".###.", "#....", "#....", "#....", ".###."),
}
_GLYPH_ROWS = 7


def _glyph_bits(ch: str) -> np.ndarray:
    """bool (7, width) bitmap of one glyph."""
    return np.array([[c == "#" for c in row] for row in _GLYPHS[ch]], dtype=bool)


def _text_bitmap(text: str) -> np.ndarray:
    """bool (7, width) bitmap of ``text`` at one pixel per glyph pixel, one blank column
    between glyphs; characters without a glyph are refused (a label must read whole)."""
    missing = sorted(set(text) - set(_GLYPHS))
    if missing:
        raise ValueError(f"no scale-bar glyph for {''.join(missing)!r} in {text!r}")
    parts = []
    for i, ch in enumerate(text):
        if i:
            parts.append(np.zeros((_GLYPH_ROWS, 1), dtype=bool))
        parts.append(_glyph_bits(ch))
    return np.concatenate(parts, axis=1) if parts else np.zeros((_GLYPH_ROWS, 0), bool)


def _scale_bar_label(length_m: float) -> str:
    if length_m >= 1000:
        return f"{length_m / 1000:g} km"
    return f"{length_m:g} m" if length_m >= 1 else f"{length_m * 100:g} cm"


def scale_bar_layout(shape, cell_size: float) -> dict | None:
    """Where :func:`draw_scale_bar` puts its parts on an image of ``shape`` (rows, cols, ...).

    Returns None when the image is too small to hold a readable bar and label, else a dict:
    ``length_m`` (bar length [m]), ``label`` (its text), ``scale`` (pixels per glyph pixel),
    and rectangles ``(top, left, bottom, right)`` in pixels, bottom/right exclusive:
    ``bar`` (the white bar), ``label_box`` (the label's glyph cells) and ``box`` (the black
    plate behind both, which holds every pixel of the label and of the bar).
    """
    rows, cols = shape[:2]
    length_m = _nice_length(0.2 * cols * cell_size)
    px = int(round(length_m / cell_size))
    if px < 4 or rows < 16 or cols < 16:
        return None
    scale = max(1, int(min(rows, cols) / 256 + 0.5))  # glyph pixels 1 px up to 383 px, then 2, ...
    thick = 2 * scale
    margin = 4 * scale
    tick = 3 * scale
    left = margin
    bottom = rows - margin
    top = bottom - thick
    label = _scale_bar_label(length_m)
    lw = _text_bitmap(label).shape[1] * scale
    lh = _GLYPH_ROWS * scale
    ltop = top - tick - scale - lh
    pad = scale
    box = (ltop - pad, left - pad, bottom + pad, max(left + px, left + lw) + pad)
    if box[0] < 0 or box[1] < 0 or box[3] > cols or box[2] > rows:
        return None  # the label would be cut off: no bar rather than an unreadable one
    return {"length_m": length_m, "label": label, "scale": scale,
            "bar": (top, left, bottom, left + px),
            "label_box": (ltop, left, ltop + lh, left + lw),
            "ticks": [left, left + px // 2, left + px - 1], "tick": tick,
            "box": box}


def draw_scale_bar(image: np.ndarray, cell_size: float) -> float:
    """Draw a scale bar with tick marks and a label into the bottom-left of ``image``.

    ``image`` is uint8 (rows, cols, 3), one pixel per cell, modified in place. The bar is white
    on a black plate, about a fifth of the width rounded down to 1, 2 or 5 x 10^k metres,
    with ticks at both ends and the middle, and its length written above it in 5 x 7 pixel
    glyphs (scaled up on large images); the plate holds the whole label. Returns the bar
    length [m] (0, and nothing drawn, when the image is too small to hold bar and label).
    """
    lay = scale_bar_layout(image.shape, cell_size)
    if lay is None:
        return 0.0
    scale = lay["scale"]
    t, l, b, r = lay["box"]
    image[t:b, l:r] = 0
    white = np.array([255, 255, 255], np.uint8)
    top, left, bottom, right = lay["bar"]
    image[top:bottom, left:right] = white
    tick = lay["tick"]
    for x in lay["ticks"]:
        image[top - tick:top, max(x - scale // 2, 0):x - scale // 2 + scale] = white
    lt, ll, lb, lr = lay["label_box"]
    bits = _text_bitmap(lay["label"])
    if scale > 1:
        bits = np.repeat(np.repeat(bits, scale, axis=0), scale, axis=1)
    image[lt:lb, ll:lr][bits] = white
    return lay["length_m"]
