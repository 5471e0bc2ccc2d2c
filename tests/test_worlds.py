"""World kinds: the registry, the base objective defined once, and the one predicate per question."""
import hashlib
import math
import subprocess
import sys
import tomllib
from dataclasses import dataclass, replace

import numpy as np
import pytest
import tomli_w

from evosim.core.errors import UserError
from evosim.core.features import COLOR_NAMES, color_index
from evosim.data import WORLDS
from evosim.minds import make_mind
from evosim.minds.planner import EXIT_SEEKER, hand_set
from evosim.worlds import WORLD_KINDS, WorldText, load_world, parse_world, register_world
from evosim.worlds.maze.adversary_table import Parameters
from evosim.worlds.maze.batch import STAY
from evosim.worlds.maze.episodes import NEVER, Episodes, earliest, run
from evosim.worlds.maze.graph import MazeGraph, on_shortest_path
from evosim.worlds.maze.world import PLACEMENTS, MazeWorld
from evosim.worlds.table import IntRange
from helpers import draw_maze


def test_the_maze_is_the_default_kind(train_world):
    assert isinstance(train_world, MazeWorld) and WORLD_KINDS["maze"] is MazeWorld
    raw = {"world": {"size": 4, "max_steps": 9}, "exit": {"color": "red", "position": "random"}}
    assert parse_world(raw) == parse_world(raw | {"world": raw["world"] | {"kind": "maze"}})


def test_a_registered_kind_gets_its_world_files(tmp_path):
    @dataclass(frozen=True)
    class Tiny(WorldText):
        kind = "tiny"
        path: str
        size: int

        @classmethod
        def parse(cls, raw, path, text):
            return cls(path, raw["world"]["size"], text=text)

    register_world(Tiny)
    try:
        (tmp_path / "t.toml").write_text('[world]\nkind = "tiny"\nsize = 3\n')
        assert load_world(tmp_path / "t.toml") == Tiny(str(tmp_path / "t.toml"), 3, text="")
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


SCALED = {"world": {"size": [3, 7], "max_steps": 60, "steps_per_distance": 2.5},
          "exit": {"color": "green", "position": "random"}}


def start_to_exit(maze) -> int:
    """Shortest-path steps from a maze's start to its exit, read from its own graph."""
    graph = MazeGraph.of(maze.walls)
    return int(graph.dist[graph.index[maze.start], graph.index[maze.exit]])


def test_steps_per_distance_gives_each_maze_its_own_step_limit():
    world = parse_world(SCALED)
    batch = world.batch(world.sample(np.random.default_rng(5), 12))
    limits = world.step_limits(batch)
    expected = [min(60, math.ceil(2.5 * start_to_exit(m))) for m in batch.mazes]
    assert limits.dtype == np.int64 and limits.tolist() == expected
    assert min(expected) < 60 and 60 in expected  # limits by distance, and by the cap
    episodes = world.episodes(batch, 2)
    while not episodes.done:
        episodes.step(np.full(episodes.size, STAY))  # an agent that stays never reaches the exit
    assert episodes.result().steps.tolist() == limits[episodes.maze].tolist()


def test_every_episode_ends_at_the_exit_or_at_its_mazes_limit():
    world, mind = parse_world(SCALED), make_mind("planner")
    batch = world.batch(world.sample(np.random.default_rng(6), 8))
    params = mind.init(np.random.default_rng(1), 6)
    params[0] = hand_set(EXIT_SEEKER)
    limits = world.step_limits(batch)
    result, _ = run(mind, params, batch, limits, np.random.default_rng(2))
    limit = limits[result.maze]
    assert (result.steps <= limit).all() and (result.steps[~result.exit_reached] == limit[~result.exit_reached]).all()
    assert result.exit_reached.any() and (limit[~result.exit_reached] < 60).any()  # stopped by distance


def test_without_steps_per_distance_every_maze_keeps_max_steps(train_world):
    """A world without the key runs exactly the episodes of one int limit (and of that limit per maze)."""
    batch = train_world.batch(train_world.sample(np.random.default_rng(6), 4))
    assert train_world.steps_per_distance is None and type(train_world.step_limits(batch)) is int
    mind = make_mind("planner")
    params = mind.init(np.random.default_rng(1), 5)
    results = []
    for episodes in (train_world.episodes(batch, 5), Episodes(batch, 5, train_world.max_steps),
                     Episodes(batch, 5, np.full(batch.size, train_world.max_steps))):
        results.append(episodes.play(mind.controller(params, episodes), np.random.default_rng(2)))
    assert (results[0].steps == train_world.max_steps).any() and results[0].exit_reached.any()
    for other in results[1:]:
        for name, value in vars(results[0]).items():
            np.testing.assert_array_equal(getattr(other, name), value)


