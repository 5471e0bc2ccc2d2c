"""The report's learned planning: thinking steps, target probes over training and steering (``evosim planning``).

Each ``*_figure`` function takes one of the tables ``evosim planning`` writes
(thinking.csv, target_probes.csv, steering.csv, read from labelled runs) and
draws a line per report line with its 95% CI over seeds; each ``plot_*``
function reads run directories as :mod:`evosim.analysis.training_report`'s do.
:func:`section` is report.md's "Learned planning": a table per measurement,
what it shows in words, and the probe-based drive estimate (decoded green minus
exit accuracy) set beside each seed's misgeneralization in deploy.csv.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure, SubFigure
from matplotlib.lines import Line2D
from scipy.stats import pearsonr

from evosim.analysis.competence import BELOW, legend, lines_below
from evosim.analysis.labels import labelled_runs
from evosim.analysis.markdown import md_table, pct, points
from evosim.analysis.outcomes import DECISIVE, outcome_shares, scoped
from evosim.analysis.stats import CI, LEVEL, UNIT, band_note, mean_ci, replicates
from evosim.analysis.style import EPISODES_LABEL, colors, save, subplots
from evosim.analysis.tables import Run, check_columns, final_step, need
from evosim.runs.rundir import FIGURE_FORMATS

HINT = "run 'evosim planning RUN WORLD' first"
#: The columns each table must have, by table.
COLUMNS = {"thinking": ("optimizer", "mind", "seed", "agent", "world", "size", "thinking", "decisive_episodes",
                        "aligned", "misgeneralized"),
           "target_probes": ("optimizer", "mind", "seed", "agent", "step", "episodes", "world", "target", "accuracy",
                             "untrained", "best_guess"),
           "steering": ("optimizer", "mind", "seed", "agent", "world", "coefficient", "p_green_first",
                        "decisive_episodes")}
TABLES = tuple(COLUMNS)
#: What each probe decodes: the first move toward ...
TARGET_WORDS = {"first": "the target the agent reaches first", "exit": "the exit",
                "green": "the nearest green object"}
#: The steering vector's coefficients in words.
COEFFICIENT_WORDS = {-1.0: "subtracted", 0.0: "none", 1.0: "added"}
THINKING_SHARES = {"aligned": "-", "misgeneralized": (4, 2)}  # each share's line style in the thinking figure
MIN_WIDTH = 9.5  # inches: room for a figure's title and legend
DRIVE = "decoded drive"  # per seed: final accuracy of the green probe minus the exit probe's


def decisive(df: pd.DataFrame) -> pd.DataFrame:
    """The agents' rows that had decisive episodes (the others have no shares)."""
    return df[df["decisive_episodes"] > 0]


def coefficient_name(c: float) -> str:
    """A steering coefficient in words: ``subtracted (-1)``, ``none (0)``, ``added (+1)``."""
    value = f"{c:+g}" if c else "0"
    return f"{COEFFICIENT_WORDS[c]} ({value})" if c in COEFFICIENT_WORDS else value


def _palette(df: pd.DataFrame, lines: list[str] | None) -> dict[str, tuple]:
    """One colour per line, over all the report's ``lines`` (so a line has its colour in every figure)."""
    return colors(lines or sorted(df["label"].unique()))


def _line_legend(fig, palette: dict, df: pd.DataFrame, below: set[str], extra: list[Line2D] = ()) -> None:
    """The figure's legend: the lines it shows (below competence marked), then ``extra`` entries."""
    shown = {name: c for name, c in palette.items() if name in set(df["label"])}
    handles = legend(shown, below, marker="o", markersize=3) + list(extra)
    fig.legend(handles=handles, title="line", loc="outside lower center", fontsize=9,
               ncols=max(min(len(handles), 2 if below else 4), 1))


# -- figures --------------------------------------------------------------------------------

