"""File names made from a user's value (a cell, a world, a label): one name inside a folder, never a path."""
from __future__ import annotations

import re

from evosim.core.errors import UserError

#: What a safe file name is made of.
SAFE = re.compile(r"[A-Za-z0-9._+-]+")


def safe_name(value: str, what: str) -> str:
    """``value`` when it names one file inside a folder (letters, digits and . _ - +, not '.' or '..');
    otherwise a UserError naming ``what`` it is."""
    if not isinstance(value, str) or not SAFE.fullmatch(value) or value in (".", ".."):
        raise UserError(f"{what}: {value!r} is not a safe file name (letters, digits and . _ - + only, "
                        "not '.' or '..')")
    return value
