"""The one training loop every base optimizer runs, and what it logs.

Each step: the optimizer is asked for parameters; each seed's agents draw their
training worlds from the world source; the episodes run; a :class:`TrainingLog`
per seed records a generations.csv row and the reporters' rows; the optimizer is
told the results. The loop never asks which optimizer it drives.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import numpy as np

from .optimizers import OPTIMIZERS
from .optimizers.base import BaseOptimizer, StepResults
from .settings import Settings, setting
from .sources import WorldFile


@dataclass(frozen=True)
class RunSettings(Settings):
    """Settings of a training command that no base optimizer owns: seeds and budget."""

    seed: int = setting(0, "first seed", least=0)
    seeds: int | None = setting(None, "seeds seed..seed+N-1: independent populations for evolve (default 1), "
                                      "learners for train (default 8)", least=1)
    episodes_budget: int | None = setting(None, "total training episodes (of one population for evolve, "
                                                "over the learners for train); sets the generations or "
                                                "updates (evolve's default: the mind's budget)", least=1)


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

    def report(self, step: int, params: np.ndarray, reporters, last: bool) -> None:
        """Run the reporters due at this step; their summaries join this step's generations row."""
        for reporter in reporters:
            if step % reporter.every and not last:
                continue
            rng = np.random.default_rng([self.seed, step, 7919])
            rows, summary = reporter.rows(step, params, rng)
            self.tables.setdefault(reporter.table, []).extend(self.ids(step) | r for r in rows)
            self.generations[-1].update(summary)


def slot_worlds(n_agents: int, n_seeds: int, worlds: int, rollouts: int) -> np.ndarray:
    """The world of every episode slot: each seed's agents meet that seed's worlds, ``rollouts`` times each."""
    seed = np.repeat(np.arange(n_seeds), n_agents // n_seeds)
    world = seed[:, None] * worlds + np.arange(worlds)[None, :]
    return np.repeat(world.reshape(-1), rollouts)


def train(world, mind, optimizer: BaseOptimizer, source=None, reporters=(), progress=None) -> list[TrainingLog]:
    """Run ``optimizer`` on ``mind`` in ``world`` to its last step; one log per seed, with its final parameters."""
    source = WorldFile(world) if source is None else source
    logs = [TrainingLog(optimizer.label, mind.name, seed) for seed in optimizer.seeds]
    for step in range(optimizer.steps + 1):
        last = step == optimizer.steps
        params = optimizer.ask()
        batch = world.batch([w for rng in optimizer.maze_rngs for w in source.sample(step, rng, optimizer.mazes)])
        episodes = world.episodes(batch, len(params),
                                  slot_worlds(len(params), len(logs), optimizer.mazes, optimizer.rollouts))
        controller = optimizer.controller(params, episodes)
        result = episodes.play(controller, optimizer.action_rng)
        objective = world.objective.total(result).reshape(len(params), -1).mean(1)
        results = StepResults(step, params, batch, controller, result, objective)
        columns = optimizer.columns(results)
        per_seed = len(params) // len(logs)
        for i, log in enumerate(logs):
            agents = slice(i * per_seed, (i + 1) * per_seed)
            log.record_episodes(step, result.of_agents(agents), world.objective,
                                per_seed * optimizer.mazes * optimizer.rollouts, columns)
            log.report(step, params[agents], reporters, last)
        if progress is not None:
            progress.update(1)
            progress.set_postfix(exit=f"{result.exit_reached.mean():.2f}")
        if not last:
            optimizer.tell(results)
    for i, log in enumerate(logs):
        log.final_params = params[i * per_seed:(i + 1) * per_seed].copy()
    return logs


def train_run(world, mind_name: str, algorithm: str, settings, seeds: list[int],
              progress: bool = True) -> list[TrainingLog]:
    """One run of a base optimizer with the default reporters and a progress bar.

    A top-level function, so that Dask workers can run it.
    """
    from tqdm import tqdm

    from .minds import make_mind
    from .reporters import default_reporters

    mind = make_mind(mind_name)
    optimizer = OPTIMIZERS[algorithm](world, mind, settings, seeds)
    who = f"seed {seeds[0]}" if len(seeds) == 1 else f"x {len(seeds)} seeds"
    with tqdm(total=optimizer.steps + 1, desc=f"{algorithm} {mind_name} {who}",
              disable=None if progress else True, leave=False) as bar:
        return train(world, mind, optimizer, reporters=default_reporters(mind, settings.log_every, world),
                     progress=bar)


def train_seeds(world, mind_name: str, algorithm: str, settings, seeds: list[int], workers: int = 1,
                scheduler: str | None = None) -> list[TrainingLog]:
    """Every seed's logs: in one run, or a run per seed (on Dask workers when asked) for one-seed optimizers."""
    from .cluster import map_seeds

    if not OPTIMIZERS[algorithm].one_seed:
        return train_run(world, mind_name, algorithm, settings, seeds)
    runs = map_seeds(partial(train_run, world, mind_name, algorithm, settings), [[s] for s in seeds],
                     workers, scheduler, desc=f"{algorithm} {mind_name}")
    return [log for logs in runs for log in logs]
