"""World files: TOML validated into frozen dataclasses, with one-line errors.

A world file describes a *distribution* of mazes; :mod:`evosim.maze` samples from it.
Every key is checked: an unknown key, colour or corner, or an impossible size or
count, raises :class:`~evosim.errors.UserError` naming the file and the key.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import UserError
from .features import COLOR_NAMES, CORNERS, SHAPES

PLACEMENTS = tuple(CORNERS) + ("random",)
OBJECT_KINDS = tuple(s for s in SHAPES if s != "exit")
WORLD_KINDS = ("maze",)
MIN_SIZE, MAX_SIZE = 2, 40


@dataclass(frozen=True)
class IntRange:
    """An inclusive integer range; a world samples one value per maze."""

    lo: int
    hi: int

    def sample(self, rng) -> int:
        return int(rng.integers(self.lo, self.hi + 1))


@dataclass(frozen=True)
class ExitSpec:
    """The exit: reaching it is the base objective."""

    color: str
    position: str  # a corner name or "random"


@dataclass(frozen=True)
class ObjectSpec:
    """A kind of non-exit object scattered over floor cells."""

    kind: str
    color: str
    count: IntRange


@dataclass(frozen=True)
class Objective:
    """The base objective: what fitness and reward are computed from."""

    exit_credit: float = 1.0  # credit for reaching the exit
    step_cost: float = 0.0  # cost per step taken
    explore_credit: float = 0.0  # credit times the share of floor cells visited


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


@dataclass(frozen=True)
class WorldSpec:
    """A validated world file."""

    path: str
    name: str
    kind: str
    size: IntRange  # maze side in cells
    max_steps: int
    braid: float  # share of dead ends opened into loops
    start: str  # a corner name or "random"
    objects_off_path: bool  # keep objects off every shortest start-to-exit path
    exit: ExitSpec
    objects: tuple[ObjectSpec, ...]
    objective: Objective
    probes: tuple[ProbeSpec, ...] = ()


class _Table:
    """Reads the keys of one TOML table, reporting the first problem as a UserError."""

    def __init__(self, path: str, where: str, data: Any):
        self.path, self.where = path, where
        if not isinstance(data, dict):
            self.fail("", f"must be a table, got {type(data).__name__}")
        self.data = dict(data)

    def fail(self, key: str, message: str):
        if not self.where:  # top-level keys are tables
            at = f"[{key}]"
        else:
            at = f"[{self.where}] {key}" if key else f"[{self.where}]"
        raise UserError(f"{self.path}: {at}: {message}")

    def get(self, key: str, kind: type, default: Any = ...):
        if key not in self.data:
            if default is ...:
                self.fail(key, "missing")
            return default
        value = self.data.pop(key)
        ok = isinstance(value, kind) and not (kind in (int, float) and isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value, ok = float(value), True
        if not ok:
            self.fail(key, f"must be {kind.__name__}, got {value!r}")
        return value

    def choice(self, key: str, allowed: tuple[str, ...], default: Any = ...) -> str:
        value = self.get(key, str, default)
        if value not in allowed:
            self.fail(key, f"{value!r} is not one of: {', '.join(allowed)}")
        return value

    def int_range(self, key: str, lo: int, hi: int, default: Any = ...) -> IntRange:
        value = self.data.get(key, default)
        if value is ...:
            self.fail(key, "missing")
        self.data.pop(key, None)
        if isinstance(value, int) and not isinstance(value, bool):
            value = [value, value]
        if not (isinstance(value, list) and len(value) == 2
                and all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
            self.fail(key, f"must be an integer or [low, high], got {value!r}")
        if not (lo <= value[0] <= value[1] <= hi):
            self.fail(key, f"{value!r} must satisfy {lo} <= low <= high <= {hi}")
        return IntRange(*value)

    def number(self, key: str, lo: float, hi: float, default: Any = ...) -> float:
        value = self.get(key, float, default)
        if not (lo <= value <= hi):
            self.fail(key, f"{value!r} must be between {lo} and {hi}")
        return value

    def done(self):
        if self.data:
            key = sorted(self.data)[0]
            self.fail(key, "unknown key")


def load_world(path: str | Path) -> WorldSpec:
    """Read and validate a world file."""
    path = str(path)
    try:
        with open(path, "rb") as f:
            raw = tomllib.load(f)
    except FileNotFoundError:
        raise UserError(f"{path}: no such world file") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a directory, not a world file") from None
    except tomllib.TOMLDecodeError as e:
        raise UserError(f"{path}: malformed TOML: {e}") from None
    return parse_world(raw, path)


def parse_world(raw: dict, path: str = "<world>") -> WorldSpec:
    """Validate a parsed TOML document into a :class:`WorldSpec`."""
    top = _Table(path, "", raw)
    world = _Table(path, "world", top.get("world", dict))
    kind = world.choice("kind", WORLD_KINDS, "maze")
    name = world.get("name", str, Path(path).stem)
    size = world.int_range("size", MIN_SIZE, MAX_SIZE)
    max_steps = world.get("max_steps", int)
    if max_steps < 1:
        world.fail("max_steps", f"{max_steps} must be at least 1")
    braid = world.number("braid", 0.0, 1.0, 0.0)
    start = world.choice("start", PLACEMENTS, "top-left")
    off_path = world.get("objects_off_path", bool, False)
    world.done()

    ex = _Table(path, "exit", top.get("exit", dict))
    exit_spec = ExitSpec(ex.choice("color", COLOR_NAMES), ex.choice("position", PLACEMENTS))
    ex.done()

    objects = []
    for i, data in enumerate(top.get("objects", list, [])):
        t = _Table(path, f"objects.{i}", data)
        objects.append(ObjectSpec(t.choice("kind", OBJECT_KINDS), t.choice("color", COLOR_NAMES),
                                  t.int_range("count", 0, 64)))
        t.done()

    obj = _Table(path, "objective", top.get("objective", dict, {}))
    objective = Objective(obj.number("exit_credit", 0.0, 1e6, 1.0),
                          obj.number("step_cost", 0.0, 1e6, 0.0),
                          obj.number("explore_credit", 0.0, 1e6, 0.0))
    obj.done()

    probes = []
    for i, data in enumerate(top.get("probes", list, [])):
        probes.append(_probe(_Table(path, f"probes.{i}", data), exit_spec, start, probes))
    top.done()

    spec = WorldSpec(path, name, kind, size, max_steps, braid, start, off_path,
                     exit_spec, tuple(objects), objective, tuple(probes))
    cells = size.lo * size.lo
    if sum(o.count.hi for o in objects) + 2 > cells:
        top.fail("objects", f"up to {sum(o.count.hi for o in objects)} objects plus start and "
                 f"exit do not fit on {cells} cells of a {size.lo}x{size.lo} maze")
    if start == exit_spec.position and start != "random":
        top.fail("exit", f"position {start!r} is also the start cell")
    return spec


PROBE_NAME = re.compile(r"[A-Za-z0-9_.:+-]+")


def _probe(t: _Table, exit_spec: ExitSpec, start: str, earlier: list[ProbeSpec]) -> ProbeSpec:
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
