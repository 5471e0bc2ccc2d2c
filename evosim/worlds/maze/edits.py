"""Small edits of a maze within the feature vocabulary, as ACCEL makes them: an apple moved or recoloured,
the exit recoloured or moved to another corner. The walls and the start never change, so an edited maze is
as connected as its parent; no two objects ever share a tile, and none stands on the start."""
from __future__ import annotations

import numpy as np

from evosim.core.features import COLOR_NAMES, CORNERS
from evosim.worlds.maze.generator import region_tile
from evosim.worlds.maze.graph import Maze

EDITS = ("move_apple", "recolor_apple", "recolor_exit", "move_exit")


def _taken(maze: Maze) -> set[tuple[int, int]]:
    """The tiles an object or the start stands on."""
    return {tuple(map(int, o[:2])) for o in maze.objects} | {maze.start}


def _corners(maze: Maze) -> list[tuple[int, int]]:
    """The corner cells (and the centre) other than the start's and the exit's that no object stands on."""
    taken = _taken(maze)
    return [t for t in dict.fromkeys(region_tile(c, maze.side) for c in CORNERS) if t not in taken]


def _free(maze: Maze) -> list[tuple[int, int]]:
    """Cell tiles (odd coordinates, where the generator places objects) without an object, other than the
    start."""
    taken = _taken(maze)
    return [(int(r), int(c)) for r, c in np.argwhere(~maze.walls) if r % 2 and c % 2 and (r, c) not in taken]


def possible(maze: Maze) -> list[str]:
    """The edits this maze allows: apple edits need an apple, moving needs a free tile or corner."""
    apples = len(maze.objects) > 1
    return [e for e in EDITS if (e != "move_apple" or (apples and _free(maze)))
            and (e != "recolor_apple" or apples) and (e != "move_exit" or _corners(maze))]


def edit(maze: Maze, rng: np.random.Generator) -> tuple[Maze, str]:
    """One edit of ``maze``, drawn from ``rng`` among those it allows, and its name."""
    kinds = possible(maze)
    kind = kinds[rng.integers(len(kinds))]
    objects = maze.objects.copy()
    if kind in ("move_apple", "recolor_apple"):
        i = 1 + int(rng.integers(len(objects) - 1))
    else:
        i = 0
    if kind.startswith("recolor"):
        others = [c for c in range(len(COLOR_NAMES)) if c != objects[i, 2]]
        objects[i, 2] = others[rng.integers(len(others))]
    else:
        tiles = _free(maze) if kind == "move_apple" else _corners(maze)
        objects[i, :2] = tiles[rng.integers(len(tiles))]
    return Maze(maze.walls, maze.start, objects), kind
