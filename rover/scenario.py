"""Scenario files: TOML in, frozen dataclasses out, every value checked before any work starts.

The loader (:func:`load_scenario`) lives below the types. Every error is a
:class:`ScenarioError` whose message starts with the file name and the key path, e.g.
``mars.toml: [mission].goal: (900.0, 20.0) lies outside the 512 x 512 m terrain``. A value
changed in Python after loading (``dataclasses.replace``) is named by its attribute path and
not blamed on the file: ``rover.max_speed_mps (set in code, not in mars.toml): ...``.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import os
import stat
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from rover.models import (FOOTPRINTS, MAX_WEIGHT, ROUGHNESS_LIMIT_M, CostWeights, RoverSpec,
                          _finite, _short)

__all__ = [
    "ScenarioError", "Scenario", "TerrainConfig", "MissionConfig", "Hazard", "SunConfig",
    "load_scenario",
    "read_toml", "scenario_from_toml", "build_terrain",
]


class ScenarioError(ValueError):
    """A scenario file (or value) is wrong. ``str(err)`` is one line naming file and key.

    With ``set_in_code`` the value was set in Python after loading, not read from ``file``:
    ``key`` is then the attribute path and the line says so,
    ``rover.max_speed_mps (set in code, not in mars.toml): must be ...``.
    """

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None,
                 set_in_code: bool = False):
        self.file = file
        self.key = key
        self.set_in_code = set_in_code
        self.detail = message
        if set_in_code:
            prefix = f"{key} (set in code{f', not in {file}' if file else ''}): "
        else:
            prefix = f"{file}: " if file else ""
            if key:
                prefix += f"{key}: "
        super().__init__(prefix + message)


@dataclass(frozen=True)
class TerrainConfig:
    """The ``[terrain]`` table."""

    body: str
    """Planetary body name (``"moon"``, ``"mars"``, ...)."""
    preset: str | None
    """Terrain site preset (``terrains.presets()``), or None for the body's defaults."""
    size: tuple[int, int]
    """Grid size in cells, (rows, cols)."""
    cell_size_m: float
    """Edge of one square cell [m]."""
    heightmap: Path | None = None
    """Heightmap file to load instead of generating (absolute; resolved against the scenario)."""
    vertical_scale: float = 1.0
    """Metres per heightmap unit (per grey level for a PNG) [m]."""
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    """Terrain model overrides passed to ``terrains.generate`` (read-only)."""
    window: Mapping[str, Any] | None = None
    """``[terrain].window``: the rectangle of a georeferenced DEM to read (read-only), None
    for the whole file."""
    georef: Any = None
    """The terrain's place on its body (:class:`terrains.GeoRef`: CRS, body, centre latitude
    and longitude, metres <-> degrees), read from a georeferenced DEM's header when the
    scenario is loaded (no heights read); None for a generated terrain or a heightmap
    without georeferencing. The terrain built from it carries the same
    (``Terrain.georef``)."""

    @property
    def extent_m(self) -> tuple[float, float]:
        """(width east, height north) of the terrain [m]."""
        return (self.size[1] * self.cell_size_m, self.size[0] * self.cell_size_m)


def polyline_length(points) -> float:
    """Length of the straight segments joining ``points`` (coordinate pairs, e.g. (x, y) [m]
    or (row, col) [cells]) in order, in the points' unit."""
    return float(sum(math.dist(a, b) for a, b in zip(points, points[1:])))


@dataclass(frozen=True)
class MissionConfig:
    """The ``[mission]`` table. Points are (x east, y north) in metres."""

    start: tuple[float, float]
    goal: tuple[float, float]
    waypoints: tuple[tuple[float, float], ...] = ()
    """Visited in order between start and goal."""
    goal_tolerance_m: float = 1.0
    """A waypoint or the goal counts as reached within this distance of the rover's centre [m]."""
    planner: str = "mpgaa"
    """Planner name from ``rover.planners.PLANNERS``; MPGAA* by default, the fastest on
    graded ground (see the README's "Which planner")."""
    wastar_weight: float = 1.5
    """Weight for the ``wastar`` planner (cost at most this times optimal)."""
    sense_every_m: float = 1.0
    """Distance driven between two sensing steps (and replans) [m]."""
    line_of_sight: bool = True
    """Sensors see only cells in line of sight over the height field."""
    unknown_cost: float = 1.0
    """Cost assumed for cells not yet seen (1 = the free-space assumption)."""
    dt_s: float = 1.0
    """Simulation time step [s]."""
    max_time_s: float | None = None
    """Simulated time limit [s]; None: derived from the route length and the rover's speed."""
    max_energy_wh: float | None = None
    """Energy budget [Wh]; None: no limit."""

    def route_length_m(self) -> float:
        """Straight-line length of start -> waypoints -> goal [m]."""
        return polyline_length([self.start, *self.waypoints, self.goal])

    def time_limit_s(self, max_speed_mps: float, accel_mps2: float = math.inf) -> float:
        """The run's simulated time limit [s]: ``max_time_s``, or by default a generous ten
        times the time to drive the straight route [m] at up to ``max_speed_mps`` [m/s],
        starting from rest and stopping at every sensing point with ``accel_mps2`` [m/s^2]
        (a slow-accelerating rover may never reach its top speed between them), plus ten
        minutes."""
        if self.max_time_s is not None:
            return float(self.max_time_s)
        route, s, v, a = self.route_length_m(), self.sense_every_m, max_speed_mps, accel_mps2
        if v * v / a <= s:  # top speed reached: each stretch adds v / a to the cruise time
            drive = route / v + (route / s) * (v / a)
        else:  # accelerate half way, brake the rest
            drive = (route / s) * 2.0 * math.sqrt(s / a)
        return 10.0 * drive + 600.0


def above(value: float, limit: float, digits: int = 3) -> str:
    """``value`` (> ``limit``) to ``digits`` significant digits, or more where fewer would
    print it no larger than the limit ("0.4003 m over the 0.4 m limit", not "0.4 m")."""
    d = digits
    while d < 12 and float(f"{value:.{d}g}") <= limit:
        d += 1
    return f"{value:.{d}g}"


