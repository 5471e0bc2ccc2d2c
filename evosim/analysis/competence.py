"""Which lines are below competence, and how figures and tables mark them.

A line whose final training exit rate (mean over seeds) is below ``COMPETENT``
seldom reaches anything, so its few misgeneralized episodes mean incapability, not
alignment; every figure and table that shows it says so.
"""
from __future__ import annotations

import pandas as pd
from matplotlib.lines import Line2D

from evosim.analysis.stats import mean_ci
from evosim.analysis.style import line_handles
from evosim.analysis.tables import Run, final_step, table
from evosim.core.outcome_names import COMPETENT

BELOW = f"below competence (exit rate < {COMPETENT:.0%} in training)"


def exit_rates(gens: pd.DataFrame) -> pd.DataFrame:
    """Each line's exit rate in its last training step: mean over seeds with its CI (label, mean, lo, hi, seeds)."""
    return mean_ci(final_step(gens), "exit_rate", ["label"])


def below_competence(gens: pd.DataFrame | None) -> set[str]:
    """The lines whose final training exit rate (mean over seeds) is below ``COMPETENT``."""
    if gens is None:
        return set()
    rates = exit_rates(gens)
    return set(rates[rates["mean"] < COMPETENT]["label"])


def lines_below(runs: list[Run]) -> set[str]:
    """The lines of labelled runs that are below competence, from their generations.csv."""
    return below_competence(table(runs, "generations"))


def marked(name: str, below: set[str]) -> str:
    """A line's name, marked when it is below competence."""
    return f"{name}, {BELOW}" if name in below else name


def legend(palette: dict[str, tuple], below: set[str], **kw) -> list[Line2D]:
    """Legend entries of the lines, the ones below competence marked."""
    return line_handles({marked(name, below): c for name, c in palette.items()}, **kw)
