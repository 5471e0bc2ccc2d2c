"""The maze's base objective, defined once from a world file's ``[objective]``.

A step costs ``step_cost``; first standing on a floor tile earns
``explore_credit`` over the maze's floor tiles (the start tile's credit is paid
with the first step); reaching the exit earns ``exit_credit``. Evolution's
fitness is the episode :meth:`~Objective.total`, REINFORCE's returns are built
from :meth:`~Objective.rewards` and the Gymnasium reward is
:meth:`~Objective.step_reward`; all three are sums of the same credits, and the
tests check that they agree. A maze's regret (:meth:`MazeWorld.regret
<evosim.worlds.maze.world.MazeWorld.regret>`) is exact: :meth:`~Objective.best_goal`
follows from its shortest path, less what an episode's :meth:`~Objective.goal` was.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Objective:
    """The base objective: what fitness and reward are computed from."""

    exit_credit: float = 1.0  # credit for reaching the exit
    step_cost: float = 0.0  # cost per step taken
    explore_credit: float = 0.0  # credit times the share of floor tiles visited

    def total(self, result) -> np.ndarray:
        """(S,) base objective of each slot's finished episode (an EpisodeResult)."""
        return (self.exit_credit * result.exit_reached
                - self.step_cost * result.steps
                + self.explore_credit * result.explored)

    def rewards(self, result, n_floor: np.ndarray) -> np.ndarray:
        """(T, S) reward of every slot's step t + 1; a slot's rewards sum to its :meth:`total`.

        ``n_floor`` (K,) counts the floor tiles of each maze of the batch.
        """
        S = len(result.steps)
        T = max(int(result.steps.max()), 1)
        rewards = np.zeros((T + 1, S))
        slot, tile = np.nonzero(result.first_visit >= 0)
        np.add.at(rewards, (result.first_visit[slot, tile], slot),
                  self.explore_credit / n_floor[result.maze[slot]])
        rewards[1:] -= self.step_cost * (np.arange(1, T + 1)[:, None] <= result.steps)
        done = np.flatnonzero(result.exit_reached)
        rewards[result.steps[done], done] += self.exit_credit
        rewards[1] += rewards[0]
        return rewards[1:]

    def step_reward(self, events, n_floor: np.ndarray) -> np.ndarray:
        """(S,) reward of one step from its StepEvents; ``n_floor`` (S,) counts each slot's floor tiles."""
        moved, new_tiles, exited = np.zeros((3, len(n_floor)))
        moved[events.moved] = 1.0
        new_tiles[events.explored] = 1.0
        new_tiles[events.first] += 1.0  # the start tile, paid with the first step
        exited[events.exited] = 1.0
        return self.exit_credit * exited - self.step_cost * moved + self.explore_credit * new_tiles / n_floor

    def goal(self, result) -> np.ndarray:
        """(S,) the part of :meth:`total` that a maze's shortest path bounds: the exit credit less the steps'
        cost (the exploration credit, shaping spread over the floor, is left out)."""
        return self.exit_credit * result.exit_reached - self.step_cost * result.steps

    def best_goal(self, shortest: np.ndarray, limit) -> np.ndarray:
        """(K,) the most :meth:`goal` can be in mazes whose exits are ``shortest`` steps from their starts, in
        episodes of at most ``limit`` steps (an episode that never reaches the exit lasts ``limit`` steps)."""
        never = -self.step_cost * np.asarray(limit, float)
        return np.where(shortest <= limit, np.maximum(self.exit_credit - self.step_cost * shortest, never), never)

    def lowest(self, max_steps: int) -> float:
        """The lowest total an episode of at most ``max_steps`` steps can have."""
        return -self.step_cost * max_steps
