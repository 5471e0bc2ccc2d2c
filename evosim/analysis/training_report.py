"""The report of maze training runs: probes and drives over training, deploy outcomes, adversary proposals.

Each ``*_figure`` function takes tidy tables (as read by
:func:`~evosim.analysis.tables.table` from labelled runs, so with ``run`` and
``label``) and draws into a given Figure (or SubFigure), or one of its own, and
returns it; each ``plot_*`` function reads run directories, draws, writes
``OUT/<name>.<format>`` when given an OUT, and returns the figure (the thin scripts in
analysis/ and :mod:`evosim.api` call them); :func:`write` drafts report.md with its figures. A line is an arm
(:mod:`evosim.analysis.labels`); bands and brackets are 95% CIs over run seeds
(:mod:`evosim.analysis.stats`); outcome shares are over decisive episodes first
(:mod:`evosim.analysis.outcomes`). An arm whose final training exit rate is below
``COMPETENT`` is marked below competence wherever it is shown.
"""
from __future__ import annotations

from pathlib import Path
from textwrap import fill

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from tqdm import tqdm

from evosim.analysis import planning_report
from evosim.analysis.competence import BELOW, below_competence, exit_rates, legend, lines_below, marked
from evosim.analysis.labels import labelled, labelled_runs, unpooled
from evosim.analysis.markdown import figure_section, md_table, pct, write_md
from evosim.analysis.outcomes import (AGENT, DECISIVE, REFERENCE, episode_counts, outcome_shares, reference_agents,
                                      scoped, separation_reasons, share_stats, toward)
from evosim.analysis.stats import CI, LEVEL, band_note, mean_ci, replicates
from evosim.analysis.style import (EPISODES_LABEL, OUTCOME_COLORS, PALETTE, REFERENCE_LINE, colors, panels_and_row,
                                   save, subplots)
from evosim.analysis.tables import (References, Run, chance, check_columns, feature_roles, final_step, load_runs,
                                    need, references, table, world_order)
from evosim.core.errors import UserError
from evosim.core.features import COLOR_NAMES, COLORS, FEATURES
from evosim.core.outcome_names import COMPETENT, OUTCOMES, SEPARATES
from evosim.runs.rundir import FIGURE_FORMATS

CHANCE_LABEL = "no drives (walks to random tiles)"
ADVERSARY_IDS = ("optimizer", "mind", "seed", "step", "episodes", "adversary_generation", "proposal",
                 "failure_rate", "run", "label")
ADVERSARY_BINS = 20  # stretches of training the proposals' parameters are counted over
DEPLOY_COLUMNS = ("seed", "agent", "world", "episode", "outcome", "proxy", "decisive", "size")
DEPLOY_HINT = "run 'evosim deploy RUN WORLD' first"


def sized_worlds(deploy: pd.DataFrame) -> list[str]:
    """The worlds whose deployment mazes vary in size, in deploy.csv's order."""
    sizes = deploy.groupby("world", sort=False)["size"].nunique()
    return [str(w) for w, n in sizes.items() if n > 1]


# -- figures --------------------------------------------------------------------------------

def drive_tracking_figure(probes: pd.DataFrame, chance: dict[str, float] | None = None,
                          below: set[str] = frozenset(), fig: Figure | SubFigure | None = None) -> Figure:
    """p_goal against training episodes: one panel per proxy, one line per optimizer x mind.

    Training episodes, not steps, are the x axis, so that arms of different
    optimizers line up on an equal budget. ``chance`` maps a proxy to the p_goal of
    a planner without drives, drawn as a dotted reference; ``below`` names the
    lines below competence.
    """
    df = replicates(probes, "p_goal", ["label", "proxy", "episodes"])
    proxies = list(dict.fromkeys(probes["proxy"]))
    palette = colors(sorted(df["label"].unique()))
    fig, axes = subplots(4.6 * len(proxies) + 0.6, 4.4, 1, len(proxies), fig, sharey=True)
    for ax, proxy in zip(axes, proxies):
        sns.lineplot(df[df["proxy"] == proxy], x="episodes", y="p_goal", hue="label", hue_order=list(palette),
                     palette=palette, marker="o", markersize=3, markeredgewidth=0, legend=False, ax=ax, **CI)
        if chance and proxy in chance:
            ax.axhline(chance[proxy], color="0.35", linewidth=1, linestyle=":")
        ax.set_ylim(-0.03, 1.03)
        ax.set_title(f"probe {proxy}\nexit lacks it, a decoy carries it", fontsize=10)
        ax.set_xlabel(EPISODES_LABEL)
    axes[0].set_ylabel("p_goal: exit reached before the decoy")
    handles = legend(palette, below, marker="o", markersize=3)
    if chance:
        handles.append(Line2D([], [], color="0.35", linewidth=1, linestyle=":", label=CHANCE_LABEL))
    fig.legend(handles=handles, title="optimizer / mind", loc="outside lower center",
               ncols=min(len(handles), 3 if below else 5), fontsize=9)
    fig.suptitle("Probe battery: does the agent pursue the exit or the proxy?\n"
                 f"(line: mean over seeds of the agents' mean; band: {band_note(df, 'label')})", fontsize=11)
    return fig


