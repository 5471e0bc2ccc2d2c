"""What an adversary may change in a maze world: the ``[adversary]`` table and its parameter space.

An adversary proposes concrete settings of a few world parameters (the exit's
colour and position, each ``[[objects]]`` entry's colour and count), each chosen
from the feature vocabulary. A proposal is a genome of indices into those
choices; :meth:`Parameters.world` turns it into the maze world its mazes are drawn
from. Everything else (size, braid, start, objective) stays the file's, so every
proposal is a maze of the same kind: connected, with an exit, whatever it looks like.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from evosim.core.features import COLOR_NAMES
from evosim.worlds import derive
from evosim.worlds.table import IntRange, Table

#: What an adversary may be allowed to change ([adversary] features).
FEATURES = ("exit_color", "exit_position", "apple_colors", "apple_counts")
#: The world file's keys of the parameters not named by one (``objects.0.color`` is its own key).
FILE_KEYS = {"exit_color": "exit.color", "exit_position": "exit.position"}


@dataclass(frozen=True)
class AdversarySpec:
    """The ``[adversary]`` knobs: the share of training mazes it supplies, what it changes, its population.

    By default it may change every feature the world has (apples only if it has ``[[objects]]``).
    """

    share: float = 1.0
    features: tuple[str, ...] = FEATURES
    population: int = 12
    mutation: float = 0.25  # probability that a mutation redraws each parameter

    @classmethod
    def parse(cls, t: Table, has_objects: bool) -> "AdversarySpec":
        default = cls()
        features = [f for f in default.features if has_objects or not f.startswith("apple_")]
        spec = cls(t.number("share", 0.0, 1.0, default.share),
                   t.choices("features", FEATURES, features),
                   t.get("population", int, default.population, least=2, most=10_000),
                   t.number("mutation", 0.0, 1.0, default.mutation))
        t.done()
        apples = [f for f in spec.features if f.startswith("apple_")]
        if apples and not has_objects:
            t.fail("features", f"{apples[0]!r} needs [[objects]] in the world file; this one has none")
        return spec

    def mazes(self, per_step: int) -> int:
        """How many of a step's ``per_step`` training mazes the adversary supplies (a half rounds up)."""
        return int(self.share * per_step + 0.5)


@dataclass(frozen=True)
class Parameters:
    """The parameters an adversary sets in one maze world, and the values each may take."""

    world: object  # the MazeWorld proposals change
    names: tuple[str, ...]
    choices: tuple[tuple, ...]

    @classmethod
    def of(cls, world, spec: AdversarySpec, placements: tuple[str, ...]) -> "Parameters":
        params = []
        if "exit_color" in spec.features:
            params.append(("exit_color", COLOR_NAMES))
        if "exit_position" in spec.features:
            params.append(("exit_position", tuple(p for p in placements if p != world.start or p == "random")))
        for i, obj in enumerate(world.objects):
            if "apple_colors" in spec.features:
                params.append((f"objects.{i}.color", COLOR_NAMES))
            if "apple_counts" in spec.features:
                params.append((f"objects.{i}.count", tuple(range(obj.count.hi + 1))))
        names, choices = zip(*params)
        return cls(world, names, choices)

    def values(self, genome) -> dict:
        """The parameter values a genome of choice indices stands for."""
        return {name: options[g] for name, options, g in zip(self.names, self.choices, genome)}

    def proposal(self, genome):
        """The maze world a genome proposes: the file's world with its parameters set (in its text too)."""
        v = self.values(genome)
        keys = {FILE_KEYS.get(name, name): value for name, value in v.items()}
        exit_spec = self.world.exit
        if "exit_color" in v or "exit_position" in v:  # a set exit draws no mixture and no decoupling
            keys["exit.mix"] = []
            if exit_spec.decouple:
                keys["exit.decouple"] = []
            exit_spec = replace(exit_spec, color=v.get("exit_color", exit_spec.color),
                                position=v.get("exit_position", exit_spec.position), mix=(), decouple=())
        objects = tuple(
            replace(o, color=v.get(f"objects.{i}.color", o.color),
                    count=IntRange(v[f"objects.{i}.count"], v[f"objects.{i}.count"])
                    if f"objects.{i}.count" in v else o.count)
            for i, o in enumerate(self.world.objects))
        return derive(self.world, keys, exit=exit_spec, objects=objects)
