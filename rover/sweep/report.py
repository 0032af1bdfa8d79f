"""A campaign's report: ``report.md`` with its tables and the charts beside it (PNG).

The charts need matplotlib (the optional ``charts`` extra). It is imported only when a
report is written, and without choosing a backend: a :class:`matplotlib.figure.Figure` made
directly draws off-screen and saves itself, so nothing here opens a window or changes the
caller's matplotlib settings. Without matplotlib the report has its tables and a line that
says how to get the charts.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Mapping

from rover.sweep.stats import PAIR_METRICS, Summary
from rover.sweep.stats import _cell as _text
from rover.sweep.stats import _num as _fmt
from terrains.files import atomic_write

__all__ = ["CHARTS", "write_report"]

#: The charts, by file name: (metric of :data:`rover.sweep.stats.GROUP_METRICS`, or None for
#: the success rate; title; y-axis label).
CHARTS = {
    "success.png": (None, "Success rate, with its 95% Wilson interval",
                    "runs that reached the goal [%]"),
    "distance.png": ("distance_m", "Distance driven (runs that reached the goal)",
                     "distance driven [m]"),
    "energy.png": ("energy_wh", "Energy used (runs that reached the goal)", "energy [Wh]"),
    "planner_time.png": ("planner_ms_per_replan", "Planner wall-clock time per replan",
                         "time per replan [ms] (log scale)"),
}

INSTALL_CHARTS = "pip install 'planetary-rover-nav[charts]'"


def write_report(folder: str | os.PathLike, summary: Summary, rows: Iterable[Mapping], *,
                 title: str, command: str | None = None) -> list[Path]:
    """Write ``folder/report.md`` and its charts; return the paths written.

    Parameters
    ----------
    folder : path
        Where to write (made if missing). The charts are PNG files beside report.md,
        named as in :data:`CHARTS`.
    summary : Summary
        The campaign's aggregates, from :func:`rover.sweep.stats.summarize` on ``rows``.
    rows : iterable of mappings
        The runs (for the counts and the distributions in the charts).
    title : str
        The report's heading.
    command : str, optional
        The command that made the campaign, shown under the title.

    Returns
    -------
    list of Path
        The charts written, then report.md. A chart with nothing to show (a box plot with no
        value in any group) is not written. Without matplotlib no chart is written and
        report.md says how to install it.

    Notes
    -----
    The success chart has one bar per group, its error bar the 95% Wilson interval. The
    box plots have one box per group (median, quartiles, whiskers to the furthest value
    within 1.5 inter-quartile ranges, points beyond): distance and energy over the runs that
    reached the goal, planner time per replan over the runs that replanned, on a log axis
    (times of 0 ms cannot be drawn on it and are left out). Colours are planners. Each
    figure is 8 x 4.5 in at 100 dpi, wider when there are more than 32 groups.

    Every file is written whole or not at all (a temporary file, then a rename), the charts
    first and report.md last.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rows = list(rows)
    try:
        from matplotlib.figure import Figure
    except ImportError:
        Figure = None
    charts = [] if Figure is None else _charts(Figure, folder, summary, rows)
    text = _markdown(folder, summary, rows, title, command, charts, Figure is not None)
    report = atomic_write(folder / "report.md", lambda fh: fh.write(text))
    return [*charts, report]


# Charts


def _labels(summary: Summary) -> list[str]:
    """A short label per group: the values of the keys that differ between groups."""
    keys = [k for k in summary.keys
            if k == "planner" or len({_text(g[k]) for g in summary.groups}) > 1]
    labels = []
    for g in summary.groups:
        parts = [_text(g[k]) if k in ("scenario", "planner") else
                 f"{k.rpartition('.')[2]}={_text(g[k])}" for k in keys]
        label = " / ".join(parts)
        labels.append(label if len(label) <= 40 else label[:39] + "…")
    return labels


def _charts(Figure, folder: Path, summary: Summary, rows: list[Mapping]) -> list[Path]:
    from matplotlib.patches import Patch

    planners = list(dict.fromkeys(g["planner"] for g in summary.groups))
    colours = {p: f"C{i % 10}" for i, p in enumerate(planners)}
    labels = _labels(summary)
    written = []
    for name, (metric, title, ylabel) in CHARTS.items():
        fig = Figure(figsize=(max(8.0, min(24.0, 0.25 * len(labels))), 4.5), dpi=100)
        ax = fig.add_subplot()
        if metric is None:
            drawn = _success_bars(ax, summary, colours)
        else:
            drawn = _boxes(ax, summary, summary.values(rows, metric), colours,
                           log=metric == "planner_ms_per_replan")
        if not drawn:
            continue
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        ax.set_xlabel("group")
        long = max(map(len, labels), default=0) > 8 or len(labels) > 12
        ax.set_xticks(range(len(labels)), labels, rotation=35 if long else 0,
                      ha="right" if long else "center", fontsize=8)
        ax.set_xlim(-0.6, len(labels) - 0.4)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(handles=[Patch(color=colours[p], label=p) for p in planners],
                  title="planner", fontsize=8, title_fontsize=8,
                  loc="upper left", bbox_to_anchor=(1.01, 1.0))   # beside the plot, never over it
        fig.tight_layout()
        written.append(atomic_write(folder / name,
                                    lambda fh: fig.savefig(fh, format="png", dpi=100),
                                    binary=True))
    return written


