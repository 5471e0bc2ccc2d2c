"""Food as slots: every kind has ``count`` slots, each holding an item or waiting to grow one back.

Slots of a kind are contiguous, so a kind's items are one slice of the arrays.
A kind is active from tick 0 (ancestral) or from the shift on; an eaten item's
slot grows a new item with the kind's ``regrow`` chance each tick, at a fresh
place in its patch (or anywhere). :meth:`Food.nearest` answers, for many points at
once, the nearest item of every kind (by :class:`~evosim.worlds.savanna.nearest.Nearest`).
"""
from __future__ import annotations

import numpy as np

from evosim.core.compiled import compiled
from evosim.worlds.savanna.nearest import Nearest, geometry, item_cell, locate


class Food:
    """The food items of an arena: positions, kinds and which slots hold an item."""

    def __init__(self, world, rng: np.random.Generator):
        self.size = world.size
        counts = np.array([k.count for k in world.foods])
        self.bounds = np.concatenate([[0], np.cumsum(counts)])
        self.kind = np.repeat(np.arange(len(counts)), counts)
        self.regrow = np.array([k.regrow for k in world.foods])
        self.centre = np.array([k.patch[:2] if k.patch else (np.nan, np.nan) for k in world.foods])
        self.spread = np.array([k.patch[2] if k.patch else np.nan for k in world.foods])
        self.pos = np.zeros((len(self.kind), 2))
        # each kind's grid of cells, and each slot's cell in it, kept as items are placed (for the nearest items)
        self.sides, self.base = geometry(self.bounds)
        self.cells = np.zeros(len(self.kind), np.int64)
        self.alive = np.zeros(len(self.kind), bool)
        self.active = np.zeros(len(counts), bool)
        self.activate(np.arange(world.ancestral), rng)

    @property
    def n_kinds(self) -> int:
        return len(self.active)

    def activate(self, kinds: np.ndarray, rng: np.random.Generator) -> None:
        """Let ``kinds`` grow from now on, every slot of them holding an item at once."""
        self.active[kinds] = True
        self.grow(np.flatnonzero(np.isin(self.kind, kinds) & ~self.alive), rng)

    def grow(self, slots: np.ndarray, rng: np.random.Generator) -> None:
        """Put an item in each of the ``slots`` (ascending), at a random place of its kind."""
        n = len(slots)
        anywhere, reach, angle = rng.random((n, 2)), rng.random(n), rng.random(n) * 2 * np.pi
        place(self.pos, self.alive, self.cells, slots, self.kind, self.centre, self.spread, self.size, anywhere,
              reach, np.cos(angle), np.sin(angle), self.sides, self.base)

    def regrow_step(self, rng: np.random.Generator) -> None:
        """One tick of regrowth: each empty slot of an active kind grows back with its kind's chance."""
        self.grow(regrowing(self.alive, self.active, self.kind, self.regrow, rng.random(len(self.kind))), rng)

    def available(self) -> np.ndarray:
        """(kinds,) items of each kind in the arena now."""
        return np.bincount(self.kind[self.alive], minlength=self.n_kinds)

    def nearest(self, points: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray]:
        """(N, kinds) distance to the nearest item of each kind within ``radius`` (inf if none), and its slot (-1)."""
        return Nearest(self).table(points, radius)

    def state(self) -> dict[str, np.ndarray]:
        return {"food_pos": self.pos, "food_alive": self.alive, "food_active": self.active}

    def restore(self, arrays: dict[str, np.ndarray]) -> None:
        self.pos, self.alive, self.active = arrays["food_pos"], arrays["food_alive"], arrays["food_active"]
        locate(self.pos, self.kind, self.sides, self.base, float(self.size), self.cells)


@compiled
def regrowing(alive, active, kind, regrow, draw):
    """The empty slots of active kinds whose ``draw`` (uniform, one a slot) falls below their kind's chance."""
    slots, m = np.empty(len(alive), np.int64), 0
    for s in range(len(alive)):
        if not alive[s] and active[kind[s]] and draw[s] < regrow[kind[s]]:
            slots[m], m = s, m + 1
    return slots[:m]


@compiled
def place(pos, alive, cells, slots, kind, centre, spread, size, anywhere, reach, cos, sin, sides, base):
    """Put an item in each slot: at ``anywhere`` (uniform in the unit square) times the arena's side, or in its
    patch, ``spread * sqrt(reach)`` from the centre in the direction (cos, sin); inside the arena. Its cell, in
    the grids of ``sides`` and ``base``, into ``cells``."""
    for j in range(len(slots)):
        s, k = slots[j], kind[slots[j]]
        if np.isnan(spread[k]):
            x, y = anywhere[j, 0] * size, anywhere[j, 1] * size
        else:
            r = spread[k] * np.sqrt(reach[j])
            x, y = centre[k, 0] + r * cos[j], centre[k, 1] + r * sin[j]
        pos[s, 0], pos[s, 1] = min(max(x, 0.0), size), min(max(y, 0.0), size)
        alive[s] = True
        cells[s] = item_cell(pos, s, kind, sides, base, size)
