"""The Gymnasium bridge: API conformance, determinism, actions that agree with observations, classifying info,
the native vector env, and agreement with the batched path."""
import hashlib
import math
import re
import subprocess
import sys
from pathlib import Path

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from evosim.data import DEPLOY_WORLD, TRAIN_WORLD
from evosim.envs import MAZE_CHANNELS, OBSERVATIONS, VARIANTS, MazeEnv, MazeVectorEnv, register_envs
from evosim.envs.render import TILE_PX
from evosim.envs.split import PARTS, step_split
from evosim.core.features import COLOR_NAMES, COLORS, EXIT, SHAPES
from evosim.minds.reflex import CHANNELS, RELATIVE
from evosim.worlds import load_world, parse_world
from evosim.worlds.maze.batch import MazeBatch
from evosim.worlds.maze.episodes import Episodes
from evosim.worlds.maze.graph import MazeGraph
from evosim.worlds.maze.outcomes import classify, proxy_targets

AHEAD_WALL = 1 * len(CHANNELS) + CHANNELS.index("wall")  # the window cell straight ahead, its wall channel


@pytest.fixture(params=sorted(VARIANTS))
def env_id(request):
    register_envs()
    return request.param


@pytest.fixture(params=OBSERVATIONS)
def observation(request):
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


def test_check_env_passes(env_id, observation):
    env = gymnasium.make(env_id, render_mode="rgb_array", observation=observation)
    check_env(env.unwrapped, skip_render_check=False)


def test_same_seed_same_observations_frames_and_infos(env_id, observation):
    actions = np.random.default_rng(7).integers(0, 4, 60)
    runs = []
    for _ in range(2):
        env = gymnasium.make(env_id, render_mode="rgb_array", observation=observation)
        first, info = env.reset(seed=11)
        runs.append(([first], info, rollout(env, actions)))
    (first_a, info_a, (obs_a, rew_a, frames_a, last_a)), (first_b, info_b, (obs_b, rew_b, frames_b, last_b)) = runs
    np.testing.assert_array_equal(first_a, first_b)
    np.testing.assert_array_equal(obs_a, obs_b)
    np.testing.assert_array_equal(frames_a, frames_b)
    assert rew_a == rew_b and info_a == info_b and last_a == last_b
    other = gymnasium.make(env_id, observation=observation)
    assert other.reset(seed=12)[1]["maze_seed"] != info_a["maze_seed"]


def test_the_bare_ids_and_the_vector_entry_point_work_after_import_evosim():
    code = ("import gymnasium, evosim; env = gymnasium.make('evosim/Maze-Train-v0'); "
            "obs, info = env.reset(seed=0); assert env.observation_space.contains(obs); "
            "v = gymnasium.make_vec('evosim/Maze-Deploy-v0', num_envs=4, vectorization_mode='vector_entry_point'); "
            "obs, info = v.reset(seed=0); assert type(v.unwrapped).__name__ == 'MazeVectorEnv'; "
            "assert obs.shape == (4, 101) and v.observation_space.contains(obs)")
    subprocess.run([sys.executable, "-c", code], check=True)


def shortest_directions(env, goal: int):
    """Compass directions of a shortest path from the agent's tile to floor tile ``goal``."""
    batch, here, out = env.slots.batch, env.slots.episodes.pos[0], []
    while here != goal:
        d = int(batch.next_move[0, here, goal])
        out.append(d)
        here = batch.neighbors[0, here, d]
    return out


def relative(directions, heading: int = 2):
    """The relative actions (forward, left, right, back) that walk the compass ``directions``."""
    actions = []
    for d in directions:
        actions.append(int(RELATIVE[(d - heading) % 4]))
        heading = d
    return actions


