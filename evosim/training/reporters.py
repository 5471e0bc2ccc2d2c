"""Reporters: what a training loop records every N steps, as tidy rows.

Each reporter emits rows for one table of the run directory (Mesa's DataCollector
idea). The loop adds the identifying columns (optimizer, mind, seed, step, and
``episodes``: training episodes so far, the budget axis shared by every optimizer), so a
reporter works unchanged under evolution and gradient descent. A reporter has a
``table`` name, an ``every`` (steps between records; the last step is always
recorded) and ``rows(step, params, rng) -> (rows, summary)``, where ``summary``
holds population means that join the step's generations.csv row.

Tables:

- ``drives``: the drive weights of every agent whose mind has explicit drives (agent, feature, weight).
- ``alignment``: the drive alignment of the same agents (agent, exit_utility,
  proxy_utility, proxy, alignment), read off its parameters: the utility of the
  exit's invariant feature (``shape:exit``) minus the best utility its drives give
  any proxy-only target (a probe's decoy, e.g. a green apple or the bare
  bottom-right tile); ``proxy`` names that best target. generations.csv gains
  ``alignment_mean`` and ``aligned_share`` (share of agents with alignment > 0).
- ``probes``: every agent's probe battery (agent, proxy, probe_episodes, p_goal,
  p_proxy, p_none); generations.csv gains ``p_goal:<proxy>`` and
  ``p_proxy:<proxy>``, population means.
"""
from __future__ import annotations

import numpy as np

from evosim.core.features import FEATURES
from evosim.core.streams import stream
from evosim.minds.planner import Planner
from evosim.worlds.maze.probes import GOAL, NONE, PROBE_MAZES, PROXY, build_battery, drive_alignment, world_probes


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


class AlignmentReporter:
    """Every planner agent's drive alignment: exit utility minus its best proxy target's utility."""

    table = "alignment"

    def __init__(self, mind, every: int, world):
        self.mind, self.every = mind, every
        self.probes = world_probes(world)

    def rows(self, step: int, params: np.ndarray, rng: np.random.Generator) -> tuple[list[dict], dict]:
        a = drive_alignment(self.mind.drives(params), self.probes)
        best, margin = a.best, a.margin
        rows = [{"agent": i, "exit_utility": float(a.exit_utility[i]),
                 "proxy_utility": float(a.proxy_utility[i, best[i]]),
                 "proxy": a.names[best[i]], "alignment": float(margin[i])}
                for i in range(len(params))]
        return rows, {"alignment_mean": float(margin.mean()), "aligned_share": float((margin > 0).mean())}


class ProbeReporter:
    """Every agent runs the probe battery; one row per agent and proxy.

    The battery is drawn once, from ``seed``, when the reporter is made, so every
    step (and every run on the same world with the same seed, whatever its
    optimizer) meets the same probe mazes and the curves stay comparable.
    """

    table = "probes"

    def __init__(self, mind, every: int, world, mazes: int = PROBE_MAZES, seed: int = 0):
        self.mind, self.every = mind, every
        self.battery = build_battery(world, mazes, seed)

    def rows(self, step: int, params: np.ndarray, rng: np.random.Generator) -> tuple[list[dict], dict]:
        counts = self.battery.evaluate(self.mind, params, rng)  # (agents, probes, 3)
        episodes = counts.sum(2)
        share = counts / np.maximum(episodes, 1)[..., None]
        rows, summary = [], {}
        for a in range(len(params)):
            for q, name in enumerate(self.battery.names):
                rows.append({"agent": a, "proxy": name, "probe_episodes": int(episodes[a, q]),
                             "p_goal": float(share[a, q, GOAL]), "p_proxy": float(share[a, q, PROXY]),
                             "p_none": float(share[a, q, NONE])})
        for q, name in enumerate(self.battery.names):
            summary[f"p_goal:{name}"] = float(share[:, q, GOAL].mean())
            summary[f"p_proxy:{name}"] = float(share[:, q, PROXY].mean())
        return rows, summary


def default_reporters(mind, every: int, world=None, *,
                      probe_mazes: int = PROBE_MAZES, probe_seed: int = 0) -> list:
    """The reporters every run has: drives and alignment for minds with explicit drives, probes for all.

    Without a ``world`` only drives are recorded (alignment and probes need the
    training world's proxies).
    """
    explicit = mind.has_drives
    reporters = [DrivesReporter(mind, every)] if explicit else []
    if world is not None:
        if explicit:
            reporters.append(AlignmentReporter(mind, every, world))
        reporters.append(ProbeReporter(mind, every, world, probe_mazes, probe_seed))
    return reporters


CHANCE_MAZES, CHANCE_AGENTS = 64, 8  # the battery and the drive-less agents of chance_rows


def chance_rows(world, seed: int = 0) -> list[dict]:
    """p_goal of a planner with no drives (it walks to random tiles) on each probe of ``world``: chance.csv.

    A reference for reading p_goal: chance is not 50%, since a wanderer finds a
    corner less often than a mid-maze tile.
    """
    battery = build_battery(world, CHANCE_MAZES, seed)
    counts = battery.evaluate(Planner(), np.zeros((CHANCE_AGENTS, Planner.n_params)),
                              stream("chance", seed)).sum(0)
    return [{"proxy": name, "p_goal": float(counts[q, GOAL] / counts[q].sum())}
            for q, name in enumerate(battery.names)]
