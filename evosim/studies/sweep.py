"""``evosim sweep``: many cells of one experiment, each an ordinary run directory, on Dask.

An experiment file names a training world, the deployment worlds, the arms
(``algorithm/mind``), seeds and budgets, settings of the base optimizers
(``[sweep] optimizers``, e.g. a learning rate), fixed changes to the training world
(``[sweep.set]``) and world axes (``[sweep.axes]``, dotted keys into the world
file with the values to sweep, ``adversary = [false, true]`` for training
with and without ``--adversary``, and ``"mind.OPTION" = [...]`` for a mind
option of every arm whose mind has it). An arm may set mind options itself:
``ga/reflex:hidden=32,radius=2``. Series (``[sweep.series.NAME]``) are curves
side by side: each makes its own fixed changes (``set``) and says which world key
each named axis sets in it (``axes = { share = "exit.mix.0.share" }``). Every
combination of arm, series and axis values is a cell: trained (with
checkpoints) and deployed into ``OUT/cells/NAME``; with ``[sweep] planning``
(a world file), every neural cell's learned planning is measured there too
(:mod:`evosim.studies.learned_planning`).
``OUT/sweep.csv`` indexes the cells: axis values, status, run directory, and
outcome shares per deployment world (over its decisive episodes, then all): the same
bytes whenever the same experiment runs again. ``OUT/timings.csv`` has each cell's
wall time. ``exclude`` leaves combinations of axis values out.

Cells run on a Dask LocalCluster (or any scheduler). A rerun skips finished cells
and resumes interrupted ones; a cell that fails is retried once, then reported
while the rest go on. A cell's results do not depend on where or beside what it ran.
"""
from __future__ import annotations

import copy
import hashlib
import json
import time
import tomllib
from dataclasses import dataclass, field, fields, replace
from itertools import product
from pathlib import Path
from typing import Callable

from tqdm import tqdm

from evosim.core import limits
from evosim.runs import rundir
from evosim.runs.names import safe_name
from evosim.runs.rundir import CELLS, MIND_AXIS, SERIES, SWEEP_CSV
from evosim.core.checks import problem
from evosim.runs.cluster import ClusterSettings, cores, for_workers
from evosim.runs.files import DiskFull
from evosim.data import WORLDS
from evosim.core.errors import UserError
from evosim.minds import MINDS, allowed_options, check_options, make_mind, option_names, parse_options
from evosim.optimizers import OPTIMIZERS
from evosim.training.budgets import mind_budget
from evosim.training.evaluators import EVALUATORS
from evosim.training.sources import SOURCES
from evosim.core.settings import Settings, setting
from evosim.studies import register_study
from evosim.studies.base import Study
from evosim.worlds import load_world, parse_world, put

RETRIES = 1
#: The keys of an experiment's [sweep] table, which its [quick] table may replace.
SWEEP_KEYS = {"train", "deploy", "planning", "seeds", "episodes", "arms", "budgets", "optimizers", "set", "axes", "series",
              "exclude"}
#: The axes that set where training worlds come from rather than a key of the world file: ``adversary`` (true
#: or false: with --adversary) and ``source`` (a name of SOURCES).
ADVERSARY, SOURCE = "adversary", "source"
#: The sweep folder's table of each cell's wall time: kept apart, so that sweep.csv is the same bytes on a rerun.
TIMINGS = "timings"


@dataclass(frozen=True)
class SweepSettings(Settings):
    """Settings of ``evosim sweep``."""

    quick: bool = setting(False, "the experiment's [quick] values: a smoke run")
    force: bool = setting(False, "replace an evosim run of another experiment in --out (its files only); the same "
                                 "experiment again continues its sweep")


