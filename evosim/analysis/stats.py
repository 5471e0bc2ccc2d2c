"""Confidence intervals that respect how runs are made: run seeds are the independent replicates.

The agents of one population share ancestry, so a seed, not an agent, is one
replicate: a group's values are first averaged per run seed. A group with a
single seed has nothing to resample but its agents, so its interval covers
agents only. Figures draw seaborn's bootstrap over the same replicates, tables
print :func:`mean_ci`; both are 95% percentile intervals from a fixed seed.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import bootstrap

from evosim.core.streams import stream

LEVEL = 0.95
N_BOOT = 1000
SEED = 0  # of every bootstrap, so that figures and tables are the same on every run
UNIT = ["run", "seed"]  # what one replicate is
#: The keywords of a seaborn call that draws a 95% CI over :func:`replicates`: seaborn's bootstrap, as :func:`mean_ci`'s.
CI = {"errorbar": ("ci", 95), "n_boot": N_BOOT, "seed": SEED}


def replicates(df: pd.DataFrame, value: str, by: list[str]) -> pd.DataFrame:
    """The replicates of ``value`` in each ``by`` group: one mean per run seed, or the rows of a one-seed group.

    Returns columns ``by + run, seed + [value]``, ready for a seaborn call with
    ``errorbar=("ci", 95)`` or for :func:`mean_ci`.
    """
    columns = list(by) + UNIT + [value]
    means = df.groupby(list(by) + UNIT, sort=True, as_index=False)[value].mean()
    seeds = means.groupby(list(by), sort=False)[value].transform("size")
    single = df.merge(means[seeds == 1][list(by)], on=list(by))[columns]
    return pd.concat([means[seeds > 1][columns], single], ignore_index=True)


def interval(values: np.ndarray) -> tuple[float, float]:
    """95% percentile bootstrap interval of the mean of ``values`` (scipy, N_BOOT resamples, seed SEED)."""
    values = np.asarray(values, float)
    if len(values) < 2 or np.ptp(values) == 0:
        return float(values.mean()), float(values.mean())
    ci = bootstrap((values,), np.mean, n_resamples=N_BOOT, confidence_level=LEVEL, method="percentile",
                   rng=stream("bootstrap", SEED)).confidence_interval
    return float(ci.low), float(ci.high)


def mean_ci(df: pd.DataFrame, value: str, by: list[str]) -> pd.DataFrame:
    """Mean of ``value`` per ``by`` group with a bootstrap CI over its :func:`replicates` (run seeds).

    Returns columns ``by + [mean, lo, hi, seeds]``: the mean of the replicates (each
    seed weighs the same), the interval, and how many seeds the group has.
    """
    out = []
    for key, group in replicates(df, value, by).groupby(list(by), sort=True):
        lo, hi = interval(group[value])
        out.append(dict(zip(by, key)) | {"mean": float(group[value].mean()), "lo": lo, "hi": hi,
                                          "seeds": len(group[UNIT].drop_duplicates())})
    return pd.DataFrame(out, columns=list(by) + ["mean", "lo", "hi", "seeds"])


def band_note(df: pd.DataFrame, by: str | list[str], per: str = "line") -> str:
    """What a CI band of :func:`replicates` covers, with n: e.g. ``95% CI over seeds, n = 2-3 seeds per line``
    (``by`` is the column or columns of one group; ``per`` names what a group is drawn as: a line, a panel, a
    point)."""
    keys = [by] if isinstance(by, str) else list(by)
    seeds = df.drop_duplicates(keys + UNIT).groupby(keys).size()
    low, high = int(seeds.min()), int(seeds.max())
    n = f"{low}" if low == high else f"{low}-{high}"
    one = f"; a {per} of one seed: over its agents" if low == 1 else ""
    return f"{LEVEL:.0%} CI over seeds, n = {n} seed{'s' if high > 1 else ''} per {per}{one}"
