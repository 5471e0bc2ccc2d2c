"""The Python API: evosim's studies run from Python, run directories loaded as objects, report figures drawn into
a caller's matplotlib Axes or Figure — for researchers who analyse in notebooks.

    import evosim
    from evosim.data import DEPLOY_WORLD, TRAIN_WORLD
    run = evosim.train(TRAIN_WORLD, "runs/quick", mind="planner", episodes_budget=640, seeds=2)
    run = evosim.deploy(run, DEPLOY_WORLD, episodes=16)
    run.table("deploy")                          # deploy.csv as a pandas DataFrame
    evosim.plot("outcome_shares", run, ax=ax)    # into an Axes of yours

A study runs exactly as its command does (the same settings dataclasses and checks, the one lifecycle, the same
run directory; a mistake is a one-line :class:`~evosim.core.errors.UserError` before any compute), so a run made
here is one the CLI resumes and reports and the viewer watches. What a loaded object is follows run.json's
``kind`` (:data:`FOLDERS`); every figure is one of the report's, or (``outcome_shares``) the panels of one in
a single axes (:data:`FIGURES`).
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields
from pathlib import Path

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure

from evosim.analysis import (capacity_report, ecology_report, planning_report, sources_report, sweep_report,
                             training_report)
from evosim.analysis.deception_figure import deception_evolution_figure
from evosim.analysis.tables import read_table
from evosim.core.errors import UserError
from evosim.core.settings import flag
from evosim.minds import make_mind
from evosim.optimizers import OPTIMIZERS, algorithms
from evosim.runs import lifecycle, rundir
from evosim.runs.cluster import ClusterSettings, cores
from evosim.studies import kind_of
from evosim.studies.deception_game import EVOLUTION, DeceptionEvolution, DeceptionSettings, evolution_study
from evosim.studies.deployment import DeploySettings, deploy_file
from evosim.studies.ecology import EcologySettings, SavannaEcology, ecology_study
from evosim.studies.maze_training import MazeTraining, training_study
from evosim.studies.sweep import TIMINGS, Sweep, SweepSettings, refuse_failures, run_experiment
from evosim.worlds import load_world

__all__ = ["FIGURES", "RunDirectory", "SweepFolder", "deception", "deploy", "ecology", "evolve", "figures", "load",
           "plot", "resume", "sweep", "train"]


# -- run directories and sweep folders ---------------------------------------------------------

class Lazy(Mapping):
    """A read-only mapping whose names are listed afresh on each use and whose values are made when asked for."""

    def __init__(self, names: Callable[[], list[str]], make: Callable[[str], object]):
        self._names, self._make = names, make

    def __getitem__(self, name: str):
        if name not in self._names():
            raise KeyError(name)
        return self._make(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def __repr__(self) -> str:
        return f"<{', '.join(self._names()) or 'none'}>"


class RunDirectory:
    """A run directory as it is on disk now: run.json (``kind``, ``status``, ``settings``), its training ``world``
    and every table it wrote (``tables``: name -> DataFrame, each read when first asked for and again once its
    file changed). It stands for its path wherever a path is taken (``os.fspath``)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.kind = kind_of(self.path)  # checks that it is evosim's
        self.tables: Mapping[str, pd.DataFrame] = Lazy(self._table_names, self.table)
        self._read: dict[str, tuple[tuple[int, int], pd.DataFrame]] = {}

    def __fspath__(self) -> str:
        return str(self.path)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.path)!r}, kind={self.kind!r}, status={self.status!r}, " \
               f"tables={list(self.tables)})"

    @property
    def doc(self) -> dict:
        """run.json."""
        return rundir.load_run(self.path)

    @property
    def status(self) -> str:
        """running, interrupted or complete (a run marked running whose writer is gone was interrupted)."""
        return rundir.status(self.path)

    @property
    def settings(self) -> dict:
        """The settings run.json records: everything ``evosim resume`` needs to make the study again."""
        return self.doc["settings"]

    @property
    def world(self):
        """The training world the run was made on, re-read from the text run.json keeps."""
        return rundir.training_world(self.path)

    @property
    def study(self):
        """The study the run was started with, rebuilt from run.json by its kind."""
        return lifecycle.study_of(self.path)

    @property
    def agents(self) -> rundir.SavedAgents:
        """The final agents of a complete training run: their parameters, seeds and the mind that reads them."""
        return rundir.load_agents(self.path)

    def _written(self) -> list[str]:
        """The files the run wrote (its manifest)."""
        return rundir.manifest(self.path)

    def _table_names(self) -> list[str]:
        return [n.removesuffix(".csv") for n in self._written()
                if n.endswith(".csv") and "/" not in n and (self.path / n).is_file()]

    def table(self, name: str) -> pd.DataFrame:
        """NAME.csv of the run as a DataFrame (a copy: change it freely); a one-line UserError when it has none."""
        names = self._table_names()
        if name not in names:
            raise UserError(f"{self.path}: no {name}.csv; its tables: {', '.join(names) or 'none'}")
        path = self.path / f"{name}.csv"
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        if self._read.get(name, (None,))[0] != stamp:
            self._read[name] = (stamp, read_table(path))
        return self._read[name][1].copy()


