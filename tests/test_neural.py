"""The neural mind: what it sees, a hand-set heuristic, its batched forward pass, its policy gradient back
through whole episodes, and its runs (same seed, same bytes)."""
import numpy as np
import pytest

from evosim.commands.cli import main
from evosim.minds import make_mind
from evosim.minds.neural import AGENT, OBJECT, VISITED, WALL, NeuralLearner, bucket, explorer
from evosim.worlds.maze.batch import MazeBatch
from evosim.worlds.maze.episodes import Episodes
from helpers import TRAIN


@pytest.fixture(scope="module")
def batch(train_world):
    return MazeBatch.of(train_world.sample(np.random.default_rng(4), 6))


def play(mind, params, batch, max_steps, seed=1, n_agents=None):
    episodes = Episodes(batch, len(params), max_steps)
    return episodes, episodes.play(mind.controller(params, episodes), np.random.default_rng(seed))


def test_it_sees_walls_objects_visited_tiles_and_itself(batch):
    mind = make_mind("neural")
    e = Episodes(batch, 1, 60)
    controller = mind.controller(explorer(mind.architecture), e)
    rng = np.random.default_rng(3)
    for _ in range(50):
        e.step(controller.act(rng))
    slots = np.arange(e.size)
    x = controller.observe(slots)
    np.testing.assert_array_equal(x[..., WALL], batch.index[e.maze] < 0)
    for s in slots:
        k = e.maze[s]
        row, col = batch.tiles[k, e.pos[s]]
        assert x[s, :, :, AGENT].sum() == 1 and x[s, row, col, AGENT] == 1
        visited = batch.tiles[k, np.flatnonzero(e.first_visit[s] >= 0)]
        assert x[s, :, :, VISITED].sum() == len(visited) and x[s, visited[:, 0], visited[:, 1], VISITED].all()
        for o in np.flatnonzero(batch.obj_tile[k] >= 0):
            row, col = batch.tiles[k, batch.obj_tile[k, o]]
            assert x[s, row, col, OBJECT].sum() == (0 if e.eaten[s, o] else 2)  # its shape and colour, or gone
    assert e.eaten[:, 1:].any(), "no apple was eaten: the test saw no object vanish"


def test_a_hand_set_explorer_finds_exits_and_avoids_walls(train_world, batch):
    for recurrent in (True, False):
        mind = make_mind("neural", recurrent=recurrent)
        e, found = play(mind, explorer(mind.architecture), batch, train_world.max_steps)
        _, random = play(mind, mind.init(np.random.default_rng(0), 1), batch, train_world.max_steps)
        assert found.exit_reached.mean() >= 0.5 > random.exit_reached.mean() + 0.3
        assert (found.explored > random.explored).all()


def test_each_slot_acts_with_its_own_parameters_whatever_else_runs(train_world, batch):
    """A population evaluated together moves as each agent would alone (slots are batched, never mixed)."""
    mind = make_mind("neural", channels=4)
    params = mind.init(np.random.default_rng(1), 3)
    together = Episodes(batch, 3, 40)
    controller = mind.controller(params, together)
    logits = controller.logits(np.arange(together.size), controller.observe(np.arange(together.size)),
                               controller.positions(np.arange(together.size)), 2)
    for a in range(3):
        alone = Episodes(batch, 1, 40)
        c = mind.controller(params[a:a + 1], alone)
        slots = np.arange(alone.size)
        mine = c.logits(slots, c.observe(slots), c.positions(slots), 2)
        np.testing.assert_allclose(mine, logits[together.agent == a], rtol=1e-5, atol=1e-5)


def test_buckets_hold_the_running_slots_in_few_shapes():
    assert [bucket(n, 64) for n in (64, 33, 32, 17, 3, 1)] == [64, 64, 32, 32, 4, 1]
    assert {bucket(n, 2048) for n in range(1, 2049)} == {2048 >> i for i in range(12)}


