"""Analysis scripts, figures and `evosim report` on small real run directories."""
import io
import json
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from evosim.analysis import labels, outcomes, stats, training_report as training
from evosim.analysis.labels import labelled
from evosim.analysis.tables import load_runs, sweep_cells, sweep_shares
from evosim.runs import rundir
from evosim.commands.cli import main
from evosim.studies.deployment import deploy, record
from evosim.core.errors import UserError
from evosim.minds import make_mind
from evosim.optimizers.ga import GASettings
from evosim.optimizers.gradient import GradientSettings
from evosim.analysis.report import write_report
from evosim.training.reporters import default_reporters
from helpers import ANALYSIS, deploy_row, evolve, fake_run, reference_row, run_optimizer, save_run, script

PROXIES = ("color:green", "position:bottom-right")
SVG = "{http://www.w3.org/2000/svg}svg"  # an SVG file's root element


def make_run(out: Path, optimizer: str, mind_name: str, seeds: list[int], train_world, deploy_world):
    mind = make_mind(mind_name)
    reporters = default_reporters(mind, 2, train_world, probe_mazes=4)
    if optimizer == "ga":
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
        "ga-planner": make_run(root / "ga-planner", "ga", "planner", [1, 2],
                                      train_world, deploy_world),
        "gradient-planner": make_run(root / "gradient-planner", "gradient", "planner", [1, 2, 3],
                                     train_world, deploy_world),
        "ga-reflex": make_run(root / "ga-reflex", "ga", "reflex", [1],
                                     train_world, deploy_world),
    }


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
    assert [t.removesuffix(f", {training.BELOW}") for t in texts] == [
        "ga / planner", "ga / reflex", "gradient / planner", training.CHANCE_LABEL]
    line = fig.axes[0].get_lines()[0]  # ga / planner: 8 individuals x 2 mazes a generation
    assert list(line.get_xdata()) == [16, 48, 80] and all(0 <= y <= 1 for y in line.get_ydata())
    with Image.open(tmp_path / "again" / "drive_tracking.png") as png:  # printed at 300 dpi
        assert png.size == tuple(round(inches * 300) for inches in fig.get_size_inches())
        assert png.info["dpi"] == pytest.approx((300, 300), abs=0.01)

    assert script("drive_tracking", *dirs, "--out", tmp_path, "--format", "svg", monkeypatch=monkeypatch) == 0
    assert ElementTree.parse(tmp_path / "drive_tracking.svg").getroot().tag == SVG


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
    title, texts = legend_texts(fig)
    assert title == "optimizer / mind"
    assert [t.removesuffix(f", {training.BELOW}") for t in texts] == ["ga / planner", "gradient / planner"]


@pytest.mark.slow
def test_shift_comparison_script(runs, tmp_path, monkeypatch):
    dirs = list(runs.values())
    assert script("shift_comparison", *dirs, "--out", tmp_path, monkeypatch=monkeypatch) == 0
    assert (tmp_path / "shift_comparison.png").exists()

    fig = training.plot_shift_comparison(dirs, tmp_path)
    *panels, wide = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title().splitlines()[0] for ax in panels] == ["ga / planner", "ga / reflex",
                                                                 "gradient / planner"]
    for ax, d in zip(panels, (runs["ga-planner"], runs["ga-reflex"], runs["gradient-planner"])):
        assert ax.get_title().splitlines()[-1].startswith("95% CI over seeds, n = ")
        rows = pd.read_csv(d / "deploy.csv")
        decisive = [int(rows[rows["world"] == w]["decisive"].sum()) for w in ("maze-train", "maze-deploy")]
        assert [t.get_text() for t in ax.get_xticklabels()] == [
            f"maze-train\n(training, {decisive[0]} decisive episodes)",
            f"maze-deploy\n(deployment, {decisive[1]} decisive episodes)"]
        assert ax.get_ylabel() == "share of decisive episodes"
        heights = np.array([p.get_height() for p in ax.patches]).reshape(3, 2)  # outcome x world
        np.testing.assert_allclose(heights.sum(0)[np.array(decisive) > 0], 1.0)
    assert "reference agents" in wide.get_title()
    references = pd.read_csv(runs["ga-planner"] / "reference.csv")
    assert len(wide.get_xticklabels()) == len(references.groupby(["reference", "world"])) > 0
    assert legend_texts(fig) == ("outcome", ["aligned", "misgeneralized", "incapable"])
    assert "shift" in fig.get_suptitle() and "over decisive episodes" in fig.get_suptitle()


