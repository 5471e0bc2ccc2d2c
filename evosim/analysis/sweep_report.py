"""The report of a sweep: outcomes over decisive episodes in its deployment world against its one axis (the
diversity curve); a sweep without axes (arms only) is reported as maze training runs, its cells side by side."""
from __future__ import annotations

from pathlib import Path

import seaborn as sns
from matplotlib.figure import Figure

from evosim.analysis import training_report
from evosim.analysis.markdown import md_table, pct, write_md
from evosim.analysis.stats import N_BOOT, SEED, band_note, mean_ci, replicates
from evosim.analysis.style import colors, line_handles, save, subplots
from evosim.analysis.tables import COLOR_MISGENERALIZED, SweepShares, sweep_cells, sweep_shares

PANELS = ("misgeneralized", "aligned", "incapable")
COLUMNS = ("misgeneralized", COLOR_MISGENERALIZED, "aligned", "incapable")


def diversity_figure(sweep: SweepShares, world: str) -> Figure:
    """Outcome shares over decisive episodes in ``world`` against a sweep's axis: one panel per outcome, one
    line per arm.

    Lines are means over seeds of the agents' shares, bands 95% CIs over seeds.
    A world axis is drawn symmetric-log, so that a share of 0 sits beside 1%; a
    training flag is without / with.
    """
    axis = sweep.axis
    df = sweep.shares[sweep.shares["world"] == world]
    palette = colors(sorted(df["arm"].unique()))
    df = replicates(df, "share", ["arm", "outcome", axis])
    positive = sorted(v for v in df[axis].unique() if v > 0)
    fig, axes = subplots(4.2 * len(PANELS) + 0.6, 4.2, 1, len(PANELS), sharey=True)
    for ax, outcome in zip(axes, PANELS):
        sns.lineplot(df[df["outcome"] == outcome], x=axis, y="share", hue="arm", hue_order=list(palette),
                     palette=palette, marker="o", markersize=3, markeredgewidth=0, errorbar=("ci", 95),
                     n_boot=N_BOOT, seed=SEED, legend=False, ax=ax)
        if sweep.flag:
            ax.set_xticks([0, 1], ["without", "with"])
            ax.set_xlim(-0.3, 1.3)
            ax.set_xlabel(f"{axis} in training")
        else:
            if positive:
                ax.set_xscale("symlog", linthresh=positive[0])
            ax.set_xlabel(f"{axis} (symmetric log scale)")
        ax.set_ylim(-0.03, 1.03)
        ax.set_title(f"{outcome} in {world}", fontsize=10)
        ax.set_ylabel("share of decisive episodes")
    fig.legend(handles=line_handles(palette, marker="o", markersize=3), title="algorithm / mind",
               loc="outside lower center", ncols=len(palette), fontsize=9)
    fig.suptitle("What training meets against goal misgeneralization, over decisive episodes\n(line: mean over "
                 f"seeds of the agents' shares; band: {band_note(df, 'arm', 'point')})", fontsize=11)
    return fig


def plot_diversity(folder, out) -> Figure:
    """Write OUT/diversity.png from a sweep folder: outcomes in its last deployment world against its axis."""
    sweep = sweep_shares(sweep_cells(Path(folder[0] if isinstance(folder, (list, tuple)) else folder)))
    fig = diversity_figure(sweep, sweep.worlds[-1])
    save(fig, Path(out), "diversity")
    return fig


def write(run_dirs: list[Path], draft: Path) -> None:
    """report.md and diversity.png of one sweep folder: outcomes in its deployment world against its axis; or,
    for a sweep without axes, the maze training report of its complete cells."""
    folder = Path(run_dirs[0])
    cells = sweep_cells(folder)
    if not cells.axes:
        training_report.write(cells.runs, draft)
        return
    sweep = sweep_shares(cells)
    shares, axis, world = sweep.shares, sweep.axis, sweep.worlds[-1]
    diversity_figure(sweep, world).savefig(draft / "diversity.png")
    cell = mean_ci(shares[shares["world"] == world], "share", ["arm", axis, "outcome"]).set_index(
        ["arm", axis, "outcome"])
    arms, values = sorted(shares["arm"].unique()), sorted(shares[axis].unique())
    shown = {v: ({0: "without", 1: "with"}[v] if sweep.flag else f"{v:g}") for v in values}
    decisive = sweep.decisive[sweep.decisive["world"] == world].set_index(["arm", axis])["episodes"]
    rows = [[arm, shown[v], str(int(decisive.get((arm, v), 0)))]
            + [pct(*cell.loc[(arm, v, c), ["mean", "lo", "hi"]]) for c in COLUMNS]
            for arm in arms for v in values if (arm, v, "aligned") in cell.index]
    seeds = shares.groupby(["arm", axis])["seed"].nunique().min()
    lines = ["# evosim sweep report", "",
             f"Sweep `{folder}`: {len(shares.groupby(['arm', axis]))} complete cells, {len(arms)} arms x "
             f"{len(values)} values of `{axis}`, at least {seeds} seeds per cell. Outcomes in **{world}** over its "
             "decisive episodes (mazes that decide between the exit and every proxy target; mean over seeds of the "
             "agents' shares, 95% CI over seeds):", ""]
    lines += md_table(["arm", axis, "decisive episodes", *COLUMNS], rows)
    lines += [f"Where colour misgeneralization (misgeneralized toward the training exit's colour) falls "
              f"below 5% in {world}:", ""]
    for arm in arms:
        below = [v for v in values if (arm, v, COLOR_MISGENERALIZED) in cell.index
                 and cell.loc[(arm, v, COLOR_MISGENERALIZED), "mean"] < 0.05]
        aligned = cell.loc[(arm, below[0], "aligned"), "mean"] if below else None
        lines.append(f"- {arm}: " + (f"from `{axis}` = {shown[below[0]]} (aligned there: {aligned:.0%})"
                                     if below else "at no value swept"))
    lines += ["", "## Training diversity against goal misgeneralization", "", "![diversity](diversity.png)", ""]
    write_md(draft, lines)
