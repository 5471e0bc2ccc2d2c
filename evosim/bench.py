"""``evosim bench``: batched evaluation speed and generation time, printed as figures."""
from __future__ import annotations

import resource
import time

import numpy as np

from .config import load_world
from .episodes import MazeBatch, run
from .evolution import EvolutionSettings, evolve
from .gradient import bench_gradient
from .reporters import default_reporters
from .maze import generate_many
from .minds import make_mind
from .worlds import DEPLOY_WORLD, TRAIN_WORLD

MAZES = 8  # mazes each agent runs, as in a default generation


def steps_per_second(mind, world, population: int, repeats: int) -> tuple[float, int]:
    """Best agent-steps per second (steps of running episodes) over repeats, and the steps of one."""
    rng = np.random.default_rng(0)
    params = mind.init(rng, population)
    batch = MazeBatch.of(generate_many(world, MAZES, rng))
    best, steps = 0.0, 0
    for _ in range(repeats):
        start = time.perf_counter()
        _, steps = run(mind, params, batch, world.max_steps, rng)
        best = max(best, steps / (time.perf_counter() - start))
    return best, steps


def seconds_per_generation(world, population: int, generations: int = 5) -> float:
    """Mean wall time of a whole planner generation: mazes, evaluation, DEAP selection and variation, logging."""
    mind = make_mind("planner")
    settings = EvolutionSettings(population=population, generations=generations - 1, mazes=MAZES, log_every=1)
    start = time.perf_counter()
    evolve(world, mind, settings, seed=0, reporters=default_reporters(mind, 1))
    return (time.perf_counter() - start) / generations


def bench(population: int = 1000, repeats: int = 3) -> None:
    worlds = [load_world(TRAIN_WORLD), load_world(DEPLOY_WORLD)]
    print(f"batched evaluation, population {population} x {MAZES} mazes (best of {repeats}):")
    for world in worlds:
        for name in ("planner", "reflex"):
            rate, steps = steps_per_second(make_mind(name), world, population, repeats)
            print(f"  {world.name:12s} {name:8s} {rate:>12,.0f} agent-steps/s  ({steps:,} steps per run)")
    sec = seconds_per_generation(worlds[0], population)
    print(f"evolution: {sec:.3f} s per generation of {population} planners on {MAZES} "
          f"{worlds[0].name} mazes (evaluation, selection, variation, logging)")
    for fig in bench_gradient(worlds[0]):
        print(f"gradient: {fig['updates_per_s']:.2f} updates/s for {fig['learners']} {fig['mind']} learners "
              f"({fig['episodes_per_update']} {worlds[0].name} episodes per update, "
              f"{fig['episodes_per_s']:,.0f} episodes/s)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:,.0f} MiB")
