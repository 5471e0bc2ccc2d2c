"""Maze generation: seeded recursive backtracker, optional braiding, placement rules.

Start, exit and objects always sit on cell tiles; every maze is connected, so the
exit is always reachable. A maze without room for all its objects (kept off the
shortest path) is drawn again from the same stream, so a world file's counts hold.
"""
from __future__ import annotations

import numpy as np

from ...errors import UserError
from ...features import APPLE, CORNERS, EXIT, color_index
from .graph import DIRECTIONS, Maze, MazeGraph, on_shortest_path

REDRAWS = 100  # mazes drawn in a row for one sample before the world is called too crowded


def carve(cells: int, braid: float, rng: np.random.Generator) -> np.ndarray:
    """Walls of a perfect maze by recursive backtracking, then open a share of dead ends."""
    side = 2 * cells + 1
    walls = np.ones((side, side), dtype=bool)
    seen = np.zeros((cells, cells), dtype=bool)
    stack = [(0, 0)]
    seen[0, 0] = True
    walls[1, 1] = False
    while stack:
        r, c = stack[-1]
        options = [(dr, dc) for dr, dc in DIRECTIONS
                   if 0 <= r + dr < cells and 0 <= c + dc < cells and not seen[r + dr, c + dc]]
        if not options:
            stack.pop()
            continue
        dr, dc = options[rng.integers(len(options))]
        walls[2 * r + 1 + dr, 2 * c + 1 + dc] = False
        walls[2 * (r + dr) + 1, 2 * (c + dc) + 1] = False
        seen[r + dr, c + dc] = True
        stack.append((r + dr, c + dc))
    if braid > 0:
        for r in range(cells):
            for c in range(cells):
                tr, tc = 2 * r + 1, 2 * c + 1
                closed = [(dr, dc) for dr, dc in DIRECTIONS
                          if walls[tr + dr, tc + dc] and 0 <= r + dr < cells and 0 <= c + dc < cells]
                if len(closed) == 3 and rng.random() < braid:
                    dr, dc = closed[rng.integers(len(closed))]
                    walls[tr + dr, tc + dc] = False
    return walls


def cell_tiles(cells: int) -> list[tuple[int, int]]:
    """Tile coordinates of every cell of an ``cells`` x ``cells`` maze, row by row."""
    return [(2 * r + 1, 2 * c + 1) for r in range(cells) for c in range(cells)]


def place(rule: str, cells: int, free: list[tuple[int, int]], rng) -> tuple[int, int]:
    """Cell tile for a placement rule: a named corner, or a random free cell."""
    if rule == "random":
        return free[rng.integers(len(free))]
    fx, fy = CORNERS[rule]
    return 2 * round(fy * (cells - 1)) + 1, 2 * round(fx * (cells - 1)) + 1


def region_tile(rule: str, side: int) -> tuple[int, int]:
    """The cell tile a corner rule names in a maze of tile side ``side``."""
    return place(rule, (side - 1) // 2, [], None)


def off_paths(free: list[tuple[int, int]], graph: MazeGraph, start: tuple[int, int],
              targets: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The tiles of ``free`` on no shortest path from the start to any of ``targets``."""
    on_path = np.zeros(len(graph.tiles), bool)
    for target in targets:
        on_path |= on_shortest_path(graph.dist, graph.index[start], graph.index[target])
    return [t for t in free if not on_path[graph.index[t]]]


class Crowded(Exception):
    """A maze has fewer free cells than the objects it must hold: draw another."""


def generate(world, rng: np.random.Generator) -> Maze:
    """Sample one maze from a maze world; a maze without room for its objects is drawn again."""
    for _ in range(REDRAWS):
        try:
            return draw(world, rng)
        except Crowded:
            continue
    raise UserError(f"{world.path}: [world] objects_off_path: {REDRAWS} mazes in a row had too few cells "
                    "off the shortest path for the objects; raise [world] size or lower the objects' count")


def draw(world, rng: np.random.Generator) -> Maze:
    """One maze, or :class:`Crowded` when its objects do not fit."""
    cells = world.size.sample(rng)
    walls = carve(cells, world.braid, rng)
    all_cells = cell_tiles(cells)
    start = place(world.start, cells, all_cells, rng)
    free = [t for t in all_cells if t != start]
    exit_ = place(world.exit.position, cells, free, rng)
    free = [t for t in free if t != exit_]
    if world.objects_off_path:
        free = off_paths(free, MazeGraph.of(walls), start, [exit_])
    rows = [(*exit_, color_index(world.exit.color), EXIT)] + scatter(world.objects, free, rng)
    return Maze(walls, start, np.array(rows, dtype=np.int64).reshape(-1, 4))


def scatter(objects, free: list[tuple[int, int]], rng) -> list[tuple]:
    """Object rows for a world's objects (ObjectSpecs) on distinct random cells taken from ``free``.

    Raises :class:`Crowded` when ``free`` runs out.
    """
    rows = []
    for obj in objects:
        for _ in range(obj.count.sample(rng)):
            if not free:
                raise Crowded
            tile = free.pop(rng.integers(len(free)))
            rows.append((*tile, color_index(obj.color), APPLE))
    return rows