@pytest.mark.parametrize("policy", ["random", "shortest"])
def test_summed_reward_equals_batched_base_objective(env_id, policy):
    env = MazeEnv(**VARIANTS[env_id])
    env.reset(seed=5)
    directions = (list(np.random.default_rng(3).integers(0, 4, env.world.max_steps)) if policy == "random"
                  else shortest_directions(env, env.slots.batch.exit_tile[0]))
    _, rewards, _, info = rollout(env, relative(directions))

    episodes = Episodes(MazeBatch.of([env.maze]), 1, env.world.max_steps)
    for d in directions[:len(rewards)]:
        episodes.step(np.array([d]))
    result = episodes.result()
    assert sum(rewards) == pytest.approx(env.world.objective.total(result)[0], abs=1e-9)
    assert info["exit_reached"] == bool(result.exit_reached[0])
    assert info["exit_reached"] or policy == "random"
    assert info["steps"] == int(result.steps[0]) == len(rewards)
    assert info["apples"] == int(result.apples[0])
    assert info["explored"] == pytest.approx(result.explored[0])


def test_what_forward_does_follows_from_the_observation(env_id):
    """Actions are relative to the heading the window is turned to: 'forward' moves unless a wall is ahead."""
    env = MazeEnv(**VARIANTS[env_id])
    rng = np.random.default_rng(0)
    obs, _ = env.reset(seed=1)
    moved = blocked = 0
    for _ in range(1000):
        action = 0 if rng.random() < 0.5 else int(rng.integers(1, 4))
        before, wall_ahead = env.slots.episodes.pos[0], obs[AHEAD_WALL] == 1
        obs, _, terminated, truncated, _ = env.step(action)
        if action == 0:
            assert (env.slots.episodes.pos[0] == before) == wall_ahead
            moved, blocked = moved + (not wall_ahead), blocked + wall_ahead
        if terminated or truncated:
            obs, _ = env.reset()
    assert moved > 50 and blocked > 50


def test_exit_terminates_and_max_steps_truncates():
    env = MazeEnv()
    env.reset(seed=2)
    for a in relative(shortest_directions(env, env.slots.batch.exit_tile[0])):
        _, _, terminated, truncated, info = env.step(a)
    assert terminated and not truncated and info["exit_step"] == info["steps"]
    env.reset(seed=2)
    for _ in range(env.world.max_steps):
        _, _, terminated, truncated, info = env.step(0)  # forward: south from the top-left, never to the exit
    assert truncated and not terminated and info["exit_step"] == -1
    with pytest.raises(RuntimeError):
        env.step(0)


#: Limits by start-to-exit distance; the exit is bottom-right, so "forward" (south from the top-left) never reaches it.
SCALED = {"world": {"size": [3, 8], "max_steps": 60, "steps_per_distance": 2},
          "exit": {"color": "green", "position": "bottom-right"}}


def limit_of(maze) -> int:
    """The step limit SCALED gives ``maze``: twice its start-to-exit distance, at most 60."""
    graph = MazeGraph.of(maze.walls)
    return min(60, math.ceil(2 * graph.dist[graph.index[maze.start], graph.index[maze.exit]]))


def test_an_env_truncates_at_the_limit_of_the_maze_each_reset_brings():
    env = MazeEnv(parse_world(SCALED))
    env.reset(seed=3)
    limits = []
    for _ in range(6):
        limits.append(limit_of(env.maze))
        for t in range(1, limits[-1] + 1):
            _, _, terminated, truncated, info = env.step(0)
            assert not terminated and truncated == (t == limits[-1])
        assert info["steps"] == limits[-1]
        env.reset()  # the next maze is put into the same batch
    assert len(set(limits)) > 2 and min(limits) < 60


def test_vector_sub_envs_truncate_at_their_own_mazes_limits_across_autoresets():
    venv = MazeVectorEnv(3, parse_world(SCALED))
    venv.reset(seed=8)
    ends = []
    for _ in range(200):
        mazes = list(venv.slots.batch.mazes)  # the mazes of this step (a sub-env reset at it has 0 steps after it)
        _, _, terminated, truncated, infos = venv.step(np.zeros(3, np.int64))
        assert not terminated.any()
        for i in np.flatnonzero(infos["steps"] > 0):
            assert truncated[i] == (infos["steps"][i] == limit_of(mazes[i]))
        ends += [limit_of(mazes[i]) for i in np.flatnonzero(truncated)]
    assert len(ends) >= 9 and len(set(ends)) > 2


