"""``MazeVectorEnv``: N maze episodes stepped together in numpy, behind Gymnasium's vector API."""
from __future__ import annotations

import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from evosim.data import TRAIN_WORLD
from evosim.envs.single import MazeEnv, as_world
from evosim.envs.slots import EnvSlots, checked_actions


class MazeVectorEnv(VectorEnv):
    """``num_envs`` independent :class:`MazeEnv` episodes in one batch, with Gymnasium 1.x autoreset.

    ``autoreset_mode`` ``"NextStep"`` (default): after a sub-environment's episode
    ends, its next ``step`` resets it (the action is ignored; reward 0, not
    terminated, not truncated). ``"SameStep"``: it is reset within the step that
    ended it; the returned observation is the new episode's first, and
    ``info["final_obs"]`` and ``info["final_info"]`` hold the ended episode's last
    (the form Stable-Baselines3 and RLlib expect). ``reset(seed=s)`` seeds
    sub-environment i with ``s + i``, so sub-environment i meets the mazes a
    :class:`MazeEnv` reset with seed ``s + i`` meets. ``info`` holds arrays with
    ``_key`` masks: every step ``maze_seed``, ``steps`` and ``exit_reached`` for
    all; ``outcome``, ``proxy``, ``decisive``, ``exit_step``, ``apples``, ``apples_<colour>`` and
    ``explored`` for the sub-environments whose episode ended at this step. ``actions`` are an integer array
    of shape ``(num_envs,)`` in the single action space; anything else is a ValueError.
    """

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": []}

    def __init__(self, num_envs: int = 8, world=TRAIN_WORLD, observation: str = "window", train_world=None,
                 autoreset_mode: str | AutoresetMode = AutoresetMode.NEXT_STEP):
        if isinstance(num_envs, bool) or not isinstance(num_envs, (int, np.integer)) or num_envs < 1:
            raise ValueError(f"num_envs {num_envs!r} must be an integer of at least 1")
        self.world = as_world(world)
        self.num_envs = int(num_envs)
        self.slots = EnvSlots(self.world, num_envs, observation,
                              None if train_world is None else as_world(train_world, "train_world"))
        self.single_observation_space = self.slots.space
        self.single_action_space = self.slots.action_space
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)
        mode = AutoresetMode(autoreset_mode)
        if mode not in (AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP):
            raise ValueError(f"autoreset_mode {mode.value!r} is not one of: NextStep, SameStep")
        self.metadata = {"autoreset_mode": mode, "render_modes": [],
                         "render_fps": MazeEnv.metadata["render_fps"]}
        self._pending = np.zeros(num_envs, bool)  # NextStep: episodes that ended at the last step

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        if seed is not None or self.slots.episodes is None:
            self.slots.seed(seed)
        self.slots.reset(np.arange(self.num_envs))
        self._pending[:] = False
        return self.slots.observe(), self._info()

    def step(self, actions):
        same_step = self.metadata["autoreset_mode"] == AutoresetMode.SAME_STEP
        actions = checked_actions(actions, self.num_envs)
        pending = np.flatnonzero(self._pending)
        reward, terminated, truncated, ended = self.slots.step(actions)
        final = self._final(ended) if len(ended) else {}
        if same_step and len(ended):
            final_obs = np.full(self.num_envs, None, object)
            final_obs[ended] = list(self.slots.observe()[ended])
            final_info = self._info() | final
            self.slots.reset(ended)
            info = self._info() | {"final_obs": final_obs, "_final_obs": final["_outcome"],
                                   "final_info": final_info, "_final_info": final["_outcome"]}
        else:
            if len(pending):
                self.slots.reset(pending)
            self._pending[:] = False
            self._pending[ended] = True
            info = self._info() | final
        return self.slots.observe(), reward, terminated, truncated, info

    def _final(self, ended: np.ndarray) -> dict:
        """How the episodes in ``ended`` ended, as columns over every sub-environment with ``_key`` masks."""
        mask = np.zeros(self.num_envs, bool)
        mask[ended] = True
        info = {}
        for key, values in self.slots.final_info(ended).items():
            column = np.zeros(self.num_envs, values.dtype)
            column[ended] = values
            info[key], info[f"_{key}"] = column, mask
        return info

    def _info(self) -> dict:
        e, every = self.slots.episodes, np.ones(self.num_envs, bool)
        return {"maze_seed": self.slots.maze_seed.copy(), "_maze_seed": every,
                "steps": e.steps.copy(), "_steps": every, "exit_reached": e.exit_reached.copy(),
                "_exit_reached": every}
