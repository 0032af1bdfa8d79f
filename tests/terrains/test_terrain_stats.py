"""Measured back: terrains.stats recovers the numbers a terrain was generated from.

Quality bars (issue 4): rock cover within 15 % of k; crater SFD exponent within 0.2 of b;
Hurst within 0.1 of H; RMS slope at the reference baseline within 15 % of its target.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import terrains
from terrains import generate, stats
from terrains._stats import fit_golombek_rapp, fit_power_law, hurst_estimate, rms_slope_deg


@pytest.mark.parametrize("hurst", [0.3, 0.55, 0.8, 0.95])
@pytest.mark.parametrize("seed", [0, 5])
def test_hurst_within_0_1(hurst, seed):
    s = stats(generate("mars", size=512, seed=seed, hurst=hurst))
    assert s["measured_on"] == "relief"
    assert abs(s["hurst"] - hurst) <= 0.1


@pytest.mark.parametrize("baseline_m, slope_deg", [(1.0, 5.4), (10.0, 2.5), (100.0, 1.7),
                                                   (3.3, 4.0), (25.0, 3.0)])
def test_rms_slope_at_reference_baseline_within_15_percent(baseline_m, slope_deg):
    for seed in (1, 2):
        t = generate("moon", size=(512, 480), cell_size=0.5, seed=seed, rms_slope_deg=slope_deg,
                     rms_baseline_m=baseline_m, hurst=0.7)
        at = stats(t)["rms_slope_at_baseline"]
        assert at["baseline_m"] == baseline_m
        assert at["deg"] == pytest.approx(slope_deg, rel=0.15)


def test_reported_baselines_are_those_that_fit():
    s = stats(generate("mars", size=64, cell_size=0.5))  # 32 m wide
    assert set(s["rms_slope_deg"]) == {"1", "10"}
    s = stats(generate("mars", size=64, cell_size=2.0))  # a 1 m baseline is under a cell
    assert set(s["rms_slope_deg"]) == {"10"}
    # a reference baseline below one cell: matched by extrapolation, reported as not measurable
    s = stats(generate("mars", size=64, cell_size=2.0, rms_baseline_m=1.0))
    assert s["rms_slope_at_baseline"] is None


@pytest.mark.parametrize("b", [1.5, 1.92, 2.5, 3.2])
@pytest.mark.parametrize("body", ["mars", "moon"])
def test_crater_exponent_within_0_2(b, body):
    t = generate(body, size=512, seed=3, crater_exponent_b=b)
    c = stats(t)["craters"]
    assert c["count"] > 100
    assert abs(c["exponent_b"] - b) <= 0.2
    assert c["density_a"] == pytest.approx(t.params["crater_density_a"], rel=0.3)


@pytest.mark.parametrize("k", [0.05, 0.1, 0.19, 0.3, 0.45])
def test_rock_cover_within_15_percent(k):
    t = generate("mars", size=1024, seed=9, rock_cover=k)
    r = stats(t)["rocks"]
    assert r["model"] == "golombek-rapp"
    assert r["cover"] == pytest.approx(k, rel=0.15)
    # the listed rocks (>= 0.5 m) cover what the model says rocks of that size cover
    dmin = t.params["rock_min_d_m"]
    assert r["cover_listed"] == pytest.approx(k * math.exp(-(1.79 + 0.152 / k) * dmin), rel=0.15)


def test_lunar_rock_power_law_is_fitted():
    t = generate("moon", size=1024, seed=2, rock_density_a=3e-3, rock_exponent_b=2.482)
    r = stats(t)["rocks"]
    assert r["model"] == "power-law" and r["count"] > 1000
    assert abs(r["exponent_b"] - 2.482) <= 0.2
    assert r["density_a"] == pytest.approx(3e-3, rel=0.2)


@pytest.mark.parametrize("preset", sorted(terrains.presets()))
def test_every_preset_meets_its_own_targets(preset):
    t = generate(preset=preset, size=512, seed=4)
    s = stats(t)
    p = t.params
    if p["surface_slope_deg"] is None:
        assert abs(s["hurst"] - p["hurst"]) <= 0.1
        assert s["rms_slope_at_baseline"]["deg"] == pytest.approx(p["rms_slope_deg"], rel=0.15)
        assert s["targets"]["hurst"] == p["hurst"]
    else:
        # the relief is calibrated against the whole surface (issue 23), not scaled to
        # hurst and rms_slope_deg: those are no target (the survey checks the surface)
        assert "hurst" not in s["targets"] and "rms_slope_deg" not in s["targets"]
    assert abs(s["craters"]["exponent_b"] - p["crater_exponent_b"]) <= 0.2
    if p["rock_model"] == "golombek-rapp":
        assert s["rocks"]["cover"] == pytest.approx(p["rock_cover"], rel=0.15)
    json.dumps(s)  # JSON-ready


def test_stats_of_an_imported_heightmap_measure_the_height_field(tmp_path):
    z = generate("mars", size=256, seed=1, crater_density_a=0.0, rock_model="none").height
    np.save(tmp_path / "dem.npy", z)
    t = terrains.load_heightmap(tmp_path / "dem.npy", cell_size=0.5)
    s = stats(t)
    assert s["measured_on"] == "height" and s["targets"] == {} and s["seed"] is None
    assert s["craters"]["count"] == 0 and s["rocks"]["count"] == 0
    assert s["rms_slope_deg"]["1"] == pytest.approx(5.4, rel=1e-4)
    json.dumps(s)


def test_stats_needs_a_terrain():
    with pytest.raises(TypeError, match="stats\\(\\) needs a Terrain, got ndarray"):
        stats(np.zeros((4, 4)))


# ----------------------------------------------------------- estimators on independent data

def _gaussian_fbm(n, hurst, seed):
    """fBm by the textbook recipe (Gaussian white noise filtered by f^-(H+1)), not ours."""
    rng = np.random.default_rng(seed)
    noise = np.fft.rfft2(rng.normal(size=(n, n)))
    f = np.hypot(np.fft.fftfreq(n)[:, None], np.fft.rfftfreq(n)[None, :])
    f[0, 0] = np.inf
    return np.fft.irfft2(noise * f ** -(hurst + 1.0), s=(n, n))


@pytest.mark.parametrize("hurst", [0.4, 0.7, 0.9])
def test_hurst_estimator_on_a_non_periodic_patch(hurst):
    # cropping a quarter out of a periodic field makes it non-periodic, as a real DEM is
    z = _gaussian_fbm(1024, hurst, seed=int(hurst * 10))[:512, :512]
    assert abs(hurst_estimate(z) - hurst) <= 0.1


def test_rms_slope_of_a_plane_is_its_slope():
    x = np.arange(40) * 0.5
    z = np.tan(np.radians(10.0)) * np.broadcast_to(x, (40, 40))
    # along x the slope is 10 deg, along y 0: the RMS over both axes is sqrt(1/2) of it
    want = math.degrees(math.atan(math.tan(math.radians(10.0)) / math.sqrt(2.0)))
    assert rms_slope_deg(z, 0.5, 2.0) == pytest.approx(want, rel=1e-6)
    assert rms_slope_deg(z, 0.5, 0.25) is None and rms_slope_deg(z, 0.5, 11.0) is None


def test_power_law_fit_of_an_iid_sample():
    rng = np.random.default_rng(0)
    b, dmin, dmax = 2.3, 1.0, 100.0
    u = rng.random(4000)
    d = (dmin ** -b - u * (dmin ** -b - dmax ** -b)) ** (-1 / b)
    fit = fit_power_law(d, dmin, dmax, area_m2=1e5)
    assert abs(fit["exponent_b"] - b) < 0.1
    bf = fit["exponent_b"]
    assert fit["density_a"] == pytest.approx(4000 / (1e5 * (1 - 100 ** -bf)), rel=1e-9)


def test_golombek_rapp_fit_of_an_iid_sample():
    # rejection-sample diameters from n(D) ~ exp(-qD) / D^2 independently of the generator
    k, dmin, dmax, area = 0.15, 0.5, 10.0, 2e5
    q = 1.79 + 0.152 / k
    rng = np.random.default_rng(1)
    grid = np.linspace(dmin, dmax, 200001)
    dens = k * q * np.exp(-q * grid) * 4 / (math.pi * grid ** 2)
    n = rng.poisson(area * np.trapezoid(dens, grid))
    out = []
    while len(out) < n:
        d = dmin / (1 - rng.random(4 * n) * (1 - dmin / dmax))  # ~ 1/D^2 on [dmin, dmax]
        keep = rng.random(d.size) < np.exp(-q * (d - dmin))
        out.extend(d[keep].tolist())
    fit = fit_golombek_rapp(np.array(out[:n]), dmin, dmax, area)
    assert fit["cover"] == pytest.approx(k, rel=0.15)


def test_too_few_objects_give_no_fit_rather_than_a_wild_one():
    t = generate("mars", size=32, seed=0, rock_cover=0.02, crater_density_a=0.001)
    s = stats(t)
    assert s["rocks"]["count"] < 10 and s["rocks"]["cover"] is None and s["rocks"]["q"] is None
    assert s["craters"]["count"] < 10 and s["craters"]["exponent_b"] is None
    json.dumps(s)


def test_a_sparse_rock_field_is_still_fitted_from_its_total_cover():
    # ~30 rocks: too few for the size thresholds above 0.5 m, enough for the cover at 0.5 m
    t = generate("mars", size=512, seed=1, rock_cover=0.02)
    r = stats(t)["rocks"]
    assert 10 <= r["count"] <= 100
    assert r["cover"] == pytest.approx(0.02, rel=0.3)


def test_a_spectrum_that_is_not_self_affine_has_no_hurst_exponent():
    # Strong ripples (0.3 m at 2.5 m over a gentle relief) put a peak in the spectrum; the
    # fitted log-slope then implies an "exponent" below 0, which is no Hurst exponent: None,
    # with the fitted slope alongside.
    s = stats(generate("mars", size=256, seed=12345, rms_slope_deg=1.0, ripple_height_m=0.3,
                       ripple_wavelength_m=2.5))["surface"]
    assert s["hurst"] is None
    assert s["psd_exponent"] is not None and s["psd_exponent"] < 2.0
    relief = stats(generate(preset="mars-jezero", size=256, seed=1))
    assert 0.0 < relief["hurst"] < 1.0
    assert relief["psd_exponent"] == pytest.approx(2.0 * relief["hurst"] + 2.0)


def test_whole_surface_slope_is_reported_at_the_reference_baseline():
    # The Moon presets' reference baseline (25 m) is not one of the fixed 1/10/100 m ones.
    t = generate(preset="moon-mare", size=128, seed=3)
    s = stats(t)
    at = s["surface"]["rms_slope_at_baseline"]
    assert at["baseline_m"] == 25.0
    assert at["deg"] == pytest.approx(rms_slope_deg(t.height, t.cell_size, 25.0))
    assert "25" not in s["surface"]["rms_slope_deg"]


def test_deviogram_hurst_of_a_plane_and_of_white_noise():
    from terrains._stats import deviogram_hurst

    yy, xx = np.mgrid[0:128, 0:128]
    # a plane: height differences grow as the lag (H = 1); white noise: they do not (H = 0)
    h, lo, hi = deviogram_hurst((0.1 * xx + 0.05 * yy).astype(np.float32), 0.5, 1.0, 30.0)
    assert h == pytest.approx(1.0, abs=1e-3) and (lo, hi) == (1.0, 30.0)
    noise = np.random.default_rng(3).normal(size=(128, 128)).astype(np.float32)
    assert abs(deviogram_hurst(noise, 0.5, 1.0, 30.0)[0]) < 0.02
    # past half the shorter side (100 cells: 25 m) the range is cut there, and says so
    h, lo, hi = deviogram_hurst(noise[:, :100], 0.5, 1.0, 40.0)
    assert (lo, hi) == (1.0, 25.0) and abs(h) < 0.02
    assert deviogram_hurst(noise[:4], 0.5, 1.0, 40.0)[0] is None   # one lag: no slope


def test_calibrated_surface_reports_its_deviogram_hurst_against_the_survey():
    """The whole surface's Hurst over the preset's lags, as stats() reports it and as the
    survey measures it (tests/terrains/survey.py: the same lags and fit at 0.5 m cells, its
    own sums of squared height differences), on the same terrain."""
    from tests.terrains import survey

    t = generate(preset="mars-ares-vallis", size=512, cell_size=0.5, seed=2)
    s = stats(t)
    lit = [r for r in s["literature"] if r["quantity"] == "hurst"]
    assert len(lit) == 1 and lit[0]["over"] == lit[0]["measured_over"] == [1.0, 100.0]
    h_lit, h_surf = lit[0]["measured"], s["surface"]["hurst_lags"]["hurst"]
    assert h_lit is not None and h_lit == h_surf
    want, _ = survey.hurst_exponent(t.height, 0.5, 1.0, 100.0)
    assert h_lit == pytest.approx(want, abs=0.01)
