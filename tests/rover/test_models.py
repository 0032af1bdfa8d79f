"""Rover presets: every preset is usable, sourced, and carries the figures the issue names."""

from __future__ import annotations

import math
import re

import pytest

from rover.models import STEERING_KINDS, RoverSpec, rover_preset, rover_presets

EXPECTED = {"generic", "pragyan", "yutu2", "zhurong", "sojourner", "opportunity", "curiosity",
            "perseverance"}


def test_all_presets_present():
    assert EXPECTED <= set(rover_presets())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_preset_is_consistent_and_sourced(name):
    spec = rover_preset(name)
    assert spec.name == name
    assert spec.problems() == []
    assert spec.steering in STEERING_KINDS
    assert len(spec.references) > 40
    assert spec.radius_m == pytest.approx(0.5 * math.hypot(spec.length_m, spec.width_m))


@pytest.mark.parametrize("name, field, value", [
    ("pragyan", "mass_kg", 26.0),
    ("pragyan", "max_speed_mps", 0.01),
    ("pragyan", "steering", "skid"),
    ("yutu2", "mass_kg", 140.0),
    ("yutu2", "max_speed_mps", 200.0 / 3600.0),
    ("yutu2", "max_tilt_deg", 20.0),
    ("yutu2", "max_step_m", 0.20),
    ("zhurong", "mass_kg", 240.0),
    ("zhurong", "max_tilt_deg", 20.0),
    ("zhurong", "max_step_m", 0.30),
    ("opportunity", "max_speed_mps", 0.05),
    ("opportunity", "max_tilt_deg", 30.0),
    ("opportunity", "max_step_m", 0.25),
    ("curiosity", "max_speed_mps", 0.042),
    ("curiosity", "max_step_m", 0.65),
    ("perseverance", "max_speed_mps", 152.0 / 3600.0),
    ("perseverance", "max_step_m", 0.40),
])
def test_flight_heritage_figures(name, field, value):
    expected = pytest.approx(value) if isinstance(value, float) else value
    assert getattr(rover_preset(name), field) == expected


def test_unknown_preset_lists_valid_ones():
    with pytest.raises(KeyError, match=r"unknown rover preset 'viper'; valid presets: .*perseverance"):
        rover_preset("viper")


@pytest.mark.parametrize("field, value, match", [
    ("max_speed_mps", -1.0, r"max_speed_mps.*> 0"),
    ("length_m", 0.0, r"length_m.*> 0"),
    ("steering", "hover", r"steering.*skid"),
    ("max_tilt_deg", 95.0, r"max_tilt_deg.*< 90"),
])
def test_inconsistent_limits_are_reported(field, value, match):
    spec: RoverSpec = rover_preset("generic").replace(**{field: value})
    problems = spec.problems()
    assert problems and problems[0][0] == field
    assert any(re.search(match, f"{f} {m}") for f, m in problems)


def test_presets_returns_a_copy():
    d = rover_presets()
    d.clear()
    assert rover_presets()

