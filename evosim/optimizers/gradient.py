"""Gradient descent (``evosim train``): REINFORCE with a leave-one-out baseline and Adam, in numpy.

The "population" is one independent learner per seed. Each update, every learner
draws fresh training mazes from its own seed and runs several rollouts in each;
all learners step together in one batch of episodes, each acting from its own
random stream. The return is built from the world's per-step base-objective
rewards (:meth:`~evosim.worlds.maze.objective.Objective.rewards`). A decision's
credit is the discounted reward still to come after it; its advantage is that
credit minus the mean credit of the other rollouts in the same maze at the same
step (leave-one-out), divided by the root mean square of the learner's
advantages. The gradient of ``advantage * log p(decision) + entropy * H(policy)``,
summed over decisions, comes from the mind's learner (derived by hand beside each
mind); ``tell`` takes an Adam step up it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from evosim.core.errors import UserError
from evosim.core.streams import AgentStreams, set_stream_state, stream, stream_state
from evosim.core.settings import setting
from evosim.optimizers import register_optimizer
from evosim.optimizers.base import BaseOptimizer, OptimizerSettings, StepResults


@dataclass(frozen=True)
class GradientSettings(OptimizerSettings):
    """Settings of one gradient run; every learner uses the same."""

    algorithm: ClassVar[str] = "gradient"
    steps_field: ClassVar[str] = "updates"
    step_name: ClassVar[str] = "update"

    updates: int = setting(100, "parameter updates after the first batch of episodes", least=0)
    mazes: int = setting(2, "fresh training mazes each learner draws per update", least=1)
    rollouts: int = setting(16, "episodes each learner runs in each of its mazes (the baseline's group, "
                                "at least 2)", least=2)
    learning_rate: float = setting(0.05, "Adam step size at the first update", above=0.0)
    anneal: bool = setting(False, "decay the step size linearly to zero over the updates")
    discount: float = setting(0.95, "credit of a reward k steps after a decision is discount ** k",
                              above=0.0, most=1.0)
    entropy: float = setting(0.01, "weight of the policy's entropy per decision, against scaled advantages",
                             least=0.0)
    temperature: float = setting(0.1, "planner: softmax temperature over tile values while training", above=0.0)
    log_every: int = setting(10, "updates between drive (and probe) records", least=1)

    @property
    def episodes_per_update(self) -> int:
        """Training episodes one learner runs per update."""
        return self.mazes * self.rollouts

    def episodes_per_step(self, seeds: int) -> int:
        return seeds * self.episodes_per_update


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


class Adam:
    """Adam ascent on (A, D) parameters, each row its own learner (Kingma & Ba, 2015)."""

    def __init__(self, shape: tuple, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m, self.v, self.t = np.zeros(shape), np.zeros(shape), 0

    def step(self, params: np.ndarray, grad: np.ndarray) -> np.ndarray:
        self.t += 1
        self.m = self.beta1 * self.m + (1 - self.beta1) * grad
        self.v = self.beta2 * self.v + (1 - self.beta2) * grad * grad
        m_hat = self.m / (1 - self.beta1 ** self.t)
        v_hat = self.v / (1 - self.beta2 ** self.t)
        return params + self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


def policy_gradient(results: StepResults, objective, settings: GradientSettings) -> np.ndarray:
    """(A, D) ascent direction: mean over a learner's episodes of its decisions' scaled advantage gradients."""
    advantage = advantages(objective.rewards(results.result, results.batch.n_floor), settings.rollouts,
                           settings.discount)
    learner_controller = results.controller
    t, slots = learner_controller.decisions()
    weight = advantage[t, slots]
    learner = learner_controller.episodes.agent[slots]
    scale = np.sqrt(np.bincount(learner, weight * weight) / np.bincount(learner))
    weight = weight / (scale[learner] + 1e-8)
    return learner_controller.gradient(weight, settings.entropy) / settings.episodes_per_update


@register_optimizer
class Gradient(BaseOptimizer):
    """One learner per seed, all stepping together; ``tell`` takes the Adam step."""

    algorithm = "gradient"
    label = "gradient"
    command = "train"
    Settings = GradientSettings
    one_seed = False
    default_seeds = 8

    def __init__(self, world, mind, settings: GradientSettings, seeds: list[int]):
        super().__init__(world, mind, settings, seeds)
        self.maze_rngs = [stream("learner", seed) for seed in self.seeds]  # each learner's init and mazes
        self.params = np.concatenate([mind.init(r, 1) for r in self.maze_rngs]).astype(np.float64)
        self.action_rng = AgentStreams(self.seeds)  # each learner's actions, whatever the other seeds
        self.adam = Adam(self.params.shape, settings.learning_rate)
        self.steps, self.mazes, self.rollouts = settings.updates, settings.mazes, settings.rollouts

    @classmethod
    def check_mind(cls, mind) -> None:
        if not mind.can_learn:
            raise UserError(f"--mind: {mind.name!r} has no policy gradient; shape it with 'evosim evolve'")

    @classmethod
    def step_memory(cls, world, mind, settings: GradientSettings, seeds: int) -> int:
        """The episodes' memory, and what the learners record at each decision of every episode."""
        episodes = settings.episodes_per_step(seeds)
        return world.step_memory(episodes, settings.mazes * seeds) + episodes * world.max_steps * mind.decision_bytes

    def ask(self) -> np.ndarray:
        return self.params

    def controller(self, params: np.ndarray, episodes):
        return self.mind.learner(params, episodes, self.settings.temperature)

    def tell(self, results: StepResults) -> None:
        s = self.settings
        if s.anneal:
            self.adam.lr = s.learning_rate * (1 - results.step / s.updates)
        self.params = self.adam.step(self.params, policy_gradient(results, self.world.objective, s))

    def state(self) -> tuple[dict, dict]:
        arrays = {"params": self.params, "adam_m": self.adam.m, "adam_v": self.adam.v}
        return arrays, {"adam_t": self.adam.t, "learning_rate": self.adam.lr,
                        "maze_rngs": [stream_state(r) for r in self.maze_rngs],
                        "action_rngs": [stream_state(r) for r in self.action_rng.generators]}

    def restore(self, arrays: dict, doc: dict) -> None:
        self.params, self.adam.m, self.adam.v = arrays["params"], arrays["adam_m"], arrays["adam_v"]
        self.adam.t, self.adam.lr = doc["adam_t"], doc["learning_rate"]
        for generator, state in zip(self.maze_rngs + self.action_rng.generators, doc["maze_rngs"] + doc["action_rngs"]):
            set_stream_state(generator, state)
