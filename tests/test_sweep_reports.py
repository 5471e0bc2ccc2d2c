"""The reports of sweeps by what they sweep, on hand-made sweep folders whose every number is known: the
diversity curve with series side by side and where colour misgeneralization falls below 5%, and the capacity
curve with its trend test."""
import json
from pathlib import Path

import pytest

from evosim.analysis.capacity_report import plot_capacity
from evosim.analysis.sweep_report import plot_diversity
from evosim.commands.cli import main
from evosim.runs import rundir
from helpers import deploy_row, fake_run, script

SEEDS = (0, 1, 2)


def cell(folder: Path, name: str, world, row: dict, deploy: list[dict], **run) -> dict:
    """A fake cell (every seed deployed alike) and its sweep.csv row."""
    fake_run(folder / "cells" / name, world, [deploy_row(s, 0, **d, episode=e) for s in SEEDS
                                             for e, d in enumerate(deploy)], seeds=SEEDS, **run)
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
