"""Hostile checkpoints: a cut, edited or foreign checkpoint is refused by ``evosim resume`` in one line, before
anything is restored; the run keeps its files and stays interrupted."""
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from evosim.commands.cli import main
from evosim.runs import checkpoint, rundir
from evosim.studies.ecology import EcologySettings, Ticks
from evosim.training.loop import Training
from evosim.worlds import load_world
from evosim.worlds.savanna.simulation import Ecology
from helpers import TRAIN
from test_hostile import refused, snapshot
from test_savanna import small_world

MAZE = {"evolve": ["evolve", TRAIN, "--population", "8", "--generations", "6", "--mazes", "2", "--adversary"],
        "cma-es": ["evolve", TRAIN, "--algorithm", "cma-es", "--population", "6", "--generations", "6",
                   "--mazes", "1"],
        "openai-es": ["evolve", TRAIN, "--algorithm", "openai-es", "--population", "6", "--generations", "6",
                      "--mazes", "1"],
        "train": ["train", TRAIN, "--updates", "6", "--seeds", "2", "--mazes", "1", "--rollouts", "2"]}


def interrupted(folder: Path, argv: list, owner, stop_at: int) -> Path:
    """A run of ``argv`` interrupted (as by Ctrl-C) when ``owner`` is about to step from ``stop_at``, with its
    checkpoint of step 2."""
    run, step = folder / "run", owner.step

    def stopping(self):
        if getattr(self, "tick", getattr(self, "position", None)) == stop_at:
            raise KeyboardInterrupt
        step(self)

    with pytest.MonkeyPatch.context() as m:
        m.setattr(owner, "step", stopping)
        assert main([*map(str, argv), "--checkpoint-every", "2", "--out", str(run)]) == 130
    assert rundir.status(run) == rundir.INTERRUPTED and len(list((run / rundir.CHECKPOINTS).glob("*.npz"))) == 1
    return run


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """Interrupted runs of every study that checkpoints: the ecology and maze training by each optimizer."""
    folder = tmp_path_factory.mktemp("interrupted")
    world = small_world(folder / "small.toml")
    made = {"ecology": interrupted(folder / "ecology", ["ecology", world, "--ticks", "8"], Ecology, 3)}
    return made | {name: interrupted(folder / name, argv, Training, 3) for name, argv in MAZE.items()}


def other_world_state(folder: Path) -> tuple[dict, dict]:
    """The state of an ecology of another savanna world: the same arena, one more fruit."""
    other = small_world(folder / "other.toml")
    other.write_text(re.sub(r"^count = (\d+)", lambda m: f"count = {int(m[1]) + 1}", other.read_text(), count=1,
                                flags=re.M))
    return Ticks(load_world(other), EcologySettings(ticks=8)).state()


def with_array(key, change):
    return lambda arrays, doc, folder: ({**arrays, key: change(arrays[key].copy())}, doc)


def with_number(key, value):
    return lambda arrays, doc, folder: (arrays, {**doc, key: value})


def nan(a):
    a.flat[0] = np.nan
    return a


def set_first(value):
    def change(a):
        a.flat[0] = value
        return a
    return change


SPOILS = {
    "ecology": [
        (with_array("energy", lambda a: a[:12]), "energy: shape (12,) but the checkpoint has"),
        (with_array("age", lambda a: a.astype(float)), "age: dtype float64 but must be integer"),
        (with_array("energy", nan), "energy: holds NaN or infinite values"),
        (with_array("species", set_first(7)), "species: 7 at [0] must be between 0 and 1"),
        (with_array("pos", set_first(-3.0)), "pos: -3.0 at [0, 0] must be between 0.0 and"),
        (with_number("tick", 10 ** 9), "tick: 1000000000 must be between 0 and 8"),
        (with_number("tick", -1), "tick: -1 must be between 0 and 8"),
        (with_number("tick", "3"), "tick: must be int"),
        (lambda arrays, doc, folder: other_world_state(folder), "food_pos: shape"),
        (lambda arrays, doc, folder: ({**arrays, "optimizer.population": np.zeros((8, 12))}, doc),
         "optimizer.population: an array this run does not save"),
    ],
    "evolve": [
        (with_array("optimizer.population", lambda a: a[:, :5]), "optimizer.population: shape (8, 5) but this "
                                                                 "run's is (8,"),
        (with_array("optimizer.population", lambda a: a.astype(np.int64)),
         "optimizer.population: dtype int64 but must be float"),
        (with_array("optimizer.population", nan), "optimizer.population: holds NaN"),
        (with_array("source.adversary.0", set_first(99)), "source.adversary.0: 99 at [0, 0] must be between 0 and"),
        (with_number("next_step", 10 ** 9), "next_step: 1000000000 must be between 0 and 7"),
        (with_number("next_step", -2), "next_step: -2 must be between 0 and 7"),
        (lambda arrays, doc, folder: other_world_state(folder), "age: an array this run does not save"),
    ],
    "cma-es": [
        (with_array("optimizer.C", lambda a: a[:3]), "optimizer.C: shape (3,"),
        (with_array("optimizer.centroid", nan), "optimizer.centroid: holds NaN"),
        (with_number("next_step", 10 ** 9), "next_step: 1000000000 must be between 0 and 7"),
    ],
    "openai-es": [
        (with_array("optimizer.mean", nan), "optimizer.mean: holds NaN"),
        (with_array("optimizer.adam.0.mu", lambda a: a[:3]), "optimizer.adam.0.mu: shape (3,)"),
        (with_array("optimizer.key", lambda a: a.astype(float)), "optimizer.key: dtype float64 but must be integer"),
        (lambda arrays, doc, folder: (arrays, {**doc, "optimizer": {**doc["optimizer"], "std": -1.0}}),
         "optimizer.std: -1.0 must be at least 0.0"),
    ],
    "train": [
        (with_array("optimizer.adam_v", set_first(-1.0)), "optimizer.adam_v: -1.0 at [0, 0] must be between 0.0"),
        (with_array("optimizer.params", lambda a: a[:1]), "optimizer.params: shape (1,"),
        (with_number("next_step", 10 ** 9), "next_step: 1000000000 must be between 0 and 7"),
    ],
}


@pytest.mark.parametrize("study, spoil, says", [(study, spoil, says) for study, spoils in SPOILS.items()
                                                for spoil, says in spoils])
def test_a_spoiled_checkpoint_is_refused_by_resume(runs, tmp_path, capsys, study, spoil, says):
    run = Path(shutil.copytree(runs[study], tmp_path / "run"))
    (path,) = (run / rundir.CHECKPOINTS).glob("*.npz")
    checkpoint.save(path, *spoil(*checkpoint.load(path), tmp_path))
    before = snapshot(run)
    err = refused(capsys, "resume", run, says=f"{path}: {says}")
    assert "Traceback" not in err
    assert snapshot(run) == before and rundir.status(run) == rundir.INTERRUPTED


@pytest.mark.parametrize("study", ["ecology", *MAZE])
def test_a_good_checkpoint_is_accepted(runs, tmp_path, study):
    run = Path(shutil.copytree(runs[study], tmp_path / "run"))
    assert main(["resume", str(run)]) == 0 and rundir.status(run) == rundir.COMPLETE
