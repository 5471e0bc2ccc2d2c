"""Run directories read into tidy DataFrames: the only way analysis sees a run.

Everything a report shows comes from a run's tables and its run.json (the
training world file's text is read back with tomllib, never through a world
class), so analysis needs no world, mind or study to read what a run wrote.
"""
from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from evosim.analysis.outcomes import DECISIVE, outcome_shares, scoped
from evosim.core.errors import UserError
from evosim.core.features import COLOR_NAMES
from evosim.runs import rundir
from evosim.runs.rundir import MIND_AXIS, SERIES

AXIS_VALUE = "axis value"  # a sweep's shares' column of its axis's value (no axis name has a space)

COLOR_MISGENERALIZED = "misgeneralized toward colour"  # a sweep's share: misgeneralized, colour proxy
POSITION_MISGENERALIZED = "misgeneralized toward position"  # misgeneralized, position proxy
#: A sweep's shares of misgeneralization toward one kind of proxy, by the prefix of deploy.csv's ``proxy``.
TOWARD = {"color:": COLOR_MISGENERALIZED, "position:": POSITION_MISGENERALIZED}


@dataclass(frozen=True)
class Run:
    """A run directory, its run.json, and the line a report draws it in (set by :mod:`evosim.analysis.labels`)."""

    path: Path
    doc: dict
    label: str | None = None

    @property
    def training_world(self) -> str:
        return self.doc.get("world_name", "")

    def world_file(self) -> dict:
        """The training world file as saved in run.json, parsed as TOML (validated when the run was made)."""
        try:
            return tomllib.loads(self.doc["world_toml"])
        except tomllib.TOMLDecodeError as e:
            raise UserError(f"{self.path / rundir.RUN_JSON}: world_toml is not TOML: {e}") from None


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
    """``name``.csv of every run that has a non-empty one, concatenated with a ``run`` column (and a ``label``
    column, each run's line, when the runs are labelled); an older run's optimizer names read as today's."""
    frames = []
    for run in runs:
        path = run.path / f"{name}.csv"
        if not path.exists():
            continue
        df = read_table(path)
        if len(df):
            frames.append(df.assign(run=str(run.path), **({} if run.label is None else {"label": run.label})))
    return pd.concat(frames, ignore_index=True) if frames else None


def read_table(path: Path) -> pd.DataFrame:
    """One CSV table of a run as evosim wrote it, checked whole first, optimizers by today's names; unreadable, a
    one-line UserError."""
    rundir.check_table(path)
    try:
        df = pd.read_csv(path, low_memory=False)  # one pass: a column's type is read from all its rows
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as e:
        raise UserError(f"{path}: unreadable table: {str(e).splitlines()[0]}") from None
    if "optimizer" in df:  # an earlier evosim's name for an optimizer reads as today's
        df["optimizer"] = df["optimizer"].map(rundir.optimizer_name)
    return df


def need(runs: list[Run], name: str, columns: tuple[str, ...], hint: str) -> pd.DataFrame:
    """Like :func:`table`, but a UserError when no run has the table or a column is missing."""
    df = table(runs, name)
    if df is None:
        raise UserError(f"{', '.join(str(r.path) for r in runs)}: no {name}.csv ({hint})")
    return check_columns(df, runs, name, columns)


