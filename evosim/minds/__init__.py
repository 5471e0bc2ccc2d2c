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
    """A mind by name, with its options (as saved in a run's ``agents.json``)."""
    if name not in MINDS:
        raise UserError(f"--mind: {name!r} is not one of: {', '.join(MINDS)}")
    return MINDS[name](**options)


for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
