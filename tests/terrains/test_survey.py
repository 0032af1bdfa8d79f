"""The survey's yardstick checked on surfaces whose answers are known (tests/terrains/survey.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.terrains import survey as S


def _fbm(n: int, hurst: float, seed: int) -> np.ndarray:
    """Periodic fBm surface (n, n) by spectral synthesis: amplitude |f|^-(H+1), random phase."""
    rng = np.random.default_rng(seed)
    fy = np.fft.fftfreq(n)[:, None]
    fx = np.fft.rfftfreq(n)[None, :]
    f = np.hypot(fx, fy)
    f[0, 0] = 1.0
    amp = f ** -(hurst + 1.0)
    amp[0, 0] = 0.0
    spec = amp * np.exp(2j * math.pi * rng.random(amp.shape))
    return np.fft.irfft2(spec, s=(n, n))


# --- slopes -----------------------------------------------------------------------------------

@pytest.mark.parametrize("deg", [2.0, 10.0, 30.0])
def test_plane_slope_pools_both_axes(deg):
    cell = 0.5
    rows, cols = 40, 60
    x = (np.arange(cols) + 0.5) * cell
    z = np.tile(math.tan(math.radians(deg)) * x, (rows, 1))
    # along rows every pair has the plane's angle, along columns 0: the pooled RMS weights
    # them by their pair counts
    n_row = rows * (cols - 2)
    n_col = (rows - 2) * cols
    want = deg * math.sqrt(n_row / (n_row + n_col))
    assert S.rms_slope_deg(z, cell, 1.0) == pytest.approx(want, rel=1e-9)


def test_slope_of_diagonal_plane_and_baseline_check():
    cell = 1.0
    yy, xx = np.mgrid[0:50, 0:50].astype(float)
    g = 0.1
    z = g * xx + g * yy
    assert S.rms_slope_deg(z, cell, 5.0) == pytest.approx(math.degrees(math.atan(g)), rel=1e-9)
    with pytest.raises(ValueError, match="whole number"):
        S.rms_slope_deg(z, 0.5, 1.25)


def test_slope_of_a_step_counts_only_the_pairs_across_it():
    z = np.zeros((10, 20))
    z[:, 10:] = 1.0            # a 1 m step between columns 9 and 10
    # lag 1: 10 of the 19 * 10 + 9 * 20 pairs cross it, at 45 deg
    pairs = 19 * 10 + 9 * 20
    want = math.degrees(math.sqrt(10 * (math.pi / 4) ** 2 / pairs))
    assert S.rms_slope_deg(z, 1.0, 1.0) == pytest.approx(want, rel=1e-12)


# --- Hurst exponent ---------------------------------------------------------------------------

def _nu_from_spectrum(z: np.ndarray, lag: int) -> float:
    """RMS height difference at ``lag`` cells of a periodic field, from its Fourier
    coefficients (wrap-around pairs, both axes): (1/N^4) sum |F|^2 2 (1 - cos(2 pi k lag / N))."""
    n = z.shape[0]
    p = np.abs(np.fft.fft2(z)) ** 2 / n ** 4
    k = np.fft.fftfreq(n) * n
    wx = 2.0 * (1.0 - np.cos(2 * math.pi * k[None, :] * lag / n))
    wy = 2.0 * (1.0 - np.cos(2 * math.pi * k[:, None] * lag / n))
    return math.sqrt(0.5 * float(np.sum(p * (wx + wy))))


@pytest.mark.parametrize("hurst", [0.4, 0.5, 0.6])
def test_hurst_of_spectral_fbm(hurst):
    # Lags from 4 cells (the grid's Nyquist cut-off raises the slope below that for low H)
    # to 1/16 of the side (the missing power beyond the side lowers it above that).
    z = _fbm(1024, hurst, seed=3)
    h, lags = S.hurst_exponent(z, 1.0, 4.0, 64.0)
    assert lags[0] == 4.0 and lags[-1] == 64.0
    assert h == pytest.approx(hurst, abs=0.03)


@pytest.mark.parametrize("hurst", [0.4, 0.8, 0.95])
def test_deviogram_matches_the_fields_own_spectrum(hurst):
    # A finite fBm has no power beyond its side, so for H near 1 its deviogram slope reads
    # low (by (L/N)^(2 - 2H) corrections: 0.75 for H = 0.8, 0.84 for 0.95 over 2-64 cells
    # of 1024). The exact deviogram of the very field, from its Fourier coefficients, is the
    # known answer the survey must reproduce, at every H.
    z = _fbm(512, hurst, seed=4)
    lags = np.array([2, 4, 8, 16, 32])
    exact = np.array([_nu_from_spectrum(z, int(k)) for k in lags])
    measured = np.array([S.rms_height_difference(z, int(k)) for k in lags])
    assert np.allclose(measured, exact, rtol=0.02)
    h_exact = np.polyfit(np.log(lags), np.log(exact), 1)[0]
    assert S.hurst_exponent(z, 1.0, 2.0, 32.0, n=5)[0] == pytest.approx(h_exact, abs=0.01)


def test_hurst_of_a_plane_is_one_and_rms_difference_is_linear():
    yy, xx = np.mgrid[0:60, 0:100].astype(float)
    z = 0.3 * (xx + yy)
    assert S.hurst_exponent(z, 1.0, 1.0, 20.0)[0] == pytest.approx(1.0, abs=1e-9)


def test_hurst_separates_rough_and_smooth():
    lo = S.hurst_exponent(_fbm(512, 0.3, 1), 1.0, 2, 32)[0]
    hi = S.hurst_exponent(_fbm(512, 0.85, 1), 1.0, 2, 32)[0]
    assert hi - lo > 0.4


# --- craters: size-frequency ------------------------------------------------------------------

def _power_law(rng, n, dmin, dmax, b):
    u = rng.random(n)
    lo, hi = dmin ** -b, dmax ** -b
    return (lo - u * (lo - hi)) ** (-1.0 / b)


@pytest.mark.parametrize("b", [1.0, 2.0, 3.0])
def test_cumulative_slope_recovers_power_law(b):
    d = _power_law(np.random.default_rng(int(b * 10)), 4000, 2.0, 200.0, b)
    slope, n, err = S.cumulative_slope(d, 2.0, 200.0)
    assert n == 4000
    assert slope == pytest.approx(-b, abs=4 * err)
    assert err < 0.06


def test_cumulative_slope_on_a_broken_law_sees_both_branches():
    rng = np.random.default_rng(5)
    # equilibrium b = 2 from 5 to 50 m, production b = 3 from 50 to 500 m, continuous at 50 m
    small = _power_law(rng, 6000, 5.0, 50.0, 2.0)
    n50 = 6000 * 50.0 ** -2 / (5.0 ** -2 - 50.0 ** -2)
    large = _power_law(rng, int(n50 * (1 - (500 / 50) ** -3)), 50.0, 500.0, 3.0)
    d = np.concatenate([small, large])
    assert S.cumulative_slope(d, 5.0, 50.0)[0] == pytest.approx(-2.0, abs=0.1)
    assert S.cumulative_slope(d, 50.0, 500.0)[0] == pytest.approx(-3.0, abs=0.25)
    assert S.cumulative_slope(d[:5], 5.0, 50.0)[0] is None


def test_crater_density_counts_per_area():
    d = np.array([1.0, 5.0, 10.0, 10.0, 50.0])
    assert S.crater_density(d, 100.0, 10.0) == pytest.approx(3 / 100.0)


# --- craters: morphology ----------------------------------------------------------------------

def _stamp_crater(z, cell, x, y, d, depth, rim, ejecta_exp=3.0, elong=1.0, ejecta_end=None):
    """A fresh crater by hand: parabolic bowl to the rim crest, ejecta rim * (r/R)^-exp
    (to ``ejecta_end`` R, then nothing; None: without end); an ellipse of axis ratio
    ``elong`` (long axis east-west) and the circle's area."""
    rows, cols = z.shape
    yy, xx = np.mgrid[0:rows, 0:cols]
    a, b = d / 2 * math.sqrt(elong), d / 2 / math.sqrt(elong)
    q = np.hypot(((xx + 0.5) * cell - x) / a, ((yy + 0.5) * cell - y) / b)
    bowl = rim - depth + depth * q * q
    with np.errstate(divide="ignore"):
        ejecta = rim * q ** -ejecta_exp
    if ejecta_end is not None:
        ejecta = np.where(q < ejecta_end, ejecta, 0.0)
    z += np.where(q < 1.0, bowl, ejecta)


