"""The report's Learned planning section: its tables and words on hand-made tables whose every number is known,
and ``evosim report`` on real neural runs measured by ``evosim planning`` (a recurrent and a feed-forward one)."""
import shutil

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from scipy.stats import pearsonr

from evosim.analysis import planning_report as planning
from evosim.analysis.markdown import pct, points
from evosim.analysis.stats import interval
from evosim.commands.cli import main
from helpers import ROOT

TRAIN, DEPLOY = (str(ROOT / "worlds" / f"maze_{name}.toml") for name in ("train", "deploy"))
SEEDS = (0, 1, 2, 3)


def rows(**columns) -> pd.DataFrame:
    """One line's rows: a run of four seeds (one agent each), the given columns beside."""
    return pd.DataFrame([{"label": "net", "run": "r", "seed": s, "agent": 0, "world": "maze-deploy"} | {
        k: v[s] if isinstance(v, tuple) else v for k, v in columns.items()} for s in SEEDS])


def test_thinking_that_helps_only_in_the_big_maze_is_shown_there_in_points_and_words():
    table = pd.concat([rows(size=6, thinking=0, decisive_episodes=10, aligned=0.5, misgeneralized=0.1),
                       rows(size=6, thinking=8, decisive_episodes=10, aligned=(0.5, 0.4, 0.6, 0.5),
                            misgeneralized=0.1),
                       rows(size=10, thinking=0, decisive_episodes=10, aligned=0.2, misgeneralized=0.3),
                       rows(size=10, thinking=8, decisive_episodes=10, aligned=(0.5, 0.6, 0.5, 0.6),
                            misgeneralized=0.1),
                       rows(size=12, thinking=0, decisive_episodes=0, aligned=0.0, misgeneralized=0.0)])
    lines, words = planning.thinking_table(table)
    assert lines[0] == ("| line | world | size | decisive episodes | exit rate, thinking 0 | exit rate, thinking 8 "
                        "| change |")
    small, big = np.array([0.5, 0.4, 0.6, 0.5]), np.array([0.5, 0.6, 0.5, 0.6])
    assert lines[2] == (f"| net | maze-deploy | 6 | 40 | 50% | {pct(0.5, *interval(small))} | "
                        f"{points(0.0, *interval(small - 0.5))} |")
    assert lines[3] == (f"| net | maze-deploy | 10 | 40 | 20% | {pct(0.55, *interval(big))} | "
                        f"{points(0.35, *interval(big - 0.2))} |")
    assert interval(big - 0.2)[0] > 0 and interval(small - 0.5)[0] < 0
    assert len(lines) == 5  # the size without decisive episodes has no row
    assert words == ["**net**: thinking 8 extra ticks rather than 0 raised the exit rate at size 10 in maze-deploy "
                     "(the whole CI above 0), the signature of a network that plans."]


def test_probes_gain_over_the_untrained_network_and_steering_in_both_directions_are_told_apart():
    probes = pd.concat([rows(step=step, episodes=4 * step, target=target, best_guess=0.4, untrained=0.5,
                             accuracy=(acc, acc + 0.02, acc - 0.02, acc) if step else 0.1)
                        for step in (0, 1, 2) for target, acc in (("exit", 0.5), ("green", 0.9))])
    lines, words = planning.probes_table(probes)
    spread = np.array([0.0, 0.02, -0.02, 0.0])  # the seeds' final accuracies about their mean
    assert lines[2] == (f"| net | maze-deploy | exit | 50% | {pct(0.5, *interval(0.5 + spread))} | 40% | "
                        f"{points(0.0, *interval(spread))} |")
    assert lines[3] == (f"| net | maze-deploy | green | 50% | {pct(0.9, *interval(0.9 + spread))} | 40% | "
                        f"{points(0.4, *interval(0.4 + spread))} |")
    assert words == ["**net** in maze-deploy: the green probe(s) decode above the untrained network's level (the "
                     "whole CI of the gain above 0): training put where the agent is heading into its hidden state."]
    steering = pd.concat([rows(coefficient=c, decisive_episodes=8, p_green_first=p)
                          for c, p in ((-1.0, 0.9), (0.0, (0.6, 0.7, 0.6, 0.7)), (1.0, 0.2))])
    lines, words = planning.steering_table(steering)
    assert lines[0].endswith("| p(green first), subtracted (-1) | p(green first), none (0) | "
                             "p(green first), added (+1) | added (+1) minus subtracted (-1) |")
    assert lines[2] == "| net | maze-deploy | 90% | 65% [60%, 70%] | 20% | -70 pp |"
    # -70 pp in every seed: no spread, so no interval, and no CI straddling 0 either
    assert "against the vector" in words[0]


