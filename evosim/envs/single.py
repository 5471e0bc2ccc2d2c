"""``MazeEnv``: one maze episode behind Gymnasium's single-environment API."""
from __future__ import annotations

from pathlib import Path

import gymnasium
import numpy as np

from evosim.data import TRAIN_WORLD
from evosim.worlds import load_world
from evosim.envs.render import Window, frame
from evosim.envs.slots import EnvSlots, checked_actions
from evosim.worlds.maze.world import MazeWorld


def as_world(world, argument: str = "world") -> MazeWorld:
    """A maze world from a maze world or the path of a maze world file; a TypeError naming ``argument`` for
    anything else."""
    if isinstance(world, (str, Path)):
        return load_world(world, ("maze",))
    if not isinstance(world, MazeWorld):
        raise TypeError(f"{argument} {world!r} is neither the path of a maze world file nor a MazeWorld")
    return world


class MazeEnv(gymnasium.Env):
    """A maze sampled from a world file at every reset; actions turn and move relative to the heading.

    Actions: 0 forward, 1 left, 2 right, 3 back, as integers (Python or numpy); anything else (a float, even
    1.0, a bool, -1, 4) is a ValueError naming it and the space. ``observation="window"`` (default)
    is the reflex mind's heading-relative 3x3 view of walls, visited tiles and
    objects, plus its position; ``observation="maze"`` is the whole maze as a
    (side, side, 5) uint8 image (wall, shape + 1, colour + 1, visited, heading + 1
    where the agent stands). The reward is the step's share of the world's base
    objective: exit credit, step cost, and the exploration credit (explore_credit
    over the floor tiles, for each tile stood on the first time; the start tile is
    paid with the first step), so an episode's rewards sum to its base objective.

    Every ``info`` has ``maze_seed`` (``reset(options={"maze_seed": s})`` draws that
    maze again), ``steps`` and ``exit_reached``; the last step's adds the outcome
    as ``evosim deploy`` classifies it against ``train_world`` (default: the world
    itself), see :meth:`EnvSlots.final_info`.
    """

    metadata = {"render_modes": ["human", "rgb_array"], "render_fps": 8}

    def __init__(self, world=TRAIN_WORLD, render_mode: str | None = None, observation: str = "window",
                 train_world=None):
        if render_mode not in (None, *self.metadata["render_modes"]):
            raise ValueError(f"render_mode {render_mode!r} is not one of: "
                             f"{', '.join(self.metadata['render_modes'])}")
        self.world = as_world(world)
        self.slots = EnvSlots(self.world, 1, observation,
                              None if train_world is None else as_world(train_world, "train_world"))
        self.observation_space, self.action_space = self.slots.space, self.slots.action_space
        self.render_mode = render_mode
        self._window = Window(f"evosim: {self.world.name}", self.metadata["render_fps"])
        self._started = False

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        if seed is not None or not self._started:
            self.slots.seed(seed if seed is not None else int(self.np_random.integers(2**31)))
            self._started = True
        self.slots.reset(np.arange(1), (options or {}).get("maze_seed"))
        if self.render_mode == "human":
            self.render()
        return self.slots.observe()[0], self._info()

    def step(self, action):
        if not self.slots.episodes.alive[0]:
            raise RuntimeError("step() called after the episode ended; call reset() first")
        reward, terminated, truncated, ended = self.slots.step(checked_actions(action).reshape(1))
        info = self._info()
        if len(ended):
            info |= {k: v[0].item() if hasattr(v[0], "item") else v[0]
                     for k, v in self.slots.final_info(ended).items()}
        if self.render_mode == "human":
            self.render()
        return self.slots.observe()[0], float(reward[0]), bool(terminated[0]), bool(truncated[0]), info

    def _info(self) -> dict:
        e = self.slots.episodes
        return {"maze_seed": int(self.slots.maze_seed[0]), "steps": int(e.steps[0]),
                "exit_reached": bool(e.exit_reached[0])}

    @property
    def maze(self):
        """The maze of the current episode."""
        return self.slots.batch.mazes[0]

    def render(self):
        """An (H, W, 3) uint8 frame in ``rgb_array`` mode; a pygame window in ``human`` mode."""
        if self.render_mode is None:
            gymnasium.logger.warn("render() called without a render_mode; returning nothing")
            return None
        picture = frame(self.slots, 0)
        if self.render_mode == "rgb_array":
            return picture
        self._window.show(picture)
        return None

    def close(self):
        self._window.close()
