"""The safety rule for a rover that may not drive in shadow, over many random runs, and the
figures of docs/sun.md's "Planning around the dark" (issue 24).

Runs the cases of ``tests/rover/test_shadow_planning.py`` (random seeds on Mars and the
Moon, start and goal on lit ground, random days of 2020-2030 with the Sun 3-30 deg up) and
checks every trace row against the shadows in force at its time, as that test does, then
counts what the test allows: a standing rover in shadow with no lit cell next to it (at
sunset) and rows with the whole map dark (night). Then the 96 x 96 south-pole scenario of
``tests/rover/test_sun_runs.py`` with and without the shadow term, and a Pragyan that may
not drive in shadow under a fixed 12 deg Sun from eight azimuths.

Print the figures::

    PYTHONPATH=. .venv/bin/python tests/benchmarks/sun_safety.py [first_seed] [seeds]
"""

from __future__ import annotations

import pathlib
import sys
import tempfile

import numpy as np

import rover
from rover.daylight import Daylight
from tests.rover import test_shadow_planning as planning
from tests.rover import test_sun_runs as sun_runs


def survey(first: int, count: int, planner: str = "mpgaa") -> None:
    """Run ``count`` random cases from seed ``first`` and print what the rows show."""
    log = []
    real = Daylight.update

    def update(self, t_s):
        done = real(self, t_s)
        if done:
            log.append((float(t_s), self.mask.copy(), self.state.elevation_deg))
        return done

    Daylight.update = update
    drove = overtaken = sunset = night = 0
    sunset_runs, els = set(), []
    try:
        for seed in range(first, first + count):
            log.clear()
            sc, world = planning._case(pathlib.Path(tempfile.mkdtemp()), seed, planner=planner)
            res = rover.simulate(sc, world=world)
            tr = res.trace
            t, x, y = tr["t_s"], tr["x_m"], tr["y_m"]
            times = np.array([u[0] for u in log])
            passable = np.isfinite(world.true_cost)
            for i in range(1, len(t)):
                j0 = int(np.searchsorted(times, t[i - 1], side="right")) - 1
                j = int(np.searchsorted(times, t[i], side="right")) - 1
                now = log[j][1]
                r, c = int(y[i] / 0.5), int(x[i] / 0.5)
                if x[i] != x[i - 1] or y[i] != y[i - 1]:
                    before = log[j0][1]
                    ri, ci = int(y[i - 1] / 0.5), int(x[i - 1] / 0.5)
                    drove += bool(before[r, c] or before[ri, ci])
                    continue
                if not now[r, c]:
                    continue
                if now.all():
                    night += 1
                    continue
                before = log[j0][1]
                if not before[r, c] and not planning._no_way_out(before, now, passable, r, c):
                    overtaken += 1
                sunset += 1
                sunset_runs.add(seed)
                els.append(log[j][2])
    finally:
        Daylight.update = real
    print(f"{count} runs (seeds {first}-{first + count - 1}, {planner}): steps in shadow "
          f"{drove}; standing rovers overtaken with a lit cell next to them {overtaken}")
    span = f", Sun {min(els):.2f}-{max(els):.2f} deg up" if els else ""
    print(f"  rows in shadow with other ground lit: {sunset} in {len(sunset_runs)} runs{span}")
    print(f"  rows at night (the whole map dark): {night}")


def south_pole() -> None:
    """The 96 x 96 south-pole test scenario with and without the shadow term, and a rover
    that may not drive in shadow under a fixed 12 deg Sun from eight azimuths."""
    d = pathlib.Path(tempfile.mkdtemp())
    p = d / "s.toml"
    for cost in (0, 1):
        p.write_text(sun_runs.BASE + sun_runs.SITE + f"shadow_cost = {cost}\n")
        s = rover.simulate(rover.load_scenario(p)).summary
        print(f"south pole 96 x 96, shadow_cost {cost}: {s['outcome']}, {s['distance_m']:.1f} m, "
              f"{s['sun']['shadow_time_s']:.0f} s in shadow")
    for az in range(0, 360, 45):
        p.write_text(sun_runs.BASE.replace("drive_in_shadow = true", "drive_in_shadow = false")
                     + f"[sun]\nazimuth_deg = {az}\nelevation_deg = 12\n")
        s = rover.simulate(rover.load_scenario(p)).summary
        print(f"may not drive in shadow, fixed Sun az {az:3d} el 12: {s['outcome']}, "
              f"{s['distance_m']:.1f} m, {s['sun']['shadow_time_s']:.0f} s in shadow, start "
              f"{'in shadow' if s['sun']['stranded_in_shadow_s'] else 'lit'}")


if __name__ == "__main__":
    first = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 240
    survey(first, count)
    south_pole()
