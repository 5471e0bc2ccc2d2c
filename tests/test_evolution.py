"""Evolution: DEAP-compatible selection, byte-identical runs under a seed, seeds on Dask."""
import random

import numpy as np
import pytest
from deap import creator, tools

from evosim.cli import main
from evosim.evolution import EvolutionSettings, evolve, select_sus
from evosim.minds import make_mind
from evosim.reporters import default_reporters

TABLES = ("generations.csv", "drives.csv", "deploy.csv")


def individuals(fitnesses):
    out = []
    for i, f in enumerate(fitnesses):
        ind = creator.EvosimIndividual(np.array([float(i)]))
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


@pytest.mark.parametrize("mind", ["planner", "reflex"])
def test_same_seed_gives_byte_identical_tables(tmp_path, mind):
    first = evolve_and_deploy(tmp_path / "a", mind, 5)
    second = evolve_and_deploy(tmp_path / "b", mind, 5)
    other = evolve_and_deploy(tmp_path / "c", mind, 6)
    assert set(first) >= {"generations.csv", "deploy.csv"}
    assert first == second
    assert first["generations.csv"] != other["generations.csv"]


def test_seeds_on_a_dask_local_cluster_match_seeds_in_process(tmp_path):
    local = evolve_and_deploy(tmp_path / "local", "planner", 1, "--seeds", "2")
    dask = evolve_and_deploy(tmp_path / "dask", "planner", 1, "--seeds", "2", "--workers", "2")
    assert local == dask
    assert b"\nevolution,planner,2," in local["generations.csv"]


def test_drives_are_logged_every_n_generations_and_at_the_end(train_world):
    mind = make_mind("planner")
    log = evolve(train_world, mind, EvolutionSettings(population=6, generations=5, mazes=1, log_every=2),
                 seed=0, reporters=default_reporters(mind, 2))
    steps = sorted({row["step"] for row in log.tables["drives"]})
    assert steps == [0, 2, 4, 5]
    assert len(log.tables["drives"]) == 4 * 6 * len(mind.drives(log.final_params)[0])


def test_budget_sets_generations(tmp_path):
    settings = EvolutionSettings(population=100, mazes=8)
    assert settings.generations_for_budget(8000) == 9  # 10 evaluated generations of 800 episodes


def test_default_budget_evolves_planners_that_reach_the_exit(train_world):
    """Must show: >= 95% of training episodes reach the exit after the default budget."""
    mind = make_mind("planner")
    log = evolve(train_world, mind, EvolutionSettings(), seed=1)
    assert log.generations[-1]["exit_rate"] >= 0.95


@pytest.mark.parametrize("mind, generations", [("planner", 60), ("reflex", 300)])
def test_evolve_defaults_to_the_minds_budget(mind, generations):
    from evosim.cli import evolution_settings, parser
    args = parser().parse_args(["evolve", "worlds/maze_train.toml", "--mind", mind, "--out", "x"])
    assert evolution_settings(args).generations == generations
    args = parser().parse_args(["evolve", "worlds/maze_train.toml", "--mind", mind, "--out", "x",
                                "--episodes-budget", "16000"])
    assert evolution_settings(args).generations == 9
