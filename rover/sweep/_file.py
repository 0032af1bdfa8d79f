"""Sweep files: TOML in, a validated :class:`Sweep` out, every run's configuration checked
before any run starts.

A sweep file has one table, ``[sweep]``::

    [sweep]
    name = "planners-jezero"              # optional; the file's stem by default
    description = "..."                   # optional
    scenarios = ["../mars-jezero-perseverance.toml", "moon-highlands-yutu2"]
    seeds = [0, 1, 2]                     # or { first = 0, count = 500 }
    planners = ["astar", "mpgaa"]         # optional; each scenario's [mission].planner by default
    [sweep.vary]                          # optional: scenario key paths, each a list of values
    "rover.preset" = ["curiosity", "perseverance"]
    [sweep.routes]                        # optional: start and goal drawn per seed
    min_distance_m = 100.0
    max_distance_m = 150.0

A scenario is a path relative to the sweep file, or the name of a shipped scenario
(:mod:`rover.scenarios`). Each run is one (scenario, varied values, seed, planner); the runs
that differ only by planner make one *case*: the same terrain and the same route.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rover.scenario import (MAX_COORD_M, Scenario, ScenarioError, read_toml,
                            scenario_from_toml)

__all__ = ["SweepError", "Sweep", "Routes", "Case", "Run", "load_sweep", "MAX_RUNS"]

MAX_RUNS = 1_000_000
"""Most runs one sweep may hold: more is a typo (a count with zeros too many), refused before
anything starts (the client lists every run's id, about 100 bytes each)."""

_SWEEP_KEYS = ("name", "description", "scenarios", "seeds", "planners", "vary", "routes")
_ROUTE_KEYS = ("min_distance_m", "max_distance_m")
# Scenario keys a sweep sets by other means than [sweep.vary], and where it says so.
_NOT_VARIED = {
    "seed": "the seeds are [sweep].seeds",
    "mission.planner": "the planners are [sweep].planners",
}
_ROUTE_SET = ("mission.start", "mission.goal", "mission.waypoints")


class SweepError(ScenarioError):
    """A sweep file (or a scenario it names) is wrong: one line naming the file and key."""


@dataclass(frozen=True)
class Routes:
    """``[sweep.routes]``: each case draws its start and goal on passable ground, from its
    seed, with the straight-line distance between them in [min, max] metres."""

    min_distance_m: float
    max_distance_m: float


@dataclass(frozen=True)
class Case:
    """The runs of a sweep that share terrain and route: one scenario with one set of varied
    values and one seed, under each planner. What a worker is sent."""

    id: str
    """A hash of the case's whole configuration (the ``case`` column)."""
    label: str
    """The scenario as the sweep file names it (the ``scenario`` column)."""
    file: str
    """The scenario file (errors name it; a heightmap is found beside it)."""
    doc: dict = field(repr=False)
    """The scenario's TOML document with the varied values set."""
    keys: tuple[str, ...]
    """The varied key paths (``Sweep.vary_keys``)."""
    values: tuple
    """The varied values, in the order of ``keys``."""
    seed: int
    routes: Routes | None
    runs: tuple[tuple[str, str], ...]
    """(planner, run id) for each planner, in the sweep's order."""

    def scenario(self) -> Scenario:
        """The case's scenario (varied values set; its own start and goal, not a drawn
        route: :meth:`Run.scenario` draws it)."""
        return scenario_from_toml(self.doc, file=self.file)


@dataclass(frozen=True)
class Run:
    """One run of a sweep: (scenario, varied values, seed, planner)."""

    id: str
    """A hash of the run's whole configuration (the ``run`` column)."""
    case: Case = field(repr=False)
    planner: str

    @property
    def seed(self) -> int:
        return self.case.seed

    def scenario(self) -> Scenario:
        """The scenario this run simulates, route drawn: ``rover.simulate(run.scenario(),
        planner=run.planner, seed=run.seed)`` gives the sweep's row for it, in-process
        (it builds the terrain once to draw the route)."""
        from rover.sweep._runner import routed_scenario

        return routed_scenario(self.case)[0]


@dataclass(frozen=True)
class Sweep:
    """A whole sweep file, validated. Build one with :func:`load_sweep`."""

    name: str
    description: str
    source: Path
    scenarios: tuple[tuple[str, str, dict], ...] = field(repr=False)
    """(label, file, TOML document) of each scenario, in the file's order."""
    seeds: tuple[int, ...]
    planners: tuple[str, ...] | None
    """The planners, or None: each scenario's own ``[mission].planner``."""
    vary: tuple[tuple[str, tuple], ...] = ()
    """(key path, values) of each varied key, in the file's order."""
    routes: Routes | None = None

    @property
    def vary_keys(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.vary)

    def cases(self) -> list[Case]:
        """Every case, in order: scenario, then varied values (the product, last key
        fastest), then seed."""
        return list(self.iter_cases())

    def iter_cases(self):
        """:meth:`cases`, one at a time (a long campaign's cases are never all in memory)."""
        combos = itertools.product(*(values for _, values in self.vary))
        for (label, file, doc), values in itertools.product(self.scenarios, list(combos)):
            changed = _with_values(doc, self.vary_keys, values)
            planners = self.planners or (_planner_of(changed),)
            routes = (None if self.routes is None
                      else [self.routes.min_distance_m, self.routes.max_distance_m])
            # The configuration's canonical JSON once per combination; each case and run
            # adds its seed and planner to it.
            base = json.dumps({"scenario": label, "doc": changed, "routes": routes},
                              sort_keys=True, separators=(",", ":"), default=str)
            for seed in self.seeds:
                case_id = _digest(f"{base}|seed={seed}")
                runs = tuple((p, _digest(f"{base}|seed={seed}|planner={p}")) for p in planners)
                yield Case(id=case_id, label=label, file=file, doc=changed,
                           keys=self.vary_keys, values=tuple(values), seed=seed,
                           routes=self.routes, runs=runs)

    def runs(self) -> list[Run]:
        """Every run, in order (each case's planners in the sweep's order)."""
        return list(self.iter_runs())

    def iter_runs(self):
        """:meth:`runs`, one at a time."""
        for c in self.iter_cases():
            for p, rid in c.runs:
                yield Run(id=rid, case=c, planner=p)

    def count(self) -> int:
        """How many runs the sweep holds."""
        planners = len(self.planners) if self.planners else 1
        return (len(self.scenarios) * math.prod(len(v) for _, v in self.vary)
                * len(self.seeds) * planners)


def _digest(text: str) -> str:
    """A short, stable hash of a configuration's canonical text."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _planner_of(doc: dict) -> str:
    from rover.scenario import MissionConfig

    mission = doc.get("mission")
    planner = mission.get("planner") if isinstance(mission, dict) else None
    return planner if isinstance(planner, str) else MissionConfig.planner


class _NotATable(ValueError):
    """A key path goes through a value that is not a table (``"rover.preset.x"``)."""


def _with_values(doc: dict, keys, values) -> dict:
    """A deep copy of ``doc`` with each key path (``"rover.preset"``) set to its value;
    tables on the way are made when the document has none."""
    out = copy.deepcopy(doc)
    for key, value in zip(keys, values):
        *tables, last = key.split(".")
        node = out
        for t in tables:
            node = node.setdefault(t, {})
            if not isinstance(node, dict):
                raise _NotATable(f"{t!r} is not a table")
        node[last] = copy.deepcopy(value)
    return out


# --------------------------------------------------------------------------------------------
# The loader


def load_sweep(path: str | os.PathLike) -> Sweep:
    """Read and validate a sweep file: every key, and every run's scenario (each scenario
    with each combination of varied values), before anything runs.

    Parameters
    ----------
    path : str or path-like
        A sweep file, or the name of a shipped sweep (:func:`rover.sweep.names`).

    Returns
    -------
    Sweep

    Raises
    ------
    SweepError
        One line naming the file and the key: a typo in a key (with a hint), a scenario that
        is no file and no shipped name, a varied key that scenarios do not have or a value of
        the wrong type for it (with the scenario's own message), an unknown planner, an empty
        seed list, a route that cannot fit the terrain.
    """
    from rover import scenarios as shipped

    text = str(path)
    if text and shipped.looks_like_name(text) and not Path(text).exists() and text in names():
        path = FOLDER / f"{text}.toml"
    shown = str(path)
    try:
        doc = read_toml(path)
    except ScenarioError as exc:
        if shipped.looks_like_name(text) and not Path(text).exists():
            raise SweepError(f"no such file, and no shipped sweep is named {text!r} (shipped: "
                             f"{', '.join(names()) or 'none'})", file=text) from None
        raise SweepError(exc.detail, file=shown) from None
    return _Reader(shown, Path(path)).sweep(doc)


FOLDER = Path(__file__).resolve().parents[1] / "scenarios" / "sweeps"
"""The folder of the shipped sweep files."""


def names() -> list[str]:
    """The names of the shipped sweeps (file names without ``.toml``), sorted."""
    return sorted(p.stem for p in FOLDER.glob("*.toml"))


def describe(name: str) -> str:
    """The one-line description of the shipped sweep ``name`` ("" when it has none or the
    file cannot be read)."""
    import tomllib

    try:
        doc = tomllib.loads((FOLDER / f"{name}.toml").read_text(encoding="utf-8"))
        return str(doc.get("sweep", {}).get("description", "")).strip().split("\n")[0]
    except (OSError, ValueError, AttributeError):
        return ""


def _show(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return json.dumps(v, default=str) if isinstance(v, str) else repr(v)


class _Reader:
    def __init__(self, shown: str, path: Path):
        self.shown = shown
        self.path = path

    def err(self, key: str, message: str) -> SweepError:
        return SweepError(message, file=self.shown, key=key)

    def sweep(self, doc: dict) -> Sweep:
        from rover.scenario import _did_you_mean

        for k in doc:
            if k != "sweep":
                raise self.err(k, "unknown key" + _did_you_mean(k, ["sweep"])
                               + "; a sweep file holds one table, [sweep]")
        if "sweep" not in doc:
            raise self.err("[sweep]", "required table is missing (it holds at least "
                           "scenarios and seeds)")
        s = doc["sweep"]
        if not isinstance(s, dict):
            raise self.err("[sweep]", "must be a table")
        for k in s:
            if k not in _SWEEP_KEYS:
                raise self.err(f"[sweep].{k}", "unknown key" + _did_you_mean(k, _SWEEP_KEYS)
                               + f"; valid keys: {', '.join(sorted(_SWEEP_KEYS))}")
        for k in ("scenarios", "seeds"):
            if k not in s:
                raise self.err(f"[sweep].{k}", "required key is missing")
        name = s.get("name", self.path.stem)
        if not isinstance(name, str) or not name.strip():
            raise self.err("[sweep].name", f"must be a non-empty string, got {_show(name)}")
        if any(c in name for c in '/\\:') or name.strip() in (".", "..") \
                or not name.isprintable():
            # The default output folder is sweeps/NAME: the name must not lead elsewhere.
            raise self.err("[sweep].name", f"must be a plain name (no '/', '\\' or ':'), got "
                           f"{_show(name)}")
        description = s.get("description", "")
        if not isinstance(description, str):
            raise self.err("[sweep].description", f"must be a string, got {_show(description)}")
        scenarios = self.scenarios(s["scenarios"])
        seeds = self.seeds(s["seeds"])
        planners = self.planners(s["planners"]) if "planners" in s else None
        vary = self.vary(s.get("vary", {}))
        routes = self.routes(s["routes"]) if "routes" in s else None
        if routes is not None:
            for key, _ in vary:
                if key in _ROUTE_SET:
                    raise self.err(f'[sweep.vary]."{key}"', "is drawn per seed by "
                                   "[sweep.routes]; vary it, or draw routes, not both")
        sweep = Sweep(name=name.strip(), description=description, source=Path(self.shown),
                      scenarios=scenarios, seeds=seeds, planners=planners, vary=vary,
                      routes=routes)
        if sweep.count() > MAX_RUNS:
            raise self.err("[sweep]", f"{sweep.count():,} runs is too many (at most "
                           f"{MAX_RUNS:,}); fewer seeds or values")
        self.check_cases(sweep)
        return sweep

    def scenarios(self, v) -> tuple:
        from rover import scenarios as shipped

        key = "[sweep].scenarios"
        if not isinstance(v, list) or not v:
            raise self.err(key, "must be a non-empty list of scenario files or shipped "
                           f"scenario names, got {_show(v)}")
        out, seen = [], set()
        for i, item in enumerate(v):
            where = f"{key}[{i}]"
            if not isinstance(item, str) or not item:
                raise self.err(where, f"must be a scenario file or name, got {_show(item)}")
            if item in seen:
                raise self.err(where, f"{item!r} is listed twice")
            seen.add(item)
            file = self.path.parent / item
            if not file.is_file():
                if shipped.looks_like_name(item) and item in shipped.names():
                    file = shipped.path(item)
                elif shipped.looks_like_name(item):
                    raise self.err(where, f"no file {item!r} next to the sweep file, and "
                                   + shipped.unknown(item))
                else:
                    raise self.err(where, f"no such file {item!r} (looked for {file})")
            try:
                doc = read_toml(file)
                scenario_from_toml(doc, file=file)
            except ScenarioError as exc:
                raise self.err(where, str(exc)) from None
            out.append((item, str(file), doc))
        return tuple(out)

    def seeds(self, v) -> tuple[int, ...]:
        key = "[sweep].seeds"
        if isinstance(v, dict):
            for k in v:
                if k not in ("first", "count"):
                    raise self.err(f"{key}.{k}", "unknown key; a range of seeds is "
                                   "{ first = 0, count = 100 }")
            first, count = v.get("first", 0), v.get("count")
            if count is None:
                raise self.err(f"{key}.count", "required key is missing")
            for k, x, lo in (("first", first, 0), ("count", count, 1)):
                if isinstance(x, bool) or not isinstance(x, int) or x < lo:
                    raise self.err(f"{key}.{k}", f"must be a whole number >= {lo}, got {_show(x)}")
            if count > MAX_RUNS:
                raise self.err(f"{key}.count", f"must be at most {MAX_RUNS:,}, got {count:,}")
            if first + count > 2**63:
                raise self.err(key, "seeds must be < 2**63")
            return tuple(range(first, first + count))
        if not isinstance(v, list):
            raise self.err(key, "must be a list of seeds or a table { first = 0, count = N }, "
                           f"got {_show(v)}")
        if not v:
            raise self.err(key, "is empty: give at least one seed")
        seen = set()
        for i, x in enumerate(v):
            if isinstance(x, bool) or not isinstance(x, int) or not 0 <= x < 2**63:
                raise self.err(f"{key}[{i}]", f"must be a whole number in [0, 2**63), got "
                               f"{_show(x)}")
            if x in seen:
                raise self.err(f"{key}[{i}]", f"seed {x} is listed twice")
            seen.add(x)
        return tuple(v)

    def planners(self, v) -> tuple[str, ...]:
        from rover.planners import PlannerError, get

        key = "[sweep].planners"
        if not isinstance(v, list) or not v:
            raise self.err(key, f"must be a non-empty list of planner names, got {_show(v)}")
        seen = set()
        for i, p in enumerate(v):
            if not isinstance(p, str):
                raise self.err(f"{key}[{i}]", f"must be a planner name, got {_show(p)}")
            try:
                get(p)
            except PlannerError as exc:
                raise self.err(f"{key}[{i}]", str(exc)) from None
            if p in seen:
                raise self.err(f"{key}[{i}]", f"{p!r} is listed twice")
            seen.add(p)
        return tuple(v)

    def vary(self, v) -> tuple:
        if not isinstance(v, dict):
            raise self.err("[sweep.vary]", "must be a table of key paths and lists of values")
        out = []
        for key, values in v.items():
            where = f'[sweep.vary]."{key}"'
            if isinstance(values, dict):
                # vary = { rover = { preset = [...] } } parses as nested tables: one key path.
                raise self.err(where, 'quote the whole key path: "rover.preset" = [...]')
            parts = key.split(".")
            if any(not p for p in parts):
                raise self.err(where, "is not a key path such as \"rover.preset\"")
            if key in _NOT_VARIED or parts[0] == "seed":
                why = _NOT_VARIED.get(key, _NOT_VARIED["seed"])
                raise self.err(where, f"cannot be varied: {why}")
            if parts[0] == "hazards":
                raise self.err(where, "cannot be varied: [[hazards]] is a list of tables")
            if not isinstance(values, list) or not values:
                raise self.err(where, f"must be a non-empty list of values, got {_show(values)}")
            seen = []
            for i, x in enumerate(values):
                # 0 and 0.0 are one configuration (the scenario reads both as 0.0); true
                # and 1 are not.
                if any(isinstance(x, bool) == isinstance(y, bool) and x == y for y in seen):
                    raise self.err(f"{where}[{i}]", f"{_show(x)} is listed twice")
                seen.append(x)
            out.append((key, tuple(values)))
        return tuple(out)

    def routes(self, v) -> Routes:
        key = "[sweep.routes]"
        if not isinstance(v, dict):
            raise self.err(key, "must be a table with min_distance_m and max_distance_m")
        from rover.scenario import _did_you_mean

        for k in v:
            if k not in _ROUTE_KEYS:
                raise self.err(f"{key}.{k}", "unknown key" + _did_you_mean(k, _ROUTE_KEYS)
                               + f"; valid keys: {', '.join(_ROUTE_KEYS)}")
        got = {}
        for k in _ROUTE_KEYS:
            if k not in v:
                raise self.err(f"{key}.{k}", "required key is missing")
            x = v[k]
            if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x) \
                    or not 0 < x <= MAX_COORD_M:
                raise self.err(f"{key}.{k}", f"must be a distance in metres > 0, got {_show(x)}")
            got[k] = float(x)
        if got["min_distance_m"] > got["max_distance_m"]:
            raise self.err(f"{key}.min_distance_m", f"{got['min_distance_m']:g} m is more than "
                           f"max_distance_m ({got['max_distance_m']:g} m)")
        return Routes(**got)

    def check_cases(self, sweep: Sweep) -> None:
        """Every scenario under every combination of varied values must load (a wrong key or
        type is named by the scenario's own check), and a route must fit its terrain."""
        keys = sweep.vary_keys
        for label, file, doc in sweep.scenarios:
            for i, (key, values) in enumerate(sweep.vary):
                for j, value in enumerate(values):  # each value alone: the message names it
                    self.check_one(doc, file, label, [key], [value],
                                   f'[sweep.vary]."{key}"[{j}]', key)
            for values in itertools.product(*(vals for _, vals in sweep.vary)):
                scenario = self.check_one(doc, file, label, keys, values, "[sweep.vary]", None)
                if sweep.routes is not None:
                    w, h = scenario.terrain.extent_m
                    diagonal = math.hypot(w, h)
                    if sweep.routes.min_distance_m >= diagonal:
                        raise self.err("[sweep.routes].min_distance_m",
                                       f"{sweep.routes.min_distance_m:g} m does not fit "
                                       f"{label}'s {w:g} x {h:g} m terrain (diagonal "
                                       f"{diagonal:.4g} m)")
                if sweep.planners is None:
                    from rover.planners import PlannerError, get

                    try:
                        get(scenario.mission.planner)
                    except PlannerError as exc:
                        raise self.err("[sweep].planners", f"missing, and {label}'s own "
                                       f"planner cannot be used: {exc}") from None

    def check_one(self, doc, file, label, keys, values, where, key) -> Scenario:
        try:
            changed = _with_values(doc, keys, values)
        except _NotATable as exc:
            raise self.err(f'[sweep.vary]."{keys[0]}"' if key else where,
                           f"is not a key of {label}: {exc}") from None
        try:
            return scenario_from_toml(changed, file=file)
        except ScenarioError as exc:
            if key is None:  # only the combination fails
                combo = ", ".join(f"{k} = {_show(v)}" for k, v in zip(keys, values))
                raise self.err(where, f"with {combo}: {exc}") from None
            raise self.err(where, f"{_show(values[0])} in {exc}") from None