class SweepFolder(RunDirectory):
    """A sweep folder: a run directory whose ``index`` is sweep.csv (a row per cell: its axis values, status, run
    and outcome shares per deployment world) and whose ``cells`` (name -> :class:`RunDirectory`) are its runs. A
    sweep folder from an evosim before sweeps had a run.json has the index and cells only."""

    def __init__(self, path: str | os.PathLike):
        super().__init__(path)
        if not self.recorded:
            rundir.read_sweep(self.path)  # a user's sweep.csv is no sweep folder

    @property
    def recorded(self) -> bool:
        """Whether the folder has a run.json (every sweep folder of this evosim does)."""
        return (self.path / rundir.RUN_JSON).exists()

    @property
    def doc(self) -> dict | None:
        return super().doc if self.recorded else None

    @property
    def status(self) -> str | None:
        return super().status if self.recorded else None

    @property
    def settings(self) -> dict | None:
        return super().settings if self.recorded else None

    @property
    def world(self):
        return super().world if self.recorded else None

    def _written(self) -> list[str]:
        return super()._written() if self.recorded else [rundir.SWEEP_CSV, f"{TIMINGS}.csv"]

    def _rows(self) -> list[dict]:
        """sweep.csv's rows, checked to be the index evosim writes (a sweep writes it once every cell is done)."""
        if self.recorded and not (self.path / rundir.SWEEP_CSV).exists():
            raise UserError(f"{self.path}: no {rundir.SWEEP_CSV} yet (the sweep is {self.status}); the sweep writes "
                            "it once every cell is done")
        return rundir.read_sweep(self.path)

    @property
    def index(self) -> pd.DataFrame:
        """sweep.csv: a row per cell."""
        self._rows()
        return self.table(rundir.SWEEP_CSV.removesuffix(".csv"))

    def _cell_names(self) -> list[str]:
        return [row["run"].partition("/")[2] for row in self._rows()]

    @property
    def cells(self) -> Mapping[str, RunDirectory]:
        """Every cell of the index by name, each loaded when asked for."""
        return Lazy(self._cell_names, self.cell)

    def cell(self, name: str) -> RunDirectory:
        """The run directory of the cell ``name`` (sweep.csv's run is ``cells/NAME``)."""
        if name not in self._cell_names():
            raise UserError(f"{self.path}: no cell {name!r} in {rundir.SWEEP_CSV}; its cells: "
                            f"{', '.join(self._cell_names())}")
        return load(self.path / rundir.CELLS / name)


#: What a folder loads as, by its run.json ``kind`` (every other kind: a :class:`RunDirectory`).
FOLDERS: dict[str, type[RunDirectory]] = {Sweep.kind: SweepFolder}


def load(path: str | os.PathLike) -> RunDirectory:
    """A run directory or a sweep folder, as the object its run.json ``kind`` calls for; a path that is neither
    is a one-line UserError naming it."""
    return FOLDERS.get(kind_of(path), RunDirectory)(path)


# -- running studies ---------------------------------------------------------------------------

