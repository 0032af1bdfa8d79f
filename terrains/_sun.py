"""Where the Sun is, seen from the Moon or Mars: published analytic theories, no data files.

Mars follows the Mars24 algorithm (Allison & McEwen 2000, Planet. Space Sci. 48, 215-235, as
updated on NASA GISS's "Mars24 Sunclock - Algorithm and Worked Examples" page, steps A-D).
The Moon follows Meeus, *Astronomical Algorithms* (2nd ed., 1998): the Sun's position from
ch. 25 (low accuracy, 0.01 deg), the Moon's fundamental arguments from ch. 47, and the
selenographic position of the Sun with the physical librations from ch. 53. Both are checked
against JPL's DE421 ephemeris through SPICE (tests/terrains/make_sun_reference.py) and
the published worked examples (tests/terrains/test_terrain_sun.py).

Why not a library: Skyfield or SPICE need ephemeris files (tens of MB, and a lunar
orientation kernel) that a user may not be able to download; these theories are a few
dozen lines each, run in microseconds, and meet the 0.1 deg bar (measured: docs/sun.md).

Nothing here imports numba; everything is scalar Python.
"""

from __future__ import annotations

import datetime as _dt
import math

from terrains._model import ParameterError

__all__ = ["sun_position", "subsolar_point", "sun_distance_au", "local_solar_time", "parse_utc",
           "mars24", "selenographic", "SUN_BODIES"]

SUN_BODIES = ("mars", "moon")
"""Bodies with a Sun model."""

# IERS Bulletin C: TAI - UTC [s] from each UTC date on. No leap second has been announced
# after 2017-01-01; later instants use 37 s (to be extended when IERS announces one).
_LEAP_SECONDS = (
    ((1972, 1, 1), 10), ((1972, 7, 1), 11), ((1973, 1, 1), 12), ((1974, 1, 1), 13),
    ((1975, 1, 1), 14), ((1976, 1, 1), 15), ((1977, 1, 1), 16), ((1978, 1, 1), 17),
    ((1979, 1, 1), 18), ((1980, 1, 1), 19), ((1981, 7, 1), 20), ((1982, 7, 1), 21),
    ((1983, 7, 1), 22), ((1985, 7, 1), 23), ((1988, 1, 1), 24), ((1990, 1, 1), 25),
    ((1991, 1, 1), 26), ((1992, 7, 1), 27), ((1993, 7, 1), 28), ((1994, 7, 1), 29),
    ((1996, 1, 1), 30), ((1997, 7, 1), 31), ((1999, 1, 1), 32), ((2006, 1, 1), 33),
    ((2009, 1, 1), 34), ((2012, 7, 1), 35), ((2015, 7, 1), 36), ((2017, 1, 1), 37),
)
_UNIX_JD = 2440587.5          # Julian date of 1970-01-01T00:00 UTC
_J2000 = 2451545.0            # Julian date of 2000-01-01T12:00 TT
_TT_TAI = 32.184              # TT - TAI [s], by definition
_EARLIEST = _dt.datetime(1900, 1, 1, tzinfo=_dt.timezone.utc)
_LATEST = _dt.datetime(2200, 1, 1, tzinfo=_dt.timezone.utc)

# Mars: IAU 2009 ellipsoid (Archinal et al. 2011, Celest. Mech. Dyn. Astr. 109, 101-135) [km].
# Elevation is measured from the plane normal to it, so a planetocentric latitude is turned
# into a planetographic one first.
_MARS_A_KM, _MARS_B_KM = 3396.19, 3376.20
_MARS_FLAT2 = (_MARS_A_KM / _MARS_B_KM) ** 2

# Mars24 step B-3: the planetary perturbations of Mars's orbit (amplitude [deg], period
# [Julian years], phase [deg]).
_MARS_PBS = (
    (0.0071, 2.2353, 49.409), (0.0057, 2.7543, 168.173), (0.0039, 1.1177, 191.837),
    (0.0037, 15.7866, 21.736), (0.0021, 2.1354, 15.704), (0.0020, 2.4694, 95.528),
    (0.0018, 32.8493, 49.095),
)

