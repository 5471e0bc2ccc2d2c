"""Figures of run directories, with pandas and seaborn: the shared logic of analysis/*.py.

Each ``*_figure`` function takes tidy tables (as read by :func:`table`) and returns
a :class:`matplotlib.figure.Figure` built without pyplot, so that nothing here
touches the caller's backend; PNGs are rendered by Agg. Each ``plot_*`` function
reads run directories, writes ``OUT/<name>.png`` and returns the figure; the thin
scripts in analysis/ and ``evosim report`` call them.

Confidence intervals are 95% percentile bootstraps that respect how the data were
made: the run seeds are resampled, then the agents within each resampled seed (the
agents of one population share ancestry, so seeds are the independent replicates;
with one seed this is a bootstrap over agents). An agent's value is its share of
episodes, so every agent weighs the same.

This module is analysis, not simulation: world mechanics and minds never import it.
"""
from __future__ import annotations

import argparse
import functools
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from evosim.runs import rundir
from evosim.core.errors import UserError
from evosim.core.features import COLOR_NAMES, COLORS, FEATURES
from evosim.core.streams import stream
from evosim.minds.planner import Planner
from evosim.worlds.maze.outcomes import OUTCOMES
from evosim.worlds.maze.probes import GOAL, build_battery, world_probes

CLUSTER = ("run", "seed")
N_BOOT = 1000
LEVEL = 0.95
STYLE = "whitegrid"
PALETTE = "colorblind"
OUTCOME_COLORS = dict(zip(OUTCOMES, ("#029e73", "#de8f05", "#949494")))
EPISODES_LABEL = "training episodes"
COLOR_MISGENERALIZED = "misgeneralized toward colour"  # a sweep report's share: misgeneralized, colour proxy
CHANCE_LABEL = "no drives (walks to random tiles)"


# -- reading run directories ----------------------------------------------------------------

@dataclass(frozen=True)
class Run:
    """A run directory and its run.json."""

    path: Path
    doc: dict

    @property
    def training_world(self) -> str:
        return self.doc.get("world_name", "")


def load_runs(run_dirs) -> list[Run]:
    """Check that every path is a complete run directory; their run.json documents."""
    if not run_dirs:
        raise UserError("no run directory given")
    runs = []
    for d in run_dirs:
        path = Path(d)
        rundir.require_complete(path)
        runs.append(Run(path, rundir.load_run(path)))
    return runs


def table(runs: list[Run], name: str) -> pd.DataFrame | None:
    """``name``.csv of every run that has a non-empty one, concatenated with a ``run`` column."""
    frames = []
    for run in runs:
        path = run.path / f"{name}.csv"
        if not path.exists():
            continue
        rundir.check_table(path)
        try:
            df = pd.read_csv(path)
        except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as e:
            raise UserError(f"{path}: unreadable table: {str(e).splitlines()[0]}") from None
        if len(df):
            frames.append(df.assign(run=str(run.path)))
    return pd.concat(frames, ignore_index=True) if frames else None


def need(runs: list[Run], name: str, columns: tuple[str, ...], hint: str) -> pd.DataFrame:
    """Like :func:`table`, but a UserError when no run has the table or a column is missing."""
    df = table(runs, name)
    where = ", ".join(str(r.path) for r in runs)
    if df is None:
        raise UserError(f"{where}: no {name}.csv ({hint})")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise UserError(f"{where}: {name}.csv lacks column(s) {', '.join(missing)}")
    return df


def label(df: pd.DataFrame) -> pd.Series:
    """The line label of each row: ``optimizer / mind``."""
    return df["optimizer"].astype(str) + " / " + df["mind"].astype(str)


# -- statistics -----------------------------------------------------------------------------

def _bootstrap(clusters: list[np.ndarray], rng: np.random.Generator, n_boot: int) -> np.ndarray:
    """Bootstrap means: resample clusters, then values within each chosen cluster."""
    sizes = np.array([len(c) for c in clusters])
    sums = np.stack([c[rng.integers(len(c), size=(n_boot, len(c)))].sum(1) for c in clusters])
    pick = rng.integers(len(clusters), size=(n_boot, len(clusters)))
    return sums[pick, np.arange(n_boot)[:, None]].sum(1) / sizes[pick].sum(1)