def _call(name: str, *args, **kwargs) -> str:
    """How a call of this API reads, for run.json's ``command``."""
    shown = [repr(os.fspath(a)) if isinstance(a, os.PathLike) else repr(a) for a in args]
    shown += [f"{k}={v!r}" for k, v in kwargs.items() if v is not None]
    return f"evosim.api.{name}({', '.join(shown)})"


def _settings(cls: type, given: dict, what: str, fixed: dict | None = None):
    """Settings of ``cls`` from keyword arguments and the ``fixed`` values this API sets itself; a name it has not
    (or one fixed here) refused in one line listing the ones it takes."""
    fixed = fixed or {}
    names = [f.name for f in fields(cls) if f.name not in fixed]
    unknown = next((name for name in given if name not in names), None)
    if unknown is not None:
        raise UserError(f"{flag(unknown)}: no such setting of {what}; it takes: {', '.join(names)}")
    return cls(**given, **fixed)


def _cluster(given: dict) -> ClusterSettings | None:
    """The cluster settings among keyword arguments (taken out of them), or None when none is given."""
    mine = {f.name: given.pop(f.name) for f in fields(ClusterSettings) if f.name in given}
    mine = {name: value for name, value in mine.items() if value is not None}
    return ClusterSettings(**mine) if mine else None


def _maze_training(command: str, names: list[str], world, out, algorithm: str, mind: str, mind_options: dict | None,
                   force: bool, given: dict) -> RunDirectory:
    """Train on a maze world as ``evosim evolve`` / ``evosim train`` does, recorded as this API's ``command``."""
    call = _call(command, world, out, algorithm=algorithm, mind=mind, mind_options=mind_options or None, **given)
    cluster = _cluster(given)
    study: MazeTraining = training_study(load_world(world, ("maze",)), make_mind(mind, **(mind_options or {})),
                                         given, names, algorithm)
    lifecycle.start(study, Path(out), force, cluster or ClusterSettings(), call)
    return load(out)


def train(world: str | os.PathLike, out: str | os.PathLike, algorithm: str = "gradient", *, mind: str = "planner",
          mind_options: dict | None = None, force: bool = False, **settings) -> RunDirectory:
    """Train agents on a maze world into the run directory ``out``; the run.

    ``algorithm`` is any base optimizer (gradient, ga, cma-es, openai-es); ``mind`` and its ``mind_options``
    (e.g. ``{"hidden": 32}``) the mind it shapes. ``settings`` are the flags of ``evosim train`` / ``evosim evolve`` by
    their field names: the run's (``seed``, ``seeds``, ``episodes_budget``, ``checkpoint_every``, ``source``,
    ``adversary``), the optimizer's (e.g. ``updates``, ``population``, ``learning_rate``) and the cluster's (``workers``,
    ``scheduler``). ``force`` replaces an evosim run already in ``out`` (its files only).
    """
    return _maze_training("train", list(OPTIMIZERS), world, out, algorithm, mind, mind_options, force, settings)


def evolve(world: str | os.PathLike, out: str | os.PathLike, algorithm: str = "ga", *, mind: str = "planner",
           mind_options: dict | None = None, force: bool = False, **settings) -> RunDirectory:
    """Evolve populations on a maze world into ``out``, as ``evosim evolve`` does (``algorithm``: ga, cma-es or
    openai-es; without a budget or generations, the mind's default budget); the run. Arguments as :func:`train`'s."""
    return _maze_training("evolve", algorithms("evolve"), world, out, algorithm, mind, mind_options, force, settings)


def deploy(run: str | os.PathLike, world: str | os.PathLike, **settings) -> RunDirectory:
    """Deploy a complete run's agents, and the reference agents, in a maze world, as ``evosim deploy`` does: their
    rows join the run's deploy.csv and reference.csv. ``settings``: ``episodes``, ``seed``, ``replace`` (of
    :class:`~evosim.studies.deployment.DeploySettings`). The run, loaded again."""
    deploy_file(Path(run), world, _settings(DeploySettings, settings, "deploy"))
    return load(run)


