"""The reflex mind: a one-hidden-layer MLP from a heading-relative local view to moves.

Its input is a square window of feature channels (wall, visited, the exit and
apple shapes, each colour) turned so that "up" is the agent's heading, plus its
own normalised position. Its outputs are logits over moves relative to the
heading: forward, left, right, back. It has no explicit drives; probes reveal them.

It acts by sampling from the MLP's softmax, while learning as when deployed;
learning by gradient descent (:class:`RecordingReflex`) records every input and
move and backpropagates through the MLP (:func:`reflex_grads`).
"""
from __future__ import annotations

import numpy as np

from evosim.core.features import COLOR_NAMES, SHAPES
from evosim.core.streams import uniform
from evosim.worlds.maze.graph import DIRECTIONS
from evosim.minds import register_mind
from evosim.minds.base import Mind, Option, softmax

CHANNELS = ("wall", "visited") + tuple(f"shape:{s}" for s in SHAPES) + tuple(f"color:{c}" for c in COLOR_NAMES)
RELATIVE_MOVES = ("forward", "left", "right", "back")
TURN = np.array([0, 3, 1, 2])  # clockwise quarter turns from the heading for each relative move
RELATIVE = np.argsort(TURN)  # the relative move of each clockwise quarter turn from the heading


def window_offsets(radius: int) -> np.ndarray:
    """(4, W*W, 2) tile offsets of the window for each heading, forward rows first."""
    ahead = np.arange(radius, -radius - 1, -1)
    side = np.arange(-radius, radius + 1)
    out = []
    for h in range(4):
        fwd, right = DIRECTIONS[h], DIRECTIONS[(h + 1) % 4]
        out.append((ahead[:, None, None] * fwd + side[None, :, None] * right).reshape(-1, 2))
    return np.stack(out)


