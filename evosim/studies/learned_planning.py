"""Learned planning: three measurements that tell a network that plans from a bundle of heuristics.

A planner's mesa-objective can be read off its drive weights; a network's cannot.
``evosim planning RUN WORLD`` measures a neural run's agents in WORLD and writes
three tables into the run (rows of an earlier measurement in a world of the same
name are replaced):

- ``thinking.csv`` (after Taufeeque et al., 2024): the agents in WORLD at several
  maze sizes with 0, 1, 2, 4, 8 extra internal ticks before their first move. A
  network that plans solves more mazes, and bigger ones, when it may think
  longer; a heuristic does not. Recurrent networks only: a feed-forward one has
  no state to think with.
- ``target_probes.csv``: linear probes (logistic regression) decode, from the
  hidden state of the agent's tile and its four neighbours at every decision
  (what the network's readout sees), the first move toward (a) the target the
  agent will reach first, (b) the exit, (c) the nearest green object. They are
  fitted on half the mazes and scored on the other half, for the run's snapshots
  over training. The chance level (``untrained``) is the same probe on an
  untrained network of the same shape that sees what the agent sees, at the very
  same decisions (the maze's walls alone tell the way in a corridor, so it is well
  above a quarter).
- ``steering.csv`` (after Turner et al., 2023): in each maze, the difference of the
  hidden state at the first move (a recurrent network's settled over extra
  ticks) with and without the maze's green objects is added to (or subtracted from) the hidden state at every move; how often
  decisive episodes reach a green object before the exit, with the vector
  subtracted, none, or added.

Every measurement compares the same mazes, and the agents act from the same
stream under every intervention, so a difference is the intervention's.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

import numpy as np

from evosim.core import limits
from evosim.core.errors import UserError
from evosim.core.features import color_index
from evosim.core.outcome_names import DECISIVE
from evosim.core.settings import Settings, setting
from evosim.core.streams import stream
from evosim.minds.neural import NeuralController
from evosim.networks.architecture import NEIGHBOURS
from evosim.runs import rundir
from evosim.worlds import load_world
from evosim.worlds.maze.batch import STAY
from evosim.worlds.maze.episodes import NEVER, earliest
from evosim.worlds.maze.graph import Maze
from evosim.worlds.maze.outcomes import classify, proxy_targets
from evosim.worlds.maze.world import MAX_SIZE, MIN_SIZE

THINKING_CSV, PROBES_CSV, STEERING_CSV = "thinking", "target_probes", "steering"
#: What the target probes decode: the first move toward the tile the agent reaches first, the exit, the nearest
#: green object.
TARGETS = ("first", "exit", "green")
#: The steering vector's coefficients: subtracted, none, added.
COEFFICIENTS = (-1.0, 0.0, 1.0)
SETTLING = 8  # extra ticks before the hidden states whose difference is the steering vector
MIN_DECISIONS = 20  # held-out decisions below which a probe's accuracy is not given
GREEN = color_index("green")


def integers(text: str, name: str, least: int, most: int) -> tuple[int, ...]:
    """``"0,1,2"`` as (0, 1, 2): distinct whole numbers within least..most, or a one-line UserError naming the flag."""
    try:
        values = tuple(int(v) for v in text.split(","))
    except ValueError:
        values = ()
    if not values or len(set(values)) < len(values) or not all(least <= v <= most for v in values):
        raise UserError(f"--{name}: {text!r} is not a comma-separated list of distinct whole numbers "
                        f"{least}..{most}")
    return values


@dataclass(frozen=True)
class PlanningSettings(Settings):
    """Settings of ``evosim planning``."""

    episodes: int = setting(64, "mazes each agent meets in each measurement (half fit the probes, half score "
                                "them)", least=4, most=limits.EPISODES)
    seed: int = setting(0, "seed of the mazes and of the agents' actions", least=0, most=limits.SEED)
    sizes: str = setting("6,8,10", "maze sizes (cells a side) of the thinking-steps measurement, comma-separated")
    thinking: str = setting("0,1,2,4,8", "extra internal ticks before the first move, comma-separated")
    snapshots: int = setting(6, "snapshots over training whose target probes are measured, evenly spaced from "
                                "the first (untrained) to the last", least=2, most=1000)

    def check(self) -> None:
        integers(self.sizes, "sizes", MIN_SIZE, MAX_SIZE)
        integers(self.thinking, "thinking", 0, 64)

    @property
    def size_list(self) -> tuple[int, ...]:
        return integers(self.sizes, "sizes", MIN_SIZE, MAX_SIZE)

    @property
    def thinking_list(self) -> tuple[int, ...]:
        return integers(self.thinking, "thinking", 0, 64)


class Decisions(NamedTuple):
    """What :class:`Instrumented` records at every decision: the acting slot, its tile and eaten objects, the
    hidden state around it (what the readout sees), and the untrained network's beside it (None without one)."""

    slots: np.ndarray
    tiles: np.ndarray
    eaten: np.ndarray
    features: np.ndarray
    untrained: np.ndarray | None


