"""The savanna world file: the arena, its food kinds, the creatures' life history, and the shift.

A savanna has no fitness function: creatures eat, starve, age and reproduce in
the arena, and selection is who leaves descendants. The file declares food kinds
by perceivable features (``sweet``, ``size``, ``color``) and a hidden
``nutrition``; the ``[shift]`` table adds kinds (candy) and changes nutrition at
a tick. Every key is checked with :class:`~evosim.worlds.table.Table`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evosim.core.checks import is_kind
from evosim.core.features import COLOR_NAMES
from evosim.worlds import WorldText, register_world
from evosim.worlds.table import Table

SPECIES = ("evolved", "trained")
EVOLVED, TRAINED = 0, 1
PERCEIVED = ("sweet", "size")  # numeric features; colours are one-hot features after them
MAX_ITEMS = 100_000  # food items, of a kind and of all kinds together: each is placed and searched every tick
MAX_CREATURES = 100_000
MAX_KINDS = 100  # food kinds: each creature weighs every kind every tick, and carries a drive gene per kind


@dataclass(frozen=True)
class FoodKind:
    """A kind of food: what creatures perceive of it, what it is worth, and how it grows back."""

    name: str
    sweet: float
    size: float
    color: str
    nutrition: float  # energy a creature gains by eating one item (hidden from the creature)
    count: int  # items when fully grown
    regrow: float  # chance per tick that an eaten item grows back
    patch: tuple[float, float, float] | None  # (x, y, radius) where items grow; None: anywhere

    @classmethod
    def parse(cls, path: str, where: str, data, arena: float) -> "FoodKind":
        t = Table(path, where, data)
        name = t.get("name", str)
        sweet = t.number("sweet", 0.0, 1.0)
        size = t.number("size", 0.0, 1.0)
        color = t.choice("color", COLOR_NAMES)
        nutrition = t.number("nutrition", -100.0, 100.0)
        count = t.get("count", int, least=1, most=MAX_ITEMS)
        regrow = t.number("regrow", 0.0, 1.0)
        patch = t.data.pop("patch", None)
        if patch is not None:
            if not (isinstance(patch, list) and len(patch) == 3 and all(is_kind(v, float) for v in patch)
                    and 0 <= patch[0] <= arena and 0 <= patch[1] <= arena and 0 < patch[2] <= arena):
                t.fail("patch", f"must be [x, y, radius] inside the {arena:g} x {arena:g} arena (0 < radius <= "
                                f"{arena:g}), got {patch!r}")
            patch = tuple(float(v) for v in patch)
        t.done()
        return cls(name, sweet, size, color, nutrition, count, regrow, patch)


@dataclass(frozen=True)
class Shift:
    """The change of the world at ``tick`` (None: only by hand): the world's food kinds after the ancestral
    ones start growing, and ``nutrition`` replaces some kinds' nutrition."""

    tick: int | None
    nutrition: tuple[tuple[str, float], ...]  # (kind, new nutrition)


@dataclass(frozen=True)
class LifeHistory:
    """How creatures live: starting numbers, energy budget, ageing, reproduction and the cap."""

    evolved: int  # evolved creatures at tick 0
    trained: int  # trained creatures, held at this number by replacement
    cap: int  # evolved creatures at most: births beyond it are refused
    energy: float  # energy at tick 0, and of a trained replacement
    max_age: int
    maturity: int  # age from which a creature may reproduce or be a mate
    reproduce_at: float  # energy from which a mature creature reproduces
    offspring_energy: float  # what the parent pays and the offspring starts with
    metabolism: float  # energy per tick at rest
    speed_cost: float  # energy per tick per squared unit of speed
    sense_cost: float  # energy per tick per unit of sensing radius


@dataclass(frozen=True)
class Genome:
    """The evolved lineage's genes: drive weights, speed and sensing radius; how they start and mutate."""

    drive_mean: float
    drive_sd: float
    speed: float
    speed_range: tuple[float, float]
    radius: float
    radius_range: tuple[float, float]
    mutation: float  # sd of a drive gene's Gaussian mutation; speed and radius: times their start value
    gene_rate: float  # chance that a mutation changes each gene (DEAP's indpb)
    crossover: float  # chance that an offspring blends its parent with a nearby mature creature
    mate_radius: float


@dataclass(frozen=True)
class Trained:
    """The trained species: its fixed speed and radius, and its policy-gradient training."""

    speed: float
    radius: float
    updates: int
    contexts: int  # sensing situations drawn from the ancestral arena per update
    rollouts: int  # choices sampled in each (the leave-one-out baseline's group)
    learning_rate: float
    temperature: float  # softmax temperature over discounted utilities


