"""Solar power and the battery (rover.power): the energy balance to 1e-6, no energy from a
shadowed cell, outcome "battery", waiting for light, and bad power figures as one line."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import rover
import terrains
from rover.cli import main
from rover.models import rover_presets
from rover.power import SOLAR_CONSTANT_W_M2

BASE = """
name = "power-small"
seed = 3
[terrain]
preset = "moon-south-pole"
size = [96, 96]
cell_size_m = 0.5
[rover]
preset = "pragyan"
{rover}
[mission]
start = [6.0, 6.0]
goal = [39.75, 38.25]
{mission}
[sun]
{sun}
"""
LOW_SUN = "azimuth_deg = 100\nelevation_deg = 4"


@pytest.fixture
def write(tmp_path):
    def _write(rover_="", sun=LOW_SUN, mission="", name="p.toml"):
        path = tmp_path / name
        if "drive_in_shadow" not in rover_:   # these tests are about power, not the dark
            rover_ = "drive_in_shadow = true\n" + rover_
        path.write_text(BASE.format(rover=rover_, sun=sun, mission=mission))
        return path
    return _write


def replay_battery(res, spec, mask, sun_az, sun_el, d_au=1.0):
    """The battery, step by step, recomputed from the trace alone (an independent model of
    the same rules): (levels, solar W per step, totals)."""
    tr = res.trace
    t, x, y, h, e = tr["t_s"], tr["x_m"], tr["y_m"], tr["heading_rad"], tr["energy_wh"]
    rated = spec.solar_rated_w or spec.solar_area_m2 * spec.solar_efficiency * 1361.0
    el, az = math.radians(sun_el), math.radians(sun_az)
    level = [spec.battery_wh]
    solar_w = [0.0]
    tot = dict(solar=0.0, spill=0.0, rtg=0.0, drive=0.0, hotel=0.0)
    for i in range(1, len(t)):
        r = min(max(int(math.floor(y[i - 1] / 0.5)), 0), 95)
        c = min(max(int(math.floor(x[i - 1] / 0.5)), 0), 95)
        if spec.array_mode == "tilted":
            ti = math.radians(spec.array_tilt_deg)
            cos_i = (math.sin(ti) * math.cos(el) * (math.cos(h[i - 1]) * math.sin(az)
                                                   + math.sin(h[i - 1]) * math.cos(az))
                     + math.cos(ti) * math.sin(el))
        elif spec.array_mode == "tracking":
            cos_i = 1.0
        else:
            cos_i = math.sin(el)
        p = 0.0 if (mask[r, c] or sun_el <= 0) else rated / d_au**2 * max(cos_i, 0.0)
        dt_h = (t[i] - t[i - 1]) / 3600.0
        new = level[-1] + p * dt_h + spec.rtg_w * dt_h - (e[i] - e[i - 1]) - spec.hotel_w * dt_h
        spill = max(new - spec.battery_wh, 0.0)
        level.append(new - spill)
        solar_w.append(p)
        tot["solar"] += p * dt_h
        tot["spill"] += spill
        tot["rtg"] += spec.rtg_w * dt_h
        tot["drive"] += e[i] - e[i - 1]
        tot["hotel"] += spec.hotel_w * dt_h
    return np.array(level), np.array(solar_w), tot


@pytest.mark.parametrize("rover_", [
    "",                                                       # tilted 50 W panel, no RTG
    'array_mode = "horizontal"\nsolar_rated_w = 0\nsolar_area_m2 = 0.5\nsolar_efficiency = 0.28',
    'array_mode = "tracking"\nrtg_w = 5.0\nbattery_wh = 60.0\nhotel_w = 3.0',
])
def test_energy_balance_to_1e6(write, rover_):
    sc = rover.load_scenario(write(rover_))
    res = rover.simulate(sc)
    p = res.summary["power"]
    mask = terrains.shadow(res.terrain.height, 0.5, 100.0, 4.0)
    levels, solar_w, tot = replay_battery(res, sc.rover, mask, 100.0, 4.0)
    # the run's battery is the independent model's, row by row
    assert np.allclose(res.trace["battery_wh"], levels, rtol=0, atol=1e-9)
    assert np.allclose(res.trace["solar_w"], solar_w, rtol=0, atol=1e-9)
    # and the balance holds: change of charge = solar - spilled + rtg - drive - hotel
    change = p["end_wh"] - p["start_wh"]
    flows = p["solar_wh"] - p["spilled_wh"] + p["rtg_wh"] - p["drive_wh"] - p["hotel_wh"]
    scale = max(p["solar_wh"] + p["rtg_wh"], p["drive_wh"] + p["hotel_wh"])
    assert abs(change - flows) <= 1e-6 * scale + 1e-5      # the summary rounds to 1e-6 Wh
    exact = levels[-1] - levels[0]
    exact_flows = tot["solar"] - tot["spill"] + tot["rtg"] - tot["drive"] - tot["hotel"]
    assert abs(exact - exact_flows) <= 1e-6 * scale
    assert p["drive_wh"] == pytest.approx(res.summary["energy_wh"], abs=1e-4)
    assert p["solar_wh"] > 0


def test_no_energy_from_a_shadowed_cell(write):
    sc = rover.load_scenario(write('array_mode = "tracking"'))
    res = rover.simulate(sc)
    mask = terrains.shadow(res.terrain.height, 0.5, 100.0, 4.0)
    r = np.clip(np.floor(res.trace["y_m"][:-1] / 0.5).astype(int), 0, 95)
    c = np.clip(np.floor(res.trace["x_m"][:-1] / 0.5).astype(int), 0, 95)
    dark = mask[r, c]
    solar = res.trace["solar_w"][1:]
    assert dark.any() and (~dark).any()                  # the route crosses both
    assert (solar[dark] == 0).all()
    assert np.allclose(solar[~dark], 50.0)               # tracking: rated power at 1 AU


def test_the_sun_below_the_horizon_gives_nothing(write):
    res = rover.simulate(rover.load_scenario(write(sun="azimuth_deg = 100\nelevation_deg = -2")))
    assert res.summary["power"]["solar_wh"] == 0.0
    assert (res.trace["solar_w"] == 0).all()


def test_the_battery_runs_empty(write, tmp_path, capsys):
    path = write("battery_wh = 2.0\nhotel_w = 20.0\nsolar_rated_w = 1.0")
    res = rover.simulate(rover.load_scenario(path))
    s = res.summary
    assert s["outcome"] == "battery"
    assert re.match(r"the battery ran empty at t = \d+ s at \(", s["reason"])
    levels = res.trace["battery_wh"]
    assert (levels >= 0).all() and levels[-1] < 0.1 * 2.0
    assert s["sim_time_s"] == pytest.approx(res.trace["t_s"][-1])
    assert s["power"]["end_wh"] == pytest.approx(levels[-1], abs=1e-6)
    assert main(["run", str(path), "--out", str(tmp_path / "o")]) == 3
    assert "battery" in capsys.readouterr().out


def test_waiting_for_light(write):
    # a small battery that driving drains faster than the panel fills: the rover stops at
    # 20 %, waits in the light to 90 %, and drives on
    rv = "battery_wh = 20.0\nhotel_w = 1.0\ndrive_power_w = 100.0\narray_mode = \"tracking\""
    sun = "azimuth_deg = 100\nelevation_deg = 40\nupdate_every_s = 30\nwait_for_light = true"
    res = rover.simulate(rover.load_scenario(write(rv, sun=sun)))
    p = res.summary["power"]
    assert res.summary["outcome"] == "reached", res.summary["reason"]
    assert p["waited_for_light_s"] > 0 and p["lowest_wh"] >= 0
    # without waiting the same rover runs empty
    res2 = rover.simulate(rover.load_scenario(write(rv, sun=sun.replace("true", "false"),
                                                    name="q.toml")))
    assert res2.summary["outcome"] == "battery"


def test_without_a_battery_no_power_model(write):
    res = rover.simulate(rover.load_scenario(write("battery_wh = 0")))
    assert "power" not in res.summary and "battery_wh" not in res.trace


def test_presets_power_figures_are_sourced():
    for name, spec in rover_presets().items():
        assert not spec.problems(), name
        if spec.battery_wh > 0:
            assert "Wh" in spec.references or name == "generic", name
    assert SOLAR_CONSTANT_W_M2 == 1361.0
    assert rover_presets()["pragyan"].drive_in_shadow is False


@pytest.mark.parametrize("line, pattern", [
    ("battery_wh = -5", r"\[rover\]\.battery_wh: must be a finite number >= 0, got -5"),
    ("hotel_w = -1.5", r"\[rover\]\.hotel_w: must be a finite number >= 0, got -1.5"),
    ("solar_rated_w = -50", r"\[rover\]\.solar_rated_w: must be a finite number >= 0"),
    ("solar_area_m2 = -0.2", r"\[rover\]\.solar_area_m2: must be a finite number >= 0"),
    ("rtg_w = -110", r"\[rover\]\.rtg_w: must be a finite number >= 0"),
    ("solar_efficiency = 1.5", r"\[rover\]\.solar_efficiency: must be at most 1, got 1.5"),
    ("array_tilt_deg = 120", r"\[rover\]\.array_tilt_deg: must be at most 90, got 120"),
    ('array_mode = "spinning"', r"\[rover\]\.array_mode: must be one of horizontal, tilted, "
                                r"tracking, got 'spinning'"),
    ('drive_in_shadow = "no"', r"\[rover\]\.drive_in_shadow: must be true or false"),
])
def test_bad_power_figures_are_one_line_exit_2(write, tmp_path, capsys, line, pattern):
    bad = write(line, name="bad.toml")
    assert main(["run", str(bad), "--out", str(tmp_path / "never")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {bad}: ") and err.count("\n") == 1, err
    assert re.search(pattern, err), err


def test_bad_waiting_fractions(write, capsys):
    bad = write(sun=LOW_SUN + "\nwait_below_fraction = 0.5\nresume_fraction = 0.3",
                name="bad.toml")
    assert main(["validate", str(bad)]) == 2
    assert re.search(r"\[sun\]\.resume_fraction: must be >= wait_below_fraction \(0\.5\), got 0\.3",
                     capsys.readouterr().err)
