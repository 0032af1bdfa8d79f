"""A campaign's aggregates: success rates with their intervals, metric quantiles, paired planners.

A sweep gives one row per run (a dict, see :func:`summarize`). This module turns the rows into

- one *group* per (scenario, value of each varied key, planner): how many runs reached the
  goal, with a 95% Wilson interval on that rate, and the median and 90th percentile of the
  distance, path efficiency, energy and simulated time of the runs that reached it, and of
  the planner's wall-clock time per replan;
- one *pair* per (scenario, varied values, planner A, planner B): the two planners on the
  same terrain and route (rows with the same ``case``), which reached where the other did
  not, and over the cases both reached, the median ratio A/B of planning time, distance and
  energy and the share of cases each planner did better.

Rows whose ``outcome`` is ``"error"`` (the run raised) are not a planner's result: they are
counted per group (``errors``) and left out of every statistic.

Everything here is plain Python and numpy; the charts live in :mod:`rover.sweep.report`.
"""

from __future__ import annotations

import csv
import io
import math
import os
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np

from terrains.files import atomic_write

__all__ = ["GROUP_METRICS", "PAIR_METRICS", "Summary", "summarize", "wilson"]

Z95 = 1.959963984540054     # the standard normal's 97.5% quantile: a two-sided 95% interval

#: Per-group metrics, each reported as ``<name>_median`` and ``<name>_p90``. The first four
#: are over the runs that reached the goal (a failed run's distance is not comparable);
#: ``planner_ms_per_replan`` is over every non-error run that replanned at least once.
GROUP_METRICS = ("distance_m", "path_efficiency", "energy_wh", "sim_time_s",
                 "planner_ms_per_replan")

#: Paired metrics: (name in the pairs' columns, row column compared).
PAIR_METRICS = (("planner_time", "planner_time_s"), ("distance", "distance_m"),
                ("energy", "energy_wh"))

_REACHED_ONLY = ("distance_m", "path_efficiency", "energy_wh", "sim_time_s")
_ERROR = "error"
_REACHED = "reached"

# The statistics columns, after the group's keys (scenario, varied keys, planner) ...
_GROUP_STATS = ("runs", "errors", "reached", "success_rate", "success_low", "success_high",
                *(f"{m}_{q}" for m in GROUP_METRICS for q in ("median", "p90")))