# Meeus ch. 53: inclination of the Moon's mean equator to the ecliptic (Cassini's laws) [deg].
_MOON_I_DEG = 1.54242
# Mean distance of the Moon [km] and the astronomical unit [km] (IAU 2012 Resolution B2),
# for the Sun's parallax between the Earth and the Moon (Meeus eq. before 53.1).
_MOON_MEAN_KM = 385000.56
_AU_KM = 149597870.7


def parse_utc(when, *, name: str = "when") -> _dt.datetime:
    """``when`` as a timezone-aware UTC datetime.

    Parameters
    ----------
    when : datetime or str
        A timezone-aware datetime, or an ISO 8601 string with its offset (``"Z"`` or
        ``"+00:00"``), between 1900 and 2200.
    name : str
        What the errors call the argument.

    Raises
    ------
    ParameterError
        (``name``) for a string that does not parse, a time without a time zone (which would
        be ambiguous), or one outside 1900-2200.

    Examples
    --------
    >>> parse_utc("2023-08-23T12:33:00Z").isoformat()
    '2023-08-23T12:33:00+00:00'
    """
    if isinstance(when, str):
        text = when.strip()
        try:
            t = _dt.datetime.fromisoformat(text)
        except ValueError:
            raise ParameterError(name, f"{name} {when!r} is not an ISO 8601 time "
                                       "(e.g. '2023-08-23T12:33:00Z')") from None
    elif isinstance(when, _dt.datetime):
        t = when
    else:
        raise ParameterError(name, f"{name} must be a datetime or an ISO 8601 string, got "
                                   f"{type(when).__name__}")
    if t.tzinfo is None or t.utcoffset() is None:
        raise ParameterError(name, f"{name} {str(when)!r} has no time zone: add 'Z' for UTC "
                                   "(e.g. '2023-08-23T12:33:00Z')")
    t = t.astimezone(_dt.timezone.utc)
    if not _EARLIEST <= t < _LATEST:
        raise ParameterError(name, f"{name} {t.isoformat()} is outside 1900-2200, where the "
                                   "Sun models hold")
    return t


def _tt_minus_utc(t: _dt.datetime) -> float:
    """TT - UTC [s] at ``t``: leap seconds from 1972 (IERS), before that the Mars24 step A-4
    polynomial in centuries from J2000 (Espenak & Meeus's fit of Delta T)."""
    if t.year >= 1972:
        key = (t.year, t.month, t.day)
        tai = 10
        for date, s in _LEAP_SECONDS:
            if date <= key:
                tai = s
        return tai + _TT_TAI
    c = (_julian_utc(t) - _J2000) / 36525.0
    return 64.184 + 59.0 * c - 51.2 * c**2 - 67.1 * c**3 - 16.4 * c**4


def _julian_utc(t: _dt.datetime) -> float:
    epoch = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
    return _UNIX_JD + (t - epoch).total_seconds() / 86400.0


def _jd_tt(t: _dt.datetime) -> float:
    """Julian date in Terrestrial Time of the UTC instant ``t``."""
    return _julian_utc(t) + _tt_minus_utc(t) / 86400.0


def _body(body) -> str:
    name = str(body).lower() if isinstance(body, str) else getattr(body, "name", None)
    if name not in SUN_BODIES:
        raise ParameterError("body", f"body {name or body!r} has no Sun model "
                                     f"(bodies with one: {', '.join(SUN_BODIES)})")
    return name


def _check_lat_lon(lat_deg, lon_deg) -> tuple[float, float]:
    try:
        lat, lon = float(lat_deg), float(lon_deg)
    except (TypeError, ValueError):
        raise ParameterError("lat_deg", f"latitude and longitude must be numbers, got "
                                        f"{lat_deg!r}, {lon_deg!r}") from None
    if not (math.isfinite(lat) and -90.0 <= lat <= 90.0):
        raise ParameterError("lat_deg",
                             f"latitude must be within [-90, 90] degrees, got {lat_deg!r}")
    if not math.isfinite(lon):
        raise ParameterError("lon_deg",
                             f"longitude must be a finite number of degrees, got {lon_deg!r}")
    return lat, lon


# ----------------------------------------------------------------------------------------
# Mars: Mars24