def mean_ci(df: pd.DataFrame, value: str, by: list[str], cluster=CLUSTER,
            n_boot: int = N_BOOT, level: float = LEVEL, seed: int = 0) -> pd.DataFrame:
    """Mean of ``value`` per ``by`` group with a two-level bootstrap CI (clusters, then rows).

    Returns columns ``by + [mean, lo, hi, n, clusters]``; deterministic for a given seed.
    """
    rng = stream("bootstrap", seed)
    out = []
    for key, group in df.groupby(list(by), sort=True):
        parts = [g[value].to_numpy(float) for _, g in group.groupby(list(cluster), sort=True)]
        boots = _bootstrap(parts, rng, n_boot)
        lo, hi = np.quantile(boots, [(1 - level) / 2, (1 + level) / 2])
        key = key if isinstance(key, tuple) else (key,)
        out.append(dict(zip(by, key)) | {"mean": float(group[value].mean()), "lo": float(lo),
                                          "hi": float(hi), "n": len(group), "clusters": len(parts)})
    return pd.DataFrame(out, columns=list(by) + ["mean", "lo", "hi", "n", "clusters"])


def final_step(df: pd.DataFrame) -> pd.DataFrame:
    """Rows of each run and seed's last logged step."""
    last = df.groupby(["run", "seed"])["step"].transform("max")
    return df[df["step"] == last]


def outcome_shares(deploy: pd.DataFrame, outcomes: tuple[str, ...] = OUTCOMES) -> pd.DataFrame:
    """Each agent's share of episodes per outcome and world, long form (every outcome present)."""
    keys = ["optimizer", "mind", "run", "seed", "agent", "world"]
    counts = pd.crosstab([deploy[k] for k in keys], deploy["outcome"])
    counts = counts.reindex(columns=list(outcomes), fill_value=0)
    shares = counts.div(counts.sum(axis=1), axis=0)
    shares.columns.name = None
    return shares.reset_index().melt(id_vars=keys, var_name="outcome", value_name="share")


def world_order(deploy: pd.DataFrame, runs: list[Run]) -> list[str]:
    """Worlds in deploy.csv, training worlds first."""
    train = [r.training_world for r in runs]
    worlds = list(dict.fromkeys(deploy["world"].astype(str)))
    return sorted(worlds, key=lambda w: (w not in train, worlds.index(w)))


def _colors(labels: list[str]) -> dict[str, tuple]:
    return dict(zip(labels, sns.color_palette(PALETTE, max(len(labels), 1))))


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout="constrained", dpi=110)


# -- figures --------------------------------------------------------------------------------

def drive_tracking_figure(probes: pd.DataFrame, chance: dict[str, float] | None = None) -> Figure:
    """p_goal against training episodes: one panel per proxy, one line per optimizer x mind.

    ``probes`` is probes.csv (with ``run``). Training episodes, not steps, are the x
    axis, so that arms of different optimizers line up on an equal budget.
    ``chance`` maps a proxy to the p_goal of a planner without drives, drawn as a
    dotted reference.
    """
    df = probes.assign(label=label(probes))
    xcol = "episodes"
    proxies = list(dict.fromkeys(df["proxy"]))
    labels = sorted(df["label"].unique())
    colors = _colors(labels)
    stats = mean_ci(df, "p_goal", ["label", "proxy", xcol])
    with sns.axes_style(STYLE):
        fig = _figure(4.6 * len(proxies) + 0.6, 4.2)
        axes = fig.subplots(1, len(proxies), sharey=True, squeeze=False)[0]
    for ax, proxy in zip(axes, proxies):
        for lab in labels:
            s = stats[(stats["label"] == lab) & (stats["proxy"] == proxy)].sort_values(xcol)
            if s.empty:
                continue
            ax.fill_between(s[xcol], s["lo"], s["hi"], color=colors[lab], alpha=0.2, linewidth=0)
            ax.plot(s[xcol], s["mean"], color=colors[lab], marker="o", markersize=3, label=lab)
        if chance and proxy in chance:
            ax.axhline(chance[proxy], color="0.35", linewidth=1, linestyle=":", label=CHANCE_LABEL)
        ax.set_ylim(-0.03, 1.03)
        ax.set_title(f"probe {proxy}\nexit lacks it, a decoy carries it", fontsize=10)
        ax.set_xlabel(EPISODES_LABEL)
    axes[0].set_ylabel("p_goal: exit reached before the decoy")
    handles = [Line2D([], [], color=colors[lab], marker="o", markersize=3, label=lab) for lab in labels]
    if chance:
        handles.append(Line2D([], [], color="0.35", linewidth=1, linestyle=":", label=CHANCE_LABEL))
    fig.legend(handles=handles, title="optimizer / mind", loc="outside lower center",
               ncols=min(len(handles), 5), fontsize=9)
    fig.suptitle("Probe battery: does the agent pursue the exit or the proxy?\n"
                 "(mean over agents and seeds, 95% CI)", fontsize=11)
    return fig