@pytest.mark.parametrize("cell", [0.5, 1.0])
def test_morphology_of_hand_placed_crater_on_a_tilted_plane(cell):
    n = int(260 / cell)
    yy, xx = np.mgrid[0:n, 0:n]
    z = 0.05 * (xx + 0.5) * cell - 0.02 * (yy + 0.5) * cell    # tilted ground
    d = 40.0
    # a continuous blanket reaching one diameter past the rim (3 R)
    _stamp_crater(z, cell, 131.0, 128.0, d, depth=0.2 * d, rim=0.036 * d, ejecta_end=3.0)
    m = S.crater_morphology(z, cell, 131.0, 128.0, d)
    assert m["depth_ratio"] == pytest.approx(0.2, rel=0.05)
    assert m["rim_ratio"] == pytest.approx(0.036, rel=0.1)
    assert m["relief_1p5_ratio"] == pytest.approx(0.036 * 1.5 ** -3, rel=0.1)
    assert m["relief_2_ratio"] == pytest.approx(0.036 * 2.0 ** -3, rel=0.1)


def test_morphology_of_a_blanket_without_end_is_low_by_the_stated_amounts():
    # (r/R)^-3 past the surroundings' ring (4-6 R): partly taken for curvature
    cell = 0.5
    z = np.zeros((520, 520))
    d = 40.0
    _stamp_crater(z, cell, 130.0, 130.0, d, depth=0.2 * d, rim=0.036 * d)
    m = S.crater_morphology(z, cell, 130.0, 130.0, d)
    assert m["rim_ratio"] == pytest.approx(0.036 * 0.98, rel=0.05)
    assert m["relief_1p5_ratio"] == pytest.approx(0.036 * 1.5 ** -3 * 0.92, rel=0.05)
    assert m["relief_2_ratio"] == pytest.approx(0.036 * 2.0 ** -3 * 0.82, rel=0.05)


