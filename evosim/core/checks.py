"""One way to check a value a user gave: its type and its allowed values, with a one-line reason.

World files (:mod:`evosim.worlds.table`) and command-line settings
(:mod:`evosim.core.settings`) both ask :func:`problem`, so a bad value reads the same
wherever it was given; the caller only says where (file and key, or flag).
"""
from __future__ import annotations

import math
from typing import Any


def is_kind(value: Any, kind: type) -> bool:
    """Whether ``value`` is a ``kind``; booleans are not numbers, integers are floats."""
    if kind in (int, float) and isinstance(value, bool):
        return False
    if kind is float:
        return isinstance(value, (int, float))
    return isinstance(value, kind)


def problem(value: Any, kind: type, *, least: float | None = None, most: float | None = None,
            above: float | None = None, choices: tuple | None = None) -> str | None:
    """Why ``value`` is not an allowed ``kind`` value, or None when it is.

    ``least``/``most`` bound it inclusively, ``above`` exclusively; ``choices``
    lists the allowed values. Floats must be finite.
    """
    if not is_kind(value, kind):
        return f"must be {kind.__name__}, got {value!r}"
    if choices is not None and value not in choices:
        return f"{value!r} is not one of: {', '.join(str(c) for c in choices)}"
    if kind is float and not math.isfinite(value):
        return f"{value!r} is not a finite number"
    if least is not None and most is not None and not least <= value <= most:
        return f"{value!r} must be between {least} and {most}"
    if least is not None and value < least:
        return f"{value!r} must be at least {least}"
    if most is not None and value > most:
        return f"{value!r} must be at most {most}"
    if above is not None and not value > above:
        return f"{value!r} must be above {above}"
    return None
