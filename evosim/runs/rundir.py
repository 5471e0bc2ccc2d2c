"""The run directory: the data contract between simulation, analysis and viewer.

``run.json`` (the study's ``kind``, its resolved settings, training world, seeds,
versions, command, the run's ``status``: running, interrupted or complete, and a
``manifest`` of every file the run wrote), tidy CSV tables, the final agents as
``agents.npz`` (arrays only, loaded with ``allow_pickle=False``) plus
``agents.json``, ``checkpoints/`` while a run is under way, and ``report/``.

evosim only ever removes what it wrote: a folder without ``run.json`` is never
used as ``--out``, and ``--force`` removes the files the run's manifest names,
nothing else. One writer at a time holds the run's lock (:mod:`evosim.runs.lock`).
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

from evosim.core.errors import UserError
from evosim.runs.files import atomic, draft_of
from evosim.runs.lock import LOCK, holder, is_lock, is_locked, locked  # noqa: F401  (a run's lock, used with its files)

RUN_JSON, AGENTS_NPZ, AGENTS_JSON, SNAPSHOTS_NPZ = "run.json", "agents.npz", "agents.json", "snapshots.npz"
CHECKPOINTS, REPORT = "checkpoints", "report"
RUNNING, INTERRUPTED, COMPLETE = "running", "interrupted", "complete"
#: The tables evosim writes into a run directory.
TABLES = ("generations", "drives", "alignment", "probes", "chance", "deploy", "reference", "adversary", "replay",
          "population", "meals", "drive_stats", "thinking", "target_probes", "steering")
#: The figures ``evosim report`` may draw, and the file formats it writes them in (``--format``, the first the
#: default).
FIGURES = ("drive_tracking", "drives", "shift_comparison", "capability", "population_dynamics", "adversary",
           "diversity", "capacity", "sources", "thinking_steps", "target_probes", "steering")
FIGURE_FORMATS = ("png", "pdf", "svg")


def report_files(formats=FIGURE_FORMATS) -> tuple[str, ...]:
    """The files ``evosim report`` may write into its folder with its figures in ``formats``."""
    return ("report.md", *(f"{name}.{fmt}" for name in FIGURES for fmt in formats))


#: The files ``evosim report`` writes into its folder, in any format.
REPORT_FILES = report_files()
#: In a report folder that is no run's ``report/``: the names of the files evosim's reports wrote there.
REPORT_MARK = ".evosim-report"
#: The index of a sweep folder: one row per cell, each cell a run in ``CELLS/NAME``.
SWEEP_CSV, CELLS = "sweep.csv", "cells"
#: sweep.csv's column naming a cell's series, and the prefix of its mind option columns (``mind.hidden``), as
#: the experiment file names its axes.
SERIES, MIND_AXIS = "series", "mind."
#: Optimizer names that runs of an earlier evosim wrote, and each one's name now (its ``--algorithm``).
RENAMED_OPTIMIZERS = {"evolution": "ga"}
#: What a run.json without a manifest (from an evosim before manifests, whose reports were PNG only) may have written.
UNLISTED = [AGENTS_NPZ, AGENTS_JSON] + [f"{t}.csv" for t in TABLES] + [f"{REPORT}/{n}" for n in report_files(["png"])]


def versions() -> dict:
    """Versions of Python and the libraries whose behaviour shapes results."""
    import deap
    import scipy

    from evosim import __version__
    return {"evosim": __version__, "python": platform.python_version(), "numpy": np.__version__,
            "scipy": scipy.__version__, "deap": deap.__version__}


def optimizer_name(name: str) -> str:
    """The optimizer's name now, for a name read from a run (an older run's ``evolution`` is ``ga``)."""
    return RENAMED_OPTIMIZERS.get(name, name)


def is_run(path: Path) -> bool:
    """Whether ``path`` holds an evosim run: a run.json evosim wrote."""
    try:
        load_run(path)
    except UserError:
        return False
    return True


def runs_in(folder: str | Path) -> list[Path]:
    """The run directories directly inside ``folder``, by name: the arms of a folder that is not a run itself
    (the demo's output); none when ``folder`` is a run."""
    folder = Path(folder)
    if (folder / RUN_JSON).exists() or not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and (p / RUN_JSON).is_file())


def given_runs(paths) -> list[Path]:
    """The runs the paths stand for: each path, or for a folder that is no run but holds runs (the demo's output),
    the runs inside it."""
    return [run for given in paths for run in (runs_in(given) or [Path(given)])]


