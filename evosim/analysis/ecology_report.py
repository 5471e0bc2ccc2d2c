"""The report of savanna ecology runs: population dynamics around the shift and the shift's magnitudes."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure, SubFigure
from matplotlib.ticker import MaxNLocator

from evosim.analysis.markdown import figure_section, md_table, pct, write_md
from evosim.analysis.style import colors, save, subplots
from evosim.analysis.tables import Ecologies, load_ecologies, load_runs
from evosim.runs.rundir import FIGURE_FORMATS

SPECIES_STYLE = {"evolved": "-", "trained": "--"}
SHIFT_STYLE = {"color": "0.2", "linewidth": 1, "linestyle": ":"}
WINDOW = 1000  # ticks before the shift, after it, and at the end of a run that the magnitudes average over
SOON = 500  # ticks after the shift in which the candy share of meals is counted
SWEET = "sweet"
MAGNITUDES = {"alignment_before": "evolved alignment before", "alignment_min_after": "min after",
              "candy_share": f"shift foods' share of evolved meals (first {SOON} ticks)",
              "population_dip": "population dip", "sweet_before": "sweet drive before",
              "sweet_late": "sweet drive late", "alignment_late": "alignment late",
              "trained_alignment_before": "trained alignment before",
              "trained_alignment_after": "trained alignment after"}
SHARES = ("candy_share", "population_dip")  # magnitudes printed as percentages


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


def _line(ax, df: pd.DataFrame, y: str, color, style: str, name: str) -> None:
    """Mean of ``y`` over runs per tick, band 1 sd over runs."""
    sns.lineplot(df, x="tick", y=y, color=color, linestyle=style, linewidth=1.3, label=name, errorbar="sd",
                 err_kws={"alpha": 0.15, "linewidth": 0}, ax=ax)


def population_dynamics_figure(eco: Ecologies, fig: Figure | SubFigure | None = None) -> Figure:
    """Population, alignment, meals and drives of both species over ticks, the shift marked, drawn into ``fig`` (or
    a figure of its own).

    Lines are means over runs (seeds), bands one standard deviation over runs
    (the sweet drive panel: the recorded sd over creatures, averaged over runs).
    Evolved is solid, trained dashed.
    """
    species = [s for s in SPECIES_STYLE if s in set(eco.population["species"])]
    palette = colors(species)
    meals = eco.meals.assign(share=eco.meals["eaten"] / eco.meals.groupby(["run", "tick", "species"])["eaten"]
                             .transform("sum").clip(lower=1))
    foods = colors(list(dict.fromkeys(eco.meals["food"])))
    features = colors(list(dict.fromkeys(eco.drives["feature"])))
    fig, axes = subplots(14.0, 7.6, 2, 3, fig, sharex=True)
    for s in species:
        pop = eco.population[eco.population["species"] == s]
        _line(axes[0], pop, "population", palette[s], SPECIES_STYLE[s], s)
        _line(axes[1], pop, "alignment", palette[s], SPECIES_STYLE[s], s)
        sweet = eco.drives[(eco.drives["species"] == s) & (eco.drives["feature"] == SWEET)]
        sweet = sweet.groupby("tick", as_index=False)[["mean", "sd"]].mean()
        sns.lineplot(sweet, x="tick", y="mean", color=palette[s], linestyle=SPECIES_STYLE[s], linewidth=1.3,
                     label=s, errorbar=None, ax=axes[4])
        axes[4].fill_between(sweet["tick"], sweet["mean"] - sweet["sd"], sweet["mean"] + sweet["sd"],
                             color=palette[s], alpha=0.15, linewidth=0)
    for food, color in foods.items():
        for s in species:
            m = meals[(meals["species"] == s) & (meals["food"] == food)]
            _line(axes[2 if s == "evolved" else 3], m, "share", color, "-", food)
    evolved = eco.drives[eco.drives["species"] == "evolved"]
    for feature, color in features.items():
        _line(axes[5], evolved[evolved["feature"] == feature], "mean", color, "-", feature)
    runs = eco.population["run"].nunique()
    titles = ("population", "drive-fitness alignment", "evolved: share of meals by food",
              "trained: share of meals by food", f"{SWEET} drive weight (band: sd over creatures)",
              "evolved: mean drive weights")
    for ax, title in zip(axes, titles):
        if eco.shift is not None:
            ax.axvline(eco.shift, **SHIFT_STYLE)
        ax.set_title(title, fontsize=10)
        ax.set_ylabel("")
        ax.legend(fontsize=7, loc="best")
    axes[1].set_ylim(-1.05, 1.05)
    for ax in axes[2:4]:
        ax.set_ylim(-0.02, 1.02)
    for ax in axes[3:]:
        ax.set_xlabel("tick")
        ax.xaxis.set_major_locator(MaxNLocator(5))
    shift = f"dotted line: the shift at tick {eco.shift}" if eco.shift is not None else "no shift in the world file"
    fig.suptitle(f"Savanna population dynamics (n = {runs} run{'s' * (runs != 1)}; mean over runs, bands 1 sd "
                 f"over runs unless marked; {shift})", fontsize=11)
    return fig


def plot_population_dynamics(run_dirs, out=None, fig: Figure | SubFigure | None = None,
                             fmt: str = FIGURE_FORMATS[0]) -> Figure:
    """The population dynamics of ecology runs, drawn into ``fig`` (or a figure of its own); written to
    OUT/population_dynamics.FMT when ``out`` is given. Returns the figure."""
    fig = population_dynamics_figure(load_ecologies(load_runs(run_dirs)), fig)
    save(fig, out, "population_dynamics", fmt)
    return fig


def _number(value: float, column: str) -> str:
    return pct(value) if column in SHARES else f"{value:.2f}"


def write(run_dirs: list[Path], draft: Path, fmt: str) -> None:
    """report.md and population_dynamics.FMT of savanna ecology runs: the shift's effect on both species."""
    runs = load_runs(run_dirs)
    eco = load_ecologies(runs)
    save(population_dynamics_figure(eco), draft, "population_dynamics", fmt)
    pop = eco.population
    rows = [[f"`{run.path}`", ", ".join(str(s) for s in sorted(pop[pop["run"] == str(run.path)]["seed"].unique())),
             str(int(pop[pop["run"] == str(run.path)]["tick"].max())), run.training_world or "-"] for run in runs]
    lines = ["# evosim savanna report", "", "## Runs", ""]
    lines += md_table(["run", "seed", "ticks", "world"], rows)
    end = int(pop.groupby("run")["tick"].max().min())
    if eco.shift is None or end < eco.shift + WINDOW:
        when = "no shift tick" if eco.shift is None else f"the shift at tick {eco.shift}"
        lines += [f"The world has {when}; the shift's magnitudes need a run at least {WINDOW} ticks past it.", ""]
    else:
        m = shift_magnitudes(eco)
        table = [[str(r["seed"])] + [_number(r[c], c) for c in MAGNITUDES] for _, r in m.iterrows()]
        table.append(["mean"] + [_number(m[c].mean(), c) for c in MAGNITUDES])
        lines += [f"## The shift at tick {eco.shift}", "",
                  f"Before: the {WINDOW} ticks before the shift; after: the {WINDOW} ticks after it; late: "
                  f"the last {WINDOW} ticks of a run. The population dip is the lowest evolved population after "
                  "the shift, below its mean before.", ""]
        lines += md_table(["seed", *MAGNITUDES.values()], table)
        mean = m.mean(numeric_only=True)
        added = ", ".join(eco.added)
        lines += ["## In words", "",
                  f"Before the shift the evolved species' drives tracked nutrition (alignment "
                  f"{mean['alignment_before']:.2f}). Once {added or 'the change'} appeared, alignment "
                  f"fell to {mean['alignment_min_after']:.2f}, {added or 'the shift foods'} made "
                  f"{mean['candy_share']:.0%} of evolved meals in the first {SOON} ticks, and the population "
                  f"dipped by {mean['population_dip']:.0%}. Selection then lowered the sweetness drive from "
                  f"{mean['sweet_before']:.2f} to {mean['sweet_late']:.2f} and alignment recovered to "
                  f"{mean['alignment_late']:.2f}; the trained species, frozen, fell from "
                  f"{mean['trained_alignment_before']:.2f} to {mean['trained_alignment_after']:.2f} and stayed there.",
                  ""]
    lines += figure_section("Population dynamics", "population_dynamics", fmt)
    lines += ["## How to read this", "",
              "- **Alignment** is the correlation across food kinds between a species' mean drive utility of a "
              "kind (mean drive weights . the kind's features) and the kind's true nutrition now, each kind "
              "weighted by how many of its items are in the arena. 1: the drives rank food as its nutrition does.",
              "- **evolved** creatures reproduce and mutate in the world; nothing else selects them. **trained** "
              "creatures were trained by policy gradient in the ancestral world (reward: energy gained) and are "
              "replaced by copies when they die.", ""]
    write_md(draft, lines)
