"""Food as slots: every kind has ``count`` slots, each holding an item or waiting to grow one back.

Slots of a kind are contiguous, so a kind's items are one slice of the arrays.
A kind is active from tick 0 (ancestral) or from the shift on; an eaten item's
slot grows a new item with the kind's ``regrow`` chance each tick, at a fresh
place in its patch (or anywhere). :class:`Nearest` answers, for many points at
once, the nearest item of the kinds each point asks for, with one KD-tree per kind
built the first time the kind is asked for; :meth:`Food.nearest` asks for every kind.
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
        return Nearest(self, radius).table(points, np.ones((len(points), self.n_kinds), bool))

    def state(self) -> dict[str, np.ndarray]:
        return {"food_pos": self.pos, "food_alive": self.alive, "food_active": self.active}

    def restore(self, arrays: dict[str, np.ndarray]) -> None:
        self.pos, self.alive, self.active = arrays["food_pos"], arrays["food_alive"], arrays["food_active"]


class Nearest:
    """The items of an arena at one moment, searchable by kind for the nearest within ``radius``.

    A kind's KD-tree is built when a point first asks for the kind, and each point
    is searched only in the kinds it asks for: a tree costs its items, a search its points.
    """

    def __init__(self, food: Food, radius: float):
        self.food, self.radius = food, radius
        self.trees: dict[int, tuple[cKDTree, np.ndarray]] = {}

    def tree(self, k: int) -> tuple[cKDTree | None, np.ndarray]:
        """Kind ``k``'s tree over its items (None if it has none) and the slot of each tree point."""
        if k not in self.trees:
            f = self.food
            lo, hi = f.bounds[k], f.bounds[k + 1]
            slots = lo + np.flatnonzero(f.alive[lo:hi]) if f.active[k] else np.arange(0)
            self.trees[k] = (cKDTree(f.pos[slots], balanced_tree=False, compact_nodes=False) if len(slots)
                             else None, slots)
        return self.trees[k]

    def table(self, points: np.ndarray, asked: np.ndarray, dist: np.ndarray | None = None,
              slot: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(N, kinds) distance and slot of the nearest item within the radius where ``asked`` (N, kinds) holds.

        Elsewhere the entries of ``dist`` and ``slot`` are kept (given) or inf and -1 (new).
        """
        if dist is None:
            dist, slot = np.full(asked.shape, np.inf), np.full(asked.shape, -1)
        for k in np.flatnonzero(asked.any(0)):
            tree, slots = self.tree(k)
            rows = np.flatnonzero(asked[:, k])
            if tree is None:
                dist[rows, k], slot[rows, k] = np.inf, -1
                continue
            d, i = tree.query(points[rows], k=1, distance_upper_bound=self.radius)
            found = i < len(slots)
            dist[rows, k] = d
            slot[rows, k] = np.where(found, slots[np.minimum(i, len(slots) - 1)], -1)
        return dist, slot
