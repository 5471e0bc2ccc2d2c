"""The capacity curve of a sweep over mind options: against each mind's capacity, its training exit rate, how
often it failed in the shift, and what share of those failures were competent misgeneralization rather than
incapability. The prediction tested: as capacity grows, a larger share of the failures is competent.

An arm's capacity is its parameter count where that varies over its cells (the reflex's width and window),
otherwise the order of its one option's values (the planner's horizon, where 0, the whole maze, is the
largest). The trend is Spearman's rank correlation between capacity and each seed's competent share.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure, SubFigure
from scipy.stats import spearmanr

from evosim.analysis.markdown import figure_section, md_table, pct, write_md
from evosim.analysis.stats import N_BOOT, SEED, band_note, mean_ci
from evosim.analysis.style import colors, line_handles, save, subplots
from evosim.analysis.tables import SweepCapacity, SweepCells, sweep_capacity, sweep_cells
from evosim.core.errors import UserError
from evosim.runs.rundir import FIGURE_FORMATS, MIND_AXIS

#: Option values that mean "no bound", drawn and ranked as the largest.
UNBOUNDED = {"mind.horizon": 0}
#: The rows of the figure and the table's measures: (what it shows, its column in :func:`tidy`'s ``measure``).
ROWS = (("final training exit rate", "exit_rate"), ("share of decisive episodes failed", "failed"),
        ("competent share of failures (misgeneralized)", "competent"), ("exit rate over all episodes", "exits"))
TREND = 0.05  # the p-value under which a rank correlation is called a trend
NO_OTHER = "no other option"  # the line of an arm with one option


def _options(df: pd.DataFrame, axes: list[str]) -> list[str]:
    """The option columns an arm's cells set (the rest are empty for its mind)."""
    return [a for a in axes if df[a].astype(str).str.len().gt(0).any()]


def _points(df: pd.DataFrame, axes: list[str]) -> pd.DataFrame:
    """``df`` of one arm with ``x`` (its main option's rank), ``xlabel``, ``line`` (its other options) and
    ``capacity`` (the parameter count where it varies, else the rank)."""
    own = _options(df, axes)
    main = max(own, key=lambda a: df[a].nunique())
    rest = [a for a in own if a != main]
    value = df[main].astype(float)
    top = value.max() + 1
    ranked = value.where(value != UNBOUNDED.get(main, np.nan), top)
    levels = sorted(ranked.unique())
    out = df.assign(x=ranked.map({v: i for i, v in enumerate(levels)}),
                    xlabel=ranked.map(lambda v: "all" if v == top else f"{v:g}"),
                    line=df[rest].astype(str).apply(lambda r: ", ".join(f"{k.removeprefix(MIND_AXIS)}={v}"
                                                                       for k, v in r.items()), axis=1)
                    if rest else NO_OTHER)
    capacity = out["params"] if out["params"].nunique() > 1 else out["x"]
    return out.assign(capacity=capacity, main=main.removeprefix(MIND_AXIS))


def tidy(capacity: SweepCapacity, shift: str, other: str | None) -> pd.DataFrame:
    """One row per arm, cell, seed and measure of :data:`ROWS` (``value``), with the figure's ``x`` and ``line``."""
    training = capacity.seeds.assign(measure="exit_rate", value=capacity.seeds["exit_rate"], world="training")
    frames = [training]
    for world, measures in ((shift, ("failed", "competent")), (other, ("exits",))):
        here = capacity.worlds[capacity.worlds["world"] == world]
        frames += [here.assign(measure=m, value=here[m]) for m in measures]
    df = pd.concat(frames, ignore_index=True).dropna(subset=["value"])
    return pd.concat([_points(g, capacity.axes) for _, g in df.groupby("arm", sort=True)], ignore_index=True)


def _point(df: pd.DataFrame) -> pd.Series:
    """Which point of the figure each row is drawn in."""
    return df["arm"] + "|" + df["line"] + "|" + df["x"].astype(str) + "|" + df["measure"]


def capacity_figure(df: pd.DataFrame, shift: str, other: str | None, fig: Figure | SubFigure | None = None) -> Figure:
    """A column per arm, a row per measure of :data:`ROWS`; one line per setting of the arm's other options,
    mean and 95% CI over seeds against the arm's main option; drawn into ``fig`` (or a figure of its own)."""
    arms = sorted(df["arm"].unique())
    rows = [r for r in ROWS if r[1] != "exits" or other]
    palette = colors(sorted(df["line"].unique()))
    fig, axes = subplots(3.5 * len(arms) + 0.4, 2.9 * len(rows) + 1.0, len(rows), len(arms), fig, sharey="row")
    where = {"exit_rate": "training", "failed": shift, "competent": shift, "exits": other}
    for i, (title, measure) in enumerate(rows):
        for j, arm in enumerate(arms):
            ax = axes[i * len(arms) + j]
            mine = df[(df["arm"] == arm) & (df["measure"] == measure)]
            lines = sorted(mine["line"].unique())
            sns.lineplot(mine, x="x", y="value", hue="line", hue_order=lines, palette=palette, marker="o",
                         markersize=3, markeredgewidth=0, errorbar=("ci", 95), n_boot=N_BOOT, seed=SEED,
                         legend=False, ax=ax)
            ticks = mine.drop_duplicates("x").sort_values("x")
            ax.set_xticks(ticks["x"], ticks["xlabel"])
            ax.set_xlabel(df[df["arm"] == arm]["main"].iloc[0] if i == len(rows) - 1 else "")
            ax.set_ylim(-0.03, 1.03)
            ax.set_ylabel(f"{title}\n({where[measure]})" if j == 0 else "", fontsize=9)
            if i == 0:
                ax.set_title(arm, fontsize=10)
    fig.legend(handles=line_handles(palette, marker="o", markersize=3), title="other options",
               loc="outside lower center", ncols=min(len(palette), 6), fontsize=9)
    fig.suptitle("Capacity against competent misgeneralization: what the failures in the shift were\n(line: mean "
                 f"over seeds; band: {band_note(df.assign(point=_point(df)), 'point', 'point')})", fontsize=11)
    return fig


