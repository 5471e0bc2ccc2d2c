"""Maze generation: seeded recursive backtracker, optional braiding, placement rules.

A maze of ``n`` x ``n`` cells is drawn on a tile grid of side ``2n + 1``: cells sit
on odd coordinates, walls and corridors between them. Start, exit and objects
always sit on cell tiles; every maze is connected, so the exit is always reachable.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path

from .config import ObjectSpec, WorldSpec
from .features import APPLE, CORNERS, EXIT, color_index

#: Moves in clockwise order, as (row, column) steps: north, east, south, west.
DIRECTIONS = np.array([(-1, 0), (0, 1), (1, 0), (0, -1)], dtype=np.int64)
UNREACHABLE = np.iinfo(np.int16).max


@dataclass(frozen=True)
class Maze:
    """One sampled maze. Object 0 is the exit; the rest are decoration or decoys.

    ``objects`` rows are (row, col, colour index, shape index) on the tile grid.
    """

    walls: np.ndarray  # (G, G) bool
    start: tuple[int, int]
    objects: np.ndarray  # (n, 4) int

    @property
    def exit(self) -> tuple[int, int]:
        return int(self.objects[0, 0]), int(self.objects[0, 1])

    @property
    def side(self) -> int:
        return self.walls.shape[0]


@dataclass(frozen=True)
class MazeGraph:
    """Floor tiles of a maze as a graph, with all-pairs distances and next moves."""

    tiles: np.ndarray  # (F, 2) row, col of each floor tile
    index: np.ndarray  # (G, G) floor index of each tile, -1 on walls
    neighbors: np.ndarray  # (F, 4) floor index one move away in each direction, -1 into a wall
    dist: np.ndarray  # (F, F) int16 shortest-path steps
    next_move: np.ndarray  # (F, F) int8 first direction of a shortest path, -1 when there

    @classmethod
    def of(cls, walls: np.ndarray) -> "MazeGraph":
        index = np.full(walls.shape, -1, dtype=np.int64)
        tiles = np.argwhere(~walls)
        index[tiles[:, 0], tiles[:, 1]] = np.arange(len(tiles))
        nb_rc = tiles[:, None, :] + DIRECTIONS[None]
        neighbors = index[nb_rc[..., 0], nb_rc[..., 1]]
        src, d = np.nonzero(neighbors >= 0)
        adjacency = csr_matrix((np.ones(len(src)), (src, neighbors[src, d])),
                               shape=(len(tiles), len(tiles)))
        dist = shortest_path(adjacency, method="D", unweighted=True)
        dist = np.where(np.isfinite(dist), dist, UNREACHABLE).astype(np.int16)
        next_move = np.full(dist.shape, -1, dtype=np.int8)
        for k in range(3, -1, -1):  # lower direction numbers win ties
            nb = neighbors[:, k]
            closer = (nb[:, None] >= 0) & (dist[np.maximum(nb, 0)] == dist - 1)
            next_move[closer] = k
        return cls(tiles, index, neighbors, dist, next_move)


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


def place(rule: str, cells: int, free: list[tuple[int, int]], rng) -> tuple[int, int]:
    """Cell tile for a placement rule: a named corner, or a random free cell."""
    if rule == "random":
        return free[rng.integers(len(free))]
    fx, fy = CORNERS[rule]
    return 2 * round(fy * (cells - 1)) + 1, 2 * round(fx * (cells - 1)) + 1


def region_tile(rule: str, side: int) -> tuple[int, int]:
    """The cell tile a corner rule names in a maze of tile side ``side``."""
    return place(rule, (side - 1) // 2, [], None)


def generate(spec: WorldSpec, rng: np.random.Generator) -> Maze:
    """Sample one maze from a world spec."""
    cells = spec.size.sample(rng)
    walls = carve(cells, spec.braid, rng)
    all_cells = [(2 * r + 1, 2 * c + 1) for r in range(cells) for c in range(cells)]
    start = place(spec.start, cells, all_cells, rng)
    free = [t for t in all_cells if t != start]
    exit_ = place(spec.exit.position, cells, free, rng)
    free = [t for t in free if t != exit_]
    if spec.objects_off_path:
        graph = MazeGraph.of(walls)
        s, e = graph.index[start], graph.index[exit_]
        on_path = graph.dist[s] + graph.dist[e] == graph.dist[s, e]
        free = [t for t in free if not on_path[graph.index[t]]]
    rows = [(*exit_, color_index(spec.exit.color), EXIT)] + scatter(spec.objects, free, rng)
    return Maze(walls, start, np.array(rows, dtype=np.int64).reshape(-1, 4))


def scatter(objects: tuple[ObjectSpec, ...], free: list[tuple[int, int]], rng) -> list[tuple]:
    """Object rows for a world's objects on distinct random cells taken from ``free``."""
    rows = []
    for obj in objects:
        for _ in range(obj.count.sample(rng)):
            if not free:
                break
            tile = free.pop(rng.integers(len(free)))
            rows.append((*tile, color_index(obj.color), APPLE))
    return rows


def generate_many(spec: WorldSpec, count: int, rng: np.random.Generator) -> list[Maze]:
    """Sample ``count`` mazes."""
    return [generate(spec, rng) for _ in range(count)]
