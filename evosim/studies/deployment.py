"""Deployment: run a run's saved agents in a world and classify every episode's outcome.

Every agent meets the same E mazes (sampled with the deployment seed), so agents,
seeds and optimizers are compared on equal terms. The reference agents
(:mod:`evosim.studies.references`) meet the same mazes, acting from their own
stream, into reference.csv. Headline shares are over decisive episodes (mazes
that tell the exit from every proxy target), with the shares over all episodes beside them.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evosim.core import limits
from evosim.runs import rundir
from evosim.runs.memory import ROW_BYTES, require_memory
from evosim.core.errors import UserError
from evosim.core.outcome_names import DECISIVE
from evosim.core.settings import Settings, setting
from evosim.core.streams import stream
from evosim.minds.base import Mind
from evosim.studies.references import references
from evosim.worlds import load_world
from evosim.worlds.maze.episodes import run
from evosim.worlds.maze.outcomes import OUTCOMES, classify, maze_columns, proxy_targets

DEPLOY_CSV, REFERENCE_CSV = "deploy.csv", "reference.csv"
AGENTS_PER_CHUNK = 256  # bounds memory: slots are agents x episodes


@dataclass(frozen=True)
class DeploySettings(Settings):
    """Settings of ``evosim deploy``."""

    episodes: int = setting(32, "mazes each agent meets", least=1, most=limits.EPISODES)
    seed: int = setting(0, "seed of the deployment mazes", least=0, most=limits.SEED)
    replace: bool = setting(False, "replace the deploy.csv rows of a different world file with the same name")


@dataclass(frozen=True)
class Deployment:
    """The rows of one deployment: the run's agents (deploy.csv) and the reference agents (reference.csv)."""

    agents: list[dict]
    references: list[dict]


def episode_rows(mind, params, batch, targets, world, rng, lo: int = 0) -> list[tuple[int, dict]]:
    """(agent number, row) of every episode of ``params`` in ``batch``: outcome, proxy, steps and the maze."""
    limits = world.step_limits(batch)
    result, _ = run(mind, params, batch, limits, rng)
    outcome, proxy = classify(result, batch, targets)
    mazes = maze_columns(batch, targets) | {"max_steps": np.broadcast_to(limits, (batch.size,))}
    rows = []
    for s in range(len(result.agent)):
        k = int(result.maze[s])
        rows.append((lo + int(result.agent[s]), {
            "world": world.name, "episode": k, "outcome": str(outcome[s]), "proxy": str(proxy[s]),
            "steps": int(result.steps[s]), "exit_reached": int(result.exit_reached[s]),
            "apples": int(result.apples[s])} | {c: int(v[k]) for c, v in mazes.items()}))
    return rows


def deploy(agents: rundir.SavedAgents, train, world, episodes: int, seed: int) -> Deployment:
    """Every agent and every reference agent in the same ``episodes`` mazes of ``world``: one row per episode."""
    rng = stream("deployment", seed)
    batch = world.batch(world.sample(rng, episodes))
    targets = proxy_targets(train, world, batch)
    mind = agents.make_mind()
    rows = []
    for lo in range(0, len(agents.params), AGENTS_PER_CHUNK):
        params = agents.params[lo:lo + AGENTS_PER_CHUNK]
        for a, row in episode_rows(mind, params, batch, targets, world, rng, lo):
            rows.append({"optimizer": agents.optimizer, "mind": agents.mind, "seed": int(agents.seed[a]),
                         "agent": int(agents.agent[a])} | row)
    acting = stream("reference", seed)
    reference_rows = [{"reference": r.name, "drive": r.drive, "mind": r.mind.name} | row
                      for r in references(train)
                      for _, row in episode_rows(r.mind, r.params, batch, targets, world, acting)]
    return Deployment(rows, reference_rows)


def check_world(run: Path, world, replace: bool = False) -> None:
    """Refuse to replace deploy.csv rows that a different world file with the same name made."""
    made = rundir.load_run(run).get("deployed", {}).get(world.name)
    if made == world.digest or replace:
        return
    if any(r.get("world") == world.name for r in rundir.read_csv(run / DEPLOY_CSV)):
        raise UserError(f"{world.path}: {run / DEPLOY_CSV} holds rows of another world file named "
                        f"{world.name!r}; give this one its own [world] name, or pass --replace")