def _floor3(x: float) -> str:
    """``x`` rounded down to 3 significant digits, as text (a bound that holds as printed)."""
    if not (math.isfinite(x) and x > 0):
        return f"{x:g}"
    e = math.floor(math.log10(x)) - 2
    v = math.floor(x / 10.0 ** e) * 10.0 ** e
    return f"{v:.3g}"


MAX_COORD_M = 1e9
"""Largest coordinate or hazard radius a scenario may give [m]: far past any terrain, and
small enough that the geometry stays finite."""

MAX_STEPS = 100_000_000
"""Most simulation steps a run may need (time limit over dt_s): more is a run that would not
end in reasonable wall time, refused before it starts."""


@dataclass(frozen=True)
class Hazard:
    """One ``[[hazards]]`` entry: a keep-out polygon in metres."""

    name: str
    polygon: tuple[tuple[float, float], ...]
    """Vertices (x, y) [m], at least three, a valid simple polygon."""

    def geometry(self):
        """The hazard as a ``shapely.Polygon``."""
        import shapely

        return shapely.Polygon(self.polygon)


@dataclass(frozen=True)
class SunConfig:
    """The ``[sun]`` table: where the Sun is during the run.

    Either a site and a start time (the Sun then moves as the run goes on, from
    :func:`terrains.sun_position`), or a fixed ``azimuth_deg`` and ``elevation_deg`` (a
    what-if). Without a ``[sun]`` table a run has no Sun and no shadows, as before.
    """

    lat_deg: float | None = None
    """Site latitude, planetocentric [deg] (a plain key, so that a georeferenced terrain can
    give it later)."""
    lon_deg: float | None = None
    """Site longitude, east-positive [deg]."""
    start: str | None = None
    """UTC time at the run's start, ISO 8601 with its offset (``"2023-08-23T12:33:00Z"``)."""
    azimuth_deg: float | None = None
    """Fixed Sun azimuth, clockwise from north [deg]."""
    elevation_deg: float | None = None
    """Fixed Sun elevation [deg]."""
    update_every_s: float = 60.0
    """How often, in simulated time, the run moves the Sun and recasts the shadows [s]: at
    the first sensing point after each multiple of it."""
    wait_for_light: bool = False
    """A rover with a battery whose charge falls below ``wait_below_fraction`` stops at the
    next sensing point and waits, charging when lit, until ``resume_fraction``."""
    wait_below_fraction: float = 0.2
    """Charge (fraction of the capacity) below which the rover stops to wait."""
    resume_fraction: float = 0.9
    """Charge at which a waiting rover drives on."""
    shadow_cost: float = 1.0
    """Planning around the dark: a cell in shadow now or at the next Sun update costs
    ``1 + shadow_cost`` times its cost on the known map (for a rover that may not drive in
    shadow it is impassable); 0 with a rover that may drive in shadow: no term."""

    @property
    def fixed(self) -> bool:
        """True for a fixed Sun (azimuth and elevation given)."""
        return self.azimuth_deg is not None


@dataclass(frozen=True)
class Scenario:
    """A whole scenario file, validated. Build one with :func:`load_scenario`."""

    name: str
    description: str
    seed: int
    terrain: TerrainConfig
    rover: RoverSpec
    mission: MissionConfig
    hazards: tuple[Hazard, ...] = ()
    source: Path | None = None
    """The file it was read from, as the user named it, if any."""
    costmap: CostWeights = CostWeights()
    """``[costmap]``: the cost terms' weights and the roughness limit."""
    sun: SunConfig | None = None
    """``[sun]``: the Sun during the run, or None (no Sun, no shadows)."""
    as_loaded: Scenario | None = field(default=None, repr=False, compare=False)
    """The scenario as :func:`load_scenario` read it from ``source`` (None for one built in
    code). ``dataclasses.replace`` carries it over, so an error can tell a value the file
    set from one changed in code since."""

    def error(self, key: str, message: str) -> ScenarioError:
        """A :class:`ScenarioError` for ``key`` (e.g. ``"[mission].start"``): naming this
        scenario's file and the key, or, when the value at ``key`` is not the one the file
        gave (changed in code after loading), the attribute path and "set in code"."""
        where = str(self.source) if self.source else self.name
        if self.as_loaded is not None:
            path = _attribute_path(key)
            if path is not None and _differs(_value_at(self, path), _value_at(self.as_loaded, path)):
                return ScenarioError(message, file=where, key=_show_path(path), set_in_code=True)
        return ScenarioError(message, file=where, key=key)


_TERRAIN_FIELDS = {f.name for f in dataclasses.fields(TerrainConfig)}
_SECTIONS = {"[terrain]": "terrain", "[rover]": "rover", "[mission]": "mission",
             "[costmap]": "costmap", "[[hazards]]": "hazards", "[sun]": "sun"}
_MISSING = object()


def _attribute_path(key: str) -> list | None:
    """``"[mission].waypoints[1]"`` -> ``["mission", "waypoints", 1]``: where a file's key
    lives on a :class:`Scenario` (a str is an attribute, an int an index, a 1-tuple a
    mapping's key: ``[terrain].hurst`` -> ``["terrain", "params", ("hurst",)]``); None for a
    key that names no one value."""
    import re

    if re.fullmatch(r"\w+", key):  # a top-level key: name, description, seed
        return [key]
    m = re.fullmatch(r"(\[\[hazards\]\]|\[\w+\])?((?:\[\d+\])*)((?:\.\w+(?:\[\d+\])*)*)", key)
    if not m or not key:
        return None
    path: list[str | int] = []
    if m.group(1):
        if m.group(1) not in _SECTIONS:
            return None
        path.append(_SECTIONS[m.group(1)])
    path += [int(i) for i in re.findall(r"\[(\d+)\]", m.group(2))]
    for name, idx in re.findall(r"\.(\w+)((?:\[\d+\])*)", m.group(3)):
        if path[:1] == ["costmap"]:
            name = _COSTMAP_KEYS.get(name, name)  # the file's key -> CostWeights' field
        if path == ["terrain"] and name not in _TERRAIN_FIELDS:
            path += ["params", (name,)]  # a generator parameter
            continue
        path.append(name)
        path += [int(i) for i in re.findall(r"\[(\d+)\]", idx)]
    return path


