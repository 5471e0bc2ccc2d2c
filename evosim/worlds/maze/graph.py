"""A maze and its floor graph: walls, start and objects; distances and next moves between tiles.

A maze of ``n`` x ``n`` cells is drawn on a tile grid of side ``2n + 1``: cells sit
on odd coordinates, walls and corridors between them. :func:`on_shortest_path`
is the one answer to "does this tile lie on a shortest way from a to b".
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path

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


def on_shortest_path(dist: np.ndarray, a: int, b: int) -> np.ndarray:
    """(F,) whether each floor tile lies on some shortest path from tile ``a`` to tile ``b`` (both included).

    ``dist`` is a maze's (F, F) symmetric distance table.
    """
    return dist[a].astype(np.int64) + dist[b] == dist[a, b]


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
