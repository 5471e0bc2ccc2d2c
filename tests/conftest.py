"""Shared fixtures: the shipped worlds and a working folder (helpers other tests share are in helpers.py)."""
from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

from pathlib import Path

import pytest

from evosim.data import DEPLOY_WORLD, TRAIN_WORLD
from evosim.worlds import load_world


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
