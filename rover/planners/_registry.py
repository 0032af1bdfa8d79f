"""The planner registry: every planner a run, ``rover bench``, ``rover list`` and the viewer
can use, built in or added by a user, by name (public through :mod:`rover.planners`).

Two kinds of planner, told apart by their shape:

- **from scratch**: any callable ``plan(cost, start, goal) -> Plan``;
- **incremental**: a class ``P(cost, start, goal)`` whose instances have ``plan() -> Plan``,
  ``update(cells, costs)`` and ``move_to(cell)`` (the :class:`~rover.planners.DStarLite`
  contract). A class with ``update`` and ``move_to`` is taken as incremental.

In a run, ``cost`` is the run's known map: a read-only :class:`~rover.planners.KnownGrid`
(an ``numpy.ndarray``) that the run changes in place between replans and vouches for, so
the package's own functions (``astar``, ``theta_star``, ``line_cost``, ...) take it
without validating it again, and ``astar`` plans on it in one kept workspace: a plugin
that calls ``astar`` plans as fast as the built-in.

Planners come from three places, looked up in this order: the built-ins, those registered in
code with :func:`register`, and those installed by a package under the entry-point group
``rover.planners`` (loaded on first use of their name). A name may be registered once; a
clash with a built-in is an error naming both.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Callable

__all__ = ["PlannerEntry", "PlannerError", "register", "get", "names", "describe",
           "ENTRY_POINT_GROUP"]

ENTRY_POINT_GROUP = "rover.planners"
"""The entry-point group an installed package adds planners under, e.g. in its
``pyproject.toml``: ``[project.entry-points."rover.planners"] mine = "mypkg.planning:Mine"``."""


class PlannerError(ValueError):
    """A planner that cannot be used: an unknown name, a name clash, an entry point that does
    not load, or an object that is neither kind of planner. ``str(err)`` is one line."""


@dataclass(frozen=True)
class PlannerEntry:
    """One registered planner."""

    name: str
    planner: Any
    """The callable (from scratch) or the class (incremental)."""
    description: str
    incremental: bool
    source: str
    """Where it came from: ``"built in"``, ``"registered in code"`` or ``"entry point
    mypkg.module:attr"``."""
    label: str = ""
    """A short display name (the viewer's); the name when empty."""
    repeated: Callable | None = None
    """Optional, for planners from scratch: ``repeated(grid, weight) -> plan(start, goal,
    least_cost)``, a planner bound to one grid that the run changes in place (the built-in
    A* family reuses one workspace this way). Without it the run calls ``planner(grid, start,
    goal)`` at every replan."""
    warm_up: Callable | None = None
    """Optional: ``warm_up(dtype, rekey)`` compiles the planner's kernels before a run, so
    that its planner time measures planning, not compiling."""

    @property
    def display(self) -> str:
        return self.label or self.name


_BUILTIN: dict[str, PlannerEntry] = {}
_REGISTERED: dict[str, PlannerEntry] = {}
_INSTALLED: dict[str, PlannerEntry] = {}
_ENTRY_POINTS: dict[str, Any] | None = None  # name -> importlib.metadata.EntryPoint


def _kind(name: str, planner: Any, where: str) -> bool:
    """True for an incremental planner, False for one from scratch; PlannerError for neither."""
    if isinstance(planner, type):
        if callable(getattr(planner, "update", None)) and callable(getattr(planner, "move_to",
                                                                           None)):
            if not callable(getattr(planner, "plan", None)):
                raise PlannerError(f"planner {name!r} ({where}): an incremental planner class "
                                   "needs plan(), update(cells, costs) and move_to(cell)")
            return True
    if callable(planner):
        return False
    raise PlannerError(f"planner {name!r} ({where}) is a {type(planner).__name__}: expected a "
                       "callable plan(cost, start, goal) -> Plan, or a class with plan(), "
                       "update(cells, costs) and move_to(cell)")


def _check_name(name) -> None:
    if not isinstance(name, str) or not name.isidentifier():
        raise PlannerError(f"a planner's name must be a word of letters, digits and "
                           f"underscores, got {name!r}")


def _builtin(name: str, planner: Any, description: str, **extra) -> None:
    """Add a built-in planner (rover.planners does, at import)."""
    _BUILTIN[name] = PlannerEntry(name, planner, description, _kind(name, planner, "built in"),
                                  "built in", **extra)