@pytest.mark.parametrize("curvature", [-0.0013, 0.0013])
def test_morphology_of_a_crater_on_curved_ground(curvature):
    # a 40 m crater on the wall of a bowl 600 m across and 120 m deep (or on a dome): height
    # c r^2 about a centre 150 m away, so the ground under the crater slopes 22 deg and is
    # curved; a plane fitted to the surroundings left the curvature (c (5.5 R)^2 ~ 0.5 m
    # at the centre against a 1.4 m rim)
    cell = 0.5
    n = 520
    yy, xx = np.mgrid[0:n, 0:n]
    r2 = ((xx + 0.5) * cell - 130.0 - 150.0) ** 2 + ((yy + 0.5) * cell - 130.0) ** 2
    z = curvature * r2
    d = 40.0
    _stamp_crater(z, cell, 130.0, 130.0, d, depth=0.2 * d, rim=0.036 * d, ejecta_end=3.0)
    m = S.crater_morphology(z, cell, 130.0, 130.0, d)
    assert m["depth_ratio"] == pytest.approx(0.2, rel=0.05)
    assert m["rim_ratio"] == pytest.approx(0.036, rel=0.1)
    assert m["relief_1p5_ratio"] == pytest.approx(0.036 * 1.5 ** -3, rel=0.1)
    assert m["relief_2_ratio"] == pytest.approx(0.036 * 2.0 ** -3, rel=0.15)


def test_morphology_ignores_a_neighbour_on_part_of_the_ring():
    # a 40 m crater 4 m deep whose bowl lies across the measured crater's surroundings
    cell = 0.5
    z = np.zeros((520, 520))
    d = 40.0
    _stamp_crater(z, cell, 130.0, 130.0, d, depth=0.2 * d, rim=0.036 * d, ejecta_end=3.0)
    _stamp_crater(z, cell, 130.0 + 5.0 * 20.0, 130.0, 40.0, depth=4.0, rim=0.0, ejecta_end=1.0)
    m = S.crater_morphology(z, cell, 130.0, 130.0, d)
    assert m["rim_ratio"] == pytest.approx(0.036, rel=0.1)
    assert m["relief_1p5_ratio"] == pytest.approx(0.036 * 1.5 ** -3, rel=0.1)
    assert m["relief_2_ratio"] == pytest.approx(0.036 * 2.0 ** -3, rel=0.15)


def test_morphology_of_a_slightly_elliptical_crater():
    # axis ratio 1.15: a circular profile would smear the crest over +-7% of R; the crest is
    # taken per azimuth sector
    cell = 0.5
    z = np.zeros((560, 560))
    d = 40.0
    _stamp_crater(z, cell, 140.0, 140.0, d, depth=0.2 * d, rim=0.036 * d, elong=1.15,
                  ejecta_end=3.0)
    m = S.crater_morphology(z, cell, 140.0, 140.0, d)
    assert m["rim_ratio"] == pytest.approx(0.036, rel=0.07)   # one circular profile: -18%
    assert m["depth_ratio"] == pytest.approx(0.2, rel=0.05)


