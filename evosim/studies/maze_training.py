"""The maze training study: a base optimizer shapes a mind on a maze world, seed by seed.

``evosim evolve`` and ``evosim train`` (and :mod:`evosim.api`) describe a
:class:`MazeTraining` with :func:`training_study`; the lifecycle runs it: every
seed (a population, or the gradient learners together) trains with checkpoints
in ``RUN/checkpoints/``, on Dask workers when there are any, then the tables and
the final agents are written.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path

from evosim.core.errors import UserError
from evosim.core.settings import flag, refuse_together
from evosim.minds import MINDS, make_mind
from evosim.optimizers import OPTIMIZERS
from evosim.runs.memory import require_memory
from evosim.runs import rundir
from evosim.runs.cluster import ClusterSettings, for_workers
from evosim.studies import register_study
from evosim.studies.base import Study
from evosim.training.budgets import default_budget
from evosim.training.evaluators import EVALUATORS
from evosim.training.loop import RunSettings, TrainingLog, checkpoint_name, seed_groups, train_seeds
from evosim.training.reporters import chance_rows
from evosim.training.sources import SOURCES

#: How a run's one-line description names where its training worlds came from.
SOURCE_NAMES = {"world": "", "adversary": " against an adversary", "plr": " on mazes replayed by regret (plr)",
                "accel": " on mazes replayed and edited by regret (accel)"}


@register_study
@dataclass(frozen=True)
class MazeTraining(Study):
    """What a training run does: the world (and its file's text), mind, optimizer, settings, seeds."""

    kind = "maze-training"
    description = "a base optimizer shapes a mind on a maze world (evosim evolve, evosim train)"

    world: object
    mind: object
    algorithm: str
    settings: object  # the optimizer's settings
    seeds: list[int]
    checkpoint_every: int
    episodes_budget: int | None = None
    source: str = "world"  # where training worlds come from (one of SOURCES)

    def __post_init__(self):
        mazes, path = self.settings.mazes, self.world.path
        if self.source == "adversary" and self.world.adversary.mazes(mazes) < 1:
            raise UserError(f"{path}: [adversary] share: {self.world.adversary.share:g} of --mazes {mazes} "
                            "training mazes per step is not one maze; raise the share or --mazes")
        if self.source in ("plr", "accel") and sum(self.world.replay.counts(mazes, self.source == "accel")) < 1:
            raise UserError(f"{path}: [replay] share: {self.world.replay.share:g} of --mazes {mazes} training mazes "
                            "per step replays no maze; raise the share or --mazes")

    @classmethod
    def new(cls, world, mind, algorithm: str, settings, seeds: list[int], checkpoint_every: int,
            episodes_budget: int | None = None, source: str = "world") -> "MazeTraining":
        """A job on a loaded world (whose text run.json keeps)."""
        return cls(world, mind, algorithm, settings, list(seeds), checkpoint_every, episodes_budget, source)

    def to_doc(self) -> dict:
        """The ``settings`` of run.json: everything :meth:`from_run` needs to make the job again."""
        doc = {self.algorithm: asdict(self.settings), "algorithm": self.algorithm, "mind": self.mind.name,
               "mind_options": self.mind.options(), "checkpoint_every": self.checkpoint_every,
               "source": self.source}
        if self.episodes_budget is not None:
            doc["episodes_budget"] = self.episodes_budget
        return doc

    @classmethod
    def from_run(cls, doc: dict, world) -> "MazeTraining":
        s = doc["settings"]
        algorithm = s.get("algorithm")
        if algorithm not in OPTIMIZERS or not isinstance(s.get(algorithm), dict):
            raise UserError(f"settings name no base optimizer this evosim can resume "
                            f"(algorithm {algorithm!r}; one of: {', '.join(OPTIMIZERS)})")
        settings = OPTIMIZERS[algorithm].Settings(**s[algorithm])
        options = s.get("mind_options", {})
        if not isinstance(options, dict):
            raise ValueError(f"mind_options is {options!r}, not a table")
        mind = make_mind(s["mind"], **options)
        every = int(s["checkpoint_every"])
        adversary = s.get("adversary", False)  # what an evosim before --source wrote
        if not isinstance(adversary, bool):
            raise ValueError(f"adversary is {adversary!r}, not true or false")
        source = s.get("source", "adversary" if adversary else "world")
        if source not in SOURCES:
            raise ValueError(f"source is {source!r}, not one of {', '.join(SOURCES)}")
        return cls(world, mind, algorithm, settings, doc["seeds"], every, s.get("episodes_budget"), source)

    def check(self, cluster: ClusterSettings) -> None:
        check_memory(self, cluster)

    def checkpoint_names(self) -> list[str]:
        """A checkpoint per seed for one-seed optimizers (their seeds may run apart), else one for all."""
        return [checkpoint_name(group) for group in seed_groups(self.settings, self.seeds)]

    def execute(self, run: Path, client) -> list[TrainingLog]:
        """Train every seed with checkpoints, then write the tables and the final agents."""
        logs = train_seeds(self.world, self.mind.name, self.settings, self.seeds, client,
                           for_workers(run / rundir.CHECKPOINTS), self.checkpoint_every, self.source,
                           self.mind.options())
        rundir.write_table(run, "chance", chance_rows(self.world))
        rundir.write_training(run, logs, self.mind)
        return logs

    def describe(self, logs: list[TrainingLog], run: Path) -> str:
        """One line on a finished run: what was trained, how far, and where it is."""
        rate = sum(log.generations[-1]["exit_rate"] for log in logs) / len(logs)
        verb = "evolved" if self.settings.command == "evolve" else "trained"
        return (f"{verb} {self.mind.name} x {len(self.seeds)} seed(s) by {self.algorithm}"
                f"{SOURCE_NAMES[self.source]}, "
                f"{logs[0].episodes:,} episodes each: final training exit rate {rate:.3f}; run in {run}")


def training_study(world, mind, given: dict, algorithms: list[str], algorithm: str | None = None) -> MazeTraining:
    """The maze training a training command asks for (``evosim evolve``, ``evosim train``, :mod:`evosim.api`):
    ``world`` and ``mind`` made, the base optimizer ``algorithm`` (one of ``algorithms``; None: the first) and the
    settings ``given`` (a field of its settings or of :class:`RunSettings` -> value; None or absent: the default).

    A setting that belongs to another base optimizer, or to none, is a one-line UserError naming it. The budget,
    when given, sets the generations or updates; without it and without the optimizer's steps, evolution spends
    the mind's default budget.
    """
    if algorithm is None:
        algorithm = algorithms[0]
    if algorithm not in algorithms:
        raise UserError(f"--algorithm: {algorithm!r} is not one of: {', '.join(algorithms)}")
    cls = OPTIMIZERS[algorithm].Settings
    given = {name: value for name, value in given.items() if value is not None}
    own, run = _names(cls), _names(RunSettings)
    for name in given:
        if name not in own | run:
            users = [a for a in algorithms if name in _names(OPTIMIZERS[a].Settings)]
            raise UserError(f"{flag(name)}: applies to --algorithm {', '.join(users)}, not {algorithm}" if users else
                            f"{flag(name)}: no such setting; {algorithm} takes: {', '.join(sorted(own | run))}")
    refuse_together(given, cls.steps_field, "episodes_budget", f"the budget sets the {cls.step_name}s")
    if "temperature" in given and not mind.samples_targets:
        sampling = ", ".join(name for name, m in MINDS.items() if m.samples_targets)
        raise UserError(f"{flag('temperature')}: applies to a mind whose learner samples targets ({sampling}), "
                        f"not {mind.name}")
    EVALUATORS[cls.evaluation].check_mind(mind)
    settings = RunSettings(**{n: v for n, v in given.items() if n in run})
    seeds = list(range(settings.seed, settings.seed + (settings.seeds or cls.default_seeds)))
    optimizer = cls(**{n: v for n, v in given.items() if n in own})
    budget = settings.episodes_budget
    if budget is None and cls.steps_field not in given:
        budget = default_budget(cls, mind.name)
    if budget is not None:
        optimizer = optimizer.with_budget(budget)
    return MazeTraining.new(world, mind, algorithm, optimizer, seeds, settings.checkpoint_every,
                            settings.episodes_budget, settings.world_source)


def _names(settings_class: type) -> set[str]:
    return {f.name for f in fields(settings_class)}


def check_memory(job: MazeTraining, cluster: ClusterSettings) -> None:
    """Refuse a job whose steps would not fit in memory, naming the setting that sets their size."""
    if cluster.scheduler is not None:
        return
    settings, one_seed = job.settings, job.settings.one_seed
    parallel = min(cluster.workers, len(job.seeds)) if one_seed else 1
    seeds_per_run = 1 if one_seed else len(job.seeds)
    episodes = settings.episodes_per_step(seeds_per_run)
    need = parallel * EVALUATORS[settings.evaluation].step_memory(job.world, job.mind, settings, seeds_per_run)
    culprit = (f"--population: {settings.population}" if hasattr(settings, "population") else
               f"--seeds {len(job.seeds)}, --mazes {settings.mazes}, --rollouts {settings.rollouts}:")
    require_memory(need, culprit, f"one {settings.step_name} runs {episodes:,} episodes at once"
                                  f"{f' on each of {parallel} workers' if parallel > 1 else ''}")
