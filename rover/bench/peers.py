"""Other libraries' grid planners, wrapped to take our cost grid, start and goal.

Each adapter returns the peer's path as an (N, 2) array of (row, col) cells (or None when it
finds none); :func:`rover.bench.workloads.path_cost` then re-costs that path under our rule,
so a table can show how far each peer is from our optimum. Each peer keeps its own cost
model; what the adapters choose:

- scikit-image ``route_through_array`` (``fully_connected=True, geometric=True``): a step
  costs its length times the mean of the two cells, like ours, but diagonals may cut corners.
- tcod ``Pathfinder`` over a ``SimpleGraph``: integer costs (``round(10 * cost)``, blocked
  0), cardinal 70, diagonal 99, greed 10; a step costs the destination cell; corner cutting.
- pyastar2d ``astar_path(allow_diagonal=True)``: float32 weights; a diagonal step costs the
  same as a straight one; corner cutting.

The peers come from the optional ``bench`` extra (``pip install planetary-rover-nav[bench]``).
A missing one is reported by :func:`available` with a note, never raised.
"""

from __future__ import annotations

import importlib
from typing import Callable

import numpy as np

__all__ = ["PEERS", "available", "make_peer", "peers", "peer_skimage", "make_peer_tcod",
           "make_peer_pyastar2d"]

PEERS: dict[str, tuple[str, str, str]] = {
    "skimage": ("scikit-image route_through_array", "skimage.graph", "scikit-image"),
    "tcod": ("tcod Pathfinder", "tcod.path", "tcod"),
    "pyastar2d": ("pyastar2d", "pyastar2d", "pyastar2d"),
}
"""Peer name -> (label, module to import, distribution name)."""


def available(name: str) -> tuple[bool, str]:
    """(True, version) when peer ``name`` can be imported, else (False, a note saying why)."""
    label, module, dist = PEERS[name]
    try:
        importlib.import_module(module)
    except ImportError as exc:
        return False, (f"{label} skipped: {dist} is not installed ({exc}); install the "
                       "'bench' extra to compare with it")
    except Exception as exc:  # noqa: BLE001 - a broken install (e.g. built for another numpy)
        return False, (f"{label} skipped: {dist} is installed but fails to import "
                       f"({type(exc).__name__}: {exc}); reinstall it to compare with it")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return True, version(dist)
    except PackageNotFoundError:
        return True, "unknown"


def peer_skimage(cost: np.ndarray, start, goal) -> np.ndarray:
    """scikit-image's least-cost route, or None (the whole grid is set up on every call)."""
    from skimage.graph import route_through_array

    try:
        path, _ = route_through_array(cost, tuple(start), tuple(goal), fully_connected=True,
                                      geometric=True)
    except ValueError as exc:
        if "no minimum-cost path" in str(exc):
            return None
        raise
    return np.asarray(path, dtype=np.int64).reshape(-1, 2)


def make_peer_tcod(cost: np.ndarray) -> Callable:
    """A tcod solver for ``cost``; its integer cost array is made once, the graph per call."""
    import tcod.path

    icost = np.where(np.isfinite(cost), np.round(cost * 10.0), 0).astype(np.int32)

    def run(start, goal):
        graph = tcod.path.SimpleGraph(cost=icost, cardinal=70, diagonal=99, greed=10)
        pf = tcod.path.Pathfinder(graph)
        pf.add_root(tuple(start))
        path = np.asarray(pf.path_to(tuple(goal)), dtype=np.int64).reshape(-1, 2)
        if len(path) == 0 or tuple(path[-1]) != tuple(goal) or tuple(path[0]) != tuple(start):
            return None
        return path

    return run


def make_peer_pyastar2d(cost: np.ndarray) -> Callable:
    """A pyastar2d solver for ``cost`` (float32 weights made once)."""
    import pyastar2d

    weights = np.ascontiguousarray(cost, dtype=np.float32)

    def run(start, goal):
        path = pyastar2d.astar_path(weights, tuple(start), tuple(goal), allow_diagonal=True)
        return None if path is None else np.asarray(path, dtype=np.int64).reshape(-1, 2)

    return run


def make_peer(name: str, cost: np.ndarray) -> Callable:
    """``solve(start, goal) -> path or None`` for peer ``name`` on ``cost`` (ImportError if
    the peer is not installed, KeyError for an unknown name)."""
    if name == "skimage":
        import skimage.graph  # noqa: F401  (fail now, not at the first call)

        return lambda s, g: peer_skimage(cost, s, g)
    if name == "tcod":
        return make_peer_tcod(cost)
    if name == "pyastar2d":
        return make_peer_pyastar2d(cost)
    raise KeyError(f"unknown peer {name!r}; valid peers: {', '.join(PEERS)}")


def peers(cost: np.ndarray) -> dict[str, Callable]:
    """Label -> ``solve(start, goal)`` for every installed peer."""
    out = {}
    for name, (label, _, _) in PEERS.items():
        try:
            out[label] = make_peer(name, cost)
        except ImportError:
            pass
    return out
