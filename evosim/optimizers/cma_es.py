"""Evolution by CMA-ES (``--algorithm cma-es``), through DEAP's ``cma.Strategy``.

Each generation the strategy samples ``population`` candidates from a
multivariate normal around its centroid; every candidate runs the same K freshly
sampled training mazes, and the best half, weighted by rank of mean base
objective, move the centroid and adapt the covariance and the step size
(Hansen's CMA-ES as DEAP implements it). The centroid starts at one draw of the
mind's ``init``. ``deap.cma`` draws from the global ``numpy.random``; here it
draws from the run's private stream (:func:`evosim.core.streams.cma_random`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from deap import cma

from evosim.core.expect import Expect
from evosim.core import limits
from evosim.core.streams import cma_random, derived_generator, set_stream_state, stream_state
from evosim.core.settings import setting
from evosim.optimizers import register_optimizer
from evosim.optimizers.base import BaseOptimizer, EvolutionSettings
from evosim.optimizers.ga import Individual


#: What ``cma.Strategy.update`` changes, besides sigma, cond and update_count; the rest follows from the settings.
STRATEGY_ARRAYS = ("centroid", "pc", "ps", "C", "diagD", "B", "BD")


@dataclass(frozen=True)
class CMAESSettings(EvolutionSettings):
    """Settings of one CMA-ES run."""

    algorithm: ClassVar[str] = "cma-es"

    population: int = setting(200, "candidates per generation (lambda); the best half recombine", least=2,
                                 most=limits.POPULATION)
    generations: int = setting(60, "generations after the first evaluation", least=0, most=limits.STEPS)
    mazes: int = setting(8, "training mazes every individual runs each generation", least=1,
                         most=limits.MAZES)
    sigma: float = setting(0.5, "initial step size: the spread of the first candidates around the centroid",
                           above=0.0)
    log_every: int = setting(5, "generations between drive (and probe) records", least=1)


@register_optimizer
class CMAES(BaseOptimizer):
    """A CMA-ES strategy of one seed: candidates are asked from it, their objectives told to it."""

    Settings = CMAESSettings

    def __init__(self, settings: CMAESSettings, init, rngs: list, floor: float = 0.0):
        super().__init__(settings, init, rngs, floor)
        (rng,) = rngs
        centroid = init(rng, 1)[0]
        self.random = derived_generator(rng)  # the strategy draws from it
        self.strategy = cma.Strategy(centroid=centroid, sigma=settings.sigma, lambda_=settings.population)
        self.population: list = []

    def ask(self) -> np.ndarray:
        with cma_random(self.random):
            self.population = self.strategy.generate(Individual)
        return np.stack(self.population)

    def columns(self, objective: np.ndarray) -> dict:
        return {"step_size": float(self.strategy.sigma)}

    def tell(self, objective: np.ndarray) -> None:
        for ind, value in zip(self.population, objective):
            ind.fitness.values = (float(value),)
        self.strategy.update(self.population)

    def state(self) -> tuple[dict, dict]:
        s = self.strategy
        arrays = {name: getattr(s, name) for name in STRATEGY_ARRAYS}
        return arrays, {"sigma": s.sigma, "cond": float(s.cond), "update_count": s.update_count,
                        "random": stream_state(self.random)}

    def spec(self) -> dict[str, Expect]:
        return super().spec() | {"sigma": Expect("f", None, 0.0), "cond": Expect("f"),
                                 "update_count": Expect("i", None, 0)}

    def restore(self, arrays: dict, doc: dict) -> None:
        s = self.strategy
        for name in STRATEGY_ARRAYS:
            setattr(s, name, arrays[name])
        s.sigma, s.cond, s.update_count = doc["sigma"], doc["cond"], doc["update_count"]
        set_stream_state(self.random, doc["random"])