def register(name: str, planner: Any, *, description: str = "") -> None:
    """Make ``planner`` usable by name in runs, scenarios (``[mission].planner``),
    ``rover run --planner``, ``rover bench --planners`` and ``rover view --compare``.

    Parameters
    ----------
    name : str
        A word of letters, digits and underscores.
    planner : callable or class
        ``plan(cost, start, goal) -> Plan``, or an incremental class (see the module's
        docstring).
    description : str
        One line for ``rover list``.

    Raises
    ------
    PlannerError
        A bad name, a name of a built-in or of an installed planner (the message names both),
        or an object that is neither kind of planner.

    Examples
    --------
    >>> import numpy as np
    >>> from rover.planners import astar, register, get
    >>> register("my_astar", lambda cost, start, goal: astar(cost, start, goal),
    ...          description="A* by another name")
    >>> get("my_astar").incremental
    False
    """
    _check_name(name)
    taken = _BUILTIN.get(name) or _installed_entry_point(name)
    if taken is not None:
        raise PlannerError(f"cannot register planner {name!r}: the name is taken by "
                           f"{_owner(name)}; choose another name")
    _REGISTERED[name] = PlannerEntry(name, planner, str(description),
                                     _kind(name, planner, "registered in code"),
                                     "registered in code")


def _owner(name: str) -> str:
    if name in _BUILTIN:
        p = _BUILTIN[name].planner
        return f"the built-in planner {name} ({getattr(p, '__module__', 'rover.planners')}." \
               f"{getattr(p, '__qualname__', name)})"
    ep = _entry_points().get(name)
    return f"the installed planner {name} (entry point {ep.value})" if ep else name


def _entry_points() -> dict:
    """The installed planners' entry points by name (read once, not loaded)."""
    global _ENTRY_POINTS
    if _ENTRY_POINTS is None:
        from importlib.metadata import entry_points

        _ENTRY_POINTS = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    return _ENTRY_POINTS


def _installed_entry_point(name: str):
    return _entry_points().get(name)


def _load(name: str) -> PlannerEntry:
    """The entry for installed planner ``name``, loading its entry point on first use."""
    if name in _INSTALLED:
        return _INSTALLED[name]
    ep = _entry_points()[name]
    where = f"entry point {ep.value}"
    if name in _BUILTIN:
        raise PlannerError(f"the installed planner {name} ({where}) has the name of "
                           f"{_owner(name)}; rename it in its package's entry points")
    try:
        planner = ep.load()
    except Exception as exc:  # a plugin's mistake is a user's mistake: one line, named
        raise PlannerError(f"planner {name!r} ({where}) does not load: "
                           f"{type(exc).__name__}: {exc}".splitlines()[0]) from None
    doc = (getattr(planner, "__doc__", None) or "").strip().split("\n")[0]
    entry = PlannerEntry(name, planner, doc, _kind(name, planner, where), where)
    _INSTALLED[name] = entry
    return entry


def get(name: str) -> PlannerEntry:
    """The planner called ``name``.

    Raises
    ------
    PlannerError
        An unknown name (the message lists the known ones and the nearest), or an installed
        planner that does not load or clashes with a built-in.
    """
    if name in _BUILTIN:
        if name in _entry_points():
            _load(name)  # raises: an installed planner must not shadow a built-in
        return _BUILTIN[name]
    if name in _REGISTERED:
        return _REGISTERED[name]
    if isinstance(name, str) and name in _entry_points():
        return _load(name)
    known = names()
    # A name the user began to type ('dstar' for 'dstar_lite') before a merely similar one.
    close = ([n for n in known if n.startswith(str(name))]
             or difflib.get_close_matches(str(name), known, n=1))
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise PlannerError(f"unknown planner {name!r}{hint}; valid planners: {', '.join(known)}")


def names() -> list[str]:
    """Every planner's name: the built-ins, then those registered in code, then the installed
    ones (not loaded)."""
    out = list(_BUILTIN) + [n for n in _REGISTERED if n not in _BUILTIN]
    return out + [n for n in _entry_points() if n not in out]


def describe(name: str) -> str:
    """The one-line description of planner ``name`` (installed ones are loaded for it)."""
    return get(name).description