def test_the_final_info_classifies_as_deploy_does():
    """In maze_deploy, walking to the exit is aligned, to a green apple misgeneralized, straight ahead
    incapable, and every label equals deploy's classification of the same moves in the same mazes."""
    env = MazeEnv(DEPLOY_WORLD, train_world=TRAIN_WORLD)
    train, deploy = load_world(TRAIN_WORLD), load_world(DEPLOY_WORLD)
    seen = set()
    for seed in range(6):
        for policy in ("exit", "green", "ahead"):
            _, first = env.reset(seed=seed)
            b = env.slots.batch
            greens = [int(t) for t, c, s in zip(b.obj_tile[0], b.obj_color[0], b.obj_shape[0])
                      if s == SHAPES.index("apple") and c == COLOR_NAMES.index("green")]
            goal = {"exit": b.exit_tile[0], "green": greens[0] if greens else b.exit_tile[0]}.get(policy)
            directions = shortest_directions(env, goal) if goal is not None else []
            actions = relative(directions) + [0] * deploy.max_steps  # then straight ahead
            _, _, _, info = rollout(env, actions)

            batch = MazeBatch.of([env.maze])
            episodes = Episodes(batch, 1, deploy.max_steps)
            heading = 2
            for d in directions + [None] * deploy.max_steps:
                if episodes.done:
                    break
                heading = heading if d is None else d
                episodes.step(np.array([heading]))
            targets = proxy_targets(train, deploy, batch)
            outcome, proxy = classify(episodes.result(), batch, targets)
            assert (info["outcome"], info["proxy"], info["decisive"]) == (outcome[0], proxy[0], targets.decisive[0])
            assert first["maze_seed"] == info["maze_seed"]
            seen.add((policy, info["outcome"], info["proxy"]))
    assert ("exit", "aligned", "") in seen
    assert ("green", "misgeneralized", "color:green") in seen
    assert ("ahead", "incapable", "") in seen


def test_info_counts_apples_by_colour():
    env = MazeEnv(DEPLOY_WORLD, train_world=TRAIN_WORLD)
    env.reset(seed=3)
    _, _, _, info = rollout(env, np.random.default_rng(1).integers(0, 4, 400))
    assert info["apples"] == sum(info[f"apples_{c}"] for c in COLOR_NAMES)
    eaten = env.slots.episodes.eaten[0] & (env.slots.batch.obj_shape[0] != EXIT)
    colours = env.slots.batch.obj_color[0][eaten]
    assert [info[f"apples_{c}"] for c in COLOR_NAMES] == np.bincount(colours, minlength=len(COLOR_NAMES)).tolist()


def test_a_maze_seed_draws_its_maze_again():
    env = MazeEnv(DEPLOY_WORLD)
    _, info = env.reset(seed=9)
    walls = env.maze.walls.copy()
    env.reset(seed=1)
    _, again = env.reset(options={"maze_seed": info["maze_seed"]})
    assert again["maze_seed"] == info["maze_seed"] and np.array_equal(env.maze.walls, walls)


def test_the_maze_observation_shows_walls_objects_visits_and_the_agent():
    env = MazeEnv(DEPLOY_WORLD, observation="maze")
    obs, _ = env.reset(seed=4)
    side = env.observation_space.shape[0]
    m = env.maze
    walls = np.ones((side, side), bool)
    walls[:m.side, :m.side] = m.walls
    channel = {name: obs[..., i] for i, name in enumerate(MAZE_CHANNELS)}
    assert np.array_equal(channel["wall"] == 1, walls)
    r, c = m.exit
    assert channel["shape"][r, c] == SHAPES.index("exit") + 1 and channel["color"][r, c] == m.objects[0, 2] + 1
    assert (channel["shape"] > 0).sum() == len(m.objects)
    assert channel["agent"][m.start] == 2 + 1 and (channel["agent"] > 0).sum() == 1  # facing south
    assert channel["visited"].sum() == 1 and channel["visited"][m.start] == 1
    b = env.slots.batch
    d = int(np.flatnonzero(b.neighbors[0, b.start[0]] >= 0)[0])  # a way out of the start
    obs, *_ = env.step(relative([d])[0])
    here = tuple(env.slots.batch.tiles[0, env.slots.episodes.pos[0]])
    assert here != m.start and obs[..., MAZE_CHANNELS.index("visited")].sum() == 2
    assert obs[here + (MAZE_CHANNELS.index("agent"),)] == d + 1


