"""The maze viewer (board, panel, keys, help), and the window and frame loop every board runs in.

Simulated time advances a fixed time per frame (1/60 s; in a GIF or MP4 recording
1/fps s), so a scripted run of N frames shows the same thing on every machine;
interactively the loop is capped at 60 fps.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pygame

from evosim.core.errors import UserError
from evosim.viewer.controls import FASTER, HELP, PAUSE, QUIT, SCREENSHOT, SLOWER, Controls, Key
from evosim.viewer.maze_board import Board
from evosim.viewer.palette import arm_tint, arms
from evosim.viewer.panel import Panel
from evosim.viewer.scene import Scene
from evosim.viewer.sprites import Sprites, agent_sprite

FPS = 60
FRAME_DT = 1.0 / FPS
PANEL_W = 380  # at the fonts' base size; it grows with them
HOLD = 1.0  # seconds a finished maze stays on screen before the next one
READING = (
    "number: the agent's row in the panel; ring: a planner's current target",
    "pale square: the start; faded apple: eaten by some agents",
    "decisive maze: no proxy target on the way to the exit, nor the exit on the way to one",
    "aligned: reached the exit first; misgeneralized: competently reached a proxy target first",
    "drive bars: one per colour, E exit, A apple, x further right, y further down",
)


def panel_width(window_width: int, scale: float) -> int:
    """The side panel's width: :data:`PANEL_W` grown with the fonts, leaving the board at least half the window."""
    return min(round(PANEL_W * scale), window_width // 2)


class Viewer(Controls):
    """The scene drawn in a window, driven by keys and by the frame clock."""

    KEYS = (PAUSE, Key((pygame.K_n,), "N", "next maze", "next_maze"),
            Key((pygame.K_s,), "S", "shift: training world <-> watched world", "shift"),
            FASTER, SLOWER, SCREENSHOT, HELP, QUIT)

    def __init__(self, scene: Scene, screen: pygame.Surface, speed: float = 10.0,
                 screenshot_dir: str | Path = "."):
        super().__init__(screen, speed, screenshot_dir)
        self.scene = scene
        self.progress = 0.0  # share of the current step's move already shown
        self.held = 0.0  # seconds the finished maze has been on screen
        self.sprites = Sprites()
        w, h = screen.get_size()
        side = panel_width(w, self.fonts.scale)
        self.board = Board(pygame.Rect(0, 0, w - side, h), self.sprites, self.fonts.small)
        self.panel = Panel(pygame.Rect(w - side, 0, side, h), self.sprites, self.fonts)

    # ---- keys -------------------------------------------------------------------------
    def next_maze(self) -> None:
        self.scene.new_maze()
        self.restart()

    def shift(self) -> None:
        self.scene.shift()
        self.restart()

    # ---- time -------------------------------------------------------------------------
    def restart(self) -> None:
        self.progress = self.held = 0.0
        self.rate.pause()

    def advance(self, dt: float = FRAME_DT) -> None:
        """Let ``dt`` seconds of simulated time pass: step at the current speed, then hold, then move on."""
        if self.paused:
            self.rate.pause()
            return
        if self.scene.done:
            self.progress = 1.0
            self.held += dt
            self.rate.pause()
            if self.held >= HOLD:
                self.next_maze()
            return
        self.progress += dt * self.speed
        steps = 0
        while self.progress >= 1.0 and not self.scene.done:
            self.scene.step()
            self.progress -= 1.0
            steps += 1
        self.stepped(steps)
        self.progress = min(self.progress, 1.0)

    # ---- drawing ----------------------------------------------------------------------
    def draw(self) -> None:
        self.board.draw(self.screen, self.scene, self.progress)
        self.panel.draw(self.screen, self.scene, self.status(), self.message)
        if self.help:
            self.draw_help(self.board.rect, self.notes())

    def notes(self) -> list[tuple[pygame.Surface | None, str]]:
        """How to read the board: every arm's sprite in its colour (and the scene's other teams'), then
        :data:`READING`."""
        shown = [(t.optimizer, t.mind.name, t.tint) for t in self.scene.teams]
        every = [(optimizer, mind, arm_tint(optimizer, mind)) for optimizer, mind in arms()]
        legend = [(self.sprites.get(agent_sprite(optimizer, mind), tint, self.fonts.icon), f"{optimizer} · {mind}")
                  for optimizer, mind, tint in dict.fromkeys(every + shown)]
        return ([(None, "each arm (optimizer · mind) has one body and colour, whatever runs are loaded:")] + legend
                + [(None, line) for line in READING])


def open_window(size: tuple[int, int], title: str) -> pygame.Surface:
    """Start pygame's display and fonts (no audio, no threads) and open the window."""
    try:
        pygame.display.init()
        screen = pygame.display.set_mode(size)
    except pygame.error as e:
        raise UserError(f"cannot open a window ({e}); for scripted runs without a display "
                        "set SDL_VIDEODRIVER=dummy") from None
    pygame.font.init()
    pygame.display.set_caption(title)
    return screen


def rgb(surface: pygame.Surface) -> np.ndarray:
    """The window's pixels as rows of RGB (H, W, 3), as a video frame wants them."""
    return pygame.surfarray.array3d(surface).swapaxes(0, 1)


@dataclass
class LoopResult:
    frames: int
    drawing_seconds: float
    kept: int = 0  # frames handed to the recording

    @property
    def fps(self) -> float:
        return self.frames / max(self.drawing_seconds, 1e-9)


def run_loop(viewer, frames: int | None = None, keep: Callable[[pygame.Surface, int], None] | None = None,
             every: int = 1, dt: float = FRAME_DT) -> LoopResult:
    """Run frames until the viewer quits or ``frames`` have been shown, each letting ``dt`` seconds of simulated
    time pass; hand every ``every``-th to ``keep`` (the window and the frame's number).

    Scripted runs (``frames`` given) go as fast as drawing allows, and their boards measure rates in simulated
    time; interactive ones run at 60 fps.
    """
    clock = pygame.time.Clock()
    shown, drawing, kept = 0, 0.0, 0
    if frames is not None:
        viewer.now = lambda: shown * dt
    while viewer.running and (frames is None or shown < frames):
        for event in pygame.event.get():
            viewer.handle(event)
        viewer.advance(dt)
        start = time.perf_counter()
        viewer.draw()
        pygame.display.flip()
        drawing += time.perf_counter() - start
        shown += 1
        if keep is not None and shown % every == 0:
            keep(viewer.screen, shown)
            kept += 1
        if frames is None:
            clock.tick(FPS)
    return LoopResult(shown, drawing, kept)
