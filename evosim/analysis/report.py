"""``evosim report``: report.md with the key numbers and the figures of one or more runs.

    evosim report RUN_DIR [RUN_DIR ...] [--out DIR] [--label NAME ...] [--format png|pdf|svg]

writes ``report.md`` and its figures into ``DIR`` (default: the first run's
``report/``), for print: PNGs at 300 dpi, or vector PDFs or SVGs. What a report
holds depends on the kind of run: each kind has its report module, whose
``write(run_dirs, draft, fmt)`` drafts it (a kind of :data:`LABELLED` also takes
each run's line name). The command lines of the
analysis/*.py scripts are here too.

pandas, seaborn and matplotlib are imported only when a report is written, so the
CLI can import this module cheaply.
"""
from __future__ import annotations

import argparse
import importlib
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from evosim.analysis.markdown import REPORT_MD
from evosim.core.errors import UserError
from evosim.core.settings import Settings, add_flags, from_flags, setting
from evosim.runs import rundir
from evosim.runs.files import failure

#: The report module of each kind of run.
REPORTS = {"maze-training": "evosim.analysis.training_report", "ecology": "evosim.analysis.ecology_report",
           "sweep": "evosim.analysis.sweep_report"}
#: The kinds whose report draws a line per group of runs, so takes ``--label`` (one line name per run).
LABELLED = ("maze-training",)


@dataclass(frozen=True)
class ReportSettings(Settings):
    """Settings of ``evosim report``."""

    out: Path | None = setting(None, "where report.md and the figures go",
                               shown="RUN_DIR/report of the first run, or FOLDER/report of a folder of runs")
    format: str = setting(rundir.FIGURE_FORMATS[0], "the figures' file format: PNG at 300 dpi, or vector PDF or "
                          "SVG; one of: " + ", ".join(rundir.FIGURE_FORMATS), choices=rundir.FIGURE_FORMATS)


def default_out(run_dirs) -> Path:
    """Where figures and the report go without --out: RUN_DIR/report of the first run (or folder) given."""
    return Path(run_dirs[0]) / rundir.REPORT


def write_report(run_dirs, out, kind: str, labels: list[str] | None = None,
                 fmt: str = rundir.FIGURE_FORMATS[0]) -> Path:
    """Write report.md and its figures in format ``fmt`` for ``run_dirs`` of ``kind`` (a key of REPORTS); the path
    of report.md.

    ``labels`` (a kind of LABELLED only) names each run's line, in order. Everything
    is written into a temporary folder beside ``out`` (None: the default) and moved
    in at the end, so a report that fails leaves ``out`` as it was.
    """
    if labels is not None and kind not in LABELLED:
        raise UserError(f"--label: a {kind} report has no lines to name; only {', '.join(LABELLED)} reports take "
                        "labels")
    if kind not in REPORTS:
        raise ValueError(f"no report for runs of kind {kind!r}; one of: {', '.join(REPORTS)}")
    draft_report = importlib.import_module(REPORTS[kind]).write
    run_dirs = [Path(d) for d in run_dirs]
    if not run_dirs:
        raise UserError("no run directory given")
    if labels is not None:
        from evosim.analysis.labels import check_labels
        check_labels(labels, len(run_dirs))
    missing = next((d for d in run_dirs if not d.is_dir()), None)
    if missing is not None:  # before anything is made beside it
        raise UserError(f"{missing}: no such run directory")
    out = Path(out) if out else default_out(run_dirs)
    rundir.check_writable(out, "--out")
    rundir.check_report_out(out, rundir.report_files([fmt]))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        draft = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    except OSError as e:
        raise failure(out, e) from None
    try:
        draft_report(run_dirs, draft, fmt, *([] if labels is None else [labels]))
        rundir.clear_report(out)
        out.mkdir(exist_ok=True)
        names = [path.name for path in draft.iterdir()]
        rundir.record_report(out, names)
        for name in names:
            (draft / name).replace(out / name)
    except OSError as e:  # a full disk while drafting: named as the file it was for
        raise failure(out / Path(e.filename).name if e.filename else out, e) from None
    except UserError as e:  # a figure's atomic write that failed in the draft, named likewise
        raise type(e)(str(e).replace(str(draft), str(out))) from None
    finally:
        shutil.rmtree(draft, ignore_errors=True)
    return out / REPORT_MD


def script_main(plot, doc: str, argv=None) -> int:
    """The command line of an analysis/*.py script: RUN_DIR [RUN_DIR ...] [--out DIR] [--format FORMAT];
    ``plot(runs, out, fmt=FORMAT)``."""
    parser = argparse.ArgumentParser(description=doc.strip().splitlines()[0])
    parser.add_argument("runs", nargs="+", metavar="RUN_DIR", help="run directories to compare")
    add_flags(parser, ReportSettings)
    args = parser.parse_args(argv)
    try:
        settings = from_flags(ReportSettings, args)
        out = settings.out or default_out(args.runs)
        figure = f"{plot.__name__.removeprefix('plot_')}.{settings.format}"
        rundir.check_writable(out, "--out")
        rundir.check_report_out(out, [figure])
        plot(args.runs, out, fmt=settings.format)
        rundir.record_report(out, [figure])
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(out / figure)
    return 0
