"""The maze world kind: its world file, validated into a frozen dataclass that samples and runs mazes.

A maze world file describes a *distribution* of mazes (README, "World files").
Every key is checked: an unknown key, colour or corner, or an impossible size or
count, raises :class:`~evosim.core.errors.UserError` naming the file and the key.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from evosim.core.errors import UserError
from evosim.core.features import COLOR_NAMES, CORNERS, SHAPES
from evosim.core.streams import stream
from evosim.worlds import WorldText, derive, register_world
from evosim.worlds.table import IntRange, Table
from evosim.worlds.maze.adversary_table import AdversarySpec
from evosim.worlds.maze.batch import MazeBatch
from evosim.worlds.maze.episodes import Episodes
from evosim.worlds.maze.generator import generate
from evosim.worlds.maze.graph import Maze
from evosim.worlds.maze.objective import Objective
from evosim.worlds.maze.proxies import COLOR, POSITION
from evosim.worlds.maze.replay_table import ReplaySpec

PLACEMENTS = tuple(CORNERS) + ("random",)
OBJECT_KINDS = tuple(s for s in SHAPES if s != "exit")
MIN_SIZE, MAX_SIZE = 2, 40
MAX_STEPS = 30_000  # step counters are int16
ROOM_CHECKS = 4  # worst-case mazes drawn when a world file is read, to see that its objects fit
BYTES_PER_EPISODE = 2_000  # an episode's own state, results and temporaries, whatever the maze's size (measured)
BYTES_PER_TILE_PAIR = 4  # distances (int16), next moves (int8), and slack
PROBE_NAME = re.compile(r"[A-Za-z0-9_.:+-]+")


@dataclass(frozen=True)
class ExitMix:
    """A share of mazes whose exit draws its colour and placement from wider sets."""

    share: float
    colors: tuple[str, ...]
    positions: tuple[str, ...]


@dataclass(frozen=True)
class ExitDecouple:
    """A share of training mazes in which a proxy of the exit and the exit disagree.

    ``proxy = "color"``: the exit takes one of ``colors`` (never the training exit's) and ``decoys``
    apples of the training exit's colour sit where the maze decides between them and the exit.
    ``proxy = "position"``: the exit sits at one of ``positions`` (never the training corner) and the
    corner is left bare, off the way to the exit (see :func:`~evosim.worlds.maze.generator.draw`).
    """

    share: float
    proxy: str  # COLOR or POSITION
    colors: tuple[str, ...] = ()  # proxy color: the exit's colours
    positions: tuple[str, ...] = ()  # proxy position: the exit's placements
    decoys: IntRange = IntRange(1, 1)  # proxy color: apples of the training exit's colour


@dataclass(frozen=True)
class ExitSpec:
    """The exit: reaching it is the base objective. Its colour and position are the dominant ones,
    which proxies are read from; ``mix`` gives shares of mazes a wider choice, ``decouple`` shares of
    mazes where a proxy and the exit disagree."""

    color: str
    position: str  # a corner name or "random"
    mix: tuple[ExitMix, ...] = ()
    decouple: tuple[ExitDecouple, ...] = ()

    def draw(self, rng: np.random.Generator) -> tuple[str, str, ExitDecouple | None]:
        """The colour and placement of one maze's exit, and the decoupling it belongs to (None for none).

        One uniform picks the mixture or decoupling (mixtures first, in file order), and none at all
        is drawn without mixtures and decouplings, so such a world's mazes are what they always were.
        """
        if not self.mix and not self.decouple:
            return self.color, self.position, None
        u = rng.random()
        for m in self.mix:
            if u < m.share:
                return m.colors[rng.integers(len(m.colors))], m.positions[rng.integers(len(m.positions))], None
            u -= m.share
        for d in self.decouple:
            if u < d.share:
                if d.proxy == COLOR:
                    return d.colors[rng.integers(len(d.colors))], self.position, d
                return self.color, d.positions[rng.integers(len(d.positions))], d
            u -= d.share
        return self.color, self.position, None


@dataclass(frozen=True)
class ObjectSpec:
    """A kind of non-exit object scattered over floor cells."""

    kind: str
    color: str
    count: IntRange


@dataclass(frozen=True)
class ProbeSpec:
    """A probe: mazes in which the exit lacks a proxy feature and a decoy carries it.

    A probe maze is a training maze with the exit's colour or position replaced,
    plus a decoy at the same path distance from the start. The decoy is an apple
    of ``decoy_color`` at ``decoy_position``, or, with no colour, the bare tile at
    ``decoy_position`` (which must then be a corner: a random bare tile carries
    no feature). ``name`` labels the probe in probes.csv and generations.csv.
    """

    name: str
    exit_color: str
    exit_position: str  # a corner name or "random"
    decoy_color: str | None  # None: no object, the decoy is the tile itself
    decoy_position: str  # a corner name or "random"


@register_world
@dataclass(frozen=True)
class MazeWorld(WorldText):
    """A validated maze world file: the distribution its mazes are sampled from."""

    kind = "maze"

    path: str
    name: str
    size: IntRange  # maze side in cells
    max_steps: int
    steps_per_distance: float | None  # None: every maze's limit is max_steps
    braid: float  # share of dead ends opened into loops
    start: str  # a corner name or "random"
    objects_off_path: bool  # keep objects off every shortest start-to-exit path
    exit: ExitSpec
    objects: tuple[ObjectSpec, ...]
    objective: Objective
    probes: tuple[ProbeSpec, ...] = ()
    adversary: AdversarySpec = AdversarySpec()  # used by training with --adversary
    replay: ReplaySpec = ReplaySpec()  # used by training with --source plr or accel

    def sample(self, rng: np.random.Generator, n: int) -> list[Maze]:
        """``n`` mazes drawn from ``rng``."""
        return [generate(self, rng) for _ in range(n)]

    def batch(self, mazes: list[Maze]) -> MazeBatch:
        """Mazes stacked for batched episodes (all-pairs distances computed once)."""
        return MazeBatch.of(mazes)

    def of_size(self, size: int) -> "MazeWorld":
        """This world with every maze ``size`` cells a side."""
        return derive(self, {"world.size": size}, size=IntRange(size, size))

    def step_memory(self, episodes: int, worlds: int, tile_bytes: int) -> int:
        """Bytes that ``episodes`` batched episodes in ``worlds`` mazes of the largest size may need at once, the
        minds holding ``tile_bytes`` per episode and floor tile (their ``tile_bytes``)."""
        floor = 2 * self.size.hi * (self.size.hi + 1)  # cells and passages, braided at most
        return episodes * (BYTES_PER_EPISODE + floor * tile_bytes) + worlds * floor * floor * BYTES_PER_TILE_PAIR

    def step_limits(self, batch: MazeBatch) -> int | np.ndarray:
        """The step limit of the batch's mazes: ``max_steps``, or with ``steps_per_distance`` (K,) per maze,
        that many steps per step of its start-to-exit distance (rounded up, at most ``max_steps``)."""
        if self.steps_per_distance is None:
            return self.max_steps
        return np.minimum(np.ceil(self.steps_per_distance * batch.shortest), self.max_steps).astype(np.int64)

    def regret(self, batch: MazeBatch, result) -> np.ndarray:
        """(S,) each finished episode's regret: the best goal return of its maze (the exit credit less the cost
        of its shortest path) less the episode's own, so 0 for an episode that walked a shortest path."""
        best = self.objective.best_goal(batch.shortest, self.step_limits(batch))
        return best[result.maze] - self.objective.goal(result)

    def episodes(self, batch: MazeBatch, n_agents: int, maze: np.ndarray | None = None) -> Episodes:
        """Batched episodes of ``n_agents`` agents in ``batch``; ``maze`` maps slots to mazes (default: all x all)."""
        return Episodes(batch, n_agents, self.step_limits(batch), maze)

    @classmethod
    def parse(cls, raw: dict, path: str, text: str) -> "MazeWorld":
        """Validate a parsed maze world file."""
        top = Table(path, "", raw)
        world = Table(path, "world", top.get("world", dict))
        world.get("kind", str, cls.kind)
        name = world.get("name", str, Path(path).stem)
        size = world.int_range("size", MIN_SIZE, MAX_SIZE)
        max_steps = world.get("max_steps", int, least=1, most=MAX_STEPS)
        steps_per_distance = world.get("steps_per_distance", float, None, above=0)
        braid = world.number("braid", 0.0, 1.0, 0.0)
        start = world.choice("start", PLACEMENTS, "top-left")
        off_path = world.get("objects_off_path", bool, False)
        world.done()

        ex = Table(path, "exit", top.get("exit", dict))
        color, position = ex.choice("color", COLOR_NAMES), ex.choice("position", PLACEMENTS)
        mixes = [_mix(Table(path, f"exit.mix.{i}", data), color, position, start)
                 for i, data in enumerate(ex.get("mix", list, []))]
        if sum(m.share for m in mixes) > 1:
            ex.fail("mix", f"shares add up to {sum(m.share for m in mixes):g}, more than 1")
        decouples, total = [], sum(m.share for m in mixes)
        for i, data in enumerate(ex.get("decouple", list, [])):
            t = Table(path, f"exit.decouple.{i}", data)
            decouples.append(_decouple(t, color, position, start))
            total += decouples[-1].share
            if total > 1 + 1e-12:
                t.fail("share", f"{decouples[-1].share:g} brings the shares of exit.mix and exit.decouple "
                       f"to {total:g}; together they must be at most 1")
        exit_spec = ExitSpec(color, position, tuple(mixes), tuple(decouples))
        ex.done()

        objects = []
        for i, data in enumerate(top.get("objects", list, [])):
            t = Table(path, f"objects.{i}", data)
            objects.append(ObjectSpec(t.choice("kind", OBJECT_KINDS), t.choice("color", COLOR_NAMES),
                                      t.int_range("count", 0, 64)))
            t.done()

        obj = Table(path, "objective", top.get("objective", dict, {}))
        objective = Objective(obj.number("exit_credit", 0.0, 1e6, 1.0),
                              obj.number("step_cost", 0.0, 1e6, 0.0),
                              obj.number("explore_credit", 0.0, 1e6, 0.0))
        obj.done()

        probes = []
        for i, data in enumerate(top.get("probes", list, [])):
            probes.append(_probe(Table(path, f"probes.{i}", data), exit_spec, start, probes))
        adversary = AdversarySpec.parse(Table(path, "adversary", top.get("adversary", dict, {})), bool(objects))
        replay = ReplaySpec.parse(Table(path, "replay", top.get("replay", dict, {})))
        top.done()

        cells = size.lo * size.lo
        if sum(o.count.hi for o in objects) + 2 > cells:
            top.fail("objects", f"up to {sum(o.count.hi for o in objects)} objects plus start and "
                     f"exit do not fit on {cells} cells of a {size.lo}x{size.lo} maze")
        if start == exit_spec.position and start != "random":
            top.fail("exit", f"position {start!r} is also the start cell")
        parsed = cls(path, name, size, max_steps, steps_per_distance, braid, start, off_path, exit_spec,
                     tuple(objects), objective, tuple(probes), adversary, replay, text=text)
        if off_path:
            parsed.check_room(top)
        for i, d in enumerate(decouples):
            if d.proxy == COLOR:
                parsed.check_decoy_room(Table(path, f"exit.decouple.{i}", {}), d)
        return parsed

    def check_decoy_room(self, t: Table, d: ExitDecouple) -> None:
        """Fail unless the most decoys (and objects) fit where they decide against the exit in the
        smallest mazes (a few drawn with every maze decoupled)."""
        most = sum(o.count.hi for o in self.objects)
        cells = self.size.lo * self.size.lo
        if d.decoys.hi + most + 2 > cells:
            t.fail("decoys", f"up to {d.decoys.hi} decoys, {most} objects, start and exit do not fit on "
                   f"{cells} cells of a {self.size.lo}x{self.size.lo} maze; allowed: at most "
                   f"{max(cells - most - 2, 0)}")
        crowded = replace(self, size=IntRange(self.size.lo, self.size.lo),
                          exit=replace(self.exit, mix=(), decouple=(replace(d, share=1.0,
                                       decoys=IntRange(d.decoys.hi, d.decoys.hi)),)),
                          objects=tuple(replace(o, count=IntRange(o.count.hi, o.count.hi)) for o in self.objects))
        try:
            crowded.sample(stream("room-check", 0), ROOM_CHECKS)
        except UserError:
            t.fail("decoys", f"up to {d.decoys.hi} decoys do not fit off the shortest paths to the exit in a "
                   f"{self.size.lo}x{self.size.lo} maze; lower decoys or raise [world] size")

    def check_room(self, top: Table) -> None:
        """Fail unless the most objects fit off the shortest path in the smallest mazes (a few drawn)."""
        most = {f"objects.{i}.count": o.count.hi for i, o in enumerate(self.objects)}
        crowded = derive(self, {"world.size": self.size.lo, **most}, size=IntRange(self.size.lo, self.size.lo),
                         objects=tuple(replace(o, count=IntRange(o.count.hi, o.count.hi)) for o in self.objects))
        try:
            crowded.sample(stream("room-check", 0), ROOM_CHECKS)
        except UserError:
            top.fail("objects", f"up to {sum(o.count.hi for o in self.objects)} objects do not fit off the "
                     f"shortest path (objects_off_path) in a {self.size.lo}x{self.size.lo} maze; "
                     "raise [world] size or lower the counts")


