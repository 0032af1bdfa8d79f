"""Slow, obviously right references for the any-angle tests (pure Python, small grids only).

- :func:`segment_ref`: the line integral and the touched cells of one segment in exact
  rational arithmetic (``fractions.Fraction`` of the float inputs): the segment is cut at
  every crossing of a grid line, each piece lies inside one cell or along one edge (the
  cells whose closed square holds its midpoint), and the cells touched are those holding
  a cut point or a piece's midpoint.
- :func:`shapely_segment`: the same from shapely geometry (segment ∩ square lengths, and
  ``intersects`` for touching), for segments in general position.
- :func:`euclidean_shortest`: the true shortest clear path on a uniform-cost grid, by
  Dijkstra over the visibility graph of blocked-cell corners (shapely for the visibility).
"""

from __future__ import annotations

import heapq
import math
from fractions import Fraction

import numpy as np
from hypothesis import strategies as st

HALF = Fraction(1, 2)


def _cells_at(u, v):
    """Cells (i, j) in shifted coordinates whose closed square [i, i+1] x [j, j+1] holds
    the point (u, v) (Fractions)."""
    def span(x):
        f = math.floor(x)
        return [f - 1, f] if f == x else [f]
    return [(i, j) for i in span(u) for j in span(v)]


def segment_ref(cost, p, q):
    """(cost, touched) for the segment p -> q, (row, col) in cell units.

    ``touched`` maps each touched (row, col) cell (inside or outside the grid) to the
    parameter t (Fraction in [0, 1]) where the segment first touches it; ``cost`` is inf
    when a touched cell is outside the grid or blocked, else the sum over pieces of
    length times the cheaper of the cells holding the piece.
    """
    rows, cols = cost.shape
    u0, v0 = Fraction(p[0]) + HALF, Fraction(p[1]) + HALF
    u1, v1 = Fraction(q[0]) + HALF, Fraction(q[1]) + HALF
    du, dv = u1 - u0, v1 - v0
    ts = {Fraction(0), Fraction(1)}
    for a0, d in ((u0, du), (v0, dv)):
        if d:
            lo, hi = sorted((a0, a0 + d))
            for k in range(math.floor(lo), math.ceil(hi) + 1):
                if lo < k < hi:
                    ts.add((k - a0) / d)
    ts = sorted(ts)
    touched = {}

    def touch(t, point):
        for cell in _cells_at(*point):
            touched.setdefault((cell[0], cell[1]), t)

    at = lambda t: (u0 + t * du, v0 + t * dv)  # noqa: E731
    pieces = []
    for k, t in enumerate(ts):
        touch(t, at(t))
        if k + 1 < len(ts):
            mid = (t + ts[k + 1]) / 2
            touch(t, at(mid))  # first touched at the piece's start
            pieces.append((ts[k + 1] - t, _cells_at(*at(mid))))
    clear = all(0 <= i < rows and 0 <= j < cols and math.isfinite(cost[i, j])
                for i, j in touched)
    if not clear:
        return math.inf, touched
    length = math.sqrt(float(du) ** 2 + float(dv) ** 2)
    total = 0.0
    for dt, cells in pieces:
        total += float(dt) * length * min(float(cost[i, j]) for i, j in cells)
    return total, touched


def polyline_ref(cost, points):
    """Line-integral cost of a polyline by :func:`segment_ref` (inf when one segment is not
    clear; one point: 0 when its cells are inside and passable)."""
    pts = [tuple(p) for p in np.asarray(points, dtype=float)]
    if len(pts) == 1:
        return segment_ref(cost, pts[0], pts[0])[0]
    return sum(segment_ref(cost, a, b)[0] for a, b in zip(pts, pts[1:]))


def supercover_ref(cost, points):
    """Every cell the polyline touches, with its (segment index, first t), for order checks."""
    pts = [tuple(p) for p in np.asarray(points, dtype=float)]
    first = {}
    segs = list(zip(pts, pts[1:])) or [(pts[0], pts[0])]
    for k, (a, b) in enumerate(segs):
        for cell, t in segment_ref(cost, a, b)[1].items():
            first.setdefault(cell, (k, t))
    return first


