"""``evosim watch``: arguments, input checks, then the window.

Everything a user can get wrong (world file, run directories, output paths, the
settings) is checked before pygame starts, and reported as a one-line
:class:`UserError`. This module imports pygame only once a window is asked for,
so building the CLI parser stays cheap.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from evosim.core import limits
from evosim.core.errors import UserError
from evosim.core.settings import Settings, add_flags, from_flags, given, setting
from evosim.runs.memory import require_memory
from evosim.runs.rundir import check_writable
from evosim.worlds import load_world
from evosim.worlds.deception import DeceptionWorld
from evosim.worlds.deception.game import STRATEGIES
from evosim.worlds.deception.play import DeceptionPlay
from evosim.worlds.savanna import SavannaWorld
from evosim.training.savanna_species import new_ecology
from evosim.viewer.preview import summary
from evosim.viewer.recording import (FOLDER, GIF_MAX_FPS, Recording, Video, check_recording, check_screenshot,
                                     check_video, recording_kind)
from evosim.viewer.scene import Scene, hand_set_teams, run_teams

SAVANNA_SPEED = 60.0  # ticks per second unless --speed says otherwise

MIN_SIZE = (640, 480)
DURATION, VIDEO_FPS = 10.0, 20  # a GIF's or MP4's seconds and frames per second, unless the flags say otherwise
CANDIDATES = 40  # mazes --disagreements-first previews, unless --candidates says otherwise
GIF_FRAME_BYTES = 4  # per pixel: a GIF holds its frames until it is written (RGB, and Pillow's palette copy)


@dataclass(frozen=True)
class WatchSettings(Settings):
    """Settings of ``evosim watch``."""

    agents: int = setting(2, "agents shown per run: its first N saved agents", least=1)
    seed: int = setting(0, "seed of the mazes and moves", least=0)
    speed: float = setting(10.0, "steps per second (savanna: ticks per second, default 60); + and - double and "
                                 "halve it", above=0.0)
    size: str = setting("1000x700", f"window size WIDTHxHEIGHT, at least {MIN_SIZE[0]}x{MIN_SIZE[1]}")
    frames: int | None = setting(None, "scripted mode: quit after N frames (60 frames = 1 s of simulated "
                                       "time)", least=1)
    screenshot: Path | None = setting(None, "save the last frame as PNG to this path when the viewer ends")
    record: Path | None = setting(None, "record to FILE.gif or FILE.mp4 (--duration seconds at --fps, without a "
                                        "window; a new file), or save every K-th frame (--every) as "
                                        "DIR/frame_NNNNNN.png")
    duration: float | None = setting(None, f"with --record FILE.gif or FILE.mp4: seconds recorded (default "
                                           f"{DURATION:g})", above=0.0, most=3600.0)
    fps: int | None = setting(None, f"with --record FILE.gif or FILE.mp4: frames per second, each showing 1/FPS s "
                                    f"of the scene (default {VIDEO_FPS}; a GIF at most {GIF_MAX_FPS})",
                              least=1, most=60)
    every: int = setting(1, "with --record DIR: save every K-th frame", least=1)
    disagreements_first: bool = setting(False, "maze worlds: preview --candidates mazes of the watched world and "
                                               "show first the decisive ones where the agents disagree (some "
                                               "aligned, some misgeneralized), then those where none is aligned")
    candidates: int | None = setting(None, f"with --disagreements-first: mazes previewed (default {CANDIDATES})",
                                     least=1, most=limits.MAZES)
    screenshot_dir: Path = setting(Path("."), "folder for screenshots taken with the F key")
    fps_report: bool = setting(False, "print the measured drawing frame rate when the viewer ends")

    @property
    def window(self) -> tuple[int, int]:
        """The window size in pixels."""
        w, h = self.size.lower().split("x")
        return int(w), int(h)

    def check(self) -> None:
        try:
            w, h = self.window
        except ValueError:
            self.fail("size", "is not WIDTHxHEIGHT, e.g. 1000x700")
        if w < MIN_SIZE[0] or h < MIN_SIZE[1]:
            self.fail("size", f"is smaller than {MIN_SIZE[0]}x{MIN_SIZE[1]}")
        check_writable(self.screenshot_dir, "--screenshot-dir")
        if self.video:
            self.check_video()
        else:
            for name in ("duration", "fps"):
                if getattr(self, name) is not None:
                    self.fail(name, "applies only with --record FILE.gif or FILE.mp4")
            if self.record is not None:
                check_recording(self.record)
        if self.candidates is not None and not self.disagreements_first:
            self.fail("candidates", "applies only with --disagreements-first")
        if self.screenshot is not None:
            check_screenshot(self.screenshot)

    def check_video(self) -> None:
        """A GIF's or MP4's flags: its length in seconds (not frames), a frame rate the format plays, a size
        H.264 encodes, and room for a GIF's frames."""
        if self.frames is not None:
            self.fail("frames", "does not apply to a GIF or MP4 recording: it lasts --duration seconds")
        if self.every != 1:
            self.fail("every", "applies to --record DIR (PNG frames), not to a GIF or MP4 (see --fps)")
        kind = recording_kind(self.record)
        if kind == ".gif" and self.video_fps > GIF_MAX_FPS:
            self.fail("fps", f"is above {GIF_MAX_FPS}: a GIF's frame times are hundredths of a second, and "
                             "viewers slow down shorter ones")
        w, h = self.window
        if kind == ".mp4" and (w % 2 or h % 2):
            self.fail("size", "has an odd side; an MP4 (H.264, yuv420p) needs an even width and height")
        if self.video_frames < 1:
            self.fail("duration", f"is shorter than one frame at {self.video_fps} frames per second")
        check_video(self.record)
        if kind == ".gif":
            require_memory(self.video_frames * w * h * GIF_FRAME_BYTES,
                           f"--record {self.record.name} with --duration {self.video_duration:g} --fps "
                           f"{self.video_fps} at --size {w}x{h}", "holds every frame until the GIF is written")

    @property
    def video(self) -> bool:
        """Whether --record names a GIF or MP4 (a refused suffix is a UserError)."""
        return self.record is not None and recording_kind(self.record) != FOLDER

    @property
    def video_duration(self) -> float:
        return DURATION if self.duration is None else self.duration

    @property
    def video_fps(self) -> int:
        return VIDEO_FPS if self.fps is None else self.fps

    @property
    def previewed(self) -> int:
        """Mazes previewed to show disagreements first: none without --disagreements-first."""
        return (CANDIDATES if self.candidates is None else self.candidates) if self.disagreements_first else 0

    @property
    def video_frames(self) -> int:
        """Frames a GIF or MP4 recording draws: its seconds times its frames per second."""
        return round(self.video_duration * self.video_fps)