def mars24(jd_tt: float) -> dict[str, float]:
    """Mars24's quantities at the TT Julian date ``jd_tt`` (steps A-6 to D-2, angles in deg).

    Keys: ``dt_j2000`` (days), ``ls`` (areocentric solar longitude), ``nu_m`` (equation of
    centre), ``eot`` (equation of time), ``mst`` (Mars coordinated time, hours),
    ``subsolar_lon_west``, ``dec_mars24`` (step D-1, Mars24's "planetographic solar
    declination": the planetographic latitude of the point where the line from Mars's centre
    to the Sun meets the ellipsoid), ``dec`` (the declination of the Sun's direction, the same
    without D-1's 0.25 sin Ls term for the ellipsoid: the subsolar point's planetocentric
    latitude, and what elevations need; see docs/sun.md) and ``r_au`` (heliocentric distance).
    """
    dt = jd_tt - _J2000
    # B-1, B-2 as the Mars24 page has them now (AM2000 eqs. 16-17 had 19.3871 + 0.52402073 dt
    # and 270.3871 + 0.524038496 dt; Ls moves by < 0.001 deg)
    m = math.radians(19.3870 + 0.52402075 * dt)              # B-1 mean anomaly
    alpha_fms = 270.3863 + 0.52403840 * dt                   # B-2 fictitious mean Sun
    pbs = sum(a * math.cos(math.radians(0.985626 * dt / tau + phi))
              for a, tau, phi in _MARS_PBS)                  # B-3 perturbers
    nu_m = ((10.691 + 3.0e-7 * dt) * math.sin(m) + 0.623 * math.sin(2 * m)
            + 0.050 * math.sin(3 * m) + 0.005 * math.sin(4 * m)
            + 0.0005 * math.sin(5 * m) + pbs)                # B-4 equation of centre
    ls_deg = (alpha_fms + nu_m) % 360.0                      # B-5 areocentric solar longitude
    ls = math.radians(ls_deg)
    eot = (2.861 * math.sin(2 * ls) - 0.071 * math.sin(4 * ls)
           + 0.002 * math.sin(6 * ls) - nu_m)                # C-1 equation of time [deg]
    mst = (24.0 * ((jd_tt - 2451549.5) / 1.0274912517 + 44796.0 - 0.0009626)) % 24.0  # C-2
    dec = math.degrees(math.asin(0.42565 * math.sin(ls)))   # sin(obliquity 25.19 deg) sin Ls
    return {
        "dt_j2000": dt, "ls": ls_deg, "nu_m": nu_m, "eot": eot, "mst": mst,
        "subsolar_lon_west": (mst * 15.0 + eot + 180.0) % 360.0,          # C-5
        "dec_mars24": dec + 0.25 * math.sin(ls),                          # D-1
        "dec": dec,
        "r_au": 1.52367934 * (1.00436 - 0.09309 * math.cos(m) - 0.004336 * math.cos(2 * m)
                              - 0.00031 * math.cos(3 * m) - 0.00003 * math.cos(4 * m)),  # D-2
    }


def _mars(jd_tt: float) -> tuple[float, float, float]:
    """(the Sun's declination, subsolar east longitude [deg], distance [AU]) on Mars."""
    q = mars24(jd_tt)
    return q["dec"], (-q["subsolar_lon_west"]) % 360.0, q["r_au"]


# ----------------------------------------------------------------------------------------
# Moon: Meeus ch. 25, 47, 53


def _lunar_arguments(t: float) -> tuple[float, ...]:
    """Meeus eqs. 47.1-47.7 at ``t`` Julian centuries of TT from J2000: the Moon's mean
    elongation D, the Sun's mean anomaly M, the Moon's mean anomaly M', its argument of
    latitude F, the longitude of its ascending node Omega, its mean longitude L' [deg], and
    the eccentricity factor E [-]."""
    d = 297.8501921 + 445267.1114034 * t - 0.0018819 * t**2 + t**3 / 545868 - t**4 / 113065000
    ms = 357.5291092 + 35999.0502909 * t - 0.0001536 * t**2 + t**3 / 24490000
    mm = 134.9633964 + 477198.8675055 * t + 0.0087414 * t**2 + t**3 / 69699 - t**4 / 14712000
    f = 93.2720950 + 483202.0175233 * t - 0.0036539 * t**2 - t**3 / 3526000 + t**4 / 863310000
    om = 125.0445479 - 1934.1362891 * t + 0.0020754 * t**2 + t**3 / 467441 - t**4 / 60616000
    lp = 218.3164477 + 481267.88123421 * t - 0.0015786 * t**2 + t**3 / 538841 - t**4 / 65194000
    e = 1.0 - 0.002516 * t - 0.0000074 * t**2
    return d, ms, mm, f, om, lp, e


