"""What a base optimizer is: it asks for parameters to try and is told how they did.

The one loop in :mod:`evosim.training.loop` does everything else, and never asks which
optimizer it drives. An optimizer, made from ``(world, mind, settings, seeds)``:

- ``ask()`` returns the (P, D) parameters to evaluate this step;
- ``controller(params, episodes)`` is the mind's controller that acts in the
  training episodes (gradient descent's records its decisions);
- ``columns(results)`` adds optimizer-specific columns to generations.csv;
- ``tell(results)`` takes this step's :class:`StepResults` and moves on;
- ``state()`` and ``restore(arrays, doc)`` save and reload everything it needs to
  continue (parameters, its own state, every random stream) for checkpoints.

It also says how its agents meet the training worlds: each seed's agents (P /
len(seeds) of them, contiguous) draw ``mazes`` fresh worlds per step from that
seed's stream ``maze_rngs[i]`` and run each ``rollouts`` times; their actions
draw from ``action_rng``.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np

from evosim.core.errors import UserError
from evosim.core.settings import Settings


@dataclass(frozen=True)
class StepResults:
    """One step's training episodes, as the loop tells them to the optimizer."""

    step: int
    params: np.ndarray  # (P, D) the parameters asked for
    batch: object  # the step's training worlds, stacked
    controller: object  # what acted in the episodes
    result: object  # the finished episodes (EpisodeResult)
    objective: np.ndarray  # (P,) each agent's mean base objective over its episodes


class BaseOptimizer:
    """Base of every base optimizer: ask/tell, and how its agents meet the training worlds."""

    algorithm: ClassVar[str]  # its name on the command line
    label: ClassVar[str]  # the tables' optimizer column
    command: ClassVar[str]  # the command that runs it: "evolve" or "train"
    Settings: ClassVar[type["OptimizerSettings"]]
    one_seed: ClassVar[bool]  # True: a run per seed (runs may go to Dask workers); False: every seed in one run
    default_seeds: ClassVar[int]  # seeds of a command that names none

    seeds: list[int]
    steps: int  # steps after the first evaluation
    mazes: int  # training worlds each seed's agents draw per step
    rollouts: int = 1  # episodes per agent and world
    maze_rngs: list[np.random.Generator]
    action_rng: object

    def __init__(self, world, mind, settings, seeds: list[int]):
        self.check_mind(mind)
        self.world, self.mind, self.settings, self.seeds = world, mind, settings, list(seeds)

    @classmethod
    def default_budget(cls, mind) -> int | None:
        """Training episodes of a run that names neither a budget nor its steps: evolution spends the
        mind's budget, other optimizers their settings' steps (None)."""
        return mind.evolve_budget if cls.command == "evolve" else None

    @classmethod
    def check_mind(cls, mind) -> None:
        """Refuse, as a UserError, a mind this optimizer cannot shape."""

    @classmethod
    def step_memory(cls, world, mind, settings: "OptimizerSettings", seeds: int) -> int:
        """Bytes one step of a run of ``seeds`` seeds may need: its episodes, and its parameters a few times."""
        episodes = settings.episodes_per_step(seeds)
        agents = episodes // (settings.mazes * cls.rollouts)
        return world.step_memory(episodes, settings.mazes * seeds) + agents * mind.n_params * 8 * 4

    def ask(self) -> np.ndarray:
        raise NotImplementedError

    def controller(self, params: np.ndarray, episodes):
        return self.mind.controller(params, episodes)

    def columns(self, results: StepResults) -> dict:
        return {}

    def tell(self, results: StepResults) -> None:
        raise NotImplementedError

    def state(self) -> tuple[dict[str, np.ndarray], dict]:
        """Everything needed to continue byte for byte after ``tell``: arrays, and a JSON-able document."""
        raise NotImplementedError

    def restore(self, arrays: dict[str, np.ndarray], doc: dict) -> None:
        """Continue from what :meth:`state` returned (on an optimizer made with the same arguments)."""
        raise NotImplementedError


@dataclass(frozen=True)
class OptimizerSettings(Settings):
    """Base of a base optimizer's settings, which also have ``mazes`` and ``log_every`` fields."""

    steps_field: ClassVar[str]  # the field counting steps after the first evaluation
    step_name: ClassVar[str]  # what one step is called: "generation", "update"

    def episodes_per_step(self, seeds: int) -> int:
        """Training episodes one step runs, over ``seeds`` seeds of one run."""
        raise NotImplementedError

    def with_budget(self, budget: int, seeds: int) -> "OptimizerSettings":
        """These settings with as many steps as fit in ``budget`` training episodes."""
        per_step = self.episodes_per_step(seeds)
        if budget < per_step:
            raise UserError(f"--episodes-budget: {budget} must be at least {per_step} "
                            f"(one {self.step_name} of {per_step:,} episodes)")
        return replace(self, **{self.steps_field: max(budget // per_step - 1, 0)})
