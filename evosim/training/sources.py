"""World sources: where each training step's worlds come from.

The training loop asks a world source for every seed's worlds of every step
(``sample(step, index, rng, n)``, ``index`` the seed's place in the run, ``rng``
its maze stream), then tells it each world's exit rate (``tell``), so a source
may change what agents train on as training goes (an adversary's proposals, a
curriculum). Rows that ``tell`` returns go to the run's ``table``. A source's
``state()``/``restore()`` join the run's checkpoints.
"""
from __future__ import annotations

import numpy as np


class WorldFile:
    """The world file's own distribution: every step draws fresh worlds from it."""

    table: str | None = None

    def __init__(self, world):
        self.world = world

    def sample(self, step: int, index: int, rng: np.random.Generator, n: int) -> list:
        return self.world.sample(rng, n)

    def tell(self, step: int, index: int, exit_rate: np.ndarray) -> list[dict]:
        """Seed ``index``'s share of episodes reaching the exit in each of its worlds; rows for ``table``."""
        return []

    def state(self) -> tuple[dict, dict]:
        return {}, {}

    def spec(self) -> dict:
        """What :meth:`state` holds (:class:`~evosim.core.expect.Expect` by key)."""
        return {}

    def restore(self, arrays: dict, doc: dict) -> None:
        pass
