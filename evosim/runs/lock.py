"""One writer per run: a lock file created exclusively, naming its holder's PID, host and start time.

A lock whose process has died (or whose PID now belongs to another process, told
apart by its start time) is stale and taken over; a lock held on another host
always counts, since its process cannot be seen from here.
"""
from __future__ import annotations

import os
import socket
from contextlib import contextmanager
from pathlib import Path

import psutil

from evosim.core.errors import UserError

LOCK = ".lock"


def is_lock(name: str) -> bool:
    """Whether a file name is a run's lock, or a lock being written."""
    return name == LOCK or (name.startswith(f".{LOCK}.") and name.endswith(".tmp"))


def started(pid: int) -> str | None:
    """When process ``pid`` started (seconds since the epoch, as psutil reports it), or None if it is gone."""
    try:
        return repr(psutil.Process(pid).create_time())
    except psutil.Error:
        return None


def _holder(lock: Path) -> tuple[int, str, str] | None:
    """PID, host and start time written in a lock file, or None when it is gone or unreadable."""
    try:
        pid, host, when = lock.read_text().split()
        return int(pid), host, when
    except (OSError, ValueError):
        return None


def _holds(holder: tuple[int, str, str] | None) -> bool:
    """Whether a lock's holder is a live process (on this host; any holder on another host counts)."""
    if holder is None:
        return False
    pid, host, when = holder
    return host != socket.gethostname() or (psutil.pid_exists(pid) and when in ("?", started(pid)))


def holder(run: Path) -> str | None:
    """Who holds the run's lock ("PID 12 on host"), or None when no live process does."""
    held = _holder(Path(run) / LOCK)
    return f"PID {held[0]} on {held[1]}" if _holds(held) else None


def is_locked(run: Path) -> bool:
    """Whether the run's lock is held by a live process."""
    return _holds(_holder(Path(run) / LOCK))


@contextmanager
def locked(run: Path):
    """Hold the run's lock while inside (creating the folder, removed again if it is left empty); a stale lock
    is taken over.

    The lock file appears with its content at once (written aside, then hard-linked
    into place, which fails if it exists), so no one ever reads a half-written lock.
    """
    run = Path(run)
    lock, mine = run / LOCK, run / f".{LOCK}.{os.getpid()}.tmp"
    made = not run.exists()
    try:
        run.mkdir(parents=True, exist_ok=True)
        mine.write_text(f"{os.getpid()} {socket.gethostname()} {started(os.getpid()) or '?'}\n")
    except OSError as e:
        raise UserError(f"{run}: cannot write into the run folder: {e.strerror or e}") from None
    try:
        for _ in range(2):
            try:
                os.link(mine, lock)
                break
            except FileExistsError:
                holder = _holder(lock)
                if _holds(holder):
                    pid, host, _ = holder
                    raise UserError(f"{run}: another evosim command (PID {pid} on {host}) is writing this "
                                    "run; wait for it to finish") from None
                lock.unlink(missing_ok=True)  # stale: its process died
        else:
            raise UserError(f"{run}: another evosim command took the lock at the same moment")
    finally:
        mine.unlink(missing_ok=True)
    try:
        yield run
    finally:
        lock.unlink(missing_ok=True)
        if made and not any(run.iterdir()):  # nothing came of it (e.g. no scheduler answered)
            run.rmdir()
