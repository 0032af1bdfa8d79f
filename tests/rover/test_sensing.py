"""Sensing: range, field of view, line of sight, the near field, and the changed cells."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rover.sensing import KnownMap, SensorModel


def make(height=None, shape=(41, 41), unknown=1.0):
    true = np.full(shape, 2.0)
    true[5, 5] = np.inf
    h = np.zeros(shape, dtype=np.float32) if height is None else height
    return KnownMap(true, h, 1.0, unknown_cost=unknown), true


def test_range_and_changed_cells():
    km, true = make()
    sensor = SensorModel(range_m=5.0, fov_deg=360.0, near_m=1.0, line_of_sight=False)
    cells, costs = km.sense(20.5, 20.5, 0.0, sensor)
    rr, cc = np.mgrid[0:41, 0:41]
    d = np.hypot(rr + 0.5 - 20.5, cc + 0.5 - 20.5)
    np.testing.assert_array_equal(km.seen.astype(bool), d <= 5.0)
    assert len(cells) == (d <= 5.0).sum()
    assert (costs == 2.0).all()
    assert (km.cost[d > 5.0] == 1.0).all()
    # Seeing the same cells again changes nothing.
    cells2, _ = km.sense(20.5, 20.5, 0.0, sensor)
    assert len(cells2) == 0


def test_unknown_equal_to_truth_is_seen_but_not_reported():
    km, _ = make(unknown=2.0)
    cells, _ = km.sense(20.5, 20.5, 0.0, SensorModel(3.0, 360.0, 1.0, line_of_sight=False))
    assert len(cells) == 0 and km.seen.sum() > 0


def test_field_of_view_and_near_field():
    km, _ = make()
    sensor = SensorModel(range_m=10.0, fov_deg=90.0, near_m=1.5, line_of_sight=False)
    km.sense(20.5, 20.5, 0.0, sensor)  # facing east
    assert km.seen[20, 28] and not km.seen[20, 12]      # ahead seen, behind not
    assert km.seen[20, 19]                               # behind but in the near field
    assert not km.seen[28, 21]                           # north, outside the 90 deg cone


def test_line_of_sight_hides_cells_behind_a_wall():
    h = np.zeros((41, 41), dtype=np.float32)
    h[:, 25] = 5.0
    km, _ = make(height=h)
    km.sense(20.5, 20.5, 0.0, SensorModel(range_m=15.0, fov_deg=360.0, near_m=1.0, height_m=1.0))
    assert km.seen[20, 24] and km.seen[20, 25]   # up to and including the wall
    assert not km.seen[20, 30]                   # hidden behind it
    km2, _ = make(height=h)
    km2.sense(20.5, 20.5, 0.0, SensorModel(15.0, 360.0, 1.0, height_m=1.0, line_of_sight=False))
    assert km2.seen[20, 30]


def test_impassable_cell_reported_as_inf():
    km, _ = make()
    cells, costs = km.sense(5.5, 8.5, -math.pi / 2, SensorModel(5.0, 360.0, 1.0, line_of_sight=False))
    i = np.flatnonzero((cells[:, 0] == 5) & (cells[:, 1] == 5))
    assert len(i) == 1 and np.isinf(costs[i[0]]) and np.isinf(km.cost[5, 5])


@pytest.mark.parametrize("kwargs, match", [
    (dict(true_cost=np.ones(4), height=np.zeros(4), cell_size=1.0), r"true_cost must be a 2-D array"),
    (dict(true_cost=np.ones((4, 4)), height=np.zeros((3, 4)), cell_size=1.0), r"height must have the cost grid's shape"),
    (dict(true_cost=np.ones((4, 4)), height=np.zeros((4, 4)), cell_size=1.0, unknown_cost=0.5), r"unknown_cost must be a finite number >= 1"),
    (dict(true_cost=np.where(np.eye(4) > 0, np.nan, 1.0), height=np.zeros((4, 4)), cell_size=1.0), r"true_cost has 4 NaN cells, the first at \(row 0, col 0\)"),
    (dict(true_cost=np.array([[1.0, 1.0], [0.5, np.inf]]), height=np.zeros((2, 2)), cell_size=1.0), r"true_cost must be >= 1 .* cell \(row 1, col 0\) is 0.5"),
    (dict(true_cost=np.ones((4, 4)), height=np.zeros((4, 4)), cell_size=1.0, known_impassable=np.zeros((4, 3), bool)), r"known_impassable must have the cost grid's shape"),
    (dict(true_cost=np.array([[1.0, np.inf], [2.0, 1.0]]), height=np.zeros((2, 2)), cell_size=1.0, known_impassable=np.array([[False, True], [True, False]])), r"known_impassable cell \(row 1, col 0\) is passable in true_cost \(2.0\)"),
])
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        KnownMap(**kwargs)


@pytest.mark.parametrize("range_m", [1e9, 1e300])
def test_huge_range_is_clamped_to_the_grid(range_m):
    """A legal but huge range sees what a grid-wide range sees (no range**2 buffer)."""
    km, _ = make(shape=(30, 50))
    cells, _ = km.sense(3.5, 4.5, 0.0, SensorModel(range_m, 90.0, 1.0, line_of_sight=True))
    ref, _ = make(shape=(30, 50))
    ref_cells, _ = ref.sense(3.5, 4.5, 0.0, SensorModel(60.0, 90.0, 1.0, line_of_sight=True))
    np.testing.assert_array_equal(km.seen, ref.seen)
    np.testing.assert_array_equal(cells, ref_cells)
    assert km._cells.shape[0] <= 30 * 50
    km2, _ = make(shape=(30, 50))
    km2.sense(3.5, 4.5, 0.0, SensorModel(1.0, 360.0, range_m, line_of_sight=False))
    assert km2.seen.all()    # a huge near field covers the whole grid


@pytest.mark.parametrize("prior", [False, True])
@pytest.mark.parametrize("unknown", [1.0, 1.5, 3.0])
def test_least_cost_tracks_the_known_map(unknown, prior):
    # Random true costs (some below, some at, some above the unknown cost, some blocked) and
    # sensing from random poses until every cell is seen: the O(1) figure must equal a pass
    # over the grid after every step, including once no cell holds the unknown cost. With
    # ``prior``, most blocked cells are known from the start (keep-out zones).
    rng = np.random.default_rng(int(unknown * 10))
    true = rng.choice([1.0, 1.5, 2.0, 2.5, 3.0, 4.0, np.inf], size=(24, 24))
    known = (np.isinf(true) & (rng.random(true.shape) < 0.8)) if prior else None
    km = KnownMap(true, np.zeros(true.shape, np.float32), 1.0, unknown_cost=unknown,
                  known_impassable=known)
    if prior:
        assert np.isinf(km.cost[known]).all() and (km.cost[~known] == unknown).all()

    def scan():
        finite = km.cost[np.isfinite(km.cost)]
        return float(finite.min()) if finite.size else math.inf

    assert km.least_cost == scan() == unknown
    sensor = SensorModel(range_m=6.0, fov_deg=90.0, near_m=1.0, line_of_sight=False)
    for _ in range(200):
        km.sense(*rng.uniform(0, 24, 2), rng.uniform(-math.pi, math.pi), sensor)
        assert km.least_cost == scan()
    km.sense(12.0, 12.0, 0.0, SensorModel(range_m=40.0, fov_deg=360.0, near_m=1.0,
                                          line_of_sight=False))
    assert km.seen.all() and km.least_cost == scan()


def test_least_cost_without_a_passable_cell():
    km = KnownMap(np.full((3, 3), np.inf), np.zeros((3, 3), np.float32), 1.0, unknown_cost=2.0)
    assert km.least_cost == 2.0
    km.sense(1.5, 1.5, 0.0, SensorModel(range_m=9.0, fov_deg=360.0, near_m=1.0,
                                        line_of_sight=False))
    assert km.least_cost == math.inf


def test_least_cost_once_all_but_the_known_cells_are_seen():
    # Every passable cell dearer than the unknown cost: once all of them are seen, no cell
    # holds the unknown cost any more, although the keep-out cells were never "changed".
    true = np.full((6, 6), 2.0)
    true[:, :2] = np.inf
    km = KnownMap(true, np.zeros(true.shape, np.float32), 1.0, unknown_cost=1.0,
                  known_impassable=np.isinf(true))
    assert km.least_cost == 1.0
    km.sense(4.0, 3.0, 0.0, SensorModel(range_m=1.0, fov_deg=360.0, near_m=9.0,
                                        line_of_sight=False))
    assert km.seen.all() and km.least_cost == 2.0
