"""The autonomous traverse: sense -> update the planner -> plan -> drive -> repeat.

:func:`prepare` builds the world of a scenario once (terrain, true cost grid) and checks the
mission against it; :func:`simulate` runs the traverse and returns a :class:`RunResult`.

:func:`simulate` is the loop, and reads as the data flow: each step is a method of
:class:`_Run`, the state of one run. Leg by leg (start -> waypoints in order -> goal):

1. **Sense** (:meth:`_Run.sense`, :class:`rover.sensing.KnownMap`) from the current pose:
   newly seen cells get their true cost in the known map; the cells whose known cost changed
   are collected.
2. **Update the planner and plan** (:meth:`_Run.replan`) on the known map from the rover's
   cell to the leg's target cell. ``dstar_lite`` and ``mpgaa`` keep one
   :class:`rover.planners.DStarLite` or :class:`rover.planners.MPGAAStar` per leg and feed it
   ``update(changed)``, ``move_to(rover cell)``, ``plan()``; any other planner plans from
   scratch. No path on the known map proves the target unreachable (unseen cells are
   optimistic and seen ones are the truth), and the run ends with that reason
   (:meth:`_Run.no_path`).
3. **Drive** (:meth:`_Run.drive`): smooth the plan by line-of-sight shortcuts through seen,
   finite cells no costlier than the ones they replace, and follow it (vertex following with
   turn-in-place, or, for a rover that cannot turn in place, pure pursuit with the curvature
   held to its turn radius; speed/acceleration/yaw-rate limits, slower on slopes) until
   ``sense_every_m`` has been driven, the target is within ``goal_tolerance_m``, or a limit
   is hit (:meth:`_Run.limit_hit`).
4. **Recover** (:meth:`_Run.recover`) when the rover stopped short, seeing nothing new: a
   rover that cannot turn in place backs up, swinging its nose toward the plan
   (:meth:`_Run.back_up`); otherwise it waits a step, and enough stops in a row end the run
   "stuck" (:meth:`_Run.wait`).
5. **Record**: the drive kernels write the trace, :meth:`_Run.replan` the replan log, and
   :meth:`_Run.result` makes the summary; an observer sees :class:`Snapshot` objects on the way
   (:class:`_Feed`).

Safety: every motion step is checked against the known map before it is taken — the swept
cells and a full-brake stop from the new state must lie on seen, finite cells — and when a
step fails the check the rover brakes straight, a stop verified on the previous step. Seen
cells carry their true cost, so the rover's centre never enters a cell that is impassable in
the true map.
"""

from __future__ import annotations

import functools
import math
import os
import time
from dataclasses import dataclass
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
_SHELTER_CELLS = 24     # how far [cells] a rover looks for ground the next shadows leave lit
_SHELTER_TRIES = 12     # drives toward shelter before a rover gives up and stands
_SHELTER_HORIZON_S = 4 * 3600.0  # how far ahead [s] a waiting rover looks at the shadows
_SHELTER_BYTES = 64e6   # at most this much memory for the shadows of that look


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

    @functools.cached_property
    def obstacle_distance(self) -> np.ndarray | None:
        """(rows, cols) float64 distance [m] from each cell centre to the nearest obstacle
        cell centre (before inflation); None when there are no obstacles. Computed on first
        use (a run's summary uses it once, at its end, after the planner's grids are gone:
        on an 8192 x 8192 map it is 512 MiB that need not be alive during the run)."""
        tr = self.traversability
        return distance_to_mask(tr.obstacles, tr.cell_size) if tr.obstacles.any() else None


