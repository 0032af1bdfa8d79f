"""Random incremental-planner workloads checked against a from-scratch A* after every step
(test helper).

One sequence: a cost grid, a start and a goal, then a list of operations applied to a
:class:`rover.planners.DStarLite` (or :class:`rover.planners.MPGAAStar`: every function
that builds a planner takes its class as ``cls``) and to a reference copy of the grid, with ``plan()``
compared to ``astar`` on the reference after each. The operations aim at the cases that
broke, or could break, the incremental repair: walls that close and open around the goal and
the start (the goal unreachable, then reachable again), many blocked cells, heavy changes
next to the start, the rover moving along its path (or jumping anywhere), costs below the
least one seen (the heuristic re-key) and rises and falls of a few ulps on near-uniform
grids, where keys tie exactly in real arithmetic and rounding decides their order.

Used by ``test_dstar_lite.py`` and ``test_mpgaa.py`` (hypothesis chooses the knobs) and by
``soak_dstar.py`` (a long seeded run). Not collected by pytest itself.
"""

from __future__ import annotations

import math
import numpy as np

from rover.planners import DStarLite, _dstar_lite_kernels, astar

INF = np.inf
EPS = np.finfo(np.float64).eps

COST_KINDS = ("ones", "ulp", "integers", "reals", "wide", "spread")
"""Cost fields: all 1; 1 plus a few ulps; small integers; reals in [1, 10]; reals in [5, 50]
(so that a cheaper cell forces the heuristic re-key); log-uniform in [1, 1e6]."""

OPS = ("rise", "fall", "block", "unblock", "mixed", "on_path", "on_path", "wall_goal",
       "open_goal", "wall_start", "open_start", "near_start", "sense", "cheaper", "ulp",
       "block_end", "unblock_end", "move", "move", "move", "move", "jump")
"""Operation names (``move`` and ``on_path`` are listed more than once to weigh them up when
sampled uniformly)."""


def property_args() -> dict:
    """The hypothesis strategies for :func:`run`'s knobs, as the property tests of both
    incremental planners draw them: ``@given(**property_args())``."""
    from hypothesis import strategies as st

    return dict(rows=st.integers(1, 14), cols=st.integers(1, 14),
                kind=st.sampled_from(("ones",) + COST_KINDS),
                blocked=st.sampled_from([0.0, 0.1, 0.25, 0.45]),
                connectivity=st.sampled_from([8, 8, 4]),
                ops=st.lists(st.sampled_from(OPS), min_size=1, max_size=24),
                seed=st.integers(0, 2**32 - 1))


class Mismatch(AssertionError):
    """The planner disagreed with A* (or raised); the message has the whole history."""


class Sequence:
    """The reference state of one sequence and its history (for failure messages)."""

    def __init__(self, grid, truth, start, goal, connectivity, planner):
        self.grid = grid
        self.truth = truth
        self.start = start
        self.goal = goal
        self.connectivity = connectivity
        self.planner = planner
        self.history = []
        self.last = None

    def describe(self) -> str:
        return "\n".join(str(h) for h in self.history[-40:])


def make_grid(rng, rows, cols, kind, blocked):
    """A cost grid of the given kind with a fraction ``blocked`` of cells set to inf."""
    shape = (rows, cols)
    if kind == "ones":
        grid = np.ones(shape)
    elif kind == "ulp":
        grid = 1.0 + EPS * rng.integers(0, 64, shape)
    elif kind == "integers":
        grid = rng.integers(1, 4, shape).astype(np.float64)
    elif kind == "reals":
        grid = 1.0 + 9.0 * rng.random(shape)
    elif kind == "wide":
        grid = 5.0 + 45.0 * rng.random(shape)
    elif kind == "spread":
        grid = 10.0 ** (6.0 * rng.random(shape))
    else:  # pragma: no cover - a typo in a caller
        raise ValueError(f"unknown cost kind {kind!r}")
    grid[rng.random(shape) < blocked] = INF
    return grid


def _cell(rng, shape):
    return int(rng.integers(shape[0])), int(rng.integers(shape[1]))


def _ring(center, radius, shape):
    """Cells at Chebyshev distance ``radius`` from ``center``, inside the grid."""
    r0, c0 = center
    out = []
    for r in range(r0 - radius, r0 + radius + 1):
        for c in range(c0 - radius, c0 + radius + 1):
            if max(abs(r - r0), abs(c - c0)) == radius and 0 <= r < shape[0] \
                    and 0 <= c < shape[1]:
                out.append((r, c))
    return out


