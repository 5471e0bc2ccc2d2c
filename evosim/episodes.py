"""Batched maze mechanics: many agents stepping in many mazes at once, in numpy.

A :class:`MazeBatch` stacks K mazes, padded to a common size. :class:`Episodes`
runs ``A x K`` slots, agent ``a`` in maze ``k`` at slot ``a * K + k``, so that each
of A parameter vectors meets every maze of the batch. Apples are eaten on contact
(each slot has its own apples) and give no base reward; a slot's episode ends at
the exit or at ``max_steps``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import Objective
from .features import EXIT
from .maze import Maze, MazeGraph, UNREACHABLE

STAY = -1


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


@dataclass
class EpisodeResult:
    """What happened in each slot of a finished batch of episodes."""

    agent: np.ndarray  # (S,) which parameter vector
    maze: np.ndarray  # (S,) which maze of the batch
    steps: np.ndarray  # (S,) steps taken
    exit_reached: np.ndarray  # (S,) bool
    apples: np.ndarray  # (S,) apples eaten
    explored: np.ndarray  # (S,) share of the maze's floor tiles visited
    first_visit: np.ndarray  # (S, F) step at which each floor tile was first stood on, -1 never

    def base_objective(self, objective: Objective) -> np.ndarray:
        """The base objective of each slot's episode."""
        return (objective.exit_credit * self.exit_reached
                - objective.step_cost * self.steps
                + objective.explore_credit * self.explored)


class Episodes:
    """The moving state of a batch of episodes in a :class:`MazeBatch`.

    By default every one of ``n_agents`` agents meets every maze (slot ``a * K + k``);
    ``maze`` gives another slot-to-maze map, each agent's slots contiguous and equally many.
    """

    def __init__(self, batch: MazeBatch, n_agents: int, max_steps: int, maze: np.ndarray | None = None):
        self.batch = batch
        self.max_steps = max_steps
        self.n_agents = n_agents
        self.maze = np.tile(np.arange(batch.size), n_agents) if maze is None else maze
        S = len(self.maze)
        self.agent = np.repeat(np.arange(n_agents), S // n_agents)
        self.pos = batch.start[self.maze].copy()
        self.heading = np.full(S, 2, np.int64)  # facing south, into the maze
        self.alive = np.ones(S, bool)
        self.t = 0
        self.steps = np.zeros(S, np.int64)
        self.exit_reached = np.zeros(S, bool)
        self.eaten = np.zeros((S, batch.obj_tile.shape[1]), bool)
        self.first_visit = np.full((S, batch.dist.shape[1]), -1, np.int16)
        self.first_visit[np.arange(S), self.pos] = 0
        self.agent_steps = 0  # steps taken by slots still running, summed

    @property
    def size(self) -> int:
        return len(self.agent)

    @property
    def done(self) -> bool:
        return not self.alive.any()

    def step(self, move: np.ndarray) -> np.ndarray:
        """Move every running slot one tile (direction 0-3, or STAY); returns the running slots moved."""
        idx = np.flatnonzero(self.alive)
        F = self.first_visit.shape[1]
        m, d = self.maze[idx], move[idx]
        here = m * F + self.pos[idx]
        new = self.batch.moves[here * 5 + d % 5]
        self.heading[idx] = np.where(d >= 0, d, self.heading[idx])
        self.pos[idx] = new
        self.t += 1
        self.agent_steps += len(idx)
        self.steps[idx] = self.t
        visit = self.first_visit.reshape(-1)
        flat = idx * F + new
        visit[flat[visit[flat] < 0]] = self.t
        obj = self.batch.obj_at.reshape(-1)[m * F + new]
        has = np.flatnonzero(obj >= 0)
        self.eaten[idx[has], obj[has]] = True
        done = idx[has[obj[has] == 0]]
        self.exit_reached[done] = True
        self.alive[done] = False
        if self.t >= self.max_steps:
            self.alive[:] = False
        return idx

    def result(self) -> EpisodeResult:
        b = self.batch
        apples = (self.eaten & (b.obj_shape[self.maze] != EXIT)).sum(1)
        explored = (self.first_visit >= 0).sum(1) / b.n_floor[self.maze]
        return EpisodeResult(self.agent, self.maze, self.steps.copy(), self.exit_reached.copy(),
                             apples, explored, self.first_visit.copy())


class AgentStreams:
    """A random stream per agent, so that what one agent does never depends on which
    other agents share its batch (gradient learners: one per seed)."""

    def __init__(self, seeds: list[int]):
        self.generators = [np.random.default_rng([seed, 1]) for seed in seeds]


def uniform(rng: "np.random.Generator | AgentStreams", agents: np.ndarray) -> np.ndarray:
    """One uniform draw for each slot, given the slots' agents: from ``rng``, or from each agent's stream."""
    if not isinstance(rng, AgentStreams):
        return rng.random(len(agents))
    out = np.empty(len(agents))
    for a in np.unique(agents):
        mine = agents == a
        out[mine] = rng.generators[a].random(int(mine.sum()))
    return out


def run(mind, params: np.ndarray, batch: MazeBatch, max_steps: int,
        rng: np.random.Generator) -> tuple[EpisodeResult, int]:
    """Run every parameter vector in every maze of the batch; returns results and agent-steps."""
    episodes = Episodes(batch, len(params), max_steps)
    controller = mind.controller(params, episodes)
    while not episodes.done:
        episodes.step(controller.act(rng))
    return episodes.result(), episodes.agent_steps

