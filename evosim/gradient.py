"""Gradient descent as the base optimizer: REINFORCE with a leave-one-out baseline, in numpy.

The "population" is one independent learner per seed. Every update, each learner
samples its own fresh training mazes and runs several rollouts in each; all
learners step together in one batch of episodes. An episode's return is the
world's base objective, split into per-step rewards that sum to it exactly.
A decision's advantage is the reward still to come after it, minus the mean of
the same quantity over the other rollouts in the same maze (leave-one-out). The
gradient of ``advantage * log-probability + entropy bonus`` is derived by hand
for both minds, in float64, and followed by Adam.

Training-time policies (deployment is unchanged):

- reflex: actions are sampled from the MLP's softmax, exactly as when deployed;
  the gradient is backpropagated through the MLP.
- planner: whenever it plans (at the start and on arrival), its target is drawn
  from a softmax over the floor tiles other than its own, with logits
  ``value / temperature`` where ``value = utility * gamma ** distance`` is
  :meth:`PlannerController.values`. As the drives grow the softmax sharpens into
  the argmax the deployed planner takes; deployment uses the unchanged
  :class:`PlannerController`. With ``phi_j`` the drive features of tile ``j``
  (its position, plus colour and shape of an uneaten object on it), ``d_j`` its
  distance, ``z_j = gamma ** d_j * (w . phi_j) / T`` and ``p = softmax(z)``:

      d log p_c / d w     = (gamma ** d_c phi_c - sum_j p_j gamma ** d_j phi_j) / T
      d log p_c / d theta = (1 - gamma) (z_c d_c - sum_j p_j z_j d_j)

  where ``theta`` is the discount logit (``gamma = sigmoid(theta)``, so
  ``d gamma ** d / d theta = d (1 - gamma) gamma ** d``).
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np

from .config import Objective, WorldSpec
from .episodes import EpisodeResult, Episodes, MazeBatch
from .features import N_FEATURES, POSITION_SLICE, object_features
from .maze import generate_many
from .minds.planner import DISCOUNT, PlannerController
from .minds.reflex import TURN, ReflexController, softmax
from .training import TrainingLog

CREDIT = 1.0
CRITIC = None
RELATIVE = np.argsort(TURN)  # relative move of each clockwise quarter turn from the heading


@dataclass(frozen=True)
class GradientSettings:
    """Settings of one gradient run (every learner uses the same)."""

    updates: int = 60  # parameter updates after the first batch of episodes
    mazes: int = 4  # fresh training mazes each learner samples per update
    rollouts: int = 8  # episodes each learner runs in each of its mazes (the baseline's group)
    learning_rate: float = 0.05  # Adam step size
    beta1: float = 0.9  # Adam decay of the gradient mean
    beta2: float = 0.999  # Adam decay of the squared gradient mean
    entropy: float = 0.01  # weight of the policy's entropy in the objective
    temperature: float = 0.1  # planner: softmax temperature over tile values while training
    log_every: int = 5  # updates between generations rows and drive (and probe) records

    @property
    def episodes_per_update(self) -> int:
        """Training episodes one learner runs per update."""
        return self.mazes * self.rollouts

    def updates_for_budget(self, episodes: int, seeds: int = 1) -> int:
        """Updates after the first batch that fit in ``episodes`` training episodes split over ``seeds`` learners."""
        return max(episodes // (seeds * self.episodes_per_update) - 1, 0)


# ---------------------------------------------------------------------------------------------
# Episodes: each learner in its own mazes


class LearnerEpisodes(Episodes):
    """Episodes of A learners, each running R rollouts in each of its own M mazes.

    The batch holds A * M mazes, learner ``a``'s at ``a * M + m``. Slots keep the
    ``a * K + k`` layout of :class:`Episodes` (K = M * R episodes per learner), with
    ``k = m * R + r``, so minds and results read them as usual.
    """

    def __init__(self, batch: MazeBatch, n_learners: int, rollouts: int, max_steps: int):
        super().__init__(batch, rollouts, max_steps)
        S = self.size
        self.n_agents = n_learners
        self.agent = np.repeat(np.arange(n_learners), S // n_learners)
        self.maze = np.repeat(np.arange(batch.size), rollouts)
        self.pos = batch.start[self.maze].copy()
        self.first_visit[:] = -1
        self.first_visit[np.arange(S), self.pos] = 0


def step_rewards(result: EpisodeResult, objective: Objective, n_floor: np.ndarray) -> np.ndarray:
    """(T, S) reward of every slot's step t + 1; a slot's rewards sum to its base objective.

    Each step costs ``step_cost``, stepping on a tile first earns ``explore_credit /
    floor tiles``, reaching the exit earns ``exit_credit``; the start tile's
    exploration credit is paid with the first step.
    """
    S = len(result.steps)
    T = max(int(result.steps.max()), 1)
    rewards = np.zeros((T + 1, S))
    slot, tile = np.nonzero(result.first_visit >= 0)
    new = np.zeros((T + 1, S))
    np.add.at(new, (result.first_visit[slot, tile], slot), 1.0)
    rewards += objective.explore_credit * new / n_floor[result.maze]
    rewards[1:] -= objective.step_cost * (np.arange(1, T + 1)[:, None] <= result.steps)
    done = np.flatnonzero(result.exit_reached)
    rewards[result.steps[done], done] += objective.exit_credit
    rewards[1] += rewards[0]  # the start tile, paid with the first step
    return rewards[1:]


def advantages(rewards: np.ndarray, rollouts: int) -> np.ndarray:
    """(T, S) reward still to come after each decision, minus its leave-one-out mean over the maze's rollouts."""
    T, S = rewards.shape
    to_go = rewards.copy()
    for t in range(T - 2, -1, -1):
        to_go[t] += CREDIT * to_go[t + 1]
    groups = to_go.reshape(T, S // rollouts, rollouts)
    others = (groups.sum(2, keepdims=True) - groups) / max(rollouts - 1, 1)
    return (groups - others).reshape(T, S)


# ---------------------------------------------------------------------------------------------
# Planner: a softmax over targets, and the exact gradient of its log-probability


@dataclass(frozen=True)
class TileFeatures:
    """Drive features ``phi`` of every tile for n planning moments, kept sparse.

    A tile's features are its position plus the colour and shape of an uneaten
    object on it, so ``phi @ w`` is the planner's utility of the tile. Objects
    that are eaten or padding have zero features and sit on the extra tile F.
    """

    position: np.ndarray  # (n, F, 2) normalised position of each tile
    obj_tile: np.ndarray  # (n, N) tile of each object, F when eaten or padding
    obj: np.ndarray  # (n, N, N_FEATURES) colour and shape features of each object, zero when gone

    @classmethod
    def of(cls, batch: MazeBatch, maze: np.ndarray, eaten: np.ndarray) -> "TileFeatures":
        """Features in mazes ``maze`` (n,) of the batch, given which objects are ``eaten`` (n, N)."""
        present = (batch.obj_tile[maze] >= 0) & ~eaten
        tiles = np.where(present, batch.obj_tile[maze], batch.dist.shape[1])
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


def target_grads(params: np.ndarray, features: TileFeatures, dist: np.ndarray, floor: np.ndarray,
                 chosen: np.ndarray, temperature: float):
    """Log-probability of each chosen target, the softmax's entropy, and their exact gradients.

    ``params`` (n, D) planner parameters, ``dist`` (n, F) distances from where
    each plan is made, ``floor`` (n, F) the candidate tiles, ``chosen`` (n,).
    Returns ``logp`` (n,), ``entropy`` (n,), ``dlogp`` (n, D), ``dentropy`` (n, D).
    """
    rows = np.arange(len(params))
    w, theta = params[:, :N_FEATURES], params[:, DISCOUNT]
    gamma = 1.0 / (1.0 + np.exp(-theta))
    decay = np.where(floor, gamma[:, None] ** np.where(floor, dist, 0), 0.0)  # d z / d (w . phi), times T
    z = decay * features.utility(w) / temperature
    logp = z - np.where(floor, z, -np.inf).max(1, keepdims=True)
    logp -= np.log(np.where(floor, np.exp(logp), 0.0).sum(1, keepdims=True))
    p = np.where(floor, np.exp(logp), 0.0)
    plogp = p * logp
    entropy = -plogp.sum(1)
    zd = z * dist * floor  # d z / d theta, over (1 - gamma)
    dh_dz = -(plogp + p * entropy[:, None])  # d H / d z_j = -p_j (log p_j + H)

    dlogp = np.zeros_like(params)
    chosen_phi = features.weighted_sum(np.eye(z.shape[1])[chosen] * decay)
    dlogp[:, :N_FEATURES] = (chosen_phi - features.weighted_sum(p * decay)) / temperature
    dlogp[:, DISCOUNT] = (1 - gamma) * (zd[rows, chosen] - (p * zd).sum(1))
    dentropy = np.zeros_like(params)
    dentropy[:, :N_FEATURES] = features.weighted_sum(dh_dz * decay) / temperature
    dentropy[:, DISCOUNT] = (1 - gamma) * (dh_dz * zd).sum(1)
    return logp[rows, chosen], entropy, dlogp, dentropy


class SamplingPlanner(PlannerController):
    """A planner that, while training, draws its target from a softmax instead of taking the argmax.

    Everything else is the deployed planner's: it re-plans on arrival, and a
    target on its own tile means it stays there. It records every plan (when,
    where, what was eaten, what it chose) to compute gradients after the episode.
    """

    def __init__(self, params: np.ndarray, episodes: Episodes, temperature: float):
        super().__init__(params, episodes)
        self.params = params
        self.temperature = temperature
        self.plans: list[tuple] = []  # (t, slots, tile, eaten, chosen) of every plan

    def plan(self, slots: np.ndarray, rng: np.random.Generator) -> None:
        e = self.episodes
        cdf = softmax(self.values(slots) / self.temperature).cumsum(1)
        chosen = (cdf > rng.random((len(slots), 1)) * cdf[:, -1:]).argmax(1)  # never off the floor
        self.plans.append((e.t, slots, e.pos[slots], e.eaten[slots], chosen))
        self.target[slots] = chosen
        self.wandering[slots] = False
        self.planned_at[slots] = e.pos[slots]

    def gradient(self, advantage: np.ndarray, entropy: float) -> np.ndarray:
        """(A, D) gradient of the summed ``advantage * log p + entropy * H`` over every plan."""
        e, b = self.episodes, self.episodes.batch
        t, slots, here, eaten, chosen = (np.concatenate(column) for column in zip(*(
            (np.full(len(s), t), s, h, ea, c) for t, s, h, ea, c in self.plans)))
        maze = e.maze[slots]
        _, _, dlogp, dentropy = target_grads(
            self.params[e.agent[slots]], TileFeatures.of(b, maze, eaten),
            b.dist[maze, here].astype(np.float64), self.floor[maze], chosen, self.temperature)
        grad = np.zeros_like(self.params)
        np.add.at(grad, e.agent[slots], advantage[t, slots, None] * dlogp + entropy * dentropy)
        return grad


# ---------------------------------------------------------------------------------------------
# Reflex: the MLP's own sampling, recorded, and backpropagation through it


class RecordingReflex(ReflexController):
    """The reflex controller, recording every running slot's input and relative move."""

    def __init__(self, mind, params: np.ndarray, episodes: Episodes):
        super().__init__(mind, params, episodes)
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

    def samples(self):
        """Every recorded decision as arrays: time, slot, input (float32), relative move."""
        t = np.concatenate([np.full(len(s), t) for t, s, _, _ in self.records])
        slots = np.concatenate([s for _, s, _, _ in self.records])
        x = np.concatenate([x for _, _, x, _ in self.records])
        move = np.concatenate([mv for _, _, _, mv in self.records])
        return t, slots, x, move

    def gradient(self, params: np.ndarray, advantage: np.ndarray, entropy: float, critic=None,
                 rewards=None) -> np.ndarray:
        """(A, D) gradient of the summed ``advantage * log p + entropy * H`` over every step."""
        e = self.episodes
        t, slots, x, move = self.samples()
        learner = e.agent[slots]
        if critic is not None:
            advantage = critic.advantages(t, slots, learner, x, rewards, e.max_steps)
        weight = advantage[t, slots]
        grad = np.zeros_like(params)
        for a in range(e.n_agents):
            rows = learner == a
            grad[a] = reflex_grads(self.mind, params[a], x[rows].astype(np.float64), move[rows],
                                   weight[rows], entropy)[1]
        return grad


class Critic:
    """Linear value of a reflex's input and the time left, one per learner; GAE advantages."""

    def __init__(self, n_learners, n_inputs, lr, gamma, lam):
        self.w = np.zeros((n_learners, n_inputs + 2))
        self.adam = Adam(self.w.shape, lr, 0.9, 0.999)
        self.gamma, self.lam = gamma, lam

    def advantages(self, t, slots, learner, x, rewards, max_steps):
        T, S = rewards.shape
        feats = np.concatenate([x.astype(np.float64), (t / max_steps)[:, None], np.ones((len(t), 1))], 1)
        v = np.zeros(len(t))
        for a in range(len(self.w)):
            rows = learner == a
            v[rows] = feats[rows] @ self.w[a]
        V = np.zeros((T + 1, S))
        V[t, slots] = v
        delta = rewards + self.gamma * V[1:] - V[:-1]
        adv = np.zeros((T + 1, S))
        for k in range(T - 1, -1, -1):
            adv[k] = delta[k] + self.gamma * self.lam * adv[k + 1]
        adv = adv[:T]
        err = adv[t, slots]  # target - value
        grad = np.zeros_like(self.w)
        for a in range(len(self.w)):
            rows = learner == a
            grad[a] = err[rows] @ feats[rows] / max(rows.sum(), 1)
        self.w = self.adam.step(self.w, grad)
        return adv


def reflex_grads(mind, params: np.ndarray, x: np.ndarray, move: np.ndarray, weight: np.ndarray,
                 entropy: float) -> tuple[float, np.ndarray]:
    """``sum(weight * log p(move | x)) + entropy * sum(H(x))`` for one reflex, and its gradient.

    ``params`` (D,), ``x`` (n, n_inputs), ``move`` (n,) relative moves, ``weight`` (n,).
    """
    W1, b1, W2, b2 = (p[0] for p in mind.unpack(params[None]))
    h, logits = (a[0] for a in mind.forward(params[None], x[None]))
    logp = logits - logits.max(1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(1, keepdims=True))
    p = np.exp(logp)
    H = -(p * logp).sum(1)
    rows = np.arange(len(x))
    value = float((weight * logp[rows, move]).sum() + entropy * H.sum())

    dz = -weight[:, None] * p  # d (weight * log p_move) / d logits = weight * (onehot - p)
    dz[rows, move] += weight
    dz -= entropy * p * (logp + H[:, None])  # d H / d logits_j = -p_j (log p_j + H)
    dpre = (dz @ W2.T) * (1 - h * h)
    grad = np.concatenate([(x.T @ dpre).ravel(), dpre.sum(0), (h.T @ dz).ravel(), dz.sum(0)])
    return value, grad


# ---------------------------------------------------------------------------------------------
# Adam


class Adam:
    """Adam ascent on a (A, D) array of parameters, each row its own learner."""

    def __init__(self, shape: tuple, lr: float, beta1: float, beta2: float, eps: float = 1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m, self.v, self.t = np.zeros(shape), np.zeros(shape), 0

    def step(self, params: np.ndarray, grad: np.ndarray) -> np.ndarray:
        self.t += 1
        self.m = self.beta1 * self.m + (1 - self.beta1) * grad
        self.v = self.beta2 * self.v + (1 - self.beta2) * grad * grad
        m_hat = self.m / (1 - self.beta1 ** self.t)
        v_hat = self.v / (1 - self.beta2 ** self.t)
        return params + self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


# ---------------------------------------------------------------------------------------------
# The training loop


def learner_result(result: EpisodeResult, a: int, per: int) -> EpisodeResult:
    """The slots of learner ``a`` (``per`` episodes each) as a result of their own."""
    s = slice(a * per, (a + 1) * per)
    return EpisodeResult(np.zeros(per, np.int64), result.maze[s], result.steps[s], result.exit_reached[s],
                         result.apples[s], result.explored[s], result.first_visit[s])


def collect(world: WorldSpec, mind, params: np.ndarray, settings: GradientSettings,
            maze_rngs: list, rng: np.random.Generator):
    """One batch: every learner's rollouts in its fresh mazes; returns the controller and result."""
    mazes = [maze for r in maze_rngs for maze in generate_many(world, settings.mazes, r)]
    batch = MazeBatch.of(mazes)
    episodes = LearnerEpisodes(batch, len(params), settings.rollouts, world.max_steps)
    if mind.name == "planner":
        controller = SamplingPlanner(params, episodes, settings.temperature)
    else:
        controller = RecordingReflex(mind, params, episodes)
    while not episodes.done:
        episodes.step(controller.act(rng))
    return controller, episodes.result(), batch


def policy_gradient(controller, params: np.ndarray, result: EpisodeResult, batch: MazeBatch,
                    world: WorldSpec, settings: GradientSettings) -> np.ndarray:
    """(A, D) gradient of the mean over a learner's episodes of ``return + entropy bonus``."""
    rewards = step_rewards(result, world.objective, batch.n_floor)
    advantage = advantages(rewards, settings.rollouts)
    if isinstance(controller, SamplingPlanner):
        grad = controller.gradient(advantage, settings.entropy)
    else:
        grad = controller.gradient(params, advantage, settings.entropy, CRITIC, rewards)
    return grad / settings.episodes_per_update


def train(world: WorldSpec, mind, settings: GradientSettings, seeds: list[int],
          reporters=(), progress=None) -> list[TrainingLog]:
    """Train one learner per seed on ``world``; returns one log (with its final params) per seed."""
    A, per = len(seeds), settings.episodes_per_update
    maze_rngs = [np.random.default_rng(s) for s in seeds]
    params = np.concatenate([mind.init(r, 1) for r in maze_rngs]).astype(np.float64)
    rng = np.random.default_rng([*seeds, 104729])  # actions of the whole batch
    adam = Adam(params.shape, settings.learning_rate, settings.beta1, settings.beta2)
    logs = [TrainingLog("gradient", mind.name, s) for s in seeds]
    for update in range(settings.updates + 1):
        last = update == settings.updates
        controller, result, batch = collect(world, mind, params, settings, maze_rngs, rng)
        for a, log in enumerate(logs):
            if update % settings.log_every == 0 or last:
                log.record_episodes(update, learner_result(result, a, per), world.objective, per)
                log.report(update, params[a:a + 1], reporters, last=last)
            else:
                log.episodes += per
        if progress is not None:
            progress.update(1)
            progress.set_postfix(exit=f"{result.exit_reached.mean():.2f}")
        if last:
            break
        params = adam.step(params, policy_gradient(controller, params, result, batch, world, settings))
    for a, log in enumerate(logs):
        log.final_params = params[a:a + 1].copy()
    return logs