def _success_bars(ax, summary: Summary, colours: dict) -> bool:
    xs = [i for i, g in enumerate(summary.groups) if g["success_rate"] is not None]
    if not xs:
        return False
    gs = [summary.groups[i] for i in xs]
    rate = [100 * g["success_rate"] for g in gs]
    err = [[100 * (g["success_rate"] - g["success_low"]) for g in gs],
           [100 * (g["success_high"] - g["success_rate"]) for g in gs]]
    ax.bar(xs, rate, color=[colours[g["planner"]] for g in gs], width=0.7)
    ax.errorbar(xs, rate, yerr=err, fmt="none", ecolor="black", capsize=3, linewidth=1)
    ax.set_ylim(0, 105)
    return True


def _boxes(ax, summary: Summary, values: list[list[float]], colours: dict, *, log: bool) -> bool:
    if log:
        values = [[v for v in vs if v > 0] for vs in values]
    xs = [i for i, vs in enumerate(values) if vs]
    if not xs:
        return False
    box = ax.boxplot([values[i] for i in xs], positions=xs, widths=0.6, patch_artist=True,
                     manage_ticks=False, medianprops={"color": "black"})
    for i, patch in zip(xs, box["boxes"]):
        patch.set_facecolor(colours[summary.groups[i]["planner"]])
        patch.set_alpha(0.8)
    if log:
        ax.set_yscale("log")
    return True


# Markdown


def _markdown(folder: Path, summary: Summary, rows: list[Mapping], title: str,
              command: str | None, charts: list[Path], have_matplotlib: bool) -> str:
    errors = sum(r.get("outcome") == "error" for r in rows)
    reached = sum(r.get("outcome") == "reached" for r in rows)
    planners = list(dict.fromkeys(g["planner"] for g in summary.groups))
    out = [f"# {title}", ""]
    if command:
        out += ["Made by:", "", "```", command, "```", ""]
    out.append(f"{len(rows)} runs: {len(rows) - errors} ran to an outcome ({reached} reached "
               f"the goal), {errors} raised an error (counted apart, left out of every "
               f"statistic). {len(summary.groups)} groups (scenario, "
               + "".join(f"{k}, " for k in summary.vary)
               + f"planner); planners: {', '.join(planners) or 'none'}.")
    files = [n for n in ("summary.csv", "pairs.csv") if (folder / n).exists()]
    if files:
        out.append("The figures unrounded: " + ", ".join(f"[{n}]({n})" for n in files) + ".")
    out += ["", "## Per group", "", *_group_table(summary), "",
            "Success: reached / runs, with its 95% Wilson interval. Distance, path efficiency "
            "(straight line / distance), energy and simulated time: median (90th percentile) "
            "over the runs that reached the goal. Planner time: median (90th percentile) of "
            "wall-clock planning time per replan, over the runs that replanned.",
            "", "## Paired planners", "", *_pair_table(summary), "",
            "Pairs: cases (same terrain and route) where both planners ran without error. "
            "Each ratio is the median of A/B over the cases both reached, with the share of "
            "those cases where A, and where B, had the strictly lower value (A:B, in %; ties "
            "are neither's).", "", "## Charts", ""]
    if not have_matplotlib:
        out.append(f"The charts need matplotlib: `{INSTALL_CHARTS}`")
    else:
        written = {p.name for p in charts}
        for name, (metric, chart_title, _) in CHARTS.items():
            if name in written:
                out += [f"![{chart_title}]({name})", ""]
            else:
                out += [f"{chart_title}: nothing to draw (no values).", ""]
    return "\n".join(out).rstrip() + "\n"


def _md(headers: list[str], cells: list[list[str]], right_from: int) -> list[str]:
    def esc(c: str) -> str:
        return c.replace("|", "\\|")

    align = ["---" if i < right_from else "---:" for i in range(len(headers))]
    return ["| " + " | ".join(map(esc, r)) + " |" for r in [headers, align, *cells]]


def _group_table(summary: Summary) -> list[str]:
    keys = list(summary.keys)
    headers = [*keys, "runs", "errors", "success % [95%]", "distance m", "path efficiency",
               "energy Wh", "sim time s", "planner ms/replan"]
    cells = []
    for g in summary.groups:
        success = "-" if g["success_rate"] is None else (
            f"{g['reached']}/{g['runs']} = {100 * g['success_rate']:.0f} "
            f"[{100 * g['success_low']:.0f}-{100 * g['success_high']:.0f}]")
        cells.append([*(_text(g[k]) for k in keys), str(g["runs"]), str(g["errors"]), success,
                      *(_median_p90(g, m) for m in ("distance_m", "path_efficiency",
                                                    "energy_wh", "sim_time_s",
                                                    "planner_ms_per_replan"))])
    return _md(headers, cells, len(keys))


def _pair_table(summary: Summary) -> list[str]:
    keys = list(summary.keys[:-1])
    headers = [*keys, "A", "B", "pairs", "both reached", "only A", "only B",
               "planner time A/B (A:B %)", "distance A/B (A:B %)", "energy A/B (A:B %)"]
    cells = []
    for p in summary.pairs:
        metrics = []
        for name, _ in PAIR_METRICS:
            ratio, wa, wb = p[f"{name}_ratio"], p[f"a_wins_{name}"], p[f"b_wins_{name}"]
            metrics.append("-" if wa is None else
                           f"{_fmt(ratio)} ({100 * wa:.0f}:{100 * wb:.0f})")
        cells.append([*(_text(p[k]) for k in keys), p["planner_a"], p["planner_b"],
                      str(p["pairs"]), str(p["both_reached"]), str(p["only_a_reached"]),
                      str(p["only_b_reached"]), *metrics])
    return _md(headers, cells, len(keys) + 2)


def _median_p90(g: dict, metric: str) -> str:
    median, p90 = g[f"{metric}_median"], g[f"{metric}_p90"]
    return "-" if median is None else f"{_fmt(median)} ({_fmt(p90)})"
