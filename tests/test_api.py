"""The Python API: runs made from Python are the runs the commands make, loaded objects read the run's own files,
sweep folders index their cells, mistakes are one line naming the path, figures draw into the caller's axes."""
import json
import shutil
import subprocess
import sys

import pandas as pd
import pytest
from matplotlib.figure import Figure

import evosim
from evosim import api
from evosim.commands.cli import main
from evosim.core.errors import UserError
from evosim.runs import rundir
from helpers import DEPLOY, ROOT, TRAIN

SMALL = {"seeds": 2, "episodes_budget": 320}  # two gradient learners, ten updates each: about a second


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> api.RunDirectory:
    """A real small run made through the API: trained, then deployed in maze_deploy."""
    made = evosim.train(TRAIN, tmp_path_factory.mktemp("api") / "run", mind="planner", **SMALL)
    return evosim.deploy(made, DEPLOY, episodes=8)


def test_a_loaded_run_is_its_run_json_and_its_csvs(run):
    loaded = evosim.load(run.path)
    doc = json.loads((run.path / "run.json").read_text())
    assert type(loaded) is api.RunDirectory and loaded.kind == doc["kind"] == "maze-training"
    assert loaded.status == "complete" and loaded.settings == doc["settings"] and loaded.doc == doc
    assert loaded.world.name == "maze-train" and loaded.agents.params.shape[0] == 2
    csvs = sorted(p.stem for p in run.path.glob("*.csv"))
    assert sorted(loaded.tables) == csvs and "deploy" in csvs and "generations" in csvs
    for name in csvs:
        assert loaded.tables[name].equals(pd.read_csv(run.path / f"{name}.csv"))
    assert len(loaded.table("deploy")) == 2 * 8 and set(loaded.table("deploy")["world"]) == {"maze-deploy"}


def test_tables_are_read_when_asked_and_again_once_their_file_changed(run, tmp_path):
    loaded = evosim.load(shutil.copytree(run.path, tmp_path / "copy"))
    before = loaded.table("deploy")
    before["outcome"] = "changed by the caller"  # a copy: the run's table is untouched
    assert (loaded.table("deploy")["outcome"] != "changed by the caller").all()
    evosim.deploy(loaded, TRAIN, episodes=4)  # the same object sees the rows the deployment added
    assert set(loaded.table("deploy")["world"]) == {"maze-deploy", "maze-train"}
    assert len(loaded.table("deploy")) == 2 * 8 + 2 * 4


def test_the_api_trains_the_same_bytes_as_the_command_and_records_its_call(run, tmp_path):
    assert main(["train", TRAIN, "--mind", "planner", "--seeds", "2", "--episodes-budget", "320",
                 "--out", str(tmp_path / "cli")]) == 0
    for name in ("generations.csv", "probes.csv", "drives.csv", "agents.npz"):
        assert (tmp_path / "cli" / name).read_bytes() == (run.path / name).read_bytes(), name
    assert json.loads((tmp_path / "cli" / "run.json").read_text())["settings"] == run.settings
    assert run.doc["command"].startswith("evosim.api.train(") and "episodes_budget=320" in run.doc["command"]


def test_resume_continues_an_interrupted_run_to_the_same_tables(run, tmp_path):
    cut = shutil.copytree(run.path, tmp_path / "cut")
    rundir.update_run_json(cut, status=rundir.INTERRUPTED)
    (cut / "generations.csv").unlink()
    resumed = evosim.resume(cut, workers=1)
    assert resumed.status == "complete" and resumed.table("generations").equals(run.table("generations"))


def test_a_figure_of_one_panel_draws_into_the_given_axes(run):
    fig = Figure()
    ax, other = fig.subplots(1, 2)
    assert evosim.plot("outcome_shares", run, ax=ax) is ax
    assert len(ax.patches) == 3 and ax.get_legend() is not None  # aligned, misgeneralized, incapable in maze-deploy
    assert not other.patches and not other.lines and not other.texts


def test_a_figure_of_several_panels_draws_into_the_given_subfigure(run):
    fig = Figure(layout="constrained")
    left, right = fig.subfigures(1, 2)
    assert evosim.plot("drive_tracking", run, fig=left) is left
    assert len(left.axes) == 2 and all(ax.lines for ax in left.axes)  # a panel per proxy of maze_train
    assert not right.axes
    assert set(api.figures()) == set(api.FIGURES) >= {"outcome_shares", "shift_comparison", "diversity"}


@pytest.mark.parametrize("call, says", [
    (lambda run: evosim.plot("drives", run, ax=Figure().subplots()), "plot: drives draws into a Figure"),
    (lambda run: evosim.plot("nope", run), "plot: 'nope' is not one of: outcome_shares"),
    (lambda run: evosim.plot("diversity", run), "a maze-training run; plot diversity draws sweep runs"),
    (lambda run: evosim.plot("drives", run, labels=["a", "b"]), "--label: 2 label(s) for 1 run(s)"),
    (lambda run: evosim.deploy(run, DEPLOY, episods=3), "--episods: no such setting of deploy; it takes: episodes"),
    (lambda run: evosim.deploy(run, run.path / "deploy.csv"), "deploy.csv: malformed TOML"),
])
def test_api_mistakes_are_one_line(run, call, says):
    with pytest.raises(UserError) as e:
        call(run)
    assert says in str(e.value) and "\n" not in str(e.value)