def _disc(center, radius, shape):
    r0, c0 = center
    return [(r, c) for r in range(max(r0 - radius, 0), min(r0 + radius + 1, shape[0]))
            for c in range(max(c0 - radius, 0), min(c0 + radius + 1, shape[1]))]


def _costs_like(rng, kind, k):
    if kind in ("ones", "ulp"):
        return 1.0 + EPS * rng.integers(0, 64, k)
    if kind == "integers":
        return rng.integers(1, 4, k).astype(np.float64)
    if kind == "wide":
        return 5.0 + 45.0 * rng.random(k)
    if kind == "spread":
        return 10.0 ** (6.0 * rng.random(k))
    return 1.0 + 9.0 * rng.random(k)


def _changes(seq, rng, op, kind):
    """(cells (K, 2) int64, costs (K,)) for an update operation, or None."""
    shape = seq.grid.shape
    grid = seq.grid
    if op in ("rise", "fall", "block", "unblock", "mixed"):
        k = int(rng.integers(1, 9))
        cells = [_cell(rng, shape) for _ in range(k)]
        old = np.array([grid[c] for c in cells])
        if op == "rise":
            new = np.where(np.isfinite(old), old + 1.0 + 5.0 * rng.random(k), INF)
        elif op == "fall":
            new = np.where(np.isfinite(old), np.maximum(1.0, old - 5.0 * rng.random(k)), old)
        elif op == "block":
            new = np.full(k, INF)
        elif op == "unblock":
            new = _costs_like(rng, kind, k)
        else:
            new = np.where(rng.random(k) < 0.3, INF, _costs_like(rng, kind, k))
    elif op == "on_path":
        # An obstacle, a rise or a fall on or beside the current path, as sensing finds them.
        plan = seq.last
        if plan is None or not plan.found:
            return None
        k = int(rng.integers(1, 4))
        cells = []
        for _ in range(k):
            r, c = plan.path[int(rng.integers(len(plan.path)))]
            cell = (int(r + rng.integers(-1, 2)), int(c + rng.integers(-1, 2)))
            if 0 <= cell[0] < shape[0] and 0 <= cell[1] < shape[1]:
                cells.append(cell)
        if not cells:
            return None
        old = np.array([grid[c] for c in cells])
        new = np.where(rng.random(len(cells)) < 0.5, INF, _costs_like(rng, kind, len(cells)))
        new = np.where(rng.random(len(cells)) < 0.2, old + 1.0, new)
    elif op in ("wall_goal", "wall_start"):
        # Close a ring around the end, sometimes leaving one gap (on a corner, a gap that
        # no-corner-cutting keeps closed).
        center = seq.goal if op == "wall_goal" else seq.start
        radius = int(rng.integers(1, 4))
        cells = _ring(center, radius, shape)
        if not cells:
            return None
        new = np.full(len(cells), INF)
        if rng.random() < 0.4:
            new[int(rng.integers(len(cells)))] = _costs_like(rng, kind, 1)[0]
    elif op in ("open_goal", "open_start"):
        center = seq.goal if op == "open_goal" else seq.start
        cells = [c for c in _disc(center, 3, shape) if not math.isfinite(grid[c])]
        if not cells:
            return None
        pick = rng.permutation(len(cells))[: int(rng.integers(1, len(cells) + 1))]
        cells = [cells[i] for i in pick]
        new = _costs_like(rng, kind, len(cells))
    elif op == "near_start":
        # Heavy change next to the rover: most cells of a disc change, a third blocked.
        cells = [c for c in _disc(seq.start, int(rng.integers(1, 4)), shape)
                 if rng.random() < 0.8]
        if not cells:
            return None
        new = np.where(rng.random(len(cells)) < 0.35, INF, _costs_like(rng, kind, len(cells)))
    elif op == "sense":
        # What the simulator does: a window around the rover takes its true costs.
        cells = _disc(seq.start, int(rng.integers(1, 6)), shape)
        new = np.array([seq.truth[c] for c in cells])
    elif op == "cheaper":
        k = int(rng.integers(1, 6))
        cells = [_cell(rng, shape) for _ in range(k)]
        finite = grid[np.isfinite(grid)]
        least = float(finite.min()) if finite.size else 2.0
        new = np.maximum(1.0, least - rng.random(k) * least)
    elif op == "ulp":
        # Rises and falls of a few ulps, as a costmap recomputed from the same data gives.
        cells = [c for c in _disc(_cell(rng, shape), int(rng.integers(1, 6)), shape)
                 if math.isfinite(grid[c])]
        if not cells:
            return None
        old = np.array([grid[c] for c in cells])
        new = np.maximum(1.0, old * (1.0 + EPS * rng.integers(-8, 9, len(cells))))
    elif op in ("block_end", "unblock_end"):
        cells = [seq.goal if rng.random() < 0.5 else seq.start]
        new = np.array([INF]) if op == "block_end" else _costs_like(rng, kind, 1)
    else:  # pragma: no cover - a typo in OPS
        raise ValueError(f"unknown operation {op!r}")
    return np.array(cells, dtype=np.int64).reshape(-1, 2), np.asarray(new, dtype=np.float64)