def sweep(experiment: str | os.PathLike, out: str | os.PathLike, **settings) -> SweepFolder:
    """Train and deploy every cell of an experiment file into the sweep folder ``out`` on Dask, as ``evosim sweep``
    does (an identical sweep there is continued); the folder. ``settings``: ``quick`` (the experiment's [quick]
    values), ``force``, and the cluster's ``workers`` (default: one per core) or ``scheduler``. Cells that failed
    twice are a one-line UserError once the rest are done."""
    call = _call("sweep", experiment, out, **settings)
    cluster = _cluster(settings)
    _, rows = run_experiment(experiment, Path(out), _settings(SweepSettings, settings, "sweep"), cluster, call)
    refuse_failures(rows)
    return load(out)


def ecology(world: str | os.PathLike, out: str | os.PathLike, *, force: bool = False, **settings) -> RunDirectory:
    """Run a savanna world into ``out``, as ``evosim ecology`` does; the run. ``settings``: ``ticks``, ``seed``,
    ``log_every``, ``checkpoint_every`` (of :class:`~evosim.studies.ecology.EcologySettings`)."""
    call = _call("ecology", world, out, **settings)
    study = ecology_study(world, _settings(EcologySettings, settings, "ecology"))
    lifecycle.start(study, Path(out), force, command=call)
    return load(out)


def deception(world: str | os.PathLike, out: str | os.PathLike, *, force: bool = False, **settings) -> RunDirectory:
    """Evolve flag-reading genomes in the deception game into ``out``, as ``evosim deception --evolve`` does; the
    run. ``settings``: ``training_episodes``, ``deployment_episodes``, ``modification``, ``seed``, ``seeds``,
    ``generations``, ``population`` (of :class:`~evosim.studies.deception_game.DeceptionSettings`)."""
    call = _call("deception", world, out, **settings)
    fixed = {"evolve": True, "out": Path(out), "force": force}
    study = evolution_study(world, _settings(DeceptionSettings, settings, "deception", fixed))
    lifecycle.start(study, Path(out), force, command=call)
    return load(out)


def resume(run: str | os.PathLike, **cluster) -> RunDirectory:
    """Continue an interrupted run of any study from its checkpoints, as ``evosim resume`` does (``cluster``:
    ``workers`` or ``scheduler``; neither: one local worker, or one per core for a sweep); the run."""
    study = lifecycle.study_of(Path(run))
    given = cluster or ({"workers": cores()} if study.every_core else {})
    lifecycle.resume(Path(run), _settings(ClusterSettings, given, "resume"), study)
    return load(run)


# -- figures -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Drawing:
    """One figure of the reports: the kind of run it draws, whether it draws one run (or folder) or several,
    whether it draws into an Axes (``ax``) or a Figure / SubFigure (``fig``), and how."""

    kind: str
    into: str  # "ax" or "fig"
    draw: Callable  # (runs, target, labels) -> the Axes or Figure drawn
    about: str
    one: bool = False  # draws one run or folder
    labelled: bool = False  # takes labels: one line name per run


def _deception_evolution(runs: list[Path], fig, labels) -> Figure:
    """deception_evolution.csv of one complete run, with its game."""
    rundir.require_complete(runs[0])
    run = load(runs[0])
    return deception_evolution_figure(run.table(EVOLUTION).to_dict("records"), run.study.game, fig)


def _training(plot: Callable) -> Callable:
    return lambda runs, target, labels: plot(runs, labels=labels, fig=target)


