"""Training worlds chosen by exact regret: level replay ranks by regret and staleness, keeps the
highest-regret mazes, replays its share once full; accel's children are small edits kept only when their
regret beats their parent's; both give the same bytes in process, on Dask workers and after a resume."""
import tomllib
from pathlib import Path

import numpy as np
import pytest
import tomli_w

from evosim.commands.cli import main
from evosim.core.streams import stream
from evosim.optimizers.ga import GASettings
from evosim.runs import rundir
from evosim.studies.sweep import Experiment
from evosim.training.replay import Buffer, LevelReplay
from evosim.worlds import load_world
from evosim.worlds.maze.edits import EDITS, edit
from helpers import TRAIN, resumes_like_whole

SMALL = ["--mind", "planner", "--population", "20", "--generations", "12", "--mazes", "4", "--log-every", "6"]


@pytest.fixture
def world_file(tmp_path) -> Path:
    """maze_train with a buffer of 4 mazes, so that replay starts after a step or two."""
    raw = tomllib.loads(Path(TRAIN).read_text())
    raw["replay"] = {"buffer": 4}
    path = tmp_path / "small-buffer.toml"
    path.write_text(tomli_w.dumps(raw))
    return path


def buffer_of(regrets, lasts=None) -> Buffer:
    buffer = Buffer(len(regrets), stream("replay", 0))
    maze = load_world(TRAIN).sample(np.random.default_rng(0), 1)[0]
    for i, r in enumerate(regrets):
        buffer.admit(maze, r, 0 if lasts is None else lasts[i])
    return buffer


def test_replay_draws_by_regret_rank_or_by_staleness():
    top = [buffer_of([0.1, 0.9, 0.5, 0.2]).draw(1, 10, 0.1, 0.0)[0].id for _ in range(200)]
    assert top.count(1) >= 198  # rank 2 weighs 2^-10 of rank 1
    stale = buffer_of([0.1, 0.9, 0.5, 0.2], lasts=[10, 10, 0, 10])
    assert {stale.draw(1, 10, 0.1, 1.0)[0].id for _ in range(50)} == {2}  # the others were played this step
    assert sorted(lv.id for lv in buffer_of([0.1, 0.9, 0.5, 0.2]).draw(4, 10, 0.1, 0.3)) == [0, 1, 2, 3]


def test_a_full_buffer_keeps_the_highest_regret_and_a_child_must_beat_its_parent():
    buffer = buffer_of([0.1, 0.9, 0.5, 0.2])
    maze = buffer.levels[0].maze
    assert buffer.admit(maze, 0.05, 1) == (4, False)  # below every kept maze
    assert buffer.admit(maze, 0.3, 1) == (5, True) and sorted(lv.regret for lv in buffer.levels) == [0.2, 0.3, 0.5, 0.9]
    assert buffer.admit(maze, 0.6, 1, above=0.7) == (6, False)  # a child no better than its parent
    assert buffer.admit(maze, 0.8, 1, above=0.7) == (7, True) and min(lv.regret for lv in buffer.levels) == 0.3


def test_edits_keep_walls_start_and_one_object_per_tile():
    world, rng = load_world(TRAIN), np.random.default_rng(3)
    seen = set()
    for maze in world.sample(rng, 40):
        child, kind = edit(maze, rng)
        seen.add(kind)
        assert np.array_equal(child.walls, maze.walls) and child.start == maze.start
        tiles = [tuple(o[:2]) for o in child.objects]
        assert len(set(tiles)) == len(tiles) and child.start not in tiles and not child.walls[tuple(zip(*tiles))].any()
        changed = (child.objects != maze.objects).any(1)
        assert changed.sum() == 1 and (changed[0] == (kind in ("recolor_exit", "move_exit")))
    assert seen == set(EDITS)


def rows_by_step(run: Path) -> dict[int, list[dict]]:
    by_step = {}
    for r in rundir.read_csv(run / "replay.csv"):
        by_step.setdefault(int(r["step"]), []).append(r)
    return by_step


