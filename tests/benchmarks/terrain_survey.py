"""Every preset measured against its literature targets (issue 23's table), by the survey.

Generates each site preset at 1024 x 1024 cells of 0.5 m (512 m) and 2048 x 2048 of 1 m
(2 km), two seeds each, measures the whole surface with the independent survey
(tests/terrains/survey.py; never ``terrains.stats``) and prints, per preset, each target of
``terrains._targets`` beside the four measured values and the source, marking with ``OUT``
a row where any measured value falls outside the band: the literature's range where it
gives one, else the issue's tolerance around the value (RMS slope 15%, Hurst 0.07, crater
density 20%, size-frequency slopes 0.25, morphology 20%, rock cover 15%, rock density 20%).
Below the targets, diagnostic rows (no target) say what the generator's lists hold.

    PYTHONPATH=. .venv/bin/python tests/benchmarks/terrain_survey.py              # all
    PYTHONPATH=. .venv/bin/python tests/benchmarks/terrain_survey.py moon-mare    # some

Takes a few minutes (2 x 7 terrains of 4.2 M cells, each generated twice: with its rocks,
and without them for the rocks' own relief).
"""

from __future__ import annotations

import hashlib
import math
import statistics
import sys
import time

import numpy as np

import terrains
from terrains._targets import SOURCES, TARGETS
from tests.terrains import survey as S

CONFIGS = ((1024, 0.5), (2048, 1.0))
SEEDS = (0, 1)
TOLERANCE = {"rms_slope_deg": ("rel", 0.15), "hurst": ("abs", 0.07),
             "crater_density": ("rel", 0.20), "crater_slope_below": ("abs", 0.25),
             "crater_slope_above": ("abs", 0.25), "crossover_d_m": ("rel", 0.20),
             "fresh_depth_ratio": ("rel", 0.20), "fresh_rim_ratio": ("rel", 0.20),
             "ejecta_1p5r_ratio": ("rel", 0.20), "ejecta_2r_ratio": ("rel", 0.20),
             "rock_cover_k": ("rel", 0.15), "rock_density": ("rel", 0.20),
             "rock_near_crater_ratio": ("rel", 0.0)}
#: A listed crater this deep (d/D) or deeper counts as fresh: inside Sun et al.'s fresh
#: range (0.1-0.2), high enough to leave out craters whose rims have started to wear.
FRESH_DEPTH_RATIO = 0.12


def band(t):
    """(low, high) a measured value must lie in (either may be None: open)."""
    if t.low is not None or t.high is not None:
        return t.low, t.high
    kind, tol = TOLERANCE[t.quantity]
    if kind == "abs":
        return t.value - tol, t.value + tol
    lo, hi = t.value * (1 - tol), t.value * (1 + tol)
    return min(lo, hi), max(lo, hi)


def label(t) -> str:
    q = t.quantity
    if q == "rms_slope_deg":
        return f"RMS slope @{t.at:g} m [deg]"
    if q == "hurst":
        return f"Hurst {t.over[0]:g}-{t.over[1]:g} m"
    if q == "crater_density":
        return f"N(>={t.at:g} m) [/km^2]"
    if q in ("crater_slope_below", "crater_slope_above"):
        return f"SFD slope {t.over[0]:g}-{t.over[1]:g} m"
    if q == "crossover_d_m":
        return "eq. crossover D [m]"
    if q in ("fresh_depth_ratio", "fresh_rim_ratio", "ejecta_1p5r_ratio", "ejecta_2r_ratio"):
        name = {"fresh_depth_ratio": "fresh d/D", "fresh_rim_ratio": "fresh rim/D",
                "ejecta_1p5r_ratio": "ejecta@1.5R/D", "ejecta_2r_ratio": "ejecta@2R/D"}[q]
        return f"{name} {t.over[0]:g}-{t.over[1]:g} m"
    if q == "rock_cover_k":
        return "rock cover k"
    if q == "rock_density":
        return f"rocks N(>={t.at:g} m) [/100m^2]"
    if q == "rock_near_crater_ratio":
        return f"rocks near fresh D>={t.at:g} m / bg"
    return q


