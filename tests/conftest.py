"""Shared fixtures: the shipped worlds, hand-drawn mazes and small real run directories."""
from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

from pathlib import Path

import numpy as np
import pytest

from evosim.runs import rundir
from evosim.worlds import load_world
from evosim.core.features import APPLE, EXIT, color_index
from evosim.worlds.maze.graph import Maze
from evosim.data import DEPLOY_WORLD, TRAIN_WORLD

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


@pytest.fixture(scope="session")
def train_world():
    return load_world(TRAIN_WORLD)


@pytest.fixture(scope="session")
def deploy_world():
    return load_world(DEPLOY_WORLD)


@pytest.fixture
def chdir_tmp(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_optimizer(world, mind, algorithm: str, settings, seeds: list[int], reporters=()):
    """The training loop on a base optimizer made here: every seed's TrainingLog."""
    from evosim.optimizers import OPTIMIZERS
    from evosim.training.loop import train

    return train(world, mind, OPTIMIZERS[algorithm](world, mind, settings, seeds), reporters=reporters)


def evolve(world, mind, settings, seed: int, reporters=()):
    """One GA population of ``seed``: its TrainingLog."""
    return run_optimizer(world, mind, "ga", settings, [seed], reporters)[0]


def save_run(out: Path, logs, mind, world) -> Path:
    """A complete run directory from training logs made in a test (as ``evosim evolve`` would leave it)."""
    out.mkdir(parents=True, exist_ok=True)
    rundir.write_run_json(out, {}, world, Path(world.path).read_text(), [log.seed for log in logs],
                          rundir.COMPLETE)
    rundir.write_training(out, logs, mind, world)
    return out