def shapely_segment(cost, p, q):
    """(cost, clear) of a segment in general position (not along a grid line, not through a
    lattice point) from shapely: the length of the segment inside each cell's square times
    its cost; clear when it intersects no blocked square and stays inside the grid."""
    from shapely.geometry import LineString, box

    rows, cols = cost.shape
    seg = LineString([(p[1], p[0]), (q[1], q[0])])  # shapely (x, y) = (col, row)
    inside = box(-0.5, -0.5, cols - 0.5, rows - 0.5)
    clear = seg.within(inside) and not seg.intersects(inside.exterior)
    total = 0.0
    for r in range(rows):
        for c in range(cols):
            sq = box(c - 0.5, r - 0.5, c + 0.5, r + 0.5)
            if not seg.intersects(sq):
                continue
            if not math.isfinite(cost[r, c]):
                clear = False
            total += seg.intersection(sq).length * cost[r, c] if math.isfinite(cost[r, c]) \
                else 0.0
    return (total if clear else math.inf), clear


def euclidean_shortest(cost, start, goal):
    """Length of the shortest clear path (cell units) from the centre of ``start`` to that of
    ``goal`` on a grid whose passable cells all cost the same (clear: touching no blocked
    cell, even at a point; outside the grid counts as blocked).

    Clear paths cannot touch the obstacles, so the shortest length is an infimum: that of
    paths allowed to run along obstacle edges and through their corners, but not through
    their interiors and not through a "pinch" (a lattice point where only two diagonally
    opposite cells are blocked, which a clear path cannot pass). Such a shortest path bends
    only at obstacle corners, so Dijkstra over the visibility graph of the corners (and the
    two centres) finds it. Returns inf when the goal cannot be reached.
    """
    from shapely.geometry import LineString, Point, box
    from shapely.ops import unary_union

    rows, cols = cost.shape
    if not (math.isfinite(cost[tuple(start)]) and math.isfinite(cost[tuple(goal)])):
        return math.inf
    blocked = np.ones((rows + 2, cols + 2), dtype=bool)  # a frame: outside is blocked
    blocked[1:-1, 1:-1] = ~np.isfinite(cost)
    squares = [box(c - 1.5, r - 1.5, c - 0.5, r - 0.5)
               for r, c in zip(*np.nonzero(blocked))]  # padded index -> cell units
    obstacles = unary_union(squares)
    # Lattice points (cell corners) at (r + 0.5, c + 0.5) for padded r, c in [0, rows], ...
    corners, pinches = [], []
    for r in range(rows + 1):
        for c in range(cols + 1):
            quad = blocked[r:r + 2, c:c + 2]  # the four cells around the point
            n = int(quad.sum())
            point = (r - 0.5, c - 0.5)
            if n == 2 and quad[0, 0] == quad[1, 1]:
                pinches.append(point)
            elif 1 <= n <= 3:
                corners.append(point)
    pinch_points = [Point(c, r) for r, c in pinches]

    def visible(a, b):
        if a == b:
            return True
        seg = LineString([(a[1], a[0]), (b[1], b[0])])
        # Interiors must not meet (running along edges and touching corners is allowed).
        if obstacles.relate_pattern(seg, "T********"):
            return False
        return not any(seg.distance(pt) == 0.0 and pt.coords[0] not in ((a[1], a[0]),
                                                                       (b[1], b[0]))
                       for pt in pinch_points)

    nodes = [tuple(map(float, start)), tuple(map(float, goal))] + corners
    dist = {0: 0.0}
    heap = [(0.0, 0)]
    done = set()
    while heap:
        d, k = heapq.heappop(heap)
        if k in done:
            continue
        done.add(k)
        if k == 1:
            return d
        a = nodes[k]
        for m, b in enumerate(nodes):
            if m in done or not visible(a, b):
                continue
            nd = d + math.hypot(a[0] - b[0], a[1] - b[1])
            if nd < dist.get(m, math.inf):
                dist[m] = nd
                heapq.heappush(heap, (nd, m))
    return math.inf


@st.composite
def problems(draw, uniform=False, max_side=9):
    """(cost, start, goal): a random grid of at most ``max_side`` x ``max_side`` cells (1 and
    inf when ``uniform``, else a mix of costs and inf) and two random cells of it."""
    rows = draw(st.integers(1, max_side))
    cols = draw(st.integers(1, max_side))
    values = [1.0, np.inf] if uniform else [1.0, 1.0, 1.7, 2.5, 6.0, np.inf]
    cells = draw(st.lists(st.sampled_from(values), min_size=rows * cols,
                          max_size=rows * cols))
    cost = np.array(cells).reshape(rows, cols)
    s = (draw(st.integers(0, rows - 1)), draw(st.integers(0, cols - 1)))
    t = (draw(st.integers(0, rows - 1)), draw(st.integers(0, cols - 1)))
    return cost, s, t