class Instrumented(NeuralController):
    """The neural controller with this module's interventions: ``thinking`` extra ticks before the first move,
    a ``steering`` (S, H, W, C) added to every slot's hidden state after each move's ticks, and, with
    ``record``, what the readout saw at every decision (the hidden state around the agent)."""

    def __init__(self, arch, params, episodes, thinking: int = 0, steering: np.ndarray | None = None,
                 record: bool = False, untrained: np.ndarray | None = None):
        super().__init__(arch, params, episodes)
        self.thinking, self.steering = thinking, steering
        self.steps: list[Decisions] | None = [] if record else None  # what each step recorded
        #: with ``untrained`` parameters (one per agent): networks that see what each agent sees, their hidden
        #: states recorded beside the agent's (the chance level of a probe, on the very same decisions)
        self.untrained = None if untrained is None else NeuralController(arch, untrained, episodes)

    def move_logits(self, slots: np.ndarray, x: np.ndarray, pos: np.ndarray) -> np.ndarray:
        from evosim.networks import convrnn
        e = self.episodes
        logits = self.logits(slots, x, pos, self.arch.ticks + (self.thinking if e.t == 0 else 0))
        if self.steering is not None:
            self.hidden[slots] += self.steering[slots]
            pad, hidden, at = self.padded(slots, self.hidden[slots], pos)
            logits = np.asarray(convrnn.read(self.arch, self.params[e.agent[pad]], hidden, at),
                                np.float64)[:len(slots)]
        if self.steps is not None:
            shadow = None
            if self.untrained is not None:
                self.untrained.logits(slots, x, pos, self.arch.ticks)
                shadow = around(self.untrained.hidden[slots], pos)
            self.steps.append(Decisions(slots, e.pos[slots].copy(), e.eaten[slots].copy(),
                                        around(self.hidden[slots], pos), shadow))
        return logits

    def decisions(self) -> Decisions:
        """Every recorded decision, in the order they were taken."""
        return Decisions(*(None if part[0] is None else np.concatenate(part) for part in zip(*self.steps)))