@dataclass(frozen=True)
class Cell:
    """One cell of a sweep: an arm, its training world's changes, and what to name it."""

    name: str
    algorithm: str
    mind: str
    world: dict = field(hash=False)  # dotted key -> value, applied to the training world in order
    budget: int | None = None
    adversary: bool | None = None  # trained with --adversary (None: not an axis of the sweep)
    source: str | None = None  # trained with --source (None: not an axis of the sweep)
    arm_options: dict = field(default_factory=dict, hash=False)  # the arm's mind options (``ga/reflex:hidden=32``)
    mind_axes: dict = field(default_factory=dict, hash=False)  # "mind.OPTION" axis -> value, for this arm's mind
    series: str | None = None  # the cell's series (None: the sweep has none)
    world_axes: dict = field(default_factory=dict, hash=False)  # world axis -> value, as sweep.csv shows it

    @property
    def mind_options(self) -> dict:
        """The options the cell's mind is made with: the arm's, then its mind axes'."""
        return self.arm_options | {k.removeprefix(MIND_AXIS): v for k, v in self.mind_axes.items()}

    @property
    def values(self) -> dict:
        """The cell's axis values, as sweep.csv columns."""
        series = {} if self.series is None else {SERIES: self.series}
        flag = {} if self.adversary is None else {ADVERSARY: self.adversary}
        source = {} if self.source is None else {SOURCE: self.source}
        return ({"arm": arm_text(self.algorithm, self.mind, self.arm_options)} | series | flag | source
                | self.mind_axes | self.world_axes)

    @property
    def world_source(self) -> str:
        """Where the cell's training worlds come from."""
        return self.source or ("adversary" if self.adversary else "world")


