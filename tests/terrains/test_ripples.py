"""Ripple fields (issue 23, Build 5), measured with the survey's own code (never stats()).

The ripples alone are the difference between a terrain with them and the same seed without
(each model has its own random stream), on flat ground: no relief, no rocks.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from terrains import generate
from tests.terrains import survey as S

FLAT = dict(rms_slope_deg=0.0, rock_model="none")
LAMBDA, HEIGHT = 5.0, 0.12


def _ripples(size=1024, cell=0.5, seed=4, craters=False, **kw):
    """(ripples alone float64 (size, size) [m], the terrain with them)."""
    params = dict(FLAT, crater_density_a=0.0 if not craters else 0.01,
                  ripple_wavelength_m=LAMBDA, ripple_height_m=HEIGHT, **kw)
    if craters:
        params.update(crater_min_d_m=2.0, crater_max_d_m=60.0)
    t = generate("mars", size=size, cell_size=cell, seed=seed, **params)
    bare = generate("mars", size=size, cell_size=cell, seed=seed,
                    **dict(params, ripple_height_m=0.0))
    assert np.array_equal(t.craters, bare.craters)
    return t.height.astype(np.float64) - bare.height.astype(np.float64), t


@pytest.fixture(scope="module")
def field():
    return _ripples()[0]


def test_crest_spacing_varies_about_the_wavelength(field):
    crests = S.crest_map(field, 0.5, LAMBDA, 0.2 * HEIGHT)
    med, spread, d = S.crest_spacings(crests, field, 0.5)
    assert med == pytest.approx(LAMBDA, rel=0.05)
    # a single wave train has spread 0 (tests/terrains/test_survey.py); here the local
    # wavenumber varies by RIPPLE_WAVENUMBER_SPREAD = 12%
    assert 0.07 < spread < 0.25
    assert np.percentile(d, 90) > 1.1 * LAMBDA and np.percentile(d, 10) < 0.9 * LAMBDA


def test_ripple_heights_vary_and_stay_bounded(field):
    crests = S.crest_map(field, 0.5, LAMBDA, 0.01)
    h = field[crests]   # flat troughs at 0: the crest's height is its height above them
    assert h.max() <= 2.75 * HEIGHT + 1e-6
    assert 0.6 * HEIGHT < np.median(h) < 1.2 * HEIGHT   # Rayleigh envelope, median 0.83
    assert np.percentile(h, 90) > 2.0 * np.percentile(h, 25)


def test_crests_end_and_join(field):
    crests = S.crest_map(field, 0.5, LAMBDA, 0.2 * HEIGHT)
    term, junc = S.crest_defects(crests, 0.5, LAMBDA)
    per_l2 = (term + junc) / (field.size * 0.25) * LAMBDA ** 2
    # a single wave train has none; these crests run about 5-20 wavelengths between defects
    assert term > 50 and junc > 20
    assert 0.03 < per_l2 < 0.4


def test_profile_is_asymmetric_with_the_lee_downwind(field):
    # crests run north (azimuth 0): the wind, and the short steep lee faces, point east
    assert S.slope_skewness(field) < -0.5
    west, _ = _ripples(size=512, ripple_azimuth_deg=180.0)
    assert S.slope_skewness(west) > 0.5


def test_patches_cover_the_stated_fraction():
    rippled = []
    for cover in (0.3, 1.0):
        z, _ = _ripples(size=1024, cell=1.0, ripple_cover=cover)
        # a cell is in a ripple patch when a crest of 2 cm or more lies within a wavelength
        from scipy import ndimage
        near = ndimage.maximum_filter(z, size=int(LAMBDA) * 2 + 1) > 0.02
        rippled.append(float(near.mean()))
    assert 0.2 < rippled[0] < 0.45
    assert rippled[1] > 0.95


def test_no_ripples_inside_craters():
    z, t = _ripples(size=1024, cell=0.5, seed=7, craters=True)
    cr = t.craters
    big = cr[cr[:, 2] >= 2.0 * LAMBDA]
    assert len(big) >= 10
    inside = S.disc_mask(z.shape, 0.5, big[:, 0], big[:, 1], 0.4 * big[:, 2])
    away = ~S.disc_mask(z.shape, 0.5, cr[:, 0], cr[:, 1], 1.5 * cr[:, 2])
    rms_in = float(np.sqrt(np.mean(z[inside] ** 2)))
    rms_out = float(np.sqrt(np.mean(z[away] ** 2)))
    assert rms_out > 0.3 * HEIGHT
    assert rms_in < 0.02 * rms_out


def test_same_seed_same_bits_and_seeds_differ():
    a = generate(preset="mars-meridiani", size=300, seed=5).height
    b = generate(preset="mars-meridiani", size=300, seed=5).height
    c = generate(preset="mars-meridiani", size=300, seed=6).height
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_meridiani_ripples_alone_stay_under_the_sites_slope():
    # the ripples must leave room for the whole surface to meet mars-meridiani's 1 m target
    # (terrains/_targets.py: at most 2.8 deg); alone, at 1 m cells, they give about 1.7 deg, so
    # that the calibrated relief adds to them
    from terrains import _generate as G

    _, shape, cell, p = G.resolve(None, "mars-meridiani", 1024, 1.0, {})
    z = np.zeros(shape, np.float32)
    G.add_ripples(z, cell, p, G.stream(0, "ripples", "mars-meridiani"))
    deg = S.rms_slope_deg(z, cell, 1.0)
    assert 1.4 < deg < 2.0
    assert math.isfinite(deg)