@dataclass(frozen=True)
class RunResult:
    """Everything a run produced."""

    summary: dict
    """JSON-ready figures: ``outcome`` ("reached"; "unreachable": no path on the known map;
    "timeout" or "energy": a limit; "stuck": the rover cannot move on although a path exists
    on the known map, e.g. a rover that cannot turn in place stopped with no forward arc of
    its turn radius left to take, which backing up has not freed; "interrupted";
    "planner_error": the planner raised, or returned a plan that failed the run's check,
    :func:`rover.planners.check_plan`),
    ``reason``, ``distance_m``, ``straight_line_m``, ``path_efficiency`` (when reached: the
    straight lines from the start through the points where each target was reached, over
    the distance driven; at most 1), ``sim_time_s``, ``wall_time_s``, ``speedup``,
    ``replans``, ``planner_time_s``, ``planner_median_ms``, ``expanded``, ``energy_wh``,
    ``max_tilt_deg``, ``min_clearance_m`` (closest approach of the rover's cell centre to an
    obstacle cell centre before inflation; None without obstacles), ``planner``, ``seed``,
    ``scenario``, ``rover``, ``waypoints_reached``, ``time_limit_s``, ``cells_seen``; with
    a ``[sun]`` table also ``sun`` (:meth:`rover.daylight.Daylight.summary`: the Sun at the
    start and the end, the local solar time, the shadow updates, ``shadow_time_s`` the time
    the rover's centre spent in a shadowed cell; ``stranded_in_shadow_s`` the part of it a
    rover that may not drive in shadow stood there waiting for light, and
    ``waited_for_shadows_s`` the time it waited, lit, for the shadows to open a way)."""
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
    ``planner_time_s``, ``expanded``, ``waypoints_reached``, ``cells_seen``; with a battery
    (rover.power) also ``battery_wh`` and ``battery_capacity_wh``."""
    summary: Any = None
    """The final summary (``"end"`` only), as in :attr:`RunResult.summary` (read-only)."""
    sun: tuple | None = None
    """The Sun at this moment, (azimuth [deg], elevation [deg], local solar time [h], NaN
    for a fixed Sun), for a scenario with a ``[sun]`` table; None without."""


def _clock(hours: float | None) -> str:
    """hh:mm of a local solar time [h], or "-" for a fixed Sun."""
    if hours is None:
        return "-"
    m = int(round(hours * 60.0)) % 1440
    return f"{m // 60:02d}:{m % 60:02d}"


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
    nd = tr.nodata_keep_out
    if nd is not None and nd[r, c]:
        return ("the DEM has no data there" if tr.obstacles[r, c] and world.terrain.nodata[r, c]
                else f"its {h:g} m cell comes within the rover's radius {rover.radius_m:.2f} m "
                     "of cells the DEM has no data for")
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
    world = World(scenario=scenario, terrain=terrain, traversability=tr, true_cost=tr.cost,
                  cell_size=tr.cell_size, seed=scenario.seed if seed is None else int(seed))
    hazards = [(hz, hz.geometry()) for hz in scenario.hazards]
    m = scenario.mission
    _check_point(world, m.start, "[mission].start", hazards)
    for i, w in enumerate(m.waypoints):
        _check_point(world, w, f"[mission].waypoints[{i}]", hazards)
    _check_point(world, m.goal, "[mission].goal", hazards)
    return world


# --------------------------------------------------------------------------------------------
# Planners


def _check_planner(name: str) -> None:
    from rover.planners import check_planner_name

    check_planner_name(name)


def _planner(name: str):
    """The :class:`rover.planners.PlannerEntry` called ``name``."""
    from rover.planners import get

    return get(name)


class _Replanner:
    """One leg's planner state: an incremental planner kept across replans, or a planner
    from scratch called at every replan.

    ``plan_once(start, goal, least_cost)``: the run's planner from scratch, bound to the known
    map (None with an incremental planner); ``least_cost``: a callable giving the known
    map's least finite cost; ``entry``: the planner's :class:`rover.planners.PlannerEntry`.
    """

    def __init__(self, name: str, weight: float, known: np.ndarray, start, goal, plan_once,
                 least_cost, entry):
        from rover.planners import IncrementalPlanner

        self.name = name
        self.weight = weight
        self.goal = goal
        self.plan_once = plan_once
        self.least_cost = least_cost
        self.ds = entry.planner(known, start, goal) if entry.incremental else None
        # The package's own incremental planners take sensing's edits without update()'s
        # checks (sensing reports each cell once, inside the grid, with a valid cost).
        self.trusted = isinstance(self.ds, IncrementalPlanner)
        self.cols = known.shape[1]
        self.cur = start

    def plan(self, cell, cells: np.ndarray, costs: np.ndarray):
        if self.ds is not None:
            if len(cells):
                if self.trusted:
                    self.ds._apply(cells[:, 0] * self.cols + cells[:, 1], costs)
                else:
                    self.ds.update(cells.astype(np.int64), costs)
            if tuple(cell) != tuple(self.cur):
                self.ds.move_to(cell)
                self.cur = tuple(cell)
            return self.ds.plan()
        return self.plan_once(cell, self.goal, self.least_cost())


_WARMED: set = set()


def _warm_planner(entry, dtype, rekey: bool) -> None:
    """Compile (or load from numba's cache) the kernels of the planner ``entry`` (a
    :class:`rover.planners.PlannerEntry`) for cost grids of ``dtype``, once per process, so
    that a run's planner time measures planning and not just-in-time compilation (a few
    seconds on a cold cache): its ``warm_up`` hook, or one plan on a 3 x 3 grid through its
    ``repeated`` hook. Planners with neither are not warmed.

    ``rekey``: also D* Lite's re-key kernel, which runs only when a seen cell is cheaper than
    the cost assumed for unseen ones (so only when that cost is above 1).
    """
    key = (entry.name, np.dtype(dtype).str, rekey)
    if key in _WARMED:
        return
    if entry.warm_up is not None:
        entry.warm_up(dtype, rekey)
    elif entry.repeated is not None:
        entry.repeated(np.full((3, 3), 2.0, dtype=dtype), 1.5)((0, 0), (2, 2), 2.0)
    _WARMED.add(key)


# --------------------------------------------------------------------------------------------
# The run


def simulate(scenario: Scenario, *, planner: str | None = None, seed: int | None = None,
             progress: Callable[[float, dict], None] | None = None,
             world: World | None = None,
             observer: Callable[[Snapshot], None] | None = None) -> RunResult:
    """Run the autonomous traverse of ``scenario``: sense, update the planner, plan, drive,
    and again, leg by leg, until the goal is reached or the run cannot go on.

    Parameters
    ----------
    scenario : Scenario
    planner : str, optional
        Overrides ``[mission].planner``: a name of :data:`rover.planners.PLANNERS`.
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
        every drive segment and once at the end (the viewer watches runs through it), from
        the simulating thread; it may block (to pause a run), and an exception it raises
        ends the run and propagates. The run is the same, bit for bit, with or without one.

    Returns
    -------
    RunResult
        Its ``summary`` keys are listed in :class:`RunResult`.

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
    name = scenario.mission.planner if planner is None else planner
    _check_planner(name)
    world = prepare(scenario, seed=seed) if world is None else world
    run = _Run(scenario, world, name, seed, progress, observer)
    leg = None
    try:
        run.check_later_targets()  # keep-out zones known at the start may wall one in
        run.sense()
        while run.outcome is None and run.leg < len(run.targets):
            if run.within_tolerance():
                run.target_reached()
                continue
            leg = run.begin_leg()
            while run.outcome is None:
                if run.hold():  # a rover that may not drive in shadow, standing in one
                    continue
                plan = run.replan(leg)  # None: the planner failed, and the run has ended
                if plan is None:
                    break
                if not plan.found:
                    run.no_path(leg)
                    break
                status = run.drive(leg, plan)
                if status == _drive.GOAL:
                    run.target_reached()
                    break
                if status in (_drive.TIMEOUT, _drive.ENERGY):
                    run.limit_hit(leg, status)
                    break
                run.sense()
                if run.outcome is not None:  # the battery ran empty (a run with a Sun)
                    break
                run.rest()  # with [sun].wait_for_light and a low battery: wait for light
                if run.outcome is not None:
                    break
                run.recover(leg, status)  # stopped short: back up, or wait and count
        run.finish()
    except KeyboardInterrupt:
        run.end("interrupted", "interrupted by the user")
    leg = None  # the leg's planner and its grids go before the result's are made
    return run.result(wall0)


@dataclass
class _Leg:
    """What the run keeps while driving toward one target (a waypoint or the goal)."""

    target: tuple[float, float]
    """The target point (x, y) [m]."""
    label: str
    """``"the goal"`` or ``"waypoint i"``, for reasons."""
    cell: tuple[int, int]
    """The target's (row, col)."""
    replanner: Any = None
    """The leg's :class:`_Replanner`, made at its first plan."""
    stuck: int = 0
    """Consecutive stops with nothing new seen."""
    reversals: int = 0
    """Back-ups made on this leg."""
    boxed_in: bool = False
    """No room behind the rover to back up into."""
    gave_up: bool = False
    """Backing up cannot help any more on this leg."""
    last_backup: tuple | None = None
    """(x, y, heading) where the last back-up started."""
    last_backup_m: float = 0.0
    """How far the last back-up went [m]."""
    scale: float = 1.0
    """Length of the next back-up, as a multiple of a quarter turn."""


