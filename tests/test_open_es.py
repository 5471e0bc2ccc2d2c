"""Evolution by OpenAI-ES: it climbs, the run keeps and probes its mean, same seed same bytes, a resumed run
writes what a whole one writes, an odd population is refused, and no command pays for importing JAX until it runs
the ES."""
import subprocess
import sys

import numpy as np
import pytest

from evosim.commands.cli import main
from evosim.core.streams import stream
from evosim.minds import make_mind
from evosim.optimizers.open_es import OpenES, OpenESSettings
from evosim.runs import rundir
from evosim.training.loop import Training
from evosim.training.reporters import default_reporters
from helpers import TRAIN, run_optimizer

SMALL = ["evolve", TRAIN, "--algorithm", "openai-es", "--mind", "reflex", "--population", "8", "--mazes", "2",
         "--log-every", "2"]
OUTPUTS = ("generations.csv", "probes.csv", "agents.npz")


def outputs(run) -> dict[str, bytes]:
    return {name: (run / name).read_bytes() for name in OUTPUTS}


def test_the_mean_climbs_a_quadratic_to_its_top():
    optimum = np.linspace(-1.0, 1.0, 20)
    settings = OpenESSettings(population=16, sigma=0.05, learning_rate=0.05)
    es = OpenES(settings, lambda rng, n: rng.normal(size=(n, 20)), [stream("evolution", 3)])
    start = np.linalg.norm(es.search.mean - optimum)
    for _ in range(100):
        candidates = es.ask()
        es.tell(-((candidates - optimum) ** 2).sum(1))  # a fitness to maximise, highest at the optimum
    assert start > 3.0 and np.linalg.norm(es.search.mean - optimum) < 0.3  # a wrong sign would run away


def test_candidates_are_antithetic_pairs_around_the_mean():
    es = OpenES(OpenESSettings(population=6, sigma=0.5), lambda rng, n: rng.normal(size=(n, 4)),
                [stream("evolution", 0)])
    candidates = es.ask()
    assert candidates.shape == (6, 4) and candidates.dtype == np.float64
    mean = np.asarray(es.search.mean)
    np.testing.assert_allclose(candidates[:3] + candidates[3:], np.tile(2 * mean, (3, 1)), atol=1e-6)


@pytest.mark.slow
def test_same_seed_gives_the_same_bytes_and_a_resumed_run_the_same_as_a_whole_one(tmp_path, monkeypatch):
    argv = [*SMALL, "--generations", "5", "--checkpoint-every", "1"]
    assert main([*argv, "--out", str(tmp_path / "a")]) == 0
    assert main([*argv, "--out", str(tmp_path / "b")]) == 0
    whole = outputs(tmp_path / "a")
    assert whole == outputs(tmp_path / "b")  # (test_evolution: another seed, other bytes; deployed, the same)
    rows = rundir.read_csv(tmp_path / "a" / "generations.csv")
    assert [r["optimizer"] for r in rows] == ["openai-es"] * 6
    assert {float(r["step_size"]) for r in rows} == {np.float32(0.05)} and len({r["mean_norm"] for r in rows}) == 6

    step = Training.step

    def stopping(self):
        if self.position == 3:
            raise KeyboardInterrupt
        step(self)

    run = tmp_path / "stopped"
    with monkeypatch.context() as m:
        m.setattr(Training, "step", stopping)
        assert main([*argv, "--out", str(run)]) == 130
    assert rundir.status(run) == rundir.INTERRUPTED
    assert main(["resume", str(run)]) == 0
    assert outputs(run) == whole


def test_the_run_keeps_and_probes_the_mean_not_its_perturbations(train_world, monkeypatch):
    asked = []
    ask = OpenES.ask
    monkeypatch.setattr(OpenES, "ask", lambda self: asked.append(ask(self)) or asked[-1])
    mind = make_mind("reflex")
    (log,) = run_optimizer(train_world, mind, "openai-es", OpenESSettings(population=6, generations=2, mazes=1),
                           [4], default_reporters(mind, 1, train_world, probe_mazes=1))
    last = asked[-1]
    assert log.final_params.shape == (1, mind.n_params)
    np.testing.assert_allclose(log.final_params[0], last.mean(0), atol=1e-6)  # antithetic pairs centre on it
    assert not np.allclose(last, last.mean(0))
    assert {row["agent"] for row in log.tables["probes"]} == {0} and len(log.generations) == 3


def test_an_odd_population_is_one_line_before_anything_is_written(tmp_path, capsys):
    out = tmp_path / "r"
    assert main([*SMALL, "--population", "7", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == ("evosim: error: --population: 7 must be even (each perturbation is evaluated with its mirror "
                   "image)\n")
    assert not out.exists()


def test_commands_do_not_import_jax_until_they_run_the_es():
    code = ("import sys\n"
            "from evosim.commands.cli import parser\n"
            "parser().format_help()\n"
            "assert not {'jax', 'optax', 'evosax'} & set(sys.modules), 'imported at start'\n")
    subprocess.run([sys.executable, "-c", code], check=True)
