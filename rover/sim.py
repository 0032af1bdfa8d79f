"""The autonomous traverse: sense -> update the planner -> replan -> drive -> repeat.

:func:`prepare` builds the world of a scenario once (terrain, true cost grid) and checks the
mission against it; :func:`simulate` runs the traverse and returns a :class:`RunResult`.

One run, leg by leg (start -> waypoints in order -> goal):

1. **Sense** from the current pose (:class:`rover.sensing.KnownMap`): newly seen cells get
   their true cost in the known map; the cells whose known cost changed are collected.
2. **Plan** on the known map from the rover's cell to the leg's target cell. ``dstar_lite``
   and ``mpgaa`` keep one :class:`rover.planners.DStarLite` or
   :class:`rover.planners.MPGAAStar` per leg and feed it ``update(changed)``,
   ``move_to(rover cell)``, ``plan()``; any other planner plans from scratch
   (``plan_path``). No path on the known map proves the target unreachable (unseen cells
   are optimistic and seen ones are the truth), and the run ends with that reason.
3. **Smooth** the plan by line-of-sight shortcuts through seen, finite cells no costlier
   than the ones they replace, and **drive** it (vertex following with turn-in-place, or,
   for a rover that cannot turn in place, pure pursuit with the curvature held to its turn
   radius, never stopping to turn; speed/acceleration/yaw-rate limits, slower on slopes) until
   ``sense_every_m`` has been driven, the target is within ``goal_tolerance_m``, or a limit
   is hit. A rover that cannot turn in place and finds no forward arc backs up, swinging its
   nose toward the plan (:func:`rover._drive._reverse`), then senses and plans again.

Safety: every motion step is checked against the known map before it is taken — the swept
cells and a full-brake stop from the new state must lie on seen, finite cells — and when a
step fails the check the rover brakes straight, a stop verified on the previous step. Seen
cells carry their true cost, so the rover's centre never enters a cell that is impassable in
the true map.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from rover import _drive
from rover.costmap import Traversability, cell_index, distance_to_mask, traversability
from rover.kinematics import DriveLimits
from rover.scenario import Scenario, above, costmap_key, polyline_length
from rover.sensing import KnownMap, SensorModel

__all__ = ["World", "RunResult", "Snapshot", "prepare", "world_from_terrain", "simulate",
           "TRACE_COLUMNS", "REPLAN_COLUMNS"]

#: Columns of :attr:`RunResult.trace`, in order.
TRACE_COLUMNS = _drive.TRACE_COLUMNS
#: Columns of :attr:`RunResult.replans`, in order.
REPLAN_COLUMNS = ("t_s", "planner_ms", "expanded", "changed_cells", "plan_cost", "row", "col", "leg")

_ALIGN_TOL_RAD = math.radians(10.0)
_EFFICIENCY = 0.5       # drive-train efficiency for climbing and rolling resistance
_PROGRESS_EVERY_S = 0.25
_MAX_STEPS_PER_CALL = 2000
_STUCK_LIMIT = 50       # consecutive stops with nothing new seen before giving up
_MAX_REVERSALS = 12     # back-up manoeuvres per leg for a rover that cannot turn in place


@dataclass(frozen=True)
class World:
    """What a scenario's world is, built once by :func:`prepare`."""

    scenario: Scenario
    terrain: Any
    """The :class:`terrains.Terrain` (height [m], cell size, craters, rocks)."""
    traversability: Traversability
    """Terms and the true cost grid for the scenario's rover."""
    true_cost: np.ndarray
    """(rows, cols) float64, >= 1, ``inf`` impassable (inflated by the rover's radius)."""
    cell_size: float
    """Cell edge [m]."""
    seed: int
    """Seed the terrain was built with."""
    obstacle_distance: np.ndarray | None = field(default=None, repr=False)
    """(rows, cols) float64 distance [m] from each cell centre to the nearest obstacle cell
    centre (before inflation); None when there are no obstacles."""


@dataclass(frozen=True)
class RunResult:
    """Everything a run produced."""

    summary: dict
    """JSON-ready figures (see :func:`simulate`)."""
    trace: dict
    """Equal-length 1-D arrays by column, :data:`TRACE_COLUMNS` in order, one row per step
    (the first row is the start)."""
    replans: dict
    """1-D arrays by column, :data:`REPLAN_COLUMNS`, one row per replan."""
    true_cost: np.ndarray
    """(rows, cols) float64 true cost grid."""
    known_cost: np.ndarray
    """(rows, cols) float64 known cost grid at the end of the run."""
    terrain: Any
    world: World


