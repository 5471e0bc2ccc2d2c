"""Minds: a registry of the policies base optimizers shape (see :mod:`evosim.minds.base`).

Every module of this package is imported with it, so a new mind is one module
here whose class is decorated with :func:`register_mind`; a mind defined
elsewhere registers the same way before the command that uses it is run.
"""
from __future__ import annotations

import importlib
import pkgutil

from evosim.core.errors import UserError
from evosim.minds.base import Mind

MINDS: dict[str, type[Mind]] = {}


def register_mind(cls: type[Mind]) -> type[Mind]:
    """Class decorator: make ``cls`` available as ``--mind cls.name``."""
    MINDS[cls.name] = cls
    return cls


def make_mind(name: str, **options) -> Mind:
    """A mind by name, with its options (as saved in a run's ``agents.json``), checked by :func:`check_options`."""
    if name not in MINDS:
        raise UserError(f"--mind: {name!r} is not one of: {', '.join(MINDS)}")
    return MINDS[name](**check_options(name, options, "mind options"))


def option_names(name: str) -> set[str]:
    """The names of the options mind ``name`` declares."""
    return {o.name for o in MINDS[name].OPTIONS}


def allowed_options(name: str) -> str:
    """The options of mind ``name`` with their types and ranges, for an error message."""
    options = MINDS[name].OPTIONS
    return (f"mind {name} takes: {', '.join(o.allowed() for o in options)}" if options
            else f"mind {name} takes no options")


def check_options(name: str, options: dict, where: str) -> dict:
    """``options`` of mind ``name`` checked against its :attr:`~evosim.minds.base.Mind.OPTIONS` (names, types,
    ranges), an int given for a float option made a float; otherwise a one-line UserError starting ``where``."""
    declared = {o.name: o for o in MINDS[name].OPTIONS}
    out = {}
    for key, value in options.items():
        option = declared.get(key)
        if option is None:
            raise UserError(f"{where}: {key!r} is not an option of mind {name}; {allowed_options(name)}")
        if option.type is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if type(value) is not option.type:
            kind = {bool: "true or false", int: "an integer", float: "a number"}.get(option.type, option.type.__name__)
            raise UserError(f"{where}: {key}={_show(value)} is not {kind}; {allowed_options(name)}")
        if option.type is float and value != value:
            raise UserError(f"{where}: {key}={_show(value)} is not a number; {allowed_options(name)}")
        if (option.least is not None and value < option.least) or (option.most is not None and value > option.most):
            raise UserError(f"{where}: {key}={_show(value)} is out of range; {allowed_options(name)}")
        out[key] = value
    return out


def _show(value) -> str:
    return str(value).lower() if isinstance(value, bool) else repr(value)


def parse_value(text: str):
    """A value written as text: true/false, an int, a float, or else the text itself."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def parse_options(name: str, pairs: list[str], where: str) -> dict:
    """``["hidden=32", "radius=2"]`` as the checked options of mind ``name``; a one-line UserError starting
    ``where`` for a pair that is not NAME=VALUE, a repeat, or an option :func:`check_options` refuses."""
    options = {}
    for pair in pairs:
        key, eq, text = pair.partition("=")
        key = key.strip()
        if not eq or not key or not text.strip():
            raise UserError(f"{where}: {pair!r} is not NAME=VALUE; {allowed_options(name)}")
        if key in options:
            raise UserError(f"{where}: {key} is given twice; {allowed_options(name)}")
        options[key] = parse_value(text.strip())
    return check_options(name, options, where)


for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
