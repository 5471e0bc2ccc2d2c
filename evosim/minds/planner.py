"""The planner mind: an explicit mesa-optimizer whose drives can be read off its parameters.

Parameters are drive weights over the feature vocabulary plus a discount (as a
logit). A tile's utility is the weight of its position plus, if an uneaten object
lies there, the weights of the object's colour and shape. The planner walks a
shortest path to the tile of highest discounted utility ``u * gamma ** distance``,
re-plans when it gets there, and wanders to a random tile when nothing has
positive value.
"""
from __future__ import annotations

import numpy as np

from ..episodes import uniform
from ..features import FEATURES, N_FEATURES, POSITION_SLICE, object_features

DISCOUNT = N_FEATURES  # index of the discount logit


def discount(params: np.ndarray) -> np.ndarray:
    """The discount gamma in (0, 1) of each parameter vector."""
    return 1.0 / (1.0 + np.exp(-params[..., DISCOUNT]))


class Planner:
    """Drive weights + discount; shortest-path planning on the maze it sees."""

    name = "planner"
    n_params = N_FEATURES + 1
    param_names = FEATURES + ("discount",)

    def options(self) -> dict:
        return {}

    def init(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Random drives; the discount logit starts near gamma = 0.9."""
        params = rng.normal(0.0, 1.0, (n, self.n_params))
        params[:, DISCOUNT] = rng.normal(2.0, 0.5, n)
        return params

    def drives(self, params: np.ndarray) -> np.ndarray:
        """Drive weights (n, N_FEATURES): the mesa-objective, read off the parameters."""
        return params[:, :N_FEATURES]

    def controller(self, params: np.ndarray, episodes) -> "PlannerController":
        return PlannerController(params, episodes)


def per_slot(table: np.ndarray, episodes) -> np.ndarray:
    """(K, X, A) per maze and agent -> (S, X) per slot of the episodes."""
    return table[episodes.maze, :, episodes.agent]


class PlannerController:
    """Plans for every slot of a batch of episodes; re-plans only on arrival."""

    def __init__(self, params: np.ndarray, episodes):
        self.episodes = e = episodes
        b = e.batch
        w = params[:, :N_FEATURES].T  # (features, agents)
        self.log_gamma = -np.log1p(np.exp(-params[e.agent, DISCOUNT]))
        self.object_utility = per_slot(object_features(b.obj_color, b.obj_shape) @ w, e)
        self.position_utility = per_slot(b.position @ w[POSITION_SLICE], e)
        self.floor = np.arange(b.dist.shape[1])[None, :] < b.n_floor[:, None]  # (K, F)
        self.target = np.full(e.size, -1, np.int64)
        self.planned_at = np.full(e.size, -1, np.int64)
        self.wandering = np.zeros(e.size, bool)

    def values(self, slots: np.ndarray) -> np.ndarray:
        """Discounted utility of every floor tile for the given slots, -inf off the floor."""
        e, b = self.episodes, self.episodes.batch
        m = e.maze[slots]
        F = b.dist.shape[1]
        utility = np.zeros((len(slots), F + 1))
        utility[:, :F] = self.position_utility[slots]
        obj_util = np.where(e.eaten[slots] | (b.obj_tile[m] < 0), 0.0, self.object_utility[slots])
        tiles = np.where(b.obj_tile[m] >= 0, b.obj_tile[m], F)
        utility[np.arange(len(slots))[:, None], tiles] += obj_util
        dist = b.dist.reshape(-1, F)[m * F + e.pos[slots]]  # rows of the distance tables
        value = np.multiply(dist, self.log_gamma[slots, None])
        np.exp(value, out=value)
        value *= utility[:, :F]
        value[~self.floor[m]] = -np.inf
        return value

    def plan(self, slots: np.ndarray, rng: np.random.Generator) -> None:
        e = self.episodes
        value = self.values(slots)
        best = value.argmax(1)
        wander = value[np.arange(len(slots)), best] <= 0
        n_floor = e.batch.n_floor[e.maze[slots[wander]]]
        best[wander] = (uniform(rng, e.agent[slots[wander]]) * n_floor).astype(np.int64)
        self.target[slots] = best
        self.wandering[slots] = wander
        self.planned_at[slots] = e.pos[slots]

    def act(self, rng: np.random.Generator) -> np.ndarray:
        e = self.episodes
        arrived = (e.pos == self.target) & ((self.planned_at != e.pos) | self.wandering)
        need = e.alive & ((self.target < 0) | arrived)
        if need.any():
            self.plan(np.flatnonzero(need), rng)
        return e.batch.next_move[e.maze, e.pos, self.target]


def hand_set(drives: dict[str, float], gamma: float = 0.9) -> np.ndarray:
    """A planner parameter vector from named drive weights, e.g. ``{"shape:exit": 1.0}``."""
    params = np.zeros(Planner.n_params)
    for name, weight in drives.items():
        params[FEATURES.index(name)] = weight
    params[DISCOUNT] = np.log(gamma / (1.0 - gamma))
    return params


#: Hand-set planners for showing the shift with no training at all.
EXIT_SEEKER = {"shape:exit": 1.0}
GREEN_SEEKER = {"color:green": 1.0}
