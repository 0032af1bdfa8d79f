"""Traversability: the kernels against slow, obviously right references, and the rules."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rover.costmap import (
    CostWeights, distance_to_mask, footprint_halfwidth, inflate, rasterize_polygons, terrain_cost,
)
from rover.models import rover_preset

GEN = rover_preset("generic")      # radius 0.61 m
PERS = rover_preset("perseverance")


def _neighbour_steps(z):
    """Each cell's largest |dz| to its 4 neighbours, by definition."""
    R, C = z.shape
    m = np.zeros((R, C))
    for r in range(R):
        for c in range(C):
            for dr, dc in ((0, 1), (0, -1), (1, 0), (-1, 0)):
                if 0 <= r + dr < R and 0 <= c + dc < C:
                    m[r, c] = max(m[r, c], abs(z[r + dr, c + dc] - z[r, c]))
    return m


def naive_terms(z, k, h):
    """Least-squares plane per clipped window with numpy, and the step by definition."""
    R, C = z.shape
    sx = np.zeros((R, C)); sy = np.zeros((R, C)); rough = np.zeros((R, C)); step = np.zeros((R, C))
    m = _neighbour_steps(z)
    for r in range(R):
        for c in range(C):
            r0, r1, c0, c1 = max(r - k, 0), min(r + k, R - 1), max(c - k, 0), min(c + k, C - 1)
            rr, cc = np.mgrid[r0:r1 + 1, c0:c1 + 1]
            A = np.column_stack([cc.ravel() * h, rr.ravel() * h, np.ones(rr.size)])
            w = z[r0:r1 + 1, c0:c1 + 1].ravel()
            coef, *_ = np.linalg.lstsq(A, w, rcond=None)
            res = w - A @ coef
            sx[r, c], sy[r, c] = coef[0], coef[1]
            rough[r, c] = math.sqrt(np.mean(res ** 2))
            planar = max(abs(coef[0]), abs(coef[1])) * h
            step[r, c] = max(m[r0:r1 + 1, c0:c1 + 1].max() - planar, 0.0)
    return sx, sy, rough, step


@settings(deadline=None, max_examples=15)
@given(seed=st.integers(0, 10_000), rows=st.integers(3, 14), cols=st.integers(3, 14),
       h=st.sampled_from([0.25, 0.5, 1.0]))
def test_terms_match_naive_reference(seed, rows, cols, h):
    rng = np.random.default_rng(seed)
    z = (rng.normal(size=(rows, cols)) * 0.2 + 50.0).astype(np.float32)
    t = terrain_cost(z, h, GEN, weights=CostWeights(footprint="square"))
    k = footprint_halfwidth(GEN, h)
    sx, sy, rough, step = naive_terms(z.astype(np.float64), k, h)
    np.testing.assert_allclose(t.slope_x, sx, atol=2e-4)
    np.testing.assert_allclose(t.slope_y, sy, atol=2e-4)
    np.testing.assert_allclose(t.roughness_m, rough, atol=2e-4)
    np.testing.assert_allclose(t.step_m, step, atol=2e-4)



def naive_disc_terms(z, rho, h):
    """The terms over the cells whose centres lie within ``rho`` cells of each cell's centre
    (clipped at the edges), by least squares with numpy and the step by definition."""
    R, C = z.shape
    sx = np.zeros((R, C)); sy = np.zeros((R, C)); rough = np.zeros((R, C)); step = np.zeros((R, C))
    m = _neighbour_steps(z)
    rr, cc = np.mgrid[0:R, 0:C]
    for r in range(R):
        for c in range(C):
            inside = (rr - r) ** 2 + (cc - c) ** 2 <= rho * rho + 1e-9
            A = np.column_stack([cc[inside] * h, rr[inside] * h, np.ones(inside.sum())])
            w = z[inside]
            coef, *_ = np.linalg.lstsq(A, w, rcond=None)
            if np.ptp(cc[inside]) == 0:
                coef[0] = 0.0  # one column: no slope across it (the kernel's rule)
            if np.ptp(rr[inside]) == 0:
                coef[1] = 0.0
            if np.ptp(cc[inside]) == 0 or np.ptp(rr[inside]) == 0:
                coef[2] = np.mean(w - A[:, :2] @ coef[:2])
            res = w - A @ coef
            sx[r, c], sy[r, c] = coef[0], coef[1]
            rough[r, c] = math.sqrt(np.mean(res ** 2))
            planar = max(abs(coef[0]), abs(coef[1])) * h
            step[r, c] = max(m[inside].max() - planar, 0.0)
    return sx, sy, rough, step


