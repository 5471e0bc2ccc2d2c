"""The neural mind: a convolutional recurrent network over the whole maze, which could learn to plan.

The planner's search is written by hand and only its drives are learned; the
reflex sees a 3x3 window. Between them, this network sees every tile (walls, the
objects' shapes and colours, the tiles it has visited, where it stands) and keeps
a hidden state on every tile, updated by ``ticks`` internal ticks of one 3x3
convolution per move: enough, in principle, to spread value from a goal through
the maze as a search would. Whether evolution or gradient descent make it do so,
and toward which goal, is what its runs measure. ``recurrent=false`` is the
feed-forward control: ``ticks`` layers of their own, nothing kept between moves.

Its moves are absolute directions, sampled from the network's softmax. The
network is :mod:`evosim.networks.convrnn` (JAX), imported when the mind first acts.
"""
from __future__ import annotations

import numpy as np

from evosim.core.features import COLOR_NAMES, SHAPES
from evosim.core.streams import uniform
from evosim.minds import register_mind
from evosim.minds.base import Mind, Option, softmax
from evosim.networks.architecture import Architecture

#: Channels of the observation on each tile, each 0 or 1.
INPUTS = ("wall", "visited") + tuple(f"shape:{s}" for s in SHAPES) + tuple(f"color:{c}" for c in COLOR_NAMES) + (
    "agent",)
WALL, VISITED, AGENT = 0, 1, len(INPUTS) - 1
OBJECT = slice(2, 2 + len(SHAPES) + len(COLOR_NAMES))  # an object's shape and colour channels