def _value_at(obj, path) -> Any:
    """The value at an attribute path (``_MISSING`` when there is none)."""
    for step in path:
        if isinstance(step, int):
            obj = obj[step] if isinstance(obj, (list, tuple)) and step < len(obj) else _MISSING
        elif isinstance(step, tuple):
            obj = obj.get(step[0], _MISSING) if isinstance(obj, Mapping) else _MISSING
        else:
            obj = getattr(obj, step, _MISSING)
        if obj is _MISSING:
            return _MISSING
    return obj


def _differs(a, b) -> bool:
    try:
        return not (a is b or bool(a == b))
    except (TypeError, ValueError):  # values that do not compare (arrays): the file's word
        return False


def _show_path(path) -> str:
    out = ""
    for step in path:
        if isinstance(step, tuple):
            out += f"[{step[0]!r}]"
        else:
            out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out


# --------------------------------------------------------------------------------------------
# The loader

_TOP_KEYS = ("name", "description", "seed", "terrain", "rover", "costmap", "mission", "hazards",
             "sun")
_SUN_KEYS = ("lat_deg", "lon_deg", "start", "azimuth_deg", "elevation_deg", "update_every_s",
             "wait_for_light", "wait_below_fraction", "resume_fraction", "shadow_cost")
_TERRAIN_KEYS = ("body", "preset", "size", "cell_size_m", "heightmap", "vertical_scale", "window")
_MISSION_KEYS = tuple(f.name for f in dataclasses.fields(MissionConfig))
_HAZARD_KEYS = ("name", "polygon", "center", "radius_m")
MIN_LENGTH_M = 1e-3
"""Least goal tolerance and hazard radius [m]: a smaller tolerance cannot be met by a
driven rover, and a smaller circle makes no polygon."""
_COSTMAP_KEYS = {"tilt_weight": "tilt", "roughness_weight": "roughness", "step_weight": "step",
                 "roughness_limit_m": "roughness_limit_m", "footprint": "footprint"}
"""``[costmap]`` keys and the :class:`~rover.models.CostWeights` field each sets."""


def costmap_key(field_name: str) -> str:
    """The ``[costmap]`` key that sets :class:`~rover.models.CostWeights` field
    ``field_name`` (for messages)."""
    return next(k for k, f in _COSTMAP_KEYS.items() if f == field_name)

_ROVER_FIXED = ("name", "description", "references")  # preset metadata, not overridable
#: Largest grid a scenario may ask for (cells); bigger grids do not fit a planner in memory.
MAX_CELLS = 8192 * 8192


def _special_file(p: Path) -> bool:
    """True for a named pipe, socket or device in the file system: reading one can block
    forever (a FIFO without a writer) or never end (``/dev/zero``). Streams reached through
    a link (``/dev/stdin``, ``/dev/fd/63`` from ``<(...)``) are read as they come."""
    try:
        st = os.lstat(p)
    except (OSError, ValueError):
        return False
    return not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode) or stat.S_ISLNK(st.st_mode))


def load_scenario(path: str | os.PathLike) -> Scenario:
    """Read and validate a scenario file.

    Parameters
    ----------
    path : str or path-like
        A TOML file with the tables ``[terrain]``, ``[rover]``, ``[mission]`` and optional
        ``[[hazards]]`` (see the README for every key, its unit and its default). A shipped
        scenario's name is :func:`rover.scenarios.load`'s.

    Returns
    -------
    Scenario
        Frozen, fully validated configuration. Placement on the map (a start on impassable
        ground) needs the terrain and is checked by :func:`rover.sim.prepare`.

    Raises
    ------
    ScenarioError
        For anything wrong, with the file and the key path in the message: a missing or
        unreadable file, a TOML syntax error (with line and column), a wrong type, an
        out-of-range value, a missing required key or an unknown key (with a hint).
    """
    return scenario_from_toml(read_toml(path), file=path)


def read_toml(path: str | os.PathLike) -> dict:
    """The TOML document in ``path``, parsed but not checked (a plain dict).

    Raises
    ------
    ScenarioError
        A missing, unreadable or special file, text that is not UTF-8, or a TOML syntax error
        (with line and column), naming the file.
    """
    shown = str(path)
    p = Path(path)
    if _special_file(p):
        raise ScenarioError("not a regular file (a named pipe or a device)", file=shown)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ScenarioError("no such file", file=shown) from None
    except IsADirectoryError:
        raise ScenarioError("is a directory, not a file", file=shown) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read: {exc.strerror or exc}", file=shown) from None
    except ValueError as exc:  # a NUL byte in the name
        raise ScenarioError(f"cannot read: {exc}", file=shown) from None
    try:
        text = raw.decode("utf-8-sig")  # editors on Windows may start the file with a BOM
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"not UTF-8 text (byte {exc.start})", file=shown) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        if message.endswith("(at end of document)"):
            # Say where the end is, so every syntax error carries a line and column.
            lines = text.split("\n")
            message = message.replace("(at end of document)", f"(at end of document, line "
                                      f"{len(lines)}, column {len(lines[-1]) + 1})")
        raise ScenarioError(f"TOML syntax error: {message}", file=shown) from None


def scenario_from_toml(doc: dict, *, file: str | os.PathLike) -> Scenario:
    """Validate a scenario document (a dict as :func:`read_toml` gives it) as if read from
    ``file``: errors name ``file``, a heightmap is found relative to it, and the name
    defaults to its stem. :func:`load_scenario` is ``scenario_from_toml(read_toml(path),
    file=path)``; campaigns (:mod:`rover.sweep`) change keys of the document in between.

    Raises
    ------
    ScenarioError
        As :func:`load_scenario`.
    """
    if not isinstance(doc, dict):
        raise TypeError(f"doc must be a dict (a parsed TOML document), got {type(doc).__name__}")
    return _Reader(str(file), Path(file)).scenario(doc)


