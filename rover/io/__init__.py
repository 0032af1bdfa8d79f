"""Reading and writing: Moving AI benchmark files, run results, replays.

The submodules load on first use: ``rover.io.movingai``, ``rover.io.results``, ``rover.io.replay``.
"""

from __future__ import annotations

import importlib

_SUBMODULES = ("movingai", "results", "replay")


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"rover.io.{name}")
    raise AttributeError(f"module 'rover.io' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES))