@pytest.mark.parametrize("source, replayed, edited", [("plr", 2, 0), ("accel", 2, 1)])
def test_a_full_buffer_replays_its_share_and_children_must_beat_their_parents(world_file, tmp_path, source,
                                                                             replayed, edited):
    run = tmp_path / source
    assert main(["evolve", str(world_file), *SMALL, "--source", source, "--out", str(run)]) == 0
    assert rundir.load_run(run)["settings"]["source"] == source and not (run / "adversary.csv").exists()
    regret, live, full = {}, set(), False
    for step, rows in sorted(rows_by_step(run).items()):
        origins = [r["origin"] for r in rows]
        assert len(rows) == 4
        if full:
            assert (origins.count("replayed"), origins.count("edited")) == (replayed, edited)
        else:
            assert set(origins) == {"drawn"}
        for r in rows:
            if r["origin"] == "replayed":
                assert r["level"] in live
            if r["origin"] == "edited":
                assert r["parent"] in live and all(e in EDITS for e in r["edits"].split("+"))
                if r["kept"] == "True":
                    assert float(r["regret"]) > regret[r["parent"]]  # the parent's regret before this step
        for r in rows:
            regret[r["level"]] = float(r["regret"])
            if r["kept"] == "True":
                live.add(r["level"])
        live = {lv for lv in live if lv in regret}
        full = full or len({r["level"] for s in rows_by_step(run).values() for r in s if r["kept"] == "True"
                            and int(r["step"]) <= step}) >= 4
    assert full and any(r["origin"] == "edited" for s in rows_by_step(run).values() for r in s) == bool(edited)


@pytest.mark.slow
@pytest.mark.parametrize("source", ["plr", "accel"])
def test_same_seed_same_bytes_in_process_on_dask_and_after_a_resume(world_file, tmp_path, source):
    argv = ["evolve", str(world_file), *SMALL, "--seeds", "2", "--source", source]
    assert main([*argv, "--out", str(tmp_path / "a")]) == 0
    assert main([*argv, "--workers", "2", "--out", str(tmp_path / "b")]) == 0
    for name in ("replay.csv", "generations.csv", "agents.npz"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name

    world = load_world(world_file)
    settings = GASettings(population=20, generations=12, mazes=4, log_every=6)
    resumes_like_whole(world, lambda: LevelReplay(world, [0], 4, source == "accel"), settings, 6,
                       tmp_path / "seed-0.npz", every=3, stop=7)  # stopped with a full buffer, between checkpoints


@pytest.mark.parametrize("argv, says", [
    (["--source", "regret"], "--source: 'regret' is not one of: world, adversary, plr, accel"),
    (["--source", "plr", "--adversary"], "--adversary: is --source adversary; it cannot go with --source plr"),
    (["--source", "plr", "--mazes", "1", "--world-change", "share = 0.0"],
     "[replay] share: 0 of --mazes 1 training mazes per step replays no maze"),
])
def test_source_mistakes_are_one_line_before_any_compute(tmp_path, capsys, argv, says):
    world = tmp_path / "w.toml"
    raw = tomllib.loads(Path(TRAIN).read_text())
    if "--world-change" in argv:
        raw["replay"] = {"share": 0.0, "edited": 0.0}
        argv = argv[:argv.index("--world-change")]
    world.write_text(tomli_w.dumps(raw))
    assert main(["evolve", str(world), "--mind", "planner", *argv, "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert says in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "r").exists()


def test_source_is_a_sweep_axis(tmp_path, capsys):
    path = tmp_path / "src.toml"
    head = (f'[sweep]\ntrain = "{TRAIN}"\ndeploy = ["{TRAIN}"]\narms = ["ga/planner"]\nseeds = 1\n'
            'budgets = { planner = 3200 }\n[sweep.axes]\n')
    path.write_text(head + 'source = ["world", "plr", "accel"]\n')
    cells = Experiment.load(path).cells
    assert [(c.name, c.world_source, c.values["source"]) for c in cells] == [
        ("ga-planner_source-world", "world", "world"), ("ga-planner_source-plr", "plr", "plr"),
        ("ga-planner_source-accel", "accel", "accel")]
    for axes, says in (('source = ["nope"]', "sweep.axes.source: must be a list of world, adversary, plr, accel"),
                       ('source = ["plr"]\nadversary = [true]', "adversary and source both set")):
        path.write_text(head + axes + "\n")
        with pytest.raises(Exception, match=says.replace("[", r"\[")):
            Experiment.load(path)
