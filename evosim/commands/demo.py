"""``evosim demo``: the main job, end to end on the shipped worlds.

Trains every arm (base optimizer x mind) on maze_train with the same budget of
training episodes per mind, deploys each in maze_train and maze_deploy, prints the
outcome table and says where the run directories are.
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from tqdm import tqdm

from evosim.runs import rundir
from evosim.runs.cluster import ClusterSettings
from evosim.data import DEPLOY_WORLD, TRAIN_WORLD
from evosim.studies.deployment import deploy_run, fractions
from evosim.minds import MINDS, make_mind
from evosim.optimizers import OPTIMIZERS
from evosim.analysis.report import write_report
from evosim.core.settings import Settings, setting
from evosim.runs.lifecycle import start
from evosim.studies.maze_training import MazeTraining
from evosim.training.budgets import demo_budget
from evosim.training.loop import RunSettings
from evosim.worlds import load_world

ALGORITHMS = ("ga", "gradient")  # the base optimizers compared
EPISODES = (32, 8)  # deployment episodes per agent: (full, --quick)
POPULATION = (200, 100)  # evolution: individuals per generation: (full, --quick)
LEARNERS = 8  # gradient: independent learners, seeds seed..seed+7


@dataclass(frozen=True)
class DemoSettings(Settings):
    """Settings of ``evosim demo``."""

    quick: bool = setting(False, "a small run, under 30 s")
    out: Path = setting(Path("runs/demo"), "where the run directories go (earlier demo runs there are replaced)")
    seed: int = setting(0, "seed of every arm (the gradient learners: seed..seed+7)", least=0)
    workers: int | None = setting(None, "arms trained side by side in local processes (default: the core "
                                        "count); the tables are the same for any number", least=1)


def arms() -> list[tuple[str, str]]:
    """(algorithm, mind) of every arm: each compared optimizer with each mind it can shape."""
    return [(a, m) for a in ALGORITHMS for m in MINDS
            if OPTIMIZERS[a].Settings.command == "evolve" or make_mind(m).can_learn]


def run_arm(arm: tuple[str, str, Path], quick: bool, seed: int) -> list[tuple]:
    """Train one arm ``(algorithm, mind, run directory)`` on its mind's demo budget (replacing a run
    there), deploy it in both worlds; (optimizer, mind, world, outcome fractions) per world.

    A top-level function, so that worker processes can run the arms side by side.
    """
    algorithm, mind_name, out = arm
    pick = 1 if quick else 0
    train, shifted = load_world(TRAIN_WORLD), load_world(DEPLOY_WORLD)
    cls, mind = OPTIMIZERS[algorithm].Settings, make_mind(mind_name)
    if cls.one_seed:
        seeds, settings = [seed], cls(population=POPULATION[pick])
    else:
        seeds, settings = list(range(seed, seed + LEARNERS)), cls()
    budget = demo_budget(mind_name, quick)
    settings = settings.with_budget(budget, len(seeds))
    start(MazeTraining.new(train, mind, algorithm, settings, seeds, RunSettings().checkpoint_every, budget), out,
          True, ClusterSettings())
    shares = []
    for world in (train, shifted):
        _, rows = deploy_run(out, world, EPISODES[pick], seed)
        shares.append((cls.label, mind_name, world.name, fractions(rows)))
    return shares


def side_by_side(fn, items: list, workers: int, order: list[int], meanwhile=None) -> list:
    """``[fn(item) for item in items]`` on ``workers`` local processes (forked where the platform can,
    so that they start with evosim already imported), handed out in ``order`` (the costliest first
    keeps the workers evenly busy), with a bar over the items; ``meanwhile()`` runs here while they work."""
    if workers <= 1:
        return [fn(item) for item in tqdm(items, desc="demo arms", disable=None)]
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method)) as pool:
        futures = {i: pool.submit(fn, items[i]) for i in order}
        if meanwhile is not None:
            meanwhile()
        for _ in tqdm(as_completed(futures.values()), total=len(futures), desc="demo arms", disable=None):
            pass
        return [futures[i].result() for i in range(len(items))]


def arm_cost(algorithm: str, mind_name: str, pick: int) -> tuple[int, bool]:
    """A rough cost of training an arm: its budget of episodes times its mind's parameters (learners,
    which also backpropagate, before populations on a tie)."""
    one_seed = OPTIMIZERS[algorithm].Settings.one_seed
    return demo_budget(mind_name, pick == 1) * make_mind(mind_name).n_params, not one_seed


def load_report_libraries() -> None:
    """Import what the report draws with (pandas, seaborn, matplotlib), e.g. while the arms train."""
    from evosim.analysis import training_report  # noqa: F401


def demo(settings: DemoSettings) -> None:
    out, seed = settings.out, settings.seed
    train, shifted = load_world(TRAIN_WORLD), load_world(DEPLOY_WORLD)
    pick = 1 if settings.quick else 0
    episodes = EPISODES[pick]
    runs = {(a, m): out / f"{OPTIMIZERS[a].Settings.label}-{m}" for a, m in arms()}
    print(f"evosim demo: {len(runs)} arms on {train.name}, deployed in {train.name} and {shifted.name}")
    for mind in dict.fromkeys(m for _, m in runs):
        print(f"  budget for {mind} arms: {demo_budget(mind, settings.quick):,} training episodes per base optimizer")
    for run in runs.values():
        rundir.check_out(run, force=True)
    workers = min(settings.workers or os.cpu_count() or 1, len(runs))
    items = [(a, m, run) for (a, m), run in runs.items()]
    costliest = sorted(range(len(items)), key=lambda i: arm_cost(*items[i][:2], pick), reverse=True)
    results = side_by_side(partial(run_arm, quick=settings.quick, seed=seed), items, workers, costliest,
                           load_report_libraries)
    table = [share for shares in results for share in shares]
    for world in (train, shifted):
        print(f"\noutcomes in {world.name} ({episodes} episodes per agent):")
        print(f"  {'optimizer':10s} {'mind':8s} {'aligned':>8s} {'misgeneralized':>15s} {'incapable':>10s}")
        for optimizer, mind, name, share in table:
            if name == world.name:
                print(f"  {optimizer:10s} {mind:8s} {share['aligned']:8.3f} "
                      f"{share['misgeneralized']:15.3f} {share['incapable']:10.3f}")
    print(f"\nrun directories: {', '.join(map(str, runs.values()))}")
    print(f"report: {write_report(list(runs.values()), out / 'report', 'maze-training')}")
