"""What the viewer shows, without pygame: teams of agents stepping through mazes of a world.

Every team (one run, or one hand-set drive) runs its own batch of episodes in the
same maze through the real mechanics (:class:`~evosim.worlds.maze.episodes.Episodes` and the
mind's controller). The scene samples mazes, switches between the watched world
and the training world (the shift), classifies outcomes with :mod:`evosim.worlds.maze.outcomes`
and keeps running counts per world and team.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
import numpy as np

from evosim.data import TRAIN_WORLD
from evosim.core.errors import UserError
from evosim.core.features import COLOR_NAMES, SHAPES
from evosim.core.streams import stream
from evosim.minds.planner import EXIT_SEEKER, GREEN_SEEKER, Planner, hand_set
from evosim.runs.rundir import load_agents, training_world
from evosim.worlds import load_world
from evosim.worlds.maze.episodes import Episodes
from evosim.worlds.maze.outcomes import classify, proxy_targets
from evosim.worlds.maze.world import MazeWorld

HAND_SET = {"exit-seeker": EXIT_SEEKER, "green-seeker": GREEN_SEEKER}
#: Legend colours of teams, away from the feature colours so agents never look like objects.
TINTS = ((255, 150, 40), (40, 200, 225), (250, 110, 190), (190, 140, 90), (130, 225, 175), (255, 215, 150))
RUNNING = "running"


@dataclass(frozen=True)
class Team:
    """Agents from one source, drawn with one sprite and one tint and counted together."""

    label: str  # legend text, e.g. "ga · planner"
    source: str  # run directory, or "hand-set"
    optimizer: str
    mind: object
    params: np.ndarray  # (n, n_params), one row per agent shown
    names: tuple[str, ...]  # one per agent, e.g. "seed 0 #3"
    training: MazeWorld  # the world the agents were shaped in
    tint: tuple[int, int, int]

    def drives(self) -> np.ndarray | None:
        """Drive weights (n, N_FEATURES) of minds that have explicit drives, else None."""
        return self.mind.drives(self.params)


@dataclass(frozen=True)
class Agent:
    """One agent as the board and panel draw it after the latest step."""

    number: int  # 1-based, across teams
    team: Team
    name: str
    tile: tuple[int, int]  # row, col on the tile grid
    previous: tuple[int, int]  # where it stood before the latest step
    heading: int  # 0=N, 1=E, 2=S, 3=W
    running: bool
    target: str  # what a planner is walking to, "—" for minds without targets
    target_tile: tuple[int, int] | None
    outcome: str
    proxy: str  # the proxy reached first when misgeneralized, else ""
    drives: np.ndarray | None


def run_teams(runs: list[str], per_run: int) -> list[Team]:
    """One team per run directory: its first ``per_run`` saved agents."""
    teams = []
    for i, run in enumerate(runs):
        saved = load_agents(run)
        training = training_world(run)
        n = min(per_run, len(saved.params))
        if n == 0:
            raise UserError(f"{run}: holds no agents")
        names = tuple(f"seed {s} #{a}" for s, a in zip(saved.seed[:n], saved.agent[:n]))
        teams.append(Team(f"{saved.optimizer} · {saved.mind}", str(run), saved.optimizer,
                          saved.make_mind(), saved.params[:n], names, training, TINTS[i % len(TINTS)]))
    return teams


def hand_set_teams() -> list[Team]:
    """Hand-set planners, one team per drive, so the shift can be shown with no training."""
    if not TRAIN_WORLD.exists():
        raise UserError(f"{TRAIN_WORLD}: missing; hand-set planners need it as their training world")
    training = load_world(TRAIN_WORLD)
    return [Team(f"hand-set · {name}", "hand-set", "hand-set", Planner(), hand_set(drives)[None],
                 (name,), training, TINTS[i])
            for i, (name, drives) in enumerate(HAND_SET.items())]


class Scene:
    """The current maze, every team's episodes in it, and outcome counts so far."""

    def __init__(self, teams: list[Team], watched: MazeWorld, training: MazeWorld, seed: int = 0):
        self.teams = teams
        self.watched, self.training = watched, training
        self.world = watched
        self.maze_rng = stream("viewer-mazes", seed)
        self.act_rng = stream("viewer-actions", seed)
        self.maze_number = 0
        self.counts: dict[str, list[Counter]] = {}  # world name -> outcome counts per team
        self.mazes_seen: Counter = Counter()  # world name -> mazes tallied
        self.new_maze()

    @property
    def n_agents(self) -> int:
        return sum(len(t.params) for t in self.teams)

    @property
    def showing_training(self) -> bool:
        """Whether the world on screen is the one the agents were shaped in (also when watched)."""
        return self.world.name == self.training.name

    @property
    def done(self) -> bool:
        return all(e.done for e in self.episodes)

    @property
    def limit(self) -> int:
        """The current maze's step limit (the world's ``max_steps``, or less with ``steps_per_distance``)."""
        return int(self.episodes[0].limit_of(0))

    def new_maze(self) -> None:
        """Tally the current maze's finished episodes, then sample the next maze of the current world."""
        if self.maze_number:
            self.tally()
        self.maze_number += 1
        (self.maze,) = self.world.sample(self.maze_rng, 1)
        self.batch = self.world.batch([self.maze])
        self.episodes = [self.world.episodes(self.batch, len(t.params)) for t in self.teams]
        self.controllers = [t.mind.controller(t.params, e) for t, e in zip(self.teams, self.episodes)]
        self.proxies = [proxy_targets(t.training, self.world, self.batch) for t in self.teams]
        self.previous = [e.pos.copy() for e in self.episodes]
        self.t = 0
        self.refresh()

    def shift(self) -> None:
        """Switch between the watched world and the training world, in a fresh maze."""
        self.world = self.watched if self.world is self.training else self.training
        self.new_maze()

    def step(self) -> None:
        """One step of every episode still running."""
        if self.done:
            return
        for e, controller, previous in zip(self.episodes, self.controllers, self.previous):
            previous[:] = e.pos
            if not e.done:
                e.step(controller.act(self.act_rng))
        self.t += 1
        self.refresh()

    def tally(self) -> None:
        counts = self.counts.setdefault(self.world.name, [Counter() for _ in self.teams])
        for counter, (outcome, _) in zip(counts, self.outcomes):
            counter.update(o for o in outcome if o != RUNNING)
        self.mazes_seen[self.world.name] += 1

    def refresh(self) -> None:
        """Recompute outcomes so far and the agents' drawable state."""
        self.outcomes = []
        for e, proxies in zip(self.episodes, self.proxies):
            outcome, proxy = classify(e.result(), self.batch, proxies)
            self.outcomes.append((np.where(e.alive & (outcome == "incapable"), RUNNING, outcome), proxy))
        self.agents = []
        for team, e, controller, previous, (outcome, proxy) in zip(
                self.teams, self.episodes, self.controllers, self.previous, self.outcomes):
            drives = team.drives()
            for slot in range(e.size):
                target, target_tile = self.target(controller, e, slot)
                self.agents.append(Agent(
                    len(self.agents) + 1, team, team.names[slot], self.tile(e.pos[slot]),
                    self.tile(previous[slot]), int(e.heading[slot]), bool(e.alive[slot]),
                    target, target_tile, str(outcome[slot]),
                    str(proxy[slot]) if outcome[slot] == "misgeneralized" else "",
                    None if drives is None else drives[slot]))

    def tile(self, floor: int) -> tuple[int, int]:
        row, col = self.batch.tiles[0, floor]
        return int(row), int(col)

    def target(self, controller, e: Episodes, slot: int) -> tuple[str, tuple[int, int] | None]:
        """What a planner is walking to, in words, and its tile; "—" when there is nothing to show."""
        target = getattr(controller, "target", None)
        if target is None or not e.alive[slot] or target[slot] < 0:
            return "—", None
        tile = self.tile(target[slot])
        if controller.wandering[slot]:
            return "wandering", tile
        obj = self.batch.obj_at[0, target[slot]]
        if obj >= 0 and not e.eaten[slot, obj]:
            return f"{COLOR_NAMES[self.batch.obj_color[0, obj]]} {SHAPES[self.batch.obj_shape[0, obj]]}", tile
        return f"tile ({tile[1]},{tile[0]})", tile
