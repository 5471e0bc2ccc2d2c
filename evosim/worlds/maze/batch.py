"""K mazes stacked into padded arrays, so that many episodes step through them at once in numpy."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .graph import Maze, MazeGraph, UNREACHABLE, on_shortest_path

STAY = -1  # the move of a slot that stays where it is


@dataclass(frozen=True)
class MazeBatch:
    """K mazes stacked into padded arrays (floor tiles indexed per maze)."""

    mazes: tuple[Maze, ...]
    side: int  # tile side of the largest maze
    n_floor: np.ndarray  # (K,)
    tiles: np.ndarray  # (K, F, 2) row, col; padding repeats tile 0
    index: np.ndarray  # (K, side, side) floor index, -1 on walls and padding
    neighbors: np.ndarray  # (K, F, 4) floor index one move away, -1 into a wall
    moves: np.ndarray  # (K * F * 5,) tile after each move, STAY last; bumping into a wall stays
    dist: np.ndarray  # (K, F, F) int16
    next_move: np.ndarray  # (K, F, F) int8
    position: np.ndarray  # (K, F, 2) normalised x, y of each floor tile
    start: np.ndarray  # (K,) floor index
    obj_tile: np.ndarray  # (K, N) floor index of each object, -1 for padding; object 0 is the exit
    obj_color: np.ndarray  # (K, N) colour index, -1 for padding
    obj_shape: np.ndarray  # (K, N) shape index, -1 for padding
    obj_at: np.ndarray  # (K, F) object on each floor tile, -1 for none

    @classmethod
    def of(cls, mazes: list[Maze]) -> "MazeBatch":
        graphs = [MazeGraph.of(m.walls) for m in mazes]
        K = len(mazes)
        side = max(m.side for m in mazes)
        F = max(len(g.tiles) for g in graphs)
        N = max(len(m.objects) for m in mazes)
        n_floor = np.array([len(g.tiles) for g in graphs])
        tiles = np.zeros((K, F, 2), np.int64)
        index = np.full((K, side, side), -1, np.int64)
        neighbors = np.full((K, F, 4), -1, np.int64)
        dist = np.full((K, F, F), UNREACHABLE, np.int16)
        next_move = np.full((K, F, F), STAY, np.int8)
        position = np.zeros((K, F, 2))
        obj_tile = np.full((K, N), -1, np.int64)
        obj_color = np.full((K, N), -1, np.int64)
        obj_shape = np.full((K, N), -1, np.int64)
        obj_at = np.full((K, F), -1, np.int64)
        start = np.zeros(K, np.int64)
        for k, (m, g) in enumerate(zip(mazes, graphs)):
            f, s = len(g.tiles), m.side
            tiles[k, :f] = g.tiles
            tiles[k, f:] = g.tiles[0]
            index[k, :s, :s] = g.index
            neighbors[k, :f] = g.neighbors
            dist[k, :f, :f] = g.dist
            next_move[k, :f, :f] = g.next_move
            position[k, :f] = (g.tiles[:, ::-1] - 1) / max(s - 3, 1)
            start[k] = g.index[m.start]
            n = len(m.objects)
            obj_tile[k, :n] = g.index[m.objects[:, 0], m.objects[:, 1]]
            obj_color[k, :n] = m.objects[:, 2]
            obj_shape[k, :n] = m.objects[:, 3]
            obj_at[k, obj_tile[k, :n]] = np.arange(n)
        here = np.broadcast_to(np.arange(F)[None, :, None], (K, F, 1))
        moves = np.concatenate([np.where(neighbors >= 0, neighbors, here), here], axis=2).reshape(-1)
        return cls(tuple(mazes), side, n_floor, tiles, index, neighbors, moves, dist, next_move,
                   position, start, obj_tile, obj_color, obj_shape, obj_at)

    @property
    def size(self) -> int:
        return len(self.mazes)

    @property
    def exit_tile(self) -> np.ndarray:
        return self.obj_tile[:, 0]

    def on_shortest_path(self, k: int) -> np.ndarray:
        """(F,) whether each floor tile of maze k lies on a shortest start-to-exit path."""
        return on_shortest_path(self.dist[k], self.start[k], self.exit_tile[k])
