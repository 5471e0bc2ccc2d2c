"""A bench figure as a record, and the JSON file of figures that ``evosim bench --save`` writes and
``--compare`` reads.

A record says what was measured (a stable ``key`` such as ``steps/maze-train/planner``),
its ``value`` and ``unit``, which way is better, what its timed region holds
(``times``), and how loaded the machine was while it ran. The file adds the machine,
the load at the start and the end, the settings and the evosim that measured; its
``format`` says it is evosim's, and only such a file is replaced by a later ``--save``.
"""
from __future__ import annotations

import json
import math
import sys
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from evosim.core.errors import UserError
from evosim.runs.rundir import check_file_out, versions, write_json

#: The ``format`` of a figures file, and the version of its layout.
FORMAT, VERSION = "evosim bench figures", 1
#: Which way a figure is better: a rate higher, a time or a size lower.
HIGHER, LOWER = "higher", "lower"


@dataclass(frozen=True)
class Figure:
    """One measured figure of the bench."""

    key: str  # stable across versions, e.g. steps/maze-train/planner
    value: float
    unit: str  # e.g. agent-steps/s, s/generation, MiB
    times: str  # what the timed region holds, e.g. "run() of 1,000 planner agents x 8 maze-train mazes, ..."
    better: str = HIGHER
    load: float | None = None  # the 1-minute load average: the higher of the readings before and after it
    others_cpu: float | None = None  # the share of the machine's CPU other processes used while it was measured


def evosim_itself() -> dict:
    """Which evosim measures: its version and the folder it is imported from."""
    import evosim
    return {"version": evosim.__version__, "path": str(Path(evosim.__file__).resolve().parent)}


def check_save(path: str | Path) -> Path:
    """Refuse a --save file that cannot be written, or that exists and is no figures file evosim saved."""
    path = check_file_out(path, "--save")
    if path.exists():
        try:
            read_figures(path)
        except UserError:
            raise UserError(f"{path}: --save names a file evosim did not write (no figures file of evosim bench); "
                            "evosim replaces only a file its bench saved, pick another name") from None
    return path


def write_figures(path: Path, figures: list[Figure], settings: dict, machine: dict, start: dict, end: dict) -> None:
    """Write the figures with the machine, the load at the start and the end, the settings and the evosim."""
    write_json(path, {"format": FORMAT, "version": VERSION, "evosim": evosim_itself(), "versions": versions(),
                      "command": " ".join(["evosim"] + sys.argv[1:]), "settings": settings, "machine": machine,
                      "start": start, "end": end, "figures": [asdict(f) for f in figures]})


def is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def read_figures(path: str | Path) -> dict:
    """A figures file evosim bench saved: its document, with ``figures`` as :class:`Figure` records; anything
    else is a UserError naming the file and what is wrong."""
    path = Path(path)
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"))
    except (ValueError, OSError) as e:
        raise UserError(f"{path}: not a figures file of evosim bench: {e}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("figures"), list):
        raise UserError(f"{path}: not a figures file of evosim bench (no format {FORMAT!r} with a list of figures)")
    known = {f.name for f in fields(Figure)}
    records = []
    for i, raw in enumerate(doc["figures"]):
        ok = (isinstance(raw, dict) and all(isinstance(raw.get(k), str) for k in ("key", "unit", "times"))
              and raw.get("better", HIGHER) in (HIGHER, LOWER) and is_number(raw.get("value"))
              and math.isfinite(raw["value"]) and all(raw.get(k) is None or is_number(raw[k])
                                                      for k in ("load", "others_cpu")))
        if not ok:
            raise UserError(f"{path}: figure {i + 1} is not a record of evosim bench (a key, a finite value, a unit, "
                            "what it times)")
        records.append(Figure(**{k: v for k, v in raw.items() if k in known}))
    return doc | {"figures": records}


def matching(keys: list[str], only: str | None) -> list[str]:
    """The keys that ``only`` names, in order: each comma-separated item a key, or else the start of keys; all
    keys when ``only`` is None."""
    if only is None:
        return list(keys)
    picked = set()
    for item in (i.strip() for i in only.split(",")):
        picked |= set([k for k in keys if k == item] or [k for k in keys if item and k.startswith(item)])
    return [k for k in keys if k in picked]


def chosen(keys: list[str], only: str | None) -> list[str]:
    """The keys ``--only`` names (see :func:`matching`); an item naming none is a UserError listing the keys."""
    for item in (only or "").split(",") if only is not None else ():
        if not matching(keys, item):
            raise UserError(f"--only: {item.strip()!r} is no figure's key nor the start of one; the keys: "
                            f"{', '.join(keys)}")
    return matching(keys, only)
