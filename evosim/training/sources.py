"""World sources: where each training step's worlds come from.

The training loop asks a world source for every seed's worlds of every step
(``sample(step, index, rng, n)``, ``index`` the seed's place in the run, ``rng``
its maze stream), then tells it how the seed's agents did in each of them
(``tell``, with :class:`WorldScores`), so a source may change what agents train
on as training goes (an adversary's proposals, a curriculum). Rows that ``tell``
returns go to the run's ``table``. A source's ``state()``/``restore()`` join the
run's checkpoints.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np


@dataclass(frozen=True)
class WorldScores:
    """How every seed's agents did in each of its step's worlds: (seeds, worlds) exit rates, and mean regrets
    (computed when a source first asks, from the step's batch and episodes)."""

    world: object
    batch: object
    result: object  # the step's EpisodeResult
    slots: np.ndarray  # (S,) the world of every episode slot, seed-major (see loop.slot_worlds)
    seeds: int

    @cached_property
    def _episodes(self) -> np.ndarray:
        """(seeds * worlds,) episodes in each world."""
        return np.bincount(self.slots, minlength=self.slots.max() + 1)

    def _per_world(self, values: np.ndarray) -> np.ndarray:
        counts = self._episodes
        return (np.bincount(self.slots, weights=values, minlength=len(counts)) / counts).reshape(self.seeds, -1)

    @cached_property
    def exit_rate(self) -> np.ndarray:
        """The share of each world's episodes that reached the exit."""
        return self._per_world(self.result.exit_reached)

    @cached_property
    def regret(self) -> np.ndarray:
        """Each world's mean regret over its episodes (:meth:`MazeWorld.regret
        <evosim.worlds.maze.world.MazeWorld.regret>`)."""
        return self._per_world(self.world.regret(self.batch, self.result))


#: Where training worlds can come from (``--source``): the world file; an adversary co-evolving with the agents
#: (:mod:`evosim.training.adversary`); prioritized level replay by exact regret, and ACCEL, which also edits the
#: replayed mazes (:mod:`evosim.training.replay`).
SOURCES = ("world", "adversary", "plr", "accel")


def world_source(name: str, world, seeds: list[int], mazes: int):
    """The world source ``name`` (one of :data:`SOURCES`) of a run of ``seeds`` training ``mazes`` mazes a step."""
    if name == "adversary":
        from evosim.training.adversary import AdversarialWorlds
        return AdversarialWorlds(world, seeds, mazes)
    if name in ("plr", "accel"):
        from evosim.training.replay import LevelReplay
        return LevelReplay(world, seeds, mazes, editing=name == "accel")
    return WorldFile(world)


class WorldFile:
    """The world file's own distribution: every step draws fresh worlds from it."""

    table: str | None = None

    def __init__(self, world):
        self.world = world

    def sample(self, step: int, index: int, rng: np.random.Generator, n: int) -> list:
        return self.world.sample(rng, n)

    def tell(self, step: int, index: int, scores: WorldScores) -> list[dict]:
        """How seed ``index``'s agents did in each of its worlds (row ``index`` of ``scores``); rows for
        ``table``."""
        return []

    def state(self) -> tuple[dict, dict]:
        return {}, {}

    def spec(self) -> dict:
        """What :meth:`state` holds (:class:`~evosim.core.expect.Expect` by key)."""
        return {}

    def restore(self, arrays: dict, doc: dict) -> None:
        pass
