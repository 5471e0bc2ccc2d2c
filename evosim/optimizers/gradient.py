"""Gradient descent (``evosim train``): Adam ascent along a gradient estimate, one learner per seed.

The "population" is one independent learner per seed, every learner a row of the
parameters. ``tell`` takes each learner's ascent direction (the policy-gradient
estimate of :mod:`evosim.training.evaluators`) and takes an Adam step up it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from evosim.core.expect import Expect, like
from evosim.core import limits
from evosim.core.settings import setting
from evosim.optimizers import register_optimizer
from evosim.optimizers.base import BaseOptimizer, OptimizerSettings


@dataclass(frozen=True)
class GradientSettings(OptimizerSettings):
    """Settings of one gradient run; every learner uses the same."""

    algorithm: ClassVar[str] = "gradient"
    command: ClassVar[str] = "train"
    evaluation: ClassVar[str] = "policy-gradient"
    one_seed: ClassVar[bool] = False
    default_seeds: ClassVar[int] = 8
    steps_field: ClassVar[str] = "updates"
    step_name: ClassVar[str] = "update"

    updates: int = setting(100, "parameter updates after the first batch of episodes", least=0,
                          most=limits.STEPS)
    mazes: int = setting(2, "fresh training mazes each learner draws per update", least=1,
                         most=limits.MAZES)
    rollouts: int = setting(16, "episodes each learner runs in each of its mazes (the baseline's group, "
                                "at least 2)", least=2, most=limits.POPULATION)
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


@register_optimizer
class Gradient(BaseOptimizer):
    """One learner per seed, all stepping together; ``tell`` takes the Adam step."""

    Settings = GradientSettings

    def __init__(self, settings: GradientSettings, init, rngs: list, floor: float = 0.0):
        super().__init__(settings, init, rngs, floor)
        self.params = np.concatenate([init(r, 1) for r in rngs]).astype(np.float64)  # each from its learner's stream
        self.adam = Adam(self.params.shape, settings.learning_rate)

    def ask(self) -> np.ndarray:
        return self.params

    def tell(self, gradient: np.ndarray) -> None:
        s = self.settings
        if s.anneal:
            self.adam.lr = s.learning_rate * (1 - self.adam.t / s.updates)
        self.params = self.adam.step(self.params, gradient)

    def state(self) -> tuple[dict, dict]:
        arrays = {"params": self.params, "adam_m": self.adam.m, "adam_v": self.adam.v}
        return arrays, {"adam_t": self.adam.t, "learning_rate": self.adam.lr}

    def spec(self) -> dict[str, Expect]:
        return super().spec() | {"adam_v": like(self.adam.v, least=0.0), "adam_t": Expect("i", None, 0),
                                 "learning_rate": Expect("f")}

    def restore(self, arrays: dict, doc: dict) -> None:
        self.params, self.adam.m, self.adam.v = arrays["params"], arrays["adam_m"], arrays["adam_v"]
        self.adam.t, self.adam.lr = doc["adam_t"], doc["learning_rate"]
