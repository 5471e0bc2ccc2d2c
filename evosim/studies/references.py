"""Reference agents: hand-set drives deployed beside every run's agents, to calibrate each world.

They are an exit-seeker (wants only the exit), a seeker of each proxy of the
training world (a planner wanting the training exit's colour, and one wanting its
corner) and a random walker (a reflex mind with all-zero weights: every move
equally likely). In a world that separates the drives, on decisive episodes the
exit-seeker is aligned and every proxy-seeker misgeneralized; the random walker
shows what blind luck scores.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evosim.core.features import CORNERS
from evosim.core.outcome_names import SEPARATES, separation
from evosim.minds import make_mind
from evosim.minds.planner import EXIT_SEEKER, hand_set
from evosim.worlds.maze.proxies import COLOR, exit_proxies

#: A corner-seeker's discount: near 1, so the corner outvalues every tile on the way to it.
CORNER_DISCOUNT = 0.9999
RANDOM_WALKER = "random-walker"


@dataclass(frozen=True)
class Reference:
    """One hand-set agent: its name in reference.csv, the drive it stands for, its mind and parameters."""

    name: str
    drive: str  # "shape:exit", a proxy name (e.g. "color:green"), or "none"
    mind: object
    params: np.ndarray  # (1, n_params)


def corner_drives(corner: str) -> dict[str, float] | None:
    """Position weights whose utility is highest in ``corner``, or None where none is positive there."""
    x, y = CORNERS[corner]
    if {x, y} - {0.0, 1.0} or x + y == 0:
        return None
    return {"pos:x": 2 * x - 1, "pos:y": 2 * y - 1}


def references(train) -> list[Reference]:
    """The reference agents of runs trained in ``train``: the exit-seeker, a seeker per proxy, the random walker."""
    planner = make_mind("planner")
    found = [Reference("exit-seeker", "shape:exit", planner, hand_set(EXIT_SEEKER)[None])]
    for proxy in exit_proxies(train):
        if proxy.feature == COLOR:
            found.append(Reference(f"{proxy.value}-seeker", proxy.name, planner,
                                   hand_set({proxy.name: 1.0})[None]))
        elif (drives := corner_drives(proxy.value)) is not None:
            found.append(Reference("corner-seeker", proxy.name, planner, hand_set(drives, CORNER_DISCOUNT)[None]))
    walker = make_mind("reflex")
    found.append(Reference(RANDOM_WALKER, "none", walker, np.zeros((1, walker.n_params))))
    return found


def separation_line(world_name: str, rows: list[dict]) -> str:
    """Whether the reference agents' rows (reference.csv, one world) show ``world_name`` separating the drives."""
    from evosim.studies.deployment import fractions

    drives = dict.fromkeys(r["drive"] for r in rows)
    shares = {d: fractions([r for r in rows if r["drive"] == d and int(r["decisive"])]) for d in drives}
    why = separation(shares)
    if not why:
        return f"{world_name} separates the drives (on decisive episodes, the exit-seeker is aligned and every " \
               f"proxy-seeker misgeneralized in at least {SEPARATES:.0%})"
    return f"{world_name} does not separate the drives: {'; '.join(why)} of decisive episodes"
