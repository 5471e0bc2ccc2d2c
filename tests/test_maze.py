"""Maze generation: reachable exits, placement rules, distinct object cells, seeded."""
import numpy as np

from evosim.worlds import parse_world
from evosim.worlds.maze.batch import MazeBatch
from evosim.worlds.maze.generator import generate
from evosim.worlds.maze.graph import UNREACHABLE, MazeGraph


def world(**overrides):
    raw = {"world": {"size": [4, 7], "max_steps": 50, "braid": 0.5},
           "exit": {"color": "green", "position": "random"},
           "objects": [{"kind": "apple", "color": "red", "count": [2, 6]}]}
    for table, values in overrides.items():
        raw[table] = raw.get(table, {}) | values
    return parse_world(raw)


def test_every_maze_is_connected_with_objects_on_distinct_floor_cells():
    rng = np.random.default_rng(3)
    for maze in world().sample(rng, 40):
        graph = MazeGraph.of(maze.walls)
        assert (graph.dist < UNREACHABLE).all()
        tiles = {tuple(t) for t in maze.objects[:, :2]} | {maze.start}
        assert len(tiles) == len(maze.objects) + 1
        assert not maze.walls[maze.objects[:, 0], maze.objects[:, 1]].any()
        assert 2 <= len(maze.objects) - 1 <= 6


def test_corner_rules_place_start_and_exit(train_world):
    for maze in train_world.sample(np.random.default_rng(0), 10):
        side = maze.side
        assert maze.start == (1, 1)
        assert maze.exit == (side - 2, side - 2)


def test_braid_opens_loops():
    perfect, braided = world(world={"braid": 0.0}), world(world={"braid": 1.0})
    rng = np.random.default_rng(1)
    for spec, loops in ((perfect, False), (braided, True)):
        maze = generate(spec, rng)
        floor = (~maze.walls).sum()
        cells = ((maze.side - 1) // 2) ** 2
        # a perfect maze is a tree: floor tiles = cells + (cells - 1) corridor tiles
        assert (floor > 2 * cells - 1) == loops


def test_objects_off_path_keeps_apples_off_every_shortest_route():
    spec = world(world={"objects_off_path": True})
    batch = MazeBatch.of(spec.sample(np.random.default_rng(2), 30))
    for k in range(batch.size):
        s, e = batch.start[k], batch.exit_tile[k]
        d = batch.dist[k]
        for tile in batch.obj_tile[k, 1:]:
            if tile >= 0:
                assert d[s, tile] + d[tile, e] > d[s, e]


def test_same_seed_same_mazes():
    a = world().sample(np.random.default_rng(9), 5)
    b = world().sample(np.random.default_rng(9), 5)
    for x, y in zip(a, b):
        assert (x.walls == y.walls).all() and (x.objects == y.objects).all() and x.start == y.start


def test_a_green_seeker_misses_the_exit_of_colour_decoupled_mazes_an_exit_seeker_reaches():
    """The point of [[exit.decouple]]: in training, going to green and going to the exit now disagree."""
    import tomllib
    from evosim.data import WORLDS
    from evosim.minds import make_mind
    from evosim.minds.planner import EXIT_SEEKER, GREEN_SEEKER, hand_set
    from evosim.worlds import parse_world
    from evosim.worlds.maze.episodes import run
    from evosim.worlds.maze.outcomes import classify, proxy_targets
    from types import SimpleNamespace
    base = (WORLDS / "maze_train.toml").read_text()
    text = base.replace("[[objects]]", '[[exit.decouple]]\nshare = 1.0\nproxy = "color"\n\n[[objects]]', 1)
    world = parse_world(tomllib.loads(text), "decoupled.toml", text)
    batch = world.batch(world.sample(np.random.default_rng(0), 40))
    params = np.stack([hand_set(GREEN_SEEKER), hand_set(EXIT_SEEKER)])
    result, _ = run(make_mind("planner"), params, batch, world.max_steps, np.random.default_rng(1))
    green, seeker = (result.exit_reached[result.agent == a] for a in (0, 1))
    assert seeker.all()
    # the green-seeker walks to a decoy first in (nearly) every maze; it finds the exit afterwards only by
    # wandering, within the step limit in about half of them
    lost_green = SimpleNamespace(exit=SimpleNamespace(color="grey", position=world.exit.position))
    outcome, proxy = classify(result, batch, proxy_targets(world, lost_green, batch))
    assert (outcome[result.agent == 0] == "misgeneralized").mean() >= 0.9
    assert (proxy[result.agent == 0] == "color:green").mean() >= 0.9
    assert (outcome[result.agent == 1] == "aligned").all()
    assert green.mean() < 0.75


def breadth_first(graph: MazeGraph, source: int) -> np.ndarray:
    """(F,) steps from ``source`` by a plain breadth-first search."""
    dist = np.full(len(graph.tiles), UNREACHABLE)
    dist[source], frontier = 0, [source]
    while frontier:
        nxt = [int(n) for t in frontier for n in graph.neighbors[t] if n >= 0 and dist[n] == UNREACHABLE]
        for n in set(nxt):
            dist[n] = dist[frontier[0]] + 1
        frontier = sorted(set(nxt))
    return dist


def test_distances_of_mazes_searched_in_blocks_are_each_mazes_own(train_world, monkeypatch):
    monkeypatch.setattr("evosim.worlds.maze.batch.DISTANCE_CELLS", 4000)  # a few mazes a block
    rng = np.random.default_rng(4)
    mazes = [generate(train_world, rng) for _ in range(9)]
    batch = MazeBatch.of(mazes, width=200)
    for k, graph in enumerate(batch.graphs):
        f = len(graph.tiles)
        for row, source in enumerate((batch.start[k], batch.exit_tile[k])):
            np.testing.assert_array_equal(batch.ends[k, row, :f], breadth_first(graph, source))
        assert (batch.ends[k, :, f:] == UNREACHABLE).all()  # padding


def test_rows_of_a_batch_are_the_batch_of_those_mazes(train_world):
    rng = np.random.default_rng(5)
    mazes = [generate(train_world, rng) for _ in range(6)]
    batch = MazeBatch.of(mazes, 13, 169, 5)
    picked = np.array([4, 1, 1])
    rows, fresh = batch.rows(picked), MazeBatch.of([mazes[k] for k in picked], 13, 169, 5)
    for name in ("n_floor", "tiles", "index", "neighbors", "moves", "position", "start", "obj_tile", "obj_color",
                 "obj_shape", "obj_at", "ends"):
        np.testing.assert_array_equal(getattr(rows, name), getattr(fresh, name), err_msg=name)
    assert rows.mazes == [mazes[4], mazes[1], mazes[1]]