@register_world
@dataclass(frozen=True)
class SavannaWorld(WorldText):
    """A validated savanna world file."""

    kind = "savanna"

    path: str
    name: str
    size: float  # side of the square arena
    discount: float  # worth of food one tick of travel further away
    foods: tuple[FoodKind, ...]  # ancestral kinds, then the kinds the shift adds
    ancestral: int  # how many of ``foods`` grow from tick 0
    life: LifeHistory
    genome: Genome
    trained: Trained
    shift: Shift

    @classmethod
    def parse(cls, raw: dict, path: str, text: str) -> "SavannaWorld":
        top = Table(path, "", raw)
        w = Table(path, "world", top.get("world", dict))
        w.get("kind", str)
        name = w.get("name", str, Path(path).stem)
        size = w.number("size", 5.0, 10_000.0)
        discount = w.number("discount", 0.01, 1.0, 0.9)
        w.done()
        foods = top.get("food", list)
        if not foods:
            top.fail("food", "needs at least one [[food]] table")
        ancestral = [FoodKind.parse(path, f"food.{i}", f, size) for i, f in enumerate(foods)]

        s = Table(path, "shift", top.get("shift", dict, {}))
        tick = s.get("tick", int, None, least=0)
        new = [FoodKind.parse(path, f"shift.food.{i}", f, size) for i, f in enumerate(s.get("food", list, []))]
        names = [k.name for k in ancestral + new]
        if len(names) > MAX_KINDS:
            top.fail("food", f"{len(names)} food kinds (with the shift's); at most {MAX_KINDS}")
        items = sum(k.count for k in ancestral + new)
        if items > MAX_ITEMS:
            top.fail("food", f"{items:,} items in all (with the shift's); at most {MAX_ITEMS:,}")
        twice = next((k for i, k in enumerate(names) if k in names[:i]), None)
        if twice is not None:
            top.fail("food", f"two food kinds are named {twice!r}")
        n = Table(path, "shift.nutrition", s.get("nutrition", dict, {}))
        changes = tuple((k, n.get(k, float, least=-100.0, most=100.0)) for k in names if k in n.data)
        if n.data:
            n.fail(sorted(n.data)[0], f"is not a food kind (one of: {', '.join(names)})")
        s.done()

        c = Table(path, "creatures", top.get("creatures", dict))
        life = LifeHistory(
            evolved=c.get("evolved", int, least=1, most=MAX_CREATURES),
            trained=c.get("trained", int, 0, least=0, most=MAX_CREATURES),
            cap=c.get("cap", int, least=1, most=MAX_CREATURES),
            energy=c.number("energy", 0.01, 1e6),
            max_age=c.get("max_age", int, least=1),
            maturity=c.get("maturity", int, 0, least=0),
            reproduce_at=c.number("reproduce_at", 0.01, 1e6),
            offspring_energy=c.number("offspring_energy", 0.01, 1e6),
            metabolism=c.number("metabolism", 0.0, 1e3),
            speed_cost=c.number("speed_cost", 0.0, 1e3),
            sense_cost=c.number("sense_cost", 0.0, 1e3))
        if life.offspring_energy >= life.reproduce_at:
            c.fail("offspring_energy", f"{life.offspring_energy:g} must be below reproduce_at "
                                       f"({life.reproduce_at:g}), or a parent would starve giving birth")
        if life.evolved > life.cap:
            c.fail("evolved", f"{life.evolved} must be at most cap ({life.cap})")
        c.done()

        g = Table(path, "genome", top.get("genome", dict))
        speed_range = _range(g, "speed_range", (0.05, 50.0))
        radius_range = _range(g, "radius_range", (0.0, size))
        genome = Genome(
            drive_mean=g.number("drive_mean", -10.0, 10.0, 0.0),
            drive_sd=g.number("drive_sd", 0.0, 10.0, 0.5),
            speed=g.number("speed", *speed_range),
            speed_range=speed_range,
            radius=g.number("radius", *radius_range),
            radius_range=radius_range,
            mutation=g.number("mutation", 0.0, 10.0, 0.1),
            gene_rate=g.number("gene_rate", 0.0, 1.0, 0.5),
            crossover=g.number("crossover", 0.0, 1.0, 0.0),
            mate_radius=g.number("mate_radius", 0.0, size, 5.0))
        g.done()

        t = Table(path, "trained", top.get("trained", dict, {}))
        trained = Trained(
            speed=t.number("speed", *speed_range, genome.speed),
            radius=t.number("radius", *radius_range, genome.radius),
            updates=t.get("updates", int, 300, least=0, most=100_000),
            contexts=t.get("contexts", int, 64, least=1, most=100_000),
            rollouts=t.get("rollouts", int, 8, least=2, most=1000),
            learning_rate=t.number("learning_rate", 1e-6, 10.0, 0.05),
            temperature=t.number("temperature", 1e-3, 100.0, 1.0))
        t.done()
        top.done()
        return cls(path, name, size, discount, tuple(ancestral + new), len(ancestral), life, genome, trained,
                   Shift(tick, changes), text=text)

    # -- what creatures perceive ---------------------------------------------------------------

    @property
    def colors(self) -> tuple[str, ...]:
        """The colours of the world's food kinds, in the vocabulary's order."""
        used = {k.color for k in self.foods}
        return tuple(c for c in COLOR_NAMES if c in used)

    @property
    def features(self) -> tuple[str, ...]:
        """Names of the drive features: sweetness, size, then one per colour."""
        return PERCEIVED + tuple(f"color:{c}" for c in self.colors)

    def feature_matrix(self) -> np.ndarray:
        """(kinds, features): what a creature perceives of each food kind."""
        colors = self.colors
        return np.array([[k.sweet, k.size] + [float(k.color == c) for c in colors] for k in self.foods])

    def nutrition(self, shifted: bool) -> np.ndarray:
        """(kinds,) the energy of one item of each kind, before or after the shift."""
        values = {k.name: k.nutrition for k in self.foods}
        if shifted:
            values.update(self.shift.nutrition)
        return np.array([values[k.name] for k in self.foods])

    @property
    def n_genes(self) -> int:
        """Drive weights, then speed and sensing radius."""
        return len(self.features) + 2


def _range(t: Table, key: str, bounds: tuple[float, float]) -> tuple[float, float]:
    """A ``[low, high]`` pair of numbers within ``bounds``."""
    value = t.data.pop(key, None)
    if value is None:
        t.fail(key, "missing")
    if not (isinstance(value, list) and len(value) == 2 and all(is_kind(v, float) for v in value)
            and bounds[0] <= value[0] < value[1] <= bounds[1]):
        t.fail(key, f"must be [low, high] with {bounds[0]:g} <= low < high <= {bounds[1]:g}, got {value!r}")
    return float(value[0]), float(value[1])
