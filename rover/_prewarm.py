"""Compile numba kernels in a second process while this one works (private).

On a cold cache (a fresh install, or after an upgrade) the first ``rover bench`` or
``rover run`` spends most of its time compiling kernels: about 12 s for everything a
quick benchmark touches, 4 s of it D* Lite's. numba compiles one kernel at a time in a
process, so a second core sits idle. :func:`start` launches ``python -m rover._prewarm
TARGET ...`` in the background: it compiles the kernels this process will need *last* (D*
Lite's, the driving loop's) and saves them to numba's on-disk cache while this process
compiles what it needs first; when this process reaches a kernel the other has saved, it
loads it instead of compiling it. The result of a run is unchanged (the same compiled code,
wherever it was compiled); only the waiting is shorter.

Nothing starts when the cache already holds the targets' kernels, when fewer than two
cores are available, or when ``ROVER_PREWARM=0`` is set (the test suite sets it). The
background process writes nothing but numba's cache and ends by itself.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import sys
import warnings

ENV = "ROVER_PREWARM"

_STARTED: list = []
"""Processes started here: kept so that the interpreter does not reap (and warn about) one
that is meant to outlive the command."""


@atexit.register
def _let_go() -> None:
    # A background compile is meant to finish after the command has exited: dropping its
    # handle then is deliberate, not the leak Python's ResourceWarning is there to catch.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        _STARTED.clear()


def _dstar() -> None:
    import numpy as np

    from rover.planners import get
    from rover.sim import _warm_planner

    _warm_planner(get("dstar_lite"), np.float64, rekey=True)


def _plan_kernels() -> None:
    """The D* Lite kernels a plan needs (search, path, flood): what `rover bench` reaches
    first, on whole grids, before any traverse."""
    import numpy as np

    from rover.planners import DStarLite

    ds = DStarLite(np.full((3, 3), 2.0), (0, 0), (2, 2))
    ds.plan()
    ds._separated(0, 8, 4)


def _mpgaa() -> None:
    """MPGAA*'s search kernel (its only one: sensing feeds it without a kernel)."""
    import numpy as np

    from rover.planners import MPGAAStar

    MPGAAStar(np.full((3, 3), 2.0), (0, 0), (2, 2)).plan()


def _discs() -> None:
    """The rock-stamping kernel, the first of the cost map's (in the argument types of
    :func:`rover.costmap.terrain_cost`'s call)."""
    import numpy as np

    from rover import _costmap

    _costmap._stamp_discs(np.zeros((4, 4), dtype=np.uint8), np.ones(1), np.ones(1),
                          np.ones(1), 0.5)


def _flat_world(planner: str):
    """(scenario, world) of a flat 64 x 64 world built by hand: running on it compiles the
    sensing and driving kernels (and the planner's) with the argument types of a real run,
    and nothing else. Generating a terrain and its cost map here would compile those kernels
    a second time, on this core, while the main process compiles them first."""
    import numpy as np

    from rover.costmap import Traversability
    from rover.models import rover_preset
    from rover.scenario import MissionConfig, Scenario, TerrainConfig
    from rover.sim import World
    from terrains import Terrain, bodies

    n, cell = 64, 0.5
    flat = np.zeros((n, n), dtype=np.float32)
    sc = Scenario(name="prewarm", description="", seed=0,
                  terrain=TerrainConfig(body="mars", preset=None, size=(n, n), cell_size_m=cell),
                  rover=rover_preset("perseverance"),
                  mission=MissionConfig(start=(5.0, 5.0), goal=(25.0, 25.0), planner=planner,
                                        sense_every_m=0.5, goal_tolerance_m=1.0))
    tr = Traversability(cost=np.ones((n, n)), obstacles=np.zeros((n, n), dtype=bool),
                        slope_x=flat, slope_y=flat.copy(), roughness_m=flat.copy(),
                        step_m=flat.copy(), cell_size=cell)
    world = World(scenario=sc, terrain=Terrain(height=flat, cell_size=cell,
                                               body=bodies()["mars"]),
                  traversability=tr, true_cost=tr.cost, cell_size=cell, seed=0)
    return sc, world


class _NoWarmUp:
    """Within it, a run skips its planner's warm-up: on the flat world the ground costs
    what unseen ground is assumed to cost, so sensing changes no cell and D* Lite's update
    kernel is not reached; the warm-up would compile it first. (`rover bench` needs the
    update kernel after the driving loop and asks for it after: target "dstar".)"""

    def __init__(self, planner: str):
        import numpy as np

        from rover import sim

        self.sim = sim
        self.skip = ({(planner, np.dtype(np.float64).str, rekey) for rekey in (False, True)}
                     - sim._WARMED)

    def __enter__(self):
        self.sim._WARMED.update(self.skip)

    def __exit__(self, *exc):
        self.sim._WARMED.difference_update(self.skip)


