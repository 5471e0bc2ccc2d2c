"""One maze world behind Gymnasium's API, over the same mechanics as the batched path.

:class:`MazeEnv` wraps a one-slot :class:`~evosim.worlds.maze.episodes.Episodes`,
so movement, eating and the exit behave exactly as they do for our own
optimizers. Following MiniGrid, one world class is registered twice:
``evosim/Maze-Train-v0`` and ``evosim/Maze-Deploy-v0`` differ only in their world
file. ``import evosim`` registers them (:data:`VARIANTS`).
"""
from __future__ import annotations

from pathlib import Path

import gymnasium
import numpy as np
from gymnasium import spaces

from .data import DEPLOY_WORLD, TRAIN_WORLD
from .features import AGENT_RGB, APPLE, COLOR_NAMES, COLORS, FLOOR_RGB, WALL_RGB
from .minds.reflex import Reflex, ReflexController
from .worlds import load_world
from .worlds.maze.episodes import Episodes
from .worlds.maze.graph import Maze
from .worlds.maze.world import MazeWorld

VARIANTS = {"evosim/Maze-Train-v0": TRAIN_WORLD, "evosim/Maze-Deploy-v0": DEPLOY_WORLD}
TILE_PX = 16


def _masks(px: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel masks inside one tile: an apple disc, and the agent's triangle for each heading."""
    v, u = (np.mgrid[:px, :px] + 0.5) / px
    disc = (u - 0.5) ** 2 + (v - 0.5) ** 2 <= 0.3 ** 2
    north = (v >= 0.15) & (v <= 0.85) & (np.abs(u - 0.5) <= (v - 0.15) / 2)
    return disc, np.stack([np.rot90(north, -h) for h in range(4)])  # headings turn clockwise


class MazeEnv(gymnasium.Env):
    """A single maze sampled from a world file; actions are absolute moves N, E, S, W.

    The reward is the step's share of the world's base objective (exit credit,
    step cost, exploration credit; the start tile's credit comes with the first
    step), so an episode's rewards sum to ``Objective.total``. The
    observation is the reflex mind's heading-relative view plus its position.
    """

    metadata = {"render_modes": ["human", "rgb_array"], "render_fps": 8}

    def __init__(self, world: str | Path | MazeWorld = TRAIN_WORLD,
                 render_mode: str | None = None):
        if render_mode not in (None, *self.metadata["render_modes"]):
            raise ValueError(f"render_mode {render_mode!r} is not one of: "
                             f"{', '.join(self.metadata['render_modes'])}")
        self.world = world if isinstance(world, MazeWorld) else load_world(world)
        self.render_mode = render_mode
        self.view = Reflex()
        self.observation_space = spaces.Box(0.0, 1.0, (self.view.n_inputs,), np.float32)
        self.action_space = spaces.Discrete(4)
        self.maze: Maze | None = None
        self._episodes: Episodes | None = None
        self._controller: ReflexController | None = None
        self._window = None
        self._clock = None
        self._disc, self._agent = _masks(TILE_PX)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        (self.maze,) = self.world.sample(self.np_random, 1)
        self._episodes = self.world.episodes(self.world.batch([self.maze]), 1)
        self._controller = ReflexController(self.view, np.zeros((1, self.view.n_params)),
                                            self._episodes)
        if self.render_mode == "human":
            self.render()
        return self._observe(), self._info()

    def step(self, action):
        e = self._episodes
        if e.done:
            raise RuntimeError("step() called after the episode ended; call reset() first")
        events = e.step(np.array([int(action)]))
        reward = float(self.world.objective.step_reward(events, e.batch.n_floor[e.maze])[0])
        terminated = bool(e.exit_reached[0])
        truncated = e.done and not terminated
        if self.render_mode == "human":
            self.render()
        return self._observe(), reward, terminated, truncated, self._info()

    def _observe(self) -> np.ndarray:
        """The reflex view of the agent's tile, also once the episode ended.

        The batched path blanks finished slots; a final observation matters here
        (e.g. to bootstrap after truncation), so the slot is shown as running.
        """
        alive = self._episodes.alive.copy()
        self._episodes.alive[:] = True
        try:
            return self._controller.observe()[0, 0]
        finally:
            self._episodes.alive[:] = alive

    def _info(self) -> dict:
        r = self._episodes.result()
        return {"exit_reached": bool(r.exit_reached[0]), "apples": int(r.apples[0]),
                "steps": int(r.steps[0]), "explored": float(r.explored[0])}

    def render(self):
        """An (H, W, 3) uint8 frame in ``rgb_array`` mode; a pygame window in ``human`` mode."""
        if self.render_mode is None:
            gymnasium.logger.warn("render() called without a render_mode; returning nothing")
            return None
        frame = self._frame()
        if self.render_mode == "rgb_array":
            return frame
        self._show(frame)
        return None

    def _frame(self) -> np.ndarray:
        """Walls, floor, the exit as a full tile, uneaten apples as discs, the agent as a triangle."""
        m, e, px = self.maze, self._episodes, TILE_PX
        grid = np.where(m.walls[..., None], np.array(WALL_RGB, np.uint8), np.array(FLOOR_RGB, np.uint8))
        frame = grid.repeat(px, 0).repeat(px, 1)
        for n, (r, c, color, shape) in enumerate(m.objects):
            if shape == APPLE and e.eaten[0, n]:
                continue
            tile = frame[r * px:(r + 1) * px, c * px:(c + 1) * px]
            rgb = COLORS[COLOR_NAMES[color]]
            if shape == APPLE:
                tile[self._disc] = rgb
            else:
                tile[:] = rgb
        r, c = e.batch.tiles[0, e.pos[0]]
        frame[r * px:(r + 1) * px, c * px:(c + 1) * px][self._agent[e.heading[0]]] = AGENT_RGB
        return frame

    def _show(self, frame: np.ndarray):
        """Draw a frame in a pygame window, imported and opened on first use."""
        import pygame

        size = frame.shape[1], frame.shape[0]
        if self._window is None or self._window.get_size() != size:
            pygame.display.init()
            self._window = pygame.display.set_mode(size)
            pygame.display.set_caption(f"evosim: {self.world.name}")
            self._clock = pygame.time.Clock()
        self._window.blit(pygame.surfarray.make_surface(frame.swapaxes(0, 1)), (0, 0))
        pygame.event.pump()
        pygame.display.flip()
        self._clock.tick(self.metadata["render_fps"])

    def close(self):
        if self._window is not None:
            import pygame

            pygame.display.quit()
            self._window = None


def register_envs():
    """Register the train and deploy variants with Gymnasium; later calls change nothing."""
    for env_id, world in VARIANTS.items():
        if env_id not in gymnasium.registry:
            gymnasium.register(env_id, entry_point="evosim.gym_env:MazeEnv", kwargs={"world": str(world)})


# Importing this module registers the variants, so that
# gymnasium.make("evosim.gym_env:evosim/Maze-Train-v0") works even where ``import evosim``
# alone does not run evosim/__init__.py (e.g. a clone named evosim in the working folder).
register_envs()
