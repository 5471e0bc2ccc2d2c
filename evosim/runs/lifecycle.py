"""One lifecycle for every study: checked, locked, marked running, checkpointed, completed, resumed.

:func:`start` checks everything a user can get wrong (the output folder, the
study's own checks, the cluster) before any compute, clears an earlier run with
``--force`` (only the files its manifest names), writes ``run.json`` with the
study's ``kind`` and status ``running``, and executes the study under the run's
lock. A run that stops early (an error, Ctrl-C, or SIGKILL) is ``interrupted``, and
an error or Ctrl-C says so in one line naming ``evosim resume RUN``; :func:`resume`
rebuilds the study from ``run.json`` by its kind and executes it again, the study
continuing from its checkpoints, so the finished run is byte-identical to one never
interrupted.
"""
from __future__ import annotations

from pathlib import Path

from evosim.core.errors import UserError
from evosim.runs import files, rundir
from evosim.runs.cluster import ClusterSettings, connect


def start(study, out: Path, force: bool = False, cluster: ClusterSettings = ClusterSettings(),
          command: str | None = None):
    """Check, then execute ``study`` into ``out`` (a new folder, or an evosim run with ``force``); its result.

    A study that continues an identical earlier run (a sweep) executes again over it
    instead, keeping what that run finished. ``command`` is what run.json records as
    having made the run (default: this process's command line).
    """
    out = Path(out)
    if study.rerun_continues and not force and rundir.is_run(out) and same_study(study, out):
        return _continue(study, out, cluster)
    rundir.check_out(out, force)
    study.check(cluster)
    with rundir.locked(out), connect(cluster, always=study.always_cluster) as client:
        rundir.check_out(out, force)  # again, now that no other command can write it
        rundir.clear(out)
        rundir.write_run_json(out, study.kind, study.to_doc(), study.world, study.seeds,
                              rundir.RUNNING, [f"{rundir.CHECKPOINTS}/{n}" for n in study.checkpoint_names()],
                              command)
        return _execute(study, out, client)


def resume(run: Path, cluster: ClusterSettings = ClusterSettings(), study=None):
    """Continue an interrupted run from its checkpoints (``study``: the run's, already rebuilt with
    :func:`study_of`); None when it is already complete."""
    run = Path(run)
    study = study_of(run) if study is None else study
    if rundir.status(run) == rundir.COMPLETE:
        return None
    return _continue(study, run, cluster)


def _continue(study, run: Path, cluster: ClusterSettings):
    """Execute ``study`` again over its run, from the checkpoints and files it left."""
    study.check(cluster)
    with rundir.locked(run), connect(cluster, always=study.always_cluster) as client:
        rundir.update_run_json(run, status=rundir.RUNNING)
        return _execute(study, run, client)


def study_of(run: Path):
    """The study a run directory was started with, rebuilt from its run.json by its ``kind``."""
    from evosim.studies import study_class

    doc = rundir.load_run(run)
    cls = study_class(doc, run / rundir.RUN_JSON)
    try:
        return cls.from_run(doc, rundir.training_world(run))
    except (TypeError, KeyError, ValueError) as e:
        raise UserError(f"{run / rundir.RUN_JSON}: settings do not describe a {cls.kind} run: "
                        f"{type(e).__name__}: {e}") from None
    except UserError as e:
        raise UserError(f"{run / rundir.RUN_JSON}: {e}") from None


def same_study(study, run: Path) -> bool:
    """Whether ``run`` was started with exactly this study (kind and settings)."""
    doc = rundir.load_run(run)
    return doc.get("kind") == study.kind and doc["settings"] == study.to_doc()


def _execute(study, run: Path, client):
    """Execute the study (its checkpoints kept while it runs), then mark the run complete.

    On any failure the run is marked interrupted and its checkpoints stay for ``evosim resume``.
    """
    checkpoints = run / rundir.CHECKPOINTS
    try:
        if study.checkpoint_names():
            checkpoints.mkdir(exist_ok=True)
        result = study.execute(run, client)
    except BaseException as e:
        _mark_interrupted(run)
        if isinstance(e, OSError) and e.errno in files.FULL:  # a write not through files.atomic (a library's)
            e = files.failure(e.filename or run, e)
        if isinstance(e, (UserError, KeyboardInterrupt)) and not hasattr(e, "run"):  # not yet told of the run
            kept = ("" if not study.checkpoint_names() else
                    f", its last good checkpoint kept in {checkpoints}" if any(checkpoints.glob("*.npz"))
                    else ", before its first checkpoint")
            cause = "interrupted (Ctrl-C)" if isinstance(e, KeyboardInterrupt) else str(e)
            told = type(e)(f"{cause}; the run is interrupted{kept}; 'evosim resume {run}' continues it")
            told.run = run
            raise told from None
        raise
    rundir.update_run_json(run, status=rundir.COMPLETE)
    rundir.remove_checkpoints(run)
    return result


def _mark_interrupted(run: Path) -> None:
    """Mark the run interrupted, if run.json can be rewritten: on a full disk it stays ``running``, which once
    the lock is released reads as interrupted too (:func:`rundir.status`), so ``evosim resume`` continues it."""
    try:
        rundir.update_run_json(run, status=rundir.INTERRUPTED)
    except UserError:
        pass