# ... and after a pair's (scenario, varied keys).
_PAIR_STATS = ("planner_a", "planner_b", "pairs", "both_reached", "only_a_reached",
               "only_b_reached", *(f"{name}_ratio" for name, _ in PAIR_METRICS),
               *(f"{side}_wins_{name}" for name, _ in PAIR_METRICS for side in "ab"))


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for a proportion: ``(low, high)``, both in [0, 1].

    Unlike the normal ("Wald") interval it stays inside [0, 1] and is not empty at 0 or n
    successes, so it suits the small campaigns and the near-certain rates that sweeps give
    (Wilson 1927, JASA 22:209; recommended by Agresti & Coull 1998, Am. Stat. 52:119).

    Parameters
    ----------
    successes : int
        Runs that succeeded, 0 <= successes <= n.
    n : int
        Runs, >= 0.
    z : float
        The normal quantile of the confidence level: the default gives a 95% interval.

    Returns
    -------
    (float, float)
        The interval. With ``n == 0`` nothing is known: ``(0.0, 1.0)``. The low end is
        exactly 0.0 when ``successes == 0``, the high end exactly 1.0 when ``successes == n``.

    Raises
    ------
    ValueError
        If ``n < 0``, ``successes`` is outside [0, n] or ``z <= 0``.

    Examples
    --------
    >>> low, high = wilson(8, 10)
    >>> round(low, 4), round(high, 4)
    (0.4902, 0.9433)
    >>> wilson(0, 0)
    (0.0, 1.0)
    """
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"wilson needs 0 <= successes <= n, got successes={successes}, n={n}")
    if not z > 0:
        raise ValueError(f"z must be > 0, got {z}")
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    # At 0 or n successes the formula gives 0 and 1 up to rounding: say them exactly.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


@dataclass(frozen=True)
class Summary:
    """A campaign's aggregates, as made by :func:`summarize`.

    Attributes
    ----------
    keys : tuple of str
        The group columns: ``("scenario", *vary, "planner")``.
    groups : list of dict
        One dict per group, its keys :meth:`group_columns` in that order: the group's
        ``keys``, then ``runs`` (non-error rows), ``errors`` (error rows), ``reached``,
        ``success_rate`` with ``success_low`` and ``success_high`` (95% Wilson interval),
        then ``<metric>_median`` and ``<metric>_p90`` for each of :data:`GROUP_METRICS`.
        Units are in the names (m, Wh, s, ms); ``path_efficiency`` is straight line over
        distance driven. ``None`` where there is nothing to compute from.
    pairs : list of dict
        One dict per (scenario, varied values, planner A, planner B), A before B in the
        planner order; keys :meth:`pair_columns`. See :func:`summarize`.
    """

    keys: tuple[str, ...]
    groups: list[dict]
    pairs: list[dict]

    @property
    def vary(self) -> tuple[str, ...]:
        """The varied keys: ``keys`` without ``scenario`` and ``planner``."""
        return self.keys[1:-1]

    def group_columns(self) -> list[str]:
        """The columns of ``groups`` and of summary.csv, in order."""
        return [*self.keys, *_GROUP_STATS]

    def pair_columns(self) -> list[str]:
        """The columns of ``pairs`` and of pairs.csv, in order."""
        return [*self.keys[:-1], *_PAIR_STATS]

    def values(self, rows: Iterable[Mapping], metric: str) -> list[list[float]]:
        """The values behind each group's ``<metric>_median`` and ``<metric>_p90``.

        Parameters
        ----------
        rows : iterable of mappings
            The rows this Summary was made from.
        metric : str
            One of :data:`GROUP_METRICS`.

        Returns
        -------
        list of list of float
            One sorted list per group, in the order of ``groups``: the metric over the
            group's reached runs (``planner_ms_per_replan``: over its non-error runs that
            replanned), missing values left out. Same units as the metric.
        """
        if metric not in GROUP_METRICS:
            raise ValueError(f"metric must be one of {list(GROUP_METRICS)}, got {metric!r}")
        index = {tuple(_hashable(g[k]) for k in self.keys): i
                 for i, g in enumerate(self.groups)}
        found: list[list[Mapping]] = [[] for _ in self.groups]
        for r in rows:
            i = index.get(tuple(_hashable(v) for v in (*_combo(r, self.vary), r["planner"])))
            if i is not None:
                found[i].append(r)
        return [_metric_values(group, metric) for group in found]

    def table(self, width: int = 100) -> str:
        """The groups as a fixed-width text table, one block per scenario.

        Shows the medians (the 90th percentiles are in summary.csv). Long names are cut
        (ending in "…") so that no line is wider than ``width`` characters when the
        numbers allow it; a varied key's header is the last part of its dotted name.
        """
        headers = [*(_short_key(k) for k in self.vary), "planner", "reached", "err",
                   "success % [95%]", "dist m", "effic", "energy Wh", "sim s", "ms/replan"]
        text_cols = len(self.vary) + 1

        def row(g):
            return [*(_cell(g[k]) for k in self.vary), g["planner"],
                    f"{g['reached']}/{g['runs']}", str(g["errors"]), _success(g),
                    _num(g["distance_m_median"]), _num(g["path_efficiency_median"]),
                    _num(g["energy_wh_median"]), _num(g["sim_time_s_median"], whole=True),
                    _num(g["planner_ms_per_replan_median"])]

        out = _blocks(self.groups, headers, row, text_cols, width)
        out.append(textwrap.fill(
            "success: reached / runs, with its 95% Wilson interval; dist, effic, energy, sim "
            "s: medians over the runs that reached the goal; ms/replan: median planner "
            "wall-clock time per replan; err: runs that raised (left out)", width))
        return "\n".join(out)

    def pairs_table(self, width: int = 100) -> str:
        """The paired comparisons as a fixed-width text table, one block per scenario.

        ``both/A/B``: cases both planners reached / only A / only B. Each metric's cell is
        the median ratio A/B over the cases both reached, then the share of those cases
        where A and where B did strictly better, in %: ``0.52 (80:15)``.
        """
        headers = [*(_short_key(k) for k in self.vary), "A", "B", "pairs", "both/A/B",
                   "time A/B", "dist A/B", "energy A/B"]
        text_cols = len(self.vary) + 2

        def row(p):
            return [*(_cell(p[k]) for k in self.vary), p["planner_a"], p["planner_b"],
                    str(p["pairs"]),
                    f"{p['both_reached']}/{p['only_a_reached']}/{p['only_b_reached']}",
                    *(_ratio_wins(p, name) for name, _ in PAIR_METRICS)]

        out = _blocks(self.pairs, headers, row, text_cols, width)
        out.append(textwrap.fill(
            "pairs: cases (same terrain and route) where both ran without error; time, dist, "
            "energy: median A/B over the cases both reached (% of them where A did better : "
            "% where B did better)", width))
        return "\n".join(out)

    def write(self, folder: str | os.PathLike) -> list[Path]:
        """Write ``folder/summary.csv`` and ``folder/pairs.csv``; return their paths.

        Each file is written whole or not at all (a temporary file beside it, then a
        rename). Floats are written as ``repr`` (they read back exactly), ``None`` as an
        empty cell. The folder is made if missing.
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        return [_write_csv(folder / "summary.csv", self.group_columns(), self.groups),
                _write_csv(folder / "pairs.csv", self.pair_columns(), self.pairs)]


