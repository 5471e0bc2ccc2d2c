"""``evosim report``: report.md with the key numbers and the figures of one or more runs.

    evosim report RUN_DIR [RUN_DIR ...] [--out DIR]

writes ``report.md`` and the PNGs of analysis/*.py into ``DIR`` (default: the first
run's ``report/``). A run needs run.json and generations.csv; probes.csv,
drives.csv, alignment.csv and deploy.csv each add a figure and numbers when present.

pandas, seaborn and matplotlib are imported only when a report is written, so the
CLI can import this module cheaply.
"""
from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from evosim.runs import rundir
from evosim.core.errors import UserError
from evosim.core.settings import Settings, setting
from evosim.studies.sweep import ADVERSARY

REPORT_MD = "report.md"


@dataclass(frozen=True)
class ReportSettings(Settings):
    """Settings of ``evosim report``."""

    out: Path | None = setting(None, "where report.md and the figures go (default: RUN_DIR/report of the "
                                     "first run)")


def write_report(run_dirs, out=None) -> Path:
    """Write report.md and its figures for ``run_dirs`` (or one sweep folder); returns the path of report.md.

    Everything is written into a temporary folder beside ``out`` and moved in at
    the end, so a report that fails leaves ``out`` as it was.
    """
    from evosim.analysis import figures as F
    from evosim.studies.sweep import SWEEP_CSV

    if len(run_dirs) == 1 and (Path(run_dirs[0]) / SWEEP_CSV).is_file():
        folder = Path(run_dirs[0])
        data = F.sweep_shares(folder)

        def draft_report(draft: Path) -> None:
            _draft_sweep_report(F, folder, data, draft)
    else:
        runs = F.load_runs([Path(d) for d in run_dirs])
        ecology = [isinstance(rundir.load_run(r.path)["settings"].get("ecology"), dict) for r in runs]
        if any(ecology) and not all(ecology):
            raise UserError(f"{', '.join(str(r.path) for r in runs)}: savanna ecology runs and training runs "
                            "cannot share a report; report them separately")
        if all(ecology):
            eco = F.load_ecologies(runs)

            def draft_report(draft: Path) -> None:
                _draft_ecology_report(F, runs, eco, draft)
        else:
            for run in runs:
                if not (run.path / "generations.csv").exists():
                    raise UserError(f"{run.path}: no generations.csv; not a finished training run")

            def draft_report(draft: Path) -> None:
                _draft_report(F, runs, draft)
    out = Path(out) if out else F.default_out(run_dirs)
    if out.exists() and not out.is_dir():
        raise UserError(f"{out}: --out is a file, not a folder")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        draft = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    except OSError as e:
        raise UserError(f"{out}: cannot write the report there: {e.strerror or e}") from None
    try:
        draft_report(draft)
        rundir.clear_report(out)
        out.mkdir(exist_ok=True)
        names = [path.name for path in draft.iterdir()]
        rundir.record_report(out, names)
        for name in names:
            (draft / name).replace(out / name)
    finally:
        shutil.rmtree(draft, ignore_errors=True)
    return out / REPORT_MD


