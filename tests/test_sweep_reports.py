"""The reports of sweeps by what they sweep, on hand-made sweep folders whose every number is known: the
diversity curve with series side by side and where colour misgeneralization falls below 5%, the capacity
curve with its trend test, and a categorical axis (world sources) compared per arm."""
import json
from pathlib import Path

import numpy as np
import pytest

import evosim
from evosim.analysis.capacity_report import plot_capacity
from evosim.analysis.sweep_report import plot_diversity
from evosim.commands.cli import main
from evosim.core.errors import UserError
from evosim.runs import rundir
from helpers import deploy_row, fake_run, script

SEEDS = (0, 1, 2)


def cell(folder: Path, name: str, world, row: dict, deploy: list[dict], odd: dict | None = None, **run) -> dict:
    """A fake cell (every seed deployed alike, but for those ``odd`` gives rows of their own) and its sweep.csv
    row."""
    rows = {s: deploy for s in SEEDS} | (odd or {})
    fake_run(folder / "cells" / name, world, [deploy_row(s, 0, **d, episode=e) for s in SEEDS
                                             for e, d in enumerate(rows[s])], seeds=SEEDS, **run)
    worlds = dict.fromkeys(d["world"] for d in deploy)  # sweep.csv's columns name them in deployment order
    return row | {"status": "complete", "run": f"cells/{name}"} | {f"{w}:aligned": 0.0 for w in worlds}


def episodes(world: str, **counts) -> list[dict]:
    """Decisive episodes in ``world``: ``counts`` of each outcome (``colour`` is misgeneralized toward green)."""
    out = []
    for outcome, n in counts.items():
        proxy = {"colour": "color:green", "misgeneralized": "position:bottom-right"}.get(outcome, "")
        out += [{"world": world, "outcome": "misgeneralized" if proxy else outcome, "proxy": proxy}] * n
    return out


@pytest.fixture
def capacity_sweep(tmp_path, train_world) -> Path:
    """ga/reflex at three widths whose failures in the shift grow more competent, and gradient/planner at
    horizons 2 and 0 (the whole maze) whose failures grow less so."""
    folder, rows = tmp_path / "capacity", []
    for hidden, params, competent in ((4, 100, 1), (16, 400, 2), (64, 1600, 4)):
        deploy = (episodes("maze-train", aligned=2) + episodes("maze-deploy", aligned=2, colour=competent,
                                                               incapable=4 - competent)
                  + episodes("maze-bigger", aligned=1, incapable=1))
        rows.append(cell(folder, f"ga-reflex_hidden-{hidden}", train_world,
                         {"arm": "ga/reflex", "mind.hidden": hidden}, deploy, mind="reflex", exit_rate=0.9))
        agents = folder / "cells" / f"ga-reflex_hidden-{hidden}" / rundir.AGENTS_JSON
        rundir.write_json(agents, json.loads(agents.read_text()) | {"n_params": params})
    for horizon, competent in ((2, 3), (0, 0)):
        deploy = (episodes("maze-train", aligned=2) + episodes("maze-deploy", colour=competent, incapable=4 - competent)
                  + episodes("maze-bigger", incapable=2))
        rows.append(cell(folder, f"gradient-planner_horizon-{horizon}", train_world,
                         {"arm": "gradient/planner", "mind.horizon": horizon}, deploy, optimizer="gradient"))
    rundir.write_csv(folder / rundir.SWEEP_CSV, rows)
    return folder


def test_the_capacity_report_splits_failures_and_tests_the_trend(capacity_sweep, capsys, tmp_path, monkeypatch):
    assert main(["report", str(capacity_sweep)]) == 0
    text = (capacity_sweep / "report" / "report.md").read_text()
    assert "| ga/reflex | hidden=4 | 100 | 90% | 67% | 25% | 50% |" in text
    assert "| ga/reflex | hidden=64 | 1600 | 90% | 67% | 100% | 50% |" in text
    assert "| gradient/planner | horizon=2 | 12 | 100% | 100% | 75% | 0% |" in text
    assert "| gradient/planner | horizon=all | 12 | 100% | 100% | 0% | 0% |" in text  # 0, the whole maze, ranks last
    assert "| ga/reflex | +" in text and "rises with capacity, as predicted |" in text
    assert "falls with capacity, against the prediction |" in text.split("| gradient/planner | -")[1]
    fig = plot_capacity(capacity_sweep, tmp_path / "fig")
    assert [ax.get_title() for ax in fig.axes[:2]] == ["ga/reflex", "gradient/planner"]
    assert [t.get_text() for t in fig.axes[-1].get_xticklabels()] == ["2", "all"]
    assert [t.get_text() for t in fig.axes[-2].get_xticklabels()] == ["4", "16", "64"]
    competent = fig.axes[4].get_lines()[0]  # third row, ga/reflex
    assert list(competent.get_ydata()) == [0.25, 0.5, 1.0]
    assert script("capacity", capacity_sweep, "--out", tmp_path / "script", monkeypatch=monkeypatch) == 0
    assert (tmp_path / "script" / "capacity.png").stat().st_size > 10_000


