"""The one training loop every base optimizer runs, and what it logs.

Each step: the optimizer is asked for parameters; each seed's agents draw their
training worlds from the world source; the episodes run; a :class:`TrainingLog`
per seed records a generations.csv row and the reporters' rows; the optimizer is
told the results. The loop never asks which optimizer it drives.

Every ``every`` steps the loop saves a :class:`Checkpoints` file (the optimizer's
state with every random stream, and the logs so far), and a loop started on an
existing file continues from it: a run resumed after being killed at any moment
returns the same logs, byte for byte, as one never interrupted.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from functools import partial
from pathlib import Path

import numpy as np

from evosim.core import limits
from evosim.runs.checkpoint import run_steps
from evosim.core.errors import UserError
from evosim.core.expect import Expect
from evosim.core.streams import set_stream_state, stream, stream_state
from evosim.optimizers import OPTIMIZERS
from evosim.training.evaluators import EVALUATORS, StepResults
from evosim.core.settings import Settings, setting
from evosim.training.sources import SOURCES, WorldFile, WorldScores, world_source


@dataclass(frozen=True)
class RunSettings(Settings):
    """Settings of a training command that no base optimizer owns: seeds and budget."""

    seed: int = setting(0, "first seed", least=0, most=limits.SEED)
    seeds: int | None = setting(None, "seeds seed..seed+N-1: independent populations (evolve) or learners "
                                      "(train)", least=1, most=limits.SEEDS)
    episodes_budget: int | None = setting(None, "training episodes of each seed (one population for evolve, "
                                                "one learner for train); sets the generations or updates",
                                          least=1, most=limits.BUDGET)
    checkpoint_every: int = setting(10, "generations or updates between checkpoints ('evosim resume RUN' "
                                        "continues from the last)", least=1)
    source: str = setting("world", "where training mazes come from: world (drawn from the world file), adversary "
                                   "(one co-evolves), plr (replayed by exact regret) or accel (plr and edits); the "
                                   "world file's [adversary] or [replay] table tunes it", choices=SOURCES)
    adversary: bool = setting(False, "the same as --source adversary")

    def check(self) -> None:
        if self.adversary and self.source not in ("world", "adversary"):
            raise UserError(f"--adversary: is --source adversary; it cannot go with --source {self.source}")

    @property
    def world_source(self) -> str:
        """The source these settings name, --adversary included."""
        return "adversary" if self.adversary else self.source


@dataclass
class TrainingLog:
    """What one seed's training recorded: generations.csv rows, reporter tables, final parameters.

    Rows are tagged with optimizer, mind, seed and step, so every optimizer writes one schema.
    """

    optimizer: str
    mind: str
    seed: int
    generations: list[dict] = field(default_factory=list)
    tables: dict[str, list[dict]] = field(default_factory=dict)
    episodes: int = 0  # training episodes so far
    final_params: np.ndarray | None = None
    snapshot_steps: list[int] = field(default_factory=list)
    snapshots: list[np.ndarray] = field(default_factory=list)  # the kept agents' parameters at each snapshot step

    #: The fields that are arrays, saved beside the document rather than in it.
    ARRAYS = ("final_params", "snapshots")

    def to_doc(self) -> dict:
        """Everything but the parameters, as JSON (floats round-trip exactly)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in self.ARRAYS}

    def ids(self, step: int) -> dict:
        return {"optimizer": self.optimizer, "mind": self.mind, "seed": self.seed, "step": step}

    def record_episodes(self, step: int, result, objective, episodes: int, columns: dict) -> None:
        """A generations.csv row from this step's training episodes, plus the optimizer's ``columns``."""
        self.episodes += episodes
        value = objective.total(result)
        self.generations.append(self.ids(step) | {
            "episodes": self.episodes,
            "objective_mean": float(value.mean()), "objective_std": float(value.std()),
            "objective_min": float(value.min()), "objective_max": float(value.max()),
            "exit_rate": float(result.exit_reached.mean()),
            "steps_mean": float(result.steps.mean()),
            "apples_mean": float(result.apples.mean()),
            "explored_mean": float(result.explored.mean()),
        } | columns)

    def add_rows(self, table: str, step: int, rows: list[dict]) -> None:
        """Rows of ``table`` at this step, after the ids and ``episodes`` (the budget axis every optimizer shares)."""
        ids = self.ids(step) | {"episodes": self.episodes}
        self.tables.setdefault(table, []).extend(ids | r for r in rows)

    def report(self, step: int, params: np.ndarray, reporters, last: bool, snapshot_every: int = 0) -> None:
        """Run the reporters due at this step; their summaries join this step's generations row. Every
        ``snapshot_every`` steps (0: never) and at the last, the agents' parameters are kept as a snapshot."""
        if snapshot_every and (step % snapshot_every == 0 or last):
            self.snapshot_steps.append(step)
            self.snapshots.append(params.copy())
        for reporter in reporters:
            if step % reporter.every and not last:
                continue
            rng = stream("reporters", self.seed, step)
            rows, summary = reporter.rows(step, params, rng)
            self.add_rows(reporter.table, step, rows)
            self.generations[-1].update(summary)


