"""Evolution as the base optimizer: fitness is reproduction.

Individuals are numpy parameter vectors in a DEAP toolbox. Each generation every
individual runs the same K freshly sampled training mazes; its fitness is its mean
base objective above the generation's worst (windowing, which keeps selection
pressure as the whole population improves). The next generation is drawn by
stochastic universal sampling (expected offspring proportional to fitness), then
varied by DEAP's blend crossover and Gaussian mutation, with optional elitism.
"""
from __future__ import annotations

import random
from contextlib import contextmanager
from dataclasses import dataclass

import deap.algorithms
import deap.tools.crossover
import deap.tools.mutation
import numpy as np
from deap import algorithms, base, creator, tools

from .config import WorldSpec
from .episodes import MazeBatch, run
from .maze import generate_many
from .training import TrainingLog

if not hasattr(creator, "EvosimFitness"):
    creator.create("EvosimFitness", base.Fitness, weights=(1.0,))
    creator.create("EvosimIndividual", np.ndarray, fitness=creator.EvosimFitness)


TIE = 1e-9  # fitness every individual has, so that a generation of equals reproduces uniformly


@dataclass(frozen=True)
class EvolutionSettings:
    """Settings of one evolution run."""

    population: int = 200  # individuals per generation
    generations: int = 60  # generations after the first evaluation
    mazes: int = 8  # training mazes every individual runs each generation
    crossover: float = 0.5  # probability that a pair of offspring is blended
    blend: float = 0.3  # alpha of DEAP's blend crossover
    mutation: float = 1.0  # probability that an offspring is mutated
    gene_rate: float = 0.2  # probability that a mutation changes each gene (DEAP's indpb)
    sigma: float = 0.2  # standard deviation of Gaussian mutation
    elite: int = 2  # best individuals copied unchanged into the next generation
    windowing: bool = True  # fitness above the generation's worst, else above the lowest possible
    log_every: int = 5  # generations between drive (and probe) records

    def generations_for_budget(self, episodes: int) -> int:
        """Generations after the first that fit in a total number of training episodes."""
        return max(episodes // (self.population * self.mazes) - 1, 0)


@contextmanager
def deap_random(seed: int):
    """Point DEAP's variation operators at a private ``random.Random(seed)`` while inside.

    The global ``random`` is shared with other threads (a Dask worker's event loop
    draws from it), which would break "same seed, same bytes".
    """
    private = random.Random(seed)
    modules = (deap.algorithms, deap.tools.crossover, deap.tools.mutation)
    saved = [m.random for m in modules]
    for m in modules:
        m.random = private
    try:
        yield private
    finally:
        for m, original in zip(modules, saved):
            m.random = original


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


def toolbox_for(settings: EvolutionSettings, rand: random.Random) -> base.Toolbox:
    """DEAP toolbox: selection, crossover and mutation for parameter vectors."""
    toolbox = base.Toolbox()
    toolbox.register("select", select_sus, rand=rand)
    toolbox.register("mate", tools.cxBlend, alpha=settings.blend)
    toolbox.register("mutate", tools.mutGaussian, mu=0.0, sigma=settings.sigma, indpb=settings.gene_rate)
    return toolbox


def statistics() -> tools.Statistics:
    stats = tools.Statistics(key=lambda ind: ind.fitness.values[0])
    for name, fn in (("mean", np.mean), ("std", np.std), ("min", np.min), ("max", np.max)):
        stats.register(name, fn)
    return stats


def evolve(world: WorldSpec, mind, settings: EvolutionSettings, seed: int,
           reporters=(), progress=None) -> TrainingLog:
    """Evolve a population of ``mind`` on ``world``; returns its logs and final population."""
    rng = np.random.default_rng(seed)
    log = TrainingLog("evolution", mind.name, seed)
    stats = statistics()
    lowest = -world.objective.step_cost * world.max_steps
    population = [creator.EvosimIndividual(p) for p in mind.init(rng, settings.population)]
    with deap_random(int(rng.integers(2**63))) as rand:
        toolbox = toolbox_for(settings, rand)
        for generation in range(settings.generations + 1):
            params = np.stack(population)
            batch = MazeBatch.of(generate_many(world, settings.mazes, rng))
            result, _ = run(mind, params, batch, world.max_steps, rng)
            objective = result.base_objective(world.objective).reshape(len(population), -1).mean(1)
            baseline = (objective.min() if settings.windowing else lowest) - TIE
            for ind, value in zip(population, objective):
                ind.fitness.values = (float(value - baseline),)
            log.record_episodes(generation, result, world.objective, len(population) * settings.mazes,
                                fitness=stats.compile(population))
            log.report(generation, params, reporters, last=generation == settings.generations)
            if progress is not None:
                progress.update(1)
                progress.set_postfix(exit=f"{result.exit_reached.mean():.2f}")
            if generation == settings.generations:
                break
            elite = [toolbox.clone(ind) for ind in tools.selBest(population, settings.elite)]
            offspring = toolbox.select(population, len(population) - len(elite))
            offspring = algorithms.varAnd(offspring, toolbox, settings.crossover, settings.mutation)
            population = elite + offspring
    log.final_params = np.stack(population)
    return log


def evolve_seed(world: WorldSpec, mind_name: str, settings: EvolutionSettings, seed: int,
                progress: bool = True) -> TrainingLog:
    """One evolution run with the default reporters and a progress bar (for commands and the demo).

    A top-level function, so that Dask workers can run it.
    """
    from tqdm import tqdm

    from .minds import make_mind
    from .reporters import default_reporters

    mind = make_mind(mind_name)
    with tqdm(total=settings.generations + 1, desc=f"evolve {mind_name} seed {seed}",
              disable=None if progress else True, leave=False) as bar:
        return evolve(world, mind, settings, seed, default_reporters(mind, settings.log_every, world), bar)