def test_morphology_sees_ejecta_that_stop_at_1p5_radii():
    cell = 0.5
    z = np.zeros((520, 520))
    d = 40.0
    _stamp_crater(z, cell, 130.0, 130.0, d, depth=0.13 * d, rim=0.036 * d)
    yy, xx = np.mgrid[0:520, 0:520]
    q = np.hypot((xx + 0.5) * cell - 130.0, (yy + 0.5) * cell - 130.0) / 20.0
    z[q >= 1.5] = 0.0          # the generator's blanket up to issue 23: nothing past 1.5 R
    m = S.crater_morphology(z, cell, 130.0, 130.0, d)
    assert m["depth_ratio"] == pytest.approx(0.13, rel=0.05)
    assert m["relief_2_ratio"] == pytest.approx(0.0, abs=1e-9)


def test_morphology_refuses_craters_at_the_edge_or_too_small():
    z = np.zeros((200, 200))
    assert S.crater_morphology(z, 1.0, 50.0, 100.0, 20.0) is None     # 6 R reaches the edge
    assert S.crater_morphology(z, 1.0, 100.0, 100.0, 20.0) is not None
    assert S.crater_morphology(z, 1.0, 50.0, 50.0, 6.0) is None


# --- rocks ------------------------------------------------------------------------------------

def test_gr_cover_and_k_fit_round_trip():
    k = 0.19
    q = 1.79 + 0.152 / k
    assert S.gr_cover(k, 0.0) == pytest.approx(k)
    assert S.gr_cover(k, 1.0) == pytest.approx(k * math.exp(-q))
    cover = S.gr_cover(k, 0.5) - S.gr_cover(k, 10.0)
    assert S.fit_cover_k(cover, 0.5, 10.0) == pytest.approx(k, rel=1e-6)


def test_listed_cover_and_disc_mask_of_hand_placed_rocks():
    cell = 0.5
    rocks = np.array([[10.0, 10.0, 2.0, 1.0],     # disc of radius 1 m at (10, 10)
                      [30.25, 20.25, 0.3, 0.15],   # small rock right on a cell centre
                      [40.0, 40.0, 0.3, 0.15]])    # small rock between four cell centres
    area = 50.0 * 50.0
    assert S.listed_cover(rocks, area) == pytest.approx(math.pi * (1 + 0.0225 * 2) / area)
    assert S.listed_cover(rocks, area, d_lo=1.0) == pytest.approx(math.pi / area)
    m = S.disc_mask((100, 100), cell, rocks[:, 0], rocks[:, 1], rocks[:, 2] / 2)
    # radius 1 m at 0.5 m cells with the centre on a cell corner: 12 centres strictly inside
    yy, xx = np.mgrid[0:100, 0:100]
    ref = np.zeros((100, 100), bool)
    for x, y, d, _ in rocks:
        ref |= np.hypot((xx + 0.5) * cell - x, (yy + 0.5) * cell - y) < d / 2
    assert (m == ref).all()
    assert m[15:25, 15:25].sum() == 12        # radius 1 m about a cell corner
    assert m[40, 60] and not m[78:82, 78:82].any()


def test_rock_visibility_finds_missing_and_stacked_rocks():
    cell = 0.5
    rocks = np.array([[10.25, 10.25, 2.0, 1.0],
                      [10.25, 10.25, 1.0, 0.5],     # on top of the first: stacked
                      [40.0, 40.0, 0.3, 0.15]])     # hits no cell centre: missing
    delta = np.zeros((100, 100))
    yy, xx = np.mgrid[0:100, 0:100]
    for x, y, d, h in rocks:
        q2 = (((xx + 0.5) * cell - x) ** 2 + ((yy + 0.5) * cell - y) ** 2) / (d / 2) ** 2
        delta += np.where(q2 < 1, h * np.sqrt(np.clip(1 - q2, 0, None)), 0.0)
    v = S.rock_visibility(delta, cell, rocks)
    assert v["n"] == 3
    assert v["missing"] == pytest.approx(1 / 3)
    assert v["stacked"] == pytest.approx(2 / 3)   # both rocks of the pile stand too tall
    assert v["hidden"] == 0.0
    assert v["unseen"] == pytest.approx(1 / 3)    # the small rock between cell centres
    delta[80, 80] += 0.15                         # ... unless the cell holding it shows it
    assert S.rock_visibility(delta, cell, rocks)["unseen"] == 0.0
    delta[80, 80] -= 0.15
    # the same pile drawn as the highest rock wherever rocks overlap: nothing is stacked,
    # although the small rock's cells stand higher than its own height
    top = np.zeros((100, 100))
    for x, y, d, h in rocks:
        q2 = (((xx + 0.5) * cell - x) ** 2 + ((yy + 0.5) * cell - y) ** 2) / (d / 2) ** 2
        top = np.maximum(top, np.where(q2 < 1, h * np.sqrt(np.clip(1 - q2, 0, None)), 0.0))
    assert S.rock_visibility(top, cell, rocks)["stacked"] == 0.0
    tallest = S.rock_height_max((100, 100), cell, rocks)
    assert tallest[20, 20] == 1.0 and tallest[80, 80] == 0.15 and tallest[0, 0] == 0.0
    assert S.rock_grid_cover(delta) == pytest.approx(np.count_nonzero(delta > 0.01) / 1e4)


