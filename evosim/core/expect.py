"""What a saved state must hold, declared by its owner beside its ``state()``, and the one check of it.

A checkpoint is read back from disk, where anything may have happened to it (cut,
edited, copied from another run); :func:`check` holds each array and number of
it against the owner's :class:`Expect` spec before anything is restored, so a bad
one is a one-line reason naming its key instead of a traceback or a wrong run.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from evosim.core.checks import problem
from evosim.core.errors import UserError

KINDS = {"f": "float", "i": "integer", "b": "bool"}


@dataclass(frozen=True)
class Expect:
    """What one saved value must be: an array (``shape``: sizes, or names of sizes the checkpoint sets, alike
    in every array naming them) of dtype ``kind`` ("f", "i", "b"), or a number of the state document
    (``shape`` None, its key a dotted path); finite, within ``least``..``most`` (broadcast over an array)."""

    kind: str
    shape: tuple | None = None
    least: Any = None
    most: Any = None
    optional: bool = False


def like(array: np.ndarray, **bounds) -> Expect:
    """What an array saved in place of ``array`` must be: its shape and dtype kind (and ``bounds``)."""
    kind = np.asarray(array).dtype.kind
    return Expect("i" if kind == "u" else kind, np.shape(array), **bounds)


def check(arrays: dict[str, np.ndarray], doc: dict, spec: dict[str, Expect]) -> None:
    """Raise a UserError naming the first array or number of a loaded checkpoint that ``spec`` does not allow."""
    unknown = sorted(set(arrays) - {key for key, e in spec.items() if e.shape is not None})
    if unknown:
        raise UserError(f"{unknown[0]}: an array this run does not save (a checkpoint of another run?)")
    sizes: dict[str, int] = {}
    for key, expect in spec.items():
        why = _number_problem(doc, key, expect) if expect.shape is None else \
            _array_problem(arrays.get(key), expect, sizes)
        if why:
            raise UserError(f"{key}: {why}")


def _number_problem(doc: dict, key: str, expect: Expect) -> str | None:
    value = doc
    for part in key.split("."):
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return None if expect.optional else "missing"
    return problem(value, int if expect.kind == "i" else float, least=expect.least, most=expect.most)


def _array_problem(array: np.ndarray | None, expect: Expect, sizes: dict[str, int]) -> str | None:
    if array is None:
        return None if expect.optional else "missing"
    kind = "i" if array.dtype.kind == "u" else array.dtype.kind
    if kind != expect.kind:
        return f"dtype {array.dtype} but must be {KINDS[expect.kind]}"
    if array.ndim != len(expect.shape):
        return f"shape {array.shape} but must have {len(expect.shape)} dimension(s)"
    for size, want in zip(array.shape, expect.shape):
        if isinstance(want, str) and sizes.setdefault(want, size) != size:
            return f"shape {array.shape} but the checkpoint has {sizes[want]} {want}"
        if isinstance(want, int) and size != want:
            return f"shape {array.shape} but this run's is {expect.shape}"
    if kind == "f" and not np.isfinite(array).all():
        return "holds NaN or infinite values"
    least = -np.inf if expect.least is None else expect.least
    most = np.inf if expect.most is None else expect.most
    outside = (array < least) | (array > most)
    if outside.any():
        at = tuple(int(i) for i in np.argwhere(outside)[0])
        lo, hi = (np.broadcast_to(b, array.shape)[at] for b in (least, most))
        return f"{array[at]} at {list(at)} must be between {lo} and {hi}"
    return None
