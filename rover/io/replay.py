"""Replay files: what the viewer needs to watch a finished run again, without re-running it.

A run folder written by ``rover run`` holds ``summary.json``, ``trace.csv`` and ``run.npz``,
a compressed numpy archive with the scene (height field, true cost grid, mission points,
hazards, rover footprint and sensor) and every :class:`rover.sim.Snapshot` the run produced,
packed into flat arrays (plans as one start cell plus 8-connected steps of one byte each).
:func:`load_replay` gives back the same snapshots, so a replay draws exactly what the live
run drew.

No pygame here: the viewer (``viewer``) draws what these functions load.
"""

from __future__ import annotations

import json
import math
import os
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from rover.io.results import atomic_write, json_ready

__all__ = ["Scene", "Replay", "ReplayError", "Recorder", "scene_from_world", "save_replay",
           "load_replay", "REPLAY_FILE"]

#: Name of the replay file inside a run folder.
REPLAY_FILE = "run.npz"
_FORMAT = 1
_KINDS = ("replan", "drive", "end")
_FIGURES = ("distance_m", "energy_wh", "replans", "planner_time_s", "expanded",
            "waypoints_reached", "cells_seen")
#: Body tints used when a terrain's body carries none (grey Moon, butterscotch Mars).
_TINTS = {"moon": (178, 178, 172), "mars": (214, 150, 92)}


class ReplayError(ValueError):
    """A run folder or replay file is missing, incomplete or corrupt (one-line message)."""


@dataclass(frozen=True, eq=False)
class Scene:
    """The static part of a run: what the viewer draws under the rover.

    Grids are in grid order (row 0 = south), cell centres at ``((col + 0.5) * cell_size,
    (row + 0.5) * cell_size)`` metres.
    """

    name: str
    """Scenario name."""
    body: str
    """Planetary body name (``"mars"``, ``"moon"``)."""
    tint_rgb: tuple[int, int, int]
    """Surface colour of the body for the hillshade."""
    cell_size: float
    """Cell edge [m]."""
    height: np.ndarray
    """(rows, cols) float32 heights [m]."""
    true_cost: np.ndarray
    """(rows, cols) float32 true cost (>= 1, ``inf`` impassable)."""
    unknown_cost: float
    """Cost the rover assumes for unseen cells."""
    start: tuple[float, float]
    goal: tuple[float, float]
    waypoints: tuple[tuple[float, float], ...]
    hazards: tuple[tuple[str, tuple[tuple[float, float], ...]], ...]
    """(name, polygon vertices (x, y) [m]) per keep-out hazard."""
    rover: str
    """Rover name."""
    length_m: float
    """Rover footprint length along its heading [m]."""
    width_m: float
    """Rover footprint width [m]."""
    sensor_range_m: float
    sensor_fov_deg: float
    near_m: float
    """Radius of the always-known near field [m]."""
    goal_tolerance_m: float
    planner: str
    seed: int
    dt_s: float
    """Simulation time step [s] (one tick of the viewer's step key)."""
    extra: dict = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.height.shape)

    @property
    def extent_m(self) -> tuple[float, float]:
        """(width east, height north) [m]."""
        return (self.height.shape[1] * self.cell_size, self.height.shape[0] * self.cell_size)


@dataclass(frozen=True, eq=False)
class Replay:
    """A loaded run: its :class:`Scene`, every snapshot in order, and the final summary."""

    scene: Scene
    snapshots: tuple
    summary: dict


class Recorder:
    """An observer for :func:`rover.sim.simulate` that keeps every snapshot, in order."""

    def __init__(self):
        self.snapshots: list = []

    def __call__(self, snapshot) -> None:
        self.snapshots.append(snapshot)