@register_mind
class Reflex(Mind):
    """A small MLP on a local view; parameters are W1, b1, W2, b2 flattened."""

    name = "reflex"
    param_names = None
    decision_bytes = 1024  # measured: 78 MiB for 256 maze_deploy episodes of 300 steps
    OPTIONS = (Option("hidden", int, 8, 1, 1024, "hidden units of the MLP"),
               Option("radius", int, 1, 1, 5, "tiles seen on each side of the agent: a (2r+1)^2 window"))

    def __init__(self, radius: int = 1, hidden: int = 8):
        self.radius, self.hidden = radius, hidden
        self.n_inputs = (2 * radius + 1) ** 2 * len(CHANNELS) + 2
        self.shapes = [(self.n_inputs, hidden), (hidden,), (hidden, len(RELATIVE_MOVES)), (len(RELATIVE_MOVES),)]
        self.n_params = int(sum(np.prod(s) for s in self.shapes))

    def options(self) -> dict:
        return {"radius": self.radius, "hidden": self.hidden}

    def init(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Weights scaled by fan-in, biases zero."""
        parts = []
        for shape in self.shapes:
            scale = 1.0 / np.sqrt(shape[0]) if len(shape) == 2 else 0.0
            parts.append(rng.normal(0.0, 1.0, (n, int(np.prod(shape)))) * scale)
        return np.concatenate(parts, axis=1)

    def unpack(self, params: np.ndarray) -> list[np.ndarray]:
        """Split (A, D) parameters into (A, *shape) arrays."""
        out, i = [], 0
        for shape in self.shapes:
            size = int(np.prod(shape))
            out.append(params[:, i:i + size].reshape((len(params),) + shape))
            i += size
        return out

    def forward(self, params: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Hidden activations and logits for inputs x of shape (A, K, n_inputs)."""
        W1, b1, W2, b2 = self.unpack(params)
        h = np.tanh(x @ W1 + b1[:, None, :])
        return h, h @ W2 + b2[:, None, :]

    def controller(self, params: np.ndarray, episodes) -> "ReflexController":
        return ReflexController(self, params, episodes)

    def learner(self, params: np.ndarray, episodes, temperature: float) -> "RecordingReflex":
        return RecordingReflex(self, params, episodes)


class ReflexController:
    """Builds every slot's view, samples a relative move, turns it into a direction."""

    def __init__(self, mind: Reflex, params: np.ndarray, episodes):
        self.mind, self.episodes = mind, episodes
        self.params = params.astype(np.float32)
        b = episodes.batch
        #: floor tile (or -1) under each window cell, by (maze, tile, heading) flattened
        self.window = np.empty((b.size * b.width * 4, (2 * mind.radius + 1) ** 2), np.int32)
        self.refresh(np.arange(b.size))

    def refresh(self, mazes: np.ndarray) -> None:
        """Build the window table's rows of ``mazes`` (again, after the batch swapped them)."""
        b, r = self.episodes.batch, self.mind.radius
        index = np.pad(b.index[mazes], ((0, 0), (r, r), (r, r)), constant_values=-1).reshape(len(mazes), -1)
        row_step = np.array([b.side + 2 * r, 1])  # flat steps of a row and a column in the padded index
        cells = ((b.tiles[mazes] + r) @ row_step)[:, :, None, None] + window_offsets(r) @ row_step  # (M, F, 4, W*W)
        self.window.reshape(b.size, -1)[mazes] = np.take_along_axis(index, cells.reshape(len(mazes), -1), 1)

    def observe(self, slots: np.ndarray | None = None) -> np.ndarray:
        """Every slot's input vector, shape (A, K, n_inputs); slots not running (or not in ``slots``) see zeros."""
        e, b = self.episodes, self.episodes.batch
        F = e.first_visit.shape[1]
        idx = np.flatnonzero(e.alive) if slots is None else slots
        m = e.maze[idx, None]
        here = m[:, 0] * F + e.pos[idx]
        tile = self.window[here * 4 + e.heading[idx]]  # (n, W*W)
        wall = tile < 0
        safe = np.maximum(tile, 0)
        view = np.zeros((len(idx), tile.shape[1], len(CHANNELS)), np.float32)
        view[..., 0] = wall
        view[..., 1] = (e.first_visit.reshape(-1)[idx[:, None] * F + safe] >= 0) & ~wall
        obj = np.where(wall, -1, b.obj_at.reshape(-1)[m * F + safe])
        i, j = np.nonzero(obj >= 0)
        o = obj[i, j]
        keep = ~e.eaten[idx[i], o]
        i, j, o = i[keep], j[keep], o[keep]
        k = m[i, 0]
        view[i, j, 2 + b.obj_shape[k, o]] = 1.0
        view[i, j, 2 + len(SHAPES) + b.obj_color[k, o]] = 1.0
        x = np.zeros((e.size, self.mind.n_inputs), np.float32)
        x[idx, :-2] = view.reshape(len(idx), -1)
        x[idx, -2:] = b.position.reshape(-1, 2)[here]
        return x.reshape(e.n_agents, -1, self.mind.n_inputs)

    def act(self, rng: np.random.Generator) -> np.ndarray:
        e = self.episodes
        _, logits = self.mind.forward(self.params, self.observe())
        p = softmax(logits.reshape(e.size, -1))
        choice = (p.cumsum(1) < uniform(rng, e.agent)[:, None]).sum(1)
        return (e.heading + TURN[np.minimum(choice, 3)]) % 4


class RecordingReflex(ReflexController):
    """The reflex controller, recording every running slot's input and relative move."""

    def __init__(self, mind: Reflex, params: np.ndarray, episodes):
        super().__init__(mind, params, episodes)
        self.params64 = np.asarray(params, np.float64)  # the controller samples with float32 copies
        self.records: list[tuple] = []  # (t, slots, x, move) of every step

    def observe(self) -> np.ndarray:
        self.last_x = super().observe()
        return self.last_x

    def act(self, rng: np.random.Generator) -> np.ndarray:
        e = self.episodes
        heading = e.heading.copy()
        direction = super().act(rng)
        slots = np.flatnonzero(e.alive)
        x = self.last_x.reshape(e.size, -1)[slots]
        self.records.append((e.t, slots, x, RELATIVE[(direction[slots] - heading[slots]) % 4]))
        return direction

    def decisions(self) -> tuple[np.ndarray, np.ndarray]:
        """Step and slot of every move."""
        return (np.concatenate([np.full(len(r[1]), r[0]) for r in self.records]),
                np.concatenate([r[1] for r in self.records]))

    def gradient(self, weight: np.ndarray, entropy: float) -> np.ndarray:
        """(A, D) gradient of ``sum(weight * log p(move)) + entropy * sum(H)`` over the moves, in decision order."""
        e = self.episodes
        _, slots = self.decisions()
        x = np.concatenate([r[2] for r in self.records])
        move = np.concatenate([r[3] for r in self.records])
        learner = e.agent[slots]
        grad = np.zeros_like(self.params64)
        for a in range(e.n_agents):
            rows = learner == a
            grad[a] = reflex_grads(self.mind, self.params64[a], x[rows].astype(np.float64),
                                   move[rows], weight[rows], entropy)[1]
        return grad


def reflex_grads(mind: Reflex, params: np.ndarray, x: np.ndarray, move: np.ndarray, weight: np.ndarray,
                 entropy: float) -> tuple[float, np.ndarray]:
    """``sum(weight * log p(move | x)) + entropy * sum(H(x))`` for one reflex, and its gradient.

    ``params`` (D,), ``x`` (n, n_inputs), ``move`` (n,) relative moves, ``weight`` (n,).
    """
    _, _, W2, _ = (p[0] for p in mind.unpack(params[None]))
    h, logits = (a[0] for a in mind.forward(params[None], x[None]))
    logp = logits - logits.max(1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(1, keepdims=True))
    p = np.exp(logp)
    H = -(p * logp).sum(1)
    rows = np.arange(len(x))
    value = float((weight * logp[rows, move]).sum() + entropy * H.sum())

    dz = -weight[:, None] * p  # d (weight log p_move) / d logits = weight (onehot(move) - p)
    dz[rows, move] += weight
    dz -= entropy * p * (logp + H[:, None])  # dH / d logit_j = -p_j (log p_j + H)
    dpre = (dz @ W2.T) * (1 - h * h)  # back through tanh
    grad = np.concatenate([(x.T @ dpre).ravel(), dpre.sum(0), (h.T @ dz).ravel(), dz.sum(0)])
    return value, grad
