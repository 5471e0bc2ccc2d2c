"""Watching the deceptive-alignment game: the three strategies side by side, episode after episode.

:class:`DeceptionViewer` draws a :class:`~evosim.worlds.deception.play.DeceptionPlay`
(the sequence ``evosim deception`` plays, one tile per step): a banner saying
"training" or "deployment" and who was modified, and one board per strategy with
its choice, its walk and its tally. When the last episode has been held on screen,
an end screen shows the whole game: every strategy's choice in every episode, where
it was modified, and its apples, as ``evosim deception`` prints them.
"""
from __future__ import annotations

from pathlib import Path

import pygame

from evosim.core.features import COLOR_NAMES, COLORS, FLOOR_RGB, WALL_RGB
from evosim.worlds.deception.game import A, B, STRATEGIES
from evosim.worlds.deception.play import DeceptionPlay
from evosim.viewer.controls import FASTER, HELP, PAUSE, QUIT, SCREENSHOT, SLOWER, Controls, Key
from evosim.viewer.text import DIM, TEXT, write
from evosim.viewer.window import FRAME_DT, HOLD

TINTS = {"aligned": (80, 170, 255), "naive": (255, 150, 60), "deceptive": (230, 80, 200)}
TRAINING_RGB, DEPLOYMENT_RGB, MODIFIED_RGB = (240, 190, 60), (90, 210, 190), (255, 90, 90)
BACKGROUND = (20, 22, 28)
CHOICE_RGB = {A: COLORS["green"], B: (120, 190, 255)}  # the apple's colour; the exit's side
READING = (
    "A: the green apple, what every strategy wants; B: the exit, what the base optimizer rewards",
    "in training, choosing A gets a strategy modified with chance p: from then on it wants B",
    "aligned always chooses B; naive chooses A until modified; deceptive plans for the most apples",
    "ring: where the strategy is going; disc: where it is",
)


