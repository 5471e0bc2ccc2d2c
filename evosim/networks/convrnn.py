"""The convolutional recurrent network of :mod:`evosim.networks.architecture`, in JAX.

Every acting slot carries its own parameter vector (a population's agents
differ), so a 3x3 convolution is nine batched matrix products over shifted tiles
rather than one shared kernel; learning groups the slots of each learner, whose
kernel they share (larger products, about twice as fast). Each call is jitted
once per shape. Acting is :func:`forward`;
learning is :func:`policy_gradient`, the gradient of the weighted log-probability of
the recorded moves, back through the whole episode (the hidden state carries over
moves), recomputed from the recorded observations.
"""
from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from evosim.networks.architecture import NEIGHBOURS, Architecture

#: Tile offsets of the 3x3 kernel's taps (row-major).
TAPS = tuple((i, j) for i in (-1, 0, 1) for j in (-1, 0, 1))


def unpack(arch: Architecture, theta: jnp.ndarray) -> list[jnp.ndarray]:
    """(S, D) flat parameters as the (S, *shape) arrays of ``arch.parts``."""
    out, i = [], 0
    for _, shape in arch.parts:
        size = int(np.prod(shape))
        out.append(theta[:, i:i + size].reshape((theta.shape[0],) + shape))
        i += size
    return out


def conv(z: jnp.ndarray, kernel: jnp.ndarray) -> jnp.ndarray:
    """3x3 'same' convolution of (G, N, H, W, I) tiles, the N slots of group g with its own (G, 9, I, O) kernel."""
    H, W = z.shape[2:4]
    padded = jnp.pad(z, ((0, 0), (0, 0), (1, 1), (1, 1), (0, 0)))
    out = 0.0
    for n, (di, dj) in enumerate(TAPS):
        out = out + jnp.einsum("gnhwi,gio->gnhwo", padded[:, :, 1 + di:1 + di + H, 1 + dj:1 + dj + W],
                               kernel[:, n])
    return out


def think(arch: Architecture, parts: list, x: jnp.ndarray, h: jnp.ndarray, ticks: int) -> jnp.ndarray:
    """The hidden state (G, N, H, W, C) after ``ticks`` internal ticks from ``h`` on observation ``x``."""
    for tick in range(ticks):
        layer = 0 if arch.recurrent else tick
        kernel, bias = parts[2 * layer], parts[2 * layer + 1]
        h = jnp.tanh(conv(jnp.concatenate([x, h], -1), kernel) + bias[:, None, None, None, :])
    return h


def readout(parts: list, h: jnp.ndarray, pos: jnp.ndarray) -> jnp.ndarray:
    """(G, N, 4) move logits: the neighbour tile's hidden state times shared weights, plus the own tile's times
    per-move weights, plus a bias. ``pos`` (G, N, 2) is each slot's row and column."""
    neighbour, own, move_bias = parts[-3:]
    g, n = jnp.arange(h.shape[0])[:, None], jnp.arange(h.shape[1])[None, :]
    row, col = pos[..., 0], pos[..., 1]
    here = h[g, n, row, col]
    near = jnp.stack([h[g, n, row + di, col + dj] for di, dj in NEIGHBOURS], 2)  # (G, N, 4, C)
    return (jnp.einsum("gndc,gc->gnd", near, neighbour) + jnp.einsum("gnc,gcd->gnd", here, own)
            + move_bias[:, None, :])


@partial(jax.jit, static_argnames=("arch", "ticks"))
def forward(arch: Architecture, theta: jnp.ndarray, x: jnp.ndarray, h: jnp.ndarray, pos: jnp.ndarray,
            ticks: int) -> tuple[jnp.ndarray, jnp.ndarray]:
    """One move of S slots, each with its own parameters ``theta`` (S, D): (logits (S, 4), hidden state after
    it). A feed-forward network ignores ``h``."""
    parts = unpack(arch, theta)
    h = think(arch, parts, x[:, None].astype(jnp.float32), h[:, None] if arch.recurrent else
              jnp.zeros_like(h[:, None]), ticks)
    return readout(parts, h, pos[:, None])[:, 0], h[:, 0]


@partial(jax.jit, static_argnames=("arch",))
def read(arch: Architecture, theta: jnp.ndarray, h: jnp.ndarray, pos: jnp.ndarray) -> jnp.ndarray:
    """(S, 4) move logits of S slots' hidden states ``h`` (S, H, W, C), each with its own parameters: the
    readout alone, for a hidden state changed from outside (a steering vector added)."""
    return readout(unpack(arch, theta), h[:, None], pos[:, None])[:, 0]


def episode_objective(arch: Architecture, params: jnp.ndarray, x: jnp.ndarray, pos: jnp.ndarray,
                      move: jnp.ndarray, weight: jnp.ndarray, acted: jnp.ndarray, entropy: float) -> jnp.ndarray:
    """``sum(weight * log p(move)) + entropy * sum(H)`` over the moves of whole episodes.

    ``params`` (A, D), the S slots in A contiguous groups of S / A, group a acting with ``params[a]`` (as
    :class:`~evosim.worlds.maze.episodes.Episodes` lays out agents), so that a group's convolution is one
    shared kernel; per step ``t``: observations ``x[t]`` (S, H, W, I), positions ``pos[t]``, moves
    ``move[t]``, weights ``weight[t]`` and whether the slot acted ``acted[t]`` (S,). A slot that did not act
    keeps its hidden state.
    """
    parts = unpack(arch, params)
    A, (S, H, W) = params.shape[0], x.shape[1:4]
    grouped = (A, S // A)
    rows = jnp.arange(S)

    def step(h, inputs):
        x_t, pos_t, move_t, weight_t, acted_t = inputs
        x_t = x_t.reshape(grouped + x_t.shape[1:]).astype(jnp.float32)
        new = think(arch, parts, x_t, h if arch.recurrent else jnp.zeros_like(h), arch.ticks)
        logp = jax.nn.log_softmax(readout(parts, new, pos_t.reshape(grouped + (2,))).reshape(S, -1))
        H_t = -(jnp.exp(logp) * logp).sum(-1)
        value = (weight_t * logp[rows, move_t] + entropy * jnp.where(acted_t, H_t, 0.0)).sum()
        return jnp.where(acted_t.reshape(grouped)[..., None, None, None], new, h), value

    h0 = jnp.zeros(grouped + (H, W, arch.channels), jnp.float32)
    _, values = jax.lax.scan(jax.checkpoint(step), h0, (x, pos, move, weight, acted))
    return values.sum()


policy_gradient = jax.jit(jax.grad(episode_objective, argnums=1), static_argnames=("arch",))