def _drive(planner: str = "astar") -> None:
    """A whole run on the flat world: the planner's, sensing's and driving's kernels."""
    from rover.sim import simulate

    sc, world = _flat_world(planner)
    with _NoWarmUp(planner):
        simulate(sc, planner=planner, world=world)


def _flat_run(planner: str = "astar"):
    """A :class:`rover.sim._Run` on the flat world (its planner's warm-up skipped)."""
    from rover import sim

    sc, world = _flat_world(planner)
    with _NoWarmUp(planner):
        return sim._Run(sc, world, planner, None, None, None)


def _follow() -> None:
    """The drive kernel alone (:meth:`rover.sim._Run.follow` on the flat world, along a
    route of two points): what a first ``rover run`` needs last and compiles longest."""
    run = _flat_run()
    run.poly[:2] = ((5.0, 5.0), (6.0, 6.0))
    run.nv = 2
    run.follow(6.0, 6.0)


def look(planner: str = "mpgaa", rekey: bool = False) -> None:
    """What a first ``rover run`` with ``planner`` compiles in its own process while the
    background one compiles the drive kernel: sensing's and smoothing's kernels
    (:meth:`rover.sim._Run.sense` and :meth:`~rover.sim._Run.smooth` on the flat world), the
    plan check's (:func:`rover.planners.check_plan`), the planner's own (its warm-up, as
    :func:`rover.sim.simulate` runs it next; ``rekey`` as there: whether unseen ground costs
    more than 1) and the distance to obstacles (:func:`rover.costmap.distance_to_mask`, which
    the run's summary needs at its end)."""
    import numpy as np

    from rover.costmap import distance_to_mask
    from rover.planners import Plan, check_plan, get
    from rover.sim import _warm_planner

    distance_to_mask(np.eye(4, dtype=bool), 0.5)

    run = _flat_run()
    run.sense()
    run.smooth(np.array([[10, 10], [11, 11]], dtype=np.int64), (5.75, 5.75))
    # Any plan will do: the kernel compiles whatever it finds wrong (here the cost).
    check_plan(run.km.cost, Plan(np.array([[0, 0], [1, 1]], dtype=np.int64), 1.0, 0, True),
               (0, 0), (1, 1))
    entry = get(planner)
    _warm_planner(entry, np.float64, rekey=rekey)


def _terms() -> None:
    """The cost map's kernels, the disc footprint's (:func:`rover._costmap._disc_terms`, the
    default) and then the square's (:func:`rover._costmap._terrain_terms`), in the argument
    types of :func:`rover.costmap.terrain_cost`'s call. A first ``rover run`` builds its
    cost map with the kernel's NumPy twin instead (:func:`defer_terms`), so this compiles
    them for the runs that follow, last, after what the run itself waits for."""
    import numpy as np

    from rover import _costmap

    z = np.zeros((4, 4), dtype=np.float32)
    out = [np.zeros((4, 4), dtype=np.uint8), np.empty((4, 4))]
    out += [np.empty((4, 4), dtype=np.float32) for _ in range(4)]
    spans = np.array([1, 0], dtype=np.int64)
    _costmap._disc_terms(z, 0.0, spans, 0.5, 0.5, 0.1, 0.2, 1.0, 1.0, 1.0, *out)
    _costmap._terrain_terms(z, 0.0, 1, 0.5, 0.5, 0.1, 0.2, 1.0, 1.0, 1.0, *out)


@contextlib.contextmanager
def defer_terms(proc: subprocess.Popen | None, targets):
    """Within it, when the background process ``proc`` was started with ``targets`` that
    include "terms" and the cost map's kernel is not in numba's cache, cost maps are built
    with that kernel's NumPy twin (:data:`rover._costmap.DEFER_TERMS`): the same numbers,
    50 ms on the flagship instead of 3-4 s of compiling; the background process compiles the
    kernel for the runs that follow. Without a background process the run compiles the
    kernel itself, so that it is compiled once and for all."""
    from rover import _costmap

    before = _costmap.DEFER_TERMS
    # Kernels already in the cache load at once: no reason for the twins then. (With one of
    # the two cached, its twin may still stand in until it is loaded: the same numbers.)
    _costmap.DEFER_TERMS = (proc is not None and "terms" in targets
                            and not all(map(_cached, _sentinels("terms"))))
    try:
        yield
    finally:
        _costmap.DEFER_TERMS = before


TARGETS = {"dstar": _dstar, "dstar-plan": _plan_kernels, "mpgaa": _mpgaa, "drive": _drive,
           "follow": _follow, "discs": _discs, "terms": _terms}
"""What the background process can compile, in the order it is given: D* Lite's kernels,
only those a plan needs, MPGAA*'s, the sensing and driving loop's (run with D* Lite when a
D* Lite target is given too, else with MPGAA* when it is, else with A*), the drive kernel
alone, the rock-stamping kernel, or the cost map's."""