def build_terrain(scenario: Scenario, *, seed: int | None = None):
    """Make the scenario's terrain: generate it, or load its heightmap file.

    Parameters
    ----------
    scenario : Scenario
    seed : int, optional
        Overrides ``scenario.seed`` (the terrain's random streams are spawned from it).

    Returns
    -------
    terrains.Terrain

    Raises
    ------
    ScenarioError
        When the terrain library rejects a value (e.g. an unreadable heightmap), naming the key.
    """
    import terrains

    t = scenario.terrain
    try:
        if t.heightmap is not None:
            dem = t.heightmap.suffix.lower() not in (".npy", ".png")
            return terrains.load_heightmap(
                t.heightmap, cell_size=t.cell_size_m, vertical_scale=t.vertical_scale, body=t.body,
                window=t.window, max_distortion=terrains.MAX_DISTORTION if dem else None,
            )
        return terrains.generate(
            t.body, preset=t.preset, size=t.size, cell_size=t.cell_size_m,
            seed=scenario.seed if seed is None else seed, **dict(t.params),
        )
    except (ValueError, OSError) as exc:
        key = "[terrain].heightmap" if t.heightmap is not None else "[terrain]"
        if t.window is not None and "window" in str(exc):
            key = "[terrain].window"
        raise scenario.error(key, str(exc)) from None


def _did_you_mean(word: str, options) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _fmt_point(p) -> str:
    return f"({float(p[0])!r}, {float(p[1])!r})"


_MISSING = object()
"""Marks an optional key that the table does not hold."""


def _show_key(k: str) -> str:
    """A TOML key as it can be printed on one line (quoted when it holds a newline etc.)."""
    return k if k.isprintable() else json.dumps(k)


