"""What a study is: one kind of run, which the one lifecycle (:mod:`evosim.runs.lifecycle`) runs.

A study is registered by its ``kind`` (the ``kind`` of run.json), and ``evosim
resume``, ``evosim report`` and ``--force`` find it there. It provides:

- ``kind`` and ``description`` (one line), ``world`` (its training world, with
  ``path``, ``name`` and the ``text`` run.json keeps) and ``seeds``;
- ``to_doc()`` (run.json's ``settings``) and ``from_run(doc, world)`` (the study
  again, from run.json and the world re-read from its text);
- ``check(cluster)``: what a user can get wrong, before any compute;
- ``checkpoint_names()``: the files it may save in ``RUN/checkpoints/``, known
  before it starts, so that the run's manifest names them;
- ``execute(run, client)``: the work, continued from its checkpoints, writing its
  tables with :func:`evosim.runs.rundir.write_table` (which adds them to the manifest);
- ``describe(result, run)``: one line on a finished run;
- ``report(run_dirs, out, fmt)``: its report (report.md and figures in format ``fmt``); ``None`` when the kind
  has none.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from evosim.runs.rundir import FIGURE_FORMATS


class Study:
    """Base of every study, with the defaults of the optional parts."""

    kind: ClassVar[str]
    description: ClassVar[str]
    always_cluster: ClassVar[bool] = False  # True: executes on Dask even with one local worker
    rerun_continues: ClassVar[bool] = False  # True: starting it again over an identical run resumes that run
    every_core: ClassVar[bool] = False  # True: without --workers or --scheduler, a local worker per core

    world: Any
    seeds: list[int]

    def to_doc(self) -> dict:
        raise NotImplementedError

    @classmethod
    def from_run(cls, doc: dict, world) -> "Study":
        """The study of a run.json ``doc`` (its ``settings`` and ``seeds``), on ``world``."""
        raise NotImplementedError

    def check(self, cluster) -> None:
        """Refuse, as a UserError, what cannot run (e.g. steps too large for memory)."""

    def checkpoint_names(self) -> list[str]:
        return []

    def execute(self, run: Path, client) -> Any:
        raise NotImplementedError

    def describe(self, result, run: Path) -> str:
        return f"{self.kind}: run in {run}"

    @classmethod
    def report(cls, run_dirs: list[Path], out: Path | None, fmt: str = FIGURE_FORMATS[0]) -> Path | None:
        """Write the report of runs of this kind, its figures in format ``fmt``; the path of its report.md (None:
        this kind has none)."""
        from evosim.analysis.report import REPORTS, write_report

        return write_report(run_dirs, out, cls.kind, fmt=fmt) if cls.kind in REPORTS else None
