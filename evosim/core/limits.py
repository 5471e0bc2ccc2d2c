"""The largest counts evosim takes: one place for every flag and experiment key that sets a count.

Each bound lies far past any study that finishes on one machine in a day, so it never stops a
real one; it stops a slip (1e9 for 1e3) at once, with the flag named, before anything is made.
What fits under these bounds is then weighed against memory (:mod:`evosim.runs.memory`).
"""
SEED = 2**32 - 1  # a first seed: what every generator takes whole, and seed + seeds stays an int64 in the tables
SEEDS = 1_000  # independent seeds of one run or sweep cell: each trains a whole population or learner
POPULATION = 100_000  # individuals evaluated at once in one generation
STEPS = 1_000_000  # generations or updates of one training run
MAZES = 10_000  # mazes each individual (or learner) runs per generation or update
EPISODES = 1_000_000  # deployment mazes each agent meets: a row of deploy.csv each
BUDGET = 10**10  # training episodes of one seed
TICKS = 10**8  # ticks of an ecology: a week at the shipped world's pace
GAME_EPISODES = 1_000  # a deception game's T or D, as its world file allows
