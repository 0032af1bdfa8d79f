"""Bar charts of a ``rover bench`` report: time per plan and cost over the optimum, per planner.

Drawn off-screen with pygame (only ``pygame.font`` is initialised; no window, no audio) into
an RGB array, then written with :func:`terrains.write_png`. pygame is imported inside
:func:`render_chart`, so importing this module costs nothing.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

__all__ = ["render_chart", "write_chart", "PLANNER_COLOURS"]

PLANNER_COLOURS: dict[str, tuple[int, int, int]] = {
    "astar": (31, 119, 180),
    "wastar": (106, 174, 214),
    "dijkstra": (44, 160, 44),
    "dstar_lite": (214, 39, 40),
    "mpgaa": (227, 119, 194),
    "skimage": (148, 103, 189),
    "tcod": (255, 127, 14),
    "pyastar2d": (140, 86, 75),
}
"""Bar colour per planner (RGB); other names get grey."""

_BG = (255, 255, 255)
_INK = (30, 30, 30)
_GRID = (220, 220, 220)


def _pygame():
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    import pygame

    if not pygame.font.get_init():
        pygame.font.init()
    return pygame


def _groups(report: dict):
    """[(workload, [(planner, time_ms, cost_ratio), ...]), ...] for one-shot and Moving AI rows."""
    groups: dict[str, list] = {}
    for r in report.get("results", []):
        if r.get("kind") not in ("plan", "movingai"):
            continue
        ratio = r.get("cost_ratio_max") if r["kind"] == "movingai" else r.get("cost_ratio")
        groups.setdefault(r["workload"], []).append(
            (r["planner"], r.get("time_ms_median"), ratio))
    return list(groups.items())


def render_chart(report: dict, *, height: int = 640) -> np.ndarray:
    """Draw the report's time and cost-ratio bars.

    Parameters
    ----------
    report : dict
        From :func:`rover.bench.run_benchmarks` (or its JSON). One group of bars per
        workload with one-shot plans or Moving AI problems, one bar per planner: on top the
        median time per plan [ms] on a log scale, below the path cost over the optimum
        [%] (Moving AI: the worst problem), zero meaning optimal.
    height : int
        Image height [px]; the width grows with the number of bars.

    Returns
    -------
    numpy.ndarray
        uint8, shape (height, width, 3), RGB, top row first.

    Raises
    ------
    ValueError
        When the report has no one-shot or Moving AI results to draw.
    """
    groups = _groups(report)
    if not groups:
        raise ValueError("report: no one-shot plan or Moving AI results to chart")
    pg = _pygame()
    planners = list(dict.fromkeys(p for _, rows in groups for p, _, _ in rows))
    bar = 14
    gap = 24
    left, right = 70, 20
    group_w = [len(rows) * bar + gap for _, rows in groups]
    width = max(640, left + right + sum(group_w))
    surf = pg.Surface((width, height))
    surf.fill(_BG)
    font = pg.font.Font(None, 18)
    small = pg.font.Font(None, 15)

    def text(s, x, y, f=font, colour=_INK, anchor="topleft", angle=0):
        img = f.render(s, True, colour)
        if angle:
            img = pg.transform.rotate(img, angle)
        rect = img.get_rect(**{anchor: (int(x), int(y))})
        surf.blit(img, rect)

    legend_h = 24
    top = legend_h + 26
    label_h = 70
    panel_h = (height - top - label_h - 40) // 2
    p1 = (top, top + panel_h)                     # time panel y range
    p2 = (top + panel_h + 40, top + 2 * panel_h + 40)  # cost panel

    # Legend.
    x = left
    for p in planners:
        pg.draw.rect(surf, PLANNER_COLOURS.get(p, (128, 128, 128)), (x, 6, 12, 12))
        text(p, x + 16, 5)
        x += 26 + font.size(p)[0]

    # Time panel, log scale.
    times = [t for _, rows in groups for _, t, _ in rows if t and t > 0]
    lo = 10 ** math.floor(math.log10(min(times))) if times else 0.1
    hi = 10 ** math.ceil(math.log10(max(times))) if times else 1.0
    if hi <= lo:
        hi = lo * 10

    def ty(v):
        f = (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
        return p1[1] - f * (p1[1] - p1[0])

    text("time per plan [ms], median (log scale)", left, p1[0] - 20)
    d = lo
    while d <= hi * 1.0001:
        y = ty(d)
        pg.draw.line(surf, _GRID, (left, y), (width - right, y))
        text(f"{d:g}", left - 6, y, small, anchor="midright")
        d *= 10

    # Cost panel, percent over the optimum (symmetric around 0).
    pct = [(r - 1.0) * 100.0 for _, rows in groups for _, _, r in rows if r is not None]
    span = max([abs(v) for v in pct] + [0.1])
    step = 10 ** math.floor(math.log10(span))
    span = math.ceil(span / step) * step
    zero = (p2[0] + p2[1]) / 2

    def cy(v):
        return zero - v / span * (p2[1] - p2[0]) / 2

    text("path cost over the optimum [%] under our rule (below 0: corner cuts)", left,
         p2[0] - 20)
    v = -span
    while v <= span * 1.0001:
        y = cy(v)
        pg.draw.line(surf, (150, 150, 150) if abs(v) < 1e-12 else _GRID, (left, y),
                     (width - right, y))
        text(f"{v:+g}" if v else "0", left - 6, y, small, anchor="midright")
        v += step

    # Bars.
    x = left + gap // 2
    for gi, ((name, rows), w) in enumerate(zip(groups, group_w)):
        for i, (p, t, r) in enumerate(rows):
            colour = PLANNER_COLOURS.get(p, (128, 128, 128))
            bx = x + i * bar
            if t and t > 0:
                y = ty(max(t, lo))
                pg.draw.rect(surf, colour, (bx, y, bar - 2, max(p1[1] - y, 1)))
            if r is not None:
                y = cy((r - 1.0) * 100.0)
                pg.draw.rect(surf, colour, (bx, min(y, zero), bar - 2, max(abs(zero - y), 1)))
            else:
                text("x", bx + (bar - 2) / 2, zero, small, anchor="center")
        # Alternate two label rows so that long names of neighbouring groups do not overlap.
        text(name, x + (w - gap) / 2, p2[1] + 8 + (gi % 2) * 16, small, anchor="midtop")
        x += w
    for y0, y1 in (p1, p2):
        pg.draw.rect(surf, _INK, (left, y0, width - right - left, y1 - y0), 1)
    m = report.get("machine", {})
    rounds = report.get("settings", {}).get("repeat", "")
    text(f"{m.get('cpu', '')}  |  Python {m.get('python', '')}, numpy {m.get('numpy', '')}, "
         f"numba {m.get('numba', '')}  |  rover bench, {rounds} rounds", left, height - 18, small)
    arr = pg.surfarray.array3d(surf)  # (width, height, 3)
    return np.ascontiguousarray(arr.transpose(1, 0, 2), dtype=np.uint8)


def write_chart(path, report: dict, *, height: int = 640) -> Path:
    """Render :func:`render_chart` and write it as a PNG file, atomically; return the path."""
    from terrains import write_png

    write_png(path, render_chart(report, height=height))
    return Path(path)
