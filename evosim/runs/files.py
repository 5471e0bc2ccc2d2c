"""Every file evosim writes goes through :func:`atomic`: drafted beside its name, flushed, renamed into place.

A write that fails (most often a full disk) removes its draft, leaves the file as it
was, and becomes one line naming the file: a :class:`UserError`, never a traceback.
"""
from __future__ import annotations

import errno
import os
from contextlib import contextmanager
from pathlib import Path

from evosim.core.errors import UserError

#: The errors of a disk (or a quota) with no room left.
FULL = (errno.ENOSPC, errno.EDQUOT)


def draft_of(path: Path) -> Path:
    """Where ``path`` is drafted: a hidden ``.NAME.tmp`` beside it (what ``--force`` also clears)."""
    return path.with_name(f".{path.name}.tmp")


class DiskFull(UserError):
    """A write found no room: not the fault of what was being written, so what writes many things stops at once."""


def failure(path: str | Path, e: OSError) -> UserError:
    """The one line for a write to ``path`` that failed with ``e``."""
    if e.errno in FULL:
        why = "no space left on device" if e.errno == errno.ENOSPC else "disk quota exceeded"
        return DiskFull(f"{path}: {why} (free some space first)")
    return UserError(f"{path}: cannot be written: {e.strerror or e}")


@contextmanager
def atomic(path: str | Path, mode: str = "w", **kw):
    """Open a draft of ``path`` for writing; when the block ends, flush it to disk and rename it over ``path``.

    On any failure the draft is removed; an OSError becomes :func:`failure`'s line.
    """
    path = Path(path)
    draft = draft_of(path)
    try:
        with open(draft, mode, **kw) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        draft.replace(path)
    except BaseException as e:
        draft.unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise failure(path, e) from None
        raise