@dataclass(frozen=True)
class Experiment:
    """A validated experiment file."""

    path: Path
    train: Path
    deploy: tuple[Path, ...]
    train_raw: dict = field(hash=False)  # the training world's TOML with [sweep.set] applied
    quick: bool  # made with the file's [quick] values
    digest: str  # SHA-256 of the experiment file: a sweep continues only the experiment it started
    seeds: int
    episodes: int  # deployment episodes per agent
    cells: tuple[Cell, ...]
    optimizers: dict = field(default_factory=dict, hash=False)  # algorithm -> settings its arms change
    planning: Path | None = None  # the world of the learned-planning measurements of every neural cell

    @classmethod
    def load(cls, path: str | Path, quick: bool = False) -> "Experiment":
        path = Path(path)
        try:
            data = path.read_bytes()
            raw = tomllib.loads(data.decode("utf-8"))
        except FileNotFoundError:
            raise UserError(f"{path}: no such experiment file") from None
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
            raise UserError(f"{path}: not an experiment file: {e}") from None
        sweep = _table(path, raw, "sweep", SWEEP_KEYS, required={"train", "deploy", "arms"})
        quick_values = _table(path, raw, "quick", SWEEP_KEYS)
        _table(path, raw, "", {"sweep", "quick"})
        if quick:
            sweep = sweep | quick_values
        train = _world_file(path, "sweep.train", sweep["train"])
        deploy = tuple(_world_file(path, "sweep.deploy", d) for d in _list(path, "sweep.deploy", sweep["deploy"]))
        planning = _world_file(path, "sweep.planning", sweep["planning"]) if "planning" in sweep else None
        seeds = _number(path, "sweep.seeds", sweep.get("seeds", 1), int, least=1, most=limits.SEEDS)
        episodes = _number(path, "sweep.episodes", sweep.get("episodes", 32), int, least=1, most=limits.EPISODES)
        budgets = sweep.get("budgets", {})
        if not isinstance(budgets, dict) or any(m not in MINDS for m in budgets):
            raise UserError(f"{path}: [sweep] budgets: a table of mind = training episodes, minds: "
                            f"{', '.join(MINDS)}")
        for mind, b in budgets.items():
            _number(path, f"sweep.budgets.{mind}", b, int, least=1, most=limits.BUDGET)
        optimizers = _optimizers(path, _table(path, sweep, "optimizers", set(OPTIMIZERS)))
        arms = []
        for arm in _distinct(path, "sweep.arms", sweep["arms"]):
            head, colon, tail = str(arm).partition(":")
            algorithm, _, mind = head.partition("/")
            if algorithm not in OPTIMIZERS or mind not in MINDS:
                raise UserError(f"{path}: [sweep] arms: {arm!r} is not ALGORITHM/MIND[:OPTION=VALUE,...] with an "
                                f"algorithm of {', '.join(OPTIMIZERS)} and a mind of {', '.join(MINDS)}")
            options = parse_options(mind, tail.split(","), f"{path}: [sweep] arms: {arm!r}") if colon else {}
            EVALUATORS[OPTIMIZERS[algorithm].Settings.evaluation].check_mind(make_mind(mind, **options))
            arms.append((algorithm, mind, options))
        if planning is not None and not any(mind == "neural" for _, mind, _ in arms):
            raise UserError(f"{path}: [sweep] planning: measures neural cells, and no arm has the neural mind")
        train_raw = tomllib.loads(train.read_text())
        for key, value in _table(path, sweep, "set", None).items():
            _put(train_raw, key, value, path, "sweep.set")
        axes = _table(path, sweep, "axes", None)
        for key, values in axes.items():
            _distinct(path, f"sweep.axes.{key}", values)
        exclude = _exclude(path, sweep.get("exclude", []), dict(axes))
        flags = axes.pop(ADVERSARY, [None])
        if any(not isinstance(v, bool) for v in flags if v is not None):
            raise UserError(f"{path}: sweep.axes.{ADVERSARY}: must be a list of true and false, got {flags!r}")
        sources = axes.pop(SOURCE, [None])
        if any(v not in SOURCES for v in sources if v is not None):
            raise UserError(f"{path}: sweep.axes.{SOURCE}: must be a list of {', '.join(SOURCES)}, got {sources!r}")
        if flags != [None] and sources != [None]:
            raise UserError(f"{path}: sweep.axes: {ADVERSARY} and {SOURCE} both set where training worlds come "
                            f"from; sweep {SOURCE} alone")
        mind_axes = {key: axes.pop(key) for key in list(axes) if key.startswith(MIND_AXIS)}
        for key, values in mind_axes.items():
            _mind_axis(path, key, values, arms)
        series = _series(path, _table(path, sweep, "series", None), axes)
        cells, named = [], {}
        for algorithm, mind, options in arms:
            own = {k: v for k, v in mind_axes.items() if k.removeprefix(MIND_AXIS) in option_names(mind)}
            arm = safe_name("-".join([algorithm, mind] + [f"{k}-{v}" for k, v in options.items()]),
                            f"{path}: [sweep] arms: the cell name for {arm_text(algorithm, mind, options)!r}")
            for (label, fixed, keys), adversary, source, *combo in product(series, flags, sources, *own.values(),
                                                                             *axes.values()):
                chosen, shown = dict(zip(own, combo[:len(own)])), dict(zip(axes, combo[len(own):]))
                given = ({} if adversary is None else {ADVERSARY: adversary}) | (
                    {} if source is None else {SOURCE: source})
                if _excluded(exclude, given | chosen | shown):
                    continue
                values = {k: str(v).lower() if k == ADVERSARY else v for k, v in given.items()} | chosen | shown
                name = "_".join([arm] + ([] if label is None else [label])
                                + [_part(path, k, v) for k, v in values.items()])
                if name in named:
                    raise UserError(f"{path}: [sweep.axes]: cells {named[name]} and {values} would both be named "
                                    f"{name!r}; make their values differ as text")
                named[name] = values
                world = fixed | {keys.get(k, k): v for k, v in shown.items()}
                cells.append(Cell(name, algorithm, mind, world, budgets.get(mind), adversary, source, options,
                                  chosen, label, shown))
        if not cells:
            raise UserError(f"{path}: [sweep] exclude: leaves out every cell of the sweep")
        experiment = cls(path, train, deploy, train_raw, quick, hashlib.sha256(data).hexdigest(), seeds, episodes,
                         tuple(cells), optimizers, planning)
        for cell in cells:  # every cell's world, budget and adversary is checked before any compute
            experiment.job(cell)
        return experiment

    def settings(self, cell: Cell) -> tuple:
        """The cell's optimizer settings and budget per seed: the defaults changed by ``[sweep] optimizers``,
        their steps set by the mind's budget (the experiment's, or the mind's default), the same for every base
        optimizer."""
        budget = cell.budget or mind_budget(cell.mind)
        settings = self.optimizers.get(cell.algorithm) or OPTIMIZERS[cell.algorithm].Settings()
        try:
            return settings.with_budget(budget), budget
        except UserError as e:
            why = str(e).removeprefix("--episodes-budget: ")
            raise UserError(f"{self.path}: [sweep] budgets.{cell.mind}: {why}") from None

    def job(self, cell: Cell):
        """The cell's training job."""
        from evosim.studies.maze_training import MazeTraining
        from evosim.training.loop import RunSettings

        settings, budget = self.settings(cell)
        world = self.world(cell)
        try:
            return MazeTraining(world, make_mind(cell.mind, **cell.mind_options), cell.algorithm, settings,
                                list(range(self.seeds)), RunSettings().checkpoint_every, budget, cell.world_source)
        except UserError as e:
            raise UserError(f"{self.path}: cell {cell.name}: {e}") from None

    def world_raw(self, cell: Cell) -> dict:
        """The cell's training world file, as TOML data."""
        raw = copy.deepcopy(self.train_raw)
        for key, value in cell.world.items():
            _put(raw, key, copy.deepcopy(value), self.path, f"sweep.series.{cell.series}" if cell.series else "sweep.axes")
        return raw

    def world(self, cell: Cell):
        """The cell's training world, validated."""
        try:
            return parse_world(self.world_raw(cell), str(self.train))
        except UserError as e:
            raise UserError(f"{self.path}: cell {cell.name}: {e}") from None


