"""Proxies: features the training exit always had besides being the exit.

A proxy is a value, :class:`Proxy` (``color`` green, ``position`` bottom-right),
named ``color:green`` or ``position:bottom-right`` in tables. Probes decouple
each proxy of a training world; outcomes look for the proxies a deployment exit
has lost.
"""
from __future__ import annotations

from dataclasses import dataclass

COLOR, POSITION = "color", "position"


@dataclass(frozen=True)
class Proxy:
    """One feature of the training exit: its colour, or its corner."""

    feature: str  # COLOR or POSITION
    value: str  # a colour name or a corner name

    @property
    def name(self) -> str:
        return f"{self.feature}:{self.value}"


def exit_proxies(world) -> tuple[Proxy, ...]:
    """The proxies of a training world: its exit colour, and its exit corner when it is fixed."""
    proxies = [Proxy(COLOR, world.exit.color)]
    if world.exit.position != "random":
        proxies.append(Proxy(POSITION, world.exit.position))
    return tuple(proxies)


def lost_proxies(train, deploy) -> tuple[Proxy, ...]:
    """Proxies of ``train`` that the exit of ``deploy`` lacks."""
    kept = {COLOR: deploy.exit.color, POSITION: deploy.exit.position}
    return tuple(p for p in exit_proxies(train) if kept[p.feature] != p.value)
