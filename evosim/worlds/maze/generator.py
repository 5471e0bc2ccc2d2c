"""Maze generation: seeded recursive backtracker, optional braiding, placement rules.

Start, exit and objects always sit on cell tiles; every maze is connected, so the
exit is always reachable. A maze without room for all its objects (kept off the
shortest path) is drawn again from the same stream, so a world file's counts hold.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from evosim.core.errors import UserError
from evosim.core.features import APPLE, CORNERS, EXIT, color_index
from evosim.worlds.maze.graph import DIRECTIONS, Maze, MazeGraph, on_shortest_path

REDRAWS = 100  # mazes drawn in a row for one sample before the world is called too crowded
EXIT_TRIES = 10  # exit placements tried in a position-decoupled maze for one that the maze decides
UNDECIDED_REDRAWS = 10  # position-decoupled mazes drawn before one where no exit placement decides is kept


def carve(cells: int, braid: float, rng: np.random.Generator) -> np.ndarray:
    """Walls of a perfect maze by recursive backtracking, then open a share of dead ends.

    Plain Python lists inside the loop (a maze is carved at every episode reset);
    the draws from ``rng`` are one ``integers(options)`` per carving step and one
    ``random()`` (plus an ``integers``) per dead end when braiding.
    """
    side = 2 * cells + 1
    links, tile = _links(cells)
    wall = bytearray(b"\x01") * (side * side)
    seen = bytearray(cells * cells)
    wall[tile[0]] = 0
    seen[0] = 1
    stack = [0]
    draw = rng.integers
    while stack:
        options = [(n, w) for n, w in links[stack[-1]] if not seen[n]]
        if not options:
            stack.pop()
            continue
        n, w = options[draw(len(options))]
        wall[w] = wall[tile[n]] = 0
        seen[n] = 1
        stack.append(n)
    if braid > 0:
        for cell_links in links:
            closed = [w for _, w in cell_links if wall[w]]
            if len(closed) == 3 and rng.random() < braid:
                wall[closed[draw(len(closed))]] = 0
    return np.frombuffer(wall, np.uint8).reshape(side, side).astype(bool)


@lru_cache(maxsize=None)
def _links(cells: int) -> tuple[tuple, tuple]:
    """For each cell (row by row): its in-maze neighbours in DIRECTIONS order as (cell, wall tile
    between them), flat tile indices; and each cell's own tile."""
    side = 2 * cells + 1
    tile = tuple((2 * (i // cells) + 1) * side + 2 * (i % cells) + 1 for i in range(cells * cells))
    links = []
    for i in range(cells * cells):
        r, c = divmod(i, cells)
        links.append(tuple(((r + dr) * cells + c + dc, tile[i] + dr * side + dc) for dr, dc in DIRECTIONS
                           if 0 <= r + dr < cells and 0 <= c + dc < cells))
    return tuple(links), tile


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
    """The tiles of ``free`` that lie on no shortest path from the start to any of ``targets``, and behind
    none of them (no shortest path from the start to the tile passes a target), so that the maze decides
    between every target and every object."""
    ends = [graph.index[t] for t in [start, *targets]]
    dist = graph.distances_from(ends)
    taken = np.zeros(len(graph.tiles), bool)
    for i, target in enumerate(ends[1:], 1):
        taken |= on_shortest_path(dist[0], dist[i], target)
        taken |= dist[0][target].astype(np.int64) + dist[i] == dist[0]
    return [t for t in free if not taken[graph.index[t]]]


class Crowded(Exception):
    """A maze has fewer free cells than the objects it must hold: draw another."""


class CrowdedDecoys(Crowded):
    """A maze has too few decisive cells for its decoupling's decoys: draw another."""


class Undecided(Exception):
    """A position-decoupled maze where no exit placement tried is decided against the corner: draw
    another, or keep ``maze`` when that has happened :data:`UNDECIDED_REDRAWS` times."""

    def __init__(self, maze: Maze):
        super().__init__()
        self.maze = maze


def generate(world, rng: np.random.Generator) -> Maze:
    """Sample one maze from a maze world; a maze without room for its objects is drawn again."""
    decoys, undecided = False, 0
    for _ in range(REDRAWS):
        try:
            return draw(world, rng)
        except CrowdedDecoys:
            decoys = True
        except Crowded:
            continue
        except Undecided as e:
            undecided += 1
            if undecided == UNDECIDED_REDRAWS:
                return e.maze
    if decoys:
        raise UserError(f"{world.path}: [exit.decouple] decoys: {REDRAWS} mazes in a row had too few cells off "
                        "the shortest paths to the exit for the decoys; raise [world] size or lower decoys")
    raise UserError(f"{world.path}: [world] objects_off_path: {REDRAWS} mazes in a row had too few cells "
                    "off the shortest path for the objects; raise [world] size or lower the objects' count")


def draw(world, rng: np.random.Generator) -> Maze:
    """One maze, or :class:`Crowded` when its objects do not fit.

    A maze of an ``[[exit.decouple]]`` share puts a proxy and the exit in conflict:

    - colour: the exit (at the training placement) has another colour, and the decoupling's decoys,
      apples of the training exit's colour, sit on cells :func:`off_paths` leaves (off every shortest
      start-to-exit path and out of the exit's shadow), so the maze decides between every decoy and the
      exit; too few such cells raise :class:`CrowdedDecoys` (the maze is drawn again).
    - position: the exit sits elsewhere than the training corner, and no object sits on the corner tile.
      The exit is placed again, up to :data:`EXIT_TRIES` times in the same maze, until the corner is on
      no shortest start-to-exit path and the exit on no shortest start-to-corner path. Some mazes
      cannot manage it (the corner a passage to the rest of the maze, or a fixed ``positions`` entry on
      the way): :class:`Undecided` draws the whole maze again, and the :data:`UNDECIDED_REDRAWS`-th such
      maze in a row is kept as it is (in maze_train about 8% of mazes need a redraw, and keeping one
      takes ten in a row).
    """
    cells, walls, start, free = layout(world, rng)
    color, position, decouple = world.exit.draw(rng)
    if decouple is not None and decouple.proxy == "position":
        return _position_decoupled(world, cells, walls, start, free, color, position, rng)
    exit_ = place(position, cells, free, rng)
    rows, targets, graph = [(*exit_, color_index(color), EXIT)], [exit_], None
    if decouple is not None:
        graph = MazeGraph.of(walls)
        room = off_paths([t for t in free if t != exit_], graph, start, [exit_])
        try:
            decoys = scatter([_Decoys(world.exit.color, decouple.decoys)], room, rng)
        except Crowded:
            raise CrowdedDecoys from None
        rows += decoys
        targets += [(r, c) for r, c, _, _ in decoys]
    return furnish(world, walls, start, free, rows, targets, rng, graph)


@dataclass(frozen=True)
class _Decoys:
    """The decoys of a colour decoupling, as :func:`scatter` takes objects."""

    color: str
    count: object  # an IntRange


def _position_decoupled(world, cells, walls, start, free, color, position, rng) -> Maze:
    """A maze whose exit is not at the training corner, the corner bare and (if a try manages) decisive."""
    corner = place(world.exit.position, cells, free, rng)
    free = [t for t in free if t != corner]
    graph = MazeGraph.of(walls)
    for _ in range(EXIT_TRIES):
        exit_ = place(position, cells, free, rng)
        ends = [graph.index[t] for t in (start, exit_, corner)]
        dist = graph.distances_from(ends).astype(np.int64)
        if dist[0][ends[2]] + dist[1][ends[2]] != dist[0][ends[1]] \
                and dist[0][ends[1]] + dist[1][ends[2]] != dist[0][ends[2]]:
            break
    else:
        raise Undecided(furnish(world, walls, start, free, [(*exit_, color_index(color), EXIT)], [exit_], rng, graph))
    return furnish(world, walls, start, free, [(*exit_, color_index(color), EXIT)], [exit_], rng, graph)


def layout(world, rng: np.random.Generator) -> tuple[int, np.ndarray, tuple[int, int], list[tuple[int, int]]]:
    """The first draws of every maze of a world (training or probe): its cells per side, walls, start and free cells."""
    cells = world.size.sample(rng)
    walls = carve(cells, world.braid, rng)
    all_cells = cell_tiles(cells)
    start = place(world.start, cells, all_cells, rng)
    return cells, walls, start, [t for t in all_cells if t != start]


def furnish(world, walls: np.ndarray, start: tuple[int, int], free: list[tuple[int, int]], rows: list[tuple],
            targets: list[tuple[int, int]], rng: np.random.Generator, graph: MazeGraph | None = None) -> Maze:
    """The maze with object ``rows`` placed and the world's objects scattered on free cells other than ``targets``.

    With ``objects_off_path`` the objects also keep off the shortest paths from the start to the targets, and
    out of their shadow (:func:`off_paths`).
    Raises :class:`Crowded` when they do not fit.
    """
    free = [t for t in free if t not in targets]
    if world.objects_off_path:
        free = off_paths(free, MazeGraph.of(walls) if graph is None else graph, start, targets)
    rows = rows + scatter(world.objects, free, rng)
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
