"""The live pygame viewer: agents of one or more runs moving in mazes of a world.

``app`` is the command (arguments, checks, no pygame until a window is asked for);
``scene`` steps the episodes; ``board``, ``panel`` and ``sprites`` draw them;
``window`` owns the pygame window, the frame loop and the keys.
"""
import os

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