def scene_from_world(world, *, planner: str | None = None) -> Scene:
    """The :class:`Scene` of a :class:`rover.sim.World` (``planner`` overrides the mission's)."""
    sc = world.scenario
    m = sc.mission
    terrain = world.terrain
    body_obj = getattr(terrain, "body", None)
    body = str(getattr(body_obj, "name", sc.terrain.body)).lower()
    tint = getattr(body_obj, "tint_rgb", None) or _TINTS.get(body, _TINTS["mars"])
    rover = sc.rover
    return Scene(
        name=sc.name, body=body, tint_rgb=tuple(int(v) for v in tint),
        cell_size=float(world.cell_size),
        height=np.ascontiguousarray(terrain.height, dtype=np.float32),
        true_cost=np.ascontiguousarray(world.true_cost, dtype=np.float32),
        unknown_cost=float(m.unknown_cost), start=tuple(map(float, m.start)),
        goal=tuple(map(float, m.goal)), waypoints=tuple(tuple(map(float, w)) for w in m.waypoints),
        hazards=tuple((hz.name, tuple(tuple(map(float, p)) for p in hz.polygon)) for hz in sc.hazards),
        rover=rover.name, length_m=float(rover.length_m), width_m=float(rover.width_m),
        sensor_range_m=float(rover.sensor_range_m), sensor_fov_deg=float(rover.sensor_fov_deg),
        near_m=float(rover.radius_m + world.cell_size), goal_tolerance_m=float(m.goal_tolerance_m),
        planner=planner or m.planner, seed=int(world.seed), dt_s=float(m.dt_s),
    )


# --------------------------------------------------------------------------------------------
# Writing

_STEP_CODE = {(dr, dc): k for k, (dr, dc) in enumerate(
    [(dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1)])}


def _pack(scene: Scene, snapshots: Sequence, summary: dict | None) -> dict[str, np.ndarray]:
    S = len(snapshots)
    kinds = np.array([_KINDS.index(s.kind) for s in snapshots], dtype=np.uint8)
    scalars = np.array([(s.t_s, *s.pose, s.leg, s.trace_end) for s in snapshots],
                       dtype=np.float64).reshape(S, 6)
    figures = np.array([[float(s.figures[k]) for k in _FIGURES] for s in snapshots],
                       dtype=np.float64).reshape(S, len(_FIGURES))
    replan = np.full((S, 8), np.nan)
    for i, s in enumerate(snapshots):
        if s.replan is not None:
            replan[i] = s.replan
    trace = (np.concatenate([s.trace for s in snapshots]) if S else np.empty((0, 9)))
    cols = scene.height.shape[1]
    seen = [np.asarray(s.seen, np.int64) for s in snapshots]
    seen_flat = (np.concatenate([a[:, 0] * cols + a[:, 1] for a in seen]).astype(np.int32)
                 if S else np.empty(0, np.int32))
    seen_off = np.concatenate([[0], np.cumsum([len(a) for a in seen])]).astype(np.int64)
    has_plan = np.array([s.plan is not None for s in snapshots], dtype=bool)
    plans = [np.asarray(s.plan, np.int64) for s in snapshots if s.plan is not None]
    routes = [np.asarray(s.route, np.float64).reshape(-1, 2) for s in snapshots if s.plan is not None]
    plan_len = np.array([len(p) for p in plans], dtype=np.int64)
    cells = np.concatenate(plans) if plans else np.empty((0, 2), np.int64)
    out = {
        "format": np.array([_FORMAT]), "kinds": kinds, "scalars": scalars, "figures": figures,
        "replan": replan, "trace": trace, "seen_flat": seen_flat, "seen_off": seen_off,
        "has_plan": has_plan, "plan_len": plan_len,
        "route_len": np.array([len(r) for r in routes], dtype=np.int64),
        "routes": np.concatenate(routes) if routes else np.empty((0, 2)),
        "height": np.ascontiguousarray(scene.height, np.float32),
        "true_cost": np.ascontiguousarray(scene.true_cost, np.float32),
    }
    if any(getattr(s, "sun", None) is not None for s in snapshots):
        # A run with a [sun] table: the Sun at each snapshot (the viewer recasts the shadows
        # from it and the height field). Older files and runs without a Sun have no "sun".
        out["sun"] = np.array([s.sun if s.sun is not None else (np.nan,) * 3
                               for s in snapshots], dtype=np.float64).reshape(S, 3)
    if any("battery_wh" in s.figures for s in snapshots):
        out["battery"] = np.array([(s.figures.get("battery_wh", np.nan),
                                    s.figures.get("battery_capacity_wh", np.nan))
                                   for s in snapshots], dtype=np.float64).reshape(S, 2)
    # Plans are 8-connected: keep each plan's first cell and one byte per step.
    firsts = np.array([p[0] for p in plans if len(p)], dtype=np.int32).reshape(-1, 2)
    steps = [np.diff(p, axis=0) for p in plans if len(p)]
    d = np.concatenate(steps) if steps else np.empty((0, 2), np.int64)
    if len(d) == 0 or np.abs(d).max() <= 1:
        out["plan_first"] = firsts
        out["plan_steps"] = ((d[:, 0] + 1) * 3 + (d[:, 1] + 1)).astype(np.uint8)
    else:
        out["plan_cells"] = cells.astype(np.int32)
    meta = {
        "format": _FORMAT,
        "scene": {k: getattr(scene, k) for k in (
            "name", "body", "tint_rgb", "cell_size", "unknown_cost", "start", "goal", "waypoints",
            "hazards", "rover", "length_m", "width_m", "sensor_range_m", "sensor_fov_deg",
            "near_m", "goal_tolerance_m", "planner", "seed", "dt_s", "extra")},
        "summary": summary,
    }
    out["meta"] = np.frombuffer(json.dumps(json_ready(meta)).encode("utf-8"), dtype=np.uint8)
    return out


