"""The window: frame loop, keys, help overlay, screenshots and recording.

Simulated time advances a fixed 1/60 s per frame, so a scripted run of N frames
shows the same thing on every machine; interactively the loop is capped at 60 fps.
"""
from __future__ import annotations

import io
import time
from dataclasses import dataclass
from pathlib import Path

import pygame

from evosim.core.errors import UserError
from evosim.runs.files import atomic
from evosim.viewer.maze_board import Board
from evosim.viewer.panel import BACKGROUND, DIM, TEXT, Fonts, Panel
from evosim.viewer.recording import Recording, free_name
from evosim.viewer.scene import Scene
from evosim.viewer.sprites import Sprites

FPS = 60
FRAME_DT = 1.0 / FPS
PANEL_W = 350
HOLD = 1.0  # seconds a finished maze stays on screen before the next one
MIN_SPEED, MAX_SPEED = 0.5, 960.0  # steps per second
READING = (
    "body: beetle = ga, cloud = cma-es, robot = gradient, arrowhead = hand-set",
    "mark: eye = planner, lightning bolt = reflex; number = row in the panel",
    "ring: a planner's current target; faded apple: eaten by some agents",
)


def save_png(screen: pygame.Surface, path: Path) -> None:
    """Save the window as PNG at ``path``: encoded in memory, then written atomically (a full disk is one line)."""
    png = io.BytesIO()
    pygame.image.save(screen, png, path.name)
    with atomic(path, "wb") as f:
        f.write(png.getvalue())


class Viewer:
    """The scene drawn in a window, driven by keys and by the frame clock."""

    def __init__(self, scene: Scene, screen: pygame.Surface, speed: float = 10.0,
                 screenshot_dir: str | Path = "."):
        self.scene, self.screen = scene, screen
        self.speed = min(max(speed, MIN_SPEED), MAX_SPEED)
        self.screenshot_dir = Path(screenshot_dir)
        self.paused = self.help = False
        self.running = True
        self.progress = 0.0  # share of the current step's move already shown
        self.held = 0.0  # seconds the finished maze has been on screen
        self.fonts = Fonts()
        sprites = Sprites()
        w, h = screen.get_size()
        self.board = Board(pygame.Rect(0, 0, w - PANEL_W, h), sprites, self.fonts.small)
        self.panel = Panel(pygame.Rect(w - PANEL_W, 0, PANEL_W, h), sprites, self.fonts)
        self.message = ""

    # ---- keys -------------------------------------------------------------------------
    def toggle_pause(self) -> None:
        self.paused = not self.paused

    def next_maze(self) -> None:
        self.scene.new_maze()
        self.restart()

    def shift(self) -> None:
        self.scene.shift()
        self.restart()

    def faster(self) -> None:
        self.speed = min(self.speed * 2, MAX_SPEED)

    def slower(self) -> None:
        self.speed = max(self.speed / 2, MIN_SPEED)

    def toggle_help(self) -> None:
        self.help = not self.help

    def quit(self) -> None:
        self.running = False

    def screenshot(self, path: str | Path | None = None) -> Path:
        """Save the window as PNG: to ``path``, or to a timestamped file in the screenshot folder."""
        if path is None:
            stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{int(time.time() * 1000) % 1000:03d}"
            path = free_name(self.screenshot_dir / f"evosim-{stamp}.png")
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        save_png(self.screen, path)
        self.message = f"saved {path.name}"
        return path

    KEYS = (
        ((pygame.K_SPACE,), "space", "pause / resume", toggle_pause),
        ((pygame.K_n,), "N", "next maze", next_maze),
        ((pygame.K_s,), "S", "shift: training world <-> watched world", shift),
        ((pygame.K_PLUS, pygame.K_EQUALS, pygame.K_KP_PLUS), "+", "faster", faster),
        ((pygame.K_MINUS, pygame.K_KP_MINUS), "-", "slower", slower),
        ((pygame.K_f,), "F", "save a screenshot", screenshot),
        ((pygame.K_h,), "H", "show / hide this help", toggle_help),
        ((pygame.K_ESCAPE,), "Esc", "quit", quit),
    )
    BINDINGS = {key: action for keys, _, _, action in KEYS for key in keys}

    def handle(self, event: pygame.event.Event) -> None:
        """React to one pygame event: a bound key or closing the window."""
        if event.type == pygame.QUIT:
            self.quit()
        elif event.type == pygame.KEYDOWN and event.key in self.BINDINGS:
            self.BINDINGS[event.key](self)

    # ---- time -------------------------------------------------------------------------
    def restart(self) -> None:
        self.progress = self.held = 0.0

    def advance(self, dt: float = FRAME_DT) -> None:
        """Let ``dt`` seconds of simulated time pass: step at the current speed, then hold, then move on."""
        if self.paused:
            return
        if self.scene.done:
            self.progress = 1.0
            self.held += dt
            if self.held >= HOLD:
                self.next_maze()
            return
        self.progress += dt * self.speed
        while self.progress >= 1.0 and not self.scene.done:
            self.scene.step()
            self.progress -= 1.0
        self.progress = min(self.progress, 1.0)

    # ---- drawing ----------------------------------------------------------------------
    def status(self) -> str:
        state = "paused" if self.paused else f"{self.speed:g} steps/s"
        return f"{state}   {self.message}" if self.message else state

    def draw(self) -> None:
        self.board.draw(self.screen, self.scene, self.progress)
        self.panel.draw(self.screen, self.scene, self.status())
        if self.help:
            self.draw_help()

    def draw_help(self) -> None:
        """The key bindings and how to read the board, in a translucent box over the board."""
        body, small = self.fonts.body, self.fonts.small
        rows = [(name, what) for _, name, what, _ in self.KEYS]
        width = 40 + max([80 + body.size(what)[0] for _, what in rows]
                         + [small.size(line)[0] for line in READING])
        box = pygame.Rect(0, 0, width, 64 + 28 * len(rows) + 20 * len(READING))
        box.center = self.board.rect.center
        shade = pygame.Surface(box.size, pygame.SRCALPHA)
        shade.fill(BACKGROUND + (235,))
        self.screen.blit(shade, box)
        self.screen.blit(self.fonts.title.render("keys", True, TEXT), (box.x + 20, box.y + 14))
        y = box.y + 50
        for name, what in rows:
            self.screen.blit(body.render(name, True, TEXT), (box.x + 20, y))
            self.screen.blit(body.render(what, True, TEXT), (box.x + 100, y))
            y += 28
        for line in READING:
            self.screen.blit(small.render(line, True, DIM), (box.x + 20, y + 6))
            y += 20


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


@dataclass
class LoopResult:
    frames: int
    drawing_seconds: float

    @property
    def fps(self) -> float:
        return self.frames / max(self.drawing_seconds, 1e-9)


def run_loop(viewer: Viewer, frames: int | None = None, record: Recording | None = None,
             every: int = 1) -> LoopResult:
    """Run frames until the viewer quits or ``frames`` have been shown, saving every ``every``-th into ``record``.

    Scripted runs (``frames`` given) go as fast as drawing allows; interactive ones at 60 fps.
    """
    clock = pygame.time.Clock()
    shown, drawing = 0, 0.0
    while viewer.running and (frames is None or shown < frames):
        for event in pygame.event.get():
            viewer.handle(event)
        viewer.advance()
        start = time.perf_counter()
        viewer.draw()
        pygame.display.flip()
        drawing += time.perf_counter() - start
        shown += 1
        if record is not None and shown % every == 0:
            save_png(viewer.screen, record.frame(shown))
        if frames is None:
            clock.tick(FPS)
    return LoopResult(shown, drawing)