@register_mind
class Neural(Mind):
    """A convolutional recurrent network; its parameters are the network's weights flattened."""

    name = "neural"
    jitted = True
    keeps_snapshots = True
    decision_bytes = 40_000  # measured: 885 MiB peak for 160 maze_train episodes of 200 steps, ~15 KB a decision
    OPTIONS = (Option("channels", int, 8, 1, 256, "hidden channels on every tile"),
               Option("ticks", int, 1, 1, 64, "internal ticks of the network per move (its thinking steps)"),
               Option("recurrent", bool, True, help="keep the hidden state between moves and share one layer over "
                                               "the ticks; false: a feed-forward stack of `ticks` layers"))

    def __init__(self, channels: int = 8, ticks: int = 1, recurrent: bool = True):
        self.architecture = Architecture(len(INPUTS), channels, ticks, recurrent)
        self.n_params = self.architecture.n_params

    @property
    def tile_bytes(self) -> int:
        """About 2 tiles per floor tile, each holding the input, hidden state and the nine shifted copies a jitted
        step makes (measured: 2.5, 3.1 and 8.8 KB at 2, 8 and 32 channels)."""
        return 120 * (self.architecture.inputs + 2 * self.architecture.channels) + 1_000

    def options(self) -> dict:
        a = self.architecture
        return {"channels": a.channels, "ticks": a.ticks, "recurrent": a.recurrent}

    def init(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.architecture.init(rng, n)

    def controller(self, params: np.ndarray, episodes) -> "NeuralController":
        return NeuralController(self.architecture, params, episodes)

    def learner(self, params: np.ndarray, episodes, temperature: float) -> "NeuralLearner":
        return NeuralLearner(self.architecture, params, episodes)


def scenes(batch) -> np.ndarray:
    """(K, side, side, inputs) uint8: each maze's walls (and padding) and its objects, before anything moves."""
    K, side = batch.size, batch.side
    out = np.zeros((K, side, side, len(INPUTS)), np.uint8)
    out[..., WALL] = batch.index < 0
    k, o = np.nonzero(batch.obj_tile >= 0)
    row, col = batch.tiles[k, batch.obj_tile[k, o]].T
    out[k, row, col, OBJECT.start + batch.obj_shape[k, o]] = 1
    out[k, row, col, OBJECT.start + len(SHAPES) + batch.obj_color[k, o]] = 1
    return out


def bucket(n: int, size: int) -> int:
    """How many slots a call evaluates when ``n`` of ``size`` are running: the smallest of size, size/2, size/4,
    ... that holds them, so that a batch is compiled for a few shapes only."""
    m = size
    while m > 1 and (m + 1) // 2 >= n:
        m = (m + 1) // 2
    return m


class NeuralController:
    """Shows every running slot its maze, runs the network on those slots at once, samples their moves."""

    def __init__(self, arch: Architecture, params: np.ndarray, episodes):
        self.arch, self.episodes = arch, episodes
        self.params = np.asarray(params, np.float32)
        b = episodes.batch
        self.scene = scenes(b)
        self.hidden = np.zeros((episodes.size, b.side, b.side, arch.channels), np.float32)

    def observe(self, slots: np.ndarray) -> np.ndarray:
        """(n, side, side, inputs) uint8: what ``slots`` see now (eaten apples gone, visited tiles, the agent)."""
        e, b = self.episodes, self.episodes.batch
        maze = e.maze[slots]
        x = self.scene[maze]
        i, f = np.nonzero(e.first_visit[slots] >= 0)
        row, col = b.tiles[maze[i], f].T
        x[i, row, col, VISITED] = 1
        i, o = np.nonzero(e.eaten[slots])
        row, col = b.tiles[maze[i], b.obj_tile[maze[i], o]].T
        x[i, row, col, OBJECT] = 0
        row, col = b.tiles[maze, e.pos[slots]].T
        x[np.arange(len(slots)), row, col, AGENT] = 1
        return x

    def positions(self, slots: np.ndarray) -> np.ndarray:
        """(n, 2) row and column of each slot's tile."""
        e = self.episodes
        return e.batch.tiles[e.maze[slots], e.pos[slots]].astype(np.int32)

    def padded(self, slots: np.ndarray, *arrays: np.ndarray) -> list[np.ndarray]:
        """``slots`` and the per-slot ``arrays``, padded with copies of their first row to the size :func:`bucket`
        gives, so that a jitted call compiles for a few shapes only."""
        m = bucket(len(slots), self.episodes.size) - len(slots)
        return [np.concatenate([a, np.repeat(a[:1], m, 0)]) for a in (slots,) + arrays]

    def logits(self, slots: np.ndarray, x: np.ndarray, pos: np.ndarray, ticks: int) -> np.ndarray:
        """(n, 4) move logits of ``slots`` after ``ticks`` ticks; their hidden states move on."""
        from evosim.networks import convrnn
        n = len(slots)
        pad, x, pos = self.padded(slots, x, pos)
        logits, hidden = convrnn.forward(self.arch, self.params[self.episodes.agent[pad]], x, self.hidden[pad],
                                         pos, ticks)
        self.hidden[slots] = np.asarray(hidden)[:n]
        return np.asarray(logits, np.float64)[:n]

    def move_logits(self, slots: np.ndarray, x: np.ndarray, pos: np.ndarray) -> np.ndarray:
        """(n, 4) the logits of this move of ``slots``, seeing ``x`` at ``pos``: one move's ticks."""
        return self.logits(slots, x, pos, self.arch.ticks)

    def act(self, rng: np.random.Generator) -> np.ndarray:
        e = self.episodes
        slots = np.flatnonzero(e.alive)
        self.hidden[slots[e.steps[slots] == 0]] = 0.0  # a slot whose episode (re)starts forgets
        self.last = slots, self.observe(slots), self.positions(slots)
        direction = np.zeros(e.size, np.int64)
        direction[slots] = self.choose(softmax(self.move_logits(*self.last)), slots, rng)
        return direction

    def choose(self, p: np.ndarray, slots: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The moves of ``slots``, drawn from their move probabilities ``p`` (n, 4)."""
        draw = uniform(rng, self.episodes.agent)[slots]
        return np.minimum((p.cumsum(1) < draw[:, None]).sum(1), 3)


class NeuralLearner(NeuralController):
    """The neural controller, recording what every running slot saw and did, for the policy gradient."""

    def __init__(self, arch: Architecture, params: np.ndarray, episodes):
        super().__init__(arch, params, episodes)
        self.records: list[tuple] = []  # (t, slots, x, pos, move) of every step

    def act(self, rng: np.random.Generator) -> np.ndarray:
        direction = super().act(rng)
        slots, x, pos = self.last
        self.records.append((self.episodes.t, slots, x, pos, direction[slots]))
        return direction

    def decisions(self) -> tuple[np.ndarray, np.ndarray]:
        """Step and slot of every move."""
        return (np.concatenate([np.full(len(r[1]), r[0]) for r in self.records]),
                np.concatenate([r[1] for r in self.records]))

    def gradient(self, weight: np.ndarray, entropy: float) -> np.ndarray:
        """(A, D) gradient of ``sum(weight * log p(move)) + entropy * sum(H)`` over the moves, in decision order,
        back through each whole episode."""
        from evosim.networks import convrnn
        e, T = self.episodes, len(self.records)
        x = np.zeros((T, e.size) + self.scene.shape[1:], np.uint8)
        pos = np.zeros((T, e.size, 2), np.int32)
        move = np.zeros((T, e.size), np.int32)
        w = np.zeros((T, e.size), np.float32)
        acted = np.zeros((T, e.size), bool)
        done = 0
        for t, (_, slots, x_t, pos_t, move_t) in enumerate(self.records):
            x[t, slots], pos[t, slots], move[t, slots], acted[t, slots] = x_t, pos_t, move_t, True
            w[t, slots] = weight[done:done + len(slots)]
            done += len(slots)
        grad = convrnn.policy_gradient(self.arch, self.params, x, pos, move, w, acted, float(entropy))
        return np.asarray(grad, np.float64)


CENTRE = 4  # the 3x3 kernel's middle tap (evosim.networks.convrnn.TAPS); its four neighbours' taps:
SIDES = (1, 3, 5, 7)
GREEN_INPUT = OBJECT.start + len(SHAPES) + COLOR_NAMES.index("green")  # the green colour's input channel
EXPLORER_KERNEL = {(CENTRE, WALL, 0): -4.0, (CENTRE, VISITED, 0): -2.0}


def hand_set(arch: Architecture, kernel: dict, bias: dict, neighbour: dict) -> np.ndarray:
    """(1, D) parameters of a hand-wired network: every layer's kernel entries ``kernel`` ((tap, input,
    channel) -> weight), biases ``bias`` and the readout's ``neighbour`` weights (channel -> weight); the rest 0."""
    theta, at = np.zeros(arch.n_params), 0
    for name, shape in arch.parts:
        size = int(np.prod(shape))
        part = theta[at:at + size].reshape(shape)
        for index, value in {"kernel": kernel, "bias": bias, "neighbour": neighbour}.get(name, {}).items():
            part[index] = value
        at += size
    return theta[None]


