"""Memory a study will need, estimated before any compute: one that would not fit is refused in one line,
naming the flags (or world keys) that set its size."""
from __future__ import annotations

import psutil

from evosim.core.errors import UserError

SHARE = 0.8  # of the memory available now, the most a study may plan to need
ROW_BYTES = 2_000  # one row of a table while it is held in memory: a dict of a dozen entries


def available_memory() -> int:
    """Bytes of memory available now."""
    return psutil.virtual_memory().available


def require_memory(need: int, culprit: str, what: str) -> None:
    """Refuse a study that needs ``need`` bytes: ``culprit`` (the flags that set the size) ``what`` (its work)."""
    available = available_memory()
    if need > SHARE * available:
        raise UserError(f"{culprit} {what} and needs about {need / 2**30:.1f} GiB; "
                        f"{available / 2**30:.1f} GiB of memory is available")
