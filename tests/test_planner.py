"""The deployed planner's memory: past PLAN_CELLS it keeps no per-slot tile table, and chooses the same."""
import tracemalloc

import numpy as np

from evosim.minds import make_mind, planner
from evosim.worlds.maze.episodes import Episodes, run


def test_a_planner_past_plan_cells_holds_no_tile_table_and_walks_the_same(train_world, monkeypatch):
    mind = make_mind("planner")
    rng = np.random.default_rng(5)
    params = mind.init(rng, 300)
    batch = train_world.batch(train_world.sample(rng, 8))
    assert mind.controller(params, Episodes(batch, len(params), train_world.max_steps)).position_table is not None
    kept, _ = run(mind, params, batch, train_world.max_steps, np.random.default_rng(6))

    monkeypatch.setattr(planner, "PLAN_CELLS", 7 * batch.width)  # seven slots' tiles valued at a time
    episodes = Episodes(batch, len(params), train_world.max_steps)
    tracemalloc.start()
    controller = mind.controller(params, episodes)
    episodes.step(controller.act(np.random.default_rng(6)))  # every slot plans
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert controller.position_table is None
    assert peak < episodes.size * batch.width * 4  # half a float64 table of every slot's tiles (8 bytes a tile)

    episodes = Episodes(batch, len(params), train_world.max_steps)
    made = episodes.play(mind.controller(params, episodes), np.random.default_rng(6))
    for name in ("steps", "exit_reached", "apples", "explored", "first_visit"):
        assert np.array_equal(getattr(kept, name), getattr(made, name)), name
