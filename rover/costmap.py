"""Traversability: from a height field and a rover's limits to the planners' cost grid.

For every cell the rover's footprint is the cells whose centres lie within the radius
:attr:`RoverSpec.radius_m` of its centre (:func:`footprint_spans`; ``CostWeights.footprint``
``"disc"``, the default), which reaches as far in every direction, or with
``CostWeights(footprint="square")`` the square window of ``2k+1`` cells a side that holds that
circle (``k = max(1, round(radius / cell))``). Over it:

- **tilt**: angle of the least-squares plane through the heights;
- **roughness**: RMS residual of that fit [m];
- **step**: the largest height difference between edge-adjacent cells in the window, less
  the plane's own (``max(|dz/dx|, |dz/dy|) * cell``) [m]: a ledge, a rock edge, a crater lip.

Each term is divided by its limit (``tan(tilt) / tan(max_tilt_deg)``, roughness over the
roughness limit, step over ``max_step_m``); a
term over 1 makes the cell an obstacle, otherwise the cost is ``1 + sum(w * term**2)`` (1 on
flat smooth ground, at most ``1 + sum(w)`` at the limits). Rocks taller than the rover's
``clearance_m`` and keep-out polygons are obstacles too; around those the cost is ``inf``
on every cell that holds *any* point within the rover's radius of the rock disc or the
polygon (the cell's square is tested against the obstacle grown by the radius, not its
centre), so that wherever the rover's centre lies in a finite cell its whole footprint
circle is clear of them: a plan through finite cells is one the whole rover can drive. The
map's edge is such an obstacle too: the band of cells within the radius of it costs ``inf``,
so the whole footprint stays on the map.
(The terrain terms need no inflation: they are already computed over the footprint.) The
result's ``cost`` is float64, >= 1, ``inf`` impassable: the planners' input.

The kernels live in :mod:`rover._costmap`; this module validates and wraps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np

from rover._costmap import _dilate, _squared_edt, _stamp_discs, disc_terms, terrain_terms
from rover.models import CostWeights, RoverSpec

__all__ = [
    "CostWeights", "Traversability", "traversability", "terrain_cost", "rasterize_polygons",
    "inflate", "grow_cells", "distance_to_mask", "footprint_halfwidth", "footprint_spans",
    "edge_band_cells", "cell_index",
]


def cell_index(x: float, y: float, cell_size: float, shape: tuple[int, int]) -> tuple[int, int]:
    """``(row, col)`` of the grid cell that holds the point (x, y) [m]: ``floor(y / cell_size)``,
    ``floor(x / cell_size)``, clipped to a grid of ``shape`` (rows, cols).

    Every part of the package (the drive and sensing kernels, the loop, placement checks)
    locates a point this way. It matters on cell edges: with a cell size such as 0.2 m, which
    binary floating point cannot hold exactly, ``8.0 // 0.2`` is 39 while ``floor(8.0 / 0.2)``
    is 40, and a start on an edge was once checked in one cell and driven from the other.
    """
    rows, cols = shape
    r = int(math.floor(y / cell_size))
    c = int(math.floor(x / cell_size))
    return min(max(r, 0), rows - 1), min(max(c, 0), cols - 1)


@dataclass(frozen=True)
class Traversability:
    """A cost grid and the terms it was made from; all grids are (rows, cols)."""

    cost: np.ndarray
    """float64, >= 1, ``inf`` impassable (inflated by the rover's radius)."""
    obstacles: np.ndarray
    """bool, cells impassable before inflation (rocks, hazards, terms over their limits)."""
    slope_x: np.ndarray
    """float32, dz/dx (east) of the footprint plane [m/m]."""
    slope_y: np.ndarray
    """float32, dz/dy (north) of the footprint plane [m/m]."""
    roughness_m: np.ndarray
    """float32, RMS residual of the plane fit [m]."""
    step_m: np.ndarray
    """float32, detrended largest edge-neighbour height difference in the footprint [m]."""
    cell_size: float
    """Edge of a cell [m]."""
    hazard_keep_out: np.ndarray | None = None
    """bool, cells made impassable by the keep-out polygons alone (the polygons grown by the
    rover's radius); None without polygons. Operators draw these zones from orbit, so the
    rover knows them before it sees them (see :class:`rover.sensing.KnownMap`)."""

    edge_band: int = 0
    """Cells along each edge of the grid where the rover's footprint circle would reach past
    the map's edge: impassable in ``cost``, and known before sensing like the keep-out
    zones (the map is all the ground there is to plan over)."""
    nodata_keep_out: np.ndarray | None = None
    """bool, cells made impassable by a DEM's no-data cells (grown by the rover's radius,
    as the map's edge is); None when the terrain has none. Where the DEM has no data there
    is no ground to plan over, which is known before any sensing."""

    def known_keep_out(self) -> np.ndarray | None:
        """bool (rows, cols): the cells impassable by rules known before any sensing, the
        keep-out zones, a DEM's no-data cells and the edge band; None when there are none."""
        rows, cols = self.cost.shape
        b = self.edge_band
        parts = [m for m in (self.hazard_keep_out, self.nodata_keep_out) if m is not None]
        if b <= 0 and len(parts) <= 1:
            return parts[0].copy() if parts else None
        mask = parts[0].copy() if parts else np.zeros((rows, cols), dtype=bool)
        for m in parts[1:]:
            mask |= m
        _mark_edge_band(mask, b)
        return mask

    @property
    def tilt_deg(self) -> np.ndarray:
        """float32 (rows, cols), tilt of the footprint plane [deg] (computed on each call)."""
        return np.degrees(np.arctan(np.hypot(self.slope_x, self.slope_y))).astype(np.float32)


def edge_band_cells(radius_m: float, cell_size: float) -> int:
    """Cells along each edge in which a rover of ``radius_m`` would reach past the map's edge:
    a cell is clear when every point of its square is at least the radius from the edge,
    that is from index ``radius / cell`` on (counting from 0 at either edge)."""
    return max(0, math.ceil(radius_m / cell_size - 1e-9))


def _mark_edge_band(mask: np.ndarray, band: int) -> None:
    mask[:band, :] = True
    mask[max(mask.shape[0] - band, 0):, :] = True
    mask[:, :band] = True
    mask[:, max(mask.shape[1] - band, 0):] = True


def footprint_halfwidth(rover: RoverSpec, cell_size: float) -> int:
    """Half-width ``k`` in cells of the square footprint window (``2k+1`` cells a side)."""
    return max(1, int(round(rover.radius_m / cell_size)))


def footprint_spans(rover: RoverSpec, cell_size: float, max_k: int | None = None,
                    max_span: int | None = None) -> np.ndarray:
    """The disc footprint: int64 (K+1,), ``spans[d]`` the half-width in cells of the disc's
    rows ``d`` cells above and below the centre, the cells whose centres lie within
    ``rho = max(radius / cell, 1)`` cells of the centre's (at least the centre and its four
    neighbours, enough for a plane fit): ``K = floor(rho)``, ``spans[d] =
    floor(sqrt(rho**2 - d**2))``. ``max_k`` caps K and ``max_span`` every span (default
    ``max_k``): rows and columns past a grid's extent are never read, and a huge legal rover
    must not size huge arrays."""
    rho = max(rover.radius_m / cell_size, 1.0)
    k = int(math.floor(rho + 1e-9))
    if max_k is not None:
        k = min(k, int(max_k))
    d = np.arange(k + 1)
    spans = np.floor(np.sqrt(np.maximum(rho * rho - d * d, 0.0)) + 1e-9)
    if max_span is None:
        max_span = max_k
    if max_span is not None:
        spans = np.minimum(spans, float(max_span))
    return spans.astype(np.int64)


def _check_cell_size(cell_size: Any) -> float:
    if not (isinstance(cell_size, (int, float, np.floating)) and math.isfinite(cell_size)
            and cell_size > 0):
        raise ValueError(f"cell_size must be a finite number > 0 [m], got {cell_size!r}")
    return float(cell_size)


def _polygon_geometries(polygons: Iterable[Any]) -> list:
    import shapely

    out = []
    for i, p in enumerate(polygons):
        if hasattr(p, "geometry") and callable(p.geometry):  # rover.scenario.Hazard
            g = p.geometry()
        elif isinstance(p, shapely.Geometry):
            g = p
        else:
            try:
                g = shapely.Polygon(p)
            except Exception as exc:  # noqa: BLE001 - re-raised with the index
                raise ValueError(f"hazards[{i}] is not a polygon: {exc}") from None
        out.append(g)
    return out


def rasterize_polygons(polygons: Iterable[Any], shape: tuple[int, int], cell_size: float,
                       *, margin_m: float = 0.0) -> np.ndarray:
    """Cells touched by any polygon grown by ``margin_m``.

    A cell is marked when any part of it may lie within ``margin_m`` of a polygon: its
    centre lies within ``margin_m`` plus half a cell diagonal of the polygon (conservative:
    every point of an unmarked cell is farther than ``margin_m`` from every polygon, so a
    rover of radius ``margin_m`` centred anywhere in an unmarked cell stays out of them).

    Parameters
    ----------
    polygons : iterable
        ``shapely`` geometries, :class:`rover.scenario.Hazard` objects or vertex lists
        ``[(x, y), ...]`` in metres.
    shape : (rows, cols)
    cell_size : float
        Cell edge [m].
    margin_m : float
        Distance [m] (>= 0) the polygons are grown by; 0 marks the cells they touch.

    Returns
    -------
    numpy.ndarray
        bool (rows, cols).
    """
    import shapely

    h = _check_cell_size(cell_size)
    if not (isinstance(margin_m, (int, float, np.floating)) and math.isfinite(margin_m)
            and margin_m >= 0):
        raise ValueError(f"margin_m must be a finite number >= 0 [m], got {margin_m!r}")
    rows, cols = int(shape[0]), int(shape[1])
    mask = np.zeros((rows, cols), dtype=bool)
    half_diag = 0.5 * math.sqrt(2.0) * h + float(margin_m)
    for g in _polygon_geometries(polygons):
        if g.is_empty:
            continue
        xmin, ymin, xmax, ymax = g.bounds
        c0 = max(int(math.floor((xmin - half_diag) / h)), 0)
        c1 = min(int(math.floor((xmax + half_diag) / h)), cols - 1)
        r0 = max(int(math.floor((ymin - half_diag) / h)), 0)
        r1 = min(int(math.floor((ymax + half_diag) / h)), rows - 1)
        if c1 < c0 or r1 < r0:
            continue
        xs = (np.arange(c0, c1 + 1) + 0.5) * h
        ys = (np.arange(r0, r1 + 1) + 0.5) * h
        X, Y = np.meshgrid(xs, ys)
        inside = shapely.contains_xy(g, X, Y) | shapely.dwithin(g, shapely.points(X, Y), half_diag)
        mask[r0:r1 + 1, c0:c1 + 1] |= inside
    return mask


def distance_to_mask(mask: np.ndarray, cell_size: float) -> np.ndarray:
    """Euclidean distance [m] from every cell centre to the nearest centre of a set cell.

    Parameters
    ----------
    mask : numpy.ndarray
        bool-like (rows, cols).
    cell_size : float
        Cell edge [m].

    Returns
    -------
    numpy.ndarray
        float64 (rows, cols); 0 on set cells, ``inf`` everywhere when the mask is empty.
    """
    h = _check_cell_size(cell_size)
    m = np.ascontiguousarray(mask, dtype=np.uint8)
    if m.ndim != 2:
        raise ValueError(f"mask must be a 2-D array, got shape {m.shape}")
    d2 = np.empty(m.shape, dtype=np.float64)
    _squared_edt(m, d2)
    # In place: on an 8192 x 8192 grid each float64 temporary is another 512 MiB of peak.
    far = d2 >= 1e29
    d = np.sqrt(d2, out=d2)
    d *= h
    d[far] = np.inf
    return d


def grow_cells(mask: np.ndarray, radius_m: float, cell_size: float) -> np.ndarray:
    """bool (rows, cols): the set cells of ``mask`` and every cell whose square comes closer
    than ``radius_m`` [m] to a set cell's square, the rule the map's edge follows
    (:func:`edge_band_cells`): a rover of that radius centred anywhere in an unmarked cell
    stays off the set cells. Only the set cells on the border of the set are dilated (the
    disc is convex, so the inside adds nothing), so a large no-data area costs its outline."""
    if not (math.isfinite(radius_m) and radius_m >= 0):
        raise ValueError(f"radius_m must be a finite number >= 0, got {radius_m!r}")
    h = _check_cell_size(cell_size)
    m = np.ascontiguousarray(mask, dtype=bool)
    if m.ndim != 2:
        raise ValueError(f"mask must be a 2-D array, got shape {m.shape}")
    out = m.view(np.uint8).copy()
    if not m.any() or radius_m == 0:
        return out.view(bool)
    border = m.copy()
    inner = m[1:-1, 1:-1] & m[:-2, 1:-1] & m[2:, 1:-1] & m[1:-1, :-2] & m[1:-1, 2:]
    border[1:-1, 1:-1] &= ~inner
    k = int(math.ceil(radius_m / h)) + 1
    dr, dc = np.mgrid[-k:k + 1, -k:k + 1]
    gap = h * np.hypot(np.maximum(np.abs(dr) - 1, 0), np.maximum(np.abs(dc) - 1, 0))
    near = gap < radius_m - 1e-9 * h
    offsets = np.ascontiguousarray(np.column_stack([dr[near], dc[near]]), dtype=np.int64)
    _dilate(border.view(np.uint8), offsets, out)
    return out.view(bool)


def inflate(mask: np.ndarray, radius_m: float, cell_size: float) -> np.ndarray:
    """Cells whose centre lies within ``radius_m`` of the centre of a set cell (bool)."""
    if not (math.isfinite(radius_m) and radius_m >= 0):
        raise ValueError(f"radius_m must be a finite number >= 0, got {radius_m!r}")
    h = _check_cell_size(cell_size)
    m = np.ascontiguousarray(mask, dtype=np.uint8)
    if m.ndim != 2:
        raise ValueError(f"mask must be a 2-D array, got shape {m.shape}")
    out = np.zeros(m.shape, dtype=np.uint8)
    if not m.any():
        return out.view(bool)
    k = int(math.floor(radius_m / h)) + 1
    dr, dc = np.mgrid[-k:k + 1, -k:k + 1]
    # A tiny slack so cells exactly at the radius count, whatever the rounding.
    disc = (dr * dr + dc * dc) * h * h <= radius_m * radius_m + 1e-9
    offsets = np.ascontiguousarray(np.column_stack([dr[disc], dc[disc]]), dtype=np.int64)
    _dilate(m, offsets, out)
    return out.view(bool)


def terrain_cost(
    height: np.ndarray,
    cell_size: float,
    rover: RoverSpec,
    *,
    rocks: np.ndarray | None = None,
    hazards: Iterable[Any] = (),
    weights: CostWeights = CostWeights(),
    nodata: np.ndarray | None = None,
) -> Traversability:
    """Traversability of a height field for one rover.

    Parameters
    ----------
    height : numpy.ndarray
        (rows, cols) heights [m], finite. Row 0 is the southern edge.
    cell_size : float
        Cell edge [m].
    rover : RoverSpec
        Limits used: ``max_tilt_deg``, ``max_step_m``, ``clearance_m``, ``radius_m``.
    rocks : numpy.ndarray, optional
        (M, 4) x, y, diameter, height [m] in world coordinates; rocks taller than
        ``rover.clearance_m`` are obstacles over every cell their disc meets, and every cell
        holding a point within ``rover.radius_m`` of the disc costs ``inf``.
    hazards : iterable, optional
        Keep-out polygons (see :func:`rasterize_polygons`); obstacles, and every cell that
        may hold a point within ``rover.radius_m`` of one costs ``inf``.

        The map's edge is treated the same way: a cell that may hold a point within
        ``rover.radius_m`` of the edge costs ``inf`` (:attr:`Traversability.edge_band` cells
        along each side), so the whole rover stays on the map.
    weights : CostWeights
        Weights of the terms and the roughness limit.
    nodata : numpy.ndarray, optional
        bool (rows, cols), cells a DEM holds no data for: obstacles, and every cell whose
        square comes within ``rover.radius_m`` of one costs ``inf``, as at the map's edge
        (:attr:`Traversability.nodata_keep_out`).

    Returns
    -------
    Traversability

    Raises
    ------
    ValueError
        A malformed height field, cell size, rock table, rover or weights.

    Examples
    --------
    >>> import numpy as np
    >>> from rover.models import rover_preset
    >>> t = terrain_cost(np.zeros((32, 32)), 0.5, rover_preset("generic"))
    >>> t.edge_band, float(t.cost.min()), float(t.cost[2:-2, 2:-2].max()), float(t.cost[0, 5])
    (2, 1.0, 1.0, inf)
    """
    h = _check_cell_size(cell_size)
    z = np.asarray(height)
    if z.ndim != 2 or z.shape[0] < 1 or z.shape[1] < 1:
        raise ValueError(f"height must be a non-empty 2-D array, got shape {z.shape}")
    if not np.issubdtype(z.dtype, np.number):
        raise ValueError(f"height must be numeric, got dtype {z.dtype}")
    z = np.ascontiguousarray(z, dtype=np.float32)
    problems = rover.problems()
    if problems:
        f, msg = problems[0]
        raise ValueError(f"rover.{f} {msg}")
    for f, msg in weights.problems():
        raise ValueError(f"weights.{f} {msg}")
    rows, cols = z.shape
    # Windows are clipped at the grid's edges, so a footprint wider than the grid covers it
    # all at k = max(rows, cols): the clamp keeps a huge (legal) rover from huge loops.
    k = min(footprint_halfwidth(rover, h), max(rows, cols))
    point_obstacles = np.zeros((rows, cols), dtype=np.uint8)
    # Cells where the rover's centre would bring its footprint circle onto a point obstacle.
    keep_out = np.zeros((rows, cols), dtype=np.uint8)
    if rocks is not None:
        rk = np.asarray(rocks, dtype=np.float64)
        if rk.size:
            if rk.ndim != 2 or rk.shape[1] < 4:
                raise ValueError(f"rocks must have shape (M, 4) (x, y, diameter, height), got {rk.shape}")
            tall = rk[rk[:, 3] > rover.clearance_m]
            if len(tall):
                xs = np.ascontiguousarray(tall[:, 0])
                ys = np.ascontiguousarray(tall[:, 1])
                rad = np.ascontiguousarray(0.5 * tall[:, 2])
                _stamp_discs(point_obstacles, xs, ys, rad, h)
                # The disc grown by the radius against each cell's square: exact, so no
                # point of a finite cell is within the radius of the rock.
                _stamp_discs(keep_out, xs, ys, np.ascontiguousarray(rad + rover.radius_m), h)
    hazards = tuple(hazards)
    hazard_keep_out = None
    if hazards:
        geoms = _polygon_geometries(hazards)
        point_obstacles |= rasterize_polygons(geoms, (rows, cols), h).view(np.uint8)
        hazard_keep_out = rasterize_polygons(geoms, (rows, cols), h, margin_m=rover.radius_m)
        keep_out |= hazard_keep_out.view(np.uint8)

    nodata_keep_out = None
    if nodata is not None:
        nd = np.ascontiguousarray(nodata, dtype=bool)
        if nd.shape != (rows, cols):
            raise ValueError(f"nodata must have the height's shape {(rows, cols)}, got {nd.shape}")
        if nd.any():
            point_obstacles |= nd.view(np.uint8)
            nodata_keep_out = grow_cells(nd, rover.radius_m, h)
            keep_out |= nodata_keep_out.view(np.uint8)

    obstacle = point_obstacles.copy()
    cost = np.empty((rows, cols), dtype=np.float64)
    sx = np.empty((rows, cols), dtype=np.float32)
    sy = np.empty((rows, cols), dtype=np.float32)
    rough = np.empty((rows, cols), dtype=np.float32)
    step = np.empty((rows, cols), dtype=np.float32)
    # Subtracting the mean keeps the prefix sums of z**2 well conditioned.
    zoff = float(np.mean(z, dtype=np.float64))
    if weights.footprint == "disc":
        # as k: a disc wider than the grid covers it all at a radius of max(rows, cols)
        # each axis capped at its own extent: a strip 2 x 3000 must not cost 3000 x 3000
        terms, reach = disc_terms, footprint_spans(rover, h, max(rows - 1, 1), max(cols - 1, 1))
    else:
        terms, reach = terrain_terms, k
    status = terms(
        z, zoff if math.isfinite(zoff) else 0.0, reach, h,
        math.tan(math.radians(rover.max_tilt_deg)), weights.roughness_limit(rover),
        rover.max_step_m, float(weights.tilt), float(weights.roughness), float(weights.step),
        obstacle, cost, sx, sy, rough, step)
    if status != 0 or not math.isfinite(zoff):
        raise ValueError("height must be finite everywhere; it holds NaN or inf")
    # The whole rover must stay on the map: the edge is a wall grown by the radius, too.
    band = edge_band_cells(rover.radius_m, h)
    _mark_edge_band(keep_out.view(bool), band)
    cost[keep_out.view(bool)] = np.inf
    return Traversability(
        cost=cost, obstacles=obstacle.view(bool), slope_x=sx, slope_y=sy,
        roughness_m=rough, step_m=step, cell_size=h, hazard_keep_out=hazard_keep_out,
        edge_band=band, nodata_keep_out=nodata_keep_out,
    )


def traversability(terrain: Any, rover: RoverSpec, *, hazards: Iterable[Any] = (),
                   weights: CostWeights = CostWeights()) -> Traversability:
    """Traversability of a :class:`terrains.Terrain` (or anything with ``height``,
    ``cell_size`` and optionally ``rocks`` and ``nodata``) for ``rover``; see
    :func:`terrain_cost`."""
    return terrain_cost(terrain.height, terrain.cell_size, rover,
                        rocks=getattr(terrain, "rocks", None), hazards=hazards, weights=weights,
                        nodata=getattr(terrain, "nodata", None))
