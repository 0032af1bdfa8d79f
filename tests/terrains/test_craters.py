"""Issue 23's crater bars that the presets meet (Build 3, and Build 1-2 where they depend on
the craters), measured by the independent survey (tests/terrains/survey.py; never
``terrains.stats``) against the literature targets of ``terrains._targets``.

What is not met, and why, is in docs/DESIGN.md (terrain section) with the survey rows.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

import terrains
from terrains import _generate as G
from terrains import _presets as P
from terrains._targets import targets
from tests.terrains import survey as S


def _in_band(value, t, rel=None, abs_=None):
    if rel is not None:
        return abs(value - t.value) <= rel * abs(t.value)
    return abs(value - t.value) <= abs_


# --- the degradation law and the fresh share ---------------------------------------------------

def test_diffusion_law_meets_fassett_and_thomson():
    # Fassett & Thomson (2014): kappa ~5.5 m^2/Myr over 3 Ga leaves a 1 km crater ~52% of
    # its depth and a 300 m crater ~7%
    kt = 5.5 * 3000.0
    assert G.diffusion_depth(kt / 1000.0 ** 2) == pytest.approx(0.52, abs=0.01)
    assert G.diffusion_depth(kt / 300.0 ** 2) == pytest.approx(0.07, abs=0.01)
    assert G.diffusion_depth(G.diffusion_x(0.3)) == pytest.approx(0.3, rel=1e-12)


def test_lunar_fresh_share_is_the_steady_state_of_that_diffusion():
    # x = kappa t / D^2 uniform from the fresh crater to the ghost: the fresh class's share
    share = G.diffusion_x(G.FRESH_CLASS_DEPTH) / G.diffusion_x(G.GHOST_DEPTH)
    assert P._LUNAR_FRESH == pytest.approx(share, abs=5e-4)
    for name, preset in terrains.presets().items():
        want = P._LUNAR_FRESH if preset.body == "moon" else P._MARS_FRESH
        assert preset.params["crater_fresh_fraction"] == want, name


def test_crater_states_fresh_class_and_diffusion_worn():
    _, shape, cell, p = G.resolve(None, "moon-mare", 2048, 1.0, {})
    cr = G.craters(shape, cell, p, G.stream(0, "craters", "moon-mare"))
    fresh = np.isclose(cr[:, 6], 0.8, rtol=0.0, atol=1e-12)   # erase = 0.8 (1 - s): s = 0
    n = len(cr)
    f = p["crater_fresh_fraction"]
    assert abs(fresh.mean() - f) < 4.0 * np.sqrt(f * (1 - f) / n)
    # fresh craters carry Pike's rim; the worn ones are shallower than the fresh class ends
    assert np.allclose(cr[fresh, 4], 0.036 * cr[fresh, 2])
    worn = cr[~fresh]
    ratio = worn[:, 3] / worn[:, 2]                  # depth / D of the worn craters
    assert np.median(ratio) < 0.15 * 0.2             # median depth fraction ~0.14
    # below the fresh class (depth fraction 0.7, s = 0.3 / 0.85) the rim is at most
    # (1 - s)^2 = 0.42 of Pike's
    assert np.all(worn[:, 4] <= 0.036 * 0.42 * worn[:, 2])


def test_states_without_a_fresh_fraction_are_unchanged():
    # body defaults (no crater_fresh_fraction) keep the old states: mean crater_degradation
    _, shape, cell, p = G.resolve("moon", None, 512, 1.0, {})
    assert p["crater_fresh_fraction"] is None
    cr = G.craters(shape, cell, p, G.stream(0, "craters"))
    s = 1.0 - cr[:, 6] / 0.8
    assert s.mean() == pytest.approx(p["crater_degradation"], abs=0.02)


# --- the craters alone ------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _craters_alone(preset, n, cell, seed):
    """The preset's craters on flat ground (no relief, no rocks): the same crater list as the
    preset's terrain (the crater stream does not depend on the relief)."""
    return terrains.generate(preset=preset, size=n, cell_size=cell, seed=seed,
                             surface_slope_deg=None, rms_slope_deg=0.0, rock_model="none")


def test_craters_alone_are_the_same_craters_as_the_terrains():
    a = _craters_alone("moon-mare", 256, 1.0, 3)
    b = terrains.generate(preset="moon-mare", size=256, cell_size=1.0, seed=3)
    assert np.array_equal(a.craters, b.craters)


