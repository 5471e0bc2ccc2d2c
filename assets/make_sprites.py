"""Draw the viewer's sprites with pygame primitives and save them as PNGs beside this script.

Sprites are white and greyscale so the viewer can tint them at runtime: objects by
their feature colour, agents by their legend colour. Agents face north. Their body
tells the base optimizer (ga: a beetle, cma-es: a cloud of samples, openai-es:
mirrored samples on spokes, gradient: a robot, hand-set: an arrowhead) and a mark
on it tells the mind (planner: an eye, reflex: a lightning bolt, neural: a 3x3 grid,
its convolution over the maze). ``agent-<optimizer>`` is the body alone, for minds
without a mark of their own, and ``agent`` a plain disc for anything else.

Run: python assets/make_sprites.py
"""
from __future__ import annotations

import math
import os
from pathlib import Path

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
import pygame  # noqa: E402

SIZE = 64  # saved sprite side in pixels
SCALE = 4  # drawn this many times larger, then smoothly scaled down for anti-aliasing
S = SIZE * SCALE
WHITE, SHADE, MARK, INK = (255, 255, 255), (205, 205, 205), (70, 70, 70), (18, 18, 18)
LINE = 3 * SCALE


def canvas() -> pygame.Surface:
    return pygame.Surface((S, S), pygame.SRCALPHA)


def outlined_polygon(surf: pygame.Surface, points: list[tuple[float, float]]) -> None:
    pygame.draw.polygon(surf, WHITE, points)
    pygame.draw.polygon(surf, INK, points, LINE)


