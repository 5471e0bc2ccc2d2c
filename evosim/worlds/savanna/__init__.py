"""The savanna world kind: fitness is reproduction, and the junk-food shift.

``world`` parses the world file; ``food`` holds food slots and answers nearest
items, found by ``nearest`` on a grid of them; ``ecology`` is the vectorised state
and its tick (births and deaths are events of the world itself, no fitness function
exists); ``training`` shapes the trained species by policy gradient; ``logs``
writes the tidy records and drive-fitness alignment.
"""
from evosim.worlds.savanna.world import SavannaWorld

__all__ = ["SavannaWorld"]
