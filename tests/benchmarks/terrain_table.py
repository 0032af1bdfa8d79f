"""The table of terrain targets against measured values, before and after issue 23
(docs/terrain-targets.md).

Reads two outputs of ``tests/benchmarks/terrain_survey.py`` (the independent survey of
``tests/terrains/survey.py``, never ``terrains.stats()``) and prints, for every preset, its
whole-surface relief and rock rows: the literature target and its band, and the range the
survey measured over its four terrains (512 m and 2 km, seeds 0 and 1) before and after,
with the number of the four that fall outside the band. Both columns are judged against the
band of the after survey's target (the literature's range, or issue 23's tolerance: +-20%
for rock densities); the before survey named an older source for Meridiani's 1 m slope.
The before survey had no row for the rock cover read from the heights (its rocks were
stacked, not cell means): "n/a" there. Print it with::

    python tests/benchmarks/terrain_table.py docs/terrain-survey-before.txt \\
        docs/terrain-survey-after.txt
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROWS = ("RMS slope", "Hurst", "rock cover k", "rocks N(>=1 m)")
"""The survey rows the table shows (the whole surface's relief and rocks)."""
BEFORE = {"rock cover k, list": ". k fitted to list over placed D"}
"""The before survey's row for an after row it named otherwise (the same measure: k fitted
to the listed rocks' cover over the diameters placed)."""
TOLERANCE = {"rocks N(>=1 m)": 0.20}
"""Relative band of a row whose target has no range (terrain_survey.py's TOLERANCE)."""


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def parse(path: Path) -> dict:
    """{(preset, quantity): (target or None for a diagnostic row, (lo, hi) or None, [four
    values], source, whether the survey marked the row OUT)} of a survey's rows in ROWS and
    BEFORE."""
    out, preset = {}, None
    for line in path.read_text().splitlines():
        m = re.match(r"== (\S+)", line)
        if m:
            preset = m.group(1)
            continue
        if preset is None or not line.startswith(ROWS + tuple(BEFORE.values())):
            continue
        quantity = line[:35].strip()
        m = re.match(r"\s*(\S+)(?: \((\S+?)-(\S*)\))?\s+(.*)", line[35:])
        target = _number(m.group(1))           # None: a diagnostic row
        band = ((float(m.group(2)), float(m.group(3) or "inf")) if m.group(2) else None)
        tol = next((v for k, v in TOLERANCE.items() if quantity.startswith(k)), None)
        if band is None and tol is not None:
            band = (target * (1 - tol), target * (1 + tol))
        rest = m.group(4).split()
        vals = [_number(v.rstrip("*")) if v != "n/a" else None for v in rest[:4]]
        flagged = "OUT" in rest[4:]
        out[(preset, quantity)] = (target, band, vals, rest[-1], flagged)
    return out


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def _cell(vals, band, flagged: bool = False) -> str:
    """The range of the four values, and how many leave the band (the survey marks a row
    out on its unrounded values: at the band's edge the rounded ones may all look in)."""
    got = [v for v in vals if v is not None]
    if not got:
        return "n/a"
    text = _fmt(min(got)) if min(got) == max(got) else f"{_fmt(min(got))}-{_fmt(max(got))}"
    if band is not None:
        out = sum(not (band[0] <= v <= band[1]) for v in got)
        if out:
            text += f" ({out} of {len(got)} out)"
        else:
            text += " (out at the band's edge)" if flagged else " (all in)"
    return text


def main(before: str, after: str) -> int:
    b, a = parse(Path(before)), parse(Path(after))
    print("| preset | quantity | target (band) | before | after | source |")
    print("| --- | --- | --- | --- | --- | --- |")
    for key, (target, band, vals, source, flagged) in a.items():
        if target is None:
            continue
        tol = next((v for k, v in TOLERANCE.items() if key[1].startswith(k)), None)
        if tol is not None:
            tb = f"{_fmt(target)} (+-{tol:.0%})"
        elif band:
            tb = f"{_fmt(target)} ({_fmt(band[0])}-{_fmt(band[1])})"
        else:
            tb = _fmt(target)
        old = b.get((key[0], BEFORE.get(key[1], key[1])))
        old_cell = _cell(old[2], band, old[4]) if old else "n/a"
        print(f"| {key[0]} | {key[1]} | {tb} | {old_cell} | {_cell(vals, band, flagged)} "
              f"| {source} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