@dataclass(frozen=True)
class Snapshot:
    """What an observer of :func:`simulate` is shown at one moment of a run (read-only).

    Snapshots are incremental: each carries what happened since the previous one (new trace
    rows, newly seen cells), so that watching a long run costs little. Arrays are copies
    marked read-only; the run never touches them again.
    """

    kind: str
    """``"replan"`` (after each plan, before driving it), ``"drive"`` (after each drive
    segment, i.e. up to ``sense_every_m`` of driving) or ``"end"`` (once, last)."""
    t_s: float
    """Simulated time [s]."""
    pose: tuple[float, float, float]
    """Rover (x [m], y [m], heading [rad], 0 east, counter-clockwise)."""
    leg: int
    """Index of the leg being driven (0 = toward the first waypoint or the goal)."""
    trace: np.ndarray
    """(k, 9) float64 trace rows (:data:`TRACE_COLUMNS`) added since the previous snapshot."""
    trace_end: int
    """Number of trace rows in the run so far (this snapshot's rows end there)."""
    seen: np.ndarray
    """(K, 2) int32 (row, col) of the cells first seen since the previous snapshot (seen
    cells carry their true cost in the known map; the others carry ``unknown_cost``)."""
    plan: np.ndarray | None = None
    """(N, 2) int64 (row, col) of the new plan, start to target (``"replan"`` only; empty
    when no path was found)."""
    route: np.ndarray | None = None
    """(M, 2) float64 (x, y) [m] of the smoothed polyline the rover follows (``"replan"``)."""
    replan: tuple | None = None
    """This replan's row of :data:`REPLAN_COLUMNS` (``"replan"`` only)."""
    figures: Any = None
    """Read-only mapping of the run so far: ``distance_m``, ``energy_wh``, ``replans``,
    ``planner_time_s``, ``expanded``, ``waypoints_reached``, ``cells_seen``."""
    summary: Any = None
    """The final summary (``"end"`` only), as in :attr:`RunResult.summary` (read-only)."""


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


# --------------------------------------------------------------------------------------------
# Preparation and checks


def _fmt(p) -> str:
    return f"({p[0]:g}, {p[1]:g})"


def _why_impassable(world: World, r: int, c: int) -> str:
    """Human reason why true cell (r, c) is impassable."""
    tr = world.traversability
    rover = world.scenario.rover
    h = world.cell_size
    reach = rover.radius_m + h
    import shapely

    rows, cols = tr.cost.shape
    b = tr.edge_band
    if b > 0 and (r < b or c < b or r >= rows - b or c >= cols - b):
        d = min(r, c, rows - 1 - r, cols - 1 - c) * h
        return (f"its {h:g} m cell comes within {d:.2f} m of the map's edge, within the "
                f"rover's radius {rover.radius_m:.2f} m")
    # Distances are from the cell's square (the rover's centre may be anywhere in it).
    square = shapely.box(c * h, r * h, (c + 1) * h, (r + 1) * h)
    for hz in world.scenario.hazards:
        d = hz.geometry().distance(square)
        if d <= reach:
            return (f"its {h:g} m cell comes within {d:.2f} m of hazard {hz.name!r}, within "
                    f"the rover's radius {rover.radius_m:.2f} m")
    rocks = getattr(world.terrain, "rocks", None)
    if rocks is not None and len(rocks):
        rk = np.asarray(rocks, dtype=np.float64)
        tall = rk[rk[:, 3] > rover.clearance_m]
        if len(tall):
            dx = np.maximum(np.maximum(c * h - tall[:, 0], tall[:, 0] - (c + 1) * h), 0.0)
            dy = np.maximum(np.maximum(r * h - tall[:, 1], tall[:, 1] - (r + 1) * h), 0.0)
            d = np.hypot(dx, dy) - 0.5 * tall[:, 2]
            i = int(np.argmin(d))
            if d[i] <= reach:
                return (f"its {h:g} m cell comes within {max(d[i], 0.0):.2f} m of a "
                        f"{tall[i, 3]:.2f} m rock at "
                        f"{_fmt((round(tall[i, 0], 2), round(tall[i, 1], 2)))}, taller than the "
                        f"rover's {rover.clearance_m:g} m clearance; the rover's radius is "
                        f"{rover.radius_m:.2f} m")
    if not tr.obstacles[r, c]:
        return "too close to an obstacle for the rover's footprint"
    tilt = float(np.degrees(np.arctan(np.hypot(tr.slope_x[r, c], tr.slope_y[r, c]))))
    if tilt > rover.max_tilt_deg:
        return (f"tilt {above(tilt, rover.max_tilt_deg)} deg over the rover's "
                f"{rover.max_tilt_deg:g} deg limit")
    step = float(tr.step_m[r, c])
    if step > rover.max_step_m:
        return (f"step {above(step, rover.max_step_m)} m over the rover's "
                f"{rover.max_step_m:g} m limit")
    lim = world.scenario.costmap.roughness_limit(rover)
    rough = float(tr.roughness_m[r, c])
    if rough > lim:
        return f"roughness {above(rough, lim)} m RMS over the {lim:g} m limit"
    return "a rock taller than the rover's clearance or a keep-out hazard"


