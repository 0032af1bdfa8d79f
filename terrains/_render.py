"""Hillshade and body-tinted images of a terrain, without pygame (the viewer reuses these)."""

from __future__ import annotations

import math

import numpy as np

from terrains._model import Terrain

__all__ = ["hillshade", "render_rgb", "draw_scale_bar"]


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
               altitude_deg: float = 30.0) -> np.ndarray:
    """A hillshaded, body-tinted picture of a terrain, north up.

    Parameters
    ----------
    terrain : Terrain
        The terrain to draw.
    azimuth_deg, altitude_deg : float
        Sun direction, as for :func:`hillshade`.

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


# 3 x 5 pixel digits and a few letters for the scale-bar label
_GLYPHS = {
    "0": "111101101101111", "1": "010110010010111", "2": "111001111100111",
    "3": "111001111001111", "4": "101101111001001", "5": "111100111001111",
    "6": "111100111101111", "7": "111001001010010", "8": "111101111101111",
    "9": "111101111001111", ".": "000000000000010", "m": "000000110111101",
    "k": "100101110101101", " ": "000000000000000",
}


def _draw_text(img, text, top, left, scale, colour):
    rows, cols = img.shape[:2]
    x = left
    for ch in text:
        bits = _GLYPHS.get(ch)
        if bits is None:
            continue
        for k, bit in enumerate(bits):
            if bit == "1":
                r0, c0 = top + (k // 3) * scale, x + (k % 3) * scale
                img[max(r0, 0):min(r0 + scale, rows), max(c0, 0):min(c0 + scale, cols)] = colour
        x += 4 * scale


def draw_scale_bar(image: np.ndarray, cell_size: float) -> float:
    """Draw a scale bar with tick marks and a label into the bottom-left of ``image``.

    ``image`` is uint8 (rows, cols, 3), one pixel per cell, modified in place. The bar is white
    with a black outline, about a fifth of the width rounded down to 1, 2 or 5 x 10^k metres,
    with ticks at both ends and the middle. Returns the bar length [m] (0 when the image is
    too small to hold one).
    """
    rows, cols = image.shape[:2]
    length_m = _nice_length(0.2 * cols * cell_size)
    px = int(round(length_m / cell_size))
    if px < 4 or rows < 16 or cols < 16:
        return 0.0
    scale = max(1, min(rows, cols) // 256)
    thick = 2 * scale
    margin = 4 * scale
    left = margin
    bottom = rows - margin
    top = bottom - thick
    black = np.array([0, 0, 0], np.uint8)
    white = np.array([255, 255, 255], np.uint8)
    tick = 3 * scale
    ticks = [left, left + px // 2, left + px - 1]
    # outline first, then the bar and ticks on top
    image[max(top - tick - 1, 0):min(bottom + 1, rows), max(left - 1, 0):min(left + px + 1, cols)] \
        = black
    image[top:bottom, left:left + px] = white
    for t in ticks:
        image[top - tick:top, max(t - scale // 2, 0):t - scale // 2 + scale] = white
    label = f"{length_m / 1000:g} km" if length_m >= 1000 else f"{length_m:g} m"
    ltop = top - tick - 7 * scale
    lw = 4 * scale * len(label)
    image[max(ltop - scale, 0):max(top - tick - 1, 0), max(left - 1, 0):min(left + lw, cols)] = black
    _draw_text(image, label, ltop, left, scale, white)
    return length_m