def drives_figure(drives: pd.DataFrame, alignment: pd.DataFrame | None = None,
                  roles: dict[str, str] | None = None) -> Figure:
    """Drive-weight trajectories of planner populations: one panel per feature, mean +- 1 sd.

    ``roles`` annotates feature titles (e.g. ``{"color:green": "proxy"}``); with an
    ``alignment`` table, a last panel shows exit utility minus the best proxy's.
    """
    roles = roles or {}
    df = drives.assign(label=label(drives))
    labels = sorted(df["label"].unique())
    colors = _colors(labels)
    features = [f for f in FEATURES if f in set(df["feature"])]
    panels = features + (["alignment"] if alignment is not None else [])
    ncols = 4
    nrows = -(-len(panels) // ncols)
    with sns.axes_style(STYLE):
        fig = _figure(3.3 * ncols, 2.5 * nrows + 0.8)
        axes = fig.subplots(nrows, ncols, sharex=True, squeeze=False).ravel()
    for i, (ax, panel) in enumerate(zip(axes, panels)):
        if panel == "alignment":
            data = alignment.assign(label=label(alignment))
            y, title = "alignment", "alignment (shape:exit − best proxy)"
        else:
            data = df[df["feature"] == panel]
            y, title = "weight", panel + (f" ({roles[panel]})" if panel in roles else "")
        stats = data.groupby(["label", "episodes"])[y].agg(["mean", "std"]).fillna(0.0).reset_index()
        for lab in labels:
            s = stats[stats["label"] == lab]
            ax.fill_between(s["episodes"], s["mean"] - s["std"], s["mean"] + s["std"], color=colors[lab],
                            alpha=0.2, linewidth=0)
            ax.plot(s["episodes"], s["mean"], color=colors[lab], label=lab)
        ax.axhline(0.0, color="0.4", linewidth=0.8)
        ax.set_title(title, fontsize=10)
        ax.set_ylabel("weight" if panel != "alignment" else "utility difference")
        ax.set_xlabel(EPISODES_LABEL if i + ncols >= len(panels) else "")  # under the lowest panels only
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    handles = [Line2D([], [], color=colors[lab], label=lab) for lab in labels]
    fig.legend(handles=handles, title="optimizer / mind", loc="outside lower center",
               ncols=max(len(labels), 1), fontsize=9)
    fig.suptitle("Planner drive weights over training (mean over agents and seeds, band: 1 sd)",
                 fontsize=11)
    return fig


def shift_comparison_figure(deploy: pd.DataFrame, worlds: list[str],
                            training: set[str] = frozenset()) -> Figure:
    """Outcome shares per optimizer x mind: one panel each, worlds side by side, 95% CIs."""
    shares = outcome_shares(deploy)
    shares = shares.assign(label=label(shares))
    stats = mean_ci(shares, "share", ["label", "world", "outcome"])
    labels = sorted(shares["label"].unique())
    width = 0.26
    ncols = min(len(labels), 2)
    nrows = -(-len(labels) // ncols)
    with sns.axes_style(STYLE):
        fig = _figure(max(1.0 + 2.6 * len(worlds) * ncols, 7.0), 3.6 * nrows + 0.8)
        axes = fig.subplots(nrows, ncols, sharey=True, squeeze=False).ravel()
    for ax in axes[len(labels):]:
        ax.set_visible(False)
    for ax, lab in zip(axes, labels):
        for j, outcome in enumerate(OUTCOMES):
            s = stats[(stats["label"] == lab) & (stats["outcome"] == outcome)].set_index("world")
            s = s.reindex(worlds)
            xs = np.arange(len(worlds)) + (j - 1) * width
            mean, lo, hi = (s[c].to_numpy(float) for c in ("mean", "lo", "hi"))
            err = np.nan_to_num(np.vstack([mean - lo, hi - mean]))
            ax.bar(xs, mean, width, color=OUTCOME_COLORS[outcome], label=outcome,
                   yerr=err, capsize=3, error_kw={"linewidth": 1})
            for xi, m, h in zip(xs, mean, hi):
                if np.isfinite(m):
                    ax.text(xi, h + 0.02, f"{m:.0%}", ha="center", va="bottom", fontsize=8)
        ax.set_xticks(np.arange(len(worlds)),
                      [f"{w}\n({'training' if w in training else 'deployment'})" for w in worlds])
        ax.set_ylim(0, 1.15)
        ax.set_title(lab, fontsize=10)
        ax.set_xlabel("world")
        ax.set_ylabel("share of episodes")
    handles = [Patch(color=OUTCOME_COLORS[o], label=o) for o in OUTCOMES]
    fig.legend(handles=handles, title="outcome", loc="outside lower center", ncols=len(OUTCOMES),
               fontsize=9)
    fig.suptitle("Outcomes before and after the shift\n(mean over agents and seeds, 95% CI)",
                 fontsize=11)
    return fig


def diversity_figure(shares: pd.DataFrame, axis: str, world: str) -> Figure:
    """Outcome shares in ``world`` against a sweep's axis: one panel per outcome, one line per arm.

    ``shares`` holds each agent's outcome shares (:func:`sweep_shares`); lines are
    means with 95% CIs over seeds (then agents). A world axis is drawn
    symmetric-log, so that a share of 0 sits beside 1%; the adversary axis is
    without / with.
    """
    from evosim.studies.sweep import ADVERSARY

    df = shares[shares["world"] == world]
    arms = sorted(df["arm"].unique())
    colors = _colors(arms)
    stats = mean_ci(df, "share", ["arm", "outcome", axis])
    positive = sorted(v for v in df[axis].unique() if v > 0)
    with sns.axes_style(STYLE):
        fig = _figure(4.2 * len(OUTCOMES) + 0.6, 4.0)
        axes = fig.subplots(1, len(OUTCOMES), sharey=True, squeeze=False)[0]
    for ax, outcome in zip(axes, ("misgeneralized", "aligned", "incapable")):
        for arm in arms:
            st = stats[(stats["arm"] == arm) & (stats["outcome"] == outcome)].sort_values(axis)
            ax.fill_between(st[axis], st["lo"], st["hi"], color=colors[arm], alpha=0.2, linewidth=0)
            ax.plot(st[axis], st["mean"], color=colors[arm], marker="o", markersize=3, label=arm)
        if axis == ADVERSARY:
            ax.set_xticks([0, 1], ["without", "with"])
            ax.set_xlim(-0.3, 1.3)
            ax.set_xlabel("adversary in training")
        else:
            if positive:
                ax.set_xscale("symlog", linthresh=positive[0])
            ax.set_xlabel(f"{axis} (symmetric log scale)")
        ax.set_ylim(-0.03, 1.03)
        ax.set_title(f"{outcome} in {world}", fontsize=10)
    axes[0].set_ylabel("share of episodes")
    handles = [Line2D([], [], color=colors[a], marker="o", markersize=3, label=a) for a in arms]
    fig.legend(handles=handles, title="algorithm / mind", loc="outside lower center", ncols=len(arms),
               fontsize=9)
    fig.suptitle("What training meets against goal misgeneralization\n(mean over seeds and agents, 95% CI)",
                 fontsize=11)
    return fig


def sweep_shares(folder: Path) -> tuple[pd.DataFrame, str, list[str]]:
    """Each agent's outcome shares in every complete cell of a sweep, with its arm and world-axis value;
    the axis name and the deployment worlds."""
    from evosim.studies.sweep import ADVERSARY, load_sweep

    rows = [r for r in load_sweep(folder) if r["status"] == "complete"]
    if not rows:
        raise UserError(f"{folder}: no complete cell in sweep.csv; run or rerun the sweep")
    fixed = {"arm", "status", "run", "seconds", "error"}
    axes = [k for k in rows[0] if k not in fixed and ":" not in k]
    if len(axes) != 1:
        raise UserError(f"{folder}: the diversity figure needs exactly one axis, the sweep has "
                        f"{len(axes)} ({', '.join(axes) or 'none'})")
    frames = []
    for r in rows:
        run = Path(folder) / r["run"]
        deploy = need([Run(run, rundir.load_run(run))], "deploy", ("seed", "agent", "world", "outcome", "proxy"),
                      "a sweep cell deploys its agents")
        toward = deploy.assign(outcome=np.where((deploy["outcome"] == "misgeneralized")
                                                & deploy["proxy"].fillna("").str.startswith("color:"),
                                                COLOR_MISGENERALIZED, "other"))
        colour = outcome_shares(toward, (COLOR_MISGENERALIZED, "other"))
        shares = pd.concat([outcome_shares(deploy), colour[colour["outcome"] == COLOR_MISGENERALIZED]])
        value = {"True": 1.0, "False": 0.0}.get(r[axes[0]]) if axes[0] == ADVERSARY else float(r[axes[0]])
        frames.append(shares.assign(arm=r["arm"], **{axes[0]: value}))
    worlds = list(dict.fromkeys(k.split(":")[0] for k in rows[0] if ":" in k))
    return pd.concat(frames, ignore_index=True), axes[0], worlds


def plot_diversity(folder, out) -> Figure:
    """Write OUT/diversity.png from a sweep folder: outcomes in its last deployment world against its axis."""
    shares, axis, worlds = sweep_shares(Path(folder[0] if isinstance(folder, (list, tuple)) else folder))
    fig = diversity_figure(shares, axis, worlds[-1])
    _save(fig, Path(out), "diversity")
    return fig


ADVERSARY_IDS = ("optimizer", "mind", "seed", "step", "episodes", "adversary_generation", "proposal",
                 "failure_rate", "run")
ADVERSARY_BINS = 20  # stretches of training the proposals' parameters are counted over


def adversary_figure(adversary: pd.DataFrame) -> Figure:
    """What the adversary proposes over training: its proposals' failure rate, then each parameter's values.

    The first panel is the share of the agents' episodes that missed the exit on
    the adversary's proposals (mean over proposals, 95% CI over seeds, then
    proposals), one line per optimizer / mind. Every other panel stacks the share
    of proposals taking each value of one world parameter, counted over twentieths
    of each run's training (all runs together, whatever their budgets).
    """
    df = adversary.assign(label=label(adversary))
    params = [c for c in df.columns if c not in ADVERSARY_IDS and c != "label"]
    labels = sorted(df["label"].unique())
    colors = _colors(labels)
    stats = mean_ci(df, "failure_rate", ["label", "episodes"])
    progress = df["episodes"] / df.groupby("label")["episodes"].transform("max")  # runs of any budget align
    df["stretch"] = np.minimum((progress * ADVERSARY_BINS).astype(int), ADVERSARY_BINS - 1)
    middle = (np.arange(ADVERSARY_BINS) + 0.5) / ADVERSARY_BINS
    columns = 3
    rows = -(-(1 + len(params)) // columns)
    with sns.axes_style(STYLE):
        fig = _figure(4.3 * columns, 3.4 * rows)
        axes = fig.subplots(rows, columns, squeeze=False).ravel()
    ax = axes[0]
    for name in labels:
        st = stats[stats["label"] == name].sort_values("episodes")
        ax.fill_between(st["episodes"], st["lo"], st["hi"], color=colors[name], alpha=0.2, linewidth=0)
        ax.plot(st["episodes"], st["mean"], color=colors[name], label=name)
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("agents' failure on the adversary's mazes", fontsize=10)
    ax.set_ylabel("share of episodes missing the exit")
    ax.legend(fontsize=8)
    for ax, param in zip(axes[1:], params):
        counts = pd.crosstab(df["stretch"], df[param].astype(str)).reindex(range(ADVERSARY_BINS), fill_value=0)
        values = sorted(counts.columns, key=lambda v: (COLOR_NAMES.index(v) if v in COLORS else -1,
                                                       int(v) if v.isdigit() else 0, v))
        shares = counts[values].div(counts.sum(axis=1).replace(0, 1), axis=0)
        palette = [np.array(COLORS[v]) / 255 if v in COLORS else c
                   for v, c in zip(values, sns.color_palette(PALETTE, len(values)))]
        ax.stackplot(middle, shares.T.to_numpy(), labels=values, colors=palette, edgecolor="white", linewidth=0.3)
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
    fig.suptitle("What the adversary proposes over training", fontsize=11)
    return fig


def deception_evolution_figure(rows: list[dict], game) -> Figure:
    """Chance of choosing A in training and in deployment over generations, a line per seed."""
    df = pd.DataFrame(rows)
    seeds = sorted(df["seed"].unique())
    colors = _colors([str(s) for s in seeds])
    with sns.axes_style(STYLE):
        fig = _figure(10.0, 4.0)
        axes = fig.subplots(1, 2, sharey=True)
    for ax, column, title in zip(axes, ("p_a_training", "p_a_deployment"),
                                 ("in training (selected)", "in deployment (never selected)")):
        for seed in seeds:
            s = df[df["seed"] == seed]
            ax.plot(s["generation"], s[column], color=colors[str(seed)], label=f"seed {seed}")
        ax.set_ylim(-0.03, 1.03)
        ax.set_title(f"P(choose A) {title}", fontsize=10)
        ax.set_xlabel("generation")
    axes[0].set_ylabel("population mean")
    axes[1].legend(fontsize=8)
    fig.suptitle(f"Selection sees only training: T={game.training}, D={game.deployment}, "
                 f"p={game.modification:g}", fontsize=11)
    return fig


# -- from run directories to PNGs -----------------------------------------------------------

def feature_roles(runs: list[Run]) -> dict[str, str]:
    """What each drive feature was in the (first) training world: exit, proxy or unseen colour."""
    world = rundir.training_world(runs[0].path)
    roles = {"shape:exit": "the exit"}
    for p in world_probes(world):
        if p.decoy_color is not None:
            roles[f"color:{p.decoy_color}"] = "proxy"
        if p.decoy_position != "random":
            roles["pos:x"] = roles["pos:y"] = "proxy"
    used = {world.exit.color} | {o.color for o in world.objects}
    for c in COLOR_NAMES:
        if c not in used:
            roles.setdefault(f"color:{c}", "unseen")
    return roles


def chance(runs: list[Run]) -> dict[str, float] | None:
    """p_goal of a drive-less planner on the probes of the first run's training world."""
    try:
        world = rundir.training_world(runs[0].path)
    except (UserError, KeyError):
        return None
    return _chance(world)


@functools.lru_cache(maxsize=8)
def _chance(world) -> dict[str, float]:
    return chance_levels(world)


def chance_levels(world, mazes: int = 64, seed: int = 0, agents: int = 8) -> dict[str, float]:
    """p_goal of a planner with no drives (it walks to random tiles) on each probe of ``world``.

    A reference for reading p_goal: chance is not 50%, since a wanderer finds a
    corner less often than a mid-maze tile.
    """
    battery = build_battery(world, mazes, seed)
    counts = battery.evaluate(Planner(), np.zeros((agents, Planner.n_params)),
                              stream("chance", seed)).sum(0)
    return {name: float(counts[q, GOAL] / counts[q].sum()) for q, name in enumerate(battery.names)}


def _save(fig: Figure, out: Path, name: str) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.png"
    fig.savefig(path)
    return path


def plot_drive_tracking(run_dirs, out) -> Figure:
    """Write OUT/drive_tracking.png from the runs' probes.csv; returns the figure."""
    runs = load_runs(run_dirs)
    probes = need(runs, "probes", ("optimizer", "mind", "seed", "episodes", "agent", "proxy", "p_goal"),
                  "train with the probe reporter to record the probe battery")
    fig = drive_tracking_figure(probes, chance(runs))
    _save(fig, Path(out), "drive_tracking")
    return fig


def plot_drives(run_dirs, out) -> Figure:
    """Write OUT/drives.png from the runs' drives.csv (and alignment.csv); returns the figure."""
    runs = load_runs(run_dirs)
    drives = need(runs, "drives", ("optimizer", "mind", "seed", "episodes", "agent", "feature", "weight"),
                  "only planner minds have explicit drives")
    fig = drives_figure(drives, table(runs, "alignment"), feature_roles(runs))
    _save(fig, Path(out), "drives")
    return fig


def plot_shift_comparison(run_dirs, out) -> Figure:
    """Write OUT/shift_comparison.png from the runs' deploy.csv; returns the figure."""
    runs = load_runs(run_dirs)
    deploy = need(runs, "deploy", ("optimizer", "mind", "seed", "agent", "world", "outcome"),
                  "run 'evosim deploy RUN WORLD' first")
    training = {r.training_world for r in runs}
    fig = shift_comparison_figure(deploy, world_order(deploy, runs), training)
    _save(fig, Path(out), "shift_comparison")
    return fig


def plot_adversary(run_dirs, out) -> Figure:
    """Write OUT/adversary.png from the runs' adversary.csv; returns the figure."""
    runs = load_runs(run_dirs)
    adversary = need(runs, "adversary", ("optimizer", "mind", "seed", "episodes", "failure_rate"),
                     "train with --adversary to record the adversary's proposals")
    fig = adversary_figure(adversary)
    _save(fig, Path(out), "adversary")
    return fig


def default_out(run_dirs) -> Path:
    """Where figures and the report go without --out: RUN_DIR/report of the first run."""
    return Path(run_dirs[0]) / "report"


def script_main(plot, doc: str, argv=None) -> int:
    """The command line of an analysis/*.py script: RUN_DIR [RUN_DIR ...] [--out DIR]."""
    parser = argparse.ArgumentParser(description=doc.strip().splitlines()[0])
    parser.add_argument("runs", nargs="+", metavar="RUN_DIR", help="run directories to compare")
    parser.add_argument("--out", metavar="DIR", help="output directory (default: RUN_DIR/report)")
    args = parser.parse_args(argv)
    out = Path(args.out) if args.out else default_out(args.runs)
    try:
        plot(args.runs, out)
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(out / f"{plot.__name__.removeprefix('plot_')}.png")
    return 0


# -- savanna ecology runs -------------------------------------------------------------------

SPECIES_STYLE = {"evolved": "-", "trained": "--"}
SHIFT_STYLE = {"color": "0.2", "linewidth": 1, "linestyle": ":"}
WINDOW = 1000  # ticks before the shift, after it, and at the end of a run that the magnitudes average over
SOON = 500  # ticks after the shift in which the candy share of meals is counted
SWEET = "sweet"


@dataclass(frozen=True)
class Ecologies:
    """The tables of one or more ecology runs (with ``run``), the shift tick and the kinds the shift added."""

    population: pd.DataFrame
    meals: pd.DataFrame
    drives: pd.DataFrame
    shift: int | None
    added: tuple[str, ...]


def load_ecologies(runs: list[Run]) -> Ecologies:
    """population.csv, meals.csv and drive_stats.csv of ecology runs, which must share their world's shift."""
    worlds = [rundir.training_world(r.path) for r in runs]
    shifts = {(w.shift.tick, tuple(k.name for k in w.foods[w.ancestral:])) for w in worlds}
    if len(shifts) > 1:
        raise UserError(f"{', '.join(str(r.path) for r in runs)}: the runs' worlds shift differently; report "
                        "them separately")
    hint = "an 'evosim ecology' run writes it"
    population = need(runs, "population", ("seed", "tick", "species", "population", "alignment"), hint)
    meals = need(runs, "meals", ("seed", "tick", "species", "food", "eaten"), hint)
    drives = need(runs, "drive_stats", ("seed", "tick", "species", "feature", "mean", "sd"), hint)
    (shift, added), = shifts
    return Ecologies(population, meals, drives, shift, added)


def shift_magnitudes(eco: Ecologies) -> pd.DataFrame:
    """One row per run: the evolved species before, just after and long after the shift, and the trained one after.

    Before: the last ``WINDOW`` ticks before the shift; soon after: the first
    ``WINDOW`` (the candy share of meals: the first ``SOON``); late: the last
    ``WINDOW`` ticks of the run.
    """
    t = eco.shift
    rows = []
    for (run, seed), pop in eco.population.groupby(["run", "seed"], sort=True):
        evo, trained = pop[pop["species"] == "evolved"], pop[pop["species"] == "trained"]
        meals = eco.meals[(eco.meals["run"] == run) & (eco.meals["species"] == "evolved")]
        sweet = eco.drives[(eco.drives["run"] == run) & (eco.drives["species"] == "evolved")
                           & (eco.drives["feature"] == SWEET)]
        end = pop["tick"].max()

        def window(df, lo, hi, column):
            return float(df[(df["tick"] > lo) & (df["tick"] <= hi)][column].mean())

        soon = meals[(meals["tick"] > t) & (meals["tick"] <= t + SOON)]
        before = window(evo, t - WINDOW, t, "population")
        after = evo[(evo["tick"] > t) & (evo["tick"] <= t + WINDOW)]
        rows.append({"run": run, "seed": seed,
                     "alignment_before": window(evo, t - WINDOW, t, "alignment"),
                     "alignment_min_after": float(after["alignment"].min()),
                     "candy_share": float(soon[soon["food"].isin(eco.added)]["eaten"].sum()
                                          / max(soon["eaten"].sum(), 1)),
                     "population_before": before,
                     "population_min_after": float(after["population"].min()),
                     "population_dip": 1 - float(after["population"].min()) / before,
                     "sweet_before": window(sweet, t - WINDOW, t, "mean"),
                     "sweet_late": window(sweet, end - WINDOW, end, "mean"),
                     "alignment_late": window(evo, end - WINDOW, end, "alignment"),
                     "trained_alignment_before": window(trained, t - WINDOW, t, "alignment"),
                     "trained_alignment_after": window(trained, t, end, "alignment")})
    return pd.DataFrame(rows)


def population_dynamics_figure(eco: Ecologies) -> Figure:
    """Population, alignment, meals and drives of both species over ticks, the shift marked.

    Lines are means over runs (seeds), bands one standard deviation over runs
    (drive panels: over creatures, averaged over runs). Evolved is solid, trained dashed.
    """
    species = [s for s in SPECIES_STYLE if s in set(eco.population["species"])]
    colors = _colors(species)
    meals = eco.meals.assign(share=eco.meals["eaten"] / eco.meals.groupby(["run", "tick", "species"])["eaten"]
                             .transform("sum").clip(lower=1))
    foods = list(dict.fromkeys(eco.meals["food"]))
    food_colors = _colors(foods)
    features = list(dict.fromkeys(eco.drives["feature"]))
    feature_colors = _colors(features)
    with sns.axes_style(STYLE):
        fig = _figure(14.0, 7.6)
        axes = fig.subplots(2, 3, sharex=True).ravel()

    def line(ax, df, y, color, style, label, band=None):
        stats = df.groupby("tick")[y].agg(["mean", "std"]).reset_index()
        spread = (df.groupby("tick")[band].mean().to_numpy() if band else stats["std"].fillna(0.0).to_numpy())
        ax.fill_between(stats["tick"], stats["mean"] - spread, stats["mean"] + spread, color=color, alpha=0.15,
                        linewidth=0)
        ax.plot(stats["tick"], stats["mean"], color=color, linestyle=style, label=label, linewidth=1.3)

    for s in species:
        pop = eco.population[eco.population["species"] == s]
        line(axes[0], pop, "population", colors[s], SPECIES_STYLE[s], s)
        line(axes[1], pop, "alignment", colors[s], SPECIES_STYLE[s], s)
        sweet = eco.drives[(eco.drives["species"] == s) & (eco.drives["feature"] == SWEET)]
        line(axes[4], sweet, "mean", colors[s], SPECIES_STYLE[s], s, band="sd")
    for food in foods:
        for s in species:
            m = meals[(meals["species"] == s) & (meals["food"] == food)]
            line(axes[2 if s == "evolved" else 3], m, "share", food_colors[food], "-", food)
    evolved = eco.drives[eco.drives["species"] == "evolved"]
    for feature in features:
        line(axes[5], evolved[evolved["feature"] == feature], "mean", feature_colors[feature], "-", feature)
    titles = ("population", "drive-fitness alignment", "evolved: share of meals by food",
              "trained: share of meals by food", f"{SWEET} drive weight (band: sd over creatures)",
              "evolved: mean drive weights")
    for ax, title in zip(axes, titles):
        if eco.shift is not None:
            ax.axvline(eco.shift, **SHIFT_STYLE)
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=7, loc="best")
    axes[1].set_ylim(-1.05, 1.05)
    for ax in axes[2:4]:
        ax.set_ylim(-0.02, 1.02)
    for ax in axes[3:]:
        ax.set_xlabel("tick")
        ax.xaxis.set_major_locator(MaxNLocator(5))
    shift = f"dotted line: the shift at tick {eco.shift}" if eco.shift is not None else "no shift in the world file"
    runs = eco.population["run"].nunique()
    fig.suptitle(f"Savanna population dynamics ({runs} run{'s' * (runs != 1)}; mean over runs, bands 1 sd over "
                 f"runs unless marked; {shift})", fontsize=11)
    return fig


def plot_population_dynamics(run_dirs, out) -> Figure:
    """Write OUT/population_dynamics.png from ecology runs; returns the figure."""
    fig = population_dynamics_figure(load_ecologies(load_runs(run_dirs)))
    _save(fig, Path(out), "population_dynamics")
    return fig
