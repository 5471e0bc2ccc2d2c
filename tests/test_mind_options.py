"""Mind options: --mind-option for evolve and train, arms with options and mind.OPTION sweep axes,
saved in run.json and agents.json and used again by deploy and resume; runs without options are unchanged."""
import json
import re

import pytest

from evosim.commands.cli import main
from evosim.core.errors import UserError
from evosim.minds import MINDS, check_options, make_mind, parse_options
from evosim.runs import checkpoint, rundir
from evosim.studies.sweep import Experiment
from helpers import TRAIN, StopAfter, sweep_refuses

SMALL = ["--population", "6", "--generations", "2", "--mazes", "2", "--log-every", "1"]
ALLOWED = "mind reflex takes: hidden (int 1..1024, default 8), radius (int 1..5, default 1)"


def test_every_mind_declares_its_options_and_the_defaults_match_its_constructor():
    for cls in MINDS.values():
        defaults = {o.name: o.default for o in cls.OPTIONS}
        assert cls(**defaults).options() == cls().options()
    assert [o.name for o in MINDS["planner"].OPTIONS] == ["horizon"]


def test_option_text_is_parsed_and_checked():
    assert parse_options("reflex", ["hidden=32", "radius=2"], "--mind-option") == {"hidden": 32, "radius": 2}
    assert make_mind("reflex", hidden=4).n_params < make_mind("reflex").n_params
    for pairs, says in [(["hidden=0"], "hidden=0 is out of range"), (["hidden=1025"], "out of range"),
                        (["radius=6"], "radius=6 is out of range"), (["radius=2.5"], "radius=2.5 is not an integer"),
                        (["hidden=true"], "hidden=true is not an integer"), (["size=3"], "'size' is not an option"),
                        (["hidden"], "'hidden' is not NAME=VALUE"), (["hidden=4", "hidden=5"], "hidden is given twice")]:
        with pytest.raises(UserError) as e:
            parse_options("reflex", pairs, "--mind-option")
        assert str(e.value).startswith("--mind-option: ") and says in str(e.value) and ALLOWED in str(e.value)
    with pytest.raises(UserError, match=re.escape("mind planner takes: horizon (int 0..1000, default 0)")):
        check_options("planner", {"hidden": 4}, "--mind-option")


@pytest.mark.parametrize("command", ["evolve", "train"])
@pytest.mark.parametrize("option, says", [("hidden=0", "hidden=0 is out of range"), ("depth=2", "'depth' is not an "
                                          "option of mind reflex"), ("radius=x", "radius='x' is not an integer")])