def _moon(jd_tt: float) -> tuple[float, float, float]:
    """(selenographic latitude and east longitude of the subsolar point, the Sun's distance
    [AU]) by Meeus ch. 53, in the mean-Earth/polar-axis frame of the IAU (angles in deg)."""
    t = (jd_tt - _J2000) / 36525.0                           # Julian centuries (TT)
    d, ms, mm, f, _, lp, e = _lunar_arguments(t)
    rd, rms, rmm, rf = map(math.radians, (d, ms, mm, f))

    # The Sun (Meeus ch. 25, low accuracy): geometric longitude, mean equinox of date [deg],
    # and distance [AU]. Meeus's W = lambda - delta psi - Omega (ch. 53) wants the longitude
    # on the mean equinox: the apparent one less nutation, i.e. this less aberration.
    l0 = 280.46646 + 36000.76983 * t + 0.0003032 * t**2
    m0 = math.radians(357.52911 + 35999.05029 * t - 0.0001537 * t**2)
    ecc = 0.016708634 - 0.000042037 * t - 0.0000001267 * t**2
    c = ((1.914602 - 0.004817 * t - 0.000014 * t**2) * math.sin(m0)
         + (0.019993 - 0.000101 * t) * math.sin(2 * m0) + 0.000289 * math.sin(3 * m0))
    sun_lon = l0 + c - 0.00569                               # aberration (-20.5")
    r_au = 1.000001018 * (1 - ecc * ecc) / (1 + ecc * math.cos(m0 + math.radians(c)))

    # The Moon's geocentric longitude, latitude, distance from the largest terms of Meeus
    # tables 47.A and 47.B (about 0.1 deg; they enter only through the Sun's parallax of
    # 0.15 deg between Earth and Moon, so their error is below 0.001 deg here).
    moon_lon = (lp + 6.288774 * math.sin(rmm) + 1.274027 * math.sin(2 * rd - rmm)
                + 0.658314 * math.sin(2 * rd) + 0.213618 * math.sin(2 * rmm)
                - 0.185116 * e * math.sin(rms) - 0.114332 * math.sin(2 * rf))
    moon_lat = (5.128122 * math.sin(rf) + 0.280602 * math.sin(rmm + rf)
                + 0.277693 * math.sin(rmm - rf) + 0.173237 * math.sin(2 * rd - rf))
    moon_km = (_MOON_MEAN_KM - 20905.355 * math.cos(rmm) - 3699.111 * math.cos(2 * rd - rmm)
               - 2955.968 * math.cos(2 * rd) - 569.925 * math.cos(2 * rmm))

    # Heliocentric longitude and latitude of the Moon (Meeus ch. 53, before eq. 53.1).
    k = moon_km / (r_au * _AU_KM)
    lam_h = sun_lon + 180.0 + math.degrees(k * math.cos(math.radians(moon_lat))
                                           * math.sin(math.radians(sun_lon - moon_lon)))
    beta_h = k * moon_lat

    return (*selenographic(t, lam_h, beta_h), r_au)


