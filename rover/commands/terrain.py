"""``rover terrain``: generate a terrain, draw it as a hillshaded PNG, save it, measure it.

Examples::

    rover terrain --preset mars-jezero -o jezero.png --stats
    rover terrain --body moon --size 1024 --cell-size 0.25 --seed 3 -o moon.png --npz moon.npz
    rover terrain --preset moon-south-pole --set hurst=0.8 --set rock_density_a=1e-3 --stats
    rover terrain --info DTEEC_045994_1985_046060_1985_U01.IMG    # describe a real DEM
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from rover.commands import CLIError, check_writable_file, is_stream

__all__ = ["register", "run"]

_DESCRIPTION = """\
Generate a procedural Moon or Mars terrain (fractal relief, craters, rocks) and write a
hillshaded, body-tinted PNG (north up, with a scale bar), optionally the data as .npz, and with
--stats the measured statistics beside the targets they were generated from.
Presets: {presets}. Parameters for --set: see 'rover terrain --list-params'."""


def register(subparsers) -> None:
    """Add the ``terrain`` subcommand to the CLI."""
    from terrains import presets

    p = subparsers.add_parser(
        "terrain", help="generate a terrain, draw it as a PNG, print its statistics",
        description=_DESCRIPTION.format(presets=", ".join(presets())),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    src = p.add_mutually_exclusive_group()
    src.add_argument("--preset", metavar="P", help="site preset, e.g. mars-jezero, moon-south-pole")
    src.add_argument("--body", metavar="B", help="planetary body (moon, mars, phobos) with its "
                     "default parameters; default mars")
    p.add_argument("--size", metavar="N", default="512",
                   help="grid size in cells: N (square) or ROWSxCOLS (default 512)")
    p.add_argument("--cell-size", metavar="M", type=float, default=0.5,
                   help="cell edge in metres (default 0.5)")
    p.add_argument("--seed", metavar="S", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--set", metavar="NAME=VALUE", action="append", default=[],
                   help="override one model parameter (repeatable), e.g. --set hurst=0.7")
    p.add_argument("-o", "--output", metavar="FILE.png", help="write the hillshaded picture here")
    p.add_argument("--npz", metavar="FILE", help="write the terrain data (.npz) here")
    p.add_argument("--stats", action="store_true",
                   help="print the measured statistics beside their targets")
    p.add_argument("--json", action="store_true", help="with --stats: print them as JSON")
    p.add_argument("--list-params", action="store_true",
                   help="list the model parameters accepted by --set, and exit")
    p.add_argument("--info", metavar="DEM",
                   help="describe a DEM file (GeoTIFF, PDS3 .IMG, any raster GDAL reads; needs "
                        "rasterio): size, cell size, CRS, body, extent in metres and in "
                        "latitude/longitude, no-data share; and exit")
    p.set_defaults(func=run)


_OPTIONS = {"preset": "--preset", "body": "--body", "size": "--size", "cell_size": "--cell-size",
            "seed": "--seed"}
"""terrains.ParameterError.name -> the option that set it (any other name came from --set)."""


def _parse_size(text: str) -> tuple[int, int]:
    parts = text.lower().replace("*", "x").split("x")
    try:
        nums = [int(s) for s in parts]
    except ValueError:
        raise CLIError(f"--size must be N or ROWSxCOLS, got {text!r}") from None
    if len(nums) == 1:
        return (nums[0], nums[0])
    if len(nums) == 2:
        return (nums[0], nums[1])
    raise CLIError(f"--size must be N or ROWSxCOLS, got {text!r}")


def _parse_set(items: list[str]) -> dict:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise CLIError(f"--set needs NAME=VALUE, got {item!r}")
        value = value.strip()
        try:
            out[name] = float(value)
        except ValueError:
            out[name] = value
    return out


def _check_output(path: str | None, suffix: str, flag: str) -> Path | None:
    if path is None:
        return None
    p = Path(path)
    if p.suffix.lower() != suffix and not is_stream(p):
        raise CLIError(f"{flag} must name a {suffix} file, got {path!r}")
    check_writable_file(p, flag)
    return p


def _fmt(v, unit: str = "") -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.4g}{unit}"
    return f"{v}{unit}"


def _hurst(s: dict) -> str:
    """A Hurst estimate, or why there is none (a spectrum that is not self-affine)."""
    if s["hurst"] is None and s.get("psd_exponent") is not None:
        return f"none (PSD ~ f^-{s['psd_exponent']:.3g})"
    return _fmt(s["hurst"])


def _slope_rows(part: dict, label: str, target) -> list[tuple[str, str, str, str]]:
    """The RMS slope rows of one part of :func:`terrains.stats` (the relief or the whole
    surface): each listed baseline, then the reference baseline when it is not among them;
    ``target(baseline_m)`` gives the (target, target from) columns."""
    rows = [(f"RMS slope at {key} m ({label})", _fmt(val, " deg"), *target(float(key)))
            for key, val in part["rms_slope_deg"].items()]
    at = part.get("rms_slope_at_baseline")
    if at is not None and all(not math.isclose(float(k), at["baseline_m"])
                              for k in part["rms_slope_deg"]):
        rows.append((f"RMS slope at {at['baseline_m']:g} m ({label})", _fmt(at["deg"], " deg"),
                     *target(at["baseline_m"])))
    return rows


def _stats_lines(s: dict, given: frozenset = frozenset()) -> list[str]:
    """The ``--stats`` table: each statistic, what it measured, and its target with where the
    target came from. ``given``: the parameter names set with ``--set``.

    Two kinds of target: an *input* parameter of the generator (from the preset, ``--set``
    or the body's default), which the relief is built to match, so those rows check the
    construction and the random draws; and a preset's *literature* value, which the whole
    surface (relief, craters and rocks together, as a site was measured) is set beside.
    """
    import terrains

    t = s["targets"]
    literature = dict(terrains.presets()[s["preset"]].params) if s["preset"] else {}

    def source(name: str) -> str:
        if name in given:
            return "input (--set)"
        if name in literature:
            return "input (preset)"
        return f"input ({s['body']} default)"

    def target(name: str) -> tuple[str, str]:
        return (_fmt(t[name]), source(name)) if name in t else ("-", "")

    base = t.get("rms_baseline_m")

    def relief_target(baseline_m: float) -> tuple[str, str]:
        if base is not None and math.isclose(baseline_m, base):
            return _fmt(t["rms_slope_deg"], " deg"), source("rms_slope_deg")
        return "-", ""

    relief = s["measured_on"]
    built = " (relief, scaled to its input)" if relief == "relief" else f" ({relief})"
    # A preset calibrates its relief against the whole surface (issue 23): its relief is
    # generated with no input of its own, and the whole surface's input is the target.
    calibrated = literature.get("surface_slope_deg") is not None and relief == "relief"

    def literature_slope(baseline_m: float) -> tuple[str, str]:
        if calibrated:
            if math.isclose(baseline_m, literature["surface_baseline_m"]):
                return (_fmt(literature["surface_slope_deg"], " deg"),
                        source("surface_slope_deg"))
            return "-", ""
        lit_base = literature.get("rms_baseline_m")
        if ("rms_slope_deg" in literature and lit_base is not None
                and math.isclose(baseline_m, lit_base)):
            return _fmt(literature["rms_slope_deg"], " deg"), "preset literature"
        return "-", ""

    rows = _slope_rows(s, relief, relief_target)
    # The relief is scaled to the input slope at the input baseline: say so on that row.
    rows = [(a.replace(f" ({relief})", built), b, c, d) if c != "-" else (a, b, c, d)
            for a, b, c, d in rows]
    how = (", calibrated to the whole surface" if calibrated
           else ", generated with its input" if relief == "relief" else "")
    rows.append((f"Hurst exponent ({relief}{how})", _hurst(s), *target("hurst")))
    surf = s["surface"]
    rows += _slope_rows(surf, "whole surface", literature_slope)
    if calibrated:
        # The spectral estimate is no target of a calibrated surface: rocks and ripples add
        # power at the shortest wavelengths. Its target is the deviogram slope over the lags
        # it was calibrated on, the form a site's Hurst exponent is published in.
        rows.append(("Hurst exponent (whole surface, spectrum)", _hurst(surf), "-", ""))
        lags = surf.get("hurst_lags") or {}
        if lags:
            rows.append((f"Hurst exponent over {lags['lo_m']:g}-{lags['hi_m']:g} m "
                         "(whole surface, deviogram)", _fmt(lags["hurst"]),
                         _fmt(literature["surface_hurst"]), source("surface_hurst")))
    else:
        rows.append(("Hurst exponent (whole surface)", _hurst(surf),
                     *((_fmt(literature["hurst"]), "preset literature")
                       if "hurst" in literature else ("-", ""))))
    c = s["craters"]
    rows.append(("craters", str(c["count"]), "-", ""))
    rows.append(("crater SFD exponent b (fitted)", _fmt(c["exponent_b"]),
                 *target("crater_exponent_b")))
    rows.append(("crater SFD density a [/m^2] (fitted)", _fmt(c["density_a"]),
                 *target("crater_density_a")))
    r = s["rocks"]
    listed = f"rock cover of the listed rocks >= {r['min_d_m']:g} m (area fraction)"
    rows.append((f"rocks >= {r['min_d_m']:g} m ({r['model']})", str(r["count"]), "-", ""))
    if r["model"] == "golombek-rapp":
        rows.append(("rock cover k, all sizes (Golombek-Rapp fit)", _fmt(r["cover"]),
                     *target("rock_cover")))
        rows.append((listed, _fmt(r["cover_listed"]), "-", ""))
    else:
        rows.append((listed, _fmt(r["cover_listed"]), "-", ""))
        rows.append(("rock SFD exponent b (fitted)", _fmt(r["exponent_b"]),
                     *target("rock_exponent_b")))
        rows.append(("rock SFD density a [/m^2] (fitted)", _fmt(r["density_a"]),
                     *target("rock_density_a")))
    # The preset's literature targets for the whole surface (terrains._targets), each with
    # its source; the terrain is not yet calibrated to them (issue 23).
    names = {"rms_slope_deg": ("site: RMS slope at {:g} m (whole surface)", " deg"),
             "hurst": ("site: Hurst exponent over {:g}-{:g} m (whole surface)", ""),
             "crater_density": ("site: craters >= {:g} m per km^2 (listed)", ""),
             "rock_density": ("site: rocks >= {:g} m per 100 m^2 (listed)", ""),
             "rock_cover_k": ("site: rock cover k (Golombek-Rapp fit)", "")}
    scale = {"crater_density": 1e6, "rock_density": 100.0}
    for lit in s.get("literature", []):
        label, unit = names[lit["quantity"]]
        f = scale.get(lit["quantity"], 1.0)
        want = _fmt(lit["value"] * f, unit)
        if lit["low"] is not None or lit["high"] is not None:
            lo = "" if lit["low"] is None else _fmt(lit["low"] * f)
            hi = "" if lit["high"] is None else _fmt(lit["high"] * f)
            want += f" ({lo}-{hi})"
        got = "-" if lit["measured"] is None else _fmt(lit["measured"] * f, unit)
        if lit["quantity"] == "hurst":
            label = label.format(*lit["over"])
            used = lit.get("measured_over")
            if lit["measured"] is not None and used and used != lit["over"]:
                # a patch too small for the target's longest lag: say what was measured
                label += f", measured over {used[0]:g}-{used[1]:g} m"
        else:
            label = label.format(lit["at"] or 0.0)
        rows.append((label, got, want,
                     f"literature: {lit['source']}"))
    w = max(len(a) for a, _, _, _ in rows)
    preset = "no preset" if s["preset"] is None else f"preset {s['preset']}"
    head = (f"terrain: {s['body']}, {preset}, {s['shape'][0]}x{s['shape'][1]} cells "
            f"of {s['cell_size_m']:g} m, seed {s['seed']}")
    wm = max(12, *(len(b) for _, b, _, _ in rows))
    wt = max(12, *(len(c) for _, _, c, _ in rows))
    lines = [head, f"{'statistic':<{w}}  {'measured':>{wm}}  {'target':>{wt}}  target from"]
    lines += [f"{a:<{w}}  {b:>{wm}}  {c:>{wt}}  {d}".rstrip() for a, b, c, d in rows]
    lines += ["target from: 'input' = a parameter the terrain was generated with (from the "
              "preset, --set or the body's default);",
              "  'preset literature' = the preset's sourced value for the site, set beside the "
              "whole surface;",
              "  'literature: KEY' = a target of the site's surface with its source "
              "(terrains._targets.SOURCES[KEY], docs/terrain-targets.md)"]
    return lines


def _length(m: float) -> str:
    return f"{m / 1000:,.6g} km" if m >= 10_000 else f"{m:,.6g} m"


def dem_info_lines(path: str) -> list[str]:
    """The lines ``rover terrain --info DEM`` prints (:func:`terrains.dem_info`)."""
    import terrains

    try:
        i = terrains.dem_info(path)
    except FileNotFoundError:
        raise CLIError(f"--info: no such file {path!r}") from None
    except ValueError as exc:
        raise CLIError(f"--info: {exc}") from None
    rows = [("file", f"{path} ({i.driver}, {i.dtype}, {i.width} x {i.height} pixels)")]
    g = i.georef
    if g is None:
        rows += [("georeferencing", "none (no CRS and geotransform): a scenario must give "
                                    "[terrain].cell_size_m")]
    else:
        kind = "geographic, degrees" if g.geographic else "projected, metres"
        rows.append(("crs", f"{i.crs} ({kind})"))
        rows.append(("body", i.body or "not named by the CRS (give [terrain].body)"))
        px, py = i.pixel_size
        if g.geographic:
            cx, cy = g.source_cell
            rows.append(("cell size", f"{px:.6g} x {py:.6g} deg = {cx:.6g} x {cy:.6g} m at "
                                      f"latitude {g.center_lat_deg:.4f} (grid: {i.cell_size:.6g} m "
                                      "square cells)"))
        else:
            rows.append(("cell size", f"{px:.6g} x {py:.6g} m"))
        w, s, e, n = i.bounds
        ew, eh = i.extent_m
        unit = "deg" if g.geographic else "m"
        rows.append(("extent", f"{_length(ew)} x {_length(eh)}; x {w:.6g} to {e:.6g}, y "
                               f"{s:.6g} to {n:.6g} {unit}"))
        if i.latlon_bounds is not None:
            la0, la1, lo0, lo1 = i.latlon_bounds
            rows.append(("lat/lon", f"latitude {la0:.6f} to {la1:.6f}, longitude {lo0:.6f} to "
                                    f"{lo1:.6f} deg (east-positive)"))
        if g.geographic:
            rows.append(("distortion", f"degrees become metres about the centre "
                                       f"(equirectangular): east-west scale off by up to "
                                       f"{100 * g.scale_error:.3g} % over the whole file; a run "
                                       f"accepts {100 * terrains.MAX_DISTORTION:g} % "
                                       "(choose a [terrain].window, or reproject with gdalwarp)"))
    rows.append(("heights", f"stored value x {i.scale:g} m" + (f" {'+' if i.offset >= 0 else '-'} "
                                                                f"{abs(i.offset):g} m"
                                                                if i.offset else "")))
    share = i.nodata_share or 0.0
    cells = i.width * i.height
    value = "" if i.nodata is None else f"; no-data value {i.nodata:g}"
    rows.append(("no-data", f"{100 * share:.3g} % of the cells ({round(share * cells):,} of "
                            f"{cells:,}){value}"))
    if i.grid_shape[0] * i.grid_shape[1] > 8192 * 8192:
        rows.append(("note", "a run reads at most 8192 x 8192 cells: choose a [terrain].window"))
    width = max(len(k) for k, _ in rows)
    return [f"{k:<{width}}  {v}" for k, v in rows]


def run(args) -> int:
    """Run ``rover terrain``; returns the exit code."""
    import terrains

    if args.info is not None:
        print("\n".join(dem_info_lines(args.info)))
        return 0
    if args.list_params:
        params = terrains.parameters()
        w = max(map(len, params))
        for name, doc in params.items():
            print(f"{name:<{w}}  {doc}")
        return 0
    out_png = _check_output(args.output, ".png", "-o")
    out_npz = _check_output(args.npz, ".npz", "--npz")
    size = _parse_size(args.size)
    params = _parse_set(args.set)
    try:
        # Every argument is checked (cheaply, no arrays) before "nothing to do": a
        # mistyped --set name is the first thing to fix, not the last.
        terrains.check_parameters(args.body, preset=args.preset, size=size,
                                  cell_size=args.cell_size, **params)
        if out_png is None and out_npz is None and not args.stats:
            raise CLIError("nothing to do: give -o FILE.png, --npz FILE or --stats")
        terrain = terrains.generate(args.body, preset=args.preset, size=size,
                                    cell_size=args.cell_size, seed=args.seed, **params)
    except terrains.ParameterError as exc:
        raise CLIError(f"{_OPTIONS.get(exc.name, '--set')}: {exc}") from None
    except ValueError as exc:
        raise CLIError(str(exc)) from None
    try:
        if out_png is not None:
            image = terrains.render_rgb(terrain)
            terrains.draw_scale_bar(image, terrain.cell_size)
            terrains.write_png(out_png, image)
            # With --json, stdout is the JSON alone, so that it parses; notes go to stderr.
            print(f"wrote {out_png} ({terrain.shape[1]} x {terrain.shape[0]} px, north up)",
                  file=sys.stderr if args.json else sys.stdout)
        if out_npz is not None:
            terrains.save(terrain, out_npz)
            print(f"wrote {out_npz}", file=sys.stderr if args.json else sys.stdout)
    except OSError as exc:
        raise CLIError(f"cannot write {exc.filename or 'the output'}: {exc.strerror or exc}") from None
    if args.stats:
        s = terrains.stats(terrain)
        if args.json:
            print(json.dumps(s, indent=2))
        else:
            print("\n".join(_stats_lines(s, frozenset(params))))
    return 0
