"""Random-action steps per second of evosim's vector env beside two JAX grid worlds, measured in turn.

    python tools/vector_env_vs_peers.py [--envs 256] [--steps 1000] [--rounds 3]
        [--navix /work/venvs/navix] [--xminigrid /work/venvs/xminigrid]

Contenders, each at ``--envs`` sub-environments with uniformly random actions and
resets included, each round in a fresh process of its own virtual environment
(evosim's is the one running this script; navix and xminigrid each live in their
own, never evosim's):

- ``evosim``: ``gymnasium.make_vec('evosim/Maze-Train-v0')``, window observation, timed as
  ``evosim bench --only gym/`` times it (actions from the action space, one ``step`` a vector step);
- ``navix-empty-13x13``: navix's Empty room at 13 x 13 tiles (maze_train's tile grid), its default
  symbolic observation, 100 steps an episode;
- ``navix-fourrooms``: navix's FourRooms (19 x 19), the closest to a maze that navix has;
- ``xminigrid-fourrooms``: xminigrid's MiniGrid-FourRooms (19 x 19, 7 x 7 view) with its Gym-style
  auto-reset wrapper.

A JAX contender is timed two ways after compiling untimed: ``loop``, one jitted vector step per Python
call (as a Gymnasium loop steps; the state donated, so not copied), and ``scan``, ``--steps`` steps in one call (JAX's own best case).
JAX runs single-threaded (XLA_FLAGS), as evosim's numpy does. Contenders run one at a time, interleaved
round by round; the best round of each counts, the ratios are evosim's over each peer's, and the load
average is printed before and after, since the machine may be shared. A missing peer environment is
one line and exit status 2.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
SINGLE_THREAD = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
#: contender -> (the peer environment it needs, or None for evosim's own; what it is)
CONTENDERS = {"evosim": (None, "evosim/Maze-Train-v0, window observation (13 x 13 tiles)"),
              "navix-empty-13x13": ("navix", "navix Room 13 x 13 (Empty), symbolic observation"),
              "navix-fourrooms": ("navix", "navix Navix-FourRooms-v0 (19 x 19)"),
              "xminigrid-fourrooms": ("xminigrid", "xminigrid MiniGrid-FourRooms (19 x 19, 7 x 7 view)")}


def evosim_rates(envs: int, steps: int) -> dict[str, float]:
    from evosim.commands.bench import env_steps_per_second

    return {"loop": env_steps_per_second("evosim/Maze-Train-v0", envs, steps * envs, 1)[0]}


def jax_rates(name: str, envs: int, steps: int) -> dict[str, float]:
    """A JAX peer's env-steps/s, one jitted vector step a call (loop) and ``steps`` steps in one call (scan)."""
    import jax

    if name.startswith("navix"):
        import navix as nx
        from navix import observations, rewards, terminations
        from navix.environments.empty import Room

        env = (Room.create(height=13, width=13, max_steps=100, random_start=False,
                           observation_fn=observations.symbolic, reward_fn=rewards.on_goal_reached,
                           termination_fn=terminations.on_goal_reached)
               if name == "navix-empty-13x13" else nx.make("Navix-FourRooms-v0"))
        actions = env.action_space.n
        reset, step = jax.vmap(env.reset), jax.vmap(env.step)
    else:
        import xminigrid
        from xminigrid.wrappers import GymAutoResetWrapper

        env, params = xminigrid.make("MiniGrid-FourRooms")
        env = GymAutoResetWrapper(env)
        actions = env.num_actions(params)
        reset = jax.vmap(lambda key: env.reset(params, key))
        step = jax.vmap(lambda timestep, action: env.step(params, timestep, action))

    def one(carry, _=None):
        timestep, key = carry
        key, draw = jax.random.split(key)
        return (step(timestep, jax.random.randint(draw, (envs,), 0, actions)), key), None

    one_step = jax.jit(lambda carry: one(carry)[0], donate_argnums=0)  # the state is not copied a call
    many = jax.jit(lambda carry: jax.lax.scan(one, carry, None, length=steps)[0])
    key = jax.random.PRNGKey(0)
    carry = one_step(one_step((jax.jit(reset)(jax.random.split(key, envs)), key)))  # compiled for its own output
    jax.block_until_ready(many(carry))  # compiled too, untimed
    rates = {}
    start = time.perf_counter()
    for _ in range(steps):
        carry = one_step(carry)
    jax.block_until_ready(carry)
    rates["loop"] = steps * envs / (time.perf_counter() - start)
    start = time.perf_counter()
    jax.block_until_ready(many(carry))
    rates["scan"] = steps * envs / (time.perf_counter() - start)
    return rates


def python_of(venv: Path) -> Path:
    return venv / "bin" / "python"


def measured(name: str, python: str, envs: int, steps: int) -> dict[str, float]:
    """One contender's rates from a fresh process of ``python``."""
    env = dict(os.environ, XLA_FLAGS=SINGLE_THREAD, JAX_PLATFORMS="cpu")
    out = subprocess.run([python, str(HERE), "--run", name, "--envs", str(envs), "--steps", str(steps)],
                         env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"{name} failed in {python}:\n{out.stderr.strip()}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--envs", type=int, default=256, help="sub-environments of each contender (default 256)")
    parser.add_argument("--steps", type=int, default=1000, help="vector steps timed in each round (default 1000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each contender once a round (default 3)")
    parser.add_argument("--navix", type=Path, default=Path("/work/venvs/navix"), help="navix's virtual environment")
    parser.add_argument("--xminigrid", type=Path, default=Path("/work/venvs/xminigrid"),
                        help="xminigrid's virtual environment")
    parser.add_argument("--run", choices=list(CONTENDERS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if min(args.envs, args.steps, args.rounds) < 1:
        parser.error("--envs, --steps and --rounds must be at least 1")
    if args.run:
        rates = (evosim_rates(args.envs, args.steps) if args.run == "evosim"
                 else jax_rates(args.run, args.envs, args.steps))
        print(json.dumps(rates))
        return
    venvs = {"navix": args.navix, "xminigrid": args.xminigrid}
    for peer, venv in venvs.items():
        if not python_of(venv).exists():
            print(f"--{peer}: no virtual environment at {venv} (make one and `pip install {peer}` in it, never in "
                  "evosim's)", file=sys.stderr)
            raise SystemExit(2)
    print(f"load average before: {' '.join(map(str, os.getloadavg()))} (1, 5, 15 min) on {os.cpu_count()} cores")
    best: dict[tuple[str, str], float] = {}
    for r in range(1, args.rounds + 1):
        for name, (peer, _) in CONTENDERS.items():
            python = sys.executable if peer is None else str(python_of(venvs[peer]))
            rates = measured(name, python, args.envs, args.steps)
            print(f"round {r}: {name:20s} " + "  ".join(f"{how} {rate:>12,.0f}" for how, rate in rates.items()),
                  flush=True)
            for how, rate in rates.items():
                best[name, how] = max(best.get((name, how), 0.0), rate)
    ours = best["evosim", "loop"]
    print(f"\nbest of {args.rounds} rounds, env-steps/s at {args.envs} envs, {args.steps:,} vector steps a round:")
    for (name, how), rate in best.items():
        ratio = "" if name == "evosim" else f"  evosim / this {ours / rate:5.2f}"
        print(f"  {name:20s} {how:4s} {rate:>12,.0f}{ratio}   {CONTENDERS[name][1]}")
    print(f"load average after: {' '.join(map(str, os.getloadavg()))}")


if __name__ == "__main__":
    main()
