"""The files evosim ships: world files and sprites.

They live in the top-level ``worlds/`` and ``assets/`` folders of a clone and are
packaged inside evosim (``evosim/data/``), so that every install, editable or
not, finds them from any working directory.
"""
from pathlib import Path

HERE = Path(__file__).parent
WORLDS = HERE / "worlds"
ASSETS = HERE / "assets"
TRAIN_WORLD = WORLDS / "maze_train.toml"
DEPLOY_WORLD = WORLDS / "maze_deploy.toml"
SAVANNA_WORLD = WORLDS / "savanna.toml"
