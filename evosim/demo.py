"""``evosim demo``: the main job, end to end on the shipped worlds.

Trains every arm (base optimizer x mind) on maze_train with the same budget of
training episodes per mind, deploys each in maze_train and maze_deploy, prints the
outcome table and says where the run directories are.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import rundir
from .cluster import ClusterSettings
from .data import DEPLOY_WORLD, TRAIN_WORLD
from .deploy import deploy, fractions, record
from .minds import MINDS, make_mind
from .optimizers import OPTIMIZERS
from .report import write_report
from .settings import Settings, setting
from .runner import Job, start
from .training import RunSettings
from .worlds import load_world

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


def arms() -> list[tuple[str, str]]:
    """(algorithm, mind) of every arm: each compared optimizer with each mind it can shape."""
    return [(a, m) for a in ALGORITHMS for m in MINDS
            if OPTIMIZERS[a].command == "evolve" or make_mind(m).can_learn]


def train_arm(algorithm: str, mind_name: str, world, budget: int, seed: int, out: Path,
              population: int) -> None:
    """Train one arm on ``budget`` training episodes into the run directory ``out`` (replacing a run there)."""
    cls = OPTIMIZERS[algorithm]
    if cls.one_seed:
        seeds, settings = [seed], cls.Settings(population=population)
    else:
        seeds, settings = list(range(seed, seed + LEARNERS)), cls.Settings()
    settings = settings.with_budget(budget, len(seeds))
    job = Job.new(world, make_mind(mind_name), algorithm, settings, seeds, RunSettings().checkpoint_every, budget)
    start(job, out, True, ClusterSettings())


def demo(settings: DemoSettings) -> None:
    out, seed = settings.out, settings.seed
    train, shifted = load_world(TRAIN_WORLD), load_world(DEPLOY_WORLD)
    pick = 1 if settings.quick else 0
    episodes = EPISODES[pick]
    runs = {(a, m): out / f"{OPTIMIZERS[a].label}-{m}" for a, m in arms()}
    print(f"evosim demo: {len(runs)} arms on {train.name}, deployed in {train.name} and {shifted.name}")
    for mind in dict.fromkeys(m for _, m in runs):
        print(f"  budget for {mind} arms: {MINDS[mind].demo_budget[pick]:,} training episodes per base optimizer")
    table = []
    for run in runs.values():
        rundir.check_out(run, force=True)
    for (algorithm, mind), run in runs.items():
        train_arm(algorithm, mind, train, MINDS[mind].demo_budget[pick], seed, run, POPULATION[pick])
        agents = rundir.load_agents(run)
        for world in (train, shifted):
            rows = deploy(agents, train, world, episodes, seed)
            record(run, rows, world)
            table.append((OPTIMIZERS[algorithm].label, mind, world.name, fractions(rows)))
    for world in (train, shifted):
        print(f"\noutcomes in {world.name} ({episodes} episodes per agent):")
        print(f"  {'optimizer':10s} {'mind':8s} {'aligned':>8s} {'misgeneralized':>15s} {'incapable':>10s}")
        for optimizer, mind, name, share in table:
            if name == world.name:
                print(f"  {optimizer:10s} {mind:8s} {share['aligned']:8.3f} "
                      f"{share['misgeneralized']:15.3f} {share['incapable']:10.3f}")
    print(f"\nrun directories: {', '.join(map(str, runs.values()))}")
    print(f"report: {write_report(list(runs.values()), out / 'report')}")
