"""Evolution, by DEAP's toolbox (ga), by CMA-ES and by OpenAI-ES: selection, byte-identical runs, seeds on Dask,
flags."""
import json
import random

import numpy as np
import pytest
from deap import tools

from evosim.runs import rundir
from evosim.commands.cli import main, parser, training_job
from evosim.minds import make_mind
from evosim.optimizers.cma_es import CMAESSettings
from evosim.optimizers.ga import TIE, GASettings, Individual, select_sus
from evosim.training.reporters import default_reporters
from helpers import evolve, run_optimizer

TABLES = ("generations.csv", "drives.csv", "probes.csv", "deploy.csv", "agents.npz")


def individuals(fitnesses):
    out = []
    for i, f in enumerate(fitnesses):
        ind = Individual(np.array([float(i)]))
        ind.fitness.values = (f,)
        out.append(ind)
    return out


def test_sus_picks_what_deaps_picks():
    rng = np.random.default_rng(4)
    pop = individuals(rng.random(57) * rng.integers(0, 2, 57))
    for seed in range(20):
        random.seed(seed)
        ours = [ind[0] for ind in select_sus(pop, 40)]
        random.seed(seed)
        theirs = [ind[0] for ind in tools.selStochasticUniversalSampling(pop, 40)]
        assert ours == theirs


def test_sus_gives_offspring_in_proportion_to_fitness():
    pop = individuals([1.0, 3.0, 0.0, 4.0])
    random.seed(0)
    counts = np.bincount([int(ind[0]) for ind in select_sus(pop, 800)], minlength=4)
    assert counts.tolist() == [100, 300, 0, 400]


def evolve_and_deploy(out, mind, seed, *extra):
    argv = ["evolve", "worlds/maze_train.toml", "--mind", mind, "--population", "12", "--mazes", "2",
            "--generations", "3", "--log-every", "2", "--seed", str(seed), "--out", str(out), *extra]
    assert main(argv) == 0
    assert main(["deploy", str(out), "worlds/maze_deploy.toml", "--episodes", "3"]) == 0
    return {t: (out / t).read_bytes() for t in TABLES if (out / t).exists()}


@pytest.mark.slow
@pytest.mark.parametrize("algorithm", ["ga", "cma-es", "openai-es"])
@pytest.mark.parametrize("mind", ["planner", "reflex"])
def test_same_seed_gives_byte_identical_tables(tmp_path, mind, algorithm):
    first = evolve_and_deploy(tmp_path / "a", mind, 5, "--algorithm", algorithm)
    np.random.seed(123)  # the global numpy stream must not matter (deap.cma would draw from it)
    random.seed(321)  # nor the global random (DEAP's operators would draw from it)
    second = evolve_and_deploy(tmp_path / "b", mind, 5, "--algorithm", algorithm)
    other = evolve_and_deploy(tmp_path / "c", mind, 6, "--algorithm", algorithm)
    assert set(first) >= {"generations.csv", "deploy.csv", "probes.csv", "agents.npz"}
    assert first == second
    assert first["generations.csv"] != other["generations.csv"]
    assert first["generations.csv"].splitlines()[1].startswith(f"{algorithm},{mind},5,0,".encode())


@pytest.mark.slow
@pytest.mark.parametrize("algorithm", ["ga", "cma-es", "openai-es"])
def test_seeds_on_a_dask_local_cluster_match_seeds_in_process(tmp_path, algorithm):
    local = evolve_and_deploy(tmp_path / "local", "planner", 1, "--seeds", "2", "--algorithm", algorithm)
    dask = evolve_and_deploy(tmp_path / "dask", "planner", 1, "--seeds", "2", "--workers", "2",
                             "--algorithm", algorithm)
    assert local == dask
    assert f"\n{algorithm},planner,2,".encode() in local["generations.csv"]