def test_mare_craters_alone_are_no_rougher_than_the_mare():
    # issue 23: moon-mare's craters alone measured 6.1-6.7 deg at 17 m on 2 km (10.0 and 6.2
    # on 512 m) against 4 deg (Rosenburg et al. 2011), leaving the relief nothing to
    # calibrate. Median over four seeds (one fresh crater of 400 m on a 2 km patch raises
    # its 17 m slope by ~2 deg: sampling, the reason for a median)
    for n, cell in ((1024, 0.5), (2048, 1.0)):
        slopes = [S.rms_slope_deg(_craters_alone("moon-mare", n, cell, s).height, cell, 17.0)
                  for s in range(4)]
        assert np.median(slopes) < 4.0, (n, slopes)


@pytest.mark.parametrize("preset", ["moon-mare", "moon-highlands"])
@pytest.mark.parametrize("seed", [0, 1])
def test_fresh_craters_alone_measure_pikes_and_mcgetchins_morphology(preset, seed):
    # bar: fresh craters within 20% of the cited morphology (d/D in Sun et al.'s 0.1-0.2,
    # rim 0.036 D, ejecta 0.036 D (r/R)^-3 at 1.5 R and 2 R), median over the fresh craters
    # of 20 m or more (listed d/D >= 0.12, as the survey table picks them) on 2 km of the
    # preset's craters alone
    cell = 1.0
    t = _craters_alone(preset, 2048, cell, seed)
    cr = t.craters
    side = 2048 * cell
    r6 = 3.0 * cr[:, 2]
    ok = ((cr[:, 2] >= 20.0) & (cr[:, 3] >= 0.12 * cr[:, 2]) & (cr[:, 0] >= r6)
          & (cr[:, 0] + r6 <= side) & (cr[:, 1] >= r6) & (cr[:, 1] + r6 <= side))
    ms = [S.crater_morphology(t.height, cell, x, y, d) for x, y, d, _ in cr[ok][:40]]
    ms = [m for m in ms if m is not None]
    assert len(ms) >= 20
    med = {k: float(np.median([m[k] for m in ms])) for k in ms[0]}
    by = {x.quantity: x for x in targets(preset) if x.over == (20.0, 15000.0)}
    (depth,) = [x for x in targets(preset) if x.quantity == "fresh_depth_ratio"
                and x.over == (20.0, 400.0)]
    assert depth.low <= med["depth_ratio"] <= depth.high, med
    assert _in_band(med["rim_ratio"], by["fresh_rim_ratio"], rel=0.2), med
    assert _in_band(med["relief_1p5_ratio"], by["ejecta_1p5r_ratio"], rel=0.2), med
    assert _in_band(med["relief_2_ratio"], by["ejecta_2r_ratio"], rel=0.2), med


# --- the whole surface ------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _surface(preset, n, cell, seed):
    return terrains.generate(preset=preset, size=n, cell_size=cell, seed=seed)


@pytest.mark.parametrize("preset", ["moon-highlands", "moon-south-pole"])
def test_lunar_whole_surface_meets_slope_and_hurst_at_both_extents(preset):
    # bar: RMS slope at 17 m within 15% of the target and the Hurst exponent over 17-170 m
    # within 0.07, at 512 m (1024 x 0.5 m) and 2 km (2048 x 1 m), the two extents within 15%
    # (moon-mare meets it on seed 1, not on seed 0: docs/DESIGN.md)
    (slope,) = [x for x in targets(preset) if x.quantity == "rms_slope_deg"]
    (hurst,) = [x for x in targets(preset) if x.quantity == "hurst"]
    got = []
    for n, cell in ((1024, 0.5), (2048, 1.0)):
        z = _surface(preset, n, cell, 0).height
        s = S.rms_slope_deg(z, cell, slope.at)
        h = S.hurst_exponent(z, cell, *hurst.over)[0]
        assert _in_band(s, slope, rel=0.15), (n, s)
        assert _in_band(h, hurst, abs_=0.07), (n, h)
        got.append(s)
    assert abs(got[0] - got[1]) <= 0.15 * got[1], got


@pytest.mark.parametrize("preset", ["moon-highlands", "moon-south-pole"])
def test_lunar_crater_densities_and_slopes_stay_in_band(preset):
    # bar: N(>D) within 20% of the cited density, cumulative slopes within 0.25 (2 km)
    t = _surface(preset, 2048, 1.0, 0)
    d = t.craters[:, 2]
    area = (2048 * 1.0) ** 2
    for x in targets(preset):
        if x.quantity == "crater_density":
            assert _in_band(S.crater_density(d, area, x.at), x, rel=0.2), x.at
        elif x.quantity == "crater_slope_below":
            b = S.cumulative_slope(d, *x.over)[0]
            assert _in_band(b, x, abs_=0.25), (x.over, b)
