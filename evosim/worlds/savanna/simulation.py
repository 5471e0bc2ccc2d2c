"""The savanna's state and its tick: creatures as arrays, births and deaths as masks, one random stream.

Each tick every creature senses the nearest item of each food kind within its
radius, targets the one with the best drive utility discounted by the ticks it
takes to reach (``(w . f) * discount ** (distance / speed)``, positive ones only,
by :mod:`evosim.minds.targets`), steps toward it and eats it on arrival; a
creature with no target wanders. Metabolism costs energy (more for speed and for sensing). A creature
dies at zero energy or at its maximum age. A mature evolved creature past the
energy threshold gives birth, paying the offspring's energy; the offspring's
genome is the parent's, optionally blended with the nearest mature evolved
creature in the mate radius (DEAP's ``cxBlend``), then mutated (DEAP's
``mutGaussian``), with DEAP drawing from the ecology's private stream.

The population cap: births that would take the evolved species past ``cap``
are refused (a random choice of would-be parents gives birth); below it, food
is what limits the population. The trained species never reproduces: each of
its dead is replaced by a fresh copy at a random place.
"""
from __future__ import annotations

import numpy as np
from deap import tools
from scipy.spatial import cKDTree

from evosim.core.compiled import compiled
from evosim.core.expect import Expect
from evosim.core.streams import deap_random, derived_random, set_stream_state, stream, stream_state
from evosim.worlds.savanna.food import Food
from evosim.worlds.savanna.nearest import Nearest, nearest, within
from evosim.worlds.savanna.world import EVOLVED, SPECIES, TRAINED

WANDER = 0.4  # sd of a wandering creature's turn per tick, radians
BIRTH_SPREAD = 1.0  # sd of an offspring's distance from its parent
BLEND = 0.5  # alpha of DEAP's blend crossover
SLACK = 1e-9  # of a worth's log: what a worth computed in a compiled loop is lowered by, to prune searches safely
FLOOR = -600.0  # a worth's log below which it bounds no search (its float64 far from the least normal, e^-708)
CREATURE_ARRAYS = ("pos", "heading", "energy", "age", "genome", "species", "generation")
COUNTERS = ("births", "deaths", "eaten")


