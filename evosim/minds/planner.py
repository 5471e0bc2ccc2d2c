"""The planner mind: an explicit mesa-optimizer whose drives can be read off its parameters.

Parameters are drive weights over the feature vocabulary plus a discount (as a
logit). A tile's utility is the weight of its position plus, if an uneaten object
lies there, the weights of the object's colour and shape. The planner walks a
shortest path to the tile of highest discounted utility ``u * gamma ** distance``,
re-plans when it gets there, and wanders to a random tile when nothing has
positive value. Its ``horizon`` bounds its competence: it values only tiles at
most that many steps away (0: the whole maze), so a short-sighted planner finds
a far exit only by wandering near it.

Learning by gradient descent (:class:`SamplingPlanner`): whenever it plans it
draws its target from a softmax over floor tiles with logits ``value / T``, where
``value_j = gamma ** d_j * (w . phi_j)`` is :meth:`PlannerController.values`:
``phi_j`` are the drive features of tile ``j``, ``d_j`` its path distance. As
drives grow the softmax sharpens into the argmax of the deployed planner (which
also wanders when no tile has positive value). Its own tile is a candidate:
choosing it means staying, as it does for a deployed planner. With
``z_j = value_j / T``, ``p = softmax(z)`` and the discount logit ``theta``
(``gamma = sigmoid(theta)``, so ``d gamma ** d / d theta = d (1 - gamma) gamma ** d``),
the exact gradients of the chosen target ``c`` are

    d log p_c / d w     = (gamma ** d_c phi_c - sum_j p_j gamma ** d_j phi_j) / T
    d log p_c / d theta = (1 - gamma) (z_c d_c - sum_j p_j z_j d_j)

and of the entropy ``H = -sum_j p_j log p_j`` through ``dH/dz_j = -p_j (log p_j + H)``.
Values, choice, softmax and these gradients are the shared rule of :mod:`evosim.minds.targets`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evosim.core.features import FEATURES, N_FEATURES, POSITION_SLICE, object_features
from evosim.core.streams import uniform
from evosim.minds import register_mind, targets
from evosim.minds.base import Mind, Option

DISCOUNT = N_FEATURES  # index of the discount logit
PLAN_CELLS = 1 << 21  # tiles valued at once when slots plan, and at most kept valued for every slot (~16 MB a
#                       float64 table), whatever the population and maze size


def discount(params: np.ndarray) -> np.ndarray:
    """The discount gamma in (0, 1) of each parameter vector."""
    return 1.0 / (1.0 + np.exp(-params[..., DISCOUNT]))


@register_mind
class Planner(Mind):
    """Drive weights + discount; shortest-path planning on the maze it sees."""

    name = "planner"
    n_params = N_FEATURES + 1
    param_names = FEATURES + ("discount",)
    decision_bytes = 320  # measured: 24 MiB for 256 maze_deploy episodes of 300 steps
    samples_targets = True
    OPTIONS = (Option("horizon", int, 0, 0, 1000, "steps away it plans over (0: the whole maze)"),)

    def __init__(self, horizon: int = 0):
        self.horizon = horizon

    def options(self) -> dict:
        return {"horizon": self.horizon}

    def init(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Random drives; the discount logit starts near gamma = 0.9."""
        params = rng.normal(0.0, 1.0, (n, self.n_params))
        params[:, DISCOUNT] = rng.normal(2.0, 0.5, n)
        return params

    def drives(self, params: np.ndarray) -> np.ndarray:
        """Drive weights (n, N_FEATURES): the mesa-objective, read off the parameters."""
        return params[:, :N_FEATURES]

    def controller(self, params: np.ndarray, episodes) -> "PlannerController":
        return PlannerController(params, episodes, self.horizon)

    def learner(self, params: np.ndarray, episodes, temperature: float) -> "SamplingPlanner":
        return SamplingPlanner(params, episodes, temperature, self.horizon)


def per_slot(table: np.ndarray, episodes) -> np.ndarray:
    """(K, X, A) per maze and agent -> (S, X) per slot of the episodes."""
    return table[episodes.maze, :, episodes.agent]


