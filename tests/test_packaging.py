"""A non-editable install: the wheel carries the worlds and sprites, and evosim runs from any folder."""
import os
import shutil
import subprocess
import sys
import zipfile

import pytest
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_IGNORED = shutil.ignore_patterns(".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache")


def IGNORE(folder: str, names: list[str]) -> set[str]:
    """What a copy of the clone leaves out: build leftovers, and the clone's own runs/ (not evosim/runs/)."""
    return set(_IGNORED(folder, names)) | ({"runs"} if Path(folder) == REPO else set())


@pytest.mark.slow
def test_the_wheel_runs_the_demo_from_any_folder(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(REPO, source, symlinks=True, ignore=IGNORE)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path / "dist"), str(source)], check=True, capture_output=True)
    (wheel,) = (tmp_path / "dist").glob("evosim-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {"evosim/data/worlds/maze_train.toml", "evosim/data/worlds/maze_deploy.toml",
            "evosim/data/worlds/maze_sizes.toml", "evosim/data/worlds/savanna.toml",
            "evosim/data/assets/exit.png"} <= set(names)
    assert any(".dist-info/" in n and n.endswith("/LICENSE") for n in names)  # setup.cfg's license_files

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)  # what pip does with a wheel
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "evosim").mkdir(parents=True)  # as in the folder above a clone named evosim
    env = {**os.environ, "PYTHONPATH": str(site)}
    check = ("import evosim, gymnasium; "
             f"assert evosim.__file__.startswith({str(site)!r}), evosim.__file__; "
             "env = gymnasium.make('evosim/Maze-Train-v0'); env.reset(seed=0); "
             "from evosim.commands.cli import main; "
             "assert main(['watch', 'x.toml']) == 2; "  # a missing world: a one-line error, not a traceback
             "from evosim.data import DEPLOY_WORLD; "
             "assert main(['watch', str(DEPLOY_WORLD), '--frames', '3']) == 0")  # sprites from the wheel
    subprocess.run([sys.executable, "-c", check], cwd=elsewhere, env=env, check=True)
    demo = subprocess.run([sys.executable, "-m", "evosim.commands.cli", "demo", "--quick"], cwd=elsewhere, env=env,
                          capture_output=True, text=True)
    assert demo.returncode == 0, demo.stderr
    assert (elsewhere / "runs" / "demo" / "report" / "report.md").exists()
