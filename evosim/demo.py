"""``evosim demo``: the main job, end to end on the shipped worlds.

Trains every arm (base optimizer x mind) on maze_train with the same budget of
training episodes per mind, deploys each in maze_train and maze_deploy, prints the
outcome table and says where the run directories are.
"""
from __future__ import annotations

import shutil
from dataclasses import asdict, replace
from pathlib import Path

from . import rundir
from .budget import DEMO as DEMO_BUDGET
from .config import load_world
from .deploy import deploy, fractions, record
from .evolution import EvolutionSettings, evolve_seed
from .gradient import GradientSettings, train_seeds
from .minds import make_mind
from .report import write_report
from .worlds import DEPLOY_WORLD, TRAIN_WORLD

ARMS = (("evolution", "planner"), ("evolution", "reflex"), ("gradient", "planner"), ("gradient", "reflex"))
EPISODES = (32, 8)  # deployment episodes per agent: (full, --quick)
POPULATION = (200, 100)  # evolution: individuals per generation: (full, --quick)
LEARNERS = 8  # gradient: independent learners, seeds seed..seed+7


def train_arm(optimizer: str, mind_name: str, world, budget: int, seed: int, out: Path,
              population: int) -> None:
    """Train one arm on ``budget`` training episodes and write its run directory."""
    if optimizer == "evolution":
        settings = EvolutionSettings(population=population)
        settings = replace(settings, generations=settings.generations_for_budget(budget))
        logs = [evolve_seed(world, mind_name, settings, seed)]
    else:
        seeds = list(range(seed, seed + LEARNERS))
        settings = replace(GradientSettings(), updates=GradientSettings().updates_for_budget(budget, LEARNERS))
        logs = train_seeds(world, mind_name, settings, seeds)
    rundir.prepare(out, force=True)
    rundir.write_training(out, logs, make_mind(mind_name), world,
                          {optimizer: asdict(settings), "episodes_budget": budget})


def demo(out: Path, quick: bool = False, seed: int = 0) -> None:
    train, shifted = load_world(TRAIN_WORLD), load_world(DEPLOY_WORLD)
    pick = 1 if quick else 0
    episodes = EPISODES[pick]
    print(f"evosim demo: {len(ARMS)} arms on {train.name}, deployed in {train.name} and {shifted.name}")
    for mind in dict.fromkeys(m for _, m in ARMS):
        print(f"  budget for {mind} arms: {DEMO_BUDGET[mind][pick]:,} training episodes per base optimizer")
    table = []
    for optimizer, mind in ARMS:
        run = out / f"{optimizer}-{mind}"
        if run.exists():
            shutil.rmtree(run)
        train_arm(optimizer, mind, train, DEMO_BUDGET[mind][pick], seed, run, POPULATION[pick])
        agents = rundir.load_agents(run)
        for world in (train, shifted):
            rows = deploy(agents, train, world, episodes, seed)
            record(run, rows)
            table.append((optimizer, mind, world.name, fractions(rows)))
    for world in (train, shifted):
        print(f"\noutcomes in {world.name} ({episodes} episodes per agent):")
        print(f"  {'optimizer':10s} {'mind':8s} {'aligned':>8s} {'misgeneralized':>15s} {'incapable':>10s}")
        for optimizer, mind, name, share in table:
            if name == world.name:
                print(f"  {optimizer:10s} {mind:8s} {share['aligned']:8.3f} "
                      f"{share['misgeneralized']:15.3f} {share['incapable']:10.3f}")
    runs = [out / f"{optimizer}-{mind}" for optimizer, mind in ARMS]
    print(f"\nrun directories: {', '.join(map(str, runs))}")
    print(f"report: {write_report(runs, out / 'report')}")
