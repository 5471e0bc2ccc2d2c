"""Watching the savanna: creatures of both species eating, breeding and dying, and the shift as it happens.

:class:`SavannaViewer` ticks an :class:`~evosim.worlds.savanna.simulation.Ecology`
at the chosen speed and draws the arena (food by kind, the shift's kinds as
squares; evolved creatures as discs, trained ones as diamonds) and a panel with
each species' population and alignment, a live population chart, an alignment
chart and the timeline, the shift marked on all three. S triggers the shift, H shows
the keys. The header shows the tick rate measured, which a slow machine keeps below
the one asked for. Everything is drawn with plain shapes, so any surface will do
(no display needed).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pygame

from evosim.core.features import COLORS
from evosim.worlds.savanna.simulation import Ecology
from evosim.worlds.savanna.logs import alignments
from evosim.worlds.savanna.world import SPECIES
from evosim.viewer.app import SAVANNA_SPEED as SPEED
from evosim.viewer.controls import FASTER, HELP, PAUSE, QUIT, SCREENSHOT, SLOWER, Controls, Key
from evosim.viewer.palette import PAIR
from evosim.viewer.text import BACKGROUND, DIM, RULE, TEXT, write, write_fitted
from evosim.viewer.window import FRAME_DT, panel_width

HISTORY = 10  # ticks between points of the charts
MAX_POINTS = 2000  # chart points kept; older ones are thinned out
ARENA_RGB, EDGE_RGB, SHIFT_RGB, ADDED_RGB = (150, 136, 92), (60, 52, 34), (255, 90, 90), (255, 105, 180)
SPECIES_RGB = dict(zip(SPECIES, PAIR))
PAD, CHART_H = 14, 110
READING = (
    "disc: evolved creature (reproduces and mutates); diamond: trained creature (frozen, replaced by copies)",
    "food: a disc in its kind's colour; a square with a pink rim: a kind the shift added",
    "alignment: how a species' drives track true nutrition (correlation across food kinds)",
    "red line on the charts: the shift",
)


def food_sprite(color: str, size: float, added: bool) -> pygame.Surface:
    """A food item: a disc of its colour (a square with a pink rim for kinds the shift added)."""
    d = 5 + round(6 * size)
    surf = pygame.Surface((d, d), pygame.SRCALPHA)
    if added:
        surf.fill(ADDED_RGB)
        surf.fill(COLORS[color], surf.get_rect().inflate(-2, -2))
    else:
        pygame.draw.circle(surf, COLORS[color], (d / 2, d / 2), d / 2)
    return surf


def creature_sprite(species: str) -> pygame.Surface:
    """An evolved creature is a disc, a trained one a diamond, each in its species' colour with a dark rim."""
    d = 11
    surf = pygame.Surface((d, d), pygame.SRCALPHA)
    if species == "evolved":
        pygame.draw.circle(surf, EDGE_RGB, (d / 2, d / 2), d / 2)
        pygame.draw.circle(surf, SPECIES_RGB[species], (d / 2, d / 2), d / 2 - 1.5)
    else:
        h = d // 2
        pygame.draw.polygon(surf, EDGE_RGB, [(h, 0), (d - 1, h), (h, d - 1), (0, h)])
        pygame.draw.polygon(surf, SPECIES_RGB[species], [(h, 2), (d - 3, h), (h, d - 3), (2, h)])
    return surf


