"""``evosim bench``: batched evaluation speed (and a big-maze evaluation's peak memory), generation time and update
rate, printed as figures."""
from __future__ import annotations

import multiprocessing
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from evosim.core import limits
from evosim.core.streams import stream
from evosim.data import DEPLOY_WORLD, SAVANNA_WORLD, TRAIN_WORLD
from evosim.envs import VARIANTS
from evosim.minds import MINDS, make_mind
from evosim.optimizers import OPTIMIZERS, algorithms
from evosim.optimizers.gradient import GradientSettings
from evosim.optimizers.open_es import OpenESSettings
from evosim.training.reporters import default_reporters
from evosim.core.settings import Settings, setting
from evosim.training.loop import train
from evosim.worlds import derive, load_world
from evosim.worlds.maze.episodes import Episodes, run
from evosim.worlds.maze.world import MAX_SIZE, MIN_SIZE
from evosim.worlds.table import IntRange
from evosim.worlds.savanna.world import MAX_CREATURES, MAX_ITEMS
from evosim.training.savanna_species import new_ecology

MAZES = 8  # mazes each agent runs, as in a default generation
ENVS = 256  # sub-environments of the vector env measured


@dataclass(frozen=True)
class BenchSettings(Settings):
    """Settings of ``evosim bench``."""

    population: int = setting(1000, "agents evaluated at once, and individuals per generation", least=2,
                              most=limits.POPULATION)
    repeats: int = setting(3, "runs of each evaluation; the best counts", least=1)
    env_steps: int = setting(20_000, "random-action steps of the single Gymnasium env (the vector env: ten times "
                                     "as many)", least=1)
    creatures: int = setting(1000, "savanna: creatures held in the arena", least=1, most=MAX_CREATURES)
    food: int = setting(3000, "savanna: food items held in the arena", least=1, most=MAX_ITEMS)
    ticks: int = setting(300, "savanna: ticks (and viewer frames) timed", least=1, most=limits.TICKS)
    neural_population: int = setting(256, "neural mind: agents evaluated at once", least=1, most=limits.POPULATION)
    neural_steps: int = setting(50, "neural mind: steps of its episodes timed, after one that compiles", least=1)
    big_size: int = setting(31, "big mazes: cells a side of the maze_train mazes of one timed planner evaluation",
                            least=MIN_SIZE, most=MAX_SIZE)
    big_population: int = setting(1000, "big mazes: planners in that evaluation", least=1, most=limits.POPULATION)


def timed_agents(mind, world, population: int) -> tuple:
    """The bench's stream, ``population`` agents of ``mind`` drawn from it and then MAZES mazes of ``world``."""
    rng = stream("bench", 0)
    params = mind.init(rng, population)
    return rng, params, world.batch(world.sample(rng, MAZES))


def steps_per_second(mind, world, population: int, repeats: int) -> tuple[float, int]:
    """Best agent-steps per second (steps of running episodes) over repeats, and the steps of one."""
    rng, params, batch = timed_agents(mind, world, population)
    best, steps = 0.0, 0
    for _ in range(repeats):
        start = time.perf_counter()
        _, steps = run(mind, params, batch, world.step_limits(batch), rng)
        best = max(best, steps / (time.perf_counter() - start))
    return best, steps


def peak_memory() -> float:
    """MiB of this process's peak resident memory: Linux's VmHWM, which a spawned process starts afresh (its
    ru_maxrss starts at its parent's), else ru_maxrss."""
    status = Path("/proc/self/status")
    if status.exists():
        return next(int(line.split()[1]) for line in status.read_text().splitlines()
                    if line.startswith("VmHWM:")) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def big_maze_evaluation(size: int, population: int) -> tuple[float, float, float]:
    """One evaluation of ``population`` planners in MAZES maze_train mazes of ``size`` cells a side, their
    distance tables included: agent-steps/s, seconds and this process's peak memory (MiB), meant to run in a
    process of its own."""
    world = load_world(TRAIN_WORLD)
    world = derive(world, {"world.size": size}, size=IntRange(size, size))
    mind = make_mind("planner")
    rng, params, batch = timed_agents(mind, world, population)
    start = time.perf_counter()
    _, steps = run(mind, params, batch, world.step_limits(batch), rng)  # distances are computed at the first plan
    seconds = time.perf_counter() - start
    return steps / seconds, seconds, peak_memory()


def generation_settings(algorithm: str, population: int, generations: int = 5):
    """Settings of an evolution run timed by :func:`seconds_per_generation` (made before anything is timed, so
    that a population the optimizer refuses stops the bench at once)."""
    return OPTIMIZERS[algorithm].Settings(population=population, generations=generations - 1, mazes=MAZES,
                                          log_every=1)


