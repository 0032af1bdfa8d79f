"""What a worker does: one case (terrain and route built once), every planner on it, one row
per run. Plain Python around :func:`rover.simulate`; nothing here imports Dask, so the same
function runs in-process, on a local worker or on a cluster's.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import time

import numpy as np

from rover.scenario import Scenario, ScenarioError, build_terrain

__all__ = ["run_case", "error_row", "routed_scenario", "draw_route", "RouteError", "SUMMARY_COLUMNS",
           "ROUTE_COLUMNS"]

ROUTE_STREAM = (0x5357, 1)
"""Spawn key of the routes' random stream: ``SeedSequence(seed, spawn_key=ROUTE_STREAM)``,
apart from the terrain's streams (spawn keys (0,), (1,), ...), so a route never disturbs the
terrain drawn from the same seed."""

ROUTE_DRAWS = 200
"""Starts tried before a case gives up on drawing a route."""

ROUTE_COLUMNS = ("start_x_m", "start_y_m", "goal_x_m", "goal_y_m")

SUMMARY_COLUMNS = (
    "outcome", "reason", "distance_m", "straight_line_m", "path_efficiency", "sim_time_s",
    "replans", "planner_time_s", "planner_median_ms", "expanded", "energy_wh", "max_tilt_deg",
    "min_clearance_m", "rover", "waypoints_reached", "time_limit_s", "cells_seen",
    "wall_time_s", "speedup",
)
"""The run's summary fields a row carries (:class:`rover.RunResult`), in order. The clock's
figures (``planner_time_s``, ``planner_median_ms``, ``wall_time_s``, ``speedup``) vary from
machine to machine; every other column is the same, bit for bit, wherever the run happens."""


class RouteError(ValueError):
    """No route of the asked length could be drawn on the case's passable ground."""


def draw_route(cost: np.ndarray, cell_size: float, seed: int, min_m: float, max_m: float,
               hazards=()) -> tuple[tuple[float, float], tuple[float, float]]:
    """A start and a goal on passable ground, ``min_m`` to ``max_m`` metres apart (straight
    line between cell centres), the goal reachable from the start on ``cost``.

    Parameters
    ----------
    cost : (rows, cols) float64
        The true cost grid (``inf`` impassable); row 0 is the southern edge.
    cell_size : float
        Cell edge [m].
    seed : int
        The case's seed; the draw uses its own stream (:data:`ROUTE_STREAM`).
    min_m, max_m : float
        Straight-line distance bounds [m].
    hazards : iterable of shapely geometries
        Keep-out zones neither end may lie in.

    Returns
    -------
    ((x, y), (x, y))
        Start and goal, cell centres in metres (x east, y north).

    Raises
    ------
    RouteError
        After :data:`ROUTE_DRAWS` starts without a goal.
    """
    import shapely

    from rover.planners import plan_path

    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=ROUTE_STREAM))
    rows, cols = cost.shape
    free = np.flatnonzero(np.isfinite(cost))
    if free.size == 0:
        raise RouteError("no passable ground to draw a route on")
    fr, fc = np.divmod(free, cols)
    hazards = list(hazards)

    def point(r, c):
        return ((c + 0.5) * cell_size, (r + 0.5) * cell_size)

    def clear(r, c):
        p = shapely.Point(point(r, c))
        return not any(h.covers(p) for h in hazards)

    for _ in range(ROUTE_DRAWS):
        s = int(rng.integers(free.size))
        rs, cs = int(fr[s]), int(fc[s])
        if not clear(rs, cs):
            continue
        d = np.hypot(fr - rs, fc - cs) * cell_size
        ok = np.flatnonzero((d >= min_m) & (d <= max_m))
        if ok.size == 0:
            continue
        g = int(ok[rng.integers(ok.size)])
        rg, cg = int(fr[g]), int(fc[g])
        if clear(rg, cg) and plan_path("astar", cost, (rs, cs), (rg, cg)).found:
            return point(rs, cs), point(rg, cg)
    raise RouteError(f"no route of {min_m:g}-{max_m:g} m between passable, connected cells "
                     f"found in {ROUTE_DRAWS} draws")


