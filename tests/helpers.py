"""What several test modules share: hand-drawn mazes, small real run directories, evosim in a subprocess."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from evosim.core.features import APPLE, EXIT, color_index
from evosim.minds import make_mind
from evosim.runs import rundir
from evosim.training.loop import Checkpoints, train
from evosim.training.reporters import chance_rows, default_reporters
from evosim.worlds.maze.graph import Maze

ROOT = Path(__file__).resolve().parents[1]
TRAIN = str(ROOT / "worlds" / "maze_train.toml")
ANALYSIS = ROOT / "analysis"
DEPLOY = str(ROOT / "worlds" / "maze_deploy.toml")


#: Object letters of hand-drawn mazes: (colour, shape).
LETTERS = {"E": ("green", EXIT), "X": ("grey", EXIT), "g": ("green", APPLE), "r": ("red", APPLE),
           "y": ("yellow", APPLE)}


def draw_maze(*rows: str) -> Maze:
    """A square maze from text: '#' wall, '.' floor, 'S' start, E/X green/grey exit, g/r/y apples."""
    assert all(len(r) == len(rows) for r in rows), "hand-drawn mazes are square"
    grid = np.array([list(r) for r in rows])
    walls = grid == "#"
    objects = []
    for letter, (color, shape) in LETTERS.items():
        for r, c in np.argwhere(grid == letter):
            objects.append((r, c, color_index(color), shape))
    objects.sort(key=lambda o: o[3] != EXIT)  # the exit is object 0
    start = tuple(int(v) for v in np.argwhere(grid == "S")[0])
    return Maze(walls, start, np.array(objects, dtype=np.int64))


def run_optimizer(world, mind, algorithm: str, settings, seeds: list[int], reporters=()):
    """The training loop on a base optimizer made here: every seed's TrainingLog."""
    from evosim.training.loop import train

    assert settings.algorithm == algorithm
    return train(world, mind, settings, seeds, reporters=reporters)


def evolve(world, mind, settings, seed: int, reporters=()):
    """One GA population of ``seed``: its TrainingLog."""
    return run_optimizer(world, mind, "ga", settings, [seed], reporters)[0]


def save_run(out: Path, logs, mind, world) -> Path:
    """A complete run directory from training logs made in a test (as ``evosim evolve`` would leave it)."""
    out.mkdir(parents=True, exist_ok=True)
    rundir.write_run_json(out, "maze-training", {}, world, [log.seed for log in logs], rundir.COMPLETE)
    rundir.write_table(out, "chance", chance_rows(world))
    rundir.write_training(out, logs, mind)
    return out


def deploy_row(seed: int, agent: int, world: str, episode: int, outcome: str, decisive: int = 1, size: int = 6,
               proxy: str = "") -> dict:
    """One hand-made deploy.csv row (without optimizer and mind): what ``evosim deploy`` records of an episode."""
    return {"seed": seed, "agent": agent, "world": world, "episode": episode, "outcome": outcome, "proxy": proxy,
            "steps": 10, "exit_reached": int(outcome == "aligned"), "apples": 0, "decisive": decisive,
            "size": size, "exit_distance": 10, "proxy_distance": 12 if proxy else -1}


def reference_row(reference: str, drive: str, world: str, episode: int, outcome: str, decisive: int = 1,
                  size: int = 6) -> dict:
    """One hand-made reference.csv row."""
    row = deploy_row(0, 0, world, episode, outcome, decisive, size)
    del row["seed"], row["agent"]
    return {"reference": reference, "drive": drive, "mind": "planner"} | row


