"""Train Stable-Baselines3 PPO on evosim's vector env, then classify its outcomes before and after the shift.

    pip install -e ".[rl]"
    python examples/ppo_sb3.py [--timesteps 1000000] [--seed 0]

PPO learns on ``evosim/Maze-Train-v0`` (the exit always green, always bottom-right).
The trained policy then runs, deterministically, in maze_train and in
maze_deploy; every episode's outcome (aligned / misgeneralized / incapable, and
the proxy it went for) comes from the environment's ``info``, classified as
``evosim deploy`` classifies it. The default budget (1M steps) takes about a
minute on 2 CPU cores.
"""
from __future__ import annotations

import argparse
import time
from collections import Counter

import gymnasium
import numpy as np
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.vec_env import VecEnv, VecMonitor
from tqdm import tqdm

import evosim  # noqa: F401  (registers the ids)

TRAIN_ID, DEPLOY_ID = "evosim/Maze-Train-v0", "evosim/Maze-Deploy-v0"


class SB3VecEnv(VecEnv):
    """Stable-Baselines3's VecEnv interface over a Gymnasium vector env in ``SameStep`` autoreset mode.

    SB3 wants the next episode's first observation back when one ends, the last one
    in ``info["terminal_observation"]``, and one info dict per sub-environment.
    """

    def __init__(self, venv: gymnasium.vector.VectorEnv, seed: int):
        self.render_mode = None
        super().__init__(venv.num_envs, venv.single_observation_space, venv.single_action_space)
        self.venv, self.seed_ = venv, seed
        self.actions = None

    def reset(self):
        obs, _ = self.venv.reset(seed=self.seed_)
        return obs

    def step_async(self, actions):
        self.actions = actions

    def step_wait(self):
        obs, reward, terminated, truncated, info = self.venv.step(self.actions)
        infos = [{} for _ in range(self.num_envs)]
        for i in np.flatnonzero(terminated | truncated):
            final = info["final_info"]
            infos[i] = {"terminal_observation": info["final_obs"][i],
                        "TimeLimit.truncated": bool(truncated[i] and not terminated[i]),
                        "outcome": final["outcome"][i], "proxy": final["proxy"][i]}
        return obs, reward.astype(np.float32), terminated | truncated, infos

    def close(self):
        self.venv.close()

    def get_attr(self, attr_name, indices=None):
        return [getattr(self.venv, attr_name)] * len(self._get_indices(indices))

    def set_attr(self, attr_name, value, indices=None):
        setattr(self.venv, attr_name, value)

    def env_method(self, method_name, *args, indices=None, **kwargs):
        return [getattr(self.venv, method_name)(*args, **kwargs)] * len(self._get_indices(indices))

    def env_is_wrapped(self, wrapper_class, indices=None):
        return [False] * len(self._get_indices(indices))


class Progress(BaseCallback):
    """A tqdm bar over PPO's training steps."""

    def __init__(self, total: int):
        super().__init__()
        self.bar = tqdm(total=total, desc="PPO on maze_train", unit="step")

    def _on_step(self) -> bool:
        self.bar.update(self.training_env.num_envs)
        return True

    def _on_training_end(self) -> None:
        self.bar.close()


def make(env_id: str, n: int, mode: str = "SameStep") -> gymnasium.vector.VectorEnv:
    return gymnasium.make_vec(env_id, num_envs=n, vectorization_mode="vector_entry_point", autoreset_mode=mode)


def evaluate(model: PPO, env_id: str, episodes: int, seed: int) -> list[dict]:
    """The final ``info`` of ``episodes`` deterministic episodes: outcome, proxy, exit_reached.

    Each round runs the first episode of 64 sub-environments, seeded ``seed + 1000 * round``.
    """
    found = []
    for round_ in range(-(-episodes // 64)):
        venv = make(env_id, 64, "NextStep")
        obs, _ = venv.reset(seed=seed + 1000 * round_)
        done = np.zeros(venv.num_envs, bool)
        while not done.all():
            action, _ = model.predict(obs, deterministic=True)
            obs, _, terminated, truncated, info = venv.step(action)
            for i in np.flatnonzero((terminated | truncated) & ~done):
                found.append({key: info[key][i] for key in ("outcome", "proxy", "exit_reached")})
            done |= terminated | truncated
    return found[:episodes]


def table(name: str, found: list[dict]) -> None:
    outcomes = Counter(f["outcome"] for f in found)
    proxies = Counter(f["proxy"] for f in found if f["outcome"] == "misgeneralized")
    print(f"\noutcomes in {name} ({len(found)} episodes):")
    for outcome in ("aligned", "misgeneralized", "incapable"):
        print(f"  {outcome:15s} {outcomes[outcome] / len(found):6.3f}")
    for proxy, count in proxies.most_common():
        print(f"    misgeneralized toward {proxy}: {count / len(found):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timesteps", type=int, default=1_000_000, help="PPO training steps (default 1000000)")
    parser.add_argument("--envs", type=int, default=16, help="sub-environments (default 16)")
    parser.add_argument("--episodes", type=int, default=256, help="evaluation episodes per world (default 256)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(2)

    env = VecMonitor(SB3VecEnv(make(TRAIN_ID, args.envs), args.seed))
    model = PPO("MlpPolicy", env, n_steps=256, batch_size=1024, n_epochs=4, learning_rate=3e-4, gamma=0.99,
                gae_lambda=0.95, ent_coef=0.01, seed=args.seed, verbose=0, device="cpu")
    start = time.perf_counter()
    model.learn(total_timesteps=args.timesteps, callback=Progress(args.timesteps))
    print(f"trained PPO for {args.timesteps:,} steps in {time.perf_counter() - start:.0f} s")

    train = evaluate(model, TRAIN_ID, args.episodes, args.seed + 1)
    deploy = evaluate(model, DEPLOY_ID, args.episodes, args.seed + 1)
    print(f"maze_train exit rate: {np.mean([f['exit_reached'] for f in train]):.3f}")
    table("maze_train", train)
    table("maze_deploy", deploy)


if __name__ == "__main__":
    main()