def check_writable(path: str | Path, flag: str, folder: bool = True) -> Path:
    """Refuse an output path (a folder, or with ``folder=False`` a file) that cannot be made or written:
    under a file, the other kind of thing already, or in a read-only folder; checked before any compute."""
    path = Path(path)
    existing = next(p for p in (path, *path.parents) if p.exists() or p == Path(p.anchor))
    if existing != path and not existing.is_dir():
        raise UserError(f"{path}: {flag} cannot be made: {existing} is a file")
    if existing == path and path.is_dir() != folder:
        raise UserError(f"{path}: {flag} is a {'file, not a folder' if folder else 'folder, not a file'}")
    writable = existing if existing.is_dir() else existing.parent
    if not os.access(writable, os.W_OK | os.X_OK):
        raise UserError(f"{path}: {flag} cannot be written: {writable} is read-only")
    return path


def check_file_out(path: str | Path, flag: str) -> Path:
    """Refuse an output file that cannot be made or written (see :func:`check_writable`)."""
    return check_writable(path, flag, folder=False)


def check_out(out: str | Path, force: bool = False) -> Path:
    """Refuse an --out evosim may not write: under a file, read-only, not a run, or a run without --force."""
    out = check_writable(out, "--out")
    if out.exists():
        run = is_run(out)
        # a folder whose lock another live command holds is that command's run in the making (its run.json
        # perhaps still a draft): taking the lock refuses it in its own words
        if any(not is_lock(p.name) for p in out.iterdir()) and not run and not is_locked(out):
            raise UserError(f"{out}: --out is a folder evosim did not write (no run.json of its own); "
                            "evosim writes only into a new or empty folder, or over one of its runs")
        if run and not force:
            again = f", or continue it with 'evosim resume {out}'" if status(out) == INTERRUPTED else ""
            raise UserError(f"{out}: --out already holds a run ({RUN_JSON}); pick another, "
                            f"pass --force to replace it{again}")
        if run:
            manifest(out)  # what --force would remove, checked to lie inside the run
    return out


def manifest(run: Path) -> list[str]:
    """The files a run wrote, relative to its folder (run.json itself aside); a name ending in ``/`` is a
    run inside it."""
    listed = load_run(run).get("manifest")
    if listed is None:
        return UNLISTED
    for name in listed if isinstance(listed, list) else [listed]:
        parts = Path(name).parts if isinstance(name, str) else ()
        if not parts or Path(name).is_absolute() or ".." in parts or name in (RUN_JSON, LOCK):
            raise UserError(f"{Path(run) / RUN_JSON}: manifest: {name!r} is not a file inside the run; "
                            "evosim lists only files it wrote there")
    return listed


def check_own(run: Path, name: str) -> None:
    """Refuse to write ``RUN/NAME`` over a file of that name the run's manifest does not list (not evosim's)."""
    if (Path(run) / name).exists() and name not in manifest(run):
        raise UserError(f"{Path(run) / name}: a file evosim did not write is in the way; "
                        "move it out of the run folder")


def record(run: Path, *names: str) -> None:
    """Add files (relative to the run's folder) to its manifest, before or after writing them."""
    listed = set(manifest(run)) | set(names)
    update_run_json(run, manifest=sorted(listed))


def clear(run: Path) -> None:
    """Remove the files the run's manifest names, what a killed write left of them, and folders they emptied."""
    run = Path(run)
    if not (run / RUN_JSON).exists():
        return
    _remove(run, manifest(run))
    (run / RUN_JSON).unlink()
    draft_of(run / RUN_JSON).unlink(missing_ok=True)


def remove_run(run: Path) -> None:
    """Remove an evosim run: the files its manifest names (under its lock), and its folder once that empties it."""
    with locked(run):
        clear(run)
    _remove_if_empty(run)


def reported(folder: Path) -> set[str]:
    """The files an earlier report of evosim wrote in ``folder``: from the run's manifest for a run's
    ``report/``, else from the folder's :data:`REPORT_MARK`."""
    folder = Path(folder)
    if folder.name == REPORT and is_run(folder.parent):
        return {n.removeprefix(f"{REPORT}/") for n in manifest(folder.parent) if n.startswith(f"{REPORT}/")}
    mark = folder / REPORT_MARK
    return set(mark.read_text(encoding="utf-8", errors="replace").splitlines()) & set(REPORT_FILES) \
        if mark.is_file() else set()


def check_report_out(folder: Path, names=REPORT_FILES) -> None:
    """Refuse a report folder holding a file of one of ``names`` (a report's) that evosim did not write there."""
    folder = Path(folder)
    if not folder.is_dir():
        return
    ours = reported(folder)
    theirs = next((n for n in names if (folder / n).exists() and n not in ours), None)
    if theirs is not None:
        raise UserError(f"{folder / theirs}: --out holds a file evosim did not write; evosim never replaces it, "
                        "pick another --out")


def clear_report(folder: Path) -> None:
    """Remove the files an earlier report wrote (and nothing else), and the folder once it is empty."""
    if folder.is_dir():
        for name in reported(folder):
            (folder / name).unlink(missing_ok=True)
        _remove_if_empty(folder)


