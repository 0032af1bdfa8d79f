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

from collections.abc import Mapping

from rover.planners import _astar_kernels, _dstar_lite_kernels, _mpgaa_kernels
from rover.planners._astar import RepeatedSearch, astar, dijkstra
from rover.planners._check import check_plan
from rover.planners._common import (MAX_COST, MAX_SPREAD, IncrementalPlanner, KnownGrid, Plan,
                                    check_spread, scan_costs)
from rover.planners._dstar_lite import DStarLite
from rover.planners._field_dstar import FieldDStar
from rover.planners._line_cost import line_cost, segment_clear, taut
from rover.planners._mpgaa import MPGAAStar
from rover.planners._registry import (ENTRY_POINT_GROUP, PlannerEntry, PlannerError, describe,
                                      get, names, register)
from rover.planners._registry import _builtin
from rover.planners._theta_star import theta_star

__all__ = ["Plan", "astar", "wastar", "dijkstra", "DStarLite", "MPGAAStar", "theta_star",
           "FieldDStar", "PLANNERS", "plan_path", "check_planner_name", "RepeatedSearch",
           "MAX_COST", "MAX_SPREAD", "check_spread", "scan_costs", "kernels", "register", "get",
           "names", "describe", "PlannerEntry", "PlannerError", "ENTRY_POINT_GROUP",
           "WASTAR_WEIGHT", "IncrementalPlanner", "check_plan", "line_cost", "segment_clear",
           "taut", "KnownGrid"]

WASTAR_WEIGHT = 1.5
"""The heuristic weight of the ``wastar`` planner when none is given."""


def wastar(cost, start, goal, *, connectivity: int = 8, weight: float = WASTAR_WEIGHT) -> Plan:
    """Weighted A*: :func:`astar` with ``weight`` (default :data:`WASTAR_WEIGHT`); the path
    costs at most ``weight`` times the optimum."""
    return astar(cost, start, goal, connectivity=connectivity, weight=weight)


def _repeated(name: str):
    """A ``repeated`` hook for the A* family: one :class:`RepeatedSearch` workspace on the
    run's grid, reset only where a search touched it."""
    def make(grid, weight: float):
        search = RepeatedSearch(grid)
        return lambda start, goal, least_cost: search.plan(name, start, goal, least_cost,
                                                           weight=weight)
    return make


_builtin("astar", astar, "A*: optimal, octile heuristic scaled by the least cell cost",
         label="A*", repeated=_repeated("astar"))
_builtin("wastar", wastar, "weighted A*: cost at most `weight` times optimal, usually far "
         "fewer expansions", label="weighted A*", repeated=_repeated("wastar"))
_builtin("dijkstra", dijkstra, "Dijkstra: optimal, no heuristic (expands every cell cheaper "
         "than the goal)", label="Dijkstra", repeated=_repeated("dijkstra"))
_builtin("dstar_lite", DStarLite, "D* Lite: optimal and incremental, cheap replans after "
         "cost changes or moves", label="D* Lite", warm_up=DStarLite.warm_up)
_builtin("mpgaa", MPGAAStar, "MPGAA*: optimal and incremental A* that learns and reuses its "
         "paths, cheap replans while costs only rise", label="MPGAA*",
         warm_up=MPGAAStar.warm_up)
def _warm_theta_star(dtype, rekey: bool = False) -> None:
    """Compile (or load) Theta*'s kernels before a run: a plan on a 3 x 3 grid."""
    import numpy as np

    theta_star(np.full((3, 3), 2.0, dtype=dtype), (0, 0), (2, 2))


_builtin("theta_star", theta_star, "Theta*: any-angle paths through line-of-sight parents, "
         "costed by the exact line integral", label="Theta*", warm_up=_warm_theta_star)


class _Descriptions(Mapping):
    """{name: description} of every planner, read from the registry each time it is used
    (a planner registered later appears in it; installed ones are loaded for their
    description only when it is read)."""

    def __getitem__(self, name: str) -> str:
        try:
            return describe(name)
        except PlannerError as exc:
            if name not in names():
                raise KeyError(name) from None
            return f"(cannot be used: {exc})"  # listed, with why

    def __iter__(self):
        return iter(names())

    def __len__(self) -> int:
        return len(names())

    def __contains__(self, name) -> bool:
        return name in names()


PLANNERS: Mapping[str, str] = _Descriptions()
"""Planner names for scenarios and the CLI, each with a one-line description: a live view
of the registry (:func:`names`, :func:`describe`)."""


def check_planner_name(name: str) -> None:
    """Raise :class:`PlannerError` (a ``ValueError``) naming the valid planners unless
    ``name`` is a usable planner (built in, registered or installed)."""
    get(name)


def plan_path(name: str, cost, start, goal, **options) -> Plan:
    """Plan once, from scratch, with the planner called ``name`` (an incremental planner is
    made and asked for its first plan).

    Parameters
    ----------
    name : str
        A planner's name (:func:`names`).
    cost, start, goal
        As for :func:`astar`.
    **options
        Passed to the planner, e.g. ``connectivity=4`` or ``weight=2.0`` for the built-ins.

    Returns
    -------
    Plan

    Raises
    ------
    PlannerError
        An unknown name (the message lists the valid ones).
    ValueError
        Bad input, as for :func:`astar`.

    Examples
    --------
    >>> import numpy as np
    >>> from rover.planners import plan_path
    >>> plan_path("dstar_lite", np.ones((4, 4)), (0, 0), (3, 0)).cost
    3.0
    """
    entry = get(name)
    if entry.incremental:
        return entry.planner(cost, start, goal, **options).plan()
    return entry.planner(cost, start, goal, **options)


def kernels(name: str, *, updates: bool = True) -> list:
    """The numba kernels (dispatchers) the built-in planner called ``name`` runs on every
    plan and, with ``updates``, on every :meth:`~DStarLite.update`: the ones whose presence
    in numba's on-disk cache means the planner starts without compiling (``rover._prewarm``
    checks them).

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


_builtin("field_dstar", FieldDStar, "Field D*: incremental and any-angle, costs interpolated "
         "along cell edges (the MER rovers' planner); experimental", label="Field D*",
         warm_up=FieldDStar.warm_up)