@pytest.mark.parametrize("observation, mode", [("window", "NextStep"), ("maze", "NextStep"),
                                              ("window", "SameStep")])
def test_vector_sub_env_i_is_the_single_env_seeded_s_plus_i_across_autoresets(observation, mode):
    n, steps = 6, 650
    venv = MazeVectorEnv(n, TRAIN_WORLD, observation, autoreset_mode=mode)
    singles = [MazeEnv(TRAIN_WORLD, observation=observation) for _ in range(n)]
    actions = np.random.default_rng(5).integers(0, 4, (steps, n))
    obs, infos = venv.reset(seed=20)
    single_obs = [env.reset(seed=20 + i) for i, env in enumerate(singles)]
    for i in range(n):
        np.testing.assert_array_equal(obs[i], single_obs[i][0])
        assert infos["maze_seed"][i] == single_obs[i][1]["maze_seed"]
    ended = np.zeros(n, bool)
    resets = 0
    for t in range(steps):
        obs, reward, terminated, truncated, infos = venv.step(actions[t])
        for i, env in enumerate(singles):
            if ended[i] and mode == "NextStep":  # the vector env resets it at this step, ignoring the action
                o, info = env.reset()
                r, term, trunc = 0.0, False, False
                resets += 1
            else:
                o, r, term, trunc, info = env.step(actions[t, i])
            final = infos
            if mode == "SameStep" and (term or trunc):  # reset within the step: the last obs and info aside
                np.testing.assert_array_equal(infos["final_obs"][i], o)
                final = infos["final_info"]
                o, _ = env.reset()
                resets += 1
            np.testing.assert_array_equal(obs[i], o)
            assert (reward[i], terminated[i], truncated[i]) == (pytest.approx(r), term, trunc)
            assert final["maze_seed"][i] == info["maze_seed"] and final["steps"][i] == info["steps"]
            assert final.get("_outcome", np.zeros(n, bool))[i] == ("outcome" in info)
            if "outcome" in info:
                assert (final["outcome"][i], final["proxy"][i], final["exit_step"][i]) == \
                    (info["outcome"], info["proxy"], info["exit_step"])
            if mode == "SameStep" and (term or trunc):
                assert infos["maze_seed"][i] == env.slots.maze_seed[0]  # the new episode's maze
            ended[i] = term or trunc
    assert resets >= 2 * n  # every sub-env went through autoresets


def test_render_shows_the_exit_colour_at_the_exit(env_id):
    env = MazeEnv(**VARIANTS[env_id], render_mode="rgb_array")
    env.reset(seed=4)
    frame = env.render()
    side = env.maze.side * TILE_PX
    assert frame.shape == (side, side, 3) and frame.dtype == np.uint8
    r, c = env.maze.exit
    exit_rgb = COLORS[COLOR_NAMES[env.maze.objects[0, 2]]]
    tile = frame[r * TILE_PX:(r + 1) * TILE_PX, c * TILE_PX:(c + 1) * TILE_PX]
    assert (tile == exit_rgb).all()