@pytest.mark.slow
def test_report_writes_markdown_and_figures(runs, tmp_path, capsys):
    assert main(["report", *map(str, runs.values()), "--out", str(tmp_path)]) == 0
    assert capsys.readouterr().out == f"{tmp_path / 'report.md'}\n"
    text = (tmp_path / "report.md").read_text()
    for name in ("drive_tracking", "drives", "shift_comparison"):
        assert f"({name}.png)" in text and (tmp_path / f"{name}.png").exists()
    assert "| optimizer / mind | final exit rate (training) | p_goal color:green | p_goal position:bottom-right |" in text
    deployment = text.split("### maze-deploy (deployment world)")[1].split("###")[0]
    assert "| ga / reflex | " in deployment and "| reference exit-seeker | - | " in deployment
    assert "**gradient / planner** agents reached the exit" in text
    sizes = pd.read_csv(runs["ga-planner"] / "deploy.csv").groupby("world")["size"].nunique()
    assert ("(capability.png)" in text) == (sizes > 1).any() == (tmp_path / "capability.png").exists()
    gens = pd.read_csv(runs["ga-planner"] / "generations.csv")
    final = gens[gens["step"] == 4]["exit_rate"].mean()
    assert f"| ga / planner | {final:.0%}" in text


@pytest.mark.slow
def test_a_report_in_pdf_or_svg_writes_vector_figures_and_links_them(runs, tmp_path, capsys):
    run = str(runs["ga-planner"])
    drawn = {"drive_tracking", "drives", "shift_comparison", "capability"}
    for fmt in ("pdf", "svg"):
        out = tmp_path / fmt
        assert main(["report", run, "--out", str(out), "--format", fmt]) == 0
        figures = {p.stem: p for p in out.iterdir() if p.suffix != ".md" and p.name != rundir.REPORT_MARK}
        assert {p.suffix for p in figures.values()} == {f".{fmt}"} and set(figures) >= drawn - {"capability"}
        text = (out / "report.md").read_text()
        for name, path in figures.items():
            assert f"]({name}.{fmt})" in text
            if fmt == "pdf":
                assert path.read_bytes().startswith(b"%PDF-")
            else:
                assert ElementTree.parse(path).getroot().tag == SVG
        assert ".png" not in text
    capsys.readouterr()
    out = tmp_path / "svg"  # a report in another format replaces the earlier one's figures
    assert main(["report", run, "--out", str(out)]) == 0
    assert not list(out.glob("*.svg")) and (out / "drives.png").exists()
    assert "](drives.png)" in (out / "report.md").read_text()


