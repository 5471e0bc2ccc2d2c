"""Series of a sweep: curves side by side, each with its own fixed changes and the world key its named axis
sets; cells named and indexed by series, and one-line mistakes before any compute."""
import numpy as np
import pytest

from evosim.core.features import COLOR_NAMES
from evosim.studies.sweep import Experiment
from helpers import sweep_refuses

EXPERIMENT = """
[sweep]
train = "maze_train.toml"
deploy = ["maze_deploy.toml"]
arms = ["ga/planner", "gradient/reflex"]
seeds = 1

[sweep.axes]
share = [0.0, 0.25]

[sweep.series.mixture]
set = { "exit.mix" = [{ share = 0.0, colors = "any", positions = "any" }] }
axes = { share = "exit.mix.0.share" }

[sweep.series.color]
set = { "exit.decouple" = [{ share = 0.0, proxy = "color" }] }
axes = { share = "exit.decouple.0.share" }
"""


def load(tmp_path, text=EXPERIMENT, quick=False) -> Experiment:
    path = tmp_path / "series.toml"
    path.write_text(text)
    return Experiment.load(path, quick)


def test_every_arm_series_and_value_is_a_cell_with_its_own_world(tmp_path):
    experiment = load(tmp_path)
    assert [c.name for c in experiment.cells] == [
        "ga-planner_mixture_share-0.0", "ga-planner_mixture_share-0.25", "ga-planner_color_share-0.0",
        "ga-planner_color_share-0.25", "gradient-reflex_mixture_share-0.0", "gradient-reflex_mixture_share-0.25",
        "gradient-reflex_color_share-0.0", "gradient-reflex_color_share-0.25"]
    cell = experiment.cells[3]
    assert cell.values == {"arm": "ga/planner", "series": "color", "share": 0.25}
    exit_table = experiment.world_raw(cell)["exit"]
    assert exit_table["decouple"] == [{"share": 0.25, "proxy": "color"}] and "mix" not in exit_table
    assert experiment.world_raw(experiment.cells[1])["exit"]["mix"][0]["share"] == 0.25
    # no cell's changes leak into another's: the series' fixed tables are copied, not shared
    assert experiment.world_raw(experiment.cells[2])["exit"]["decouple"][0]["share"] == 0.0


def test_every_series_at_share_zero_trains_on_the_same_mazes(tmp_path):
    """The curves start from one point: a mixture or decoupling of share 0 changes no maze."""
    experiment = load(tmp_path)
    mixture, color = (experiment.world(c).sample(np.random.default_rng(3), 20) for c in experiment.cells[0:3:2])
    assert all((a.walls == b.walls).all() and (a.objects == b.objects).all() for a, b in zip(mixture, color))


def test_a_colour_decoupled_share_changes_the_training_mazes(tmp_path):
    experiment = load(tmp_path)
    mazes = experiment.world(experiment.cells[3]).sample(np.random.default_rng(0), 200)
    green = COLOR_NAMES.index("green")
    decoupled = [m for m in mazes if m.objects[0, 2] != green]
    assert 25 <= len(decoupled) <= 75  # a quarter of 200
    assert all((m.objects[1:, 2] == green).any() for m in decoupled)  # each with a green decoy


def test_quick_may_replace_the_series(tmp_path):
    text = EXPERIMENT + '\n[quick]\nseries = { color = { set = { "exit.decouple" = [{ share = 0.0, proxy = "color" }] }, axes = { share = "exit.decouple.0.share" } } }\n'
    assert {c.series for c in load(tmp_path, text, quick=True).cells} == {"color"}


@pytest.mark.parametrize("change, says", [
    (('axes = { share = "exit.mix.0.share" }', 'axes = { size = "world.size" }'),
     "[sweep.series.mixture] axes.size: no such axis in [sweep.axes] (axes: share)"),
    (('axes = { share = "exit.mix.0.share" }', 'axes = { share = 3 }'),
     "[sweep.series.mixture] axes.share: must be the dotted world key the axis sets in this series"),
    (('axes = { share = "exit.mix.0.share" }', 'axes = {}'),
     "[sweep.series.color] axes: maps share, another series no axis; every series maps the same axes"),
    (('axes = { share = "exit.mix.0.share" }', 'axes = { share = "exit.nowhere.0.share" }'),
     "cell ga-planner_mixture_share-0.0: "),
    (('[sweep.series.color]', '[sweep.series."../up"]'), "[sweep.series.../up]: the series name"),
    (('set = { "exit.mix"', 'sett = { "exit.mix"'), "[sweep.series.mixture] sett: unknown key (allowed: axes, set)"),
    (('proxy = "color"', 'proxy = "shape"'), "proxy"),
])
def test_series_mistakes_are_one_line_before_any_compute(tmp_path, capsys, change, says):
    sweep_refuses(tmp_path, capsys, EXPERIMENT.replace(*change), says)
