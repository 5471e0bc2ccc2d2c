"""evosim's worlds behind Gymnasium's API: :class:`MazeEnv`, :class:`MazeVectorEnv`, and their ids.

Following MiniGrid, one world class is registered twice: ``evosim/Maze-Train-v0``
and ``evosim/Maze-Deploy-v0`` differ only in their world file (the Deploy id
classifies outcomes against maze_train). Each id has a vector entry point, so
``gymnasium.make_vec(id, num_envs=N, vectorization_mode="vector_entry_point")``
makes the native vector environment. Importing this package (and so ``import
evosim``) registers the ids; the environments' modules (and the worlds behind
them) load only when an environment is made or one of their names is used.
"""
from __future__ import annotations

import importlib

import gymnasium

from evosim.data import DEPLOY_WORLD, TRAIN_WORLD

#: Each id's keyword arguments: its world file, and the world its outcomes are classified against.
VARIANTS = {"evosim/Maze-Train-v0": {"world": str(TRAIN_WORLD)},
            "evosim/Maze-Deploy-v0": {"world": str(DEPLOY_WORLD), "train_world": str(TRAIN_WORLD)}}

#: Where each of the package's names lives, imported on first use.
LAZY = {"MazeEnv": "evosim.envs.single", "MazeVectorEnv": "evosim.envs.vector", "ACTIONS": "evosim.envs.slots",
        "MAZE_CHANNELS": "evosim.envs.slots", "OBSERVATIONS": "evosim.envs.slots"}

__all__ = [*LAZY, "VARIANTS", "register_envs"]


def __getattr__(name: str):
    if name in LAZY:
        return getattr(importlib.import_module(LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def register_envs():
    """Register the train and deploy variants with Gymnasium; later calls change nothing."""
    for env_id, kwargs in VARIANTS.items():
        if env_id not in gymnasium.registry:
            gymnasium.register(env_id, entry_point="evosim.envs.single:MazeEnv",
                               vector_entry_point="evosim.envs.vector:MazeVectorEnv", kwargs=kwargs)


# Importing this package registers the variants, so that
# gymnasium.make("evosim.envs:evosim/Maze-Train-v0") works even where ``import evosim``
# alone does not run evosim/__init__.py (e.g. a clone named evosim in the working folder).
register_envs()