#: Every figure :func:`plot` draws, by name.
FIGURES: dict[str, Drawing] = {
    "outcome_shares": Drawing(MazeTraining.kind, "ax", lambda runs, ax, labels: training_report.plot_outcome_shares(
        runs, labels, ax), "every line's outcome shares over decisive episodes in every world, in one axes",
        labelled=True),
    "shift_comparison": Drawing(MazeTraining.kind, "fig", _training(training_report.plot_shift_comparison),
                                "outcome shares before and after the shift, a panel per line, and the reference "
                                "agents", labelled=True),
    "drive_tracking": Drawing(MazeTraining.kind, "fig", _training(training_report.plot_drive_tracking),
                              "p_goal on the probe battery over training, a panel per proxy", labelled=True),
    "drives": Drawing(MazeTraining.kind, "fig", _training(training_report.plot_drives),
                      "planner drive weights over training, a panel per feature", labelled=True),
    "capability": Drawing(MazeTraining.kind, "fig", _training(training_report.plot_capability),
                          "outcome shares against maze size, in worlds whose size is a range", labelled=True),
    "adversary": Drawing(MazeTraining.kind, "fig", _training(training_report.plot_adversary),
                         "what the adversary proposed over training", labelled=True),
    "thinking_steps": Drawing(MazeTraining.kind, "fig", _training(planning_report.plot_thinking_steps),
                              "evosim planning's thinking steps: decisive exit rate and misgeneralized share "
                              "against extra thinking ticks, a panel per maze size", labelled=True),
    "target_probes": Drawing(MazeTraining.kind, "fig", _training(planning_report.plot_target_probes),
                             "evosim planning's target probes: held-out accuracy over training, a panel per target",
                             labelled=True),
    "steering": Drawing(MazeTraining.kind, "fig", _training(planning_report.plot_steering),
                        "evosim planning's steering: p(green first) with the green vector subtracted, not "
                        "added, and added", labelled=True),
    "diversity": Drawing(Sweep.kind, "fig", lambda runs, fig, labels: sweep_report.plot_diversity(runs, fig=fig),
                         "a sweep's outcome shares in its last deployment world against its axis", one=True),
    "capacity": Drawing(Sweep.kind, "fig", lambda runs, fig, labels: capacity_report.plot_capacity(runs, fig=fig),
                        "a sweep over mind options: failures in the shift against capacity", one=True),
    "sources": Drawing(Sweep.kind, "fig", lambda runs, fig, labels: sources_report.plot_sources(runs, fig=fig),
                       "a sweep over a categorical axis (e.g. source): its values compared per arm, exit rate in "
                       "training and colour misgeneralization in every shift", one=True),
    "population_dynamics": Drawing(SavannaEcology.kind, "fig", lambda runs, fig, labels:
                                   ecology_report.plot_population_dynamics(runs, fig=fig),
                                   "savanna populations, alignment, meals and drives over ticks"),
    "deception_evolution": Drawing(DeceptionEvolution.kind, "fig", _deception_evolution,
                                   "P(choose A) in training and in deployment over generations", one=True),
}


def figures() -> dict[str, str]:
    """Every figure's name, with what it draws, from which kind of run, and into what."""
    return {name: f"{d.about} (from {d.kind} runs, into {'ax: one Axes' if d.into == 'ax' else 'fig: a Figure'})"
            for name, d in FIGURES.items()}


def plot(name: str, runs, *, ax: Axes | None = None, fig: Figure | SubFigure | None = None,
         labels: list[str] | None = None):
    """Draw the report figure ``name`` (one of :data:`FIGURES`) of ``runs`` (a run or sweep folder, a folder of
    runs, or a list of them: paths or loaded objects) into ``ax`` (a figure of one panel) or ``fig`` (a Figure or
    SubFigure, for a figure of several panels), or into a figure of its own; the Axes or Figure drawn.
    ``labels`` names each run's line, in order (figures of maze training runs)."""
    if name not in FIGURES:
        raise UserError(f"plot: {name!r} is not one of: {', '.join(FIGURES)}")
    drawing = FIGURES[name]
    if (fig if drawing.into == "ax" else ax) is not None:
        into = "one Axes: pass ax, not fig" if drawing.into == "ax" else "a Figure or SubFigure: pass fig, not ax"
        raise UserError(f"plot: {name} draws into {into}")
    if labels is not None and not drawing.labelled:
        raise UserError(f"plot: {name} has no lines to name; labels apply to figures of {MazeTraining.kind} runs")
    paths = rundir.given_runs([runs] if isinstance(runs, (str, os.PathLike)) else list(runs))
    if not paths:
        raise UserError(f"plot: {name}: no run given")
    if drawing.one and len(paths) > 1:
        raise UserError(f"plot: {name} draws one {drawing.kind} folder or run, not {len(paths)}")
    for path in paths:
        kind = kind_of(path)
        if kind != drawing.kind:
            raise UserError(f"{path}: a {kind} run; plot {name} draws {drawing.kind} runs")
    return drawing.draw(paths, ax if drawing.into == "ax" else fig, labels)
