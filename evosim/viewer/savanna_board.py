"""Watching the savanna: creatures of both species eating, breeding and dying, and the shift as it happens.

:class:`SavannaViewer` ticks an :class:`~evosim.worlds.savanna.simulation.Ecology`
at the chosen speed and draws the arena (food by kind, the shift's kinds as
squares; evolved creatures as discs, trained ones as diamonds) and a panel with
each species' population and alignment, a live population chart, an alignment
chart and the timeline, the shift marked on all three. S triggers the shift.
Everything is drawn with plain shapes, so any surface will do (no display needed).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pygame

from evosim.core.features import COLORS
from evosim.worlds.savanna.simulation import Ecology
from evosim.worlds.savanna.logs import alignments
from evosim.worlds.savanna.world import SPECIES
from evosim.viewer.panel import BACKGROUND, DIM, RULE, TEXT, Fonts, write
from evosim.viewer.scene import TINTS
from evosim.viewer.app import SAVANNA_SPEED as SPEED
from evosim.viewer.recording import free_name
from evosim.viewer.window import FRAME_DT, MAX_SPEED, MIN_SPEED, PANEL_W, save_png

HISTORY = 10  # ticks between points of the charts
MAX_POINTS = 2000  # chart points kept; older ones are thinned out
ARENA_RGB, EDGE_RGB, SHIFT_RGB, ADDED_RGB = (150, 136, 92), (60, 52, 34), (255, 90, 90), (255, 105, 180)
SPECIES_RGB = dict(zip(SPECIES, TINTS))
PAD, CHART_H = 14, 110


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


class SavannaViewer:
    """The ecology on a surface: space pauses, S shifts, + and - set the speed, F saves a screenshot."""

    def __init__(self, ecology: Ecology, screen: pygame.Surface, speed: float = SPEED,
                 screenshot_dir: str | Path = "."):
        self.ecology, self.screen = ecology, screen
        self.speed = min(max(speed, MIN_SPEED), MAX_SPEED)
        self.screenshot_dir = Path(screenshot_dir)
        self.running, self.paused = True, False
        self.clock, self.message = 0.0, ""
        self.fonts = Fonts()
        world = ecology.world
        self.food_sprites = [food_sprite(k.color, k.size, i >= world.ancestral) for i, k in enumerate(world.foods)]
        self.creature_sprites = [creature_sprite(s) for s in SPECIES]
        w, h = screen.get_size()
        side = min(w - PANEL_W, h) - 2 * PAD
        self.arena = pygame.Rect(PAD + (w - PANEL_W - 2 * PAD - side) // 2, (h - side) // 2, side, side)
        self.panel = pygame.Surface((PANEL_W, h))
        self.panel_key = None
        self.ticks: list[int] = []
        self.population: list[np.ndarray] = []
        self.alignment: list[np.ndarray] = []
        self.shift_tick = 0 if ecology.shifted else None
        self.remember()

    # ---- keys and time -------------------------------------------------------------------------
    def handle(self, event: pygame.event.Event) -> None:
        if event.type == pygame.QUIT or (event.type == pygame.KEYDOWN and event.key in (pygame.K_ESCAPE,
                                                                                          pygame.K_q)):
            self.running = False
        elif event.type != pygame.KEYDOWN:
            return
        elif event.key == pygame.K_SPACE:
            self.paused = not self.paused
        elif event.key == pygame.K_s:
            self.shift()
        elif event.key in (pygame.K_PLUS, pygame.K_EQUALS, pygame.K_KP_PLUS):
            self.speed = min(self.speed * 2, MAX_SPEED)
        elif event.key in (pygame.K_MINUS, pygame.K_KP_MINUS):
            self.speed = max(self.speed / 2, MIN_SPEED)
        elif event.key == pygame.K_f:
            self.screenshot()

    def shift(self) -> None:
        """The shift, now (once)."""
        if not self.ecology.shifted:
            self.ecology.apply_shift()
            self.shift_tick = self.ecology.tick

    def advance(self, dt: float = FRAME_DT) -> None:
        """Tick at the current speed, remembering the charts' points."""
        if self.paused:
            return
        self.clock += dt * self.speed
        while self.clock >= 1.0:
            self.ecology.step()
            self.clock -= 1.0
            if self.shift_tick is None and self.ecology.shifted:
                self.shift_tick = self.ecology.tick - 1
            if self.ecology.tick % HISTORY == 0:
                self.remember()

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
        status = "paused" if self.paused else f"{self.speed:g} ticks/s"
        key = (self.ecology.tick // HISTORY, self.shift_tick, status, self.message)
        if key != self.panel_key:
            self.render_panel(status)
            self.panel_key = key
        self.screen.blit(self.panel, (self.screen.get_width() - PANEL_W, 0))

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
        surf.fill(BACKGROUND)
        right = PANEL_W - PAD
        y = self.text(e.world.name, f.title, TEXT, (PAD, 12)).bottom + 2
        self.text(status, f.small, DIM, (PAD, y), right)
        y = self.text(f"tick {e.tick:,}", f.body, TEXT, (PAD, y)).bottom + 4
        y = self.rule(y)
        for s, name in enumerate(SPECIES):
            surf.blit(self.creature_sprites[s], (PAD, y + 4))
            self.text(name, f.body, SPECIES_RGB[name], (PAD + 18, y))
            self.text(f"{self.population[-1][s]:>4d}", f.body, TEXT, (PAD + 120, y))
            aligned = self.alignment[-1][s]
            self.text("alignment -" if np.isnan(aligned) else f"alignment {aligned:+.2f}", f.body, TEXT, (0, y),
                      right)
            y += 24
        y = self.rule(y)
        y = self.chart(y, "population", [p for p in zip(*self.population)], 0.0,
                       max(1.0, max(max(p) for p in self.population)))
        y = self.chart(y, "alignment (drives vs nutrition)", [a for a in zip(*self.alignment)], -1.0, 1.0)
        y = self.timeline(y + 4)
        y = self.rule(y)
        for i, kind in enumerate(e.world.foods):
            if i < e.world.ancestral or e.shifted:
                surf.blit(self.food_sprites[i], (PAD + 4, y + 5))
                self.text(kind.name, f.small, TEXT, (PAD + 20, y + 2))
                self.text(f"sweet {kind.sweet:g}  size {kind.size:g}  nutrition {e.nutrition[i]:+g}", f.small, DIM,
                          (0, y + 2), right)
                y += 18
        if self.message:
            self.text(self.message, f.small, DIM, (PAD, self.panel.get_height() - 44))
        self.text("space pause   S shift   + - speed   F screenshot", f.small, DIM,
                  (PAD, self.panel.get_height() - 24))

    def chart(self, y: int, title: str, lines: list, lo: float, hi: float) -> int:
        """A small line chart of the remembered points, one line per species, the shift marked."""
        self.text(title, self.fonts.small, DIM, (PAD, y))
        box = pygame.Rect(PAD, y + 18, PANEL_W - 2 * PAD, CHART_H)
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
        return box.bottom + 6

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
        return self.text(words, self.fonts.body, color, (PAD, y)).bottom + 4

    def text(self, s: str, font: pygame.font.Font, color, pos, right: int | None = None) -> pygame.Rect:
        return write(self.panel, s, font, color, pos, right)

    def rule(self, y: int) -> int:
        pygame.draw.line(self.panel, RULE, (PAD, y + 4), (PANEL_W - PAD, y + 4))
        return y + 12

    def screenshot(self, path: str | Path | None = None) -> Path:
        """Save the window as PNG: to ``path``, or to a numbered file in the screenshot folder."""
        path = Path(path) if path is not None else free_name(self.screenshot_dir / f"savanna-tick-{self.ecology.tick}.png")
        path.parent.mkdir(parents=True, exist_ok=True)
        save_png(self.screen, path)
        self.message = f"saved {path.name}"
        return path
