"""The feature vocabulary: the one place that names colours, shapes and position.

Worlds paint tiles with these features, planner minds weigh them, reflex minds see
them as channels, probes decouple them and the viewer draws them.
"""
from __future__ import annotations

import numpy as np

#: Named colours and the RGB the viewer and ``rgb_array`` rendering use for them.
COLORS: dict[str, tuple[int, int, int]] = {
    "green": (46, 184, 76),
    "red": (214, 54, 48),
    "grey": (140, 140, 140),
    "blue": (40, 110, 214),
    "yellow": (236, 196, 24),
    "purple": (150, 60, 190),
    "white": (236, 236, 236),
}
COLOR_NAMES: tuple[str, ...] = tuple(COLORS)

#: Object shapes. The exit is an object too: the one whose reaching ends an episode.
SHAPES: tuple[str, ...] = ("exit", "apple")
EXIT, APPLE = 0, 1

#: Normalised position of a tile: 0 at the top/left wall, 1 at the bottom/right one.
POSITION: tuple[str, ...] = ("x", "y")

#: Drive features in the order planner drive weights use them.
FEATURES: tuple[str, ...] = (
    tuple(f"color:{c}" for c in COLOR_NAMES)
    + tuple(f"shape:{s}" for s in SHAPES)
    + tuple(f"pos:{p}" for p in POSITION)
)
N_FEATURES = len(FEATURES)
COLOR_SLICE = slice(0, len(COLOR_NAMES))
SHAPE_SLICE = slice(len(COLOR_NAMES), len(COLOR_NAMES) + len(SHAPES))
POSITION_SLICE = slice(len(COLOR_NAMES) + len(SHAPES), N_FEATURES)

WALL_RGB = (38, 42, 54)
FLOOR_RGB = (222, 216, 200)
AGENT_RGB = (30, 30, 30)

#: Corner and region names a world file may use for positions.
CORNERS: dict[str, tuple[float, float]] = {
    "top-left": (0.0, 0.0),
    "top-right": (1.0, 0.0),
    "bottom-left": (0.0, 1.0),
    "bottom-right": (1.0, 1.0),
    "center": (0.5, 0.5),
}


def color_index(name: str) -> int:
    """Index of a named colour in :data:`COLOR_NAMES`."""
    return COLOR_NAMES.index(name)


def object_features(color: np.ndarray, shape: np.ndarray) -> np.ndarray:
    """Drive features (colour and shape one-hots, no position) of objects, shape (..., N_FEATURES)."""
    color = np.asarray(color)
    out = np.zeros(color.shape + (N_FEATURES,), dtype=np.float64)
    valid = color >= 0
    idx = np.nonzero(valid)
    out[idx + (color[valid],)] = 1.0
    out[idx + (SHAPE_SLICE.start + np.asarray(shape)[valid],)] = 1.0
    return out