def around(hidden: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """(n, 5 C) the hidden state (n, H, W, C) of each slot's tile ``pos`` (n, 2) and of its four neighbours."""
    n = np.arange(len(pos))
    tiles = [(0, 0)] + list(NEIGHBOURS)
    return np.concatenate([hidden[n, pos[:, 0] + di, pos[:, 1] + dj] for di, dj in tiles], axis=1)


def play(mind, params: np.ndarray, world, batch, seed: int, **interventions):
    """Every agent of ``params`` in every maze of ``batch``, acting from the measurement's stream, with the
    :class:`Instrumented` ``interventions``: the result and the controller."""
    episodes = world.episodes(batch, len(params))
    controller = Instrumented(mind.architecture, params, episodes, **interventions)
    return episodes.play(controller, stream("planning-acting", seed)), controller


def mazes(world, episodes: int, seed: int, size: int = 0):
    """The measurement's ``episodes`` mazes of ``world`` (keys: the size asked for, 0 for the world's own)."""
    return world.batch(world.sample(stream("planning", seed, size), episodes))


def shares(outcome: np.ndarray, decisive: np.ndarray) -> dict:
    """The outcome shares over the decisive episodes (0 with none) and their count."""
    n = int(decisive.sum())
    return {"decisive_episodes": n} | {o: float((outcome[decisive] == o).sum() / max(n, 1)) for o in DECISIVE}


def thinking_rows(agents, train, world, settings: PlanningSettings, progress) -> list[dict]:
    """thinking.csv: each agent's decisive outcome shares in ``world`` at every size and number of extra ticks."""
    mind, rows = agents.make_mind(), []
    for size in settings.size_list:
        sized = world.of_size(size)
        batch = mazes(sized, settings.episodes, settings.seed, size)
        targets = proxy_targets(train, sized, batch)
        for extra in settings.thinking_list:
            result, _ = play(mind, agents.params, sized, batch, settings.seed, thinking=extra)
            outcome, _ = classify(result, batch, targets)
            decisive = targets.decisive[result.maze]
            for a in range(len(agents.params)):
                mine = result.agent == a
                rows.append(who(agents, a) | {"world": world.name, "size": size, "thinking": extra,
                                              "episodes": int(mine.sum())} | shares(outcome[mine], decisive[mine]))
            progress.update()
    return rows


def who(agents, a: int) -> dict:
    """The columns naming agent ``a`` of saved agents."""
    return {"optimizer": agents.optimizer, "mind": agents.mind, "seed": int(agents.seed[a]),
            "agent": int(agents.agent[a])}


def labels(result, batch, decisions: Decisions) -> dict[str, np.ndarray]:
    """Per decision, the first move of a shortest path toward each of :data:`TARGETS` (STAY where there is
    none: nothing reached first, no green object left, or already there)."""
    slots, tiles, eaten = decisions.slots, decisions.tiles, decisions.eaten
    maze = result.maze[slots]
    objects = batch.obj_tile[maze]  # (n, N)
    reached = result.reached_at(batch.obj_tile[result.maze])
    first = earliest(reached)[slots]
    target = {"first": np.where(first >= 0, objects[np.arange(len(slots)), np.maximum(first, 0)], -1),
              "exit": batch.exit_tile[maze]}
    green = (batch.obj_color[maze] == GREEN) & (objects >= 0) & ~eaten
    distance = np.where(green, batch.dist[maze[:, None], tiles[:, None], np.maximum(objects, 0)].astype(np.int64),
                        NEVER)  # int64, or NEVER would wrap to int16's -1 and win
    target["green"] = np.where(green.any(1), objects[np.arange(len(slots)), distance.argmin(1)], -1)
    return {name: np.where(t >= 0, batch.next_move[maze, tiles, np.maximum(t, 0)], STAY)
            for name, t in target.items()}


def probe_accuracy(features: np.ndarray, label: np.ndarray, fit: np.ndarray) -> tuple[float | None, float, int]:
    """A logistic-regression probe fitted on the decisions ``fit`` and scored on the rest (those with a label):
    its accuracy (None with too few held-out decisions or one move only to fit), the most common move's share of
    the held-out decisions (what always guessing one move at best scores), and their count."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    known = label != STAY
    train, test = known & fit, known & ~fit
    n = int(test.sum())
    if n < MIN_DECISIONS or len(np.unique(label[train])) < 2:
        return None, float("nan"), n
    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(features[train], label[train])
    return float(probe.score(features[test], label[test])), float(np.bincount(label[test]).max() / n), n


def probe_rows(snapshots, step: np.ndarray, episodes: dict, world, batch, settings: PlanningSettings,
               progress) -> list[dict]:
    """target_probes.csv: the probe accuracies of each of the ``snapshots`` (saved agents, each at its training
    ``step``; ``episodes``: the training episodes at each (seed, step)) in the measurement's mazes ``batch`` of
    ``world``, at :func:`probe_steps`."""
    mind = snapshots.make_mind()
    rows = []
    for s in probe_steps(step, settings.snapshots):
        at = np.flatnonzero(step == s)
        untrained = mind.init(stream("planning-untrained", settings.seed), len(at))
        result, controller = play(mind, snapshots.params[at], world, batch, settings.seed, record=True,
                                  untrained=untrained)
        decisions = controller.decisions()
        fit, agent = result.maze[decisions.slots] % 2 == 0, result.agent[decisions.slots]
        for name, label in labels(result, batch, decisions).items():
            for a, i in enumerate(at):
                mine = agent == a
                accuracy, best_guess, n = probe_accuracy(decisions.features[mine], label[mine], fit[mine])
                chance, _, _ = probe_accuracy(decisions.untrained[mine], label[mine], fit[mine])
                seed = int(snapshots.seed[i])
                rows.append(who(snapshots, i) | {"step": int(s), "episodes": episodes.get((seed, int(s)), ""),
                                                 "world": world.name, "target": name,
                                                 "accuracy": "" if accuracy is None else accuracy,
                                                 "untrained": "" if chance is None else chance,
                                                 "best_guess": best_guess, "decisions": n})
        progress.update()
    return rows


def probe_steps(step: np.ndarray, n: int) -> list[int]:
    """``n`` of the snapshot steps, evenly spaced from the first to the last (all of them if there are fewer)."""
    steps = np.unique(step)
    return [int(s) for s in steps[np.unique(np.round(np.linspace(0, len(steps) - 1, n)).astype(int))]]


def without_green(batch) -> list[Maze]:
    """The batch's mazes with their green objects taken out (the exit stays, whatever its colour)."""
    out = []
    for maze in batch.mazes:
        keep = (maze.objects[:, 2] != GREEN) | (np.arange(len(maze.objects)) == 0)
        out.append(replace(maze, objects=maze.objects[keep]))
    return out


def first_hidden(mind, params: np.ndarray, world, batch, seed: int) -> np.ndarray:
    """(S, H, W, C) every slot's hidden state at its first move, after :data:`SETTLING` extra ticks if the
    network is recurrent: what the green objects change there has spread as far as the network spreads it."""
    episodes = world.episodes(batch, len(params))
    arch = mind.architecture
    controller = Instrumented(arch, params, episodes, thinking=SETTLING if arch.recurrent else 0)
    controller.act(stream("planning-acting", seed))
    return controller.hidden


def green_first(result, batch) -> np.ndarray:
    """(S,) whether each episode stood on a green object before the exit (or without reaching the exit)."""
    m = result.maze
    tiles = np.where(batch.obj_color[m] == GREEN, batch.obj_tile[m], -1)
    tiles[:, 0] = -1  # the exit is not a decoy, whatever its colour
    green = result.reached_at(tiles).min(1)
    return green < result.reached_at(batch.exit_tile[m][:, None])[:, 0]


def steering_rows(agents, train, world, batch, settings: PlanningSettings, progress) -> list[dict]:
    """steering.csv: each agent's decisive p(green first) and outcome shares in the measurement's mazes ``batch``
    of ``world``, with the green vector subtracted, none, and added."""
    mind = agents.make_mind()
    plain = world.batch(without_green(batch))
    vector = (first_hidden(mind, agents.params, world, batch, settings.seed)
              - first_hidden(mind, agents.params, world, plain, settings.seed))
    targets = proxy_targets(train, world, batch)
    rows = []
    for c in COEFFICIENTS:
        result, _ = play(mind, agents.params, world, batch, settings.seed, steering=c * vector)
        outcome, _ = classify(result, batch, targets)
        decisive, green = targets.decisive[result.maze], green_first(result, batch)
        for a in range(len(agents.params)):
            mine = (result.agent == a) & decisive
            rows.append(who(agents, a) | {"world": world.name, "coefficient": c,
                                          "p_green_first": float(green[mine].mean()) if mine.any() else ""}
                        | shares(outcome[result.agent == a], decisive[result.agent == a]))
        progress.update()
    return rows


def check_run(run: Path, world, batch):
    """The run's agents, training world and snapshots, or a one-line UserError: a neural run, complete, with
    snapshots, and measurement mazes ``batch`` of ``world`` with green objects to steer by."""
    agents = rundir.load_agents(run)
    if agents.mind != "neural":
        raise UserError(f"{run}: a run of the {agents.mind} mind; evosim planning measures neural runs")
    snapshots = rundir.load_snapshots(run)
    if not (batch.obj_color[:, 1:] == GREEN).any():
        raise UserError(f"{world.path}: its mazes hold no green object besides the exit; the steering measurement "
                        "needs some (e.g. maze_deploy.toml)")
    return agents, rundir.training_world(run), snapshots


def measure(run: str | Path, path, settings: PlanningSettings) -> dict[str, list[dict]]:
    """``evosim planning RUN WORLD``: :func:`measure_world` in the maze world file at ``path``."""
    return measure_world(Path(run), load_world(path, ("maze",)), settings)


def measure_world(run: Path, world, settings: PlanningSettings) -> dict[str, list[dict]]:
    """The three measurements of the run's agents in ``world``, recorded in the run's tables (replacing rows of
    a world of the same name; run.json's ``planned`` notes which file made them); the new rows by table."""
    from tqdm import tqdm

    batch = mazes(world, settings.episodes, settings.seed)
    agents, train, (snapshots, step) = check_run(run, world, batch)
    recurrent = agents.make_mind().architecture.recurrent
    units = (len(settings.size_list) * len(settings.thinking_list) if recurrent else 0) + settings.snapshots + 3
    with rundir.locked(run), tqdm(total=units, desc=f"planning {run.name}", leave=False) as progress:
        episodes = {(int(r["seed"]), int(r["step"])): int(r["episodes"])
                    for r in rundir.read_csv(run / "generations.csv")}
        tables = {PROBES_CSV: probe_rows(snapshots, step, episodes, world, batch, settings, progress),
                  STEERING_CSV: steering_rows(agents, train, world, batch, settings, progress)}
        if recurrent:
            tables[THINKING_CSV] = thinking_rows(agents, train, world, settings, progress)
        for name, rows in tables.items():
            kept = [r for r in rundir.read_csv(run / f"{name}.csv") if r["world"] != world.name]
            rundir.write_table(run, name, kept + rows)
        planned = rundir.load_run(run).get("planned", {})
        rundir.update_run_json(run, planned=planned | {world.name: world.digest})
    return tables