def summarize(rows: Iterable[Mapping], *, vary: Sequence[str] = (),
              planners: Sequence[str] | None = None) -> Summary:
    """Aggregate a campaign's rows into groups and paired planner comparisons.

    Parameters
    ----------
    rows : iterable of mappings
        One per run. Read: ``run`` (unique), ``case`` (the run without its planner: rows
        with the same case share terrain and route), ``scenario``, each of ``vary``,
        ``planner``, ``outcome``, and the metrics ``distance_m``, ``path_efficiency``,
        ``energy_wh``, ``sim_time_s`` [m, -, Wh, s], ``planner_time_s`` [s, wall clock]
        and ``replans``. Missing metrics (``None`` or NaN) are skipped.
    vary : sequence of str
        The varied keys, as columns of the rows (e.g. ``"terrain.rock_cover"``); each
        becomes a group column.
    planners : sequence of str, optional
        The planner order: groups follow it, and a pair's A comes before its B. Planners
        in the rows but not in it follow, by name. Default: by name.

    Returns
    -------
    Summary
        Groups for every (scenario, varied values) seen in the rows times every planner
        with rows there, ordered by scenario, then each varied value (numbers ascending, then text
        alphabetically), then planner order. Quantiles are numpy's default (linear
        interpolation between the closest ranks); ``None`` when there are no values.
        Pairs: within each (scenario, varied values), for every two planners A before B,
        the cases where both have a non-error row: ``pairs``, ``both_reached``,
        ``only_a_reached``, ``only_b_reached``; over the cases both reached, the median
        of A/B (``planner_time_ratio``, ``distance_ratio``, ``energy_ratio``; cases with
        B == 0 left out) and the share of them where A, or B, has the strictly lower value
        (``a_wins_distance`` ...; ties are neither's).

        The same rows in any order give an equal Summary: nothing depends on row order.

    Raises
    ------
    ValueError
        If a row lacks ``run``, ``scenario``, ``planner``, ``outcome`` (or ``case`` for a
        non-error row), two rows share a ``run``, two non-error rows share a ``case`` and a
        ``planner``, a key of ``vary`` is repeated, names a group or statistics column, or is
        in no row.

    Examples
    --------
    >>> rows = [dict(run=f"r{i}", case=f"c{i % 2}", scenario="s", seed=i % 2, planner=p,
    ...              outcome="reached", distance_m=d, path_efficiency=0.9, energy_wh=2.0 * d,
    ...              sim_time_s=100.0, planner_time_s=0.5, replans=10)
    ...         for i, (p, d) in enumerate([("astar", 10.0), ("astar", 12.0),
    ...                                     ("dstar_lite", 10.0), ("dstar_lite", 11.0)])]
    >>> s = summarize(rows, planners=["astar", "dstar_lite"])
    >>> [(g["planner"], g["reached"], g["distance_m_median"]) for g in s.groups]
    [('astar', 2, 11.0), ('dstar_lite', 2, 10.5)]
    >>> s.pairs[0]["both_reached"], s.pairs[0]["b_wins_distance"]
    (2, 0.5)
    """
    rows = list(rows)
    vary = tuple(vary)
    _check(rows, vary)
    order = _planner_order(rows, planners)
    keys = ("scenario", *vary, "planner")

    by_combo: dict[tuple, dict[str, list[Mapping]]] = {}
    shown: dict[tuple, tuple] = {}  # a combination's hashable form -> its values as given
    for r in rows:
        combo = _combo(r, vary)
        key = tuple(_hashable(v) for v in combo)
        shown.setdefault(key, combo)
        by_combo.setdefault(key, {}).setdefault(r["planner"], []).append(r)
    combos = sorted(by_combo, key=lambda c: tuple(_value_order(v) for v in shown[c]))

    groups, pairs = [], []
    for combo in combos:
        head = dict(zip(keys, shown[combo]))
        # Only the planners that ran there: a sweep without [sweep].planners runs each
        # scenario's own, and the others would be empty groups.
        here = [p for p in order if p in by_combo[combo]]
        for p in here:
            groups.append({**head, "planner": p, **_group_stats(by_combo[combo][p])})
        for i, a in enumerate(here):
            for b in here[i + 1:]:
                pairs.append({**head, "planner_a": a, "planner_b": b,
                              **_pair_stats(by_combo[combo][a], by_combo[combo][b])})
    return Summary(keys=keys, groups=groups, pairs=pairs)