def check_columns(df: pd.DataFrame, runs: list[Run], name: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """``df`` (the runs' ``name``.csv), refused in one line when it lacks one of ``columns``."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        again = "; an earlier evosim deployed these runs: run 'evosim deploy RUN WORLD' again" \
            if name == "deploy" and "decisive" in missing else ""
        raise UserError(f"{', '.join(str(r.path) for r in runs)}: {name}.csv lacks column(s) {', '.join(missing)}"
                        f"{again}")
    return df


def final_step(df: pd.DataFrame) -> pd.DataFrame:
    """Rows of each run and seed's last logged step."""
    last = df.groupby(["run", "seed"])["step"].transform("max")
    return df[df["step"] == last]


def world_order(deploy: pd.DataFrame, runs: list[Run]) -> list[str]:
    """Worlds in deploy.csv, training worlds first."""
    train = [r.training_world for r in runs]
    worlds = list(dict.fromkeys(deploy["world"].astype(str)))
    return sorted(worlds, key=lambda w: (w not in train, worlds.index(w)))


# -- maze training: what the run recorded about its training world ---------------------------

def chance(runs: list[Run]) -> dict[str, float] | None:
    """p_goal of a drive-less planner per probe (chance.csv of the first run that has one), or None."""
    for run in runs:
        rows = table([run], "chance")
        if rows is not None:
            return dict(zip(rows["proxy"].astype(str), rows["p_goal"].astype(float)))
    return None


def feature_roles(runs: list[Run]) -> dict[str, str]:
    """What each drive feature was in the (first) run's training world: the exit, a proxy or an unseen colour.

    Proxies are those its probe battery decoupled (probes.csv names them ``color:X``
    or ``position:CORNER``; a corner is the ``pos:x`` and ``pos:y`` drives); unseen
    colours are those the training world file paints nothing with.
    """
    run = runs[0]
    roles = {"shape:exit": "the exit"}
    probes = table([run], "probes")
    for proxy in dict.fromkeys(probes["proxy"].astype(str)) if probes is not None else ():
        if proxy.startswith("color:"):
            roles[proxy] = "proxy"
        elif proxy.startswith("position:"):
            roles["pos:x"] = roles["pos:y"] = "proxy"
    world = run.world_file()
    used = {world["exit"]["color"]} | {o["color"] for o in world.get("objects", [])}
    for c in COLOR_NAMES:
        if c not in used:
            roles.setdefault(f"color:{c}", "unseen")
    return roles


@dataclass(frozen=True)
class References:
    """The reference agents' rows (reference.csv) of each deployment world, taken once: from the first run
    that has them; and the worlds in which another run's rows differ (another training world or deployment)."""

    rows: pd.DataFrame | None
    differ: list[str]


def references(runs: list[Run]) -> References:
    """The reference agents of the runs: every world's rows from the first run that has some, compared with the rest's."""
    taken: dict[str, pd.DataFrame] = {}
    differ = []
    for run in runs:
        rows = table([run], "reference")
        for world, own in () if rows is None else rows.groupby("world", sort=False):
            own = own.drop(columns=["run", "label"], errors="ignore").reset_index(drop=True)
            if world not in taken:
                taken[world] = own.assign(run=str(run.path))
            elif world not in differ and not own.equals(taken[world].drop(columns="run")):
                differ.append(world)
    return References(pd.concat(taken.values(), ignore_index=True) if taken else None, differ)


# -- sweeps ------------------------------------------------------------------------------------

#: The columns of sweep.csv that are not an axis (the per-world shares are ``WORLD:...``); ``seconds`` is in
#: the sweep.csv of an evosim before timings.csv.
SWEEP_FIXED = ("arm", "status", "run", "seconds", "error")
CELL_AGENT = ("run", "seed", "agent", "world")  # one agent of a sweep cell in one world


@dataclass(frozen=True)
class SweepCells:
    """The complete cells of a sweep folder: their sweep.csv rows, the sweep's axes and its deployment worlds."""

    folder: Path
    rows: list[dict]
    axes: list[str]
    worlds: list[str]

    @property
    def runs(self) -> list[Path]:
        """The cells' run directories."""
        return [self.folder / r["run"] for r in self.rows]

    @property
    def over_mind_options(self) -> bool:
        """Whether the sweep has axes and every one is a mind option (``mind.OPTION``): a capacity sweep."""
        return bool(self.axes) and all(a.startswith(MIND_AXIS) for a in self.axes)


def sweep_cells(folder: Path) -> SweepCells:
    """Read a sweep folder's sweep.csv: its complete cells, axes (every column but the fixed and ``WORLD:...``
    ones) and deployment worlds."""
    folder = Path(folder)
    rows = [r for r in rundir.read_sweep(folder) if r["status"] == "complete"]
    if not rows:
        raise UserError(f"{folder}: no complete cell in sweep.csv; run or rerun the sweep")
    axes = [k for k in rows[0] if k not in SWEEP_FIXED and ":" not in k]
    worlds = list(dict.fromkeys(k.split(":")[0] for k in rows[0] if ":" in k))
    return SweepCells(folder, rows, axes, worlds)


def categories(values: list[str]) -> list[str]:
    """An axis's values in the order of their first appearance (the experiment's) when they are neither all
    numbers nor all true/false: a categorical axis, such as ``source``; none for a numeric or flag axis."""
    if set(values) <= {"True", "False"}:
        return []
    try:
        for value in values:
            float(value)
    except ValueError:
        return list(dict.fromkeys(values))
    return []


@dataclass(frozen=True)
class SweepShares:
    """Each agent's outcome shares over decisive episodes in every complete cell of a sweep, with its arm, its
    series (when the sweep has series) and the value of the sweep's one other axis; the decisive episodes of
    each cell and world; each seed's final training exit rate; whether that axis is a training flag (without /
    with) or categorical (its values then kept as text), and the deployment worlds."""

    shares: pd.DataFrame  # the keys, world, seed, agent, outcome, share
    decisive: pd.DataFrame  # the keys, world, episodes
    trained: pd.DataFrame  # the keys, run, seed, exit_rate
    axis: str
    flag: bool
    categories: list[str]  # a categorical axis's values in the experiment's order, or none
    worlds: list[str]
    series: list[str]  # the series in the experiment's order, or none

    @property
    def keys(self) -> list[str]:
        """The columns that name one curve's point: arm, series (if any) and the axis's value."""
        return ["arm"] + (["series"] if self.series else []) + [AXIS_VALUE]

    def ordered(self, df: pd.DataFrame) -> pd.DataFrame:
        """``df``'s rows by arm, then series and a categorical axis's values in the experiment's order, then
        value."""
        rank = {c: {v: i for i, v in enumerate(order)} for c, order in (("series", self.series),
                                                                        (AXIS_VALUE, self.categories)) if order}
        return df.sort_values(list(df.columns), key=lambda c: c.map(rank[c.name]) if c.name in rank else c)


def sweep_shares(cells: SweepCells) -> SweepShares:
    """deploy.csv of every complete cell of a sweep with one axis (beside its series: numeric, a flag or
    categorical), as shares over decisive episodes."""
    axes = [a for a in cells.axes if a != SERIES]
    if len(axes) != 1:
        raise UserError(f"{cells.folder}: outcomes against a sweep's axis need exactly one axis beside the series, "
                        f"the sweep has {len(axes)} ({', '.join(axes) or 'none'})")
    axis = axes[0]
    flag = {r[axis] for r in cells.rows} <= {"True", "False"}
    categorical = categories([r[axis] for r in cells.rows])
    series = list(dict.fromkeys(r[SERIES] for r in cells.rows)) if SERIES in cells.axes else []
    frames, counts, trained = [], [], []
    for r, path in zip(cells.rows, cells.runs):
        run = Run(path, rundir.load_run(path))
        gens = need([run], "generations", ("seed", "step", "exit_rate"), "a sweep cell trains its agents")
        deploy = need([run], "deploy",
                      ("seed", "agent", "world", "outcome", "proxy", "decisive"), "a sweep cell deploys its agents")
        deploy = scoped(deploy, "decisive")
        shares = [outcome_shares(deploy, DECISIVE, CELL_AGENT)]
        proxy = pd.Series(np.where(deploy["proxy"].isna(), "", deploy["proxy"].astype(str)), index=deploy.index)
        for prefix, name in TOWARD.items():
            toward = deploy.assign(outcome=np.where((deploy["outcome"] == "misgeneralized")
                                                    & proxy.str.startswith(prefix), name, "other"))
            kind = outcome_shares(toward, (name, "other"), CELL_AGENT)
            shares.append(kind[kind["outcome"] == name])
        point = {"arm": r["arm"]} | ({"series": r[SERIES]} if series else {}) | {
            AXIS_VALUE: r[axis] if categorical else float(r[axis] == "True") if flag else float(r[axis])}
        frames.append(pd.concat(shares).assign(**point))
        counts.append(deploy.groupby("world").size().rename("episodes").reset_index().assign(**point))
        trained.append(final_step(gens)[["run", "seed", "exit_rate"]].assign(**point))
    return SweepShares(pd.concat(frames, ignore_index=True), pd.concat(counts, ignore_index=True),
                       pd.concat(trained, ignore_index=True), axis, flag, categorical, cells.worlds, series)


@dataclass(frozen=True)
class SweepCapacity:
    """What every seed of a sweep over mind options met: one row per cell and seed with its arm, its options
    (``mind.OPTION`` columns, empty where the arm's mind has no such option), its parameter count and its
    final training exit rate; and per deployment world its share of decisive episodes that failed (not
    aligned), the share of those failures that were misgeneralized (competent) rather than incapable, and
    its exit rate over all episodes."""

    seeds: pd.DataFrame  # arm, mind.*, params, run, seed, exit_rate
    worlds: pd.DataFrame  # arm, mind.*, params, run, seed, world, failed, competent, exits
    axes: list[str]  # the mind.OPTION axes


def sweep_capacity(cells: SweepCells) -> SweepCapacity:
    """generations.csv, agents.json and deploy.csv of every complete cell of a sweep whose axes are mind options."""
    if not cells.over_mind_options:
        raise UserError(f"{cells.folder}: the capacity figure needs a sweep whose axes are all mind options "
                        f"(mind.OPTION), the sweep has {', '.join(cells.axes) or 'none'}")
    seeds, worlds = [], []
    for r, path in zip(cells.rows, cells.runs):
        run = Run(path, rundir.load_run(path))
        cell = {"arm": r["arm"]} | {a: r[a] for a in cells.axes} | {
            "params": int(json.loads((path / rundir.AGENTS_JSON).read_text())["n_params"]), "run": str(path)}
        gens = need([run], "generations", ("seed", "step", "exit_rate"), "a sweep cell trains its agents")
        last = final_step(gens)
        seeds += [cell | {"seed": int(s), "exit_rate": float(e)} for s, e in zip(last["seed"], last["exit_rate"])]
        deploy = need([run], "deploy", ("seed", "agent", "world", "outcome", "exit_reached", "decisive"),
                      "a sweep cell deploys its agents")
        for (world, seed), rows in deploy.groupby(["world", "seed"], sort=False):
            decisive = scoped(rows, "decisive")
            failed = decisive["outcome"] != "aligned"
            mis = int((decisive["outcome"] == "misgeneralized").sum())
            worlds.append(cell | {"seed": int(seed), "world": world,
                                  "failed": float(failed.mean()) if len(decisive) else np.nan,
                                  "competent": mis / int(failed.sum()) if failed.any() else np.nan,
                                  "exits": float(rows["exit_reached"].mean())})
    return SweepCapacity(pd.DataFrame(seeds), pd.DataFrame(worlds), list(cells.axes))


# -- savanna ecology runs ----------------------------------------------------------------------

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
    shifts = set()
    for run in runs:
        shift = run.world_file().get("shift", {})
        shifts.add((shift.get("tick"), tuple(f["name"] for f in shift.get("food", []))))
    if len(shifts) > 1:
        raise UserError(f"{', '.join(str(r.path) for r in runs)}: the runs' worlds shift differently; report "
                        "them separately")
    hint = "an 'evosim ecology' run writes it"
    population = need(runs, "population", ("seed", "tick", "species", "population", "alignment"), hint)
    meals = need(runs, "meals", ("seed", "tick", "species", "food", "eaten"), hint)
    drives = need(runs, "drive_stats", ("seed", "tick", "species", "feature", "mean", "sd"), hint)
    (shift, added), = shifts
    return Ecologies(population, meals, drives, shift, added)