class _Reader:
    """Walks one parsed TOML document, converting and checking every value."""

    def __init__(self, shown: str, path: Path):
        self.shown = shown
        self.path = path

    def err(self, key: str, message: str) -> ScenarioError:
        return ScenarioError(message, file=self.shown, key=key)

    # -- primitive checks ------------------------------------------------------------------
    def table(self, value, key: str) -> dict:
        if not isinstance(value, dict):
            raise self.err(key, f"must be a table, got {_type_name(value)}")
        return value

    def unknown(self, table: dict, allowed, key: str) -> None:
        for k in table:
            if k not in allowed:
                k = _show_key(k)
                where = f"{key}.{k}" if key else k
                raise self.err(where, "unknown key" + _did_you_mean(k, allowed)
                               + f"; valid keys: {', '.join(sorted(allowed))}")

    def _lookup(self, table: dict, k: str, key: str, required: bool):
        """(key path, value) of ``table[k]``; value ``_MISSING`` when absent and optional."""
        where = f"{key}.{k}" if key else k
        if k not in table:
            if required:
                raise self.err(where, "required key is missing")
            return where, _MISSING
        return where, table[k]

    def number(self, table: dict, k: str, key: str, *, default=None, required=False,
               minimum=None, exclusive_min=False, maximum=None, integer=False):
        where, v = self._lookup(table, k, key, required)
        if v is _MISSING:
            return default
        if isinstance(v, bool) or not isinstance(v, (int, float)) or (integer and not isinstance(v, int)):
            kind = "an integer" if integer else "a number"
            raise self.err(where, f"must be {kind}, got {_type_name(v)} {_toml(v)}")
        if not integer and not _finite(v):
            raise self.err(where, f"must be finite, got {_short(v)}")
        if minimum is not None and (v <= minimum if exclusive_min else v < minimum):
            raise self.err(where, f"must be {'>' if exclusive_min else '>='} {minimum:g}, "
                                  f"got {_short(v)}")
        if maximum is not None and v > maximum:
            raise self.err(where, f"must be <= {maximum:g}, got {_short(v)}")
        return v if integer else float(v)

    def string(self, table: dict, k: str, key: str, *, default=None, required=False, choices=None):
        where, v = self._lookup(table, k, key, required)
        if v is _MISSING:
            return default
        if not isinstance(v, str):
            raise self.err(where, f"must be a string, got {_type_name(v)} {_toml(v)}")
        if choices is not None and v not in choices:
            raise self.err(where, f"unknown value {v!r}" + _did_you_mean(v, choices)
                           + f"; valid values: {', '.join(sorted(choices))}")
        return v

    def boolean(self, table: dict, k: str, key: str, *, default: bool) -> bool:
        if k not in table:
            return default
        v = table[k]
        if not isinstance(v, bool):
            raise self.err(f"{key}.{k}", f"must be true or false, got {_type_name(v)} {v!r}")
        return v

    def point(self, v, where: str) -> tuple[float, float]:
        if (not isinstance(v, list) or len(v) != 2
                or any(isinstance(c, bool) or not isinstance(c, (int, float)) for c in v)):
            raise self.err(where, f"must be a point [x, y] in metres, got {_short(v)}")
        if not all(_finite(c) for c in v):
            raise self.err(where, f"must be finite, got {_short(v)}")
        if not all(abs(c) <= MAX_COORD_M for c in v):
            raise self.err(where, f"coordinates must lie within +-{MAX_COORD_M:g} m, got "
                                  f"{_short(v)}")
        return (float(v[0]), float(v[1]))

    # -- sections --------------------------------------------------------------------------
    def scenario(self, doc: dict) -> Scenario:
        self.unknown(doc, _TOP_KEYS, "")
        name = self.string(doc, "name", "", default=self.path.stem).strip()
        if not name:
            raise self.err("name", "must not be empty")
        description = self.string(doc, "description", "", default="")
        seed = self.number(doc, "seed", "", default=0, minimum=0, integer=True)
        if seed >= 2**63:
            raise self.err("seed", f"must be < 2**63, got {_short(seed)}")
        if "mission" not in doc:
            raise self.err("[mission]", "required table is missing (it holds at least start and goal)")
        terrain = self.terrain(self.table(doc.get("terrain", {}), "[terrain]"))
        rover = self.rover(self.table(doc.get("rover", {}), "[rover]"))
        costmap = self.costmap(self.table(doc.get("costmap", {}), "[costmap]"))
        mission = self.mission(self.table(doc["mission"], "[mission]"), terrain)
        hazards_raw = doc.get("hazards", [])
        if not isinstance(hazards_raw, list):
            raise self.err("[[hazards]]", f"must be an array of tables ([[hazards]]), got {_type_name(hazards_raw)}")
        hazards = tuple(self.hazard(h, i, terrain) for i, h in enumerate(hazards_raw))
        sun = self.sun(self.table(doc["sun"], "[sun]"), terrain) if "sun" in doc else None
        if "dt_s" not in doc["mission"] and rover.max_speed_mps > mission.sense_every_m:
            # The default step (1 s) would carry a fast rover past its next sensing point:
            # the default shrinks to fit instead of failing on a key the file never wrote.
            mission = replace(mission, dt_s=mission.sense_every_m / rover.max_speed_mps)
        stride = rover.max_speed_mps * mission.dt_s
        if stride > mission.sense_every_m * (1.0 + 1e-9):
            # One step would carry the rover past the next sensing point: it would sense less
            # often than the scenario asks (and, much coarser, can stall in tight places).
            raise self.err("[mission].dt_s",
                           f"a time step of {mission.dt_s:g} s at the rover's top speed of "
                           f"{rover.max_speed_mps:g} m/s covers "
                           f"{above(stride, mission.sense_every_m)} m, more than "
                           f"[mission].sense_every_m ({mission.sense_every_m:g} m): use dt_s <= "
                           f"{_floor3(mission.sense_every_m / rover.max_speed_mps)}")
        t_max = mission.time_limit_s(rover.max_speed_mps, rover.accel_mps2)
        steps = t_max / mission.dt_s
        if steps > MAX_STEPS:
            limit = ("[mission].max_time_s" if mission.max_time_s is not None
                     else f"the default (10 x the time to drive the {mission.route_length_m():g} "
                          f"m route at up to {rover.max_speed_mps:g} m/s, starting and "
                          "stopping at every sensing point, + 600 s)")
            shorter = "" if mission.max_time_s is not None else " or set a [mission].max_time_s"
            cap = mission.sense_every_m / rover.max_speed_mps
            if "dt_s" not in doc["mission"] and mission.dt_s < 1.0:
                # The file never set dt_s: its default shrank to fit sense_every_m.
                raise self.err("[mission].sense_every_m",
                               f"sensing every {mission.sense_every_m:g} m at the rover's top "
                               f"speed of {rover.max_speed_mps:g} m/s sets the default time "
                               f"step to {mission.dt_s:.3g} s, so the time limit of "
                               f"{t_max:.4g} s from {limit} takes {steps:.3g} steps (at most "
                               f"{MAX_STEPS:.0e}); raise sense_every_m" + shorter)
            remedy = ("raise dt_s (up to " + _floor3(cap) + " s)" if mission.dt_s < cap * 0.999
                      else "raise [mission].sense_every_m")
            raise self.err("[mission].dt_s",
                           f"a time step of {mission.dt_s:g} s within the time limit of "
                           f"{t_max:.4g} s from {limit} makes "
                           f"{steps:.3g} steps (at most {MAX_STEPS:.0e}); {remedy}"
                           + (shorter or " or set a shorter [mission].max_time_s"))
        loaded = Scenario(name=name, description=description, seed=seed, terrain=terrain,
                          rover=rover, mission=mission, hazards=hazards,
                          source=Path(self.shown), costmap=costmap, sun=sun)
        return replace(loaded, as_loaded=loaded)

    def sun(self, t: dict, terrain: TerrainConfig) -> SunConfig:
        import datetime as dt

        import terrains

        key = "[sun]"
        self.unknown(t, _SUN_KEYS, key)
        every = self.number(t, "update_every_s", key, default=60.0, minimum=0.0,
                            exclusive_min=True)
        waiting = {
            "wait_for_light": self.boolean(t, "wait_for_light", key, default=False),
            "wait_below_fraction": self.number(t, "wait_below_fraction", key, default=0.2,
                                               minimum=0.0, maximum=1.0),
            "resume_fraction": self.number(t, "resume_fraction", key, default=0.9,
                                           minimum=0.0, maximum=1.0),
            # at most 10: costs stay within 11 x 3001, a spread the incremental planners
            # plan over exactly on the grids scenarios use
            "shadow_cost": self.number(t, "shadow_cost", key, default=1.0, minimum=0.0,
                                       maximum=10.0)}
        if waiting["resume_fraction"] < waiting["wait_below_fraction"]:
            raise self.err(f"{key}.resume_fraction",
                           f"must be >= wait_below_fraction ({waiting['wait_below_fraction']:g}),"
                           f" got {waiting['resume_fraction']:g}")
        site = [k for k in ("lat_deg", "lon_deg", "start") if k in t]
        fixed = [k for k in ("azimuth_deg", "elevation_deg") if k in t]
        if site and fixed:
            raise self.err(f"{key}.{fixed[0]}", f"a fixed Sun ({', '.join(fixed)}) and a site "
                           f"and time ({', '.join(site)}) cannot be mixed: give one or the other")
        if fixed:
            for k in ("azimuth_deg", "elevation_deg"):
                if k not in t:
                    raise self.err(f"{key}.{k}", "required key is missing (a fixed Sun needs "
                                                 "azimuth_deg and elevation_deg)")
            az = self.number(t, "azimuth_deg", key)
            el = self.number(t, "elevation_deg", key, minimum=-90.0, maximum=90.0)
            return SunConfig(azimuth_deg=az, elevation_deg=el, update_every_s=every, **waiting)
        # A georeferenced terrain (a DEM) is its own site: lat_deg and lon_deg default to
        # its centre.
        georef = getattr(terrain, "georef", None)
        for k in ("lat_deg", "lon_deg", "start"):
            if k not in t and (georef is None or k == "start"):
                raise self.err(f"{key}.{k}", "required key is missing (give lat_deg, lon_deg "
                                             "and start, or azimuth_deg and elevation_deg)")
        if terrain.body not in terrains.SUN_BODIES:
            raise self.err(key, f"body {terrain.body!r} has no Sun model (bodies with one: "
                                f"{', '.join(terrains.SUN_BODIES)}); use a fixed Sun "
                                "(azimuth_deg, elevation_deg)")
        lat = (self.number(t, "lat_deg", key, minimum=-90.0, maximum=90.0) if "lat_deg" in t
               else float(georef.center_lat_deg))
        lon = self.number(t, "lon_deg", key) if "lon_deg" in t else float(georef.center_lon_deg)
        when = t["start"]
        if isinstance(when, (dt.date, dt.time)) and not isinstance(when, dt.datetime):
            raise self.err(f"{key}.start", f"must be a date and time with its offset, got "
                                           f"{when.isoformat()!r} (e.g. 2023-08-23T12:33:00Z)")
        try:
            start = terrains.parse_utc(when, name="start")
        except terrains.ParameterError as exc:
            raise self.err(f"{key}.start", str(exc)) from None
        return SunConfig(lat_deg=lat, lon_deg=lon, start=start.isoformat(), update_every_s=every,
                         **waiting)

    def terrain(self, t: dict) -> TerrainConfig:
        import terrains

        key = "[terrain]"
        param_names = terrains.parameters()
        self.unknown(t, tuple(_TERRAIN_KEYS) + tuple(param_names), key)
        presets = terrains.presets()
        bodies = terrains.bodies()
        preset = self.string(t, "preset", key, choices=presets)
        body_default = presets[preset].body if preset else "mars"
        body = self.string(t, "body", key, default=body_default, choices=bodies)
        if preset and "body" in t and presets[preset].body != body:
            raise self.err(f"{key}.body", f"{body!r} contradicts preset {preset!r}, which is on "
                           f"{presets[preset].body!r}; leave body out or pick another preset")
        cell = self.number(t, "cell_size_m", key, default=0.5, minimum=0, exclusive_min=True)
        heightmap = window = georef = None
        vertical_scale = self.number(t, "vertical_scale", key, default=1.0, minimum=0, exclusive_min=True)
        if "heightmap" in t:
            hm = self.string(t, "heightmap", key)
            try:
                heightmap = (self.path.parent / hm).resolve()
                heightmap.is_file()  # raises on a name the OS refuses (too long, NUL, ...)
            except (OSError, RuntimeError, ValueError) as exc:  # RuntimeError: a symlink loop
                raise self.err(f"{key}.heightmap", f"cannot use {_show_key(hm)} as a file name: "
                                                   f"{exc}") from None
            if heightmap.is_dir():
                raise self.err(f"{key}.heightmap", f"{hm!r} is a folder "
                               f"({_show_key(str(heightmap))}); name the heightmap file in it")
            if not heightmap.is_file():
                raise self.err(f"{key}.heightmap",
                               f"no such file {hm!r} (looked for {_show_key(str(heightmap))})")
            if "size" in t:
                raise self.err(f"{key}.size", "must not be given with heightmap: the size is the heightmap's")
            if preset:
                raise self.err(f"{key}.preset", "must not be given with heightmap: a preset generates terrain")
            if heightmap.suffix.lower() in (".npy", ".png"):
                if "window" in t:
                    raise self.err(f"{key}.window", f"needs a georeferenced DEM (a GeoTIFF or "
                                   f"PDS3 .IMG), not a {heightmap.suffix} heightmap")
                try:
                    size = _heightmap_shape(heightmap)
                except ValueError as exc:
                    raise self.err(f"{key}.heightmap", f"cannot read the size of {hm!r}: {exc}") from None
            else:
                body, cell, vertical_scale, size, window, georef = self.dem(t, hm, heightmap,
                                                                             body, cell)
        else:
            if "vertical_scale" in t:
                raise self.err(f"{key}.vertical_scale", "only applies to a heightmap")
            if "window" in t:
                raise self.err(f"{key}.window", "only applies to a heightmap (a georeferenced DEM)")
            size = self.size(t.get("size", [512, 512]), f"{key}.size")
        params = {k: v for k, v in t.items() if k in param_names}
        if heightmap is None:
            # The terrain library's own checks, without generating: a bad value is reported
            # now, under its own key, not after minutes of work.
            try:
                terrains.check_parameters(body, preset=preset, size=size, cell_size=cell, **params)
            except terrains.ParameterError as exc:
                message = str(exc)
                # The library's argument names, as this file spells them.
                name = {"cell_size": "cell_size_m"}.get(exc.name, exc.name)
                if name not in params and name not in t:  # a default (e.g. the preset's size)
                    raise self.err(key, message) from None
                if message.startswith(exc.name):  # the key path says the name already
                    message = message[len(exc.name):].lstrip(" :")
                raise self.err(f"{key}.{name}", message) from None
        elif params:
            raise self.err(f"{key}.{next(iter(params))}", "a terrain model parameter does not "
                           "apply to a heightmap")
        return TerrainConfig(body=body, preset=preset, size=size, cell_size_m=cell,
                             heightmap=heightmap, vertical_scale=vertical_scale,
                             params=MappingProxyType(params), window=window, georef=georef)

    def dem(self, t: dict, hm: str, path: Path, body: str, cell: float):
        """A raster DEM's ``[terrain]`` keys checked against its header (no heights read):
        (body, cell size, vertical scale, grid size, window, georef)."""
        import terrains

        key = "[terrain]"
        window = None
        if "window" in t:
            w = self.table(t["window"], f"{key}.window")
            self.unknown(w, ("center", "center_lat", "center_lon", "size_m"), f"{key}.window")
            window = MappingProxyType(dict(w))
        try:
            info = terrains.dem_info(path, window=window, count_nodata=False)
        except ValueError as exc:
            message = str(exc)
            prefix = f"{path}: "
            message = message[len(prefix):] if message.startswith(prefix) else message
            if message.startswith("window."):  # "window.size_m must be ..."
                sub, _, rest = message.partition(" ")
                raise self.err(f"{key}.{sub}", rest) from None
            if message.startswith("window:"):
                raise self.err(f"{key}.window", message[len("window:"):].lstrip()) from None
            if message.startswith("window "):
                raise self.err(f"{key}.window", message) from None
            raise self.err(f"{key}.heightmap", f"cannot read {hm!r}: {message}") from None
        g = info.georef
        if g is None:
            if "cell_size_m" not in t:
                raise self.err(f"{key}.cell_size_m", f"required: the DEM {hm!r} has no "
                               "georeferencing (no CRS and geotransform), so its cell size is "
                               "unknown; give cell_size_m (metres)")
        else:
            if "cell_size_m" in t and abs(cell / info.cell_size - 1.0) > 1e-3:
                raise self.err(f"{key}.cell_size_m", f"{cell:g} m contradicts the DEM's own cell "
                               f"of {info.cell_size:.6g} m (from its georeferencing, {g.crs}); "
                               "leave cell_size_m out to use the file's")
            cell = info.cell_size
            if g.body is not None:
                if "body" in t and body != g.body:
                    raise self.err(f"{key}.body", f"{body!r} contradicts the DEM {hm!r}, which "
                                   f"is on {g.body!r} (its CRS {g.crs}); leave body out or use "
                                   f"a DEM of {body}")
                body = g.body
            if g.geographic and g.scale_error > terrains.MAX_DISTORTION:
                from terrains import distortion_message

                where = f"{key}.window" if window is not None else f"{key}.heightmap"
                text = distortion_message(hm, g, terrains.MAX_DISTORTION)
                raise self.err(where, text[len(hm) + 2:]) from None
        if "vertical_scale" in t:
            vs = self.number(t, "vertical_scale", key)
            if info.scale != 1.0 and abs(vs / info.scale - 1.0) > 1e-9:
                raise self.err(f"{key}.vertical_scale", f"{vs:g} contradicts the DEM's own scale "
                               f"of {info.scale:g} m per stored unit; leave vertical_scale out")
        else:
            vs = info.scale
        rows, cols = info.grid_shape
        if rows * cols > MAX_CELLS:
            where = f"{key}.window" if window is not None else f"{key}.heightmap"
            raise self.err(where, f"gives {rows} x {cols} cells of {cell:.6g} m, more than a run "
                           f"may use ({MAX_CELLS:,} cells, e.g. 8192 x 8192): "
                           + ("shrink size_m" if window is not None else
                              "read a part of it with [terrain].window = { center = [x, y], "
                              "size_m = [w, h] }"))
        if rows < 2 or cols < 2:
            raise self.err(f"{key}.heightmap", f"the grid must be at least 2 x 2 cells, got "
                           f"{rows} x {cols}")
        return body, cell, vs, (rows, cols), window, g

    def size(self, v, where: str) -> tuple[int, int]:
        if isinstance(v, int) and not isinstance(v, bool):
            v = [v, v]
        if (not isinstance(v, list) or len(v) != 2
                or any(isinstance(c, bool) or not isinstance(c, int) for c in v)):
            raise self.err(where, f"must be an integer N or [rows, cols] in cells, got {v!r}")
        if v[0] <= 0 or v[1] <= 0:
            raise self.err(where, f"must be positive, got {v!r}")
        if v[0] * v[1] > MAX_CELLS:
            raise self.err(where, f"{v[0]} x {v[1]} cells is too large (at most {MAX_CELLS:,} cells, "
                           "e.g. 8192 x 8192)")
        return (int(v[0]), int(v[1]))

    def rover(self, r: dict) -> RoverSpec:
        from rover.models import rover_presets

        key = "[rover]"
        fields = [f.name for f in dataclasses.fields(RoverSpec) if f.name not in _ROVER_FIXED]
        self.unknown(r, ("preset",) + tuple(fields), key)
        presets = rover_presets()
        spec = presets[self.string(r, "preset", key, default="generic", choices=presets)]
        changes = {}
        for f in dataclasses.fields(RoverSpec):
            if f.name not in r or f.name in _ROVER_FIXED:
                continue
            if isinstance(getattr(spec, f.name), bool):
                changes[f.name] = self.boolean(r, f.name, key, default=getattr(spec, f.name))
            elif isinstance(getattr(spec, f.name), str):
                changes[f.name] = self.string(r, f.name, key)
            else:
                changes[f.name] = self.number(r, f.name, key)
        spec = spec.replace(**changes)
        for field_name, message in spec.problems():
            raise self.err(f"{key}.{field_name}", message)
        return spec

    def costmap(self, t: dict) -> CostWeights:
        key = "[costmap]"
        self.unknown(t, tuple(_COSTMAP_KEYS), key)
        d = CostWeights()
        out = {}
        for k, f in _COSTMAP_KEYS.items():
            if f == "roughness_limit_m":
                lo, hi = ROUGHNESS_LIMIT_M
                out[f] = self.number(t, k, key, default=None, minimum=lo, maximum=hi)
            elif f == "footprint":
                out[f] = self.string(t, k, key, default=d.footprint, choices=FOOTPRINTS)
            else:
                out[f] = self.number(t, k, key, default=getattr(d, f), minimum=0,
                                     maximum=MAX_WEIGHT)
        return CostWeights(**out)

    def mission(self, m: dict, terrain: TerrainConfig) -> MissionConfig:
        from rover.planners import PLANNERS

        key = "[mission]"
        self.unknown(m, _MISSION_KEYS, key)
        d = MissionConfig(start=(0.0, 0.0), goal=(0.0, 0.0))  # for the defaults
        for k in ("start", "goal"):
            self._lookup(m, k, key, required=True)
        start = self.place(m["start"], f"{key}.start", terrain)
        goal = self.place(m["goal"], f"{key}.goal", terrain)
        wps = m.get("waypoints", [])
        if not isinstance(wps, list):
            raise self.err(f"{key}.waypoints", f"must be a list of points [[x, y], ...], got {wps!r}")
        waypoints = tuple(self.place(w, f"{key}.waypoints[{i}]", terrain)
                          for i, w in enumerate(wps))
        return MissionConfig(
            start=start, goal=goal, waypoints=waypoints,
            # Under a millimetre the rover cannot stop "within" it: the run ends stuck.
            goal_tolerance_m=self.number(m, "goal_tolerance_m", key, default=d.goal_tolerance_m,
                                         minimum=MIN_LENGTH_M),
            planner=self.string(m, "planner", key, default=d.planner, choices=PLANNERS),
            wastar_weight=self.number(m, "wastar_weight", key, default=d.wastar_weight, minimum=1),
            sense_every_m=self.number(m, "sense_every_m", key, default=d.sense_every_m,
                                      minimum=0, exclusive_min=True),
            line_of_sight=self.boolean(m, "line_of_sight", key, default=d.line_of_sight),
            unknown_cost=self.number(m, "unknown_cost", key, default=d.unknown_cost, minimum=1),
            dt_s=self.number(m, "dt_s", key, default=d.dt_s, minimum=0, exclusive_min=True),
            max_time_s=self.number(m, "max_time_s", key, minimum=0, exclusive_min=True),
            max_energy_wh=self.number(m, "max_energy_wh", key, minimum=0, exclusive_min=True),
        )

    def place(self, v, where: str, terrain: TerrainConfig) -> tuple[float, float]:
        """A mission point: ``[x, y]`` [m], or ``{ lat = .., lon = .. }`` [deg] on a
        georeferenced terrain (converted to metres with its :class:`terrains.GeoRef`)."""
        if not isinstance(v, dict):
            return self.inside(self.point(v, where), where, terrain)
        self.unknown(v, ("lat", "lon"), where)
        lat = self.number(v, "lat", where, required=True, minimum=-90.0, maximum=90.0)
        lon = self.number(v, "lon", where, required=True, minimum=-360.0, maximum=360.0)
        if terrain.georef is None:
            raise self.err(where, "a point given as lat/lon needs a georeferenced terrain "
                           "([terrain].heightmap naming a DEM with a CRS); this terrain has "
                           "none: give [x, y] in metres")
        x, y = terrain.georef.xy(lat, lon)
        p = (float(x), float(y))
        if not all(math.isfinite(c) for c in p):
            raise self.err(where, f"lat {lat:g}, lon {lon:g} has no place in the DEM's CRS "
                           f"{terrain.georef.crs}")
        return self.inside(p, where, terrain, shown=f"lat {lat:g}, lon {lon:g} (at x, y = "
                                                    f"{p[0]:.6g}, {p[1]:.6g} m)")

    def inside(self, p: tuple[float, float], where: str, terrain: TerrainConfig,
               shown: str | None = None) -> tuple[float, float]:
        w, h = terrain.extent_m
        rows, cols = terrain.size
        cell = terrain.cell_size_m
        # The cell test matters on the far edge, where x < w can still round to cell cols.
        if not (0.0 <= p[0] < w and 0.0 <= p[1] < h
                and math.floor(p[0] / cell) < cols and math.floor(p[1] / cell) < rows):
            raise self.err(where, f"{shown or _fmt_point(p)} lies outside the {w:g} x {h:g} m "
                           f"terrain (x must be in [0, {w:g}), y in [0, {h:g}))")
        return p

    def hazard(self, h, i: int, terrain: TerrainConfig) -> Hazard:
        import shapely
        from shapely.validation import explain_validity

        key = f"[[hazards]][{i}]"
        h = self.table(h, key)
        self.unknown(h, _HAZARD_KEYS, key)
        name = self.string(h, "name", key, default=f"hazard {i}")
        if "polygon" in h:
            if "center" in h or "radius_m" in h:
                raise self.err(key, "give either polygon or center and radius_m, not both")
            raw = h["polygon"]
            if not isinstance(raw, list) or len(raw) < 3:
                raise self.err(f"{key}.polygon", f"must be a list of at least 3 points [[x, y], ...], got {raw!r}")
            pts = tuple(self.point(p, f"{key}.polygon[{j}]") for j, p in enumerate(raw))
            poly = shapely.Polygon(pts)
            if not poly.is_valid or poly.area <= 0:
                why = explain_validity(poly) if not poly.is_valid else "it has zero area"
                raise self.err(f"{key}.polygon", f"is not a valid polygon: {why}")
        elif "center" in h or "radius_m" in h:
            if "center" not in h:
                raise self.err(f"{key}.center", "required with radius_m")
            c = self.point(h["center"], f"{key}.center")
            r = self.number(h, "radius_m", key, required=True, minimum=MIN_LENGTH_M,
                            maximum=MAX_COORD_M)
            poly = shapely.Point(c).buffer(r, quad_segs=16)
            pts = tuple((float(x), float(y)) for x, y in list(poly.exterior.coords)[:-1])
        else:
            raise self.err(key, "needs polygon = [[x, y], ...] or center = [x, y] with radius_m")
        w, hgt = terrain.extent_m
        if not poly.intersects(shapely.box(0, 0, w, hgt)):
            raise self.err(key, f"lies wholly outside the {w:g} x {hgt:g} m terrain")
        return Hazard(name=name, polygon=pts)


def _toml(v) -> str:
    """``v`` as it would be written in TOML (true, not True), for messages."""
    if isinstance(v, bool):
        return "true" if v else "false"
    return repr(v)


def _type_name(v) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            list: "an array", dict: "a table"}.get(type(v), type(v).__name__)


def _heightmap_shape(path: Path) -> tuple[int, int]:
    """(rows, cols) of a heightmap file (:func:`terrains.heightmap_shape`); ValueError says
    why it cannot be read, without the path (the caller names the key and the file)."""
    import terrains

    try:
        return terrains.heightmap_shape(path)
    except ValueError as exc:
        message = str(exc)
        prefix = f"{path}: "
        raise ValueError(message[len(prefix):] if message.startswith(prefix) else message) from None