def test_a_path_that_is_no_run_is_one_line_naming_it(run, tmp_path):
    (tmp_path / "empty").mkdir()
    for path, says in ((tmp_path / "missing", "no such run directory"), (tmp_path / "empty", "not a run directory"),
                       (run.path / "deploy.csv", "no such run directory")):
        with pytest.raises(UserError) as e:
            evosim.load(path)
        assert str(e.value) == f"{path}: {says}" + (" (no run.json)" if "not a" in says else "")
    with pytest.raises(UserError, match=f"{run.path}: no adversary.csv; its tables: alignment, chance, deploy"):
        run.table("adversary")


def test_a_training_mistake_is_refused_before_anything_is_written(tmp_path):
    for settings, says in (({"population": 20}, "--population: applies to --algorithm ga, cma-es, openai-es, not gradient"),
                           ({"generation": 3}, "--generation: no such setting; gradient takes: adversary"),
                           ({"mind_options": {"hidden": 0}}, "mind options: hidden=0 is out of range")):
        with pytest.raises(UserError) as e:
            evosim.train(TRAIN, tmp_path / "never", mind="reflex" if "mind_options" in settings else "planner",
                         **settings)
        assert says in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(UserError, match="--algorithm: 'gradient' is not one of: ga, cma-es, openai-es"):
        evosim.evolve(TRAIN, tmp_path / "never", "gradient")
    assert not (tmp_path / "never").exists()


def test_a_sweep_folder_without_run_json_is_its_index_and_cells(run, tmp_path):
    folder = tmp_path / "sweep"
    shutil.copytree(run.path, folder / "cells" / "one")
    (folder / "sweep.csv").write_text("arm,status,run\ngradient/planner,complete,cells/one\n")
    loaded = evosim.load(folder)
    assert type(loaded) is api.SweepFolder and loaded.status is None and loaded.world is None
    assert loaded.index.equals(pd.read_csv(folder / "sweep.csv")) and list(loaded.tables) == ["sweep"]
    assert list(loaded.cells) == ["one"] and loaded.cells["one"].table("deploy").equals(run.table("deploy"))
    (folder / "sweep.csv").write_text("name,value\nmine,1\n")  # a user's table of that name
    with pytest.raises(UserError, match=f"{folder / 'sweep.csv'}: not the index evosim sweep writes"):
        evosim.load(folder)


SWEEP = """
[sweep]
train = "maze_train.toml"
deploy = ["maze_deploy.toml"]
arms = ["gradient/planner"]
seeds = 1
episodes = 2
budgets = { planner = 64 }

[sweep.axes]
"world.braid" = [0.0, 0.5]
"""


@pytest.mark.slow
def test_a_sweep_folder_indexes_its_cells(tmp_path):
    (tmp_path / "tiny.toml").write_text(SWEEP)
    folder = evosim.sweep(tmp_path / "tiny.toml", tmp_path / "sweep", workers=1)
    assert type(folder) is api.SweepFolder and folder.kind == "sweep" and folder.status == "complete"
    assert folder.index.equals(pd.read_csv(tmp_path / "sweep" / "sweep.csv"))
    assert list(folder.index["world.braid"]) == [0.0, 0.5] and set(folder.index["status"]) == {"complete"}
    names = [r.removeprefix("cells/") for r in folder.index["run"]]
    assert list(folder.cells) == names
    cell = folder.cells[names[1]]
    assert cell.kind == "maze-training" and cell.world.braid == 0.5 and len(cell.table("deploy")) == 2
    assert evosim.load(tmp_path / "sweep" / "cells" / names[0]).settings == folder.cell(names[0]).settings
    with pytest.raises(UserError, match=f"no cell 'nope' in sweep.csv; its cells: {names[0]}"):
        folder.cell("nope")
    assert all(ax.lines for ax in evosim.plot("diversity", folder).axes if ax.get_visible())


@pytest.mark.slow
def test_an_ecology_and_a_deception_evolution_run_from_python(tmp_path):
    eco = evosim.ecology(ROOT / "worlds" / "savanna.toml", tmp_path / "eco", ticks=60, log_every=20)
    assert eco.kind == "ecology" and set(eco.tables) == {"population", "meals", "drive_stats"}
    assert list(eco.table("population")["tick"].unique()) == [0, 20, 40, 60]
    assert len(evosim.plot("population_dynamics", eco).axes) == 6
    game = evosim.deception(ROOT / "worlds" / "deception.toml", tmp_path / "dec", seeds=2, generations=3,
                            population=10)
    assert game.kind == "deception-evolution" and set(game.table("deception_evolution")["seed"]) == {0, 1}
    fig = Figure()
    assert evosim.plot("deception_evolution", game, fig=fig) is fig and all(ax.lines for ax in fig.axes)
    with pytest.raises(UserError, match="--evolve: no such setting of deception"):
        evosim.deception(ROOT / "worlds" / "deception.toml", tmp_path / "never", evolve=False)


def test_import_evosim_stays_cheap_and_offers_the_api():
    code = "import sys, evosim; assert 'evosim.api' not in sys.modules and 'pandas' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
    assert evosim.load is api.load and evosim.plot is api.plot and "train" in dir(evosim)
