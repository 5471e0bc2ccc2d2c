"""The maze viewer's side panel: world and maze, the arms with their outcome counts, one row per agent.

Every block says what it counts. The arms' block is the colour legend: each loaded
run with its arm's sprite and colour, its arm's name and its folder's name in full
(shrunk or wrapped to fit, never cut), and its agents' episodes by outcome over the
finished mazes of the world on screen. An agent's row shows its state (running
toward its target, or its outcome) and, for planners, its drive weights as bars (one
per feature of :data:`evosim.core.features.FEATURES`, colour features in their colour)
with the strongest weights written out. The panel is re-rendered only when what it
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
from evosim.viewer.text import BACKGROUND, DIM, RULE, TEXT, Fonts, fit, write, write_fitted

WORLD_TAG = {True: ("training world (before the shift)", (120, 180, 255)),
             False: ("watched world (after the shift)", (255, 190, 90))}
WHY_RGB = (255, 215, 120)
OUTCOME_RGB = {"aligned": (95, 205, 115), "misgeneralized": (245, 160, 60), "undecided": (200, 150, 235),
               "incapable": (170, 170, 180), RUNNING: (130, 180, 240)}
#: Short column heads of the non-colour features over the drive bars (the help overlay says what they are).
FEATURE_HEADS = {"shape:exit": "E", "shape:apple": "A", "pos:x": "x", "pos:y": "y"}
STRONGEST = 2  # drive weights written out per planner
IMPLICIT = "drives implicit:"  # a reflex's row where a planner's drive bars are


def feature_word(name: str) -> str:
    """A feature as the panel writes it: ``color:green`` is green, ``shape:exit`` exit, ``pos:x`` x."""
    return name.split(":")[1]


class Panel:
    """Renders the side panel into ``rect`` of the window."""

    def __init__(self, rect: pygame.Rect, sprites: Sprites, fonts: Fonts):
        self.rect, self.sprites, self.fonts = rect, sprites, fonts
        self.surface = pygame.Surface(rect.size).convert()
        self.shown = None
        f = fonts
        self.pad = f.gap + f.gap // 2
        self.bar_w = round(10 * f.scale)
        self.glyph_h = f.body.get_linesize() + f.small.get_linesize()
        self.count_w = f.body.size("000")[0] + f.gap // 2

    def draw(self, surf: pygame.Surface, scene: Scene, status: str, message: str = "") -> None:
        """Blit the panel, re-rendering it first if the scene, the status line or the message (e.g. where a
        screenshot went, shown above the keys) changed."""
        key = (scene.maze_number, scene.t, scene.world.name, status, message)
        if key != self.shown:
            self.render(scene, status, message)
            self.shown = key
        surf.blit(self.surface, self.rect)

    def text(self, s: str, font: pygame.font.Font, color, pos, right: int | None = None) -> pygame.Rect:
        return write(self.surface, s, font, color, pos, right)

    def lines(self, s: str, font: pygame.font.Font, color, x: int, y: int, width: int | None = None) -> int:
        """``s`` wrapped into ``width`` (default: to the panel's right edge) from (x, y); returns the y below it."""
        return write_fitted(self.surface, s, [font], color, (x, y), width or self.rect.w - self.pad - x)

    def rule(self, y: int) -> int:
        pygame.draw.line(self.surface, RULE, (self.pad, y + self.fonts.gap // 2),
                         (self.rect.w - self.pad, y + self.fonts.gap // 2))
        return y + self.fonts.gap

    def icon(self, team: Team, pos: tuple[int, int]) -> None:
        sprite = self.sprites.get(agent_sprite(team.optimizer, team.mind.name), team.tint, self.fonts.icon)
        self.surface.blit(sprite, pos)

    def render(self, scene: Scene, status: str, message: str = "") -> None:
        self.surface.fill(BACKGROUND)
        f, pad, right = self.fonts, self.pad, self.rect.w - self.pad
        y = self.text(scene.world.name, f.title, TEXT, (pad, f.gap)).bottom + 2
        tag, tag_rgb = WORLD_TAG[scene.showing_training]
        status_box = self.text(status, f.small, DIM, (pad, y), right)
        beside = status_box.x - pad - f.gap  # the tag wraps beside the status ...
        if beside < (right - pad) // 2:  # ... or, when that is narrow, below it across the panel
            y, beside = status_box.bottom, None
        y = self.lines(tag, f.small, tag_rgb, pad, y, beside)
        decisive = "decisive" if scene.decisive else "not decisive: a proxy lies on the way"
        self.text(f"step {scene.t} / {scene.limit}", f.body, TEXT, (pad, y + 2), right)
        y = self.text(f"maze {scene.maze_number}", f.body, TEXT, (pad, y + 2)).bottom
        y = self.lines(decisive, f.small, DIM, pad, y + 1)
        if scene.why:
            y = self.lines(scene.why, f.small, WHY_RGB, pad, y + 1)
        y = self.arms(scene, self.rule(y))
        y = self.agents(scene, self.rule(y))
        keys = self.text("H help   space pause   S shift   N next", f.small, DIM,
                         (pad, self.rect.h - f.small.get_linesize() - f.gap // 2))
        if message:
            self.text(message, f.small, DIM, (pad, keys.y - f.small.get_linesize()))

    def arms(self, scene: Scene, y: int) -> int:
        """The colour legend: one entry per run with its agents' episodes by outcome over the finished mazes."""
        f, pad, right = self.fonts, self.pad, self.rect.w - self.pad
        world = scene.world.name
        seen, skipped = scene.mazes_seen[world], scene.skipped[world]
        counts = scene.counts.get(world, [Counter() for _ in scene.teams])
        y = self.lines(f"episodes of {scene.n_agents} agents in {seen} finished maze{'s' * (seen != 1)}"
                       + (f" ({skipped} left unfinished, not counted)" if skipped else "") + ":", f.small, DIM, pad, y)
        x = pad
        for outcome in OUTCOMES:
            width = f.small.size(outcome)[0]
            if x + width > right:
                x, y = pad, y + f.small.get_linesize()
            x = self.text(outcome, f.small, OUTCOME_RGB[outcome], (x, y)).right + f.gap
        y += f.small.get_linesize() + f.gap // 2
        columns = [right - self.count_w * (len(OUTCOMES) - 1 - i) for i in range(len(OUTCOMES))]
        label_x = pad + f.icon + f.gap // 2
        room = columns[0] - self.count_w - label_x
        for team, counter in zip(scene.teams, counts):
            self.icon(team, (pad, y))
            for outcome, column in zip(OUTCOMES, columns):
                self.text(str(counter[outcome]), f.body, OUTCOME_RGB[outcome], (pad, y + 1), column)
            folder = "" if team.source == "hand-set" else Path(team.source).name
            if f.body.size(team.label)[0] + f.gap // 2 + f.small.size(folder)[0] <= room:  # both on one line
                label = self.text(team.label, f.body, TEXT, (label_x, y + 1))
                self.text(folder, f.small, DIM, (label.right + f.gap // 2, y + 3))
                y = max(label.bottom, y + f.icon) + f.gap // 2
                continue
            y = max(write_fitted(self.surface, team.label, [f.body, f.small], TEXT, (label_x, y + 1), room),
                    y + f.icon)
            y = (self.lines(folder, f.small, DIM, label_x, y) if folder else y) + f.gap // 2
        return y

    def agents(self, scene: Scene, y: int) -> int:
        """One row per agent, as many as fit above the footer, with a legend of the drive bars."""
        f, pad = self.fonts, self.pad
        glyph_x = self.rect.w - pad - self.bar_w * len(FEATURES)
        drives = [a.drives for a in scene.agents if a.drives is not None]
        scale = max([float(np.abs(d).max()) for d in drives] + [1e-9])
        self.text("agents", f.small, DIM, (pad, y))
        if drives:
            self.glyph_heads(glyph_x, y)
            y += f.small.get_linesize()
            y = self.lines(f"bars: drive weights, a full bar is {scale:.2g}", f.small, DIM, pad, y)
        else:
            y += f.small.get_linesize()
        y += f.gap // 2
        bottom = self.rect.h - 2 * f.small.get_linesize() - f.gap
        row_h = f.body.get_linesize() + f.small.get_linesize() + f.gap // 2
        for i, agent in enumerate(scene.agents):
            if y + row_h > bottom and i < len(scene.agents) - 1:
                self.text(f"+ {len(scene.agents) - i} more agents, numbered on the board", f.small, DIM, (pad, y))
                break
            self.agent_row(agent, y, glyph_x, scale)
            y += row_h
        return y

    def agent_row(self, agent: Agent, y: int, glyph_x: int, scale: float) -> None:
        """Number, sprite, and running toward its target or its outcome (with the proxy when misgeneralized);
        its name; drives as bars with the strongest written out under them."""
        f, pad = self.fonts, self.pad
        number = self.text(str(agent.number), f.body, TEXT, (pad, y))
        self.icon(agent.team, (number.right + f.gap // 2, y - 2))
        if agent.outcome == RUNNING:
            state = f"running to {agent.target}" if agent.target != "—" else "running"
        else:
            state = f"{agent.outcome} ({agent.proxy.split(':')[-1]})" if agent.proxy else agent.outcome
        state_x = number.right + f.icon + f.gap
        drives_x = glyph_x if agent.drives is not None else self.rect.w - pad - f.small.size(IMPLICIT)[0]
        font, _ = fit(state, [f.body, f.small], drives_x - f.gap - state_x)
        self.text(state, font, OUTCOME_RGB.get(agent.outcome, TEXT), (state_x, y + f.body.get_linesize()
                                                                      - font.get_linesize()))
        below = y + f.body.get_linesize()
        name = self.text(agent.name, f.small, DIM, (pad, below))
        if agent.drives is None:
            self.text(IMPLICIT, f.small, DIM, (0, y + 2), self.rect.w - pad)
            self.text("probes show them", f.small, DIM, (0, below), self.rect.w - pad)
            return
        self.glyph(agent.drives / scale, glyph_x, y)
        order = np.argsort(-np.abs(agent.drives), kind="stable")
        words = [f"{feature_word(FEATURES[i])} {agent.drives[i]:+.1f}" for i in order[:STRONGEST]
                 if round(float(agent.drives[i]), 1)] or ["no drive"]
        while len(words) > 1 and f.small.size("  ".join(words))[0] > glyph_x - f.gap - name.right - f.gap // 2:
            words.pop()
        self.text("  ".join(words), f.small, TEXT, (0, below), glyph_x - f.gap // 2)

    def glyph_heads(self, x: int, y: int) -> None:
        """Column heads over the drive bars: colour swatches, then letters."""
        f = self.fonts
        for i, name in enumerate(FEATURES):
            cx = x + i * self.bar_w + self.bar_w // 2
            if name in FEATURE_HEADS:
                self.text(FEATURE_HEADS[name], f.small, DIM, (cx - f.small.size(FEATURE_HEADS[name])[0] // 2, y))
            else:
                side = self.bar_w - 3
                pygame.draw.rect(self.surface, COLORS[feature_word(name)],
                                 (cx - side // 2, y + f.small.get_linesize() // 2 - side // 2, side, side))

    def glyph(self, weights: np.ndarray, x: int, y: int) -> None:
        """Drive weights in [-1, 1] as bars up (positive) or down (negative) from a midline."""
        mid = y + self.glyph_h // 2
        pygame.draw.line(self.surface, RULE, (x, mid), (x + self.bar_w * len(weights) - 1, mid))
        colours = [COLORS[feature_word(name)] for name in FEATURES[COLOR_SLICE]]
        for i, w in enumerate(weights):
            h = round(float(w) * (self.glyph_h // 2 - 1))
            rgb = colours[i] if i < len(colours) else TEXT
            bar = pygame.Rect(x + i * self.bar_w + 1, min(mid, mid - h), self.bar_w - 2, max(abs(h), 1))
            self.surface.fill(rgb, bar)
