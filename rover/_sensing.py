"""Compiled sensing kernel (private); see :mod:`rover.sensing`."""

from __future__ import annotations

import math

from numba import njit

__all__: list[str] = []


@njit(cache=True, nogil=True)
def _visible(height, h, ex, ey, ez, tx, ty, r, c):
    """Line of sight from the eye (ex, ey, ez) [m] to the ground at the centre of cell (r, c):
    the ray must pass above the terrain at every half-cell sample strictly between them."""
    R, C = height.shape
    tz = height[r, c]
    d = math.hypot(tx - ex, ty - ey)
    n = int(d / (0.5 * h))
    for s in range(1, n):
        f = s / n
        # Stop one cell short of the target: its own height is the target, not an occluder.
        if (1.0 - f) * d < h:
            break
        sx = ex + (tx - ex) * f
        sy = ey + (ty - ey) * f
        rr = int(math.floor(sy / h))
        cc = int(math.floor(sx / h))
        if rr < 0 or rr >= R or cc < 0 or cc >= C:
            continue
        if height[rr, cc] > ez + (tz - ez) * f:
            return False
    return True


@njit(cache=True, nogil=True)
def _sense(height, true_cost, known, seen, h, x, y, heading, range_m, half_fov, near_m,
           sensor_h, use_los, out_cells, out_costs):
    """Reveal what the rover sees from (x, y, heading); returns the number of changed cells.

    A cell is seen when its centre is within ``near_m`` of the rover (the ground under and
    around the body, always known), or within ``range_m``, inside the field of view
    (``half_fov`` [rad], >= pi for all around) and, when ``use_los``, in line of sight
    from a sensor ``sensor_h`` [m] above the ground. Newly seen cells get their true cost in
    ``known``; those whose known cost changed are written to ``out_cells`` (K, 2) int64 and
    ``out_costs`` (K,) float64.
    """
    R, C = known.shape
    reach = max(range_m, near_m)
    r0 = max(int(math.floor((y - reach) / h)), 0)
    r1 = min(int(math.floor((y + reach) / h)), R - 1)
    c0 = max(int(math.floor((x - reach) / h)), 0)
    c1 = min(int(math.floor((x + reach) / h)), C - 1)
    rr0 = min(max(int(math.floor(y / h)), 0), R - 1)
    cc0 = min(max(int(math.floor(x / h)), 0), C - 1)
    ez = height[rr0, cc0] + sensor_h
    k = 0
    for r in range(r0, r1 + 1):
        cy = (r + 0.5) * h
        for c in range(c0, c1 + 1):
            if seen[r, c]:
                continue
            cx = (c + 0.5) * h
            d = math.hypot(cx - x, cy - y)
            vis = False
            if d <= near_m:
                vis = True
            elif d <= range_m:
                ok = True
                if half_fov < math.pi:
                    a = math.atan2(cy - y, cx - x) - heading
                    a -= 2.0 * math.pi * math.floor((a + math.pi) / (2.0 * math.pi))
                    ok = abs(a) <= half_fov
                if ok and use_los:
                    ok = _visible(height, h, x, y, ez, cx, cy, r, c)
                vis = ok
            if vis:
                seen[r, c] = 1
                tc = true_cost[r, c]
                if known[r, c] != tc:
                    known[r, c] = tc
                    out_cells[k, 0] = r
                    out_cells[k, 1] = c
                    out_costs[k] = tc
                    k += 1
    return k