def _hashable(v):
    """A varied value as a dict key: lists and tables (``"terrain.size" = [[80, 80], ...]``)
    by their JSON text, everything else as it is."""
    if isinstance(v, (list, dict)):
        import json

        return ("json", json.dumps(v, sort_keys=True, default=str))
    return v


# Checks and order


def _combo(row: Mapping, vary: Sequence[str]) -> tuple:
    """``(scenario, *values of vary)`` of ``row``: its group without the planner."""
    return (row["scenario"], *(row.get(k) for k in vary))


_REQUIRED = ("run", "scenario", "planner", "outcome")


def _check(rows: list[Mapping], vary: tuple[str, ...]) -> None:
    if len(set(vary)) != len(vary):
        raise ValueError(f"vary names a key twice: {list(vary)}")
    clash = [k for k in vary if k in {"scenario", "planner", *_GROUP_STATS, *_PAIR_STATS}]
    if clash:
        raise ValueError(f"vary key {clash[0]!r} is also a column of the summary; "
                         "rename the varied key")
    seen_runs: set = set()
    seen_cases: dict = {}
    for i, r in enumerate(rows):
        needed = _REQUIRED + (() if r.get("outcome") == _ERROR else ("case",))
        missing = [c for c in needed if r.get(c) is None]
        if missing:
            raise ValueError(f"row {i} (run {r.get('run')!r}) has no {missing[0]!r}")
        if r["run"] in seen_runs:
            raise ValueError(f"run {r['run']!r} appears twice in the rows: one row per run "
                             "expected")
        seen_runs.add(r["run"])
        if r["outcome"] == _ERROR:
            continue
        other = seen_cases.setdefault((r["case"], r["planner"]), r["run"])
        if other != r["run"]:
            # Pairing needs one result per planner on a terrain and route.
            raise ValueError(f"runs {other!r} and {r['run']!r} share case {r['case']!r} and "
                             f"planner {r['planner']!r}: a case is one terrain and route, run "
                             "once per planner")
    absent = [k for k in vary if rows and not any(k in r for r in rows)]
    if absent:
        raise ValueError(f"vary key {absent[0]!r} is in no row; the rows' columns are "
                         f"{sorted({c for r in rows for c in r})}")


def _planner_order(rows: list[Mapping], planners: Sequence[str] | None) -> list[str]:
    given = list(dict.fromkeys(planners or ()))
    return given + sorted({r["planner"] for r in rows} - set(given))


def _value_order(v) -> tuple:
    # A sort key for a varied value of any type: values of one type in their natural order,
    # types apart (None, bools, numbers, text), so mixed columns still sort the same way.
    if v is None:
        return (0, 0, "")
    if isinstance(v, bool):
        return (1, int(v), "")
    if isinstance(v, (int, float, np.integer, np.floating)):
        return (2, math.inf, "nan") if math.isnan(v) else (2, float(v), "")
    if isinstance(v, str):
        return (3, 0, v)
    return (4, 0, repr(v))


# Statistics


def _values(rows: Iterable[Mapping], column: str) -> list[float]:
    """The finite values of ``column``, sorted (so no result depends on row order)."""
    out = []
    for r in rows:
        v = r.get(column)
        if v is not None and math.isfinite(v):
            out.append(float(v))
    return sorted(out)