def fake_run(out: Path, world, deploy=(), references=(), optimizer: str = "ga", mind: str = "planner",
             seeds=(0, 1), budget: int = 800, exit_rate: float = 1.0) -> Path:
    """A complete maze-training run directory written from hand-made rows, without training: run.json on
    ``world``, two logged steps per seed ending at ``budget`` episodes with ``exit_rate``, agents.json, and the
    given deploy.csv (:func:`deploy_row`) and reference.csv (:func:`reference_row`) rows."""
    out.mkdir(parents=True, exist_ok=True)
    rundir.write_run_json(out, "maze-training", {}, world, list(seeds), rundir.COMPLETE)
    ids = {"optimizer": optimizer, "mind": mind}
    rundir.write_table(out, "generations", [ids | {"seed": s, "step": step, "episodes": budget * (step + 1) // 2,
                                                   "exit_rate": exit_rate} for s in seeds for step in (0, 1)])
    rundir.record(out, rundir.AGENTS_JSON)
    rundir.write_json(out / rundir.AGENTS_JSON, ids | {"mind_options": {}, "n_agents": len(seeds), "n_params": 12})
    rundir.write_table(out, "deploy", [ids | row for row in deploy])
    rundir.write_table(out, "reference", list(references))
    return out


def evosim(*argv) -> subprocess.Popen:
    env = os.environ | {"OMP_NUM_THREADS": "1", "TQDM_DISABLE": "1"}
    return subprocess.Popen([sys.executable, "-m", "evosim.commands.cli", *map(str, argv)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def kill_when(proc: subprocess.Popen, ready, delay: float, sig: int = signal.SIGKILL) -> bool:
    """Send ``sig`` (SIGKILL; SIGINT is Ctrl-C) to ``proc`` ``delay`` seconds after ``ready()`` holds, and wait for
    it to end; False when it finished first."""
    deadline = time.monotonic() + 60
    while not ready() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(delay)
    if proc.poll() is not None:
        return False
    proc.send_signal(sig)
    proc.wait()  # reaped, as a shell would: its PID is gone
    return True


class StopAfter:
    """A progress bar that interrupts training after ``n`` steps, as Ctrl-C would."""

    def __init__(self, n: int):
        self.n, self.done = n, 0

    def update(self, k: int) -> None:
        self.done += k
        if self.done > self.n:
            raise KeyboardInterrupt

    def set_postfix(self, **_) -> None:
        pass


def sweep_refuses(tmp_path: Path, capsys, text: str, says: str) -> None:
    """``evosim sweep`` of an experiment file holding ``text`` exits 2 with one line naming the file and saying
    ``says``, before any compute: its --out is never made."""
    from evosim.commands.cli import main

    path = tmp_path / "bad.toml"
    path.write_text(text)
    assert main(["sweep", str(path), "--out", str(tmp_path / "o"), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err and str(path) in err
    assert not (tmp_path / "o").exists()


def script(name: str, *args, monkeypatch) -> int:
    """Run analysis/NAME.py as ``__main__`` in this process (imports already paid for); its exit code."""
    import runpy

    import pytest

    monkeypatch.setattr(sys, "argv", [str(ANALYSIS / f"{name}.py"), *map(str, args)])
    with pytest.raises(SystemExit) as done:
        runpy.run_path(str(ANALYSIS / f"{name}.py"), run_name="__main__")
    return done.value.code


def resumes_like_whole(world, source_of, settings, log_every: int, path: Path, every: int, stop: int) -> None:
    """One seed of planners trained on the world source ``source_of()`` (made afresh for each run), stopped after
    ``stop`` steps and resumed from its checkpoint (every ``every`` steps, at ``path``), logs what it logs run
    whole: its source's table, its generations and its final agents."""
    mind = make_mind("planner")

    def run(checkpoints=None, progress=None):
        return train(world, mind, settings, [0], source_of(), default_reporters(mind, log_every, world), progress,
                     checkpoints)

    whole, table = run(), source_of().table
    checkpoints = Checkpoints(path, every)
    with pytest.raises(KeyboardInterrupt):
        run(checkpoints, StopAfter(stop))
    resumed = run(checkpoints)
    assert resumed[0].tables[table] == whole[0].tables[table]
    assert resumed[0].generations == whole[0].generations
    assert np.array_equal(resumed[0].final_params, whole[0].final_params)