def record(run: Path, deployment: Deployment, world) -> None:
    """Add the rows to RUN/deploy.csv and RUN/reference.csv, replacing earlier rows of the world; run.json notes
    which file made them."""
    for name, rows in ((DEPLOY_CSV, deployment.agents), (REFERENCE_CSV, deployment.references)):
        kept = [r for r in rundir.read_csv(run / name) if r["world"] != world.name]
        rundir.write_table(run, name.removesuffix(".csv"), kept + rows)
    deployed = rundir.load_run(run).get("deployed", {})
    rundir.update_run_json(run, deployed=deployed | {world.name: world.digest})


def check_memory(agents: int, world, episodes: int, tile_bytes: int) -> None:
    """Refuse a deployment whose episodes (a chunk of agents at once, of minds holding ``tile_bytes`` per episode
    and floor tile) and rows (all of them) would not fit."""
    slots = min(agents, AGENTS_PER_CHUNK) * episodes
    need = world.step_memory(slots, episodes, tile_bytes) + agents * episodes * ROW_BYTES
    require_memory(need, f"--episodes {episodes}:", f"{agents:,} agents (the run's and the reference agents) "
                                                   f"meet {episodes:,} mazes each, a row per episode,")


def deploy_run(run: Path, world, episodes: int, seed: int, replace: bool = False):
    """Deploy a complete run's agents in ``world`` and record the rows in its deploy.csv and reference.csv,
    holding the run's lock; the agents and the deployment."""
    agents = rundir.load_agents(run)
    train = rundir.training_world(run)
    check_memory(len(agents.params) + len(references(train)), world, episodes, max(agents.make_mind().tile_bytes,
                                                                                   Mind.tile_bytes))
    with rundir.locked(run):
        check_world(run, world, replace)
        deployment = deploy(agents, train, world, episodes, seed)
        record(run, deployment, world)
    return agents, deployment


def deploy_file(run: Path, path, settings: DeploySettings):
    """``evosim deploy RUN WORLD`` (and :func:`evosim.api.deploy`): the maze world file at ``path`` loaded and the
    run's agents deployed in it (:func:`deploy_run`); the world, the agents and the deployment."""
    world = load_world(path, ("maze",))
    agents, deployment = deploy_run(Path(run), world, settings.episodes, settings.seed, settings.replace)
    return world, agents, deployment


def fractions(rows: list[dict]) -> dict[str, float]:
    """Share of ``rows`` with each outcome (every share 0 for no rows)."""
    n = max(len(rows), 1)
    return {o: sum(r["outcome"] == o for r in rows) / n for o in OUTCOMES}


@dataclass(frozen=True)
class Shares:
    """Headline shares of deployment rows: over decisive episodes, and over all of them, with the counts."""

    decisive: dict[str, float]
    all: dict[str, float]
    decisive_episodes: int
    episodes: int

    @classmethod
    def of(cls, rows: list[dict]) -> "Shares":
        decisive = [r for r in rows if int(r["decisive"])]
        return cls(fractions(decisive), fractions(rows), len(decisive), len(rows))

    def columns(self, prefix: str) -> dict:
        """sweep.csv columns: ``PREFIX:OUTCOME`` over decisive episodes, ``PREFIX:all:OUTCOME`` over all, counts."""
        return ({f"{prefix}:{o}": self.decisive[o] for o in DECISIVE}
                | {f"{prefix}:decisive_episodes": self.decisive_episodes}
                | {f"{prefix}:all:{o}": v for o, v in self.all.items()} | {f"{prefix}:episodes": self.episodes})

    def line(self) -> str:
        """One line of text: the decisive shares, then the shares over all episodes."""
        decisive = ", ".join(f"{o} {self.decisive[o]:.3f}" for o in DECISIVE)
        every = ", ".join(f"{o} {v:.3f}" for o, v in self.all.items())
        return f"{self.decisive_episodes} decisive episodes: {decisive}; all {self.episodes}: {every}"


def shares_lines(deployment: Deployment) -> list[str]:
    """A line of headline shares for the run's agents, then one per reference agent."""
    names = list(dict.fromkeys(r["reference"] for r in deployment.references))
    width = max(len(n) for n in names + ["agents"]) + 1
    return [f"{'agents:':{width}s} {Shares.of(deployment.agents).line()}"] + [
        f"{n + ':':{width}s} {Shares.of([r for r in deployment.references if r['reference'] == n]).line()}"
        for n in names]