def save_replay(path: str | os.PathLike, scene: Scene, snapshots: Sequence,
                summary: dict | None = None) -> Path:
    """Write a replay file (compressed ``.npz``) atomically.

    Parameters
    ----------
    path : path-like
        Usually ``RUN_DIR / "run.npz"``.
    scene : Scene
        From :func:`scene_from_world`.
    snapshots : sequence of rover.sim.Snapshot
        Every snapshot of the run, in order (a :class:`Recorder`'s ``snapshots``).
    summary : dict, optional
        The run's summary (default: the last snapshot's).

    Returns
    -------
    pathlib.Path
    """
    if summary is None and snapshots and snapshots[-1].summary is not None:
        summary = dict(snapshots[-1].summary)
    arrays = _pack(scene, snapshots, summary)
    return atomic_write(path, lambda fh: np.savez_compressed(fh, **arrays), binary=True)


# --------------------------------------------------------------------------------------------
# Reading

_NEEDED = ("format", "meta", "kinds", "scalars", "figures", "replan", "trace", "seen_flat",
           "seen_off", "has_plan", "plan_len", "route_len", "routes", "height", "true_cost")


def load_replay(path: str | os.PathLike) -> Replay:
    """Read a run folder's replay (``RUN_DIR`` or ``RUN_DIR/run.npz``).

    Returns
    -------
    Replay
        The scene, the snapshots (:class:`rover.sim.Snapshot`, equal to the live run's) and
        the summary.

    Raises
    ------
    ReplayError
        The folder or file is missing, or the file is truncated, corrupt or from another
        format; the message names the file and says what to do.
    """
    from rover.sim import Snapshot

    p = Path(path)
    if p.is_dir():
        f = p / REPLAY_FILE
        summary = p / "summary.json"
        if not f.exists():
            hint = ("it has a summary.json but no replay: the file was removed, or an older "
                    "'rover run' wrote the folder; run the scenario again" if summary.exists()
                    else "is it a folder written by 'rover run'?")
            raise ReplayError(f"{p}: no {REPLAY_FILE} in this run folder ({hint})")
        # summary.json is written last: without it the run never finished writing its files.
        if not summary.exists():
            raise ReplayError(f"{p}: no summary.json in this run folder: the run did not finish "
                              "writing its results (interrupted?); run the scenario again")
        try:
            json.loads(summary.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise ReplayError(f"{summary}: corrupt summary file ({exc}); run the scenario "
                              "again") from None
    elif p.exists():
        f = p
    else:
        raise ReplayError(f"{p}: no such run folder or file")
    if not zipfile.is_zipfile(f):
        raise ReplayError(f"{f}: not a replay file (not a .npz archive); expected the "
                          f"{REPLAY_FILE} written by 'rover run'")
    try:
        with np.load(f, allow_pickle=False) as z:
            missing = [k for k in _NEEDED if k not in z.files]
            if missing:
                raise ReplayError(f"{f}: not a rover replay file (missing {', '.join(missing)})")
            a = {k: z[k] for k in z.files}
    except ReplayError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError, zlib.error,
            NotImplementedError) as exc:  # the last two: damaged compressed members
        raise ReplayError(f"{f}: corrupt or truncated replay file ({exc}); run the scenario "
                          "again to rewrite it") from None
    try:
        fmt = int(a["format"][0])
    except (ValueError, TypeError, IndexError) as exc:
        raise ReplayError(f"{f}: corrupt replay file (format: {exc})") from None
    if fmt != _FORMAT:
        raise ReplayError(f"{f}: replay format {fmt} is not supported "
                          f"(this version reads format {_FORMAT})")
    try:
        meta = json.loads(a["meta"].tobytes().decode("utf-8"))
        return _unpack(a, meta, Snapshot)
    except (ValueError, KeyError, IndexError, TypeError, AttributeError,
            ZeroDivisionError) as exc:
        raise ReplayError(f"{f}: corrupt replay file ({exc}); run the scenario again") from None


