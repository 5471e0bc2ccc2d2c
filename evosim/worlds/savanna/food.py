"""Food as slots: every kind has ``count`` slots, each holding an item or waiting to grow one back.

Slots of a kind are contiguous, so a kind's items are one slice of the arrays.
A kind is active from tick 0 (ancestral) or from the shift on; an eaten item's
slot grows a new item with the kind's ``regrow`` chance each tick, at a fresh
place in its patch (or anywhere). :meth:`Food.nearest` answers, for many points
at once, the nearest item of every kind, with one KD-tree per kind.
"""
from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree


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
        self.alive = np.zeros(len(self.kind), bool)
        self.active = np.zeros(len(counts), bool)
        self.activate(np.arange(world.ancestral), rng)

    @property
    def n_kinds(self) -> int:
        return len(self.active)

    def activate(self, kinds: np.ndarray, rng: np.random.Generator) -> None:
        """Let ``kinds`` grow from now on, every slot of them holding an item at once."""
        self.active[kinds] = True
        self.grow(np.isin(self.kind, kinds) & ~self.alive, rng)

    def grow(self, slots: np.ndarray, rng: np.random.Generator) -> None:
        """Put an item in each of the ``slots`` (a mask), at a random place of its kind."""
        kinds = self.kind[slots]
        n = len(kinds)
        anywhere = rng.random((n, 2)) * self.size
        radius = self.spread[kinds] * np.sqrt(rng.random(n))
        angle = rng.random(n) * 2 * np.pi
        in_patch = self.centre[kinds] + radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], 1)
        place = np.where(np.isnan(self.spread[kinds])[:, None], anywhere, in_patch)
        self.pos[slots] = np.clip(place, 0.0, self.size)
        self.alive[slots] = True

    def regrow_step(self, rng: np.random.Generator) -> None:
        """One tick of regrowth: each empty slot of an active kind grows back with its kind's chance."""
        empty = ~self.alive & self.active[self.kind]
        self.grow(empty & (rng.random(len(self.kind)) < self.regrow[self.kind]), rng)

    def available(self) -> np.ndarray:
        """(kinds,) items of each kind in the arena now."""
        return np.bincount(self.kind[self.alive], minlength=self.n_kinds)

    def nearest(self, points: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray]:
        """(N, kinds) distance to the nearest item of each kind within ``radius`` (inf if none), and its slot (-1)."""
        dist = np.full((len(points), self.n_kinds), np.inf)
        slot = np.full((len(points), self.n_kinds), -1)
        for k in np.flatnonzero(self.active):
            lo, hi = self.bounds[k], self.bounds[k + 1]
            slots = lo + np.flatnonzero(self.alive[lo:hi])
            if len(slots) == 0 or len(points) == 0:
                continue
            tree = cKDTree(self.pos[slots], balanced_tree=False, compact_nodes=False)
            d, i = tree.query(points, k=1, distance_upper_bound=radius)
            found = i < len(slots)
            dist[:, k] = d
            slot[found, k] = slots[i[found]]
        return dist, slot

    def state(self) -> dict[str, np.ndarray]:
        return {"food_pos": self.pos, "food_alive": self.alive, "food_active": self.active}

    def restore(self, arrays: dict[str, np.ndarray]) -> None:
        self.pos, self.alive, self.active = arrays["food_pos"], arrays["food_alive"], arrays["food_active"]
