"""The cost map's NumPy twin, which a first `rover run` uses instead of compiling the kernel:
the same numbers as the kernel, bit for bit, on every input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rover import _costmap
from rover.costmap import terrain_cost, traversability
from rover.models import rover_preset
from terrains import generate


def _outputs(shape, obstacles=None):
    obstacle = (np.zeros(shape, np.uint8) if obstacles is None
                else obstacles.astype(np.uint8).copy())
    return [obstacle, np.empty(shape), *(np.empty(shape, np.float32) for _ in range(4))]


def _both(z, k, h=0.5, tan_tilt=math.tan(math.radians(30)), rough_max=0.2, step_max=0.3,
          w=(1.0, 2.0, 3.0), obstacles=None, disc=False):
    """Run the kernel and the twin on the same input (``k``: the square's half-width, or
    with ``disc`` the disc's spans); return (status, outputs) of each."""
    z = np.ascontiguousarray(z, dtype=np.float32)
    zoff = float(np.mean(z, dtype=np.float64))
    zoff = zoff if math.isfinite(zoff) else 0.0
    res = []
    for fn in ((_costmap._disc_terms, _disc_twin) if disc else (_costmap._terrain_terms, _twin)):
        out = _outputs(z.shape, obstacles)
        status = fn(z, zoff, k, h, tan_tilt, rough_max, step_max, *w, *out)
        res.append((status, out))
    return res


def _assert_same(res):
    (s1, o1), (s2, o2) = res
    assert s1 == s2
    for name, a, b in zip(("obstacle", "cost", "slope_x", "slope_y", "rough", "step"), o1, o2):
        assert a.dtype == b.dtype, name
        # Bytes, not values: -0.0 against 0.0 or two NaNs would pass an equality test.
        assert a.tobytes() == b.tobytes(), (
            f"{name}: {int((a != b).sum())} cells differ, e.g. at "
            f"{np.argwhere(a != b)[:3].tolist()}")


@pytest.mark.parametrize("preset", ["mars-jezero", "moon-south-pole", "mars-meridiani"])
@pytest.mark.parametrize("k", [1, 2, 5])
def test_twin_matches_kernel_on_presets(preset, k):
    t = generate(preset.split("-")[0], preset=preset, size=(96, 80), seed=11)
    _assert_same(_both(t.height, k))


@settings(max_examples=150, deadline=None)
@given(rows=st.integers(1, 30), cols=st.integers(1, 30), k=st.integers(1, 40),
       scale=st.sampled_from([0.0, 1e-3, 1.0, 50.0]), offset=st.sampled_from([0.0, -3e3, 1e4]),
       seed=st.integers(0, 2**32 - 1), blocked=st.booleans())
def test_twin_matches_kernel_on_any_grid(rows, cols, k, scale, offset, seed, blocked):
    rng = np.random.default_rng(seed)
    z = offset + scale * rng.standard_normal((rows, cols))
    # Cliffs too: steps far over the limit.
    z[rng.random((rows, cols)) < 0.1] += 5.0 * scale
    obstacles = rng.random((rows, cols)) < 0.1 if blocked else None
    _assert_same(_both(z, k, obstacles=obstacles))


def _spans(rho):
    """The disc footprint of radius ``rho`` cells."""
    from types import SimpleNamespace

    from rover.costmap import footprint_spans

    return footprint_spans(SimpleNamespace(radius_m=rho), 1.0)


@pytest.mark.parametrize("preset", ["mars-jezero", "moon-south-pole"])
@pytest.mark.parametrize("rho", [1.0, 2.4, 8.07])
def test_disc_twin_matches_kernel_on_presets(preset, rho):
    t = generate(preset.split("-")[0], preset=preset, size=(96, 80), seed=11)
    _assert_same(_both(t.height, _spans(rho), disc=True))


@settings(max_examples=100, deadline=None)
@given(rows=st.integers(1, 30), cols=st.integers(1, 30), rho=st.floats(1.0, 40.0),
       scale=st.sampled_from([0.0, 1e-3, 1.0, 50.0]), offset=st.sampled_from([0.0, -3e3, 1e4]),
       seed=st.integers(0, 2**32 - 1), blocked=st.booleans())
def test_disc_twin_matches_kernel_on_any_grid(rows, cols, rho, scale, offset, seed, blocked):
    rng = np.random.default_rng(seed)
    z = offset + scale * rng.standard_normal((rows, cols))
    z[rng.random((rows, cols)) < 0.1] += 5.0 * scale
    obstacles = rng.random((rows, cols)) < 0.1 if blocked else None
    _assert_same(_both(z, _spans(rho), obstacles=obstacles, disc=True))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("disc", [False, True])
def test_twin_reports_a_height_that_is_not_finite(bad, disc):
    z = np.zeros((9, 7))
    z[4, 3] = bad
    (s1, _), (s2, _) = _both(z, _spans(2.0) if disc else 2, disc=disc)
    assert s1 == s2 == 1


def test_deferred_cost_map_is_the_kernels(monkeypatch):
    """Through :func:`terrain_cost` as a first run builds it (the whole Traversability)."""
    t = generate("mars", preset="mars-jezero", size=(64, 64), seed=5)
    rover = rover_preset("perseverance")
    expect = traversability(t, rover)
    monkeypatch.setattr(_costmap, "DEFER_TERMS", True)
    # As in a process that has not compiled the kernel (here it is compiled already).
    monkeypatch.setattr(_costmap, "_terrain_terms", _Uncompiled(_costmap._terrain_terms))
    got = traversability(t, rover)
    for name in ("cost", "obstacles", "slope_x", "slope_y", "roughness_m", "step_m"):
        assert getattr(got, name).tobytes() == getattr(expect, name).tobytes(), name
    with pytest.raises(ValueError, match="NaN or inf"):
        terrain_cost(np.where(np.eye(8) > 0, np.nan, 0.0), 0.5, rover)
    # the disc footprint's too
    from rover.models import CostWeights

    disc = CostWeights(footprint="disc")
    monkeypatch.setattr(_costmap, "DEFER_TERMS", False)
    expect = traversability(t, rover, weights=disc)
    monkeypatch.setattr(_costmap, "DEFER_TERMS", True)
    monkeypatch.setattr(_costmap, "_disc_terms", _Uncompiled(_costmap._disc_terms))
    got = traversability(t, rover, weights=disc)
    for name in ("cost", "obstacles", "slope_x", "slope_y", "roughness_m", "step_m"):
        assert getattr(got, name).tobytes() == getattr(expect, name).tobytes(), name


class _Uncompiled:
    """A kernel that says it has no compiled code and must not be called."""

    overloads: dict = {}

    def __init__(self, kernel):
        self.kernel = kernel

    def __call__(self, *args):
        raise AssertionError("the deferred path called the kernel")


def _twin(*args):
    with np.errstate(all="ignore"):  # as rover._costmap.terrain_terms calls it
        return _costmap._terrain_terms_numpy(*args)


def _disc_twin(*args):
    with np.errstate(all="ignore"):  # as rover._costmap.disc_terms calls it
        return _costmap._disc_terms_numpy(*args)
