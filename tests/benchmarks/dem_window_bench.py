"""Reading a window of a large DEM: memory follows the window, time follows its cells.

    .venv/bin/python tests/benchmarks/dem_window_bench.py            # 20,000^2 DEM, 2 km window
    .venv/bin/python tests/benchmarks/dem_window_bench.py 4000 500   # smaller: SIZE WINDOW_M

Writes (once; kept for reruns) a tiled, DEFLATE-compressed int16 GeoTIFF of SIZE x SIZE
cells of 1 m (a HiRISE-like DTM: Mars equirectangular, scale 0.01 m, a no-data value and a
no-data stripe away from the window) under the system's temporary folder, never in the
repository. Then, each in a fresh process so that its peak resident memory is its own:

- ``load``: :func:`terrains.load_heightmap` with ``window = {center, size_m}`` of
  WINDOW_M x WINDOW_M at the DEM's centre (scale, offset, flip, no-data mask, float32);
- ``raw``: rasterio reading the same pixel window of the same file, nothing else;
- ``alone``: rasterio reading a file that holds only the window's cells (same encoding),
  whole: the cost of the window's cells alone.

Times are the best of ``REPEAT`` reads after one warm-up read (the file in the page cache,
as a second run of a scenario finds it). Peak memory is the process's VmHWM.
The quality bar (issue 25): ``load`` peaks under 300 MB and takes under 10x ``alone``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))  # run as a script from anywhere

REPEAT = 5
STRIP = 1024  # rows written at a time (a multiple of the 256-row tiles)
CELL = 1.0
WEST, NORTH = 100_000.0, 500_000.0


def _profile(**extra) -> dict:
    return dict(driver="GTiff", count=1, dtype="int16", nodata=-32768, tiled=True,
                blockxsize=256, blockysize=256, compress="deflate", predictor=2,
                crs="IAU_2015:49910", **extra)


def write_dem(path: Path, size: int) -> None:
    """SIZE x SIZE int16 relief (smooth sines plus a little noise), in strips of rows."""
    import numpy as np
    import rasterio

    rng = np.random.default_rng(0)
    t = rasterio.Affine(CELL, 0, WEST, 0, -CELL, NORTH)
    tmp = path.with_suffix(".part.tif")
    with rasterio.open(tmp, "w", height=size, width=size, transform=t,
                       **_profile(BIGTIFF="IF_SAFER")) as dst:
        dst.scales = (0.01,)
        x = np.arange(size)
        for r0 in range(0, size, STRIP):
            n = min(STRIP, size - r0)
            y = np.arange(r0, r0 + n)[:, None]
            z = (3000 * np.sin(x / 1700.0) * np.cos(y / 2300.0)
                 + 400 * np.sin(x / 97.0 + y / 131.0)
                 + rng.normal(0, 20, (n, size))).astype(np.int16)
            if r0 == 0:
                z[:64] = -32768  # a no-data stripe along the northern edge
            dst.write(z, 1, window=rasterio.windows.Window(0, r0, size, n))
    os.replace(tmp, path)


def window_pixels(size: int, window_m: float) -> tuple[int, int, int]:
    n = int(round(window_m / CELL))
    c0 = (size - n) // 2
    return c0, c0, n


def write_alone(big: Path, path: Path, size: int, window_m: float) -> None:
    """The window's cells alone, as their own GeoTIFF with the same encoding."""
    import rasterio
    from rasterio.windows import Window

    c0, r0, n = window_pixels(size, window_m)
    with rasterio.open(big) as src:
        data = src.read(1, window=Window(c0, r0, n, n))
        t = src.window_transform(Window(c0, r0, n, n))
    with rasterio.open(path, "w", height=n, width=n, transform=t, **_profile()) as dst:
        dst.scales = (0.01,)
        dst.write(data, 1)


def measure(kind: str, big: str, alone: str, size: int, window_m: float) -> dict:
    """One measurement (run in its own process): best time [s], peak RSS [MB], cells."""
    c0, r0, n = window_pixels(size, window_m)
    if kind == "load":
        import terrains

        centre = [WEST + (c0 + n / 2) * CELL, NORTH - (r0 + n / 2) * CELL]

        def once():
            return terrains.load_heightmap(big, window={"center": centre,
                                                        "size_m": [window_m, window_m]}).height
    else:
        import rasterio
        from rasterio.windows import Window

        def once():
            if kind == "raw":
                with rasterio.open(big) as src:
                    return src.read(1, window=Window(c0, r0, n, n), masked=True)
            with rasterio.open(alone) as src:
                return src.read(1, masked=True)
    out = once()
    cells = int(out.size)
    del out
    best = float("inf")
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        out = once()
        best = min(best, time.perf_counter() - t0)
        del out
    return {"kind": kind, "seconds": best, "peak_mb": _peak_mb(), "cells": cells}


def _peak_mb() -> float:
    """This process's peak resident memory [MB]: VmHWM, which starts afresh at exec (the
    ``ru_maxrss`` of a child keeps its parent's peak from before the exec, here the writing
    of the DEM); ``ru_maxrss`` where /proc is absent."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def main(argv: list[str]) -> None:
    if len(argv) > 1 and argv[1] == "--measure":
        print(json.dumps(measure(argv[2], argv[3], argv[4], int(argv[5]), float(argv[6]))))
        return
    size = int(argv[1]) if len(argv) > 1 else 20_000
    window_m = float(argv[2]) if len(argv) > 2 else 2000.0
    folder = Path(tempfile.gettempdir()) / "rover-dem-bench"
    folder.mkdir(exist_ok=True)
    big = folder / f"dem-{size}.tif"
    alone = folder / f"dem-{size}-window-{int(window_m)}.tif"
    if not big.exists():
        t0 = time.perf_counter()
        write_dem(big, size)
        print(f"wrote {big} ({size} x {size} cells, {big.stat().st_size / 1e6:.0f} MB on disk) "
              f"in {time.perf_counter() - t0:.0f} s")
    if not alone.exists():
        write_alone(big, alone, size, window_m)
    rows = {}
    for kind in ("alone", "raw", "load"):
        done = subprocess.run([sys.executable, __file__, "--measure", kind, str(big), str(alone),
                               str(size), str(window_m)], capture_output=True, text=True,
                              check=True)
        rows[kind] = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"DEM {size} x {size} cells of {CELL:g} m ({big.stat().st_size / 1e6:.0f} MB on disk), "
          f"window {window_m:g} m x {window_m:g} m = {rows['load']['cells']:,} cells; "
          f"best of {REPEAT}")
    for kind, label in (("alone", "the window's cells alone (own file)"),
                        ("raw", "rasterio windowed read, raw"),
                        ("load", "terrains.load_heightmap(window=...)")):
        r = rows[kind]
        print(f"  {label:38s} {1000 * r['seconds']:8.1f} ms   peak {r['peak_mb']:6.0f} MB")
    a, w, ld = rows["alone"]["seconds"], rows["raw"]["seconds"], rows["load"]["seconds"]
    print(f"load / alone: {ld / a:.2f}x   load / raw: {ld / w:.2f}x   "
          f"load peak: {rows['load']['peak_mb']:.0f} MB (bars: < 10x, < 300 MB)")


if __name__ == "__main__":
    main(sys.argv)