def test_maze_sizes_is_maze_train_at_other_sizes_with_limits_by_distance(train_world):
    sizes = load_world(WORLDS / "maze_sizes.toml")
    assert (sizes.name, sizes.size, sizes.max_steps, sizes.steps_per_distance) == ("maze-sizes", IntRange(6, 14),
                                                                                    3000, 6.0)
    assert replace(sizes, path=train_world.path, name=train_world.name, size=train_world.size,
                   max_steps=train_world.max_steps, steps_per_distance=None,
                   adversary=train_world.adversary) == train_world


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
    code = ("import sys, evosim.worlds, evosim.minds, evosim.optimizers, evosim.training.loop; "
            "loaded = {'pygame', 'pandas', 'seaborn'} & set(sys.modules); assert not loaded, loaded")
    subprocess.run([sys.executable, "-c", code], check=True)


MIXED = """
[world]
size = 5
max_steps = 80
[exit]
color = "green"
position = "bottom-right"
[[exit.mix]]
share = 0.3
colors = "any"
positions = "any"
"""


def test_a_mixture_gives_its_share_of_mazes_a_wider_exit(tmp_path):
    path = tmp_path / "mixed.toml"
    path.write_text(MIXED)
    world = load_world(path)
    assert world.exit.mix[0].share == 0.3 and "top-left" not in world.exit.mix[0].positions  # the start's
    mazes = world.sample(np.random.default_rng(0), 2000)
    dominant = [m.objects[0, 2] == color_index("green") and m.exit == (9, 9) for m in mazes]
    # a mixture maze draws a colour of 7 and a placement of 5, so 1/35 of them look dominant
    expected = 0.7 + 0.3 / 35
    assert abs(np.mean(dominant) - expected) < 3 * np.sqrt(expected * (1 - expected) / len(mazes))
    colours = {int(m.objects[0, 2]) for m in mazes}
    assert colours == set(range(len(COLOR_NAMES)))
    assert all(m.exit != m.start for m in mazes)
    from evosim.worlds.maze.proxies import exit_proxies
    assert [p.name for p in exit_proxies(world)] == ["color:green", "position:bottom-right"]  # the dominant exit


@pytest.mark.parametrize("change, says", [
    (("share = 0.3", "share = 1.5"), "[exit.mix.0] share: 1.5 must be between 0.0 and 1.0"),
    (('colors = "any"', 'colors = ["green", "gren"]'), "[exit.mix.0] colors: 'gren' is not one of"),
    (('positions = "any"', 'positions = ["top-left"]'), "[exit.mix.0] positions: 'top-left' is the start cell"),
    (('positions = "any"', 'positions = 3'), '[exit.mix.0] positions: must be "any" or a list of'),
    (("share = 0.3", "share = 0.3\nshade = 1"), "[exit.mix.0] shade: unknown key"),
    (("share = 0.3", "share = 0.7"), "[exit] mix: shares add up to 1.4, more than 1"),
])
def test_mixture_mistakes_are_one_line(tmp_path, change, says):
    text = MIXED.replace(*change)
    if "0.7" in change[1]:
        text += "\n[[exit.mix]]\nshare = 0.7\ncolors = [\"red\"]\n"
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(UserError) as e:
        load_world(path)
    assert says in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize("name", ["maze_train.toml", "maze_deploy.toml", "maze_sizes.toml", "savanna.toml",
                                  "deception.toml"])
def test_a_loaded_world_carries_its_files_text_and_digest(name):
    path = WORLDS / name
    world = load_world(path)
    assert world.text.encode("utf-8") == path.read_bytes()
    assert world.digest == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_derived_world_has_a_text_that_parses_back_to_it(train_world):
    raw = tomllib.loads(train_world.text) | {"world": {"size": 5, "max_steps": 40}}
    assert parse_world(raw, train_world.path).text == tomli_w.dumps(raw)  # a sweep cell's world
    deception = load_world(WORLDS / "deception.toml").with_game(training=7, modification=0.25)
    parameters = Parameters.of(train_world, train_world.adversary, PLACEMENTS)
    proposal = parameters.proposal([len(c) - 1 for c in parameters.choices])
    for derived in (deception, deception.maze, proposal):
        assert parse_world(tomllib.loads(derived.text), derived.path) == derived
    assert (deception.training, deception.modification) == (7, 0.25)
