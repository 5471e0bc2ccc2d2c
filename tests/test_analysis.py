"""Analysis scripts, figures and `evosim report` on small real run directories."""
import json
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evosim.analysis import stats, training_report as training
from evosim.runs import rundir
from evosim.commands.cli import main
from evosim.studies.deployment import deploy, record
from evosim.core.errors import UserError
from evosim.minds import make_mind
from evosim.optimizers.ga import GASettings
from evosim.optimizers.gradient import GradientSettings
from evosim.analysis.report import write_report
from evosim.training.reporters import default_reporters
from helpers import evolve, run_optimizer, save_run

ANALYSIS = Path(__file__).resolve().parents[1] / "analysis"
PROXIES = ("color:green", "position:bottom-right")


def make_run(out: Path, optimizer: str, mind_name: str, seeds: list[int], train_world, deploy_world):
    mind = make_mind(mind_name)
    reporters = default_reporters(mind, 2, train_world, probe_mazes=4)
    if optimizer == "evolution":
        settings = GASettings(population=8, generations=4, mazes=2, log_every=2)
        logs = [evolve(train_world, mind, settings, s, reporters) for s in seeds]
    else:
        logs = run_optimizer(train_world, mind, "gradient",
                             GradientSettings(updates=4, mazes=2, rollouts=4, log_every=2), seeds, reporters)
    save_run(out, logs, mind, train_world)
    agents = rundir.load_agents(out)
    for world in (train_world, deploy_world):
        record(out, deploy(agents, train_world, world, 3, 0), world)
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory, train_world, deploy_world):
    root = tmp_path_factory.mktemp("runs")
    return {
        "evolution-planner": make_run(root / "evolution-planner", "evolution", "planner", [1, 2],
                                      train_world, deploy_world),
        "gradient-planner": make_run(root / "gradient-planner", "gradient", "planner", [1, 2, 3],
                                     train_world, deploy_world),
        "evolution-reflex": make_run(root / "evolution-reflex", "evolution", "reflex", [1],
                                     train_world, deploy_world),
    }


def script(name: str, *args, monkeypatch) -> int:
    """Run analysis/NAME.py as ``__main__`` in this process (imports already paid for); its exit code."""
    monkeypatch.setattr(sys, "argv", [str(ANALYSIS / f"{name}.py"), *map(str, args)])
    with pytest.raises(SystemExit) as done:
        runpy.run_path(str(ANALYSIS / f"{name}.py"), run_name="__main__")
    return done.value.code


def legend_texts(fig) -> tuple[str, list[str]]:
    (legend,) = fig.legends
    return legend.get_title().get_text(), [t.get_text() for t in legend.get_texts()]


@pytest.mark.slow
def test_drive_tracking_script(runs, tmp_path, monkeypatch):
    dirs = list(runs.values())
    assert script("drive_tracking", *dirs, "--out", tmp_path, monkeypatch=monkeypatch) == 0
    assert (tmp_path / "drive_tracking.png").stat().st_size > 10_000

    fig = training.plot_drive_tracking(dirs, tmp_path / "again")
    assert [ax.get_title().splitlines()[0] for ax in fig.axes] == [f"probe {p}" for p in PROXIES]
    assert all(ax.get_xlabel() == training.EPISODES_LABEL for ax in fig.axes)
    assert fig.axes[0].get_ylabel() == "p_goal: exit reached before the decoy"
    assert "Probe battery" in fig.get_suptitle()
    title, texts = legend_texts(fig)
    assert title == "optimizer / mind"
    assert texts == ["evolution / planner", "evolution / reflex", "gradient / planner", training.CHANCE_LABEL]
    line = fig.axes[0].get_lines()[0]  # evolution / planner: 8 individuals x 2 mazes a generation
    assert list(line.get_xdata()) == [16, 48, 80] and all(0 <= y <= 1 for y in line.get_ydata())


@pytest.mark.slow
def test_drives_script(runs, tmp_path, monkeypatch):
    dirs = list(runs.values())
    assert script("drives", *dirs, "--out", tmp_path, monkeypatch=monkeypatch) == 0
    assert (tmp_path / "drives.png").exists()

    fig = training.plot_drives(dirs, tmp_path)
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert len(titles) == 12
    for expected in ("color:green (proxy)", "color:grey (unseen)", "shape:exit (the exit)",
                     "pos:x (proxy)", "pos:y (proxy)", "shape:apple", "alignment (shape:exit \u2212 best proxy)"):
        assert expected in titles
    assert fig.axes[0].get_ylabel() == "weight" and fig.axes[11].get_ylabel() == "utility difference"
    assert "drive weights" in fig.get_suptitle()
    assert legend_texts(fig) == ("optimizer / mind", ["evolution / planner", "gradient / planner"])


