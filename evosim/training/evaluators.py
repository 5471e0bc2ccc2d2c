"""Evaluators: what the training loop makes of a step's episodes for the base optimizer it drives.

- :class:`Fitness` (evolution): each agent's mean base objective over its
  episodes; a seed's agents act from the seed's own stream.
- :class:`PolicyGradient` (gradient descent): REINFORCE with a leave-one-out
  baseline. The return is built from the world's per-step base-objective rewards
  (:meth:`~evosim.worlds.maze.objective.Objective.rewards`). A decision's credit is
  the discounted reward still to come after it; its advantage is that credit minus
  the mean credit of the other rollouts in the same maze at the same step,
  divided by the root mean square of the learner's advantages. The gradient of
  ``advantage * log p(decision) + entropy * H(policy)``, summed over decisions,
  comes from the mind's learner (derived by hand beside each mind). Each learner
  acts from its own stream, so that it never depends on the other seeds of its batch.

An evaluator is made from ``(world, mind, settings, seeds, rngs)`` (``rngs`` the
seeds' streams) and gives the step's ``controller``, the ``actions`` stream, the
``rollouts`` per world, ``evaluate(results)``, and the state of the streams it
owns (``state()``, ``restore(doc)``); its class says the stream its seeds' mazes
come from, checks the mind, and estimates a step's memory.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evosim.core.errors import UserError
from evosim.core.streams import AgentStreams, set_stream_state, stream_state


@dataclass(frozen=True)
class StepResults:
    """One step's training episodes, as the loop hands them to the evaluator."""

    step: int
    params: np.ndarray  # (P, D) the parameters asked for
    batch: object  # the step's training worlds, stacked
    controller: object  # what acted in the episodes
    result: object  # the finished episodes (EpisodeResult)
    objective: np.ndarray  # (P,) each agent's mean base objective over its episodes


class Fitness:
    """Evolution's evaluation: the agents' mean base objectives."""

    stream = "evolution"  # each seed's starting agents, mazes and actions
    rollouts = 1

    def __init__(self, world, mind, settings, seeds: list[int], rngs: list):
        self.mind, self.actions = mind, rngs[0]  # one seed: its stream, which the loop saves

    def state(self) -> list:
        return []

    def restore(self, doc: list) -> None:
        pass

    @classmethod
    def check_mind(cls, mind) -> None:
        """Every mind can be evolved."""

    @classmethod
    def step_memory(cls, world, mind, settings, seeds: int) -> int:
        """Bytes one step may need: its episodes, and its parameters a few times."""
        episodes = settings.episodes_per_step(seeds)
        return (world.step_memory(episodes, settings.mazes * seeds, mind.tile_bytes)
                + episodes // settings.mazes * mind.n_params * 32)

    def controller(self, params: np.ndarray, episodes):
        return self.mind.controller(params, episodes)

    def evaluate(self, results: StepResults) -> np.ndarray:
        return results.objective


def advantages(rewards: np.ndarray, rollouts: int, discount: float) -> np.ndarray:
    """(T, S) discounted reward to come after a decision at each step, minus its leave-one-out mean.

    Slots ``g * R .. g * R + R - 1`` are the R rollouts in one maze; the baseline of
    one is the mean of the others at the same step (0 for episodes already over).
    """
    credit = rewards.copy()
    for t in range(len(credit) - 2, -1, -1):
        credit[t] += discount * credit[t + 1]
    T, S = credit.shape
    groups = credit.reshape(T, S // rollouts, rollouts)
    others = (groups.sum(2, keepdims=True) - groups) / max(rollouts - 1, 1)
    return (groups - others).reshape(T, S)


class PolicyGradient:
    """Gradient descent's evaluation: each learner's policy-gradient ascent direction."""

    stream = "learner"  # each learner's first parameters and mazes

    def __init__(self, world, mind, settings, seeds: list[int], rngs: list):
        self.world, self.mind, self.settings = world, mind, settings
        self.rollouts = settings.rollouts
        self.actions = AgentStreams(seeds)

    def state(self) -> list:
        return [stream_state(g) for g in self.actions.generators]

    def restore(self, doc: list) -> None:
        for generator, state in zip(self.actions.generators, doc):
            set_stream_state(generator, state)

    @classmethod
    def check_mind(cls, mind) -> None:
        if not mind.can_learn:
            raise UserError(f"--mind: {mind.name!r} has no policy gradient; shape it with 'evosim evolve'")

    @classmethod
    def step_memory(cls, world, mind, settings, seeds: int) -> int:
        """The episodes' memory, and what the learners record at each decision of every episode."""
        episodes = settings.episodes_per_step(seeds)
        return (world.step_memory(episodes, settings.mazes * seeds, mind.tile_bytes)
                + episodes * world.max_steps * mind.decision_bytes)

    def controller(self, params: np.ndarray, episodes):
        return self.mind.learner(params, episodes, self.settings.temperature)

    def evaluate(self, results: StepResults) -> np.ndarray:
        """(A, D) ascent direction: mean over a learner's episodes of its decisions' scaled advantage gradients."""
        settings = self.settings
        advantage = advantages(self.world.objective.rewards(results.result, results.batch.n_floor),
                               settings.rollouts, settings.discount)
        learner_controller = results.controller
        t, slots = learner_controller.decisions()
        weight = advantage[t, slots]
        learner = learner_controller.episodes.agent[slots]
        scale = np.sqrt(np.bincount(learner, weight * weight) / np.bincount(learner))
        weight = weight / (scale[learner] + 1e-8)
        return learner_controller.gradient(weight, settings.entropy) / settings.episodes_per_update


EVALUATORS = {"fitness": Fitness, "policy-gradient": PolicyGradient}
