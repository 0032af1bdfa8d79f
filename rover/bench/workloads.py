"""Benchmark workloads: what the planners are asked to solve, built the same way every time.

Four kinds, each a frozen description that :func:`parse_workload` makes from a command-line
word and that ``build()`` turns into data (terrain generation and cost maps happen there, not
at parse time, so a typo is reported before anything slow runs):

``GridSpec``
    A generated cost grid, solved once from a start to a goal: ``blobs:SIZE`` (the planner
    benchmark grid of :func:`bench_grid`: costs in [1, 10], a quarter of the cells blocked in
    blobs, corner to corner; on a small grid whose corners are walled off, the connected
    cells nearest them) or ``PRESET:SIZE`` (a :mod:`terrains` site preset made into a
    cost map for a rover preset by :func:`rover.costmap.traversability`).
``MovingAISpec``
    A Moving AI ``.map`` with its ``.scen`` (Sturtevant 2012): every problem solved and
    checked against its published optimal length.
``ScenarioSpec``
    A scenario file: one plan on the true cost map from start to goal, and the whole
    traverse with sensing and replanning (:func:`rover.sim.simulate`).
``TraverseSpec``
    ``traverse:SIZE``: a generated Jezero traverse (Perseverance, sensing every 0.5 m) along
    the diagonal of a SIZE x SIZE terrain of 0.5 m cells (:func:`traverse_world`).
    ``obstacles:SIZE``: the same traverse over binary ground, every drivable cell at cost 1
    and only what the rover cannot cross counted: the free-space setting of the D* Lite
    literature, where what the rover sees mostly confirms what it assumed.

Everything is seeded: the same word gives the same grid, start and goal, bit for bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "SQRT2", "bench_grid", "smooth_noise", "corners", "path_cost", "path_length_cells",
    "terrain_grid", "snap", "traverse_world", "GridProblem", "GridSpec", "MovingAISpec",
    "ScenarioSpec", "TraverseSpec", "parse_workload", "default_workloads", "scenarios_dir",
    "WorkloadError",
]

SQRT2 = math.sqrt(2.0)


class WorkloadError(ValueError):
    """A workload that cannot be used (missing file, unknown preset, a .scen that does not
    match its .map); the message is one line naming the workload."""


# --------------------------------------------------------------------------------------------
# Grids


def smooth_noise(rng: np.random.Generator, shape: tuple[int, int], scale: float) -> np.ndarray:
    """Gaussian-filtered white noise (by FFT), normalised to [0, 1].

    Parameters
    ----------
    rng : numpy.random.Generator
    shape : (rows, cols)
    scale : float
        Width of the Gaussian filter [cells].

    Returns
    -------
    numpy.ndarray
        float64, ``shape``, values in [0, 1].
    """
    noise = rng.standard_normal(shape)
    fy = np.fft.fftfreq(shape[0])[:, None]
    fx = np.fft.rfftfreq(shape[1])[None, :]
    kernel = np.exp(-2.0 * (math.pi * scale) ** 2 * (fx**2 + fy**2))
    out = np.fft.irfft2(np.fft.rfft2(noise) * kernel, s=shape)
    out -= out.min()
    return out / out.max()


def bench_grid(size: int = 1024, seed: int = 0, blocked: float = 0.25) -> np.ndarray:
    """The planner benchmark grid: costs in [1, 10], a fraction of cells blocked in blobs.

    Cost is a smooth field plus grain, ``1 + 9 * (0.7 * smooth + 0.3 * grain)``; the
    ``blocked`` fraction of cells with the highest value of a second smooth field is ``inf``.
    Discs of radius ``size // 64`` around the two corners (0, 0) and (size-1, size-1) stay
    passable, so corner to corner has a path.

    Parameters
    ----------
    size : int
        Rows and columns.
    seed : int
        Seed of the ``numpy.random.default_rng`` stream.
    blocked : float
        Fraction of cells blocked, in [0, 1).

    Returns
    -------
    numpy.ndarray
        float64, shape (size, size).
    """
    rng = np.random.default_rng(seed)
    shape = (size, size)
    smooth = smooth_noise(rng, shape, size / 64)
    grain = rng.random(shape)
    cost = 1.0 + 9.0 * (0.7 * smooth + 0.3 * grain)
    blobs = smooth_noise(rng, shape, size / 128)
    cost[blobs > np.quantile(blobs, 1.0 - blocked)] = np.inf
    rr, cc = np.ogrid[:size, :size]
    for r0, c0 in ((0, 0), (size - 1, size - 1)):
        disc = (rr - r0) ** 2 + (cc - c0) ** 2 <= (size // 64) ** 2
        cost[disc] = 1.0 + 9.0 * grain[disc]
    return cost


def corners(cost: np.ndarray) -> tuple[tuple[int, int], tuple[int, int]]:
    """((0, 0), (rows - 1, cols - 1)): the start and goal of :func:`bench_grid`."""
    return (0, 0), (cost.shape[0] - 1, cost.shape[1] - 1)


# --------------------------------------------------------------------------------------------
# The cost rule, for paths that other libraries found


def path_cost(cost: np.ndarray, path, connectivity: int = 8) -> tuple[float, int, int]:
    """Cost of ``path`` under our rule, ``step * (cost[u] + cost[v]) / 2``.

    Parameters
    ----------
    cost : numpy.ndarray
        (rows, cols) cost grid, ``inf`` blocked.
    path : array-like or None
        (N, 2) (row, col) cells, start to goal; None or empty means "no path".
    connectivity : int
        4 or 8; a diagonal step on a 4-connected grid counts as invalid.

    Returns
    -------
    (cost, corner_cuts, invalid_steps)
        ``cost`` is ``inf`` for no path. ``corner_cuts`` counts diagonal steps beside a
        blocked cell (our rule forbids them; their cost is still added), ``invalid_steps``
        steps that are not to one of the 8 neighbours (left out of the cost).
    """
    if path is None:
        return math.inf, 0, 0
    p = np.asarray(path, dtype=np.int64).reshape(-1, 2)
    if len(p) == 0:
        return math.inf, 0, 0
    d = np.diff(p, axis=0)
    adr, adc = np.abs(d[:, 0]), np.abs(d[:, 1])
    ok = (np.maximum(adr, adc) == 1)
    diag = ok & (adr == 1) & (adc == 1)
    if connectivity == 4:
        ok &= ~diag
        diag &= False
    a, b = p[:-1][ok], p[1:][ok]
    step = np.where(diag[ok], SQRT2, 1.0)
    total = float(np.sum(step * (cost[a[:, 0], a[:, 1]] + cost[b[:, 0], b[:, 1]]) / 2.0))
    da, db = p[:-1][diag], p[1:][diag]
    side = np.isfinite(cost[da[:, 0], db[:, 1]]) & np.isfinite(cost[db[:, 0], da[:, 1]])
    return total, int(np.count_nonzero(~side)), int(np.count_nonzero(~ok))


def path_length_cells(path) -> float:
    """Geometric length of a cell path [cells]: 1 per straight step, sqrt(2) per diagonal."""
    p = np.asarray(path, dtype=np.int64).reshape(-1, 2)
    if len(p) < 2:
        return 0.0
    d = np.abs(np.diff(p, axis=0))
    return float(np.sum(np.where((d[:, 0] > 0) & (d[:, 1] > 0), SQRT2, 1.0)))


# --------------------------------------------------------------------------------------------
# Generated terrain as a cost grid


def _nearest(mask: np.ndarray, r: float, c: float) -> tuple[int, int]:
    cells = np.argwhere(mask)
    i = int(np.argmin((cells[:, 0] - r) ** 2 + (cells[:, 1] - c) ** 2))
    return int(cells[i, 0]), int(cells[i, 1])


def terrain_grid(preset: str, size: int, *, seed: int = 0, rover: str = "generic",
                 cell_size: float = 0.5) -> tuple[np.ndarray, float, tuple, tuple]:
    """A terrain preset made into a cost grid, with a start and goal 90% of a diagonal apart.

    Parameters
    ----------
    preset : str
        A key of ``terrains.presets()``.
    size : int
        Rows and columns.
    seed : int
        Terrain seed.
    rover : str
        Rover preset for the cost map (its limits decide what is impassable).
    cell_size : float
        Cell edge [m].

    Returns
    -------
    (cost, cell_size, start, goal)
        ``cost`` float64 (size, size) from :func:`rover.costmap.traversability`; start and
        goal are the cells nearest 5% and 95% of the diagonal that are connected to each
        other (both in the part of the map reachable from the passable cell nearest the
        centre).
    """
    import terrains

    from rover.costmap import traversability
    from rover.models import rover_preset

    t = terrains.generate(preset=preset, size=size, cell_size=cell_size, seed=seed)
    cost = np.ascontiguousarray(traversability(t, rover_preset(rover)).cost, dtype=np.float64)
    if not np.isfinite(cost).any():
        raise WorkloadError(f"{preset}:{size}: no cell is passable for the {rover} rover")
    start, goal = _connected_ends(cost)
    return cost, float(t.cell_size), start, goal


def _connected_ends(cost: np.ndarray) -> tuple[tuple[int, int], tuple[int, int]]:
    """The cells nearest 5% and 95% of the diagonal among those reachable from the passable
    cell nearest the centre."""
    from rover.planners import dijkstra

    rows, cols = cost.shape
    centre = _nearest(np.isfinite(cost), rows / 2, cols / 2)
    reach = np.isfinite(dijkstra(cost, centre))
    return (_nearest(reach, 0.05 * rows, 0.05 * cols), _nearest(reach, 0.95 * rows, 0.95 * cols))


def snap(true_cost: np.ndarray, cell: float, x: float, y: float) -> tuple[float, float]:
    """Centre (x, y) [m] of the passable cell nearest the point (x, y) [m]."""
    from rover.costmap import cell_index

    r0, c0 = cell_index(x, y, cell, true_cost.shape)
    for rad in range(0, 200):
        sub = true_cost[max(r0 - rad, 0):r0 + rad + 1, max(c0 - rad, 0):c0 + rad + 1]
        ok = np.argwhere(np.isfinite(sub))
        if len(ok):
            rr = ok[:, 0] + max(r0 - rad, 0)
            cc = ok[:, 1] + max(c0 - rad, 0)
            i = int(np.argmin((rr - r0) ** 2 + (cc - c0) ** 2))
            return ((cc[i] + 0.5) * cell, (rr[i] + 0.5) * cell)
    raise WorkloadError(f"no passable cell within 200 cells of ({x:g}, {y:g}) m")


TRAVERSE_SEED = 7
"""Terrain seed of the benchmark traverses when none is given (the README's figures)."""


def grid_seed(seed: int | None) -> int:
    """The seed of a generated grid: ``seed``, or 0 when none is given."""
    return 0 if seed is None else seed


def traverse_seed(seed: int | None) -> int:
    """The terrain seed of ``traverse:SIZE``: ``seed``, or :data:`TRAVERSE_SEED`."""
    return TRAVERSE_SEED if seed is None else seed


def traverse_world(size: int = 2048, cell: float = 0.5, route_m: float = 1000.0,
                   seed: int = TRAVERSE_SEED,
                   sense_every_m: float = 0.5, obstacles_only: bool = False):
    """(scenario, world) for a Jezero traverse of ``route_m`` [m] along the diagonal.

    A ``mars-jezero`` terrain of ``size`` x ``size`` cells of ``cell`` [m], the Perseverance
    preset, line of sight on, sensing and replanning every ``sense_every_m`` [m]; start and
    goal snapped to the nearest passable cells. The world is prepared once
    (:func:`rover.sim.prepare`), so the planners can share it. With ``obstacles_only`` the
    true cost of every passable cell is 1 (``[costmap]`` weights 0: the cells over a limit,
    rocks and the map's edge stay impassable).
    """
    from rover.costmap import traversability
    from rover.models import CostWeights, rover_preset
    from rover.scenario import MissionConfig, Scenario, TerrainConfig, build_terrain
    from rover.sim import prepare

    d = route_m / SQRT2
    x0 = y0 = 0.5 * (size * cell - d)
    sc = Scenario(
        name=f"mars-traverse-{size}", description="benchmark traverse", seed=seed,
        terrain=TerrainConfig(body="mars", preset="mars-jezero", size=(size, size),
                              cell_size_m=cell),
        rover=rover_preset("perseverance"),
        mission=MissionConfig(start=(x0, y0), goal=(x0 + d, y0 + d), planner="dstar_lite",
                              sense_every_m=sense_every_m, goal_tolerance_m=1.0),
    )
    cost = traversability(build_terrain(sc), sc.rover).cost
    start = snap(cost, cell, x0, y0)
    goal = snap(cost, cell, x0 + d, y0 + d)
    # Only the cost grid was needed: let it go before prepare() builds the world again, or
    # both worlds' grids are alive at once (at 8192 x 8192, 1.6 GB of the peak).
    del cost
    sc = replace(sc, mission=replace(sc.mission, start=start, goal=goal))
    if obstacles_only:
        sc = replace(sc, name=f"mars-obstacles-{size}",
                     costmap=CostWeights(tilt=0.0, roughness=0.0, step=0.0))
    return sc, prepare(sc)


# --------------------------------------------------------------------------------------------
# Workload specifications


@dataclass
class GridProblem:
    """One start-to-goal problem on a cost grid, as the runner consumes it."""

    name: str
    cost: np.ndarray = field(repr=False)
    """(rows, cols) float64 cost grid."""
    start: tuple[int, int]
    goal: tuple[int, int]
    cell_size_m: float
    """Cell edge [m] (1 for grids without a scale)."""
    info: dict = field(default_factory=dict)


@dataclass(frozen=True)
class GridSpec:
    """``blobs:SIZE`` or ``PRESET:SIZE`` (see the module docstring)."""

    source: str
    """"blobs" or a terrain preset name."""
    size: int
    seed: int = 0
    rover: str = "generic"
    kind = "grid"

    @property
    def name(self) -> str:
        return f"{self.source}:{self.size}"

    def build(self) -> GridProblem:
        if self.source == "blobs":
            from rover.planners import dijkstra

            cost = bench_grid(self.size, self.seed)
            start, goal = corners(cost)
            if not dijkstra(cost, start, goal).found:
                # Small grids can wall a corner in; then the cells nearest the corners that
                # are connected through the middle, as for terrains.
                start, goal = _connected_ends(cost)
            return GridProblem(self.name, cost, start, goal, 1.0,
                               {"seed": self.seed, "blocked": float(np.isinf(cost).mean())})
        cost, cell, start, goal = terrain_grid(self.source, self.size, seed=self.seed,
                                               rover=self.rover)
        return GridProblem(self.name, cost, start, goal, cell,
                           {"seed": self.seed, "rover": self.rover, "preset": self.source,
                            "blocked": float(np.isinf(cost).mean())})


@dataclass(frozen=True)
class MovingAISpec:
    """A Moving AI map and its scenario file; ``limit`` problems at most (evenly spread)."""

    map_path: Path
    scen_path: Path
    total: int
    """Problems in the ``.scen`` file."""
    limit: int | None = None
    kind = "movingai"

    @property
    def name(self) -> str:
        return self.map_path.name

    def build(self):
        """(grid, problems): the float64 grid and the (possibly thinned) problem list."""
        from rover.io.movingai import read_map, read_scen

        grid = read_map(self.map_path)
        problems = read_scen(self.scen_path)
        return grid, [problems[i] for i in self.indices(len(problems))]

    def indices(self, count: int) -> np.ndarray:
        """Positions (0 = the first problem of the file) of the problems run out of ``count``:
        all, or ``limit`` of them evenly spread (.scen files are sorted by bucket, so every
        length is represented)."""
        if self.limit is None or count <= self.limit:
            return np.arange(count)
        return np.unique(np.linspace(0, count - 1, self.limit).round().astype(int))

    def with_limit(self, limit: int | None) -> "MovingAISpec":
        return replace(self, limit=limit)


@dataclass(frozen=True)
class ScenarioSpec:
    """A scenario file (already loaded and validated as TOML)."""

    path: Path
    scenario: Any = field(repr=False, compare=False)
    kind = "scenario"

    @property
    def name(self) -> str:
        return self.path.stem

    def build(self):
        """(scenario, world): the world from :func:`rover.sim.prepare`."""
        from rover.sim import prepare

        return self.scenario, prepare(self.scenario)


@dataclass(frozen=True)
class TraverseSpec:
    """``traverse:SIZE`` (or ``obstacles:SIZE``, with ``obstacles_only``): a generated Jezero
    traverse (:func:`traverse_world`)."""

    size: int
    seed: int = TRAVERSE_SEED
    obstacles_only: bool = False
    kind = "scenario"

    @property
    def name(self) -> str:
        return f"{'obstacles' if self.obstacles_only else 'traverse'}:{self.size}"

    def build(self):
        cell = 0.5
        route = min(1000.0, 0.8 * self.size * cell * SQRT2)
        return traverse_world(self.size, cell, route, seed=self.seed,
                              obstacles_only=self.obstacles_only)


def scenarios_dir() -> Path:
    """The folder of the shipped scenarios (:data:`rover.scenarios.FOLDER`)."""
    from rover import scenarios

    return scenarios.FOLDER


def _size(word: str, text: str, lo: int = 16, hi: int = 8192) -> int:
    try:
        n = int(text)
    except ValueError:
        raise WorkloadError(f"{word!r}: size must be a whole number of cells, "
                            f"got {text!r}") from None
    if not lo <= n <= hi:
        raise WorkloadError(f"{word!r}: size must be between {lo} and {hi} cells, got {n}")
    return n


def _movingai(path: Path, limit: int | None) -> MovingAISpec:
    """Pair a .map with its .scen (or the reverse) and check they agree on the map size."""
    from rover.io.movingai import read_scen

    if path.suffix == ".scen":
        scen = path
        try:
            problems = read_scen(scen)
        except ValueError as exc:
            raise WorkloadError(str(exc)) from None
        if not problems:
            raise WorkloadError(f"{scen}: no problems in the scenario file")
        name = problems[0].map
        candidates = [scen.parent / name, scen.parent / Path(name).name]
        if scen.name.endswith(".map.scen"):
            candidates.append(scen.with_suffix(""))
        mp = next((c for c in candidates if c.is_file()), None)
        if mp is None:
            raise WorkloadError(f"{scen}: its map {name!r} was not found beside it")
    else:
        mp = path
        scen = path.with_name(path.name + ".scen")
        if not scen.is_file():
            scen = path.with_suffix(".scen")
        if not scen.is_file():
            raise WorkloadError(f"{path}: no scenario file beside it (looked for "
                                f"{path.name}.scen and {path.with_suffix('.scen').name})")
        try:
            problems = read_scen(scen)
        except ValueError as exc:
            raise WorkloadError(str(exc)) from None
        if not problems:
            raise WorkloadError(f"{scen}: no problems in the scenario file")
    named = Path(problems[0].map.replace("\\", "/")).name  # (Windows paths in some .scen)
    if named != mp.name:
        # Same size is not the same map: its optimal lengths would all look wrong.
        raise WorkloadError(f"{scen}: its problems are for the map {named!r}, not {mp.name} "
                            f"(give the .scen of {mp.name}, or rename the map to match)")
    grid = _read_map(mp)
    height, width = grid.shape
    for i, p in enumerate(problems):
        if (p.width, p.height) != (width, height):
            raise WorkloadError(
                f"{scen}: problem {i + 1} is for a {p.width} x {p.height} map but {mp.name} is "
                f"{width} x {height} (width x height): the .scen does not match the .map")
        for what, (r, c) in (("start", p.start), ("goal", p.goal)):
            if not math.isfinite(grid[r, c]):
                # A published problem never starts or ends in a wall: the files do not match.
                raise WorkloadError(f"{scen}: problem {i + 1}: its {what} (x={c}, y={r}) is a "
                                    f"blocked cell of {mp.name}")
    return MovingAISpec(mp, scen, len(problems), limit)


def _read_map(path: Path) -> np.ndarray:
    """The cost grid of a .map, read whole here so that a malformed map fails before the run."""
    from rover.io.movingai import read_map

    try:
        return read_map(path)
    except ValueError as exc:
        raise WorkloadError(str(exc)) from None


def parse_workload(word: str, *, limit: int | None = None, rover: str = "generic",
                   seed: int | None = None) -> list:
    """The workload(s) a command-line word names.

    Parameters
    ----------
    word : str
        A scenario ``.toml`` or a shipped scenario's name, a Moving AI ``.map`` or
        ``.scen``, a folder (its ``*.toml`` and ``*.scen`` files), ``blobs:SIZE``,
        ``PRESET:SIZE``, ``traverse:SIZE`` or ``obstacles:SIZE``.
    limit : int, optional
        Most Moving AI problems to run per map (evenly spread); None: all.
    rover, seed
        Rover preset for ``PRESET:SIZE`` grids; terrain or grid seed for the generated
        workloads (None: 0 for grids, :data:`TRAVERSE_SEED` for the traverses).

    Returns
    -------
    list of GridSpec, MovingAISpec, ScenarioSpec or TraverseSpec

    Raises
    ------
    WorkloadError
        A missing file, an unknown preset, a bad size, a ``.scen`` whose map size differs
        from its ``.map``; :class:`rover.scenario.ScenarioError` for a bad scenario file.
    """
    import terrains

    from rover.scenario import load_scenario

    path = Path(word)
    if path.is_dir():
        found = sorted(path.glob("*.toml")) + sorted(path.glob("*.scen"))
        if not found:
            raise WorkloadError(f"{word}: the folder holds no .toml or .scen files")
        out = []
        for f in found:
            out += parse_workload(str(f), limit=limit, rover=rover, seed=seed)
        return out
    if path.suffix in (".toml", ".map", ".scen"):
        if not path.is_file():
            raise WorkloadError(f"{word}: " + ("not a regular file" if path.exists()
                                               else "no such file"))
        if path.suffix == ".toml":
            return [ScenarioSpec(path, load_scenario(path))]
        return [_movingai(path, limit)]
    if ":" in word:
        source, _, size = word.partition(":")
        if source == "blobs":
            return [GridSpec("blobs", _size(word, size), grid_seed(seed))]
        if source in ("traverse", "obstacles"):
            return [TraverseSpec(_size(word, size, 128, 8192), traverse_seed(seed),
                                 source == "obstacles")]
        if source in terrains.presets():
            return [GridSpec(source, _size(word, size, 64), grid_seed(seed), rover)]
        valid = ", ".join(["blobs", "traverse", "obstacles"] + list(terrains.presets()))
        raise WorkloadError(f"{word!r}: unknown generated workload {source!r}; valid: {valid} "
                            "(followed by :SIZE)")
    from rover import scenarios

    if word in scenarios.names():
        return [ScenarioSpec(scenarios.path(word), scenarios.load(word))]
    raise WorkloadError(f"{word}: no such file (expected a .toml scenario or a shipped "
                        "scenario's name, a Moving AI .map or .scen, a folder, or NAME:SIZE "
                        "such as blobs:1024)")


def default_workloads(*, quick: bool = False, rover: str = "generic",
                      seed: int | None = None) -> list:
    """The workloads ``rover bench`` runs when none is named.

    Every shipped scenario (plan and traverse), the planner benchmark grid ``blobs:1024``
    and two generated terrains, ``mars-jezero:1024`` and ``moon-highlands:512``. With
    ``quick``: the scenarios without a Sun, ``blobs:256`` and ``mars-jezero:256`` (a Sun
    scenario runs for hours of simulated time, and A* replans from scratch at every shadow
    update: mars-sol-opportunity's traverses alone took 20 of a quick run's 30 s).
    """
    from rover.scenario import load_scenario

    folder = scenarios_dir()
    out: list = [ScenarioSpec(f, load_scenario(f))
                 for f in (sorted(folder.glob("*.toml")) if folder.is_dir() else [])]
    if quick:
        out = [s for s in out if s.scenario.sun is None]
    seed = grid_seed(seed)
    if quick:
        out += [GridSpec("blobs", 256, seed), GridSpec("mars-jezero", 256, seed, rover)]
    else:
        out += [GridSpec("blobs", 1024, seed), GridSpec("mars-jezero", 1024, seed, rover),
                GridSpec("moon-highlands", 512, seed, rover)]
    return out
