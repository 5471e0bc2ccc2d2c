"""``evosim bench --compare REF``: this evosim's figures beside a reference's, as ratios, in one table.

REF is a figures file of ``--save`` (this evosim's figures are measured once and set
beside the file's), or a Python executable, or a virtual environment folder holding
``bin/python``, with another evosim installed. With a Python, the figures run in turn
in fresh subprocesses, ``python -m evosim bench --only KEY --save TMP`` with the same
settings: for each key this evosim and the reference alternate (and which goes first
alternates too) ``--rounds`` times, and the best of each side counts, so that both
sides of a ratio were measured minutes apart at most, under the same load.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from evosim.commands.figures import HIGHER, Figure, evosim_itself, matching, read_figures
from evosim.commands.machine import is_loaded
from evosim.core.errors import UserError
from evosim.core.settings import flag

EXPECTED = ("a figures file saved by 'evosim bench --save', a Python executable, or a virtual environment folder "
            "holding bin/python, with an evosim whose bench has --list, --only and --save")
#: A line of ``evosim bench --list``: a key (words joined by /) and its unit.
LISTED = re.compile(r"(\S+/\S+)\s+\S.*")


@dataclass(frozen=True)
class Side:
    """One side of a comparison: its figures by key, the evosim that measured them, its machine's cores, and the
    keys of the figures it has (measured or not)."""

    figures: dict[str, Figure]
    evosim: str
    cores: int | None
    keys: list[str]


def described(evosim: dict | None) -> str:
    """'evosim VERSION (FOLDER)' of a figures file's ``evosim`` entry."""
    evosim = evosim if isinstance(evosim, dict) else {}
    return f"evosim {evosim.get('version', '?')} ({evosim.get('path', '?')})"


def file_side(doc: dict) -> Side:
    """The side a figures file holds."""
    cores = (doc.get("machine") or {}).get("cores") if isinstance(doc.get("machine"), dict) else None
    figures = {f.key: f for f in doc["figures"]}
    return Side(figures, described(doc.get("evosim")),
                cores if isinstance(cores, int) and not isinstance(cores, bool) else None, list(figures))


def here(figures: list[Figure], keys: list[str], cores: int) -> Side:
    """This evosim's side, measured in this process."""
    return Side({f.key: f for f in figures}, described(evosim_itself()), cores, keys)


def reference(ref: str, rounds: int | None, settings: dict) -> "Side | Interleaved":
    """What ``--compare REF`` names: a figures file's side, or a reference Python to run figure by figure (checked
    to list its bench figures); anything else is one line naming REF and what was expected."""
    path = Path(ref)
    if path.is_dir():
        python = next((p for p in (path / "bin" / "python", path / "Scripts" / "python.exe") if p.is_file()), None)
        if python is None:
            raise UserError(f"{ref}: --compare is a folder without bin/python; it expects {EXPECTED}")
    elif path.is_file():
        try:
            doc = read_figures(path)
        except UserError:
            if not os.access(path, os.X_OK):
                raise UserError(f"{ref}: --compare is neither a figures file of evosim bench nor an executable; "
                                f"it expects {EXPECTED}") from None
            python = path
        else:
            if rounds is not None:
                raise UserError(f"{flag('rounds')}: applies to --compare with a Python executable or environment, "
                                f"not a figures file ({ref})")
            return file_side(doc)
    elif os.sep not in ref and shutil.which(ref):
        python = Path(shutil.which(ref))
    else:
        raise UserError(f"{ref}: --compare: no such file, folder or command; it expects {EXPECTED}")
    return Interleaved.of(ref, python, settings)


def argv(settings: dict) -> list[str]:
    """The command-line flags of bench settings."""
    out = []
    for name, value in settings.items():
        out += [flag(name) if value else "--no-" + name.replace("_", "-")] if isinstance(value, bool) else \
            [flag(name), str(value)]
    return out


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