@pytest.fixture
def series_sweep(tmp_path, train_world) -> Path:
    """ga/planner in two series over shares 0 and 0.1: colour misgeneralization stays at half under the mixture
    and vanishes at 0.1 under the colour decoupling."""
    folder, rows = tmp_path / "diversity", []
    for series, at_tenth in (("mixture", 2), ("color", 0)):
        for share, colour in ((0.0, 2), (0.1, at_tenth)):
            name = f"ga-planner_{series}_share-{share}"
            rows.append(cell(folder, name, train_world, {"arm": "ga/planner", "series": series, "share": share},
                             episodes("maze-deploy", colour=colour, aligned=4 - colour),
                             exit_rate=0.5 if (series, share) == ("color", 0.1) else 0.9))
    rundir.write_csv(folder / rundir.SWEEP_CSV, rows)
    return folder


def test_the_diversity_report_draws_each_series_and_finds_where_colour_misgeneralization_ends(series_sweep,
                                                                                              tmp_path):
    assert main(["report", str(series_sweep)]) == 0
    text = (series_sweep / "report" / "report.md").read_text()
    assert "1 arms x 2 series (mixture, color) x 2 values of `share`" in text
    assert "| ga/planner | mixture | 0.1 | 12 | 50% | 50% | 0% | 50% | 0% |" in text
    assert "| ga/planner | color | never" not in text
    mixture = "| ga/planner | mixture | never (lowest at 0) | 50% | 50% | 90% | never |"
    color = "| ga/planner | color | 0.1 | 0% | 100% | 50% * | 0.1 |"  # below competence in training
    assert text.index(mixture) < text.index(color)  # the experiment's order
    fig = plot_diversity(series_sweep, tmp_path / "fig")
    assert [ax.get_title() for ax in fig.axes] == [f"ga/planner: {o}" for o in (
        "misgeneralized toward colour", "misgeneralized toward position", "aligned", "incapable")]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["mixture", "color"]
    assert "n = 3 seeds per point" in fig.texts[0].get_text()
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["0", "0.1"]
    mixture, color = fig.axes[0].get_lines()[:2]
    assert list(mixture.get_ydata()) == [0.5, 0.5] and list(color.get_ydata()) == [0.5, 0.0]


#: Per arm and source, in the experiment's order: (colour, position, aligned, incapable) of 4 decisive episodes
#: in maze-deploy and in maze-color, and the final training exit rate.
SOURCES = {"ga/planner": {"world": ((3, 0, 1, 0), (2, 0, 0, 2), 0.9),
                          "adversary": ((1, 1, 2, 0), (1, 0, 3, 0), 0.85),
                          "plr": ((0, 0, 4, 0), (0, 0, 2, 2), 0.5)},  # below competence
           "gradient/planner": {"world": ((2, 0, 2, 0), (4, 0, 0, 0), 1.0),
                                "adversary": ((0, 2, 1, 1), (2, 0, 2, 0), 0.95),
                                "plr": ((1, 0, 3, 0), (0, 1, 3, 0), 0.8)}}  # competent: 80% is not below
ODD = ("ga/planner", "adversary", (3, 0, 1, 0))  # the cell whose seed 2 met this in maze-deploy instead
HOME = {("ga/planner", "plr"): 1}  # reaches the exit in half the training world's own mazes


def met(deploy: tuple[int, ...], color: tuple[int, ...], home: int = 2) -> list[dict]:
    """A seed's episodes: ``home`` of two aligned in maze-train (the rest incapable), then the counts of
    :data:`SOURCES` in the other worlds."""
    return episodes("maze-train", aligned=home, incapable=2 - home) + [
        e for world, counts in (("maze-deploy", deploy), ("maze-color", color))
        for e in episodes(world, **dict(zip(("colour", "misgeneralized", "aligned", "incapable"), counts)))]