def _check_point(world: World, p, key: str, hazards) -> None:
    sc = world.scenario
    h = world.cell_size
    rows, cols = world.true_cost.shape
    x, y = float(p[0]), float(p[1])
    if not (math.isfinite(x) and math.isfinite(y) and 0 <= x < cols * h and 0 <= y < rows * h):
        raise sc.error(key, f"{_fmt(p)} lies outside the {cols * h:g} x {rows * h:g} m terrain")
    import shapely

    for hz, g in hazards:
        if g.covers(shapely.Point(x, y)):
            raise sc.error(key, f"{_fmt(p)} is inside hazard {hz.name!r}")
    r, c = cell_index(x, y, h, (rows, cols))
    if not math.isfinite(world.true_cost[r, c]):
        raise sc.error(key, f"{_fmt(p)} is on impassable ground ({_why_impassable(world, r, c)})"
                       + _nearest_passable_hint(world, r, c))


def _nearest_passable_hint(world: World, r: int, c: int, search_m: float = 25.0) -> str:
    """``"; the nearest passable point is (x, y)"`` within ``search_m`` of cell (r, c), or ``""``.

    Another seed or preset moves rocks and slopes, so a fixed start can land on a rock; the
    hint tells the user what to write instead of leaving them to guess.
    """
    h = world.cell_size
    k = max(1, int(search_m / h))
    r0, c0 = max(r - k, 0), max(c - k, 0)
    window = world.true_cost[r0:r + k + 1, c0:c + k + 1]
    rr, cc = np.nonzero(np.isfinite(window))
    if rr.size == 0:
        return ""
    i = int(np.argmin((rr + r0 - r) ** 2 + (cc + c0 - c) ** 2))
    x, y = (cc[i] + c0 + 0.5) * h, (rr[i] + r0 + 0.5) * h
    return f"; the nearest passable point is ({x:.6g}, {y:.6g})"


def _check_args(scenario, seed) -> None:
    """TypeError/ValueError for arguments a caller (not the scenario file) got wrong."""
    if not isinstance(scenario, Scenario):
        hint = (" (a file name? load it first: rover.load_scenario(path))"
                if isinstance(scenario, (str, os.PathLike)) else "")
        raise TypeError(f"scenario must be a rover.Scenario, got {type(scenario).__name__}{hint}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
                             or seed < 0):
        raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")


def prepare(scenario: Scenario, *, seed: int | None = None) -> World:
    """Build the world of ``scenario`` and check its mission against it.

    Parameters
    ----------
    scenario : Scenario
    seed : int, optional
        Overrides ``scenario.seed`` for the terrain.

    Returns
    -------
    World

    Raises
    ------
    rover.scenario.ScenarioError
        An inconsistent rover, or a start, waypoint or goal outside the terrain, inside a
        hazard polygon or on impassable ground of the true map; the message names the key
        (``[mission].waypoints[2]``) and why.
    """
    from rover.scenario import build_terrain

    _check_args(scenario, seed)
    for f, msg in scenario.rover.problems():
        raise scenario.error(f"[rover].{f}", msg)
    terrain = build_terrain(scenario, seed=seed)
    return world_from_terrain(scenario, terrain, seed=seed)


def world_from_terrain(scenario: Scenario, terrain: Any, *, seed: int | None = None) -> World:
    """Like :func:`prepare`, on a terrain you already have (a :class:`terrains.Terrain` or
    anything with ``height`` [m], ``cell_size`` [m] and optionally ``rocks`` and ``body``);
    the scenario's ``[terrain]`` table is then not used.

    Raises
    ------
    rover.scenario.ScenarioError
        As :func:`prepare`.
    """
    for f, msg in scenario.rover.problems():
        raise scenario.error(f"[rover].{f}", msg)
    for f, msg in scenario.costmap.problems():  # a Scenario built in code, not loaded
        raise scenario.error(f"[costmap].{costmap_key(f)}", msg)
    tr = traversability(terrain, scenario.rover, hazards=scenario.hazards,
                        weights=scenario.costmap)
    obstacle_distance = distance_to_mask(tr.obstacles, tr.cell_size) if tr.obstacles.any() else None
    world = World(scenario=scenario, terrain=terrain, traversability=tr, true_cost=tr.cost,
                  cell_size=tr.cell_size, seed=scenario.seed if seed is None else int(seed),
                  obstacle_distance=obstacle_distance)
    hazards = [(hz, hz.geometry()) for hz in scenario.hazards]
    m = scenario.mission
    _check_point(world, m.start, "[mission].start", hazards)
    for i, w in enumerate(m.waypoints):
        _check_point(world, w, f"[mission].waypoints[{i}]", hazards)
    _check_point(world, m.goal, "[mission].goal", hazards)
    return world


# --------------------------------------------------------------------------------------------
# Planners


def _planners():
    """(name check, RepeatedSearch, {incremental planner name: class}) from
    :mod:`rover.planners`."""
    from rover import planners
    from rover.planners import RepeatedSearch

    return (planners.check_planner_name, RepeatedSearch,
            {"dstar_lite": planners.DStarLite, "mpgaa": planners.MPGAAStar})