def _draft_sweep_report(F, folder: Path, data, out: Path) -> None:
    """report.md and diversity.png of a sweep: outcomes in its deployment world against its world axis."""
    shares, axis, worlds = data
    world = worlds[-1]
    F.diversity_figure(shares, axis, world).savefig(out / "diversity.png")
    stats = F.mean_ci(shares[shares["world"] == world], "share", ["arm", axis, "outcome"])
    cell = stats.set_index(["arm", axis, "outcome"])
    arms, values = sorted(shares["arm"].unique()), sorted(shares[axis].unique())
    columns = ("misgeneralized", F.COLOR_MISGENERALIZED, "aligned", "incapable")
    shown = {v: ({0: "without", 1: "with"}[v] if axis == ADVERSARY else f"{v:g}") for v in values}
    rows = [[arm, shown[v]] + [_pct(*cell.loc[(arm, v, c), ["mean", "lo", "hi"]]) for c in columns]
            for arm in arms for v in values if (arm, v, "aligned") in cell.index]
    seeds = shares.groupby(["arm", axis])["seed"].nunique().min()
    lines = ["# evosim sweep report", "",
             f"Sweep `{folder}`: {len(shares.groupby(['arm', axis]))} complete cells, {len(arms)} arms x "
             f"{len(values)} values of `{axis}`, at least {seeds} seeds per cell. Outcomes in **{world}** "
             "(mean over seeds and agents, 95% CI over seeds, then agents):", ""]
    lines += _md_table(["arm", axis, *columns], rows)
    lines += [f"Where colour misgeneralization (misgeneralized toward the training exit's colour) falls "
              f"below 5% in {world}:", ""]
    for arm in arms:
        below = [v for v in values if (arm, v, F.COLOR_MISGENERALIZED) in cell.index
                 and cell.loc[(arm, v, F.COLOR_MISGENERALIZED), "mean"] < 0.05]
        aligned = cell.loc[(arm, below[0], "aligned"), "mean"] if below else None
        lines.append(f"- {arm}: " + (f"from `{axis}` = {shown[below[0]]} (aligned there: {aligned:.0%})"
                                     if below else "at no value swept"))
    lines += ["", "## Training diversity against goal misgeneralization", "", "![diversity](diversity.png)", ""]
    (out / REPORT_MD).write_text("\n".join(lines).rstrip("\n") + "\n")


def _draft_ecology_report(F, runs, eco, out: Path) -> None:
    """report.md and population_dynamics.png of savanna ecology runs: the shift's effect on both species."""
    F.population_dynamics_figure(eco).savefig(out / "population_dynamics.png")
    pop = eco.population
    rows = [[f"`{run.path}`", ", ".join(str(s) for s in sorted(pop[pop["run"] == str(run.path)]["seed"].unique())),
             str(int(pop[pop["run"] == str(run.path)]["tick"].max())), run.training_world or "-"] for run in runs]
    lines = ["# evosim savanna report", "", "## Runs", ""]
    lines += _md_table(["run", "seed", "ticks", "world"], rows)
    end = int(pop.groupby("run")["tick"].max().min())
    if eco.shift is None or end < eco.shift + F.WINDOW:
        when = "no shift tick" if eco.shift is None else f"the shift at tick {eco.shift}"
        lines += [f"The world has {when}; the shift's magnitudes need a run at least {F.WINDOW} ticks past it.", ""]
    else:
        m = F.shift_magnitudes(eco)
        columns = {"alignment_before": "evolved alignment before", "alignment_min_after": "min after",
                   "candy_share": f"shift foods' share of evolved meals (first {F.SOON} ticks)",
                   "population_dip": "population dip", "sweet_before": "sweet drive before",
                   "sweet_late": "sweet drive late", "alignment_late": "alignment late",
                   "trained_alignment_before": "trained alignment before",
                   "trained_alignment_after": "trained alignment after"}
        table = [[str(r["seed"])] + [_number(r[c], c) for c in columns] for _, r in m.iterrows()]
        table.append(["mean"] + [_number(m[c].mean(), c) for c in columns])
        lines += [f"## The shift at tick {eco.shift}", "",
                  f"Before: the {F.WINDOW} ticks before the shift; after: the {F.WINDOW} ticks after it; late: "
                  f"the last {F.WINDOW} ticks of a run. The population dip is the lowest evolved population after "
                  "the shift, below its mean before.", ""]
        lines += _md_table(["seed", *columns.values()], table)
        mean = m.mean(numeric_only=True)
        lines += ["## In words", "",
                  f"Before the shift the evolved species' drives tracked nutrition (alignment "
                  f"{mean['alignment_before']:.2f}). Once {', '.join(eco.added) or 'the change'} appeared, alignment "
                  f"fell to {mean['alignment_min_after']:.2f}, {', '.join(eco.added) or 'the shift foods'} made "
                  f"{mean['candy_share']:.0%} of evolved meals in the first {F.SOON} ticks, and the population "
                  f"dipped by {mean['population_dip']:.0%}. Selection then lowered the sweetness drive from "
                  f"{mean['sweet_before']:.2f} to {mean['sweet_late']:.2f} and alignment recovered to "
                  f"{mean['alignment_late']:.2f}; the trained species, frozen, fell from "
                  f"{mean['trained_alignment_before']:.2f} to {mean['trained_alignment_after']:.2f} and stayed there.",
                  ""]
    lines += ["## Population dynamics", "", "![Population dynamics](population_dynamics.png)", "",
              "## How to read this", "",
              "- **Alignment** is the correlation across food kinds between a species' mean drive utility of a "
              "kind (mean drive weights . the kind's features) and the kind's true nutrition now, each kind "
              "weighted by how many of its items are in the arena. 1: the drives rank food as its nutrition does.",
              "- **evolved** creatures reproduce and mutate in the world; nothing else selects them. **trained** "
              "creatures were trained by policy gradient in the ancestral world (reward: energy gained) and are "
              "replaced by copies when they die.", ""]
    (out / REPORT_MD).write_text("\n".join(lines).rstrip("\n") + "\n")