def _point(v) -> tuple[float, float]:
    x, y = v  # ValueError unless exactly two
    return (float(x), float(y))


def _tuple_pts(v):
    return tuple(tuple(float(c) for c in p) for p in v)


def _check_tables(a: dict, S: int) -> None:
    """ValueError unless the snapshot tables have the shapes and orders the viewer relies
    on (``S`` snapshots): a hand-edited archive must fail here, not halfway through drawing."""
    from rover.sim import TRACE_COLUMNS

    # (table, rows or None for any number, columns)
    for key, rows, width in (("trace", None, len(TRACE_COLUMNS)), ("scalars", S, 6),
                             ("replan", S, 8), ("figures", S, len(_FIGURES)),
                             ("routes", None, 2)):
        x = a[key]
        if x.ndim != 2 or x.shape[1] != width or rows not in (None, x.shape[0]):
            raise ValueError(f"{key} has shape {x.shape}, expected "
                             f"({'n' if rows is None else rows}, {width})")
    off = a["seen_off"].astype(np.int64)
    if off[0] != 0 or off[-1] != len(a["seen_flat"]) or np.any(np.diff(off) < 0):
        raise ValueError("seen_off does not step through seen_flat in order")
    ends = a["scalars"][:, 5]
    if S and (np.any(np.diff(ends) < 0) or ends[0] < 0):
        raise ValueError("the snapshots' trace ends go backwards")
    if int(a["kinds"].max(initial=0)) >= len(_KINDS) or int(a["kinds"].min(initial=0)) < 0:
        raise ValueError("unknown snapshot kind")
    for key in ("plan_len", "route_len"):
        if a[key].size and a[key].min() < 0:
            raise ValueError(f"{key} holds a negative length")


