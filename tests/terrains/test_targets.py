"""The literature targets are complete, consistent and sourced (terrains/_targets.py)."""

from __future__ import annotations

import pytest

from terrains._presets import PRESETS
from terrains._targets import SOURCES, TARGETS, targets

QUANTITIES = {"rms_slope_deg", "hurst", "crater_density", "crater_slope_below",
              "crater_slope_above", "crossover_d_m", "fresh_depth_ratio", "fresh_rim_ratio",
              "ejecta_1p5r_ratio", "ejecta_2r_ratio", "rock_cover_k", "rock_density",
              "rock_near_crater_ratio"}


def test_every_preset_has_targets_and_no_target_lacks_a_preset():
    assert set(TARGETS) == set(PRESETS)


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_targets_are_sourced_and_within_their_ranges(preset):
    ts = targets(preset)
    kinds = {t.quantity for t in ts}
    assert kinds <= QUANTITIES
    # the whole surface: slopes, craters, fresh morphology and rocks for every preset
    assert {"rms_slope_deg", "crater_density", "fresh_depth_ratio", "ejecta_2r_ratio"} <= kinds
    assert kinds & {"rock_cover_k", "rock_density"}
    for t in ts:
        assert t.source in SOURCES, t
        if t.low is not None:
            assert t.low <= t.value, t
        if t.high is not None:
            assert t.value <= t.high, t
        if t.quantity in ("rms_slope_deg", "crater_density", "rock_density"):
            assert t.at is not None and t.at > 0, t
        if t.quantity in ("hurst", "crater_slope_below", "crater_slope_above", "rock_cover_k"):
            assert t.over is not None and t.over[0] < t.over[1], t


def test_every_source_is_a_full_citation_and_says_how_it_was_checked():
    # not publications, or (the slides) undated in the stored copy: each says so in its text
    not_papers = {"preset_only", "issue23", "viper_spec", "shepard_vl1"}
    for key, s in SOURCES.items():
        if key not in not_papers:
            assert any(str(y) in s.citation for y in range(1960, 2030)), key   # a year
        assert len(s.checked) > 20, key