def routed_scenario(case) -> tuple[Scenario, object]:
    """The case's scenario (varied values set; start and goal drawn when the sweep has
    ``[sweep.routes]``, waypoints then dropped) and its terrain, built from the case's seed.

    Raises
    ------
    ScenarioError, RouteError
    """
    scenario = case.scenario()
    terrain = build_terrain(scenario, seed=case.seed)
    if case.routes is not None:
        from rover.costmap import traversability

        tr = traversability(terrain, scenario.rover, hazards=scenario.hazards,
                            weights=scenario.costmap)
        start, goal = draw_route(tr.cost, tr.cell_size, case.seed, case.routes.min_distance_m,
                                 case.routes.max_distance_m,
                                 [h.geometry() for h in scenario.hazards])
        mission = dataclasses.replace(scenario.mission, start=start, goal=goal, waypoints=())
        scenario = dataclasses.replace(scenario, mission=mission)
    return scenario, terrain


def worker_name() -> str:
    """Who ran a case: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def run_case(case, in_code: dict | None = None) -> list[dict]:
    """Run every planner of ``case`` on its terrain and route; one row per run, in the
    case's planner order. A run that raises gives a row with outcome ``"error"`` and the
    message as its reason; the other runs go on.

    Parameters
    ----------
    case : rover.sweep.Case
    in_code : dict, optional
        ``{name: (planner, description)}`` of planners registered in code on the client;
        registered here when this process does not know them (a worker process starts with
        only the built-ins and the installed ones).
    """
    from rover.sim import simulate, world_from_terrain

    _register(in_code or {})
    worker = worker_name()
    t0 = time.perf_counter()
    try:
        scenario, terrain = routed_scenario(case)
        world = world_from_terrain(scenario, terrain, seed=case.seed)
    except Exception as exc:  # noqa: BLE001 - recorded in the rows, the sweep goes on
        return [error_row(case, planner, rid, None, exc, worker) for planner, rid in case.runs]
    prepare_s = time.perf_counter() - t0
    rows = []
    for planner, rid in case.runs:
        try:
            result = simulate(scenario, planner=planner, seed=case.seed, world=world)
        except Exception as exc:  # noqa: BLE001
            rows.append(error_row(case, planner, rid, scenario, exc, worker))
            continue
        row = _head(case, planner, rid, scenario)
        s = result.summary
        row.update({k: s.get(k) for k in SUMMARY_COLUMNS})
        # The case's terrain is built once for all its planners: each run is charged its
        # share, so wall times add up to the sweep's work.
        row["wall_time_s"] = round(s["wall_time_s"] + prepare_s / len(case.runs), 4)
        row["reason"] = _one_line(row["reason"])
        row["worker"] = worker
        rows.append(row)
    return rows


def _register(in_code: dict) -> None:
    from rover.planners import PlannerError, get, register

    for name, (planner, description) in in_code.items():
        try:
            get(name)
        except PlannerError:
            register(name, planner, description=description)


def _head(case, planner: str, rid: str, scenario: Scenario | None) -> dict:
    row = {"run": rid, "case": case.id, "scenario": case.label}
    row.update(zip(case.keys, case.values))
    row["seed"] = case.seed
    row["planner"] = planner
    m = scenario.mission if scenario is not None else None
    row.update(zip(ROUTE_COLUMNS, (m.start[0], m.start[1], m.goal[0], m.goal[1]) if m
                   else (None,) * 4))
    return row


def error_row(case, planner, rid, scenario, exc: Exception, worker: str) -> dict:
    row = _head(case, planner, rid, scenario)
    row.update({k: None for k in SUMMARY_COLUMNS})
    row["outcome"] = "error"
    message = str(exc) if isinstance(exc, (ScenarioError, RouteError)) else \
        f"{type(exc).__name__}: {exc}"
    row["reason"] = _one_line(message)
    row["worker"] = worker
    return row


def _one_line(text) -> str:
    return " ".join(str(text).split()) if text is not None else ""
