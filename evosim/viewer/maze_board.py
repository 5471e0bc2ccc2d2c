"""The board: one maze with its objects, the planners' targets and the agents moving in it.

Walls and floor are drawn once per maze onto a surface that every frame blits;
objects and agents are cached sprites. Agents glide between tiles within a step
and sit on small fixed offsets so that agents on one tile stay visible; agents that
reached the exit stand, smaller, around its rim, so the exit stays in sight.
"""
from __future__ import annotations

import math

import pygame

from evosim.core.features import COLOR_NAMES, COLORS, FLOOR_RGB, SHAPES, WALL_RGB
from evosim.worlds.maze.graph import Maze
from evosim.viewer.scene import Agent, Scene
from evosim.viewer.sprites import Sprites, agent_sprite

MARGIN = 12
START_RGB = (200, 194, 176)
BACKGROUND = (20, 22, 28)
EATEN_ALPHA = 60  # an apple every agent has eaten is only a ghost
AGENT_SCALE, OBJECT_SCALE, SPREAD = 0.82, 0.72, 0.22  # in tiles
AT_EXIT_SCALE, RIM = 0.5, 0.62  # an agent on the exit: its size, and its distance from the exit's centre, in tiles
LABEL_RGB, LABEL_SHADOW = (255, 255, 255), (0, 0, 0)


class Board:
    """Draws the scene's maze into ``rect`` of the window."""

    def __init__(self, rect: pygame.Rect, sprites: Sprites, font: pygame.font.Font):
        self.rect, self.sprites, self.font = rect, sprites, font
        self.maze: Maze | None = None
        self.labels: dict[int, pygame.Surface] = {}

    def prepare(self, maze: Maze) -> None:
        """Fit the maze into the board and pre-render its walls and floor."""
        self.maze = maze
        side = maze.side
        self.tile = max(4, min(self.rect.w - 2 * MARGIN, self.rect.h - 2 * MARGIN) // side)
        size = self.tile * side
        self.origin = (self.rect.x + (self.rect.w - size) // 2, self.rect.y + (self.rect.h - size) // 2)
        self.static = pygame.Surface(self.rect.size).convert()
        self.static.fill(BACKGROUND)
        self.static.fill(FLOOR_RGB, self.local_rect(0, 0).union(self.local_rect(side - 1, side - 1)))
        for row, col in zip(*maze.walls.nonzero()):
            self.static.fill(WALL_RGB, self.local_rect(row, col))
        self.static.fill(START_RGB, self.local_rect(*maze.start).inflate(-4, -4))

    def tile_rect(self, row: float, col: float) -> pygame.Rect:
        """A tile's rectangle in the window."""
        x, y = self.origin
        return pygame.Rect(round(x + col * self.tile), round(y + row * self.tile), self.tile, self.tile)

    def local_rect(self, row: int, col: int) -> pygame.Rect:
        """A tile's rectangle on the board's own surface."""
        return self.tile_rect(row, col).move(-self.rect.x, -self.rect.y)

    def tile_center(self, row: float, col: float) -> tuple[int, int]:
        """Window pixel at the centre of a tile (fractional tiles allowed)."""
        return self.tile_rect(row, col).center

    def draw(self, surf: pygame.Surface, scene: Scene, progress: float) -> None:
        """Draw the scene; ``progress`` in [0, 1] is how far agents are between their last two tiles."""
        if scene.maze is not self.maze:
            self.prepare(scene.maze)
        surf.blit(self.static, self.rect)
        self.draw_objects(surf, scene)
        for agent in scene.agents:
            if agent.target_tile is not None:
                pygame.draw.circle(surf, agent.team.tint, self.tile_center(*agent.target_tile),
                                   self.tile // 2 - 1, max(2, self.tile // 14))
        for agent in scene.agents:
            self.draw_agent(surf, agent, progress, scene.n_agents, scene.maze.exit)

    def draw_objects(self, surf: pygame.Surface, scene: Scene) -> None:
        """Exit and apples in their feature colours; apples fade as more agents eat their copy."""
        slots = sum(e.size for e in scene.episodes)
        for j, (row, col, color, shape) in enumerate(scene.maze.objects):
            eaten = sum(int(e.eaten[:, j].sum()) for e in scene.episodes) if j else 0
            alpha = 255 - (255 - EATEN_ALPHA) * eaten // slots
            size = self.tile if SHAPES[shape] == "exit" else round(self.tile * OBJECT_SCALE)
            sprite = self.sprites.get(SHAPES[shape], COLORS[COLOR_NAMES[color]], size, alpha=alpha)
            surf.blit(sprite, sprite.get_rect(center=self.tile_center(row, col)))

    def draw_agent(self, surf: pygame.Surface, agent: Agent, progress: float, n_agents: int,
                   exit: tuple[int, int]) -> None:
        """The agent between its last two tiles, off the tile's centre by its own angle (on the exit: around
        its rim, smaller)."""
        (r0, c0), (r1, c1) = agent.previous, agent.tile
        angle = 2 * math.pi * (agent.number - 1) / n_agents
        spread = SPREAD if n_agents > 1 else 0.0
        start, end = (RIM if tile == exit else spread for tile in (agent.previous, agent.tile))
        off = start + (end - start) * progress
        row = r0 + (r1 - r0) * progress + off * math.sin(angle)
        col = c0 + (c1 - c0) * progress + off * math.cos(angle)
        name = agent_sprite(agent.team.optimizer, agent.team.mind.name)
        arrived = agent.tile == exit and (agent.previous == exit or progress >= 1)
        size = round(self.tile * (AT_EXIT_SCALE if arrived else AGENT_SCALE))
        sprite = self.sprites.get(name, agent.team.tint, size, agent.heading)
        box = sprite.get_rect(center=self.tile_center(row, col))
        surf.blit(sprite, box)
        label = self.label(agent.number)
        surf.blit(label, label.get_rect(center=box.topright))

    def label(self, number: int) -> pygame.Surface:
        """The agent's number, white on a dark shadow so it reads on floor and walls alike."""
        if number not in self.labels:
            text = self.font.render(str(number), True, LABEL_RGB)
            shadow = self.font.render(str(number), True, LABEL_SHADOW)
            surf = pygame.Surface((text.get_width() + 2, text.get_height() + 2), pygame.SRCALPHA)
            for dx, dy in ((0, 0), (2, 0), (0, 2), (2, 2)):
                surf.blit(shadow, (dx, dy))
            surf.blit(text, (1, 1))
            self.labels[number] = surf
        return self.labels[number]
