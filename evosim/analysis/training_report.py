"""The report of maze training runs: probes and drives over training, deploy outcomes, adversary proposals.

Each ``*_figure`` function takes tidy tables (as read by
:func:`~evosim.analysis.tables.table`) and returns a Figure; each ``plot_*``
function reads run directories, writes ``OUT/<name>.png`` and returns the figure
(the thin scripts in analysis/ call them); :func:`write` drafts report.md with its
figures. Bands and brackets are 95% CIs over run seeds (:mod:`evosim.analysis.stats`).
"""
from __future__ import annotations

from pathlib import Path
from textwrap import fill

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from evosim.analysis.markdown import md_table, pct, write_md
from evosim.analysis.stats import LEVEL, N_BOOT, SEED, band_note, mean_ci, replicates
from evosim.analysis.style import (EPISODES_LABEL, OUTCOME_COLORS, PALETTE, colors, line_handles, save,
                                   subplots)
from evosim.analysis.tables import (chance, feature_roles, final_step, label, load_runs, need, outcome_shares,
                                    table, world_order)
from evosim.core.errors import UserError
from evosim.core.features import COLOR_NAMES, COLORS, FEATURES
from evosim.core.outcome_names import OUTCOMES

CHANCE_LABEL = "no drives (walks to random tiles)"
CI = {"errorbar": ("ci", 95), "n_boot": N_BOOT, "seed": SEED}  # seaborn's bootstrap, as stats.mean_ci's
ADVERSARY_IDS = ("optimizer", "mind", "seed", "step", "episodes", "adversary_generation", "proposal",
                 "failure_rate", "run")
ADVERSARY_BINS = 20  # stretches of training the proposals' parameters are counted over


# -- figures --------------------------------------------------------------------------------

def drive_tracking_figure(probes: pd.DataFrame, chance: dict[str, float] | None = None) -> Figure:
    """p_goal against training episodes: one panel per proxy, one line per optimizer x mind.

    ``probes`` is probes.csv (with ``run``). Training episodes, not steps, are the x
    axis, so that arms of different optimizers line up on an equal budget.
    ``chance`` maps a proxy to the p_goal of a planner without drives, drawn as a
    dotted reference.
    """
    df = replicates(probes.assign(label=label(probes)), "p_goal", ["label", "proxy", "episodes"])
    proxies = list(dict.fromkeys(probes["proxy"]))
    palette = colors(sorted(df["label"].unique()))
    fig, axes = subplots(4.6 * len(proxies) + 0.6, 4.4, 1, len(proxies), sharey=True)
    for ax, proxy in zip(axes, proxies):
        sns.lineplot(df[df["proxy"] == proxy], x="episodes", y="p_goal", hue="label", hue_order=list(palette),
                     palette=palette, marker="o", markersize=3, markeredgewidth=0, legend=False, ax=ax, **CI)
        if chance and proxy in chance:
            ax.axhline(chance[proxy], color="0.35", linewidth=1, linestyle=":")
        ax.set_ylim(-0.03, 1.03)
        ax.set_title(f"probe {proxy}\nexit lacks it, a decoy carries it", fontsize=10)
        ax.set_xlabel(EPISODES_LABEL)
    axes[0].set_ylabel("p_goal: exit reached before the decoy")
    handles = line_handles(palette, marker="o", markersize=3)
    if chance:
        handles.append(Line2D([], [], color="0.35", linewidth=1, linestyle=":", label=CHANCE_LABEL))
    fig.legend(handles=handles, title="optimizer / mind", loc="outside lower center",
               ncols=min(len(handles), 5), fontsize=9)
    fig.suptitle("Probe battery: does the agent pursue the exit or the proxy?\n"
                 f"(line: mean over seeds of the agents' mean; band: {band_note(df, 'label')})", fontsize=11)
    return fig


