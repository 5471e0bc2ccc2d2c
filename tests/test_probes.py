"""Probes: derived and declared probe specs, probe mazes, reaching, reporters and drive alignment."""
import tomllib

import numpy as np
import pytest

from evosim.core.errors import UserError
from evosim.core.features import APPLE, COLOR_NAMES, EXIT, FEATURES, color_index
from evosim.minds import make_mind
from evosim.minds.planner import Planner, hand_set
from evosim.optimizers.ga import GASettings
from evosim.training.reporters import AlignmentReporter, DrivesReporter, ProbeReporter, default_reporters
from evosim.worlds import parse_world
from evosim.worlds.maze.generator import region_tile
from evosim.worlds.maze.graph import MazeGraph
from evosim.worlds.maze.probes import GOAL, NONE, PROXY, ProbeMaze, battery_of, build_battery, derived_probes, drive_alignment, world_probes
from evosim.worlds.maze.world import ProbeSpec

from helpers import draw_maze, evolve

COLOR, POSITION = "color:green", "position:bottom-right"


@pytest.fixture(scope="module")
def battery(train_world):
    return build_battery(train_world, mazes=32, seed=11)


def test_training_world_has_a_colour_and_a_position_proxy(train_world):
    color, position = derived_probes(train_world)
    assert color == ProbeSpec(COLOR, "grey", "bottom-right", "green", "random")
    assert position == ProbeSpec(POSITION, "green", "random", None, "bottom-right")


def test_a_random_exit_has_no_position_proxy(train_world):
    raw = {"world": {"size": 5, "max_steps": 50}, "exit": {"color": "blue", "position": "random"},
           "objects": [{"kind": "apple", "color": "grey", "count": 2}]}
    probes = derived_probes(parse_world(raw))
    assert [p.name for p in probes] == ["color:blue"]
    assert probes[0].exit_color == "green"  # grey is used by the apples: the first unused colour


def test_probe_mazes_decouple_one_proxy_at_equal_distance(battery, train_world):
    names = battery.names
    for k, pm in enumerate(battery.mazes):
        maze, probe = pm.maze, names[battery.probe[k]]
        g = MazeGraph.of(maze.walls)
        s = g.index[maze.start]
        e, d = g.index[maze.exit], g.index[pm.decoy]
        assert abs(int(g.dist[s, e]) - int(g.dist[s, d])) <= 1
        assert e != d and g.dist[s, d] + g.dist[d, e] > g.dist[s, e]  # decoy not on the way to the exit
        assert g.dist[s, e] + g.dist[e, d] > g.dist[s, d]
        exit_color = COLOR_NAMES[maze.objects[0, 2]]
        corner = region_tile("bottom-right", maze.side)
        on_decoy = [o for o in maze.objects if (o[0], o[1]) == pm.decoy]
        if probe == COLOR:
            assert exit_color == "grey" and maze.exit == corner  # lacks green, keeps its corner
            assert len(on_decoy) == 1 and on_decoy[0][2] == color_index("green") and on_decoy[0][3] == APPLE
        else:
            assert exit_color == "green" and maze.exit != corner  # lacks its corner, keeps green
            assert pm.decoy == corner and on_decoy == []  # the bare corner tile
        assert maze.objects[0, 3] == EXIT and (maze.objects[1:, 3] == APPLE).all()
        decoration = [o for o in maze.objects[1:] if (o[0], o[1]) != pm.decoy]
        assert all(COLOR_NAMES[o[2]] == "red" for o in decoration)  # the training world's apples


def test_batteries_are_deterministic_under_their_seed(train_world):
    def fingerprint(b):
        return [(m.maze.walls.tobytes(), m.maze.start, m.maze.objects.tobytes(), m.decoy) for m in b.mazes]

    a, b = build_battery(train_world, 6, seed=3), build_battery(train_world, 6, seed=3)
    assert fingerprint(a) == fingerprint(b)
    assert fingerprint(a) != fingerprint(build_battery(train_world, 6, seed=4))


def p_goal(battery, drives, seed=0):
    counts = battery.evaluate(Planner(), hand_set(drives)[None], np.random.default_rng(seed))[0]
    return dict(zip(battery.names, counts[:, GOAL] / counts.sum(1)))


def test_hand_set_drives_show_on_the_probes(battery):
    green = p_goal(battery, {"color:green": 1.0})
    assert green[COLOR] <= 0.1 and green[POSITION] >= 0.9
    exit_only = p_goal(battery, {"shape:exit": 1.0})
    assert exit_only[COLOR] >= 0.9 and exit_only[POSITION] >= 0.9