def selenographic(t: float, lam_deg: float, beta_deg: float) -> tuple[float, float]:
    """Selenographic latitude and east longitude [deg] of the point of the Moon facing the
    direction opposite to ``(lam_deg, beta_deg)``: the ecliptic longitude and latitude, on the
    mean equinox of date, of the line from an observer to the Moon (the Earth: the
    librations; the Sun: the subsolar point). Meeus ch. 53: optical libration (eq. 53.1) plus
    the physical librations (rho, sigma, tau); ``t`` in Julian centuries of TT from J2000.
    """
    d, ms, mm, f, om, _, e = _lunar_arguments(t)
    rd, rms, rmm, rf, rom = map(math.radians, (d, ms, mm, f, om))
    # Optical libration, Meeus 53.1 with W = lambda - Omega (lambda on the mean equinox).
    w = math.radians(lam_deg - om)
    bh = math.radians(beta_deg)
    inc = math.radians(_MOON_I_DEG)
    a = math.atan2(math.sin(w) * math.cos(bh) * math.cos(inc) - math.sin(bh) * math.sin(inc),
                   math.cos(w) * math.cos(bh))
    l_opt = math.degrees(a) - f
    b_opt = math.asin(-math.sin(w) * math.cos(bh) * math.sin(inc) - math.sin(bh) * math.cos(inc))

    # Physical librations (Meeus ch. 53, rho, sigma, tau) [deg].
    k1 = math.radians(119.75 + 131.849 * t)
    k2 = math.radians(72.56 + 20.186 * t)
    sin, cos = math.sin, math.cos
    rho = (-0.02752 * cos(rmm) - 0.02245 * sin(rf) + 0.00684 * cos(rmm - 2 * rf)
           - 0.00293 * cos(2 * rf) - 0.00085 * cos(2 * rf - 2 * rd)
           - 0.00054 * cos(rmm - 2 * rd) - 0.00020 * sin(rmm + rf)
           - 0.00020 * cos(rmm + 2 * rf) - 0.00020 * cos(rmm - rf)
           + 0.00014 * cos(rmm + 2 * rf - 2 * rd))
    sigma = (-0.02816 * sin(rmm) + 0.02244 * cos(rf) - 0.00682 * sin(rmm - 2 * rf)
             - 0.00279 * sin(2 * rf) - 0.00083 * sin(2 * rf - 2 * rd)
             + 0.00069 * sin(rmm - 2 * rd) + 0.00040 * cos(rmm + rf)
             - 0.00025 * sin(2 * rmm) - 0.00023 * sin(rmm + 2 * rf)
             + 0.00020 * cos(rmm - rf) + 0.00019 * sin(rmm - rf)
             + 0.00013 * sin(rmm + 2 * rf - 2 * rd) - 0.00010 * cos(rmm - 3 * rf))
    tau = (0.02520 * e * sin(rms) + 0.00473 * sin(2 * rmm - 2 * rf) - 0.00467 * sin(rmm)
           + 0.00396 * sin(k1) + 0.00276 * sin(2 * rmm - 2 * rd) + 0.00196 * sin(rom)
           - 0.00183 * cos(rmm - rf) + 0.00115 * sin(rmm - 2 * rd)
           - 0.00096 * sin(rmm - rd) + 0.00046 * sin(2 * rf - 2 * rd)
           - 0.00039 * sin(rmm - rf) - 0.00032 * sin(rmm - rms - rd)
           + 0.00027 * sin(2 * rmm - rms - 2 * rd) + 0.00023 * sin(k2)
           - 0.00014 * sin(2 * rd) + 0.00014 * cos(2 * rmm - 2 * rf)
           - 0.00012 * sin(rmm - 2 * rf) - 0.00012 * sin(2 * rmm)
           + 0.00011 * sin(2 * rmm - 2 * rms - 2 * rd))
    l_phys = -tau + (rho * cos(a) + sigma * sin(a)) * math.tan(b_opt)
    b_phys = sigma * cos(a) - rho * sin(a)
    lat = math.degrees(b_opt) + b_phys
    lon = (l_opt + l_phys) % 360.0
    return lat, lon


# ----------------------------------------------------------------------------------------
# Public functions


def _solve(body, when) -> tuple[str, _dt.datetime, float, float, float]:
    name = _body(body)
    t = parse_utc(when)
    jd = _jd_tt(t)
    lat, lon, r = _mars(jd) if name == "mars" else _moon(jd)
    return name, t, lat, lon, r


def subsolar_point(body, when) -> tuple[float, float]:
    """The subsolar point: where the line from the body's centre to the Sun meets its surface.

    Parameters
    ----------
    body : str or Body
        ``"moon"`` or ``"mars"``.
    when : datetime or str
        Timezone-aware UTC datetime or ISO 8601 string (see :func:`parse_utc`).

    Returns
    -------
    (lat_deg, lon_deg) : tuple of float
        Planetocentric latitude [deg] and east longitude in [0, 360) [deg].

    Examples
    --------
    >>> lat, lon = subsolar_point("mars", "2000-01-06T00:00:00Z")  # Mars24 example A
    >>> round(lon, 2)  # 360 - 174.727 W
    185.27
    """
    _, _, lat, lon, _ = _solve(body, when)
    return lat, lon