def _optimizers(path: Path, table: dict) -> dict:
    """``[sweep] optimizers = { ALGORITHM = { SETTING = VALUE } }`` as each algorithm's checked settings; the
    steps are the budget's, so a setting of them is refused."""
    out = {}
    for algorithm, values in table.items():
        cls = OPTIMIZERS[algorithm].Settings
        where = f"{path}: [sweep] optimizers.{algorithm}"
        if not isinstance(values, dict):
            raise UserError(f"{where}: must be a table of settings")
        allowed = sorted(f.name for f in fields(cls) if f.name != cls.steps_field)
        for key in values:
            if key not in allowed:
                raise UserError(f"{where}: {key!r} is not a setting it takes (allowed: {', '.join(allowed)}; "
                                f"{cls.steps_field} follow from the budget)")
        try:
            out[algorithm] = cls(**values)
        except UserError as e:
            raise UserError(f"{where}: {e}") from None
    return out


def _table(path: Path, raw: dict, key: str, allowed: set | None, required: set = frozenset()) -> dict:
    """``raw[key]`` (or ``raw`` itself for key ''), a table with only ``allowed`` keys and every ``required``."""
    table = raw if not key else raw.get(key, {})
    where = f"[{key}]" if key else "top level"
    if not isinstance(table, dict):
        raise UserError(f"{path}: {where}: must be a table")
    for k in table:
        if allowed is not None and k not in allowed:
            raise UserError(f"{path}: {where} {k}: unknown key (allowed: {', '.join(sorted(allowed))})")
    for k in required:
        if k not in table:
            raise UserError(f"{path}: {where} {k}: missing")
    return table


def arm_text(algorithm: str, mind: str, options: dict) -> str:
    """An arm as the experiment file writes it: ``ga/reflex``, ``ga/reflex:hidden=32,radius=2``."""
    written = ",".join(f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in options.items())
    return f"{algorithm}/{mind}" + (f":{written}" if written else "")


def _mind_axis(path: Path, key: str, values: list, arms: list) -> None:
    """Refuse a ``mind.OPTION`` axis that no arm's mind has, one an arm already fixes, or a value its minds
    refuse."""
    option = key.removeprefix(MIND_AXIS)
    where = f"{path}: sweep.axes.{key}"
    having = [(a, m, o) for a, m, o in arms if option in option_names(m)]
    if not having:
        raise UserError(f"{where}: no arm's mind has the option {option!r}; "
                        + "; ".join(allowed_options(m) for m in dict.fromkeys(m for _, m, _ in arms)))
    for algorithm, mind, options in having:
        if option in options:
            raise UserError(f"{where}: arm {arm_text(algorithm, mind, options)!r} already sets {option}; "
                            "set it in the arm or sweep it, not both")
        for value in values:
            check_options(mind, {option: value}, where)


