"""What every board shares: its keys, the help overlay that lists them (H), the speed and the measured rate.

A board lists its keys once (:class:`Key` rows in ``KEYS``); :class:`Controls` binds
them, and its help overlay draws the same rows, so a key and its help never part.
"""
from __future__ import annotations

import io
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import pygame

from evosim.runs.files import atomic
from evosim.viewer.recording import free_name
from evosim.viewer.text import BACKGROUND, DIM, TEXT, Fonts

MIN_SPEED, MAX_SPEED = 0.5, 960.0  # steps (savanna: ticks) per second
RATE_WINDOW = 1.0  # seconds of shown time the measured rate is taken over


@dataclass(frozen=True)
class Key:
    """One key of a board: the pygame codes that press it, its name in the help, what it does, its method."""

    codes: tuple[int, ...]
    name: str
    what: str
    action: str


#: Keys every board has.
PAUSE = Key((pygame.K_SPACE,), "space", "pause / resume", "toggle_pause")
FASTER = Key((pygame.K_PLUS, pygame.K_EQUALS, pygame.K_KP_PLUS), "+", "faster", "faster")
SLOWER = Key((pygame.K_MINUS, pygame.K_KP_MINUS), "-", "slower", "slower")
HELP = Key((pygame.K_h,), "H", "show / hide this help", "toggle_help")
SCREENSHOT = Key((pygame.K_f,), "F", "save a screenshot", "screenshot")
QUIT = Key((pygame.K_ESCAPE, pygame.K_q), "Esc, Q", "quit", "quit")


def save_png(screen: pygame.Surface, path: Path) -> None:
    """Save the window as PNG at ``path``: encoded in memory, then written atomically (a full disk is one line)."""
    png = io.BytesIO()
    pygame.image.save(screen, png, path.name)
    with atomic(path, "wb") as f:
        f.write(png.getvalue())


class Rate:
    """Steps per second of shown time, over the last :data:`RATE_WINDOW` seconds in which steps were taken:
    what the board really achieved, which a slow machine keeps below the speed asked for."""

    def __init__(self):
        self.samples: deque[tuple[float, int]] = deque()

    def add(self, now: float, steps: int) -> None:
        """``steps`` taken in the frame shown at time ``now``."""
        self.samples.append((now, steps))
        while self.samples and self.samples[0][0] < now - RATE_WINDOW:
            self.samples.popleft()

    def pause(self) -> None:
        """Forget the samples: time spent paused or holding is not time spent stepping slowly."""
        self.samples.clear()

    @property
    def per_second(self) -> float | None:
        """The measured rate, or None before two frames were measured."""
        if len(self.samples) < 2:
            return None
        span = self.samples[-1][0] - self.samples[0][0]
        return sum(steps for _, steps in list(self.samples)[1:]) / span if span > 0 else None


class Controls:
    """A board's keys, speed, pause, screenshots and help overlay; the board sets ``KEYS`` and calls
    :meth:`draw_help`."""

    KEYS: tuple[Key, ...] = ()
    UNIT = "steps"  # what the speed counts, per second

    def __init__(self, screen: pygame.Surface, speed: float, screenshot_dir: str | Path = "."):
        self.screen = screen
        self.speed = min(max(speed, MIN_SPEED), MAX_SPEED)
        self.screenshot_dir = Path(screenshot_dir)
        self.paused = self.help = False
        self.running = True
        self.message = ""
        self.fonts = Fonts.for_window(screen.get_size())
        self.rate = Rate()
        self.now = time.perf_counter  # the shown time; a scripted run shows simulated time instead

    def screenshot_name(self) -> str:
        """The file name of a screenshot taken with F."""
        return time.strftime("evosim-%Y%m%d-%H%M%S") + f"-{int(time.time() * 1000) % 1000:03d}.png"

    def screenshot(self, path: str | Path | None = None) -> Path:
        """Save the window as PNG: to ``path``, or to a new file in the screenshot folder."""
        path = Path(path) if path is not None else free_name(self.screenshot_dir / self.screenshot_name())
        path.parent.mkdir(parents=True, exist_ok=True)
        save_png(self.screen, path)
        self.message = f"saved {path.name}"
        return path

    def handle(self, event: pygame.event.Event) -> None:
        """React to one pygame event: a bound key or closing the window."""
        if event.type == pygame.QUIT:
            self.quit()
        elif event.type == pygame.KEYDOWN:
            for key in self.KEYS:
                if event.key in key.codes:
                    getattr(self, key.action)()
                    return

    def toggle_pause(self) -> None:
        self.paused = not self.paused

    def faster(self) -> None:
        self.speed = min(self.speed * 2, MAX_SPEED)
        self.rate.pause()

    def slower(self) -> None:
        self.speed = max(self.speed / 2, MIN_SPEED)
        self.rate.pause()

    def toggle_help(self) -> None:
        self.help = not self.help

    def quit(self) -> None:
        self.running = False

    def stepped(self, steps: int) -> None:
        """Count ``steps`` taken in this frame into the measured rate."""
        self.rate.add(self.now(), steps)

    def status(self) -> str:
        """The speed line: paused, or the measured rate, with the speed asked for when the machine falls behind."""
        if self.paused:
            return "paused"
        measured = self.rate.per_second
        if measured is None or measured >= 0.9 * self.speed:
            return f"{self.speed:g} {self.UNIT}/s"
        return f"{measured:.0f} {self.UNIT}/s (asked {self.speed:g})"

    def draw_help(self, area: pygame.Rect, notes: list[tuple[pygame.Surface | None, str]] = ()) -> pygame.Rect:
        """The keys and ``notes`` (how to read the board: an optional icon and a line each), in a box over
        ``area``; returns the box."""
        f = self.fonts
        key_w = max(f.body.size(k.name)[0] for k in self.KEYS) + f.gap * 2
        width = f.gap * 2 + max([key_w + f.body.size(k.what)[0] for k in self.KEYS]
                                + [f.icon + f.gap + f.small.size(line)[0] for _, line in notes])
        height = (f.title.get_linesize() + f.gap * 3 + f.body.get_linesize() * len(self.KEYS)
                  + f.small.get_linesize() * len(notes) + f.gap)
        box = pygame.Rect(0, 0, min(width, self.screen.get_width()), height)
        box.center = area.center
        box.clamp_ip(self.screen.get_rect())
        shade = pygame.Surface(box.size, pygame.SRCALPHA)
        shade.fill(BACKGROUND + (240,))
        self.screen.blit(shade, box)
        pygame.draw.rect(self.screen, DIM, box, 1)
        x, y = box.x + f.gap, box.y + f.gap
        self.screen.blit(f.title.render("keys", True, TEXT), (x, y))
        y += f.title.get_linesize() + f.gap
        for key in self.KEYS:
            self.screen.blit(f.body.render(key.name, True, TEXT), (x, y))
            self.screen.blit(f.body.render(key.what, True, TEXT), (x + key_w, y))
            y += f.body.get_linesize()
        y += f.gap
        for icon, line in notes:
            if icon is not None:
                self.screen.blit(icon, (x, y + (f.small.get_linesize() - icon.get_height()) // 2))
            self.screen.blit(f.small.render(line, True, DIM if icon is None else TEXT),
                             (x + (f.icon + f.gap if icon is not None else 0), y))
            y += f.small.get_linesize()
        return box