def thinking_figure(thinking: pd.DataFrame, lines: list[str] | None = None, below: set[str] = frozenset(),
                    fig: Figure | SubFigure | None = None) -> Figure:
    """Decisive exit rate (aligned share, solid) and misgeneralized share (dashed) against extra thinking ticks:
    a row of panels per world, one per maze size, a line per report line with a 95% CI band over seeds.

    A network that plans reaches its goal more often, and in bigger mazes, when it may think longer."""
    rows = decisive(thinking).melt(id_vars=["label", "run", "seed", "agent", "world", "size", "thinking"],
                                   value_vars=list(THINKING_SHARES), var_name="share of", value_name="share")
    df = replicates(rows, "share", ["label", "world", "size", "thinking", "share of"])
    worlds = list(dict.fromkeys(thinking["world"]))
    sizes = {w: sorted(thinking[thinking["world"] == w]["size"].unique()) for w in worlds}
    ncols = max(len(s) for s in sizes.values())
    palette = _palette(thinking, lines)
    fig, axes = subplots(max(4.2 * ncols + 0.6, MIN_WIDTH), 3.6 * len(worlds) + 1.6, len(worlds), ncols, fig,
                         sharey=True)
    for i, world in enumerate(worlds):
        for j, ax in enumerate(axes[i * ncols:(i + 1) * ncols]):
            if j >= len(sizes[world]):
                ax.set_visible(False)
                continue
            size = sizes[world][j]
            here = df[(df["world"] == world) & (df["size"] == size)]
            if len(here):
                sns.lineplot(here, x="thinking", y="share", hue="label", style="share of", hue_order=list(palette),
                             style_order=list(THINKING_SHARES), dashes={k: "" if v == "-" else v
                                                                        for k, v in THINKING_SHARES.items()},
                             palette=palette, marker="o", markersize=3, markeredgewidth=0, legend=False, ax=ax, **CI)
            ax.set_xticks(sorted(thinking["thinking"].unique()))
            ax.set_ylim(-0.03, 1.03)
            n = decisive(thinking[(thinking["world"] == world) & (thinking["size"] == size)])
            ax.set_title(f"{world}, size {size}\n({band_note(here, 'label') if len(here) else 'no decisive episode'})"
                         if len(n) else f"{world}, size {size}\n(no decisive episode)", fontsize=9)
            ax.set_xlabel("extra thinking ticks before the first move")
            ax.set_ylabel("share of decisive episodes")
    styles = [Line2D([], [], color="0.3", linestyle="-" if v == "-" else (0, v),
                     label="exit rate (aligned)" if k == "aligned" else k) for k, v in THINKING_SHARES.items()]
    _line_legend(fig, palette, thinking, below, styles)
    fig.suptitle("Thinking steps: does more thinking before the first move help, the more so in bigger mazes?\n"
                 "(line: mean over seeds of the agents' shares over decisive episodes)", fontsize=11)
    return fig


def target_probes_figure(probes: pd.DataFrame, lines: list[str] | None = None, below: set[str] = frozenset(),
                         fig: Figure | SubFigure | None = None) -> Figure:
    """Held-out accuracy of the linear target probes over training: a row of panels per world, one per target, a
    line per report line with a 95% CI band over seeds; dotted, the same probe on an untrained network that saw
    what the agents saw (the chance level, on the same decisions); dashed, the best single guess (the most common
    move's share)."""
    known = probes.dropna(subset=["accuracy", "episodes"])
    df = replicates(known, "accuracy", ["label", "world", "target", "episodes"])
    guess = replicates(known.dropna(subset=["best_guess"]), "best_guess", ["label", "world", "target", "episodes"])
    untrained = replicates(known.dropna(subset=["untrained"]), "untrained", ["label", "world", "target", "episodes"])
    worlds = list(dict.fromkeys(probes["world"]))
    targets = list(dict.fromkeys(probes["target"]))
    palette = _palette(probes, lines)
    fig, axes = subplots(4.4 * len(targets) + 0.6, 3.7 * len(worlds) + 1.6, len(worlds), len(targets), fig,
                         sharey=True)
    for ax, (world, target) in zip(axes, [(w, t) for w in worlds for t in targets]):
        here = df[(df["world"] == world) & (df["target"] == target)]
        if len(here):
            sns.lineplot(here, x="episodes", y="accuracy", hue="label", hue_order=list(palette), palette=palette,
                         marker="o", markersize=3, markeredgewidth=0, legend=False, ax=ax, **CI)
            sns.lineplot(guess[(guess["world"] == world) & (guess["target"] == target)], x="episodes",
                         y="best_guess", hue="label", hue_order=list(palette), palette=palette, linestyle="--",
                         linewidth=1, errorbar=None, legend=False, ax=ax)
            sns.lineplot(untrained[(untrained["world"] == world) & (untrained["target"] == target)],
                         x="episodes", y="untrained", hue="label", hue_order=list(palette), palette=palette,
                         linestyle=":", linewidth=1.2, errorbar=None, legend=False, ax=ax)
        ax.set_ylim(-0.03, 1.03)
        words = TARGET_WORDS.get(target, target)
        note = band_note(here, "label") if len(here) else "too few held-out decisions to score"
        ax.set_title(f"{target} ({world}): the first move toward\n{words}\n({note})", fontsize=9)
        ax.set_xlabel(EPISODES_LABEL)
        ax.set_ylabel("held-out probe accuracy")
    guess_line = Line2D([], [], color="0.3", linestyle="--", linewidth=1,
                        label="best single guess (the most common move)")
    chance = Line2D([], [], color="0.3", linestyle=":", linewidth=1.2,
                    label="an untrained network seeing the same (chance)")
    _line_legend(fig, palette, probes, below, [guess_line, chance])
    fig.suptitle("Target probes: does the hidden state come to encode where the agent is heading?\n(line: mean over "
                 "seeds of the agents' held-out accuracy; dotted: the same probe on an untrained network that saw "
                 "what the agent saw, at the same decisions)", fontsize=11)
    return fig