def _sentinels(target: str) -> list:
    """The kernels whose cached presence means ``target`` is warm."""
    if target.startswith("dstar"):
        from rover.planners import kernels

        return kernels("dstar_lite", updates=target != "dstar-plan")
    if target == "mpgaa":
        from rover.planners import kernels

        return kernels("mpgaa")
    from rover import _drive, _sensing

    if target == "follow":
        return [_drive._drive]
    if target in ("discs", "terms"):
        from rover import _costmap

        return ([_costmap._stamp_discs] if target == "discs"
                else [_costmap._disc_terms, _costmap._terrain_terms])
    return [_drive._drive, _drive._smooth, _sensing._sense]


def _cached(dispatcher) -> bool:
    """Whether numba's cache holds compiled code for ``dispatcher``: an index that is valid
    for the source as it is now (numba stamps it; after an upgrade or an edit the old index
    is still there but empty) and whose data files are all written (numba writes the index
    first). True when it cannot tell, so that an unfamiliar numba never causes a background
    start."""
    try:
        cache_file = dispatcher._cache._cache_file
        if not os.path.exists(cache_file._index_path):
            return False
        index = cache_file._load_index()
        return bool(index) and all(os.path.exists(os.path.join(cache_file._cache_path, name))
                                   for name in index.values())
    except AttributeError:
        return True
    except Exception:  # a half-written or foreign index: not usable, so not cached
        return False


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def start(targets) -> subprocess.Popen | None:
    """Start compiling ``targets`` (names in :data:`TARGETS`) in the background when it can
    help; return the process, or None when nothing was started."""
    if os.environ.get(ENV, "1") == "0" or _cores() < 2:
        return None
    cold = [t for t in dict.fromkeys(targets) if not all(_cached(d) for d in _sentinels(t))]
    if not cold:
        return None
    try:
        # -P: import rover (and numpy, numba) as this process does, never from a module of
        # the same name in the current folder.
        proc = subprocess.Popen([sys.executable, "-P", "-m", "rover._prewarm", *cold],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    except OSError:
        return None  # only a speed-up: never a reason to fail
    _STARTED.append(proc)
    return proc


def stop(proc: subprocess.Popen | None) -> None:
    """Interrupt a background compile (when the command that started it fails): with
    SIGINT, numba's cache writes end cleanly (they go through a temporary file)."""
    if proc is None or proc.poll() is not None:
        return
    try:
        proc.send_signal(signal.SIGINT if os.name == "posix" else signal.SIGTERM)
    except OSError:
        pass


def main(argv: list[str]) -> int:
    for name in argv:
        if name not in TARGETS:
            print(f"rover._prewarm: unknown target {name!r}; valid: {', '.join(TARGETS)}",
                  file=sys.stderr)
            return 2
    for name in argv:
        if name == "drive":
            _drive(_drive_planner(argv))
        else:
            TARGETS[name]()
    return 0


def _drive_planner(targets) -> str:
    """The planner the "drive" target runs with: the one whose kernels are targets too."""
    if {"dstar", "dstar-plan"} & set(targets):
        return "dstar_lite"
    return "mpgaa" if "mpgaa" in targets else "astar"


def run_targets() -> list[str]:
    """What a first ``rover run`` compiles in the background, in the order it needs them:
    the first of the cost map's kernels (the rock-stamping one), then the drive kernel, the
    longest to compile and the last the run needs; then, for the runs that follow, the cost
    map's main kernel, which this run replaces with its NumPy twin (:func:`defer_terms`).
    Meanwhile the run builds its world (compiling the terrain's kernels), then compiles
    sensing's, smoothing's, the plan check's, its planner's and the distance to obstacles'
    (:func:`look`), then waits for the drive kernel (:func:`wait_for`): both cores stay busy
    until the drive (docs/performance.md has the figures)."""
    return ["discs", "follow", "terms"]


def wait_for(proc: subprocess.Popen | None, target: str, timeout_s: float = 30.0) -> None:
    """Wait until the background process ``proc`` has saved ``target``'s kernels to numba's
    cache (or has ended, or ``timeout_s`` has passed): loading them then is quicker than
    compiling them a second time here. Returns at once when nothing was started."""
    import time

    if proc is None:
        return
    end = time.monotonic() + timeout_s
    kernels = _sentinels(target)
    while proc.poll() is None and time.monotonic() < end:
        if all(_cached(d) for d in kernels):
            return
        time.sleep(0.02)


def cold(targets, *, planner: str | None = None) -> bool:
    """Whether any kernel of ``targets`` (and, with ``planner``, the kernels a run with that
    planner compiles in its own process: :func:`look`'s, the planner's and the world's) is
    missing from numba's cache, i.e. whether this process is about to compile (a first
    run)."""
    kernels = [d for t in targets for d in _sentinels(t)]
    if planner is not None:
        from rover import _costmap, _drive, _sensing

        kernels += [_drive._smooth, _sensing._sense, _costmap._squared_edt,
                    _costmap._terrain_terms]
        if planner in ("dstar_lite", "mpgaa", "astar"):
            from rover.planners import kernels as planner_kernels

            kernels += planner_kernels(planner)
    return not all(_cached(d) for d in kernels)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