def slot_worlds(n_agents: int, n_seeds: int, worlds: int, rollouts: int) -> np.ndarray:
    """The world of every episode slot: each seed's agents meet that seed's worlds, ``rollouts`` times each."""
    seed = np.repeat(np.arange(n_seeds), n_agents // n_seeds)
    world = seed[:, None] * worlds + np.arange(worlds)[None, :]
    return np.repeat(world.reshape(-1), rollouts)


@dataclass(frozen=True)
class Checkpoints:
    """Where one training run saves its state, and every how many steps."""

    path: Path
    every: int


def non_finite(step: int, settings, what: str) -> UserError:
    """The error that stops training when it produced NaN or infinite values (no checkpoint saves them)."""
    name = settings.step_name
    return UserError(f"{name} {step}: {settings.algorithm} produced NaN or infinite values in {what}; "
                     f"training stopped (try a smaller --{'learning-rate' if name == 'update' else 'sigma'})")


class Training:
    """One run of a base optimizer as steps: each asks, plays the step's episodes, logs, evaluates and tells.

    The loop owns how agents meet the training worlds: each seed's agents (P /
    len(seeds) of them, contiguous) draw ``mazes`` fresh worlds per step from the
    seed's stream (or the world source) and run each ``rollouts`` times, acting
    from the evaluator's stream. Step ``settings.steps`` is the last: its
    parameters are evaluated, the agents they stand for (the optimizer's
    ``agents``) are kept as the final agents, and nothing is told.
    :meth:`state` and :meth:`restore` hold everything needed to continue byte for
    byte (every random stream, the optimizer's and the world source's state, and
    the logs so far).
    """

    def __init__(self, world, mind, settings, seeds: list[int], source=None, reporters=()):
        self.world, self.settings, self.seeds, self.reporters = world, settings, list(seeds), reporters
        evaluator = EVALUATORS[settings.evaluation]
        evaluator.check_mind(mind)
        self.rngs = [stream(evaluator.stream, seed) for seed in self.seeds]
        self.optimizer = OPTIMIZERS[settings.algorithm](settings, mind.init, self.rngs,
                                                        world.objective.lowest(world.max_steps))
        self.evaluator = evaluator(world, mind, settings, self.seeds, self.rngs)
        self.source = WorldFile(world) if source is None else source
        self.logs = [TrainingLog(settings.algorithm, mind.name, seed) for seed in self.seeds]
        self.n_params = mind.n_params
        self.snapshot_every = settings.log_every if mind.keeps_snapshots else 0
        self.position = 0  # the next step
        self.postfix: dict = {}

    @property
    def done(self) -> bool:
        return self.position > self.settings.steps

    def step(self) -> None:
        optimizer, world, source, logs, step = self.optimizer, self.world, self.source, self.logs, self.position
        mazes, rollouts = self.settings.mazes, self.evaluator.rollouts
        last = step == self.settings.steps
        params = optimizer.ask()
        if not np.isfinite(params).all():
            raise non_finite(step, self.settings, "the parameters it asked to evaluate")
        batch = world.batch([w for i, rng in enumerate(self.rngs) for w in source.sample(step, i, rng, mazes)])
        slots = slot_worlds(len(params), len(logs), mazes, rollouts)
        episodes = world.episodes(batch, len(params), slots)
        controller = self.evaluator.controller(params, episodes)
        result = episodes.play(controller, self.evaluator.actions)
        objective = world.objective.total(result).reshape(len(params), -1).mean(1)
        columns = optimizer.columns(objective)
        per_seed, kept = len(params) // len(logs), optimizer.agents(params)
        per_kept = len(kept) // len(logs)
        for i, log in enumerate(logs):
            agents = slice(i * per_seed, (i + 1) * per_seed)
            log.record_episodes(step, result.of_agents(agents), world.objective, per_seed * mazes * rollouts, columns)
            log.report(step, kept[i * per_kept:(i + 1) * per_kept], self.reporters, last, self.snapshot_every)
        scores = WorldScores(world, batch, result, slots, len(logs))
        for i, log in enumerate(logs):
            rows = source.tell(step, i, scores)
            if rows:
                log.add_rows(source.table, step, rows)
        self.postfix = {"exit": f"{result.exit_reached.mean():.2f}"}
        if last:
            for i, log in enumerate(logs):
                log.final_params = kept[i * per_kept:(i + 1) * per_kept].copy()
        else:
            optimizer.tell(self.evaluator.evaluate(StepResults(step, params, batch, controller, result, objective)))
        self.position += 1

    def state(self) -> tuple[dict, dict]:
        """The state from which the next step runs (past the last step: the finished logs)."""
        arrays, doc = self.optimizer.state()
        bad = [name for name, a in arrays.items() if a.dtype.kind == "f" and not np.isfinite(a).all()]
        if bad:
            raise non_finite(self.position - 1, self.settings, f"its state ({', '.join(bad)})")
        arrays = {f"optimizer.{k}": v for k, v in arrays.items()}
        source_arrays, source_doc = self.source.state()
        arrays |= {f"source.{k}": v for k, v in source_arrays.items()}
        arrays |= {f"final.{i}": log.final_params for i, log in enumerate(self.logs) if log.final_params is not None}
        arrays |= {f"snapshots.{i}": np.stack(log.snapshots) for i, log in enumerate(self.logs) if log.snapshots}
        return arrays, {"next_step": self.position, "algorithm": self.settings.algorithm, "seeds": self.seeds,
                        "optimizer": doc, "streams": [stream_state(r) for r in self.rngs],
                        "actions": self.evaluator.state(), "source": source_doc,
                        "logs": [log.to_doc() for log in self.logs]}

    def spec(self) -> dict[str, Expect]:
        """What :meth:`state` holds: the optimizer's and the source's state, the final agents once the last
        step ran, and the next step (at most one past the last)."""
        spec = {f"optimizer.{k}": e for k, e in self.optimizer.spec().items()}
        spec |= {f"source.{k}": e for k, e in self.source.spec().items()}
        spec |= {f"final.{i}": Expect("f", ("final agents per seed", self.n_params), optional=True)
                 for i in range(len(self.seeds))}
        spec |= {f"snapshots.{i}": Expect("f", ("snapshots", "final agents per seed", self.n_params), optional=True)
                 for i in range(len(self.seeds))}
        return spec | {"next_step": Expect("i", None, 0, self.settings.steps + 1)}

    def restore(self, arrays: dict, doc: dict) -> None:
        """Continue from what :meth:`state` returned, on a training made with the same arguments."""
        algorithm = self.settings.algorithm
        if doc.get("algorithm") != algorithm or doc.get("seeds") != self.seeds:
            raise UserError(f"a checkpoint of {doc.get('algorithm')} seeds {doc.get('seeds')}, "
                            f"not of this run ({algorithm} seeds {self.seeds})")
        self.optimizer.restore({k.removeprefix("optimizer."): v for k, v in arrays.items()
                                if k.startswith("optimizer.")}, doc["optimizer"])
        for rng, saved in zip(self.rngs, doc["streams"], strict=True):
            set_stream_state(rng, saved)
        self.evaluator.restore(doc["actions"])
        self.source.restore({k.removeprefix("source."): v for k, v in arrays.items() if k.startswith("source.")},
                            doc["source"])
        for i, (log, saved) in enumerate(zip(self.logs, doc["logs"])):
            for key, value in saved.items():
                setattr(log, key, value)
            log.final_params = arrays.get(f"final.{i}")
            log.snapshots = list(arrays.get(f"snapshots.{i}", []))
        self.position = doc["next_step"]


def train(world, mind, settings, seeds: list[int], source=None, reporters=(), progress=None,
          checkpoints: Checkpoints | None = None) -> list[TrainingLog]:
    """Run the base optimizer of ``settings`` on ``mind`` in ``world`` to its last step, for ``seeds``;
    one log per seed, with its final parameters.

    With ``checkpoints``, the state is saved every ``checkpoints.every`` steps and at
    the end, and a saved state is continued from.
    """
    training = Training(world, mind, settings, seeds, source, reporters)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # non-finite values are checked
        run_steps(training, None if checkpoints is None else checkpoints.path,
                  1 if checkpoints is None else checkpoints.every, progress)
    return training.logs


def checkpoint_name(seeds: list[int]) -> str:
    """The checkpoint file of a run of these seeds."""
    return f"seed-{seeds[0]}.npz" if len(seeds) == 1 else f"seeds-{seeds[0]}-{seeds[-1]}.npz"


def seed_groups(settings, seeds: list[int]) -> list[list[int]]:
    """The seeds of each run of the optimizer: one each for one-seed optimizers (their runs may go to Dask
    workers), else all together."""
    return [[s] for s in seeds] if settings.one_seed else [list(seeds)]


def train_run(world, mind_name: str, settings, seeds: list[int], progress: bool = True,
              checkpoint_dir: Path | None = None, every: int = 1, source: str = "world",
              mind_options: dict | None = None) -> list[TrainingLog]:
    """One run of a base optimizer with the default reporters and a progress bar.

    With ``checkpoint_dir``, it saves and continues from its checkpoint there; ``source`` says where the
    training mazes come from (:data:`~evosim.training.sources.SOURCES`); ``mind_options`` are the mind's
    constructor options. A top-level function, so that Dask workers can run it.
    """
    from tqdm import tqdm

    from evosim.minds import make_mind
    from evosim.training.reporters import default_reporters

    mind = make_mind(mind_name, **(mind_options or {}))
    source = world_source(source, world, seeds, settings.mazes)
    checkpoints = None if checkpoint_dir is None else Checkpoints(checkpoint_dir / checkpoint_name(seeds), every)
    who = f"seed {seeds[0]}" if len(seeds) == 1 else f"x {len(seeds)} seeds"
    with tqdm(total=settings.steps + 1, desc=f"{settings.algorithm} {mind_name} {who}",
              disable=None if progress else True, leave=False) as bar:
        return train(world, mind, settings, seeds, source, default_reporters(mind, settings.log_every, world),
                     progress=bar, checkpoints=checkpoints)


def train_seeds(world, mind_name: str, settings, seeds: list[int], client=None,
                checkpoint_dir: Path | None = None, every: int = 1, source: str = "world",
                mind_options: dict | None = None) -> list[TrainingLog]:
    """Every seed's logs, a run per group of :func:`seed_groups` (on the Dask ``client``'s workers, if any)."""
    from evosim.runs.cluster import map_each

    run = partial(train_run, world, mind_name, settings, checkpoint_dir=checkpoint_dir, every=every,
                  source=source, mind_options=mind_options)
    runs = map_each(run, seed_groups(settings, seeds), client if settings.one_seed else None,
                    desc=f"{settings.algorithm} {mind_name}")
    return [log for logs in runs for log in logs]
