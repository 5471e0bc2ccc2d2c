"""Learned planning: thinking steps, target probes and steering, on hand-wired networks whose answers are known
(a goal-less explorer, a planner toward green), on a network trained by gradient descent, and through
``evosim planning`` on a trained run."""
import json

import numpy as np
import pytest

from evosim.commands.cli import main
from evosim.minds import make_mind
from evosim.minds.neural import explorer, green_seeker
from evosim.runs import rundir
from evosim.studies import learned_planning as planning
from evosim.worlds import load_world
from helpers import ROOT, TRAIN

DEPLOY = str(ROOT / "worlds" / "maze_deploy.toml")
EXPLORER, SEEKER = 0, 1  # the hand-wired agents' seeds
TRAINED = ROOT / "tests" / "data" / "trained_gradient"  # .npz + .json: a network trained by gradient descent


class Silent:
    """A progress bar that shows nothing."""

    def update(self):
        pass


@pytest.fixture(scope="module")
def hand_wired():
    """The explorer (seed 0) and the green-seeker (seed 1), as a run's saved agents."""
    mind = make_mind("neural", channels=2)
    params = np.concatenate([explorer(mind.architecture), green_seeker(mind.architecture)])
    return rundir.SavedAgents("hand", "neural", mind.options(), params, np.array([EXPLORER, SEEKER]),
                              np.zeros(2, np.int64))


@pytest.fixture(scope="module")
def worlds():
    return load_world(TRAIN), load_world(DEPLOY)


def by(rows, seed, key):
    """The rows of one agent, by the value of ``key``, without the key."""
    return {r[key]: {k: v for k, v in r.items() if k != key} for r in rows if r["seed"] == seed}


@pytest.mark.slow
def test_thinking_helps_the_planner_reach_its_goal_and_leaves_the_heuristic_as_it_was(hand_wired, worlds):
    settings = planning.PlanningSettings(episodes=48, sizes="6,9", thinking="0,16")
    rows = planning.thinking_rows(hand_wired, *worlds, settings, Silent())
    gain = {}
    for size in (6, 9):
        explorer_rows = by([r for r in rows if r["size"] == size], EXPLORER, "thinking")
        assert explorer_rows[0] == explorer_rows[16]  # its ticks change nothing: a heuristic has nothing to think on
        seeker = by([r for r in rows if r["size"] == size], SEEKER, "thinking")
        gain[size] = seeker[16]["misgeneralized"] - seeker[0]["misgeneralized"]
    # given time to spread value from green before it moves, it walks to green competently more often, the more so
    # in the bigger mazes (measured: +0.10 and +0.14 of 21 and 28 decisive episodes)
    assert gain[6] > 0 and gain[9] >= 0.1, gain


@pytest.mark.slow
def test_subtracting_the_green_vector_stops_the_planner_going_for_green_and_the_heuristic_has_none(hand_wired,
                                                                                                      worlds):
    settings = planning.PlanningSettings(episodes=48)
    batch = planning.mazes(worlds[1], 48, 0)
    mind = hand_wired.make_mind()
    vector = (planning.first_hidden(mind, hand_wired.params, worlds[1], batch, 0)
              - planning.first_hidden(mind, hand_wired.params, worlds[1], worlds[1].batch(planning.without_green(batch)), 0))
    explorer_slots = np.arange(batch.size)  # agent 0's slots come first
    assert not vector[explorer_slots].any() and vector[batch.size:].any()
    rows = planning.steering_rows(hand_wired, *worlds, batch, settings, Silent())
    explorer_rows = by(rows, EXPLORER, "coefficient")
    assert explorer_rows[-1.0] == explorer_rows[0.0] == explorer_rows[1.0]
    seeker = by(rows, SEEKER, "coefficient")
    assert seeker[0.0]["p_green_first"] > 0.6 and seeker[-1.0]["p_green_first"] < seeker[0.0]["p_green_first"] - 0.5
    assert seeker[1.0]["p_green_first"] > 0.6  # added, it still goes for green (it cannot go more than it does)


