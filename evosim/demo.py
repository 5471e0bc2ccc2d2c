"""``evosim demo``: the main job, end to end on the shipped worlds.

Trains every arm (base optimizer x mind) on maze_train with the same budget of
training episodes per mind, deploys each in maze_train and maze_deploy, prints the
outcome table and says where the run directories are.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from . import rundir
from .budget import DEMO as DEMO_BUDGET
from .config import load_world
from .deploy import deploy, fractions, record
from .evolution import EvolutionSettings
from .minds import make_mind
from .report import write_report
from .worlds import DEPLOY_WORLD, TRAIN_WORLD

ARMS = (("evolution", "planner"), ("evolution", "reflex"))
EPISODES = (32, 8)  # deployment episodes per agent: (full, --quick)
POPULATION = (200, 100)


def train_arm(optimizer: str, mind_name: str, world, budget: int, seed: int, out: Path, population: int) -> None:
    """Train one arm and write its run directory."""
    from .cli import evolve_seed

    settings = EvolutionSettings(population=population)
    settings = EvolutionSettings(population=population, generations=settings.generations_for_budget(budget))
    log = evolve_seed(world, mind_name, settings, seed)
    rundir.prepare(out, force=True)
    rundir.write_training(out, [log], make_mind(mind_name), world, {"evolution": vars(settings),
                                                                    "episodes_budget": budget})


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
    print()
    print(f"{'optimizer':10s} {'mind':8s} {'world':12s} {'aligned':>8s} {'misgen.':>8s} {'incapable':>9s}")
    for optimizer, mind, world, share in table:
        print(f"{optimizer:10s} {mind:8s} {world:12s} {share['aligned']:8.3f} "
              f"{share['misgeneralized']:8.3f} {share['incapable']:9.3f}")
    runs = [out / f"{optimizer}-{mind}" for optimizer, mind in ARMS]
    print(f"\nrun directories: {', '.join(map(str, runs))}")
    print(f"report: {write_report(runs, out / 'report')}")