def _series(path: Path, table: dict, axes: dict) -> list[tuple]:
    """The series of an experiment as (name, fixed changes, named axis -> world key), or one unnamed series
    without changes when it has none. Every series maps the same named axes, each an axis of [sweep.axes]."""
    if not table:
        return [(None, {}, {})]
    out, named = [], None
    for name, spec in table.items():
        where = f"sweep.series.{name}"
        safe_name(name, f"{path}: [{where}]: the series name")
        spec = _table(path, {where: spec}, where, {"set", "axes"})
        keys = _table(path, spec, "axes", None)
        for axis, key in keys.items():
            if axis not in axes:
                raise UserError(f"{path}: [{where}] axes.{axis}: no such axis in [sweep.axes] (axes: "
                                f"{', '.join(axes) or 'none'})")
            if not isinstance(key, str) or not key:
                raise UserError(f"{path}: [{where}] axes.{axis}: must be the dotted world key the axis sets in "
                                f"this series (e.g. \"exit.mix.0.share\"), got {key!r}")
        if named is not None and set(keys) != named:
            raise UserError(f"{path}: [{where}] axes: maps {', '.join(sorted(keys)) or 'no axis'}, another series "
                            f"{', '.join(sorted(named)) or 'no axis'}; every series maps the same axes")
        named = set(keys)
        out.append((name, dict(_table(path, spec, "set", None)), keys))
    return out


def _exclude(path: Path, entries, axes: dict) -> list[dict]:
    """The combinations of axis values an experiment leaves out (``exclude = [{ "mind.hidden" = 128,
    "mind.radius" = 3 }]``, as a CI matrix's exclude): each a table of axes of the sweep and values they take."""
    if not isinstance(entries, list) or not all(isinstance(e, dict) and e for e in entries):
        raise UserError(f"{path}: [sweep] exclude: must be a list of tables of axis = value, e.g. "
                        f"[{{ \"mind.hidden\" = 128, \"mind.radius\" = 3 }}], got {entries!r}")
    for entry in entries:
        for key, value in entry.items():
            if key not in axes:
                raise UserError(f"{path}: [sweep] exclude: {key!r} is not an axis of the sweep (axes: "
                                f"{', '.join(axes) or 'none'})")
            if not any(_same(value, v) for v in axes[key]):
                raise UserError(f"{path}: [sweep] exclude: {key} = {json.dumps(value)} is not one of the axis's "
                                f"values ({', '.join(json.dumps(v) for v in axes[key])})")
    return entries


def _same(a, b) -> bool:
    """Equal as TOML values: true is not 1."""
    return isinstance(a, bool) == isinstance(b, bool) and a == b


def _excluded(exclude: list[dict], values: dict) -> bool:
    """Whether a cell with these axis values matches every key of some entry of ``exclude``."""
    return any(all(k in values and _same(values[k], v) for k, v in entry.items()) for entry in exclude)


def _list(path: Path, key: str, value) -> list:
    if not isinstance(value, list) or not value:
        raise UserError(f"{path}: {key}: must be a non-empty list, got {value!r}")
    return value


def _distinct(path: Path, key: str, value) -> list:
    """A non-empty list without repeats: each value is one cell (or one set of cells) of the sweep."""
    for i, v in enumerate(_list(path, key, value)):
        if v in value[:i]:
            raise UserError(f"{path}: {key}: {v!r} is listed twice; each value makes its own cells")
    return value


def _part(path: Path, key: str, value) -> str:
    """The part of a cell's name that one axis value makes (``share-0.5``): a safe file name, so that no value
    can put its cell's run outside ``OUT/cells``."""
    return safe_name(f"{key.split('.')[-1]}-{value}", f"{path}: sweep.axes.{key}: the cell name for {value!r}")


