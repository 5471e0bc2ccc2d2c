"""The batched state behind evosim's Gymnasium environments: N maze episodes, each reset on its own.

One :class:`EnvSlots` holds N slots of a maze world in one
:class:`~evosim.worlds.maze.batch.MazeBatch` and one
:class:`~evosim.worlds.maze.episodes.Episodes`, so movement, eating, the exit and
the base objective are exactly those of evolution and gradient descent. A slot's
reset swaps a freshly sampled maze into the batch in place: no all-pairs
distances, a fraction of a millisecond. The single environment is one slot; the
vector environment is many.

Actions are moves relative to the heading, as the reflex mind acts (forward,
left, right, back), so that what an action does follows from what is observed.
Each maze is sampled from its own seed (``maze_seed``, drawn from the slot's
stream), so any level can be drawn again. A finished episode is classified as
``evosim deploy`` classifies it, against the training world.
"""
from __future__ import annotations

import numpy as np
from gymnasium import spaces

from evosim.core.features import COLOR_NAMES, EXIT, SHAPES
from evosim.core.streams import drawn_seed, stream
from evosim.minds.reflex import RELATIVE_MOVES, TURN, Reflex, ReflexController
from evosim.worlds.maze.batch import MazeBatch
from evosim.worlds.maze.episodes import NEVER, EpisodeResult, Episodes
from evosim.worlds.maze.graph import Maze
from evosim.worlds.maze.outcomes import classify, proxy_targets

#: Observation modes: the reflex mind's heading-relative window (plus position), or the whole maze.
OBSERVATIONS = ("window", "maze")
#: Channels of the whole-maze observation, each a small integer per tile.
MAZE_CHANNELS = ("wall", "shape", "color", "visited", "agent")
ACTIONS = RELATIVE_MOVES
#: The action space as error messages name it.
ACTION_SPACE = f"Discrete({len(ACTIONS)}) ({', '.join(f'{i} {a}' for i, a in enumerate(ACTIONS))})"


def checked_actions(actions, n: int | None = None) -> np.ndarray:
    """``actions`` as an integer array, refused with a ValueError naming them and the space unless they are
    one action (``n`` None) or ``n`` of them in shape ``(n,)``, each an integer in the action space.

    Integers only (Python or numpy, of any width): a float, even 1.0, or a bool is refused rather than
    truncated, as Gymnasium's ``Discrete.contains`` refuses it. One vectorized check per step.
    """
    a = np.asarray(actions)
    shape = () if n is None else (n,)
    if a.dtype.kind not in "iu" or a.shape != shape or (a.size and (a.min() < 0 or a.max() >= len(ACTIONS))):
        if n is None:
            raise ValueError(f"action {actions!s} is not in {ACTION_SPACE}")
        shown = " ".join(np.array2string(a, threshold=16, separator=",").split())
        raise ValueError(f"actions {shown} (shape {a.shape}, dtype {a.dtype}) are not {n} actions in "
                         f"{ACTION_SPACE}: an integer array of shape ({n},)")
    return a


