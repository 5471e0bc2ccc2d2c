"""The ``evosim`` command line: one subcommand per job, user mistakes as one-line errors.

Every option of every command is a field of a settings dataclass
(:mod:`evosim.core.settings`), checked before any compute starts.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from evosim.runs.cluster import ClusterSettings, cores
from evosim.core.errors import UserError
from evosim.minds import MINDS, make_mind, parse_options
from evosim.optimizers import OPTIMIZERS, algorithms
from evosim.core.settings import add_flags, flag, from_flags, given
from evosim.training.budgets import budgets_shown, default_budget, steps_shown
from evosim.training.loop import RunSettings
from evosim.worlds import load_world


#: What the help says of --workers of a study that runs on every core by default (a sweep).
EVERY_CORE = f"the core count, here {cores()}"


class Parser(argparse.ArgumentParser):
    """argparse, with a mistake on the command line reported in one line and exit status 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}\n")


def cluster_for(args, every_core: bool) -> ClusterSettings:
    """Where a study's seeds or cells run: the flags given; without any, one local worker, or one per core for a
    study that runs on ``every_core`` (a sweep)."""
    return from_flags(ClusterSettings, args, **({"workers": cores()} if every_core and not given(args, ClusterSettings)
                                                else {}))


def training_job(args, command: str):
    """The job a training command asks for (:func:`~evosim.studies.maze_training.training_study`): world, mind,
    optimizer, its settings, seeds, budget."""
    from evosim.studies.maze_training import training_study

    world = load_world(args.world, ("maze",))
    mind = make_mind(args.mind)  # the name first: the options are the named mind's
    if args.mind_options:
        mind = make_mind(args.mind, **parse_options(args.mind, args.mind_options, "--mind-option"))
    names = algorithms(command)
    flags = given(args, RunSettings, *(OPTIMIZERS[n].Settings for n in names))
    return training_study(world, mind, {n: getattr(args, n) for n in flags}, names, getattr(args, "algorithm", None))


def cmd_train(args, command: str) -> None:
    """``evosim evolve`` and ``evosim train``: check everything, train with checkpoints, write the run."""
    from evosim.runs import lifecycle

    study = training_job(args, command)
    logs = lifecycle.start(study, Path(args.out), args.force, from_flags(ClusterSettings, args))
    print(study.describe(logs, Path(args.out)))


def cmd_resume(args) -> None:
    """``evosim resume RUN``: continue an interrupted run of any study from its checkpoints."""
    from evosim.runs import lifecycle

    run = Path(args.run)
    from_flags(ClusterSettings, args)  # the flags checked first, the same for every study and run
    study = lifecycle.study_of(run)
    cluster = cluster_for(args, study.every_core)
    result = lifecycle.resume(run, cluster, study)
    print(f"{run}: the run is already complete; nothing to resume" if result is None else
          f"resumed: {study.describe(result, run)}")


def cmd_sweep(args) -> None:
    """``evosim sweep EXPERIMENT --out DIR``: every cell trained and deployed on Dask; sweep.csv."""
    from evosim.studies.sweep import Sweep, SweepSettings, refuse_failures, run_experiment

    settings = from_flags(SweepSettings, args)
    study, rows = run_experiment(args.experiment, Path(args.out), settings, cluster_for(args, Sweep.every_core))
    print(study.describe(rows, Path(args.out)))
    refuse_failures(rows)


def cmd_deception(args) -> None:
    from evosim.studies.deception_game import DeceptionSettings, deception
    deception(args.world, from_flags(DeceptionSettings, args))


def cmd_ecology(args) -> None:
    from evosim.runs import lifecycle
    from evosim.studies.ecology import EcologySettings, ecology_study

    study = ecology_study(args.world, from_flags(EcologySettings, args))
    print(study.describe(lifecycle.start(study, Path(args.out), args.force), Path(args.out)))


def cmd_deploy(args) -> None:
    from evosim.studies.deployment import DeploySettings, deploy_file, shares_lines
    from evosim.studies.references import separation_line

    settings = from_flags(DeploySettings, args)
    run = Path(args.run)
    world, agents, deployment = deploy_file(run, args.world, settings)
    print(f"deployed {len(agents.params)} {agents.optimizer} {agents.mind} agent(s) x {settings.episodes} "
          f"episodes in {world.name}; rows in {run / 'deploy.csv'}, the reference agents' in "
          f"{run / 'reference.csv'}")
    for line in shares_lines(deployment) + [separation_line(world.name, deployment.references)]:
        print(f"  {line}")


