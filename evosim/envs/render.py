"""Drawing one slot of the Gymnasium environments: an RGB frame, and a pygame window for ``human`` mode."""
from __future__ import annotations

import numpy as np

from evosim.core.features import AGENT_RGB, APPLE, COLOR_NAMES, COLORS, FLOOR_RGB, WALL_RGB

TILE_PX = 16


def _masks(px: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel masks inside one tile: an apple disc, and the agent's triangle for each heading."""
    v, u = (np.mgrid[:px, :px] + 0.5) / px
    disc = (u - 0.5) ** 2 + (v - 0.5) ** 2 <= 0.3 ** 2
    north = (v >= 0.15) & (v <= 0.85) & (np.abs(u - 0.5) <= (v - 0.15) / 2)
    return disc, np.stack([np.rot90(north, -h) for h in range(4)])  # headings turn clockwise


DISC, AGENT = _masks(TILE_PX)


def frame(slots, i: int) -> np.ndarray:
    """(H, W, 3) uint8 picture of slot ``i``: walls, floor, the exit as a full tile, uneaten apples
    as discs, the agent as a triangle pointing where it heads."""
    e, px = slots.episodes, TILE_PX
    m = e.batch.mazes[i]
    grid = np.where(m.walls[..., None], np.array(WALL_RGB, np.uint8), np.array(FLOOR_RGB, np.uint8))
    out = grid.repeat(px, 0).repeat(px, 1)
    for n, (r, c, color, shape) in enumerate(m.objects):
        if shape == APPLE and e.eaten[i, n]:
            continue
        tile = out[r * px:(r + 1) * px, c * px:(c + 1) * px]
        rgb = COLORS[COLOR_NAMES[color]]
        if shape == APPLE:
            tile[DISC] = rgb
        else:
            tile[:] = rgb
    r, c = e.batch.tiles[i, e.pos[i]]
    out[r * px:(r + 1) * px, c * px:(c + 1) * px][AGENT[e.heading[i]]] = AGENT_RGB
    return out


class Window:
    """A pygame window showing frames at the environment's frame rate; pygame is imported on first use."""

    def __init__(self, title: str, fps: int):
        self.title, self.fps = title, fps
        self.screen = self.clock = None

    def show(self, picture: np.ndarray) -> None:
        import pygame

        size = picture.shape[1], picture.shape[0]
        if self.screen is None or self.screen.get_size() != size:
            pygame.display.init()
            self.screen = pygame.display.set_mode(size)
            pygame.display.set_caption(self.title)
            self.clock = pygame.time.Clock()
        self.screen.blit(pygame.surfarray.make_surface(picture.swapaxes(0, 1)), (0, 0))
        pygame.event.pump()
        pygame.display.flip()
        self.clock.tick(self.fps)

    def close(self) -> None:
        if self.screen is not None:
            import pygame

            pygame.display.quit()
            self.screen = None
