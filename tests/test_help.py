"""Every command's --help says the defaults that run, and flags that would override each other are refused."""
import argparse
import re
import tomllib
from dataclasses import asdict
from pathlib import Path

import pytest

from evosim.analysis.report import ReportSettings, default_out
from evosim.commands.bench import ROUNDS, BenchOptions, BenchSettings
from evosim.commands.cli import cluster_for, main, parser, training_job
from evosim.commands.demo import DemoSettings, arm_workers
from evosim.core.settings import from_flags
from evosim.data import WORLDS
from evosim.minds import MINDS
from evosim.optimizers import OPTIMIZERS, algorithms
from evosim.studies.deception_game import DeceptionSettings, played
from evosim.studies.deployment import DeploySettings
from evosim.studies.ecology import EcologySettings
from evosim.studies.learned_planning import PlanningSettings
from evosim.studies.maze_training import MazeTraining
from evosim.studies.sweep import Sweep, SweepSettings
from evosim.viewer.app import SAVANNA_SPEED, WatchSettings
from evosim.worlds import load_world
from helpers import TRAIN

DECEPTION = WORLDS / "deception.toml"
#: A default as the help shows it: "(default 8)", "(default: the core count, here 2)", "ga: ... (default 200)".
DEFAULT = re.compile(r"default:? ([^;()]+)")


