"""Adversarial training: valid proposals, the same bytes in process, on Dask and after a resume,
one-line mistakes, the sweep axis, the report, and the direction of its effect on the colour proxy."""
from pathlib import Path

import numpy as np
import pytest

from evosim.runs import rundir
from evosim.training.adversary import AdversarialWorlds
from evosim.commands.cli import main
from evosim.core.features import APPLE, COLOR_NAMES, EXIT
from evosim.optimizers.ga import GASettings
from evosim.studies.sweep import Experiment, run_cell
from evosim.worlds import load_world
from evosim.worlds.maze.adversary_table import Parameters
from evosim.worlds.maze.generator import region_tile
from evosim.worlds.maze.graph import MazeGraph
from evosim.worlds.maze.world import PLACEMENTS

from helpers import TRAIN, resumes_like_whole

SMALL = ["--mind", "planner", "--population", "30", "--generations", "6", "--mazes", "4", "--log-every", "3"]


def final_p_goal(run: Path) -> float:
    """The colour probe's p_goal at the last step, mean over seeds."""
    rows = rundir.read_csv(run / "generations.csv")
    last = max(int(r["step"]) for r in rows)
    return float(np.mean([float(r["p_goal:color:green"]) for r in rows if int(r["step"]) == last]))


def test_every_proposal_is_a_connected_maze_with_one_exit_as_proposed(train_world):
    parameters = Parameters.of(train_world, train_world.adversary, PLACEMENTS)
    assert parameters.names == ("exit_color", "exit_position", "objects.0.color", "objects.0.count")
    assert "top-left" not in parameters.choices[1]  # the start's corner is never the exit's
    rng = np.random.default_rng(3)
    for _ in range(150):
        genome = [int(rng.integers(len(c))) for c in parameters.choices]
        v = parameters.values(genome)
        maze = parameters.proposal(genome).sample(rng, 1)[0]
        shapes, colors = maze.objects[:, 3], maze.objects[:, 2]
        assert (shapes == EXIT).sum() == 1 and colors[shapes == EXIT][0] == COLOR_NAMES.index(v["exit_color"])
        apples = shapes == APPLE
        assert apples.sum() == v["objects.0.count"]
        assert (colors[apples] == COLOR_NAMES.index(v["objects.0.color"])).all()
        exit_tile = tuple(maze.objects[shapes == EXIT][0, :2])
        if v["exit_position"] != "random":
            assert exit_tile == region_tile(v["exit_position"], maze.walls.shape[0])
        graph = MazeGraph.of(maze.walls)
        assert graph.distances_from([graph.index[maze.start]])[0, graph.index[exit_tile]] >= 0  # reachable


@pytest.mark.slow
def test_the_adversary_evolves_towards_failure_and_writes_a_tidy_table(tmp_path):
    run = tmp_path / "r"
    assert main(["evolve", TRAIN, *SMALL, "--adversary", "--out", str(run)]) == 0
    rows = rundir.read_csv(run / "adversary.csv")
    assert list(rows[0]) == ["optimizer", "mind", "seed", "step", "episodes", "adversary_generation", "proposal",
                             "exit_color", "exit_position", "objects.0.color", "objects.0.count", "failure_rate"]
    assert len(rows) == 7 * 4  # every step, the adversary's share (all) of the 4 mazes
    assert rundir.load_run(run)["settings"]["source"] == "adversary"
    assert not (tmp_path / "plain").exists() and main(["evolve", TRAIN, *SMALL, "--out", str(tmp_path / "plain")]) == 0
    assert not (tmp_path / "plain" / "adversary.csv").exists()
    # a generation is 12 proposals, 3 steps of 4: the best of each is carried into the next and tried again
    by_gen = {}
    for r in rows:
        by_gen.setdefault(int(r["adversary_generation"]), []).append(r)
    assert sorted(by_gen) == [0, 1, 2] and len(by_gen[0]) == len(by_gen[1]) == 12
    params = ("exit_color", "exit_position", "objects.0.color", "objects.0.count")
    best = max(by_gen[0], key=lambda r: float(r["failure_rate"]))
    assert tuple(by_gen[1][0][p] for p in params) == tuple(best[p] for p in params)