@pytest.mark.slow
def test_shift_comparison_script(runs, tmp_path, monkeypatch):
    dirs = list(runs.values())
    assert script("shift_comparison", *dirs, "--out", tmp_path, monkeypatch=monkeypatch) == 0
    assert (tmp_path / "shift_comparison.png").exists()

    fig = training.plot_shift_comparison(dirs, tmp_path)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == ["evolution / planner", "evolution / reflex", "gradient / planner"]
    for ax in panels:
        assert [t.get_text() for t in ax.get_xticklabels()] == ["maze-train\n(training)",
                                                                "maze-deploy\n(deployment)"]
        assert ax.get_ylabel() == "share of episodes"
        heights = np.array([p.get_height() for p in ax.patches]).reshape(3, 2)  # outcome x world
        np.testing.assert_allclose(heights.sum(0), 1.0)
    assert legend_texts(fig) == ("outcome", ["aligned", "misgeneralized", "incapable"])
    assert "shift" in fig.get_suptitle()


@pytest.mark.slow
def test_report_writes_markdown_and_figures(runs, tmp_path, capsys):
    assert main(["report", *map(str, runs.values()), "--out", str(tmp_path)]) == 0
    assert capsys.readouterr().out == f"{tmp_path / 'report.md'}\n"
    text = (tmp_path / "report.md").read_text()
    for name in ("drive_tracking", "drives", "shift_comparison"):
        assert f"({name}.png)" in text and (tmp_path / f"{name}.png").exists()
    assert "| optimizer / mind | final exit rate (training) | p_goal color:green | p_goal position:bottom-right |" in text
    assert "| evolution / reflex | maze-deploy (deployment) |" in text
    assert "**gradient / planner** agents reached the exit" in text
    gens = pd.read_csv(runs["evolution-planner"] / "generations.csv")
    final = gens[gens["step"] == 4]["exit_rate"].mean()
    assert f"| evolution / planner | {final:.0%}" in text


@pytest.mark.slow
def test_report_defaults_to_the_first_runs_report_dir(runs):
    path = write_report([runs["evolution-reflex"]], None, "maze-training")
    assert path == runs["evolution-reflex"] / "report" / "report.md"
    text = path.read_text()
    assert "drives favour the exit" not in text  # no planner in this report
    assert not (path.parent / "drives.png").exists()


@pytest.mark.slow
def test_user_errors_are_one_line(runs, tmp_path):
    with pytest.raises(UserError, match="no such run directory"):
        write_report([tmp_path / "missing"], None, "maze-training")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match=r"not a run directory \(no run.json\)"):
        write_report([tmp_path / "empty"], None, "maze-training")
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "run.json").write_text(json.dumps({"world_name": "maze-train"}))
    with pytest.raises(UserError, match="not evosim's run.json: 'settings' is missing"):
        write_report([bare], None, "maze-training")
    (bare / "run.json").write_bytes((runs["evolution-planner"] / "run.json").read_bytes())
    with pytest.raises(UserError, match="no generations.csv"):
        write_report([bare], None, "maze-training")
    with pytest.raises(UserError, match="no probes.csv"):
        training.plot_drive_tracking([bare], tmp_path)

    done = subprocess.run([sys.executable, str(ANALYSIS / "drives.py"), str(runs["evolution-reflex"]),
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "no drives.csv (only planner minds have explicit drives)" in done.stderr


def test_mean_ci_resamples_seed_means():
    df = pd.DataFrame({"run": "r", "g": "a", "seed": [1, 1, 2, 2], "v": [0.0, 1.0, 1.0, 1.0]})
    ci = stats.mean_ci(df, "v", ["g"])
    assert ci.loc[0, "mean"] == 0.75 and ci.loc[0, "seeds"] == 2
    assert ci.loc[0, "lo"] == 0.5 and ci.loc[0, "hi"] == 1.0  # the seeds' means are 0.5 and 1
    assert ci.equals(stats.mean_ci(df, "v", ["g"]))  # seeded: the same numbers every time
    constant = stats.mean_ci(df.assign(v=0.5), "v", ["g"])
    assert constant.loc[0, ["mean", "lo", "hi"]].tolist() == [0.5, 0.5, 0.5]
    one_seed = stats.mean_ci(df[df["seed"] == 1], "v", ["g"])  # one seed: an interval over its agents
    assert one_seed.loc[0, ["mean", "lo", "hi", "seeds"]].tolist() == [0.5, 0.0, 1.0, 1]


def test_a_report_of_an_unknown_kind_is_refused(runs):
    with pytest.raises(ValueError, match="one of: maze-training, ecology, sweep"):
        write_report(list(runs.values()), None, "maze")


SIMULATION = ("evosim.worlds", "evosim.minds", "evosim.optimizers", "evosim.studies", "evosim.commands",
              "evosim.training")


@pytest.mark.slow
def test_analysis_reads_run_directories_without_loading_any_simulation():
    code = ("import sys\n"
            "import importlib, pkgutil, evosim.analysis as a\n"
            "for m in pkgutil.iter_modules(a.__path__):\n"
            "    importlib.import_module(f'evosim.analysis.{m.name}')\n"
            f"loaded = sorted(m for m in sys.modules if m.startswith({SIMULATION!r}))\n"
            "assert not loaded, loaded\n"
            "assert 'evosim.analysis.training_report' in sys.modules\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
