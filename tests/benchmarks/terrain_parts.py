"""RMS slope of the craters, ripples and rocks alone, before the relief is added (issue 23).

What the relief calibration starts from: each preset's non-relief components made on flat
ground (``terrains._generate._surface_parts``, as generation makes them) and measured with the
survey's ``rms_height_difference`` (tests/terrains/survey.py) at the preset's target lags, in
degrees (atan(nu / L)). Where these alone exceed a preset's target, no relief can bring the
whole surface down to it.

    PYTHONPATH=. .venv/bin/python tests/benchmarks/terrain_parts.py [PRESET ...]
"""

from __future__ import annotations

import math
import sys

import numpy as np

import terrains
from terrains import _generate as G
from tests.terrains import survey as S

LAGS_M = (1, 10, 17, 100, 170)


def main(argv):
    names = argv or sorted(terrains.presets())
    print("RMS slope [deg] of craters + ripples (first) and with the rocks (second) on flat ground")
    print(f"{'preset':17s} {'extent':>7s} seed " + " ".join(f"{f'{L} m':>13s}" for L in LAGS_M))
    for preset in names:
        for n, cell in ((1024, 0.5), (2048, 1.0)):
            for seed in (0, 1):
                _, shape, c, p = G.resolve(None, preset, n, cell, {})
                z, layer, _, _ = G._surface_parts(shape, c, p, seed, preset)
                both = z if layer is None else z + layer
                cells = []
                for L in LAGS_M:
                    lag = int(round(L / c))
                    a = math.degrees(math.atan(S.rms_height_difference(z, lag) / L))
                    b = math.degrees(math.atan(S.rms_height_difference(both, lag) / L))
                    cells.append(f"{a:5.2f} / {b:5.2f}")
                print(f"{preset:17s} {n * cell:5.0f} m  s{seed} " + " ".join(f"{x:>13s}" for x in cells),
                      flush=True)
                del z, layer, both


if __name__ == "__main__":
    main(sys.argv[1:])