def explorer(arch: Architecture) -> np.ndarray:
    """(1, D) parameters that make the network a known heuristic, with no goal: step onto an open tile not yet
    visited, else onto a visited one, hardly ever into a wall. Hidden channel 0 of each tile is
    ``tanh(1.5 - 4 wall - 2 visited)``, the same at every tick; a move's logit is 6 times its neighbour's."""
    return hand_set(arch, EXPLORER_KERNEL, {0: 1.5}, {0: 6.0})


def green_seeker(arch: Architecture) -> np.ndarray:
    """(1, D) parameters (2 channels or more) that make the network a hand-wired planner whose goal is green:
    the explorer's channel 0, and a channel 1 that spreads value from green objects through the open tiles, a
    tile further each tick (a wall's is held at -1, and cancelled in its neighbours by the wall input); a
    move's logit rises steeply with its neighbour's value, so it walks up the value toward green once the value
    has reached it, and explores until then."""
    value = arch.inputs + 1  # hidden channel 1, as the kernel's input
    spread = {(tap, source, 1): 0.45 for tap in SIDES for source in (value, WALL)}
    kernel = EXPLORER_KERNEL | {(CENTRE, WALL, 1): -10.0, (CENTRE, GREEN_INPUT, 1): 3.0} | spread
    return hand_set(arch, kernel, {0: 1.5}, {0: 6.0, 1: 3000.0})
