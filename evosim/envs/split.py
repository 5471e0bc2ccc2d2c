"""Where the vector environment's time goes: one timed run, its step split into mechanics, observation,
auto-reset and overhead.

The run is the bench's (``gymnasium.make_vec`` with the native entry point, seeded,
random actions from the action space, resets left to the env); its
:class:`~evosim.envs.slots.EnvSlots` has its methods timed in place:

- ``mechanics``: moving every slot, the reward, terminated and truncated (``EnvSlots.step``);
- ``observation``: building every slot's observation (``EnvSlots.observe``);
- ``reset``: the auto-reset: new mazes swapped in and new episodes begun (``EnvSlots.reset``, of which
  ``sampling`` draws the mazes), and how the ended episodes ended (``EnvSlots.final_info``);
- ``overhead``: the rest of the timed loop: drawing the random actions, checking them, the info dicts and
  Gymnasium's vector API, in Python.

``overhead`` is the loop's time less the others, so the parts add up to the total.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

#: The parts of a step in the order printed, and what each covers.
PARTS = {"mechanics": "moving, reward, terminated/truncated",
         "observation": "every slot's observation",
         "reset": "auto-reset: new mazes, new episodes, the ended episodes' info",
         "overhead": "Python and Gymnasium: actions drawn and checked, info dicts, the vector API"}


@dataclass(frozen=True)
class StepSplit:
    """Seconds of one timed run of ``steps`` vector steps of ``num_envs`` sub-environments, by part."""

    env_id: str
    num_envs: int
    steps: int
    seconds: dict[str, float]  # each of PARTS; they add up to total
    sampling: float  # seconds of the reset's part that drew the mazes
    resets: int  # episodes reset in the run
    total: float  # seconds of the timed loop

    @property
    def env_steps(self) -> int:
        return self.steps * self.num_envs

    def micros(self, seconds: float) -> float:
        """Microseconds per env-step of ``seconds`` of the run."""
        return 1e6 * seconds / self.env_steps

    def lines(self) -> list[str]:
        """The split as printed: each part's microseconds per env-step and share, then the total."""
        out = [f"{self.env_id} vector env x {self.num_envs}: {self.steps:,} steps ({self.env_steps:,} env-steps, "
               f"{self.resets:,} episodes reset), {self.env_steps / self.total:,.0f} env-steps/s"]
        for part, what in PARTS.items():
            s = self.seconds[part]
            out.append(f"  {part:12s} {self.micros(s):7.3f} us/env-step {s / self.total:6.1%}  {what}")
            if part == "reset":
                out.append(f"  {'':12s} {self.micros(self.sampling):7.3f} us/env-step {self.sampling / self.total:6.1%}"
                           f"    of which drawing the mazes ({1e6 * self.sampling / max(self.resets, 1):,.0f} us "
                           "a maze)")
        out.append(f"  {'total':12s} {self.micros(self.total):7.3f} us/env-step {1:6.1%}")
        return out


class _Timed:
    """Wraps a bound method so that the seconds spent in it accumulate under ``part``."""

    def __init__(self, method, spent: dict[str, float], part: str):
        self.method, self.spent, self.part = method, spent, part

    def __call__(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return self.method(*args, **kwargs)
        finally:
            self.spent[self.part] += time.perf_counter() - start


def step_split(env_id: str = "evosim/Maze-Train-v0", num_envs: int = 256, steps: int = 2000,
               seed: int = 0) -> StepSplit:
    """Time ``steps`` random-action steps of ``env_id``'s vector env (made and first reset untimed)."""
    import gymnasium

    env = gymnasium.make_vec(env_id, num_envs=num_envs, vectorization_mode="vector_entry_point")
    env.reset(seed=seed)
    env.action_space.seed(seed)
    slots = env.unwrapped.slots
    spent = dict.fromkeys([*PARTS, "final_info", "sampling"], 0.0)
    resets = 0

    def counted(method):
        def reset(chosen, *args, **kwargs):
            nonlocal resets
            resets += len(chosen)
            return method(chosen, *args, **kwargs)
        return reset

    slots.step = _Timed(slots.step, spent, "mechanics")
    slots.observe = _Timed(slots.observe, spent, "observation")
    slots.reset = _Timed(counted(slots.reset), spent, "reset")
    slots.final_info = _Timed(slots.final_info, spent, "final_info")
    slots._maze = _Timed(slots._maze, spent, "sampling")
    start = time.perf_counter()
    for _ in range(steps):
        env.step(env.action_space.sample())
    total = time.perf_counter() - start
    env.close()
    seconds = {"mechanics": spent["mechanics"], "observation": spent["observation"],
               "reset": spent["reset"] + spent["final_info"]}
    seconds["overhead"] = total - sum(seconds.values())
    return StepSplit(env_id, num_envs, steps, seconds, spent["sampling"], resets, total)
