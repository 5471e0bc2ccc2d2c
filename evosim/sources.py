"""World sources: where each training step's worlds come from.

A world source has ``sample(step, rng, n) -> worlds``. The training loop asks it
for every seed's worlds of every step, so a source may change what agents train
on as training goes (an adversary's proposals, a curriculum).
"""
from __future__ import annotations

import numpy as np


class WorldFile:
    """The world file's own distribution: every step draws fresh worlds from it."""

    def __init__(self, world):
        self.world = world

    def sample(self, step: int, rng: np.random.Generator, n: int) -> list:
        return self.world.sample(rng, n)
