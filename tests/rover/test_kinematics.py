"""Kinematics: the pure step function, its compiled twin, and the limits."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rover._drive import _arc, _arc_ok, _motion_ok, _segment_ok, _smooth, _step
from rover.kinematics import (
    Command, DriveLimits, RoverState, slope_speed_limit, step, wrap_angle,
)
from rover.models import rover_preset

LIM = DriveLimits(max_speed_mps=1.0, accel_mps2=0.5, max_yaw_rate_rad_s=0.5)


def test_accelerates_within_limit_and_moves_straight():
    s = RoverState(0.0, 0.0)
    for _ in range(3):
        s = step(s, Command(2.0, 0.0), LIM, 1.0)
    assert s.speed_mps == 1.0
    assert s.x_m == pytest.approx(0.5 + 1.0 + 1.0) and s.y_m == 0.0


def test_turn_in_place_and_yaw_limit():
    s = step(RoverState(1.0, 2.0, 0.0), Command(0.0, 3.0), LIM, 1.0)
    assert (s.x_m, s.y_m) == (1.0, 2.0)
    assert s.heading_rad == pytest.approx(0.5) and s.yaw_rate_rad_s == 0.5


def test_arc_is_exact():
    s = step(RoverState(0.0, 0.0, 0.0, 1.0), Command(1.0, 0.5), LIM, 1.0)
    # Circle of radius 2 centred at (0, 2).
    assert math.hypot(s.x_m, s.y_m - 2.0) == pytest.approx(2.0)
    assert s.heading_rad == pytest.approx(0.5)


def test_ackermann_cannot_turn_in_place():
    lim = DriveLimits.from_spec(rover_preset("generic").replace(steering="ackermann"))
    s = step(RoverState(0.0, 0.0), Command(0.0, 0.3), lim, 1.0)
    assert s.heading_rad == 0.0 and s.yaw_rate_rad_s == 0.0


def test_no_reverse_and_braking_limited():
    s = step(RoverState(0.0, 0.0, 0.0, 1.0), Command(-5.0, 0.0), LIM, 1.0)
    assert s.speed_mps == 0.5


def test_slope_speed_limit():
    assert slope_speed_limit(1.0, 0.0, 0.5) == 1.0
    assert slope_speed_limit(1.0, 0.5, 0.5) == 0.5
    assert slope_speed_limit(1.0, 0.25, 0.5) == 0.75


def test_bad_dt():
    with pytest.raises(ValueError, match=r"dt must be a finite number > 0 \[s\], got 0"):
        step(RoverState(0.0, 0.0), Command(1.0, 0.0), LIM, 0)


@pytest.mark.parametrize("a", [0.0, math.pi, -math.pi, 3 * math.pi, -7.5, 12.0])
def test_wrap(a):
    w = wrap_angle(a)
    assert -math.pi < w <= math.pi and math.isclose(math.cos(w), math.cos(a), abs_tol=1e-12)


@settings(deadline=None, max_examples=60)
@given(x=st.floats(-50, 50), y=st.floats(-50, 50), th=st.floats(-3.1, 3.1), v=st.floats(0, 1),
       w=st.floats(-0.5, 0.5), vc=st.floats(-2, 2), wc=st.floats(-2, 2), dt=st.floats(0.05, 2),
       tip=st.booleans())
def test_compiled_step_matches_pure_step(x, y, th, v, w, vc, wc, dt, tip):
    lim = DriveLimits(1.0, 0.5, 0.5, turn_in_place=tip, min_turn_radius_m=0.0 if tip else 1.5)
    s = step(RoverState(x, y, th, v, w), Command(vc, wc), lim, dt)
    out = np.empty(5)
    _step(x, y, th, v, w, vc, wc, math.inf, 1.0, 0.5, 0.5, tip, 1.5, dt, out)
    np.testing.assert_allclose(out, [s.x_m, s.y_m, s.heading_rad, s.speed_mps, s.yaw_rate_rad_s],
                               atol=1e-9)
    assert 0 <= s.speed_mps <= 1.0 and abs(s.speed_mps - v) <= 0.5 * dt + 1e-12
    assert abs(s.yaw_rate_rad_s) <= 0.5


def test_segment_check_supercover_and_corner():
    known = np.ones((5, 5))
    seen = np.ones((5, 5), dtype=np.uint8)
    known[1, 2] = np.inf
    assert _segment_ok(0.5, 0.5, 4.5, 0.5, known, seen, 1.0, np.inf)
    assert not _segment_ok(0.5, 1.5, 4.5, 1.5, known, seen, 1.0, np.inf)
    # Through the corner shared by (1,2) and (2,1): both side cells count.
    assert not _segment_ok(1.5, 1.5, 2.5, 2.5, known, seen, 1.0, np.inf)
    seen[3, 3] = 0
    assert not _segment_ok(0.5, 3.5, 4.5, 3.5, known, seen, 1.0, np.inf)
    # Off the grid is never drivable.
    assert not _segment_ok(0.5, 0.5, -0.5, 0.5, known, seen, 1.0, np.inf)


def test_an_arc_is_checked_where_it_bulges_not_only_along_chords():
    # One long time step can turn tens of degrees, and the arc then bulges far past two
    # chords through its middle (an audit found a rover's centre 4.9 cm inside a rock with
    # dt_s = 143 s). Every cell the arc crosses must be checked.
    h = 0.5
    known = np.ones((60, 60))
    seen = np.ones((60, 60), dtype=np.uint8)
    x, y, th, v, w = 15.0, 5.0, 0.0, 1.0, 0.2             # a radius of 5 m
    dt = (2.0 * math.pi / 3.0) / w                        # a third of a turn in one step
    xn, yn, thn = _arc(x, y, th, v, w, dt)
    assert _motion_ok(x, y, th, xn, yn, thn, v, w, 10.0, dt, known, seen, h)
    # A quarter of the way along, the arc is 0.67 m off the chord through the middle.
    qx, qy, _ = _arc(x, y, th, v, w, 0.25 * dt)
    xm, ym, _ = _arc(x, y, th, v, w, 0.5 * dt)
    assert _segment_ok(x, y, xm, ym, known, seen, h, np.inf)
    known[int(qy // h), int(qx // h)] = np.inf
    assert _segment_ok(x, y, xm, ym, known, seen, h, np.inf)  # the chords miss the rock
    assert _segment_ok(xm, ym, xn, yn, known, seen, h, np.inf)
    assert not _motion_ok(x, y, th, xn, yn, thn, v, w, 10.0, dt, known, seen, h)
    # Backing up along the same circle, from the end to the start, is checked alike.
    bx, by, _ = _arc(xn, yn, thn, -v, -w, dt)
    assert math.hypot(bx - x, by - y) < 1e-9
    assert not _arc_ok(xn, yn, thn, bx, by, -v, -w, dt, known, seen, h)
    known[int(qy // h), int(qx // h)] = 1.0
    assert _arc_ok(xn, yn, thn, bx, by, -v, -w, dt, known, seen, h)
    assert not _arc_ok(x, y, th, xn, yn, v, np.nan, dt, known, seen, h)  # never "clear"


def test_smoothing_shortcuts_only_through_seen_cheap_cells():
    known = np.ones((6, 10))
    seen = np.ones((6, 10), dtype=np.uint8)
    path = np.array([[0, c] for c in range(6)] + [[r, 5] for r in range(1, 6)], dtype=np.int64)
    out = np.empty((len(path) + 2, 2))
    n = _smooth(path, len(path), 0.5, 0.5, 5.5, 5.5, known, seen, 1.0, 100.0, out)
    assert n == 2  # straight from the start to the goal
    known[2, 2] = np.inf
    n2 = _smooth(path, len(path), 0.5, 0.5, 5.5, 5.5, known, seen, 1.0, 100.0, out)
    assert n2 > 2
    for i in range(n2 - 1):
        assert _segment_ok(out[i, 0], out[i, 1], out[i + 1, 0], out[i + 1, 1], known, seen, 1.0, np.inf)


def test_public_follower_wrappers():
    from rover.follower import segment_clear, smooth_path
    known = np.ones((6, 10))
    path = np.array([[0, c] for c in range(6)] + [[r, 5] for r in range(1, 6)])
    poly = smooth_path(path, (0.5, 0.5), (5.5, 5.5), known, 1.0)
    np.testing.assert_allclose(poly, [[0.5, 0.5], [5.5, 5.5]])
    known[2, 2] = np.inf
    poly = smooth_path(path, (0.5, 0.5), (5.5, 5.5), known, 1.0)
    assert all(segment_clear(poly[i], poly[i + 1], known, 1.0) for i in range(len(poly) - 1))
    assert not segment_clear((0.5, 2.5), (4.5, 2.5), known, 1.0)
    with pytest.raises(ValueError, match=r"cells must lie inside the cost grid of shape \(6, 10\)"):
        smooth_path([[0, 0], [9, 9]], (0.5, 0.5), (9.5, 9.5), known, 1.0)


def test_docstring_examples_run():
    import doctest

    import rover.kinematics
    res = doctest.testmod(rover.kinematics, raise_on_error=False)
    assert res.attempted > 0 and res.failed == 0
