"""rover.planners.line_cost and segment_clear against slow references (anyangle_naive.py)."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rover.planners import astar, line_cost, segment_clear
from rover.planners import _line_cost_kernels as kernels

_spec = importlib.util.spec_from_file_location("rover_anyangle_naive",
                                               Path(__file__).with_name("anyangle_naive.py"))
naive = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(naive)

COSTS = [1.0, 1.5, 2.0, 3.25, np.inf]


@st.composite
def grids(draw, max_side=6, blocked=True):
    rows = draw(st.integers(1, max_side))
    cols = draw(st.integers(1, max_side))
    values = COSTS if blocked else COSTS[:-1]
    cells = draw(st.lists(st.sampled_from(values), min_size=rows * cols,
                          max_size=rows * cols))
    return np.array(cells, dtype=np.float64).reshape(rows, cols)


def quarter(lo, hi):
    """Coordinates on a grid of quarter cells: crossings through corners and runs along
    edges are frequent, and the kernel's products are exact there."""
    return st.integers(int(lo * 4), int(hi * 4)).map(lambda k: k / 4)


@st.composite
def grid_and_points(draw, n_points=2):
    cost = draw(grids())
    rows, cols = cost.shape
    pts = [(draw(quarter(-1, rows)), draw(quarter(-1, cols))) for _ in range(n_points)]
    return cost, pts


def same(a, b, rel=1e-12):
    return (a == b == math.inf) or math.isclose(a, b, rel_tol=rel, abs_tol=1e-300)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grid_and_points())
def test_segment_matches_exact_reference(case):
    cost, (p, q) = case
    ref, touched = naive.segment_ref(cost, p, q)
    got = line_cost(cost, [p, q])
    assert same(got, ref), (got, ref, p, q)
    assert segment_clear(cost, p, q) == (ref < math.inf)
    # Reversed: the same cost and the same cells.
    assert same(line_cost(cost, [q, p]), ref)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grid_and_points(n_points=4))
def test_polyline_is_the_sum_of_its_segments(case):
    cost, pts = case
    assert same(line_cost(cost, pts), naive.polyline_ref(cost, pts))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grid_and_points(n_points=3))
def test_supercover_is_every_touched_cell_in_order(case):
    cost, pts = case
    rows, cols = cost.shape
    ref = naive.supercover_ref(cost, pts)
    inside = all(0 <= i < rows and 0 <= j < cols for i, j in ref)
    if not inside:
        return  # the kernel needs the polyline inside the grid (its caller checks)
    mark = np.zeros(cost.size, dtype=np.uint8)
    cells = kernels.supercover(rows, cols, np.array(pts, dtype=np.float64), mark)
    got = [divmod(int(x), cols) for x in cells]
    assert len(got) == len(set(got))
    assert set(got) == set(ref)
    order = [ref[c] for c in got]
    assert order == sorted(order)  # by segment, then by where the line first touches it
    assert not mark.any()


def test_random_segments_match_shapely():
    # Independent of the exact reference: shapely's intersection lengths and intersects().
    rng = np.random.default_rng(7)
    checked = 0
    for _ in range(300):
        cost = rng.choice([1.0, 2.0, 3.5, np.inf], size=(4, 5), p=[0.4, 0.3, 0.2, 0.1])
        p, q = rng.uniform(-0.8, 4.8, 2), rng.uniform(-0.8, 4.8, 2)
        ref, clear = naive.shapely_segment(cost, p, q)
        got = line_cost(cost, [p, q])
        assert segment_clear(cost, p, q) == clear
        assert same(got, ref, rel=1e-9), (got, ref, p, q)
        checked += clear
    assert checked > 30  # enough clear ones for the lengths to be compared


def test_corner_and_edge_rules():
    grid = np.ones((3, 3))
    grid[0, 1] = np.inf
    # Through the corner shared by (0, 0), (0, 1), (1, 0), (1, 1): touches the blocked one.
    assert line_cost(grid, [(0, 0), (1, 1)]) == math.inf
    assert not segment_clear(grid, (0, 0), (1, 1))
    # The other diagonal of the same corner touches it too.
    assert line_cost(grid, [(1, 0), (0, 1.0)]) == math.inf
    # Along the edge between rows 0 and 1 (r = 0.5): touches row 0's blocked cell.
    assert line_cost(grid, [(0.5, -0.25), (0.5, 2.25)]) == math.inf
    # Along the edge between rows 1 and 2: clear, charged the cheaper row.
    grid[1, :] = 3.0
    grid[2, :] = 2.0
    assert line_cost(grid, [(1.5, 0), (1.5, 2)]) == 2 * 2.0
    grid[2, 1] = 5.0
    assert line_cost(grid, [(1.5, 0), (1.5, 2)]) == 0.5 * 2 + 1 * 3 + 0.5 * 2
    # A point on the grid's outer border touches the outside: not clear.
    assert line_cost(grid, [(2.5, 0), (2, 0)]) == math.inf
    assert line_cost(grid, [(-0.6, 0), (0, 0)]) == math.inf
    # A single point: 0 when clear.
    assert line_cost(grid, [(1, 1)]) == 0.0


@pytest.mark.parametrize("connectivity", [4, 8])
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cost=grids(max_side=8), data=st.data())
def test_grid_paths_cost_the_move_rule(connectivity, cost, data):
    # A grid path (cell centres, no corner cutting) costed by the line integral is the grid
    # planners' move cost: half a step in each cell. Straight steps are the same sums bit
    # for bit; a diagonal step rounds (cu + cv) * sqrt(2) / 2 differently.
    rows, cols = cost.shape
    s = (data.draw(st.integers(0, rows - 1)), data.draw(st.integers(0, cols - 1)))
    t = (data.draw(st.integers(0, rows - 1)), data.draw(st.integers(0, cols - 1)))
    plan = astar(cost, s, t, connectivity=connectivity)
    if not plan.found:
        return
    got = line_cost(cost, plan.points)
    if connectivity == 4:
        assert got == plan.cost
    else:
        assert math.isclose(got, plan.cost, rel_tol=1e-13)


def test_a_corner_cut_is_not_clear():
    grid = np.ones((2, 2))
    grid[0, 1] = np.inf
    assert not astar(grid, (0, 0), (1, 1)).path.tolist() == [[0, 0], [1, 1]]
    assert line_cost(grid, [(0, 0), (1, 1)]) == math.inf


def test_validation_messages():
    grid = np.ones((3, 3))
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        line_cost(grid, [1.0, 2.0])
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        line_cost(grid, np.empty((0, 2)))
    with pytest.raises(ValueError, match=r"points\[1\] is not finite"):
        line_cost(grid, [(0, 0), (np.nan, 1)])
    with pytest.raises(ValueError, match="below 1"):
        line_cost(np.full((2, 2), 0.5), [(0, 0)])
    with pytest.raises(ValueError, match="NaN"):
        line_cost(np.full((2, 2), np.nan), [(0, 0)])
    with pytest.raises(ValueError, match="dtype int64"):
        line_cost(np.ones((2, 2), dtype=np.int64), [(0, 0)])
    with pytest.raises(ValueError, match="2-D"):
        line_cost(np.ones(4), [(0, 0)])
    with pytest.raises(ValueError, match="p must be a"):
        segment_clear(grid, (0, 0, 0), (1, 1))
    with pytest.raises(ValueError, match="q must be a"):
        segment_clear(grid, (0, 0), (np.inf, 1))


def test_float32_grid_and_list_points():
    grid = np.array([[1.0, 2.0]], dtype=np.float32)
    assert line_cost(grid, [[0, 0], [0, 1]]) == 1.5
