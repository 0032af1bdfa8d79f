"""Planetary rover autonomous navigation: planners, traversability, rover models, the run loop.

Public entry points: :func:`load_scenario`, :func:`simulate`, and the planners in
:mod:`rover.planners`. Importing ``rover`` loads nothing heavy: submodules are imported on
first use.
"""

from __future__ import annotations

import importlib

__all__ = [
    "load_scenario", "simulate", "Scenario", "ScenarioError", "RunResult",
    "astar", "dijkstra", "DStarLite", "Plan",
]
__version__ = "0.1.0"

_LAZY = {
    "load_scenario": "rover.scenario",
    "Scenario": "rover.scenario",
    "ScenarioError": "rover.scenario",
    "simulate": "rover.sim",
    "RunResult": "rover.sim",
    "astar": "rover.planners",
    "dijkstra": "rover.planners",
    "DStarLite": "rover.planners",
    "Plan": "rover.planners",
}


_SUBMODULES = ("planners", "costmap", "sensing", "sim", "scenario", "models", "kinematics",
               "follower", "bench", "io")
"""Public submodules, reachable as attributes (``rover.planners.astar``) after ``import rover``."""


def __getattr__(name: str):
    # Lazy so that `import rover` (and `rover --help`) stays fast and imports no numba.
    if name in _SUBMODULES:
        return importlib.import_module(f"rover.{name}")
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'rover' has no attribute {name!r}")
    return getattr(importlib.import_module(mod), name)


def __dir__():
    return sorted(list(globals()) + __all__ + list(_SUBMODULES))
