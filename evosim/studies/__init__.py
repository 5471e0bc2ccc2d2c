"""Studies: a registry of the kinds of run (see :mod:`evosim.studies.base`), keyed by run.json's ``kind``.

Every module of this package is imported with it, so a new study is one module
here whose class is decorated with :func:`register_study`; a study defined
elsewhere registers the same way before the command that uses it runs.
"""
from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from evosim.core.errors import UserError
from evosim.studies.base import Study

STUDIES: dict[str, type[Study]] = {}
#: The kind of a run.json written before runs recorded their kind.
UNRECORDED = "maze-training"


def register_study(cls: type[Study]) -> type[Study]:
    """Class decorator: make ``cls`` the study of run.json ``kind = cls.kind``."""
    STUDIES[cls.kind] = cls
    return cls


def study_class(doc: dict, where: Path) -> type[Study]:
    """The study class of a run.json document (``where`` names it in errors)."""
    kind = doc.get("kind", "ecology" if isinstance(doc["settings"].get("ecology"), dict) else UNRECORDED)
    if not isinstance(kind, str) or kind not in STUDIES:
        raise UserError(f"{where}: kind {kind!r} is not one of: {', '.join(STUDIES)}")
    return STUDIES[kind]


def kind_of(run: str | Path) -> str:
    """The study kind of a run directory (a sweep folder written before sweeps had a run.json: "sweep")."""
    from evosim.runs import rundir

    if not (Path(run) / rundir.RUN_JSON).exists() and (Path(run) / rundir.SWEEP_CSV).is_file():
        return "sweep"
    return study_class(rundir.load_run(run), Path(run) / rundir.RUN_JSON).kind


for _module in pkgutil.iter_modules(__path__):
    if _module.name != "base":
        importlib.import_module(f"{__name__}.{_module.name}")
