"""Print where the time of evosim's vector env goes, per env-step: mechanics, observation, auto-reset, overhead.

    python tools/vector_env_floor.py [--envs N] [--steps N] [--env ID] [--seed S]

One timed run of random actions with resets (as ``evosim bench --only gym/``
measures it), the sub-environments' work timed in place (see evosim.envs.split),
and the load average before and after, since the machine may be shared.
"""
from __future__ import annotations

import argparse

from evosim.commands.machine import load_average
from evosim.envs import VARIANTS
from evosim.envs.split import step_split


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--envs", type=int, default=256, help="sub-environments (default 256)")
    parser.add_argument("--steps", type=int, default=2000, help="vector steps timed (default 2000)")
    parser.add_argument("--env", default="evosim/Maze-Train-v0", choices=list(VARIANTS), help="the Gymnasium id")
    parser.add_argument("--seed", type=int, default=0, help="seed of the env and of its action space")
    args = parser.parse_args(argv)
    if args.envs < 1 or args.steps < 1:
        parser.error("--envs and --steps must be at least 1")
    before = load_average()
    split = step_split(args.env, args.envs, args.steps, args.seed)
    print("\n".join(split.lines()))
    print(f"load average before {before}, after {load_average()} (1, 5, 15 min)")


if __name__ == "__main__":
    main()