def test_volume_cover_round_trip_and_a_hand_made_rock_field():
    # closed form against a plain quadrature, and k back from the volume
    k, hr = 0.19, 0.5
    q = 1.79 + 0.152 / k
    d = np.linspace(0.0, 10.0, 200001)
    f = (2 / 3) * hr * d * k * q * np.exp(-q * d)
    quad = float(np.sum(0.5 * (f[1:] + f[:-1]) * np.diff(d)))
    assert S.gr_volume_per_area(k, hr, 0.0, 10.0) == pytest.approx(quad, rel=1e-6)
    for kk in (0.02, 0.05, 0.08, 0.19):
        v = S.gr_volume_per_area(kk, hr, 0.0, 10.0)
        assert S.cover_k_from_volume(v, hr, 0.0, 10.0) == pytest.approx(kk, rel=1e-6)
    # hand-placed rocks of known sizes, drawn exactly on a fine grid and averaged to cells:
    # the mean of the cell field is their volume (no overlaps: a lattice of rocks)
    cell, sub = 0.5, 16
    sizes = np.array([0.2, 0.4, 0.8, 1.6])
    rocks = np.array([[5.0 + 10.0 * i + 0.13 * j, 5.0 + 10.0 * j + 0.31 * i, sizes[(i + j) % 4],
                       0.5 * sizes[(i + j) % 4]] for i in range(5) for j in range(5)])
    fine = np.zeros((100 * sub, 100 * sub))
    t = (np.arange(100 * sub) + 0.5) * cell / sub
    yy, xx = np.meshgrid(t, t, indexing="ij")
    for x, y, dd, h in rocks:
        q2 = ((xx - x) ** 2 + (yy - y) ** 2) / (dd / 2) ** 2
        fine = np.maximum(fine, np.where(q2 < 1, h * np.sqrt(np.clip(1 - q2, 0, None)), 0.0))
    cells = fine.reshape(100, sub, 100, sub).mean(axis=(1, 3))
    vol = float(np.sum((2 / 3) * math.pi * (rocks[:, 2] / 2) ** 2 * rocks[:, 3]))
    assert cells.mean() * 50.0 ** 2 == pytest.approx(vol, rel=0.01)
    # each rock's own cell means (rock_cell_means) sum to its volume, and every rock shows
    for rock in rocks:
        r0, c0, means = S.rock_cell_means((100, 100), cell, rock)
        assert means.sum() * cell ** 2 == pytest.approx(
            (2 / 3) * math.pi * (rock[2] / 2) ** 2 * rock[3], rel=0.03)
    v = S.rock_visibility(cells, cell, rocks)
    assert v["unseen"] == 0.0 and v["stacked"] == 0.0
    # a cell-mean rock straddling four cells (no cell at half its height) still shows
    one = np.array([[20.0, 20.0, 0.5, 0.25]])
    r0, c0, means = S.rock_cell_means((100, 100), cell, one[0])
    z = np.zeros((100, 100))
    z[r0:r0 + means.shape[0], c0:c0 + means.shape[1]] = means
    assert z.max() < 0.5 * 0.25
    assert S.rock_visibility(z, cell, one)["unseen"] == 0.0
    assert S.rock_visibility(np.zeros((100, 100)), cell, one)["unseen"] == 1.0


