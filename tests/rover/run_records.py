"""Recorded runs: digests of whole runs that a refactor of the run loop must leave unchanged.

Each case is a run of :func:`rover.simulate` fixed by code here: the four shipped scenarios
under several planners, and a few hundred small random runs (every rover preset, an
Ackermann rover, every planner, waypoints, keep-out zones, line of sight, sensing distance,
time steps, unknown-cost assumptions, time and energy limits, real terrain presets), and
cases for the paths those seldom take (:data:`EXTRA`). A
case's digest is a SHA-256 of its whole trace, its replan log (all but the timing column)
and its summary (all but the wall-clock figures); a few cases also digest the stream of
snapshots an observer sees. ``run_records.json`` beside this file holds the digests
recorded before the run loop was rewritten; ``test_run_records.py`` checks them.

Regenerate (only when a change is *meant* to alter runs, and say so in the commit)::

    .venv/bin/python tests/rover/run_records.py --write
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
RECORDS = HERE / "data" / "run_records.json"
sys.path.insert(0, str(HERE))

from _fixtures import bumpy_terrain, scenario  # noqa: E402

# Summary keys that measure the machine, not the run.
TIMING_KEYS = ("wall_time_s", "speedup", "planner_time_s", "planner_median_ms")
PLANNERS = ("astar", "dstar_lite", "mpgaa", "wastar", "dijkstra")
PRESETS = ("generic", "pragyan", "yutu2", "zhurong", "sojourner", "opportunity", "curiosity",
           "perseverance", "ackermann")
SHIPPED = ("mars-jezero-perseverance", "mars-rock-field", "moon-highlands-yutu2",
           "moon-south-pole-pragyan")


def _hash_arrays(h, arrays) -> None:
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(str(a.dtype).encode())
        h.update(str(a.shape).encode())
        h.update(a.tobytes())


def digest(res, snapshots=None) -> dict:
    """The recorded form of a :class:`rover.sim.RunResult`: readable headline figures and
    a SHA-256 of everything the run decided."""
    h = hashlib.sha256()
    _hash_arrays(h, [res.trace[c] for c in sorted(res.trace)])
    _hash_arrays(h, [res.replans[c] for c in sorted(res.replans) if c != "planner_ms"])
    _hash_arrays(h, [res.known_cost])
    summary = {k: v for k, v in res.summary.items() if k not in TIMING_KEYS}
    h.update(json.dumps(summary, sort_keys=True).encode())
    out = {"outcome": res.summary["outcome"], "distance_m": res.summary["distance_m"],
           "replans": res.summary["replans"], "steps": int(len(res.trace["t_s"])),
           "sha256": h.hexdigest()}
    if snapshots is not None:
        s = hashlib.sha256()
        for snap in snapshots:
            s.update(f"{snap.kind} {snap.t_s!r} {snap.pose!r} {snap.leg} {snap.trace_end}".encode())
            _hash_arrays(s, [snap.trace, snap.seen])
            for a in (snap.plan, snap.route):
                s.update(b"-" if a is None else b"+")
                if a is not None:
                    _hash_arrays(s, [a])
            if snap.replan is not None:
                s.update(repr(snap.replan[:1] + snap.replan[2:]).encode())
            fig = {k: v for k, v in dict(snap.figures).items() if k != "planner_time_s"}
            s.update(json.dumps(fig, sort_keys=True).encode())
            if snap.summary is not None:
                s.update(json.dumps({k: v for k, v in dict(snap.summary).items()
                                     if k not in TIMING_KEYS}, sort_keys=True).encode())
        out["snapshots"] = len(snapshots)
        out["snapshots_sha256"] = s.hexdigest()
    return out


def _free_point(cost, cell, x, y):
    ok = np.argwhere(np.isfinite(cost))
    d = np.hypot((ok[:, 1] + 0.5) * cell - x, (ok[:, 0] + 0.5) * cell - y)
    r, c = ok[np.argmin(d)]
    return (float((c + 0.5) * cell), float((r + 0.5) * cell))


def _random_case(i: int):
    """(scenario, terrain or None, planner, observe) of random case ``i``."""
    from rover.costmap import traversability
    from rover.models import rover_preset
    from rover.scenario import Hazard, MissionConfig, Scenario, TerrainConfig

    rng = np.random.default_rng(1000 + i)
    preset = PRESETS[i % len(PRESETS)]
    spec = (rover_preset("generic").replace(steering="ackermann") if preset == "ackermann"
            else rover_preset(preset))
    planner = PLANNERS[(i // len(PRESETS)) % len(PLANNERS)]
    n = int(rng.choice([48, 64, 80]))
    cell = float(rng.choice([0.25, 0.5, 0.5]))
    mission = dict(
        sense_every_m=float(rng.choice([0.25, 0.5, 1.0, 3.0])),
        line_of_sight=bool(rng.integers(2)),
        dt_s=float(rng.choice([1.0, 1.0, 1.0, 0.5, 2.0, 5.0])),
        goal_tolerance_m=float(rng.choice([0.5, 1.0, 1.5])),
        planner=planner,
    )
    if rng.random() < 0.1:
        mission["unknown_cost"] = float(rng.choice([1.5, 3.0]))
    if rng.random() < 0.08:
        mission["max_time_s"] = float(rng.uniform(20.0, 200.0))
    if rng.random() < 0.08:
        mission["max_energy_wh"] = float(rng.uniform(0.05, 2.0))
    ext = n * cell
    if i % 10 == 9:
        # A real terrain preset, generated at a small size.
        body, tp = [("mars", "mars-jezero"), ("moon", "moon-highlands"),
                    ("mars", "mars-ares-vallis"), ("moon", "moon-mare")][(i // 10) % 4]
        probe = Scenario(name="rec", description="", seed=i,
                         terrain=TerrainConfig(body=body, preset=tp, size=(n, n), cell_size_m=cell),
                         rover=spec, mission=MissionConfig(start=(1.0, 1.0), goal=(2.0, 2.0)))
        from rover.scenario import build_terrain
        terrain = build_terrain(probe)
        tc = probe.terrain
    else:
        terrain = bumpy_terrain(size=(n, n), cell=cell, seed=i, n_bumps=int(rng.integers(4, 14)),
                                n_rocks=int(rng.integers(5, 40)))
        tc = None
    cost = traversability(terrain, spec).cost
    if not np.isfinite(cost).any():
        return None
    start = _free_point(cost, cell, *rng.uniform(0.1 * ext, 0.3 * ext, 2))
    goal = _free_point(cost, cell, *rng.uniform(0.7 * ext, 0.9 * ext, 2))
    waypoints = ()
    if rng.random() < 0.2:
        waypoints = (_free_point(cost, cell, *rng.uniform(0.3 * ext, 0.7 * ext, 2)),)
    hazards = ()
    if rng.random() < 0.2:
        cx, cy = rng.uniform(0.4 * ext, 0.6 * ext, 2)
        r = 0.06 * ext
        hazards = (((cx - r, cy - r), (cx + r, cy - r), (cx + r, cy + r), (cx - r, cy + r)),)
    sc = scenario(start, goal, size=(n, n), cell=cell, rover=spec, waypoints=waypoints,
                  hazards=hazards, seed=i, **mission)
    if tc is not None:
        import dataclasses
        sc = dataclasses.replace(sc, terrain=tc)
        terrain = None  # prepare() generates it from the scenario
    return sc, terrain, i % 25 == 3


N_RANDOM = 400


def cases():
    """Yield (case id, thunk) for every recorded run; the thunk runs it and returns its
    digest (or None when the case is refused, which is recorded as such)."""
    for name in SHIPPED:
        for planner in ("astar", "dstar_lite", "mpgaa"):
            yield f"{name}/{planner}", (lambda name=name, planner=planner: _shipped(name, planner))
    yield "mars-rock-field/wastar", lambda: _shipped("mars-rock-field", "wastar")
    yield "moon-south-pole-pragyan/dijkstra", lambda: _shipped("moon-south-pole-pragyan",
                                                               "dijkstra")
    yield "mars-jezero-perseverance/dstar_lite/observed", lambda: _shipped(
        "mars-jezero-perseverance", "dstar_lite", observe=True)
    for i in range(N_RANDOM):
        yield f"random/{i}", (lambda i=i: _random(i))
    for kind in EXTRA:
        for i in range(0, 160, 4):
            yield f"{kind}/{i}", (lambda kind=kind, i=i: _extra(kind, i))


def _shipped(name, planner, observe=False):
    from rover.scenario import load_scenario
    from rover.sim import simulate

    from rover import scenarios

    path = scenarios.path(name)
    sc = load_scenario(path)
    snaps = [] if observe else None
    res = simulate(sc, planner=planner, observer=None if snaps is None else snaps.append)
    return digest(res, snaps)


def _random(i):
    from rover.scenario import ScenarioError
    from rover.sim import prepare, simulate, world_from_terrain

    made = _random_case(i)
    if made is None:
        return None
    sc, terrain, observe = made
    try:
        world = prepare(sc) if terrain is None else world_from_terrain(sc, terrain)
    except ScenarioError as e:
        return {"refused": str(e)}
    snaps = [] if observe else None
    res = simulate(sc, world=world, observer=None if snaps is None else snaps.append)
    return digest(res, snaps)


# Paths of the run loop the random cases seldom or never take (found by tracing the 415 cases
# above; recorded later, on the code from before the rewrite, 8509ba3, through the public API
# only): the progress callback at every report, Ctrl-C from the observer at a chosen
# snapshot, and a later target walled in by keep-out zones known at the start.
EXTRA = ("progress", "interrupt", "walled")


def _extra(kind: str, i: int):
    from rover import sim
    from rover.scenario import ScenarioError
    from rover.sim import simulate, world_from_terrain

    made = _random_case(i)
    if made is None or made[1] is None:
        return None
    sc, terrain, _ = made
    if kind == "walled":
        import dataclasses

        # Walls all round the goal, known from the start, and a waypoint before it.
        gx, gy = sc.mission.goal
        w, d = 0.5, 3.0
        boxes = [(gx - d, gy - d, gx + d, gy - d + w), (gx - d, gy + d - w, gx + d, gy + d),
                 (gx - d, gy - d, gx - d + w, gy + d), (gx + d - w, gy - d, gx + d, gy + d)]
        from rover.scenario import Hazard

        hz = tuple(Hazard(f"wall{k}", ((x0, y0), (x1, y0), (x1, y1), (x0, y1)))
                   for k, (x0, y0, x1, y1) in enumerate(boxes))
        sx, sy = sc.mission.start
        mid = (0.5 * (sx + gx), 0.5 * (sy + gy))
        sc = dataclasses.replace(sc, hazards=hz, mission=dataclasses.replace(
            sc.mission, waypoints=(mid,)))
    try:
        world = world_from_terrain(sc, terrain)
    except ScenarioError as e:
        return {"refused": str(e)}
    log: list = []
    kw = {}
    if kind == "progress":
        kw["progress"] = lambda f, info: log.append((round(f, 12), sorted(info.items())))
    if kind == "interrupt":
        stop_at = 3 + i % 7

        def observer(snap):
            log.append(snap.kind)
            if len(log) == stop_at:
                raise KeyboardInterrupt
        kw["observer"] = observer
    saved = sim._PROGRESS_EVERY_S
    sim._PROGRESS_EVERY_S = 0.0
    try:
        res = simulate(sc, world=world, **kw)
    except KeyboardInterrupt:  # from the observer on the last ("end") snapshot: it propagates
        res = None
    finally:
        sim._PROGRESS_EVERY_S = saved
    out = digest(res) if res is not None else {"raised": "KeyboardInterrupt"}
    out["log"] = hashlib.sha256(json.dumps(log).encode()).hexdigest() if log else None
    return out


def record_all(selected=None) -> dict:
    out = {}
    for cid, thunk in cases():
        if selected is not None and cid not in selected:
            continue
        out[cid] = thunk()
    return out


if __name__ == "__main__":
    import os

    os.environ.setdefault("ROVER_PREWARM", "0")
    if "--extra" in sys.argv:  # record only the EXTRA cases (run on the code to record from)
        got = json.loads(RECORDS.read_text())
        got.update(record_all({c for c, _ in cases() if c.split("/")[0] in EXTRA}))
        RECORDS.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
        print(f"recorded {sum(c.split('/')[0] in EXTRA for c in got)} extra cases")
        sys.exit(0)
    got = record_all()
    if "--write" in sys.argv:
        RECORDS.parent.mkdir(exist_ok=True)
        RECORDS.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
        print(f"wrote {len(got)} records to {RECORDS}")
    else:
        want = json.loads(RECORDS.read_text())
        bad = [k for k in want if got.get(k) != want[k]]
        print(f"{len(want) - len(bad)} of {len(want)} records unchanged; differ: {bad[:20]}")