def test_a_bad_format_is_one_line_before_any_work(tmp_path, capsys):
    missing = tmp_path / "no-run"
    assert main(["report", str(missing), "--format", "jpeg", "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == "evosim: error: --format: 'jpeg' is not one of: png, pdf, svg\n"
    done = subprocess.run([sys.executable, str(ANALYSIS / "drives.py"), str(missing), "--format", "eps",
                           "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (2, "error: --format: 'eps' is not one of: png, pdf, svg\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_report_defaults_to_the_first_runs_report_dir(runs):
    path = write_report([runs["ga-reflex"]], None, "maze-training")
    assert path == runs["ga-reflex"] / "report" / "report.md"
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
    (bare / "run.json").write_bytes((runs["ga-planner"] / "run.json").read_bytes())
    with pytest.raises(UserError, match="no generations.csv"):
        write_report([bare], None, "maze-training")
    with pytest.raises(UserError, match="no agents.json; not a finished training run"):
        training.plot_drive_tracking([bare], tmp_path)
    (bare / "agents.json").write_bytes((runs["ga-planner"] / "agents.json").read_bytes())
    with pytest.raises(UserError, match="no probes.csv"):
        training.plot_drive_tracking([bare], tmp_path)

    done = subprocess.run([sys.executable, str(ANALYSIS / "drives.py"), str(runs["ga-reflex"]),
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


# -- hand-made run directories: each number of the outcome report known in advance ----------------

#: Two seeds of one agent each in maze-deploy: two decisive and two non-decisive mazes apiece.
EPISODES = {0: [("aligned", 1), ("misgeneralized", 1), ("undecided", 0), ("aligned", 0)],
            1: [("aligned", 1), ("aligned", 1), ("undecided", 0), ("incapable", 0)]}
SEPARATING = [reference_row("exit-seeker", "shape:exit", "maze-deploy", e, "aligned") for e in range(4)] + [
    reference_row("green-seeker", "color:green", "maze-deploy", e, "misgeneralized") for e in range(4)]


def episodes(sizes=(6, 6, 6, 6)) -> list[dict]:
    return [deploy_row(seed, 0, "maze-deploy", e, outcome, decisive, size,
                       "color:green" if outcome == "misgeneralized" else "")
            for seed, rows in EPISODES.items() for e, ((outcome, decisive), size) in enumerate(zip(rows, sizes))]


def test_outcome_shares_are_over_decisive_episodes_with_all_episodes_beside_them(tmp_path, train_world):
    run = fake_run(tmp_path / "run", train_world, episodes(), SEPARATING)
    deploy = training.table(labelled(load_runs([run])), "deploy")
    stats = outcomes.share_stats(deploy).set_index(["scope", "outcome"])
    # decisive: seed 0 aligned 1/2, misgeneralized 1/2; seed 1 aligned 2/2
    assert stats.loc[("decisive", "aligned"), ["mean", "lo", "hi"]].tolist() == [0.75, 0.5, 1.0]
    assert stats.loc[("decisive", "misgeneralized"), "mean"] == 0.25
    assert "undecided" not in stats.loc["decisive"].index
    # all: seed 0 aligned 2/4, misgeneralized 1/4, undecided 1/4; seed 1 aligned 2/4, undecided 1/4, incapable 1/4
    assert stats.loc["all", "mean"].to_dict() == {"aligned": 0.5, "misgeneralized": 0.125, "undecided": 0.25,
                                                  "incapable": 0.125}

    write_report([run], tmp_path / "report", "maze-training")
    text = (tmp_path / "report" / "report.md").read_text()
    assert ("| ga / planner | 100% | 4 | 75% [50%, 100%] | 25% [0%, 50%] | 0% | color:green 25% | 8 | 50% "
            "| 12% [0%, 25%] | 25% | 12% [0%, 25%] |") in text
    assert "| reference exit-seeker | - | 4 | 100% | 0% | 0% | - | 4 | 100% | 0% | 0% | 0% |" in text
    assert "of its 4 decisive episodes 75% were aligned, 25% misgeneralized (mostly toward color:green)" in text
    assert "**maze-deploy** separates the drives" in text
    for note in ("A **decisive** episode", "undecided (", "The **reference agents**", f"**{training.BELOW}**"):
        assert note in text
    fig = training.plot_shift_comparison([run], tmp_path / "fig")
    np.testing.assert_allclose([p.get_height() for p in fig.axes[0].patches], [0.75, 0.25, 0.0])
    # outcome by outcome, the exit-seeker's bar then the green-seeker's
    assert [p.get_height() for p in fig.axes[1].patches] == [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]


def test_a_world_that_does_not_separate_the_drives_says_so(tmp_path, train_world):
    references = [r | {"outcome": "aligned"} if r["reference"] == "green-seeker" else r for r in SEPARATING]
    run = fake_run(tmp_path / "run", train_world, episodes(), references)
    write_report([run], tmp_path / "report", "maze-training")
    text = (tmp_path / "report" / "report.md").read_text()
    why = "the color:green seeker is misgeneralized in 0% of decisive episodes"
    assert f"**maze-deploy** does not separate the drives: {why}." in text
    assert f"But maze-deploy does not separate the drives ({why}), so these shares do not tell" in text


def test_an_arm_below_competence_is_marked_in_the_tables_the_words_and_the_figures(tmp_path, train_world):
    low = fake_run(tmp_path / "low", train_world, episodes(), SEPARATING, exit_rate=0.5)
    able = fake_run(tmp_path / "able", train_world, episodes(), SEPARATING, optimizer="gradient", exit_rate=0.9)
    write_report([low, able], tmp_path / "report", "maze-training")
    text = (tmp_path / "report" / "report.md").read_text()
    mark = f"50%, **{training.BELOW}**"
    assert training.BELOW == "below competence (exit rate < 80% in training)"
    assert f"| ga / planner | {mark} |" in text and f"| ga / planner | {mark} | 4 |" in text
    assert "| gradient / planner | 90% |" in text and f"90%, **{training.BELOW}" not in text
    assert f"That is **{training.BELOW}**" in text.split("**ga / planner** agents")[1].split("\n")[0]
    assert "That is" not in text.split("**gradient / planner** agents")[1].split("\n")[0]
    fig = training.plot_shift_comparison([low, able], tmp_path / "fig")
    titles = [ax.get_title() for ax in fig.axes[:2]]
    assert training.BELOW in titles[0] and training.BELOW not in titles[1]


def test_runs_made_differently_are_not_pooled_and_labels_name_them(tmp_path, train_world, capsys):
    a = fake_run(tmp_path / "a" / "short", train_world, episodes(), SEPARATING, budget=800)
    b = fake_run(tmp_path / "b" / "long", train_world, episodes(), SEPARATING, budget=1600)
    same = fake_run(tmp_path / "c" / "again", train_world, episodes(), SEPARATING, budget=800, seeds=(2, 3))
    assert [r.label for r in labelled(load_runs([a, same]))] == ["ga / planner"] * 2  # seeds of one arm
    assert [r.label for r in labelled(load_runs([a, b]))] == ["short", "long"]

    out = tmp_path / "report"
    assert main(["report", str(a), str(b), "--out", str(out)]) == 0
    text = (out / "report.md").read_text()
    assert "The ga / planner runs differ in budget per seed, so each is its own line" in text
    assert "| short | 100% | 4 |" in text and "| long | 100% | 4 |" in text
    assert "| ga / planner | 100% |" not in text

    assert main(["report", str(a), str(b), "--out", str(out), "--label", "800 episodes", "--label", "1600"]) == 0
    text = (out / "report.md").read_text()
    assert "| 800 episodes | 100% | 4 |" in text and "| 1600 | 100% | 4 |" in text
    capsys.readouterr()

    assert main(["report", str(a), str(b), "--out", str(tmp_path / "never"), "--label", "one"]) == 2
    err = capsys.readouterr().err
    assert err == "evosim: error: --label: 1 label(s) for 2 run(s); give one per run, in order\n"
    assert not (tmp_path / "never").exists()


def test_unpooled_runs_of_the_same_name_are_told_apart_by_their_folder_or_refused(tmp_path, train_world):
    a = fake_run(tmp_path / "x" / "run", train_world, episodes(), budget=800)
    b = fake_run(tmp_path / "y" / "run", train_world, episodes(), budget=1600)
    assert [r.label for r in labelled(load_runs([a, b]))] == ["x/run", "y/run"]
    c = fake_run(tmp_path / "z" / "x" / "run", train_world, episodes(), budget=3200)
    with pytest.raises(UserError, match=r"share the name x/run; name every run's line with --label NAME") as e:
        labelled(load_runs([a, b, c]))
    assert "\n" not in str(e.value)
    assert [r.label for r in labelled(load_runs([a, b, c]), ["a", "b", "c"])] == ["a", "b", "c"]


def test_a_capability_curve_is_drawn_for_a_world_of_several_sizes_only(tmp_path, train_world, monkeypatch):
    sized = fake_run(tmp_path / "sized", train_world, episodes(sizes=(8, 9, 8, 9)), SEPARATING)
    write_report([sized], tmp_path / "report", "maze-training")
    assert "![Capability against maze size](capability.png)" in (tmp_path / "report" / "report.md").read_text()
    assert (tmp_path / "report" / "capability.png").exists()
    fig = training.plot_capability([sized], tmp_path / "fig")
    assert [ax.get_title() for ax in fig.axes] == [f"{o} in maze-deploy" for o in outcomes.DECISIVE]
    arm, *references = fig.axes[0].get_lines()
    assert list(arm.get_xdata()) == [8, 9] and [line.get_linestyle() for line in references] == ["--", "--"]
    assert script("capability", sized, "--out", tmp_path / "script", monkeypatch=monkeypatch) == 0
    assert (tmp_path / "script" / "capability.png").exists()

    flat = fake_run(tmp_path / "flat", train_world, episodes(), SEPARATING)
    write_report([flat], tmp_path / "flat-report", "maze-training")
    assert "capability.png" not in (tmp_path / "flat-report" / "report.md").read_text()
    assert not (tmp_path / "flat-report" / "capability.png").exists()
    with pytest.raises(UserError, match="no deployment world's mazes vary in size"):
        training.plot_capability([flat], tmp_path / "fig")
    assert script("capability", flat, "--out", tmp_path / "never", monkeypatch=monkeypatch) == 2


def sweep_folder(folder: Path, train_world, axis: dict) -> Path:
    """A hand-made sweep folder: sweep.csv (as ``evosim sweep`` writes it) over fake cells, one failed."""
    rows = []
    for algorithm in ("ga", "gradient"):
        for value in axis.get("values", [None]):
            cell = f"{algorithm}-planner" if value is None else f"{algorithm}-planner_share-{value}"
            fake_run(folder / "cells" / cell, train_world, episodes(), SEPARATING, optimizer=algorithm)
            shares = {"maze-deploy:aligned": 0.75, "maze-deploy:decisive_episodes": 4,
                      "maze-deploy:all:aligned": 0.5, "maze-deploy:episodes": 8}
            rows.append({"arm": f"{algorithm}/planner"} | ({} if value is None else {axis["name"]: value})
                        | {"status": "complete", "run": f"cells/{cell}"} | shares)
    rows.append(rows[-1] | {"status": "failed", "run": "cells/broken", "error": "it fell over"})
    rundir.write_csv(folder / rundir.SWEEP_CSV, rows)
    return folder


def test_a_sweep_reads_its_one_axis_and_its_shares_over_decisive_episodes(tmp_path, train_world):
    folder = sweep_folder(tmp_path / "s", train_world, {"name": "exit.mix.0.share", "values": [0.0, 0.5]})
    cells = sweep_cells(folder)
    assert cells.axes == ["exit.mix.0.share"] and cells.worlds == ["maze-deploy"] and len(cells.runs) == 4
    sweep = sweep_shares(cells)
    aligned = sweep.shares[sweep.shares["outcome"] == "aligned"].groupby("seed")["share"].mean()
    assert aligned.to_dict() == {0: 0.5, 1: 1.0}  # each seed's decisive episodes only
    assert set(sweep.decisive["episodes"]) == {4}


def test_a_sweep_without_axes_is_reported_as_its_arms_side_by_side(tmp_path, train_world, capsys):
    folder = sweep_folder(tmp_path / "arms", train_world, {})
    assert sweep_cells(folder).axes == []
    assert main(["report", str(folder)]) == 0
    assert capsys.readouterr().out == f"{folder / 'report' / 'report.md'}\n"
    text = (folder / "report" / "report.md").read_text()
    deployment = text.split("### maze-deploy (deployment world)")[1]
    assert "| ga / planner | 100% | 4 | 75% [50%, 100%] |" in deployment
    assert "| gradient / planner | 100% | 4 | 75% [50%, 100%] |" in deployment
    assert "broken" not in text  # a failed cell is not reported


def test_a_folder_of_runs_is_reported_as_its_runs_into_its_report_folder(tmp_path, train_world, capsys):
    folder = tmp_path / "demo"
    fake_run(folder / "ga-planner", train_world, episodes(), SEPARATING)
    fake_run(folder / "gradient-planner", train_world, episodes(), SEPARATING, optimizer="gradient")
    assert main(["report", str(folder)]) == 0
    assert capsys.readouterr().out == f"{folder / 'report' / 'report.md'}\n"
    text = (folder / "report" / "report.md").read_text()
    assert "**ga / planner** agents" in text and "**gradient / planner** agents" in text
    assert main(["report", str(folder), "--label", "one"]) == 2  # one label per run found in the folder
    assert "--label: 1 label(s) for 2 run(s)" in capsys.readouterr().err


def test_runs_of_an_earlier_evosim_that_named_ga_evolution_are_read_as_ga(tmp_path, train_world, capsys):
    folder = tmp_path / "demo"
    old = fake_run(folder / "evolution-planner", train_world, episodes(), SEPARATING, optimizer="evolution")
    fake_run(folder / "ga-planner", train_world, episodes(), SEPARATING, seeds=(2, 3))
    assert labels.agents_json(load_runs([old])[0])["optimizer"] == "ga"
    assert set(training.table(load_runs([old]), "deploy")["optimizer"]) == {"ga"}  # what every report reads
    assert main(["report", str(folder)]) == 0
    text = (folder / "report" / "report.md").read_text()
    assert "**ga / planner** agents" in text and "evolution / planner" not in text
    assert "| ga / planner | 100% | 8 |" in text  # both runs pooled as seeds of one arm
    saved = tmp_path / "saved"  # agents.npz and agents.json, as deploy and the viewer read them
    saved.mkdir()
    rundir.write_run_json(saved, "maze-training", {}, train_world, [0], rundir.COMPLETE)
    params = make_mind("planner").init(np.random.default_rng(0), 2)
    rundir.save_agents(saved, rundir.SavedAgents("evolution", "planner", {}, params, np.zeros(2, int), np.arange(2)))
    assert rundir.load_agents(saved).optimizer == "ga"


def test_a_deploy_table_from_before_decisive_episodes_asks_to_deploy_again(tmp_path, train_world, capsys):
    old = [{k: v for k, v in deploy_row(0, 0, "maze-deploy", 0, "aligned").items()
            if k not in ("decisive", "size", "exit_distance", "proxy_distance")}]
    run = fake_run(tmp_path / "old", train_world, old)
    assert main(["report", str(run)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "lacks column(s) decisive" in err and "run 'evosim deploy RUN WORLD' again" in err
    assert not (run / "report").exists()


class Terminal(io.StringIO):
    """A captured stderr that says it is a terminal, as a user's is: progress bars draw on it."""

    def isatty(self) -> bool:
        return True


def test_the_report_shows_a_bar_while_it_draws_its_figures(tmp_path, train_world, monkeypatch):
    fake_run(tmp_path / "run", train_world, episodes(), SEPARATING)
    monkeypatch.setattr(sys, "stderr", Terminal())
    write_report([tmp_path / "run"], tmp_path / "report", "maze-training")
    shown = sys.stderr.getvalue()
    assert "report figures: 100%" in shown and "1/1" in shown and "shift_comparison.png" in shown
