"""Grid planners: A*, weighted A*, Dijkstra, D* Lite and MPGAA* in numba.

Cost grid: float32 or float64, shape (rows, cols); a finite value >= 1 is the cost of crossing
a cell and ``inf`` is impassable (NaN, values below 1 and integer grids are refused). A step
from u to a neighbour v costs ``step * (cost[u] + cost[v]) / 2`` with ``step`` 1 or sqrt(2)
cells; a diagonal step needs both cells beside it passable (no corner cutting).

Each planner is a thin validating wrapper around numba kernels (``@njit(cache=True)``); the
first call in a process with a cold cache compiles them.

Layout, one rule for every planner ``<name>`` (its key in :data:`PLANNERS`):

- ``_<name>.py``: the wrapper, the public function or class (validates, converts once,
  calls the kernels, turns their status codes into a :class:`Plan` or an exception);
- ``_<name>_kernels.py``: its numba kernels, which take flat arrays and plain numbers,
  trust their inputs and never raise for a user's mistake;
- ``_common.py``: what every wrapper shares (:class:`Plan`, grid and cell validation, the
  incremental planners' base class) and the one-pass cost scan.

So ``_astar.py`` / ``_astar_kernels.py`` (A*, weighted A* and Dijkstra, one kernel),
``_dstar_lite.py`` / ``_dstar_lite_kernels.py``, ``_mpgaa.py`` / ``_mpgaa_kernels.py``.
A kernel module may import constants and kernels from another kernel module; nothing
outside this package imports any of these modules (use the names below).

Beside the planners, the rest of ``rover`` uses :class:`RepeatedSearch` (A* replans on one
changing grid, without re-validating it), :data:`MAX_COST`, :data:`MAX_SPREAD`,
:func:`check_spread` and :func:`scan_costs` (the cost-grid rules, for grids checked
elsewhere) and :func:`kernels` (for warming numba's cache).
"""

from __future__ import annotations

from rover.planners import _astar_kernels, _dstar_lite_kernels, _mpgaa_kernels
from rover.planners._astar import RepeatedSearch, astar, dijkstra
from rover.planners._common import MAX_COST, MAX_SPREAD, Plan, check_spread, scan_costs
from rover.planners._dstar_lite import DStarLite
from rover.planners._field_dstar import FieldDStar
from rover.planners._line_cost import line_cost, segment_clear
from rover.planners._mpgaa import MPGAAStar
from rover.planners._theta_star import theta_star

__all__ = ["Plan", "astar", "dijkstra", "DStarLite", "MPGAAStar", "PLANNERS", "plan_path",
           "check_planner_name", "RepeatedSearch", "MAX_COST", "MAX_SPREAD", "check_spread",
           "scan_costs", "kernels", "line_cost", "segment_clear", "theta_star", "FieldDStar"]

PLANNERS: dict[str, str] = {
    "astar": "A*: optimal, octile heuristic scaled by the least cell cost",
    "wastar": "weighted A*: cost at most `weight` times optimal, usually far fewer expansions",
    "dijkstra": "Dijkstra: optimal, no heuristic (expands every cell cheaper than the goal)",
    "dstar_lite": "D* Lite: optimal and incremental, cheap replans after cost changes or moves",
    "mpgaa": "MPGAA*: optimal and incremental A* that learns and reuses its paths, cheap "
             "replans while costs only rise",
}
"""Planner names for scenarios and the CLI, each with a one-line description."""


def check_planner_name(name: str) -> None:
    """Raise ``ValueError`` naming the valid planners unless ``name`` is a key of :data:`PLANNERS`."""
    if name not in PLANNERS:
        raise ValueError(f"unknown planner {name!r}; valid planners: {', '.join(PLANNERS)}")


def plan_path(name: str, cost, start, goal, *, connectivity: int = 8,
              weight: float = 1.5) -> Plan:
    """Plan from scratch with the planner called ``name`` (a key of :data:`PLANNERS`).

    Parameters
    ----------
    name : str
        "astar", "wastar" (uses ``weight``), "dijkstra", "dstar_lite" (a fresh
        :class:`DStarLite`) or "mpgaa" (a fresh :class:`MPGAAStar`).
    cost, start, goal, connectivity
        As for :func:`astar`.
    weight : float
        Heuristic weight for "wastar" (>= 1); ignored by the others.

    Returns
    -------
    Plan

    Raises
    ------
    ValueError
        An unknown name (the message lists the valid ones), or bad input as for :func:`astar`.

    Examples
    --------
    >>> import numpy as np
    >>> from rover.planners import plan_path
    >>> plan_path("dstar_lite", np.ones((4, 4)), (0, 0), (3, 0)).cost
    3.0
    """
    if name == "astar":
        return astar(cost, start, goal, connectivity=connectivity)
    if name == "wastar":
        return astar(cost, start, goal, connectivity=connectivity, weight=weight)
    if name == "dijkstra":
        return dijkstra(cost, start, goal, connectivity=connectivity)
    check_planner_name(name)
    incremental = MPGAAStar if name == "mpgaa" else DStarLite
    return incremental(cost, start, goal, connectivity=connectivity).plan()


def kernels(name: str, *, updates: bool = True) -> list:
    """The numba kernels (dispatchers) the planner called ``name`` runs on every plan and,
    with ``updates``, on every :meth:`~DStarLite.update`: the ones whose presence in numba's
    on-disk cache means the planner starts without compiling (``rover._prewarm`` checks them).

    Raises
    ------
    ValueError
        An unknown name (the message lists the valid ones).

    Examples
    --------
    >>> [k.__name__ for k in kernels("dstar_lite", updates=False)]
    ['compute', 'extract', 'separated']
    """
    check_planner_name(name)
    if name == "dstar_lite":
        k = _dstar_lite_kernels
        return [k.compute, k.update, k.extract, k.separated] if updates else \
            [k.compute, k.extract, k.separated]
    if name == "mpgaa":
        return [_mpgaa_kernels.search]  # its updates run no kernel
    return [_astar_kernels.search, _astar_kernels.trace]
