"""The commands' default training budgets, in training episodes per run, by mind.

A budget is a setting of the command that trains (``evolve``, ``demo``), not of a
mind: a mind registered elsewhere gets the planner's budgets until it is listed here.
"""
from __future__ import annotations

#: ``evosim evolve`` without --episodes-budget or --generations.
EVOLVE = {"planner": 97_600,  # 61 generations of 200 individuals x 8 mazes
          "reflex": 481_600}  # 301 generations
#: ``evosim demo`` per arm: (full, --quick).
DEMO = {"planner": (64_000, 12_800), "reflex": (80_000, 6_400)}


def default_budget(settings_class: type, mind: str) -> int | None:
    """Training episodes of a run that names neither a budget nor its steps: evolution spends the
    mind's budget, other optimizers their settings' steps (None)."""
    return EVOLVE.get(mind, EVOLVE["planner"]) if settings_class.command == "evolve" else None


def demo_budget(mind: str, quick: bool) -> int:
    """Training episodes of one demo arm of ``mind``."""
    return DEMO.get(mind, DEMO["planner"])[1 if quick else 0]
