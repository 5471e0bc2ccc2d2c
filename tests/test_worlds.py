"""World kinds: the registry, the base objective defined once, and the one predicate per question."""
import subprocess
import sys
from dataclasses import dataclass

import numpy as np
import pytest

from evosim.errors import UserError
from evosim.minds import make_mind
from evosim.minds.planner import EXIT_SEEKER, hand_set
from evosim.worlds import WORLD_KINDS, load_world, parse_world, register_world
from evosim.worlds.maze.episodes import NEVER, Episodes, earliest
from evosim.worlds.maze.graph import MazeGraph, on_shortest_path
from evosim.worlds.maze.world import MazeWorld
from tests.conftest import draw_maze


def test_the_maze_is_the_default_kind(train_world):
    assert isinstance(train_world, MazeWorld) and WORLD_KINDS["maze"] is MazeWorld
    raw = {"world": {"size": 4, "max_steps": 9}, "exit": {"color": "red", "position": "random"}}
    assert parse_world(raw) == parse_world(raw | {"world": raw["world"] | {"kind": "maze"}})


def test_a_registered_kind_gets_its_world_files(tmp_path):
    @dataclass(frozen=True)
    class Tiny:
        kind = "tiny"
        path: str
        size: int

        @classmethod
        def parse(cls, raw, path):
            return cls(path, raw["world"]["size"])

    register_world(Tiny)
    try:
        (tmp_path / "t.toml").write_text('[world]\nkind = "tiny"\nsize = 3\n')
        assert load_world(tmp_path / "t.toml") == Tiny(str(tmp_path / "t.toml"), 3)
    finally:
        del WORLD_KINDS["tiny"]
    with pytest.raises(UserError, match=r"t.toml: \[world\] kind: 'tiny' is not one of: maze"):
        load_world(tmp_path / "t.toml")


@pytest.mark.parametrize("mind_name", ["planner", "reflex"])
def test_per_step_rewards_and_the_episode_total_agree(train_world, mind_name):
    """The objective's three views: total (fitness), rewards (REINFORCE), step_reward (Gymnasium)."""
    mind = make_mind(mind_name)
    rng = np.random.default_rng(4)
    batch = train_world.batch(train_world.sample(rng, 3))
    params = mind.init(rng, 4)
    if mind_name == "planner":
        params[0] = hand_set(EXIT_SEEKER)  # one that reaches the exit, so exit credit is counted too
    episodes = train_world.episodes(batch, len(params))
    controller = mind.controller(params, episodes)
    stepped = np.zeros(episodes.size)
    while not episodes.done:
        events = episodes.step(controller.act(rng))
        stepped += train_world.objective.step_reward(events, batch.n_floor[episodes.maze])
    result = episodes.result()
    total = train_world.objective.total(result)
    assert not result.exit_reached.all() and (result.exit_reached.any() or mind_name == "reflex")
    np.testing.assert_allclose(train_world.objective.rewards(result, batch.n_floor).sum(0), total, atol=1e-12)
    np.testing.assert_allclose(stepped, total, atol=1e-12)


def test_lowest_bounds_every_total(train_world):
    lowest = train_world.objective.lowest(train_world.max_steps)
    result = Episodes(train_world.batch(train_world.sample(np.random.default_rng(0), 2)), 1,
                      train_world.max_steps)
    while not result.done:
        result.step(np.zeros(result.size, np.int64))  # north from the start: into a wall every step
    assert (train_world.objective.total(result.result()) >= lowest).all()


def test_shortest_path_is_one_predicate():
    maze = draw_maze("#######",
                     "#S....#",
                     "#.###.#",
                     "#.....#",
                     "#####.#",
                     "#####X#",
                     "#######")
    graph = MazeGraph.of(maze.walls)
    s, e = graph.index[maze.start], graph.index[maze.exit]
    on = {tuple(t) for t in graph.tiles[on_shortest_path(graph.dist[s], graph.dist[e], e)]}
    assert on == {(1, 1), (1, 2), (1, 3), (1, 4), (1, 5), (2, 5), (3, 5), (4, 5), (5, 5),  # both ways
                  (2, 1), (3, 1), (3, 2), (3, 3), (3, 4)}
    assert not on_shortest_path(graph.dist[s], graph.dist[graph.index[1, 3]], graph.index[1, 3])[graph.index[3, 1]]


def test_earliest_is_the_first_reached_or_none():
    steps = np.array([[5, 3, NEVER], [NEVER, NEVER, NEVER], [0, 7, 2]])
    assert earliest(steps).tolist() == [1, -1, 0]


def test_worlds_minds_and_optimizers_never_load_the_viewer_or_analysis_libraries():
    code = ("import sys, evosim.worlds, evosim.minds, evosim.optimizers, evosim.training; "
            "loaded = {'pygame', 'pandas', 'seaborn'} & set(sys.modules); assert not loaded, loaded")
    subprocess.run([sys.executable, "-c", code], check=True)