def beetle(surf: pygame.Surface) -> None:
    """Evolution: an organic body with legs and antennae."""
    for y in (118, 160, 202):
        for side in (-1, 1):
            pygame.draw.line(surf, INK, (128, y), (128 + side * 112, y + (y - 160) * 0.6 - 14), LINE + 2)
    for side in (-1, 1):
        pygame.draw.line(surf, INK, (128 + side * 14, 60), (128 + side * 58, 10), LINE)
    body = pygame.Rect(0, 0, 132, 170)
    body.center = (128, 160)
    pygame.draw.ellipse(surf, WHITE, body)
    pygame.draw.ellipse(surf, INK, body, LINE)
    pygame.draw.line(surf, INK, (128, 90), (128, 238), LINE // 2)
    pygame.draw.circle(surf, WHITE, (128, 66), 36)
    pygame.draw.circle(surf, INK, (128, 66), 36, LINE)


def robot(surf: pygame.Surface) -> None:
    """Gradient: a tracked machine with a nose and a visor."""
    for x in (30, 186):
        track = pygame.Rect(x, 70, 40, 170)
        pygame.draw.rect(surf, MARK, track, border_radius=14)
        for y in range(84, 236, 24):
            pygame.draw.line(surf, INK, (x + 4, y), (x + 36, y), SCALE)
    outlined_polygon(surf, [(128, 6), (170, 56), (86, 56)])
    body = pygame.Rect(62, 50, 132, 190)
    pygame.draw.rect(surf, WHITE, body, border_radius=22)
    pygame.draw.rect(surf, INK, body, LINE, border_radius=22)
    pygame.draw.rect(surf, MARK, pygame.Rect(84, 66, 88, 20), border_radius=8)


def cloud(surf: pygame.Surface) -> None:
    """CMA-ES: samples scattered around a centroid, inside the ellipse of their covariance."""
    outlined_polygon(surf, [(128, 4), (164, 44), (92, 44)])
    body = pygame.Rect(28, 40, 200, 208)
    pygame.draw.ellipse(surf, WHITE, body)
    pygame.draw.ellipse(surf, INK, body, LINE)
    for x, y in ((70, 110), (186, 104), (60, 184), (196, 190), (128, 226), (100, 70), (158, 72)):
        pygame.draw.circle(surf, SHADE, (x, y), 12)
        pygame.draw.circle(surf, INK, (x, y), 12, SCALE)


def spokes(surf: pygame.Surface) -> None:
    """OpenAI-ES: pairs of samples mirrored through the mean, each pair on a spoke across an octagon."""
    outlined_polygon(surf, [(128, 4), (164, 44), (92, 44)])
    cx, cy, r = 128, 148, 104
    octagon = [(cx + r * math.cos(math.radians(22.5 + 45 * k)), cy + r * math.sin(math.radians(22.5 + 45 * k)))
               for k in range(8)]
    outlined_polygon(surf, octagon)
    for angle in (0, 60, 120):
        dx, dy = 72 * math.cos(math.radians(angle)), 72 * math.sin(math.radians(angle))
        pygame.draw.line(surf, MARK, (cx - dx, cy - dy), (cx + dx, cy + dy), SCALE)
        for side in (-1, 1):
            pygame.draw.circle(surf, SHADE, (cx + side * dx, cy + side * dy), 13)
            pygame.draw.circle(surf, INK, (cx + side * dx, cy + side * dy), 13, SCALE)


def disc(surf: pygame.Surface) -> None:
    """Anything else: a plain disc with a notch for its heading."""
    pygame.draw.circle(surf, WHITE, (128, 136), 104)
    pygame.draw.circle(surf, INK, (128, 136), 104, LINE)
    outlined_polygon(surf, [(128, 10), (160, 58), (96, 58)])


def arrowhead(surf: pygame.Surface) -> None:
    """Hand-set: a plain arrowhead, like a Logo turtle."""
    outlined_polygon(surf, [(128, 8), (236, 242), (128, 196), (20, 242)])


def eye(surf: pygame.Surface, center: tuple[int, int]) -> None:
    """Planner: an eye that looks ahead."""
    cx, cy = center
    pygame.draw.ellipse(surf, MARK, pygame.Rect(cx - 40, cy - 24, 80, 48), LINE)
    pygame.draw.circle(surf, MARK, center, 14)


def bolt(surf: pygame.Surface, center: tuple[int, int]) -> None:
    """Reflex: a lightning bolt, a reaction without a plan."""
    cx, cy = center
    points = [(12, -46), (-26, 6), (2, 6), (-12, 46), (28, -10), (0, -10), (14, -46)]
    pygame.draw.polygon(surf, MARK, [(cx + x, cy + y) for x, y in points])


def grid(surf: pygame.Surface, center: tuple[int, int]) -> None:
    """Neural: a 3x3 grid of cells, the convolution it runs over the whole maze."""
    cx, cy = center
    for i in (-1, 0, 1):
        for j in (-1, 0, 1):
            pygame.draw.rect(surf, MARK, pygame.Rect(cx + 30 * j - 11, cy + 30 * i - 11, 22, 22), border_radius=4)


BODIES = {"ga": (beetle, (128, 166)), "cma-es": (cloud, (128, 146)), "openai-es": (spokes, (128, 148)),
          "gradient": (robot, (128, 160)), "hand-set": (arrowhead, (128, 160))}
MARKS = {"planner": eye, "reflex": bolt, "neural": grid}


def agent(optimizer: str, mind: str | None) -> pygame.Surface:
    surf = canvas()
    draw_body, mark_at = BODIES[optimizer]
    draw_body(surf)
    if mind is not None:
        MARKS[mind](surf, mark_at)
    return surf


def plain() -> pygame.Surface:
    surf = canvas()
    disc(surf)
    return surf


def exit_door() -> pygame.Surface:
    """The exit: a tile-filling plate with a door; its centre is pure white for exact tints."""
    surf = canvas()
    plate = pygame.Rect(8, 8, S - 16, S - 16)
    pygame.draw.rect(surf, WHITE, plate, border_radius=28)
    pygame.draw.rect(surf, INK, plate, LINE, border_radius=28)
    door = pygame.Rect(70, 36, 116, 188)
    pygame.draw.rect(surf, MARK, door, LINE + 2, border_radius=10)
    pygame.draw.circle(surf, MARK, (160, 136), 11)
    return surf


def apple() -> pygame.Surface:
    surf = canvas()
    pygame.draw.line(surf, INK, (128, 80), (140, 24), LINE + 3)
    pygame.draw.ellipse(surf, MARK, pygame.Rect(142, 26, 66, 34))
    body = pygame.Rect(36, 64, 184, 172)
    pygame.draw.ellipse(surf, WHITE, body)
    pygame.draw.ellipse(surf, SHADE, body.inflate(-40, -40).move(22, 22))
    pygame.draw.ellipse(surf, WHITE, body.inflate(-40, -40).move(4, 4))
    pygame.draw.ellipse(surf, INK, body, LINE)
    return surf


def sprites() -> dict[str, pygame.Surface]:
    """Every sprite by file stem."""
    out = {"exit": exit_door(), "apple": apple(), "agent": plain()}
    for optimizer in BODIES:
        out[f"agent-{optimizer}"] = agent(optimizer, None)
        for mind in MARKS:
            out[f"agent-{optimizer}-{mind}"] = agent(optimizer, mind)
    return out


def main() -> None:
    here = Path(__file__).resolve().parent
    for name, surf in sprites().items():
        pygame.image.save(pygame.transform.smoothscale(surf, (SIZE, SIZE)), str(here / f"{name}.png"))
        print(here / f"{name}.png")


if __name__ == "__main__":
    main()
