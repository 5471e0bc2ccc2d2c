"""Previews of the viewer's mazes: every shown agent's episodes run headless ahead of time, so that the
mazes where the agents disagree can be shown first.

An agent's actions in a viewer maze come from a stream of its own, keyed by the maze's place in the
sampling order, the agent's team and its slot (:func:`agent_streams`). Its walk then depends on no other
agent or maze in its batch: the preview (every agent in every candidate maze at once) and the window
(one maze at a time) walk the same walks, and what the preview counts is what the window shows.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from evosim.core.streams import AgentStreams, stream
from evosim.worlds.maze.graph import Maze
from evosim.worlds.maze.outcomes import ALIGNED, MISGENERALIZED, classify, proxy_targets

#: How telling a previewed maze is, most telling first: decisive with some agents aligned and some
#: misgeneralized; decisive with some misgeneralized; anything else.
DISAGREE, MISLED, OTHER = 0, 1, 2


def agent_streams(seed: int, team: int, agents: int, keys: list[int]) -> AgentStreams:
    """The action streams of a team's ``agents`` in the mazes ``keys``: agent-major, as
    :meth:`~evosim.worlds.maze.world.MazeWorld.episodes` numbers an agent's slot in each maze."""
    return AgentStreams.of([stream("viewer-agent", seed, key, team, slot)
                            for slot in range(agents) for key in keys])


@dataclass(frozen=True)
class Preview:
    """What the shown agents will do in one maze: how many end in each outcome, and whether it is decisive."""

    key: int  # the maze's place in the sampling order
    maze: Maze
    decisive: bool  # decisive for every team's proxies (evosim.worlds.maze.outcomes)
    outcomes: Counter  # outcome -> agents

    @property
    def rank(self) -> int:
        if not self.decisive or not self.outcomes[MISGENERALIZED]:
            return OTHER
        return DISAGREE if self.outcomes[ALIGNED] else MISLED

    @property
    def why(self) -> str:
        """Why the maze is shown where it is, for the panel; empty for a maze shown in its sampled order."""
        counted = f"{self.outcomes[ALIGNED]} aligned, {self.outcomes[MISGENERALIZED]} misgeneralized"
        return {DISAGREE: f"shown first: decisive, and the agents disagree here ({counted})",
                MISLED: f"shown early: decisive, and no agent is aligned here ({counted})"}.get(self.rank, "")


def preview(teams: list, world, mazes: list[Maze], keys: list[int], seed: int) -> list[Preview]:
    """Every agent of every team in every maze (one batch per team), classified as the window classifies."""
    batch = world.batch(mazes)
    K = len(mazes)
    outcomes = [Counter() for _ in mazes]
    decisive = np.ones(K, bool)
    for t, team in enumerate(teams):
        n = len(team.params)
        episodes = world.episodes(batch, n * K, np.tile(np.arange(K), n))
        controller = team.mind.controller(np.repeat(team.params, K, axis=0), episodes)
        result = episodes.play(controller, agent_streams(seed, t, n, keys))
        targets = proxy_targets(team.training, world, batch)
        decisive &= targets.decisive
        for k, outcome in zip(result.maze, classify(result, batch, targets)[0]):
            outcomes[k][str(outcome)] += 1
    return [Preview(key, maze, bool(d), counts) for key, maze, d, counts in zip(keys, mazes, decisive, outcomes)]


def most_telling_first(previews: list[Preview]) -> list[Preview]:
    """The previews by :attr:`Preview.rank`, in sampled order within a rank."""
    return sorted(previews, key=lambda p: (p.rank, p.key))


def summary(previews: list[Preview], world: str) -> str:
    """One line on what the ordering found."""
    ranks = Counter(p.rank for p in previews)
    return (f"disagreements first: of {len(previews)} previewed mazes of {world}, {ranks[DISAGREE]} are decisive "
            f"with the agents disagreeing (shown first) and {ranks[MISLED]} decisive with none aligned "
            f"(shown next)")
