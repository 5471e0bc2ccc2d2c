"""Batched maze episodes: many agents stepping in many mazes at once, in numpy.

:class:`Episodes` runs slots in a :class:`~evosim.worlds.maze.batch.MazeBatch`:
by default every one of A agents meets every one of K mazes (agent ``a`` in maze
``k`` at slot ``a * K + k``). Apples are eaten on contact (each slot has its own
apples) and give no base reward; a slot's episode ends at the exit or at its
maze's step limit (one for every maze, or one per maze). Each step returns its
:class:`StepEvents`, from which the base objective's per-step reward is computed.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evosim.core.features import EXIT
from evosim.worlds.maze.batch import MazeBatch

NEVER = np.iinfo(np.int64).max  # the step at which something that never happened happened


@dataclass(frozen=True)
class StepEvents:
    """What one step did: the slots it moved, and those of them that did something."""

    t: int  # the step's number, 1 for the first
    moved: np.ndarray  # slots that were running and took the step
    first: np.ndarray  # slots of those whose episode it began (all of them at t = 1, unless slots restart)
    explored: np.ndarray  # slots that stood on a tile for the first time
    exited: np.ndarray  # slots that reached the exit


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

    def of_agents(self, agents: slice) -> "EpisodeResult":
        """The slots of a contiguous range of agents, renumbered from 0."""
        mine = np.flatnonzero((self.agent >= agents.start) & (self.agent < agents.stop))
        return EpisodeResult(self.agent[mine] - agents.start, self.maze[mine], self.steps[mine],
                             self.exit_reached[mine], self.apples[mine], self.explored[mine],
                             self.first_visit[mine])

    def reached_at(self, tiles: np.ndarray) -> np.ndarray:
        """(S, Q) step at which each slot first stood on each of its tiles (S, Q); NEVER if not, or tile < 0."""
        steps = self.first_visit[np.arange(len(tiles))[:, None], np.maximum(tiles, 0)].astype(np.int64)
        return np.where((tiles >= 0) & (steps >= 0), steps, NEVER)


def earliest(steps: np.ndarray) -> np.ndarray:
    """(S,) index of the smallest of each row of steps (S, Q), -1 where every one is NEVER.

    The one answer to "which of these targets was reached first".
    """
    pick = steps.argmin(1)
    return np.where(steps[np.arange(len(steps)), pick] < NEVER, pick, -1)


class Episodes:
    """The moving state of a batch of episodes in a :class:`MazeBatch`.

    By default every one of ``n_agents`` agents meets every maze (slot ``a * K + k``);
    ``maze`` gives another slot-to-maze map, each agent's slots contiguous and equally many.
    ``max_steps`` is every maze's step limit, or a (K,) array of one per maze of the batch.
    """

    def __init__(self, batch: MazeBatch, n_agents: int, max_steps: int | np.ndarray,
                 maze: np.ndarray | None = None):
        self.batch = batch
        self.max_steps = max_steps
        self.n_agents = n_agents
        self.maze = np.tile(np.arange(batch.size), n_agents) if maze is None else maze
        S = len(self.maze)
        self.agent = np.repeat(np.arange(n_agents), S // n_agents)
        self.pos = np.zeros(S, np.int64)
        self.heading = np.zeros(S, np.int64)
        self.alive = np.zeros(S, bool)
        self.t = 0
        self.steps = np.zeros(S, np.int64)
        self.exit_reached = np.zeros(S, bool)
        self.eaten = np.zeros((S, batch.obj_tile.shape[1]), bool)
        self.first_visit = np.zeros((S, batch.width), np.int16)
        self.visited = np.zeros(S, np.int64)  # (S,) tiles stood on so far, counted as first_visit fills
        self.restart(np.arange(S))
        self.agent_steps = 0  # steps taken by slots still running, summed

    def restart(self, slots: np.ndarray) -> None:
        """Begin new episodes in ``slots``: at their maze's start, facing south, nothing eaten or seen."""
        self.pos[slots] = self.batch.start[self.maze[slots]]
        self.heading[slots] = 2  # facing south, into the maze
        self.alive[slots] = True
        self.steps[slots] = 0
        self.exit_reached[slots] = False
        self.eaten[slots] = False
        self.first_visit[slots] = -1
        self.first_visit[slots, self.pos[slots]] = 0
        self.visited[slots] = 1

    @property
    def size(self) -> int:
        return len(self.agent)

    @property
    def done(self) -> bool:
        return not self.alive.any()

    def limit_of(self, slots: np.ndarray) -> int | np.ndarray:
        """The step limit of each of ``slots``: its maze's, or the one limit of every maze."""
        return self.max_steps[self.maze[slots]] if isinstance(self.max_steps, np.ndarray) else self.max_steps

    def step(self, move: np.ndarray) -> StepEvents:
        """Move every running slot one tile (direction 0-3, or STAY); returns what the step did."""
        idx = np.flatnonzero(self.alive)
        F = self.first_visit.shape[1]
        m, d = self.maze[idx], move[idx]
        here = m * F + self.pos[idx]
        new = self.batch.moves[here * 5 + d % 5]
        self.heading[idx] = np.where(d >= 0, d, self.heading[idx])
        self.pos[idx] = new
        self.t += 1
        self.agent_steps += len(idx)
        steps = self.steps[idx] + 1
        self.steps[idx] = steps
        visit = self.first_visit.reshape(-1)
        flat = idx * F + new
        fresh = visit[flat] < 0
        visit[flat[fresh]] = steps[fresh]
        self.visited[idx[fresh]] += 1
        obj = self.batch.obj_at.reshape(-1)[m * F + new]
        has = np.flatnonzero(obj >= 0)
        self.eaten[idx[has], obj[has]] = True
        done = idx[has[obj[has] == 0]]
        self.exit_reached[done] = True
        self.alive[done] = False
        self.alive[idx[steps >= self.limit_of(idx)]] = False
        return StepEvents(self.t, idx, idx[steps == 1], idx[fresh], done)

    def play(self, controller, rng) -> EpisodeResult:
        """Step with the controller's moves until every episode has ended; their result."""
        while not self.done:
            self.step(controller.act(rng))
        return self.result()

    def result(self, slots: np.ndarray | None = None) -> EpisodeResult:
        """What happened in every slot (or in ``slots``) so far. The result of every slot holds the episodes'
        own ``first_visit`` (the largest array, not copied), which goes on changing if they go on."""
        first_visit = self.first_visit if slots is None else self.first_visit[slots]
        slots = np.arange(self.size) if slots is None else slots
        b, maze = self.batch, self.maze[slots]
        apples = (self.eaten[slots] & (b.obj_shape[maze] != EXIT)).sum(1)
        explored = self.visited[slots] / b.n_floor[maze]
        return EpisodeResult(self.agent[slots], maze, self.steps[slots], self.exit_reached[slots],
                             apples, explored, first_visit)


def run(mind, params: np.ndarray, batch: MazeBatch, max_steps: int | np.ndarray,
        rng: np.random.Generator) -> tuple[EpisodeResult, int]:
    """Run every parameter vector in every maze of the batch (``max_steps`` as :class:`Episodes` takes it);
    returns results and agent-steps."""
    episodes = Episodes(batch, len(params), max_steps)
    result = episodes.play(mind.controller(params, episodes), rng)
    return result, episodes.agent_steps
