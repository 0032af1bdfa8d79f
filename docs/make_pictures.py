"""Remake the README's pictures under docs/img/ with the package's own commands and API.

Run from anywhere, with the project's environment::

    .venv/bin/python docs/make_pictures.py

It writes

- ``docs/img/jezero-run.png``: the flagship scenario (mars-jezero-perseverance)
  run to the end with MPGAA*, drawn off screen as ``rover run ... --png`` draws it
  (960 x 600 px);
- ``docs/img/jezero-run-strip.png``: four moments of the same run (start, a third, two
  thirds, the end) in a 2 x 2 grid (960 x 600 px), in place of an animation (writing a GIF
  would need a library the project does not depend on);
- ``docs/img/south-pole-low-sun.png``: moon-south-pole-low-sun without and with the shadow
  term, side by side (the shadows drawn are the Sun's at the end of each run)
- ``docs/img/terrain-mars-jezero.png`` and ``docs/img/terrain-moon-south-pole.png``:
  ``rover terrain --preset ... -o FILE`` of a Mars and a Moon site preset (384 x 384 cells);
- ``docs/img/terrain-before-after.png``: three presets before issue 23's calibration (left,
  the stored ``docs/img/before/terrain-P.png``, which ``rover terrain --preset P --size 400
  --cell-size 0.5 --seed 0 -o FILE`` drew at commit 82e7bd3) and as this code draws them
  (right), one preset a row.

The run and the terrains are deterministic (fixed seeds); only the HUD's planner wall times
differ from one machine, or one run, to the next. Takes about half a minute.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "img"
SCENARIO = "mars-jezero-perseverance"  # a shipped scenario, by name
PLANNER = "mpgaa"
SIZE = (960, 600)
"""Picture size (width, height) [px]: the README shows them about this wide."""
STRIP_FRAME = (480, 300)
"""One frame of the strip [px]; four make a 960 x 600 picture."""
TERRAINS = ("mars-jezero", "moon-south-pole")
BEFORE_AFTER = ("mars-meridiani", "mars-ares-vallis", "moon-highlands")
"""Presets drawn before and after issue 23 (200 m x 200 m, 0.5 m cells, seed 0)."""


def _cli(*argv: str) -> None:
    """Run one ``rover`` command in this process; stop on anything but success."""
    from rover.cli import main

    code = main(list(argv))
    if code != 0:
        sys.exit(f"make_pictures: 'rover {' '.join(argv)}' exited with {code}")


def run_flagship(work: Path):
    """Run the flagship scenario with MPGAA* (``rover run``) and load its replay."""
    from rover.io.replay import load_replay

    out = work / "run"
    _cli("run", SCENARIO, "--planner", PLANNER, "--out", str(out), "-q")
    return load_replay(out)


def draw_run(replay) -> Path:
    """The end of the run, as ``rover run --png`` draws it, at :data:`SIZE`."""
    from viewer import render_png

    return render_png(replay, OUT / "jezero-run.png", size=SIZE)


def draw_strip(replay) -> Path:
    """Four moments of the run, evenly spaced in simulated time, in a 2 x 2 grid."""
    import pygame

    from viewer.offscreen import save_surface, stage_for

    w, h = STRIP_FRAME
    stage = stage_for(replay, size=STRIP_FRAME)
    stage.paused = None       # still pictures: no playback state in the HUD
    stage.show_legend = False  # too small a frame for it; the big picture has it
    t_end = stage.timelines[0].t_available
    sheet = pygame.Surface((2 * w, 2 * h), depth=32)
    frame = pygame.Surface(STRIP_FRAME, depth=32)
    for i in range(4):
        stage.timelines[0].seek(t_end * i / 3)
        stage.draw(frame)
        sheet.blit(frame, ((i % 2) * w, (i // 2) * h))
    # A one-pixel seam between the frames, so that they read as four pictures.
    pygame.draw.line(sheet, (235, 238, 245), (w, 0), (w, 2 * h - 1))
    pygame.draw.line(sheet, (235, 238, 245), (0, h), (2 * w - 1, h))
    return save_surface(sheet, OUT / "jezero-run-strip.png")


def draw_low_sun() -> Path:
    """The south-pole scenario in a 3 deg Sun, side by side: the route without the shadow
    term (``shadow_cost = 0``: the route it takes with no Sun) and with it, on the same
    shadowed ground, at the end of each run."""
    import dataclasses

    import rover
    from rover.io.replay import Recorder, Replay, scene_from_world
    from rover.sim import prepare
    from viewer import render_png

    from rover import scenarios

    sc = scenarios.load("moon-south-pole-low-sun")
    world = prepare(sc)
    scene = scene_from_world(world)
    runs = []
    for cost, label in ((0.0, "no shadow term"), (sc.sun.shadow_cost, "shadow_cost 3")):
        rec = Recorder()
        s2 = dataclasses.replace(sc, sun=dataclasses.replace(sc.sun, shadow_cost=cost))
        res = rover.simulate(s2, world=world, observer=rec)
        label += f": {res.summary['sun']['shadow_time_s']:.0f} s in shadow"
        runs.append(Replay(scene=scene, snapshots=tuple(rec.snapshots),
                           summary={**res.summary, "planner": label}))
    return render_png(runs, OUT / "south-pole-low-sun.png", size=(1400, 760))


def draw_terrains() -> list[Path]:
    """``rover terrain --preset P --size 384 -o docs/img/terrain-P.png`` for each preset."""
    paths = []
    for preset in TERRAINS:
        path = OUT / f"terrain-{preset}.png"
        _cli("terrain", "--preset", preset, "--size", "384", "-o", str(path))
        paths.append(path)
    return paths


def draw_before_after(work: Path) -> Path:
    """Each preset of :data:`BEFORE_AFTER` before issue 23 (left, stored) and now (right)."""
    import pygame

    from viewer.offscreen import save_surface

    gap, rows = 8, []
    for preset in BEFORE_AFTER:
        after = work / f"after-{preset}.png"
        _cli("terrain", "--preset", preset, "--size", "400", "--cell-size", "0.5",
             "--seed", "0", "-o", str(after))
        rows.append((pygame.image.load(str(OUT / "before" / f"terrain-{preset}.png")),
                     pygame.image.load(str(after))))
    w, h = rows[0][0].get_size()
    sheet = pygame.Surface((2 * w + gap, len(rows) * h + (len(rows) - 1) * gap), depth=32)
    sheet.fill((255, 255, 255))
    for i, (before, after) in enumerate(rows):
        sheet.blit(before, (0, i * (h + gap)))
        sheet.blit(after, (w + gap, i * (h + gap)))
    return save_surface(sheet, OUT / "terrain-before-after.png")


def main() -> int:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # no window is ever opened
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rover-pictures-") as tmp:
        replay = run_flagship(Path(tmp))
        made = [draw_run(replay), draw_strip(replay), draw_low_sun(), *draw_terrains(),
                draw_before_after(Path(tmp))]
    for p in made:
        print(f"{p.relative_to(ROOT)}  {p.stat().st_size / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
