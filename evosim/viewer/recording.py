"""Where and how ``watch --record`` and ``--screenshot PNG`` write: never over a file evosim did not write.

``--record FILE.gif`` or ``FILE.mp4`` records a video (imageio: Pillow for the GIF,
the ffmpeg that ships inside imageio-ffmpeg for the MP4), drafted beside its name and
renamed into place when it is complete, to a new file only. ``--record DIR`` saves PNG
frames into a new or empty folder, or into one evosim recorded into before: its
marker file lists every frame evosim saved there (each name added before the frame is
written), so a new recording removes exactly those frames and no other file. A
screenshot goes to a new file only. All are checked before the scene is built; this
module does not import pygame.
"""
from __future__ import annotations

import io
import re
from contextlib import ExitStack
from pathlib import Path

import numpy as np

from evosim.core.errors import UserError
from evosim.runs.files import atomic
from evosim.runs.rundir import check_file_out, check_writable

#: The video files ``--record`` writes, by suffix; anything else without a suffix is a folder of PNG frames.
VIDEOS = (".gif", ".mp4")
FOLDER = "folder"
GIF_MAX_FPS = 50  # a GIF's frame times are hundredths of a second, and viewers slow down shorter ones
MP4_QUALITY = 8  # imageio-ffmpeg's 0-10 scale: high enough that small text stays sharp
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


def recording_kind(path: Path) -> str:
    """What ``--record PATH`` records: ``.gif`` or ``.mp4`` by its suffix, else :data:`FOLDER` (PNG frames);
    a path with another suffix that is not a folder already is refused."""
    suffix = path.suffix.lower()
    if suffix in VIDEOS:
        return suffix
    if suffix and not path.is_dir():
        raise UserError(f"{path}: --record ends in {path.suffix}; record a .gif or .mp4 file, or PNG frames into "
                        "a folder (a name without a suffix)")
    return FOLDER


def check_video(path: Path) -> Path:
    """Refuse a GIF or MP4 that cannot be written, or that exists already (evosim never replaces it)."""
    path = check_file_out(path, "--record")
    if path.exists():
        raise UserError(f"{path}: --record already exists; evosim records only to a new file, pick another name")
    return path


class Video:
    """An open GIF or MP4 recording: frames (H, W, 3 uint8) appended as they are drawn, each shown 1/fps s; the
    file is drafted beside its name and renamed into place when the block ends (nothing is left by a failure)."""

    def __init__(self, path: Path, fps: int):
        self.path, self.fps = check_video(path), fps
        self.frames = 0

    def __enter__(self) -> "Video":
        import imageio.v3 as iio

        with ExitStack() as stack:
            out = stack.enter_context(atomic(self.path, "wb"))
            if self.path.suffix.lower() == ".gif":  # encoded in memory when it closes, then written to the draft
                encoded = io.BytesIO()
                stack.callback(lambda: out.write(encoded.getvalue()))
                gif = stack.enter_context(iio.imopen(encoded, "w", extension=".gif", plugin="pillow"))
                self.append = lambda frame: gif.write(frame, duration=1000 / self.fps, loop=0)
            else:
                mp4 = stack.enter_context(iio.imopen(out, "w", extension=".mp4", plugin="FFMPEG"))
                self.append = stack.enter_context(mp4.legacy_get_writer(
                    fps=self.fps, codec="libx264", quality=MP4_QUALITY, pixelformat="yuv420p", macro_block_size=1,
                    ffmpeg_log_level="error")).append_data
            self.open = stack.pop_all()
        return self

    def add(self, frame: np.ndarray) -> None:
        self.append(frame)
        self.frames += 1

    def __exit__(self, *error) -> bool:
        return bool(self.open.__exit__(*error))

    def stored(self) -> int:
        """Frames the written file holds: a GIF lengthens a frame instead of repeating it, an MP4 keeps them all."""
        import imageio.v3 as iio

        if self.path.suffix.lower() != ".gif":
            return self.frames
        return int(iio.improps(self.path, index=None, plugin="pillow").n_images)


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
