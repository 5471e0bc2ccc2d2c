"""Training budgets in episodes per mind, the same for every base optimizer.

A comparison between optimizers is fair only on equal budgets: ``--episodes-budget``
sets the total for ``evolve`` and ``train`` alike, and the demo gives every arm of a
mind the same budget.
"""

#: Default budget of ``evosim evolve`` (61 and 301 generations of 200 individuals x 8
#: mazes). ``evosim train`` defaults to GradientSettings.updates instead: gradient
#: learners need far fewer episodes.
DEFAULT = {"planner": 97_600, "reflex": 481_600}
#: Budgets of ``evosim demo``: (full, --quick).
DEMO = {"planner": (64_000, 12_800), "reflex": (80_000, 6_400)}