def _number(path: Path, key: str, value, kind: type, **allowed):
    why = problem(value, kind, **allowed)
    if why:
        raise UserError(f"{path}: {key}: {why}")
    return value


def _world_file(path: Path, key: str, name) -> Path:
    """A world file named beside the experiment file, or one of the shipped worlds by file name."""
    if not isinstance(name, str):
        raise UserError(f"{path}: {key}: must be a world file name, got {name!r}")
    for candidate in (path.parent / name, WORLDS / name):
        if candidate.is_file():
            load_world(candidate, ("maze",))  # checked now, before any compute
            return candidate
    raise UserError(f"{path}: {key}: no world file {name!r} beside the experiment or among the shipped "
                    f"worlds ({', '.join(sorted(p.name for p in WORLDS.glob('*.toml')))})")


def _put(raw: dict, dotted: str, value, path: Path, where: str) -> None:
    """Set a dotted key (``exit.mix.0.share``: tables by name, lists by index) in world TOML data."""
    try:
        put(raw, dotted, value)
    except (ValueError, IndexError, TypeError, AttributeError):
        raise UserError(f"{path}: [{where}] {dotted!r}: no such place in the training world "
                        "(tables by name, lists by index, e.g. exit.mix.0.share)") from None


def run_cell(experiment: Experiment, cell: Cell, out: Path) -> tuple[dict, float]:
    """Train and deploy one cell into ``out/cells/NAME`` (finished work is kept); its sweep.csv row and the
    seconds it took."""
    from evosim.studies.deployment import Shares, deploy_run
    from evosim.runs.lifecycle import resume, start

    run = out / CELLS / cell.name
    began = time.perf_counter()
    state = rundir.status(run) if rundir.is_run(run) else None
    if state == rundir.INTERRUPTED:
        resume(run, ClusterSettings())
    elif state != rundir.COMPLETE:
        start(experiment.job(cell), run, True, ClusterSettings())
    row = cell.values | {"status": "complete", "run": f"{CELLS}/{cell.name}"}
    shares = {}
    for path in experiment.deploy:
        world = load_world(path)
        if rundir.load_run(run).get("deployed", {}).get(world.name) != world.digest:
            deploy_run(run, world, experiment.episodes, 0)
        rows = [r for r in rundir.read_csv(run / "deploy.csv") if r["world"] == world.name]
        shares |= Shares.of(rows).columns(world.name)
    if experiment.planning is not None and cell.mind == "neural":
        from evosim.studies.learned_planning import PlanningSettings, measure_world
        world = load_world(experiment.planning)
        if rundir.load_run(run).get("planned", {}).get(world.name) != world.digest:
            measure_world(run, world, PlanningSettings(episodes=max(experiment.episodes, 4)))
    return row | shares, round(time.perf_counter() - began, 2)