def record_report(folder: Path, names) -> None:
    """Note a report's files where :func:`reported` finds them: the run's manifest, or the folder's marker."""
    folder = Path(folder)
    if folder.name == REPORT and is_run(folder.parent):
        record(folder.parent, *(f"{REPORT}/{n}" for n in names))
    else:
        listed = sorted(reported(folder) | set(names))
        with atomic(folder / REPORT_MARK, encoding="utf-8") as f:
            f.write("".join(f"{n}\n" for n in listed))


def _remove(run: Path, names: list[str]) -> None:
    """Remove these manifest names from a run (a name ending in ``/``: the run inside it), what a killed
    write left of them, and the folders they emptied."""
    for name in names:
        path = run / name
        if name.endswith("/"):  # a run inside this one (a sweep's cell)
            clear(path)
            _remove_if_empty(path)
            continue
        for leftover in (path, draft_of(path)):
            if leftover.is_file():
                leftover.unlink()
    for folder in sorted({(run / n).parent for n in names} - {run}, key=lambda f: -len(f.parts)):
        _remove_if_empty(folder)


def _remove_if_empty(folder: Path) -> None:
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()


def remove_checkpoints(run: Path) -> None:
    """Drop a finished run's checkpoints (the manifest's): its tables and agents now hold everything."""
    listed = manifest(run)
    _remove(run, [n for n in listed if n.startswith(f"{CHECKPOINTS}/")])
    update_run_json(run, manifest=[n for n in listed if not n.startswith(f"{CHECKPOINTS}/")])


# -- run.json ---------------------------------------------------------------------------------

def write_run_json(out: Path, kind: str, settings: dict, world, seeds: list[int], status: str,
                   files: list[str] = (), command: str | None = None) -> None:
    """Record what makes the run: its study's kind, settings, the training world's text, seeds,
    versions, the command that made it (default: this process's ``evosim`` command line), status, and the
    files it will write that are known now (its checkpoints)."""
    doc = {"kind": kind, "settings": settings, "world_path": world.path, "world_name": world.name,
           "world_toml": world.text, "seeds": seeds, "versions": versions(),
           "command": command or " ".join(["evosim"] + sys.argv[1:]), "status": status, "manifest": sorted(files)}
    write_json(out / RUN_JSON, doc)


def write_json(path: Path, doc: dict) -> None:
    """Write a JSON document atomically."""
    with atomic(path) as f:
        f.write(json.dumps(doc, indent=2, sort_keys=True) + "\n")


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
    if now == RUNNING:
        raise UserError(f"{run}: the run is still running ({holder(run)}); wait for it to finish")
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
    return parse_world(raw, doc["world_path"], doc["world_toml"])


# -- tables -----------------------------------------------------------------------------------

def write_table(run: Path, name: str, rows: list[dict]) -> None:
    """Write ``RUN/NAME.csv`` (see :func:`write_csv`) and add it to the run's manifest."""
    if rows:
        check_own(run, f"{name}.csv")
        record(run, f"{name}.csv")
        write_csv(run / f"{name}.csv", rows)


