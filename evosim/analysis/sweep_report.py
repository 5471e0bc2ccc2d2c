"""The report of a sweep, by what it sweeps: outcomes over decisive episodes in its deployment world against its
one numeric or flag axis, a curve per arm and series (the diversity curve); the values of a categorical axis
compared per arm (:mod:`evosim.analysis.sources_report`); the capacity curve of a sweep over mind options
(:mod:`evosim.analysis.capacity_report`); and a sweep without axes (arms only) as maze training runs, its cells
side by side."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure, SubFigure
from matplotlib.ticker import NullLocator

from evosim.analysis import capacity_report, sources_report, training_report
from evosim.analysis.markdown import STARRED, exit_rate, figure_section, md_table, pct, write_md
from evosim.analysis.stats import N_BOOT, SEED, band_note, mean_ci, replicates
from evosim.analysis.style import colors, line_handles, save, subplots
from evosim.analysis.tables import (AXIS_VALUE, COLOR_MISGENERALIZED, POSITION_MISGENERALIZED, SweepShares,
                                    sweep_cells, sweep_shares)
from evosim.core.errors import UserError
from evosim.runs.rundir import FIGURE_FORMATS

PANELS = ("misgeneralized", "aligned", "incapable")  # a sweep without series: one line per arm
SERIES_PANELS = (COLOR_MISGENERALIZED, POSITION_MISGENERALIZED, "aligned", "incapable")  # a row per arm
COLUMNS = ("misgeneralized", COLOR_MISGENERALIZED, POSITION_MISGENERALIZED, "aligned", "incapable")
BELOW = 0.05  # the colour misgeneralization the report looks for the smallest value to fall below


def _x_axis(ax, sweep: SweepShares, values: list[float]) -> None:
    """A flag's axis is without / with; a value's is symmetric-log from 0, so that 0 sits beside 1%, ticked at
    the swept values."""
    if sweep.flag:
        ax.set_xticks([0, 1], ["without", "with"])
        ax.set_xlim(-0.3, 1.3)
        ax.set_xlabel(f"{sweep.axis} in training")
    else:
        positive = [v for v in values if v > 0]
        if positive:
            ax.set_xscale("symlog", linthresh=positive[0])
            ax.set_xlim(min(values), max(values) * 1.15)
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xticks(values, [f"{v:g}" for v in values], fontsize=8, rotation=45 * (len(values) > 4))
        ax.set_xlabel(f"{sweep.axis} (symmetric log scale)")
    ax.set_ylim(-0.03, 1.03)


def diversity_figure(sweep: SweepShares, world: str, fig: Figure | SubFigure | None = None) -> Figure:
    """Outcome shares over decisive episodes in ``world`` against a sweep's axis, drawn into ``fig`` (or a figure
    of its own).

    Without series: one panel per outcome, one line per arm. With series: a row of
    panels per arm, one line per series, so that each arm's curves sit side by side.
    Lines are means over seeds of the agents' shares, bands 95% CIs over seeds.
    """
    df = replicates(sweep.shares[sweep.shares["world"] == world], "share", sweep.keys + ["outcome"])
    values = sorted(df[AXIS_VALUE].unique())
    arms = sorted(df["arm"].unique())
    hue = "series" if sweep.series else "arm"
    palette = colors(sweep.series or arms)
    panels = SERIES_PANELS if sweep.series else PANELS
    rows = arms if sweep.series else [None]
    fig, axes = subplots(3.6 * len(panels) + 0.6, 3.4 * len(rows) + 0.8, len(rows), len(panels), fig, sharey=True)
    for i, arm in enumerate(rows):
        mine = df if arm is None else df[df["arm"] == arm]
        for ax, outcome in zip(axes[i * len(panels):], panels):
            sns.lineplot(mine[mine["outcome"] == outcome], x=AXIS_VALUE, y="share", hue=hue, hue_order=list(palette),
                         palette=palette, marker="o", markersize=3, markeredgewidth=0, errorbar=("ci", 95),
                         n_boot=N_BOOT, seed=SEED, legend=False, ax=ax)
            _x_axis(ax, sweep, values)
            ax.set_title(f"{outcome} in {world}" if arm is None else f"{arm}: {outcome}", fontsize=10)
            ax.set_ylabel("share of decisive episodes")
    fig.legend(handles=line_handles(palette, marker="o", markersize=3),
               title="training diversity (series)" if sweep.series else "algorithm / mind",
               loc="outside lower center", ncols=len(palette), fontsize=9)
    where = f" in {world}" if sweep.series else ""
    fig.suptitle(f"What training meets against goal misgeneralization, over decisive episodes{where}\n(line: mean "
                 f"over seeds of the agents' shares; band: {band_note(df, sweep.keys, 'point')})", fontsize=11)
    return fig


def plot_diversity(folder, out=None, fig: Figure | SubFigure | None = None, fmt: str = FIGURE_FORMATS[0]) -> Figure:
    """Outcomes in a sweep folder's last deployment world against its axis, drawn into ``fig`` (or a figure of its
    own); written to OUT/diversity.FMT when ``out`` is given. Returns the figure."""
    cells = sweep_cells(Path(folder[0] if isinstance(folder, (list, tuple)) else folder))
    sweep = sweep_shares(cells)
    if sweep.categories:
        raise UserError(f"{cells.folder}: the diversity figure draws a numeric or true/false axis; `{sweep.axis}` "
                        f"is categorical ({', '.join(sweep.categories)}): plot sources")
    fig = diversity_figure(sweep, sweep.worlds[-1], fig)
    save(fig, out, "diversity", fmt)
    return fig


def thresholds(cell: pd.DataFrame, rate: pd.DataFrame, sweep: SweepShares, shown: dict) -> list[list[str]]:
    """Per arm (and series): the smallest value of the axis at which the mean colour misgeneralization over
    seeds falls below 5%, its share, the aligned share and the final training exit rate there with 95% CIs
    (starred below competence: such an arm misgeneralizes little because it fails), and the smallest value at
    which the whole interval lies below 5%; or that it never does."""
    rows = []
    curves = sweep.ordered(cell.reset_index().drop_duplicates(sweep.keys[:-1])[sweep.keys[:-1]])
    for curve in curves.itertuples(index=False):
        point = dict(zip(sweep.keys[:-1], curve))
        mine = cell.xs(tuple(curve), level=sweep.keys[:-1], drop_level=True)
        colour = mine.xs(COLOR_MISGENERALIZED, level="outcome").sort_index()
        below = colour[colour["mean"] < BELOW].index
        surely = colour[colour["hi"] < BELOW].index
        v = below[0] if len(below) else colour["mean"].idxmin()
        trained = rate.loc[(*curve, v)]
        rows.append(list(point.values()) + [shown[v] if len(below) else f"never (lowest at {shown[v]})",
                                            pct(*colour.loc[v, ["mean", "lo", "hi"]]),
                                            pct(*mine.loc[(v, "aligned"), ["mean", "lo", "hi"]]),
                                            exit_rate(*trained[["mean", "lo", "hi"]]),
                                            shown[surely[0]] if len(surely) else "never"])
    return rows


def write(run_dirs: list[Path], draft: Path, fmt: str) -> None:
    """report.md and its figure (in format ``fmt``) for one sweep folder, by what the sweep sweeps."""
    folder = Path(run_dirs[0])
    cells = sweep_cells(folder)
    if not cells.axes:
        training_report.write(cells.runs, draft, fmt)
    elif cells.over_mind_options:
        capacity_report.write(cells, draft, fmt)
    else:
        sweep = sweep_shares(cells)
        (sources_report.write if sweep.categories else write_diversity)(cells, sweep, draft, fmt)


def write_diversity(cells, sweep: SweepShares, draft: Path, fmt: str) -> None:
    """report.md and diversity.FMT: outcomes in the sweep's last deployment world against its axis, per arm
    (and series), and where colour misgeneralization falls below 5%."""
    shares, axis, world, keys = sweep.shares, sweep.axis, sweep.worlds[-1], sweep.keys
    save(diversity_figure(sweep, world), draft, "diversity", fmt)
    cell = mean_ci(shares[shares["world"] == world], "share", keys + ["outcome"]).set_index(keys + ["outcome"])
    values = sorted(shares[AXIS_VALUE].unique())
    shown = {v: ({0: "without", 1: "with"}[v] if sweep.flag else f"{v:g}") for v in values}
    decisive = sweep.decisive[sweep.decisive["world"] == world].set_index(keys)["episodes"]
    points = sweep.ordered(cell.reset_index().drop_duplicates(keys)[keys])
    rows = [[*map(str, p[:-1]), shown[p[-1]], str(int(decisive.get(tuple(p), 0)))]
            + [pct(*cell.loc[(*p, c), ["mean", "lo", "hi"]]) for c in COLUMNS]
            for p in points.itertuples(index=False)]
    seeds = shares.groupby(keys)["seed"].nunique().min()
    curves = f"{len(shares['arm'].unique())} arms" + (f" x {len(sweep.series)} series ({', '.join(sweep.series)})"
                                                        if sweep.series else "")
    lines = ["# evosim sweep report", "",
             f"Sweep `{cells.folder}`: {len(points)} complete cells, {curves} x {len(values)} values of `{axis}`, "
             f"at least {seeds} seeds per cell. Outcomes in **{world}** over its decisive episodes (mazes that "
             "decide between the exit and every proxy target; mean over seeds of the agents' shares, 95% CI over "
             "seeds):", ""]
    lines += md_table(keys[:-1] + [axis, "decisive episodes", *COLUMNS], rows)
    rate = mean_ci(sweep.trained, "exit_rate", keys).set_index(keys)
    lines += [f"Where colour misgeneralization (misgeneralized toward the training exit's colour) falls below "
              f"{BELOW:.0%} in {world}: the smallest `{axis}` at which its mean over seeds does (or the value where "
              "it is lowest), its share, the aligned share and the final training exit rate there, and the "
              f"smallest at which the whole 95% interval does. {STARRED}", ""]
    lines += md_table(keys[:-1] + [f"mean below {BELOW:.0%} from", COLOR_MISGENERALIZED, "aligned",
                                   "training exit rate", f"95% CI below {BELOW:.0%} from"],
                      thresholds(cell, rate, sweep, shown))
    lines += figure_section("Training diversity against goal misgeneralization", "diversity", fmt)
    write_md(draft, lines)
