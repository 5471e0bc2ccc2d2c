"""The shape of a convolutional recurrent network, without JAX: its layers and how its flat parameters split.

A network reads a maze as an image of tiles (``inputs`` channels each) and keeps
``channels`` hidden channels on every tile. Each internal tick is one 3x3
convolution over the input and the hidden state, then tanh. A recurrent network
applies one shared layer at every tick and keeps its hidden state from move to
move; a feed-forward one stacks ``ticks`` layers of its own and starts from zero
at every move. The readout scores the four moves from the hidden state of the
agent's tile and of each neighbouring tile.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

N_MOVES = 4  # north, east, south, west, as evosim.worlds.maze.graph.DIRECTIONS
NEIGHBOURS = ((-1, 0), (0, 1), (1, 0), (0, -1))  # the tile offset of each move, whose hidden state the readout reads


@dataclass(frozen=True)
class Architecture:
    """A network's sizes; hashable, so that jitted functions take it as a static argument."""

    inputs: int  # channels of the observation on each tile
    channels: int  # hidden channels on each tile
    ticks: int  # internal ticks per move
    recurrent: bool  # one shared layer and a state kept between moves, or a feed-forward stack

    @property
    def layers(self) -> int:
        return 1 if self.recurrent else self.ticks

    @property
    def parts(self) -> list[tuple[str, tuple[int, ...]]]:
        """Name and shape of each parameter array, in flat order: each layer's 3x3 kernel (taps, in, out) and
        bias, then the readout's weights of a neighbour's hidden state (channels,), of the agent's own tile's
        (channels, moves), and the move biases."""
        conv = [("kernel", (9, self.inputs + self.channels, self.channels)), ("bias", (self.channels,))]
        return conv * self.layers + [("neighbour", (self.channels,)), ("own", (self.channels, N_MOVES)),
                                     ("move_bias", (N_MOVES,))]

    @property
    def n_params(self) -> int:
        return int(sum(np.prod(shape) for _, shape in self.parts))

    def init(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """n parameter vectors: weights normal with variance 1 / fan-in, biases zero."""
        columns = []
        for name, shape in self.parts:
            fan_in = int(np.prod(shape[:-1])) if name in ("kernel", "own") else shape[0]
            scale = 0.0 if name.endswith("bias") else 1 / np.sqrt(fan_in)
            columns.append(rng.normal(0.0, 1.0, (n, int(np.prod(shape)))) * scale)
        return np.concatenate(columns, axis=1)
