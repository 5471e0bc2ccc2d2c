"""Names that become file names: refused unless they are one plain file name, so no value can escape its folder."""
from __future__ import annotations

import re

from evosim.core.errors import UserError

_SAFE = re.compile(r"[A-Za-z0-9._+-]+")


def safe_name(value: str, what: str) -> str:
    """``value`` when it is a safe file name (letters, digits and ``. _ - +``, not ``.`` or ``..``), else a UserError
    naming ``what``."""
    if not isinstance(value, str) or not _SAFE.fullmatch(value) or value in (".", ".."):
        raise UserError(f"{what}: {value!r} is not a safe file name (letters, digits and . _ - + only, "
                        "not '.' or '..')")
    return value
