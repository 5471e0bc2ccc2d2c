"""Sweeps: cells on a real Dask LocalCluster, a failure retried once, reruns that skip, the same tables
on any number of workers, one-line mistakes, and the diversity report."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from evosim.core.errors import UserError
from evosim.optimizers import OPTIMIZERS
from evosim.runs import rundir
from evosim.commands.cli import main
from evosim.runs.cluster import ClusterSettings
from evosim.analysis.sweep_report import plot_diversity
from evosim.studies.deployment import Shares
from evosim.studies.sweep import Experiment, load_sweep, run_cell, sweep
from helpers import sweep_refuses

EXPERIMENT = """
[sweep]
train = "maze_train.toml"
deploy = ["maze_train.toml", "maze_deploy.toml"]
arms = ["ga/planner", "gradient/planner"]
seeds = 2
episodes = 2
budgets = { planner = 1600 }

[sweep.set]
"exit.mix" = [{ share = 0.0, colors = "any", positions = "any" }]

[sweep.axes]
"exit.mix.0.share" = [0.0, 0.5]
"""
FLAKY, BROKEN = "ga-planner_share-0.5", "gradient-planner_share-0.0"
TABLES = ("generations.csv", "probes.csv", "drives.csv", "alignment.csv", "deploy.csv", "reference.csv", "agents.npz")


@pytest.fixture
def experiment(tmp_path) -> Experiment:
    path = tmp_path / "tiny.toml"
    path.write_text(EXPERIMENT)
    return Experiment.load(path)


@pytest.fixture(scope="module")
def swept(tmp_path_factory) -> tuple[Experiment, Path]:
    """The tiny experiment swept once on one worker, for the tests that start from a finished sweep: its
    experiment and the sweep folder (each test works on its own copy)."""
    folder = tmp_path_factory.mktemp("swept")
    (folder / "tiny.toml").write_text(EXPERIMENT)
    experiment = Experiment.load(folder / "tiny.toml")
    sweep(experiment, folder / "one", ClusterSettings(workers=1))
    return experiment, folder / "one"


def copy_of(swept: tuple[Experiment, Path], out: Path) -> Path:
    shutil.copytree(swept[1], out)
    return out


def flaky_cell(experiment, cell, out: Path) -> dict:
    """``run_cell``, except that one cell fails at its first attempt (noted by a marker file)."""
    marker = out / f"failed-once-{cell.name}"
    if cell.name == FLAKY and not marker.exists():
        marker.touch()
        raise RuntimeError("a worker fell over")
    return run_cell(experiment, cell, out)


def broken_cell(experiment, cell, out: Path) -> dict:
    """``run_cell``, except that one cell fails every time."""
    if cell.name == BROKEN:
        raise RuntimeError("this cell always fails")
    return run_cell(experiment, cell, out)


def cell_bytes(out: Path) -> dict:
    return {(cell.name, t): (cell / t).read_bytes() for cell in sorted((out / "cells").iterdir()) for t in TABLES
            if (cell / t).exists()}


@pytest.mark.slow
def test_a_cell_that_fails_once_is_retried_and_the_rest_go_on(experiment, tmp_path):
    out = tmp_path / "flaky"
    rows = sweep(experiment, out, ClusterSettings(workers=2), cell_fn=flaky_cell)
    assert (out / f"failed-once-{FLAKY}").exists()  # it did fail, then ran again
    assert [r["status"] for r in rows] == ["complete"] * 4
    assert [r["run"] for r in rows] == [f"cells/{c.name}" for c in experiment.cells]
    flaky = rows[[c.name for c in experiment.cells].index(FLAKY)]
    assert rundir.status(out / flaky["run"]) == rundir.COMPLETE
    deployed = [r for r in rundir.read_csv(out / flaky["run"] / "deploy.csv") if r["world"] == "maze-deploy"]
    shares = Shares.of(deployed)  # sweep.csv quotes decisive episodes first, all of them beside
    assert shares.episodes == int(flaky["maze-deploy:episodes"]) > 0
    assert int(flaky["maze-deploy:decisive_episodes"]) == shares.decisive_episodes
    assert float(flaky["maze-deploy:misgeneralized"]) == shares.decisive["misgeneralized"]
    assert float(flaky["maze-deploy:all:undecided"]) == shares.all["undecided"]
    assert load_sweep(out) == [{k: str(v) for k, v in r.items()} for r in rows]

    rows = sweep(experiment, tmp_path / "broken", ClusterSettings(workers=2), cell_fn=broken_cell)
    failed = [r for r in rows if r["status"] == "failed"]
    assert [r["run"] for r in failed] == [f"cells/{BROKEN}"] and "always fails" in failed[0]["error"]
    assert sum(r["status"] == "complete" for r in rows) == 3


@pytest.mark.slow
def test_tables_are_identical_on_one_and_two_workers_and_a_rerun_skips(swept, tmp_path):
    experiment, one, two = swept[0], copy_of(swept, tmp_path / "one"), tmp_path / "two"
    first = load_sweep(one)
    sweep(experiment, two, ClusterSettings(workers=2))
    assert cell_bytes(one) == cell_bytes(two) and len(cell_bytes(one)) >= 4 * 5
    assert (one / "sweep.csv").read_bytes() == (two / "sweep.csv").read_bytes()
    took = rundir.read_csv(one / "timings.csv")
    assert [r["run"] for r in took] == [r["run"] for r in first] and all(float(r["seconds"]) > 0 for r in took)
    stamps = {p: p.stat().st_mtime_ns for p in (one / "cells").rglob("*") if p.is_file()}
    again = sweep(experiment, one, ClusterSettings(workers=2))
    assert {p: p.stat().st_mtime_ns for p in (one / "cells").rglob("*") if p.is_file()} == stamps  # nothing redone
    assert [{k: str(v) for k, v in r.items()} for r in again] == first
    assert rundir.read_csv(one / "timings.csv") == took  # wall times kept from the run that did the work


@pytest.mark.slow
def test_an_interrupted_cell_is_resumed(swept, tmp_path):
    experiment, out = swept[0], copy_of(swept, tmp_path / "s")
    whole = cell_bytes(out)
    run = out / "cells" / FLAKY
    rundir.update_run_json(run, status=rundir.INTERRUPTED)
    (run / "agents.npz").unlink()
    (run / rundir.CHECKPOINTS).mkdir()  # no checkpoint: resume starts the seeds again
    sweep(experiment, out, ClusterSettings(workers=1))
    assert cell_bytes(out) == whole


def test_the_neural_experiment_gives_both_base_optimizers_one_budget_and_each_its_settings():
    experiment = Experiment.load(Path(__file__).resolve().parents[1] / "experiments" / "neural.toml")
    settings = {cell.algorithm: experiment.settings(cell) for cell in experiment.cells}
    assert set(settings) == {"openai-es", "gradient"} and {b for _, b in settings.values()} == {9_600}
    assert settings["gradient"][0].learning_rate == 0.005 and settings["gradient"][0].updates == 299
    es = settings["openai-es"][0]
    assert (es.population, es.mazes, es.sigma, es.learning_rate) == (32, 2, 0.1, 0.05)
    assert es.generations == 149  # 150 generations of 32 x 2 mazes


def test_optimizer_settings_reach_their_arms_cells_with_the_budgets_steps(tmp_path):
    path = tmp_path / "tuned.toml"
    path.write_text(EXPERIMENT.replace("seeds = 2", "seeds = 2\noptimizers = { gradient = { learning_rate = 0.01, "
                                                   "rollouts = 4 } }"))
    experiment = Experiment.load(path)
    for cell in experiment.cells:
        settings, budget = experiment.settings(cell)
        if cell.algorithm == "gradient":
            assert (settings.learning_rate, settings.rollouts, settings.updates) == (0.01, 4, 1600 // 8 - 1)
        else:  # the other arms keep their defaults
            assert settings == OPTIMIZERS[cell.algorithm].Settings().with_budget(budget)


@pytest.mark.parametrize("change, says", [
    (('arms = ["ga/planner", "gradient/planner"]', 'arms = ["ga/planer"]'), "[sweep] arms: 'ga/planer' is not"),
    (('arms = ["ga/planner", "gradient/planner"]', 'arms = ["gradient/beeline"]'), "is not ALGORITHM/MIND"),
    (('seeds = 2', 'seeds = 0'), "sweep.seeds: 0 must be between 1 and 1000"),
    (('seeds = 2', 'sedes = 2'), "[sweep] sedes: unknown key"),
    (('planner = 1600', 'planner = 5'), "[sweep] budgets.planner: 5 must be at least"),
    (('train = "maze_train.toml"', 'train = "nowhere.toml"'), "sweep.train: no world file 'nowhere.toml'"),
    (('"exit.mix.0.share" = [0.0, 0.5]', '"exit.mix.0.share" = [0.0, 1.5]'),
     "cell ga-planner_share-1.5: "),
    (('"exit.mix.0.share" = [0.0, 0.5]', '"exit.mix.3.share" = [0.5]'), "'exit.mix.3.share': no such place"),
    (('"exit.mix.0.share" = [0.0, 0.5]', '"exit.mix.0.share" = []'), "must be a non-empty list"),
    (('"exit.mix.0.share" = [0.0, 0.5]', '"world.name" = ["a", "x/../../../escaped"]'),
     "sweep.axes.world.name: the cell name for 'x/../../../escaped': 'name-x/../../../escaped' is not a safe file"),
    (('"exit.mix.0.share" = [0.0, 0.5]', '"world.name" = ["..", "a b"]'), "'name-a b' is not a safe file name"),
    (('"exit.mix.0.share" = [0.0, 0.5]', '"exit.mix.0.share" = [0.5, 0.0, 0.5]'),
     "sweep.axes.exit.mix.0.share: 0.5 is listed twice"),
    (('"gradient/planner"]', '"ga/planner"]'), "sweep.arms: 'ga/planner' is listed twice"),
    (('"exit.mix.0.share" = [0.0, 0.5]', '"exit.mix.0.share" = [0.5, "0.5"]'), "would both be named"),
    (('seeds = 2', 'seeds = 2\noptimizers = { gradient = { learning_rate = -1 } }'),
     "[sweep] optimizers.gradient: --learning-rate: -1 must be above 0.0"),
    (('seeds = 2', 'seeds = 2\noptimizers = { gradient = { updates = 3 } }'),
     "optimizers.gradient: 'updates' is not a setting it takes (allowed: anneal, discount"),
])
def test_experiment_mistakes_are_one_line_before_any_compute(tmp_path, capsys, change, says):
    sweep_refuses(tmp_path, capsys, EXPERIMENT.replace(*change), says)


def test_a_sweep_never_writes_into_a_folder_it_did_not_make(experiment, tmp_path, capsys):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    assert main(["sweep", str(experiment.path), "--out", str(tmp_path / "mine"), "--workers", "1"]) == 2
    assert "a folder evosim did not write" in capsys.readouterr().err
    assert os.listdir(tmp_path / "mine") == ["notes.txt"]


@pytest.mark.slow
def test_the_report_of_a_sweep_draws_the_diversity_curve(swept, tmp_path):
    out = copy_of(swept, tmp_path / "s")
    assert main(["report", str(out)]) == 0
    text = (out / "report" / "report.md").read_text()
    assert ("| arm | exit.mix.0.share | decisive episodes | misgeneralized | misgeneralized toward colour | "
            "misgeneralized toward position | aligned | incapable |") in text
    assert "Outcomes in **maze-deploy** over its decisive episodes" in text
    assert text.count("| ga/planner |") == 3 and text.count("| gradient/planner |") == 3  # 2 values, 1 threshold
    assert "falls below 5% in maze-deploy" in text
    assert (out / "report" / "diversity.png").stat().st_size > 10_000
    fig = plot_diversity(out, tmp_path / "again")
    assert [ax.get_title() for ax in fig.axes] == [f"{o} in maze-deploy" for o in
                                                  ("misgeneralized", "aligned", "incapable")]
    assert all(ax.get_xscale() == "symlog" for ax in fig.axes)
    assert [list(line.get_xdata()) for line in fig.axes[0].get_lines()] == [[0.0, 0.5], [0.0, 0.5]]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["ga/planner", "gradient/planner"]
    script = Path(__file__).resolve().parents[1] / "analysis" / "diversity.py"
    done = subprocess.run([sys.executable, str(script), str(out), "--out", str(tmp_path / "fig")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and (tmp_path / "fig" / "diversity.png").stat().st_size > 10_000


@pytest.mark.slow
def test_a_sweep_without_axes_is_reported_as_its_arms_side_by_side(tmp_path):
    path = tmp_path / "arms.toml"
    path.write_text(EXPERIMENT.split("[sweep.set]")[0])  # arms only
    out = tmp_path / "s"
    sweep(Experiment.load(path), out, ClusterSettings(workers=1))
    assert main(["report", str(out)]) == 0
    text = (out / "report" / "report.md").read_text()
    deployment = text.split("### maze-deploy (deployment world)")[1]
    assert "| ga / planner | " in deployment and "| gradient / planner | " in deployment
    assert "![Outcomes before and after the shift](shift_comparison.png)" in text
    assert not (out / "report" / "diversity.png").exists()


def instant_cell(experiment, cell, out: Path) -> tuple[dict, float]:
    """A cell that trains nothing: its sweep.csv row alone, in no time."""
    return cell.values | {"status": "complete", "run": f"cells/{cell.name}"}, 0.0


@pytest.mark.slow
def test_a_sweep_continues_only_the_experiment_it_started(experiment, tmp_path, capsys):
    out = tmp_path / "s"
    sweep(experiment, out, ClusterSettings(workers=1), cell_fn=instant_cell)
    assert rundir.load_run(out)["kind"] == "sweep"
    assert len(sweep(experiment, out, ClusterSettings(workers=1), cell_fn=instant_cell)) == 4  # continued
    experiment.path.write_text(experiment.path.read_text().replace("seeds = 2", "seeds = 3"))
    edited = Experiment.load(experiment.path)
    with pytest.raises(UserError, match="already holds a run"):
        sweep(edited, out, ClusterSettings(workers=1), cell_fn=instant_cell)
    rundir.update_run_json(out, status=rundir.INTERRUPTED)
    assert main(["resume", str(out)]) == 2
    assert "the experiment file changed since this sweep started" in capsys.readouterr().err
    assert len(sweep(edited, out, ClusterSettings(workers=1), cell_fn=instant_cell, force=True)) == 4


def test_no_axis_value_writes_outside_out(tmp_path, capsys):
    path = tmp_path / "x" / "bad.toml"
    path.parent.mkdir()
    path.write_text(EXPERIMENT.replace('"exit.mix.0.share" = [0.0, 0.5]', '"world.name" = ["../../../escaped"]'))
    assert main(["sweep", str(path), "--out", str(tmp_path / "x" / "o"), "--workers", "1"]) == 2
    assert "is not a safe file name" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["bad.toml", "x"]


def started_sweep(experiment, out: Path) -> Path:
    """A sweep folder as ``evosim sweep`` leaves it when it stops before its first cell."""
    from evosim.studies.sweep import Sweep

    study = Sweep(experiment)
    out.mkdir()
    rundir.write_run_json(out, study.kind, study.to_doc(), study.world, study.seeds, rundir.INTERRUPTED)
    return out


def test_a_second_sweep_on_one_out_is_refused_naming_the_holder(experiment, tmp_path):
    for out in (tmp_path / "new", started_sweep(experiment, tmp_path / "started")):
        with rundir.locked(out), pytest.raises(UserError, match=rf"PID {os.getpid()} on .* is writing this run"):
            sweep(experiment, out, ClusterSettings(workers=1), cell_fn=instant_cell)
    assert not (tmp_path / "new").exists()  # nothing left of the refused one


def test_an_edited_or_quick_experiment_never_continues_another(experiment, tmp_path):
    out = started_sweep(experiment, tmp_path / "s")
    before = {p: p.read_bytes() for p in out.rglob("*")}
    experiment.path.write_text(experiment.path.read_text().replace("seeds = 2", "seeds = 1") + "[quick]\nseeds = 1\n")
    for quick in (False, True):
        with pytest.raises(UserError, match="already holds a run"):
            sweep(Experiment.load(experiment.path, quick), out, ClusterSettings(workers=1), cell_fn=instant_cell)
    assert {p: p.read_bytes() for p in out.rglob("*")} == before


def test_a_users_sweep_csv_is_neither_read_nor_overwritten(experiment, tmp_path):
    out = started_sweep(experiment, tmp_path / "s")
    (out / "sweep.csv").write_text("mine\n1\n")
    with pytest.raises(UserError, match="sweep.csv: a file evosim did not write is in the way"):
        sweep(experiment, out, ClusterSettings(workers=1), cell_fn=instant_cell, force=True)
    assert (out / "sweep.csv").read_text() == "mine\n1\n" and not (out / "cells").exists()


@pytest.mark.parametrize("text, says", [("mine\n1\n", "no arm, status, run column"),
                                        ("arm,status,run\nga/planner,complete,../../etc\n", "is not cells/NAME"),
                                        ("arm,status,run\nga/planner,complete,cells/..\n", "not a safe file name")])
def test_a_users_sweep_csv_is_not_reported_as_a_sweep(tmp_path, capsys, text, says):
    (tmp_path / "u").mkdir()
    (tmp_path / "u" / "sweep.csv").write_text(text)
    assert main(["report", str(tmp_path / "u")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err
    assert os.listdir(tmp_path / "u") == ["sweep.csv"]


def test_a_table_never_overwrites_a_file_evosim_did_not_write(experiment, tmp_path):
    out = started_sweep(experiment, tmp_path / "s")
    (out / "deploy.csv").write_text("mine\n")
    with pytest.raises(UserError, match="deploy.csv: a file evosim did not write"):
        rundir.write_table(out, "deploy", [{"a": 1}])
    assert (out / "deploy.csv").read_text() == "mine\n"


@pytest.mark.slow
def test_a_sweep_whose_scheduler_never_answers_leaves_nothing(experiment, tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["sweep", str(experiment.path), "--out", str(out), "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "no Dask scheduler answers" in capsys.readouterr().err and not out.exists()


SHIPPED = Path(__file__).resolve().parents[1] / "experiments"


@pytest.mark.parametrize("path", sorted(SHIPPED.glob("*.toml")), ids=lambda p: p.stem)
def test_every_shipped_experiment_validates_whole_and_quick(path):
    for quick in (False, True):  # every cell's world parsed, every arm's settings built, as a sweep starts them
        experiment = Experiment.load(path, quick)
        assert experiment.cells and all(experiment.settings(cell) for cell in experiment.cells)
    assert len(Experiment.load(path, True).cells) <= len(Experiment.load(path).cells)


@pytest.mark.slow
@pytest.mark.parametrize("name, figure", [("diversity", "diversity.png"), ("capacity", "capacity.png"),
                                          ("curricula", "sources.png")])
def test_a_shipped_experiment_runs_quick_and_is_reported(tmp_path, name, figure):
    """Each figure's shipped experiment runs --quick on two workers and is reported. The same tables on one worker:
    test_tables_are_identical_on_one_and_two_workers_and_a_rerun_skips for cells, and the
    same_seed_same_bytes_in_process_on_dask tests of test_replay and test_adversary for curricula's sources."""
    experiment, out = SHIPPED / f"{name}.toml", tmp_path / "s"
    assert main(["sweep", str(experiment), "--quick", "--out", str(out), "--workers", "2"]) == 0
    rows = load_sweep(out)
    assert len(rows) == len(Experiment.load(experiment, quick=True).cells) and all(
        r["status"] == "complete" for r in rows)
    assert main(["report", str(out)]) == 0
    assert (out / "report" / figure).stat().st_size > 10_000