@settings(deadline=None, max_examples=15)
@given(seed=st.integers(0, 10_000), rows=st.integers(1, 14), cols=st.integers(1, 14),
       h=st.sampled_from([0.25, 0.5, 1.0]))
def test_disc_terms_match_naive_reference(seed, rows, cols, h):
    from types import SimpleNamespace

    from rover.costmap import footprint_spans

    rng = np.random.default_rng(seed)
    z = (rng.normal(size=(rows, cols)) * 0.2 + 50.0).astype(np.float32)
    t = terrain_cost(z, h, GEN, weights=CostWeights(footprint="disc"))
    rho = max(GEN.radius_m / h, 1.0)
    assert len(footprint_spans(SimpleNamespace(radius_m=GEN.radius_m), h)) == int(rho) + 1
    sx, sy, rough, step = naive_disc_terms(z.astype(np.float64), rho, h)
    np.testing.assert_allclose(t.slope_x, sx, atol=2e-4)
    np.testing.assert_allclose(t.slope_y, sy, atol=2e-4)
    np.testing.assert_allclose(t.roughness_m, rough, atol=2e-4)
    np.testing.assert_allclose(t.step_m, step, atol=2e-4)


def _reach(footprint, rover, h=0.1):
    """The cells a lone 1 m spike makes impassable on flat ground: their largest distance
    from the spike along the axes and along the diagonals [cells]."""
    n = 121
    z = np.zeros((n, n), np.float32)
    z[n // 2, n // 2] = 1.0
    t = terrain_cost(z, h, rover, weights=CostWeights(footprint=footprint))
    band = t.edge_band
    blocked = ~np.isfinite(t.cost)
    blocked[:band] = blocked[-band:] = False
    blocked[:, :band] = blocked[:, -band:] = False
    r, c = np.nonzero(blocked)
    d = np.hypot(r - n // 2, c - n // 2)
    # directions within 10 deg of an axis, and of a diagonal
    a = np.degrees(np.arctan2(np.abs(r - n // 2), np.abs(c - n // 2)))
    on_axis = (a <= 10.0) | (a >= 80.0)
    on_diag = np.abs(a - 45.0) <= 10.0
    return d[on_axis].max(), d[on_diag].max(), blocked


def test_the_disc_footprint_reaches_as_far_in_every_direction():
    # A lone spike blocks the cells whose footprint holds it (and, through the step term,
    # its 4 neighbours): with the square window those form a square (a rover whose centre
    # is 1.41 times as far away on a diagonal is still blocked), with the disc a disc of
    # the rover's radius, as far in every direction.
    for rover, h in ((GEN, 0.1), (GEN, 0.05), (PERS, 0.25), (rover_preset("pragyan"), 0.1)):
        axis, diag, blocked = _reach("disc", rover, h)
        r, c = np.nonzero(blocked)
        far = np.hypot(r - 60, c - 60).max()
        roundness = blocked.sum() / (np.pi * far ** 2)  # 1 for a disc, 2 / pi for a square
        assert abs(axis - diag) <= 1.0 and roundness > 0.95, (rover.name, h, axis, diag)
        assert far <= rover.radius_m / h + 1.0
        axis_sq, diag_sq, blocked_sq = _reach("square", rover, h)
        r, c = np.nonzero(blocked_sq)
        far = np.hypot(r - 60, c - 60).max()
        # the square's corners: the test tells the two apart
        assert diag_sq / axis_sq > 1.25 and blocked_sq.sum() / (np.pi * far ** 2) < 0.85


def test_footprint_is_a_costmap_key(tmp_path):
    from rover.scenario import ScenarioError, load_scenario

    base = ('[terrain]\npreset = "mars-jezero"\nsize = [32, 32]\n[mission]\n'
            'start = [3.0, 3.0]\ngoal = [12.0, 12.0]\n')
    p = tmp_path / "a.toml"
    p.write_text(base + '[costmap]\nfootprint = "square"\n')
    assert load_scenario(p).costmap.footprint == "square"
    p.write_text(base)
    assert load_scenario(p).costmap.footprint == "disc"
    p.write_text(base + '[costmap]\nfootprint = "disk"\n')
    with pytest.raises(ScenarioError, match=r"\[costmap\].footprint.*did you mean 'disc'"):
        load_scenario(p)
    assert CostWeights(footprint="round").problems() == [
        ("footprint", "must be one of 'square', 'disc', got 'round'")]


@settings(deadline=None, max_examples=40)
@given(seed=st.integers(0, 10_000), rows=st.integers(1, 30), cols=st.integers(1, 30),
       k=st.integers(0, 40))
def test_step_window_maximum_is_exact_for_any_footprint(seed, rows, cols, k):
    """The sliding maximum behind the step term (O(1) per cell whatever the footprint)
    equals the window maximum by definition, exactly, for windows up to past the grid."""
    from rover._costmap import _step_max

    rng = np.random.default_rng(seed)
    z = (rng.normal(size=(rows, cols)) * rng.uniform(0.01, 3.0)).astype(np.float32)
    zz = z.astype(np.float64) - 0.5
    m = np.zeros((rows, cols))
    m[:, 1:] = np.maximum(m[:, 1:], np.abs(np.diff(zz, axis=1)))
    m[:, :-1] = np.maximum(m[:, :-1], np.abs(np.diff(zz, axis=1)))
    m[1:, :] = np.maximum(m[1:, :], np.abs(np.diff(zz, axis=0)))
    m[:-1, :] = np.maximum(m[:-1, :], np.abs(np.diff(zz, axis=0)))
    want = np.array([[m[max(r - k, 0):r + k + 1, max(c - k, 0):c + k + 1].max()
                      for c in range(cols)] for r in range(rows)])
    got = np.empty((rows, cols))
    _step_max(z, 0.5, k, got)
    np.testing.assert_array_equal(got, want)

def inner(t):
    """The cells clear of the edge band (where the whole footprint is on the map)."""
    b = t.edge_band
    return (slice(b, t.cost.shape[0] - b), slice(b, t.cost.shape[1] - b))


def test_flat_ground_costs_one():
    t = terrain_cost(np.zeros((20, 30)), 0.5, GEN)
    assert t.cost.dtype == np.float64
    assert t.edge_band == 2  # radius 0.61 m over 0.5 m cells
    assert (t.cost[inner(t)] == 1.0).all()
    assert np.isinf(t.cost).sum() == 20 * 30 - 16 * 26
    assert not t.obstacles.any()


@pytest.mark.parametrize("radius_cells", [0.4, 1.0, 1.22, 2.0, 3.7])
def test_edge_band_keeps_the_whole_footprint_on_the_map(radius_cells):
    # A cell is passable exactly when every point of it is at least the rover's radius from
    # every edge of the map, so the whole rover stays on the ground it plans over.
    import dataclasses

    h = 0.5
    rover = dataclasses.replace(GEN, length_m=2 * radius_cells * h / math.sqrt(2),
                                width_m=2 * radius_cells * h / math.sqrt(2))
    rows, cols = 17, 23
    t = terrain_cost(np.zeros((rows, cols)), h, rover)
    r, c = np.mgrid[0:rows, 0:cols]
    edge_dist = np.minimum.reduce([c * h, (cols - 1 - c) * h, r * h, (rows - 1 - r) * h])
    np.testing.assert_array_equal(np.isfinite(t.cost), edge_dist >= rover.radius_m - 1e-12)
    np.testing.assert_array_equal(t.known_keep_out(), np.isinf(t.cost))


@pytest.mark.parametrize("tilt", [5.0, 10.0, 20.0])
def test_tilted_plane_tilt_and_cost(tilt):
    y, x = np.mgrid[0:40, 0:40] * 0.5
    z = np.tan(np.radians(tilt)) * (0.6 * x + 0.8 * y)  # slope along a diagonal
    t = terrain_cost(z, 0.5, GEN)
    np.testing.assert_allclose(t.tilt_deg, math.degrees(math.atan(np.tan(np.radians(tilt)))), atol=1e-3)
    assert t.step_m.max() < 1e-4 and t.roughness_m.max() < 1e-4
    frac = math.tan(math.radians(tilt)) / math.tan(math.radians(GEN.max_tilt_deg))
    np.testing.assert_allclose(t.cost[inner(t)], 1.0 + CostWeights().tilt * frac ** 2, rtol=1e-4)


def test_steeper_costs_more_and_over_limit_is_impassable():
    y, x = np.mgrid[0:30, 0:30] * 0.5
    costs = [terrain_cost(np.tan(np.radians(a)) * x, 0.5, GEN).cost[15, 15] for a in (0, 8, 16, 24)]
    assert costs == sorted(costs) and costs[0] == 1.0
    over = terrain_cost(np.tan(np.radians(GEN.max_tilt_deg + 1)) * x, 0.5, GEN)
    assert np.isinf(over.cost).all() and over.obstacles.all()


def test_ledge_taller_than_step_limit_blocks_crossing():
    z = np.zeros((40, 40))
    z[:, 20:] = 0.5  # a 0.5 m ledge; generic rover steps 0.2 m
    t = terrain_cost(z, 0.5, GEN)
    assert np.isinf(t.cost[:, 19:21]).all()
    b = t.edge_band
    assert np.isfinite(t.cost[b:-b, b:15]).all() and np.isfinite(t.cost[b:-b, 26:-b]).all()
    small = np.zeros((40, 40)); small[:, 20:] = 0.05
    assert np.isfinite(terrain_cost(small, 0.5, GEN).cost[b:-b, b:-b]).all()


def test_rocks_taller_than_clearance_are_inflated_by_radius():
    rocks = np.array([[10.25, 10.25, 0.4, GEN.clearance_m + 0.1],   # tall: impassable
                      [5.25, 5.25, 0.4, GEN.clearance_m - 0.05]])   # short: ignored
    t = terrain_cost(np.zeros((40, 40)), 0.5, GEN, rocks=rocks)
    assert np.isinf(t.cost[20, 20]) and np.isfinite(t.cost[10, 10])
    yy, xx = (np.mgrid[0:40, 0:40] + 0.5) * 0.5
    d = np.hypot(xx - 10.25, yy - 10.25)
    # Every cell within the rover radius of the rock cell is blocked, cells well away are not.
    assert np.isinf(t.cost[d <= GEN.radius_m]).all()
    assert np.isfinite(t.cost[inner(t)][(d > 0.2 + GEN.radius_m + 0.75)[inner(t)]]).all()


def test_hazard_polygon_is_rasterised_and_inflated():
    poly = [(5.0, 5.0), (10.0, 5.0), (10.0, 8.0), (5.0, 8.0)]
    t = terrain_cost(np.zeros((40, 40)), 0.5, GEN, hazards=[poly])
    yy, xx = (np.mgrid[0:40, 0:40] + 0.5) * 0.5
    inside = (xx > 5) & (xx < 10) & (yy > 5) & (yy < 8)
    assert np.isinf(t.cost[inside]).all()
    assert np.isinf(t.cost[int(8.4 / 0.5), int(7.0 / 0.5)])      # within the radius outside
    assert np.isfinite(t.cost[int(12.0 / 0.5), int(15.0 / 0.5)])


def test_rasterize_marks_cells_the_edge_crosses():
    m = rasterize_polygons([[(1.1, 1.1), (1.4, 1.1), (1.4, 1.4)]], (8, 8), 1.0)
    assert m[1, 1] and m.sum() >= 1


@settings(deadline=None, max_examples=20)
@given(seed=st.integers(0, 10_000), rows=st.integers(1, 12), cols=st.integers(1, 12))
def test_distance_transform_matches_brute_force(seed, rows, cols):
    rng = np.random.default_rng(seed)
    mask = rng.random((rows, cols)) < 0.15
    d = distance_to_mask(mask, 0.5)
    if not mask.any():
        assert np.isinf(d).all()
        return
    pts = np.argwhere(mask)
    rr, cc = np.mgrid[0:rows, 0:cols]
    brute = np.min(np.hypot(rr[..., None] - pts[:, 0], cc[..., None] - pts[:, 1]), axis=-1) * 0.5
    np.testing.assert_allclose(d, brute, atol=1e-9)
    np.testing.assert_array_equal(inflate(mask, 1.0, 0.5), brute <= 1.0 + 1e-9)


def test_deterministic():
    rng = np.random.default_rng(3)
    z = rng.normal(size=(50, 60)).cumsum(0) * 0.02
    a = terrain_cost(z, 0.5, PERS, rocks=np.array([[5.0, 5.0, 1.0, 1.0]]))
    b = terrain_cost(z, 0.5, PERS, rocks=np.array([[5.0, 5.0, 1.0, 1.0]]))
    np.testing.assert_array_equal(a.cost, b.cost)


@pytest.mark.parametrize("kwargs, match", [
    (dict(height=np.full((4, 4), np.nan), cell_size=0.5), r"height must be finite"),
    (dict(height=np.zeros(5), cell_size=0.5), r"height must be a non-empty 2-D array, got shape \(5,\)"),
    (dict(height=np.zeros((4, 4)), cell_size=0.0), r"cell_size must be a finite number > 0 \[m\], got 0.0"),
    (dict(height=np.zeros((4, 4)), cell_size=0.5, rocks=np.zeros((2, 3))), r"rocks must have shape \(M, 4\)"),
    # A tiny roughness limit used to divide by a square that underflows to 0.
    (dict(height=np.zeros((4, 4)), cell_size=0.5, weights=CostWeights(roughness_limit_m=1e-300)),
     r"weights.roughness_limit_m must be between 0.001 and 100 m, got 1e-300"),
    (dict(height=np.zeros((4, 4)), cell_size=0.5, weights=CostWeights(tilt=-1.0)),
     r"weights.tilt must be a number from 0 to 1000, got -1.0"),
    (dict(height=np.zeros((4, 4)), cell_size=0.5, weights=CostWeights(step=math.nan)),
     r"weights.step must be a number from 0 to 1000, got nan"),
])
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        terrain_cost(rover=GEN, **kwargs)


def test_bad_rover():
    with pytest.raises(ValueError, match=r"rover.width_m must be a finite number > 0"):
        terrain_cost(np.zeros((4, 4)), 0.5, GEN.replace(width_m=0.0))
    with pytest.raises(ValueError, match=r"rover.clearance_m must be 0 \(none\) or at least"):
        terrain_cost(np.zeros((4, 4)), 0.5, GEN.replace(clearance_m=1e-200))


def test_docstring_examples_run():
    import doctest

    import rover.costmap
    res = doctest.testmod(rover.costmap, raise_on_error=False)
    assert res.attempted > 0 and res.failed == 0


def _square_distance(px, py, x0, y0, h):
    """Distance [m] from the point (px, py) to the cell squares with corners (x0, y0)."""
    dx = np.maximum(np.maximum(x0 - px, px - (x0 + h)), 0.0)
    dy = np.maximum(np.maximum(y0 - py, py - (y0 + h)), 0.0)
    return np.hypot(dx, dy)


@settings(deadline=None, max_examples=40)
@given(seed=st.integers(0, 100_000), h=st.sampled_from([0.2, 0.25, 0.5, 1.0]),
       rover=st.sampled_from(["generic", "sojourner", "perseverance"]))
def test_no_point_of_a_finite_cell_brings_the_body_onto_a_tall_rock(seed, h, rover):
    """Wherever the rover's centre lies in a finite cell, its footprint circle misses every
    rock taller than its clearance (the nearest point of each square is tested, not the
    centre), and the obstacle mask covers every cell a tall rock's disc meets."""
    spec = rover_preset(rover)
    rng = np.random.default_rng(seed)
    n, size = 6, 40
    ext = size * h
    rocks = np.column_stack([rng.uniform(-1, ext + 1, n), rng.uniform(-1, ext + 1, n),
                             rng.uniform(0.05, 1.5, n), np.full(n, spec.clearance_m + 0.05)])
    t = terrain_cost(np.zeros((size, size)), h, spec, rocks=rocks)
    rr, cc = np.mgrid[0:size, 0:size]
    x0, y0 = cc * h, rr * h
    finite = np.isfinite(t.cost)
    for x, y, d, _ in rocks:
        gap = _square_distance(x, y, x0, y0, h) - 0.5 * d - spec.radius_m
        assert (gap[finite] > -1e-9).all()
        assert t.obstacles[_square_distance(x, y, x0, y0, h) < 0.5 * d - 1e-9].all()


@settings(deadline=None, max_examples=20)
@given(seed=st.integers(0, 100_000), h=st.sampled_from([0.25, 0.5, 1.0]))
def test_no_point_of_a_finite_cell_brings_the_body_into_a_hazard(seed, h):
    import shapely

    rng = np.random.default_rng(seed)
    size = 40
    ext = size * h
    cx, cy = rng.uniform(0, ext, 2)
    ang = np.sort(rng.uniform(0, 2 * np.pi, 5))
    rad = rng.uniform(0.3, 0.25 * ext, 5)
    poly = list(zip(cx + rad * np.cos(ang), cy + rad * np.sin(ang)))
    t = terrain_cost(np.zeros((size, size)), h, GEN, hazards=[poly])
    g = shapely.Polygon(poly)
    rr, cc = np.nonzero(np.isfinite(t.cost))
    boxes = shapely.box(cc * h, rr * h, (cc + 1) * h, (rr + 1) * h)
    assert (shapely.distance(g, boxes) > GEN.radius_m - 1e-9).all()


def test_rasterize_margin_is_validated():
    with pytest.raises(ValueError, match=r"margin_m must be a finite number >= 0 \[m\], got -1.0"):
        rasterize_polygons([[(1, 1), (2, 1), (2, 2)]], (4, 4), 1.0, margin_m=-1.0)


@pytest.mark.parametrize("shape", [(3, 500), (500, 3), (1, 40), (40, 1)])
def test_a_huge_disc_on_a_strip_is_the_whole_strip(shape):
    """The disc's rows and spans are capped each at its own axis (a strip 2 x 3000 took 344
    MB and 3000 x 2 over 170 s when both were capped at the longer side); covering the
    whole strip, the disc's terms are the square's."""
    rng = np.random.default_rng(7)
    z = (rng.normal(size=shape) * 0.2).astype(np.float32)
    huge = GEN.replace(length_m=1e9, width_m=1e9)
    d = terrain_cost(z, 0.5, huge, weights=CostWeights(footprint="disc"))
    q = terrain_cost(z, 0.5, huge, weights=CostWeights(footprint="square"))
    for a, b in ((d.slope_x, q.slope_x), (d.slope_y, q.slope_y),
                 (d.roughness_m, q.roughness_m), (d.step_m, q.step_m), (d.cost, q.cost)):
        np.testing.assert_allclose(a, b, atol=2e-4)


@pytest.mark.parametrize("footprint", ["square", "disc"])
def test_footprint_wider_than_the_grid_is_clamped_to_it(footprint):
    """A huge but legal footprint gives the whole-grid window (the square's used to size the
    kernel's row ring by the footprint, the disc's its spans, and both ran out of memory)."""
    rng = np.random.default_rng(4)
    z = (rng.normal(size=(9, 13)) * 0.2).astype(np.float32)
    huge = GEN.replace(length_m=1e9, width_m=1e9)
    t = terrain_cost(z, 0.5, huge, weights=CostWeights(footprint=footprint),
                     rocks=np.array([[2.0, 2.0, 0.5, 1.0]]),
                     hazards=[[(4.0, 4.0), (5.0, 4.0), (5.0, 5.0)]])
    sx, sy, rough, step = naive_terms(z.astype(np.float64), 13, 0.5)
    np.testing.assert_allclose(t.slope_x, sx, atol=2e-4)
    np.testing.assert_allclose(t.roughness_m, rough, atol=2e-4)
    np.testing.assert_allclose(t.step_m, step, atol=2e-4)
    assert np.isinf(t.cost).all()    # the body covers the tall rock from every cell