def add_watch_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``evosim watch``: the world, the runs, and every setting as a flag."""
    parser.add_argument("world", help="world file to watch, e.g. worlds/maze_deploy.toml")
    parser.add_argument("--run", dest="runs", action="append", default=[], metavar="DIR",
                        help="run directory whose agents to show (repeatable); "
                             "without any, hand-set planners are shown")
    add_flags(parser, WatchSettings)


@dataclass(frozen=True)
class View:
    """How ``evosim watch`` shows one world kind: what a scene of it is, and the board that draws it."""

    scene: Callable  # (world, settings, runs) -> the scene, checked before pygame starts
    board: str  # "module:Class" of its viewer, imported once a window opens
    speed: float | None  # its default --speed, when not the maze's
    counted: Callable  # scene -> what the fps report counts, e.g. "12 agents"
    shown: Callable  # scene -> how far it got, e.g. "mazes 1-3 of maze-deploy", for the recording's line


def _maze_scene(world, settings: WatchSettings, runs: list):
    teams = run_teams(runs, settings.agents) if runs else hand_set_teams()
    return Scene(teams, world, teams[0].training, settings.seed, settings.previewed)


def _no_runs(make, shows: str) -> Callable:
    """A scene builder for a world that shows its own play (``shows``), never a run's agents."""
    def scene(world, settings: WatchSettings, runs: list):
        if runs:
            raise UserError(f"--run: {world.path} is a {world.kind} world; it shows {shows}, not a run's agents")
        if settings.disagreements_first:
            raise UserError(f"--disagreements-first: {world.path} is a {world.kind} world; it shows {shows}, "
                            "in no mazes to order")
        return make(world, settings.seed)
    return scene


def _mazes(scene) -> str:
    return f"maze{'s 1-' if scene.maze_number > 1 else ' '}{scene.maze_number}"


