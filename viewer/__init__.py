"""The pygame viewer and the off-screen renderer: watch a rover think, live or replayed.

``rover view SCENARIO`` opens a window and runs the scenario live; ``rover view RUN_DIR``
replays a finished run; ``rover run SCENARIO --png FILE`` draws the finished run without a
window. The viewer only reads :class:`rover.sim.Snapshot` objects; it never changes a run.

Public API (imported on first use, so ``import viewer`` does not load pygame):
:func:`render_image`, :func:`render_png`, :func:`write_frames` (off-screen, from
:mod:`viewer.offscreen`), :func:`open_window` / :class:`App` (from :mod:`viewer.app`), and
the parts they are built from, for code that assembles its own view (as ``rover view``
does): :class:`SceneArt` (a scene's terrain and cost images, made once), :class:`Timeline`
(one run's snapshots, played to any time) and :class:`Stage` (runs side by side with one
camera, drawn on any surface).
"""

from __future__ import annotations

import importlib
import os

# pygame prints a banner on import unless told not to; the CLI's output must stay clean.
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

__all__ = ["render_image", "render_png", "write_frames", "App", "open_window", "NoDisplayError",
           "LAYERS", "SceneArt", "Stage", "Timeline"]

_LAZY = {
    "render_image": "viewer.offscreen",
    "render_png": "viewer.offscreen",
    "write_frames": "viewer.offscreen",
    "App": "viewer.app",
    "open_window": "viewer.app",
    "NoDisplayError": "viewer.app",
    "LAYERS": "viewer._render",
    "SceneArt": "viewer._render",
    "Stage": "viewer._stage",
    "Timeline": "viewer._timeline",
}


def __getattr__(name: str):
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'viewer' has no attribute {name!r}")
    return getattr(importlib.import_module(mod), name)


def __dir__():
    return sorted(list(globals()) + __all__)
