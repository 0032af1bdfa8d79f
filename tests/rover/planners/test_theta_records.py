"""theta_star's plans on fixed problems are those recorded before its kernel was sped up
(tests/rover/planners/theta_records.py)."""

from __future__ import annotations

import json

from tests.rover.planners import theta_records


def test_theta_star_plans_are_unchanged():
    want = json.loads(theta_records.DATA.read_text())
    got = theta_records.current()
    assert set(got) == set(want)
    changed = [k for k in want if got[k] != want[k]]
    assert not changed, f"{len(changed)} plans changed, e.g. {changed[:5]}"
