"""A maze's regret is exact: the best goal return that follows from its shortest path is what a brute-force
search over every walk finds, and an episode's regret is that best less its own goal return."""
import itertools
import tomllib

import numpy as np
import pytest

from evosim.worlds import parse_world
from evosim.worlds.maze.batch import STAY
from helpers import TRAIN, draw_maze

#: Two ways round a wall from S to the exit, each 4 steps, and an apple off to one side.
LOOP = draw_maze("#####",
                 "#S.r#",
                 "#.#.#",
                 "#..E#",
                 "#####")
SHORTEST = 4


class Walks:
    """A controller that plays, in slot i, the i-th of every sequence of moves (a direction or STAY)."""

    def __init__(self, steps: int):
        self.moves = np.array(list(itertools.product([0, 1, 2, 3, STAY], repeat=steps)), dtype=np.int64)
        self.t = 0

    def act(self, rng) -> np.ndarray:
        self.t += 1
        return self.moves[:, self.t - 1]


@pytest.mark.parametrize("limit", [SHORTEST - 1, SHORTEST, SHORTEST + 2])
def test_the_best_goal_return_of_a_maze_is_what_every_walk_finds_at_best(limit):
    raw = tomllib.loads(open(TRAIN).read())
    raw["world"]["max_steps"] = limit
    world = parse_world(raw)
    batch = world.batch([LOOP])
    walks = Walks(limit)
    result = world.episodes(batch, len(walks.moves)).play(walks, None)
    goal = world.objective.goal(result)
    regret = world.regret(batch, result)
    best = world.objective.best_goal(batch.ends[:, 0, batch.exit_tile[0]], limit)[0]
    assert goal.max() == pytest.approx(best)  # brute force agrees with the shortest path
    assert regret == pytest.approx(best - goal) and regret.min() == pytest.approx(0.0) and (regret >= -1e-12).all()
    reached = result.exit_reached
    assert reached.any() == (limit >= SHORTEST)
    if reached.any():
        assert best == pytest.approx(world.objective.exit_credit - world.objective.step_cost * SHORTEST)
        assert set(result.steps[reached & (regret < 1e-12)]) == {SHORTEST}  # no regret: a shortest walk
    else:
        assert best == pytest.approx(-world.objective.step_cost * limit)
