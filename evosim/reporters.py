"""Reporters: what a training loop records every N steps, as tidy rows.

Each reporter emits rows for one table of the run directory (Mesa's DataCollector
idea). The loop adds the identifying columns (optimizer, mind, seed, step), so a
reporter works unchanged under evolution and gradient descent.
"""
from __future__ import annotations

import numpy as np

from .features import FEATURES


class DrivesReporter:
    """Every agent's drive weights, long form: one row per agent and feature (planner minds)."""

    table = "drives"

    def __init__(self, mind, every: int):
        self.mind, self.every = mind, every

    def rows(self, step: int, params: np.ndarray, rng: np.random.Generator) -> tuple[list[dict], dict]:
        weights = self.mind.drives(params)
        rows = [{"agent": a, "feature": f, "weight": float(weights[a, i])}
                for a in range(len(params)) for i, f in enumerate(FEATURES)]
        return rows, {}


def default_reporters(mind, every: int) -> list:
    """The reporters every run has: drives for minds that have explicit ones."""
    return [DrivesReporter(mind, every)] if hasattr(mind, "drives") else []
