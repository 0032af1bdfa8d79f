"""rover.sweep.stats: the Wilson interval, the groups, the paired planners, the tables, the CSVs."""

from __future__ import annotations

import ast
import csv
import doctest
import math
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rover.sweep import stats
from rover.sweep.stats import GROUP_METRICS, Summary, summarize, wilson

KEY = "terrain.rock_cover"


def row(run, case, planner, outcome="reached", *, scenario="s", cover=0.1, seed=0, **metrics):
    """A run's row with the columns summarize reads; metrics default to plain values."""
    r = {"run": run, "case": case, "scenario": scenario, KEY: cover, "seed": seed,
         "planner": planner, "outcome": outcome, "reason": "", "distance_m": 10.0,
         "straight_line_m": 9.0, "path_efficiency": 0.9 if outcome == "reached" else None,
         "sim_time_s": 100.0, "replans": 1, "planner_time_s": 0.01, "energy_wh": 5.0}
    r.update(metrics)
    return r


def group(summary, **where):
    found = [g for g in summary.groups if all(g[k] == v for k, v in where.items())]
    assert len(found) == 1, found
    return found[0]


def pair(summary, a, b, **where):
    found = [p for p in summary.pairs if p["planner_a"] == a and p["planner_b"] == b
             and all(p[k] == v for k, v in where.items())]
    assert len(found) == 1, found
    return found[0]


# wilson


@pytest.mark.parametrize("k, n", [(0, 1), (1, 1), (0, 20), (1, 29), (3, 4), (8, 10),
                                  (15, 148), (81, 263), (999, 1000), (1000, 1000)])