def test_a_bad_mind_option_is_one_line_and_writes_nothing(tmp_path, capsys, command, option, says):
    out = tmp_path / "run"
    assert main([command, TRAIN, "--mind", "reflex", "--mind-option", option, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("evosim: error: --mind-option: ") and says in err
    assert ALLOWED in err and not out.exists()


def test_an_option_the_mind_lacks_is_refused_naming_its_options(tmp_path, capsys):
    assert main(["evolve", TRAIN, "--mind", "planner", "--mind-option", "hidden=4", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--mind-option" in err and "mind planner takes: horizon (int 0..1000, default 0)" in err
    assert not (tmp_path / "r").exists()


def test_a_reflex_with_options_is_saved_deployed_and_resumed_to_the_same_bytes(tmp_path, capsys):
    run = tmp_path / "run"
    argv = ["evolve", TRAIN, "--mind", "reflex", "--mind-option", "hidden=4", "--mind-option", "radius=2",
            "--population", "8", "--generations", "5", "--mazes", "2", "--checkpoint-every", "2"]
    assert main([*argv, "--out", str(run)]) == 0
    agents = json.loads((run / rundir.AGENTS_JSON).read_text())
    assert agents["mind_options"] == {"hidden": 4, "radius": 2}
    mind = make_mind("reflex", hidden=4, radius=2)
    assert agents["n_params"] == mind.n_params == rundir.load_agents(run).params.shape[1]
    assert rundir.load_run(run)["settings"]["mind_options"] == {"hidden": 4, "radius": 2}
    assert main(["deploy", str(run), "worlds/maze_deploy.toml", "--episodes", "2"]) == 0

    # stopped after generation 3 with a checkpoint: resume rebuilds the mind from run.json and ends the same
    outputs = ("generations.csv", "probes.csv", "agents.npz")
    whole = {name: (run / name).read_bytes() for name in outputs}
    rundir.update_run_json(run, status=rundir.INTERRUPTED)
    (run / rundir.CHECKPOINTS).mkdir()
    from evosim.optimizers.ga import GASettings
    from evosim.training.loop import Checkpoints, train
    from evosim.training.reporters import default_reporters
    from evosim.worlds import load_world

    world = load_world(TRAIN)
    settings = GASettings(population=8, generations=5, mazes=2)
    ckpt = Checkpoints(run / rundir.CHECKPOINTS / "seed-0.npz", 2)
    with pytest.raises(KeyboardInterrupt):
        train(world, mind, settings, [0], reporters=default_reporters(mind, settings.log_every, world),
              checkpoints=ckpt, progress=StopAfter(4))
    assert checkpoint.load(ckpt.path)[0]["optimizer.population"].shape == (8, mind.n_params)
    for name in outputs:
        (run / name).unlink()
    assert main(["resume", str(run)]) == 0
    for name in outputs:
        assert (run / name).read_bytes() == whole[name], name


def test_the_study_round_trips_its_mind_options(tmp_path):
    from evosim.optimizers.ga import GASettings
    from evosim.studies.maze_training import MazeTraining
    from evosim.worlds import load_world

    world = load_world(TRAIN)
    job = MazeTraining.new(world, make_mind("reflex", hidden=16, radius=3), "ga", GASettings(), [0], 5)
    again = MazeTraining.from_run({"settings": job.to_doc(), "seeds": [0]}, world)
    assert again.mind.options() == {"radius": 3, "hidden": 16} and again.to_doc() == job.to_doc()
    doc = job.to_doc() | {"mind_options": {"hidden": 0}}
    with pytest.raises(UserError, match="hidden=0 is out of range"):
        MazeTraining.from_run({"settings": doc, "seeds": [0]}, world)


def test_a_run_without_options_is_unchanged_by_the_flag(tmp_path):
    for name, extra in [("plain", []), ("defaults", ["--mind-option", "hidden=8", "--mind-option", "radius=1"])]:
        assert main(["evolve", TRAIN, "--mind", "reflex", *SMALL, *extra, "--out", str(tmp_path / name)]) == 0
    for table in ("generations.csv", "probes.csv", "agents.npz", "agents.json"):
        assert (tmp_path / "plain" / table).read_bytes() == (tmp_path / "defaults" / table).read_bytes(), table


EXPERIMENT = """
[sweep]
train = "maze_train.toml"
deploy = ["maze_deploy.toml"]
arms = ["ga/planner", "ga/reflex:radius=2", "gradient/reflex"]
seeds = 1
episodes = 2

[sweep.axes]
adversary = [false]
"mind.hidden" = [4, 16]
"""


def load(tmp_path, text: str = EXPERIMENT) -> Experiment:
    path = tmp_path / "e.toml"
    path.write_text(text)
    return Experiment.load(path)


def test_arm_options_and_a_mind_axis_make_the_cells(tmp_path):
    experiment = load(tmp_path)
    names = [c.name for c in experiment.cells]
    assert names == ["ga-planner_adversary-false", "ga-reflex-radius-2_adversary-false_hidden-4",
                     "ga-reflex-radius-2_adversary-false_hidden-16", "gradient-reflex_adversary-false_hidden-4",
                     "gradient-reflex_adversary-false_hidden-16"]
    cells = {c.name: c for c in experiment.cells}
    cell = cells["ga-reflex-radius-2_adversary-false_hidden-16"]
    assert cell.mind_options == {"radius": 2, "hidden": 16}
    assert cell.values == {"arm": "ga/reflex:radius=2", "adversary": False, "mind.hidden": 16}
    assert cells["ga-planner_adversary-false"].mind_options == {}
    assert experiment.job(cell).mind.options() == {"radius": 2, "hidden": 16}
    assert experiment.job(cells["gradient-reflex_adversary-false_hidden-4"]).mind.n_params == \
        make_mind("reflex", hidden=4).n_params


def test_an_arm_with_options_names_its_cell(tmp_path):
    text = EXPERIMENT.replace('"mind.hidden" = [4, 16]\n', "").replace('"ga/reflex:radius=2"', '"ga/reflex:hidden=32,radius=2"')
    experiment = load(tmp_path, text)
    cell = [c for c in experiment.cells if c.algorithm == "ga" and c.mind == "reflex"][0]
    assert cell.name == "ga-reflex-hidden-32-radius-2_adversary-false"
    assert experiment.job(cell).mind.options() == {"radius": 2, "hidden": 32}


def test_exclude_leaves_out_exactly_the_cells_matching_every_key_of_an_entry(tmp_path):
    text = EXPERIMENT.replace('"mind.hidden" = [4, 16]', '"mind.hidden" = [4, 16]\n"mind.radius" = [1, 3]').replace(
        '"ga/reflex:radius=2", ', "")
    whole = [c.name for c in load(tmp_path, text).cells]
    assert len(whole) == 1 + 4
    text = text.replace("[sweep.axes]", 'exclude = [{ "mind.hidden" = 16, "mind.radius" = 3 }, { "mind.radius" = 1, '
                                        'adversary = false }]\n[sweep.axes]')
    kept = [c.name for c in load(tmp_path, text).cells]
    assert kept == ["ga-planner_adversary-false", "gradient-reflex_adversary-false_hidden-4_radius-3"]


@pytest.mark.parametrize("change, says", [
    (('[sweep.axes]', 'exclude = [{ "mind.width" = 4 }]\n[sweep.axes]'),
     "[sweep] exclude: 'mind.width' is not an axis of the sweep (axes: adversary, mind.hidden)"),
    (('[sweep.axes]', 'exclude = [{ "mind.hidden" = 8 }]\n[sweep.axes]'),
     "[sweep] exclude: mind.hidden = 8 is not one of the axis's values (4, 16)"),
    (('[sweep.axes]', 'exclude = [{ adversary = 0 }]\n[sweep.axes]'),
     "[sweep] exclude: adversary = 0 is not one of the axis's values (false)"),
    (('[sweep.axes]', 'exclude = { "mind.hidden" = 4 }\n[sweep.axes]'), "[sweep] exclude: must be a list of tables"),
    (('[sweep.axes]', 'exclude = [{}]\n[sweep.axes]'), "[sweep] exclude: must be a list of tables"),
    (('arms = ["ga/planner", "ga/reflex:radius=2", "gradient/reflex"]', 'arms = ["gradient/reflex"]'),
     None),
])
def test_exclude_mistakes_are_one_line_before_any_compute(tmp_path, capsys, change, says):
    text = EXPERIMENT.replace(*change)
    if says is None:  # every cell left out
        text = text.replace("[sweep.axes]", 'exclude = [{ adversary = false }]\n[sweep.axes]')
        says = "[sweep] exclude: leaves out every cell of the sweep"
    sweep_refuses(tmp_path, capsys, text, says)


@pytest.mark.parametrize("change, says", [
    (('"ga/reflex:radius=2"', '"ga/reflex:hidden=0"'), "[sweep] arms: 'ga/reflex:hidden=0': hidden=0 is out"),
    (('"ga/reflex:radius=2"', '"ga/reflex:width=3"'), "'width' is not an option of mind reflex"),
    (('"ga/reflex:radius=2"', '"ga/planner:hidden=3"'), "mind planner takes: horizon (int 0..1000, default 0)"),
    (('"ga/reflex:radius=2"', '"ga/reflex:"'), "'' is not NAME=VALUE"),
    (('"mind.hidden" = [4, 16]', '"mind.depth" = [2]'), "sweep.axes.mind.depth: no arm's mind has the option 'depth'"),
    (('"mind.hidden" = [4, 16]', '"mind.hidden" = [4, 2000]'), "sweep.axes.mind.hidden: hidden=2000 is out of range"),
    (('"mind.hidden" = [4, 16]', '"mind.radius" = [1]'), "arm 'ga/reflex:radius=2' already sets radius"),
    (('"ga/reflex:radius=2"', '"ga/reflex:radius=2,hidden=3"'),
     "arm 'ga/reflex:radius=2,hidden=3' already sets hidden"),
    (('"mind.hidden" = [4, 16]', '"mind.hidden" = [4, 4]'), "4 is listed twice"),
])
def test_mind_option_mistakes_in_an_experiment_are_one_line_before_any_compute(tmp_path, capsys, change, says):
    sweep_refuses(tmp_path, capsys, EXPERIMENT.replace(*change), says)


def test_a_mind_axis_no_arm_has_is_refused(tmp_path):
    text = EXPERIMENT.replace('arms = ["ga/planner", "ga/reflex:radius=2", "gradient/reflex"]',
                              'arms = ["ga/planner"]')
    with pytest.raises(UserError, match=re.escape("no arm's mind has the option 'hidden'; mind planner takes: horizon (int 0..1000, default 0)")):
        load(tmp_path, text)