class _Run:
    """The state of one run of :func:`simulate`, and one method for each thing a run does:
    :meth:`sense`, :meth:`replan`, :meth:`drive`, :meth:`recover` (back up or wait),
    :meth:`target_reached`, the ends (:meth:`no_path`, :meth:`limit_hit`, :meth:`end`)
    and :meth:`result`.

    The rover's pose and speed live in ``state`` (x [m], y [m], heading [rad], speed [m/s],
    yaw rate [rad/s]), which the compiled drive kernels (:mod:`rover._drive`) advance in
    place; the trace rows they write go to ``trace[:n]``.
    """

    def __init__(self, scenario: Scenario, world: World, name: str, seed, progress, observer):
        entry = self.entry = _planner(name)
        m = self.mission = scenario.mission
        self.scenario, self.world, self.name = scenario, world, name
        self.rover = rover = scenario.rover
        self.run_seed = scenario.seed if seed is None else int(seed)
        self.progress, self.observer = progress, observer
        self.h = h = world.cell_size
        self.tr = tr = world.traversability
        true_cost = world.true_cost
        self.shape = true_cost.shape
        self.limits = limits = DriveLimits.from_spec(rover)
        self.sensor = SensorModel.for_rover(rover, h, line_of_sight=m.line_of_sight)
        # Keep-out zones are drawn by the operators, and the map's edge is where the map
        # ends: known from the start, not discovered. (Only where the world's true map has
        # them: a hand-built world may have replaced true_cost.)
        zones = self.zones = tr.known_keep_out()
        if zones is not None:
            zones &= np.isinf(true_cost)
        self.km = km = KnownMap(true_cost, world.terrain.height, h, m.unknown_cost,
                                known_impassable=zones)
        self.anywhere = None  # all ones, made on first use (see through())
        _warm_planner(entry, km.cost.dtype, rekey=m.unknown_cost > 1.0)
        label = getattr(entry.planner, "_label", "")
        if entry.incremental and label:
            # Sensing feeds the package's incremental planners without update()'s checks:
            # refuse up front a world whose costs span more than they can plan over exactly
            # (only hand-built worlds can).
            from rover.planners import check_spread

            lo, hi = km.true_cost_range
            check_spread(max(hi, float(m.unknown_cost)), min(lo, float(m.unknown_cost)),
                         true_cost.size, label)
        # Planners see the known map read-only: the run alone changes it, in place.
        from rover.planners import KnownGrid

        self.known_view = km.cost.view(KnownGrid).vouch(lambda: km.least_cost)
        self.known_view.flags.writeable = False
        # Plans from scratch share one planner bound to the known map for the whole run
        # (the built-in A* family: one search workspace).
        self.plan_once = None
        if not entry.incremental:
            if entry.repeated is not None:
                self.plan_once = entry.repeated(km.cost, m.wastar_weight)
            else:
                view = self.known_view
                self.plan_once = lambda start, goal, least: entry.planner(view, start, goal)
        self.gravity = float(getattr(getattr(world.terrain, "body", None), "gravity_mps2", 3.71))

        self.targets = list(m.waypoints) + [m.goal]
        route = [m.start] + self.targets
        self.straight = m.route_length_m()
        self.leg_lengths = [math.dist(route[i], route[i + 1]) for i in range(len(self.targets))]
        self.t_max = m.time_limit_s(rover.max_speed_mps, rover.accel_mps2)
        self.e_max = float(m.max_energy_wh) if m.max_energy_wh is not None else math.inf
        self.dt = float(m.dt_s)
        self.tan_max_tilt = math.tan(math.radians(rover.max_tilt_deg))
        self.rmin = max(limits.min_turn_radius_m, 1e-9)  # the kernels divide by it
        self.smooth_len = max(self.sensor.range_m, 4.0 * m.sense_every_m) + 2.0 * h

        # The rover at rest on the start, facing the first target; the trace's first row.
        first = self.targets[0]
        heading0 = math.atan2(first[1] - m.start[1], first[0] - m.start[0])
        self.state = np.array([m.start[0], m.start[1], heading0, 0.0, 0.0], dtype=np.float64)
        self.trace = np.empty((1024, len(TRACE_COLUMNS)), dtype=np.float64)
        r0, c0 = self.cell_of(m.start[0], m.start[1])
        g0 = math.hypot(tr.slope_x[r0, c0], tr.slope_y[r0, c0])
        self.trace[0] = (0.0, self.state[0], self.state[1], self.state[2], 0.0, 0.0,
                         math.degrees(math.atan(g0)), 0.0, 0)
        self.n = 1
        self.t = self.energy = self.distance = 0.0
        self.out = np.zeros(4, dtype=np.float64)  # the kernels' (rows, metres, t, energy)
        self.poly = np.empty((16, 2), dtype=np.float64)  # the smoothed route
        self.nv = 0
        self.replan_rows: list[tuple] = []
        self.outcome: str | None = None
        self.reason = ""
        self.leg = 0
        self.reached = 0
        # Where each target was reached (within tolerance): path efficiency compares the
        # distance driven with the straight lines through these points, so it is at most 1.
        self.reached_at = [(float(m.start[0]), float(m.start[1]))]
        self.cells = self.costs = None  # the cells whose known cost the last sensing changed
        self.last_progress = -1.0
        self.best_fraction = 0.0
        # The Sun and its shadows, only for a scenario with a [sun] table (rover.daylight).
        self.daylight = None
        self.shadow_time = 0.0      # [s] the rover's centre spent in a shadowed cell
        self.shadow_rows = 1        # trace rows already counted in shadow_time
        self.power = None           # the battery (rover.power), with a Sun and a battery
        self.waited = 0.0           # [s] spent waiting for light
        if scenario.sun is not None:
            from rover.daylight import Daylight

            body = getattr(getattr(world.terrain, "body", None), "name", scenario.terrain.body)
            self.daylight = Daylight(scenario.sun, body, world.terrain.height, h)
            if rover.battery_wh > 0:
                from rover.power import Power

                self.power = Power(rover)
        # Planning around the dark (stage 5): the known map carries a shadow term over the
        # cells in shadow now or at the next Sun update; their changes reach the planner as
        # sensed cells do.
        self.no_shadow = scenario.sun is not None and not rover.drive_in_shadow
        self.shadow_factor = 1.0 + (scenario.sun.shadow_cost if scenario.sun else 0.0)
        self.overlay = None         # bool (rows, cols): cells under the shadow term
        self.pending = None         # (cells, costs) the term changed, for the next replan
        self.stranded = 0.0         # [s] a no-shadow rover stood in shadow, waiting
        self.shut_out = 0.0         # [s] it waited, lit, for the shadows to open a way
        if self.daylight is not None and (self.no_shadow or self.shadow_factor > 1.0):
            self.daylight.look_ahead = True
            self.overlay = np.zeros(self.shape, dtype=bool)
        self.feed = None if observer is None else _Feed(self)

    # -- the steps of a run, in the order simulate() takes them --------------------------

    def cell_of(self, x, y):
        return cell_index(x, y, self.h, self.shape)

    def check_later_targets(self) -> None:
        """End the run "unreachable" now when the keep-out zones or the map's edge, known
        from the start, wall in a later waypoint or the goal (rather than after driving the
        legs before it)."""
        if self.zones is None or len(self.targets) < 2:
            return
        from rover.planners import astar

        km, targets = self.km, self.targets
        for i in range(1, len(targets)):
            a, b = targets[i - 1], targets[i]
            if astar(km.cost, self.cell_of(*a), self.cell_of(*b)).found:
                continue
            label = "the goal" if i == len(targets) - 1 else f"waypoint {i}"
            what = "the map's edge"
            if self.tr.hazard_keep_out is not None:
                hz = self.tr.hazard_keep_out & np.isinf(self.world.true_cost)
                alone = np.where(hz, np.inf, float(self.mission.unknown_cost))
                what = ("the keep-out zones"
                        if not astar(alone, self.cell_of(*a), self.cell_of(*b)).found
                        else "the keep-out zones and the map's edge")
            if self.tr.nodata_keep_out is not None:
                what += " and the DEM's no-data cells"
            self.end("unreachable", f"no path from waypoint {i - 1} at {_fmt(a)} to {label} at "
                                    f"{_fmt(b)} on the known map: {what} enclose it")
            return

    def sense(self) -> None:
        """Look from the current pose: newly seen cells take their true cost in the known
        map, and ``cells``/``costs`` hold those whose cost changed. With a Sun, first move
        it to the current time (:meth:`daylight`)."""
        if self.daylight is not None:
            self.sunlight()
        if self.feed is not None:
            self.cells, self.costs = self.feed.sense()
        else:
            s = self.state
            self.cells, self.costs = self.km.sense(s[0], s[1], s[2], self.sensor)
        if self.overlay is not None:
            self.shade_sensed()

    def sunlight(self) -> None:
        """Since the last call, under the Sun and shadows of then: charge and draw the
        battery (a step it cannot supply ends the run "battery" at the row before), and count
        the time the rover's centre spent in shadow; then move the Sun to the current time
        when its update is due."""
        lo, hi = self.shadow_rows, self.n
        day = self.daylight
        if hi > lo and day.mask is not None:
            if self.power is not None:
                k = self.power.account(self.trace, lo, hi, day.mask, day.state, self.h)
                if k is not None:
                    self.cut(k)
                    hi = k
                    when = ("" if day.state.local_time_h is None else
                            f"local solar time {_clock(day.state.local_time_h)}, ")
                    self.end("battery", f"the battery ran empty at t = {self.t:.0f} s at "
                                        f"{self._here()} ({when}Sun at "
                                        f"{day.state.elevation_deg:.1f} deg)")
            rows = self.trace[lo - 1:hi]
            rr = np.clip(np.floor(rows[1:, 2] / self.h).astype(np.int64), 0, self.shape[0] - 1)
            cc = np.clip(np.floor(rows[1:, 1] / self.h).astype(np.int64), 0, self.shape[1] - 1)
            dt = np.diff(rows[:, 0])
            self.shadow_time += float(dt[day.mask[rr, cc]].sum())
        self.shadow_rows = hi
        if self.outcome != "battery" and day.update(self.t) and self.overlay is not None:
            self.recost()

    def cut(self, k: int) -> None:
        """Take back the trace from row ``k`` on (the battery could not supply its step): the
        rover stands where row ``k - 1`` left it, at its time and drive energy, and the
        distance loses the length of the rows taken back."""
        rows = self.trace[k - 1:self.n]
        self.distance -= float(np.hypot(np.diff(rows[:, 1]), np.diff(rows[:, 2])).sum())
        last = self.trace[k - 1]
        self.n = k
        self.state[0], self.state[1], self.state[2] = last[1], last[2], last[3]
        self.state[3] = self.state[4] = 0.0
        self.t, self.energy = float(last[0]), float(last[7])

    def rest(self) -> None:
        """With ``[sun].wait_for_light``: when the battery is below ``wait_below_fraction``,
        stand still, charging when lit, one Sun update at a time, until it holds
        ``resume_fraction`` (or it runs empty, or the time is up); a rover that may not drive
        in shadow first leaves a cell the next shadows cover (:meth:`shelter`)."""
        p, sun = self.power, self.scenario.sun
        if p is None or not sun.wait_for_light or p.level >= sun.wait_below_fraction * p.capacity:
            return
        period = float(sun.update_every_s)
        while self.outcome is None and p.level < sun.resume_fraction * p.capacity:
            self.shelter()
            if self.outcome is not None:
                break
            t_next = (math.floor(self.t / period) + 1.0) * period
            if t_next > self.t_max:
                self.end("timeout", f"simulated time limit of {self.t_max:g} s reached while "
                                    f"waiting for light at {self._here()}")
                return
            self.waited += t_next - self.t
            self._stand_until(t_next)
            self.sunlight()
        if self.overlay is not None:
            # the shadows' changes while waiting go to the next replan, after sensing's
            self.flush_pending(newer=True)

    def _base_cost(self, flat: np.ndarray) -> np.ndarray:
        """Known costs of cells ``flat`` without the shadow term: the true cost where seen,
        else inf for a keep-out zone known from the start, else the unknown cost."""
        km = self.km
        seen = km.seen.reshape(-1)[flat] != 0
        out = np.where(seen, km.true_cost.reshape(-1)[flat], float(self.mission.unknown_cost))
        if self.zones is not None:
            out = np.where(~seen & self.zones.reshape(-1)[flat], np.inf, out)
        return out

    def _shaded(self, base: np.ndarray) -> np.ndarray:
        return np.full(base.shape, np.inf) if self.no_shadow else base * self.shadow_factor

    def recost(self) -> None:
        """After a Sun update: put the shadow term on the cells in shadow now or at the next
        update (the rover's own cell excepted, so that it can plan from it), take it off the
        others, and keep the changed cells for the next replan, as sensing does."""
        new = self.daylight.ahead.copy()
        r, c = self.cell_of(self.state[0], self.state[1])
        new[r, c] = False
        flat = np.flatnonzero((new != self.overlay).reshape(-1))
        self.overlay = new
        if flat.size == 0:
            return
        base = self._base_cost(flat)
        cost = np.where(new.reshape(-1)[flat], self._shaded(base), base)
        self.km.cost.reshape(-1)[flat] = cost
        cells = np.column_stack([flat // self.shape[1], flat % self.shape[1]]).astype(np.int64)
        if self.pending is not None:
            keep = ~np.isin(self.pending[0][:, 0] * self.shape[1] + self.pending[0][:, 1], flat)
            cells = np.concatenate([self.pending[0][keep], cells])
            cost = np.concatenate([self.pending[1][keep], cost])
        self.pending = (cells, cost)

    def _merge(self, cells, costs, more_cells, more_costs):
        """Cell edits ``cells``/``costs`` followed by ``more_*``: each cell once, the later
        value winning (the planners trusted with sensing's edits want distinct cells)."""
        if not len(cells):
            return more_cells, more_costs
        if not len(more_cells):
            return cells, costs
        cols = self.shape[1]
        keep = ~np.isin(cells[:, 0] * cols + cells[:, 1],
                        more_cells[:, 0] * cols + more_cells[:, 1])
        return (np.concatenate([cells[keep], more_cells]),
                np.concatenate([costs[keep], more_costs]))

    def shade_sensed(self) -> None:
        """Sensing wrote true costs: put the shadow term back on the sensed cells under it,
        and add the term's own changes since the last replan."""
        cells, costs = self.cells, self.costs
        if len(cells):
            flat = cells[:, 0] * self.shape[1] + cells[:, 1]
            under = self.overlay.reshape(-1)[flat]
            if under.any():
                costs = costs.copy()
                costs[under] = self._shaded(costs[under])
                self.km.cost.reshape(-1)[flat[under]] = costs[under]
        self.cells, self.costs = cells, costs
        self.flush_pending(newer=False)

    def flush_pending(self, *, newer: bool) -> None:
        """Add the shadow term's changes kept since the last replan to the edits for the
        next replan; ``newer``: they were made after those edits (and win over them), else
        before (sensing's values, written later, win)."""
        if self.pending is not None:
            (pc, pv), self.pending = self.pending, None
            if newer:
                self.cells, self.costs = self._merge(self.cells, self.costs, pc, pv)
            else:
                self.cells, self.costs = self._merge(pc, pv, self.cells, self.costs)

    def hold(self) -> bool:
        """A rover that may not drive in shadow, standing in a cell in shadow under the Sun
        in force, stands still until the next Sun update (the time counted as stranded);
        returns True when it waited."""
        if not self.no_shadow or self.outcome is not None:
            return False
        r, c = self.cell_of(self.state[0], self.state[1])
        if not self.daylight.mask[r, c]:
            return False
        self.stranded += self.idle_to_next_update("in shadow")
        return True

    def shelter(self) -> None:
        """A rover that may not drive in shadow, about to stand still until the next Sun
        update (waiting for light, or for the shadows to open a way), must not let a moving
        shadow overtake it. When the shadows of the updates of the coming
        :data:`_SHELTER_HORIZON_S` (as many as :data:`_SHELTER_BYTES` holds) cover its cell,
        it first drives to the cell within :data:`_SHELTER_CELLS` cells that stays lit
        longest (the nearest, by the known map's costs, of those), over cells lit now and at
        the next update, while such a way is still open: waiting for the last moment, it
        would find the lit ground around it shrunk to its own cell.
        Sensing's changes on the way are kept for the next replan. With nowhere better in
        reach, it stands where it is (and :meth:`hold` counts the time it then spends in
        shadow as stranded)."""
        day = self.daylight
        if not self.no_shadow or day is None or day.ahead is None or self.scenario.sun.fixed:
            return  # (a fixed Sun's shadows do not move)
        from rover.planners import astar, dijkstra

        rows, cols = self.shape
        h, R = self.h, _SHELTER_CELLS
        k = max(1, min(int(_SHELTER_BYTES // (rows * cols)),
                       math.ceil(_SHELTER_HORIZON_S / float(self.scenario.sun.update_every_s))))
        for _ in range(_SHELTER_TRIES):
            r, c = self.cell_of(self.state[0], self.state[1])
            if self.outcome is not None or day.mask[r, c]:
                return  # in shadow already: it may not drive
            r0, c0, r1, c1 = (max(r - R, 0), max(c - R, 0), min(r + R + 1, rows),
                              min(c + R + 1, cols))
            # lit[j]: lit at the j-th update to come; lit_for: updates a cell stays lit
            lit = ~np.stack([m[r0:r1, c0:c1] for m in day.future(k)])
            lit_for = np.where(lit.all(axis=0), k, np.argmin(lit, axis=0))
            own = lit_for[r - r0, c - c0]
            if own == k:
                return  # its cell stays lit over the horizon
            dark = day.ahead[r0:r1, c0:c1]
            win = np.where(dark, np.inf, self.km.cost[r0:r1, c0:c1])
            win[r - r0, c - c0] = self._base_cost(np.array([r * cols + c]))[0]
            if not math.isfinite(win[r - r0, c - c0]):
                return
            reach = dijkstra(win, (r - r0, c - c0))
            fit = np.isfinite(reach) & ~dark & (self.km.seen[r0:r1, c0:c1] != 0)
            best = int(lit_for[fit].max()) if fit.any() else -1
            if best <= own:
                return  # nowhere in reach stays lit longer
            near = np.where(fit & (lit_for == best), reach, np.inf)
            goal = divmod(int(np.argmin(near)), c1 - c0)
            plan = astar(win, (r - r0, c - c0), goal)
            path = np.ascontiguousarray(plan.path, dtype=np.int64) + np.array([r0, c0])
            tx, ty = (path[-1, 1] + 0.5) * h, (path[-1, 0] + 0.5) * h
            # every cell a vertex: no shortcut leaves the lit cells the search kept to
            self.through(path.astype(np.float64), (tx, ty))
            if self.feed is not None:
                self.feed.emit("replan", path, self.poly[:self.nv])
            status = self.follow(tx, ty, tol=0.25 * h)
            if self.feed is not None:
                self.feed.emit("drive")
            if status in (_drive.TIMEOUT, _drive.ENERGY):
                what = "time limit of" if status == _drive.TIMEOUT else "energy budget of"
                limit = f"{self.t_max:g} s" if status == _drive.TIMEOUT else f"{self.e_max:g} Wh"
                self.end("timeout" if status == _drive.TIMEOUT else "energy",
                         f"simulated {what} {limit} reached while the rover drove out of the "
                         f"coming shadows at {self._here()}")
                return
            cells, costs = self.cells, self.costs
            self.sense()
            self.cells, self.costs = self._merge(cells, costs, self.cells, self.costs)

    def _stand_until(self, t_next: float) -> None:
        """Stand still until ``t_next`` [s]: one trace row there, speeds zero (waiting for
        light, or for the next Sun update)."""
        if self.n + 1 >= self.trace.shape[0]:
            self._grow()
        row = self.trace[self.n - 1].copy()
        row[0], row[4], row[5] = t_next, 0.0, 0.0
        self.trace[self.n] = row
        self.n += 1
        self.state[3] = self.state[4] = 0.0
        self.t = t_next

    def idle_to_next_update(self, why: str) -> float:
        """Stand still until the next Sun update (one idle row), then sense the Sun; a rover
        that may not drive in shadow first leaves a cell the coming shadows cover
        (:meth:`shelter`). Returns the time stood [s]."""
        self.shelter()
        if self.outcome is not None:
            return 0.0
        period = float(self.scenario.sun.update_every_s)
        t_next = (math.floor(self.t / period) + 1.0) * period
        if t_next > self.t_max:
            self.end("timeout", f"simulated time limit of {self.t_max:g} s reached while the "
                                f"rover waited at {self._here()} {why}")
            return 0.0
        t0 = self.t
        self._stand_until(t_next)
        # the edits not yet given to the planner are kept, with the new ones after them
        cells, costs = self.cells, self.costs
        self.sense()
        self.cells, self.costs = self._merge(cells, costs, self.cells, self.costs)
        return self.t - t0  # after sense(): a battery that ran empty took the row back

    def within_tolerance(self) -> bool:
        """True when the current leg's target is within the goal tolerance."""
        tx, ty = self.targets[self.leg]
        return math.hypot(tx - self.state[0], ty - self.state[1]) <= self.mission.goal_tolerance_m

    def target_reached(self) -> None:
        self.reached += 1
        self.leg += 1
        self.reached_at.append((float(self.state[0]), float(self.state[1])))

    def begin_leg(self) -> _Leg:
        tx, ty = target = self.targets[self.leg]
        label = "the goal" if self.leg == len(self.targets) - 1 else f"waypoint {self.leg}"
        return _Leg(target=target, label=label, cell=self.cell_of(tx, ty))

    def replan(self, leg: _Leg):
        """Tell the leg's planner what sensing changed and where the rover is, plan to the
        target on the known map, check the plan (the trust boundary:
        :func:`rover.planners.check_plan`) and log the replan; returns the
        :class:`~rover.planners.Plan`, or None when the planner raised or its plan failed
        the check, which ends the run "planner_error" with the reason."""
        cur = self.cell_of(self.state[0], self.state[1])
        number = len(self.replan_rows) + 1
        tp = time.perf_counter()
        try:
            if leg.replanner is None:
                # A new planner starts from the known map, which already holds what was
                # sensed.
                leg.replanner = _Replanner(self.name, self.mission.wastar_weight,
                                           self.known_view, cur, leg.cell, self.plan_once,
                                           lambda: self.km.least_cost, self.entry)
                plan = leg.replanner.plan(cur, self.cells[:0], self.costs[:0])
            else:
                plan = leg.replanner.plan(cur, self.cells, self.costs)
        except Exception as exc:  # a plugin's mistake ends the run, with what it said
            what = f"{type(exc).__name__}: {exc}".splitlines()[0]
            self.end("planner_error", f"planner {self.name!r} raised at replan {number}: "
                                      f"{what}")
            return None
        planner_ms = (time.perf_counter() - tp) * 1000.0
        from rover.planners import check_plan

        problem = check_plan(self.km.cost, plan, cur, leg.cell)
        if problem is not None:
            self.end("planner_error", f"planner {self.name!r} failed at replan {number}: "
                                      f"{problem}")
            return None
        self.replan_rows.append((self.t, planner_ms, int(plan.expanded), len(self.cells),
                                 float(plan.cost), cur[0], cur[1], self.leg))
        return plan

    def no_path(self, leg: _Leg) -> None:
        """End the run: the known map has no path to the target, so there is none. For a
        rover that may not drive in shadow, when the shadows alone close the way, it waits
        for the next Sun update instead (the caller then plans the leg again)."""
        if (self.no_shadow and self.overlay is not None and self.overlay.any()
                and not self.scenario.sun.fixed):  # a fixed Sun's shadows never open a way
            from rover.planners import astar

            flat = np.flatnonzero(self.overlay.reshape(-1))
            base = self.km.cost.copy()
            base.reshape(-1)[flat] = self._base_cost(flat)
            cur = self.cell_of(self.state[0], self.state[1])
            if astar(base, cur, leg.cell).found:
                self.shut_out += self.idle_to_next_update(
                    f"for the shadows to open a way to {leg.label}")
                return
        if self.feed is not None:
            self.feed.emit("replan", np.empty((0, 2), np.int64), np.empty((0, 2)))
        what = (f"the ground seen so far ({int(self.km.seen.sum())} cells)"
                + (" and the keep-out zones" if self.tr.hazard_keep_out is not None else "")
                + (" and the DEM's no-data cells" if self.tr.nodata_keep_out is not None else ""))
        self.end("unreachable", f"no path from {self._here()} to {leg.label} at "
                                f"{_fmt(leg.target)} on the known map: {what} enclose it with "
                                "impassable cells")

    def drive(self, leg: _Leg, plan) -> int:
        """Smooth the plan into a route and drive it until the next sensing point, the
        target or a limit; returns the drive kernel's status (:mod:`rover._drive`)."""
        path = np.ascontiguousarray(plan.path, dtype=np.int64)
        points = plan.points
        if points.shape == path.shape and np.array_equal(points, path):
            self.smooth(path, leg.target)  # a grid plan: shortcut by line of sight
        else:
            self.through(points, leg.target)  # an any-angle plan: its own vertices
        if self.feed is not None:
            self.feed.emit("replan", path, self.poly[:self.nv])
        status = self.follow(float(leg.target[0]), float(leg.target[1]))
        if self.feed is not None:
            self.feed.emit("drive")
        self.report()
        return status

    def smooth(self, path: np.ndarray, target) -> None:
        """The route ``poly[:nv]`` (x, y) [m] from the rover along the plan's cells ``path``
        ((N, 2) int64) to the target (x, y) [m], shortcut by line of sight."""
        if self.poly.shape[0] < len(path) + 2:
            self.poly = np.empty((len(path) + 64, 2), dtype=np.float64)
        km, s = self.km, self.state
        self.nv = _drive._smooth(path, len(path), s[0], s[1], float(target[0]),
                                 float(target[1]), km.cost, km.seen, self.h, self.smooth_len,
                                 self.poly)

    def through(self, points: np.ndarray, target) -> None:
        """The route ``poly[:nv]`` (x, y) [m] from the rover through an any-angle plan's
        vertices ``points`` ((N, 2) (row, col) in cell units, cell centres at integers; the
        first is the rover's cell) to the target (x, y) [m], which lies in the last cell."""
        n = len(points)
        if self.poly.shape[0] < n + 2:
            self.poly = np.empty((n + 64, 2), dtype=np.float64)
        h = self.h
        x, y = self.state[0], self.state[1]
        self.poly[0] = x, y
        self.poly[1:n, 0] = (points[1:, 1] + 0.5) * h
        self.poly[1:n, 1] = (points[1:, 0] + 0.5) * h
        nv = max(n, 1)
        if self.anywhere is None:
            self.anywhere = np.ones_like(self.km.seen)
        if n > 1 and not _drive._segment_ok(x, y, self.poly[1, 0], self.poly[1, 1], self.km.cost,
                                            self.anywhere, h, np.inf):
            # The planner checked its first segment from the centre of the rover's cell; from
            # where the rover stands, off centre, the segment may graze a cell known to be
            # blocked, which the drive's guard refuses: the rover would stop there, replan
            # the same plan and end "stuck" (5 of theta_star's 200 planners-jezero runs did).
            # Go by the centre (the same cell, drivable) instead. Unseen cells count as
            # drivable here, as they do for the planner: the guard sees them as it goes.
            self.poly[2:n + 1] = self.poly[1:n].copy()
            self.poly[1] = (points[0, 1] + 0.5) * h, (points[0, 0] + 0.5) * h
            nv += 1
        tx, ty = float(target[0]), float(target[1])
        if math.hypot(self.poly[nv - 1, 0] - tx, self.poly[nv - 1, 1] - ty) > 1e-12:
            if nv > 1:
                self.poly[nv - 1] = tx, ty  # the goal cell's centre: the target in it
            else:
                self.poly[nv] = tx, ty
                nv += 1
        self.nv = nv

    def follow(self, tx: float, ty: float, tol: float | None = None) -> int:
        """Follow the smoothed route ``poly[:nv]`` toward the target (tx, ty) [m], until
        within ``tol`` [m] of it (default: the mission's goal tolerance), with the drive
        kernel, growing the trace buffer as it fills; returns the kernel's status."""
        km, tr, lim, rover, s = self.km, self.tr, self.limits, self.rover, self.state
        tol = self.mission.goal_tolerance_m if tol is None else tol
        while True:
            steps = _MAX_STEPS_PER_CALL
            if self.no_shadow and math.isfinite(self.daylight.next_update):
                # a rover that may not drive in shadow stops to sense at the next Sun update:
                # its route kept to the cells lit until then, and what follows is the next
                # look-ahead's
                steps = max(1, min(steps, math.ceil((self.daylight.next_update - self.t)
                                                    / self.dt)))
            status = _drive._drive(
                s, self.t, self.energy, self.leg, self.poly, self.nv, km.cost, km.seen,
                tr.slope_x, tr.slope_y, self.h, lim.max_speed_mps, lim.accel_mps2,
                lim.max_yaw_rate_rad_s, lim.turn_in_place, self.rmin, self.tan_max_tilt,
                _ALIGN_TOL_RAD, self.dt, self.mission.sense_every_m, steps,
                tx, ty, tol, self.t_max, self.e_max, rover.mass_kg,
                self.gravity, rover.rolling_resistance, rover.drive_power_w, _EFFICIENCY,
                self.trace, self.n, self.out)
            self._advance()
            if status != _drive.FULL:
                return status
            self._grow()

    def recover(self, leg: _Leg, status: int) -> None:
        """After a drive that stopped short of the target: a rover that stopped without
        moving and sees nothing new backs up when it cannot turn in place, else waits a step
        and counts the stop; enough stops end the run "stuck"."""
        stopped = (status in (_drive.BLOCKED, _drive.PATH_END) and self.out[1] == 0
                   and len(self.cells) == 0)
        if (stopped and not self.limits.turn_in_place and leg.reversals < _MAX_REVERSALS
                and not leg.gave_up):
            if self.back_up(leg):
                return
        if stopped:
            self.wait(leg)
        else:
            leg.stuck = 0

    def back_up(self, leg: _Leg) -> bool:
        """Back up, swinging the nose toward the plan, as a driver would (no forward arc
        leads on); True when the rover moved (it has sensed again) or hit a limit."""
        s, h = self.state, self.h
        # A back-up that starts where the last one did has not got the rover out (it drove
        # back into the same pocket): back up twice as far, up to 4x.
        pose = (float(s[0]), float(s[1]), float(s[2]))
        again = (leg.last_backup is not None
                 and math.dist(pose[:2], leg.last_backup[:2]) < 0.25 * h
                 and abs(math.remainder(pose[2] - leg.last_backup[2], math.tau)) < 0.1)
        leg.scale = min(2.0 * leg.scale, 4.0) if again else 1.0
        leg.last_backup = pose
        lim, rover, km, tr = self.limits, self.rover, self.km, self.tr
        need = self.n + _drive.reverse_steps(self.rmin, lim.max_speed_mps, lim.accel_mps2,
                                             self.dt, leg.scale)
        while need >= self.trace.shape[0]:
            self._grow()
        # Swing the nose toward where the plan leads: its first vertex two turn radii away
        # (or its end), not the leg's target, which may lie behind the obstacle the plan
        # goes around.
        poly, nv = self.poly, self.nv
        far = np.hypot(poly[:nv, 0] - s[0], poly[:nv, 1] - s[1]) >= 2 * self.rmin
        aim = poly[int(np.argmax(far))] if far.any() else poly[nv - 1]
        status = _drive._reverse(
            s, self.t, self.energy, self.leg, float(aim[0]), float(aim[1]), leg.scale,
            km.cost, km.seen, tr.slope_x, tr.slope_y, h, lim.max_speed_mps, lim.accel_mps2,
            lim.max_yaw_rate_rad_s, self.rmin, self.tan_max_tilt, self.dt, self.t_max,
            self.e_max, rover.mass_kg, self.gravity, rover.rolling_resistance,
            rover.drive_power_w, _EFFICIENCY, self.trace, self.n, self.out)
        self._advance()
        if self.feed is not None and self.out[0]:
            self.feed.emit("drive")
        if status in (_drive.TIMEOUT, _drive.ENERGY):
            self.limit_hit(leg, status)
            return True
        if self.out[1] > 0:
            leg.reversals += 1
            # Asked to go farther from the same pose, it got no farther: the room behind is
            # used up, and repeating it would change nothing.
            leg.gave_up = again and self.out[1] <= 1.05 * leg.last_backup_m
            leg.last_backup_m = self.out[1]
            leg.stuck = 0
            self.sense()
            return True
        leg.boxed_in = leg.gave_up = True  # no room behind either: backing up cannot help
        return False

    def wait(self, leg: _Leg) -> None:
        """Stand still for one time step (so a stuck rover always ends, at the time limit at
        worst: a step past it is not taken, and the next drive reports the timeout), and end
        the run "stuck" after :data:`_STUCK_LIMIT` stops in a row."""
        leg.stuck += 1
        if self.n + 1 >= self.trace.shape[0]:
            self._grow()
        _drive._idle(self.state, self.t, self.energy, self.leg, self.tr.slope_x,
                     self.tr.slope_y, self.h, self.dt, self.t_max, self.trace, self.n, self.out)
        self._advance()
        if leg.stuck < _STUCK_LIMIT:
            return
        if not self.limits.turn_in_place:
            # Stopped, nothing new to see, it cannot turn on the spot and backing up has not
            # helped: no motion it has is left, so this is final.
            tried = ("and it has no room to back up" if leg.boxed_in else
                     f"and backing up {leg.reversals} time"
                     f"{'' if leg.reversals == 1 else 's'} did not help")
            self.end("stuck", f"the rover cannot turn in place and is stopped at {self._here()} "
                              f"heading {math.degrees(self.state[2]):.0f} deg: no forward arc of "
                              f"its {self.limits.min_turn_radius_m:g} m minimum turn radius "
                              f"leads on toward {leg.label} at {_fmt(leg.target)} over the "
                              f"ground seen so far, " + tried)
        else:
            self.end("stuck", f"the rover made no progress toward {leg.label} at "
                              f"{_fmt(leg.target)} for {leg.stuck} replans (stopped at "
                              f"{self._here()})")

    def limit_hit(self, leg: _Leg, code: int) -> None:
        """End the run at the time or energy limit, on the way to the leg's target."""
        if code == _drive.TIMEOUT:
            self.end("timeout", f"simulated time limit of {self.t_max:g} s reached before "
                                f"{leg.label} at {_fmt(leg.target)}")
        else:
            self.end("energy", f"energy budget of {self.e_max:g} Wh used before {leg.label} at "
                               f"{_fmt(leg.target)}")

    def finish(self) -> None:
        """End the run "reached" unless it has already ended otherwise."""
        if self.outcome is None:
            m = self.mission
            reason = f"reached the goal {_fmt(m.goal)} within {m.goal_tolerance_m:g} m"
            if m.waypoints:
                reason += f" after {len(m.waypoints)} waypoint(s)"
            self.end("reached", reason)

    def end(self, outcome: str, reason: str) -> None:
        self.outcome, self.reason = outcome, reason

    # -- bookkeeping -------------------------------------------------------------------------

    def _advance(self) -> None:
        """Take the figures of a drive kernel's call from ``out``: trace rows written,
        metres driven, and the new time and energy totals."""
        self.n += int(self.out[0])
        self.distance += self.out[1]
        self.t = self.out[2]
        self.energy = self.out[3]

    def _grow(self) -> None:
        self.trace = np.concatenate([self.trace, np.empty_like(self.trace)])

    def _here(self) -> str:
        return _fmt((round(self.state[0], 2), round(self.state[1], 2)))

    def report(self, force: bool = False) -> None:
        """Tell the progress callback how much of the route is done (at most every
        :data:`_PROGRESS_EVERY_S` of wall time unless ``force``)."""
        if self.progress is None:
            return
        now = time.perf_counter()
        if not force and now - self.last_progress < _PROGRESS_EVERY_S:
            return
        self.last_progress = now
        done = sum(self.leg_lengths[:self.leg])
        if self.leg < len(self.targets):
            tx, ty = self.targets[self.leg]
            done += max(self.leg_lengths[self.leg] - math.hypot(tx - self.state[0],
                                                                ty - self.state[1]), 0.0)
        straight = self.straight
        frac = min(max(done / straight, 0.0), 1.0) if straight > 0 else 1.0
        self.best_fraction = max(self.best_fraction, frac)
        self.progress(self.best_fraction, {"t_s": self.t, "distance_m": self.distance,
                                           "replans": len(self.replan_rows), "leg": self.leg})

    def result(self, wall0: float) -> RunResult:
        """The run's :class:`RunResult` (after a last progress report)."""
        if self.outcome != "interrupted":
            try:
                self.report(force=True)
            except KeyboardInterrupt:
                self.end("interrupted", "interrupted by the user")
        if self.daylight is not None and self.outcome != "interrupted":
            self.sunlight()  # the last stretch: the battery may run empty on it
        wall = time.perf_counter() - wall0
        n, t, world = self.n, self.t, self.world
        tr_arr = self.trace[:n]
        trace_cols = {c: tr_arr[:, i].copy() for i, c in enumerate(TRACE_COLUMNS)}
        trace_cols["leg"] = trace_cols["leg"].astype(np.int64)
        rep = np.array(self.replan_rows, dtype=np.float64).reshape(-1, len(REPLAN_COLUMNS))
        replans = {c: rep[:, i].copy() for i, c in enumerate(REPLAN_COLUMNS)}
        for c in ("expanded", "changed_cells", "row", "col", "leg"):
            replans[c] = replans[c].astype(np.int64)
        min_clear = None
        if world.obstacle_distance is not None and n:
            rows, cols = self.shape
            rr = np.clip(np.floor(tr_arr[:, 2] / self.h).astype(np.int64), 0, rows - 1)
            cc = np.clip(np.floor(tr_arr[:, 1] / self.h).astype(np.int64), 0, cols - 1)
            min_clear = round(float(world.obstacle_distance[rr, cc].min()), 4)
        ms = replans["planner_ms"]
        chord = polyline_length(self.reached_at)
        distance, m = self.distance, self.mission
        summary = {
            "outcome": self.outcome,
            "reason": self.reason,
            "distance_m": round(float(distance), 4),
            "straight_line_m": round(self.straight, 4),
            "path_efficiency": (round(float(min(1.0, chord / distance)), 4)
                                if self.outcome == "reached" and distance > 0 else None),
            "sim_time_s": round(float(t), 3),
            "wall_time_s": round(wall, 4),
            "speedup": round(float(t / wall), 1) if wall > 0 else None,
            "replans": int(len(ms)),
            "planner_time_s": round(float(ms.sum()) / 1000.0, 4),
            "planner_median_ms": round(float(np.median(ms)), 4) if len(ms) else None,
            "expanded": int(replans["expanded"].sum()),
            "energy_wh": round(float(self.energy), 4),
            "max_tilt_deg": round(float(trace_cols["tilt_deg"].max()), 3) if n else None,
            "min_clearance_m": min_clear,
            "planner": self.name,
            "seed": self.run_seed,
            "scenario": self.scenario.name,
            "rover": self.rover.name,
            "waypoints_reached": min(self.reached, len(m.waypoints)),
            "time_limit_s": round(self.t_max, 3),
            "cells_seen": int(self.km.seen.sum()),
        }
        terrain = world.terrain
        if getattr(terrain, "nodata", None) is not None:
            nd = terrain.nodata
            summary["nodata_cells"] = int(nd.sum())
            if summary["nodata_cells"]:
                # Where: the extent [m] of the cells the DEM holds no data for.
                rr = np.flatnonzero(nd.any(axis=1))
                cc = np.flatnonzero(nd.any(axis=0))
                h = world.cell_size
                summary["nodata_extent_m"] = [float(cc[0] * h), float(rr[0] * h),
                                              float((cc[-1] + 1) * h), float((rr[-1] + 1) * h)]
        georef = getattr(terrain, "georef", None)
        if georef is not None:
            # Where the run was on its body: the trace and the summary in degrees too.
            lat, lon = georef.latlon(trace_cols["x_m"], trace_cols["y_m"])
            trace_cols["lat_deg"], trace_cols["lon_deg"] = lat, lon
            ends = {"start": m.start, "goal": m.goal,
                    "end": (float(trace_cols["x_m"][-1]), float(trace_cols["y_m"][-1]))}
            for k, (x, y) in ends.items():
                la, lo = georef.latlon(x, y)
                summary[f"{k}_lat_deg"] = round(float(la), 7)
                summary[f"{k}_lon_deg"] = round(float(lo), 7)
            summary["crs"] = georef.crs
            summary["body"] = getattr(getattr(terrain, "body", None), "name", georef.body)
        if self.daylight is not None:
            summary["sun"] = self.daylight.summary(self.shadow_time)
            summary["sun"]["stranded_in_shadow_s"] = round(float(self.stranded), 3)
            summary["sun"]["waited_for_shadows_s"] = round(float(self.shut_out), 3)
            if self.power is not None:
                summary["power"] = self.power.summary(self.waited)
                trace_cols["battery_wh"] = self.power.levels[:self.n].copy()
                trace_cols["solar_w"] = self.power.solar[:self.n].copy()
        if self.feed is not None:
            self.feed.emit("end", summary=summary)
        return RunResult(summary=summary, trace=trace_cols, replans=replans,
                         # The run is over: its known map is the result's, not copied.
                         true_cost=world.true_cost, known_cost=self.km.cost,
                         terrain=world.terrain, world=world)


class _Feed:
    """An observer's view of a :class:`_Run`: incremental, read-only :class:`Snapshot` objects
    (the new trace rows and newly seen cells since the last one)."""

    def __init__(self, run: _Run):
        self.run = run
        self.pending_seen: list[np.ndarray] = []
        self.emitted = {"n": 0, "replans": 0, "planner_ms": 0.0, "expanded": 0, "seen": 0}
        self.reach = int(math.ceil(max(run.sensor.range_m, run.sensor.near_m) / run.h)) + 2

    def sense(self):
        """Sense as the run does, and keep the cells first seen: the kernel reports the
        cells whose cost changed, the viewer needs every newly seen one, so the seen mask
        is compared over the window the sensor can reach."""
        run = self.run
        s, seen = run.state, run.km.seen
        rows, cols = run.shape
        rc, cc = run.cell_of(s[0], s[1])
        k = self.reach
        r0, r1 = max(rc - k, 0), min(rc + k + 1, rows)
        c0, c1 = max(cc - k, 0), min(cc + k + 1, cols)
        before = seen[r0:r1, c0:c1].copy()
        got = run.km.sense(s[0], s[1], s[2], run.sensor)
        new = np.argwhere(seen[r0:r1, c0:c1] > before).astype(np.int32)
        new += np.array([r0, c0], dtype=np.int32)
        self.pending_seen.append(new)
        return got

    def emit(self, kind, plan_cells=None, route=None, summary=None):
        from types import MappingProxyType

        run, emitted = self.run, self.emitted
        for row in run.replan_rows[emitted["replans"]:]:
            emitted["planner_ms"] += row[1]
            emitted["expanded"] += row[2]
        emitted["replans"] = len(run.replan_rows)
        seen = (np.concatenate(self.pending_seen) if self.pending_seen
                else np.empty((0, 2), np.int32))
        self.pending_seen.clear()
        emitted["seen"] += len(seen)
        rows_new = run.trace[emitted["n"]:run.n]
        emitted["n"] = run.n
        figures = MappingProxyType({
            "distance_m": float(run.distance), "energy_wh": float(run.energy),
            "replans": len(run.replan_rows), "planner_time_s": emitted["planner_ms"] / 1000.0,
            "expanded": int(emitted["expanded"]),
            "waypoints_reached": min(run.reached, len(run.mission.waypoints)),
            "cells_seen": int(emitted["seen"]),
            **({} if run.power is None else {"battery_wh": float(run.power.level),
                                              "battery_capacity_wh": run.power.capacity}),
        })
        s = run.state
        run.observer(Snapshot(
            kind=kind, t_s=float(run.t), pose=(float(s[0]), float(s[1]), float(s[2])),
            leg=int(run.leg), trace=_frozen(rows_new), trace_end=int(run.n), seen=_frozen(seen),
            plan=None if plan_cells is None else _frozen(plan_cells),
            route=None if route is None else _frozen(route),
            replan=tuple(run.replan_rows[-1]) if kind == "replan" else None,
            figures=figures,
            summary=None if summary is None else MappingProxyType(dict(summary)),
            sun=None if run.daylight is None else run.daylight.snapshot(),
        ))
