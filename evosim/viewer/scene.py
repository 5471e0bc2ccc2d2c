"""What the viewer shows, without pygame: teams of agents stepping through mazes of a world.

Every team (one run, or one hand-set drive) runs its own batch of episodes in the
same maze through the real mechanics (:class:`~evosim.worlds.maze.episodes.Episodes` and the
mind's controller), each agent acting from its own stream (:func:`~evosim.viewer.preview.agent_streams`).
The scene samples mazes (or, asked to, shows first the previewed mazes where the agents
disagree), switches between the watched world and the training world (the shift),
classifies outcomes with :mod:`evosim.worlds.maze.outcomes` and counts the outcomes of
finished mazes per world and team.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
import numpy as np

from evosim.data import TRAIN_WORLD
from evosim.core.errors import UserError
from evosim.core.features import COLOR_NAMES, SHAPES
from evosim.core.streams import stream
from evosim.runs.memory import require_memory
from evosim.minds.planner import EXIT_SEEKER, GREEN_SEEKER, Planner, hand_set
from evosim.runs.rundir import load_agents, training_world
from evosim.worlds import load_world
from evosim.worlds.maze.episodes import Episodes
from evosim.worlds.maze.outcomes import classify, proxy_targets
from evosim.worlds.maze.world import MazeWorld
from evosim.viewer.palette import PAIR, arm_tint
from evosim.viewer.preview import Preview, agent_streams, most_telling_first, preview

HAND_SET = {"exit-seeker": EXIT_SEEKER, "green-seeker": GREEN_SEEKER}
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
    tint: tuple[int, int, int]  # the arm's colour (evosim.viewer.palette)

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
    for run in runs:
        saved = load_agents(run)
        training = training_world(run)
        n = min(per_run, len(saved.params))
        if n == 0:
            raise UserError(f"{run}: holds no agents")
        names = tuple(f"seed {s} #{a}" for s, a in zip(saved.seed[:n], saved.agent[:n]))
        teams.append(Team(f"{saved.optimizer} · {saved.mind}", str(run), saved.optimizer,
                          saved.make_mind(), saved.params[:n], names, training, arm_tint(saved.optimizer, saved.mind)))
    return teams


def hand_set_teams() -> list[Team]:
    """Hand-set planners, one team per drive, so the shift can be shown with no training."""
    if not TRAIN_WORLD.exists():
        raise UserError(f"{TRAIN_WORLD}: missing; hand-set planners need it as their training world")
    training = load_world(TRAIN_WORLD)
    return [Team(f"hand-set · {name}", "hand-set", "hand-set", Planner(), hand_set(drives)[None],
                 (name,), training, PAIR[i])
            for i, (name, drives) in enumerate(HAND_SET.items())]


class Scene:
    """The current maze, every team's episodes in it, and outcome counts of the mazes finished so far."""

    def __init__(self, teams: list[Team], watched: MazeWorld, training: MazeWorld, seed: int = 0,
                 candidates: int = 0):
        self.teams = teams
        self.watched, self.training = watched, training
        self.world = watched
        self.seed = seed
        self.maze_rng = stream("viewer-mazes", seed)
        self.sampled = 0  # mazes drawn so far: the next one's key
        self.previews: list[Preview] = []  # the previewed mazes, in sampled order
        self.lead: list[Preview] = self.disagreements_first(candidates) if candidates else []
        self.maze_number = 0
        self.counts: dict[str, list[Counter]] = {}  # world name -> outcome counts per team, finished mazes
        self.mazes_seen: Counter = Counter()  # world name -> mazes finished
        self.skipped: Counter = Counter()  # world name -> mazes left (N or S) before they finished
        self.new_maze()

    def disagreements_first(self, candidates: int) -> list[Preview]:
        """Preview ``candidates`` mazes of the watched world; the most telling first (see :mod:`.preview`)."""
        per_maze = self.n_agents
        tile_bytes = max(team.mind.tile_bytes for team in self.teams)
        require_memory(self.watched.step_memory(per_maze * candidates, candidates, tile_bytes),
                       f"--candidates {candidates} with {per_maze} agents", "previews as many episodes")
        keys = list(range(self.sampled, self.sampled + candidates))
        mazes = self.watched.sample(self.maze_rng, candidates)
        self.sampled += candidates
        self.previews = preview(self.teams, self.watched, mazes, keys, self.seed)
        return most_telling_first(self.previews)

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
    def decisive(self) -> bool:
        """Whether the maze on screen tells the exit from every proxy target of every team."""
        return all(bool(p.decisive[0]) for p in self.proxies)

    @property
    def limit(self) -> int:
        """The current maze's step limit (the world's ``max_steps``, or less with ``steps_per_distance``)."""
        return int(self.episodes[0].limit_of(0))

    def new_maze(self, world: MazeWorld | None = None) -> None:
        """Leave the current maze (counted as skipped when unfinished) for the next one of ``world`` (by default
        the current world): the next previewed maze while any is left, else a new sample."""
        if self.maze_number and not self.done:
            self.skipped[self.world.name] += 1
        self.world = world or self.world
        self.maze_number += 1
        if self.world is self.watched and self.lead:
            shown = self.lead.pop(0)
            self.key, self.maze, self.why = shown.key, shown.maze, shown.why
        else:
            (self.maze,) = self.world.sample(self.maze_rng, 1)
            self.key, self.why = self.sampled, ""
            self.sampled += 1
        self.batch = self.world.batch([self.maze])
        self.episodes = [self.world.episodes(self.batch, len(t.params)) for t in self.teams]
        self.controllers = [t.mind.controller(t.params, e) for t, e in zip(self.teams, self.episodes)]
        self.actions = [agent_streams(self.seed, i, len(t.params), [self.key]) for i, t in enumerate(self.teams)]
        self.proxies = [proxy_targets(t.training, self.world, self.batch) for t in self.teams]
        self.previous = [e.pos.copy() for e in self.episodes]
        self.t = 0
        self.refresh()

    def shift(self) -> None:
        """Switch between the watched world and the training world, in a fresh maze."""
        self.new_maze(self.watched if self.world is self.training else self.training)

    def step(self) -> None:
        """One step of every episode still running; the maze's outcomes are counted when its last one ends."""
        if self.done:
            return
        for e, controller, actions, previous in zip(self.episodes, self.controllers, self.actions, self.previous):
            previous[:] = e.pos
            if not e.done:
                e.step(controller.act(actions))
        self.t += 1
        self.refresh()
        if self.done:
            self.tally()

    def tally(self) -> None:
        counts = self.counts.setdefault(self.world.name, [Counter() for _ in self.teams])
        for counter, (outcome, _) in zip(counts, self.outcomes):
            counter.update(str(o) for o in outcome)
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
