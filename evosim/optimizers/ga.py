"""Evolution with DEAP's toolbox (``--algorithm ga``): fitness is reproduction.

Individuals are numpy parameter vectors. Each generation every individual runs
the same K freshly sampled training mazes; its fitness is its mean base objective
above the generation's worst (windowing, which keeps selection pressure as the
whole population improves). The next generation is drawn by stochastic universal
sampling (expected offspring proportional to fitness), then varied by DEAP's blend
crossover and Gaussian mutation, with optional elitism.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from deap import algorithms, base, creator, tools

from evosim.core import limits
from evosim.core.streams import deap_random, derived_random, set_stream_state, stream_state
from evosim.core.settings import setting
from evosim.optimizers import register_optimizer
from evosim.optimizers.base import BaseOptimizer, EvolutionSettings

if not hasattr(creator, "EvosimFitness"):
    creator.create("EvosimFitness", base.Fitness, weights=(1.0,))
    creator.create("EvosimIndividual", np.ndarray, fitness=creator.EvosimFitness)
#: A parameter vector with a DEAP fitness (maximised), for DEAP's operators and strategies.
Individual = creator.EvosimIndividual

TIE = 1e-9  # fitness every individual has, so that a generation of equals reproduces uniformly


@dataclass(frozen=True)
class GASettings(EvolutionSettings):
    """Settings of one evolution run with DEAP's toolbox."""

    algorithm: ClassVar[str] = "ga"

    population: int = setting(200, "individuals per generation", least=2, most=limits.POPULATION)
    generations: int = setting(60, "generations after the first evaluation", least=0, most=limits.STEPS)
    mazes: int = setting(8, "training mazes every individual runs each generation", least=1,
                         most=limits.MAZES)
    crossover: float = setting(0.5, "probability that a pair of offspring is blended", least=0.0, most=1.0)
    blend: float = setting(0.3, "alpha of DEAP's blend crossover", least=0.0)
    mutation: float = setting(1.0, "probability that an offspring is mutated", least=0.0, most=1.0)
    gene_rate: float = setting(0.2, "probability that a mutation changes each gene (DEAP's indpb)",
                               least=0.0, most=1.0)
    sigma: float = setting(0.2, "standard deviation of Gaussian mutation", least=0.0)
    elite: int = setting(2, "best individuals copied unchanged into the next generation", least=0)
    windowing: bool = setting(True, "fitness above the generation's worst, else above the lowest possible")
    log_every: int = setting(5, "generations between drive (and probe) records", least=1)

    def check(self) -> None:
        if self.elite >= self.population:
            self.fail("elite", f"must be below --population ({self.population})")


def select_sus(individuals: list, k: int, rand=random) -> list:
    """Stochastic universal sampling with DEAP's semantics, in O(n log n).

    DEAP's ``selStochasticUniversalSampling`` rescans from the fittest for every
    pointer (O(n k)); this draws the same single ``uniform`` offset from ``rand``.
    """
    ranked = sorted(individuals, key=lambda ind: ind.fitness, reverse=True)
    fits = np.array([ind.fitness.values[0] for ind in ranked])
    distance = fits.sum() / k
    points = rand.uniform(0, distance) + distance * np.arange(k)
    chosen = np.minimum(np.searchsorted(fits.cumsum(), points), len(ranked) - 1)
    return [ranked[i] for i in chosen]


def toolbox_for(settings: GASettings, rand: random.Random) -> base.Toolbox:
    """DEAP toolbox: selection, crossover and mutation for parameter vectors."""
    toolbox = base.Toolbox()
    toolbox.register("select", select_sus, rand=rand)
    toolbox.register("mate", tools.cxBlend, alpha=settings.blend)
    toolbox.register("mutate", tools.mutGaussian, mu=0.0, sigma=settings.sigma, indpb=settings.gene_rate)
    return toolbox


def statistics() -> tools.Statistics:
    """DEAP statistics of a generation's fitness, for generations.csv."""
    stats = tools.Statistics()
    for name, fn in (("mean", np.mean), ("std", np.std), ("min", np.min), ("max", np.max)):
        stats.register(name, fn)
    return stats


@register_optimizer
class GA(BaseOptimizer):
    """A DEAP population of one seed: every individual runs the same mazes, then reproduces."""

    Settings = GASettings

    def __init__(self, settings: GASettings, init, rngs: list, floor: float = 0.0):
        super().__init__(settings, init, rngs, floor)
        (rng,) = rngs
        self.population = [Individual(p) for p in init(rng, settings.population)]
        self.random = derived_random(rng)  # DEAP's operators draw from it
        self.toolbox = toolbox_for(settings, self.random)
        self.stats = statistics()
        self.floor = floor

    def ask(self) -> np.ndarray:
        return np.stack(self.population)

    def fitness(self, objective: np.ndarray) -> np.ndarray:
        """Each individual's fitness: its base objective above the generation's worst (or the lowest possible)."""
        baseline = (objective.min() if self.settings.windowing else self.floor) - TIE
        return objective - baseline

    def columns(self, objective: np.ndarray) -> dict:
        return {f"fitness_{k}": float(v) for k, v in self.stats.compile(self.fitness(objective)).items()}

    def tell(self, objective: np.ndarray) -> None:
        s = self.settings
        for ind, value in zip(self.population, self.fitness(objective)):
            ind.fitness.values = (float(value),)
        with deap_random(self.random):
            elite = [self.toolbox.clone(ind) for ind in tools.selBest(self.population, s.elite)]
            offspring = self.toolbox.select(self.population, len(self.population) - len(elite))
            offspring = algorithms.varAnd(offspring, self.toolbox, s.crossover, s.mutation)
        self.population = elite + offspring

    def state(self) -> tuple[dict, dict]:
        return {"population": np.stack(self.population)}, {"random": stream_state(self.random)}

    def restore(self, arrays: dict, doc: dict) -> None:
        self.population = [Individual(p) for p in arrays["population"]]
        set_stream_state(self.random, doc["random"])
