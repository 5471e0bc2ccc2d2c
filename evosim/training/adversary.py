"""The adversary (``--adversary``): a second DEAP population, over world parameters, co-evolving with the agents.

Each seed's agents have an adversary of their own, seeded from that seed alone,
so a seed's run is the same in process and on a Dask worker. Every step it
supplies a share of the seed's training mazes (``[adversary] share``): the next
few proposals of its current generation, one maze each, drawn from its own stream.
A proposal's fitness is the agents' failure to reach the exit in its maze, so the
adversary evolves towards the worlds the current agents fail on. Once every
proposal of a generation has been tried it breeds the next: tournament
selection, uniform crossover and DEAP's integer mutation within each parameter's
choices, the best proposal carried over (and tried again, against newer agents).
"""
from __future__ import annotations


import numpy as np
from deap import algorithms, base, creator, tools

from evosim.core.expect import Expect, like
from evosim.core.streams import deap_random, derived_random, set_stream_state, stream, stream_state
from evosim.training.sources import WorldFile
from evosim.worlds.maze.adversary_table import AdversarySpec, Parameters
from evosim.worlds.maze.world import PLACEMENTS

if not hasattr(creator, "EvosimFailure"):
    creator.create("EvosimFailure", base.Fitness, weights=(1.0,))
    creator.create("EvosimProposal", list, fitness=creator.EvosimFailure)
#: A genome of choice indices, one per world parameter, with its failure rate as fitness.
Proposal = creator.EvosimProposal

TOURNAMENT = 3
CROSSOVER = 0.5  # probability that a pair of offspring swaps parameters (each with probability 1/2)


class Adversary:
    """One seed's adversary: a population of proposals, tried a few per step, bred once all are tried."""

    def __init__(self, parameters: Parameters, spec: AdversarySpec, per_step: int, seed: int):
        self.parameters, self.per_step = parameters, per_step
        self.rng = stream("adversary", seed)  # its proposals' mazes and first genomes
        self.random = derived_random(self.rng)  # DEAP's operators draw from it
        size = -(-spec.population // per_step) * per_step  # a whole number of steps per generation
        self.population = [self.random_genome() for _ in range(size)]
        self.generation, self.tried = 0, 0
        top = [len(c) - 1 for c in parameters.choices]
        self.toolbox = base.Toolbox()
        self.toolbox.register("select", tools.selTournament, tournsize=TOURNAMENT)
        self.toolbox.register("mate", tools.cxUniform, indpb=0.5)
        self.toolbox.register("mutate", tools.mutUniformInt, low=[0] * len(top), up=top, indpb=spec.mutation)

    def random_genome(self) -> Proposal:
        return Proposal(int(self.rng.integers(len(c))) for c in self.parameters.choices)

    def current(self) -> list[Proposal]:
        """This step's proposals."""
        return self.population[self.tried:self.tried + self.per_step]

    def sample(self) -> list:
        """A maze from each of this step's proposals."""
        return [self.parameters.proposal(g).sample(self.rng, 1)[0] for g in self.current()]

    def tell(self, failure: np.ndarray) -> list[dict]:
        """Record this step's proposals' failure rates; breed when the generation is done. Rows for adversary.csv."""
        rows = []
        for i, (genome, fail) in enumerate(zip(self.current(), failure), self.tried):
            genome.fitness.values = (float(fail),)
            rows.append({"adversary_generation": self.generation, "proposal": i}
                        | self.parameters.values(genome) | {"failure_rate": float(fail)})
        self.tried += self.per_step
        if self.tried == len(self.population):
            self.breed()
        return rows

    def breed(self) -> None:
        with deap_random(self.random):
            best = Proposal(tools.selBest(self.population, 1)[0])
            offspring = self.toolbox.select(self.population, len(self.population) - 1)
            offspring = algorithms.varAnd(offspring, self.toolbox, CROSSOVER, 1.0)
        self.population = [best] + [Proposal(g) for g in offspring]
        self.generation, self.tried = self.generation + 1, 0

    def state(self) -> tuple[np.ndarray, dict]:
        return np.array(self.population, dtype=np.int64), {
            "generation": self.generation, "tried": self.tried,
            "fitness": [g.fitness.values[0] if g.fitness.valid else None for g in self.population],
            "rng": stream_state(self.rng), "random": stream_state(self.random)}

    def spec(self) -> tuple[Expect, dict[str, Expect]]:
        """What :meth:`state` holds: genomes of choice indices, and how far through its generation it is."""
        top = np.array([len(c) - 1 for c in self.parameters.choices])
        return like(np.array(self.population, dtype=np.int64), least=0, most=top), {
            "generation": Expect("i", None, 0), "tried": Expect("i", None, 0, len(self.population) - self.per_step)}

    def restore(self, genomes: np.ndarray, doc: dict) -> None:
        self.population = [Proposal(int(v) for v in g) for g in genomes]
        for genome, fit in zip(self.population, doc["fitness"]):
            if fit is not None:
                genome.fitness.values = (fit,)
        self.generation, self.tried = doc["generation"], doc["tried"]
        set_stream_state(self.rng, doc["rng"])
        set_stream_state(self.random, doc["random"])


class AdversarialWorlds(WorldFile):
    """A world source: each seed's mazes are the file's, but for the share its adversary supplies."""

    table = "adversary"

    def __init__(self, world, seeds: list[int], mazes: int):
        super().__init__(world)
        spec = world.adversary
        self.supplied = spec.mazes(mazes)
        parameters = Parameters.of(world, spec, PLACEMENTS)
        self.adversaries = [Adversary(parameters, spec, self.supplied, seed) for seed in seeds]

    def sample(self, step: int, index: int, rng: np.random.Generator, n: int) -> list:
        return super().sample(step, index, rng, n - self.supplied) + self.adversaries[index].sample()

    def tell(self, step: int, index: int, scores) -> list[dict]:
        exit_rate = scores.exit_rate[index]
        return self.adversaries[index].tell(1.0 - exit_rate[len(exit_rate) - self.supplied:])

    def state(self) -> tuple[dict, dict]:
        arrays, docs = {}, []
        for i, adversary in enumerate(self.adversaries):
            arrays[f"adversary.{i}"], doc = adversary.state()
            docs.append(doc)
        return arrays, {"adversaries": docs}

    def spec(self) -> dict[str, Expect]:
        spec = {}
        for i, adversary in enumerate(self.adversaries):
            spec[f"adversary.{i}"], numbers = adversary.spec()
            spec |= {f"adversaries.{i}.{k}": e for k, e in numbers.items()}
        return spec

    def restore(self, arrays: dict, doc: dict) -> None:
        for i, (adversary, saved) in enumerate(zip(self.adversaries, doc["adversaries"])):
            adversary.restore(arrays[f"adversary.{i}"], saved)