def test_density_ratio_near_craters():
    rng = np.random.default_rng(0)
    cell, n = 1.0, 200
    craters = np.array([[100.0, 100.0, 40.0, 8.0], [20.0, 20.0, 10.0, 2.0]])  # 2nd too small
    far = rng.random((3000, 2)) * n
    near_r = np.sqrt(rng.random(900)) * 30.0
    near_a = rng.random(900) * 2 * math.pi
    near = np.column_stack([100 + near_r * np.cos(near_a), 100 + near_r * np.sin(near_a)])
    rocks = np.column_stack([np.vstack([far, near]), np.ones((3900, 2))])
    ratio, n_in, n_out, frac = S.density_ratio_near(rocks, craters, (n, n), cell)
    assert frac == pytest.approx(math.pi * 30 ** 2 / n ** 2, rel=0.02)
    # 3000 uniform rocks add ~3000 * frac inside; 900 more inside: expected ratio ~
    expect = (3000 * frac + 900) / frac / 3000
    assert ratio == pytest.approx(expect, rel=0.15)
    assert math.isnan(S.density_ratio_near(rocks[:0], craters, (n, n), cell)[0])


# --- footprint --------------------------------------------------------------------------------

def test_footprint_anisotropy_of_square_and_disc():
    sq = np.zeros((41, 41), bool)
    sq[10:31, 10:31] = True
    assert S.footprint_anisotropy(sq, (20, 20)) == pytest.approx(math.sqrt(2))
    yy, xx = np.mgrid[0:41, 0:41]
    disc = np.hypot(yy - 20, xx - 20) <= 10.0
    assert S.footprint_anisotropy(disc, (20, 20)) == pytest.approx(1.0, abs=0.06)


# --- ripple crests ----------------------------------------------------------------------------

def _grid(n, cell):
    r, c = np.mgrid[0:n, 0:n]
    return (c + 0.5) * cell, (r + 0.5) * cell


def test_a_regular_wave_train_has_its_spacing_and_no_defects():
    cell, lam = 0.5, 5.0
    x, y = _grid(300, cell)
    z = 0.1 * np.sin(2 * math.pi * x / lam + 0.3)
    crests = S.crest_map(z, cell, lam, 0.03)
    med, spread, _ = S.crest_spacings(crests, z, cell)
    assert med == pytest.approx(lam, abs=1e-9) and spread < 1e-9
    assert S.crest_defects(crests, cell, lam) == (0, 0)
    assert abs(S.slope_skewness(z)) < 0.01


def test_spacings_follow_a_chirp_between_cells():
    # the wavelength grows from 4 m to 6 m across the grid: crest spacings measured between
    # cells (parabolic vertex) spread accordingly
    cell = 0.5
    x, y = _grid(400, cell)
    k = 2 * math.pi * (x / 4.0 - (1 / 4.0 - 1 / 6.0) * x ** 2 / (2 * 200.0))
    z = 0.1 * np.sin(k)
    med, spread, d = S.crest_spacings(S.crest_map(z, cell, 5.0, 0.03), z, cell)
    assert 4.0 - 0.1 < d.min() and d.max() < 6.0 + 0.1
    assert 4.6 < med < 5.2 and 0.08 < spread < 0.16   # uniform in 1/lambda: sd ~0.11


def test_crests_fading_out_are_terminations():
    cell, lam = 0.5, 5.0
    x, y = _grid(200, cell)
    # the wave train fades out north of y = 50 m: each of its 20 crests ends there
    z = 0.1 * np.sin(2 * math.pi * x / lam) * 0.5 * (1 - np.tanh((y - 50) / 2.0))
    assert S.crest_defects(S.crest_map(z, cell, lam, 0.03), cell, lam) == (20, 0)


def test_a_dislocation_is_one_junction():
    # one phase singularity: a crest is inserted, a Y-junction in the crest lines
    cell, lam = 0.5, 5.0
    x, y = _grid(200, cell)
    z = 0.1 * np.sin(2 * math.pi * x / lam + np.arctan2(y - 50.2, x - 50.3))
    assert S.crest_defects(S.crest_map(z, cell, lam, 0.03), cell, lam) == (0, 1)


def test_slope_skewness_says_which_way_the_lee_faces():
    x, _ = _grid(200, 0.5)
    t = (x / 5.0) % 1.0
    z = 0.1 * np.where(t < 0.7, t / 0.7, (1 - t) / 0.3)   # lee (steep) faces to the east
    assert S.slope_skewness(z) < -0.5
    assert S.slope_skewness(z[:, ::-1]) == pytest.approx(-S.slope_skewness(z))
