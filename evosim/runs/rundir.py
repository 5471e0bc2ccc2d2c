"""The run directory: the data contract between simulation, analysis and viewer.

``run.json`` (resolved settings, training world, seeds, versions, command, and the
run's ``status``: running, interrupted or complete), tidy CSV tables, the final
agents as ``agents.npz`` (arrays only, loaded with ``allow_pickle=False``) plus
``agents.json``, ``checkpoints/`` while a run is under way, and ``report/``.

evosim only ever removes what it wrote: a folder without ``run.json`` is never
used as ``--out``, and ``--force`` removes evosim's own files of a run, nothing
else. A lock file (created exclusively, holding the writer's PID) keeps two
commands from writing one run; a lock whose process has died is stale and taken over.
"""
from __future__ import annotations

import csv
import json
import os
import platform
import shutil
import socket
import sys
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evosim.core.errors import UserError

RUN_JSON, AGENTS_NPZ, AGENTS_JSON = "run.json", "agents.npz", "agents.json"
LOCK, CHECKPOINTS, REPORT = ".lock", "checkpoints", "report"
RUNNING, INTERRUPTED, COMPLETE = "running", "interrupted", "complete"
#: The tables evosim writes into a run directory.
TABLES = ("generations", "drives", "alignment", "probes", "chance", "deploy", "population", "meals", "drive_stats")
#: The files ``evosim report`` writes into its folder.
REPORT_FILES = ("report.md", "drive_tracking.png", "drives.png", "shift_comparison.png", "adversary.png",
                "population_dynamics.png", "diversity.png")
#: The index of a sweep folder: one row per cell.
SWEEP_CSV = "sweep.csv"


def versions() -> dict:
    """Versions of Python and the libraries whose behaviour shapes results."""
    import deap
    import scipy

    from evosim import __version__
    return {"evosim": __version__, "python": platform.python_version(), "numpy": np.__version__,
            "scipy": scipy.__version__, "deap": deap.__version__}


def is_run(path: Path) -> bool:
    """Whether ``path`` holds an evosim run: a run.json evosim wrote."""
    try:
        load_run(path)
    except UserError:
        return False
    return True


def check_out(out: str | Path, force: bool = False) -> Path:
    """Refuse an --out evosim may not write: under a file, read-only, not a run, or a run without --force."""
    out = Path(out)
    existing = next(p for p in (out, *out.parents) if p.exists() or p == Path(p.anchor))
    if existing != out and not existing.is_dir():
        raise UserError(f"{out}: --out cannot be made: {existing} is a file")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UserError(f"{out}: --out cannot be written: {existing} is read-only")
    if existing == out:
        if not out.is_dir():
            raise UserError(f"{out}: --out is a file, not a folder")
        run = is_run(out)
        if any(not _is_lock(p.name) for p in out.iterdir()) and not run:
            raise UserError(f"{out}: --out is a folder evosim did not write (no run.json of its own); "
                            "evosim writes only into a new or empty folder, or over one of its runs")
        if run and not force:
            again = f", or continue it with 'evosim resume {out}'" if status(out) == INTERRUPTED else ""
            raise UserError(f"{out}: --out already holds a run ({RUN_JSON}); pick another, "
                            f"pass --force to replace it{again}")
    return out


def clear(run: Path) -> None:
    """Remove evosim's own files from a run directory (and nothing a user put there)."""
    for name in [RUN_JSON, AGENTS_NPZ, AGENTS_JSON] + [f"{t}.csv" for t in TABLES]:
        (run / name).unlink(missing_ok=True)
    for folder in (run, run / CHECKPOINTS):
        for path in folder.glob(".*.tmp"):  # left by a write that was killed
            if not _is_lock(path.name):
                path.unlink()
    if (run / CHECKPOINTS).is_dir():
        for path in (run / CHECKPOINTS).glob("seed*.npz"):
            path.unlink()
        _remove_if_empty(run / CHECKPOINTS)
    clear_report(run / REPORT)


def clear_report(folder: Path) -> None:
    """Remove the files a report writes, and the folder once it is empty."""
    if folder.is_dir():
        for name in REPORT_FILES:
            (folder / name).unlink(missing_ok=True)
        _remove_if_empty(folder)


def _remove_if_empty(folder: Path) -> None:
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()


def remove_checkpoints(run: Path) -> None:
    """Drop a finished run's checkpoints: its tables and agents now hold everything."""
    if (run / CHECKPOINTS).is_dir():
        shutil.rmtree(run / CHECKPOINTS)


# -- the lock --------------------------------------------------------------------------------

def _is_lock(name: str) -> bool:
    """Whether a file name is a run's lock, or a lock being written."""
    return name == LOCK or (name.startswith(f".{LOCK}.") and name.endswith(".tmp"))


