"""Tidy records of an ecology, every N ticks, and drive-fitness alignment.

Three tables, each with ``seed``, ``tick`` and ``species`` columns:

- ``population``: creatures alive, births and deaths since the last record,
  mean energy, generation, speed and sensing radius, and alignment;
- ``meals``: items of each food kind eaten since the last record;
- ``drive_stats``: mean and standard deviation of each drive weight.

Alignment is the correlation across food kinds between the species' mean drive
utility of a kind (mean drive weights . the kind's features) and its true
nutrition now, each kind weighted by how many of its items are in the arena.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from evosim.worlds.savanna.world import SPECIES

TABLES = ("population", "meals", "drive_stats")


def alignment(drives: np.ndarray, features: np.ndarray, nutrition: np.ndarray, available: np.ndarray) -> float:
    """Availability-weighted correlation across kinds of mean drive utility and nutrition (NaN if undefined)."""
    if len(drives) == 0 or available.sum() == 0:
        return float("nan")
    utility = features @ drives.mean(0)
    w = available / available.sum()
    du, dn = utility - w @ utility, nutrition - w @ nutrition
    var_u, var_n = w @ (du * du), w @ (dn * dn)
    if var_u <= 1e-12 or var_n <= 1e-12:
        return float("nan")
    return float((w @ (du * dn)) / np.sqrt(var_u * var_n))


def alignments(ecology) -> np.ndarray:
    """(species,) each species' drive-fitness alignment in the ecology now."""
    available, d = ecology.food.available(), ecology.n_drives
    return np.array([alignment(ecology.genome[ecology.species == s, :d], ecology.features, ecology.nutrition,
                               available) for s in range(len(SPECIES))])


@dataclass
class EcologyLog:
    """The rows recorded so far, one list per table."""

    tables: dict[str, list[dict]] = field(default_factory=lambda: {t: [] for t in TABLES})

    def record(self, ecology) -> None:
        """Rows for the ecology's state now and its counts since the last record, which then restart."""
        world, d, aligned = ecology.world, ecology.n_drives, alignments(ecology)
        for s, species in enumerate(SPECIES):
            mine = ecology.species == s
            genome = ecology.genome[mine]
            ids = {"seed": ecology.seed, "tick": ecology.tick, "species": species}
            self.tables["population"].append(ids | {
                "population": int(mine.sum()), "births": int(ecology.births[s]), "deaths": int(ecology.deaths[s]),
                "energy": _mean(ecology.energy[mine]), "generation": _mean(ecology.generation[mine]),
                "speed": _mean(genome[:, d]), "radius": _mean(genome[:, d + 1]),
                "alignment": float(aligned[s]),
                "shifted": int(ecology.shifted)})
            for k, kind in enumerate(world.foods):
                self.tables["meals"].append(ids | {"food": kind.name, "eaten": int(ecology.eaten[s, k])})
            for j, feature in enumerate(world.features):
                self.tables["drive_stats"].append(ids | {"feature": feature, "mean": _mean(genome[:, j]),
                                                         "sd": float(genome[:, j].std()) if len(genome) else
                                                         float("nan")})
        ecology.reset_counters()


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if len(values) else float("nan")
