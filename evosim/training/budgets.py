"""The commands' default training budgets, in training episodes per seed (one population, or one learner), by mind.

A budget is a setting of the command that trains (``evolve``, ``demo``, ``sweep``),
not of a mind: a mind registered elsewhere gets the planner's budgets until it is
listed here. Where arms are compared (the demo, a sweep) every base optimizer
gets the same budget per seed.
"""
from __future__ import annotations

#: ``evosim evolve`` without --episodes-budget or --generations, and a sweep's arms without budgets.
EVOLVE = {"planner": 97_600,  # 61 generations of 200 individuals x 8 mazes
          "reflex": 481_600,  # 301 generations
          "neural": 9_600}  # 300 gradient updates of 32 episodes; openai-es: 37 generations of 64 x 4 mazes
#: ``evosim demo`` per arm and seed: (full, --quick).
DEMO = {"planner": (64_000, 12_800), "reflex": (48_000, 6_400)}


def default_budget(settings_class: type, mind: str) -> int | None:
    """Training episodes per seed of a run that names neither a budget nor its steps: evolution spends the
    mind's budget, other optimizers their settings' steps (None)."""
    return mind_budget(mind) if settings_class.command == "evolve" else None


def budgets_shown() -> str:
    """What the help says of the default budget of ``evolve``: each mind's."""
    return "the mind's: " + ", ".join(f"{mind} {budget:,}" for mind, budget in EVOLVE.items())


def steps_shown(settings_class: type) -> str:
    """What the help says of the default steps of ``evolve``: each mind's budget in steps of the default
    settings' size; a larger step makes fewer."""
    s = settings_class()
    per = s.episodes_per_step(1)
    return (f"as many as the mind's budget allows, {per:,} episodes a {s.step_name} by default: "
            + ", ".join(f"{mind} {s.with_budget(budget).steps:,}" for mind, budget in EVOLVE.items()))


def mind_budget(mind: str) -> int:
    """The mind's default budget per seed, the same for every base optimizer (a sweep arm's without budgets)."""
    return EVOLVE.get(mind, EVOLVE["planner"])


def demo_budget(mind: str, quick: bool) -> int:
    """Training episodes per seed of one demo arm of ``mind``."""
    return DEMO.get(mind, DEMO["planner"])[1 if quick else 0]
