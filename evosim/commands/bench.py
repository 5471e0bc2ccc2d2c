"""``evosim bench``: batched evaluation speed, generation time, update rate and more, each figure a record.

Every figure is one :class:`~evosim.commands.figures.Figure`: a stable key, its value
and unit, and what its timed region holds. :data:`PARTS` lists the functions that plan
them (key, unit, heading, and the measurement, run only for the figures chosen with
``--only``): adding a figure is one more planning function there. The bench prints the
machine and its load at the start and the end, marks a figure timed while the load
average exceeded the cores, and saves the records with ``--save``; ``--compare`` is
:mod:`evosim.commands.compare`.
"""
from __future__ import annotations

import multiprocessing
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, fields, replace
from functools import partial
from pathlib import Path
from typing import Callable, Iterator

from evosim.commands.figures import HIGHER, LOWER, Figure, check_save, chosen, write_figures
from evosim.commands.machine import Mark, is_loaded, load_average, load_line, machine, machine_line, reading
from evosim.core import limits
from evosim.core.errors import UserError
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
from evosim.worlds import load_world
from evosim.worlds.maze.episodes import Episodes, run
from evosim.worlds.maze.world import MAX_SIZE, MIN_SIZE
from evosim.worlds.savanna.world import MAX_CREATURES, MAX_ITEMS
from evosim.training.savanna_species import new_ecology

MAZES = 8  # mazes each agent runs, as in a default generation
ENVS = 256  # sub-environments of the vector env measured
ROUNDS = 3  # --compare with a Python: runs of each figure on each side


@dataclass(frozen=True)
class BenchSettings(Settings):
    """Settings of ``evosim bench``: what its figures measure (``--compare`` hands them to the reference too)."""

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


@dataclass(frozen=True)
class BenchOptions(Settings):
    """Which figures ``evosim bench`` measures, where it saves them and what it compares them with."""

    only: str | None = setting(None, "measure only these figures: keys or starts of keys, comma-separated (e.g. "
                                     "steps/maze-train,generation/ga); --list names them", metavar="KEY[,KEY...]")
    list: bool = setting(False, "print the figures' keys and units, one a line, and measure nothing")
    save: Path | None = setting(None, "write the figures, the machine and its load to this JSON file (a new file, "
                                      "or one the bench saved)", metavar="FILE")
    compare: str | None = setting(None, "compare with REF: a figures file of --save, or a Python executable (or a "
                                        "virtual environment folder) with another evosim installed, run figure by "
                                        "figure in turn with this one", metavar="REF")
    rounds: int | None = setting(None, "--compare with a Python: runs of each figure on each side, alternating; "
                                       "the best of each side counts", shown=str(ROUNDS), metavar="N", least=1)

    def check(self) -> None:
        if self.rounds is not None and self.compare is None:
            raise UserError("--rounds: applies to --compare with a Python executable or environment")
        if self.list and (self.save or self.compare):
            raise UserError("--list: measures nothing; give it without --save and --compare")


def timed_agents(mind, world, population: int) -> tuple:
    """The bench's stream, ``population`` agents of ``mind`` drawn from it and then MAZES mazes of ``world``."""
    rng = stream("bench", 0)
    params = mind.init(rng, population)
    return rng, params, world.batch(world.sample(rng, MAZES))


