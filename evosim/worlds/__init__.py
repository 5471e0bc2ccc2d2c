"""World kinds: a registry from a world file's ``[world] kind`` to the class that owns it.

A world class is a frozen dataclass made by ``parse(raw, path)`` from a validated
world file. It owns its spec, samples worlds from a seed (``sample(rng, n)``),
stacks them into a batch (``batch(worlds)``), runs batched episodes whose
``step(actions)`` returns the step's events (``episodes(batch, n_agents, maze)``),
and defines its base objective once (``objective``). Every module of this
package registers its kinds when the package is imported, so a new kind is one
module (or subpackage) here.
"""
from __future__ import annotations

import importlib
import pkgutil
import tomllib
from pathlib import Path

from evosim.core.errors import UserError

WORLD_KINDS: dict[str, type] = {}
DEFAULT_KIND = "maze"


def register_world(cls: type) -> type:
    """Class decorator: make ``cls`` the world class of ``[world] kind = cls.kind``."""
    WORLD_KINDS[cls.kind] = cls
    return cls


def load_world(path: str | Path, kinds: tuple[str, ...] | None = None):
    """Read and validate a world file into the world class of its kind (one of ``kinds``, when given)."""
    path = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise UserError(f"{path}: no such world file") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a directory, not a world file") from None
    except OSError as e:
        raise UserError(f"{path}: cannot read the world file: {e.strerror or e}") from None
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise UserError(f"{path}: not a world file: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as e:
        raise UserError(f"{path}: malformed TOML: {e}") from None
    world = parse_world(raw, path)
    if kinds is not None and world.kind not in kinds:
        raise UserError(f"{path}: [world] kind {world.kind!r}: this command takes a world of kind "
                        f"{' or '.join(repr(k) for k in kinds)}")
    return world


def parse_world(raw: dict, path: str = "<world>"):
    """Validate a parsed TOML document with the world class its ``[world] kind`` names."""
    table = raw.get("world") if isinstance(raw, dict) else None
    kind = table.get("kind", DEFAULT_KIND) if isinstance(table, dict) else DEFAULT_KIND
    if not isinstance(kind, str) or kind not in WORLD_KINDS:
        raise UserError(f"{path}: [world] kind: {kind!r} is not one of: {', '.join(WORLD_KINDS)}")
    return WORLD_KINDS[kind].parse(raw, path)


for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
