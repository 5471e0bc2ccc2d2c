"""``evosim demo``: the main job, end to end on the shipped worlds.

Trains every arm (base optimizer x mind) on maze_train, every arm the same seeds and,
per mind, the same budget of training episodes per seed; deploys each in
maze_train and maze_deploy beside the reference agents; prints the outcome table
(over decisive episodes, then all) and says where the run directories are.
"""
from __future__ import annotations

import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from tqdm import tqdm

from evosim.runs import rundir
from evosim.runs.cluster import ClusterSettings, cores
from evosim.data import DEPLOY_WORLD, TRAIN_WORLD
from evosim.studies.deployment import DEPLOY_CSV, REFERENCE_CSV, Shares, deploy_run
from evosim.studies.references import separation_line
from evosim.minds import MINDS, make_mind
from evosim.optimizers import OPTIMIZERS
from evosim.analysis.report import write_report
from evosim.core.outcome_names import COMPETENT
from evosim.core.settings import Settings, setting
from evosim.runs.lifecycle import start
from evosim.studies.maze_training import MazeTraining
from evosim.training.budgets import demo_budget
from evosim.training.loop import RunSettings
from evosim.worlds import load_world

ALGORITHMS = ("ga", "gradient")  # the base optimizers compared
EPISODES = (32, 8)  # deployment episodes per agent: (full, --quick)
POPULATION = (100, 50)  # evolution: individuals per generation: (full, --quick)
SEEDS = 3  # independent runs of every arm: populations or learners, seeds seed..seed+2


def arms() -> list[tuple[str, str]]:
    """(algorithm, mind) of every arm: each compared optimizer with each mind it can shape, but a jitted network
    (it trains for far longer than a demo lasts: experiments/neural.toml compares its optimizers)."""
    return [(a, m) for a in ALGORITHMS for m in MINDS if not MINDS[m].jitted
            and (OPTIMIZERS[a].Settings.command == "evolve" or make_mind(m).can_learn)]


def arm_workers(workers: int | None) -> int:
    """Local processes the arms train in: ``workers`` (--workers), else one per core; never more than the arms."""
    return min(workers or cores(), len(arms()))


@dataclass(frozen=True)
class DemoSettings(Settings):
    """Settings of ``evosim demo``."""

    quick: bool = setting(False, "a small run: smaller populations, budgets and deployments")
    out: Path = setting(Path("runs/demo"), "where the run directories go (earlier demo runs there are replaced)")
    seed: int = setting(0, f"first seed of every arm (seeds seed..seed+{SEEDS - 1})", least=0)
    workers: int | None = setting(None, "arms trained side by side in local processes; the tables are the same "
                                        "for any number", least=1,
                                  shown=f"one per core, at most one per arm, here {arm_workers(None)}")


def run_arm(arm: tuple[str, str, Path], quick: bool, seed: int) -> None:
    """Train one arm ``(algorithm, mind, run directory)`` on its mind's demo budget per seed (replacing a run
    there), and deploy it in both worlds.

    A top-level function, so that worker processes can run the arms side by side.
    """
    algorithm, mind_name, out = arm
    pick = 1 if quick else 0
    train, shifted = load_world(TRAIN_WORLD), load_world(DEPLOY_WORLD)
    cls = OPTIMIZERS[algorithm].Settings
    settings = cls(population=POPULATION[pick]) if hasattr(cls, "population") else cls()
    budget = demo_budget(mind_name, quick)
    settings = settings.with_budget(budget)
    start(MazeTraining.new(train, make_mind(mind_name), algorithm, settings, list(range(seed, seed + SEEDS)),
                           RunSettings().checkpoint_every, budget), out, True, ClusterSettings())
    for world in (train, shifted):
        deploy_run(out, world, EPISODES[pick], seed)


def side_by_side(fn, items: list, workers: int, order: list[int], meanwhile=None) -> list:
    """``[fn(item) for item in items]`` on ``workers`` local processes (forked where the platform can,
    so that they start with evosim already imported, unless this process has started JAX, whose threads make a
    fork deadlock), handed out in ``order`` (the costliest first keeps the workers evenly busy), with a bar over
    the items; ``meanwhile()`` runs here while they work."""
    if workers <= 1:
        return [fn(item) for item in tqdm(items, desc="demo arms", disable=None)]
    can_fork = "fork" in multiprocessing.get_all_start_methods() and "jax" not in sys.modules
    method = "fork" if can_fork else "spawn"
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


