"""The one lifecycle, for every registered study and for a new one registered here.

Every study starts, is interrupted, resumes to the same bytes, and is replaced by
``--force`` without losing a file the user put in its folder; ``evosim report``
and ``evosim resume`` find a study by the ``kind`` its run.json records.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from evosim.commands.cli import main
from evosim.core.errors import UserError
from evosim.core.expect import Expect
from evosim.data import SAVANNA_WORLD, TRAIN_WORLD, WORLDS
from evosim.minds import make_mind
from evosim.optimizers.ga import GASettings
from evosim.runs import lifecycle, rundir
from evosim.runs.checkpoint import run_steps
from evosim.studies import STUDIES, register_study
from evosim.studies.base import Study
from evosim.studies.deception_game import DeceptionEvolution, DeceptionSettings
from evosim.studies.ecology import EcologySettings, SavannaEcology
from evosim.studies.maze_training import MazeTraining
from evosim.studies.sweep import TIMINGS, Experiment, Sweep
from evosim.worlds import load_world

TINY_SWEEP = """
[sweep]
train = "maze_train.toml"
deploy = ["maze_deploy.toml"]
arms = ["ga/planner"]
seeds = 1
episodes = 2
budgets = { planner = 3200 }
[sweep.axes]
"exit.mix.0.share" = [0.0]
[sweep.set]
"exit.mix" = [{ share = 0.0, colors = "any", positions = "any" }]
"""


def small_study(kind: str, tmp_path: Path) -> Study:
    """A few seconds' run of each registered study."""
    if kind == "maze-training":
        return MazeTraining.new(load_world(TRAIN_WORLD), make_mind("planner"), "ga",
                                GASettings(population=8, generations=3, mazes=2, log_every=2), [0], 2)
    if kind == "ecology":
        world = load_world(SAVANNA_WORLD)
        return SavannaEcology(world, EcologySettings(ticks=60, log_every=20,
                                                                                checkpoint_every=20))
    if kind == "deception-evolution":
        path = WORLDS / "deception.toml"
        return DeceptionEvolution(load_world(path), DeceptionSettings(evolve=True, out=tmp_path, seeds=1, generations=3, population=10))
    if kind == "sweep":
        experiment = tmp_path / "tiny.toml"
        experiment.write_text(TINY_SWEEP)
        return Sweep(Experiment.load(experiment))
    raise AssertionError(f"no small run of study {kind!r}: add one here")


def outputs(run: Path) -> dict:
    """What a run's tables and agents hold: CSV bytes but a sweep's wall times, and arrays of .npz files
    (their zip dates vary)."""
    found = {}
    for path in sorted(run.rglob("*")):
        if path.suffix == ".csv" and path.stem != TIMINGS:
            found[str(path.relative_to(run))] = path.read_bytes()
        elif path.suffix == ".npz" and path.parent.name != rundir.CHECKPOINTS:
            with np.load(path) as z:
                found[str(path.relative_to(run))] = {k: z[k].tobytes() for k in z.files}
    return found


class Interrupt(KeyboardInterrupt):
    """What a test raises in place of Ctrl-C."""


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(STUDIES))
def test_every_study_starts_resumes_to_the_same_bytes_and_force_keeps_user_files(kind, tmp_path, monkeypatch):
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    lifecycle.start(small_study(kind, tmp_path), whole)
    doc = rundir.load_run(whole)
    assert doc["kind"] == kind and rundir.status(whole) == rundir.COMPLETE
    listed = set(rundir.manifest(whole))
    on_disk = {str(p.relative_to(whole)) for p in whole.rglob("*") if p.is_file()} - {rundir.RUN_JSON}
    assert on_disk and all(f in listed or any(n.endswith("/") and f.startswith(n) for n in listed)
                           for f in on_disk), (on_disk, listed)  # the manifest names every file the run wrote

    writes = []
    original = rundir.write_csv

    def interrupted_once(path, rows):  # the run stops as it writes its first table, after all compute
        writes.append(path)
        if len(writes) == 1:
            raise Interrupt
        return original(path, rows)

    monkeypatch.setattr(rundir, "write_csv", interrupted_once)
    with pytest.raises(Interrupt):
        lifecycle.start(small_study(kind, tmp_path), cut)
    assert rundir.status(cut) == rundir.INTERRUPTED
    assert lifecycle.resume(cut) is not None and rundir.status(cut) == rundir.COMPLETE
    monkeypatch.undo()
    assert outputs(cut) == outputs(whole)

    (whole / "mine.txt").write_text("a user's notes")
    if STUDIES[kind].rerun_continues:  # started again over itself, it continues, keeping what it finished
        lifecycle.start(small_study(kind, tmp_path), whole)
        assert outputs(whole) == outputs(cut)
    else:
        with pytest.raises(UserError, match="already holds a run"):
            lifecycle.start(small_study(kind, tmp_path), whole)
    lifecycle.start(small_study(kind, tmp_path), whole, force=True)
    assert (whole / "mine.txt").read_text() == "a user's notes"
    assert outputs(whole) == outputs(cut)