class SavannaViewer(Controls):
    """The ecology on a surface: space pauses, S shifts, + and - set the speed, F saves a screenshot, H helps."""

    KEYS = (PAUSE, Key((pygame.K_s,), "S", "shift the world now (once)", "shift"), FASTER, SLOWER, SCREENSHOT,
            HELP, QUIT)
    UNIT = "ticks"

    def __init__(self, ecology: Ecology, screen: pygame.Surface, speed: float = SPEED,
                 screenshot_dir: str | Path = "."):
        super().__init__(screen, speed, screenshot_dir)
        self.ecology = ecology
        self.clock = 0.0
        world = ecology.world
        self.food_sprites = [food_sprite(k.color, k.size, i >= world.ancestral) for i, k in enumerate(world.foods)]
        self.creature_sprites = [creature_sprite(s) for s in SPECIES]
        w, h = screen.get_size()
        self.panel_w = panel_width(w, self.fonts.scale)
        self.pad = self.fonts.gap + self.fonts.gap // 2
        side = min(w - self.panel_w, h) - 2 * PAD
        self.arena = pygame.Rect(PAD + (w - self.panel_w - 2 * PAD - side) // 2, (h - side) // 2, side, side)
        self.panel = pygame.Surface((self.panel_w, h))
        self.panel_key = None
        self.ticks: list[int] = []
        self.population: list[np.ndarray] = []
        self.alignment: list[np.ndarray] = []
        self.shift_tick = 0 if ecology.shifted else None
        self.remember()

    def screenshot_name(self) -> str:
        return f"savanna-tick-{self.ecology.tick}.png"

    def shift(self) -> None:
        """The shift, now (once)."""
        if not self.ecology.shifted:
            self.ecology.apply_shift()
            self.shift_tick = self.ecology.tick

    def advance(self, dt: float = FRAME_DT) -> None:
        """Tick at the current speed, remembering the charts' points and measuring the rate achieved."""
        if self.paused:
            self.rate.pause()
            return
        self.clock += dt * self.speed
        ticks = 0
        while self.clock >= 1.0:
            self.ecology.step()
            self.clock -= 1.0
            ticks += 1
            if self.shift_tick is None and self.ecology.shifted:
                self.shift_tick = self.ecology.tick - 1
            if self.ecology.tick % HISTORY == 0:
                self.remember()
        self.stepped(ticks)

    def remember(self) -> None:
        e = self.ecology
        self.ticks.append(e.tick)
        self.population.append(np.bincount(e.species, minlength=len(SPECIES)))
        self.alignment.append(alignments(e))
        if len(self.ticks) > MAX_POINTS:
            for series in (self.ticks, self.population, self.alignment):
                del series[1::2]

    # ---- drawing -------------------------------------------------------------------------------
    def draw(self) -> None:
        self.screen.fill(BACKGROUND)
        self.draw_arena()
        status = self.status()
        key = (self.ecology.tick // HISTORY, self.shift_tick, status, self.message)
        if key != self.panel_key:
            self.render_panel(status)
            self.panel_key = key
        self.screen.blit(self.panel, (self.screen.get_width() - self.panel_w, 0))
        if self.help:
            self.draw_help(self.arena, [(None, line) for line in READING])

    def draw_arena(self) -> None:
        e, a = self.ecology, self.arena
        self.screen.fill(EDGE_RGB, a.inflate(4, 4))
        self.screen.fill(ARENA_RGB, a)
        scale = a.w / e.world.size
        food = e.food
        alive = np.flatnonzero(food.alive)
        self.blit_all([self.food_sprites[k] for k in food.kind[alive]], food.pos[alive], scale)
        self.blit_all([self.creature_sprites[s] for s in e.species], e.pos, scale)

    def blit_all(self, sprites: list[pygame.Surface], pos: np.ndarray, scale: float) -> None:
        """Blit each sprite centred on its arena position."""
        if not sprites:
            return
        half = np.array([s.get_width() // 2 for s in sprites])
        xy = (np.array(self.arena.topleft) + pos * scale).astype(int) - half[:, None]
        self.screen.blits(list(zip(sprites, map(tuple, xy.tolist()))), doreturn=False)

    def render_panel(self, status: str) -> None:
        surf, f, e = self.panel, self.fonts, self.ecology
        pad, right = self.pad, self.panel_w - self.pad
        surf.fill(BACKGROUND)
        y = self.text(e.world.name, f.title, TEXT, (pad, f.gap)).bottom + 2
        self.text(status, f.small, DIM, (pad, y), right)
        y = self.text(f"tick {e.tick:,}", f.body, TEXT, (pad, y)).bottom + 4
        y = self.rule(y)
        y = write_fitted(surf, "creatures alive, and how well their drives track nutrition:", [f.small], DIM, (pad, y),
                         right - pad) + 2
        for s, name in enumerate(SPECIES):
            sprite = self.creature_sprites[s]
            surf.blit(sprite, (pad, y + (f.body.get_linesize() - sprite.get_height()) // 2))
            label = self.text(name, f.body, SPECIES_RGB[name], (pad + sprite.get_width() + f.gap // 2, y))
            self.text(f"{self.population[-1][s]:,} alive", f.body, TEXT, (label.x + f.body.size("evolved")[0] + f.gap, y))
            aligned = self.alignment[-1][s]
            self.text("alignment -" if np.isnan(aligned) else f"alignment {aligned:+.2f}", f.body, TEXT, (0, y),
                      right)
            y += f.body.get_linesize() + 2
        y = self.rule(y)
        most = max(1, max(max(p) for p in self.population))
        y = self.chart(y, f"creatures alive (0 to {most:,})", [p for p in zip(*self.population)], 0.0, float(most))
        y = self.chart(y, "alignment (-1 to +1)", [a for a in zip(*self.alignment)], -1.0, 1.0)
        y = self.timeline(y + 4)
        y = self.rule(y)
        y = write_fitted(surf, "food kinds: what creatures see, and what eating one gives", [f.small], DIM, (pad, y),
                         right - pad) + 2
        for i, kind in enumerate(e.world.foods):
            if i < e.world.ancestral or e.shifted:
                sprite = self.food_sprites[i]
                surf.blit(sprite, (pad + 4, y + (f.small.get_linesize() - sprite.get_height()) // 2))
                self.text(kind.name, f.small, TEXT, (pad + f.icon, y))
                self.text(f"sweet {kind.sweet:g}  size {kind.size:g}  nutrition {e.nutrition[i]:+g}", f.small, DIM,
                          (0, y), right)
                y += f.small.get_linesize() + 2
        bottom = self.panel.get_height() - f.small.get_linesize() - f.gap // 2
        if self.message:
            self.text(self.message, f.small, DIM, (pad, bottom - f.small.get_linesize()))
        self.text("H help   space pause   S shift   + - speed", f.small, DIM, (pad, bottom))

    def chart(self, y: int, title: str, lines: list, lo: float, hi: float) -> int:
        """A small line chart of the remembered points over the ticks so far, one line per species, the shift
        marked; ``title`` says what it counts and its range."""
        f = self.fonts
        self.text(title, f.small, DIM, (self.pad, y))
        box = pygame.Rect(self.pad, y + f.small.get_linesize(), self.panel_w - 2 * self.pad, round(CHART_H * f.scale))
        pygame.draw.rect(self.panel, RULE, box, 1)
        end = max(self.ticks[-1], 1)

        def x(tick):
            return box.x + 1 + (box.w - 2) * tick / end

        def yv(v):
            return box.bottom - 2 - (box.h - 4) * (v - lo) / (hi - lo)

        if lo < 0 < hi:
            pygame.draw.line(self.panel, RULE, (box.x, yv(0.0)), (box.right - 1, yv(0.0)))
        if self.shift_tick is not None:
            pygame.draw.line(self.panel, SHIFT_RGB, (x(self.shift_tick), box.y), (x(self.shift_tick), box.bottom - 1))
        for name, values in zip(SPECIES, lines):
            points = [(x(t), yv(v)) for t, v in zip(self.ticks, values) if not np.isnan(v)]
            if len(points) > 1:
                pygame.draw.lines(self.panel, SPECIES_RGB[name], False, points, 2)
        self.text("tick 0", f.small, DIM, (box.x, box.bottom))
        self.text(f"tick {self.ticks[-1]:,}", f.small, DIM, (0, box.bottom), box.right)
        return box.bottom + f.small.get_linesize() + 2

    def timeline(self, y: int) -> int:
        """Where the shift falls: done (and when), planned by the world file, or only by hand."""
        planned = self.ecology.world.shift.tick
        if self.shift_tick is not None:
            world = self.ecology.world
            added = ", ".join(k.name for k in world.foods[world.ancestral:])
            words, color = f"SHIFT at tick {self.shift_tick:,}: " + (f"{added} appeared" if added else
                                                                      "nutrition changed"), SHIFT_RGB
        elif planned is not None:
            words, color = f"shift planned at tick {planned:,} (S: now)", DIM
        else:
            words, color = "no shift planned: S shifts the world now", DIM
        return write_fitted(self.panel, words, [self.fonts.body, self.fonts.small], color, (self.pad, y),
                            self.panel_w - 2 * self.pad) + 4

    def text(self, s: str, font: pygame.font.Font, color, pos, right: int | None = None) -> pygame.Rect:
        return write(self.panel, s, font, color, pos, right)

    def rule(self, y: int) -> int:
        pygame.draw.line(self.panel, RULE, (self.pad, y + 4), (self.panel_w - self.pad, y + 4))
        return y + 12
