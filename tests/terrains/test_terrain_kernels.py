"""The compiled terrain kernels against slow references (tests/terrains/terrain_naive.py)."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from terrains import _kernels as K

_spec = importlib.util.spec_from_file_location(
    "terrains_naive", Path(__file__).with_name("terrain_naive.py"))
naive = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(naive)


def _craters(rng, n, width, height, dmax):
    d = rng.uniform(0.6, dmax, n)
    s = rng.random(n)
    return np.column_stack([rng.uniform(-3, width + 3, n), rng.uniform(-3, height + 3, n), d,
                            0.15 * d * (1 - 0.85 * s), 0.04 * d * (1 - s) ** 2, 0.3 * s * 0.04 * d,
                            np.where(rng.random(n) < 0.3, 0.0, 0.8 * (1 - s)),
                            1.0 + 0.3 * rng.random(n), rng.uniform(0, np.pi, n)])


@settings(deadline=None, max_examples=25)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(2, 24), cols=st.integers(2, 24),
       cell=st.sampled_from([0.25, 0.5, 1.0]), n=st.integers(0, 6))
def test_stamp_craters_matches_reference(seed, rows, cols, cell, n):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(rows, cols)).astype(np.float32)
    cr = _craters(rng, n, cols * cell, rows * cell, 4.0)
    want = naive.stamp_craters(z, cell, cr)
    got = z.copy()
    assert K.stamp_craters(got, cell, *(np.ascontiguousarray(cr[:, i]) for i in range(9))) == 0
    np.testing.assert_allclose(got, want, atol=5e-5)


@settings(deadline=None, max_examples=25)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(2, 20), cols=st.integers(2, 20),
       n=st.integers(0, 8))
def test_stamp_rocks_matches_reference(seed, rows, cols, n):
    rng = np.random.default_rng(seed)
    cell = 0.5
    z = np.zeros((rows, cols), np.float32)
    d = rng.uniform(0.2, 3.0, n)
    rk = np.column_stack([rng.uniform(-1, cols * cell + 1, n), rng.uniform(-1, rows * cell + 1, n),
                          d, 0.5 * d])
    want = naive.stamp_rocks(z, cell, rk)
    got = z.copy()
    layer = np.zeros_like(got)
    assert K.stamp_rocks(got, cell, *(np.ascontiguousarray(rk[:, i]) for i in range(4)),
                         layer) == 0
    np.testing.assert_allclose(got, want, atol=2e-5)


def test_rocks_never_stack_and_small_rocks_show():
    cell = 0.5
    z = np.zeros((20, 20), np.float32)
    rk = np.array([[5.25, 5.25, 2.0, 1.0],       # on a cell centre
                   [5.25, 5.25, 1.0, 0.5],       # a smaller rock in the same place
                   [7.0, 7.0, 0.3, 0.15]])       # between four cell centres
    K.stamp_rocks(z, cell, *(np.ascontiguousarray(rk[:, i]) for i in range(4)),
                  np.zeros_like(z))
    assert z.max() == pytest.approx(1.0)         # not 1.5
    assert z[14, 14] == pytest.approx(0.15)      # the cell holding (7, 7) shows the rock
    assert np.count_nonzero(z[12:17, 12:17]) == 1


@settings(deadline=None, max_examples=25)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(2, 16), cols=st.integers(2, 16),
       n=st.integers(0, 30), sub=st.sampled_from([2, 6, 8]), cell=st.sampled_from([0.5, 1.0]))
def test_rock_layer_area_matches_reference(seed, rows, cols, n, sub, cell):
    rng = np.random.default_rng(seed)
    d = rng.uniform(0.1, 3.0, n)
    rk = np.column_stack([rng.uniform(-1, cols * cell + 1, n), rng.uniform(-1, rows * cell + 1, n),
                          d, 0.5 * d])
    want, want_cov = naive.rock_layer_area((rows, cols), cell, sub, rk)
    layer = np.zeros((rows, cols), np.float32)
    covered = np.zeros_like(layer)
    assert K.rock_layer_area(cell, sub, *(np.ascontiguousarray(rk[:, i]) for i in range(4)),
                             layer, covered) == 0
    np.testing.assert_allclose(layer, want, atol=2e-6)
    np.testing.assert_allclose(covered, want_cov, atol=1e-6)


def test_area_weighted_rock_keeps_its_volume_and_variance():
    # one rock of one cell, anywhere: the cells hold its volume (2/3) pi R^2 h, not a cell
    # at full height (h^2 per cell of squared height, 2.5x the point-sampled pi R^2 h^2 / 2)
    cell, d, h = 0.5, 0.5, 0.25
    vol = 2.0 / 3.0 * math.pi * (d / 2) ** 2 * h
    rng = np.random.default_rng(4)
    for x, y in rng.uniform(2.0, 3.0, (20, 2)):
        layer = np.zeros((10, 10), np.float32)
        K.rock_layer_area(cell, 16, np.array([x]), np.array([y]), np.array([d]), np.array([h]),
                          layer, np.zeros_like(layer))
        assert layer.sum() * cell * cell == pytest.approx(vol, rel=0.02)
        # squared height per cell area below the point-sampled rock's and the old block's
        assert (layer.astype(np.float64) ** 2).sum() * cell ** 2 < math.pi * (d / 2) ** 2 * h ** 2 / 2


def test_fine_rocks_have_their_mean_and_variance():
    rng = np.random.default_rng(0)
    u = rng.random((400, 400), dtype=np.float32)
    for mean, var in ((0.003, 0.0044 ** 2), (0.01, 0.004 ** 2)):
        layer = np.zeros((400, 400), np.float32)
        covered = np.zeros_like(layer)
        covered[:200] = 0.5                      # half the ground half covered
        K.add_fine_rocks(layer, covered, u, mean, var, 0.75)
        assert layer.mean() == pytest.approx(mean, rel=0.02)
        assert layer.min() >= 0.0
        open_ = layer[200:] * 0.75               # the uncovered half, undone the scaling
        assert open_.var() == pytest.approx(var, rel=0.05)


def _one(z, cell, x, y, d, depth, rim, soft=0.0, erase=0.0, elong=1.0, angle=0.0):
    K.stamp_craters(z, cell, *(np.array([v], dtype=np.float64)
                               for v in (x, y, d, depth, rim, soft, erase, elong, angle)))


def test_crater_is_a_bowl_with_a_raised_rim():
    z = np.zeros((81, 81), np.float32)
    cell = 0.5
    x = y = 40.5 * cell  # centre of cell (40, 40)
    _one(z, cell, x, y, 10.0, 2.0, 0.4)
    assert z[40, 40] == pytest.approx(0.4 - 2.0)        # floor: rim - depth
    assert z[40, 50] == pytest.approx(0.4, abs=1e-6)    # r = 1: the rim crest
    # ejecta thin as (r / R)^-3 (McGetchin et al. 1973) out to 2.5 R, then fade to 0 at 3 R
    assert z[40, 55] == pytest.approx(0.4 * 1.5 ** -3, rel=1e-5)
    assert z[40, 60] == pytest.approx(0.4 * 2.0 ** -3, rel=1e-5)
    assert 0.0 < z[40, 64] < 0.4 * 2.4 ** -3 * 1.0001
    assert z[40, 70] == 0.0 and z[0, 0] == 0.0          # nothing at and beyond 3 R
    assert z.max() == pytest.approx(0.4, abs=1e-6)


def test_an_elliptical_crater_keeps_its_area_and_turns_with_its_angle():
    cell = 0.5
    east = np.zeros((81, 81), np.float32)
    north = np.zeros((81, 81), np.float32)
    round_ = np.zeros((81, 81), np.float32)
    x = y = 40.5 * cell
    _one(east, cell, x, y, 10.0, 2.0, 0.4, elong=1.44)                  # a = 6 m, b = 4.17 m
    _one(north, cell, x, y, 10.0, 2.0, 0.4, elong=1.44, angle=np.pi / 2)
    _one(round_, cell, x, y, 10.0, 2.0, 0.4)
    assert east[40, 52] == pytest.approx(0.4, abs=1e-6)   # rim 6 m east
    assert north[52, 40] == pytest.approx(0.4, abs=1e-6)  # ... and 6 m north when turned
    np.testing.assert_allclose(north, east.T, atol=1e-6)
    # the same area below the surroundings (q^2 < 0.8) as the circle of diameter D:
    # 0.8 pi R^2 = 251 cells of 0.25 m^2 (the round one's lattice count is 241)
    for z in (east, round_):
        assert int((z < 0).sum()) == pytest.approx(0.8 * np.pi * 25 / 0.25, rel=0.05)


def test_worn_rims_are_rounded_and_lower():
    sharp = np.zeros((41, 41), np.float32)
    worn = np.zeros((41, 41), np.float32)
    _one(sharp, 0.5, 10.25, 10.25, 10.0, 1.0, 0.4)
    _one(worn, 0.5, 10.25, 10.25, 10.0, 1.0, 0.4, soft=0.2)
    assert worn.max() < sharp.max() - 0.05
    assert worn[20, 20] == pytest.approx(sharp[20, 20], abs=1e-6)  # the floor is unchanged
    np.testing.assert_array_equal(worn[20, 35:], sharp[20, 35:])  # no rounding from 1.5 R on


def test_a_young_crater_cuts_through_an_old_rim():
    cell = 0.5
    old_only = np.zeros((60, 60), np.float32)
    _one(old_only, cell, 10.0, 15.0, 16.0, 1.0, 0.6)   # old crater, rim passes x = 18
    both, added = old_only.copy(), old_only.copy()
    _one(both, cell, 18.0, 15.0, 8.0, 1.2, 0.3, erase=0.8)   # young crater on that rim
    _one(added, cell, 18.0, 15.0, 8.0, 1.2, 0.3, erase=0.0)  # the same, merely added
    r, c = int(15.0 / cell), int(18.0 / cell)
    young = np.zeros_like(old_only)
    _one(young, cell, 18.0, 15.0, 8.0, 1.2, 0.3)
    # with overprinting, the old rim barely shows inside the young bowl (which sits at the
    # mean level of what it replaced)
    residual_over = (both - young)[r - 4:r + 5, c - 4:c + 5]
    residual_add = (added - young)[r - 4:r + 5, c - 4:c + 5]
    assert np.ptp(residual_over) < 0.3 * np.ptp(residual_add)


@pytest.mark.parametrize("lag", [1, 2, 5, 15, 16, 40])
def test_structure_sum_matches_numpy(lag):
    z = np.random.default_rng(lag).normal(size=(16, 41)).astype(np.float32)
    assert K.structure_sum(z, lag) == pytest.approx(naive.structure_mean_square(z, lag), rel=1e-12)


def test_structure_sum_reports_a_lag_that_fits_nowhere():
    assert K.structure_sum(np.zeros((4, 5), np.float32), 5) == -1.0


def test_fill_spectrum_gives_power_law_amplitudes():
    rows, cols = 8, 10
    phase = np.random.default_rng(0).random((rows, cols // 2 + 1), dtype=np.float32)
    spec = np.empty((rows, cols // 2 + 1), np.complex64)
    K.fill_spectrum(spec, phase, rows, cols, 1.7)
    fy = np.fft.fftfreq(rows)[:, None]
    fx = np.fft.rfftfreq(cols)[None, :]
    f = np.hypot(fx, fy)
    with np.errstate(divide="ignore"):
        want = np.where(f > 0, f ** -1.7, 0.0)
    np.testing.assert_allclose(np.abs(spec), want, rtol=1e-5)
    np.testing.assert_allclose(np.angle(spec[1:, 1:]) % (2 * np.pi),
                               (2 * np.pi * phase[1:, 1:].astype(np.float64)) % (2 * np.pi),
                               atol=1e-4)


@pytest.mark.parametrize("step, width", [(1, 0.0), (3, 0.6), (5, 0.6)])
def test_ripple_field_matches_direct_evaluation(step, width):
    rng = np.random.default_rng(step)
    rows, cols = 40, 700  # long rows: the per-column interpolation tables must hold
    shape = ((rows - 1) // step + 4, (cols - 1) // step + 4)
    re, im, patch = (rng.standard_normal(shape) for _ in range(3))
    mask = rng.random((rows, cols)).astype(np.float32)
    mask[:, :50] = 0.0
    args = (0.5, step, re, im, patch, mask, 0.2, 1.1, -0.4, 0.5, 0.35, 2.2, -0.3, width)
    z = np.full((rows, cols), 1.0, np.float32)
    assert K.add_ripple_field(z, *args) == 0
    want = 1.0 + naive.ripple_field((rows, cols), *args)
    np.testing.assert_allclose(z, want, atol=2e-6)
    assert np.all(z[:, :50] == 1.0)


def test_ripple_crater_mask_is_zero_inside_rims_and_thins_over_fresh_ejecta():
    cell = 0.5
    mask = np.ones((200, 200), np.float32)
    x, y, d = np.array([25.0, 75.0]), np.array([50.0, 50.0]), np.array([20.0, 20.0])
    fresh = np.array([1.0, 0.0])
    K.ripple_crater_mask(mask, cell, x, y, d, fresh, np.ones(2), np.zeros(2))
    rr, cc = np.mgrid[0:200, 0:200]
    for k in range(2):
        q = np.hypot((cc + 0.5) * cell - x[k], (rr + 0.5) * cell - y[k]) / 10.0
        assert np.all(mask[q <= 1.0] == 0.0)
        assert np.all(mask[(q > 2.05) & (q < 2.2)] == 1.0)
    # at 1.5 R the fresh crater's ejecta still thin the ripples; the worn one's do not
    def ring(k):
        return np.abs(np.hypot((cc + 0.5) * cell - x[k], (rr + 0.5) * cell - y[k]) - 15.0) < 0.3

    assert 0.2 < mask[ring(0)].mean() < 0.8
    assert np.all(mask[ring(1)] == 1.0)