def cmd_planning(args) -> None:
    """``evosim planning RUN WORLD``: thinking steps, target probes and steering of a neural run's agents."""
    from evosim.studies.learned_planning import PlanningSettings, measure

    tables = measure(args.run, args.world, from_flags(PlanningSettings, args))
    print(f"measured {args.run}'s agents in {args.world}: " + ", ".join(
        f"{len(rows)} rows in {Path(args.run) / name}.csv" for name, rows in tables.items()))


def cmd_demo(args) -> None:
    from evosim.commands.demo import DemoSettings, demo
    demo(from_flags(DemoSettings, args))


def cmd_bench(args) -> None:
    from evosim.commands.bench import BenchOptions, BenchSettings, bench
    bench(from_flags(BenchSettings, args), from_flags(BenchOptions, args))


def cmd_report(args) -> None:
    """``evosim report RUN...``: the report of the runs' study, picked by their run.json ``kind``.

    A folder that is not a run but holds runs (the demo's output) stands for its runs, and the report then
    goes into FOLDER/report by default. ``--label`` names each run's line, in order (only a report that draws
    lines, :data:`~evosim.analysis.report.LABELLED`, takes it).
    """
    from evosim.analysis.report import ReportSettings, default_out, write_report
    from evosim.runs import rundir
    from evosim.studies import STUDIES, kind_of

    settings = from_flags(ReportSettings, args)
    out = settings.out or default_out(args.runs)
    runs = rundir.given_runs(args.runs)
    kinds = {run: kind_of(run) for run in runs}
    if len(set(kinds.values())) > 1:
        raise UserError(f"{', '.join(map(str, runs))}: runs of different kinds "
                        f"({', '.join(dict.fromkeys(kinds.values()))}) cannot share a report; report them separately")
    kind = next(iter(kinds.values()))
    report = (STUDIES[kind].report(runs, out, settings.format) if args.labels is None
              else write_report(runs, out, kind, args.labels, settings.format))
    if report is None:
        raise UserError(f"{runs[0]}: a {kind} run has no report")
    print(report)


def cmd_watch(args) -> None:
    from evosim.viewer.app import watch_command
    watch_command(args)


def add_training_command(sub, command: str, help: str) -> None:
    """``evolve`` or ``train``: the world, the mind, the algorithm, and every setting as a flag."""
    names = algorithms(command)
    p = sub.add_parser(command, help=help)
    p.add_argument("world", help="training world file (TOML)")
    p.add_argument("--mind", default="planner", help=f"one of: {', '.join(MINDS)} (default planner)")
    p.add_argument("--mind-option", dest="mind_options", action="append", default=[], metavar="NAME=VALUE",
                   help="a constructor option of the mind (repeatable), e.g. --mind reflex --mind-option hidden=32; "
                        + "; ".join(f"{m.name}: " + (", ".join(o.allowed() for o in m.OPTIONS) or "none")
                                    for m in MINDS.values()))
    if len(names) > 1:
        p.add_argument("--algorithm", default=names[0],
                       help=f"one of: {', '.join(names)} (default {names[0]})")
    classes = [OPTIMIZERS[n].Settings for n in names]
    (seeds,) = {cls.default_seeds for cls in classes}
    shown = {"seeds": str(seeds)}
    if default_budget(classes[0], "planner") is None:
        shown["episodes_budget"] = f"none, {flag(classes[0].steps_field)} sets the training"
    else:
        shown |= {"episodes_budget": budgets_shown(), classes[0].steps_field: steps_shown}
    add_flags(p, *classes, shown=shown)
    add_flags(p, RunSettings, shown=shown)
    if command == "evolve":
        add_flags(p, ClusterSettings)
    p.add_argument("--out", required=True, help="run directory to write")
    p.add_argument("--force", action="store_true", help="replace an evosim run already in --out (its files only)")
    p.set_defaults(func=lambda args: cmd_train(args, command))