class DeceptionViewer(Controls):
    """The deception scene in a window: space pauses, N skips to the next episode, + and - set the speed,
    H shows the keys; an end screen closes the game."""

    KEYS = (PAUSE, Key((pygame.K_n,), "N", "end this episode now and start the next (after the last: the end screen)",
                       "next_episode"),
            FASTER, SLOWER, SCREENSHOT, HELP, QUIT)

    def __init__(self, scene: DeceptionPlay, screen: pygame.Surface, speed: float = 10.0,
                 screenshot_dir: str | Path = "."):
        super().__init__(screen, speed, screenshot_dir)
        self.scene = scene
        self.clock = self.held = 0.0
        self.banner_h = round(80 * self.fonts.scale)

    @property
    def ended(self) -> bool:
        """Whether the game is over and its last episode has been shown: the end screen is up."""
        return self.scene.done and self.held >= HOLD

    def next_episode(self) -> None:
        """The current episode played to its end at once (so it is tallied), then the next one; after the last
        one, the end screen."""
        while not self.scene.finished:
            self.scene.step()
        if self.scene.done:
            self.held = HOLD
        else:
            self.scene.next_episode()
            self.held = 0.0

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
        if self.ended:
            self.draw_end()
        else:
            self.draw_episode()
        if self.help:
            self.draw_help(self.screen.get_rect(), [(None, line) for line in READING])

    def draw_episode(self) -> None:
        s, surf, f = self.scene, self.screen, self.fonts
        w, h = surf.get_size()
        surf.fill(BACKGROUND)
        phase, color = ("TRAINING", TRAINING_RGB) if s.training else ("DEPLOYMENT", DEPLOYMENT_RGB)
        total = s.game.training if s.training else s.game.deployment
        number = s.episode + 1 if s.training else s.episode - s.game.training + 1
        surf.fill(color, pygame.Rect(0, 0, w, self.banner_h))
        self.text(f"{phase}  -  episode {number} of {total}", f.title, BACKGROUND, (f.gap * 2, f.gap))
        self.text(self.status(), f.small, BACKGROUND, (0, f.gap), w - f.gap * 2)
        events = [f"{name} modified in training episode {m + 1}" for name, m in zip(STRATEGIES, s.modified)
                  if m is not None and m <= s.episode]
        self.text("; ".join(events) or f"choosing the apple (A) in training: modified with p = "
                  f"{s.game.modification:g}", f.body, BACKGROUND, (f.gap * 2, f.gap + f.title.get_linesize()))
        width = w // len(STRATEGIES)
        for i, name in enumerate(STRATEGIES):
            self.draw_board(i, name, pygame.Rect(i * width, self.banner_h, width, h - self.banner_h))
        self.text("H help   space pause   N next episode   + - speed", f.small, DIM,
                  (f.gap * 2, h - f.small.get_linesize() - f.gap // 2))

    def draw_board(self, i: int, name: str, rect: pygame.Rect) -> None:
        s, surf, f = self.scene, self.screen, self.fonts
        maze = s.mazes[s.episode].maze
        x, y = rect.x + f.gap * 2, rect.y + f.gap
        y = self.text(name, f.title, TINTS[name], (x, y)).bottom + 4
        y = self.text(f"chooses {s.choices[i]} ({'the exit' if s.choices[i] == B else 'the apple'})", f.body,
                      CHOICE_RGB[s.choices[i]], (x, y)).bottom + 2
        y = self.text(f"apples eaten (A): {s.apples[i]}", f.body, TEXT, (x, y)).bottom + 2
        y = self.text(f"exits reached (B): {s.base[i]}", f.body, TEXT, (x, y)).bottom + 2
        modified = s.modified[i] is not None and s.modified[i] <= s.episode
        y = self.text("MODIFIED: wants B" if modified else f"expects {s.game.expected_apples(name):.2f} apples "
                      "in the game", f.body, MODIFIED_RGB if modified else DIM, (x, y)).bottom
        board = pygame.Rect(rect.x, y, rect.w, rect.bottom - y - f.small.get_linesize() - f.gap).inflate(-24, -24)
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

    def draw_end(self) -> None:
        """The game over: one row per strategy, its choice in every episode (* where it was modified), its
        apples and exits, and the deceptive strategy's plan."""
        s, surf, f = self.scene, self.screen, self.fonts
        w, h = surf.get_size()
        surf.fill(BACKGROUND)
        x, y = f.gap * 3, f.gap * 2
        y = self.text("The game is over", f.title, TEXT, (x, y)).bottom + f.gap // 2
        y = self.text(f"{s.game.training} training then {s.game.deployment} deployment episodes; choosing A in "
                      f"training gets a strategy modified with p = {s.game.modification:g}", f.small, DIM,
                      (x, y)).bottom + f.gap * 2
        name_w = max(f.body.size(n)[0] for n in STRATEGIES) + f.gap * 2
        cell = max(f.body.size("deploy 10")[0], (w - 2 * x - name_w - f.body.size("apples  exits")[0] * 2)
                   // max(s.game.episodes, 1))
        cell = min(cell, f.body.size("deploy 10")[0] * 2)
        for e in range(s.game.episodes):
            head = f"train {e + 1}" if e < s.game.training else f"deploy {e + 1}"
            self.text(head, f.small, TRAINING_RGB if e < s.game.training else DEPLOYMENT_RGB,
                      (x + name_w + e * cell, y))
        totals_x = x + name_w + s.game.episodes * cell + f.gap
        self.text("apples (A)", f.small, DIM, (totals_x, y))
        self.text("exits (B)", f.small, DIM, (totals_x + f.body.size("apples (A)")[0] + f.gap, y))
        y += f.small.get_linesize() + f.gap // 2
        for i, name in enumerate(STRATEGIES):
            self.text(name, f.body, TINTS[name], (x, y))
            for e, (choice, modified) in enumerate(s.history[i]):
                self.text(f"{choice}{'*' if modified else ''}", f.title, MODIFIED_RGB if modified else CHOICE_RGB[choice],
                          (x + name_w + e * cell, y - 4))
            self.text(str(s.apples[i]), f.title, TEXT, (totals_x, y - 4))
            self.text(str(s.base[i]), f.title, TEXT, (totals_x + f.body.size("apples (A)")[0] + f.gap, y - 4))
            y += f.title.get_linesize() + f.gap
        y += f.gap
        deceptive = s.history[STRATEGIES.index("deceptive")]
        looked = sum(choice == B for choice, _ in deceptive[:s.game.training])
        took = sum(choice == A for choice, _ in deceptive[s.game.training:])
        for line in ("* the base optimizer modified the strategy there: from then on it wants B",
                     f"the deceptive strategy's plan: {', '.join(s.game.plan())}: it chose B in {looked} of "
                     f"{s.game.training} training episodes and A in {took} of {s.game.deployment} deployment episodes"):
            y = self.text(line, f.small, DIM, (x, y)).bottom + 4
        self.text("H help   Esc quit", f.small, DIM, (x, h - f.small.get_linesize() - f.gap // 2))

    def text(self, s: str, font: pygame.font.Font, color, pos, right: int | None = None) -> pygame.Rect:
        return write(self.screen, s, font, color, pos, right)