def seconds_per_generation(world, settings) -> float:
    """Mean wall time of a whole planner generation: mazes, evaluation, the optimizer's ask and tell, logging."""
    mind = make_mind("planner")
    start = time.perf_counter()
    train(world, mind, settings, [0], reporters=default_reporters(mind, 1))
    return (time.perf_counter() - start) / (settings.generations + 1)


def bench_gradient(world, mind, seeds: int = 8, updates: int = 5,
                   settings: GradientSettings = GradientSettings()) -> dict:
    """Gradient training speed of ``seeds`` learners from their start: updates and episodes per second.

    The time includes the final batch of episodes that follows the last update,
    and early updates are the slowest (untrained agents run every episode to
    ``max_steps``), so the figures are conservative.
    """
    settings = replace(settings, updates=updates)
    start = time.perf_counter()
    train(world, mind, settings, list(range(seeds)))
    seconds = time.perf_counter() - start
    per_update = settings.episodes_per_step(seeds)
    return {"mind": mind.name, "learners": seeds, "episodes_per_update": per_update,
            "updates_per_s": updates / seconds, "episodes_per_s": updates * per_update / seconds}


def network_steps_per_second(mind, world, population: int, steps: int, slots: int | None = None) -> float:
    """Agent-steps per second of a jitted mind over ``steps`` steps of ``population`` agents in MAZES mazes
    each (observations, forward pass and moves), after one untimed step that compiles; with ``slots``, the same
    agents' first ``slots`` episodes run one at a time instead, each on its own (the batching gain's
    baseline)."""
    rng, params, batch = timed_agents(mind, world, population)
    if slots is None:
        runs = [(params, batch)]
    else:
        runs = [(params[s // MAZES][None], world.batch([batch.mazes[s % MAZES]])) for s in range(slots)]
    taken, seconds = 0, 0.0
    for p, b in runs:
        episodes = Episodes(b, len(p), world.max_steps)
        controller = mind.controller(p, episodes)
        episodes.step(controller.act(rng))
        start, before = time.perf_counter(), episodes.agent_steps
        for _ in range(steps):
            episodes.step(controller.act(rng))
        seconds += time.perf_counter() - start
        taken += episodes.agent_steps - before
    return taken / seconds


def training_episodes_per_second(world, mind, settings, seeds: int) -> float:
    """Training episodes per second of a run of ``seeds`` seeds from its start (untrained agents run longest,
    and a network compiles in the first step: a conservative figure)."""
    start = time.perf_counter()
    train(world, mind, settings, list(range(seeds)))
    return settings.episodes_per_step(seeds) * (settings.steps + 1) / (time.perf_counter() - start)


def env_steps_per_second(env_id: str, num_envs: int, steps: int, repeats: int) -> float:
    """Best random-action steps per second of a Gymnasium id, resets included.

    One env (``num_envs`` 1) goes through ``gymnasium.make`` and is reset when an
    episode ends; more go through ``gymnasium.make_vec`` with the native vector
    entry point, which resets them itself.
    """
    import gymnasium

    best = 0.0
    for _ in range(repeats):
        if num_envs == 1:
            env = gymnasium.make(env_id)
            env.reset(seed=0)
            env.action_space.seed(0)
            start = time.perf_counter()
            for _ in range(steps):
                _, _, terminated, truncated, _ = env.step(env.action_space.sample())
                if terminated or truncated:
                    env.reset()
        else:
            env = gymnasium.make_vec(env_id, num_envs=num_envs, vectorization_mode="vector_entry_point")
            env.reset(seed=0)
            env.action_space.seed(0)
            start = time.perf_counter()
            for _ in range(steps // num_envs):
                env.step(env.action_space.sample())
        best = max(best, steps / (time.perf_counter() - start))
        env.close()
    return best


def held_savanna(world, creatures: int, items: int):
    """The savanna world holding ``creatures`` evolved creatures and about ``items`` ancestral food items:
    no creature starves, ages out or is born, and every eaten item grows back the next tick."""
    total = sum(k.count for k in world.foods[:world.ancestral])
    foods = tuple(replace(k, count=max(1, round(k.count * items / total)), regrow=1.0)
                  for k in world.foods[:world.ancestral])
    life = replace(world.life, evolved=creatures, cap=creatures, trained=0, metabolism=0.0, speed_cost=0.0,
                   sense_cost=0.0, max_age=2 ** 62)
    return replace(world, foods=foods, ancestral=len(foods), life=life)


def savanna_ticks_per_second(world, ticks: int) -> float:
    """Ticks per second of an ecology of the held world, after as many ticks of warm-up."""
    ecology = new_ecology(world, 0)
    for _ in range(ticks):
        ecology.step()
    start = time.perf_counter()
    for _ in range(ticks):
        ecology.step()
    return ticks / (time.perf_counter() - start)


def savanna_frames_per_second(world, frames: int) -> float:
    """Frames per second of the savanna viewer at one tick per frame, drawing on an off-screen 1000x700 surface."""
    import pygame

    from evosim.viewer.savanna_board import SavannaViewer
    from evosim.viewer.window import FRAME_DT

    pygame.font.init()
    viewer = SavannaViewer(new_ecology(world, 0), pygame.Surface((1000, 700)), 1 / FRAME_DT)
    start = time.perf_counter()
    for _ in range(frames):
        viewer.advance()
        viewer.draw()
    seconds = time.perf_counter() - start
    pygame.quit()
    return frames / seconds


#: How the bench trains a jitted mind: one short run per base optimizer, from the start.
NETWORK_TRAINING = {"gradient": (GradientSettings(updates=1, mazes=1, rollouts=8, learning_rate=0.005), 4),
                    "openai-es": (OpenESSettings(generations=1, population=16, mazes=2), 1)}


def bench_network(mind, world, settings: BenchSettings) -> None:
    """A jitted mind's figures: batched and one-episode-at-a-time agent-steps/s, and training episodes/s."""
    population, steps = settings.neural_population, settings.neural_steps
    batched = network_steps_per_second(mind, world, population, steps)
    alone = network_steps_per_second(mind, world, population, steps, slots=min(population * MAZES, 16))
    print(f"{mind.name} mind ({mind.n_params:,} parameters, {mind.options()}), first {steps} steps in "
          f"{world.name}, compiling untimed:")
    print(f"  population {population} x {MAZES} mazes at once {batched:>10,.0f} agent-steps/s")
    print(f"  one episode at a time         {alone:>10,.0f} agent-steps/s  (batching gain {batched / alone:.0f}x)")
    for algorithm, (train_settings, seeds) in NETWORK_TRAINING.items():
        rate = training_episodes_per_second(world, mind, train_settings, seeds)
        print(f"  {algorithm}: {rate:,.1f} training episodes/s ({seeds} seed(s), "
              f"{train_settings.episodes_per_step(seeds):,} episodes per {train_settings.step_name}, from the start)")


def bench(settings: BenchSettings) -> None:
    population, repeats = settings.population, settings.repeats
    evolutions = {algorithm: generation_settings(algorithm, population) for algorithm in algorithms("evolve")}
    worlds = [load_world(TRAIN_WORLD), load_world(DEPLOY_WORLD)]
    minds = [make_mind(name) for name in MINDS if not MINDS[name].jitted]
    print(f"batched evaluation, population {population} x {MAZES} mazes (best of {repeats}):")
    for world in worlds:
        for mind in minds:
            rate, steps = steps_per_second(mind, world, population, repeats)
            print(f"  {world.name:12s} {mind.name:8s} {rate:>12,.0f} agent-steps/s  ({steps:,} steps per run)")
    size, big = settings.big_size, settings.big_population
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as alone:
        rate, seconds, peak = alone.submit(big_maze_evaluation, size, big).result()
    print(f"big mazes: evaluation of {big:,} planners x {MAZES} size-{size} mazes ({2 * size + 1} x {2 * size + 1} "
          f"tiles), distance tables included: {rate:,.0f} agent-steps/s, {seconds:.2f} s, peak memory "
          f"{peak:,.0f} MiB (a process of its own)")
    for algorithm, evolution in evolutions.items():
        sec = seconds_per_generation(worlds[0], evolution)
        print(f"{algorithm}: {sec:.3f} s per generation of {population} planners on {MAZES} "
              f"{worlds[0].name} mazes (evaluation, {algorithm} ask and tell, logging)")
    for mind in minds:
        if mind.can_learn:
            fig = bench_gradient(worlds[0], mind)
            print(f"gradient: {fig['updates_per_s']:.2f} updates/s for {fig['learners']} {fig['mind']} learners "
                  f"({fig['episodes_per_update']} {worlds[0].name} episodes per update, "
                  f"{fig['episodes_per_s']:,.0f} episodes/s)")
    for name in (name for name in MINDS if MINDS[name].jitted):
        bench_network(make_mind(name), worlds[0], settings)
    print(f"gymnasium, random actions, resets included (best of {repeats}):")
    for env_id in VARIANTS:
        for num_envs, steps in ((1, settings.env_steps), (ENVS, 10 * settings.env_steps)):
            rate = env_steps_per_second(env_id, num_envs, steps, repeats)
            what = "single env" if num_envs == 1 else f"vector env x {num_envs}"
            print(f"  {env_id:24s} {what:17s} {rate:>12,.0f} steps/s")
    savanna = held_savanna(load_world(SAVANNA_WORLD), settings.creatures, settings.food)
    rate = savanna_ticks_per_second(savanna, settings.ticks)
    fps = savanna_frames_per_second(savanna, settings.ticks)
    print(f"savanna, {settings.creatures:,} creatures and {settings.food:,} food items: {rate:,.0f} ticks/s headless; "
          f"viewer {fps:,.0f} frames/s at one tick per frame (1000x700, off-screen)")
    print(f"peak memory: {peak_memory():,.0f} MiB")
