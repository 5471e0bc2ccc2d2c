"""World kinds: a registry from a world file's ``[world] kind`` to the class that owns it.

A world class is a frozen :class:`WorldText` dataclass made by ``parse(raw, path,
text)`` from a validated world file; it carries the file's text and digest, so
nothing reads the file twice, and a world derived from it (:func:`derive`) carries
a text that describes it. It owns its spec, samples worlds from a seed (``sample(rng, n)``),
stacks them into a batch (``batch(worlds)``), runs batched episodes whose
``step(actions)`` returns the step's events (``episodes(batch, n_agents, maze)``),
and defines its base objective once (``objective``). Every module of this
package registers its kinds when the package is imported, so a new kind is one
module (or subpackage) here.
"""
from __future__ import annotations

import hashlib
import importlib
import pkgutil
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

import tomli_w

from evosim.core.errors import UserError

WORLD_KINDS: dict[str, type] = {}
DEFAULT_KIND = "maze"


@dataclass(frozen=True)
class WorldText:
    """What every world carries: the TOML text it was parsed from (the file's, as loaded), and its digest.
    Worlds compare by what they are, not by how their text is written."""

    text: str = field(kw_only=True, repr=False, compare=False)

    @property
    def digest(self) -> str:
        """SHA-256 of the text's UTF-8 bytes (of a loaded world: its file's bytes), naming what made a run's rows."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


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
    world = parse_world(raw, path, data.decode("utf-8"))
    if kinds is not None and world.kind not in kinds:
        raise UserError(f"{path}: [world] kind {world.kind!r}: this command takes a world of kind "
                        f"{' or '.join(repr(k) for k in kinds)}")
    return world


def parse_world(raw: dict, path: str = "<world>", text: str | None = None):
    """Validate a parsed TOML document with the world class its ``[world] kind`` names; the world's
    text is ``text`` (what ``raw`` was parsed from) or, for data made in code, ``raw`` written as TOML."""
    text = tomli_w.dumps(raw) if text is None else text
    table = raw.get("world") if isinstance(raw, dict) else None
    kind = table.get("kind", DEFAULT_KIND) if isinstance(table, dict) else DEFAULT_KIND
    if not isinstance(kind, str) or kind not in WORLD_KINDS:
        raise UserError(f"{path}: [world] kind: {kind!r} is not one of: {', '.join(WORLD_KINDS)}")
    return WORLD_KINDS[kind].parse(raw, path, text)


def put(raw: dict, dotted: str, value) -> None:
    """Set a dotted key (``exit.mix.0.share``: tables by name, lists by index) in world TOML data."""
    parts = dotted.split(".")
    node = raw
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


def derive(world, changes: dict, **fields):
    """``world`` with ``fields`` replaced; its text is the world's TOML data with the dotted keys
    ``changes`` set, the same change as the file would say it. Changing nothing is the world itself."""
    if not changes and not fields:
        return world
    raw = tomllib.loads(world.text)
    for dotted, value in changes.items():
        put(raw, dotted, value)
    return replace(world, **fields, text=tomli_w.dumps(raw))


for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