@dataclass
class Interleaved:
    """A reference Python and this one, run figure by figure in turn in fresh subprocesses, from an empty folder
    (so that neither imports an evosim from the folder the bench was started in)."""

    ref: str
    python: Path
    settings: list[str]
    keys: list[str]  # the reference's figures

    @classmethod
    def of(cls, ref: str, python: Path, settings: dict) -> "Interleaved":
        """The reference, checked to run and to list its bench figures (with these settings) before anything runs."""
        flags = argv(settings)
        with tempfile.TemporaryDirectory(prefix="evosim-compare-") as folder:
            command = [str(python), "-m", "evosim", "bench", "--list", *flags]
            try:
                done = subprocess.run(command, cwd=folder, env=reference_env(), capture_output=True, text=True,
                                      stdin=subprocess.DEVNULL)
            except OSError as e:
                raise UserError(f"{ref}: --compare cannot run {python}: {e.strerror or e}; it expects {EXPECTED}") \
                    from None
        listed = [LISTED.fullmatch(line.strip()) for line in done.stdout.splitlines() if line.strip()]
        if done.returncode != 0 or not listed or not all(listed):
            why = f"exit {done.returncode}: {last_line(done.stderr)}" if done.returncode else "it listed no figures"
            raise UserError(f"{ref}: --compare: '{python} -m evosim bench --list' failed ({why}); "
                            f"it expects {EXPECTED}")
        return cls(ref, python, flags, [m[1] for m in listed])

    def run(self, keys: list[str], rounds: int, cores: int) -> tuple[Side, Side]:
        """Each of ``keys`` the reference has too, ``rounds`` times on each side in turn; the best of each side."""
        sides = {"this": (Path(sys.executable), this_env()), "reference": (self.python, reference_env())}
        best: dict[str, dict[str, Figure]] = {"this": {}, "reference": {}}
        evosims = {}
        with tempfile.TemporaryDirectory(prefix="evosim-compare-") as folder:
            for key in (k for k in keys if k in self.keys):
                seen = {"this": [], "reference": []}
                for r in range(rounds):
                    for side in ("this", "reference") if r % 2 == 0 else ("reference", "this"):
                        figure, evosims[side] = self.one(side, *sides[side], key, Path(folder))
                        seen[side].append(figure)
                for side, figures in seen.items():
                    pick = max if figures[0].better == HIGHER else min
                    best[side][key] = pick(figures, key=lambda f: f.value)
                print(f"{key}: this {', '.join(shown(f.value) for f in seen['this'])}; reference "
                      f"{', '.join(shown(f.value) for f in seen['reference'])} {seen['this'][0].unit}", flush=True)
        return (Side(best["this"], evosims.get("this", described(evosim_itself())), cores, keys),
                Side(best["reference"], evosims.get("reference", f"the evosim of {self.python}"), cores, self.keys))

    def one(self, side: str, python: Path, env: dict, key: str, folder: Path) -> tuple[Figure, str]:
        """One run of one figure on one side, in a fresh subprocess: the figure, and which evosim measured it."""
        out = folder / f"{side}.json"
        command = [str(python), "-m", "evosim", "bench", "--only", key, "--save", str(out), *self.settings]
        done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        who = "this evosim" if side == "this" else f"{self.ref}: the reference"
        if done.returncode != 0:
            raise UserError(f"{who}: 'bench --only {key}' failed (exit {done.returncode}): {last_line(done.stderr)}")
        doc = read_figures(out)
        figure = next((f for f in doc["figures"] if f.key == key), None)
        if figure is None:
            raise UserError(f"{who}: 'bench --only {key}' saved no figure {key}")
        return figure, described(doc.get("evosim"))


def this_env() -> dict:
    """The environment of this evosim's subprocesses: this evosim's folder first on the import path."""
    root = str(Path(evosim_itself()["path"]).parent)
    return os.environ | {"PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}


def reference_env() -> dict:
    """The environment of the reference's subprocesses: without this one's PYTHONPATH, so that it imports its own."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def shown(value: float) -> str:
    """A figure's value as the table shows it: whole numbers with thousands separators, small ones to 3 digits."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def ratio(this: Figure | None, reference: Figure | None) -> str:
    if this is None or reference is None or reference.value == 0:
        return "-"
    return f"{this.value / reference.value:.3f}"


def cell(side: Side, key: str) -> str:
    """A side's value of ``key``: the figure, 'missing' where the side has no such figure, 'not run' where it was
    not measured (the other side has none)."""
    figure = side.figures.get(key)
    return shown(figure.value) if figure else "missing" if key not in side.keys else "not run"


def table(this: Side, reference: Side, only: str | None = None) -> list[str]:
    """The comparison's lines: which evosims, then one row per figure (this, reference, this/reference, its unit
    and which way is better, LOADED where either side's figure was timed above its machine's cores) with what it
    times below it; the figures on one side only are named as such. The reference's figures are limited to those
    ``only`` (the --only choice) names."""
    theirs = [k for k in matching(reference.keys, only) if k not in this.keys]
    rows = this.keys + theirs
    width = max([len(k) for k in rows] + [6])
    lines = [f"this:      {this.evosim}", f"reference: {reference.evosim}"]
    if this.evosim == reference.evosim:
        lines.append("(the same evosim on both sides: the ratios show the machine's noise)")
    lines.append(f"{'figure':{width}s} {'this':>14s} {'reference':>14s} {'this/ref':>9s}  unit")
    for key in rows:
        mine, ref = this.figures.get(key), reference.figures.get(key)
        known = mine or ref
        loaded = any(f is not None and cores is not None and is_loaded(f.load, cores)
                     for f, cores in ((mine, this.cores), (ref, reference.cores)))
        unit = f"{known.unit} ({known.better} is better){'  LOADED' if loaded else ''}" if known else ""
        lines.append(f"{key:{width}s} {cell(this, key):>14s} {cell(reference, key):>14s} {ratio(mine, ref):>9s}  "
                     f"{unit}".rstrip())
        if mine and ref and mine.times != ref.times:
            lines += [f"    times here:      {mine.times}", f"    times reference: {ref.times}"]
        elif known:
            lines.append(f"    times: {known.times}")
    for side, missing in (("the reference", [k for k in this.keys if k not in reference.keys]),
                          ("this evosim", theirs)):
        if missing:
            lines.append(f"missing in {side}: {', '.join(missing)}")
    if any(line.endswith("LOADED") for line in lines):
        lines.append("LOADED: a side's figure was timed while the load average exceeded the machine's cores")
    return lines