@pytest.mark.slow
def test_force_over_an_adversarial_run_leaves_no_adversary_table_or_report(tmp_path):
    run = tmp_path / "r"
    argv = ["evolve", str(TRAIN_WORLD), "--population", "8", "--generations", "2", "--mazes", "2", "--out", str(run)]
    assert main([*argv, "--adversary"]) == 0 and main(["report", str(run)]) == 0
    assert (run / "adversary.csv").exists() and (run / "report" / "adversary.png").exists()
    assert "adversary.csv" in rundir.manifest(run) and "report/adversary.png" in rundir.manifest(run)
    assert main([*argv, "--force"]) == 0
    assert not (run / "adversary.csv").exists() and not (run / "report").exists()
    assert main(["report", str(run)]) == 0
    assert "adversary" not in (run / "report" / "report.md").read_text().lower()
    assert not (run / "report" / "adversary.png").exists()


# -- a study registered here, and nowhere else --------------------------------------------------

class Count:
    """Steps that add up 1, 2, 3, ...: a stepping unit as a study's work is, for the checkpointed loop."""

    def __init__(self, to: int, fail_at: int | None):
        self.to, self.fail_at, self.position, self.total, self.postfix = to, fail_at, 0, 0, {}

    @property
    def done(self) -> bool:
        return self.position >= self.to

    def step(self) -> None:
        if self.position == self.fail_at:
            raise Interrupt
        self.position += 1
        self.total += self.position

    def state(self):
        return {"total": np.array([self.total])}, {"position": self.position}

    def spec(self) -> dict:
        return {"total": Expect("i", (1,)), "position": Expect("i", None, 0, self.to)}

    def restore(self, arrays, doc) -> None:
        self.total, self.position = int(arrays["total"][0]), doc["position"]


FAIL_AT: list[int | None] = [None]  # the step at which the next counting run stops, as if killed


@register_study
@dataclass(frozen=True)
class Counting(Study):
    kind = "test-counting"
    description = "counts to N with a checkpoint every step (a study known only to this test module)"

    world: object
    to: int

    seeds = [0]

    def to_doc(self) -> dict:
        return {"to": self.to}

    @classmethod
    def from_run(cls, doc: dict, world) -> "Counting":
        return cls(world, doc["settings"]["to"])

    def checkpoint_names(self) -> list[str]:
        return ["count.npz"]

    def execute(self, run: Path, client) -> int:
        count = run_steps(Count(self.to, FAIL_AT[0]), run / rundir.CHECKPOINTS / "count.npz", 1)
        rundir.write_table(run, "counts", [{"to": self.to, "total": count.total}])
        return count.total

    def describe(self, total: int, run: Path) -> str:
        return f"counted to {self.to}: {total}"

    @classmethod
    def report(cls, run_dirs: list[Path], out: Path | None, fmt: str) -> Path:
        out = Path(out or Path(run_dirs[0]) / rundir.REPORT)
        out.mkdir(parents=True, exist_ok=True)
        (out / "report.md").write_text("".join(f"{r}: {rundir.read_csv(Path(r) / 'counts.csv')[0]['total']}\n"
                                               for r in run_dirs))
        rundir.record_report(out, ["report.md"])
        return out / "report.md"


@pytest.fixture
def counting(tmp_path):
    world = load_world(TRAIN_WORLD)
    FAIL_AT[0] = None
    yield lambda to: Counting(world, to)
    FAIL_AT[0] = None


def test_a_new_study_gets_start_resume_lock_force_and_report(counting, tmp_path, capsys):
    run = tmp_path / "c"
    FAIL_AT[0] = 3
    with pytest.raises(Interrupt):
        lifecycle.start(counting(5), run)
    assert json.loads((run / rundir.RUN_JSON).read_text())["kind"] == "test-counting"
    assert rundir.status(run) == rundir.INTERRUPTED and (run / rundir.CHECKPOINTS / "count.npz").exists()

    FAIL_AT[0] = None
    with rundir.locked(run):  # another command writes it: resume waits its turn, in one line
        assert main(["resume", str(run)]) == 2
    assert "another evosim command" in capsys.readouterr().err
    assert main(["resume", str(run)]) == 0
    assert "resumed: counted to 5: 15" in capsys.readouterr().out
    assert rundir.read_csv(run / "counts.csv") == [{"to": "5", "total": "15"}]
    assert not (run / rundir.CHECKPOINTS).exists()

    assert main(["report", str(run)]) == 0
    assert (run / "report" / "report.md").read_text() == f"{run}: 15\n"
    assert "report/report.md" in rundir.manifest(run)

    (run / "mine.txt").write_text("keep me")
    lifecycle.start(counting(3), run, force=True)
    assert (run / "mine.txt").read_text() == "keep me" and not (run / "report").exists()
    assert rundir.read_csv(run / "counts.csv") == [{"to": "3", "total": "6"}]
    assert main(["resume", str(run)]) == 0 and "already complete" in capsys.readouterr().out


def test_a_run_of_an_unknown_kind_is_one_line(tmp_path, capsys):
    run = tmp_path / "r"
    assert main(["evolve", str(TRAIN_WORLD), "--population", "4", "--generations", "1", "--mazes", "1",
                 "--out", str(run)]) == 0
    for kind in ("telepathy", ["maze-training"]):
        rundir.update_run_json(run, kind=kind, status=rundir.INTERRUPTED)
        capsys.readouterr()
        assert main(["resume", str(run)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"kind {kind!r} is not one of:" in err and "maze-training" in err