class PlannerController:
    """Plans for every slot of a batch of episodes; re-plans only on arrival."""

    def __init__(self, params: np.ndarray, episodes, horizon: int = 0):
        self.episodes = e = episodes
        self.horizon = horizon
        b = e.batch
        w = params[:, :N_FEATURES].T  # (features, agents)
        self.log_gamma = -np.log1p(np.exp(-params[e.agent, DISCOUNT]))
        self.object_utility = per_slot(object_features(b.obj_color, b.obj_shape) @ w, e)
        self.position_weights = w[POSITION_SLICE, :, None]  # (2, agents, 1)
        self.tile_x, self.tile_y = b.position.transpose(2, 0, 1).copy()  # (K, F) each
        # every slot's position utility, kept when it fits in PLAN_CELLS; else made anew whenever slots plan
        self.position_table = self.position_utility(np.arange(e.size)) if e.size * b.width <= PLAN_CELLS else None
        self.floor = np.arange(b.width)[None, :] < b.n_floor[:, None]  # (K, F)
        self.target = np.full(e.size, -1, np.int64)
        self.planned_at = np.full(e.size, -1, np.int64)
        self.wandering = np.zeros(e.size, bool)

    def candidates(self, maze: np.ndarray, dist: np.ndarray) -> np.ndarray:
        """The tiles a plan made at distances ``dist`` (n, F) in mazes ``maze`` (n,) may choose: floor within
        the horizon."""
        floor = self.floor[maze]
        return floor & (dist <= self.horizon) if self.horizon else floor

    def position_utility(self, slots: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """(n, F) utility ``x * w_x + y * w_y`` of every tile's position for the given slots (into ``out``)."""
        e = self.episodes
        m = e.maze[slots]
        wx, wy = self.position_weights[:, e.agent[slots]]
        position, y = np.multiply(self.tile_x[m], wx, out=out), self.tile_y[m]
        position += np.multiply(y, wy, out=y)
        return position

    def values(self, slots: np.ndarray) -> np.ndarray:
        """Discounted utility of every floor tile for the given slots, -inf off the floor."""
        e, b = self.episodes, self.episodes.batch
        m = e.maze[slots]
        F = b.width
        utility = np.empty((len(slots), F + 1))
        utility[:, F] = 0.0
        if self.position_table is None:
            self.position_utility(slots, out=utility[:, :F])
        else:
            utility[:, :F] = self.position_table[slots]
        obj_util = np.where(e.eaten[slots] | (b.obj_tile[m] < 0), 0.0, self.object_utility[slots])
        tiles = np.where(b.obj_tile[m] >= 0, b.obj_tile[m], F)
        utility[np.arange(len(slots))[:, None], tiles] += obj_util
        dist = b.dist.reshape(-1, F)[m * F + e.pos[slots]]  # rows of the distance tables
        decay = targets.log_decay(self.log_gamma[slots, None], dist)
        return targets.values(utility[:, :F], decay, self.candidates(m, dist), out=decay)

    def plan(self, slots: np.ndarray, rng: np.random.Generator) -> None:
        e = self.episodes
        best, wander = np.empty(len(slots), np.int64), np.empty(len(slots), bool)
        rows = max(1, PLAN_CELLS // e.batch.width)  # slots valued at once: memory bounded, cost linear in them
        for start in range(0, len(slots), rows):
            part = slice(start, start + rows)
            best[part], wander[part] = targets.choose(self.values(slots[part]))
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


# -- learning by gradient descent: a softmax over targets, and the exact gradient of its log-probability


@dataclass(frozen=True)
class TileFeatures:
    """Drive features ``phi`` of every tile at n planning moments, kept sparse.

    A tile's features are its position plus the colour and shape of an uneaten
    object on it, so ``phi @ w`` is the planner's utility of the tile. Objects
    eaten or padding have zero features and sit on an extra tile F.
    """

    position: np.ndarray  # (n, F, 2) normalised position of each tile
    obj_tile: np.ndarray  # (n, N) tile of each object, F when eaten or padding
    obj: np.ndarray  # (n, N, N_FEATURES) colour and shape features of each object, zero when gone

    @classmethod
    def of(cls, batch, maze: np.ndarray, eaten: np.ndarray) -> "TileFeatures":
        """Features in mazes ``maze`` (n,) of a MazeBatch, given which objects are ``eaten`` (n, N)."""
        present = (batch.obj_tile[maze] >= 0) & ~eaten
        tiles = np.where(present, batch.obj_tile[maze], batch.width)
        obj = object_features(batch.obj_color[maze], batch.obj_shape[maze]) * present[..., None]
        return cls(batch.position[maze], tiles, obj)

    def utility(self, w: np.ndarray) -> np.ndarray:
        """(n, F) ``phi @ w`` for drive weights w (n, N_FEATURES)."""
        n, F = self.position.shape[:2]
        u = np.zeros((n, F + 1))
        u[:, :F] = np.einsum("nfp,np->nf", self.position, w[:, POSITION_SLICE])
        u[np.arange(n)[:, None], self.obj_tile] += np.einsum("nok,nk->no", self.obj, w)
        return u[:, :F]

    def weighted_sum(self, q: np.ndarray) -> np.ndarray:
        """(n, N_FEATURES) ``sum_j q_j phi_j`` for tile weights q (n, F)."""
        q = np.pad(q, ((0, 0), (0, 1)))
        out = np.einsum("no,nok->nk", q[np.arange(len(q))[:, None], self.obj_tile], self.obj)
        out[:, POSITION_SLICE] += np.einsum("nf,nfp->np", q[:, :-1], self.position)
        return out

    def dense(self) -> np.ndarray:
        """(n, F, N_FEATURES) ``phi`` in full."""
        n, F = self.position.shape[:2]
        phi = np.zeros((n, F + 1, N_FEATURES))
        phi[:, :F, POSITION_SLICE] = self.position
        phi[np.arange(n)[:, None], self.obj_tile] += self.obj
        return phi[:, :F]


def tile_values(params: np.ndarray, features: TileFeatures, dist: np.ndarray,
                floor: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``PlannerController.values`` from features: ``gamma ** d * (w . phi)`` (0 off the floor).

    Returns the values (n, F), ``gamma ** d`` (n, F) and gamma (n,).
    """
    gamma = discount(params)
    decay = targets.decay(gamma[:, None], dist, floor)
    return decay * features.utility(params[:, :N_FEATURES]), decay, gamma


def target_grads(params: np.ndarray, features: TileFeatures, dist: np.ndarray, floor: np.ndarray,
                 chosen: np.ndarray, temperature: float):
    """Log-probability of each chosen target, the softmax's entropy, and their exact gradients.

    ``params`` (n, D) planner parameters, ``dist`` (n, F) distances from where each
    plan is made, ``floor`` (n, F) the candidate tiles, ``chosen`` (n,) targets.
    Returns ``logp`` (n,), ``entropy`` (n,), ``dlogp`` (n, D), ``dentropy`` (n, D).
    """
    value, decay, gamma = tile_values(params, features, dist, floor)
    z = value / temperature
    logp, p = targets.log_softmax(z, floor)
    entropy, dh_dz = targets.entropy(p, logp)
    zd = z * dist * floor  # d z / d theta, over (1 - gamma)

    def by_drives(q):  # sum_j q_j dz_j / dw, times the temperature
        return features.weighted_sum(q * decay)

    def by_discount(q):  # sum_j q_j dz_j / d theta, over (1 - gamma)
        return (q * zd).sum(1)

    dlogp = np.zeros_like(params)
    dlogp[:, :N_FEATURES] = targets.log_prob_grad(p, chosen, by_drives) / temperature
    dlogp[:, DISCOUNT] = (1 - gamma) * targets.log_prob_grad(p, chosen, by_discount)
    dentropy = np.zeros_like(params)
    dentropy[:, :N_FEATURES] = by_drives(dh_dz) / temperature
    dentropy[:, DISCOUNT] = (1 - gamma) * by_discount(dh_dz)
    return logp[np.arange(len(params)), chosen], entropy, dlogp, dentropy


class SamplingPlanner(PlannerController):
    """A planner that, while training, draws its target from a softmax instead of taking the argmax.

    Everything else is the deployed planner's: its values, re-planning on arrival,
    and staying when the target is its own tile. It records every plan (when,
    where, what was eaten, what it chose) and computes the gradients after the
    episode, all at once.
    """

    def __init__(self, params: np.ndarray, episodes, temperature: float, horizon: int = 0):
        super().__init__(params, episodes, horizon)
        self.params = np.asarray(params, np.float64)
        self.temperature = temperature
        self.plans: list[tuple] = []  # (t, slots, tile, eaten, chosen) of every plan

    def plan(self, slots: np.ndarray, rng: np.random.Generator) -> None:
        e = self.episodes
        cdf = targets.probabilities(self.values(slots), self.temperature).cumsum(1)
        chosen = (cdf > uniform(rng, e.agent[slots])[:, None] * cdf[:, -1:]).argmax(1)  # never off the floor
        self.plans.append((e.t, slots, e.pos[slots], e.eaten[slots], chosen))
        self.target[slots] = chosen
        self.wandering[slots] = False
        self.planned_at[slots] = e.pos[slots]

    def decisions(self) -> tuple[np.ndarray, np.ndarray]:
        """Step and slot of every plan."""
        return (np.concatenate([np.full(len(p[1]), p[0]) for p in self.plans]),
                np.concatenate([p[1] for p in self.plans]))

    def gradient(self, weight: np.ndarray, entropy: float) -> np.ndarray:
        """(A, D) gradient of ``sum(weight * log p(target)) + entropy * sum(H)`` over the plans, in decision order."""
        e, b = self.episodes, self.episodes.batch
        _, slots = self.decisions()
        here, eaten, chosen = (np.concatenate([p[i] for p in self.plans]) for i in (2, 3, 4))
        maze = e.maze[slots]
        dist = b.dist[maze, here]
        _, _, dlogp, dentropy = target_grads(
            self.params[e.agent[slots]], TileFeatures.of(b, maze, eaten),
            dist.astype(np.float64), self.candidates(maze, dist), chosen, self.temperature)
        grad = np.zeros_like(self.params)
        np.add.at(grad, e.agent[slots], weight[:, None] * dlogp + entropy * dentropy)
        return grad
