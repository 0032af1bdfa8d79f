"""The README's table of terrain targets against measured values, before and after issue 23.

Reads two outputs of ``tests/benchmarks/terrain_survey.py`` (the independent survey of
``tests/terrains/survey.py``, never ``terrains.stats()``) and prints, for every preset, its
whole-surface relief and rock rows: the literature target and its band, and the range the
survey measured over its four terrains (512 m and 2 km, seeds 0 and 1) before and after,
with the number of the four that fall outside the band. Print it with::

    python tests/benchmarks/terrain_table.py docs/terrain-survey-before.txt \\
        docs/terrain-survey-after.txt
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROWS = ("RMS slope", "Hurst", "rock cover k", "rocks N(>=1 m)")
"""The survey rows the table shows (the whole surface's relief and rocks)."""


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def parse(path: Path) -> dict:
    """{(preset, quantity): (target, (lo, hi) or None, [four values], source)} of a survey."""
    out, preset = {}, None
    for line in path.read_text().splitlines():
        m = re.match(r"== (\S+)", line)
        if m:
            preset = m.group(1)
            continue
        if preset is None or not line.startswith(ROWS):
            continue
        quantity = line[:35].strip()
        m = re.match(r"\s*(\S+)(?: \((\S+?)-(\S*)\))?\s+(.*)", line[35:])
        target = float(m.group(1))
        band = ((float(m.group(2)), float(m.group(3) or "inf")) if m.group(2) else None)
        rest = m.group(4).split()
        vals = [_number(v.rstrip("*")) if v != "n/a" else None for v in rest[:4]]
        out[(preset, quantity)] = (target, band, vals, rest[-1])
    return out


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def _cell(vals, band) -> str:
    got = [v for v in vals if v is not None]
    if not got:
        return "n/a"
    text = _fmt(min(got)) if min(got) == max(got) else f"{_fmt(min(got))}-{_fmt(max(got))}"
    if band is not None:
        out = sum(not (band[0] <= v <= band[1]) for v in got)
        text += f" ({out} of {len(got)} out)" if out else " (all in)"
    return text


def main(before: str, after: str) -> int:
    b, a = parse(Path(before)), parse(Path(after))
    print("| preset | quantity | target (band) | before | after | source |")
    print("| --- | --- | --- | --- | --- | --- |")
    for key, (target, band, vals, source) in a.items():
        tb = f"{_fmt(target)} ({_fmt(band[0])}-{_fmt(band[1])})" if band else _fmt(target)
        # the survey before issue 23 had one rock cover row, from the list and the heights
        old = b.get(key) or b.get((key[0], key[1].split(",")[0]))
        old_cell = _cell(old[2], band) if old else "n/a"
        print(f"| {key[0]} | {key[1]} | {tb} | {old_cell} | {_cell(vals, band)} | {source} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
