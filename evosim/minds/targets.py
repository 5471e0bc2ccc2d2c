"""Discounted-drive target choice: the one rule by which planners and savanna creatures pick what to pursue.

(The savanna's tick applies it creature by creature in compiled loops,
:func:`evosim.worlds.savanna.simulation.best_targets`, with numpy's powers.)

A target of drive utility ``u = w . f`` that lies ``d`` steps away is worth
``v = u * gamma ** d``. A deployed agent pursues the target of highest worth, and
none when no worth is positive. A learner draws its target from ``softmax(v / T)``
instead; with ``z = v / T`` and ``p = softmax(z)``, the gradient of the chosen
target's log-probability is ``dz_c - sum_j p_j dz_j`` and that of the entropy
``H = -sum_j p_j log p_j`` follows from ``dH/dz_j = -p_j (log p_j + H)``.
"""
from __future__ import annotations

import numpy as np

from evosim.minds.base import softmax


def decay(discount, steps: np.ndarray, candidate: np.ndarray) -> np.ndarray:
    """``discount ** steps`` on candidate targets, 0 elsewhere (where ``steps`` need not be finite)."""
    return np.where(candidate, discount ** np.where(candidate, steps, 0), 0.0)


def log_decay(log_discount: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """``discount ** steps`` as ``exp(steps * log discount)``, the deployed planner's form (its bytes depend on it)."""
    out = np.multiply(steps, log_discount)
    return np.exp(out, out=out)


def values(utility: np.ndarray, decay: np.ndarray, candidate: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Worth ``u * decay`` of every target, -inf for non-candidates so that no choice falls on them."""
    value = np.multiply(decay, utility, out=out)
    value[~candidate] = -np.inf
    return value


def choose(value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The target of highest worth in each row, and whether the row has none: no worth is positive."""
    best = value.argmax(1)
    return best, value[np.arange(len(value)), best] <= 0


def probabilities(value: np.ndarray, temperature: float) -> np.ndarray:
    """A learner's chance of drawing each target: ``softmax(value / temperature)`` (-inf: never)."""
    return softmax(value / temperature)


def log_softmax(z: np.ndarray, candidate: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``log p`` and ``p`` of a softmax over the candidate logits ``z`` (p is 0 off the candidates)."""
    logp = z - np.where(candidate, z, -np.inf).max(1, keepdims=True)
    logp -= np.log(np.where(candidate, np.exp(logp), 0.0).sum(1, keepdims=True))
    return logp, np.where(candidate, np.exp(logp), 0.0)


def entropy(p: np.ndarray, logp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The softmax's entropy ``H`` per row and its gradient ``dH/dz``."""
    plogp = p * logp
    h = -plogp.sum(1)
    return h, -(plogp + p * h[:, None])


def log_prob_grad(p: np.ndarray, chosen: np.ndarray, expect) -> np.ndarray:
    """Gradient of the chosen targets' log-probability: ``dz_c - sum_j p_j dz_j``.

    ``expect(q)`` is ``sum_j q_j dz_j`` for target weights ``q`` (..., K); ``chosen``
    indexes the last axis, its shape broadcasting with ``p``'s others (several draws per row).
    """
    return expect(np.eye(p.shape[-1])[chosen]) - expect(p)  # two sums, not one of (e_c - p): today's bytes need it