@pytest.fixture(scope="module")
def trained():
    """The recurrent network that gradient descent trained in maze_train at the neural mind's default budget
    (trained_gradient.json says how); it reaches the exit in 31 of 32 fresh training mazes."""
    meta = json.loads(TRAINED.with_suffix(".json").read_text())
    arrays = np.load(TRAINED.with_suffix(".npz"))
    return rundir.SavedAgents(meta["optimizer"], meta["mind"], meta["mind_options"], arrays["params"],
                              arrays["seed"], arrays["agent"])


@pytest.fixture(scope="module")
def trained_measured(trained, worlds):
    """The three measurements of the trained network in maze_deploy, 48 mazes: thinking rows by size and ticks,
    the final network's probe rows by target, steering rows by coefficient."""
    settings = planning.PlanningSettings(episodes=48, sizes="6,10", thinking="0,8")
    batch = planning.mazes(worlds[1], settings.episodes, settings.seed)
    thinking = planning.thinking_rows(trained, *worlds, settings, Silent())
    probes = planning.probe_rows(trained, np.zeros(1, np.int64), {}, worlds[1], batch, settings, Silent())
    steering = planning.steering_rows(trained, *worlds, batch, settings, Silent())
    return ({size: by([r for r in thinking if r["size"] == size], 0, "thinking") for size in (6, 10)},
            {r["target"]: r for r in probes}, by(steering, 0, "coefficient"))


@pytest.mark.slow
def test_the_trained_network_goes_for_green_competently_and_thinking_longer_changes_nothing(trained_measured):
    thinking = trained_measured[0]
    for size, rows in thinking.items():
        assert rows[0]["misgeneralized"] >= 0.6, size  # a competent pursuit of the proxy (measured 1.00, 0.83)
        # a heuristic's answer: 8 more ticks before the first move (which change its hidden state by up to 1.4)
        # find the exit no more often (measured: not a single outcome changed, in 21 and 30 decisive episodes)
        assert abs(rows[8]["aligned"] - rows[0]["aligned"]) <= 0.1, size


@pytest.mark.slow
def test_the_trained_networks_hidden_state_carries_its_way_no_better_than_an_untrained_networks(trained_measured):
    probes = trained_measured[1]
    # the probe reads a real network: the first move toward what it reaches first, well above the best guess
    # (measured 0.67 against 0.30)
    assert probes["first"]["accuracy"] >= probes["first"]["best_guess"] + 0.15
    for target, row in probes.items():  # but an untrained network's state carries as much (measured: -0.02 to
        assert row["accuracy"] <= row["untrained"] + 0.05, target  # +0.01 of it, on 4,600 to 5,000 decisions)


@pytest.mark.slow
def test_the_trained_networks_own_green_vector_hardly_moves_it(trained_measured):
    steering = trained_measured[2]  # measured, of 28 decisive episodes: 0.71, 0.79, 0.75 at -1, 0, +1
    assert steering[0.0]["p_green_first"] >= 0.6
    # the hand-wired planner's vector, subtracted, takes it from 0.79 to 0.00; this network's hardly at all
    assert abs(steering[-1.0]["p_green_first"] - steering[0.0]["p_green_first"]) <= 0.15


def test_a_probe_decodes_a_move_the_features_carry_and_not_one_they_do_not():
    rng = np.random.default_rng(5)
    move = rng.integers(0, 4, 600)
    noise = rng.normal(size=(600, 10))
    carried = noise + 2.0 * np.eye(4)[move] @ rng.normal(size=(4, 10))  # the move, linearly, under noise
    fit = np.arange(600) % 2 == 0
    accuracy, best_guess, n = planning.probe_accuracy(carried, move, fit)
    assert accuracy > 0.9 and n == 300 and 0.25 <= best_guess < 0.35
    accuracy, best_guess, _ = planning.probe_accuracy(noise, move, fit)
    assert accuracy < best_guess + 0.05
    unknown = np.where(np.arange(600) < 590, planning.STAY, move)  # 5 held-out decisions with a label: too few
    assert planning.probe_accuracy(carried, unknown, fit)[0] is None


