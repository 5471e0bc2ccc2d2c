"""A training run's life: checked, locked, marked running, checkpointed, completed, resumed.

``evosim evolve`` and ``evosim train`` describe a :class:`Job`; :func:`start`
checks everything a user can get wrong (the output folder, memory, the
scheduler) before any compute, then writes ``run.json`` with status ``running``
and trains with checkpoints in ``RUN/checkpoints/``. A run that stops early
(an error, Ctrl-C, or SIGKILL) is ``interrupted``; :func:`resume` rebuilds the job
from ``run.json`` and continues every seed from its last checkpoint, so the
finished run is byte-identical to one never interrupted.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from evosim.runs import rundir
from evosim.runs.cluster import ClusterSettings, connect
from evosim.core.errors import UserError
from evosim.minds import make_mind
from evosim.optimizers import OPTIMIZERS
from evosim.training.loop import TrainingLog, train_seeds

MEMORY_SHARE = 0.8  # of the memory available now, the most one step may need


@dataclass(frozen=True)
class Job:
    """What a training run does: the world (and its file's text), mind, optimizer, settings, seeds."""

    world: object
    world_toml: str
    mind: object
    algorithm: str
    settings: object  # the optimizer's settings
    seeds: list[int]
    checkpoint_every: int
    episodes_budget: int | None = None
    adversary: bool = False  # each seed's adversary supplies a share of its training mazes

    def __post_init__(self):
        spec = self.world.adversary
        if self.adversary and spec.mazes(self.settings.mazes) < 1:
            raise UserError(f"{self.world.path}: [adversary] share: {spec.share:g} of --mazes {self.settings.mazes} "
                            "training mazes per step is not one maze; raise the share or --mazes")

    @classmethod
    def new(cls, world, mind, algorithm: str, settings, seeds: list[int], checkpoint_every: int,
            episodes_budget: int | None = None, adversary: bool = False) -> "Job":
        """A job on a world loaded from its file (whose text run.json keeps)."""
        return cls(world, Path(world.path).read_bytes().decode("utf-8"), mind, algorithm, settings,
                   list(seeds), checkpoint_every, episodes_budget, adversary)

    @property
    def optimizer(self) -> type:
        return OPTIMIZERS[self.algorithm]

    def run_settings(self) -> dict:
        """The ``settings`` of run.json: everything :meth:`from_run` needs to make the job again."""
        doc = {self.algorithm: asdict(self.settings), "algorithm": self.algorithm,
               "optimizer": self.optimizer.label, "mind": self.mind.name, "mind_options": self.mind.options(),
               "checkpoint_every": self.checkpoint_every, "adversary": self.adversary}
        if self.episodes_budget is not None:
            doc["episodes_budget"] = self.episodes_budget
        return doc

    @classmethod
    def from_run(cls, run: Path) -> "Job":
        """The job a run directory was started with, from its run.json."""
        doc = rundir.load_run(run)
        where = run / rundir.RUN_JSON
        s = doc["settings"]
        algorithm = s.get("algorithm")
        if algorithm not in OPTIMIZERS or not isinstance(s.get(algorithm), dict):
            raise UserError(f"{where}: settings name no base optimizer this evosim can resume "
                            f"(algorithm {algorithm!r}; one of: {', '.join(OPTIMIZERS)})")
        world = rundir.training_world(run)
        try:
            settings = OPTIMIZERS[algorithm].Settings(**s[algorithm])
            mind = make_mind(s["mind"], **s.get("mind_options", {}))
            every = int(s["checkpoint_every"])
            adversary = s.get("adversary", False)
            if not isinstance(adversary, bool):
                raise ValueError(f"adversary is {adversary!r}, not true or false")
        except (TypeError, KeyError, ValueError) as e:
            raise UserError(f"{where}: settings do not describe a run: {type(e).__name__}: {e}") from None
        except UserError as e:
            raise UserError(f"{where}: {e}") from None
        return cls(world, doc["world_toml"], mind, algorithm, settings, doc["seeds"], every,
                   s.get("episodes_budget"), adversary)


def available_memory() -> int | None:
    """Bytes of memory available now (Linux), or None where this cannot be read."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def check_memory(job: Job, cluster: ClusterSettings) -> None:
    """Refuse a job whose steps would not fit in memory, naming the setting that sets their size."""
    available = available_memory()
    if available is None or cluster.scheduler is not None:
        return
    settings, one_seed = job.settings, job.optimizer.one_seed
    parallel = min(cluster.workers, len(job.seeds)) if one_seed else 1
    seeds_per_run = 1 if one_seed else len(job.seeds)
    episodes = settings.episodes_per_step(seeds_per_run)
    need = parallel * job.optimizer.step_memory(job.world, job.mind, settings, seeds_per_run)
    if need > MEMORY_SHARE * available:
        culprit = (f"--population: {settings.population}" if hasattr(settings, "population") else
                   f"--seeds {len(job.seeds)}, --mazes {settings.mazes}, --rollouts {settings.rollouts}:")
        raise UserError(f"{culprit} one {settings.step_name} runs {episodes:,} episodes at once"
                        f"{f' on each of {parallel} workers' if parallel > 1 else ''} and needs about "
                        f"{need / 2**30:.1f} GiB; {available / 2**30:.1f} GiB of memory is available")


def start(job: Job, out: Path, force: bool, cluster: ClusterSettings) -> list[TrainingLog]:
    """Check, then run the job into ``out`` (a new folder, or an evosim run with ``force``)."""
    rundir.check_out(out, force)
    check_memory(job, cluster)
    with connect(cluster) as client, rundir.locked(out):
        rundir.check_out(out, force)  # again, now that no other command can write it
        rundir.clear(out)
        rundir.write_run_json(out, job.run_settings(), job.world, job.world_toml, job.seeds, rundir.RUNNING)
        return _train(job, out, client)


def resume(run: Path, cluster: ClusterSettings) -> list[TrainingLog] | None:
    """Continue an interrupted run from its checkpoints; None when it is already complete."""
    job = Job.from_run(run)
    if rundir.status(run) == rundir.COMPLETE:
        return None
    check_memory(job, cluster)
    with connect(cluster) as client, rundir.locked(run):
        rundir.update_run_json(run, status=rundir.RUNNING)
        return _train(job, run, client)


def _train(job: Job, run: Path, client) -> list[TrainingLog]:
    """Train with checkpoints (held by the lock), write the tables and agents, and mark the run complete.

    On any failure the run is marked interrupted and its checkpoints stay for
    ``evosim resume``.
    """
    checkpoints = run / rundir.CHECKPOINTS
    try:
        checkpoints.mkdir(exist_ok=True)
        logs = train_seeds(job.world, job.mind.name, job.algorithm, job.settings, job.seeds, client,
                           checkpoints, job.checkpoint_every, job.adversary)
        rundir.write_training(run, logs, job.mind, job.world)
    except BaseException as e:
        rundir.update_run_json(run, status=rundir.INTERRUPTED)
        if isinstance(e, UserError):
            kept = (f"its last good checkpoint kept in {checkpoints}" if any(checkpoints.glob("seed*.npz"))
                    else "before its first checkpoint")
            raise UserError(f"{e}; the run is interrupted, {kept}") from None
        raise
    rundir.update_run_json(run, status=rundir.COMPLETE)
    rundir.remove_checkpoints(run)
    return logs


def describe(command: str, job: Job, logs: list[TrainingLog], run: Path) -> str:
    """One line on a finished run: what was trained, how far, and where it is."""
    rate = sum(log.generations[-1]["exit_rate"] for log in logs) / len(logs)
    return (f"{command} {job.mind.name} x {len(job.seeds)} seed(s) by {job.algorithm}"
            f"{' against an adversary' if job.adversary else ''}, "
            f"{logs[0].episodes:,} episodes each: final training exit rate {rate:.3f}; run in {run}")