def commands() -> dict[str, argparse.ArgumentParser]:
    (sub,) = [a for a in parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return sub.choices


def shown(action: argparse.Action, algorithm: str | None) -> list[str]:
    """The defaults the action's help shows, of ``algorithm``'s part where the help has one per group of
    algorithms ("ga, cma-es: ...; openai-es: ...")."""
    text = " ".join((action.help or "").replace("%%", "%").split())
    name = "|".join(map(re.escape, OPTIMIZERS))
    parts = re.split(rf"(?:^|; )((?:{name})(?:, (?:{name}))*): ", text)
    if len(parts) > 1:
        text = {a: part for group, part in zip(parts[1::2], parts[2::2]) for a in group.split(", ")}.get(algorithm, "")
    return [d.strip() for d in DEFAULT.findall(text)]


def says(text: str, value, mind: str | None = None) -> bool:
    """Whether a shown default says ``value``: as the literal, or (prose) with the value of the context's mind
    ("planner 60") or of this machine ("here 2"); a range of values, as the context's mind's value in it."""
    if isinstance(value, range):
        said = re.search(rf"\b{mind} ([\d,]+)\b", text)
        return said is not None and int(said[1].replace(",", "")) in value
    if isinstance(value, (bool, str, Path)) or value is None:
        return text == str(value) or (value is None and text.startswith("none"))
    try:
        return float(text.replace(",", "")) == value
    except ValueError:
        return bool(re.search(rf"\b{mind} {value:,}\b", text)) or text.endswith(f"here {value}")


def resolved_training(command: str, *extra: str) -> dict:
    """What ``evolve`` or ``train`` runs with these flags (and no others): every setting, by flag."""
    args = parser().parse_args([command, TRAIN, "--out", "x", *extra])
    job = training_job(args, command)
    s = job.settings
    per = s.episodes_per_step(1)  # evolution spends whole generations: any budget in the range makes its number
    budget = range(per * (s.steps + 1), per * (s.steps + 2)) if command == "evolve" else job.episodes_budget
    return asdict(s) | asdict(cluster_for(args, MazeTraining.every_core)) | {
        "mind": job.mind.name, "algorithm": job.algorithm, "seed": job.seeds[0], "seeds": len(job.seeds),
        "episodes_budget": budget, "checkpoint_every": job.checkpoint_every, "source": job.source,
        "adversary": job.source == "adversary"}


def resolved(command: str, *extra: str) -> dict:
    """What a command other than evolve and train runs without its optional flags."""
    head = {"resume": ["r"], "sweep": ["e.toml", "--out", "x"], "deception": [str(DECEPTION)], "report": ["r"],
            "ecology": ["w", "--out", "x"], "deploy": ["r", "w"], "planning": ["r", "w"], "watch": ["w"]}.get(command, [])
    args = parser().parse_args([command, *head, *extra])
    if command == "demo":
        settings = from_flags(DemoSettings, args)
        return asdict(settings) | {"workers": arm_workers(settings.workers)}
    if command == "resume":  # a training run's; the sweep's in test_every_shown_default_is_what_runs
        return asdict(cluster_for(args, MazeTraining.every_core))
    if command == "sweep":
        return asdict(from_flags(SweepSettings, args)) | asdict(cluster_for(args, Sweep.every_core))
    if command == "deception":
        settings = from_flags(DeceptionSettings, args)
        world = played(load_world(DECEPTION), settings)
        return asdict(settings) | {"training_episodes": world.training, "deployment_episodes": world.deployment,
                                   "modification": world.modification}
    if command == "report":
        return asdict(from_flags(ReportSettings, args)) | {"out": default_out(args.runs)}
    if command == "watch":  # what a GIF recording and --disagreements-first run with
        shown = from_flags(WatchSettings, parser().parse_args(["watch", "w", "--record", "x.gif",
                                                                "--disagreements-first"]))
        return asdict(from_flags(WatchSettings, args)) | {"duration": shown.video_duration, "fps": shown.video_fps,
                                                           "candidates": shown.previewed}
    if command == "bench":  # --rounds: how many runs --compare with a Python makes
        return asdict(from_flags(BenchSettings, args)) | asdict(from_flags(BenchOptions, args)) | {"rounds": ROUNDS}
    classes = {"ecology": EcologySettings, "deploy": DeploySettings, "planning": PlanningSettings}
    return asdict(from_flags(classes[command], args))


def contexts(command: str) -> list[dict]:
    """The variants a default may depend on: none given, then each algorithm and mind of a training command."""
    if command in ("evolve", "train"):
        return [{}] + [{"algorithm": a, "mind": m} for a in algorithms(command) for m in MINDS]
    return [{}]


def mind_options_agree(text: str) -> bool:
    """Whether every mind option's default in ``--mind-option``'s help is the option a mind is made with."""
    listed = {}
    for part in text.split("; ")[1:]:  # "planner: horizon (int 0..1000, default 0)", "reflex: hidden (...), ..."
        mind, _, options = part.partition(": ")
        listed[mind] = dict(re.findall(r"(\w+) \((?:(?:int|float)[^,]*|true or false), default ([^)]+)\)", options))
    return listed == {m: {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in cls().options().items()}
                      for m, cls in MINDS.items()}


def test_every_shown_default_is_what_runs():
    checked = set()
    for command, sub in commands().items():
        for context in contexts(command):
            extra = [f"--{k}={v}" for k, v in context.items() if k != "algorithm" or command == "evolve"]
            values = resolved_training(command, *extra) if command in ("evolve", "train") else resolved(command)
            algorithm, mind = values.get("algorithm"), values.get("mind")
            for action in sub._actions:
                texts = shown(action, algorithm)
                if not texts or action.dest == "help" or action.dest in context:  # the context's own: given
                    continue
                checked.add((command, action.dest))
                if action.dest == "mind_options":
                    assert mind_options_agree(" ".join(action.help.split())), action.help
                elif command == "watch" and action.dest == "speed":  # the savanna's, then the maze's
                    assert texts == [f"{SAVANNA_SPEED:g}", str(values["speed"])], action.help
                elif command == "resume" and action.dest == "workers":  # a training run's, then a sweep's
                    (text,) = texts
                    sweep = cluster_for(parser().parse_args(["resume", "r"]), Sweep.every_core).workers
                    assert text.startswith(f"{values['workers']}, for a sweep") and says(text, sweep), text
                elif command == "deception" and action.dest in ("training_episodes", "deployment_episodes",
                                                                "modification"):
                    game = tomllib.loads(DECEPTION.read_text())["game"]
                    assert texts == ["the world file's [game] value"] and values[action.dest] == game[action.dest]
                elif command == "report" and action.dest == "labels":
                    assert texts == ["optimizer / mind where runs can be pooled"]  # test_analysis: labelled()
                elif command == "report" and action.dest == "out":
                    assert texts[0].startswith("RUN_DIR/report of the first run") and values["out"] == Path("r/report")
                elif action.dest not in values:  # a flag of another algorithm, refused with this one
                    assert re.search(r"; [\w, -]+ only\)", action.help), (command, algorithm, action.help)
                else:
                    (text,) = texts
                    assert says(text, values[action.dest], mind), (command, context, action.help, values[action.dest])
    assert {("evolve", "generations"), ("evolve", "episodes_budget"), ("evolve", "seeds"), ("train", "seeds"),
            ("train", "episodes_budget"), ("sweep", "workers"), ("demo", "workers"), ("resume", "workers"),
            ("evolve", "mind_options")} <= checked
    assert {command for command, _ in checked} == set(commands())


@pytest.mark.parametrize("mind, generations, budget", [("planner", 60, 97_600), ("reflex", 300, 481_600)])
def test_evolve_help_names_each_minds_generations_and_budget(mind, generations, budget):
    help_text = " ".join(commands()["evolve"].format_help().split())
    assert f"{mind} {generations}" in help_text and f"{mind} {budget:,}" in help_text
    assert resolved_training("evolve", "--mind", mind)["generations"] == generations
    assert resolved_training("evolve", "--mind", mind, "--population", "100")["generations"] == 2 * generations + 1


@pytest.mark.parametrize("argv, says", [
    (["evolve", TRAIN, "--generations", "3", "--episodes-budget", "8000"],
     "--generations and --episodes-budget: give one or the other, not both (the budget sets the generations)"),
    (["evolve", TRAIN, "--algorithm", "cma-es", "--generations", "3", "--episodes-budget", "8000"],
     "--generations and --episodes-budget"),
    (["train", TRAIN, "--updates", "3", "--episodes-budget", "8000"],
     "--updates and --episodes-budget: give one or the other, not both (the budget sets the updates)"),
    (["evolve", TRAIN, "--workers", "1", "--scheduler", "tcp://127.0.0.1:1"], "--workers and --scheduler"),
    (["train", TRAIN, "--mind", "reflex", "--temperature", "0.5"],
     "--temperature: applies to a mind whose learner samples targets (planner), not reflex"),
])
def test_flags_that_would_override_each_other_are_refused_in_one_line(tmp_path, capsys, argv, says):
    out = tmp_path / "o"
    assert main([*argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err
    assert not out.exists()


@pytest.mark.parametrize("command", ["sweep", "resume"])
def test_workers_and_a_scheduler_are_refused_together_by_sweep_and_resume(tmp_path, capsys, command):
    arms = Path(TRAIN).parents[1] / "experiments" / "arms.toml"
    head = [str(arms), "--out", str(tmp_path / "o")] if command == "sweep" else [str(tmp_path)]
    assert main([command, *head, "--workers", "1", "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "--workers and --scheduler: give one or the other" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