def steps_per_second(mind, world, population: int, repeats: int) -> tuple[float, int, bool]:
    """Best agent-steps per second of running episodes over repeats, the steps of one, and whether the run built
    the mazes' all-pairs distance tables (a planner plans on them).

    Each repeat stacks the mazes anew and sets their step limits, untimed, so that
    every timed run builds the distance tables it asks for, as a generation's does
    (they are built lazily and kept by the stacked mazes).
    """
    rng, params, batch = timed_agents(mind, world, population)
    best, steps = 0.0, 0
    for _ in range(repeats):
        batch = world.batch(batch.mazes)
        limits = world.step_limits(batch)
        start = time.perf_counter()
        _, steps = run(mind, params, batch, limits, rng)
        best = max(best, steps / (time.perf_counter() - start))
    return best, steps, "dist" in vars(batch) or "next_move" in vars(batch)


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
    world = load_world(TRAIN_WORLD).of_size(size)
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
    return {"mind": mind.name, "learners": seeds, "updates": updates, "episodes_per_update": per_update,
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


def env_steps_per_second(env_id: str, num_envs: int, steps: int, repeats: int) -> tuple[float, int]:
    """Best random-action steps per second of a Gymnasium id, resets included, and the steps of one run.

    One env (``num_envs`` 1) goes through ``gymnasium.make`` and is reset when an
    episode ends; more go through ``gymnasium.make_vec`` with the native vector
    entry point, which resets them itself, and step ``steps // num_envs`` times
    (at least once). Making and first resetting the env are not timed.
    """
    import gymnasium

    best, taken = 0.0, steps if num_envs == 1 else max(1, steps // num_envs) * num_envs
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
            for _ in range(taken // num_envs):
                env.step(env.action_space.sample())
        best = max(best, taken / (time.perf_counter() - start))
        env.close()
    return best, taken


def held_savanna(world, creatures: int, items: int):
    """The savanna world holding ``creatures`` evolved creatures and about ``items`` ancestral food items:
    no creature starves or ages out, and every eaten item grows back the next tick. A creature that eats
    toadstools can still die; a birth then refills its place (the cap is ``creatures``)."""
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


# -- the figures: PARTS plan them, each with its key, unit and heading; measuring one gives its value --------------

@dataclass(frozen=True)
class Measured:
    """What measuring a figure gives: its value, the line the bench prints, and what its timed region held."""

    value: float
    line: str
    times: str


@dataclass(frozen=True)
class Planned:
    """A figure the bench can measure: its key and unit, which way is better, the heading printed above it (shared
    by the figures of a group, None for none), and its measurement, run only when the figure is chosen."""

    key: str
    unit: str
    heading: str | None
    measure: Callable[[], Measured]
    better: str = HIGHER


def unjitted_minds() -> list:
    return [make_mind(name) for name in MINDS if not MINDS[name].jitted]


def evaluation_figures(settings: BenchSettings) -> Iterator[Planned]:
    """Agent-steps per second of every numpy mind in the training and the deployment world."""
    heading = f"batched evaluation, population {settings.population} x {MAZES} mazes (best of {settings.repeats}):"
    for world in (load_world(TRAIN_WORLD), load_world(DEPLOY_WORLD)):
        for mind in unjitted_minds():
            yield Planned(f"steps/{world.name}/{mind.name}", "agent-steps/s", heading,
                          partial(evaluation_figure, mind, world, settings.population, settings.repeats))


def evaluation_figure(mind, world, population: int, repeats: int) -> Measured:
    rate, steps, tables = steps_per_second(mind, world, population, repeats)
    built = ("the all-pairs distance tables it plans on built inside each timed run" if tables else
             "no distance tables asked for")
    return Measured(rate, f"  {world.name:12s} {mind.name:8s} {rate:>12,.0f} agent-steps/s  ({steps:,} steps per run)",
                    f"run() of {population:,} {mind.name} agents x {MAZES} {world.name} mazes until every episode "
                    f"ends, {built}; each repeat on the mazes stacked anew (untimed); best of {repeats}")


def big_maze_figures(settings: BenchSettings) -> Iterator[Planned]:
    """Agent-steps/s and peak memory of one planner evaluation in big mazes, in a process of its own."""
    size, big = settings.big_size, settings.big_population
    heading = (f"big mazes: evaluation of {big:,} planners x {MAZES} size-{size} mazes ({2 * size + 1} x "
               f"{2 * size + 1} tiles), distance tables included, in a process of its own:")
    times = (f"run() of {big:,} planners x {MAZES} maze_train mazes of size {size} until every episode ends, "
             "the all-pairs distance tables built inside the timed run; in a spawned process; once")
    measured = {}  # one evaluation gives both figures

    def evaluation() -> tuple[float, float, float]:
        if not measured:
            with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as alone:
                measured["it"] = alone.submit(big_maze_evaluation, size, big).result()
        return measured["it"]

    def rate() -> Measured:
        steps, seconds, _ = evaluation()
        return Measured(steps, f"  {steps:,.0f} agent-steps/s ({seconds:.2f} s)", times)

    def peak() -> Measured:
        mib = evaluation()[2]
        return Measured(mib, f"  peak memory {mib:,.0f} MiB (the process's own)", times + "; its peak VmHWM")

    yield Planned(f"big/size-{size}/steps", "agent-steps/s", heading, rate)
    yield Planned(f"big/size-{size}/memory", "MiB", heading, peak, LOWER)


def generation_figures(settings: BenchSettings) -> Iterator[Planned]:
    """Seconds per whole planner generation of every evolution algorithm."""
    world = load_world(TRAIN_WORLD)
    for algorithm in algorithms("evolve"):
        evolution = generation_settings(algorithm, settings.population)  # a population it refuses stops the bench
        yield Planned(f"generation/{algorithm}", "s/generation", None,
                      partial(generation_figure, world, evolution), LOWER)


def generation_figure(world, evolution) -> Measured:
    sec, algorithm, population = seconds_per_generation(world, evolution), evolution.algorithm, evolution.population
    n = evolution.generations + 1
    return Measured(sec, f"{algorithm}: {sec:.3f} s per generation of {population} planners on {MAZES} "
                         f"{world.name} mazes (evaluation, {algorithm} ask and tell, logging)",
                    f"one train() of {n} generations of {population:,} planners, divided by {n}: its setup, "
                    f"{MAZES} {world.name} mazes drawn and stacked each generation, their distance tables, the "
                    f"episodes, {algorithm}'s ask (and tell, but after the last), drives logged every generation "
                    "(no probes); once")


def gradient_figures(settings: BenchSettings) -> Iterator[Planned]:
    """Policy-gradient updates per second of every numpy mind that learns."""
    world = load_world(TRAIN_WORLD)
    for mind in unjitted_minds():
        if mind.can_learn:
            yield Planned(f"gradient/{mind.name}", "updates/s", None, partial(gradient_figure, world, mind))


def gradient_figure(world, mind) -> Measured:
    fig = bench_gradient(world, mind)
    return Measured(fig["updates_per_s"],
                    f"gradient: {fig['updates_per_s']:.2f} updates/s for {fig['learners']} {fig['mind']} learners "
                    f"({fig['episodes_per_update']} {world.name} episodes per update, "
                    f"{fig['episodes_per_s']:,.0f} episodes/s)",
                    f"one train() of {fig['learners']} {mind.name} learners x {fig['updates']} updates from their "
                    f"start: each update's {fig['episodes_per_update']} {world.name} episodes, gradient and Adam "
                    "step, and the episodes after the last update; once")


#: How the bench trains a jitted mind: one short run per base optimizer, from the start.
NETWORK_TRAINING = {"gradient": (GradientSettings(updates=1, mazes=1, rollouts=8, learning_rate=0.005), 4),
                    "openai-es": (OpenESSettings(generations=1, population=16, mazes=2), 1)}


def network_figures(settings: BenchSettings) -> Iterator[Planned]:
    """Every jitted mind's figures: batched and one-episode-at-a-time agent-steps/s, and training episodes/s."""
    world = load_world(TRAIN_WORLD)
    for name in (name for name in MINDS if MINDS[name].jitted):
        yield from mind_network_figures(make_mind(name), world, settings.neural_population, settings.neural_steps)


def mind_network_figures(mind, world, population: int, steps: int) -> Iterator[Planned]:
    heading = (f"{mind.name} mind ({mind.n_params:,} parameters, {mind.options()}), first {steps} steps in "
               f"{world.name}, compiling untimed:")
    slots = min(population * MAZES, 16)
    batched = {}  # the batched rate, when measured in this run: the one-at-a-time line gives the batching gain

    def at_once() -> Measured:
        batched["rate"] = rate = network_steps_per_second(mind, world, population, steps)
        return Measured(rate, f"  population {population} x {MAZES} mazes at once {rate:>10,.0f} agent-steps/s",
                        f"the first {steps} steps of {population:,} agents x {MAZES} {world.name} mazes at once "
                        "(observations, forward pass, moves), after one untimed step that compiles; agents and mazes "
                        "made untimed; once")

    def alone() -> Measured:
        rate = network_steps_per_second(mind, world, population, steps, slots=slots)
        gain = f"  (batching gain {batched['rate'] / rate:.0f}x)" if "rate" in batched else ""
        return Measured(rate, f"  one episode at a time         {rate:>10,.0f} agent-steps/s{gain}",
                        f"the first {steps} steps of the same agents' first {slots} episodes, one at a time (each a "
                        "batch of one), each after an untimed step; once")

    def training(algorithm: str, train_settings, seeds: int) -> Measured:
        rate, per_step = training_episodes_per_second(world, mind, train_settings, seeds), \
            train_settings.episodes_per_step(seeds)
        step = train_settings.step_name
        return Measured(rate, f"  {algorithm}: {rate:,.1f} training episodes/s ({seeds} seed(s), {per_step:,} "
                              f"episodes per {step}, from the start)",
                        f"one train() of {seeds} seed(s) x {train_settings.steps + 1} {step}s of {per_step:,} "
                        f"{world.name} episodes from the start, compiling included; once")

    yield Planned(f"network/{mind.name}/batched", "agent-steps/s", heading, at_once)
    yield Planned(f"network/{mind.name}/alone", "agent-steps/s", heading, alone)
    for algorithm, (train_settings, seeds) in NETWORK_TRAINING.items():
        yield Planned(f"network/{mind.name}/{algorithm}", "training episodes/s", heading,
                      partial(training, algorithm, train_settings, seeds))


def gymnasium_figures(settings: BenchSettings) -> Iterator[Planned]:
    """Random-action steps per second of every Gymnasium id, as one env and as a vector env."""
    heading = f"gymnasium, random actions, resets included (best of {settings.repeats}):"
    for env_id in VARIANTS:
        for num_envs, steps in ((1, settings.env_steps), (ENVS, 10 * settings.env_steps)):
            yield Planned(f"gym/{env_id.rpartition('/')[2]}/{'single' if num_envs == 1 else 'vector'}", "steps/s",
                          heading, partial(env_figure, env_id, num_envs, steps, settings.repeats))


def env_figure(env_id: str, num_envs: int, steps: int, repeats: int) -> Measured:
    rate, taken = env_steps_per_second(env_id, num_envs, steps, repeats)
    what = "single env" if num_envs == 1 else f"vector env x {num_envs}"
    how = (f"gymnasium.make('{env_id}'), reset whenever an episode ends" if num_envs == 1 else
           f"{taken // num_envs:,} steps of gymnasium.make_vec('{env_id}', num_envs={num_envs}), which resets its "
           "sub-environments itself")
    return Measured(rate, f"  {env_id:24s} {what:17s} {rate:>12,.0f} steps/s",
                    f"{taken:,} random-action steps: {how}; making and first resetting it untimed; best of {repeats}")


def savanna_figures(settings: BenchSettings) -> Iterator[Planned]:
    """Ticks per second of a held savanna, and frames per second of its viewer."""
    world = held_savanna(load_world(SAVANNA_WORLD), settings.creatures, settings.food)
    heading = f"savanna, {settings.creatures:,} creatures and {settings.food:,} food items:"
    held = (f"an ecology held at {settings.creatures:,} creatures and about {settings.food:,} food items (no "
            "starving or ageing; a death, from toadstools, refilled by a birth; eaten food grows back the next tick)")

    def ticks() -> Measured:
        rate = savanna_ticks_per_second(world, settings.ticks)
        return Measured(rate, f"  {rate:,.0f} ticks/s headless",
                        f"{settings.ticks} ticks of {held}, after {settings.ticks} untimed ticks; once")

    def frames() -> Measured:
        fps = savanna_frames_per_second(world, settings.ticks)
        return Measured(fps, f"  viewer {fps:,.0f} frames/s at one tick per frame (1000x700, off-screen)",
                        f"{settings.ticks} frames of the savanna viewer, each one tick of {held} and its drawing on "
                        "an off-screen 1000x700 surface, from a new ecology; the viewer made untimed; once")

    yield Planned("savanna/ticks", "ticks/s", heading, ticks)
    yield Planned("savanna/frames", "frames/s", heading, frames)


def memory_figures(settings: BenchSettings) -> Iterator[Planned]:
    """The bench process's peak memory."""
    def peak() -> Measured:
        mib = peak_memory()
        return Measured(mib, f"peak memory: {mib:,.0f} MiB",
                        "the peak resident memory of this bench process (getrusage), after the figures measured "
                        "before it in the same process; no time")

    yield Planned("memory/peak", "MiB", None, peak, LOWER)


#: What plans the bench's figures, in the order they are printed: a new figure is one more function here.
PARTS: tuple[Callable[[BenchSettings], Iterator[Planned]], ...] = (
    evaluation_figures, big_maze_figures, generation_figures, gradient_figures, network_figures, gymnasium_figures, savanna_figures,
    memory_figures)


def plan(settings: BenchSettings) -> list[Planned]:
    """Every figure of the bench, in order, measuring none (and making the settings each part refuses stop it)."""
    planned = [p for part in PARTS for p in part(settings)]
    keys = [p.key for p in planned]
    assert len(set(keys)) == len(keys), f"two figures share a key: {keys}"
    return planned


def changed(settings: BenchSettings) -> dict:
    """The settings that differ from their defaults (what ``--compare`` hands to the reference)."""
    return {f.name: getattr(settings, f.name) for f in fields(settings) if getattr(settings, f.name) != f.default}


def note(figure: Figure, cores: int) -> str:
    """How loaded the machine was while ``figure`` was measured: the load, LOADED above the cores, others' CPU."""
    if figure.load is None:
        return ""
    said = f"{'LOADED: ' if is_loaded(figure.load, cores) else ''}load {figure.load:.2f} on {cores} cores"
    if figure.others_cpu is not None:
        said += f", other processes {figure.others_cpu:.0%} of the CPU"
    return f"  [{said}]"


def measure(planned: list[Planned], cores: int) -> list[Figure]:
    """Measure the planned figures in order, printing each (under its heading) with what it times and the load."""
    figures, heading = [], None
    for p in planned:
        if p.heading is not None and p.heading != heading:
            print(p.heading)
        heading = p.heading
        before, mark = load_average(), Mark.now()
        got = p.measure()
        after = reading(mark)
        loads = [r[0] for r in (before, after["load_average"]) if r is not None]
        figure = Figure(p.key, got.value, p.unit, got.times, p.better, max(loads, default=None), after["others_cpu"])
        indent = got.line[:len(got.line) - len(got.line.lstrip())]
        print(got.line)
        print(f"{indent}    times: {got.times}{note(figure, cores)}", flush=True)
        figures.append(figure)
    return figures


def bench(settings: BenchSettings, options: BenchOptions = BenchOptions()) -> list[Figure]:
    """``evosim bench``: every check first (settings, --only, --save, --compare), then the machine and its load,
    the figures (here, or in turn with a reference Python), the comparison's table, and the machine's load
    again; the figures of this evosim."""
    from evosim.commands import compare

    planned = plan(settings)
    keys = chosen([p.key for p in planned], options.only)
    if options.list:
        print("\n".join(f"{p.key}  {p.unit}" for p in planned if p.key in keys))
        return []
    save = None if options.save is None else check_save(options.save)
    ref = None if options.compare is None else compare.reference(options.compare, options.rounds, changed(settings))
    here, start = machine(), Mark.now()
    first = reading(start)
    print(machine_line(here))
    print(load_line("at the start", first, here["cores"]), flush=True)
    if isinstance(ref, compare.Interleaved):
        this, theirs = ref.run(keys, options.rounds or ROUNDS, here["cores"])
    else:
        this = compare.here(measure([p for p in planned if p.key in keys], here["cores"]), keys, here["cores"])
        theirs = ref
    if theirs is not None:
        print()
        print("\n".join(compare.table(this, theirs, options.only)))
    last = reading(start)
    print(load_line("at the end", last, here["cores"]))
    figures = list(this.figures.values())
    if save is not None:
        write_figures(save, figures, changed(settings), here, first, last)
        print(f"figures saved in {save}")
    return figures
