"""The trained species: the evolved lineage's drive architecture, shaped by policy gradient instead.

Training happens in the ancestral (pre-shift) arena. Each update draws sensing
situations: a creature at a random place senses the nearest item of every kind
within its radius, and chooses one by a softmax over discounted drive utilities,
``(w . f_k) * discount ** (d_k / speed) / temperature``, or none (logit 0, as a
creature pursues only positive utilities). The reward of a choice is the energy
it gains: the item's nutrition minus the metabolism spent walking to it (none: 0).
REINFORCE with a leave-one-out baseline over the choices sampled in the
same situation, and Adam, come from :mod:`evosim.optimizers.gradient`; the
discounted utilities, the softmax and the exact gradient of its log-probability
(the chosen item's discounted features minus their expectation, over the
temperature) from :mod:`evosim.minds.targets`.
"""
from __future__ import annotations

import numpy as np

from evosim.core.streams import stream
from evosim.minds import targets
from evosim.optimizers.gradient import Adam
from evosim.training.evaluators import advantages
from evosim.worlds.savanna.food import Food
from evosim.worlds.savanna.simulation import Ecology, metabolic_cost


def train_drives(world, seed: int) -> np.ndarray:
    """(features,) the trained species' drive weights, by policy gradient in the ancestral arena of ``seed``."""
    t = world.trained
    rng = stream("trained-species", seed)
    food = Food(world, rng)
    # a last option, "none": no features, no energy; a creature pursues only positive utilities
    features = np.vstack([world.feature_matrix(), np.zeros(len(world.features))])
    nutrition = np.append(world.nutrition(shifted=False), 0.0)
    cost = float(metabolic_cost(world.life, t.speed, t.radius))
    weights = rng.normal(0.0, 0.1, (1, features.shape[1]))
    adam = Adam(weights.shape, t.learning_rate)
    for _ in range(t.updates):
        dist, _ = food.nearest(rng.random((t.contexts, 2)) * world.size, t.radius)
        dist = np.hstack([dist, np.zeros((len(dist), 1))])
        seen = dist <= t.radius
        dist = np.where(seen, dist, 0.0)
        discounted = targets.decay(world.discount, dist / t.speed, seen)
        p = targets.probabilities(targets.values(features @ weights[0], discounted, seen), t.temperature)
        u = rng.random((len(p), t.rollouts))
        choice = np.minimum((p.cumsum(1)[:, None, :] < u[:, :, None]).sum(2), p.shape[1] - 1)
        rows = np.arange(len(p))[:, None]
        reward = nutrition[choice] - cost * dist[rows, choice] / t.speed
        advantage = advantages(reward.reshape(1, -1), t.rollouts, 1.0)[0]
        advantage /= np.sqrt(np.mean(advantage ** 2)) + 1e-8
        scaled = discounted[:, None, :, None] * features / t.temperature  # (C, 1, kinds, features): dz / dw

        def expect(q):  # sum_k q_k dz_k / dw, (C, R, features)
            return (q[..., None] * scaled).sum(-2)

        grad_log_p = targets.log_prob_grad(p[:, None], choice, expect)  # (C, R, features)
        grad = (advantage.reshape(choice.shape)[:, :, None] * grad_log_p).mean((0, 1))
        weights = adam.step(weights, grad[None])
    return weights[0]


def new_ecology(world, seed: int) -> Ecology:
    """The savanna of ``seed`` at tick 0, its trained species trained first (a fraction of a second)."""
    return Ecology(world, seed, train_drives(world, seed))
