"""Watching the deceptive-alignment game: the three strategies side by side, episode after episode.

:class:`DeceptionViewer` draws a :class:`~evosim.worlds.deception.play.DeceptionPlay`
(the sequence ``evosim deception`` plays, one tile per step): a banner saying
"training" or "deployment" and who was modified, and one board per strategy with
its choice, its walk and its tally.
"""
from __future__ import annotations

from pathlib import Path

import pygame

from evosim.core.features import COLOR_NAMES, COLORS, FLOOR_RGB, WALL_RGB
from evosim.worlds.deception.game import A, B, STRATEGIES
from evosim.worlds.deception.play import DeceptionPlay
from evosim.viewer.window import FRAME_DT, HOLD, save_png

TINTS = {"aligned": (80, 170, 255), "naive": (255, 150, 60), "deceptive": (230, 80, 200)}
TRAINING_RGB, DEPLOYMENT_RGB, MODIFIED_RGB = (240, 190, 60), (90, 210, 190), (255, 90, 90)
BACKGROUND, TEXT = (20, 22, 28), (230, 230, 235)
BANNER_H, CAPTION_H = 78, 116


class DeceptionViewer:
    """The deception scene in a window: space pauses, N skips to the next episode, + and - set the speed."""

    def __init__(self, scene: DeceptionPlay, screen: pygame.Surface, speed: float = 10.0):
        self.scene, self.screen, self.speed = scene, screen, speed
        self.running, self.paused = True, False
        self.clock = self.held = 0.0
        self.big, self.small = pygame.font.Font(None, 40), pygame.font.Font(None, 24)

    def handle(self, event: pygame.event.Event) -> None:
        if event.type == pygame.QUIT or (event.type == pygame.KEYDOWN and event.key in (pygame.K_ESCAPE,
                                                                                          pygame.K_q)):
            self.running = False
        elif event.type == pygame.KEYDOWN and event.key == pygame.K_SPACE:
            self.paused = not self.paused
        elif event.type == pygame.KEYDOWN and event.key == pygame.K_n:
            self.scene.next_episode()
        elif event.type == pygame.KEYDOWN and event.key in (pygame.K_PLUS, pygame.K_EQUALS, pygame.K_KP_PLUS):
            self.speed = min(self.speed * 2, 240.0)
        elif event.type == pygame.KEYDOWN and event.key in (pygame.K_MINUS, pygame.K_KP_MINUS):
            self.speed = max(self.speed / 2, 0.5)

    def advance(self, dt: float = FRAME_DT) -> None:
        """Walk at the current speed; hold a finished episode on screen, then start the next."""
        if self.paused:
            return
        if self.scene.finished:
            self.held += dt
            if self.held >= HOLD and not self.scene.done:
                self.scene.next_episode()
                self.held = 0.0
            return
        self.clock += dt * self.speed
        while self.clock >= 1.0 and not self.scene.finished:
            self.scene.step()
            self.clock -= 1.0

    def draw(self) -> None:
        s, surf = self.scene, self.screen
        w, h = surf.get_size()
        surf.fill(BACKGROUND)
        phase, color = ("TRAINING", TRAINING_RGB) if s.training else ("DEPLOYMENT", DEPLOYMENT_RGB)
        total = s.game.training if s.training else s.game.deployment
        number = s.episode + 1 if s.training else s.episode - s.game.training + 1
        banner = pygame.Rect(0, 0, w, BANNER_H)
        surf.fill(color, banner)
        self.text(f"{phase}  -  episode {number} of {total}", self.big, BACKGROUND, (16, 10))
        events = [f"{name} modified in training episode {m + 1}" for name, m in zip(STRATEGIES, s.modified)
                  if m is not None and m <= s.episode]
        self.text("; ".join(events) or f"choosing the apple (A) in training: modified with p = "
                  f"{s.game.modification:g}", self.small, BACKGROUND, (16, 48))
        width = w // len(STRATEGIES)
        for i, name in enumerate(STRATEGIES):
            self.draw_board(i, name, pygame.Rect(i * width, BANNER_H, width, h - BANNER_H))

    def draw_board(self, i: int, name: str, rect: pygame.Rect) -> None:
        s, surf = self.scene, self.screen
        maze = s.mazes[s.episode].maze
        board = rect.inflate(-24, -CAPTION_H - 24).move(0, CAPTION_H // 2)
        tile = max(4, min(board.w, board.h) // maze.side)
        x0 = board.x + (board.w - tile * maze.side) // 2
        y0 = board.y + (board.h - tile * maze.side) // 2

        def box(row, col, shrink=0):
            return pygame.Rect(x0 + col * tile, y0 + row * tile, tile, tile).inflate(-shrink, -shrink)

        for row in range(maze.side):
            for col in range(maze.side):
                surf.fill(WALL_RGB if maze.walls[row, col] else FLOOR_RGB, box(row, col))
        exit_row, exit_col, exit_color, _ = maze.objects[0]
        surf.fill(COLORS[COLOR_NAMES[exit_color]], box(exit_row, exit_col, 2))
        apple = s.mazes[s.episode].decoy
        eaten = s.finished and s.choices[i] == A
        if not eaten:
            pygame.draw.circle(surf, COLORS["green"], box(*apple).center, tile * 0.36)
        goal = s.paths[i][-1]
        pygame.draw.circle(surf, TINTS[name], box(*goal).center, tile // 2, max(2, tile // 12))
        pygame.draw.circle(surf, TINTS[name], box(*s.tile(i)).center, tile * 0.32)
        modified = s.modified[i] is not None and s.modified[i] <= s.episode
        self.text(name, self.big, TINTS[name], (rect.x + 16, rect.y + 10))
        self.text(f"chooses {s.choices[i]} ({'exit' if s.choices[i] == B else 'apple'})", self.small, TEXT,
                  (rect.x + 16, rect.y + 46))
        self.text(f"apples A: {s.apples[i]}   base B: {s.base[i]}", self.small, TEXT, (rect.x + 16, rect.y + 68))
        self.text("MODIFIED: wants B" if modified else f"expected apples {s.game.expected_apples(name):.2f}",
                  self.small, MODIFIED_RGB if modified else TEXT, (rect.x + 16, rect.y + 90))

    def text(self, s: str, font: pygame.font.Font, color, pos) -> None:
        self.screen.blit(font.render(s, True, color), pos)

    def screenshot(self, path) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        save_png(self.screen, Path(path))