@pytest.fixture
def sources_sweep(tmp_path, train_world) -> Path:
    """Two arms trained on three world sources (sweep.csv in the experiment's order: world, adversary, plr), met
    in maze-train, maze-deploy and maze-color; ga/planner's plr cell is below competence in training."""
    folder, rows = tmp_path / "sources", []
    for arm, sources in SOURCES.items():
        for source, (deploy, color, rate) in sources.items():
            odd = {2: met(ODD[2], color)} if (arm, source) == ODD[:2] else None
            rows.append(cell(folder, f"{arm.replace('/', '-')}_source-{source}", train_world,
                             {"arm": arm, "source": source}, met(deploy, color, HOME.get((arm, source), 2)), odd,
                             optimizer=arm.split("/")[0],
                             exit_rate=rate))
    rundir.write_csv(folder / rundir.SWEEP_CSV, rows)
    return folder


def test_the_report_of_a_categorical_axis_compares_its_values_per_arm_outside_the_training_world(sources_sweep):
    assert main(["report", str(sources_sweep)]) == 0
    text = (sources_sweep / "report" / "report.md").read_text()
    assert "2 arms x 3 values of `source` (world, adversary, plr), at least 3 seeds per cell, trained in maze-train" \
        in text
    assert "## Outcomes in maze-train" not in text  # the training world is not a shift
    header = ("| arm | source | decisive episodes | misgeneralized toward colour | misgeneralized | aligned "
              "| incapable | training exit rate | aligned in maze-train |")
    deploy, color = text.split("## Outcomes in maze-deploy")[1].split("## Outcomes in maze-color")
    assert deploy.split("\n\n")[1].splitlines() == [
        header, "|" + " --- |" * 9,
        "| ga/planner | world | 12 | 75% | 75% | 25% | 0% | 90% | 100% |",
        "| ga/planner | adversary | 12 | 42% [25%, 75%] | 58% [50%, 75%] | 42% [25%, 50%] | 0% | 85% | 100% |",  # seed 2
        "| ga/planner | plr | 12 | 0% | 0% | 100% | 0% | 50% * | 50% |",
        "| gradient/planner | world | 12 | 50% | 50% | 50% | 0% | 100% | 100% |",
        "| gradient/planner | adversary | 12 | 0% | 50% | 25% | 25% | 95% | 100% |",
        "| gradient/planner | plr | 12 | 25% | 25% | 75% | 0% | 80% | 100% |"]
    assert "| ga/planner | world | 12 | 50% | 50% | 0% | 50% | 90% | 100% |" in color
    assert "| gradient/planner | plr | 12 | 0% | 25% | 75% | 0% | 80% | 100% |" in color  # position, not colour
    assert "`aligned in maze-train` is the share of episodes reaching the exit first" in text
    assert "![Each source compared per arm](sources.png)" in text
    assert (sources_sweep / "report" / "sources.png").stat().st_size > 10_000


def test_the_sources_figure_puts_each_arm_in_a_row_and_the_sources_in_the_experiments_order(sources_sweep, tmp_path,
                                                                                            monkeypatch):
    fig = evosim.plot("sources", sources_sweep)
    panels = ["final training exit rate", "misgeneralized toward colour in maze-deploy",
              "misgeneralized toward colour in maze-color"]
    assert [ax.get_title() for ax in fig.axes] == [f"{arm}\n{p}" for arm in SOURCES for p in panels]
    assert all([t.get_text() for t in ax.get_xticklabels()] == ["world", "adversary", "plr"] for ax in fig.axes)
    assert list(fig.axes[0].get_lines()[0].get_ydata()) == [0.9, 0.85, 0.5]
    points, _, adversary = fig.axes[1].get_lines()[:3]  # ga/planner in maze-deploy: points, then CI bars
    assert list(points.get_ydata()) == pytest.approx([0.75, 5 / 12, 0.0])
    assert (np.nanmin(adversary.get_ydata()), np.nanmax(adversary.get_ydata())) == (0.25, 0.75)  # over seeds
    assert list(fig.axes[4].get_lines()[0].get_ydata()) == [0.5, 0.0, 0.25]  # gradient/planner in maze-deploy
    assert "n = 3 seeds per point" in fig.texts[0].get_text()
    with pytest.raises(UserError, match="`source` is categorical .*: plot sources"):
        plot_diversity(sources_sweep)
    assert script("sources", sources_sweep, "--out", tmp_path / "script", monkeypatch=monkeypatch) == 0
    assert (tmp_path / "script" / "sources.png").stat().st_size > 10_000
