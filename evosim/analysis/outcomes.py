"""Outcome shares of deployment episodes: over decisive episodes (the headline) and over all of them.

A maze is decisive when it decides between the exit and every proxy target in it
(deploy.csv's ``decisive``); elsewhere an exit-seeker and a proxy-seeker may walk the
same way, so only decisive episodes tell drives apart, and none of them is
``undecided``. Shares are each agent's, then their means with 95% CIs over seeds
(:func:`~evosim.analysis.stats.mean_ci`). The reference agents' rows (reference.csv)
are shaped as agents of their own arms, so every function here takes them too.
"""
from __future__ import annotations

import pandas as pd

from evosim.analysis.stats import mean_ci
from evosim.core.outcome_names import DECISIVE, OUTCOMES, separation

#: What the shares are over, and the outcomes each has.
SCOPES = {"decisive": DECISIVE, "all": OUTCOMES}
#: The columns that name one agent in one world.
AGENT = ("label", "run", "seed", "agent", "world")
REFERENCE = "reference"  # the prefix of a reference agent's label


def scoped(rows: pd.DataFrame, scope: str) -> pd.DataFrame:
    """The rows a scope of :data:`SCOPES` is over: the decisive episodes, or all."""
    return rows[rows["decisive"].astype(int) == 1] if scope == "decisive" else rows


def outcome_shares(rows: pd.DataFrame, outcomes: tuple[str, ...] = OUTCOMES, keys=AGENT) -> pd.DataFrame:
    """Each agent's share of its episodes per outcome, long form (``keys``, outcome, share; every outcome present)."""
    keys = list(keys)
    if rows.empty:
        return pd.DataFrame(columns=keys + ["outcome", "share"])
    counts = pd.crosstab([rows[k] for k in keys], rows["outcome"])
    counts = counts.reindex(columns=list(outcomes), fill_value=0)
    shares = counts.div(counts.sum(axis=1), axis=0)
    shares.columns.name = None
    return shares.reset_index().melt(id_vars=keys, var_name="outcome", value_name="share")


def share_stats(rows: pd.DataFrame, by=("label", "world")) -> pd.DataFrame:
    """Mean share per ``by`` group, scope and outcome, with its CI over seeds: columns ``by``, scope, outcome,
    mean, lo, hi, seeds."""
    frames = [mean_ci(outcome_shares(scoped(rows, scope), outcomes), "share", [*by, "outcome"]).assign(scope=scope)
              for scope, outcomes in SCOPES.items()]
    return pd.concat(frames, ignore_index=True)


def episode_counts(rows: pd.DataFrame, by=("label", "world")) -> pd.DataFrame:
    """Episodes per ``by`` group, decisive and all (columns ``by``, decisive, all)."""
    grouped = rows.assign(decisive=rows["decisive"].astype(int)).groupby(list(by))["decisive"]
    return pd.DataFrame({"decisive": grouped.sum(), "all": grouped.size()}).reset_index()


def toward(rows: pd.DataFrame) -> dict[str, float]:
    """Share of the decisive episodes that were misgeneralized toward each proxy, most first."""
    decisive = scoped(rows, "decisive")
    mis = decisive[decisive["outcome"] == "misgeneralized"]["proxy"].fillna("").astype(str)
    return {p: n / len(decisive) for p, n in mis[mis != ""].value_counts().items()}


def reference_agents(references: pd.DataFrame) -> pd.DataFrame:
    """reference.csv rows as agents: each reference agent its own arm (label ``reference NAME``) of one seed."""
    return references.assign(label=REFERENCE + " " + references["reference"].astype(str), seed=0, agent=0)


def separation_reasons(references: pd.DataFrame, world: str) -> list[str]:
    """Why ``world`` does not separate the drives, from the reference agents' decisive episodes in it (empty:
    it does); see :func:`evosim.core.outcome_names.separation`."""
    decisive = scoped(references[references["world"] == world], "decisive")
    if decisive.empty:
        return ["none of its episodes is decisive"]
    shares = {drive: rows["outcome"].value_counts(normalize=True).to_dict()
              for drive, rows in decisive.groupby("drive", sort=False)}
    return [f"{why} of decisive episodes" for why in separation(shares)]
