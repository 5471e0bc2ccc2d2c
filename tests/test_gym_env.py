"""The Gymnasium world: API conformance, determinism, and agreement with the batched path."""
import subprocess
import sys

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from evosim.worlds.maze.batch import MazeBatch
from evosim.worlds.maze.episodes import Episodes
from evosim.features import COLORS, COLOR_NAMES
from evosim.gym_env import TILE_PX, VARIANTS, MazeEnv, register_envs


@pytest.fixture(params=sorted(VARIANTS))
def env_id(request):
    register_envs()
    return request.param


def rollout(env, actions):
    """Step until the episode ends or the actions run out; observations, rewards, frames, last info."""
    draw = env.render if env.render_mode else lambda: None
    obs, rewards, frames = [], [], [draw()]
    for a in actions:
        o, r, terminated, truncated, info = env.step(a)
        obs.append(o)
        rewards.append(r)
        frames.append(draw())
        if terminated or truncated:
            break
    return obs, rewards, frames, info


def test_check_env_passes(env_id):
    env = gymnasium.make(env_id, render_mode="rgb_array")
    check_env(env.unwrapped, skip_render_check=False)


def test_the_bare_ids_work_after_import_evosim():
    code = ("import gymnasium, evosim; env = gymnasium.make('evosim/Maze-Train-v0'); "
            "obs, info = env.reset(seed=0); assert env.observation_space.contains(obs)")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_make_after_register_is_idempotent():
    register_envs()
    register_envs()
    env = gymnasium.make("evosim/Maze-Deploy-v0")
    obs, info = env.reset(seed=0)
    assert env.observation_space.contains(obs)
    assert set(info) == {"exit_reached", "apples", "steps", "explored"}


def test_same_seed_same_observations_and_frames(env_id):
    actions = np.random.default_rng(7).integers(0, 4, 60)
    runs = []
    for _ in range(2):
        env = gymnasium.make(env_id, render_mode="rgb_array")
        first, _ = env.reset(seed=11)
        runs.append(([first], rollout(env, actions)))
    (first_a, (obs_a, rew_a, frames_a, _)), (first_b, (obs_b, rew_b, frames_b, _)) = runs
    np.testing.assert_array_equal(first_a, first_b)
    np.testing.assert_array_equal(obs_a, obs_b)
    np.testing.assert_array_equal(frames_a, frames_b)
    assert rew_a == rew_b


def shortest_moves(env):
    """The moves of a shortest path from the start to the exit, read off the maze graph."""
    batch = env.unwrapped._episodes.batch
    here, goal, moves = batch.start[0], batch.exit_tile[0], []
    while here != goal:
        d = int(batch.next_move[0, here, goal])
        moves.append(d)
        here = batch.neighbors[0, here, d]
    return moves


@pytest.mark.parametrize("policy", ["random", "shortest"])
def test_summed_reward_equals_batched_base_objective(env_id, policy):
    env = MazeEnv(VARIANTS[env_id])
    env.reset(seed=5)
    rng = np.random.default_rng(3)
    actions = (rng.integers(0, 4, env.world.max_steps) if policy == "random"
               else shortest_moves(env))
    _, rewards, _, info = rollout(env, actions)

    episodes = Episodes(MazeBatch.of([env.maze]), 1, env.world.max_steps)
    for a in actions[:len(rewards)]:
        episodes.step(np.array([a]))
    result = episodes.result()
    assert sum(rewards) == pytest.approx(env.world.objective.total(result)[0], abs=1e-9)
    assert info["exit_reached"] == bool(result.exit_reached[0])
    assert info["exit_reached"] or policy == "random"
    assert info["steps"] == int(result.steps[0]) == len(rewards)
    assert info["apples"] == int(result.apples[0])
    assert info["explored"] == pytest.approx(result.explored[0])


def test_exit_terminates_and_max_steps_truncates():
    env = MazeEnv()
    env.reset(seed=2)
    for a in shortest_moves(env):
        _, _, terminated, truncated, _ = env.step(a)
    assert terminated and not truncated
    env.reset(seed=2)
    for _ in range(env.world.max_steps):
        _, _, terminated, truncated, _ = env.step(0)  # north from the top-left start: a wall
    assert truncated and not terminated
    with pytest.raises(RuntimeError):
        env.step(0)


def test_render_shows_the_exit_colour_at_the_exit(env_id):
    env = MazeEnv(VARIANTS[env_id], render_mode="rgb_array")
    env.reset(seed=4)
    frame = env.render()
    side = env.maze.side * TILE_PX
    assert frame.shape == (side, side, 3) and frame.dtype == np.uint8
    r, c = env.maze.exit
    exit_rgb = COLORS[COLOR_NAMES[env.maze.objects[0, 2]]]
    tile = frame[r * TILE_PX:(r + 1) * TILE_PX, c * TILE_PX:(c + 1) * TILE_PX]
    assert (tile == exit_rgb).all()


def test_rgb_array_never_imports_pygame():
    code = ("import sys; from evosim.gym_env import MazeEnv; "
            "env = MazeEnv(render_mode='rgb_array'); env.reset(seed=0); env.step(2); env.render(); "
            "assert 'pygame' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_human_mode_draws_in_a_window(monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    monkeypatch.setenv("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    env = MazeEnv(render_mode="human")
    env.metadata = {**env.metadata, "render_fps": 1000}
    env.reset(seed=0)
    env.step(2)
    assert env.render() is None
    env.close()
