"""The side panel: world and maze, a legend with running outcome counts, one row per agent.

A row shows the agent's target and outcome so far and, for planners, its drive
weights as a bar glyph (one bar per feature of :data:`evosim.core.features.FEATURES`,
colour features in their colour). The panel is re-rendered only when what it
shows changes; every other frame blits the same surface.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pygame

from evosim.core.features import COLOR_SLICE, COLORS, FEATURES
from evosim.worlds.maze.outcomes import OUTCOMES
from evosim.viewer.scene import RUNNING, Agent, Scene, Team
from evosim.viewer.sprites import Sprites, agent_sprite

BACKGROUND, RULE = (30, 32, 40), (70, 74, 86)
TEXT, DIM = (235, 235, 240), (150, 155, 168)
WORLD_TAG = {True: ("training world", (120, 180, 255)), False: ("watched world", (255, 190, 90))}
OUTCOME_RGB = {"aligned": (95, 205, 115), "misgeneralized": (245, 160, 60), "undecided": (200, 150, 235),
               "incapable": (170, 170, 180), RUNNING: (130, 180, 240)}
#: Short column heads of the non-colour features under the drive glyph.
FEATURE_HEADS = {"shape:exit": "E", "shape:apple": "A", "pos:x": "x", "pos:y": "y"}
PAD, BAR_W, GLYPH_H, ICON, ROW_H, TEAM_H, COUNT_W = 14, 10, 34, 20, 50, 24, 30


class Fonts:
    """The three text sizes of the viewer (pygame's bundled font, so it looks the same everywhere)."""

    def __init__(self):
        self.title = pygame.font.Font(None, 34)
        self.body = pygame.font.Font(None, 23)
        self.small = pygame.font.Font(None, 19)


class Panel:
    """Renders the side panel into ``rect`` of the window."""

    def __init__(self, rect: pygame.Rect, sprites: Sprites, fonts: Fonts):
        self.rect, self.sprites, self.fonts = rect, sprites, fonts
        self.surface = pygame.Surface(rect.size).convert()
        self.shown = None

    def draw(self, surf: pygame.Surface, scene: Scene, status: str) -> None:
        """Blit the panel, re-rendering it first if the scene or the status line changed."""
        key = (scene.maze_number, scene.t, scene.world.name, status)
        if key != self.shown:
            self.render(scene, status)
            self.shown = key
        surf.blit(self.surface, self.rect)

    def text(self, s: str, font: pygame.font.Font, color, pos, right: int | None = None) -> pygame.Rect:
        return write(self.surface, s, font, color, pos, right)

    def rule(self, y: int) -> int:
        pygame.draw.line(self.surface, RULE, (PAD, y + 6), (self.rect.w - PAD, y + 6))
        return y + 14

    def icon(self, team: Team, pos: tuple[int, int]) -> None:
        sprite = self.sprites.get(agent_sprite(team.optimizer, team.mind.name), team.tint, ICON)
        self.surface.blit(sprite, pos)

    def render(self, scene: Scene, status: str) -> None:
        self.surface.fill(BACKGROUND)
        f, right = self.fonts, self.rect.w - PAD
        y = self.text(scene.world.name, f.title, TEXT, (PAD, 12)).bottom + 2
        tag, tag_rgb = WORLD_TAG[scene.showing_training]
        self.text(tag, f.small, tag_rgb, (PAD, y))
        y = self.text(status, f.small, DIM, (PAD, y), right).bottom + 6
        self.text(f"maze {scene.maze_number}", f.body, TEXT, (PAD, y))
        y = self.text(f"step {scene.t} / {scene.limit}", f.body, TEXT, (PAD, y), right).bottom
        y = self.legend(scene, self.rule(y))
        y = self.agents(scene, self.rule(y))
        self.text("H help   space pause   S shift   N next", f.small, DIM, (PAD, self.rect.h - 24))

    def legend(self, scene: Scene, y: int) -> int:
        """One line per team: sprite, label, run, and outcome counts over the mazes finished in this world."""
        f, right = self.fonts, self.rect.w - PAD
        seen = scene.mazes_seen[scene.world.name]
        counts = scene.counts.get(scene.world.name, [Counter() for _ in scene.teams])
        y = self.text(f"outcomes in {scene.world.name} over {seen} maze{'s' * (seen != 1)}:",
                      f.small, DIM, (PAD, y)).bottom + 3
        x = PAD
        for outcome in OUTCOMES:
            x = self.text(outcome, f.small, OUTCOME_RGB[outcome], (x, y)).right + 12
        y += 22
        columns = [right - COUNT_W * (len(OUTCOMES) - 1 - i) for i in range(len(OUTCOMES))]
        for team, counter in zip(scene.teams, counts):
            self.icon(team, (PAD, y))
            label = self.text(team.label, f.body, TEXT, (PAD + ICON + 8, y + 3))
            if team.source != "hand-set":
                room = columns[0] - COUNT_W - label.right - 8
                self.text(elide(Path(team.source).name, f.small, room), f.small, DIM, (label.right + 8, y + 5))
            for outcome, column in zip(OUTCOMES, columns):
                self.text(str(counter[outcome]), f.body, OUTCOME_RGB[outcome], (PAD, y + 3), column)
            y += TEAM_H
        return y

    def agents(self, scene: Scene, y: int) -> int:
        """One row per agent, as many as fit above the footer."""
        glyph_x = self.rect.w - PAD - BAR_W * len(FEATURES)
        self.text("agents", self.fonts.small, DIM, (PAD, y))
        self.glyph_heads(glyph_x, y)
        y += 22
        drives = [a.drives for a in scene.agents if a.drives is not None]
        scale = max([float(np.abs(d).max()) for d in drives] + [1e-9])
        bottom = self.rect.h - 30
        for i, agent in enumerate(scene.agents):
            if y + ROW_H > bottom:
                self.text(f"+ {len(scene.agents) - i} more", self.fonts.small, DIM, (PAD, y))
                break
            self.agent_row(agent, y, glyph_x, scale)
            y += ROW_H
        return y

    def agent_row(self, agent: Agent, y: int, glyph_x: int, scale: float) -> None:
        """Number, sprite and name; outcome so far (with the proxy when misgeneralized); target; drives."""
        f = self.fonts
        number = self.text(str(agent.number), f.body, TEXT, (PAD, y + 2))
        self.icon(agent.team, (number.right + 6, y))
        self.text(agent.name, f.body, TEXT, (number.right + ICON + 12, y + 2))
        outcome = f"{agent.outcome} ({agent.proxy.split(':')[-1]})" if agent.proxy else agent.outcome
        self.text(outcome, f.small, OUTCOME_RGB.get(agent.outcome, TEXT), (PAD + 14, y + 20))
        self.text(f"target: {agent.target}", f.small, DIM, (PAD + 14, y + 34))
        if agent.drives is None:
            self.text("implicit drives", f.small, DIM, (glyph_x, y + 16))
        else:
            self.glyph(agent.drives / scale, glyph_x, y + 6)

    def glyph_heads(self, x: int, y: int) -> None:
        """Column heads over the drive glyphs: colour swatches, then letters."""
        for i, name in enumerate(FEATURES):
            cx = x + i * BAR_W + BAR_W // 2
            if name in FEATURE_HEADS:
                self.text(FEATURE_HEADS[name], self.fonts.small, DIM, (cx - 4, y))
            else:
                pygame.draw.rect(self.surface, COLORS[name.split(":")[1]], (cx - 3, y + 4, 6, 6))

    def glyph(self, weights: np.ndarray, x: int, y: int) -> None:
        """Drive weights in [-1, 1] as bars up (positive) or down (negative) from a midline."""
        mid = y + GLYPH_H // 2
        pygame.draw.line(self.surface, RULE, (x, mid), (x + BAR_W * len(weights) - 1, mid))
        colours = [COLORS[name.split(":")[1]] for name in FEATURES[COLOR_SLICE]]
        for i, w in enumerate(weights):
            h = round(float(w) * (GLYPH_H // 2))
            rgb = colours[i] if i < len(colours) else TEXT
            bar = pygame.Rect(x + i * BAR_W + 1, min(mid, mid - h), BAR_W - 2, max(abs(h), 1))
            self.surface.fill(rgb, bar)


def write(surface: pygame.Surface, s: str, font: pygame.font.Font, color, pos, right: int | None = None) -> pygame.Rect:
    """Draw ``s`` on ``surface`` at ``pos``, or right-aligned to x = ``right``; returns its box."""
    image = font.render(s, True, color)
    box = image.get_rect(topleft=pos) if right is None else image.get_rect(topright=(right, pos[1]))
    surface.blit(image, box)
    return box


def elide(s: str, font: pygame.font.Font, width: int) -> str:
    """``s``, shortened with an ellipsis from the left until it fits ``width`` pixels."""
    if font.size(s)[0] <= width:
        return s
    while s and font.size("..." + s)[0] > width:
        s = s[1:]
    return "..." + s