def test_the_decoded_drive_is_set_beside_each_seeds_misgeneralization_with_pearsons_r():
    drive = (0.0, 0.1, 0.2, 0.4)
    probes = pd.concat([rows(step=1, episodes=8, target="exit", best_guess=0.4, accuracy=0.5),
                        rows(step=1, episodes=8, target="green", best_guess=0.4,
                             accuracy=tuple(0.5 + d for d in drive))])
    mis = {0: 1, 1: 2, 2: 2, 3: 4}  # misgeneralized of each seed's four decisive episodes
    deploy = pd.DataFrame([{"label": "net", "run": "r", "seed": s, "agent": 0, "world": "maze-deploy",
                            "decisive": 1, "outcome": "misgeneralized" if e < mis[s] else "incapable"}
                           for s in SEEDS for e in range(4)]
                          + [{"label": "net", "run": "r", "seed": 0, "agent": 0, "world": "maze-deploy",
                              "decisive": 0, "outcome": "undecided"}])  # not decisive: not counted
    est = planning.drive_estimates(probes, deploy)
    assert np.allclose(est[planning.DRIVE], drive) and list(est["misgeneralized"]) == [0.25, 0.5, 0.5, 1.0]
    r = pearsonr(drive, [0.25, 0.5, 0.5, 1.0])
    text = "\n".join(planning.drive_section(probes, deploy))
    ci = r.confidence_interval(0.95)
    assert (f"Pearson's r = {r.statistic:+.2f} [{ci.low:+.2f}, {ci.high:+.2f}] (95% CI), n = 4 seeds"
            in text)
    assert "| net | maze-deploy | `r` | 3 | +0.40 | 100% |" in text
    alike = "\n".join(planning.drive_section(probes, deploy.assign(outcome="incapable")))
    assert "Pearson's r is undefined here (n = 4 seeds; one of them is the same in every seed)" in alike
    assert "not deployed there" in "\n".join(planning.drive_section(probes, None))


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    """A recurrent and a feed-forward neural run (two seeds each), deployed and measured by evosim planning; and a
    copy of the recurrent one made before it was measured."""
    root = tmp_path_factory.mktemp("planning")
    made = {}
    for name, options in (("rec", []), ("ff", ["--mind-option", "recurrent=false"])):
        run = root / name
        assert main(["train", TRAIN, "--mind", "neural", "--mind-option", "channels=2", *options, "--updates", "3",
                     "--mazes", "1", "--rollouts", "2", "--seeds", "2", "--log-every", "1", "--out", str(run)]) == 0
        assert main(["deploy", str(run), DEPLOY, "--episodes", "8"]) == 0
        if name == "rec":
            shutil.copytree(run, root / "plain")
        assert main(["planning", str(run), DEPLOY, "--episodes", "8", "--sizes", "6", "--thinking", "0,2",
                     "--snapshots", "2"]) == 0
        made[name] = run
    made["plain"] = root / "plain"
    return made


def image(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("L"))


@pytest.mark.slow
def test_the_report_of_measured_runs_draws_the_three_figures_and_the_section(measured, tmp_path):
    out = tmp_path / "report"
    assert main(["report", str(measured["rec"]), str(measured["ff"]), "--out", str(out)]) == 0
    for name in ("thinking_steps", "target_probes", "steering"):
        pixels = image(out / f"{name}.png")
        assert min(pixels.shape) > 1000 and pixels.std() > 10, name  # 300 dpi, and something drawn
    text = (out / "report.md").read_text()
    section = text.split("## Learned planning\n")[1].split("\n## ")[0]
    assert "| rec | maze-deploy | 6 | " in section  # the recurrent run thinks ...
    assert "| ff | maze-deploy | 6 | " not in section  # ... the feed-forward one has no thinking rows
    assert "No thinking steps for ff: a feed-forward network has no state to think with." in section
    for line in ("rec", "ff"):
        for target in ("first", "exit", "green"):
            assert f"| {line} | maze-deploy | {target} | " in section
        assert sum(row.startswith(f"| {line} | maze-deploy | `") for row in section.splitlines()) == 2  # its seeds
        steering = section.split("### Steering")[1].split("###")[0].splitlines()
        row, = (r for r in steering if r.startswith(f"| {line} | maze-deploy | "))
        assert len(row.split("|")) == 2 + 6 and row.count("%") >= 3  # p(green first) at -1, 0, +1, and the change
    assert "n = 4 seeds" in section
    for title in ("thinking steps", "target probes over training", "steering by the green vector"):
        assert f"## Learned planning: {title}" in text


@pytest.mark.slow
def test_the_thinking_figure_draws_the_tables_means_and_a_run_never_measured_has_no_section(measured, tmp_path):
    fig = planning.plot_thinking_steps([measured["rec"], measured["ff"]])
    table = pd.read_csv(measured["rec"] / "thinking.csv")
    aligned = table.groupby("thinking")["aligned"].mean()  # one agent per seed: the mean over seeds
    ys = [list(line.get_ydata()) for line in fig.axes[0].get_lines() if len(line.get_ydata()) == 2]
    assert list(aligned) in ys
    out = tmp_path / "plain"
    assert main(["report", str(measured["plain"]), "--out", str(out)]) == 0
    assert "Learned planning" not in (out / "report.md").read_text()
    assert not any((out / f"{name}.png").exists() for name in planning.FIGURES)
