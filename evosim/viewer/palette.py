"""The viewer's fixed colours: one per arm (optimizer x mind), whatever runs are loaded.

An arm's colour follows the registries, not the command line: the optimizer's
place in :data:`~evosim.optimizers.OPTIMIZERS` picks a hue, the mind's place in
:data:`~evosim.minds.MINDS` a shade of it (planner bright, reflex dark), so
the GA's planners look the same beside one other run or beside five. Every
colour keeps away from the feature colours, so an agent never looks like an object.
"""
from __future__ import annotations

from evosim.minds import MINDS
from evosim.optimizers import OPTIMIZERS

#: Hues of the optimizers in registry order, each as its minds' shades in registry order.
FAMILIES = (((255, 140, 30), (150, 85, 30)),  # orange, brown
            ((245, 95, 190), (150, 40, 110)),  # pink, plum
            ((35, 200, 230), (0, 120, 130)),  # cyan, teal
            ((150, 150, 255), (70, 60, 150)))  # periwinkle, indigo
UNKNOWN = (210, 205, 150)  # an optimizer or mind no registry names (a run made by other code)
#: Colours of things the viewer shows in a pair, in order: the hand-set planners' drives, the savanna's species.
PAIR = ((255, 150, 40), (40, 200, 225))


def arms() -> list[tuple[str, str]]:
    """Every (optimizer, mind) pair the registries can make, in their order."""
    return [(optimizer, mind) for optimizer in OPTIMIZERS for mind in MINDS]


def arm_tint(optimizer: str, mind: str) -> tuple[int, int, int]:
    """The colour of agents made by ``optimizer`` (its name, e.g. ``ga``) with ``mind``."""
    optimizers, minds = list(OPTIMIZERS), list(MINDS)
    if optimizer not in optimizers or mind not in minds:
        return UNKNOWN
    family = FAMILIES[optimizers.index(optimizer) % len(FAMILIES)]
    return family[minds.index(mind) % len(family)]
