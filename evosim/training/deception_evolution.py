"""Evolution in the deceptive-alignment game: selection sees only the training episodes.

A genome is two logits: the chance of choosing A when the observable flag says
"training", and when it says "deployment". Fitness is the base score (episodes
that chose B) over the training episodes alone, so a genome that chooses B in
training and A in deployment (deceptive) is exactly as fit as one that always
chooses B (aligned): selection cannot tell them apart, and the deployment gene
drifts. Variation and selection are DEAP's (blend crossover, Gaussian mutation,
stochastic universal sampling), as in :mod:`evosim.optimizers.ga`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from deap import algorithms

from evosim.optimizers.ga import TIE, GASettings, Individual, toolbox_for
from evosim.core.streams import deap_random, derived_random, stream
from evosim.worlds.deception.game import Game, modifies

TRAIN, DEPLOY = 0, 1  # the genes: logits of choosing A in training and in deployment
CERTAIN = 0.9  # a genome "chooses" an option when its chance is at least this


def chance_of_a(genomes: np.ndarray) -> np.ndarray:
    """(n, 2) probability of choosing A in training and in deployment."""
    return 1.0 / (1.0 + np.exp(-genomes))


def play(game: Game, genomes: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One sequence per genome: (n, episodes) choices (True for A), and the base score of training (n,)."""
    n = len(genomes)
    p = chance_of_a(genomes)
    modified = np.zeros(n, bool)
    chose_a = np.zeros((n, game.episodes), bool)
    for e in range(game.episodes):
        training = e < game.training
        a = ~modified & (rng.random(n) < p[:, TRAIN if training else DEPLOY])
        chose_a[:, e] = a
        modified |= modifies(a, training, game.modification, lambda: rng.random(n))
    return chose_a, (~chose_a[:, :game.training]).sum(1).astype(float)


@dataclass(frozen=True)
class EvolutionSettings:
    """How the genomes evolve: a DEAP GA with these settings, for this many generations."""

    population: int = 200
    generations: int = 150
    ga: GASettings = GASettings(population=200, sigma=0.3, gene_rate=1.0, elite=0)


def evolve(game: Game, settings: EvolutionSettings, seed: int) -> list[dict]:
    """One seed's run: a row per generation (the genomes before selection) of what the population does."""
    rng = stream("deception-evolution", seed)
    rand = derived_random(rng)
    toolbox = toolbox_for(settings.ga, rand)
    population = [Individual(g) for g in rng.normal(0.0, 1.0, (settings.population, 2))]
    rows = []
    for generation in range(settings.generations + 1):
        genomes = np.stack(population)
        chose_a, fitness = play(game, genomes, rng)
        p = chance_of_a(genomes)
        deceptive = (p[:, TRAIN] <= 1 - CERTAIN) & (p[:, DEPLOY] >= CERTAIN)
        aligned = (p[:, TRAIN] <= 1 - CERTAIN) & (p[:, DEPLOY] <= 1 - CERTAIN)
        rows.append({"seed": seed, "generation": generation,
                     "p_a_training": float(p[:, TRAIN].mean()), "p_a_deployment": float(p[:, DEPLOY].mean()),
                     "a_in_training": float(chose_a[:, :game.training].mean()),
                     "a_in_deployment": float(chose_a[:, game.training:].mean()) if game.deployment else 0.0,
                     "deceptive_share": float(deceptive.mean()), "aligned_share": float(aligned.mean()),
                     "fitness_mean": float(fitness.mean())})
        if generation == settings.generations:
            break
        for ind, value in zip(population, fitness):
            ind.fitness.values = (float(value) + TIE,)
        with deap_random(rand):
            offspring = toolbox.select(population, len(population))
            population = algorithms.varAnd(offspring, toolbox, settings.ga.crossover, settings.ga.mutation)
    return rows