def write_csv(path: Path, rows: list[dict]) -> None:
    """Write tidy rows at once; floats as their shortest round-trip repr, so output is byte-stable."""
    if not rows:
        return
    columns = list(dict.fromkeys(k for row in rows for k in row))
    with atomic(path, newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, restval="", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


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


def read_sweep(folder: str | Path) -> list[dict]:
    """The rows of a sweep folder's sweep.csv, checked to be the index evosim writes: an ``arm``, ``status``
    and ``run`` column, each run a ``cells/NAME`` inside the folder (a user's sweep.csv is not read as one)."""
    from evosim.runs.names import safe_name

    path = Path(folder) / SWEEP_CSV
    if not path.is_file():
        raise UserError(f"{folder}: not a sweep folder (no {SWEEP_CSV})")
    rows = read_csv(path)
    missing = [c for c in ("arm", "status", "run") if rows and c not in rows[0]]
    if not rows or missing:
        raise UserError(f"{path}: not the index evosim sweep writes (no rows, or no {', '.join(missing)} column)")
    for row in rows:
        cells, _, name = row["run"].partition("/")
        if cells != CELLS:
            raise UserError(f"{path}: run {row['run']!r} is not cells/NAME; evosim sweep writes its cells there")
        safe_name(name, f"{path}: run")
    return rows


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
    """Write the agents' parameters (``agents.npz``) and who made them (``agents.json``); both join the manifest."""
    record(out, AGENTS_NPZ, AGENTS_JSON)
    with atomic(out / AGENTS_NPZ, "wb") as f:
        np.savez(f, params=agents.params, seed=agents.seed, agent=agents.agent)
    write_json(out / AGENTS_JSON, {"optimizer": agents.optimizer, "mind": agents.mind,
                                   "mind_options": agents.mind_options,
                                   "n_agents": int(len(agents.params)),
                                   "n_params": int(agents.params.shape[1])})


def load_agents(run: str | Path) -> SavedAgents:
    """The saved agents of a complete run, checked against their description (finite, right shape)."""
    run = Path(run)
    require_complete(run)
    if not (run / AGENTS_NPZ).exists() or not (run / AGENTS_JSON).exists():
        raise UserError(f"{run}: holds no saved agents ({AGENTS_NPZ} + {AGENTS_JSON}); "
                        "run 'evosim evolve' or 'evosim train' with --out first")
    agents, _ = _load_params(run / AGENTS_NPZ, run / AGENTS_JSON)
    return agents


def load_snapshots(run: str | Path) -> tuple[SavedAgents, np.ndarray]:
    """The agents a complete run kept at every snapshot step (``snapshots.npz``, written for minds that keep
    snapshots), and the step of each."""
    run = Path(run)
    require_complete(run)
    if not (run / SNAPSHOTS_NPZ).exists():
        raise UserError(f"{run}: holds no {SNAPSHOTS_NPZ}; only training runs of a mind that keeps snapshots "
                        "(neural) write one")
    return _load_params(run / SNAPSHOTS_NPZ, run / AGENTS_JSON, "step")


def _load_params(npz: Path, meta_path: Path, *extra: str) -> tuple[SavedAgents, np.ndarray | None]:
    """Parameter vectors (``npz``: params, seed, agent and the ``extra`` per-row array) of the mind that
    ``meta_path`` (agents.json) describes, checked: finite, the mind's shape, one seed and agent per row."""
    from evosim.minds import MINDS, check_options

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
        mind = MINDS[mind_name](**check_options(mind_name, options, f"{meta_path}: mind_options"))
    except TypeError as e:
        raise UserError(f"{meta_path}: mind_options do not fit mind {mind_name!r}: {e}") from None
    try:
        with np.load(npz, allow_pickle=False) as z:
            params, seed, agent = z["params"], z["seed"], z["agent"]
            rows = [z[name] for name in extra]
    except (ValueError, KeyError, OSError, EOFError) as e:
        raise UserError(f"{npz}: unreadable saved agents: {e}") from None
    except Exception as e:  # a cut zip file raises zipfile.BadZipFile
        raise UserError(f"{npz}: unreadable saved agents: {type(e).__name__}: {e}") from None
    if params.ndim != 2 or params.shape[1] != mind.n_params or params.dtype.kind != "f":
        raise UserError(f"{npz}: params has shape {params.shape} and dtype {params.dtype}, "
                        f"mind {mind_name} needs floats of shape (n, {mind.n_params})")
    if any(a.shape != (len(params),) for a in [seed, agent] + rows) or len(params) == 0:
        raise UserError(f"{npz}: {', '.join(['seed', 'agent', *extra])} must be one per agent "
                        f"({len(params)}), and there must be at least one")
    if not np.isfinite(params).all():
        raise UserError(f"{npz}: params holds NaN or infinite values; these agents cannot act")
    agents = SavedAgents(optimizer_name(optimizer), mind_name, dict(options), params, seed, agent)
    return agents, (rows[0] if rows else None)


def write_training(out: Path, logs: list, mind) -> None:
    """Write the tables and final agents of a finished training run (one TrainingLog per seed)."""
    write_table(out, "generations", [row for log in logs for row in log.generations])
    for table in dict.fromkeys(t for log in logs for t in log.tables):
        write_table(out, table, [row for log in logs for row in log.tables.get(table, [])])
    params = np.concatenate([log.final_params for log in logs])
    seed = np.concatenate([np.full(len(log.final_params), log.seed) for log in logs])
    agent = np.concatenate([np.arange(len(log.final_params)) for log in logs])
    save_agents(out, SavedAgents(logs[0].optimizer, mind.name, mind.options(), params, seed, agent))
    if logs[0].snapshots:
        save_snapshots(out, logs)


def save_snapshots(out: Path, logs: list) -> None:
    """Write every seed's snapshots (``snapshots.npz``: params, step, seed, agent; one row per agent and step)."""
    record(out, SNAPSHOTS_NPZ)
    kept = [(log.seed, step, a, p) for log in logs for step, params in zip(log.snapshot_steps, log.snapshots)
            for a, p in enumerate(params)]
    seed, step, agent, params = zip(*kept)
    with atomic(out / SNAPSHOTS_NPZ, "wb") as f:
        np.savez(f, params=np.stack(params), step=np.array(step), seed=np.array(seed), agent=np.array(agent))