class _Replanner:
    """One leg's planner state: an incremental planner (D* Lite, MPGAA*) kept across
    replans, or plans from scratch.

    ``scratch``: the run's :class:`~rover.planners._search.RepeatedSearch` on the known map
    (None with an incremental planner); ``least_cost``: a callable giving the known map's
    least finite cost; ``incremental``: {planner name: class} of the incremental planners.
    """

    def __init__(self, name: str, weight: float, known: np.ndarray, start, goal, scratch,
                 least_cost, incremental):
        self.name = name
        self.weight = weight
        self.goal = goal
        self.scratch = scratch
        self.least_cost = least_cost
        cls = incremental.get(name)
        self.ds = None if cls is None else cls(known, start, goal)
        self.cols = known.shape[1]
        self.cur = start

    def plan(self, cell, cells: np.ndarray, costs: np.ndarray):
        if self.ds is not None:
            if len(cells):
                # Sensing reports each cell once, inside the grid, with a valid cost: the
                # planner's checks of update() are skipped.
                self.ds._apply(cells[:, 0] * self.cols + cells[:, 1], costs)
            if tuple(cell) != tuple(self.cur):
                self.ds.move_to(cell)
                self.cur = tuple(cell)
            return self.ds.plan()
        return self.scratch.plan(self.name, cell, self.goal, self.least_cost(),
                                 weight=self.weight)


_WARMED: set = set()


def _warm_planner(name: str, dtype, scratch_cls, incremental, rekey: bool) -> None:
    """Compile (or load from numba's cache) the kernels of planner ``name`` for cost grids of
    ``dtype`` on a 3 x 3 grid, once per process, so that a run's planner time measures
    planning and not just-in-time compilation (a few seconds on a cold cache).

    ``rekey``: also D* Lite's re-key kernel, which runs only when a seen cell is cheaper than
    the cost assumed for unseen ones (so only when that cost is above 1).
    """
    key = (name, np.dtype(dtype).str, rekey)
    if key in _WARMED:
        return
    grid = np.full((3, 3), 2.0, dtype=dtype)
    if name == "dstar_lite":
        ds = incremental[name](grid, (0, 0), (2, 2))
        ds.plan()
        # Through _apply, as sensing feeds it (update() adds checks the run never calls).
        ds._apply(np.array([4]), np.array([3.0]))       # a rise at (1, 1)
        if rekey:
            ds._apply(np.array([5]), np.array([1.0]))   # (1, 2) below the least cost
        ds.move_to((0, 1))
        ds.plan()
        ds._separated(0, 8, 4)  # the flood a raising replan stops for (never on 3 x 3)
    elif name in incremental:
        ds = incremental[name](grid, (0, 0), (2, 2))
        ds.plan()
        ds._apply(np.array([4]), np.array([3.0]))
        ds.move_to((0, 1))
        ds.plan()
    else:
        scratch_cls(grid).plan(name, (0, 0), (2, 2), 2.0)
    _WARMED.add(key)


# --------------------------------------------------------------------------------------------
# The run


