"""The ``evosim`` command line: one subcommand per job, user mistakes as one-line errors."""
from __future__ import annotations

import os

# Batched steps multiply many small matrices: BLAS threads cost more than they give
# there, so one thread per process unless the user says otherwise (set before numpy loads).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
from dataclasses import fields
from functools import partial
from pathlib import Path


from . import rundir
from .budget import DEFAULT as DEFAULT_BUDGET
from .config import load_world
from .errors import UserError
from .minds import MINDS, make_mind


def positive(name: str, value: int, least: int = 1) -> int:
    if value < least:
        raise UserError(f"--{name}: {value} must be at least {least}")
    return value


def evolution_settings(args):
    """EvolutionSettings from command-line flags, the budget taking precedence over --generations."""
    from .evolution import EvolutionSettings

    values = {f.name: getattr(args, f.name) for f in fields(EvolutionSettings)
              if getattr(args, f.name, None) is not None}
    settings = EvolutionSettings(**values)
    positive("population", settings.population, 2)
    positive("mazes", settings.mazes)
    positive("log-every", settings.log_every)
    if not 0 <= settings.elite < settings.population:
        raise UserError(f"--elite: {settings.elite} must be between 0 and population - 1")
    budget = args.episodes_budget
    if budget is None and args.generations is None:
        budget = DEFAULT_BUDGET[args.mind]
    if budget is not None:
        positive("episodes-budget", budget, settings.population * settings.mazes)
        settings = EvolutionSettings(**(values | {"generations": settings.generations_for_budget(budget)}))
    return settings


def cmd_evolve(args) -> None:
    from .cluster import map_seeds
    from .evolution import evolve_seed

    world = load_world(args.world)
    make_mind(args.mind)
    settings = evolution_settings(args)
    positive("seeds", args.seeds)
    out = rundir.check_out(args.out, args.force)
    seeds = list(range(args.seed, args.seed + args.seeds))
    logs = map_seeds(partial(evolve_seed, world, args.mind, settings), seeds, args.workers,
                     args.scheduler, desc=f"evolve {args.mind}")
    rundir.prepare(out, force=True)
    rundir.write_training(out, logs, make_mind(args.mind), world, {"evolution": vars(settings)})
    last = [log.generations[-1] for log in logs]
    rate = sum(r["exit_rate"] for r in last) / len(last)
    print(f"evolved {args.mind} x {len(seeds)} seed(s): final training exit rate {rate:.3f}; run in {out}")


def cmd_deploy(args) -> None:
    from .deploy import deploy, fractions, record

    agents = rundir.load_agents(args.run)
    train = rundir.training_world(args.run)
    world = load_world(args.world)
    positive("episodes", args.episodes)
    rows = deploy(agents, train, world, args.episodes, args.seed)
    record(Path(args.run), rows)
    share = ", ".join(f"{k} {v:.3f}" for k, v in fractions(rows).items())
    print(f"deployed {len(agents.params)} {agents.optimizer} {agents.mind} agent(s) x {args.episodes} "
          f"episodes in {world.name}: {share}; rows in {Path(args.run) / 'deploy.csv'}")


def cmd_demo(args) -> None:
    from .demo import demo
    demo(Path(args.out), quick=args.quick, seed=args.seed)


def cmd_bench(args) -> None:
    from .bench import bench
    bench(population=positive("population", args.population, 2), repeats=positive("repeats", args.repeats))


def cmd_train(args) -> None:
    from .gradient import train_command
    train_command(args)


def cmd_watch(args) -> None:
    from .viewer.app import watch_command
    watch_command(args)


def add_evolve(sub) -> None:
    from .evolution import EvolutionSettings

    p = sub.add_parser("evolve", help="evolve a population on a training world (fitness is reproduction)")
    p.add_argument("world", help="training world file (TOML)")
    p.add_argument("--mind", choices=sorted(MINDS), default="planner")
    defaults = EvolutionSettings()
    for f in fields(EvolutionSettings):
        p.add_argument(f"--{f.name.replace('_', '-')}", dest=f.name, type=type(getattr(defaults, f.name)),
                       default=None, help=f"(default {getattr(defaults, f.name)})")
    p.add_argument("--episodes-budget", type=int,
                   help="total training episodes; sets --generations (default: "
                        + ", ".join(f"{m} {b:,}" for m, b in DEFAULT_BUDGET.items()) + ")")
    p.add_argument("--seed", type=int, default=0, help="first seed")
    p.add_argument("--seeds", type=int, default=1, help="independent populations, seeds seed..seed+N-1")
    p.add_argument("--workers", type=int, default=1, help="Dask LocalCluster workers for the seeds")
    p.add_argument("--scheduler", help="address of a running Dask scheduler to send the seeds to")
    p.add_argument("--out", required=True, help="run directory to write")
    p.add_argument("--force", action="store_true", help="replace a run already in --out")
    p.set_defaults(func=cmd_evolve)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="evosim", description="Watch and measure inner alignment: "
                                  "agents shaped by evolution or gradient descent, before and after a shift.")
    sub = top.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="train every optimizer x mind on maze_train, deploy in maze_train and maze_deploy, report")
    p.add_argument("--quick", action="store_true", help="a small run, under 30 s")
    p.add_argument("--out", default="runs/demo", help="where the run directories go (replaced)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_demo)

    add_evolve(sub)

    from .gradient import add_train_arguments
    p = sub.add_parser("train", help="train one learner per seed by policy gradient (REINFORCE, Adam)")
    add_train_arguments(p)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("deploy", help="run a run's agents in a world; add outcomes to RUN/deploy.csv")
    p.add_argument("run", help="run directory with saved agents")
    p.add_argument("world", help="deployment world file (TOML)")
    p.add_argument("--episodes", type=int, default=32, help="mazes each agent meets")
    p.add_argument("--seed", type=int, default=0, help="seed of the deployment mazes")
    p.set_defaults(func=cmd_deploy)

    from .report import add_report_arguments, report_command
    p = sub.add_parser("report", help="write report.md and figures for run directories")
    add_report_arguments(p)
    p.set_defaults(func=report_command)

    from .viewer.app import add_watch_arguments
    p = sub.add_parser("watch", help="watch agents of runs move in mazes of a world (pygame window)")
    add_watch_arguments(p)
    p.set_defaults(func=cmd_watch)

    p = sub.add_parser("bench", help="print batched evaluation speed")
    p.add_argument("--population", type=int, default=1000)
    p.add_argument("--repeats", type=int, default=3)
    p.set_defaults(func=cmd_bench)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        args.func(args)
    except UserError as e:
        print(f"evosim: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("evosim: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