def metabolic_cost(life, speed: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """Energy a creature of this speed and sensing radius burns per tick."""
    return life.metabolism + life.speed_cost * speed ** 2 + life.sense_cost * radius


class Ecology:
    """One savanna run's state: creatures, food, the shift, counters since the last log, random streams."""

    def __init__(self, world, seed: int, trained_drives: np.ndarray):
        self.world, self.seed = world, seed
        self.rng = stream("savanna", seed)
        self.deap = derived_random(self.rng)
        self.features = world.feature_matrix()
        self.n_drives = self.features.shape[1]
        self.trained_drives = trained_drives  # the trained species' drives (evosim.training.savanna_species)
        self.food = Food(world, self.rng)
        self.tick, self.shifted = 0, False
        self.nutrition = world.nutrition(False)
        g, life = world.genome, world.life
        n = life.evolved
        genome = np.empty((n, world.n_genes))
        genome[:, :self.n_drives] = self.rng.normal(g.drive_mean, g.drive_sd, (n, self.n_drives))
        genome[:, self.n_drives:] = g.speed, g.radius
        self.pos, self.heading = self.random_places(n), self.rng.random(n) * 2 * np.pi
        # ages spread over the first half of a life, so that the founders do not all die in one tick
        self.energy, self.age = np.full(n, life.energy), self.rng.integers(0, max(life.max_age // 2, 1), n)
        self.genome, self.species, self.generation = genome, np.full(n, EVOLVED), np.zeros(n, np.int64)
        self.replace_trained()
        self.reset_counters()
        self.sigma = np.concatenate([np.full(self.n_drives, g.mutation), [g.mutation * g.speed,
                                                                          g.mutation * g.radius]])

    # -- who is alive ----------------------------------------------------------------------------

    @property
    def n(self) -> int:
        return len(self.energy)

    def count(self, species: int) -> int:
        return int(np.count_nonzero(self.species == species))

    def random_places(self, n: int) -> np.ndarray:
        return self.rng.random((n, 2)) * self.world.size

    def add(self, genome: np.ndarray, pos: np.ndarray, species: int, energy, age, generation) -> None:
        """Append creatures of one species."""
        n = len(genome)
        new = {"pos": pos, "heading": self.rng.random(n) * 2 * np.pi, "energy": np.broadcast_to(energy, n),
               "age": np.broadcast_to(age, n), "genome": genome, "species": np.full(n, species),
               "generation": np.broadcast_to(generation, n)}
        for name in CREATURE_ARRAYS:
            setattr(self, name, np.concatenate([getattr(self, name), new[name].astype(getattr(self, name).dtype)]))

    def keep(self, mask: np.ndarray) -> None:
        for name in CREATURE_ARRAYS:
            setattr(self, name, getattr(self, name)[mask])

    def replace_trained(self) -> None:
        """Bring the trained species back to its number with fresh copies at random places."""
        missing = self.world.life.trained - self.count(TRAINED)
        if missing > 0:
            t = self.world.trained
            genome = np.tile(np.concatenate([self.trained_drives, [t.speed, t.radius]]), (missing, 1))
            self.add(genome, self.random_places(missing), TRAINED, self.world.life.energy, 0, 0)

    def reset_counters(self) -> None:
        """Start counting births, deaths and meals afresh (after a log record)."""
        self.births = np.zeros(len(SPECIES), np.int64)
        self.deaths = np.zeros(len(SPECIES), np.int64)
        self.eaten = np.zeros((len(SPECIES), self.food.n_kinds), np.int64)

    # -- the tick --------------------------------------------------------------------------------

    def apply_shift(self) -> None:
        """The shift: the shift's food kinds start growing and nutrition changes."""
        if self.shifted:
            return
        self.shifted = True
        self.nutrition = self.world.nutrition(True)
        self.food.activate(np.arange(self.world.ancestral, self.food.n_kinds), self.rng)

    def step(self) -> None:
        """One tick: sense, steer, eat, burn energy, age, die, give birth, regrow food."""
        if self.world.shift.tick is not None and self.tick >= self.world.shift.tick:
            self.apply_shift()
        speed, radius = np.ascontiguousarray(self.genome[:, self.n_drives:].T)  # compiled loops read these faster
        self.move_and_eat(speed, radius)
        life = self.world.life
        dead, deaths = live(self.energy, self.age, metabolic_cost(life, speed, radius), life.max_age)
        if deaths:
            self.deaths += np.bincount(self.species[dead], minlength=len(SPECIES))
            self.keep(~dead)
        self.replace_trained()
        self.give_birth()
        self.food.regrow_step(self.rng)
        self.tick += 1

    def targets(self, speed: np.ndarray, radius: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each creature's target slot (-1: none), its distance (inf) and the way to it ((2, N): x, then y; 0 for
        none).

        The worth of an item is its kind's utility discounted by the ticks it takes to reach,
        as :mod:`evosim.minds.targets` rules; the compiled loops below search and compare, the
        discount's powers are numpy's (its vectorised ``**`` rounds unlike the C library's).
        A kind is searched only where it could be the target: its utility is positive and
        at least the worth of the nearest item of the creature's favourite kind (a worth
        is at most its utility, so a kind of lower utility can never be worth more), and only
        as far as an item of it could be worth that much. No search looks beyond the
        creature's own radius: an item beyond it is never seen.
        """
        utility = self.genome[:, :self.n_drives] @ self.features.T
        near = Nearest(self.food)
        seen, dist, slot, steps = candidates(self.pos, utility, speed, radius, self.world.discount, near.grid,
                                             near.size)
        return best_targets(self.pos, self.food.pos, utility, seen, self.world.discount ** steps, dist, slot)

    def move_and_eat(self, speed: np.ndarray, radius: np.ndarray) -> None:
        """Steer toward targets (or wander), step, and eat what was reached; the nearest claimant wins."""
        target, dist, toward = self.targets(speed, radius)
        # a wanderer turns by normal(0, WANDER): standard normals times WANDER, the same draws and bytes
        heading = steer(target, np.arctan2(toward[1], toward[0]), self.heading, self.rng.standard_normal(self.n))
        self.pos, self.heading = step_and_eat(self.pos, heading, np.cos(heading), np.sin(heading),
                                              speed, target, dist, self.world.size,
                                              self.food.alive, self.food.kind, self.nutrition, self.energy,
                                              self.eaten, self.species)

    def give_birth(self) -> None:
        """Mature evolved creatures past the threshold give birth, within the cap; offspring are mutated copies."""
        life, g = self.world.life, self.world.genome
        evolved = self.species == EVOLVED
        room = max(life.cap - int(evolved.sum()), 0)
        if room == 0:  # at the cap: no birth (and no draw: choosing none of the parents draws nothing)
            return
        mature = evolved & (self.age >= life.maturity)
        parents = np.flatnonzero(mature & (self.energy >= life.reproduce_at))
        if len(parents) > room:
            parents = np.sort(self.rng.choice(parents, room, replace=False))
        if len(parents) == 0:
            return
        mates = self.mates(parents, np.flatnonzero(mature)) if g.crossover > 0 else np.full(len(parents), -1)
        genome = self.genome[parents].copy()
        with deap_random(self.deap):
            for i, mate in enumerate(mates):
                if mate >= 0 and self.deap.random() < g.crossover:
                    tools.cxBlend(genome[i], self.genome[mate].copy(), BLEND)
                tools.mutGaussian(genome[i], 0.0, self.sigma.tolist(), g.gene_rate)
        d = self.n_drives
        genome[:, d] = np.clip(genome[:, d], *g.speed_range)
        genome[:, d + 1] = np.clip(genome[:, d + 1], *g.radius_range)
        self.energy[parents] -= life.offspring_energy
        near = self.pos[parents] + self.rng.normal(0.0, BIRTH_SPREAD, (len(parents), 2))
        self.add(genome, np.clip(near, 0.0, self.world.size), EVOLVED, life.offspring_energy, 0,
                 self.generation[parents] + 1)
        self.births[EVOLVED] += len(parents)

    def mates(self, parents: np.ndarray, mature: np.ndarray) -> np.ndarray:
        """The nearest other mature evolved creature within the mate radius of each parent (-1: none)."""
        if len(mature) < 2:
            return np.full(len(parents), -1)
        tree = cKDTree(self.pos[mature])
        dist, i = tree.query(self.pos[parents], k=2, distance_upper_bound=self.world.genome.mate_radius)
        other = np.where(mature[np.minimum(i[:, 0], len(mature) - 1)] == parents, 1, 0)
        rows = np.arange(len(parents))
        found = np.isfinite(dist[rows, other])
        return np.where(found, mature[np.minimum(i[rows, other], len(mature) - 1)], -1)

    # -- checkpoints -----------------------------------------------------------------------------

    def state(self) -> tuple[dict[str, np.ndarray], dict]:
        """Everything needed to continue byte for byte: arrays, and a JSON-able document."""
        arrays = {name: getattr(self, name) for name in CREATURE_ARRAYS + COUNTERS}
        arrays |= self.food.state() | {"trained_drives": self.trained_drives}
        return arrays, {"tick": self.tick, "shifted": self.shifted, "rng": stream_state(self.rng),
                        "deap": stream_state(self.deap)}

    def spec(self) -> dict:
        """What :meth:`state` of this world holds: :class:`~evosim.core.expect.Expect` by key."""
        c, size, kinds, n = "creatures", self.world.size, self.food.n_kinds, len(SPECIES)
        gene_least = np.concatenate([np.full(self.n_drives, -np.inf), [0.0, 0.0]])
        return {"pos": Expect("f", (c, 2), 0.0, size), "heading": Expect("f", (c,)), "energy": Expect("f", (c,)),
                "age": Expect("i", (c,), 0), "genome": Expect("f", (c, self.world.n_genes), gene_least),
                "species": Expect("i", (c,), 0, n - 1), "generation": Expect("i", (c,), 0),
                "births": Expect("i", (n,), 0), "deaths": Expect("i", (n,), 0), "eaten": Expect("i", (n, kinds), 0),
                "food_pos": Expect("f", (len(self.food.kind), 2), 0.0, size),
                "food_alive": Expect("b", (len(self.food.kind),)), "food_active": Expect("b", (kinds,)),
                "trained_drives": Expect("f", (self.n_drives,))}

    @classmethod
    def restore(cls, world, seed: int, arrays: dict[str, np.ndarray], doc: dict) -> "Ecology":
        ecology = cls(world, seed, arrays["trained_drives"])
        for name in CREATURE_ARRAYS + COUNTERS:
            setattr(ecology, name, arrays[name])
        ecology.food.restore(arrays)
        ecology.tick, ecology.shifted = doc["tick"], doc["shifted"]
        ecology.nutrition = world.nutrition(ecology.shifted)
        set_stream_state(ecology.rng, doc["rng"])
        set_stream_state(ecology.deap, doc["deap"])
        return ecology


# -- the tick's compiled loops: one creature at a time, in creature order ---------------------------

@compiled(inline=True)
def reach(log_worth: float, utility: float, speed: float, radius: float, log_discount: float) -> float:
    """How far an item of ``utility`` may lie and still be worth ``exp(log_worth)`` (an item's worth: ``utility *
    discount ** (distance / speed)``), a little further (``SLACK``), no further than ``radius``; negative if
    nowhere. With no log worth to bound it (-inf), or no discount, ``radius``."""
    if log_worth == -np.inf or log_discount >= 0:
        return radius
    return min(radius, speed * ((log_worth - SLACK - np.log(utility)) / log_discount))


@compiled
def candidates(pos, utility, speed, radius, discount, grid, size):
    """The items each creature sees (within its radius) that could be its target, by kind: the nearest of its
    favourite kind (highest utility, the first of equals; none unless positive), and the nearest of each other kind
    that could be worth as much (utility positive, and the item near enough). Returns ``near`` (N, kinds), ``dist``
    and ``slot`` of the items found (inf and -1 elsewhere), and the ``steps`` to reach each near item, creature by
    creature. The rivals are bounded by the favourite item's worth, in logs and a little low (``SLACK``): they may
    keep a few items that cannot win, never drop one that could (a worth too near float64's least, ``FLOOR``,
    bounds nothing)."""
    n, kinds = utility.shape
    near, steps, m = np.zeros((n, kinds), np.bool_), np.empty(n * kinds), 0
    dist, slot = np.full((n, kinds), np.inf), np.full((n, kinds), -1, np.int64)
    log_discount = np.log(discount)
    for i in range(n):
        f = 0
        for k in range(1, kinds):
            if utility[i, k] > utility[i, f]:
                f = k
        if utility[i, f] <= 0:
            continue
        x, y = pos[i, 0], pos[i, 1]
        d2, slot[i, f] = nearest(x, y, f, grid, size, within(radius[i]))
        dist[i, f] = np.sqrt(d2)
        log_worth = -np.inf
        if dist[i, f] <= radius[i]:
            log_worth = np.log(utility[i, f]) + dist[i, f] / speed[i] * log_discount
            log_worth = log_worth if log_worth > FLOOR else -np.inf
        for k in range(kinds):
            if k != f and utility[i, k] > 0:
                bound = reach(log_worth, utility[i, k], speed[i], radius[i], log_discount)
                if bound >= 0:
                    d2, slot[i, k] = nearest(x, y, k, grid, size, within(bound))
                    dist[i, k] = np.sqrt(d2)
        for k in range(kinds):
            if dist[i, k] <= radius[i]:
                near[i, k], steps[m], m = True, dist[i, k] / speed[i], m + 1
    return near, dist, slot, steps[:m]


@compiled
def best_targets(pos, food_pos, utility, near, decay, dist, slot):
    """The item of highest worth ``decay * utility`` among the ``near`` (``decay`` creature by creature; the first
    of equals), none unless positive: its slot (-1), distance (inf) and the way to it ((2, N), 0 for none)."""
    n, kinds = utility.shape
    target, distance, toward = np.full(n, -1, np.int64), np.full(n, np.inf), np.zeros((2, n))
    m = 0
    for i in range(n):
        best, value = 0, -np.inf
        for k in range(kinds):
            if near[i, k]:
                if decay[m] * utility[i, k] > value:
                    best, value = k, decay[m] * utility[i, k]
                m += 1
        if value > 0:
            target[i], distance[i] = slot[i, best], dist[i, best]
            toward[0, i] = food_pos[target[i], 0] - pos[i, 0]
            toward[1, i] = food_pos[target[i], 1] - pos[i, 1]
    return target, distance, toward


@compiled
def steer(target, angle, heading, normal):
    """Each creature's heading this tick: ``angle`` (toward its target) if it has one, else its last turned by
    ``normal * WANDER``."""
    out = np.empty_like(heading)
    for i in range(len(heading)):
        out[i] = angle[i] if target[i] >= 0 else heading[i] + normal[i] * WANDER
    return out


@compiled
def step_and_eat(pos, heading, cos, sin, speed, target, dist, size, alive, kind, nutrition, energy, eaten, species):
    """Step each creature ``min(speed, dist)`` along its heading, inside the arena (turning back off its edge), and
    let it eat its target if within a step: of several claimants the nearest, then the first. Returns the new places
    and headings; eats into ``alive``, ``energy`` and ``eaten``."""
    moved, heading = np.empty_like(pos), heading.copy()
    claimant = np.full(len(alive), -1, np.int64)
    for i in range(len(pos)):
        step = min(speed[i], dist[i])
        x, y = pos[i, 0] + step * cos[i], pos[i, 1] + step * sin[i]
        moved[i, 0], moved[i, 1] = min(max(x, 0.0), size), min(max(y, 0.0), size)
        if moved[i, 0] != x or moved[i, 1] != y:
            heading[i] += np.pi
        t = target[i]
        if t >= 0 and dist[i] <= speed[i] and (claimant[t] < 0 or dist[i] < dist[claimant[t]]):
            claimant[t] = i
    for i in range(len(pos)):  # each creature eats at most one item: in creature order, the same meals
        s = target[i]
        if s >= 0 and claimant[s] == i:
            alive[s] = False
            energy[i] += nutrition[kind[s]]
            eaten[species[i], kind[s]] += 1
    return moved, heading


@compiled
def live(energy, age, cost, max_age):
    """A tick of life: each creature burns its ``cost`` of energy and ages a tick. Returns who died (out of energy,
    or at ``max_age``) and how many."""
    dead, deaths = np.empty(len(energy), np.bool_), 0
    for i in range(len(energy)):
        energy[i] -= cost[i]
        age[i] += 1
        dead[i] = energy[i] <= 0 or age[i] >= max_age
        deaths += dead[i]
    return dead, deaths
