"""Settings dataclasses and their command-line flags: the one helper every command uses.

A settings class is a frozen dataclass deriving from :class:`Settings`, each field
made with :func:`setting`: its default, one line of help and its allowed values.
Making an object checks every field (and :meth:`Settings.check` checks across
fields), so a bad value is a one-line UserError naming its flag before any
compute starts, whether it came from the command line or from code.
:func:`add_flags` gives every field a flag (``--x/--no-x`` for a boolean) and
:func:`from_flags` builds settings from the flags given.
"""
from __future__ import annotations

import argparse
import typing
from dataclasses import dataclass, field, fields
from pathlib import PurePath
from types import UnionType
from typing import Any, Callable, ClassVar, NoReturn

from evosim.core.checks import problem
from evosim.core.errors import UserError


def setting(default: Any, help: str, shown: str | None = None, metavar: str | None = None, **allowed) -> Any:
    """A settings field: its default, one line of help, and the bounds or choices :func:`~evosim.core.checks.problem` takes.

    ``shown`` is what the help says of the default when the command resolves it from something else (e.g. "the
    world file's"); the help of a None default without it says nothing of a default. ``metavar`` names the flag's
    value in the help (default: the field's name in capitals).
    """
    return field(default=default, metadata={"help": help, "allowed": allowed, "shown": shown, "metavar": metavar})


def flag(name: str) -> str:
    """The command-line flag of a settings field."""
    return "--" + name.replace("_", "-")


def field_kind(cls: type, name: str) -> tuple[type, bool]:
    """The type of a settings field, and whether it may be None."""
    hint = typing.get_type_hints(cls)[name]
    if isinstance(hint, UnionType) or typing.get_origin(hint) is typing.Union:
        kinds = [a for a in typing.get_args(hint) if a is not type(None)]
        return kinds[0], True
    return hint, False


@dataclass(frozen=True)
class Settings:
    """Base of every settings dataclass: each field is checked when an object is made."""

    #: Pairs of fields whose flags cannot be given together (one would override the other), each with why.
    exclusive: ClassVar[tuple[tuple[str, str, str], ...]] = ()

    def __post_init__(self):
        for f in fields(self):
            kind, optional = field_kind(type(self), f.name)
            value = getattr(self, f.name)
            if value is None and optional:
                continue
            why = problem(value, kind, **f.metadata.get("allowed", {}))
            if why:
                raise UserError(f"{flag(f.name)}: {why}")
        self.check()

    def check(self) -> None:
        """Checks across fields; a subclass calls :meth:`fail` for the first problem."""

    def fail(self, name: str, message: str) -> NoReturn:
        value = getattr(self, name)
        shown = str(value) if isinstance(value, PurePath) else repr(value)  # a path as the user typed it
        raise UserError(f"{flag(name)}: {shown} {message}")


def shown_default(f, shown: str | None = None) -> str:
    """What the help says of a field's default: ``shown`` (the command's), else the field's own ``shown``, else
    its value ("" for None)."""
    shown = shown or f.metadata.get("shown")
    if shown:
        return f"default {shown}" if shown[0].isdigit() else f"default: {shown}"
    return "" if f.default is None else f"default {f.default}"


def _help(f, only: str = "", shown: str | None = None) -> str:
    notes = "; ".join(n for n in (shown_default(f, shown), only) if n)
    text = f"{f.metadata['help']} ({notes})" if notes else f.metadata["help"]
    return text.replace("%", "%%")


def add_flags(parser: argparse.ArgumentParser, *classes: type,
              shown: dict[str, str | Callable[[type], str]] | None = None) -> None:
    """A flag for every field of the settings classes; a field several classes share gets one flag.

    Classes are told apart in the help by their ``algorithm`` when a field's help
    or default differs between them (those that say the same named together), or
    when only some of them have it. ``shown`` maps a field to what the help says
    of its default where this command resolves it from something else
    (``generations``: the mind's budget), or to a function of the class saying it.
    """
    shown = shown or {}

    def help_of(cls: type, f, only: str = "") -> str:
        said = shown.get(f.name)
        return _help(f, only, said(cls) if callable(said) else said)

    owners: dict[str, list] = {}
    for cls in classes:
        for f in fields(cls):
            owners.setdefault(f.name, []).append((cls, f))
    for name, pairs in owners.items():
        texts: dict[str, list[type]] = {}
        for cls, f in pairs:
            texts.setdefault(help_of(cls, f), []).append(cls)
        if len(texts) > 1:
            text = "; ".join(f"{', '.join(c.algorithm for c in same)}: {said}" for said, same in texts.items())
        elif len(pairs) < len(classes):
            text = help_of(*pairs[0], f"{', '.join(cls.algorithm for cls, _ in pairs)} only")
        else:
            text = next(iter(texts))
        kind, _ = field_kind(pairs[0][0], name)
        how = {"action": argparse.BooleanOptionalAction} if kind is bool else {"type": kind}
        if pairs[0][1].metadata.get("metavar"):
            how["metavar"] = pairs[0][1].metadata["metavar"]
        parser.add_argument(flag(name), dest=name, default=None, help=text, **how)


def given(args: argparse.Namespace, *classes: type) -> list[str]:
    """Fields of the classes whose flags were given on the command line."""
    names = dict.fromkeys(f.name for cls in classes for f in fields(cls))
    return [n for n in names if getattr(args, n, None) is not None]


def refuse_together(args: argparse.Namespace | dict, first: str, second: str, why: str) -> None:
    """Refuse two flags (or settings given by name) together when one would silently override the other: one line,
    before any compute."""
    values = vars(args) if isinstance(args, argparse.Namespace) else args
    if values.get(first) is not None and values.get(second) is not None:
        raise UserError(f"{flag(first)} and {flag(second)}: give one or the other, not both ({why})")


def from_flags(cls: type, args: argparse.Namespace, **overrides) -> Any:
    """Settings of ``cls`` from parsed flags: the flags given, the class defaults for the rest; flags of its
    :attr:`~Settings.exclusive` pairs given together are refused."""
    for pair in cls.exclusive:
        refuse_together(args, *pair)
    values = {n: getattr(args, n) for n in given(args, cls)}
    return cls(**(values | overrides))
