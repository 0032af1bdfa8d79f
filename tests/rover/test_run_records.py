"""Whole runs are unchanged, bit for bit, from the digests recorded on the code from before
the run loop was rewritten (``run_records.py`` has the cases and how to regenerate them)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run_records  # noqa: E402

WANT = json.loads(run_records.RECORDS.read_text())
CASES = dict(run_records.cases())


def test_every_recorded_case_is_still_defined():
    assert set(WANT) == set(CASES)
    assert len([k for k in WANT if k.startswith("random/")]) >= 300


@pytest.mark.slow
@pytest.mark.parametrize("group", ["shipped", "extra", *(f"random/{k}" for k in range(8))])
def test_runs_match_their_records(group):
    if group == "shipped":
        ids = [k for k in CASES if k.split("/")[0] in run_records.SHIPPED]
    elif group == "extra":
        ids = [k for k in CASES if k.split("/")[0] in run_records.EXTRA]
    else:
        k = int(group.split("/")[1])
        ids = [c for c in CASES if c.startswith("random/") and int(c.split("/")[1]) % 8 == k]
    differ = []
    for cid in ids:
        got = CASES[cid]()
        if got != WANT[cid]:
            differ.append(f"{cid}: recorded {WANT[cid]}, got {got}")
    assert not differ, f"{len(differ)} of {len(ids)} runs changed:\n" + "\n".join(differ[:5])