def full_descent(planner):
    """(cost, path) of the steepest descent from the planner's start on its current values,
    read all the way to the goal, as if it had no path to reuse (see ``_dstar_lite_kernels.extract``)."""
    n = planner._flat.size
    cols = planner._cols
    si = planner.start[0] * cols + planner.start[1]
    ti = planner.goal[0] * cols + planner.goal[1]
    status, _, total, path = _dstar_lite_kernels.extract(
        planner._flat, cols, planner._conn8, planner._g, planner._rhs, si, ti,
        np.empty((n, 3), np.int64), np.empty(n), 0, np.empty(n, np.int32),
        np.array([_dstar_lite_kernels.UNTOUCHED, -1, _dstar_lite_kernels.UNTOUCHED, -1]), np.empty((n, 3), np.int64),
        np.empty(n))
    assert status == _dstar_lite_kernels.DONE, status
    return total, path


def check(seq, note=""):
    """plan() against a from-scratch A* on the reference grid, its path checked step by
    step, and for D* Lite against a descent read all the way (no part of an earlier path
    reused); returns the plan."""
    p = seq.planner
    try:
        plan = p.plan()
    except Exception as exc:  # any exception is a failure of the contract
        raise Mismatch(f"plan() raised {exc!r} {note}\n{seq.describe()}") from exc
    ref = astar(seq.grid, seq.start, seq.goal, connectivity=seq.connectivity)
    if plan.found != ref.found or not (
            plan.cost == ref.cost or math.isclose(plan.cost, ref.cost, rel_tol=1e-9)):
        raise Mismatch(f"{type(p).__name__} {plan.found} {plan.cost!r}, A* {ref.found} "
                       f"{ref.cost!r} "
                       f"{note}\n{seq.describe()}")
    if plan.found:
        path = plan.path
        if tuple(path[0]) != seq.start or tuple(path[-1]) != seq.goal:
            raise Mismatch(f"path ends {tuple(path[0])} {tuple(path[-1])}\n{seq.describe()}")
        total = 0.0
        g = seq.grid
        for (r0, c0), (r1, c1) in zip(path[:-1].tolist(), path[1:].tolist()):
            dr, dc = r1 - r0, c1 - c0
            ok = max(abs(dr), abs(dc)) == 1 and math.isfinite(g[r1, c1]) and (
                seq.connectivity == 8 or dr == 0 or dc == 0)
            if ok and dr and dc:
                ok = math.isfinite(g[r0 + dr, c0]) and math.isfinite(g[r0, c0 + dc])
            if not ok:
                raise Mismatch(f"illegal step {(r0, c0)} -> {(r1, c1)}\n{seq.describe()}")
            total += (math.sqrt(2.0) if dr and dc else 1.0) * (g[r0, c0] + g[r1, c1]) / 2.0
        if not math.isclose(total, plan.cost, rel_tol=1e-12, abs_tol=1e-12):
            raise Mismatch(f"path costs {total!r}, plan says {plan.cost!r}\n{seq.describe()}")
        if not isinstance(p, DStarLite):
            seq.last = plan
            return plan
        whole, whole_path = full_descent(p)
        if whole != plan.cost or not np.array_equal(whole_path, path):
            raise Mismatch(f"the path reusing the last one differs from a whole descent "
                           f"({plan.cost!r} vs {whole!r})\n{seq.describe()}")
    seq.last = plan
    return plan