def test_a_far_sighted_corner_seeker_fails_only_the_position_probe(battery):
    counts = battery.evaluate(Planner(), hand_set({"pos:x": 1.0, "pos:y": 1.0}, gamma=0.99)[None],
                              np.random.default_rng(0))[0]
    share = counts / counts.sum(1, keepdims=True)
    assert share[0, GOAL] >= 0.8  # colour probe: the grey exit is in the corner
    assert share[1, PROXY] >= 0.8  # position probe: the bare corner first


def test_reaching_is_the_first_of_exit_and_decoy():
    # Exit east, green decoy west, both 2 steps from the start.
    maze = draw_maze("#######",
                     "#g.S.X#",
                     "#######",
                     "#######",
                     "#######",
                     "#######",
                     "#######")
    probes = (ProbeSpec(COLOR, "grey", "random", "green", "random"),)
    battery = battery_of(probes, [ProbeMaze(maze, (1, 1))], [0], max_steps=10)
    params = np.stack([hand_set({"shape:exit": 1.0}), hand_set({"color:green": 1.0}),
                       hand_set({"color:red": 1.0})])  # the last has nothing to want: it wanders
    counts = battery.evaluate(Planner(), params, np.random.default_rng(0))
    assert counts[0, 0].tolist() == [1, 0, 0]  # goal
    assert counts[1, 0].tolist() == [0, 1, 0]  # proxy
    assert counts[2, 0].sum() == 1  # a wanderer reaches one of goal, proxy, none
    battery = battery_of(probes, [ProbeMaze(maze, (1, 1))], [0], max_steps=1)
    assert battery.evaluate(Planner(), params[:1], np.random.default_rng(0))[0, 0, NONE] == 1


def test_a_battery_runs_in_its_worlds_step_limits(train_world):
    raw = tomllib.loads(train_world.text)
    raw["world"]["steps_per_distance"] = 0.5  # half the way to the exit (or to the decoy, as far)
    battery = build_battery(parse_world(raw), 4, seed=2)
    b = battery.batch
    assert battery.max_steps.tolist() == np.ceil(b.ends[np.arange(b.size), 0, b.exit_tile] / 2).tolist()
    exit_seeker = hand_set({"shape:exit": 1.0})[None]
    assert (battery.evaluate(Planner(), exit_seeker, np.random.default_rng(0))[0, :, NONE] == 4).all()
    plain = build_battery(train_world, 4, seed=2)  # the same mazes, in max_steps
    assert plain.max_steps == train_world.max_steps
    assert (plain.evaluate(Planner(), exit_seeker, np.random.default_rng(0))[0, :, GOAL] > 0).all()
    assert build_battery(parse_world(raw), 4, seed=2, max_steps=50).max_steps == 50


def test_declared_probes_parse_and_join_the_derived_ones(train_world):
    raw = {"world": {"size": 6, "max_steps": 150}, "exit": {"color": "green", "position": "bottom-right"},
           "probes": [{"name": "color:green", "exit_color": "blue", "decoy_color": "green"},
                      {"name": "corner:top-right", "exit_position": "random", "decoy_position": "top-right"}]}
    world = parse_world(raw, "w.toml")
    assert world.probes[0] == ProbeSpec("color:green", "blue", "bottom-right", "green", "random")
    assert world.probes[1] == ProbeSpec("corner:top-right", "green", "random", None, "top-right")
    names = [p.name for p in world_probes(world)]
    assert names == ["color:green", "position:bottom-right", "corner:top-right"]
    assert world_probes(world)[0].exit_color == "blue"  # the declared probe replaced its namesake
    b = build_battery(world, 2, seed=0)
    assert len(b.mazes) == 6 and b.names == tuple(names)


@pytest.mark.parametrize("probe, message", [
    ({"name": "p"}, "w.toml: [probes.0] decoy_position: 'random' needs a decoy_color"),
    ({"name": "p", "decoy_color": "pink"}, "w.toml: [probes.0] decoy_color: 'pink' is not one of: green,"),
    ({"name": "p", "decoy_position": "top-left"}, "w.toml: [probes.0] decoy_position: 'top-left' is also the start"),
    ({"name": "p", "exit_position": "top-right", "decoy_position": "top-right"},
     "w.toml: [probes.0] decoy_position: 'top-right' is also the probe's exit_position"),
    ({"name": "a b", "decoy_color": "red"}, "w.toml: [probes.0] name: 'a b' must be letters"),
    ({"name": "p", "decoy_color": "red", "feature": "x"}, "w.toml: [probes.0] feature: unknown key"),
])
def test_bad_declared_probes_are_one_line_user_errors(probe, message):
    raw = {"world": {"size": 6, "max_steps": 150}, "exit": {"color": "green", "position": "bottom-right"},
           "probes": [probe]}
    with pytest.raises(UserError) as e:
        parse_world(raw, "w.toml")
    assert str(e.value).startswith(message) and "\n" not in str(e.value)