class EnvSlots:
    """N independent episodes of one maze world, stepped together; any slot can be reset alone."""

    def __init__(self, world, n: int, observation: str = "window", train_world=None):
        if observation not in OBSERVATIONS:
            raise ValueError(f"observation {observation!r} is not one of: {', '.join(OBSERVATIONS)}")
        self.world, self.train, self.n, self.observation = world, train_world or world, n, observation
        self.side = 2 * world.size.hi + 1
        self.n_objects = 1 + sum(o.count.hi for o in world.objects)
        self.view = Reflex()
        self.rngs = [stream("env-slot", None) for _ in range(n)]
        self.maze_seed = np.zeros(n, np.int64)
        self.every = np.arange(n)
        self.episodes: Episodes | None = None
        self.window: ReflexController | None = None
        if observation == "window":
            self.space = spaces.Box(0.0, 1.0, (self.view.n_inputs,), np.float32)
        else:
            high = np.array([1, len(SHAPES), len(COLOR_NAMES), 1, 4], np.uint8)
            self.space = spaces.Box(0, np.broadcast_to(high, (self.side, self.side, len(high))).copy(),
                                    dtype=np.uint8)
        self.action_space = spaces.Discrete(len(ACTIONS))

    @property
    def batch(self) -> MazeBatch:
        return self.episodes.batch

    def seed(self, seed: int | None) -> None:
        """Slot i draws its maze seeds from ``seed + i`` (fresh entropy when None)."""
        self.rngs = [stream("env-slot", None if seed is None else seed + i) for i in range(self.n)]

    def _maze(self, i: int, maze_seed: int | None = None) -> Maze:
        self.maze_seed[i] = drawn_seed(self.rngs[i]) if maze_seed is None else maze_seed
        (maze,) = self.world.sample(stream("env-maze", int(self.maze_seed[i])), 1)
        return maze

    def reset(self, slots: np.ndarray, maze_seed: int | None = None) -> None:
        """New mazes and new episodes in ``slots`` (all slots at the first reset)."""
        if self.episodes is None:
            mazes = [self._maze(i, maze_seed) for i in range(self.n)]
            batch = MazeBatch.of(mazes, self.side, self.side * self.side, self.n_objects)
            self.episodes = Episodes(batch, self.n, self.world.step_limits(batch), np.arange(self.n))
            if self.observation == "window":
                self.window = ReflexController(self.view, np.zeros((1, self.view.n_params)), self.episodes)
            return
        for i in slots:
            self.batch.put(i, self._maze(i, maze_seed))
        if self.world.steps_per_distance is not None:  # each new maze brings its own step limit
            fresh = MazeBatch.of([self.batch.mazes[i] for i in slots])
            self.episodes.max_steps[slots] = self.world.step_limits(fresh)
        self.episodes.restart(slots)
        if self.window is not None:
            self.window.refresh(slots)

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Move every running slot by its action (see :func:`checked_actions`); (rewards, terminated,
        truncated, slots whose episode ended)."""
        e = self.episodes
        events = e.step((e.heading + TURN[actions]) % 4)
        reward = self.world.objective.step_reward(events, self.batch.n_floor[e.maze])
        ended = events.moved[~e.alive[events.moved]]
        terminated = np.zeros(self.n, bool)
        terminated[ended] = e.exit_reached[ended]
        truncated = np.zeros(self.n, bool)
        truncated[ended] = ~e.exit_reached[ended]
        return reward, terminated, truncated, ended

    def observe(self) -> np.ndarray:
        """Every slot's observation, also in slots whose episode just ended (a final observation)."""
        if self.window is None:
            return self._maze_view()
        return self.window.observe(self.every)[:, 0]

    def _maze_view(self) -> np.ndarray:
        """(N, side, side, 5) uint8: walls, uneaten objects' shape and colour (+1), visited tiles, the agent."""
        b, e, n = self.batch, self.episodes, self.n
        out = np.zeros((n, self.side, self.side, len(MAZE_CHANNELS)), np.uint8)
        out[..., 0] = b.index < 0
        slot, tile = np.nonzero((e.first_visit >= 0) & (np.arange(b.width) < b.n_floor[:, None]))
        rc = b.tiles[slot, tile]
        out[slot, rc[:, 0], rc[:, 1], 3] = 1
        slot, obj = np.nonzero((b.obj_tile >= 0) & ~e.eaten)
        rc = b.tiles[slot, b.obj_tile[slot, obj]]
        out[slot, rc[:, 0], rc[:, 1], 1] = b.obj_shape[slot, obj] + 1
        out[slot, rc[:, 0], rc[:, 1], 2] = b.obj_color[slot, obj] + 1
        rc = b.tiles[np.arange(n), e.pos]
        out[np.arange(n), rc[:, 0], rc[:, 1], 4] = e.heading + 1
        return out

    def final_info(self, slots: np.ndarray) -> dict[str, np.ndarray]:
        """How the episodes in ``slots`` ended, classified as ``evosim deploy`` does against the training world.

        ``outcome`` and ``proxy`` (aligned / misgeneralized / undecided / incapable, and the
        proxy reached), ``decisive`` (whether the maze decides between the exit and every
        proxy target: shares worth quoting are over decisive episodes), ``exit_step`` (the step the exit was reached, -1 never), ``apples``,
        ``apples_<colour>`` (apples eaten of each colour), ``explored``.
        """
        e = self.episodes
        batch = self.batch.rows(slots)
        whole = e.result(slots)
        result = EpisodeResult(whole.agent, np.arange(len(slots)), whole.steps, whole.exit_reached,
                               whole.apples, whole.explored, whole.first_visit)
        targets = proxy_targets(self.train, self.world, batch)
        outcome, proxy = classify(result, batch, targets)
        exit_step = result.reached_at(batch.exit_tile[:, None])[:, 0]
        info = {"outcome": outcome.astype(object), "proxy": proxy.astype(object), "decisive": targets.decisive,
                "exit_step": np.where(exit_step == NEVER, -1, exit_step), "apples": whole.apples,
                "explored": whole.explored}
        b = self.batch
        apple = e.eaten[slots] & (b.obj_shape[slots] != EXIT)
        for c, name in enumerate(COLOR_NAMES):
            info[f"apples_{name}"] = (apple & (b.obj_color[slots] == c)).sum(1)
        return info