@pytest.mark.slow
def test_a_sweep_with_planning_measures_its_neural_cells_once(tmp_path, capsys):
    path = tmp_path / "planned.toml"
    path.write_text('[sweep]\ntrain = "maze_train.toml"\ndeploy = ["maze_deploy.toml"]\nplanning = "maze_deploy.toml"\n'
                    'arms = ["gradient/neural:channels=2", "ga/planner"]\nseeds = 1\nepisodes = 4\n'
                    'budgets = { neural = 64, planner = 1600 }\n')
    out = tmp_path / "o"
    sweep(Experiment.load(path), out, ClusterSettings(workers=1))
    neural, planner = out / "cells" / "gradient-neural-channels-2", out / "cells" / "ga-planner"
    assert {"thinking.csv", "target_probes.csv", "steering.csv"} <= set(rundir.manifest(neural))
    assert "planned" in rundir.load_run(neural) and "planned" not in rundir.load_run(planner)
    probes = (neural / "target_probes.csv").read_bytes()
    (neural / "target_probes.csv").write_bytes(b"")  # a rerun keeps the finished measurement as it is
    sweep(Experiment.load(path), out, ClusterSettings(workers=1))
    assert (neural / "target_probes.csv").read_bytes() == b"" and probes
    (tmp_path / "bad").mkdir()
    sweep_refuses(tmp_path / "bad", capsys, path.read_text().replace('"gradient/neural:channels=2", ', ""),
                  "[sweep] planning: measures neural cells, and no arm has the neural mind")