def test_the_feed_forward_control_forgets_between_moves(batch):
    mind = make_mind("neural", recurrent=False, ticks=2)
    params = mind.init(np.random.default_rng(2), 1)
    e = Episodes(batch, 1, 10)
    c = mind.controller(params, e)
    slots = np.arange(e.size)
    x, pos = c.observe(slots), c.positions(slots)
    first = c.logits(slots, x, pos, 2)
    np.testing.assert_array_equal(c.logits(slots, x, pos, 2), first)  # the same view, the same logits
    recurrent = make_mind("neural", ticks=2)
    c = recurrent.controller(recurrent.init(np.random.default_rng(2), 1), Episodes(batch, 1, 10))
    assert not np.allclose(c.logits(slots, x, pos, 2), c.logits(slots, x, pos, 2))  # its state moved on


class Replaying(NeuralLearner):
    """A learner that makes the given moves, whatever its network says, and keeps every logit it computed."""

    def __init__(self, arch, params, episodes, moves):
        super().__init__(arch, params, episodes)
        self.moves, self.seen = iter(moves), []

    def choose(self, p, slots, rng):
        self.seen.append(np.log(p))
        return np.array([next(self.moves) for _ in slots])


@pytest.mark.parametrize("recurrent", [True, False])
def test_the_policy_gradient_is_the_derivative_of_what_it_did(batch, recurrent):
    """The gradient, back through whole episodes from recorded observations, matches central differences of
    ``sum(weight * log p(move))`` over the moves it took, made again with nudged parameters."""
    mind = make_mind("neural", channels=4, recurrent=recurrent)
    params = mind.init(np.random.default_rng(7), 2) + np.random.default_rng(8).normal(0, 0.2, (2, mind.n_params))
    e = Episodes(batch, 2, 25)
    learner = NeuralLearner(mind.architecture, params, e)
    e.play(learner, np.random.default_rng(5))
    move = np.concatenate([r[4] for r in learner.records])
    weight = np.random.default_rng(9).normal(size=len(move))
    grad = learner.gradient(weight, 0.0)
    direction = np.random.default_rng(10).normal(size=params.shape)
    direction /= np.linalg.norm(direction)

    def objective(p):
        e = Episodes(batch, 2, 25)
        replay = Replaying(mind.architecture, p, e, move)
        e.play(replay, None)
        logp = np.concatenate(replay.seen)
        return float((weight * logp[np.arange(len(move)), move]).sum())

    eps = 1e-2
    numeric = (objective(params + eps * direction) - objective(params - eps * direction)) / (2 * eps)
    assert abs((grad * direction).sum() - numeric) < 0.02 * abs(numeric)


@pytest.mark.slow
def test_same_seed_same_bytes_for_an_evolution_strategy_and_the_policy_gradient(tmp_path):
    for command in (["evolve", "--algorithm", "openai-es", "--population", "6", "--generations", "1", "--mazes", "2"],
                    ["train", "--updates", "1", "--mazes", "1", "--rollouts", "3"]):
        outs = []
        for name in ("a", "b"):
            out = tmp_path / f"{command[0]}-{name}"
            assert main([command[0], TRAIN, "--mind", "neural", "--mind-option", "channels=4", *command[1:],
                         "--seeds", "1", "--out", str(out)]) == 0
            outs.append(out)
        for name in ("generations.csv", "agents.npz"):
            assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), (command[0], name)


def test_a_population_of_networks_too_large_for_memory_is_refused_where_planners_would_fit(tmp_path, capsys,
                                                                                            monkeypatch):
    """A network holds kilobytes per episode and tile (its hidden state and the jitted step's copies), a planner
    bytes: the estimate before compute refuses the networks, in one line, on a machine the planners fit."""
    from evosim.optimizers.open_es import OpenESSettings
    from evosim.runs import memory
    from evosim.training.evaluators import Fitness
    from evosim.worlds import load_world

    monkeypatch.setattr(memory, "available_memory", lambda: 2**30)  # 1 GiB
    argv = ["evolve", TRAIN, "--algorithm", "openai-es", "--population", "2048", "--mazes", "8", "--generations", "1"]
    assert main([*argv, "--mind", "neural", "--out", str(tmp_path / "n")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("evosim: error: --population: 2048") and err.count("\n") == 1
    assert not (tmp_path / "n").exists()
    settings = OpenESSettings(population=2048, mazes=8)
    assert Fitness.step_memory(load_world(TRAIN), make_mind("planner"), settings, 1) < 2**30 / 4
    assert make_mind("neural", channels=32).tile_bytes > make_mind("neural").tile_bytes