def _unpack(a: dict, meta: dict, Snapshot) -> Replay:
    from types import MappingProxyType

    sm = meta["scene"]
    height = a["height"]
    if height.ndim != 2 or a["true_cost"].shape != height.shape:
        raise ValueError(f"height {height.shape} and true_cost {a['true_cost'].shape} differ")
    # A hand-made or damaged archive can be well-formed yet meaningless: check what drawing
    # relies on, so the viewer never fails halfway through.
    if min(height.shape) < 2 or not np.isfinite(height).all():
        raise ValueError(f"height must be a finite grid of at least 2 x 2, got {height.shape}")
    cell = float(sm["cell_size"])
    if not (math.isfinite(cell) and cell > 0):
        raise ValueError(f"cell_size {cell!r} is not > 0")
    if len(sm["tint_rgb"]) != 3:
        raise ValueError(f"tint_rgb {sm['tint_rgb']!r} is not 3 values")
    if not np.isfinite(a["trace"]).all():
        raise ValueError("the trace holds NaN or inf")
    sf = a["seen_flat"]
    if sf.size and (sf.min() < 0 or sf.max() >= height.size):
        raise ValueError("seen cells lie outside the grid")
    scene = Scene(
        name=sm["name"], body=sm["body"], tint_rgb=tuple(sm["tint_rgb"]),
        cell_size=float(sm["cell_size"]), height=height, true_cost=a["true_cost"],
        unknown_cost=float(sm["unknown_cost"]), start=_point(sm["start"]), goal=_point(sm["goal"]),
        waypoints=_tuple_pts(sm["waypoints"]),
        hazards=tuple((n, _tuple_pts(poly)) for n, poly in sm["hazards"]),
        rover=sm["rover"], length_m=float(sm["length_m"]), width_m=float(sm["width_m"]),
        sensor_range_m=float(sm["sensor_range_m"]), sensor_fov_deg=float(sm["sensor_fov_deg"]),
        near_m=float(sm["near_m"]), goal_tolerance_m=float(sm["goal_tolerance_m"]),
        planner=sm["planner"], seed=int(sm["seed"]), dt_s=float(sm["dt_s"]),
        extra=dict(sm.get("extra") or {}),
    )
    cols = height.shape[1]
    S = len(a["kinds"])
    trace = a["trace"]
    seen_off = a["seen_off"]
    has_plan = a["has_plan"]
    plan_len = a["plan_len"]
    route_len = a["route_len"]
    if len(seen_off) != S + 1 or len(plan_len) != int(has_plan.sum()) or len(route_len) != len(plan_len):
        raise ValueError("snapshot tables have inconsistent lengths")
    _check_tables(a, S)
    if "plan_steps" in a:
        codes = a["plan_steps"].astype(np.int64)
        steps = np.column_stack([codes // 3 - 1, codes % 3 - 1])
        firsts = a["plan_first"].astype(np.int64)
    else:
        cells = a["plan_cells"].astype(np.int64)
    routes = a["routes"]
    summary = meta.get("summary") or {}
    out = []
    prev_end = 0
    pi = si = ri = fi = 0
    for i in range(S):
        sc = a["scalars"][i]
        end = int(sc[5])
        seen_flat = a["seen_flat"][seen_off[i]:seen_off[i + 1]].astype(np.int64)
        seen = np.column_stack([seen_flat // cols, seen_flat % cols]).astype(np.int32)
        plan = route = None
        if has_plan[i]:
            n = int(plan_len[pi])
            if "plan_steps" in a:
                if n:
                    plan = np.empty((n, 2), np.int64)
                    plan[0] = firsts[fi]
                    plan[1:] = firsts[fi] + np.cumsum(steps[si:si + n - 1], axis=0)
                    si += n - 1
                    fi += 1
                else:
                    plan = np.empty((0, 2), np.int64)
            else:
                plan = cells[si:si + n].copy()
                si += n
            m = int(route_len[pi])
            route = routes[ri:ri + m].copy()
            ri += m
            pi += 1
        rp = a["replan"][i]
        replan = None if np.isnan(rp[0]) else (
            float(rp[0]), float(rp[1]), int(rp[2]), int(rp[3]), float(rp[4]), int(rp[5]),
            int(rp[6]), int(rp[7]))
        fig = a["figures"][i]
        figures = {k: float(v) for k, v in zip(_FIGURES, fig)}
        for k in ("replans", "expanded", "waypoints_reached", "cells_seen"):
            figures[k] = int(figures[k])
        if "battery" in a and a["battery"].shape == (S, 2) and not np.isnan(a["battery"][i, 0]):
            figures["battery_wh"] = float(a["battery"][i, 0])
            figures["battery_capacity_wh"] = float(a["battery"][i, 1])
        kind = _KINDS[int(a["kinds"][i])]
        sun = None
        if "sun" in a and a["sun"].shape == (S, 3) and not np.isnan(a["sun"][i, 0]):
            sun = tuple(float(v) for v in a["sun"][i])
        arrs = [trace[prev_end:end].copy(), seen, plan, route]
        for x in arrs:
            if x is not None:
                x.setflags(write=False)
        out.append(Snapshot(
            kind=kind, t_s=float(sc[0]), pose=(float(sc[1]), float(sc[2]), float(sc[3])),
            leg=int(sc[4]), trace=arrs[0], trace_end=end, seen=arrs[1], plan=arrs[2],
            route=arrs[3], replan=replan, figures=MappingProxyType(figures),
            summary=MappingProxyType(dict(summary)) if kind == "end" else None, sun=sun))
        prev_end = end
    if prev_end != len(trace):
        raise ValueError(f"trace has {len(trace)} rows, snapshots cover {prev_end}")
    return Replay(scene=scene, snapshots=tuple(out), summary=dict(summary))
