"""What a base optimizer is: ask/tell over flat parameter vectors, and a state to continue from.

An optimizer is made from ``(settings, init, rngs, floor)``: ``init(rng, n)`` draws
n starting vectors (a mind's ``init``, or any distribution), ``rngs`` is one random
stream per seed it serves (it draws its start from them and derives its private
streams), and ``floor`` is the lowest value an evaluation can take. Then:

- ``ask()`` returns the (P, D) parameters to evaluate this step;
- ``tell(evaluation)`` takes their evaluation and moves on: a fitness (P,) to
  maximise for evolution, an ascent direction (P, D) for gradient descent, as its
  settings' ``evaluation`` names (:mod:`evosim.training.evaluators` makes both);
- ``columns(evaluation)`` adds its own columns to generations.csv;
- ``agents(params)`` names the agents a step stands for: those the reporters
  probe and the run keeps at its end (every one asked, or a search's mean);
- ``state()`` and ``restore(arrays, doc)`` save and reload everything it needs to
  continue byte for byte (parameters, its own state, its private random streams).

Nothing here knows of worlds, minds or commands: its settings say how the
training loop and the commands use it (:class:`OptimizerSettings`; an evolution's
derive from :class:`EvolutionSettings`).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, ClassVar

import numpy as np

from evosim.core.errors import UserError
from evosim.core.expect import Expect, like
from evosim.core.settings import Settings


@dataclass(frozen=True)
class OptimizerSettings(Settings):
    """Base of a base optimizer's settings: its fields are its command's flags, its class variables say
    how the loop runs it."""

    #: its one name: --algorithm, the tables' optimizer column, run and cell folders, figure and viewer labels
    algorithm: ClassVar[str]
    command: ClassVar[str]  # the command that runs it: "evolve" or "train"
    evaluation: ClassVar[str]  # what tell() takes: "fitness" or "policy-gradient"
    one_seed: ClassVar[bool]  # True: a run per seed (runs may go to Dask workers); False: every seed in one run
    default_seeds: ClassVar[int]  # seeds of a command that names none
    steps_field: ClassVar[str]  # the field counting steps after the first evaluation
    step_name: ClassVar[str]  # what one step is called: "generation", "update"
    rollouts: ClassVar[int] = 1  # episodes per agent and training world (a field where it can be set)

    @property
    def steps(self) -> int:
        """Steps after the first evaluation."""
        return getattr(self, self.steps_field)

    def episodes_per_step(self, seeds: int) -> int:
        """Training episodes one step runs, over ``seeds`` seeds of one run."""
        raise NotImplementedError

    def with_budget(self, budget: int) -> "OptimizerSettings":
        """These settings with as many steps as fit in ``budget`` training episodes of each independent run
        (one population, or one learner): the budget means the same for every base optimizer."""
        per_step = self.episodes_per_step(1)
        if budget < per_step:
            raise UserError(f"--episodes-budget: {budget} must be at least {per_step} "
                            f"(one {self.step_name} of {per_step:,} episodes per seed)")
        return replace(self, **{self.steps_field: max(budget // per_step - 1, 0)})


@dataclass(frozen=True)
class EvolutionSettings(OptimizerSettings):
    """Base of an evolution's settings (``evosim evolve``): each seed is a run of its own, whose ``population``
    candidates each run the generation's ``mazes`` training mazes and are told their fitness."""

    command: ClassVar[str] = "evolve"
    evaluation: ClassVar[str] = "fitness"
    one_seed: ClassVar[bool] = True
    default_seeds: ClassVar[int] = 1
    steps_field: ClassVar[str] = "generations"
    step_name: ClassVar[str] = "generation"

    def episodes_per_step(self, seeds: int) -> int:
        return self.population * self.mazes  # each seed is a run of its own


class BaseOptimizer:
    """Base of every base optimizer: the interface above."""

    Settings: ClassVar[type[OptimizerSettings]]

    def __init__(self, settings: OptimizerSettings, init: Callable[[np.random.Generator, int], np.ndarray],
                 rngs: list[np.random.Generator], floor: float = 0.0):
        self.settings = settings

    def ask(self) -> np.ndarray:
        raise NotImplementedError

    def tell(self, evaluation: np.ndarray) -> None:
        raise NotImplementedError

    def columns(self, evaluation: np.ndarray) -> dict:
        return {}

    def agents(self, params: np.ndarray) -> np.ndarray:
        """The agents the step that asked ``params`` stands for, each seed's contiguous: every one asked."""
        return params

    def state(self) -> tuple[dict[str, np.ndarray], dict]:
        """Everything needed to continue byte for byte after ``tell``: arrays, and a JSON-able document."""
        raise NotImplementedError

    def spec(self) -> dict[str, Expect]:
        """What :meth:`state` holds: arrays shaped and typed as this optimizer's own (finite, as it saves them)."""
        return {name: like(array) for name, array in self.state()[0].items()}

    def restore(self, arrays: dict[str, np.ndarray], doc: dict) -> None:
        """Continue from what :meth:`state` returned (on an optimizer made with the same arguments)."""
        raise NotImplementedError