@pytest.mark.slow
def test_the_labels_are_the_first_moves_of_shortest_paths(worlds):
    """Every label, followed, takes the agent one step nearer its target (checked against the distance tables)."""
    mind = make_mind("neural", channels=2)
    batch = planning.mazes(worlds[1], 6, 3)
    result, controller = planning.play(mind, explorer(mind.architecture), worlds[1], batch, 0, record=True)
    decisions = controller.decisions()
    slots, tiles = decisions.slots, decisions.tiles
    maze = result.maze[slots]
    for name, label in planning.labels(result, batch, decisions).items():
        known = label >= 0
        assert known.sum() > 50, name
        after = batch.neighbors[maze[known], tiles[known], label[known]]
        assert (after >= 0).all()
        if name == "exit":
            exit_tile = batch.exit_tile[maze[known]]
            assert (batch.dist[maze[known], after, exit_tile] == batch.dist[maze[known], tiles[known], exit_tile] - 1).all()


@pytest.fixture(scope="module")
def neural_run(tmp_path_factory):
    run = tmp_path_factory.mktemp("planning") / "run"
    assert main(["train", TRAIN, "--mind", "neural", "--mind-option", "channels=2", "--updates", "3", "--mazes", "1",
                 "--rollouts", "2", "--seeds", "2", "--log-every", "1", "--out", str(run)]) == 0
    return run


@pytest.mark.slow
def test_evosim_planning_writes_the_three_tables_into_the_run_and_replaces_them_when_run_again(neural_run, capsys):
    argv = ["planning", str(neural_run), DEPLOY, "--episodes", "8", "--sizes", "6", "--thinking", "0,2",
            "--snapshots", "2"]
    assert main(argv) == 0
    first = {name: (neural_run / f"{name}.csv").read_bytes() for name in ("thinking", "target_probes", "steering")}
    thinking = rundir.read_csv(neural_run / "thinking.csv")
    assert [(r["seed"], r["thinking"]) for r in thinking] == [("0", "0"), ("1", "0"), ("0", "2"), ("1", "2")]
    probes = rundir.read_csv(neural_run / "target_probes.csv")
    assert {r["step"] for r in probes} == {"0", "3"} and {r["target"] for r in probes} == set(planning.TARGETS)
    assert [r["coefficient"] for r in rundir.read_csv(neural_run / "steering.csv")] == ["-1.0"] * 2 + ["0.0"] * 2 + [
        "1.0"] * 2
    assert {f"{name}.csv" for name in first} <= set(rundir.manifest(neural_run))
    assert main(argv) == 0  # the same measurement again: the same bytes, its rows replaced rather than added
    assert {name: (neural_run / f"{name}.csv").read_bytes() for name in first} == first


@pytest.mark.slow
@pytest.mark.parametrize("argv, message", [
    (["--sizes", "6,x"], "--sizes: '6,x' is not a comma-separated list of distinct whole numbers 2..40"),
    (["--thinking", "1,1"], "--thinking: '1,1' is not a comma-separated list of distinct whole numbers 0..64"),
    (["--episodes", "2"], "--episodes: "),
])
def test_a_bad_setting_is_one_line_before_anything_runs(neural_run, capsys, argv, message):
    before = sorted(p.name for p in neural_run.iterdir())
    assert main(["planning", str(neural_run), DEPLOY, *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"evosim: error: {message}") and err.count("\n") == 1
    assert sorted(p.name for p in neural_run.iterdir()) == before


@pytest.mark.slow
def test_it_refuses_a_run_of_another_mind_and_a_world_without_green(neural_run, tmp_path, capsys):
    assert main(["planning", str(neural_run), TRAIN]) == 2  # the training world's only green thing is its exit
    assert "its mazes hold no green object besides the exit" in capsys.readouterr().err
    planner = tmp_path / "planner"
    assert main(["evolve", TRAIN, "--population", "4", "--generations", "1", "--mazes", "1", "--seeds", "1",
                 "--out", str(planner)]) == 0
    capsys.readouterr()
    assert main(["planning", str(planner), DEPLOY]) == 2
    assert capsys.readouterr().err == (f"evosim: error: {planner}: a run of the planner mind; evosim planning "
                                       "measures neural runs\n")
