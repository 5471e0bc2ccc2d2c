"""Reading one TOML table of a world file, key by key, with one-line errors.

Every world kind validates its file with :class:`Table`: a missing, unknown,
mistyped or out-of-range key raises :class:`~evosim.core.errors.UserError` naming the
file, the table and the key (values are judged by :func:`evosim.core.checks.problem`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn

from evosim.core.checks import is_kind, problem
from evosim.core.errors import UserError


@dataclass(frozen=True)
class IntRange:
    """An inclusive integer range; a world samples one value per maze."""

    lo: int
    hi: int

    def sample(self, rng) -> int:
        return int(rng.integers(self.lo, self.hi + 1))


class Table:
    """The keys of one table (``where``; "" for the top level, whose keys are tables)."""

    def __init__(self, path: str, where: str, data: Any):
        self.path, self.where = path, where
        if not isinstance(data, dict):
            self.fail("", f"must be a table, got {type(data).__name__}")
        self.data = dict(data)

    def fail(self, key: str, message: str) -> NoReturn:
        if not self.where:
            at = f"[{key}]"
        else:
            at = f"[{self.where}] {key}" if key else f"[{self.where}]"
        raise UserError(f"{self.path}: {at}: {message}")

    def get(self, key: str, kind: type, default: Any = ..., **allowed) -> Any:
        """The value of ``key``, checked against its kind and ``allowed`` bounds or choices."""
        if key not in self.data:
            if default is ...:
                self.fail(key, "missing")
            return default
        value = self.data.pop(key)
        why = problem(value, kind, **allowed)
        if why:
            self.fail(key, why)
        return float(value) if kind is float else value

    def choice(self, key: str, allowed: tuple[str, ...], default: Any = ...) -> str:
        return self.get(key, str, default, choices=allowed)

    def choices(self, key: str, allowed: tuple[str, ...], default: Any = ...) -> tuple[str, ...]:
        """``"any"`` (every allowed value) or a non-empty list of allowed values, as a tuple."""
        value = self.data.pop(key, default)
        if value is ...:
            self.fail(key, "missing")
        if value == "any":
            return tuple(allowed)
        if not (isinstance(value, list) and value and all(isinstance(v, str) for v in value)):
            self.fail(key, f'must be "any" or a list of: {", ".join(allowed)}; got {value!r}')
        for v in value:
            if v not in allowed:
                self.fail(key, f"{v!r} is not one of: {', '.join(allowed)}")
        return tuple(dict.fromkeys(value))

    def number(self, key: str, lo: float, hi: float, default: Any = ...) -> float:
        return self.get(key, float, default, least=lo, most=hi)

    def int_range(self, key: str, lo: int, hi: int, default: Any = ...) -> IntRange:
        """An integer or ``[low, high]`` with ``lo <= low <= high <= hi``."""
        value = self.data.get(key, default)
        if value is ...:
            self.fail(key, "missing")
        self.data.pop(key, None)
        if is_kind(value, int):
            value = [value, value]
        if not (isinstance(value, list) and len(value) == 2 and all(is_kind(v, int) for v in value)):
            self.fail(key, f"must be an integer or [low, high], got {value!r}")
        if not (lo <= value[0] <= value[1] <= hi):
            self.fail(key, f"{value!r} must satisfy {lo} <= low <= high <= {hi}")
        return IntRange(*value)

    def done(self) -> None:
        """Refuse the first key nobody asked for."""
        if self.data:
            self.fail(sorted(self.data)[0], "unknown key")
