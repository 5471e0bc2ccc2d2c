"""Compiled loops: numba's ``njit``, its machine code cached on disk where numba finds a folder to write.

numba caches beside the module (``__pycache__``), else in the user's cache folder
(``~/.cache/numba``, or ``NUMBA_CACHE_DIR``); where it can write neither (a read-only
install and home) it refuses to cache, and the loops are compiled afresh in each
process instead. No fastmath: IEEE arithmetic in the order written, so a loop gives
the bytes of the numpy code it stands for.
"""
from __future__ import annotations

import numba


def compiled(function=None, *, inline: bool = False):
    """``@compiled`` or ``@compiled(inline=True)`` (inlined into the compiled loops that call it)."""
    def wrap(f):
        options = {"inline": "always"} if inline else {}
        try:
            return numba.njit(cache=True, **options)(f)
        except RuntimeError as error:  # "cannot cache function ...: no locator available for file ..."
            if "no locator available" not in str(error):
                raise
            return numba.njit(**options)(f)
    return wrap if function is None else wrap(function)