def _started(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot, from /proc), or None where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def _alive(pid: int, started: str) -> bool:
    """Whether process ``pid`` exists and is the one that started at ``started`` (not a reused PID)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    now = _started(pid)
    return now is None or started == "?" or now == started


def _holder(lock: Path) -> tuple[int, str, str] | None:
    """PID, host and start time written in a lock file, or None when it is gone or unreadable."""
    try:
        pid, host, started = lock.read_text().split()
        return int(pid), host, started
    except (OSError, ValueError):
        return None


def _holds(holder: tuple[int, str, str] | None) -> bool:
    """Whether a lock's holder is a live process (on this host; any holder on another host counts)."""
    return holder is not None and (holder[1] != socket.gethostname() or _alive(holder[0], holder[2]))


def is_locked(run: Path) -> bool:
    """Whether the run's lock is held by a live process."""
    return _holds(_holder(Path(run) / LOCK))


@contextmanager
def locked(run: Path):
    """Hold the run's lock while inside (creating the folder); a stale lock is taken over.

    The lock file appears with its content at once (written aside, then hard-linked
    into place, which fails if it exists), so no one ever reads a half-written lock.
    """
    run = Path(run)
    lock, mine = run / LOCK, run / f".{LOCK}.{os.getpid()}.tmp"
    try:
        run.mkdir(parents=True, exist_ok=True)
        mine.write_text(f"{os.getpid()} {socket.gethostname()} {_started(os.getpid()) or '?'}\n")
    except OSError as e:
        raise UserError(f"{run}: cannot write into the run folder: {e.strerror or e}") from None
    try:
        for _ in range(2):
            try:
                os.link(mine, lock)
                break
            except FileExistsError:
                holder = _holder(lock)
                if _holds(holder):
                    pid, host, _ = holder
                    raise UserError(f"{run}: another evosim command (PID {pid} on {host}) is writing this "
                                    "run; wait for it to finish") from None
                lock.unlink(missing_ok=True)  # stale: its process died
        else:
            raise UserError(f"{run}: another evosim command took the lock at the same moment")
    finally:
        mine.unlink(missing_ok=True)
    try:
        yield run
    finally:
        lock.unlink(missing_ok=True)


# -- run.json ---------------------------------------------------------------------------------

def write_run_json(out: Path, settings: dict, world, world_toml: str, seeds: list[int], status: str) -> None:
    """Record what makes the run: settings, the training world file's text, seeds, versions, status."""
    doc = {"settings": settings, "world_path": world.path, "world_name": world.name,
           "world_toml": world_toml, "seeds": seeds, "versions": versions(),
           "command": " ".join(["evosim"] + sys.argv[1:]), "status": status}
    write_json(out / RUN_JSON, doc)


def write_json(path: Path, doc: dict) -> None:
    """Write a JSON document atomically."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    tmp.replace(path)


def update_run_json(run: Path, **changes) -> None:
    """Change keys of run.json (e.g. its status)."""
    write_json(Path(run) / RUN_JSON, load_run(run) | changes)


#: The keys every run.json has, and their types.
RUN_KEYS = {"settings": dict, "world_path": str, "world_name": str, "world_toml": str, "seeds": list}


def load_run(run: str | Path) -> dict:
    """run.json of a run directory, checked to be evosim's."""
    path = Path(run) / RUN_JSON
    if not Path(run).is_dir():
        raise UserError(f"{run}: no such run directory")
    if not path.exists():
        raise UserError(f"{run}: not a run directory (no {RUN_JSON})")
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"))
    except (ValueError, OSError) as e:
        raise UserError(f"{path}: not evosim's run.json: {e}") from None
    if not isinstance(doc, dict):
        raise UserError(f"{path}: not evosim's run.json: not a JSON object")
    for key, kind in RUN_KEYS.items():
        if not isinstance(doc.get(key), kind):
            raise UserError(f"{path}: not evosim's run.json: {key!r} is missing or not a {kind.__name__}")
    return doc


def status(run: str | Path) -> str:
    """running, interrupted or complete; a run marked running whose writer is gone was interrupted.

    A run.json without a status comes from an evosim that wrote runs only once complete.
    """
    marked = load_run(run).get("status", COMPLETE)
    if marked == RUNNING and not is_locked(Path(run)):
        return INTERRUPTED
    return marked


def require_complete(run: str | Path) -> None:
    """Refuse a run that is not complete, naming the command that completes it."""
    now = status(run)
    if now != COMPLETE:
        raise UserError(f"{run}: the run is incomplete ({now}); continue it with 'evosim resume {run}'")


def training_world(run: str | Path):
    """The training world a run was made on, re-read from the text saved in run.json."""
    from evosim.worlds import parse_world  # analysis reads run directories without loading worlds

    doc = load_run(run)
    try:
        raw = tomllib.loads(doc["world_toml"])
    except tomllib.TOMLDecodeError as e:
        raise UserError(f"{Path(run) / RUN_JSON}: world_toml is not TOML: {e}") from None
    return parse_world(raw, doc["world_path"])


# -- tables -----------------------------------------------------------------------------------

def write_csv(path: Path, rows: list[dict]) -> None:
    """Write tidy rows at once; floats as their shortest round-trip repr, so output is byte-stable."""
    if not rows:
        return
    columns = list(dict.fromkeys(k for row in rows for k in row))
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, restval="", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)


