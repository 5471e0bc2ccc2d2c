"""Text on every board: the fonts (grown with the window), the panel colours, and lines that fit a width by
shrinking or wrapping, never by cutting."""
from __future__ import annotations

import pygame

BACKGROUND, RULE = (30, 32, 40), (70, 74, 86)
TEXT, DIM = (235, 235, 240), (160, 165, 178)
DEFAULT_WINDOW = (1000, 700)  # the window size at which the fonts have their base sizes
MIN_SCALE = 0.8  # the fonts of the smallest windows


class Fonts:
    """The viewer's three text sizes (pygame's bundled font, so it looks the same everywhere) and the gaps and
    icons that go with them, grown with the window so that a projected window reads from the back of a room."""

    def __init__(self, scale: float = 1.0):
        self.scale = scale
        self.title = pygame.font.Font(None, round(36 * scale))
        self.body = pygame.font.Font(None, round(26 * scale))
        self.small = pygame.font.Font(None, round(22 * scale))
        self.gap = round(10 * scale)
        self.icon = round(22 * scale)

    @classmethod
    def for_window(cls, size: tuple[int, int]) -> "Fonts":
        """Fonts for a window of ``size``: the base sizes at 1000x700, larger in a larger window."""
        return cls(max(MIN_SCALE, min(size[0] / DEFAULT_WINDOW[0], size[1] / DEFAULT_WINDOW[1])))


def write(surface: pygame.Surface, s: str, font: pygame.font.Font, color, pos, right: int | None = None) -> pygame.Rect:
    """Draw ``s`` on ``surface`` at ``pos``, or right-aligned to x = ``right``; returns its box."""
    image = font.render(s, True, color)
    box = image.get_rect(topleft=pos) if right is None else image.get_rect(topright=(right, pos[1]))
    surface.blit(image, box)
    return box


def wrap(s: str, font: pygame.font.Font, width: int) -> list[str]:
    """``s`` in lines no wider than ``width`` pixels: broken between words, and inside a word too long for a line."""
    lines, line = [], ""
    for word in s.split(" "):
        candidate = f"{line} {word}" if line else word
        if font.size(candidate)[0] <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while font.size(word)[0] > width and len(word) > 1:
            cut = max(n for n in range(1, len(word)) if font.size(word[:n])[0] <= width or n == 1)
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    return lines + [line]


def fit(s: str, fonts: list[pygame.font.Font], width: int) -> tuple[pygame.font.Font, list[str]]:
    """The first of ``fonts`` in which ``s`` fits ``width`` on one line; else ``s`` wrapped in the last."""
    for font in fonts:
        if font.size(s)[0] <= width:
            return font, [s]
    return fonts[-1], wrap(s, fonts[-1], width)


def write_fitted(surface: pygame.Surface, s: str, fonts: list[pygame.font.Font], color, pos,
                 width: int) -> int:
    """Draw ``s`` at ``pos`` as :func:`fit` lays it out in ``width``; returns the y below it."""
    font, lines = fit(s, fonts, width)
    x, y = pos
    for line in lines:
        write(surface, line, font, color, (x, y))
        y += font.get_linesize()
    return y