def _number(value: float, column: str) -> str:
    return _pct(value) if column in ("candy_share", "population_dip") else f"{value:.2f}"


def _draft_report(F, runs, out: Path) -> None:
    """Write report.md and the figures of ``runs`` into ``out``."""
    paths = [r.path for r in runs]
    gens = F.need(runs, "generations", ("optimizer", "mind", "seed", "step", "exit_rate"),
                  "a training run writes it")
    probes, drives, deploy = F.table(runs, "probes"), F.table(runs, "drives"), F.table(runs, "deploy")
    alignment, adversary = F.table(runs, "alignment"), F.table(runs, "adversary")

    made = {}
    if probes is not None:
        F.plot_drive_tracking(paths, out)
        made["drive_tracking"] = "Probe battery over training"
    if drives is not None:
        F.plot_drives(paths, out)
        made["drives"] = "Drive weights of planner populations"
    if deploy is not None:
        F.plot_shift_comparison(paths, out)
        made["shift_comparison"] = "Outcomes before and after the shift"
    if adversary is not None:
        F.plot_adversary(paths, out)
        made["adversary"] = "What the adversary proposed"

    lines = ["# evosim report", ""]
    lines += _runs_section(runs, gens)
    lines += _training_section(F, gens, probes, alignment)
    lines += _outcome_section(F, runs, deploy)
    lines += _narrative(F, runs, gens, probes, deploy)
    for name, title in made.items():
        lines += [f"## {title}", "", f"![{title}]({name}.png)", ""]
    lines += _reading_notes(F, runs, probes is not None, alignment is not None)
    (out / REPORT_MD).write_text("\n".join(lines).rstrip("\n") + "\n")


# -- sections -------------------------------------------------------------------------------

def _pct(mean: float, lo: float | None = None, hi: float | None = None) -> str:
    if mean != mean:  # NaN
        return "-"
    if lo is None or (lo == hi == mean):
        return f"{mean:.0%}"
    return f"{mean:.0%} [{lo:.0%}, {hi:.0%}]"


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    return out + ["| " + " | ".join(r) + " |" for r in rows] + [""]


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
    return ["## Runs", ""] + _md_table(
        ["run", "optimizer / mind", "seeds", "last step", "training episodes per seed", "training world"],
        rows)


def _training_section(F, gens, probes, alignment) -> list[str]:
    gens = gens.assign(label=F.label(gens))
    exit_rate = F.mean_ci(F.final_step(gens), "exit_rate", ["label"])
    proxies = list(dict.fromkeys(probes["proxy"])) if probes is not None else []
    p_goal = None
    if probes is not None:
        p = F.final_step(probes)
        p_goal = F.mean_ci(p.assign(label=F.label(p)), "p_goal", ["label", "proxy"])
    aligned = None
    if alignment is not None:
        a = F.final_step(alignment)
        a = a.assign(label=F.label(a), positive=(a["alignment"] > 0).astype(float))
        aligned = F.mean_ci(a, "positive", ["label"])
    header = ["optimizer / mind", "final exit rate (training)"] + [f"p_goal {q}" for q in proxies]
    header += ["drives favour the exit"] if aligned is not None else []
    rows = []
    for _, r in exit_rate.iterrows():
        row = [r["label"], _pct(r["mean"], r["lo"], r["hi"])]
        for q in proxies:
            s = p_goal[(p_goal["label"] == r["label"]) & (p_goal["proxy"] == q)]
            row.append(_pct(*s[["mean", "lo", "hi"]].iloc[0]) if len(s) else "-")
        if aligned is not None:
            s = aligned[aligned["label"] == r["label"]]
            row.append(_pct(*s[["mean", "lo", "hi"]].iloc[0]) if len(s) else "- (no explicit drives)")
        rows.append(row)
    return ["## Key numbers at the end of training", ""] + _md_table(header, rows)