def check_table(path: Path) -> None:
    """Refuse a table cut short or edited out of shape: every line whole, every row as wide as its header."""
    try:
        with open(path, "rb") as f:
            if f.seek(0, os.SEEK_END):
                f.seek(-1, os.SEEK_END)
                if f.read(1) != b"\n":
                    raise UserError(f"{path}: the table is cut short (its last line is incomplete)")
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            width = len(next(reader, []))
            for row in reader:
                if len(row) != width:
                    raise UserError(f"{path}: line {reader.line_num} has {len(row)} fields, its header "
                                    f"{width}; the table was cut or edited")
    except (UnicodeDecodeError, csv.Error) as e:
        raise UserError(f"{path}: unreadable table: {e}") from None


def read_csv(path: Path) -> list[dict]:
    """Rows of a CSV table as dicts of strings (empty when the file is missing), checked whole."""
    if not path.exists():
        return []
    check_table(path)
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


# -- agents -----------------------------------------------------------------------------------

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
        from evosim.minds import make_mind
        return make_mind(self.mind, **self.mind_options)


def save_agents(out: Path, agents: SavedAgents) -> None:
    tmp = out / f".{AGENTS_NPZ}.tmp"
    with open(tmp, "wb") as f:
        np.savez(f, params=agents.params, seed=agents.seed, agent=agents.agent)
    tmp.replace(out / AGENTS_NPZ)
    write_json(out / AGENTS_JSON, {"optimizer": agents.optimizer, "mind": agents.mind,
                                   "mind_options": agents.mind_options,
                                   "n_agents": int(len(agents.params)),
                                   "n_params": int(agents.params.shape[1])})


def load_agents(run: str | Path) -> SavedAgents:
    """The saved agents of a complete run, checked against their description (finite, right shape)."""
    from evosim.minds import MINDS

    run = Path(run)
    require_complete(run)
    if not (run / AGENTS_NPZ).exists() or not (run / AGENTS_JSON).exists():
        raise UserError(f"{run}: holds no saved agents ({AGENTS_NPZ} + {AGENTS_JSON}); "
                        "run 'evosim evolve' or 'evosim train' with --out first")
    meta_path, npz = run / AGENTS_JSON, run / AGENTS_NPZ
    try:
        meta = json.loads(meta_path.read_bytes().decode("utf-8"))
        mind_name, optimizer, options = meta["mind"], meta["optimizer"], meta.get("mind_options", {})
        if not (isinstance(mind_name, str) and isinstance(optimizer, str) and isinstance(options, dict)):
            raise TypeError("mind, optimizer and mind_options have the wrong types")
    except (ValueError, KeyError, TypeError, OSError) as e:
        raise UserError(f"{meta_path}: not evosim's agents.json: {e}") from None
    if mind_name not in MINDS:
        raise UserError(f"{meta_path}: mind {mind_name!r} is not one of: {', '.join(MINDS)}")
    try:
        mind = MINDS[mind_name](**options)
    except TypeError as e:
        raise UserError(f"{meta_path}: mind_options do not fit mind {mind_name!r}: {e}") from None
    try:
        with np.load(npz, allow_pickle=False) as z:
            params, seed, agent = z["params"], z["seed"], z["agent"]
    except (ValueError, KeyError, OSError, EOFError) as e:
        raise UserError(f"{npz}: unreadable saved agents: {e}") from None
    except Exception as e:  # a cut zip file raises zipfile.BadZipFile
        raise UserError(f"{npz}: unreadable saved agents: {type(e).__name__}: {e}") from None
    if params.ndim != 2 or params.shape[1] != mind.n_params or params.dtype.kind != "f":
        raise UserError(f"{npz}: params has shape {params.shape} and dtype {params.dtype}, "
                        f"mind {mind_name} needs floats of shape (n, {mind.n_params})")
    if seed.shape != (len(params),) or agent.shape != (len(params),) or len(params) == 0:
        raise UserError(f"{npz}: seed {seed.shape} and agent {agent.shape} must be one per agent "
                        f"({len(params)}), and there must be at least one")
    if not np.isfinite(params).all():
        raise UserError(f"{npz}: params holds NaN or infinite values; these agents cannot act")
    return SavedAgents(optimizer, mind_name, dict(options), params, seed, agent)


def write_training(out: Path, logs: list, mind, world) -> None:
    """Write the tables and final agents of a finished training run (one TrainingLog per seed) on ``world``."""
    from evosim.worlds.maze.probes import chance_rows

    write_csv(out / "generations.csv", [row for log in logs for row in log.generations])
    write_csv(out / "chance.csv", chance_rows(world))
    for table in dict.fromkeys(t for log in logs for t in log.tables):
        write_csv(out / f"{table}.csv", [row for log in logs for row in log.tables.get(table, [])])
    params = np.concatenate([log.final_params for log in logs])
    seed = np.concatenate([np.full(len(log.final_params), log.seed) for log in logs])
    agent = np.concatenate([np.arange(len(log.final_params)) for log in logs])
    save_agents(out, SavedAgents(logs[0].optimizer, mind.name, mind.options(), params, seed, agent))
