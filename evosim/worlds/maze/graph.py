"""A maze and its floor graph: walls, start and objects; distances and next moves between tiles.

A maze of ``n`` x ``n`` cells is drawn on a tile grid of side ``2n + 1``: cells sit
on odd coordinates, walls and corridors between them. :func:`on_shortest_path`
is the one answer to "does this tile lie on a shortest way from a to b".
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

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


def distances(neighbors: np.ndarray, sources: np.ndarray) -> np.ndarray:
    """(B, S, F) int16 shortest-path steps from each maze's S source tiles (UNREACHABLE if none), for B mazes
    given by their (B, F, 4) floor neighbours (-1 into a wall, or for padding).

    The B mazes are one graph of B parts, searched in one call: the call's fixed cost, most of a small
    maze's, is paid once for them all.
    """
    B, F, _ = neighbors.shape
    maze, tile, d = np.nonzero(neighbors >= 0)
    n = B * F
    adjacency = csr_matrix((np.ones(len(maze)), (maze * F + tile, maze * F + neighbors[maze, tile, d])),
                           shape=(n, n))
    own = np.arange(B)
    dist = shortest_path(adjacency, method="D", unweighted=True, indices=(sources + F * own[:, None]).ravel())
    dist = dist.reshape(B, -1, B, F)[own, :, own]
    return np.where(np.isfinite(dist), dist, UNREACHABLE).astype(np.int16)


def on_shortest_path(from_a: np.ndarray, from_b: np.ndarray, b: int) -> np.ndarray:
    """(F,) whether each floor tile lies on some shortest path from tile ``a`` to tile ``b`` (both included).

    ``from_a`` and ``from_b`` are the (F,) distances from ``a`` and from ``b``.
    """
    return from_a.astype(np.int64) + from_b == from_a[b]


@dataclass(frozen=True)
class MazeGraph:
    """Floor tiles of a maze as a graph; distances are computed when first asked for.

    Sampling a maze needs at most the distances from its start and exit; only
    minds that plan need all pairs (``dist``) and the next moves.
    """

    tiles: np.ndarray  # (F, 2) row, col of each floor tile
    index: np.ndarray  # (G, G) floor index of each tile, -1 on walls
    neighbors: np.ndarray  # (F, 4) floor index one move away in each direction, -1 into a wall

    @classmethod
    def of(cls, walls: np.ndarray) -> "MazeGraph":
        index = np.full(walls.shape, -1, dtype=np.int64)
        tiles = np.argwhere(~walls)
        index[tiles[:, 0], tiles[:, 1]] = np.arange(len(tiles))
        nb_rc = tiles[:, None, :] + DIRECTIONS[None]
        return cls(tiles, index, index[nb_rc[..., 0], nb_rc[..., 1]])

    def distances_from(self, sources) -> np.ndarray:
        """(len(sources), F) int16 shortest-path steps from each source tile (UNREACHABLE if none)."""
        return distances(self.neighbors[None], np.asarray(sources, np.int64)[None])[0]

    @cached_property
    def dist(self) -> np.ndarray:
        """(F, F) int16 shortest-path steps between every pair of floor tiles."""
        return self.distances_from(np.arange(len(self.tiles)))

    @cached_property
    def next_move(self) -> np.ndarray:
        """(F, F) int8 first direction of a shortest path from each tile to each other, -1 when there."""
        dist, neighbors = self.dist, self.neighbors
        next_move = np.full(dist.shape, -1, dtype=np.int8)
        for k in range(3, -1, -1):  # lower direction numbers win ties
            nb = neighbors[:, k]
            closer = (nb[:, None] >= 0) & (dist[np.maximum(nb, 0)] == dist - 1)
            next_move[closer] = k
        return next_move