def start_sequence(rng, rows, cols, kind, blocked, connectivity, cls=DStarLite):
    """Build the grid, the hidden true grid (for ``sense``), start, goal and the planner."""
    grid = make_grid(rng, rows, cols, kind, blocked)
    truth = make_grid(rng, rows, cols, kind, min(0.5, blocked + 0.15))
    start = _cell(rng, (rows, cols))
    goal = _cell(rng, (rows, cols))
    planner = cls(grid, start, goal, connectivity=connectivity)
    seq = Sequence(grid.copy(), truth, start, goal, connectivity, planner)
    seq.history.append(("init", kind, (rows, cols), connectivity, start, goal))
    check(seq, "(first plan)")
    return seq


def apply(seq, rng, op, kind, advance=None):
    """Apply one operation to the planner and the reference, then check ``plan()``."""
    if op in ("move", "jump"):
        plan = seq.last
        if op == "move" and plan is not None and plan.found and len(plan.path) > 1:
            n = len(plan.path) - 1
            k = advance if advance is not None else int(
                rng.integers(1, n + 1) if rng.random() < 0.3 else rng.integers(1, min(n, 3) + 1))
            cell = tuple(int(x) for x in plan.path[min(max(k, 1), n)])
        else:
            cell = _cell(rng, seq.grid.shape)
        seq.planner.move_to(cell)
        seq.start = cell
        seq.history.append(("move_to", cell))
    else:
        ch = _changes(seq, rng, op, kind)
        if ch is None:
            return seq.last
        cells, costs = ch
        expect = seq.grid.copy()
        expect[cells[:, 0], cells[:, 1]] = costs  # the last entry for a repeated cell wins
        changed = seq.planner.update(cells, costs)
        if changed != int(np.sum(expect != seq.grid)):
            raise Mismatch(f"update reported {changed} changes\n{seq.describe()}")
        seq.grid = expect
        seq.history.append(("update", op, cells.tolist(), costs.tolist()))
    plan = check(seq, f"(after {op})")
    if rng.random() < 0.2:
        again = seq.planner.plan()
        # D* Lite has nothing left to do; MPGAA* finds the start's kept path at once (but
        # searches an unreachable goal's whole side again, as A* would).
        most = 0 if isinstance(seq.planner, DStarLite) else 1 if plan.found else math.inf
        if again.expanded > most or again.cost != plan.cost:
            raise Mismatch(f"a second plan() expanded {again.expanded} and cost {again.cost!r} "
                           f"after {plan.cost!r}\n{seq.describe()}")
    return plan


def run(seed, rows, cols, kind, blocked, connectivity, ops, cls=DStarLite):
    """One whole sequence from a seed; raises :class:`Mismatch` on the first disagreement."""
    rng = np.random.default_rng(seed)
    seq = start_sequence(rng, rows, cols, kind, blocked, connectivity, cls)
    for op in ops:
        apply(seq, rng, op, kind)
    return seq


def drive(seed, size, kind, blocked, connectivity, steps, radius=4, cls=DStarLite):
    """The simulator's pattern on a larger grid: the planner starts on a uniform guess of
    the ground, the rover senses a window around itself (the true costs replace the guess),
    replans and drives one to three cells along the plan; ``plan()`` is checked against A*
    at every step. Ends at the goal, when the goal is unreachable, or after ``steps``."""
    rng = np.random.default_rng(seed)
    truth = make_grid(rng, size, size, kind, blocked)
    start, goal = _cell(rng, truth.shape), _cell(rng, truth.shape)
    truth[start] = truth[goal] = 1.0
    guess = 1.0 if kind in ("ones", "ulp", "integers", "reals") else 5.0
    grid = np.full(truth.shape, guess)
    planner = cls(grid, start, goal, connectivity=connectivity)
    seq = Sequence(grid.copy(), truth, start, goal, connectivity, planner)
    seq.history.append(("drive", kind, (size, size), connectivity, start, goal))
    for _ in range(steps):
        apply(seq, rng, "sense", kind)
        plan = seq.last
        if not plan.found or len(plan) == 1:
            break
        apply(seq, rng, "move", kind, advance=int(rng.integers(1, 4)))
    return seq