SCALE = {"crater_density": 1e6, "rock_density": 1e2}   # per km^2, per 100 m^2


def fmt(v, q=None) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    v = v * SCALE.get(q, 1.0)
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 100:
        return f"{v:.0f}"
    if a >= 1:
        return f"{v:.2f}"
    if a >= 0.01:
        return f"{v:.3f}"
    return f"{v:.2e}"


class Measured:
    """Everything the survey measures on one terrain (and its rock-free twin)."""

    def __init__(self, preset: str, n: int, cell: float, seed: int):
        self.t = terrains.generate(preset=preset, size=n, cell_size=cell, seed=seed)
        # the same ground without its rocks in the height field (rocks_in_height=0 keeps
        # the relief calibrated as with them; rock_model="none" would change the relief)
        bare = terrains.generate(preset=preset, size=n, cell_size=cell, seed=seed,
                                 rocks_in_height=0)
        self.delta = self.t.height.astype(np.float64) - bare.height.astype(np.float64)
        del bare
        self.n, self.cell = n, cell
        self.area = (n * cell) ** 2
        self.z = self.t.height
        self.cr = np.asarray(self.t.craters, dtype=np.float64).reshape(-1, 4)
        self.rk = np.asarray(self.t.rocks, dtype=np.float64).reshape(-1, 4)
        self._morph = {}
        self._preset, self._seed = preset, seed
        self._parts = None

    def fresh_craters(self, d_lo, d_hi):
        """Listed craters in [d_lo, d_hi) of at least max(20 m, 8 cells) whose listed depth
        is >= FRESH_DEPTH_RATIO D; (craters, True), or the 5 deepest relative to D and
        False when none is that fresh."""
        cr = self.cr
        ok = (cr[:, 2] >= max(d_lo, 20.0, 8 * self.cell)) & (cr[:, 2] < d_hi)
        # whole profile (6 R) on the grid
        side = self.n * self.cell
        r6 = 3.0 * cr[:, 2]
        ok &= (cr[:, 0] - r6 >= 0) & (cr[:, 0] + r6 <= side)
        ok &= (cr[:, 1] - r6 >= 0) & (cr[:, 1] + r6 <= side)
        sel = cr[ok]
        ratio = sel[:, 3] / sel[:, 2]
        fresh = sel[ratio >= FRESH_DEPTH_RATIO]
        if len(fresh):
            return fresh[:40], True
        return sel[np.argsort(-ratio)[:5]], False

    def morphology(self, d_lo, d_hi, alone=False):
        """Morphology of the fresh craters in [d_lo, d_hi): on the whole surface, or with
        ``alone`` on the craters and ripples alone as generation makes them before the
        relief and rocks (a diagnostic: what the generator's craters are, without the
        regional relief measured as scatter)."""
        key = (d_lo, d_hi, alone)
        if key not in self._morph:
            sel, fresh = self.fresh_craters(d_lo, d_hi)
            z = self.parts() if alone else self.z
            ms = [S.crater_morphology(z, self.cell, x, y, d) for x, y, d, _ in sel]
            ms = [m for m in ms if m is not None]
            self._morph[key] = (ms, fresh)
        return self._morph[key]

    def rock_h_ratio(self) -> float:
        """Rock height / diameter: the listed rocks' median (the preset's, without rocks)."""
        if len(self.rk):
            return float(np.median(self.rk[:, 3] / self.rk[:, 2]))
        return float(self.t.params["rock_height_ratio"])

    def parts(self):
        """The craters and ripples alone (terrains._generate._surface_parts, as
        tests/benchmarks/terrain_parts.py reads them): float32 (rows, cols) [m]."""
        if self._parts is None:
            from terrains import _generate as G
            _, shape, c, p = G.resolve(None, self._preset, self.n, self.cell, {})
            self._parts = G._surface_parts(shape, c, p, self._seed, self._preset)[0]
        return self._parts

    def value(self, t, variant=None):
        q = t.quantity
        z, cell = self.z, self.cell
        side = self.n * cell
        if q == "rms_slope_deg":
            return S.rms_slope_deg(z, cell, t.at) if t.at < side / 2 else None
        if q == "hurst":
            if t.over[1] > side / 2:
                return None
            return S.hurst_exponent(z, cell, *t.over)[0]
        if q == "crater_density":
            return S.crater_density(self.cr[:, 2], self.area, t.at)
        if q in ("crater_slope_below", "crater_slope_above"):
            return S.cumulative_slope(self.cr[:, 2], *t.over)[0]
        if q == "crossover_d_m":
            return None
        if q in ("fresh_depth_ratio", "fresh_rim_ratio", "ejecta_1p5r_ratio", "ejecta_2r_ratio"):
            ms, fresh = self.morphology(*t.over)
            if not ms:
                return None
            key = {"fresh_depth_ratio": "depth_ratio", "fresh_rim_ratio": "rim_ratio",
                   "ejecta_1p5r_ratio": "relief_1p5_ratio", "ejecta_2r_ratio": "relief_2_ratio"}[q]
            v = float(np.median([m[key] for m in ms]))
            return (v, fresh, len(ms))
        if q == "rock_cover_k" and variant == "list":
            # the Golombek & Rapp k of the listed rocks' cover over the sizes placed
            lo, hi = self.t.params["rock_min_d_m"], self.t.params["rock_max_d_m"]
            if not len(self.rk):
                return 0.0
            return S.fit_cover_k(S.listed_cover(self.rk, self.area, lo, hi), lo, hi)
        if q == "rock_cover_k":
            # the k whose rocks over the claimed sizes hold the volume the height field has
            return S.cover_k_from_volume(float(np.mean(self.delta)), self.rock_h_ratio(),
                                         *t.over)
        if q == "rock_density":
            return float(np.count_nonzero(self.rk[:, 2] >= t.at)) / self.area
        if q == "rock_near_crater_ratio":
            # the target's definition: fresh craters (listed d/D >= FRESH_DEPTH_RATIO)
            fresh = self.cr[self.cr[:, 3] >= FRESH_DEPTH_RATIO * self.cr[:, 2]]
            if not len(fresh[fresh[:, 2] >= t.at]):
                return None
            return S.density_ratio_near(self.rk, fresh, self.z.shape, cell, d_min=t.at)[0]
        raise ValueError(q)

    def diagnostics(self):
        p = self.t.params
        out = {}
        out["craters listed"] = float(len(self.cr))
        big = self.cr[self.cr[:, 2] >= 20.0]
        out["craters >=20 m"] = float(len(big))
        fresh = big[:, 3] / big[:, 2] >= FRESH_DEPTH_RATIO
        out[f"  of them fresh (d/D>={FRESH_DEPTH_RATIO})"] = float(np.count_nonzero(fresh))
        out["crater D range [m]"] = None
        out["rocks listed"] = float(len(self.rk))
        out["rock cover, list (all)"] = S.listed_cover(self.rk, self.area)
        out["cells raised > 1 cm by rocks"] = S.rock_grid_cover(self.delta)
        if p.get("rock_model") == "golombek-rapp" and len(self.rk):
            out["listed cover / k (stated)"] = S.listed_cover(self.rk, self.area) / p["rock_cover"]
        if p.get("rock_model") == "golombek-rapp" and p.get("rock_cover", 0.0) > 0.0:
            model = S.gr_volume_per_area(p["rock_cover"], self.rock_h_ratio(), 0.0,
                                         p["rock_max_d_m"])
            out["rock volume in heights / model"] = float(np.mean(self.delta)) / model
        vis = S.rock_visibility(self.delta, self.cell, self.rk)
        out["rocks hitting no cell centre"] = vis["missing"]
        out["rocks stacked (>1.05 h)"] = vis["stacked"]
        out["rocks not shown in heights"] = vis["unseen"]
        ms, fresh = self.morphology(20.0, 15000.0, alone=True)
        out["fresh craters measured (>=20 m)"] = float(len(ms)) if fresh else 0.0
        for key, name in (("rim_ratio", "fresh rim/D"), ("relief_1p5_ratio", "ejecta@1.5R/D"),
                          ("relief_2_ratio", "ejecta@2R/D")):
            out[f"  {name}, craters alone"] = (float(np.median([m[key] for m in ms]))
                                               if ms and fresh else None)
        out["rocks near ALL D>=20 m / bg"] = (
            S.density_ratio_near(self.rk, self.cr, self.z.shape, self.cell)[0]
            if len(big) else None)
        if p.get("ripple_height_m", 0.0) > 0.0:
            out.update(self.ripple_diagnostics(p["ripple_wavelength_m"]))
        return out

    def ripple_diagnostics(self, lam):
        """Ripple crests of the whole surface, high-passed (minus a Gaussian blur of sigma one
        wavelength), for crests running north (the presets' azimuth 0): median spacing [m],
        its spread, crest terminations and junctions per wavelength squared, and the
        skewness of the slopes along the rows (negative: lee faces to the east)."""
        from scipy import ndimage

        z = self.z.astype(np.float64)
        hp = z - ndimage.gaussian_filter(z, lam / self.cell)
        crests = S.crest_map(hp, self.cell, lam, 0.05)
        med, spread, _ = S.crest_spacings(crests, hp, self.cell)
        term, junc = S.crest_defects(crests, self.cell, lam)
        return {"ripple crest spacing [m]": med, "ripple spacing spread": spread,
                "crest terminations / lambda^2": term / self.area * lam ** 2,
                "crest junctions / lambda^2": junc / self.area * lam ** 2,
                "slope skewness along rows": S.slope_skewness(z)}