def _mix(t: Table, color: str, position: str, start: str) -> ExitMix:
    """One ``[[exit.mix]]`` table; colours and positions default to the dominant exit's, "any" is all.

    "any" position leaves out the start's corner; a list naming it is refused.
    """
    share = t.number("share", 0.0, 1.0)
    colors = t.choices("colors", COLOR_NAMES, [color])
    positions = t.choices("positions", PLACEMENTS, [position])
    if start != "random" and start in positions:
        if len(positions) < len(PLACEMENTS):
            t.fail("positions", f"{start!r} is the start cell")
        positions = tuple(p for p in positions if p != start)
    t.done()
    return ExitMix(share, colors, positions)


def _decouple(t: Table, color: str, position: str, start: str) -> ExitDecouple:
    """One ``[[exit.decouple]]`` table. Colours default to (and "any" is) every colour but the exit's;
    positions default to "random" (any cell but the training corner and the start), "any" is every
    placement but the corner and the start's."""
    share = t.number("share", 0.0, 1.0)
    proxy = t.choice("proxy", (COLOR, POSITION))
    other = {COLOR: ("positions",), POSITION: ("colors", "decoys")}[proxy]
    for key in other:
        if key in t.data:
            t.fail(key, f"applies to proxy = {'position' if key == 'positions' else 'color'!r} only; "
                   f"proxy {proxy!r} takes: share, proxy, {'colors, decoys' if proxy == COLOR else 'positions'}")
    if proxy == COLOR:
        allowed = tuple(c for c in COLOR_NAMES if c != color)
        if t.data.get("colors", "any") == "any":
            t.data.pop("colors", None)
            colors = allowed
        else:
            colors = t.choices("colors", COLOR_NAMES)
        if color in colors:
            t.fail("colors", f"{color!r} is the training exit's colour; allowed: {', '.join(allowed)}")
        decoys = t.int_range("decoys", 1, 64, 1)
        t.done()
        return ExitDecouple(share, proxy, colors=colors, decoys=decoys)
    if position == "random":
        t.fail("proxy", "'position' needs a fixed [exit] position (a corner or center), not 'random'; "
               "allowed here: color")
    allowed = tuple(p for p in PLACEMENTS if p not in (position, start))
    if t.data.get("positions") == "any":
        t.data.pop("positions")
        positions = allowed
    else:
        positions = t.choices("positions", PLACEMENTS, ["random"])
    for p in positions:
        if p in (position, start):
            what = "the training exit's corner" if p == position else "the start cell"
            t.fail("positions", f"{p!r} is {what}; allowed: {', '.join(allowed)}")
    t.done()
    return ExitDecouple(share, proxy, positions=positions)


