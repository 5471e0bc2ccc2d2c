"""The machine a bench runs on and how busy it is: cores, CPU model, memory, load average, and the share of the
CPU that other processes took while the bench ran (read with psutil where it imports).

A figure timed on a machine whose load average exceeds its cores was measured while
other work competed for them: the bench marks it, so that a slow figure is not read
as a regression of evosim.
"""
from __future__ import annotations

import os
import platform
from dataclasses import dataclass

from evosim.runs.cluster import cores


def cpu_model() -> str | None:
    """The CPU's model name from /proc/cpuinfo (Linux), else what the platform says, else None."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                name, _, value = line.partition(":")
                if name.strip() == "model name" and value.strip():
                    return value.strip()
    except OSError:
        pass
    return platform.processor() or None


def machine() -> dict:
    """What the machine is: cores, CPU model (None if unreadable), memory in GiB (None without psutil), platform."""
    try:
        import psutil
        memory = round(psutil.virtual_memory().total / 2 ** 30, 1)
    except ImportError:
        memory = None
    return {"cores": cores(), "cpu": cpu_model(), "memory_gib": memory, "platform": platform.platform(),
            "python": platform.python_version()}


def load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages, or None where the system keeps none."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


@dataclass(frozen=True)
class Mark:
    """Counters taken at one moment: the machine's CPU times (busy and all, summed over its CPUs) and this
    process's own and its waited-for children's CPU time, in seconds; None without psutil."""

    busy: float | None = None
    total: float | None = None
    own: float | None = None

    @classmethod
    def now(cls) -> "Mark":
        try:
            import psutil
        except ImportError:
            return cls()
        t = psutil.cpu_times()
        # as psutil's cpu_percent counts: guest time is inside user time already, idle and iowait are not busy
        total = sum(t) - getattr(t, "guest", 0.0) - getattr(t, "guest_nice", 0.0)
        busy = total - t.idle - getattr(t, "iowait", 0.0)
        p = psutil.Process().cpu_times()
        return cls(busy, total, p.user + p.system + p.children_user + p.children_system)

    def others_since(self, earlier: "Mark") -> float | None:
        """The share of the machine's CPU (0 to 1) that processes other than this one and its children used
        between ``earlier`` and this mark; None without psutil or when no time passed."""
        if self.total is None or earlier.total is None or self.total <= earlier.total:
            return None
        others = (self.busy - earlier.busy) - (self.own - earlier.own)
        return round(min(1.0, max(0.0, others / (self.total - earlier.total))), 3)


def is_loaded(load: float | None, cores: int) -> bool:
    """Whether a 1-minute load average says that more work wanted the CPU than the machine has cores."""
    return load is not None and load > cores


def reading(since: Mark) -> dict:
    """The load now: the load averages, and the CPU share other processes used since the mark ``since``."""
    return {"load_average": load_average(), "others_cpu": Mark.now().others_since(since)}


def machine_line(what: dict) -> str:
    """One line saying what the machine is."""
    said = [f"{what['cores']} core{'s' * (what['cores'] != 1)}"]
    said += [what["cpu"]] if what.get("cpu") else []
    said += [f"{what['memory_gib']:g} GiB memory"] if what.get("memory_gib") is not None else []
    return f"machine: {', '.join(said)} ({what['platform']}, Python {what['python']})"


def load_line(when: str, read: dict, cores: int) -> str:
    """One line saying how loaded the machine was ``when``: its load averages, marked LOADED above its cores,
    and the CPU share other processes took, where known."""
    averages = read.get("load_average")
    if averages is None:
        said = "no load average on this system"
    else:
        said = f"load average {', '.join(f'{x:.2f}' for x in averages)} (1, 5, 15 min) on {cores} cores"
        said += " - LOADED: more work than cores" if is_loaded(averages[0], cores) else ""
    if read.get("others_cpu") is not None:
        said += f"; other processes used {read['others_cpu']:.0%} of the CPU since the bench started"
    return f"{when}: {said}"