def simulate(scenario: Scenario, *, planner: str | None = None, seed: int | None = None,
             progress: Callable[[float, dict], None] | None = None,
             world: World | None = None,
             observer: Callable[[Snapshot], None] | None = None) -> RunResult:
    """Run the autonomous traverse of ``scenario``.

    Parameters
    ----------
    scenario : Scenario
    planner : str, optional
        Overrides ``[mission].planner``: ``"dstar_lite"`` or ``"mpgaa"`` (incremental) or a
        planner from scratch (``"astar"``, ``"wastar"``, ``"dijkstra"``).
    seed : int, optional
        Overrides ``scenario.seed``.
    progress : callable, optional
        ``progress(fraction, info)`` at most four times per second of wall time, with the
        fraction of the route done in [0, 1] and ``info`` holding ``t_s``, ``distance_m``,
        ``replans``, ``leg``.
    world : World, optional
        A world from :func:`prepare` to reuse (it must come from the same scenario and seed).
    observer : callable, optional
        ``observer(snapshot)`` with a read-only :class:`Snapshot` after every plan, after
        every drive segment and once at the end (the viewer watches runs through it). It is
        called from the simulating thread and may block (to pause a run); an exception it
        raises ends the run and propagates. The run is the same, bit for bit, with or
        without an observer.

    Returns
    -------
    RunResult
        ``summary`` keys: ``outcome`` ("reached"; "unreachable": no path on the known map;
        "timeout" or "energy": a limit; "stuck": the rover cannot move on although a path
        exists on the known map, e.g. a rover that cannot turn in place stopped with no
        forward arc of its turn radius left to take, which backing up has not freed;
        "interrupted"), ``reason``, ``distance_m``, ``straight_line_m``, ``path_efficiency``
        (when reached: the straight lines from the start through the points where each
        target was reached, over the distance driven; at most 1), ``sim_time_s``, ``wall_time_s``,
        ``speedup``, ``replans``, ``planner_time_s``, ``planner_median_ms``, ``expanded``,
        ``energy_wh``, ``max_tilt_deg``, ``min_clearance_m`` (closest approach of the rover's
        cell centre to an obstacle cell centre before inflation; None without obstacles),
        ``planner``, ``seed``, ``scenario``, ``rover``, ``waypoints_reached``,
        ``time_limit_s``, ``cells_seen``.

    Raises
    ------
    ValueError
        An unknown planner name (the message lists the valid ones).
    rover.scenario.ScenarioError
        From :func:`prepare`.

    A ``KeyboardInterrupt`` during the run ends it with outcome "interrupted" and what was
    gathered so far.
    """
    wall0 = time.perf_counter()
    _check_args(scenario, seed)
    m = scenario.mission
    name = m.planner if planner is None else planner
    check_name, scratch_cls, incremental = _planners()
    check_name(name)
    run_seed = scenario.seed if seed is None else int(seed)
    if world is None:
        world = prepare(scenario, seed=seed)

    rover = scenario.rover
    h = world.cell_size
    tr = world.traversability
    true_cost = world.true_cost
    rows, cols = true_cost.shape
    limits = DriveLimits.from_spec(rover)
    sensor = SensorModel.for_rover(rover, h, line_of_sight=m.line_of_sight)
    # Keep-out zones are drawn by the operators, and the map's edge is where the map ends:
    # known from the start, not discovered. (Only where the world's true map has them: a
    # hand-built world may have replaced true_cost.)
    zones = tr.known_keep_out()
    if zones is not None:
        zones &= np.isinf(true_cost)
    km = KnownMap(true_cost, world.terrain.height, h, m.unknown_cost, known_impassable=zones)
    _warm_planner(name, km.cost.dtype, scratch_cls, incremental, rekey=m.unknown_cost > 1.0)
    if name in incremental:
        # Sensing feeds an incremental planner without update()'s checks: refuse up front a
        # world whose costs span more than it can plan over exactly (only hand-built worlds
        # can).
        from rover.planners import check_spread

        lo, hi = km.true_cost_range
        check_spread(max(hi, float(m.unknown_cost)), min(lo, float(m.unknown_cost)),
                     true_cost.size, incremental[name]._label)
    # Plans from scratch share one search workspace on the known map for the whole run.
    scratch = None if name in incremental else scratch_cls(km.cost)
    gravity = float(getattr(getattr(world.terrain, "body", None), "gravity_mps2", 3.71))

    targets = list(m.waypoints) + [m.goal]
    route = [m.start] + targets
    straight = m.route_length_m()
    leg_lengths = [math.dist(route[i], route[i + 1]) for i in range(len(targets))]
    t_max = m.time_limit_s(rover.max_speed_mps, rover.accel_mps2)
    e_max = float(m.max_energy_wh) if m.max_energy_wh is not None else math.inf
    dt = float(m.dt_s)

    # State: x, y, heading, speed, yaw rate (facing the first target).
    first = targets[0]
    heading0 = math.atan2(first[1] - m.start[1], first[0] - m.start[0])
    state = np.array([m.start[0], m.start[1], heading0, 0.0, 0.0], dtype=np.float64)
    cap = 1024
    trace = np.empty((cap, len(TRACE_COLUMNS)), dtype=np.float64)
    r0, c0 = cell_index(m.start[0], m.start[1], h, (rows, cols))
    g0 = math.hypot(tr.slope_x[r0, c0], tr.slope_y[r0, c0])
    trace[0] = (0.0, state[0], state[1], state[2], 0.0, 0.0, math.degrees(math.atan(g0)), 0.0, 0)
    n = 1
    t = 0.0
    energy = 0.0
    distance = 0.0
    replan_rows: list[tuple] = []
    outcome = None
    reason = ""
    reached = 0
    # Where each target was reached (within tolerance): path efficiency compares the distance
    # driven with the straight lines through these points, so it never exceeds 1.
    reached_at = [(float(m.start[0]), float(m.start[1]))]
    last_progress = -1.0
    best_fraction = 0.0
    out = np.zeros(4, dtype=np.float64)
    poly = np.empty((16, 2), dtype=np.float64)
    tan_max_tilt = math.tan(math.radians(rover.max_tilt_deg))
    rmin = max(limits.min_turn_radius_m, 1e-9)  # the kernels divide by it
    smooth_len = max(sensor.range_m, 4.0 * m.sense_every_m) + 2.0 * h
    leg = 0
    rp = None

    def cell_of(x, y):
        return cell_index(x, y, h, (rows, cols))

    def limit_hit(code):
        """(outcome, reason) of a drive kernel that stopped at the time or energy limit, on
        the way to the current leg's target."""
        if code == _drive.TIMEOUT:
            return "timeout", (f"simulated time limit of {t_max:g} s reached before {label} at "
                               f"{_fmt((tx, ty))}")
        return "energy", f"energy budget of {e_max:g} Wh used before {label} at {_fmt((tx, ty))}"

    # Observer bookkeeping (only used when an observer is given).
    pending_seen: list[np.ndarray] = []
    emitted = {"n": 0, "replans": 0, "planner_ms": 0.0, "expanded": 0, "seen": 0}
    reach_cells = int(math.ceil(max(sensor.range_m, sensor.near_m) / h)) + 2

    def sense():
        if observer is None:
            return km.sense(state[0], state[1], state[2], sensor)
        # The kernel reports cells whose cost changed; the viewer needs every newly seen
        # cell, so diff the seen mask over the window the sensor can reach.
        rc, cc = cell_of(state[0], state[1])
        r0, r1 = max(rc - reach_cells, 0), min(rc + reach_cells + 1, rows)
        c0, c1 = max(cc - reach_cells, 0), min(cc + reach_cells + 1, cols)
        before = km.seen[r0:r1, c0:c1].copy()
        got = km.sense(state[0], state[1], state[2], sensor)
        new = np.argwhere(km.seen[r0:r1, c0:c1] > before).astype(np.int32)
        new += np.array([r0, c0], dtype=np.int32)
        pending_seen.append(new)
        return got

    def emit(kind, plan_cells=None, route=None, summary=None):
        from types import MappingProxyType

        for row in replan_rows[emitted["replans"]:]:
            emitted["planner_ms"] += row[1]
            emitted["expanded"] += row[2]
        emitted["replans"] = len(replan_rows)
        seen = (np.concatenate(pending_seen) if pending_seen else np.empty((0, 2), np.int32))
        pending_seen.clear()
        emitted["seen"] += len(seen)
        rows_new = trace[emitted["n"]:n]
        emitted["n"] = n
        figures = MappingProxyType({
            "distance_m": float(distance), "energy_wh": float(energy),
            "replans": len(replan_rows), "planner_time_s": emitted["planner_ms"] / 1000.0,
            "expanded": int(emitted["expanded"]), "waypoints_reached": min(reached, len(m.waypoints)),
            "cells_seen": int(emitted["seen"]),
        })
        observer(Snapshot(
            kind=kind, t_s=float(t), pose=(float(state[0]), float(state[1]), float(state[2])),
            leg=int(leg), trace=_frozen(rows_new), trace_end=int(n), seen=_frozen(seen),
            plan=None if plan_cells is None else _frozen(plan_cells),
            route=None if route is None else _frozen(route),
            replan=tuple(replan_rows[-1]) if kind == "replan" else None,
            figures=figures,
            summary=None if summary is None else MappingProxyType(dict(summary)),
        ))

    def report(force=False):
        nonlocal last_progress, best_fraction
        if progress is None:
            return
        now = time.perf_counter()
        if not force and now - last_progress < _PROGRESS_EVERY_S:
            return
        last_progress = now
        done = sum(leg_lengths[:leg])
        if leg < len(targets):
            tx, ty = targets[leg]
            done += max(leg_lengths[leg] - math.hypot(tx - state[0], ty - state[1]), 0.0)
        frac = min(max(done / straight, 0.0), 1.0) if straight > 0 else 1.0
        best_fraction = max(best_fraction, frac)
        progress(best_fraction, {"t_s": t, "distance_m": distance, "replans": len(replan_rows),
                                 "leg": leg})

    if zones is not None and len(targets) > 1:
        # Known-from-the-start zones can wall in a later waypoint or the goal: say so now,
        # not after driving the legs before it.
        from rover.planners import astar

        for i in range(1, len(targets)):
            a, b = targets[i - 1], targets[i]
            if not astar(km.cost, cell_of(*a), cell_of(*b)).found:
                label = "the goal" if i == len(targets) - 1 else f"waypoint {i}"
                what = "the map's edge"
                if tr.hazard_keep_out is not None:
                    hz = tr.hazard_keep_out & np.isinf(true_cost)
                    alone = np.where(hz, np.inf, float(m.unknown_cost))
                    what = ("the keep-out zones"
                            if not astar(alone, cell_of(*a), cell_of(*b)).found
                            else "the keep-out zones and the map's edge")
                outcome = "unreachable"
                reason = (f"no path from waypoint {i - 1} at {_fmt(a)} to {label} at "
                          f"{_fmt(b)} on the known map: {what} enclose it")
                break
    try:
        cells, costs = sense()
        while leg < len(targets) and outcome is None:
            tx, ty = targets[leg]
            label = "the goal" if leg == len(targets) - 1 else f"waypoint {leg}"
            if math.hypot(tx - state[0], ty - state[1]) <= m.goal_tolerance_m:
                reached += 1
                leg += 1
                reached_at.append((float(state[0]), float(state[1])))
                continue
            goal_cell = cell_of(tx, ty)
            rp = None
            stuck = 0
            reversals = 0  # back-ups made on this leg
            boxed_in = gave_up = False
            last_backup = None  # (x, y, heading) where the last back-up started
            last_backup_m = 0.0  # and how far it went
            scale = 1.0
            while outcome is None:
                cur = cell_of(state[0], state[1])
                tp = time.perf_counter()
                if rp is None:
                    rp = _Replanner(name, m.wastar_weight, km.cost, cur, goal_cell, scratch,
                                    lambda: km.least_cost, incremental)
                    plan = rp.plan(cur, cells[:0], costs[:0])
                else:
                    plan = rp.plan(cur, cells, costs)
                planner_ms = (time.perf_counter() - tp) * 1000.0
                replan_rows.append((t, planner_ms, int(plan.expanded), len(cells), float(plan.cost),
                                    cur[0], cur[1], leg))
                if not plan.found:
                    if observer is not None:
                        emit("replan", np.empty((0, 2), np.int64), np.empty((0, 2)))
                    outcome = "unreachable"
                    what = (f"the ground seen so far ({int(km.seen.sum())} cells)"
                            + (" and the keep-out zones" if tr.hazard_keep_out is not None
                               else ""))
                    reason = (f"no path from {_fmt((round(state[0], 2), round(state[1], 2)))} to "
                              f"{label} at {_fmt((tx, ty))} on the known map: {what} "
                              "enclose it with impassable cells")
                    break
                path = np.ascontiguousarray(plan.path, dtype=np.int64)
                if poly.shape[0] < len(path) + 2:
                    poly = np.empty((len(path) + 64, 2), dtype=np.float64)
                nv = _drive._smooth(path, len(path), state[0], state[1], float(tx), float(ty),
                                    km.cost, km.seen, h, smooth_len, poly)
                if observer is not None:
                    emit("replan", path, poly[:nv])
                while True:
                    status = _drive._drive(
                        state, t, energy, leg, poly, nv, km.cost, km.seen, tr.slope_x, tr.slope_y,
                        h, limits.max_speed_mps, limits.accel_mps2, limits.max_yaw_rate_rad_s,
                        limits.turn_in_place, rmin, tan_max_tilt,
                        _ALIGN_TOL_RAD, dt, m.sense_every_m, _MAX_STEPS_PER_CALL,
                        float(tx), float(ty), m.goal_tolerance_m, t_max, e_max, rover.mass_kg,
                        gravity, rover.rolling_resistance, rover.drive_power_w, _EFFICIENCY,
                        trace, n, out)
                    n += int(out[0])
                    distance += out[1]
                    t = out[2]
                    energy = out[3]
                    if status != _drive.FULL:
                        break
                    trace = np.concatenate([trace, np.empty_like(trace)])
                if observer is not None:
                    emit("drive")
                report()
                if status == _drive.GOAL:
                    reached += 1
                    leg += 1
                    reached_at.append((float(state[0]), float(state[1])))
                    break
                if status in (_drive.TIMEOUT, _drive.ENERGY):
                    outcome, reason = limit_hit(status)
                    break
                cells, costs = sense()
                # Stopped without moving, short of the target, and sensing showed nothing new.
                stopped = (status in (_drive.BLOCKED, _drive.PATH_END) and out[1] == 0
                           and len(cells) == 0)
                if (stopped and not limits.turn_in_place and reversals < _MAX_REVERSALS
                        and not gave_up):
                    # No forward arc leads on: back up, swinging the nose toward the plan, as
                    # a driver would, then sense and plan again from there.
                    # A back-up that starts where the last one did has not got the rover out
                    # (it drove back into the same pocket): back up twice as far, up to 4x.
                    pose = (float(state[0]), float(state[1]), float(state[2]))
                    again = (last_backup is not None
                             and math.dist(pose[:2], last_backup[:2]) < 0.25 * h
                             and abs(math.remainder(pose[2] - last_backup[2], math.tau)) < 0.1)
                    scale = min(2.0 * scale, 4.0) if again else 1.0
                    last_backup = pose
                    need = n + _drive.reverse_steps(rmin, limits.max_speed_mps,
                                                    limits.accel_mps2, dt, scale)
                    while need >= trace.shape[0]:
                        trace = np.concatenate([trace, np.empty_like(trace)])
                    # Swing the nose toward where the plan leads: its first vertex two turn
                    # radii away (or its end), not the leg's target, which may lie behind
                    # the obstacle the plan goes around.
                    far = np.hypot(poly[:nv, 0] - state[0], poly[:nv, 1] - state[1]) >= 2 * rmin
                    aim = poly[int(np.argmax(far))] if far.any() else poly[nv - 1]
                    rstatus = _drive._reverse(
                        state, t, energy, leg, float(aim[0]), float(aim[1]), scale, km.cost,
                        km.seen, tr.slope_x, tr.slope_y, h, limits.max_speed_mps,
                        limits.accel_mps2, limits.max_yaw_rate_rad_s, rmin, tan_max_tilt, dt,
                        t_max, e_max, rover.mass_kg, gravity, rover.rolling_resistance,
                        rover.drive_power_w, _EFFICIENCY, trace, n, out)
                    n += int(out[0])
                    distance += out[1]
                    t = out[2]
                    energy = out[3]
                    if observer is not None and out[0]:
                        emit("drive")
                    if rstatus in (_drive.TIMEOUT, _drive.ENERGY):
                        outcome, reason = limit_hit(rstatus)
                        break
                    if out[1] > 0:
                        reversals += 1
                        # Asked to go farther from the same pose, it got no farther: the room
                        # behind is used up, and repeating it would change nothing.
                        gave_up = again and out[1] <= 1.05 * last_backup_m
                        last_backup_m = out[1]
                        stuck = 0
                        cells, costs = sense()
                        continue
                    boxed_in = gave_up = True  # no room behind either: backing up cannot help
                if stopped:
                    stuck += 1
                    if n + 1 >= trace.shape[0]:
                        trace = np.concatenate([trace, np.empty_like(trace)])
                    # Let time pass so a stuck rover always ends (at the time limit at worst;
                    # a step past it is not taken, and the next drive reports the timeout).
                    _drive._idle(state, t, energy, leg, tr.slope_x, tr.slope_y, h, dt, t_max,
                                 trace, n, out)
                    n += int(out[0])
                    t = out[2]
                    if stuck >= _STUCK_LIMIT and not limits.turn_in_place:
                        # Stopped, nothing new to see, it cannot turn on the spot and backing
                        # up has not helped: no motion it has is left, so this is final.
                        outcome = "stuck"
                        reason = (f"the rover cannot turn in place and is stopped at "
                                  f"{_fmt((round(state[0], 2), round(state[1], 2)))} heading "
                                  f"{math.degrees(state[2]):.0f} deg: no forward arc of its "
                                  f"{limits.min_turn_radius_m:g} m minimum turn radius leads on "
                                  f"toward {label} at {_fmt((tx, ty))} over the ground seen so far, "
                                  + ("and it has no room to back up" if boxed_in else
                                     f"and backing up {reversals} time"
                                     f"{'' if reversals == 1 else 's'} did not help"))
                        break
                    if stuck >= _STUCK_LIMIT:
                        outcome = "stuck"
                        reason = (f"the rover made no progress toward {label} at {_fmt((tx, ty))} "
                                  f"for {stuck} replans (stopped at "
                                  f"{_fmt((round(state[0], 2), round(state[1], 2)))})")
                        break
                else:
                    stuck = 0
        if outcome is None:
            outcome = "reached"
            reason = f"reached the goal {_fmt(m.goal)} within {m.goal_tolerance_m:g} m"
            if m.waypoints:
                reason += f" after {len(m.waypoints)} waypoint(s)"
    except KeyboardInterrupt:
        outcome = "interrupted"
        reason = "interrupted by the user"
    if outcome != "interrupted":
        try:
            report(force=True)
        except KeyboardInterrupt:
            outcome = "interrupted"
            reason = "interrupted by the user"

    wall = time.perf_counter() - wall0
    tr_arr = trace[:n]
    trace_cols = {c: tr_arr[:, i].copy() for i, c in enumerate(TRACE_COLUMNS)}
    trace_cols["leg"] = trace_cols["leg"].astype(np.int64)
    rep = np.array(replan_rows, dtype=np.float64).reshape(-1, len(REPLAN_COLUMNS))
    replans = {c: rep[:, i].copy() for i, c in enumerate(REPLAN_COLUMNS)}
    for c in ("expanded", "changed_cells", "row", "col", "leg"):
        replans[c] = replans[c].astype(np.int64)

    min_clear = None
    if world.obstacle_distance is not None and n:
        rr = np.clip(np.floor(tr_arr[:, 2] / h).astype(np.int64), 0, rows - 1)  # as cell_index
        cc = np.clip(np.floor(tr_arr[:, 1] / h).astype(np.int64), 0, cols - 1)
        min_clear = round(float(world.obstacle_distance[rr, cc].min()), 4)
    ms = replans["planner_ms"]
    chord = polyline_length(reached_at)
    summary = {
        "outcome": outcome,
        "reason": reason,
        "distance_m": round(float(distance), 4),
        "straight_line_m": round(straight, 4),
        "path_efficiency": (round(float(min(1.0, chord / distance)), 4)
                            if outcome == "reached" and distance > 0 else None),
        "sim_time_s": round(float(t), 3),
        "wall_time_s": round(wall, 4),
        "speedup": round(float(t / wall), 1) if wall > 0 else None,
        "replans": int(len(ms)),
        "planner_time_s": round(float(ms.sum()) / 1000.0, 4),
        "planner_median_ms": round(float(np.median(ms)), 4) if len(ms) else None,
        "expanded": int(replans["expanded"].sum()),
        "energy_wh": round(float(energy), 4),
        "max_tilt_deg": round(float(trace_cols["tilt_deg"].max()), 3) if n else None,
        "min_clearance_m": min_clear,
        "planner": name,
        "seed": run_seed,
        "scenario": scenario.name,
        "rover": rover.name,
        "waypoints_reached": min(reached, len(m.waypoints)),
        "time_limit_s": round(t_max, 3),
        "cells_seen": int(km.seen.sum()),
    }
    if observer is not None:
        emit("end", summary=summary)
    return RunResult(summary=summary, trace=trace_cols, replans=replans, true_cost=true_cost,
                     known_cost=km.cost.copy(), terrain=world.terrain, world=world)