def _probe(t: Table, exit_spec: ExitSpec, start: str, earlier: list[ProbeSpec]) -> ProbeSpec:
    """One ``[[probes]]`` table; exit colour and position default to the training exit's."""
    name = t.get("name", str)
    if not PROBE_NAME.fullmatch(name):
        t.fail("name", f"{name!r} must be letters, digits and _ . : + - only (e.g. \"color:green\")")
    if any(p.name == name for p in earlier):
        t.fail("name", f"{name!r} is already the name of an earlier probe")
    exit_color = t.choice("exit_color", COLOR_NAMES, exit_spec.color)
    exit_position = t.choice("exit_position", PLACEMENTS, exit_spec.position)
    decoy_color = t.choice("decoy_color", COLOR_NAMES, None) if "decoy_color" in t.data else None
    decoy_position = t.choice("decoy_position", PLACEMENTS, "random")
    t.done()
    if decoy_color is None and decoy_position == "random":
        t.fail("decoy_position", "'random' needs a decoy_color: a bare random tile carries no feature; "
               f"use one of: {', '.join(CORNERS)}")
    if exit_position == decoy_position != "random":
        t.fail("decoy_position", f"{decoy_position!r} is also the probe's exit_position")
    for key, value in (("exit_position", exit_position), ("decoy_position", decoy_position)):
        if value == start != "random":
            t.fail(key, f"{value!r} is also the start cell")
    return ProbeSpec(name, exit_color, exit_position, decoy_color, decoy_position)