def drives_figure(drives: pd.DataFrame, alignment: pd.DataFrame | None = None,
                  roles: dict[str, str] | None = None) -> Figure:
    """Drive-weight trajectories of planner populations: one panel per feature, mean +- 1 sd.

    ``roles`` annotates feature titles (e.g. ``{"color:green": "proxy"}``); with an
    ``alignment`` table, a last panel shows exit utility minus the best proxy's.
    """
    roles = roles or {}
    df = drives.assign(label=label(drives))
    palette = colors(sorted(df["label"].unique()))
    features = [f for f in FEATURES if f in set(df["feature"])]
    panels = features + (["alignment"] if alignment is not None else [])
    ncols = 4
    nrows = -(-len(panels) // ncols)
    fig, axes = subplots(3.3 * ncols, 2.5 * nrows + 0.8, nrows, ncols, sharex=True)
    for i, (ax, panel) in enumerate(zip(axes, panels)):
        if panel == "alignment":
            data = alignment.assign(label=label(alignment))
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
    fig.legend(handles=line_handles(palette), title="optimizer / mind", loc="outside lower center",
               ncols=max(len(palette), 1), fontsize=9)
    n = df.groupby(["label", "episodes", "feature"]).size()
    agents = f"{n.min()}" if n.min() == n.max() else f"{n.min()}-{n.max()}"
    fig.suptitle("Planner drive weights over training (mean over agents and seeds, "
                 f"band: 1 sd over them, n = {agents} per point)", fontsize=11)
    return fig


def shift_comparison_figure(deploy: pd.DataFrame, worlds: list[str],
                            training: set[str] = frozenset()) -> Figure:
    """Outcome shares per optimizer x mind: one panel each, worlds side by side, 95% CIs over seeds."""
    shares = outcome_shares(deploy)
    df = replicates(shares.assign(label=label(shares)), "share", ["label", "world", "outcome"])
    labels = sorted(df["label"].unique())
    ncols = min(len(labels), 2)
    nrows = -(-len(labels) // ncols)
    fig, axes = subplots(max(1.0 + 2.6 * len(worlds) * ncols, 7.0), 3.6 * nrows + 0.8, nrows, ncols, sharey=True)
    for ax in axes[len(labels):]:
        ax.set_visible(False)
    for ax, lab in zip(axes, labels):
        sns.barplot(df[df["label"] == lab], x="world", y="share", hue="outcome", order=worlds,
                    hue_order=list(OUTCOMES), palette=OUTCOME_COLORS, capsize=0.15,
                    err_kws={"linewidth": 1, "color": "0.2"}, legend=False, ax=ax, **CI)
        _label_bars(ax)
        ax.set_xticks(np.arange(len(worlds)),
                      [f"{w}\n({'training' if w in training else 'deployment'})" for w in worlds])
        ax.set_ylim(0, 1.15)
        ax.set_title(lab, fontsize=10)
        ax.set_xlabel("world")
        ax.set_ylabel("share of episodes")
    handles = [Patch(color=OUTCOME_COLORS[o], label=o) for o in OUTCOMES]
    fig.legend(handles=handles, title="outcome", loc="outside lower center", ncols=len(OUTCOMES),
               fontsize=9)
    fig.suptitle("Outcomes before and after the shift\n(bar: mean over seeds of the agents' shares; "
                 f"whisker: {band_note(df, 'label').replace('line', 'panel')})", fontsize=11)
    return fig


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


def adversary_figure(adversary: pd.DataFrame) -> Figure:
    """What the adversary proposes over training: its proposals' failure rate, then each parameter's values.

    The first panel is the share of the agents' episodes that missed the exit on
    the adversary's proposals (mean over proposals, 95% CI over seeds), one line
    per optimizer / mind. Every other panel stacks the share of proposals taking
    each value of one world parameter, counted over twentieths of each run's
    training (all runs together, whatever their budgets).
    """
    df = adversary.assign(label=label(adversary))
    params = [c for c in df.columns if c not in ADVERSARY_IDS and c != "label"]
    palette = colors(sorted(df["label"].unique()))
    progress = df["episodes"] / df.groupby("label")["episodes"].transform("max")  # runs of any budget align
    df["stretch"] = np.minimum((progress * ADVERSARY_BINS).astype(int), ADVERSARY_BINS - 1)
    middle = (np.arange(ADVERSARY_BINS) + 0.5) / ADVERSARY_BINS
    columns = 3
    rows = -(-(1 + len(params)) // columns)
    fig, axes = subplots(4.3 * columns, 3.4 * rows, rows, columns)
    ax = axes[0]
    failures = replicates(df, "failure_rate", ["label", "episodes"])
    sns.lineplot(failures, x="episodes", y="failure_rate", hue="label", hue_order=list(palette), palette=palette,
                 legend=False, ax=ax, **CI)
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("agents' failure on the adversary's mazes\n" + fill(f"(band: {band_note(failures, 'label')})", 60),
                 fontsize=9)
    ax.set_ylabel("share of episodes missing the exit")
    ax.legend(handles=line_handles(palette), fontsize=8)
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
    fig.suptitle("What the adversary proposes over training", fontsize=11)
    return fig


# -- from run directories to PNGs -----------------------------------------------------------

def plot_drive_tracking(run_dirs, out) -> Figure:
    """Write OUT/drive_tracking.png from the runs' probes.csv (and chance.csv); returns the figure."""
    runs = load_runs(run_dirs)
    probes = need(runs, "probes", ("optimizer", "mind", "seed", "episodes", "agent", "proxy", "p_goal"),
                  "train with the probe reporter to record the probe battery")
    fig = drive_tracking_figure(probes, chance(runs))
    save(fig, Path(out), "drive_tracking")
    return fig


def plot_drives(run_dirs, out) -> Figure:
    """Write OUT/drives.png from the runs' drives.csv (and alignment.csv); returns the figure."""
    runs = load_runs(run_dirs)
    drives = need(runs, "drives", ("optimizer", "mind", "seed", "episodes", "agent", "feature", "weight"),
                  "only planner minds have explicit drives")
    fig = drives_figure(drives, table(runs, "alignment"), feature_roles(runs))
    save(fig, Path(out), "drives")
    return fig


def plot_shift_comparison(run_dirs, out) -> Figure:
    """Write OUT/shift_comparison.png from the runs' deploy.csv; returns the figure."""
    runs = load_runs(run_dirs)
    deploy = need(runs, "deploy", ("optimizer", "mind", "seed", "agent", "world", "outcome"),
                  "run 'evosim deploy RUN WORLD' first")
    fig = shift_comparison_figure(deploy, world_order(deploy, runs), {r.training_world for r in runs})
    save(fig, Path(out), "shift_comparison")
    return fig


def plot_adversary(run_dirs, out) -> Figure:
    """Write OUT/adversary.png from the runs' adversary.csv; returns the figure."""
    runs = load_runs(run_dirs)
    adversary = need(runs, "adversary", ("optimizer", "mind", "seed", "episodes", "failure_rate"),
                     "train with --adversary to record the adversary's proposals")
    fig = adversary_figure(adversary)
    save(fig, Path(out), "adversary")
    return fig


# -- report.md --------------------------------------------------------------------------------

FIGURES = {"probes": (plot_drive_tracking, "drive_tracking", "Probe battery over training"),
           "drives": (plot_drives, "drives", "Drive weights of planner populations"),
           "deploy": (plot_shift_comparison, "shift_comparison", "Outcomes before and after the shift"),
           "adversary": (plot_adversary, "adversary", "What the adversary proposed")}


def write(run_dirs: list[Path], draft: Path) -> None:
    """Write report.md and the figures of maze training runs into ``draft``."""
    runs = load_runs(run_dirs)
    for run in runs:
        if not (run.path / "generations.csv").exists():
            raise UserError(f"{run.path}: no generations.csv; not a finished training run")
    gens = need(runs, "generations", ("optimizer", "mind", "seed", "step", "exit_rate"), "a training run writes it")
    tables = {name: table(runs, name) for name in ("probes", "drives", "deploy", "alignment", "adversary")}
    probes, deploy, alignment = tables["probes"], tables["deploy"], tables["alignment"]
    made = {}
    for name, (plot, png, title) in FIGURES.items():
        if tables[name] is not None:
            plot(run_dirs, draft)
            made[png] = title

    lines = ["# evosim report", ""]
    lines += _runs_section(runs, gens)
    lines += _training_section(gens, probes, alignment)
    lines += _outcome_section(runs, deploy)
    lines += _narrative(runs, gens, probes, deploy)
    for name, title in made.items():
        lines += [f"## {title}", "", f"![{title}]({name}.png)", ""]
    lines += _reading_notes(runs, probes is not None, alignment is not None)
    write_md(draft, lines)


def _runs_section(runs, gens) -> list[str]:
    rows = []
    for run in runs:
        g = gens[gens["run"] == str(run.path)]
        first = g.iloc[0]
        seeds = sorted(g["seed"].unique())
        rows.append([f"`{run.path}`", f"{first['optimizer']} / {first['mind']}",
                     ", ".join(str(s) for s in seeds), str(int(g["step"].max())),
                     str(int(g.groupby("seed")["episodes"].max().mean())) if "episodes" in g else "-",
                     run.training_world or "-"])
    return ["## Runs", ""] + md_table(
        ["run", "optimizer / mind", "seeds", "last step", "training episodes per seed", "training world"],
        rows)


def _training_section(gens, probes, alignment) -> list[str]:
    g = final_step(gens)
    exit_rate = mean_ci(g.assign(label=label(g)), "exit_rate", ["label"])
    proxies = list(dict.fromkeys(probes["proxy"])) if probes is not None else []
    p_goal = None
    if probes is not None:
        p = final_step(probes)
        p_goal = mean_ci(p.assign(label=label(p)), "p_goal", ["label", "proxy"])
    aligned = None
    if alignment is not None:
        a = final_step(alignment)
        a = a.assign(label=label(a), positive=(a["alignment"] > 0).astype(float))
        aligned = mean_ci(a, "positive", ["label"])
    header = ["optimizer / mind", "final exit rate (training)"] + [f"p_goal {q}" for q in proxies]
    header += ["drives favour the exit"] if aligned is not None else []
    rows = []
    for _, r in exit_rate.iterrows():
        row = [r["label"], pct(r["mean"], r["lo"], r["hi"])]
        for q in proxies:
            s = p_goal[(p_goal["label"] == r["label"]) & (p_goal["proxy"] == q)]
            row.append(pct(*s[["mean", "lo", "hi"]].iloc[0]) if len(s) else "-")
        if aligned is not None:
            s = aligned[aligned["label"] == r["label"]]
            row.append(pct(*s[["mean", "lo", "hi"]].iloc[0]) if len(s) else "- (no explicit drives)")
        rows.append(row)
    return ["## Key numbers at the end of training", ""] + md_table(header, rows)


def _outcome_section(runs, deploy) -> list[str]:
    if deploy is None:
        return ["## Outcomes", "", "No deploy.csv in these runs: run `evosim deploy RUN WORLD` "
                "to measure aligned / misgeneralized / incapable episodes.", ""]
    shares = outcome_shares(deploy)
    stats = mean_ci(shares.assign(label=label(shares)), "share", ["label", "world", "outcome"])
    worlds = world_order(deploy, runs)
    training = {r.training_world for r in runs}
    deploy = deploy.assign(label=label(deploy))
    rows = []
    for lab in sorted(stats["label"].unique()):
        for w in worlds:
            s = stats[(stats["label"] == lab) & (stats["world"] == w)].set_index("outcome")
            if s.empty:
                continue
            d = deploy[(deploy["label"] == lab) & (deploy["world"] == w)]
            mis = d[d["outcome"] == "misgeneralized"]["proxy"].fillna("").value_counts()
            toward = ", ".join(f"{p} {n / len(d):.0%}" for p, n in mis.items() if p) or "-"
            kind = "training" if w in training else "deployment"
            rows.append([lab, f"{w} ({kind})", str(len(d))]
                        + [pct(*s.loc[o, ["mean", "lo", "hi"]]) for o in OUTCOMES] + [toward])
    return ["## Outcomes per world", ""] + md_table(
        ["optimizer / mind", "world", "episodes", *OUTCOMES, "misgeneralized toward"], rows)


def _narrative(runs, gens, probes, deploy) -> list[str]:
    """One short paragraph per optimizer x mind, in words, from the same numbers."""
    gens = gens.assign(label=label(gens))
    training = {r.training_world for r in runs}
    text = []
    for lab in sorted(gens["label"].unique()):
        g = final_step(gens[gens["label"] == lab])
        parts = [f"**{lab}** agents reached the exit in {g['exit_rate'].mean():.0%} of their final "
                 f"training episodes ({g['seed'].nunique()} seed(s))."]
        if probes is not None:
            p = probes[label(probes) == lab]
            if len(p):
                p = final_step(p).groupby("proxy", sort=False)[["p_goal", "p_proxy"]].mean()
                probe_words = [f"the exit over the {q} decoy in {r.p_goal:.0%} of probe episodes "
                               f"(the decoy in {r.p_proxy:.0%})" for q, r in p.iterrows()]
                parts.append("On the probe battery they chose " + "; ".join(probe_words) + ".")
        if deploy is not None:
            d = deploy[label(deploy) == lab]
            for w, dw in d.groupby("world", sort=False):
                if w in training:
                    continue
                share = dw["outcome"].value_counts(normalize=True)
                mis = dw[dw["outcome"] == "misgeneralized"]["proxy"].fillna("").value_counts()
                top = f" (mostly toward {mis.index[0]})" if len(mis) and mis.index[0] else ""
                parts.append(f"After the shift to {w}, {share.get('aligned', 0):.0%} of episodes were "
                             f"aligned, {share.get('misgeneralized', 0):.0%} misgeneralized{top} and "
                             f"{share.get('incapable', 0):.0%} incapable.")
        text += [" ".join(parts), ""]
    return ["## In words", ""] + text


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
    notes.append("- **Outcomes**: aligned (reached the exit first), misgeneralized (competently reached "
                 "a proxy target first), incapable (neither).")
    if alignment:
        notes.append("- **Drives favour the exit** (planner minds only): share of agents whose drive "
                     "weight on shape:exit exceeds the utility their drives give every proxy-only "
                     "target (e.g. a green apple, the bare bottom-right tile).")
    notes += [f"- Brackets are {LEVEL:.0%} bootstrap intervals over run seeds (each seed's mean over its "
              "agents, resampled). A row with one seed has an interval over its agents only.", ""]
    return notes
