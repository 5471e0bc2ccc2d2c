"""A mind is one module: one registered here runs under evolve, deploy, probes and bench, untouched elsewhere."""
import numpy as np
import pytest

from evosim.runs import rundir
from evosim.commands.cli import main
from evosim.core.features import N_FEATURES, object_features
from evosim.core.outcome_names import OUTCOMES
from evosim.minds import MINDS, register_mind
from evosim.minds.base import Mind


class Beeline(Mind):
    """Walks the shortest way to the object its drives value most (eaten or not)."""

    name = "beeline"
    n_params = N_FEATURES

    def init(self, rng, n):
        return rng.normal(size=(n, N_FEATURES))

    def drives(self, params):
        return params

    def controller(self, params, episodes):
        return BeelineController(params, episodes)


class BeelineController:
    def __init__(self, params, episodes):
        self.episodes = e = episodes
        b = e.batch
        value = (object_features(b.obj_color, b.obj_shape) @ params.T)[e.maze, :, e.agent]  # (S, N)
        value[b.obj_tile[e.maze] < 0] = -np.inf
        self.target = b.obj_tile[e.maze, value.argmax(1)]

    def act(self, rng):
        e = self.episodes
        return e.batch.next_move[e.maze, e.pos, self.target]


@pytest.fixture
def beeline():
    register_mind(Beeline)
    yield
    del MINDS["beeline"]


@pytest.mark.slow
def test_a_new_mind_runs_under_evolve_deploy_probes_and_bench(beeline, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["evolve", "worlds/maze_train.toml", "--mind", "beeline", "--population", "30",
                 "--generations", "4", "--mazes", "4", "--log-every", "2", "--out", str(out)]) == 0
    probes = rundir.read_csv(out / "probes.csv")
    assert {r["mind"] for r in probes} == {"beeline"} and {r["step"] for r in probes} == {"0", "2", "4"}
    assert {r["proxy"] for r in probes} == {"color:green", "position:bottom-right"}
    assert len(rundir.read_csv(out / "drives.csv")) == 3 * 30 * N_FEATURES  # its drives are explicit
    assert rundir.read_csv(out / "alignment.csv")
    rates = [float(r["exit_rate"]) for r in rundir.read_csv(out / "generations.csv")]
    assert rates[-1] > rates[0]  # selection finds the exit-valuing drives

    assert main(["deploy", str(out), "worlds/maze_deploy.toml", "--episodes", "4"]) == 0
    rows = rundir.read_csv(out / "deploy.csv")
    assert len(rows) == 30 * 4 and {r["mind"] for r in rows} == {"beeline"}
    assert {r["outcome"] for r in rows} <= set(OUTCOMES)
    assert rundir.load_agents(out).make_mind().name == "beeline"

    capsys.readouterr()
    assert main(["bench", "--population", "10", "--repeats", "1", "--only", "steps/"]) == 0  # the minds' figures
    assert "maze-deploy  beeline" in capsys.readouterr().out


def test_a_new_mind_gets_the_default_budget_and_no_policy_gradient(beeline, tmp_path, capsys):
    from evosim.commands.cli import parser, training_job

    args = parser().parse_args(["evolve", "worlds/maze_train.toml", "--mind", "beeline", "--out", "x"])
    assert training_job(args, "evolve").settings.generations == 60  # the planner's 97,600 / 1,600 - 1
    assert main(["train", "worlds/maze_train.toml", "--mind", "beeline", "--out", str(tmp_path / "t")]) == 2
    assert capsys.readouterr().err == ("evosim: error: --mind: 'beeline' has no policy gradient; "
                                       "shape it with 'evosim evolve'\n")
    assert not (tmp_path / "t").exists()
