"""Minds: policies evaluated in batches from flat parameter vectors.

Both base optimizers act on minds only through these vectors, so a comparison
between them differs only in the optimizer.
"""
from __future__ import annotations

from ..errors import UserError
from .planner import Planner
from .reflex import Reflex

MINDS = {"planner": Planner, "reflex": Reflex}


def make_mind(name: str, **options):
    """A mind by name, with its options (as saved in a run's ``agents.json``)."""
    if name not in MINDS:
        raise UserError(f"--mind: {name!r} is not one of: {', '.join(MINDS)}")
    return MINDS[name](**options)
