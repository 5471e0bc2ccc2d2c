"""The report of a sweep over a categorical axis, such as ``source`` (where training worlds come from: the world
file, the adversary, PLR, ACCEL): per arm, the axis's values side by side in every deployment world but the
training world, with the final training exit rate each reached, so that they can be compared at a glance.

Colour misgeneralization leads, because it is what a source of training worlds is meant to remove; the exit
rate beside it says whether a low share is alignment or failure (starred below competence).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure, SubFigure

from evosim.analysis.markdown import STARRED, exit_rate, figure_section, md_table, pct, write_md
from evosim.analysis.stats import N_BOOT, SEED, band_note, mean_ci, replicates
from evosim.analysis.style import colors, line_handles, save, subplots
from evosim.analysis.tables import (AXIS_VALUE, COLOR_MISGENERALIZED, Run, SweepCells, SweepShares, sweep_cells,
                                    sweep_shares)
from evosim.core.errors import UserError
from evosim.core.outcome_names import COMPETENT
from evosim.runs import rundir
from evosim.runs.rundir import FIGURE_FORMATS

FIGURE = "sources"
COLUMNS = (COLOR_MISGENERALIZED, "misgeneralized", "aligned", "incapable")  # the table's shares, per world
TRAINED = "final training exit rate"  # the figure's first column


def shifted_worlds(cells: SweepCells) -> tuple[list[str], list[str]]:
    """The worlds the sweep's cells trained in (their run.json ``world_name``) and the deployment worlds besides
    them; a one-line UserError when there is none besides."""
    training = list(dict.fromkeys(Run(path, rundir.load_run(path)).training_world for path in cells.runs))
    shifted = [w for w in cells.worlds if w not in training]
    if not shifted:
        raise UserError(f"{cells.folder}: comparing a categorical axis needs a deployment world besides the "
                        f"training world ({', '.join(training)}); the sweep deployed only into "
                        f"{', '.join(cells.worlds) or 'none'}")
    return training, shifted


def _panel(world: str) -> str:
    return f"{COLOR_MISGENERALIZED} in {world}"


def points(sweep: SweepShares, worlds: list[str]) -> pd.DataFrame:
    """The figure's replicates (one per run seed): each point's final training exit rate, then its share of
    colour misgeneralization in each of ``worlds``; columns the keys, run, seed, ``value`` and ``panel``."""
    colour = sweep.shares[sweep.shares["outcome"] == COLOR_MISGENERALIZED]
    frames = [replicates(sweep.trained, "exit_rate", sweep.keys).rename(columns={"exit_rate": "value"})
              .assign(panel=TRAINED)]
    frames += [replicates(colour[colour["world"] == w], "share", sweep.keys).rename(columns={"share": "value"})
               .assign(panel=_panel(w)) for w in worlds]
    return pd.concat(frames, ignore_index=True)


def sources_figure(sweep: SweepShares, worlds: list[str], fig: Figure | SubFigure | None = None) -> Figure:
    """A row per arm; columns: the final training exit rate, then colour misgeneralization over decisive episodes
    in each of ``worlds``; against the axis's values in the experiment's order, a point per value (and series)
    with its 95% CI over seeds; drawn into ``fig`` (or a figure of its own)."""
    df = points(sweep, worlds)
    arms = sorted(df["arm"].unique())
    panels = [TRAINED] + [_panel(w) for w in worlds]
    palette = colors(sweep.series or arms)
    fig, axes = subplots(3.8 * len(panels) + 0.6, 3.2 * len(arms) + 1.2, len(arms), len(panels), fig)
    for i, arm in enumerate(arms):
        for j, (ax, panel) in enumerate(zip(axes[i * len(panels):], panels)):
            mine = df[(df["arm"] == arm) & (df["panel"] == panel)]
            look = dict(hue="series", hue_order=sweep.series, palette=palette, dodge=0.3, legend=False) \
                if sweep.series else dict(color=palette[arm])
            sns.pointplot(mine, x=AXIS_VALUE, y="value", order=sweep.categories, errorbar=("ci", 95), n_boot=N_BOOT,
                          seed=SEED, linestyle="none", markersize=4, capsize=0.15, err_kws={"linewidth": 1.2}, ax=ax,
                          **look)
            if panel == TRAINED:
                ax.axhline(COMPETENT, color="0.35", linewidth=1, linestyle=":")
            ax.set_title(f"{arm}\n{panel}", fontsize=10)
            ax.set_xlabel(sweep.axis if i == len(arms) - 1 else "")
            ax.set_ylabel("exit rate in training" if j == 0 else "share of decisive episodes")
            ax.set_ylim(-0.03, 1.03)
    if sweep.series:
        fig.legend(handles=line_handles(palette, marker="o", markersize=4, linestyle="none"), title="series",
                   loc="outside lower center", ncols=len(palette), fontsize=9)
    fig.suptitle(f"Each {sweep.axis} compared per arm: training exit rate, and misgeneralization toward colour in "
                 f"each shift\n(point: mean over seeds; bar: {band_note(df, sweep.keys + ['panel'], 'point')};\n"
                 f"dotted: competence, an exit rate of {COMPETENT:.0%} in training)", fontsize=11)
    return fig


def plot_sources(folder, out=None, fig: Figure | SubFigure | None = None, fmt: str = FIGURE_FORMATS[0]) -> Figure:
    """A sweep folder's categorical axis compared per arm, drawn into ``fig`` (or a figure of its own); written to
    OUT/sources.FMT when ``out`` is given. Returns the figure."""
    cells = sweep_cells(Path(folder[0] if isinstance(folder, (list, tuple)) else folder))
    sweep = sweep_shares(cells)
    if not sweep.categories:
        raise UserError(f"{cells.folder}: the sources figure compares the values of a categorical axis; "
                        f"`{sweep.axis}` is numeric or true/false: plot diversity")
    fig = sources_figure(sweep, shifted_worlds(cells)[1], fig)
    save(fig, out, FIGURE, fmt)
    return fig


def write(cells: SweepCells, sweep: SweepShares, draft: Path, fmt: str) -> None:
    """report.md and sources.FMT of a sweep over a categorical axis: a table per deployment world besides the
    training world, rows by arm (and series), then the axis's values in the experiment's order."""
    training, worlds = shifted_worlds(cells)
    save(sources_figure(sweep, worlds), draft, FIGURE, fmt)
    keys = sweep.keys
    rate = mean_ci(sweep.trained, "exit_rate", keys).set_index(keys)
    order = [tuple(p) for p in sweep.ordered(rate.reset_index()[keys]).itertuples(index=False)]
    seeds = sweep.trained.groupby(keys)["seed"].nunique().min()
    curves = f"{sweep.shares['arm'].nunique()} arms" + (f" x {len(sweep.series)} series ({', '.join(sweep.series)})"
                                                        if sweep.series else "")
    lines = ["# evosim sweep report", "",
             f"Sweep `{cells.folder}`: {len(cells.rows)} complete cells, {curves} x {len(sweep.categories)} values "
             f"of `{sweep.axis}` ({', '.join(sweep.categories)}), at least {seeds} seeds per cell, trained in "
             f"{', '.join(training)}. Outcomes in every other deployment world over its decisive episodes (mazes "
             "that decide between the exit and every proxy target; mean over seeds of the agents' shares, 95% CI "
             "over seeds), misgeneralization toward the training exit's colour first, beside each cell's final "
             f"training exit rate. {STARRED}", ""]
    home = [w for w in training if w in cells.worlds]  # the training world, when the sweep deployed there too
    shares = sweep.shares
    deployed = mean_ci(shares[shares["world"].isin(home) & (shares["outcome"] == "aligned")], "share",
                       keys).set_index(keys)
    if home:
        lines += [f"The final training exit rate is measured on the mazes each source gave at its last step (an "
                  f"adversary's or a replay buffer's are the hard ones); `aligned in {home[0]}` is the share of "
                  f"episodes reaching the exit first when deployed in the training world file's own mazes.", ""]
    for world in worlds:
        cell = mean_ci(shares[shares["world"] == world], "share", keys + ["outcome"]).set_index(
            keys + ["outcome"])
        decisive = sweep.decisive[sweep.decisive["world"] == world].set_index(keys)["episodes"]
        rows = [[*map(str, p), str(int(decisive.get(p, 0)))]
                + [pct(*cell.loc[(*p, c), ["mean", "lo", "hi"]]) if (*p, c) in cell.index else "-" for c in COLUMNS]
                + [exit_rate(*rate.loc[p, ["mean", "lo", "hi"]])]
                + ([pct(*deployed.loc[p, ["mean", "lo", "hi"]])] if home else []) for p in order]
        lines += [f"## Outcomes in {world}", ""]
        lines += md_table(keys[:-1] + [sweep.axis, "decisive episodes", *COLUMNS, "training exit rate"]
                          + [f"aligned in {home[0]}" for _ in home[:1]], rows)
    lines += figure_section(f"Each {sweep.axis} compared per arm", FIGURE, fmt)
    write_md(draft, lines)
