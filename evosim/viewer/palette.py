"""The viewer's fixed colours: one per arm (optimizer x mind), whatever runs are loaded.

An arm's colour follows the registries, not the command line: the optimizer's
place in :data:`~evosim.optimizers.OPTIMIZERS` picks a hue, the mind a shade of it
(planner bright, reflex dark, neural pale; a mind registered elsewhere the shade
after those), so the GA's planners look the same beside one other run or beside five. Every
colour keeps away from the feature colours, so an agent never looks like an object.
"""
from __future__ import annotations

from evosim.minds import MINDS
from evosim.optimizers import OPTIMIZERS

#: Hues of the optimizers in registry order, each as the shades of :data:`SHADES`.
FAMILIES = (((255, 140, 30), (150, 85, 30), (255, 205, 150)),  # orange, brown, apricot
            ((245, 95, 190), (150, 40, 110), (255, 185, 230)),  # pink, plum, blush
            ((35, 200, 230), (0, 120, 130), (160, 240, 250)),  # cyan, teal, pale aqua
            ((150, 150, 255), (70, 60, 150), (205, 200, 255)))  # periwinkle, indigo, lavender
#: The minds with a shade of their own, in shade order; others follow in registry order.
SHADES = ("planner", "reflex", "neural")
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
    order = list(SHADES) + [m for m in minds if m not in SHADES]
    return family[order.index(mind) % len(family)]
