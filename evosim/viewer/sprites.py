"""Sprites from ``assets/``: loaded once, then tinted, scaled and turned on demand and cached.

The PNGs are white and greyscale (drawn by ``assets/make_sprites.py``); multiplying
by a tint turns pure white into exactly the tint, so a green exit shows the RGB of
:data:`evosim.core.features.COLORS` ``["green"]``. Scaling uses ``rotozoom``, which keeps
uniform areas exact (``smoothscale`` turns 255 into 253).
"""
from __future__ import annotations

from pathlib import Path

import pygame

from evosim.data import ASSETS
from evosim.core.errors import UserError


def agent_sprite(optimizer: str, mind: str, folder: Path = ASSETS) -> str:
    """Sprite name of an agent made by ``optimizer`` with a ``mind``: its own, else its optimizer's body, else a disc."""
    for name in (f"agent-{optimizer}-{mind}", f"agent-{optimizer}"):
        if (folder / f"{name}.png").exists():
            return name
    return "agent"


class Sprites:
    """Tinted, scaled, turned copies of the asset PNGs, made once per combination."""

    def __init__(self, folder: Path = ASSETS):
        self.folder = folder
        self.base: dict[str, pygame.Surface] = {}
        self.cache: dict[tuple, pygame.Surface] = {}

    def load(self, name: str) -> pygame.Surface:
        if name not in self.base:
            path = self.folder / f"{name}.png"
            if not path.exists():
                raise UserError(f"{path}: missing sprite; run 'python assets/make_sprites.py'")
            self.base[name] = pygame.image.load(str(path)).convert_alpha()
        return self.base[name]

    def get(self, name: str, tint: tuple[int, int, int], size: int, heading: int = 0,
            alpha: int = 255) -> pygame.Surface:
        """Sprite ``name`` multiplied by ``tint``, ``size`` pixels square, turned to face ``heading`` (0=N, 1=E...)."""
        key = (name, tint, size, heading, alpha)
        if key not in self.cache:
            base = self.load(name)
            surf = pygame.transform.rotozoom(base, 0, size / base.get_width())  # keeps pure white exact
            surf.fill(tint + (alpha,), special_flags=pygame.BLEND_RGBA_MULT)
            self.cache[key] = pygame.transform.rotate(surf, -90 * heading)
        return self.cache[key]
