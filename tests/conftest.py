"""Shared fixtures: the shipped worlds, hand-drawn mazes and small real run directories."""
from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # as the evosim command sets it, before numpy loads

from pathlib import Path

import numpy as np
import pytest

from evosim.config import load_world
from evosim.features import APPLE, EXIT, color_index
from evosim.maze import Maze
from evosim.worlds import DEPLOY_WORLD, TRAIN_WORLD

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