def parser() -> argparse.ArgumentParser:
    from evosim.commands.bench import BenchOptions, BenchSettings
    from evosim.studies.deception_game import DeceptionSettings
    from evosim.commands.demo import DemoSettings
    from evosim.studies.ecology import EcologySettings
    from evosim.studies.deployment import DeploySettings
    from evosim.analysis.report import ReportSettings
    from evosim.studies.learned_planning import PlanningSettings
    from evosim.studies.sweep import SweepSettings
    from evosim.viewer.app import add_watch_arguments

    top = Parser(prog="evosim", description="Watch and measure inner alignment: agents shaped by "
                 "evolution or gradient descent, before and after a shift.")
    sub = top.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="train every optimizer x mind on maze_train, deploy in maze_train "
                       "and maze_deploy, report")
    add_flags(p, DemoSettings)
    p.set_defaults(func=cmd_demo)

    add_training_command(sub, "evolve", "evolve populations on a training world (fitness is reproduction)")
    add_training_command(sub, "train", "train one learner per seed by policy gradient (REINFORCE, Adam)")

    p = sub.add_parser("resume", help="continue an interrupted evolve, train or ecology run from its checkpoints")
    p.add_argument("run", help="run directory of the interrupted run")
    add_flags(p, ClusterSettings, shown={"workers": f"1, for a sweep {EVERY_CORE}"})
    p.set_defaults(func=cmd_resume)

    p = sub.add_parser("sweep", help="train and deploy every cell of an experiment file on Dask; sweep.csv")
    p.add_argument("experiment", help="experiment file (TOML), e.g. experiments/diversity.toml")
    p.add_argument("--out", required=True, help="sweep folder: one run directory per cell, and sweep.csv")
    add_flags(p, SweepSettings)
    add_flags(p, ClusterSettings, shown={"workers": EVERY_CORE})
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("deception", help="play the deceptive-alignment game: aligned, naive and deceptive "
                       "strategies through training and deployment episodes")
    p.add_argument("world", help="deception world file, e.g. worlds/deception.toml")
    add_flags(p, DeceptionSettings)
    p.set_defaults(func=cmd_deception)

    p = sub.add_parser("ecology", help="run a savanna world: creatures live, eat, reproduce and die; the "
                       "shift adds candy; tidy tables every --log-every ticks")
    p.add_argument("world", help="savanna world file, e.g. worlds/savanna.toml")
    add_flags(p, EcologySettings)
    p.add_argument("--out", required=True, help="run directory to write")
    p.add_argument("--force", action="store_true", help="replace an evosim run already in --out (its files only)")
    p.set_defaults(func=cmd_ecology)

    p = sub.add_parser("deploy", help="run a run's agents in a world; add outcomes to RUN/deploy.csv")
    p.add_argument("run", help="run directory with saved agents")
    p.add_argument("world", help="deployment world file (TOML)")
    add_flags(p, DeploySettings)
    p.set_defaults(func=cmd_deploy)

    p = sub.add_parser("planning", help="tell a learned planner from a heuristic: a neural run's agents given "
                       "thinking steps, decoded by target probes, steered; tables in RUN")
    p.add_argument("run", help="run directory of a neural training run")
    p.add_argument("world", help="maze world file with green objects besides the exit, e.g. worlds/maze_deploy.toml")
    add_flags(p, PlanningSettings)
    p.set_defaults(func=cmd_planning)

    p = sub.add_parser("report", help="write report.md and figures for run directories")
    p.add_argument("runs", nargs="+", metavar="RUN_DIR", help="run directories to report on, or a folder of "
                   "runs (e.g. runs/demo)")
    p.add_argument("--label", dest="labels", action="append", metavar="NAME",
                   help="the name of a run's line in the report, once per run in order (repeatable; runs given "
                        "the same name are pooled); default: optimizer / mind where runs can be pooled")
    add_flags(p, ReportSettings)
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("watch", help="watch agents of runs move in mazes of a world (pygame window)")
    add_watch_arguments(p)
    p.set_defaults(func=cmd_watch)

    p = sub.add_parser("bench", help="print speed figures, each with what it times and the machine's load; save "
                       "them, or compare them with another evosim's")
    add_flags(p, BenchSettings)
    add_flags(p, BenchOptions)
    p.set_defaults(func=cmd_bench)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        args.func(args)
    except UserError as e:
        print(f"evosim: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as e:  # a study's names its run and 'evosim resume RUN' (runs/lifecycle.py)
        print(f"evosim: {str(e) or 'interrupted (Ctrl-C)'}", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
