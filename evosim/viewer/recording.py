"""Where ``watch --record DIR`` and ``--screenshot PNG`` may write: never over a file evosim did not write.

A recording goes into a new or empty folder, or into one evosim recorded into
before: its marker file lists every frame evosim saved there (each name added
before the frame is written), so a new recording removes exactly those frames and
no other file. A screenshot goes to a new file only. Both are checked before the
scene is built; this module does not import pygame.
"""
from __future__ import annotations

import re
from pathlib import Path

from evosim.core.errors import UserError
from evosim.runs.rundir import check_file_out, check_writable

#: The marker of a folder evosim records into: the frames it saved there, one name a line.
MARKER = ".evosim-recording"
FRAME = re.compile(r"frame_\d{6}\.png")


def frame_name(shown: int) -> str:
    return f"frame_{shown:06d}.png"


def recorded(folder: Path) -> list[str]:
    """The frames the marker says evosim saved in ``folder`` (plain frame names only)."""
    lines = (folder / MARKER).read_text(encoding="utf-8", errors="replace").splitlines()
    return [name for name in lines if FRAME.fullmatch(name)]


def check_recording(folder: str | Path) -> Path:
    """Refuse a --record folder evosim may not write: not makeable or writable, or holding files that are
    not frames of an earlier evosim recording there."""
    folder = check_writable(folder, "--record")
    if not folder.exists() or not any(folder.iterdir()):
        return folder
    if not (folder / MARKER).is_file():
        raise UserError(f"{folder}: --record is a folder evosim did not record into (no {MARKER}); "
                        "evosim records only into a new or empty folder, or over one of its recordings")
    ours = set(recorded(folder))
    theirs = sorted(p.name for p in folder.iterdir() if FRAME.fullmatch(p.name) and p.name not in ours)
    if theirs:
        raise UserError(f"{folder}: --record holds {theirs[0]}, which evosim did not record; "
                        "pick another folder")
    return folder


def free_name(path: Path) -> Path:
    """``path``, or when a file holds that name, the first of ``NAME-2.png``, ``NAME-3.png``, … that is free:
    a key-press screenshot never replaces a file."""
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


def check_screenshot(path: str | Path) -> Path:
    """Refuse a --screenshot file that cannot be written, or that exists already (evosim never replaces it)."""
    path = check_file_out(path, "--screenshot")
    if path.exists():
        raise UserError(f"{path}: --screenshot already exists; evosim writes a screenshot only to a new file, "
                        "pick another name")
    return path


class Recording:
    """An open recording: the earlier recording's frames removed, each new frame listed before it is saved."""

    def __init__(self, folder: Path):
        self.folder = check_recording(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        if (self.folder / MARKER).exists():
            for name in recorded(self.folder):
                (self.folder / name).unlink(missing_ok=True)
        (self.folder / MARKER).write_text("")

    def frame(self, shown: int) -> Path:
        """The path of frame ``shown``, listed in the marker first so a later recording may replace it."""
        name = frame_name(shown)
        with open(self.folder / MARKER, "a", encoding="utf-8") as f:
            f.write(name + "\n")
        return self.folder / name