def steering_figure(steering: pd.DataFrame, lines: list[str] | None = None, below: set[str] = frozenset(),
                    fig: Figure | SubFigure | None = None) -> Figure:
    """p(green first) over decisive episodes with the green vector subtracted, not added, and added: a panel per
    world, a line per report line with 95% CI whiskers over seeds."""
    df = replicates(steering.dropna(subset=["p_green_first"]), "p_green_first", ["label", "world", "coefficient"])
    df["steering"] = df["coefficient"].map(coefficient_name)
    order = [coefficient_name(c) for c in sorted(steering["coefficient"].unique())]
    worlds = list(dict.fromkeys(steering["world"]))
    palette = _palette(steering, lines)
    fig, axes = subplots(max(4.6 * len(worlds) + 0.6, MIN_WIDTH), 5.0, 1, len(worlds), fig, sharey=True)
    for ax, world in zip(axes, worlds):
        here = df[df["world"] == world]
        if len(here):
            sns.pointplot(here, x="steering", y="p_green_first", hue="label", order=order, hue_order=list(palette),
                          palette=palette, dodge=0.25, markersize=4, linewidth=1.2, capsize=0.08, legend=False,
                          ax=ax, **CI)
        ax.set_ylim(-0.03, 1.03)
        ax.set_title(f"{world}\n({band_note(here, 'label') if len(here) else 'no decisive episode'})", fontsize=9)
        ax.set_xlabel("green vector")
        ax.set_ylabel("p(green first): a green object before the exit")
    _line_legend(fig, palette, steering, below)
    fig.suptitle("Steering: adding or subtracting the hidden-state difference green objects make\n(point: mean over "
                 "seeds of the agents' shares of decisive episodes; whisker: 95% CI over seeds)", fontsize=11)
    return fig


# -- from run directories to figure files -----------------------------------------------

def _planning(run_dirs, labels: list[str] | None, name: str) -> tuple[pd.DataFrame, list[str], set[str]]:
    """The runs' ``name`` table, every line of the runs (for the colours) and the lines below competence."""
    runs = labelled_runs(run_dirs, labels)
    df = need(runs, name, COLUMNS[name], HINT)
    return df, sorted({run.label for run in runs}), lines_below(runs)


def plot_thinking_steps(run_dirs, out=None, labels: list[str] | None = None,
                        fig: Figure | SubFigure | None = None, fmt: str = FIGURE_FORMATS[0]) -> Figure:
    """The thinking-steps measurement from the runs' thinking.csv, drawn into ``fig`` (or a figure of its own);
    written to OUT/thinking_steps.FMT when ``out`` is given. Returns the figure."""
    fig = thinking_figure(*_planning(run_dirs, labels, "thinking"), fig)
    save(fig, out, "thinking_steps", fmt)
    return fig


def plot_target_probes(run_dirs, out=None, labels: list[str] | None = None,
                       fig: Figure | SubFigure | None = None, fmt: str = FIGURE_FORMATS[0]) -> Figure:
    """The target probes over training from the runs' target_probes.csv, drawn into ``fig`` (or a figure of its
    own); written to OUT/target_probes.FMT when ``out`` is given. Returns the figure."""
    fig = target_probes_figure(*_planning(run_dirs, labels, "target_probes"), fig)
    save(fig, out, "target_probes", fmt)
    return fig


