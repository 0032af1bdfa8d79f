"""Off-screen rendering: a finished (or partial) run drawn to an image or PNG, no window.

The same drawing code as the window (:class:`viewer.Stage`), on a plain
``pygame.Surface``; only ``pygame.font`` is initialised (no display, no audio).

Examples
--------
>>> from rover.io.replay import load_replay                  # doctest: +SKIP
>>> img = render_image(load_replay("runs/my-run"))           # doctest: +SKIP
>>> img.shape                                                # doctest: +SKIP
(800, 1280, 3)
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Mapping

import numpy as np
import pygame

from viewer._stage import Stage
from viewer._timeline import Timeline

__all__ = ["render_image", "render_png", "write_frames", "stage_for", "surface_to_array",
           "save_surface"]


def _parse_size(size) -> tuple[int, int]:
    try:
        w, h = int(size[0]), int(size[1])
    except (TypeError, ValueError, IndexError):
        raise ValueError(f"size must be (width, height) in pixels, got {size!r}") from None
    if not (64 <= w <= 16384 and 64 <= h <= 16384):
        raise ValueError(f"size must be between 64 and 16384 pixels a side, got {w} x {h}")
    return w, h


def stage_for(replays, *, size=(1280, 800), layers: Mapping[str, bool] | None = None,
              art=None) -> Stage:
    """A :class:`Stage` holding every snapshot of one or more replays of the same scene.

    Parameters
    ----------
    replays : rover.io.replay.Replay or sequence of them
    size : (int, int)
        Image size [px].
    layers : mapping, optional
        Layer name -> on/off (see :data:`viewer.LAYERS`); the others stay on.
    art : viewer.SceneArt, optional
        The scene's images, if already made.
    """
    if not isinstance(replays, (list, tuple)):
        replays = [replays]
    if not replays:
        raise ValueError("replays must hold at least one run, got none")
    size = _parse_size(size)
    timelines = []
    for r in replays:
        tl = Timeline(r.scene, label=r.summary.get("planner") if r.summary else None)
        for s in r.snapshots:
            tl.ingest(s)
        timelines.append(tl)
    stage = Stage(replays[0].scene, timelines, size, art=art)
    for name, on in (layers or {}).items():
        stage.set_layer(name, on)
    return stage


def surface_to_array(surf: pygame.Surface) -> np.ndarray:
    """(height, width, 3) uint8 RGB copy of a surface (row 0 = top)."""
    return np.ascontiguousarray(pygame.surfarray.array3d(surf).swapaxes(0, 1))


def _draw_at(stage: Stage, t_s: float | None) -> pygame.Surface:
    for tl in stage.timelines:
        tl.seek(tl.t_available if t_s is None else t_s)
    stage.paused = None  # a still picture: the HUD shows no playback state
    surf = pygame.Surface(stage.size, depth=32)
    stage.draw(surf)
    return surf


def render_image(replays, *, t_s: float | None = None, size=(1280, 800),
                 layers: Mapping[str, bool] | None = None) -> np.ndarray:
    """Draw a run as it was at ``t_s`` (default: its end), without a window.

    Parameters
    ----------
    replays : rover.io.replay.Replay or sequence of them
        One run, or several on the same scene (drawn side by side).
    t_s : float, optional
        Simulated time [s]; None draws the end of the run.
    size : (int, int)
        Image (width, height) [px].
    layers : mapping, optional
        Layer name -> on/off.

    Returns
    -------
    numpy.ndarray
        (height, width, 3) uint8 RGB, row 0 at the top (north up).
    """
    stage = stage_for(replays, size=size, layers=layers)
    return surface_to_array(_draw_at(stage, t_s))


def save_surface(surf: pygame.Surface, path: str | os.PathLike) -> Path:
    """Write a surface as a PNG file, atomically (a temporary file, then a rename)."""
    from rover.io.results import atomic_write

    # Encoded in memory first: pygame reports a failed file write as a bare pygame.error, and
    # the caller needs the OSError (a full disk, say) to name the file.
    buf = io.BytesIO()
    pygame.image.save(surf, buf, "image.png")
    return atomic_write(Path(path), lambda fh: fh.write(buf.getbuffer()), binary=True)


def render_png(replays, path: str | os.PathLike, *, t_s: float | None = None, size=(1280, 800),
               layers: Mapping[str, bool] | None = None) -> Path:
    """Like :func:`render_image`, written to a PNG file at ``path``."""
    stage = stage_for(replays, size=size, layers=layers)
    return save_surface(_draw_at(stage, t_s), path)


def write_frames(replays, out_dir: str | os.PathLike, *, count: int = 300, size=(1280, 800),
                 layers: Mapping[str, bool] | None = None) -> list[Path]:
    """Write ``count`` frames evenly spaced in simulated time, the first at the start of the
    run and the last at its end (one frame: the end).

    Files are ``frame_00000.png``, ``frame_00001.png``, ... in ``out_dir`` (made if needed),
    ready for ``ffmpeg -framerate 30 -i frame_%05d.png run.mp4``. A replan's flash shows on
    the frame where it happened.

    Returns
    -------
    list of pathlib.Path
    """
    if int(count) < 1:
        raise ValueError(f"count must be >= 1 frame, got {count!r}")
    count = int(count)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # Frames of an earlier, longer sequence would follow ours in a video made from the folder.
    for stale in out.glob("frame_[0-9][0-9][0-9][0-9][0-9].png"):
        stale.unlink()
    stage = stage_for(replays, size=size, layers=layers)
    stage.paused = None  # a still picture: the HUD shows no playback state
    t_end = max(tl.t_available for tl in stage.timelines)
    surf = pygame.Surface(stage.size, depth=32)
    serials = [0] * len(stage.panes)
    paths = []
    for i in range(count):
        t = t_end * i / (count - 1) if count > 1 else t_end
        for k, (pane, tl) in enumerate(zip(stage.panes, stage.timelines)):
            tl.seek(t)
            pane.flash_alpha = 1.0 if tl.flash_serial != serials[k] else 0.0
            serials[k] = tl.flash_serial
        stage.draw(surf)
        paths.append(save_surface(surf, out / f"frame_{i:05d}.png"))
    return paths