def test_wilson_matches_scipy(k, n):
    scipy_stats = pytest.importorskip("scipy.stats")
    ci = scipy_stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert wilson(k, n) == pytest.approx((ci.low, ci.high), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("k, n, low, high", [
    # Newcombe 1998, Stat. Med. 17:857, Table I, method 3 (Wilson score, no continuity
    # correction), to the 4 decimals printed there.
    (81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718)])
def test_wilson_matches_published_values(k, n, low, high):
    assert wilson(k, n) == pytest.approx((low, high), abs=5e-5)


def test_wilson_edges():
    assert wilson(0, 0) == (0.0, 1.0)                  # nothing known
    assert wilson(0, 7)[0] == 0.0 and wilson(0, 7)[1] < 1
    assert wilson(7, 7)[1] == 1.0 and wilson(7, 7)[0] > 0
    narrow, wide = wilson(80, 100), wilson(8, 10)
    assert wide[0] < narrow[0] < 0.8 < narrow[1] < wide[1]


@pytest.mark.parametrize("k, n", [(-1, 3), (4, 3), (0, -1)])
def test_wilson_refuses_impossible_counts(k, n):
    with pytest.raises(ValueError, match=f"successes={k}, n={n}"):
        wilson(k, n)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 10_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_holds_the_observed_rate(kn):
    k, n = kn
    low, high = wilson(k, n)
    assert 0.0 <= low <= k / n <= high <= 1.0
    assert high - low > 0


def test_docstring_examples():
    assert doctest.testmod(stats).failed == 0


# summarize: one combination worked by hand


def hand_rows():
    # astar and dstar_lite on cases c1..c6 at rock cover 0.1; mpgaa only at 0.2.
    return [
        row("a1", "c1", "astar", distance_m=10.0, energy_wh=5.0, planner_time_s=1.0, replans=4,
            path_efficiency=0.8, sim_time_s=100.0),
        row("a2", "c2", "astar", distance_m=20.0, energy_wh=8.0, planner_time_s=2.0, replans=0,
            path_efficiency=0.9, sim_time_s=200.0),
        row("a3", "c3", "astar", "stuck", distance_m=3.0, energy_wh=1.0, planner_time_s=0.5,
            replans=5, sim_time_s=9999.0),
        # an error row with values that would change every statistic if it were counted
        row("a4", "c4", "astar", "error", distance_m=1e6, energy_wh=1e6, planner_time_s=1e6,
            replans=1, sim_time_s=1e6, path_efficiency=0.0),
        row("a5", "c5", "astar", distance_m=30.0, energy_wh=9.0, planner_time_s=0.3, replans=3,
            path_efficiency=1.0, sim_time_s=300.0),
        row("d1", "c1", "dstar_lite", distance_m=12.0, energy_wh=5.0, planner_time_s=0.5,
            replans=4),
        row("d2", "c2", "dstar_lite", distance_m=18.0, energy_wh=10.0, planner_time_s=2.0,
            replans=2),
        row("d3", "c3", "dstar_lite", distance_m=15.0, energy_wh=6.0, planner_time_s=1.0),
        row("d4", "c4", "dstar_lite", distance_m=11.0),
        row("d6", "c6", "dstar_lite", "timeout"),
        row("m1", "c7", "mpgaa", cover=0.2),
        {"run": "m2", "scenario": "s", KEY: 0.2, "planner": "mpgaa", "outcome": "error",
         "case": None, "seed": 1},                       # an error row with nearly nothing
    ]


PLANNERS = ["astar", "dstar_lite", "mpgaa"]


def test_groups_count_runs_errors_and_success():
    s = summarize(hand_rows(), vary=[KEY], planners=PLANNERS)
    a = group(s, **{KEY: 0.1}, planner="astar")
    assert (a["runs"], a["errors"], a["reached"]) == (4, 1, 3)
    assert a["success_rate"] == 0.75
    assert (a["success_low"], a["success_high"]) == wilson(3, 4)
    d = group(s, **{KEY: 0.1}, planner="dstar_lite")
    assert (d["runs"], d["errors"], d["reached"], d["success_rate"]) == (5, 0, 4, 0.8)
    m = group(s, **{KEY: 0.2}, planner="mpgaa")
    assert (m["runs"], m["errors"], m["reached"]) == (1, 1, 1)


def test_group_metrics_are_over_reached_runs_with_numpy_quantiles():
    a = group(summarize(hand_rows(), vary=[KEY], planners=PLANNERS), **{KEY: 0.1},
              planner="astar")
    # reached: a1, a2, a5 (a3 is stuck, a4 raised)
    for metric, values in [("distance_m", [10.0, 20.0, 30.0]),
                           ("energy_wh", [5.0, 8.0, 9.0]),
                           ("path_efficiency", [0.8, 0.9, 1.0]),
                           ("sim_time_s", [100.0, 200.0, 300.0])]:
        assert a[f"{metric}_median"] == np.median(values), metric
        assert a[f"{metric}_p90"] == np.percentile(values, 90), metric
    assert a["distance_m_p90"] == pytest.approx(28.0)   # linear: 20 + 0.8 * (30 - 20)


def test_planner_ms_per_replan_is_over_non_error_runs_that_replanned():
    a = group(summarize(hand_rows(), vary=[KEY], planners=PLANNERS), **{KEY: 0.1},
              planner="astar")
    # a1 1000*1.0/4, a3 (stuck, still a run) 1000*0.5/5, a5 1000*0.3/3; a2 never replanned
    values = [250.0, 100.0, 1000 * 0.3 / 3]
    assert a["planner_ms_per_replan_median"] == np.median(values)
    assert a["planner_ms_per_replan_p90"] == np.percentile(values, 90)


def test_a_planner_without_rows_there_has_no_group():
    # A sweep without [sweep].planners runs each scenario's own planner: the others are not
    # empty groups of the other scenarios.
    s = summarize(hand_rows(), vary=[KEY], planners=PLANNERS)
    assert [(g[KEY], g["planner"]) for g in s.groups] == [
        (0.1, "astar"), (0.1, "dstar_lite"), (0.2, "mpgaa")]
    assert group(s, **{KEY: 0.2}, planner="mpgaa")["runs"] == 1


def test_missing_and_nan_metrics_are_skipped():
    rows = [row("r1", "c1", "astar", distance_m=None), row("r2", "c2", "astar",
            distance_m=math.nan), row("r3", "c3", "astar", distance_m=7.0)]
    g = summarize(rows).groups[0]
    assert (g["reached"], g["distance_m_median"], g["distance_m_p90"]) == (3, 7.0, 7.0)


def test_pairs_match_rows_by_case():
    p = pair(summarize(hand_rows(), vary=[KEY], planners=PLANNERS), "astar", "dstar_lite",
             **{KEY: 0.1})
    # matched: c1 and c2 (both reached), c3 (only dstar_lite reached); c4: astar raised;
    # c5 has no dstar_lite row, c6 no astar row
    assert (p["pairs"], p["both_reached"], p["only_a_reached"], p["only_b_reached"]) == (3, 2, 0, 1)
    # over c1, c2: planner time 1.0/0.5 and 2.0/2.0, distance 10/12 and 20/18, energy 5/5, 8/10
    assert p["planner_time_ratio"] == np.median([2.0, 1.0])
    assert p["distance_ratio"] == np.median([10 / 12, 20 / 18])
    assert p["energy_ratio"] == np.median([1.0, 0.8])
    assert (p["a_wins_planner_time"], p["b_wins_planner_time"]) == (0.0, 0.5)   # c2 a tie
    assert (p["a_wins_distance"], p["b_wins_distance"]) == (0.5, 0.5)
    assert (p["a_wins_energy"], p["b_wins_energy"]) == (0.5, 0.0)               # c1 a tie


def test_pairs_only_between_planners_that_ran_there():
    s = summarize(hand_rows(), vary=[KEY], planners=PLANNERS)
    assert [(p[KEY], p["planner_a"], p["planner_b"]) for p in s.pairs] == [
        (0.1, "astar", "dstar_lite")]


def test_a_list_valued_key_groups_by_its_value():
    # "terrain.size" = [[80, 80], [72, 72]]: lists are not hashable, and must still group.
    rows = [row(f"r{i}", f"c{i}", "astar", cover=[80 - 8 * (i % 2)] * 2) for i in range(4)]
    s = summarize(rows, vary=[KEY])
    assert [(g[KEY], g["runs"]) for g in s.groups] == [([72, 72], 2), ([80, 80], 2)]


def test_a_zero_denominator_drops_the_ratio_not_the_win():
    rows = [row("a1", "c1", "astar", planner_time_s=0.2),
            row("b1", "c1", "dijkstra", planner_time_s=0.0),
            row("a2", "c2", "astar", planner_time_s=0.3),
            row("b2", "c2", "dijkstra", planner_time_s=0.6)]
    p = summarize(rows, planners=["astar", "dijkstra"]).pairs[0]
    assert p["planner_time_ratio"] == 0.5
    assert (p["a_wins_planner_time"], p["b_wins_planner_time"]) == (0.5, 0.5)


def test_group_order_columns_and_default_planner_order():
    rows = [row("1", "x", "zeta", cover=10.0, scenario="moon"),
            row("2", "y", "astar", cover=9.5, scenario="moon"),
            row("3", "z", "zeta", cover=9.5, scenario="mars"),
            row("4", "w", "other", cover=10.0, scenario="mars")]
    s = summarize(rows, vary=[KEY], planners=["zeta", "astar"])
    assert s.keys == ("scenario", KEY, "planner")
    # combinations sorted (scenario by name, values ascending as numbers, not as text),
    # planners as given then the unlisted ones by name
    assert [(g["scenario"], g[KEY], g["planner"]) for g in s.groups] == [
        ("mars", 9.5, "zeta"), ("mars", 10.0, "other"), ("moon", 9.5, "astar"),
        ("moon", 10.0, "zeta")]
    assert list(s.groups[0]) == s.group_columns() == [
        "scenario", KEY, "planner", "runs", "errors", "reached", "success_rate",
        "success_low", "success_high", "distance_m_median", "distance_m_p90",
        "path_efficiency_median", "path_efficiency_p90", "energy_wh_median", "energy_wh_p90",
        "sim_time_s_median", "sim_time_s_p90", "planner_ms_per_replan_median",
        "planner_ms_per_replan_p90"]
    pairs = summarize(hand_rows(), vary=[KEY], planners=PLANNERS).pairs
    assert list(pairs[0]) == s.pair_columns() == [
        "scenario", KEY, "planner_a", "planner_b", "pairs", "both_reached", "only_a_reached",
        "only_b_reached", "planner_time_ratio", "distance_ratio", "energy_ratio",
        "a_wins_planner_time", "b_wins_planner_time", "a_wins_distance", "b_wins_distance",
        "a_wins_energy", "b_wins_energy"]
    one = [row("1", "x", "zeta"), row("2", "y", "astar"), row("3", "z", "other")]
    assert [g["planner"] for g in summarize(one).groups] == ["astar", "other", "zeta"]


def test_two_varied_keys_of_mixed_types():
    rows = [row(f"r{i}", f"c{i}", "astar", **{"rover.preset": preset, "sensing.noise": noise})
            for i, (preset, noise) in enumerate([("yutu", True), ("curiosity", False),
                                                 ("yutu", False), ("curiosity", True)])]
    s = summarize(rows, vary=["rover.preset", "sensing.noise"])
    assert [(g["rover.preset"], g["sensing.noise"]) for g in s.groups] == [
        ("curiosity", False), ("curiosity", True), ("yutu", False), ("yutu", True)]


# summarize: a random campaign against a slow, obvious reference


def random_rows(n_cases=40, seed=3):
    rng = random.Random(seed)
    rows = []
    for c in range(n_cases):
        scenario = rng.choice(["mars-jezero", "moon-shackleton"])
        cover = rng.choice([0.05, 0.1, 0.2])
        for p in ["astar", "dstar_lite", "mpgaa"]:
            if rng.random() < 0.1:
                continue                                    # no row for this planner
            outcome = rng.choice(["reached"] * 4 + ["stuck", "timeout", "error"])
            rows.append(row(f"{c}-{p}", f"case{c}", p, outcome, scenario=scenario, cover=cover,
                            seed=c, distance_m=round(rng.uniform(50, 90), 1),
                            energy_wh=rng.choice([10.0, 12.5, 15.0]),
                            planner_time_s=rng.choice([0.0, rng.uniform(0, 2)]),
                            replans=rng.randrange(0, 6), sim_time_s=rng.uniform(100, 900),
                            path_efficiency=rng.uniform(0.5, 1) if outcome == "reached" else None))
    return rows


def test_random_campaign_matches_a_naive_reference():
    rows = random_rows()
    s = summarize(rows, vary=[KEY], planners=["astar", "dstar_lite", "mpgaa"])
    for g in s.groups:
        mine = [r for r in rows if (r["scenario"], r[KEY], r["planner"]) ==
                (g["scenario"], g[KEY], g["planner"])]
        ok = [r for r in mine if r["outcome"] != "error"]
        reached = [r for r in ok if r["outcome"] == "reached"]
        assert (g["runs"], g["errors"], g["reached"]) == (len(ok), len(mine) - len(ok),
                                                          len(reached))
        dist = [r["distance_m"] for r in reached]
        assert g["distance_m_median"] == (np.median(dist) if dist else None)
        assert g["distance_m_p90"] == (np.percentile(dist, 90) if dist else None)
        ms = [1000 * r["planner_time_s"] / r["replans"] for r in ok if r["replans"] > 0]
        assert g["planner_ms_per_replan_median"] == pytest.approx(np.median(ms) if ms else None)
    for p in s.pairs:
        def by_case(planner):
            return {r["case"]: r for r in rows
                    if r["planner"] == planner and r["outcome"] != "error"
                    and (r["scenario"], r[KEY]) == (p["scenario"], p[KEY])}
        a, b = by_case(p["planner_a"]), by_case(p["planner_b"])
        both = [c for c in a.keys() & b.keys()
                if a[c]["outcome"] == b[c]["outcome"] == "reached"]
        assert (p["pairs"], p["both_reached"]) == (len(a.keys() & b.keys()), len(both))
        ratios = [a[c]["energy_wh"] / b[c]["energy_wh"] for c in both]
        assert p["energy_ratio"] == pytest.approx(np.median(ratios) if both else None)
        assert p["a_wins_energy"] == pytest.approx(
            sum(a[c]["energy_wh"] < b[c]["energy_wh"] for c in both) / len(both) if both else None)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_row_order_does_not_matter(seed):
    rows = random_rows()
    shuffled = rows[:]
    random.Random(seed).shuffle(shuffled)
    a = summarize(rows, vary=[KEY])
    b = summarize(shuffled, vary=[KEY])
    assert a == b                        # groups and pairs, every float bit for bit
    assert a.groups and a.pairs


def test_values_are_those_behind_the_quantiles():
    rows = random_rows()
    s = summarize(rows, vary=[KEY])
    for metric in GROUP_METRICS:
        for g, values in zip(s.groups, s.values(rows, metric)):
            assert values == sorted(values)
            assert g[f"{metric}_median"] == (float(np.median(values)) if values else None)
    with pytest.raises(ValueError, match="metric must be one of"):
        s.values(rows, "speed")


# summarize: what it refuses


@pytest.mark.parametrize("rows, vary, message", [
    ([row("r1", "c1", "astar"), row("r1", "c2", "astar")], (), "run 'r1' appears twice"),
    ([row("r1", "c1", "astar"), row("r2", "c1", "astar")], (),
     "share case 'c1' and planner 'astar'"),
    ([row("r1", None, "astar")], (), "row 0 \\(run 'r1'\\) has no 'case'"),
    ([{"run": "r1", "case": "c1", "planner": "astar", "outcome": "reached"}], (),
     "has no 'scenario'"),
    ([row("r1", "c1", "astar")], ("rover.preset",), "vary key 'rover.preset' is in no row"),
    ([row("r1", "c1", "astar")], (KEY, KEY), "vary names a key twice"),
    ([row("r1", "c1", "astar")], ("runs",), "vary key 'runs' is also a column"),
])
def test_bad_rows_are_refused_with_a_message(rows, vary, message):
    with pytest.raises(ValueError, match=message):
        summarize(rows, vary=vary)


def test_no_rows_give_an_empty_summary():
    s = summarize([], vary=[KEY])
    assert (s.groups, s.pairs) == ([], [])
    assert s.table().startswith("success:")           # no block, only the key to the columns


# tables


def three_planner_rows(scenarios=("mars-jezero-perseverance", "moon-shackleton-rim"),
                       planners=("astar", "dstar_lite", "field_dstar")):
    rows = []
    for sc in scenarios:
        for cover in (0.05, 0.1, 0.25):
            for seed in range(3):
                case = f"{sc}-{cover}-{seed}"
                for p in planners:
                    rows.append(row(f"{case}-{p}", case, p, "reached" if seed else "stuck",
                                    scenario=sc, cover=cover, seed=seed,
                                    distance_m=1234.5 + seed, energy_wh=987.6,
                                    sim_time_s=12345.0, planner_time_s=17.5, replans=800))
    return rows


def test_table_shows_every_group_within_100_columns():
    s = summarize(three_planner_rows(), vary=[KEY],
                  planners=["astar", "dstar_lite", "field_dstar"])
    text = s.table()
    assert max(map(len, text.splitlines())) <= 100, text
    lines = text.splitlines()
    for g in s.groups:
        assert f"scenario {g['scenario']}" in lines
        assert any(line.split()[:2] == [format(g[KEY], "g"), g["planner"]] for line in lines), g
    assert "2/3" in text and "67 [21-94]" in text      # reached/runs, then % [Wilson 95%]


def test_pairs_table_shows_every_pair_within_100_columns():
    s = summarize(three_planner_rows(), vary=[KEY],
                  planners=["astar", "dstar_lite", "field_dstar"])
    text = s.pairs_table()
    assert max(map(len, text.splitlines())) <= 100, text
    lines = text.splitlines()
    for p in s.pairs:
        assert any(line.split()[:3] == [format(p[KEY], "g"), p["planner_a"], p["planner_b"]]
                   for line in lines), p
    assert "1.00 (0:0)" in text          # equal values: ratio 1, neither wins


def test_tables_cut_long_names_to_fit():
    long = "a_planner_with_a_name_much_longer_than_anyone_would_type"
    rows = [{**r, "rover.preset": "perseverance-with-extra-long-preset-name"}
            for r in three_planner_rows(scenarios=("s",), planners=(long, long + "_too", "x"))]
    s = summarize(rows, vary=[KEY, "rover.preset"])
    for text in (s.table(), s.pairs_table()):
        assert max(map(len, text.splitlines())) <= 100, text
        assert "…" in text


# CSV


def test_write_reads_back_exactly(tmp_path):
    rows = random_rows() + [row("x1", "cx", "astar", distance_m=1 / 3, scenario="zz"),
                            row("x2", "cx", "dstar_lite", distance_m=0.1 + 0.2, scenario="zz"),
                            row("x3", "cy", "mpgaa", "error", scenario="zz")]
    s = summarize(rows, vary=[KEY])
    paths = s.write(tmp_path / "out")
    assert paths == [tmp_path / "out" / "summary.csv", tmp_path / "out" / "pairs.csv"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["pairs.csv", "summary.csv"]
    for path, items, columns in [(paths[0], s.groups, s.group_columns()),
                                 (paths[1], s.pairs, s.pair_columns())]:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            assert next(reader) == columns
            back = list(reader)
        assert len(back) == len(items)
        for cells, item in zip(back, items):
            for cell, column in zip(cells, columns):
                want = item[column]
                if want is None:
                    assert cell == "", column
                elif isinstance(want, str):
                    assert cell == want
                elif isinstance(want, int):
                    assert int(cell) == want
                else:
                    assert float(cell) == want, column      # repr: exact
    assert any(g["distance_m_median"] == 1 / 3 for g in s.groups)
    assert any(g["success_rate"] is None for g in s.groups)  # some empty cells were written


def test_write_an_empty_summary(tmp_path):
    paths = summarize([], vary=[KEY]).write(tmp_path)
    assert paths[0].read_text().splitlines() == [",".join(Summary(("scenario", KEY, "planner"),
                                                                  [], []).group_columns())]
    assert len(paths[1].read_text().splitlines()) == 1


def test_stats_imports_neither_matplotlib_nor_dask():
    tree = ast.parse(Path(stats.__file__).read_text())
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not {n for n in names if n.split(".")[0] in ("matplotlib", "dask", "pandas")}
