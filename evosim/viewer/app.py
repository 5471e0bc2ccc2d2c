"""``evosim watch``: arguments, input checks, then the window.

Everything a user can get wrong (world file, run directories, output paths) is
checked before pygame starts, and reported as a one-line :class:`UserError`.
This module imports pygame only once a window is asked for, so building the CLI
parser stays cheap.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from ..config import load_world
from ..errors import UserError
from .scene import Scene, hand_set_teams, run_teams

MIN_SIZE = (640, 480)


def window_size(text: str) -> tuple[int, int]:
    """Parse WIDTHxHEIGHT, e.g. 1000x700."""
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT, e.g. 1000x700") from None
    if w < MIN_SIZE[0] or h < MIN_SIZE[1]:
        raise argparse.ArgumentTypeError(f"{text!r} is smaller than {MIN_SIZE[0]}x{MIN_SIZE[1]}")
    return w, h


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive integer")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number")
    return value


def add_watch_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``evosim watch``."""
    parser.add_argument("world", help="world file to watch, e.g. worlds/maze_deploy.toml")
    parser.add_argument("--run", dest="runs", action="append", default=[], metavar="DIR",
                        help="run directory whose agents to show (repeatable); "
                             "without any, hand-set planners are shown")
    parser.add_argument("--agents", type=positive_int, default=2, metavar="N",
                        help="agents shown per run: its first N saved agents (default 2)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the mazes and moves (default 0)")
    parser.add_argument("--speed", type=positive_float, default=10.0, metavar="STEPS",
                        help="steps per second; + and - double and halve it (default 10)")
    parser.add_argument("--size", type=window_size, default=(1000, 700), metavar="WxH",
                        help="window size (default 1000x700)")
    parser.add_argument("--frames", type=positive_int, metavar="N",
                        help="scripted mode: quit after N frames (60 frames = 1 s of simulated time)")
    parser.add_argument("--screenshot", type=Path, metavar="PATH",
                        help="save the last frame as PNG to PATH when the viewer ends")
    parser.add_argument("--record", type=Path, metavar="DIR",
                        help="save every K-th frame (see --every) as DIR/frame_NNNNNN.png")
    parser.add_argument("--every", type=positive_int, default=1, metavar="K",
                        help="with --record: save every K-th frame (default 1)")
    parser.add_argument("--screenshot-dir", type=Path, default=Path("."), metavar="DIR",
                        help="folder for screenshots taken with the F key (default: current folder)")
    parser.add_argument("--fps-report", action="store_true",
                        help="print the measured drawing frame rate when the viewer ends")


def build_scene(args: argparse.Namespace) -> Scene:
    """The scene the arguments ask for; every input problem raises UserError.

    S switches to the first run's training world (all runs of one comparison share it).
    """
    watched = load_world(args.world)
    teams = run_teams(args.runs, args.agents) if args.runs else hand_set_teams()
    return Scene(teams, watched, teams[0].training, args.seed)


def check_folder(path: Path, option: str) -> None:
    if path.exists() and not path.is_dir():
        raise UserError(f"{path}: {option} is a file, not a folder")


def watch_command(args: argparse.Namespace) -> None:
    """Open the viewer as the arguments say; returns when it is closed or the frames are shown."""
    scene = build_scene(args)
    check_folder(args.screenshot_dir, "--screenshot-dir")
    if args.screenshot is not None and args.screenshot.is_dir():
        raise UserError(f"{args.screenshot}: --screenshot is a folder, not a file")
    if args.record is not None:
        check_folder(args.record, "--record")
        args.record.mkdir(parents=True, exist_ok=True)

    import pygame

    from .window import Viewer, open_window, run_loop

    try:
        screen = open_window(args.size, f"evosim watch - {scene.world.name}")
        viewer = Viewer(scene, screen, args.speed, args.screenshot_dir)
        result = run_loop(viewer, args.frames, args.record, args.every)
        if args.screenshot is not None:
            viewer.screenshot(args.screenshot)
    finally:
        pygame.quit()
    if args.fps_report:
        w, h = args.size
        print(f"drawing: {result.fps:.0f} fps over {result.frames} frames at {w}x{h} "
              f"with {scene.n_agents} agents")