def sun_distance_au(body, when) -> float:
    """The body's distance from the Sun [AU] at ``when`` (Mars24 step D-2 for Mars; the
    Earth's, Meeus ch. 25, for the Moon, whose own differs by at most 0.3 %)."""
    return _solve(body, when)[4]


def sun_position(body, lat_deg, lon_deg, when) -> tuple[float, float]:
    """Azimuth and elevation of the Sun's centre seen from a site on the Moon or Mars.

    Parameters
    ----------
    body : str or Body
        ``"moon"`` or ``"mars"`` (a :class:`Body` works too).
    lat_deg, lon_deg : float
        The site's planetocentric latitude in [-90, 90] and east longitude [deg].
    when : datetime or str
        A timezone-aware UTC datetime or an ISO 8601 string with its offset.

    Returns
    -------
    (azimuth_deg, elevation_deg) : tuple of float
        Azimuth clockwise from north in [0, 360) and elevation above the local horizon
        in [-90, 90] [deg], of the geometric Sun (no atmospheric refraction). The horizon is
        the plane normal to the IAU ellipsoid on Mars, to the sphere on the Moon. At a pole,
        north is the direction of the meridian ``lon_deg`` leads to. Within 0.1 deg of JPL's
        DE421 ephemeris over 2000-2049 at every latitude (tests/terrains).

    Raises
    ------
    ParameterError
        ``name`` "body" for a body without a Sun model, "lat_deg"/"lon_deg" for a latitude
        outside [-90, 90] or a value that is not a finite number, "when" for a time that
        does not parse, has no time zone, or lies outside 1900-2200.

    Examples
    --------
    >>> az, el = sun_position("mars", 0.0, 0.0, "2000-01-06T00:00:00Z")  # Mars24 example A
    >>> round(az, 1), round(el, 1)
    (191.2, -64.5)
    >>> az, el = sun_position("moon", -89.45, 45.0, "2023-08-23T12:33:00Z")  # near the pole
    >>> round(az), round(el, 1)
    (48, -1.0)
    """
    name = _body(body)
    lat, lon = _check_lat_lon(lat_deg, lon_deg)
    _, _, dec, sub_lon, _ = _solve(name, when)
    # The Sun's direction in body-fixed axes (the site's offset from the centre shifts it by
    # under 0.001 deg); the horizon is normal to the planetographic latitude.
    dr, sr = math.radians(dec), math.radians(sub_lon)
    sx, sy, sz = math.cos(dr) * math.cos(sr), math.cos(dr) * math.sin(sr), math.sin(dr)
    if name == "mars" and abs(lat) < 90.0:
        lat = math.degrees(math.atan(math.tan(math.radians(lat)) * _MARS_FLAT2))
    la, lo = math.radians(lat), math.radians(lon)
    up = sx * math.cos(la) * math.cos(lo) + sy * math.cos(la) * math.sin(lo) + sz * math.sin(la)
    east = -sx * math.sin(lo) + sy * math.cos(lo)
    north = (-sx * math.sin(la) * math.cos(lo) - sy * math.sin(la) * math.sin(lo)
             + sz * math.cos(la))
    el = math.degrees(math.asin(max(-1.0, min(1.0, up))))
    az = math.degrees(math.atan2(east, north)) % 360.0
    return az, el


def local_solar_time(body, lon_deg, when) -> float:
    """Local true solar time at east longitude ``lon_deg`` [hours of a solar day, 0-24).

    12 is local noon (the Sun on the meridian), 0 midnight; an "hour" is a 24th of the local
    solar day (a sol of 24.66 h on Mars; 29.5 Earth days on the Moon). On Mars this is
    Mars24's LTST (step C-4).

    Examples
    --------
    >>> round(local_solar_time("mars", 0.0, "2000-01-06T00:00:00Z"), 3)  # Mars24 example A
    23.648
    """
    _, lon = _check_lat_lon(0.0, lon_deg)
    _, _, _, sub_lon, _ = _solve(body, when)
    return (12.0 + (lon - sub_lon) / 15.0) % 24.0