def _outcome_section(F, runs, deploy) -> list[str]:
    if deploy is None:
        return ["## Outcomes", "", "No deploy.csv in these runs: run `evosim deploy RUN WORLD` "
                "to measure aligned / misgeneralized / incapable episodes.", ""]
    shares = F.outcome_shares(deploy)
    stats = F.mean_ci(shares.assign(label=F.label(shares)), "share", ["label", "world", "outcome"])
    worlds = F.world_order(deploy, runs)
    training = {r.training_world for r in runs}
    deploy = deploy.assign(label=F.label(deploy))
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
                        + [_pct(*s.loc[o, ["mean", "lo", "hi"]]) for o in F.OUTCOMES] + [toward])
    return ["## Outcomes per world", ""] + _md_table(
        ["optimizer / mind", "world", "episodes", *F.OUTCOMES, "misgeneralized toward"], rows)


def _narrative(F, runs, gens, probes, deploy) -> list[str]:
    """One short paragraph per optimizer x mind, in words, from the same numbers."""
    gens = gens.assign(label=F.label(gens))
    training = {r.training_world for r in runs}
    text = []
    for lab in sorted(gens["label"].unique()):
        g = F.final_step(gens[gens["label"] == lab])
        parts = [f"**{lab}** agents reached the exit in {g['exit_rate'].mean():.0%} of their final "
                 f"training episodes ({g['seed'].nunique()} seed(s))."]
        if probes is not None:
            p = probes[F.label(probes) == lab]
            if len(p):
                p = F.final_step(p).groupby("proxy", sort=False)[["p_goal", "p_proxy"]].mean()
                probe_words = [f"the exit over the {q} decoy in {r.p_goal:.0%} of probe episodes "
                               f"(the decoy in {r.p_proxy:.0%})" for q, r in p.iterrows()]
                parts.append("On the probe battery they chose " + "; ".join(probe_words) + ".")
        if deploy is not None:
            d = deploy[F.label(deploy) == lab]
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


def _reading_notes(F, runs, probes: bool, alignment: bool) -> list[str]:
    notes = ["## How to read this", ""]
    if probes:
        levels = F.chance(runs) or {}
        chance = ", ".join(f"p_goal {p:.2f} on the {q} probe" for q, p in levels.items())
        notes.append(
            "- A **probe** is a maze in which the exit lacks one proxy (a feature the training exit "
            "always had) and a decoy carries it, both at the same path distance from the start. "
            "p_goal is the share of probe episodes in which the agent stood on the exit before the "
            "decoy; episodes reaching neither count against it. Chance is not 50%: a wandering "
            "agent finds a corner less often than a mid-maze tile"
            + (f". A planner without drives, walking to random tiles, scores {chance} (the dotted "
               "line in the figure): compare arms and steps with that, not with 0.5." if chance else "."))
    notes.append("- **Outcomes**: aligned (reached the exit first), misgeneralized (competently reached "
                 "a proxy target first), incapable (neither).")
    if alignment:
        notes.append("- **Drives favour the exit** (planner minds only): share of agents whose drive "
                     "weight on shape:exit exceeds the utility their drives give every proxy-only "
                     "target (e.g. a green apple, the bare bottom-right tile).")
    notes += [f"- Brackets are {F.LEVEL:.0%} bootstrap intervals: run seeds resampled, then agents "
              "within each seed. With one seed they cover agents only.", ""]
    return notes