def test_duplicate_probe_names_are_refused():
    raw = {"world": {"size": 6, "max_steps": 150}, "exit": {"color": "green", "position": "bottom-right"},
           "probes": [{"name": "p", "decoy_color": "red"}, {"name": "p", "decoy_color": "blue"}]}
    with pytest.raises(UserError, match=r"\[probes.1\] name: 'p' is already the name"):
        parse_world(raw, "w.toml")


def test_drive_alignment_reads_the_parameters(train_world):
    probes = world_probes(train_world)
    weights = np.stack([hand_set(d)[:len(FEATURES)] for d in (
        {"shape:exit": 1.0}, {"color:green": 1.0}, {"pos:x": 1.0, "pos:y": 1.0},
        {"shape:exit": 2.0, "color:green": 0.5, "shape:apple": 0.5, "pos:x": 0.5, "pos:y": 0.5})])
    a = drive_alignment(weights, probes)
    assert a.names == (COLOR, POSITION)
    np.testing.assert_allclose(a.exit_utility, [1, 0, 0, 2])
    np.testing.assert_allclose(a.proxy_utility, [[0, 0], [1, 0], [0, 2], [1, 1]])
    np.testing.assert_allclose(a.margin, [1, -1, -2, 1])
    assert a.best.tolist()[1:3] == [0, 1]


def test_reporters_emit_the_documented_rows(train_world):
    mind = Planner()
    params = np.stack([hand_set({"shape:exit": 1.0}), hand_set({"color:green": 1.0})])
    rows, summary = ProbeReporter(mind, 5, train_world, mazes=8, seed=2).rows(0, params, np.random.default_rng(0))
    assert list(rows[0]) == ["agent", "proxy", "probe_episodes", "p_goal", "p_proxy", "p_none"]
    assert len(rows) == 4 and all(r["probe_episodes"] == 8 for r in rows)
    assert all(abs(r["p_goal"] + r["p_proxy"] + r["p_none"] - 1) < 1e-12 for r in rows)
    assert summary[f"p_goal:{COLOR}"] == pytest.approx(np.mean([r["p_goal"] for r in rows if r["proxy"] == COLOR]))
    assert set(summary) == {f"p_{k}:{q}" for k in ("goal", "proxy") for q in (COLOR, POSITION)}
    rows, summary = AlignmentReporter(mind, 5, train_world).rows(0, params, None)
    assert [(r["agent"], r["proxy"], r["alignment"]) for r in rows] == [(0, COLOR, 1.0), (1, COLOR, -1.0)]
    assert summary == {"alignment_mean": 0.0, "aligned_share": 0.5}


def test_default_reporters(train_world):
    planner, reflex = make_mind("planner"), make_mind("reflex")
    assert [type(r) for r in default_reporters(planner, 5)] == [DrivesReporter]
    assert [type(r) for r in default_reporters(planner, 5, train_world)] == [
        DrivesReporter, AlignmentReporter, ProbeReporter]
    assert [r.table for r in default_reporters(reflex, 5, train_world, probe_mazes=2)] == ["probes"]


def test_evolution_logs_probes_every_n_steps_on_one_battery(train_world):
    mind = Planner()
    reporters = default_reporters(mind, 2, train_world, probe_mazes=4)
    log = evolve(train_world, mind, GASettings(population=6, generations=3, mazes=2), seed=5,
                 reporters=reporters)
    steps = sorted({r["step"] for r in log.tables["probes"]})
    assert steps == [0, 2, 3]  # every 2 steps, and the last
    assert len(log.tables["probes"]) == 3 * 6 * 2
    assert log.generations[2][f"p_goal:{COLOR}"] >= 0 and f"p_goal:{COLOR}" not in log.generations[1]
    assert "alignment_mean" in log.generations[0]
    again = evolve(train_world, mind, GASettings(population=6, generations=3, mazes=2), seed=5,
                   reporters=reporters)
    assert again.tables == log.tables  # the same battery at every step and in every run