def crater_digest(t) -> str:
    """Digest of the craters' places and sizes (x, y, D; not their depths)."""
    return hashlib.sha1(np.ascontiguousarray(t.craters[:, :3]).tobytes()).hexdigest()[:10]


def rock_digest(t) -> str:
    return hashlib.sha1(np.ascontiguousarray(t.rocks).tobytes()).hexdigest()[:10]


def footprint_rows():
    """Anisotropy of the blocked patch one tall cell makes in the cost map, per rover."""
    from rover.costmap import terrain_cost
    from rover.models import rover_preset

    rows = []
    for name in ("generic", "perseverance", "pragyan"):
        rover = rover_preset(name)
        for cell in (0.5, 1.0):
            n = 81
            z = np.zeros((n, n), dtype=np.float32)
            z[n // 2, n // 2] = 5.0
            cost = terrain_cost(z, cell, rover).cost
            blocked = ~np.isfinite(cost)
            a = S.footprint_anisotropy(blocked, (n // 2, n // 2))
            rows.append((name, cell, rover.radius_m, a, int(blocked[20:61, 20:61].sum())))
    return rows


def generation_ratio(preset: str) -> float:
    """Median generate time at 2048^2 over a numpy FFT round trip of the same size."""
    from tests.benchmarks.test_terrains import fft_round_trip_s

    terrains.generate(preset=preset, size=32)
    times = []
    for seed in range(3):
        t0 = time.perf_counter()
        terrains.generate(preset=preset, size=2048, cell_size=1.0, seed=seed)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) / fft_round_trip_s(2048)


def main(argv):
    names = argv or list(TARGETS)
    print("Terrain survey (issue 23): targets of terrains/_targets.py against the independent")
    print("survey of tests/terrains/survey.py; columns: 512 m (1024 x 0.5 m) seeds 0, 1; "
          "2 km (2048 x 1 m) seeds 0, 1.")
    print("Morphology cells: median over measured craters; '*' = no listed crater in range was "
          f"fresh (d/D >= {FRESH_DEPTH_RATIO}), the 5 deepest were measured instead.")
    digests = {}
    for preset in names:
        ms = []
        for n, cell in CONFIGS:
            for seed in SEEDS:
                m = Measured(preset, n, cell, seed)
                digests.setdefault(("craters", n, seed), {}).setdefault(
                    crater_digest(m.t), []).append(preset)
                digests.setdefault(("rocks", n, seed), {}).setdefault(
                    rock_digest(m.t), []).append(preset)
                ms.append(m)
        print()
        print(f"== {preset}  ({terrains.presets()[preset].description})")
        head = (f"{'quantity':34s} {'target (range)':22s} {'512m s0':>9s} {'512m s1':>9s} "
                f"{'2km s0':>9s} {'2km s1':>9s} {'':4s} source")
        print(head)
        print("-" * len(head))
        rows_ = [(t, v) for t in TARGETS[preset]
                 for v in (("list", "heights") if t.quantity == "rock_cover_k" else (None,))]
        for t, variant in rows_:
            lo, hi = band(t)
            vals = [m.value(t, variant) for m in ms]
            cells = []
            out = False
            for v in vals:
                star = ""
                if isinstance(v, tuple):
                    v, fresh, count = v
                    star = "" if fresh else "*"
                if v is None:
                    cells.append("n/a")
                    continue
                if (lo is not None and v < lo) or (hi is not None and v > hi) or math.isnan(v):
                    out = True
                cells.append(fmt(v, t.quantity) + star)
            rng = ""
            if t.low is not None or t.high is not None:
                rng = f" ({fmt(t.low, t.quantity)}-{fmt(t.high, t.quantity)})".replace("n/a", "")
            target = fmt(t.value, t.quantity) + rng
            name = label(t) + {None: "", "list": ", list", "heights": ", heights"}[variant]
            print(f"{name:34s} {target:22s} " + " ".join(f"{c:>9s}" for c in cells)
                  + f" {'OUT' if out else '':4s} {t.source}")
        diags = [m.diagnostics() for m in ms]
        for key in diags[0]:
            if key == "crater D range [m]":
                cells = [f"{m.t.params['crater_min_d_m']:.3g}-{m.t.params['crater_max_d_m']:.3g}"
                         for m in ms]
            else:
                cells = [fmt(d.get(key)) for d in diags]
            print(f"{'. ' + key:34s} {'(diagnostic)':22s} " + " ".join(f"{c:>9s}" for c in cells))
        del ms
    print()
    for kind, what in (("craters", "crater places and sizes"), ("rocks", "rock lists")):
        shared = [(k, v) for k, by in digests.items() if k[0] == kind
                  for v in by.values() if len(v) > 1]
        print(f"Presets with identical {what} (same size and seed):",
              "; ".join(f"{n}x{n} seed {s}: {', '.join(v)}" for (_, n, s), v in shared)
              or "none")
    print()
    print("Cost-map footprint: one 5 m spike on flat ground; blocked patch's diagonal/axis reach "
          "(square 1.41, disc 1.00)")
    for name, cell, radius, a, count in footprint_rows():
        print(f"  {name:13s} cell {cell:3g} m  radius {radius:4.2f} m  anisotropy {a:4.2f}  "
              f"blocked cells {count}")
    print()
    print("Generation of 2048 x 2048 (1 m) against one numpy rfft2+irfft2 round trip "
          "(median of 3 seeds; bar: 10x)")
    for preset in names:
        print(f"  {preset:18s} {generation_ratio(preset):5.2f}x")
    print()
    print("Sources:")
    used = sorted({t.source for p in names for t in TARGETS[p]})
    for key in used:
        print(f"  {key}: {SOURCES[key].citation}")


if __name__ == "__main__":
    main(sys.argv[1:])
