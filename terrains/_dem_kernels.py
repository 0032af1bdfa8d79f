"""Compiled kernel of the DEM reader (private): filling no-data cells.

No-data cells are impassable whatever height they hold, but the cost map fits planes over
footprint windows that reach into them: a plausible height there (the nearest valid one)
keeps the slopes of the valid cells beside a hole what the ground says, not a cliff down to
a fill value.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__: list[str] = []


@njit(cache=True, nogil=True)
def fill_nodata(z, bad):
    """Fill ``z[r, c]`` (float64 (rows, cols), in place) where ``bad`` (uint8, same shape) is
    set: with the nearest valid height along its row (the western one on a tie), and on a row
    with no valid cell, with the nearest such filled row's heights (the southern one on a
    tie). Returns the number of rows that had no valid cell, or -1 when no cell at all is
    valid (nothing is changed then). Time O(rows * cols)."""
    rows, cols = z.shape
    left = np.empty(cols, np.int64)
    full = np.zeros(rows, np.uint8)
    for r in range(rows):
        last = -1
        for c in range(cols):  # west to east: the nearest valid cell at or west of c
            if bad[r, c] == 0:
                last = c
            left[c] = last
        if last < 0:
            continue
        full[r] = 1
        right = -1
        for c in range(cols - 1, -1, -1):  # east to west: choose the nearer side
            if bad[r, c] == 0:
                right = c
                continue
            lc = left[c]
            if lc < 0 or (right >= 0 and right - c < c - lc):
                z[r, c] = z[r, right]
            else:
                z[r, c] = z[r, lc]
    # Rows without a valid cell take the nearest full row.
    below = np.empty(rows, np.int64)
    last = -1
    for r in range(rows):
        if full[r]:
            last = r
        below[r] = last
    if last < 0:
        return -1
    empty = 0
    above = -1
    for r in range(rows - 1, -1, -1):
        if full[r]:
            above = r
            continue
        empty += 1
        b = below[r]
        src = b if b >= 0 and (above < 0 or r - b <= above - r) else above
        for c in range(cols):
            z[r, c] = z[src, c]
    return empty