def plot_steering(run_dirs, out=None, labels: list[str] | None = None,
                  fig: Figure | SubFigure | None = None, fmt: str = FIGURE_FORMATS[0]) -> Figure:
    """The steering measurement from the runs' steering.csv, drawn into ``fig`` (or a figure of its own); written
    to OUT/steering.FMT when ``out`` is given. Returns the figure."""
    fig = steering_figure(*_planning(run_dirs, labels, "steering"), fig)
    save(fig, out, "steering", fmt)
    return fig


#: Each figure of the section: how it is drawn, its title, and the table it needs.
FIGURES = {"thinking_steps": (plot_thinking_steps, "Learned planning: thinking steps", "thinking"),
           "target_probes": (plot_target_probes, "Learned planning: target probes over training", "target_probes"),
           "steering": (plot_steering, "Learned planning: steering by the green vector", "steering")}


# -- report.md --------------------------------------------------------------------------------

def _cell(stats: pd.DataFrame, key: tuple, show=pct) -> str:
    """A mean [CI] from :func:`~evosim.analysis.stats.mean_ci` rows indexed by their groups, ``-`` where none."""
    return show(*stats.loc[key, ["mean", "lo", "hi"]]) if key in stats.index else "-"


def _clear(stats: pd.DataFrame, key: tuple) -> bool:
    """Whether the difference at ``key`` is above 0 with its whole CI."""
    return key in stats.index and stats.loc[key, "lo"] > 0


def _change(df: pd.DataFrame, value: str, column: str, before, after, keys: list[str]) -> pd.DataFrame:
    """Per agent (``keys`` and run, seed, agent): ``value`` at ``column`` == ``after`` minus at ``before``."""
    wide = df.pivot_table(index=keys + UNIT + ["agent"], columns=column, values=value, aggfunc="mean")
    if before not in wide or after not in wide:
        return pd.DataFrame(columns=keys + UNIT + ["agent", "change"])
    return (wide[after] - wide[before]).dropna().rename("change").reset_index()


def thinking_table(thinking: pd.DataFrame) -> tuple[list[str], list[str]]:
    """report.md's thinking table (exit rate without thinking, with the most, and the change, per line, world
    and size) and what it shows per line."""
    df = decisive(thinking)
    least, most = (int(df["thinking"].min()), int(df["thinking"].max())) if len(df) else (0, 0)
    keys = ["label", "world", "size"]
    rates = mean_ci(df, "aligned", keys + ["thinking"]).set_index(keys + ["thinking"])
    change = mean_ci(_change(df, "aligned", "thinking", least, most, keys), "change", keys).set_index(keys)
    rows, words = [], []
    for key, g in df.groupby(keys, sort=True):
        rows.append([*map(str, key), str(int(g.groupby(UNIT + ["agent"])["decisive_episodes"].first().sum())),
                     _cell(rates, (*key, least)), _cell(rates, (*key, most)), _cell(change, key, points)])
    for label, g in df.groupby("label", sort=True):
        helped = [f"size {s} in {w}" for w, s in g[["world", "size"]].drop_duplicates().itertuples(index=False)
                  if _clear(change, (label, w, s))]
        more = f"thinking {most} extra ticks rather than {least} raised the exit rate"
        words.append(f"**{label}**: " + (f"{more} at {', '.join(helped)} (the whole CI above 0), the signature of "
                                         "a network that plans" if helped else
                                         f"{more} at no size beyond its CI: no sign that it plans") + ".")
    header = ["line", "world", "size", "decisive episodes", f"exit rate, thinking {least}", f"exit rate, thinking {most}",
              "change"]
    return md_table(header, rows), words


def probes_table(probes: pd.DataFrame) -> tuple[list[str], list[str]]:
    """report.md's probe table (each target's accuracy at the last step, an untrained network's on the same
    decisions, and the gain, per line and world) and what it shows per line."""
    last = final_step(probes.dropna(subset=["accuracy", "untrained"]))
    keys = ["label", "world", "target"]
    first = mean_ci(last, "untrained", keys).set_index(keys)
    final = mean_ci(last, "accuracy", keys).set_index(keys)
    guess = mean_ci(last.dropna(subset=["best_guess"]), "best_guess", keys).set_index(keys)
    gain = mean_ci(last.assign(change=last["accuracy"] - last["untrained"]), "change", keys).set_index(keys)
    rows, words = [], []
    targets = list(dict.fromkeys(probes["target"]))
    for label, world in probes[["label", "world"]].drop_duplicates().sort_values(["label", "world"]).itertuples(
            index=False):
        for target in targets:
            key = (label, world, target)
            rows.append([label, world, target, _cell(first, key), _cell(final, key), _cell(guess, key),
                         _cell(gain, key, points)])
        above = [t for t in targets if _clear(gain, (label, world, t))]
        words.append(f"**{label}** in {world}: " + (
            f"the {', '.join(above)} probe(s) decode above the untrained network's level (the whole CI of the gain "
            "above 0): training put where the agent is heading into its hidden state" if above else
            "no probe decodes above the untrained network's level beyond the CI") + ".")
    header = ["line", "world", "target", "an untrained network's accuracy (chance)", "the agents' accuracy",
              "best single guess", "gain over chance"]
    return md_table(header, rows), words


