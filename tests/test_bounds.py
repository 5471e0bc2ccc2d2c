"""Counts too large to run: every one a line naming its flag or key, at once, before anything is written."""
import tomllib

import pytest
import tomli_w

from evosim.commands.cli import main
from evosim.runs import memory
from helpers import DEPLOY, ROOT, TRAIN
from test_hostile import finished, snapshot  # noqa: F401  (a finished run to deploy)
from test_sweep import EXPERIMENT

DECEPTION, SAVANNA = ROOT / "worlds" / "deception.toml", ROOT / "worlds" / "savanna.toml"


def savanna(path, kinds: int, count: int):
    """The shipped savanna with ``kinds`` food kinds of ``count`` items each, and no shift."""
    raw = tomllib.loads(SAVANNA.read_text())
    raw["food"] = [dict(raw["food"][0], name=f"kind-{i}", count=count) for i in range(kinds)]
    raw["shift"] = {}
    path.write_text(tomli_w.dumps(raw))
    return path


def sweep_file(path, change):
    path.write_text(EXPERIMENT.replace(*change).replace('"maze_', f'"{ROOT}/worlds/maze_'))
    return path


def refused_at_once(capsys, folder, argv, says):
    before = snapshot(folder)
    assert main([str(a) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("evosim: error:") and says in err, err
    assert snapshot(folder) == before


@pytest.mark.parametrize("argv, says", [
    (["deception", DECEPTION, "--training-episodes", 10**9],
     "--training-episodes: 1000000000 must be between 0 and 1000"),
    (["deception", DECEPTION, "--evolve", "--population", 10**8, "--out", "OUT"], "--population: 100000000 must be"),
    (["evolve", TRAIN, "--seeds", 10**9, "--out", "OUT"], "--seeds: 1000000000 must be between 1 and 1000"),
    (["evolve", TRAIN, "--generations", 10**12, "--out", "OUT"], "--generations: 1000000000000 must be"),
    (["ecology", SAVANNA, "--ticks", 10**12, "--out", "OUT"], "--ticks: 1000000000000 must be"),
])
def test_a_count_past_its_bound_names_its_flag(tmp_path, capsys, argv, says):
    refused_at_once(capsys, tmp_path, [tmp_path / "out" if a == "OUT" else a for a in argv], says)


def test_deploying_more_episodes_than_memory_holds(finished, capsys):  # noqa: F811
    refused_at_once(capsys, finished, ["deploy", finished, DEPLOY, "--episodes", 10**12],
                    "--episodes: 1000000000000 must be between 1 and 1000000")
    refused_at_once(capsys, finished, ["deploy", finished, DEPLOY, "--episodes", 10**6], "--episodes 1000000: ")


@pytest.mark.parametrize("change, says", [
    (("seeds = 2", "seeds = 1000000000"), "sweep.seeds: 1000000000 must be between 1 and 1000"),
    (("episodes = 2", "episodes = 1000000000000"), "sweep.episodes: 1000000000000 must be"),
    (("planner = 1600", "planner = 1000000000000"), "sweep.budgets.planner: 1000000000000 must be"),
])
def test_a_sweep_past_its_bounds(tmp_path, capsys, change, says):
    experiment = sweep_file(tmp_path / "big.toml", change)
    refused_at_once(capsys, tmp_path, ["sweep", experiment, "--out", tmp_path / "S", "--workers", "1"], says)


@pytest.mark.parametrize("kinds, count, says", [
    (1000, 100_000, "[food]: 1000 food kinds (with the shift's); at most 100"),
    (90, 100_000, "[food]: 9,000,000 items in all (with the shift's); at most 100,000"),
])
def test_a_savanna_with_too_much_food(tmp_path, capsys, kinds, count, says):
    world = savanna(tmp_path / "big.toml", kinds, count)
    refused_at_once(capsys, tmp_path, ["ecology", world, "--out", tmp_path / "out"], says)


@pytest.mark.parametrize("argv, says", [
    (["ecology", SAVANNA, "--ticks", 10**8, "--log-every", 1, "--out", "OUT"], "--ticks 100,000,000, --log-every 1"),
    (["deception", DECEPTION, "--evolve", "--population", 100_000, "--out", "OUT"], "--population 100,000:"),
])
def test_a_study_larger_than_memory_is_refused_before_it_starts(tmp_path, capsys, monkeypatch, argv, says):
    monkeypatch.setattr(memory, "available_memory", lambda: 2**26)  # 64 MiB: as on a small machine
    refused_at_once(capsys, tmp_path, [tmp_path / "out" if a == "OUT" else a for a in argv], says)
