"""``evosim ecology WORLD --out DIR``: a savanna run, headless, with a progress bar, checkpoints and resume.

The run trains the trained species (seconds), then ticks the ecology, recording
the tidy tables of :mod:`evosim.worlds.savanna.logs` every ``--log-every`` ticks
and saving the whole state (creatures, food, counters, random streams, the rows
so far) to ``RUN/checkpoints/seed-N.npz`` every ``--checkpoint-every`` ticks.
``evosim resume RUN`` continues from the last checkpoint and writes the same
bytes as a run never interrupted.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from evosim.runs import checkpoint, rundir
from evosim.core.errors import UserError
from evosim.core.settings import Settings, setting
from evosim.worlds import load_world
from evosim.worlds.savanna import SavannaWorld
from evosim.worlds.savanna.simulation import Ecology
from evosim.worlds.savanna.logs import TABLES, EcologyLog
from evosim.worlds.savanna.world import SPECIES

COMMAND = "ecology"


@dataclass(frozen=True)
class EcologySettings(Settings):
    """Settings of ``evosim ecology``."""

    ticks: int = setting(20_000, "ticks to simulate", least=1)
    seed: int = setting(0, "seed of the arena, the creatures and the trained species", least=0)
    log_every: int = setting(50, "ticks between records of the tables", least=1)
    checkpoint_every: int = setting(1000, "ticks between checkpoints ('evosim resume RUN' continues from the last)",
                                    least=1)


def is_ecology_run(run: str | Path) -> bool:
    """Whether a run directory holds an ``evosim ecology`` run."""
    return isinstance(rundir.load_run(run)["settings"].get(COMMAND), dict)


def start(path: str, settings: EcologySettings, out: Path, force: bool) -> dict:
    """Check, then simulate into ``out`` (a new folder, or an evosim run with ``force``); the final rows."""
    world = load_world(path, (SavannaWorld.kind,))
    rundir.check_out(out, force)
    with rundir.locked(out):
        rundir.check_out(out, force)
        rundir.clear(out)
        rundir.write_run_json(out, {COMMAND: asdict(settings)}, world, [settings.seed], rundir.RUNNING)
        return _simulate(world, settings, out)


def resume(run: Path) -> dict | None:
    """Continue an interrupted ecology run from its checkpoint; None when it is already complete."""
    doc = rundir.load_run(run)
    try:
        settings = EcologySettings(**doc["settings"][COMMAND])
    except TypeError as e:
        raise UserError(f"{run / rundir.RUN_JSON}: settings do not describe an ecology run: {e}") from None
    world = rundir.training_world(run)
    if rundir.status(run) == rundir.COMPLETE:
        return None
    with rundir.locked(run):
        rundir.update_run_json(run, status=rundir.RUNNING)
        return _simulate(world, settings, run)


def _simulate(world, settings: EcologySettings, run: Path) -> dict:
    """Tick from the checkpoint (or tick 0) to the end; write the tables; mark the run complete."""
    from tqdm import tqdm

    path = run / rundir.CHECKPOINTS / f"seed-{settings.seed}.npz"
    try:
        path.parent.mkdir(exist_ok=True)
        ecology, log = _load(world, settings.seed, path) if path.exists() else _begin(world, settings.seed)
        with tqdm(total=settings.ticks, initial=ecology.tick, desc=f"savanna seed {settings.seed}", unit="tick",
                  disable=None) as bar:
            while ecology.tick < settings.ticks:
                ecology.step()
                bar.update()
                if ecology.tick % settings.log_every == 0 or ecology.tick == settings.ticks:
                    log.record(ecology)
                if ecology.tick % settings.checkpoint_every == 0 and ecology.tick < settings.ticks:
                    arrays, doc = ecology.state()
                    checkpoint.save(path, arrays, doc | {"tables": log.tables})
        for table in TABLES:
            rundir.write_csv(run / f"{table}.csv", log.tables[table])
    except BaseException as e:
        rundir.update_run_json(run, status=rundir.INTERRUPTED)
        if isinstance(e, UserError):
            raise UserError(f"{e}; the run is interrupted") from None
        raise
    rundir.update_run_json(run, status=rundir.COMPLETE)
    rundir.remove_checkpoints(run)
    return {s: [r for r in log.tables["population"] if r["species"] == s][-1] for s in SPECIES}


def _begin(world, seed: int) -> tuple[Ecology, EcologyLog]:
    ecology, log = Ecology(world, seed), EcologyLog()
    log.record(ecology)
    return ecology, log


def _load(world, seed: int, path: Path) -> tuple[Ecology, EcologyLog]:
    arrays, doc = checkpoint.load(path)
    try:
        return Ecology.restore(world, seed, arrays, doc), EcologyLog(doc["tables"])
    except (KeyError, TypeError, ValueError) as e:
        raise UserError(f"{path}: not a checkpoint of this ecology run: {type(e).__name__}: {e}") from None


def describe(settings: EcologySettings, final: dict, run: Path) -> str:
    """One line on a finished ecology run."""
    species = ", ".join(f"{s} {r['population']} (alignment {r['alignment']:.2f})" for s, r in final.items())
    return f"ecology: seed {settings.seed}, {settings.ticks:,} ticks; at the end {species}; run in {run}"
