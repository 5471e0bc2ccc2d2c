"""Where the shipped world files live, for commands that default to them."""
from pathlib import Path

WORLDS_DIR = Path(__file__).resolve().parent.parent / "worlds"
TRAIN_WORLD = WORLDS_DIR / "maze_train.toml"
DEPLOY_WORLD = WORLDS_DIR / "maze_deploy.toml"