#: The viewer of each world kind.
VIEWS = {
    "maze": View(_maze_scene, "evosim.viewer.window:Viewer", None, lambda s: f"{s.n_agents} agents", _mazes),
    DeceptionWorld.kind: View(_no_runs(DeceptionPlay, "the game's three strategies"),
                              "evosim.viewer.deception_board:DeceptionViewer", None,
                              lambda s: f"{len(STRATEGIES)} strategies",
                              lambda s: f"episode {s.episode + 1} of {s.game.episodes}"),
    SavannaWorld.kind: View(_no_runs(new_ecology, "its own ecology"), "evosim.viewer.savanna_board:SavannaViewer",
                            SAVANNA_SPEED, lambda s: f"{s.n} creatures", lambda s: f"ticks 0-{s.tick:,}"),
}


def build_scene(args: argparse.Namespace):
    """The scene the arguments ask for; every input problem raises UserError.

    A maze world shows the runs' agents (S switches to the first run's training
    world: all runs of one comparison share it), the mazes where they disagree first
    if asked; a deception world plays the game; a savanna world runs its ecology
    (training its trained species first).
    """
    settings = from_flags(WatchSettings, args)
    watched = load_world(args.world, tuple(VIEWS))
    return VIEWS[watched.kind].scene(watched, settings, args.runs)


def has_display() -> bool:
    """Whether a window would be seen: SDL has a real video driver and, on Linux, an X11 or Wayland display."""
    if os.environ.get("SDL_VIDEODRIVER", "").lower() in ("dummy", "offscreen"):
        return False
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


@contextmanager
def headless(on: bool):
    """SDL without a window while the block runs (a GIF or MP4 is recorded unseen), as it was afterwards."""
    before = os.environ.get("SDL_VIDEODRIVER")
    if on:
        os.environ["SDL_VIDEODRIVER"] = "dummy"
    try:
        yield
    finally:
        if on and before is None:
            del os.environ["SDL_VIDEODRIVER"]
        elif on:
            os.environ["SDL_VIDEODRIVER"] = before


def megabytes(path: Path) -> str:
    return f"{path.stat().st_size / 1e6:.1f} MB"


def watch_command(args: argparse.Namespace) -> None:
    """Open the viewer as the arguments say; returns when it is closed, the frames are shown or the recording
    is written (one line saying where, and how many frames)."""
    settings = from_flags(WatchSettings, args)
    scene = build_scene(args)
    view = VIEWS[scene.world.kind]
    if settings.disagreements_first:
        print(summary(scene.previews, scene.watched.name))
    if settings.frames is None and not settings.video and not has_display():
        raise UserError("no display to open a window on (SDL_VIDEODRIVER is dummy or offscreen, or neither "
                        "DISPLAY nor WAYLAND_DISPLAY is set); pass --record FILE.gif or FILE.mp4, or --frames N "
                        "with --screenshot or --record DIR, for a run without a window")

    import pygame

    from evosim.viewer.controls import save_png
    from evosim.viewer.window import FRAME_DT, open_window, rgb, run_loop

    w, h = settings.window
    with ExitStack() as stack:
        stack.enter_context(headless(settings.video))
        stack.callback(pygame.quit)
        screen = open_window(settings.window, f"evosim watch - {scene.world.name}")
        module, name = view.board.split(":")
        board = getattr(importlib.import_module(module), name)
        speed = view.speed if view.speed is not None and "speed" not in given(args, WatchSettings) else settings.speed
        viewer = board(scene, screen, speed, settings.screenshot_dir)
        if settings.video:
            video = stack.enter_context(Video(settings.record, settings.video_fps))
            result = run_loop(viewer, settings.video_frames, lambda surface, _: video.add(rgb(surface)),
                              dt=1.0 / settings.video_fps)
        elif settings.record is not None:
            folder = Recording(settings.record)
            result = run_loop(viewer, settings.frames, lambda surface, shown: save_png(surface, folder.frame(shown)),
                              settings.every, FRAME_DT)
        else:
            result = run_loop(viewer, settings.frames)
        if settings.screenshot is not None:
            viewer.screenshot(settings.screenshot)
    if settings.video:
        stored = video.stored()
        kept = "" if stored == video.frames else (f"; the GIF stores {stored} of them, a frame like the one before "
                                                  "lengthening that one")
        print(f"recorded {video.frames} frames ({settings.video_duration:g} s at {settings.video_fps} fps, {w}x{h}, "
              f"{view.shown(scene)}) to {settings.record}, {megabytes(settings.record)}{kept}")
    elif settings.record is not None:
        print(f"recorded {result.kept} frames (every {settings.every} of {result.frames}, {w}x{h}, "
              f"{view.shown(scene)}) as PNG files in {settings.record}")
    if settings.fps_report:
        print(f"drawing: {result.fps:.0f} fps over {result.frames} frames at {w}x{h} with {view.counted(scene)}")