@register_study
@dataclass(frozen=True)
class Sweep(Study):
    """A sweep folder: the experiment (file and --quick), and what runs each cell (``run_cell``, or a test's)."""

    kind = "sweep"
    description = "every cell of an experiment trained and deployed on Dask, indexed by sweep.csv (evosim sweep)"
    always_cluster = True
    rerun_continues = True
    every_core = True

    experiment: Experiment
    cell_fn: Callable = run_cell

    @property
    def world(self):
        return load_world(self.experiment.train)

    @property
    def seeds(self) -> list[int]:
        return list(range(self.experiment.seeds))

    def to_doc(self) -> dict:
        return {"experiment": str(self.experiment.path), "quick": self.experiment.quick,
                "experiment_sha256": self.experiment.digest}

    @classmethod
    def from_run(cls, doc: dict, world) -> "Sweep":
        s = doc["settings"]
        experiment = Experiment.load(s["experiment"], s["quick"])
        if experiment.digest != s["experiment_sha256"]:
            raise UserError(f"{experiment.path}: the experiment file changed since this sweep started; "
                            "restore it, or start the sweep again with --force")
        return cls(experiment)

    def execute(self, out: Path, client) -> list[dict]:
        """Run every cell on Dask (finished ones are skipped), retrying a failure once; write sweep.csv and each
        cell's wall time in timings.csv (a skipped cell keeps the time of the run that did its work)."""
        from distributed import as_completed

        experiment = self.experiment
        for name in (SWEEP_CSV, f"{TIMINGS}.csv"):
            rundir.check_own(out, name)  # a user's table is neither read nor overwritten
        took = {r["run"]: float(r["seconds"]) for r in rundir.read_csv(out / f"{TIMINGS}.csv")}
        rundir.record(out, *(f"{CELLS}/{cell.name}/" for cell in experiment.cells))
        rows: dict[str, dict] = {}
        shipped = replace(experiment, deploy=tuple(map(for_workers, experiment.deploy)),  # the files workers read
                          planning=experiment.planning and for_workers(experiment.planning))
        futures = {client.submit(self.cell_fn, shipped, cell, for_workers(out), key=f"cell-{cell.name}",
                                 retries=RETRIES, pure=False): cell for cell in experiment.cells}
        for future in tqdm(as_completed(futures), total=len(futures), desc="sweep cells", disable=None):
            cell = futures[future]
            run = f"{CELLS}/{cell.name}"
            if future.status == "finished":
                rows[cell.name], seconds = future.result()
                took[run] = max(seconds, took.get(run, 0.0))
            elif isinstance(future.exception(), DiskFull):  # every cell after it would fail the same way
                raise future.exception()
            else:
                error = str(future.exception()).splitlines()[0] if future.exception() else future.status
                rows[cell.name] = cell.values | {"status": "failed", "run": run, "error": error}
        ordered = [rows[c.name] for c in experiment.cells]
        rundir.write_table(out, SWEEP_CSV.removesuffix(".csv"), ordered)
        rundir.write_table(out, TIMINGS, [{"run": r["run"], "seconds": took[r["run"]]} for r in ordered
                                          if r["run"] in took])
        return ordered

    def describe(self, rows: list[dict], out: Path) -> str:
        failed = sum(r["status"] != "complete" for r in rows)
        hours = sum(float(r["seconds"]) for r in rundir.read_csv(out / f"{TIMINGS}.csv")) / 3600
        return (f"swept {len(rows)} cells of {self.experiment.path} ({failed} failed, {hours:.2f} h of cell time); "
                f"index in {out / SWEEP_CSV}")


def sweep(experiment: Experiment, out: Path, cluster: ClusterSettings, cell_fn: Callable = run_cell,
          force: bool = False, command: str | None = None) -> list[dict]:
    """Run (or continue) the sweep of ``experiment`` in ``out``; the rows of sweep.csv (``command``: what run.json
    records as having made it)."""
    from evosim.runs import lifecycle

    return lifecycle.start(Sweep(experiment, cell_fn), Path(out), force, cluster, command)


def run_experiment(path, out: Path, settings: SweepSettings, cluster: ClusterSettings | None = None,
                   command: str | None = None) -> tuple[Sweep, list[dict]]:
    """``evosim sweep EXPERIMENT --out DIR`` (and :func:`evosim.api.sweep`): the experiment file at ``path`` (its
    [quick] values with ``settings.quick``) swept, or its sweep continued, in ``out`` on ``cluster`` (None: a
    local Dask worker per core); the study and the rows of sweep.csv."""
    experiment = Experiment.load(path, settings.quick)
    cluster = ClusterSettings(workers=cores()) if cluster is None else cluster
    return Sweep(experiment), sweep(experiment, Path(out), cluster, force=settings.force, command=command)


def refuse_failures(rows: list[dict]) -> None:
    """Refuse, in one line, a sweep whose cells failed twice (their sweep.csv error column says why)."""
    failed = [r for r in rows if r["status"] != "complete"]
    if failed:
        raise UserError(f"{len(failed)} cell(s) failed twice: {', '.join(r['run'] for r in failed)}; "
                        "see the error column of sweep.csv; a rerun retries them")


def load_sweep(folder: Path) -> list[dict]:
    """The rows of a sweep folder's sweep.csv."""
    return rundir.read_sweep(folder)
