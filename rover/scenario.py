"""Scenario files: TOML in, frozen dataclasses out, every value checked before any work starts.

The loader (:func:`load_scenario`) lives below the types. Every error is a
:class:`ScenarioError` whose message starts with the file name and the key path, e.g.
``mars.toml: [mission].goal: (900.0, 20.0) lies outside the 512 x 512 m terrain``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from rover.models import RoverSpec

__all__ = [
    "ScenarioError", "Scenario", "TerrainConfig", "MissionConfig", "Hazard", "load_scenario",
]


class ScenarioError(ValueError):
    """A scenario file (or value) is wrong. ``str(err)`` is one line naming file and key."""

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None):
        self.file = file
        self.key = key
        self.detail = message
        prefix = ""
        if file:
            prefix += f"{file}: "
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

    @property
    def extent_m(self) -> tuple[float, float]:
        """(width east, height north) of the terrain [m]."""
        return (self.size[1] * self.cell_size_m, self.size[0] * self.cell_size_m)


@dataclass(frozen=True)
class MissionConfig:
    """The ``[mission]`` table. Points are (x east, y north) in metres."""

    start: tuple[float, float]
    goal: tuple[float, float]
    waypoints: tuple[tuple[float, float], ...] = ()
    """Visited in order between start and goal."""
    goal_tolerance_m: float = 1.0
    """A waypoint or the goal counts as reached within this distance of the rover's centre [m]."""
    planner: str = "dstar_lite"
    """Planner name from ``rover.planners.PLANNERS``."""
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
    """The file it was read from, if any."""

    def error(self, key: str, message: str) -> ScenarioError:
        """A :class:`ScenarioError` for ``key`` (e.g. ``"[mission].start"``) in this scenario's file."""
        return ScenarioError(message, file=self.source.name if self.source else self.name, key=key)
