"""hillshade and render_rgb: range, sun direction, north up, body tint, scale bar."""

from __future__ import annotations

import math

import numpy as np
import pytest

import terrains
from terrains import Terrain, bodies, generate, hillshade, render_rgb
from terrains._render import draw_scale_bar


def _ramp(rows, cols, dz_drow=0.0, dz_dcol=0.0, cell=1.0):
    r, c = np.mgrid[0:rows, 0:cols]
    return (dz_drow * r + dz_dcol * c) * cell


def test_range_dtype_and_flat_ground():
    t = generate(preset="moon-highlands", size=96, seed=1)
    s = hillshade(t.height, t.cell_size)
    assert s.dtype == np.float32 and s.shape == t.shape
    assert 0.0 <= s.min() and s.max() <= 1.0
    flat = hillshade(np.zeros((5, 5)), 0.5, altitude_deg=45.0)
    np.testing.assert_allclose(flat, math.sin(math.radians(45.0)), rtol=1e-6)


def test_slopes_facing_the_sun_are_brighter():
    # the default sun is in the north-west: ground rising to the south-east faces it
    north_rising = _ramp(8, 8, dz_drow=0.5)   # height grows with row = northward
    south_rising = _ramp(8, 8, dz_drow=-0.5)
    assert hillshade(south_rising, 1.0).mean() > hillshade(north_rising, 1.0).mean()
    east_rising = _ramp(8, 8, dz_dcol=0.5)
    west_rising = _ramp(8, 8, dz_dcol=-0.5)
    assert hillshade(east_rising, 1.0).mean() > hillshade(west_rising, 1.0).mean()
    # a sun from due north lights a slope that rises southward exactly as the formula says
    z = _ramp(6, 6, dz_drow=-1.0)  # 45 deg, facing north
    s = hillshade(z, 1.0, azimuth_deg=0.0, altitude_deg=45.0)
    assert float(s[3, 3]) == pytest.approx(1.0, abs=1e-6)


def test_render_is_north_up_and_body_tinted():
    z = np.zeros((10, 12), np.float32)
    z[-1, 0] = 5.0  # a spike in the north-west corner cell (last grid row)
    t = Terrain(height=z, cell_size=1.0, body=bodies()["mars"])
    img = render_rgb(t)
    assert img.dtype == np.uint8 and img.shape == (10, 12, 3)
    # the spike shows in the image's first row (north up), not in its last
    assert not np.array_equal(img[0, :2], img[5, 5][None, :].repeat(2, 0))
    assert np.array_equal(img[-1, :3], np.broadcast_to(img[5, 5], (3, 3)))
    r, g, b = (int(v) for v in img[5, 5])
    assert r > g > b  # butterscotch
    moon = render_rgb(Terrain(height=np.zeros((4, 4)), cell_size=1.0, body=bodies()["moon"]))
    r, g, b = (int(v) for v in moon[1, 1])
    assert max(r, g, b) - min(r, g, b) <= 10  # grey


def test_scale_bar_is_drawn_into_the_bottom_left():
    img = np.full((128, 256, 3), 100, np.uint8)
    length = draw_scale_bar(img, 0.5)
    assert length == 20.0  # a fifth of 128 m, rounded down to 1/2/5 x 10^k
    px = int(length / 0.5)
    white = (img == 255).all(axis=2)
    bar_rows = np.nonzero(white.sum(axis=1) == px)[0]  # rows holding exactly the bar
    assert bar_rows.size >= 2 and bar_rows.min() > 110  # a white bar near the bottom
    cols = np.nonzero(white[bar_rows[0]])[0]
    assert cols.min() < 10 and cols.max() - cols.min() + 1 == px
    assert (img[:, -20:] == 100).all()  # the right side is untouched
    assert draw_scale_bar(np.zeros((8, 8, 3), np.uint8), 1.0) == 0.0


@pytest.mark.parametrize("shape, cell, label", [
    ((128, 256), 0.5, "20 m"), ((512, 512), 0.5, "50 m"), ((300, 300), 0.5, "20 m"),
    ((600, 900), 2.5, "200 m"), ((2048, 2048), 5.0, "2 km"), ((400, 400), 0.01, "50 cm")])
def test_scale_bar_label_is_whole_and_inside_its_plate(shape, cell, label):
    from terrains._render import scale_bar_layout

    img = np.full(shape + (3,), 100, np.uint8)
    assert draw_scale_bar(img, cell) > 0
    lay = scale_bar_layout(img.shape, cell)
    assert lay["label"] == label
    t, l, b, r = lay["box"]
    assert 0 <= t and 0 <= l and b <= shape[0] and r <= shape[1]
    changed = (img != 100).any(axis=2)
    rows, cols = np.nonzero(changed)
    # every pixel drawn (plate, bar, ticks, label) lies inside the plate's box
    assert rows.min() >= t and rows.max() < b and cols.min() >= l and cols.max() < r
    # the label's glyphs: white pixels above the ticks, each glyph a run of lit columns
    s = lay["scale"]
    lt, ll, lb, lr = lay["label_box"]
    assert t < lt and lb < lay["bar"][0] - lay["tick"] and lr < r  # a margin all round
    text = (img[t:lay["bar"][0] - lay["tick"], l:r] == 255).all(axis=2)
    assert text[0].sum() == 0 and text[:, 0].sum() == 0 and text[:, -1].sum() == 0
    lit = np.nonzero(text.any(axis=0))[0]
    runs = np.split(lit, np.nonzero(np.diff(lit) > 1)[0] + 1)
    assert len(runs) == len(label.replace(" ", ""))  # one run of columns per glyph
    m = text[:, runs[-1]]  # every label ends in "m" (m, cm, km)
    stems = m[lb - t - s:lb - t].any(axis=0)  # its bottom row
    n_stems = int(np.count_nonzero(np.diff(np.concatenate([[0], stems.astype(int)])) == 1))
    # "m" stands on three stems and is as wide as a digit (the old 3 x 5 glyph was a blob
    # standing on two)
    assert n_stems == 3 and m.shape[1] == 5 * s
    assert text[:, runs[0]].shape[1] >= 4 * s or label.startswith("1")  # a whole first digit


def test_render_draws_cast_shadows():
    # a wall across a flat plain, Sun low in the west: east of the wall the plain is dark
    z = np.zeros((20, 30), np.float32)
    z[:, 10] = 3.0
    t = terrains.Terrain(height=z, cell_size=1.0, body=terrains.bodies()["moon"])
    plain = terrains.render_rgb(t, azimuth_deg=270.0, altitude_deg=10.0)
    lit = terrains.render_rgb(t, azimuth_deg=270.0, altitude_deg=10.0, shadows=True)
    mask = terrains.shadow(z, 1.0, 270.0, 10.0)
    assert mask[5, 11:20].all() and not mask[5, :10].any()
    row = 20 - 1 - 5                                   # image rows are north up
    assert (lit[row, 12:20] < plain[row, 12:20]).all()
    assert (lit[row, :9] == plain[row, :9]).all()
    assert np.array_equal(lit, terrains.render_rgb(t, azimuth_deg=270.0, altitude_deg=10.0,
                                                   shadow_mask=mask))
