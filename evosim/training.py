"""What both base optimizers log while they train, in one schema.

A :class:`TrainingLog` collects generations.csv rows (one per step: population
statistics of the base objective and of behaviour) and reporter rows (drives,
probes), each tagged with optimizer, mind, seed and step.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .config import Objective
from .episodes import EpisodeResult


@dataclass
class TrainingLog:
    optimizer: str
    mind: str
    seed: int
    generations: list[dict] = field(default_factory=list)
    tables: dict[str, list[dict]] = field(default_factory=dict)
    episodes: int = 0  # training episodes so far
    final_params: np.ndarray | None = None

    def ids(self, step: int) -> dict:
        return {"optimizer": self.optimizer, "mind": self.mind, "seed": self.seed, "step": step}

    def record_episodes(self, step: int, result: EpisodeResult, objective: Objective,
                        episodes: int, fitness: dict | None = None) -> None:
        """A generations.csv row from this step's training episodes."""
        self.episodes += episodes
        value = result.base_objective(objective)
        row = self.ids(step) | {
            "episodes": self.episodes,
            "objective_mean": float(value.mean()), "objective_std": float(value.std()),
            "objective_min": float(value.min()), "objective_max": float(value.max()),
            "exit_rate": float(result.exit_reached.mean()),
            "steps_mean": float(result.steps.mean()),
            "apples_mean": float(result.apples.mean()),
            "explored_mean": float(result.explored.mean()),
        }
        if fitness is not None:
            row |= {f"fitness_{k}": float(v) for k, v in fitness.items()}
        self.generations.append(row)

    def report(self, step: int, params: np.ndarray, reporters, last: bool) -> None:
        """Run the reporters due at this step; their summaries join this step's generations row."""
        for reporter in reporters:
            if step % reporter.every and not last:
                continue
            rng = np.random.default_rng([self.seed, step, 7919])
            rows, summary = reporter.rows(step, params, rng)
            self.tables.setdefault(reporter.table, []).extend(self.ids(step) | r for r in rows)
            self.generations[-1].update(summary)