def test_cma_es_leaves_the_global_numpy_stream_alone(train_world):
    mind = make_mind("planner")
    np.random.seed(7)
    expected = np.random.random(3)
    np.random.seed(7)
    run_optimizer(train_world, mind, "cma-es", CMAESSettings(population=6, generations=2, mazes=1), [0])
    assert np.array_equal(np.random.random(3), expected)


def test_cma_es_logs_its_step_size_and_learns(train_world):
    """CMA-ES is a base optimizer like the others: from random drives to the exit in 10 generations."""
    mind = make_mind("planner")
    (log,) = run_optimizer(train_world, mind, "cma-es",
                           CMAESSettings(population=30, generations=10, mazes=4, sigma=0.5), [3])
    rows = log.generations
    assert rows[0]["step_size"] == 0.5 and rows[-1]["step_size"] != 0.5
    assert {r["optimizer"] for r in rows} == {"cma-es"}
    assert np.mean([r["exit_rate"] for r in rows[:2]]) < 0.8 < np.mean([r["exit_rate"] for r in rows[-2:]])


def test_drives_are_logged_every_n_generations_and_at_the_end(train_world):
    mind = make_mind("planner")
    log = evolve(train_world, mind, GASettings(population=6, generations=5, mazes=1, log_every=2),
                 seed=0, reporters=default_reporters(mind, 2))
    steps = sorted({row["step"] for row in log.tables["drives"]})
    assert steps == [0, 2, 4, 5]
    assert len(log.tables["drives"]) == 4 * 6 * len(mind.drives(log.final_params)[0])


def test_budget_sets_generations():
    assert GASettings(population=100, mazes=8).with_budget(8000).generations == 9  # 10 x 800
    assert CMAESSettings(population=100, mazes=8).with_budget(8000).generations == 9  # per seed


@pytest.mark.slow
def test_default_budget_evolves_planners_that_reach_the_exit(train_world):
    """Must show: >= 95% of training episodes reach the exit after the default budget."""
    mind = make_mind("planner")
    log = evolve(train_world, mind, GASettings(), seed=1)
    assert log.generations[-1]["exit_rate"] >= 0.95


def settings_of(*argv):
    args = parser().parse_args(["evolve", "worlds/maze_train.toml", "--out", "x", *argv])
    job = training_job(args, "evolve")
    return job.settings, job.seeds


@pytest.mark.parametrize("algorithm", ["ga", "cma-es"])
@pytest.mark.parametrize("mind, generations", [("planner", 60), ("reflex", 300)])
def test_evolve_defaults_to_the_minds_budget(mind, generations, algorithm):
    settings, seeds = settings_of("--mind", mind, "--algorithm", algorithm)
    assert settings.algorithm == algorithm and settings.generations == generations and seeds == [0]
    settings, _ = settings_of("--mind", mind, "--algorithm", algorithm, "--episodes-budget", "16000")
    assert settings.generations == 9
    settings, _ = settings_of("--mind", mind, "--algorithm", algorithm, "--generations", "4")
    assert settings.generations == 4


@pytest.mark.slow
def test_booleans_switch_off_with_no(tmp_path):
    assert settings_of()[0].windowing is True
    assert settings_of("--no-windowing")[0].windowing is False
    with pytest.raises(SystemExit):  # "--windowing False" used to read as True
        settings_of("--windowing", "False")
    windowed = evolve_and_deploy(tmp_path / "w", "planner", 2)
    plain = evolve_and_deploy(tmp_path / "p", "planner", 2, "--no-windowing")
    assert json.loads((tmp_path / "p" / "run.json").read_text())["settings"]["ga"]["windowing"] is False
    windowed_min = {float(r["fitness_min"]) for r in rundir.read_csv(tmp_path / "w" / "generations.csv")}
    plain_min = {float(r["fitness_min"]) for r in rundir.read_csv(tmp_path / "p" / "generations.csv")}
    assert max(abs(m - TIE) for m in windowed_min) < 1e-12  # the generation's worst is the baseline
    assert min(plain_min) > 100 * TIE  # the lowest possible objective is the baseline
    assert windowed["generations.csv"] != plain["generations.csv"]
