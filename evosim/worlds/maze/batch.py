"""K mazes stacked into padded arrays, so that many episodes step through them at once in numpy."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from evosim.worlds.maze.graph import Maze, MazeGraph, UNREACHABLE, distances, on_shortest_path

STAY = -1  # the move of a slot that stays where it is
DISTANCE_CELLS = 2 ** 22  # distances searched in one call at most: B mazes' sources times their B * F tiles


@dataclass(frozen=True)
class MazeBatch:
    """K mazes stacked into padded arrays (floor tiles indexed per maze).

    The arrays fit the largest maze, or the ``side``, ``width`` and ``objects``
    given to :meth:`of`, so that :meth:`put` can swap a maze in place (as a vector
    environment does at every reset). Distances are computed when first asked for.
    """

    mazes: list[Maze]
    graphs: list[MazeGraph]
    side: int  # tile side of the largest maze
    n_floor: np.ndarray  # (K,)
    tiles: np.ndarray  # (K, F, 2) row, col; padding repeats tile 0
    index: np.ndarray  # (K, side, side) floor index, -1 on walls and padding
    neighbors: np.ndarray  # (K, F, 4) floor index one move away, -1 into a wall
    moves: np.ndarray  # (K * F * 5,) tile after each move, STAY last; bumping into a wall stays
    position: np.ndarray  # (K, F, 2) normalised x, y of each floor tile
    start: np.ndarray  # (K,) floor index
    obj_tile: np.ndarray  # (K, N) floor index of each object, -1 for padding; object 0 is the exit
    obj_color: np.ndarray  # (K, N) colour index, -1 for padding
    obj_shape: np.ndarray  # (K, N) shape index, -1 for padding
    obj_at: np.ndarray  # (K, F) object on each floor tile, -1 for none

    @classmethod
    def of(cls, mazes: list[Maze], side: int = 0, width: int = 0, objects: int = 0) -> "MazeBatch":
        """Stack ``mazes``; arrays fit at least ``side`` tiles a side, ``width`` floor tiles and ``objects``."""
        graphs = [MazeGraph.of(m.walls) for m in mazes]
        K = len(mazes)
        side = max([m.side for m in mazes] + [side])
        F = max([len(g.tiles) for g in graphs] + [width])
        N = max([len(m.objects) for m in mazes] + [objects])
        batch = cls([None] * K, [None] * K, side, np.zeros(K, np.int64), np.zeros((K, F, 2), np.int64),
                    np.full((K, side, side), -1, np.int64), np.full((K, F, 4), -1, np.int64),
                    np.zeros(K * F * 5, np.int64), np.zeros((K, F, 2)), np.zeros(K, np.int64),
                    np.full((K, N), -1, np.int64), np.full((K, N), -1, np.int64), np.full((K, N), -1, np.int64),
                    np.full((K, F), -1, np.int64))
        for k, (maze, graph) in enumerate(zip(mazes, graphs)):
            batch.put(k, maze, graph)
        return batch

    def put(self, k: int, maze: Maze, graph: MazeGraph | None = None) -> None:
        """Make ``maze`` the batch's maze ``k`` (it must fit the arrays); distances are computed anew."""
        g = MazeGraph.of(maze.walls) if graph is None else graph
        f, s, n = len(g.tiles), maze.side, len(maze.objects)
        self.mazes[k], self.graphs[k] = maze, g
        self.n_floor[k] = f
        self.tiles[k, :f] = g.tiles
        self.tiles[k, f:] = g.tiles[0]
        self.index[k] = -1
        self.index[k, :s, :s] = g.index
        self.neighbors[k] = -1
        self.neighbors[k, :f] = g.neighbors
        self.position[k] = 0.0
        self.position[k, :f] = (g.tiles[:, ::-1] - 1) / max(s - 3, 1)
        self.start[k] = g.index[maze.start]
        for row in (self.obj_tile, self.obj_color, self.obj_shape, self.obj_at):
            row[k] = -1
        self.obj_tile[k, :n] = g.index[maze.objects[:, 0], maze.objects[:, 1]]
        self.obj_color[k, :n] = maze.objects[:, 2]
        self.obj_shape[k, :n] = maze.objects[:, 3]
        self.obj_at[k, self.obj_tile[k, :n]] = np.arange(n)
        F = self.width
        here = np.arange(F)[:, None]
        self.moves.reshape(-1, F, 5)[k] = np.concatenate([np.where(self.neighbors[k] >= 0, self.neighbors[k],
                                                                   here), here], axis=1)
        for cached in ("dist", "next_move", "ends"):
            self.__dict__.pop(cached, None)

    def rows(self, ks: np.ndarray) -> "MazeBatch":
        """The batch of mazes ``ks`` of this one, padded alike: their graphs and arrays taken, nothing
        recomputed (distances are computed when first asked for)."""
        F = self.width
        return MazeBatch([self.mazes[k] for k in ks], [self.graphs[k] for k in ks], self.side, self.n_floor[ks],
                         self.tiles[ks], self.index[ks], self.neighbors[ks], self.moves.reshape(-1, F * 5)[ks].ravel(),
                         self.position[ks], self.start[ks], self.obj_tile[ks], self.obj_color[ks], self.obj_shape[ks],
                         self.obj_at[ks])

    @property
    def size(self) -> int:
        return len(self.mazes)

    @property
    def width(self) -> int:
        """Floor tiles per maze in the arrays (F), padding included."""
        return self.tiles.shape[1]

    @property
    def exit_tile(self) -> np.ndarray:
        return self.obj_tile[:, 0]

    @cached_property
    def dist(self) -> np.ndarray:
        """(K, F, F) int16 shortest-path steps between floor tiles (UNREACHABLE for padding)."""
        return self._stack("dist", UNREACHABLE, np.int16)

    @cached_property
    def next_move(self) -> np.ndarray:
        """(K, F, F) int8 first direction of a shortest path (STAY when there, and for padding)."""
        return self._stack("next_move", STAY, np.int8)

    def _stack(self, name: str, fill: int, dtype) -> np.ndarray:
        F = self.width
        out = np.full((self.size, F, F), fill, dtype)
        for k, g in enumerate(self.graphs):
            f = len(g.tiles)
            out[k, :f, :f] = getattr(g, name)
        return out

    @property
    def shortest(self) -> np.ndarray:
        """(K,) int16 steps of each maze's shortest start-to-exit path."""
        return self.ends[np.arange(self.size), 0, self.exit_tile]

    @cached_property
    def ends(self) -> np.ndarray:
        """(K, 2, F) int16 steps from each maze's start (row 0) and from its exit (row 1), searched a block of
        mazes at a time (:func:`distances`)."""
        out = np.empty((self.size, 2, self.width), np.int16)
        block = max(1, int(np.sqrt(DISTANCE_CELLS / (2 * self.width))))
        for k in range(0, self.size, block):
            ks = np.arange(k, min(k + block, self.size))
            out[ks] = distances(self.neighbors[ks], np.stack([self.start[ks], self.exit_tile[ks]], 1))
        return out

    def on_shortest_path(self, k: int) -> np.ndarray:
        """(F,) whether each floor tile of maze k lies on a shortest start-to-exit path."""
        return on_shortest_path(self.ends[k, 0], self.ends[k, 1], self.exit_tile[k])
