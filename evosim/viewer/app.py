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
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from evosim.core.errors import UserError
from evosim.core.settings import Settings, add_flags, from_flags, given, setting
from evosim.runs.rundir import check_writable
from evosim.worlds import load_world
from evosim.worlds.deception import DeceptionWorld
from evosim.worlds.deception.game import STRATEGIES
from evosim.worlds.deception.play import DeceptionPlay
from evosim.worlds.savanna import SavannaWorld
from evosim.training.savanna_species import new_ecology
from evosim.viewer.recording import Recording, check_recording, check_screenshot
from evosim.viewer.scene import Scene, hand_set_teams, run_teams

SAVANNA_SPEED = 60.0  # ticks per second unless --speed says otherwise

MIN_SIZE = (640, 480)


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
    record: Path | None = setting(None, "save every K-th frame (see --every) as DIR/frame_NNNNNN.png")
    every: int = setting(1, "with --record: save every K-th frame", least=1)
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
        if self.record is not None:
            check_recording(self.record)
        if self.screenshot is not None:
            check_screenshot(self.screenshot)


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
    screenshots: bool = True  # its F key saves screenshots into --screenshot-dir


def _maze_scene(world, settings: WatchSettings, runs: list):
    teams = run_teams(runs, settings.agents) if runs else hand_set_teams()
    return Scene(teams, world, teams[0].training, settings.seed)


def _no_runs(make, shows: str) -> Callable:
    """A scene builder for a world that shows its own play (``shows``), never a run's agents."""
    def scene(world, settings: WatchSettings, runs: list):
        if runs:
            raise UserError(f"--run: {world.path} is a {world.kind} world; it shows {shows}, not a run's agents")
        return make(world, settings.seed)
    return scene


#: The viewer of each world kind.
VIEWS = {
    "maze": View(_maze_scene, "evosim.viewer.window:Viewer", None, lambda s: f"{s.n_agents} agents"),
    DeceptionWorld.kind: View(_no_runs(DeceptionPlay, "the game's three strategies"),
                              "evosim.viewer.deception_board:DeceptionViewer", None,
                              lambda s: f"{len(STRATEGIES)} strategies", screenshots=False),
    SavannaWorld.kind: View(_no_runs(new_ecology, "its own ecology"), "evosim.viewer.savanna_board:SavannaViewer",
                            SAVANNA_SPEED, lambda s: f"{s.n} creatures"),
}


def build_scene(args: argparse.Namespace):
    """The scene the arguments ask for; every input problem raises UserError.

    A maze world shows the runs' agents (S switches to the first run's training
    world: all runs of one comparison share it); a deception world plays the game;
    a savanna world runs its ecology (training its trained species first).
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


def watch_command(args: argparse.Namespace) -> None:
    """Open the viewer as the arguments say; returns when it is closed or the frames are shown."""
    settings = from_flags(WatchSettings, args)
    scene = build_scene(args)
    view = VIEWS[scene.world.kind]
    if settings.frames is None and not has_display():
        raise UserError("no display to open a window on (SDL_VIDEODRIVER is dummy or offscreen, or neither "
                        "DISPLAY nor WAYLAND_DISPLAY is set); pass --frames N, with --screenshot or --record, "
                        "for a scripted run")
    record = None if settings.record is None else Recording(settings.record)

    import pygame

    from evosim.viewer.window import open_window, run_loop

    try:
        screen = open_window(settings.window, f"evosim watch - {scene.world.name}")
        module, name = view.board.split(":")
        board = getattr(importlib.import_module(module), name)
        speed = view.speed if view.speed is not None and "speed" not in given(args, WatchSettings) else settings.speed
        viewer = board(scene, screen, speed, *([settings.screenshot_dir] if view.screenshots else []))
        result = run_loop(viewer, settings.frames, record, settings.every)
        if settings.screenshot is not None:
            viewer.screenshot(settings.screenshot)
    finally:
        pygame.quit()
    if settings.fps_report:
        w, h = settings.window
        print(f"drawing: {result.fps:.0f} fps over {result.frames} frames at {w}x{h} with {view.counted(scene)}")