def steering_table(steering: pd.DataFrame) -> tuple[list[str], list[str]]:
    """report.md's steering table (p(green first) at every coefficient and added minus subtracted, per line and
    world) and what it shows per line."""
    df = steering.dropna(subset=["p_green_first"])
    keys = ["label", "world"]
    p = mean_ci(df, "p_green_first", keys + ["coefficient"]).set_index(keys + ["coefficient"])
    coefficients = sorted(steering["coefficient"].unique())
    low, high = coefficients[0], coefficients[-1]
    moved = mean_ci(_change(df, "p_green_first", "coefficient", low, high, keys), "change", keys).set_index(keys)
    rows, words = [], []
    for key in steering[keys].drop_duplicates().sort_values(keys).itertuples(index=False):
        rows.append([*key] + [_cell(p, (*key, c)) for c in coefficients] + [_cell(moved, tuple(key), points)])
        words.append(f"**{key[0]}** in {key[1]}: {_steered(moved, tuple(key))}.")
    header = ["line", "world"] + [f"p(green first), {coefficient_name(c)}" for c in coefficients] + [
        f"{coefficient_name(high)} minus {coefficient_name(low)}"]
    return md_table(header, rows), words


def _steered(moved: pd.DataFrame, key: tuple) -> str:
    """In words, whether adding rather than subtracting the green vector moved p(green first) beyond its CI."""
    if key not in moved.index:
        return "no seed had decisive episodes at both ends of the steering"
    lo, hi = moved.loc[key, ["lo", "hi"]]
    if lo > 0:
        return ("steering moved behaviour: with the green vector added it goes for green more than with it "
                "subtracted (the whole CI above 0), so the vector is a direction the network acts on")
    if hi < 0:
        return "steering moved behaviour, but against the vector: added, it goes for green less (the whole CI below 0)"
    return "steering did not move behaviour beyond the CI"


def drive_estimates(probes: pd.DataFrame, deploy: pd.DataFrame | None) -> pd.DataFrame:
    """Per run, seed and probe world: the decoded drive (final accuracy of the green probe minus the exit probe's,
    mean over the seed's agents) and the seed's misgeneralized share of decisive episodes in that world in
    deploy.csv (mean over its agents; NaN where it was not deployed there)."""
    last = final_step(probes.dropna(subset=["accuracy"]))
    acc = last.pivot_table(index=["label", "world"] + UNIT + ["agent"], columns="target", values="accuracy")
    if "green" not in acc or "exit" not in acc:
        return pd.DataFrame(columns=["label", "world", *UNIT, DRIVE, "misgeneralized"])
    drive = (acc["green"] - acc["exit"]).dropna().rename(DRIVE).reset_index()
    drive = drive.groupby(["label", "world"] + UNIT, as_index=False)[DRIVE].mean()
    if deploy is None:
        return drive.assign(misgeneralized=np.nan)
    shares = outcome_shares(scoped(deploy, "decisive"), DECISIVE)
    mis = replicates(shares[shares["outcome"] == "misgeneralized"], "share", ["label", "world"])
    mis = mis.groupby(["label", "world"] + UNIT, as_index=False)["share"].mean()
    return drive.merge(mis.rename(columns={"share": "misgeneralized"}), how="left", on=["label", "world"] + UNIT)


def correlation(x: np.ndarray, y: np.ndarray) -> str:
    """Pearson's r of ``x`` and ``y`` with its 95% CI (Fisher's) and n, or why there is none."""
    n = len(x)
    if n < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        why = "fewer than 3 seeds" if n < 3 else "one of them is the same in every seed"
        return f"Pearson's r is undefined here (n = {n} seeds; {why})"
    result = pearsonr(x, y)
    ci = result.confidence_interval(LEVEL)
    return f"Pearson's r = {result.statistic:+.2f} [{ci.low:+.2f}, {ci.high:+.2f}] ({LEVEL:.0%} CI), n = {n} seeds"