def _quantiles(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    return float(np.median(values)), float(np.percentile(values, 90))


def _ms_per_replan(r: Mapping) -> float | None:
    t, n = r.get("planner_time_s"), r.get("replans")
    if t is None or n is None or not n > 0 or not math.isfinite(t):
        return None
    return 1000.0 * t / n


def _group_stats(rows: list[Mapping]) -> dict:
    ok = [r for r in rows if r["outcome"] != _ERROR]
    reached = [r for r in ok if r["outcome"] == _REACHED]
    low, high = wilson(len(reached), len(ok))
    out = {"runs": len(ok), "errors": len(rows) - len(ok), "reached": len(reached),
           "success_rate": len(reached) / len(ok) if ok else None,
           "success_low": low, "success_high": high}
    for m in GROUP_METRICS:
        out[f"{m}_median"], out[f"{m}_p90"] = _quantiles(_metric_values(rows, m))
    return out


def _metric_values(rows: list[Mapping], metric: str) -> list[float]:
    """A group's values of ``metric`` (see :meth:`Summary.values`), sorted."""
    if metric in _REACHED_ONLY:
        return _values((r for r in rows if r["outcome"] == _REACHED), metric)
    return sorted(v for r in rows if r["outcome"] != _ERROR
                  and (v := _ms_per_replan(r)) is not None)


def _by_case(rows: list[Mapping]) -> dict:
    out = {}
    for r in rows:
        if r["outcome"] == _ERROR:
            continue
        out[r["case"]] = r            # one per case: _check saw to it
    return out


def _pair_stats(rows_a: list[Mapping], rows_b: list[Mapping]) -> dict:
    a, b = _by_case(rows_a), _by_case(rows_b)
    cases = sorted(a.keys() & b.keys(), key=str)
    won = [(a[c]["outcome"] == _REACHED, b[c]["outcome"] == _REACHED) for c in cases]
    both = [c for c, w in zip(cases, won) if all(w)]
    out = {"pairs": len(cases), "both_reached": len(both),
           "only_a_reached": sum(wa and not wb for wa, wb in won),
           "only_b_reached": sum(wb and not wa for wa, wb in won)}
    wins = {}
    for name, column in PAIR_METRICS:
        pairs = [(a[c].get(column), b[c].get(column)) for c in both]
        pairs = [(float(x), float(y)) for x, y in pairs
                 if x is not None and y is not None and math.isfinite(x) and math.isfinite(y)]
        ratios = sorted(x / y for x, y in pairs if y != 0)
        out[f"{name}_ratio"] = float(np.median(ratios)) if ratios else None
        n = len(pairs)
        wins[f"a_wins_{name}"] = sum(x < y for x, y in pairs) / n if n else None
        wins[f"b_wins_{name}"] = sum(y < x for x, y in pairs) / n if n else None
    return {**out, **wins}


# Text and CSV


def _short_key(key: str) -> str:
    return key.rpartition(".")[2] or key


def _cell(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return format(v, "g")
    return str(v)


def _num(v: float | None, whole: bool = False) -> str:
    """A number in about three significant digits (two below 0.01), in a table cell."""
    if v is None:
        return "-"
    a = abs(v)
    if whole or a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 0.01 or a == 0:
        return f"{v:.2f}"
    return f"{v:.2g}"


def _success(g: dict) -> str:
    if g["success_rate"] is None:
        return "-"
    pct = lambda x: f"{100 * x:.0f}"  # noqa: E731
    return f"{pct(g['success_rate'])} [{pct(g['success_low'])}-{pct(g['success_high'])}]"


def _ratio_wins(p: dict, name: str) -> str:
    ratio = p[f"{name}_ratio"]
    wa, wb = p[f"a_wins_{name}"], p[f"b_wins_{name}"]
    if wa is None:
        return "-"
    return f"{_num(ratio)} ({100 * wa:.0f}:{100 * wb:.0f})"


def _blocks(items: list[dict], headers: list[str], row, text_cols: int, width: int) -> list[str]:
    """One fixed-width table per scenario, under a ``scenario <name>`` line."""
    out = []
    for scenario in dict.fromkeys(it["scenario"] for it in items):
        cells = [row(it) for it in items if it["scenario"] == scenario]
        if out:
            out.append("")
        out.append(f"scenario {scenario}")
        out.extend(_fit(headers, cells, text_cols, width))
    return out


def _fit(headers: list[str], rows: list[list[str]], text_cols: int, width: int) -> list[str]:
    """Lines of a table: the first ``text_cols`` columns left-aligned and cut with "…" as
    needed to keep lines within ``width``; the rest (numbers) right-aligned, never cut."""
    sep = 2
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    while sum(widths) + sep * (len(widths) - 1) > width:
        widest = max(range(text_cols), key=lambda i: widths[i])
        if widths[widest] <= 6:          # names cut shorter than this say nothing
            break
        widths[widest] -= 1

    def cut(text: str, w: int) -> str:
        return text if len(text) <= w else text[:w - 1] + "…"

    def line(cells):
        return (" " * sep).join(cut(c, w).ljust(w) if i < text_cols else c.rjust(w)
                                for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def _csv_value(v):
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v)
    return v


def _write_csv(path: Path, columns: list[str], items: list[dict]) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for it in items:
        w.writerow([_csv_value(it[c]) for c in columns])
    text = buf.getvalue()
    return atomic_write(path, lambda fh: fh.write(text))
