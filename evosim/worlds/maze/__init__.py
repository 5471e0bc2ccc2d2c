"""The maze: a seeded maze with an exit and apples, in which the base objective is reaching the exit.

``world`` (the world file and the :class:`MazeWorld` kind), ``objective``,
``graph`` and ``generator`` (one maze), ``batch`` and ``episodes`` (many agents in
many mazes at once), ``proxies``, ``outcomes`` and ``probes`` (what an episode
says about the agent's drives).
"""
from evosim.worlds.maze.world import MazeWorld

__all__ = ["MazeWorld"]