def test_rgb_array_never_imports_pygame():
    code = ("import sys; from evosim.envs import MazeEnv; "
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


SPACE = r"Discrete\(4\) \(0 forward, 1 left, 2 right, 3 back\)"


@pytest.mark.parametrize("action", [-1, 4, 1.7, 1.0, float("nan"), True, np.float32(2), np.array([1]), "1", None,
                                    2 ** 70])
def test_an_action_outside_the_space_is_a_value_error_naming_it(action):
    env = MazeEnv(TRAIN_WORLD)
    env.reset(seed=0)
    with pytest.raises(ValueError, match=rf"^action {re.escape(str(action))} is not in {SPACE}$"):
        env.step(action)
    assert env.slots.episodes.steps[0] == 0  # nothing moved
    for fine in (3, np.int8(1), np.uint64(2), np.array(0)):
        env.step(fine)


@pytest.mark.parametrize("actions", [np.zeros(3, int), np.zeros((4, 1), int), np.zeros(4), np.array([0, 1, 2, 4]),
                                     np.array([0, -1, 0, 0]), [0, 1, 2], 0])
def test_vector_actions_must_be_num_envs_integers_in_the_space(actions):
    env = MazeVectorEnv(4, TRAIN_WORLD)
    env.reset(seed=0)
    with pytest.raises(ValueError, match=rf"^actions .* are not 4 actions in {SPACE}: an integer array of shape \(4,\)"):
        env.step(actions)
    env.step([0, 1, 2, 3])
    env.step(np.array([3, 2, 1, 0], np.uint8))


@pytest.mark.parametrize("num_envs", [0, -2, 1.5, True])
def test_num_envs_must_be_a_positive_integer(num_envs):
    with pytest.raises(ValueError, match=rf"num_envs {num_envs!r} must be an integer of at least 1"):
        MazeVectorEnv(num_envs, TRAIN_WORLD)
    with pytest.raises(ValueError, match="must be an integer of at least 1"):
        gymnasium.make_vec("evosim/Maze-Train-v0", num_envs=0, vectorization_mode="vector_entry_point")


@pytest.mark.parametrize("make", [MazeEnv, lambda **kw: MazeVectorEnv(2, **kw)])
def test_a_world_that_is_neither_a_path_nor_a_maze_world_is_named(make):
    savanna = load_world(DEPLOY_WORLD.parent / "savanna.toml")
    for argument, value in (("world", 123), ("train_world", {"world": 1}), ("world", savanna)):
        with pytest.raises(TypeError, match=rf"^{argument} .* is neither the path of a maze world file nor a MazeWorld"):
            make(**{argument: value})


def run_digest(env_id: str, num_envs: int, steps: int) -> str:
    """sha256 of a seeded vector run with random actions: every observation, reward, termination, truncation and
    ended episode's outcome, proxy, apples and exit step."""
    env = gymnasium.make_vec(env_id, num_envs=num_envs, vectorization_mode="vector_entry_point")
    obs, _ = env.reset(seed=7)
    rng = np.random.default_rng(3)
    digest = hashlib.sha256(obs.tobytes())
    for _ in range(steps):
        obs, reward, terminated, truncated, info = env.step(rng.integers(0, 4, num_envs))
        for array in (obs, reward, terminated, truncated, info["maze_seed"], info["steps"]):
            digest.update(np.ascontiguousarray(array).tobytes())
        if "outcome" in info:
            ended = info["_outcome"]
            digest.update(",".join(info["outcome"][ended].tolist() + info["proxy"][ended].tolist()).encode())
            for key in ("apples", "exit_step", "decisive", "explored"):
                digest.update(np.ascontiguousarray(info[key][ended]).tobytes())
    return digest.hexdigest()[:16]


#: digests of :func:`run_digest` (16 envs, 450 steps: two waves of resets), made before the env was sped up
REFERENCE_RUNS = {"evosim/Maze-Train-v0": "6055bfcdc53ea5db", "evosim/Maze-Deploy-v0": "60682542fdde890b"}


def test_a_seeded_vector_run_is_what_it_always_was(env_id):
    """Mazes, moves, observations, rewards and outcomes byte for byte: fails if the mechanics change."""
    assert run_digest(env_id, 16, 450) == REFERENCE_RUNS[env_id]


def test_the_step_split_adds_up_and_counts_the_resets():
    split = step_split("evosim/Maze-Train-v0", num_envs=8, steps=250)
    assert set(split.seconds) == set(PARTS)
    assert all(s > 0 for s in split.seconds.values())
    assert math.isclose(sum(split.seconds.values()), split.total)
    assert 0 < split.sampling < split.seconds["reset"]
    assert split.resets >= 8  # every episode of maze_train ends within 200 steps
    text = "\n".join(split.lines())
    assert all(re.search(rf"^  {part} +[0-9.]+ us/env-step +[0-9.]+%", text, re.M) for part in (*PARTS, "total"))


def test_the_peer_comparison_names_a_missing_peer_environment(tmp_path):
    tool = Path(__file__).resolve().parents[1] / "tools" / "vector_env_vs_peers.py"
    out = subprocess.run([sys.executable, str(tool), "--navix", str(tmp_path / "none")], capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stdout == "" and len(out.stderr.strip().splitlines()) == 1
    assert out.stderr.startswith(f"--navix: no virtual environment at {tmp_path / 'none'}")