@pytest.mark.slow
def test_same_seed_same_bytes_in_process_on_dask_and_after_a_resume(tmp_path):
    argv = ["evolve", TRAIN, *SMALL, "--seeds", "2", "--adversary"]
    assert main([*argv, "--out", str(tmp_path / "a")]) == 0
    assert main([*argv, "--workers", "2", "--out", str(tmp_path / "b")]) == 0
    for name in ("adversary.csv", "generations.csv", "agents.npz"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name

    world = load_world(TRAIN)
    settings = GASettings(population=30, generations=6, mazes=4, log_every=3)
    resumes_like_whole(world, lambda: AdversarialWorlds(world, [0], 4), settings, 3, tmp_path / "seed-0.npz",
                       every=2, stop=4)  # stopped in the adversary's second generation


@pytest.mark.parametrize("table, says", [
    ("share = 0.1", "[adversary] share: 0.1 of --mazes 4 training mazes per step is not one maze"),
    ("sharing = 0.5", "[adversary] sharing: unknown key"),
    ('features = ["exit_size"]', "'exit_size' is not one of: exit_color, exit_position, apple_colors"),
    ("population = 1", "[adversary] population"),
])
def test_adversary_mistakes_are_one_line_before_any_compute(tmp_path, capsys, table, says):
    world = tmp_path / "w.toml"
    text = Path(TRAIN).read_text()
    world.write_text(text[:text.index("[adversary]")] + "[adversary]\n" + table + "\n")
    capsys.readouterr()
    assert main(["evolve", str(world), *SMALL, "--adversary", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert says in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists()


def test_apple_features_need_objects(tmp_path, capsys):
    text = Path(TRAIN).read_text()
    world = tmp_path / "bare.toml"
    world.write_text(text[:text.index("[[objects]]")] + text[text.index("[objective]"):])
    assert main(["evolve", str(world), *SMALL, "--adversary", "--out", str(tmp_path / "r")]) == 2
    assert "'apple_colors' needs [[objects]] in the world file" in capsys.readouterr().err


@pytest.mark.slow
def test_adversary_is_a_sweep_axis_and_the_reports_draw_it(tmp_path, capsys):
    path = tmp_path / "adv.toml"
    path.write_text('[sweep]\ntrain = "maze_train.toml"\ndeploy = ["maze_deploy.toml"]\narms = ["ga/planner"]\n'
                    'seeds = 1\nepisodes = 2\nbudgets = { planner = 3200 }\n[sweep.axes]\nadversary = [false, true]\n')
    experiment = Experiment.load(path)
    assert [(c.name, c.adversary) for c in experiment.cells] == [("ga-planner_adversary-false", False),
                                                                  ("ga-planner_adversary-true", True)]
    out = tmp_path / "sweep"
    rows = [run_cell(experiment, cell, out)[0] for cell in experiment.cells]
    assert [r["adversary"] for r in rows] == [False, True]
    cells = [out / r["run"] for r in rows]
    assert not (cells[0] / "adversary.csv").exists() and (cells[1] / "adversary.csv").exists()
    rundir.write_csv(out / "sweep.csv", rows)
    assert main(["report", str(out)]) == 0
    assert "| ga/planner | with |" in (out / "report" / "report.md").read_text()
    assert main(["report", str(cells[1])]) == 0
    report = cells[1] / "report"
    assert (report / "adversary.png").stat().st_size > 10_000
    assert "![What the adversary proposed](adversary.png)" in (report / "report.md").read_text()

    path.write_text(path.read_text().replace("[false, true]", '["yes"]'))
    capsys.readouterr()
    assert main(["sweep", str(path), "--out", str(tmp_path / "bad")]) == 2
    assert "sweep.axes.adversary: must be a list of true and false" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [
    ["evolve", TRAIN, "--mind", "planner", "--population", "100", "--generations", "25", "--mazes", "4",
     "--seeds", "3", "--log-every", "25"],
    ["train", TRAIN, "--mind", "planner", "--seeds", "2", "--seed", "3"],
])
@pytest.mark.slow
def test_the_adversary_moves_planners_off_the_colour_proxy(tmp_path, argv):
    """Fixed seeds: the colour probe's p_goal is higher after training against an adversary."""
    assert main([*argv, "--out", str(tmp_path / "plain")]) == 0
    assert main([*argv, "--adversary", "--out", str(tmp_path / "adversary")]) == 0
    plain, adversarial = final_p_goal(tmp_path / "plain"), final_p_goal(tmp_path / "adversary")
    assert adversarial > plain + 0.15, (plain, adversarial)