def _figure_of(cells: SweepCells,
               fig: Figure | SubFigure | None = None) -> tuple[pd.DataFrame, Figure, str, str | None]:
    """The tidy rows and the figure (drawn into ``fig``, or one of its own) of a sweep over mind options: its shift
    is its second deployment world (the first is the training world), the other world its third."""
    if len(cells.worlds) < 2:
        raise UserError(f"{cells.folder}: the capacity report needs a deployment world after the training world; "
                        f"the sweep deployed only into {', '.join(cells.worlds)}")
    shift, other = cells.worlds[1], (cells.worlds[2] if len(cells.worlds) > 2 else None)
    df = tidy(sweep_capacity(cells), shift, other)
    return df, capacity_figure(df, shift, other, fig), shift, other


def plot_capacity(folder, out=None, fig: Figure | SubFigure | None = None, fmt: str = FIGURE_FORMATS[0]) -> Figure:
    """The capacity curve of a sweep folder over mind options, drawn into ``fig`` (or a figure of its own); written
    to OUT/capacity.FMT when ``out`` is given. Returns the figure."""
    _, fig, _, _ = _figure_of(sweep_cells(Path(folder[0] if isinstance(folder, (list, tuple)) else folder)), fig)
    save(fig, out, "capacity", fmt)
    return fig


def trends(df: pd.DataFrame) -> list[list[str]]:
    """Per arm: Spearman's rank correlation between capacity and each seed's competent share of failures,
    with its p-value and what it says about the prediction."""
    rows = []
    for arm, g in df[df["measure"] == "competent"].groupby("arm", sort=True):
        if g["capacity"].nunique() < 2 or g["value"].nunique() < 2:
            rows.append([arm, "-", "-", str(len(g)), "too few distinct values to rank"])
            continue
        rho, p = spearmanr(g["capacity"], g["value"])
        says = ("rises with capacity, as predicted" if rho > 0 and p < TREND else
                "falls with capacity, against the prediction" if rho < 0 and p < TREND else "no clear trend")
        rows.append([arm, f"{rho:+.2f}", f"{p:.2g}", str(len(g)), says])
    return rows


def write(cells: SweepCells, draft, fmt: str) -> None:
    """report.md and capacity.FMT of a sweep over mind options."""
    df, fig, shift, other = _figure_of(cells)
    save(fig, draft, "capacity", fmt)
    stats = mean_ci(df, "value", ["arm", "line", "x", "xlabel", "params", "measure"]).set_index(
        ["arm", "line", "x", "xlabel", "params", "measure"])["mean lo hi".split()]
    table = []
    for (arm, line, _, xlabel, params), g in stats.groupby(level=[0, 1, 2, 3, 4], sort=True):
        got = g.droplevel([0, 1, 2, 3, 4])
        main = df[df["arm"] == arm]["main"].iloc[0]
        table.append([arm, f"{main}={xlabel}" + ("" if line == NO_OTHER else f", {line}"), str(params)]
                     + [pct(*got.loc[m]) if m in got.index else "-" for _, m in ROWS if m != "exits" or other])
    header = ["arm", "options", "parameters", "training exit rate", f"failed in {shift}",
              f"competent share of failures in {shift}"] + ([f"exit rate in {other}"] if other else [])
    seeds = df.groupby(["arm", "line", "x"])["seed"].nunique().min()
    lines = ["# evosim capacity report", "",
             f"Sweep `{cells.folder}`: {len(cells.rows)} complete cells over mind options "
             f"({', '.join(cells.axes)}), at least {seeds} seeds per cell. Failures are the decisive episodes "
             f"of {shift} that were not aligned; a failure is competent when it was misgeneralized (the agent "
             "reached a proxy target first) rather than incapable. Mean over seeds with 95% CI over seeds:", ""]
    lines += md_table(header, table)
    lines += ["The prediction: as capacity grows, a larger share of the failures is competent. Spearman's rank "
              "correlation between each arm's capacity (its parameter count where that varies, else the order of "
              f"its option's values) and each seed's competent share in {shift}:", ""]
    lines += md_table(["arm", "rho", "p", "seeds x cells", "verdict"], trends(df))
    lines += figure_section("Capacity against competent misgeneralization", "capacity", fmt)
    write_md(draft, lines)
