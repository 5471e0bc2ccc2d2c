"""The run directory: the data contract between simulation, analysis and viewer.

``run.json`` (resolved settings, training world, seeds, versions, command), tidy CSV
tables, and the final agents as ``agents.npz`` (arrays only, loaded with
``allow_pickle=False``) plus ``agents.json``. Nothing here ever unpickles.
"""
from __future__ import annotations

import csv
import json
import os
import platform
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .worlds import parse_world
from .errors import UserError

RUN_JSON, AGENTS_NPZ, AGENTS_JSON = "run.json", "agents.npz", "agents.json"


def versions() -> dict:
    """Versions of Python and the libraries whose behaviour shapes results."""
    import deap
    import scipy

    from . import __version__
    return {"evosim": __version__, "python": platform.python_version(), "numpy": np.__version__,
            "scipy": scipy.__version__, "deap": deap.__version__}


def check_out(out: str | Path, force: bool = False) -> Path:
    """Refuse an --out that is a file, or that holds a run unless --force."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UserError(f"{out}: --out is a file, not a directory")
    if (out / RUN_JSON).exists() and not force:
        raise UserError(f"{out}: --out already holds a run (run.json); pick another or pass --force")
    return out


def prepare(out: str | Path, force: bool = False) -> Path:
    """Create an output directory, emptied of an earlier run's files."""
    out = check_out(out, force)
    out.mkdir(parents=True, exist_ok=True)
    for name in os.listdir(out):
        if name.endswith(".csv") or name in (RUN_JSON, AGENTS_NPZ, AGENTS_JSON):
            (out / name).unlink()
    return out


def write_run_json(out: Path, settings: dict, world, seeds: list[int]) -> None:
    """Record what made the run: settings, the training world file's text, seeds, versions."""
    with open(world.path, "rb") as f:
        world_toml = f.read().decode()
    doc = {"settings": settings, "world_path": world.path, "world_name": world.name,
           "world_toml": world_toml, "seeds": seeds, "versions": versions(),
           "command": " ".join(["evosim"] + sys.argv[1:])}
    _write_json(out / RUN_JSON, doc)


def _write_json(path: Path, doc: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    tmp.replace(path)


def write_csv(path: Path, rows: list[dict]) -> None:
    """Write tidy rows at once; floats as their shortest round-trip repr, so output is byte-stable."""
    if not rows:
        return
    columns = list(dict.fromkeys(k for row in rows for k in row))
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, restval="", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)


def read_csv(path: Path) -> list[dict]:
    """Rows of a CSV table as dicts of strings (empty when the file is missing)."""
    if not path.exists():
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@dataclass(frozen=True)
class SavedAgents:
    """Final agents of a run: one parameter vector per row, with who made it."""

    optimizer: str
    mind: str
    mind_options: dict
    params: np.ndarray  # (n, n_params)
    seed: np.ndarray  # (n,) the run seed each agent came from
    agent: np.ndarray  # (n,) agent number within its seed

    def make_mind(self):
        from .minds import make_mind
        return make_mind(self.mind, **self.mind_options)


def save_agents(out: Path, agents: SavedAgents) -> None:
    np.savez(out / AGENTS_NPZ, params=agents.params, seed=agents.seed, agent=agents.agent)
    _write_json(out / AGENTS_JSON, {"optimizer": agents.optimizer, "mind": agents.mind,
                                    "mind_options": agents.mind_options,
                                    "n_agents": int(len(agents.params)),
                                    "n_params": int(agents.params.shape[1])})


def load_agents(run: str | Path) -> SavedAgents:
    """The saved agents of a run directory, checked against their description."""
    run = Path(run)
    if not run.is_dir():
        raise UserError(f"{run}: no such run directory")
    if not (run / AGENTS_NPZ).exists() or not (run / AGENTS_JSON).exists():
        raise UserError(f"{run}: holds no saved agents ({AGENTS_NPZ} + {AGENTS_JSON}); "
                        "run 'evosim evolve' or 'evosim train' with --out first")
    try:
        meta = json.loads((run / AGENTS_JSON).read_text())
        with np.load(run / AGENTS_NPZ, allow_pickle=False) as z:
            params, seed, agent = z["params"], z["seed"], z["agent"]
        agents = SavedAgents(meta["optimizer"], meta["mind"], dict(meta.get("mind_options", {})),
                             params, seed, agent)
        mind = agents.make_mind()
    except (ValueError, KeyError, TypeError, OSError) as e:
        raise UserError(f"{run / AGENTS_NPZ}: unreadable saved agents: {e}") from None
    if params.ndim != 2 or params.shape[1] != mind.n_params:
        raise UserError(f"{run / AGENTS_NPZ}: params has shape {params.shape}, "
                        f"mind {agents.mind} needs (n, {mind.n_params})")
    return agents


def load_run(run: str | Path) -> dict:
    """run.json of a run directory."""
    path = Path(run) / RUN_JSON
    if not path.exists():
        raise UserError(f"{run}: not a run directory (no {RUN_JSON})")
    try:
        return json.loads(path.read_text())
    except ValueError as e:
        raise UserError(f"{path}: unreadable: {e}") from None


def training_world(run: str | Path):
    """The training world a run was made on, re-read from the text saved in run.json."""
    doc = load_run(run)
    return parse_world(tomllib.loads(doc["world_toml"]), doc["world_path"])


def write_training(out: Path, logs: list, mind, world, settings: dict) -> None:
    """Write a finished training run (one TrainingLog per seed) as a run directory."""
    write_run_json(out, settings | {"optimizer": logs[0].optimizer, "mind": mind.name,
                                    "mind_options": mind.options()}, world, [log.seed for log in logs])
    write_csv(out / "generations.csv", [row for log in logs for row in log.generations])
    for table in dict.fromkeys(t for log in logs for t in log.tables):
        write_csv(out / f"{table}.csv", [row for log in logs for row in log.tables.get(table, [])])
    params = np.concatenate([log.final_params for log in logs])
    seed = np.concatenate([np.full(len(log.final_params), log.seed) for log in logs])
    agent = np.concatenate([np.arange(len(log.final_params)) for log in logs])
    save_agents(out, SavedAgents(logs[0].optimizer, mind.name, mind.options(), params, seed, agent))