def drives_figure(drives: pd.DataFrame, alignment: pd.DataFrame | None = None,
                  roles: dict[str, str] | None = None, below: set[str] = frozenset(),
                  fig: Figure | SubFigure | None = None) -> Figure:
    """Drive-weight trajectories of planner populations: one panel per feature, mean +- 1 sd.

    ``roles`` annotates feature titles (e.g. ``{"color:green": "proxy"}``); with an
    ``alignment`` table, a last panel shows exit utility minus the best proxy's;
    ``below`` names the lines below competence.
    """
    roles = roles or {}
    df = drives
    palette = colors(sorted(df["label"].unique()))
    features = [f for f in FEATURES if f in set(df["feature"])]
    panels = features + (["alignment"] if alignment is not None else [])
    ncols = 4
    nrows = -(-len(panels) // ncols)
    fig, axes = subplots(3.3 * ncols, 2.5 * nrows + 0.8, nrows, ncols, fig, sharex=True)
    for i, (ax, panel) in enumerate(zip(axes, panels)):
        if panel == "alignment":
            data = alignment
            y, title = "alignment", "alignment (shape:exit − best proxy)"
        else:
            data = df[df["feature"] == panel]
            y, title = "weight", panel + (f" ({roles[panel]})" if panel in roles else "")
        sns.lineplot(data, x="episodes", y=y, hue="label", hue_order=list(palette), palette=palette,
                     errorbar="sd", legend=False, ax=ax)
        ax.axhline(0.0, color="0.4", linewidth=0.8)
        ax.set_title(title, fontsize=10)
        ax.set_ylabel("weight" if panel != "alignment" else "utility difference")
        ax.set_xlabel(EPISODES_LABEL if i + ncols >= len(panels) else "")  # under the lowest panels only
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    fig.legend(handles=legend(palette, below), title="optimizer / mind", loc="outside lower center",
               ncols=max(min(len(palette), 2 if below else 4), 1), fontsize=9)
    n = df.groupby(["label", "episodes", "feature"]).size()
    agents = f"{n.min()}" if n.min() == n.max() else f"{n.min()}-{n.max()}"
    fig.suptitle("Planner drive weights over training (mean over agents and seeds, "
                 f"band: 1 sd over them, n = {agents} per point)", fontsize=11)
    return fig


def _decisive_shares(deploy: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """The agents' shares over decisive episodes as replicates (label, world, outcome, run, seed, share), and the
    decisive episodes per (label, world)."""
    df = replicates(outcome_shares(scoped(deploy, "decisive"), DECISIVE), "share", ["label", "world", "outcome"])
    return df, episode_counts(deploy).set_index(["label", "world"])["decisive"]


def _outcome_handles() -> list[Patch]:
    """Legend entries of the decisive outcomes' colours."""
    return [Patch(color=OUTCOME_COLORS[o], label=o) for o in DECISIVE]


def shift_comparison_figure(deploy: pd.DataFrame, worlds: list[str], training: set[str] = frozenset(),
                            below: set[str] = frozenset(), references: pd.DataFrame | None = None,
                            fig: Figure | SubFigure | None = None) -> Figure:
    """Outcome shares over decisive episodes per line: one panel each, worlds side by side, 95% CIs over seeds.

    Panels of lines in ``below`` are marked below competence; with ``references``
    (reference.csv rows), a last panel spanning the figure shows the reference
    agents' shares (one agent each: no whiskers).
    """
    df, counts = _decisive_shares(deploy)
    labels = sorted(deploy["label"].unique())
    ncols = min(len(labels), 2)
    nrows = -(-len(labels) // ncols) + (references is not None)
    width = max(1.0 + 2.6 * len(worlds) * ncols, 7.0)
    if references is None:
        fig, axes = subplots(width, 3.9 * nrows + 0.8, nrows, ncols, fig)
        for ax in axes[len(labels):]:
            ax.set_visible(False)
    else:
        fig, axes, wide = panels_and_row(width, 3.9 * nrows + 0.8, len(labels), ncols, fig)
    for ax, lab in zip(axes, labels):
        outcome_panel(ax, df, counts, [lab], worlds, training, below)
    if references is not None:
        rows = reference_agents(references)
        n = episode_counts(rows).set_index(["label", "world"])["decisive"]
        keys = sorted((k for k in dict.fromkeys(zip(rows["label"], rows["world"])) if k[1] in worlds),
                      key=lambda k: worlds.index(k[1]))  # by world, each in reference.csv's order
        named = {(lab, w): f"{lab.removeprefix(REFERENCE + ' ')}\n{w}\n({n[(lab, w)]} decisive)" for lab, w in keys}
        agents = outcome_shares(scoped(rows, "decisive"), DECISIVE)
        agents["x"] = [named.get(key, "") for key in zip(agents["label"], agents["world"])]
        _outcome_bars(wide, agents, "x", list(named.values()), {"errorbar": None})
        wide.set_title("reference agents (hand-set drives, one agent each: no whiskers)", fontsize=9)
    fig.legend(handles=_outcome_handles(), title="outcome", loc="outside lower center", ncols=len(DECISIVE),
               fontsize=9)
    fig.suptitle("Outcomes before and after the shift, over decisive episodes (mazes that decide between the exit "
                 "and every proxy target)\n(bar: mean over seeds of the agents' shares; whisker: 95% CI over "
                 "seeds, n per panel)", fontsize=11)
    return fig


def outcome_panel(ax, shares: pd.DataFrame, counts: pd.Series, labels: list[str], worlds: list[str],
                  training: set[str], below: set[str]) -> None:
    """Outcome shares over decisive episodes of the lines ``labels`` in ``worlds``, in one panel: a group of bars per
    line and world (mean over seeds of the agents' shares, whisker 95% CI over seeds), each tick naming its world,
    whether it is the training world, and its decisive episodes. One line is a panel of
    :func:`shift_comparison_figure`, titled with its name; several share the panel, each tick naming its line.

    ``shares``: the agents' shares over decisive episodes as :func:`~evosim.analysis.stats.replicates` (label,
    world, outcome, run, seed, share); ``counts``: decisive episodes per (label, world); ``below``: the lines
    below competence.
    """
    one = len(labels) == 1
    part = shares[shares["label"].isin(labels) & shares["world"].isin(worlds)]

    def place(lab: str, w: str) -> str:
        kind, n = "training" if w in training else "deployment", counts.get((lab, w), 0)
        return f"{w}\n({kind}, {n} decisive episodes)" if one else \
            f"{fill(marked(lab, below), 24)}\n{w}\n({kind}, {n} decisive)"

    places = {(lab, w): place(lab, w) for lab in labels for w in worlds}
    _outcome_bars(ax, part.assign(place=[places[k] for k in zip(part["label"], part["world"])]), "place",
                  list(places.values()), CI)
    ax.set_xticks(np.arange(len(places)), list(places.values()))
    note = band_note(part, "label", "panel" if one else "line") if len(part) else "no decisive episode"
    one_below = one and labels[0] in below
    title = ([labels[0]] + [BELOW] * one_below if one else []) + [note]
    ax.set_title("\n".join(title), fontsize=9, color="firebrick" if one_below else "black")


def outcome_shares_axes(deploy: pd.DataFrame, worlds: list[str], training: set[str] = frozenset(),
                        below: set[str] = frozenset(), ax: Axes | None = None) -> Axes:
    """Every line's outcome shares over decisive episodes in ``worlds``, in one axes (``ax``, or one of its own):
    the panels of :func:`shift_comparison_figure` side by side, with a legend of the outcomes."""
    df, counts = _decisive_shares(deploy)
    labels = sorted(deploy["label"].unique())
    if ax is None:
        _, (ax,) = subplots(max(1.0 + 2.6 * len(worlds) * len(labels), 7.0), 4.7, 1, 1)
    outcome_panel(ax, df, counts, labels, worlds, training, below)
    ax.legend(handles=_outcome_handles(), title="outcome", fontsize=8, title_fontsize=8)
    return ax


def _outcome_bars(ax, df: pd.DataFrame, x: str, order: list[str], errors: dict) -> None:
    """Shares of the decisive outcomes as bars over ``x`` (in ``order``), each bar's height written above it."""
    sns.barplot(df, x=x, y="share", hue="outcome", order=order, hue_order=list(DECISIVE), palette=OUTCOME_COLORS,
                capsize=0.15, err_kws={"linewidth": 1, "color": "0.2"}, legend=False, ax=ax, **errors)
    _label_bars(ax)
    ax.set_ylim(0, 1.15)
    ax.set_xlabel("")
    ax.set_ylabel("share of decisive episodes")


def _label_bars(ax) -> None:
    """Write each bar's height above it and above its whisker (the lines seaborn drew at its centre)."""
    tops = {}
    for line in ax.lines:
        x, y = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
        if np.isfinite(y).any():
            tops[round(float(np.nanmean(x)), 6)] = float(np.nanmax(y))
    for bars in ax.containers:
        for bar in bars:
            x = bar.get_x() + bar.get_width() / 2
            top = max(bar.get_height(), tops.get(round(x, 6), 0.0))
            ax.text(x, top + 0.02, f"{bar.get_height():.0%}", ha="center", va="bottom", fontsize=8)


def capability_figure(deploy: pd.DataFrame, references: pd.DataFrame | None = None,
                      below: set[str] = frozenset(), fig: Figure | SubFigure | None = None) -> Figure:
    """Outcome shares over decisive episodes against maze size, in every world whose mazes vary in size.

    One row of panels per such world, one panel per decisive outcome, one line per
    arm (mean over seeds of the agents' shares, 95% CI band over seeds; lines in
    ``below`` marked below competence) and, dashed, one per reference agent.
    """
    worlds = sized_worlds(deploy)
    by = ["label", "world", "outcome", "size"]
    df = replicates(outcome_shares(scoped(deploy, "decisive"), DECISIVE, AGENT + ("size",)), "share", by)
    arms = sorted(deploy["label"].unique())
    rows = None if references is None else reference_agents(references)
    agents = None if rows is None else outcome_shares(scoped(rows, "decisive"), DECISIVE, AGENT + ("size",))
    names = [] if rows is None else list(dict.fromkeys(rows["label"]))
    palette = colors(arms + names)
    fig, axes = subplots(4.2 * len(DECISIVE) + 0.6, 3.8 * len(worlds) + 1.2, len(worlds), len(DECISIVE), fig,
                         sharey=True)
    for i, world in enumerate(worlds):
        for ax, outcome in zip(axes[i * len(DECISIVE):], DECISIVE):
            here = df[(df["world"] == world) & (df["outcome"] == outcome)]
            sns.lineplot(here, x="size", y="share", hue="label", hue_order=arms, palette=palette, marker="o",
                         markersize=3, markeredgewidth=0, legend=False, ax=ax, **CI)
            if agents is not None:
                sns.lineplot(agents[(agents["world"] == world) & (agents["outcome"] == outcome)], x="size",
                             y="share", hue="label", hue_order=names, palette=palette, linestyle=REFERENCE_LINE,
                             errorbar=None, legend=False, ax=ax)
            ax.set_xticks(sorted(deploy[deploy["world"] == world]["size"].unique()))
            ax.set_ylim(-0.03, 1.03)
            ax.set_title(f"{outcome} in {world}", fontsize=10)
            ax.set_xlabel("maze size (cells per side)")
            ax.set_ylabel("share of decisive episodes")
    handles = legend({a: palette[a] for a in arms}, below, marker="o", markersize=3)
    handles += [Line2D([], [], color=palette[n], linestyle=REFERENCE_LINE, label=n) for n in names]
    fig.legend(handles=handles, title="optimizer / mind, and reference agents (dashed)", loc="outside lower center",
               ncols=min(len(handles), 2 if below else 4), fontsize=9)
    band = band_note(df, "label") if len(df) else "no decisive episode"
    fig.suptitle("Capability against maze size, over decisive episodes\n(line: mean over seeds of the agents' "
                 f"shares; band: {band}; dashed: one reference agent)", fontsize=11)
    return fig


def adversary_figure(adversary: pd.DataFrame, below: set[str] = frozenset(),
                     fig: Figure | SubFigure | None = None) -> Figure:
    """What the adversary proposes over training: its proposals' failure rate, then each parameter's values.

    The first panel is the share of the agents' episodes that missed the exit on
    the adversary's proposals (mean over proposals, 95% CI over seeds), one line
    per optimizer / mind. Every other panel stacks the share of proposals taking
    each value of one world parameter, counted over twentieths of each run's
    training (all runs together, whatever their budgets). ``below`` names the lines below competence.
    """
    df = adversary.copy()
    params = [c for c in df.columns if c not in ADVERSARY_IDS]
    palette = colors(sorted(df["label"].unique()))
    progress = df["episodes"] / df.groupby("label")["episodes"].transform("max")  # runs of any budget align
    df["stretch"] = np.minimum((progress * ADVERSARY_BINS).astype(int), ADVERSARY_BINS - 1)
    middle = (np.arange(ADVERSARY_BINS) + 0.5) / ADVERSARY_BINS
    columns = 3
    rows = -(-(1 + len(params)) // columns)
    fig, axes = subplots(4.3 * columns, 3.4 * rows, rows, columns, fig)
    ax = axes[0]
    failures = replicates(df, "failure_rate", ["label", "episodes"])
    sns.lineplot(failures, x="episodes", y="failure_rate", hue="label", hue_order=list(palette), palette=palette,
                 legend=False, ax=ax, **CI)
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("agents' failure on the adversary's mazes\n" + fill(f"(band: {band_note(failures, 'label')})", 60),
                 fontsize=9)
    ax.set_ylabel("share of episodes missing the exit")
    ax.legend(handles=legend(palette, below), fontsize=8)
    for ax, param in zip(axes[1:], params):
        counts = pd.crosstab(df["stretch"], df[param].astype(str)).reindex(range(ADVERSARY_BINS), fill_value=0)
        values = sorted(counts.columns, key=lambda v: (COLOR_NAMES.index(v) if v in COLORS else -1,
                                                       int(v) if v.isdigit() else 0, v))
        shares = counts[values].div(counts.sum(axis=1).replace(0, 1), axis=0)
        stack = [np.array(COLORS[v]) / 255 if v in COLORS else c
                 for v, c in zip(values, sns.color_palette(PALETTE, len(values)))]
        ax.stackplot(middle, shares.T.to_numpy(), labels=values, colors=stack, edgecolor="white", linewidth=0.3)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.xaxis.set_major_formatter("{x:.0%}")
        ax.set_xlabel("share of training")
        ax.set_title(f"proposals' {param}", fontsize=10)
        ax.set_ylabel("share of proposals")
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    for ax in axes[1 + len(params):]:
        ax.set_visible(False)
    axes[0].set_xlabel(EPISODES_LABEL)
    fig.suptitle(f"What the adversary proposes over training (n = {len(df)} proposals from {df['run'].nunique()} "
                 "run(s))", fontsize=11)
    return fig


# -- from run directories to figure files -----------------------------------------------

def plot_drive_tracking(run_dirs, out=None, labels: list[str] | None = None,
                        fig: Figure | SubFigure | None = None, fmt: str = FIGURE_FORMATS[0]) -> Figure:
    """The probe battery over training from the runs' probes.csv (and chance.csv), drawn into ``fig`` (or a figure of
    its own); written to OUT/drive_tracking.FMT when ``out`` is given. Returns the figure."""
    runs = labelled_runs(run_dirs, labels)
    probes = need(runs, "probes", ("optimizer", "mind", "seed", "episodes", "agent", "proxy", "p_goal"),
                  "train with the probe reporter to record the probe battery")
    fig = drive_tracking_figure(probes, chance(runs), lines_below(runs), fig)
    save(fig, out, "drive_tracking", fmt)
    return fig


def plot_drives(run_dirs, out=None, labels: list[str] | None = None,
                fig: Figure | SubFigure | None = None, fmt: str = FIGURE_FORMATS[0]) -> Figure:
    """The planner drive weights over training from the runs' drives.csv (and alignment.csv), drawn into ``fig`` (or
    a figure of its own); written to OUT/drives.FMT when ``out`` is given. Returns the figure."""
    runs = labelled_runs(run_dirs, labels)
    drives = need(runs, "drives", ("optimizer", "mind", "seed", "episodes", "agent", "feature", "weight"),
                  "only planner minds have explicit drives")
    fig = drives_figure(drives, table(runs, "alignment"), feature_roles(runs), lines_below(runs), fig)
    save(fig, out, "drives", fmt)
    return fig


def plot_shift_comparison(run_dirs, out=None, labels: list[str] | None = None,
                          fig: Figure | SubFigure | None = None, fmt: str = FIGURE_FORMATS[0]) -> Figure:
    """The outcome shares before and after the shift from the runs' deploy.csv and reference.csv, drawn into ``fig``
    (or a figure of its own); written to OUT/shift_comparison.FMT when ``out`` is given. Returns the figure."""
    runs = labelled_runs(run_dirs, labels)
    deploy = need(runs, "deploy", DEPLOY_COLUMNS, DEPLOY_HINT)
    fig = shift_comparison_figure(deploy, world_order(deploy, runs), {r.training_world for r in runs}, lines_below(runs),
                                  references(runs).rows, fig)
    save(fig, out, "shift_comparison", fmt)
    return fig


def plot_capability(run_dirs, out=None, labels: list[str] | None = None,
                    fig: Figure | SubFigure | None = None, fmt: str = FIGURE_FORMATS[0]) -> Figure:
    """The outcome shares against maze size from the runs' deploy.csv and reference.csv, drawn into ``fig`` (or a
    figure of its own); written to OUT/capability.FMT when ``out`` is given. Returns the figure."""
    runs = labelled_runs(run_dirs, labels)
    deploy = need(runs, "deploy", DEPLOY_COLUMNS, DEPLOY_HINT)
    if not sized_worlds(deploy):
        raise UserError(f"{', '.join(str(r.path) for r in runs)}: no deployment world's mazes vary in size; the "
                        "capability curve needs a world whose size is a range, e.g. size = [8, 10]")
    fig = capability_figure(deploy, references(runs).rows, lines_below(runs), fig)
    save(fig, out, "capability", fmt)
    return fig


def plot_outcome_shares(run_dirs, labels: list[str] | None = None, ax: Axes | None = None) -> Axes:
    """Every line's outcome shares in every world from the runs' deploy.csv, drawn into one axes (``ax``, or one of
    its own figure); returns the axes."""
    runs = labelled_runs(run_dirs, labels)
    deploy = need(runs, "deploy", DEPLOY_COLUMNS, DEPLOY_HINT)
    return outcome_shares_axes(deploy, world_order(deploy, runs), {r.training_world for r in runs}, lines_below(runs), ax)


def plot_adversary(run_dirs, out=None, labels: list[str] | None = None,
                   fig: Figure | SubFigure | None = None, fmt: str = FIGURE_FORMATS[0]) -> Figure:
    """What the adversary proposed over training, from the runs' adversary.csv, drawn into ``fig`` (or a figure of
    its own); written to OUT/adversary.FMT when ``out`` is given. Returns the figure."""
    runs = labelled_runs(run_dirs, labels)
    adversary = need(runs, "adversary", ("optimizer", "mind", "seed", "episodes", "failure_rate"),
                     "train with --adversary to record the adversary's proposals")
    fig = adversary_figure(adversary, lines_below(runs), fig)
    save(fig, out, "adversary", fmt)
    return fig


# -- report.md --------------------------------------------------------------------------------

#: Each figure of the report: how it is drawn, its title, and whether the runs' tables call for it.
FIGURES = {"drive_tracking": (plot_drive_tracking, "Probe battery over training", lambda t: t["probes"] is not None),
           "drives": (plot_drives, "Drive weights of planner populations", lambda t: t["drives"] is not None),
           "shift_comparison": (plot_shift_comparison, "Outcomes before and after the shift",
                                lambda t: t["deploy"] is not None),
           "capability": (plot_capability, "Capability against maze size",
                          lambda t: t["deploy"] is not None and bool(sized_worlds(t["deploy"]))),
           "adversary": (plot_adversary, "What the adversary proposed", lambda t: t["adversary"] is not None)} | {
    name: (plot, title, lambda t, measured=measured: t[measured] is not None)
    for name, (plot, title, measured) in planning_report.FIGURES.items()}


def write(run_dirs: list[Path], draft: Path, fmt: str, labels: list[str] | None = None) -> None:
    """Write report.md and the figures (in format ``fmt``) of maze training runs into ``draft`` (``labels``: one
    line name per run)."""
    runs = load_runs(run_dirs)
    for run in runs:
        if not (run.path / "generations.csv").exists():
            raise UserError(f"{run.path}: no generations.csv; not a finished training run")
    runs = labelled(runs, labels)
    gens = need(runs, "generations", ("optimizer", "mind", "seed", "step", "episodes", "exit_rate"),
                "a training run writes it")
    tables = {name: table(runs, name) for name in ("probes", "drives", "deploy", "alignment", "adversary",
                                                   *planning_report.TABLES)}
    deploy = tables["deploy"]
    if deploy is not None:
        check_columns(deploy, runs, "deploy", DEPLOY_COLUMNS)
    refs = references(runs)
    made = {name: title for name, (_, title, drawn) in FIGURES.items() if drawn(tables)}
    bar = tqdm(made, desc="report figures", unit="figure", disable=None)  # each takes seconds
    for name in bar:
        bar.set_postfix_str(f"{name}.{fmt}")
        FIGURES[name][0](run_dirs, draft, [run.label for run in runs], fmt=fmt)  # the lines worked out once

    rates = exit_rates(gens)
    below = below_competence(gens)
    lines = ["# evosim report", ""]
    lines += _runs_section(runs, gens)
    lines += _training_section(rates, below, tables["probes"], tables["alignment"])
    lines += _outcome_section(runs, deploy, refs, rates, below)
    lines += _narrative(runs, gens, tables["probes"], deploy, refs, below)
    lines += planning_report.section(runs, tables, below)
    for name, title in made.items():
        lines += figure_section(title, name, fmt)
    lines += _reading_notes(runs, tables["probes"] is not None, tables["alignment"] is not None)
    write_md(draft, lines)


def _runs_section(runs: list[Run], gens: pd.DataFrame) -> list[str]:
    rows = []
    for run in runs:
        g = gens[gens["run"] == str(run.path)]
        first = g.iloc[0]
        seeds = sorted(g["seed"].unique())
        budget = sorted(set(g.groupby("seed")["episodes"].max()))
        rows.append([f"`{run.path}`", run.label, f"{first['optimizer']} / {first['mind']}",
                     ", ".join(str(s) for s in seeds), str(int(g["step"].max())),
                     ", ".join(str(int(b)) for b in budget), run.training_world or "-"])
    lines = ["## Runs", ""] + md_table(
        ["run", "line", "optimizer / mind", "seeds", "last step", "training episodes per seed", "training world"],
        rows)
    for arm, why in unpooled(runs).items():
        lines += [f"The {arm} runs differ in {', '.join(why)}, so each is its own line, not pooled as seeds "
                  "of one arm (name the lines with `--label`).", ""]
    return lines


def _training_section(rates: pd.DataFrame, below: set[str], probes, alignment) -> list[str]:
    proxies = list(dict.fromkeys(probes["proxy"])) if probes is not None else []
    p_goal = None
    if probes is not None:
        p_goal = mean_ci(final_step(probes), "p_goal", ["label", "proxy"])
    aligned = None
    if alignment is not None:
        a = final_step(alignment)
        aligned = mean_ci(a.assign(positive=(a["alignment"] > 0).astype(float)), "positive", ["label"])
    header = ["optimizer / mind", "final exit rate (training)"] + [f"p_goal {q}" for q in proxies]
    header += ["drives favour the exit"] if aligned is not None else []
    rows = []
    for _, r in rates.iterrows():
        row = [r["label"], _exit_rate(r, below)]
        for q in proxies:
            s = p_goal[(p_goal["label"] == r["label"]) & (p_goal["proxy"] == q)]
            row.append(pct(*s[["mean", "lo", "hi"]].iloc[0]) if len(s) else "-")
        if aligned is not None:
            s = aligned[aligned["label"] == r["label"]]
            row.append(pct(*s[["mean", "lo", "hi"]].iloc[0]) if len(s) else "- (no explicit drives)")
        rows.append(row)
    return ["## Key numbers at the end of training", ""] + md_table(header, rows)


def _exit_rate(rate: pd.Series, below: set[str]) -> str:
    """A line's final training exit rate with its CI, marked when below competence."""
    shown = pct(rate["mean"], rate["lo"], rate["hi"])
    return f"{shown}, **{BELOW}**" if rate["label"] in below else shown


def verdict(refs: References, world: str) -> str:
    """Whether ``world`` separates the drives, as the reference agents show it."""
    if refs.rows is None or world not in set(refs.rows["world"]):
        return f"**{world}**: no reference agents deployed (deploy again with this evosim to see whether it " \
               "separates the drives)."
    why = separation_reasons(refs.rows, world)
    if why:
        return f"**{world}** does not separate the drives: {'; '.join(why)}."
    return f"**{world}** separates the drives: on its decisive episodes the exit-seeker is aligned and every " \
           f"proxy-seeker misgeneralized in at least {SEPARATES:.0%}."


OUTCOME_HEADER = (["decisive episodes", *DECISIVE, "misgeneralized toward"]
                  + ["all episodes", *(f"{o} (all)" for o in OUTCOMES)])


def _outcome_cells(stats: pd.DataFrame, counts: pd.Series, rows: pd.DataFrame) -> list[str]:
    """One line's cells of the outcome table: over decisive episodes, then over all, with the counts."""
    s = stats.set_index(["scope", "outcome"])

    def share(scope: str, outcome: str) -> str:
        return pct(*s.loc[(scope, outcome), ["mean", "lo", "hi"]]) if (scope, outcome) in s.index else "-"

    mis = ", ".join(f"{p} {v:.0%}" for p, v in toward(rows).items()) or "-"
    return ([str(int(counts["decisive"]))] + [share("decisive", o) for o in DECISIVE] + [mis]
            + [str(int(counts["all"]))] + [share("all", o) for o in OUTCOMES])


def _outcome_section(runs, deploy, refs: References, rates: pd.DataFrame, below: set[str]) -> list[str]:
    if deploy is None:
        return ["## Outcomes per world", "", "No deploy.csv in these runs: run `evosim deploy RUN WORLD` "
                "to measure aligned / misgeneralized / undecided / incapable episodes.", ""]
    agents = deploy if refs.rows is None else pd.concat([deploy, reference_agents(refs.rows)], ignore_index=True)
    stats = share_stats(agents)
    counts = episode_counts(agents).set_index(["label", "world"])
    rate = rates.set_index("label", drop=False)
    training = {r.training_world for r in runs}
    lines = ["## Outcomes per world", "",
             "Shares first over the decisive episodes (mazes that decide between the exit and every proxy target "
             "in them), then over all episodes; each the mean over seeds of the agents' shares, with its "
             f"{LEVEL:.0%} CI over seeds. The reference agents (one agent each) met the same mazes.", ""]
    arms = sorted(deploy["label"].unique())
    for w in world_order(deploy, runs):
        rows = []
        for lab in arms + ([] if refs.rows is None else list(dict.fromkeys(
                reference_agents(refs.rows[refs.rows["world"] == w])["label"]))):
            if (lab, w) not in counts.index:
                continue
            exit_rate = _exit_rate(rate.loc[lab], below) if lab in rate.index else "-"
            here = (stats["label"] == lab) & (stats["world"] == w)
            episodes = agents[(agents["label"] == lab) & (agents["world"] == w)]
            rows.append([lab, exit_rate] + _outcome_cells(stats[here], counts.loc[(lab, w)], episodes))
        kind = "training" if w in training else "deployment"
        lines += [f"### {w} ({kind} world)", ""] + md_table(["optimizer / mind", "final exit rate (training)",
                                                              *OUTCOME_HEADER], rows)
        lines += [verdict(refs, w), ""]
    if refs.differ:
        lines += [f"Other runs' reference agents met other mazes in {', '.join(refs.differ)} (another training "
                  f"world or deployment seed); shown are those of the first run that has them.", ""]
    return lines


def _narrative(runs, gens, probes, deploy, refs: References, below: set[str]) -> list[str]:
    """One short paragraph per line, in words, from the same numbers: decisive shares first, with what
    would make them mislead (below competence, a world that does not separate the drives)."""
    training = {r.training_world for r in runs}
    stats = None if deploy is None else share_stats(deploy).set_index(["label", "world", "scope", "outcome"])["mean"]
    counts = None if deploy is None else episode_counts(deploy).set_index(["label", "world"])
    text = []
    for lab in sorted(gens["label"].unique()):
        g = final_step(gens[gens["label"] == lab])
        parts = [f"**{lab}** agents reached the exit in {g['exit_rate'].mean():.0%} of their final "
                 f"training episodes ({g['seed'].nunique()} seed(s))."]
        if lab in below:
            parts.append(f"That is **{BELOW}**: its agents seldom reach anything, so a low misgeneralized share "
                         "below means they reach little, not that they want the exit.")
        if probes is not None:
            p = probes[probes["label"] == lab]
            if len(p):
                p = final_step(p).groupby("proxy", sort=False)[["p_goal", "p_proxy"]].mean()
                probe_words = [f"the exit over the {q} decoy in {r.p_goal:.0%} of probe episodes "
                               f"(the decoy in {r.p_proxy:.0%})" for q, r in p.iterrows()]
                parts.append("On the probe battery they chose " + "; ".join(probe_words) + ".")
        for w in [] if deploy is None else list(dict.fromkeys(deploy[deploy["label"] == lab]["world"])):
            if w not in training:
                parts.append(_shift_words(lab, w, stats, counts.loc[(lab, w)],
                                          deploy[(deploy["label"] == lab) & (deploy["world"] == w)], refs))
        text += [" ".join(parts), ""]
    return ["## In words", ""] + text


def _shift_words(lab: str, world: str, stats: pd.Series, counts: pd.Series, rows: pd.DataFrame,
                 refs: References) -> str:
    """What a line did after the shift to ``world``, over decisive episodes, with its caveats."""
    if counts["decisive"] == 0:
        return f"After the shift to {world}, none of its {int(counts['all'])} episodes was decisive, so they do " \
               "not tell the drives apart."
    share = {o: stats.get((lab, world, "decisive", o), 0.0) for o in DECISIVE}
    mis = toward(rows)
    top = f" (mostly toward {next(iter(mis))})" if mis and round(share["misgeneralized"], 2) > 0 else ""
    words = (f"After the shift to {world}, of its {int(counts['decisive'])} decisive episodes "
             f"{share['aligned']:.0%} were aligned, {share['misgeneralized']:.0%} misgeneralized{top} and "
             f"{share['incapable']:.0%} incapable ({stats.get((lab, world, 'all', 'undecided'), 0.0):.0%} of all "
             f"{int(counts['all'])} episodes were undecided).")
    reached = share["aligned"] + share["misgeneralized"]
    if reached < COMPETENT:
        words += f" They reached the exit or a proxy target in only {reached:.0%} of them."
    why = [] if refs.rows is None or world not in set(refs.rows["world"]) else separation_reasons(refs.rows, world)
    if why:
        words += f" But {world} does not separate the drives ({'; '.join(why)}), so these shares do not tell " \
                 "an exit drive from a proxy drive."
    return words


def _reading_notes(runs, probes: bool, alignment: bool) -> list[str]:
    notes = ["## How to read this", ""]
    if probes:
        levels = chance(runs) or {}
        baseline = ", ".join(f"p_goal {p:.2f} on the {q} probe" for q, p in levels.items())
        notes.append(
            "- A **probe** is a maze in which the exit lacks one proxy (a feature the training exit "
            "always had) and a decoy carries it, both at the same path distance from the start. "
            "p_goal is the share of probe episodes in which the agent stood on the exit before the "
            "decoy; episodes reaching neither count against it. Chance is not 50%: a wandering "
            "agent finds a corner less often than a mid-maze tile"
            + (f". A planner without drives, walking to random tiles, scores {baseline} (the dotted "
               "line in the figure): compare arms and steps with that, not with 0.5." if baseline else "."))
    notes += [
        "- A **decisive** episode is one in a maze that decides between the exit and every proxy target in it: no "
        "proxy target lies on a shortest way to the exit, nor the exit on a shortest way to one. Only there do an "
        "exit drive and a proxy drive lead to different places, so the headline shares are over decisive episodes; "
        "the shares over all episodes are beside them.",
        "- **Outcomes**: aligned (reached the exit first), misgeneralized (competently reached a proxy target "
        "first), undecided (one of those, in a maze that could not tell them apart; never in a decisive maze), "
        "incapable (neither).",
        "- The **reference agents** are hand-set, deployed in the same mazes: the exit-seeker (wants only the exit), "
        "a seeker of each proxy of the training world and a random walker. A world **separates the drives** when, "
        f"on its decisive episodes, the exit-seeker is aligned and every proxy-seeker misgeneralized in at least "
        f"{SEPARATES:.0%}; where it does not, the shares there cannot tell an exit drive from a proxy drive.",
        f"- **{BELOW}**: the line's final training exit rate (mean over seeds) is under {COMPETENT:.0%}. Its agents "
        "reach little at all, so few misgeneralized episodes mean incapability, not alignment.",
        "- A **line** pools runs of one optimizer / mind as seeds only when they share their training world, mind "
        "options, budget per seed and deployment episodes; otherwise each run is its own line, named by its "
        "folder (or by `--label`)."]
    if alignment:
        notes.append("- **Drives favour the exit** (planner minds only): share of agents whose drive "
                     "weight on shape:exit exceeds the utility their drives give every proxy-only "
                     "target (e.g. a green apple, the bare bottom-right tile).")
    notes += [f"- Brackets are {LEVEL:.0%} bootstrap intervals over run seeds (each seed's mean over its "
              "agents, resampled). A row with one seed has an interval over its agents only.", ""]
    return notes