def earlier_arms(out: Path, runs: dict[tuple[str, str], Path]) -> list[Path]:
    """Where an earlier evosim's demo put arms it named by an optimizer's old name (``evolution-planner``):
    earlier demo runs, replaced like the others (``evosim report`` of the folder would report them too)."""
    return [out / f"{old}-{mind}" for old, new in rundir.RENAMED_OPTIMIZERS.items()
            for algorithm, mind in runs if algorithm == new]


def training_exit_rate(run: Path) -> float:
    """The arm's exit rate in its last training step, the mean over its seeds."""
    rows = rundir.read_csv(run / "generations.csv")
    last = {}
    for r in rows:
        last[r["seed"]] = float(r["exit_rate"])
    return sum(last.values()) / len(last)


def outcome_table(runs: dict[tuple[str, str], Path], world, episodes: int) -> list[str]:
    """The lines of one world's table: each arm's training exit rate and shares, then the reference agents."""
    header = (f"  {'':24s} {'train':>5s} | {'decisive episodes':^34s} | {'all episodes':^45s}",
              f"  {'arm':24s} {'exit':>5s} | {'n':>5s} {'aligned':>8s} {'misgen.':>8s} {'incap.':>8s}  | "
              f"{'n':>5s} {'aligned':>8s} {'misgen.':>8s} {'undec.':>8s} {'incap.':>8s}")

    def line(name: str, exit_rate: str, rows: list[dict]) -> str:
        s = Shares.of(rows)
        d, a = s.decisive, s.all
        return (f"  {name:24s} {exit_rate:>5s} | {s.decisive_episodes:5d} {d['aligned']:8.3f} "
                f"{d['misgeneralized']:8.3f} {d['incapable']:8.3f}  | {s.episodes:5d} {a['aligned']:8.3f} "
                f"{a['misgeneralized']:8.3f} {a['undecided']:8.3f} {a['incapable']:8.3f}")

    lines, low = list(header), []
    for (algorithm, mind), run in runs.items():
        rate = training_exit_rate(run)
        name = f"{algorithm} {mind}" + (" *" if rate < COMPETENT else "")
        low += [name] if rate < COMPETENT else []
        lines.append(line(name, f"{rate:.2f}", [r for r in rundir.read_csv(run / DEPLOY_CSV)
                                                 if r["world"] == world.name]))
    references = [r for r in rundir.read_csv(next(iter(runs.values())) / REFERENCE_CSV) if r["world"] == world.name]
    for name in dict.fromkeys(r["reference"] for r in references):
        lines.append(line(f"reference {name}", "-", [r for r in references if r["reference"] == name]))
    if low:
        lines.append(f"  * below competence: exit rate under {COMPETENT:.0%} at the end of training")
    lines.append(f"  {separation_line(world.name, references)}")
    return [f"\noutcomes in {world.name} ({episodes} mazes per agent; {SEEDS} seeds per arm):"] + lines


def demo(settings: DemoSettings) -> None:
    out, seed = settings.out, settings.seed
    train, shifted = load_world(TRAIN_WORLD), load_world(DEPLOY_WORLD)
    pick = 1 if settings.quick else 0
    runs = {(a, m): out / f"{a}-{m}" for a, m in arms()}
    print(f"evosim demo: {len(runs)} arms on {train.name}, {SEEDS} seeds each, deployed in {train.name} and "
          f"{shifted.name} beside the reference agents")
    for mind in dict.fromkeys(m for _, m in runs):
        print(f"  budget for {mind} arms: {demo_budget(mind, settings.quick):,} training episodes per seed")
    rundir.check_writable(out, "--out")
    for run in runs.values():
        rundir.check_out(run, force=True)
    rundir.check_writable(out / "report", "--out")
    earlier = [run for run in earlier_arms(out, runs) if rundir.is_run(run)]
    for run in earlier:
        rundir.check_out(run, force=True)
    for run in earlier:
        rundir.remove_run(run)
    workers = arm_workers(settings.workers)
    items = [(a, m, run) for (a, m), run in runs.items()]
    costliest = sorted(range(len(items)), key=lambda i: arm_cost(*items[i][:2], pick), reverse=True)
    try:
        side_by_side(partial(run_arm, quick=settings.quick, seed=seed), items, workers, costliest,
                     load_report_libraries)
    except KeyboardInterrupt:
        raise KeyboardInterrupt(f"interrupted (Ctrl-C); the demo's arms in {out} are unfinished; the same "
                                "'evosim demo' again trains them anew") from None
    for world in (train, shifted):
        print("\n".join(outcome_table(runs, world, EPISODES[pick])))
    print(f"\nrun directories: {', '.join(map(str, runs.values()))}")
    print(f"report: {write_report(list(runs.values()), out / 'report', 'maze-training')}")