def drive_section(probes: pd.DataFrame, deploy: pd.DataFrame | None) -> list[str]:
    """The probe-based drive estimate per seed beside its misgeneralization, with their correlation over seeds."""
    est = drive_estimates(probes, deploy)
    lines = ["### A drive read from the probes", "",
             "A planner's drive toward green can be read off its weights; a network's cannot, but its probes can "
             f"stand in: the **{DRIVE}** is the final accuracy of the green probe minus the exit probe's (mean over "
             "a seed's agents), set beside that seed's misgeneralized share of decisive episodes after deployment to "
             "the same world. If the probes read the network's goal, seeds that decode green better should "
             "misgeneralize more.", ""]
    if est.empty:
        return lines + ["No run's probes scored both the green and the exit target.", ""]
    rows = [[r["label"], r["world"], f"`{r['run']}`", str(int(r["seed"])), f"{r[DRIVE]:+.2f}",
             "- (not deployed there)" if np.isnan(r["misgeneralized"]) else f"{r['misgeneralized']:.0%}"]
            for _, r in est.iterrows()]
    lines += md_table(["line", "world", "run", "seed", DRIVE, "misgeneralized (deploy.csv)"], rows)
    for world, g in est.dropna(subset=["misgeneralized"]).groupby("world", sort=False):
        lines += [f"In {world}, over seeds pooled across the runs: "
                  f"{correlation(g[DRIVE].to_numpy(float), g['misgeneralized'].to_numpy(float))}.", ""]
    if est["misgeneralized"].isna().all():
        lines += ["No seed was deployed in its probes' world: run `evosim deploy RUN WORLD` there to compare.", ""]
    return lines


def section(runs: list[Run], tables: dict[str, pd.DataFrame | None], below: set[str]) -> list[str]:
    """report.md's "Learned planning" from the runs' ``tables`` (by name: those of :data:`TABLES`, and deploy): per
    measurement the runs have, a table of mean [95% CI over seeds] per line and what it shows in words; then the
    probe-based drive estimate. None when no run was measured."""
    measured = {name: check_columns(tables[name], runs, name, COLUMNS[name]) for name in TABLES
                if tables[name] is not None}
    if not measured:
        return []
    lines = ["## Learned planning", "",
             "`evosim planning RUN WORLD` measured the networks for the signatures of a network that plans rather "
             "than follows heuristics: more thinking helps, the more so in bigger mazes; where it is heading decodes "
             "from its hidden state above the untrained network's level; and adding the hidden-state direction of "
             "a goal moves behaviour. Means over seeds of the agents' values, with their "
             f"{LEVEL:.0%} CI over seeds; a change is per agent, in percentage points. The figures are below.", ""]
    shown = set().union(*(set(df["label"]) for df in measured.values()))
    for name, title, make, what in PARTS:
        if name in measured:
            rows, words = make(measured[name])
            lines += [f"### {title}", "", f"The {what}:", ""] + rows + [" ".join(words), ""]
    unthinking = sorted(shown - set(measured["thinking"]["label"]) if "thinking" in measured else shown)
    if unthinking:
        lines += [f"No thinking steps for {', '.join(unthinking)}: a feed-forward network has no state to think "
                  "with.", ""]
    if "target_probes" in measured:
        lines += drive_section(measured["target_probes"], tables["deploy"])
    lines += [f"{name} is {BELOW}: its agents seldom reach anything, so none of these signatures can show there."
              for name in sorted(below & shown)]
    return lines + [""]


#: The section's measurements: table, title, how its table and words are made, and what the table shows.
PARTS = (("thinking", "Thinking steps", thinking_table, "exit rate over decisive episodes at each maze size with the "
          "fewest extra thinking ticks before the first move and with the most (recurrent networks only; a "
          "feed-forward network has no state to think with)"),
         ("target_probes", "Target probes", probes_table, "held-out accuracy of linear probes decoding the first move "
          "toward each target from the hidden state at the last snapshot, and of the same probes on an untrained network "
          "that saw what the agents saw, at the same decisions (chance)"),
         ("steering", "Steering", steering_table, "share of decisive episodes reaching a green object before the "
          "exit, with the green vector subtracted, not added, and added"))
