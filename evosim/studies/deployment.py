"""Deployment: run a run's saved agents in a world and classify every episode's outcome.

Every agent meets the same E mazes (sampled with the deployment seed), so agents,
seeds and optimizers are compared on equal terms.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from evosim.runs import rundir
from evosim.core.errors import UserError
from evosim.core.settings import Settings, setting
from evosim.core.streams import stream
from evosim.worlds.maze.episodes import run
from evosim.worlds.maze.outcomes import OUTCOMES, classify, proxy_targets

DEPLOY_CSV = "deploy.csv"
AGENTS_PER_CHUNK = 256  # bounds memory: slots are agents x episodes


@dataclass(frozen=True)
class DeploySettings(Settings):
    """Settings of ``evosim deploy``."""

    episodes: int = setting(32, "mazes each agent meets", least=1)
    seed: int = setting(0, "seed of the deployment mazes", least=0)
    replace: bool = setting(False, "replace the deploy.csv rows of a different world file with the same name")


def deploy(agents: rundir.SavedAgents, train, world, episodes: int, seed: int) -> list[dict]:
    """One row per agent and episode: outcome, the proxy reached first, steps, exit, apples."""
    rng = stream("deployment", seed)
    batch = world.batch(world.sample(rng, episodes))
    targets = proxy_targets(train, world, batch)
    mind = agents.make_mind()
    rows = []
    for lo in range(0, len(agents.params), AGENTS_PER_CHUNK):
        chunk = slice(lo, lo + AGENTS_PER_CHUNK)
        result, _ = run(mind, agents.params[chunk], batch, world.max_steps, rng)
        outcome, proxy = classify(result, batch, targets)
        for s in range(len(result.agent)):
            a = lo + int(result.agent[s])
            rows.append({"optimizer": agents.optimizer, "mind": agents.mind,
                         "seed": int(agents.seed[a]), "agent": int(agents.agent[a]),
                         "world": world.name, "episode": int(result.maze[s]),
                         "outcome": str(outcome[s]), "proxy": str(proxy[s]),
                         "steps": int(result.steps[s]), "exit_reached": int(result.exit_reached[s]),
                         "apples": int(result.apples[s])})
    return rows


def check_world(run: Path, world, replace: bool = False) -> None:
    """Refuse to replace deploy.csv rows that a different world file with the same name made."""
    made = rundir.load_run(run).get("deployed", {}).get(world.name)
    if made == world.digest or replace:
        return
    if any(r.get("world") == world.name for r in rundir.read_csv(run / DEPLOY_CSV)):
        raise UserError(f"{world.path}: {run / DEPLOY_CSV} holds rows of another world file named "
                        f"{world.name!r}; give this one its own [world] name, or pass --replace")


def record(run: Path, rows: list[dict], world) -> None:
    """Add rows to RUN/deploy.csv, replacing earlier rows of the world; run.json notes which file made them."""
    kept = [r for r in rundir.read_csv(run / DEPLOY_CSV) if r["world"] != world.name]
    rundir.write_table(run, DEPLOY_CSV.removesuffix(".csv"), kept + rows)
    deployed = rundir.load_run(run).get("deployed", {})
    rundir.update_run_json(run, deployed=deployed | {world.name: world.digest})


def deploy_run(run: Path, world, episodes: int, seed: int, replace: bool = False):
    """Deploy a complete run's agents in ``world`` and record the rows in its deploy.csv, holding the run's
    lock; the agents and the rows."""
    agents = rundir.load_agents(run)
    train = rundir.training_world(run)
    with rundir.locked(run):
        check_world(run, world, replace)
        rows = deploy(agents, train, world, episodes, seed)
        record(run, rows, world)
    return agents, rows


def fractions(rows: list[dict]) -> dict[str, float]:
    """Share of episodes with each outcome."""
    n = max(len(rows), 1)
    return {o: sum(r["outcome"] == o for r in rows) / n for o in OUTCOMES}
