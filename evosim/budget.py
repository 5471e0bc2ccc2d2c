"""Training budgets in episodes per mind, the same for every base optimizer.

A comparison between optimizers is fair only on equal budgets, so both ``evolve``
and ``train`` default to these, and the demo gives both its own smaller ones.
"""

#: Default budget of ``evosim evolve`` and ``evosim train`` (evolution: 61 and 201
#: generations of 200 individuals x 8 mazes).
DEFAULT = {"planner": 97_600, "reflex": 321_600}
#: Budgets of ``evosim demo``: (full, --quick).
DEMO = {"planner": (64_000, 6_400), "reflex": (160_000, 9_600)}
