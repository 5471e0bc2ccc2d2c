"""Gradient descent as the base optimizer: REINFORCE with a leave-one-out baseline, in numpy.

The "population" is one independent learner per seed. Each update, every learner
draws fresh training mazes from its own seed and runs several rollouts in each;
all learners step together in one batch of episodes. The return is the world's
base objective, split into per-step rewards that sum to it exactly. A decision's
credit is the discounted reward still to come after it; its advantage is that
credit minus the mean credit of the other rollouts in the same maze at the same
step (leave-one-out), divided by the root mean square of the learner's advantages.
The gradient of ``advantage * log p(decision) + entropy * H(policy)``, summed
over decisions, is derived by hand for both minds, computed in float64 and
followed by Adam (ascent).

How each mind acts while training and when deployed:

- reflex: actions are sampled from the MLP's softmax, while training as when
  deployed; the gradient is backpropagated through the MLP.
- planner: whenever it plans (at the start, and on arriving at its target) it
  draws its target from a softmax over floor tiles with logits ``value / T``,
  where ``value_j = gamma ** d_j * (w . phi_j)`` is
  :meth:`~evosim.minds.planner.PlannerController.values`: ``phi_j`` are the
  drive features of tile ``j`` (its position, plus the colour and shape of an
  uneaten object on it), ``d_j`` its path distance. As drives grow the softmax
  sharpens into the argmax that the unchanged ``PlannerController`` takes when
  deployed (which also wanders when no tile has positive value). Its own tile is
  a candidate: choosing it means staying, as it does for a deployed planner.
  With ``z_j = value_j / T``, ``p = softmax(z)`` and the discount logit
  ``theta`` (``gamma = sigmoid(theta)``, so ``d gamma ** d / d theta = d (1 -
  gamma) gamma ** d``), the exact gradients of the chosen target ``c`` are

      d log p_c / d w     = (gamma ** d_c phi_c - sum_j p_j gamma ** d_j phi_j) / T
      d log p_c / d theta = (1 - gamma) (z_c d_c - sum_j p_j z_j d_j)

  and of the entropy ``H = -sum_j p_j log p_j`` through ``dH/dz_j = -p_j (log p_j + H)``.
"""
from __future__ import annotations

import argparse
import time
from dataclasses import asdict, dataclass, fields, replace

import numpy as np

from . import rundir
from .config import Objective, WorldSpec, load_world
from .errors import UserError
from .episodes import AgentStreams, EpisodeResult, Episodes, MazeBatch, uniform
from .features import N_FEATURES, POSITION_SLICE, object_features
from .maze import generate_many
from .minds import MINDS, make_mind
from .minds.planner import DISCOUNT, PlannerController
from .minds.reflex import TURN, ReflexController, softmax
from .training import TrainingLog

RELATIVE = np.argsort(TURN)  # the relative move of each clockwise quarter turn from the heading


@dataclass(frozen=True)
class GradientSettings:
    """Settings of one gradient run; every learner uses the same."""

    updates: int = 100  # parameter updates after the first batch of episodes
    mazes: int = 2  # fresh training mazes each learner draws per update
    rollouts: int = 16  # episodes each learner runs in each of its mazes (the baseline's group)
    learning_rate: float = 0.05  # Adam step size at the first update
    anneal: bool = False  # decay the step size linearly to zero over the updates
    discount: float = 0.95  # credit of a reward k steps after a decision is discount ** k
    entropy: float = 0.01  # weight of the policy's entropy per decision, against scaled advantages
    temperature: float = 0.1  # planner: softmax temperature over tile values while training
    log_every: int = 10  # updates between drive (and probe) records

    @property
    def episodes_per_update(self) -> int:
        """Training episodes one learner runs per update."""
        return self.mazes * self.rollouts

    def updates_for_budget(self, episodes: int, seeds: int = 1) -> int:
        """Updates after the first batch that fit in ``episodes`` training episodes shared by ``seeds`` learners."""
        return max(episodes // (seeds * self.episodes_per_update) - 1, 0)


# --------------------------------------------------------------------------------------------
# Episodes: each learner in its own mazes, and per-step rewards


class LearnerEpisodes(Episodes):
    """Episodes of A learners, each running R rollouts in each of its own M mazes.

    The batch holds A * M mazes, learner ``a``'s at ``a * M + m``. Slots keep the
    ``a * K + k`` layout of :class:`Episodes` (K = M * R episodes per learner), with
    ``k = m * R + r``, so minds and results read them as usual.
    """

    def __init__(self, batch: MazeBatch, n_learners: int, rollouts: int, max_steps: int):
        super().__init__(batch, n_learners, max_steps, maze=np.repeat(np.arange(batch.size), rollouts))


def step_rewards(result: EpisodeResult, objective: Objective, n_floor: np.ndarray) -> np.ndarray:
    """(T, S) reward of every slot's step t + 1; a slot's rewards sum to its base objective.

    A step costs ``step_cost``, first stepping on a tile earns ``explore_credit``
    over the maze's floor tiles, reaching the exit earns ``exit_credit``; the
    start tile's exploration credit is paid with the first step.
    """
    S = len(result.steps)
    T = max(int(result.steps.max()), 1)
    rewards = np.zeros((T + 1, S))
    slot, tile = np.nonzero(result.first_visit >= 0)
    np.add.at(rewards, (result.first_visit[slot, tile], slot),
              objective.explore_credit / n_floor[result.maze[slot]])
    rewards[1:] -= objective.step_cost * (np.arange(1, T + 1)[:, None] <= result.steps)
    done = np.flatnonzero(result.exit_reached)
    rewards[result.steps[done], done] += objective.exit_credit
    rewards[1] += rewards[0]
    return rewards[1:]


def advantages(rewards: np.ndarray, rollouts: int, discount: float) -> np.ndarray:
    """(T, S) discounted reward to come after a decision at each step, minus its leave-one-out mean.

    Slots ``g * R .. g * R + R - 1`` are the R rollouts in one maze; the baseline of
    one is the mean of the others at the same step (0 for episodes already over).
    """
    credit = rewards.copy()
    for t in range(len(credit) - 2, -1, -1):
        credit[t] += discount * credit[t + 1]
    T, S = credit.shape
    groups = credit.reshape(T, S // rollouts, rollouts)
    others = (groups.sum(2, keepdims=True) - groups) / max(rollouts - 1, 1)
    return (groups - others).reshape(T, S)


# --------------------------------------------------------------------------------------------
# Planner: a softmax over targets, and the exact gradient of its log-probability


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


def tile_values(params: np.ndarray, features: TileFeatures, dist: np.ndarray,
                floor: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``PlannerController.values`` from features: ``gamma ** d * (w . phi)`` (0 off the floor).

    Returns the values (n, F), ``gamma ** d`` (n, F) and gamma (n,).
    """
    gamma = 1.0 / (1.0 + np.exp(-params[:, DISCOUNT]))
    decay = np.where(floor, gamma[:, None] ** np.where(floor, dist, 0), 0.0)
    return decay * features.utility(params[:, :N_FEATURES]), decay, gamma


def target_grads(params: np.ndarray, features: TileFeatures, dist: np.ndarray, floor: np.ndarray,
                 chosen: np.ndarray, temperature: float):
    """Log-probability of each chosen target, the softmax's entropy, and their exact gradients.

    ``params`` (n, D) planner parameters, ``dist`` (n, F) distances from where each
    plan is made, ``floor`` (n, F) the candidate tiles, ``chosen`` (n,) targets.
    Returns ``logp`` (n,), ``entropy`` (n,), ``dlogp`` (n, D), ``dentropy`` (n, D).
    """
    rows = np.arange(len(params))
    value, decay, gamma = tile_values(params, features, dist, floor)
    z = value / temperature
    logp = z - np.where(floor, z, -np.inf).max(1, keepdims=True)
    logp -= np.log(np.where(floor, np.exp(logp), 0.0).sum(1, keepdims=True))
    p = np.where(floor, np.exp(logp), 0.0)
    plogp = p * logp
    entropy = -plogp.sum(1)
    zd = z * dist * floor  # d z / d theta, over (1 - gamma)
    dh_dz = -(plogp + p * entropy[:, None])

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

    Everything else is the deployed planner's: its values, re-planning on arrival,
    and staying when the target is its own tile. It records every plan (when, where, what was eaten, what it chose) and computes
    the gradients after the episode, all at once.
    """

    def __init__(self, params: np.ndarray, episodes: Episodes, temperature: float):
        super().__init__(params, episodes)
        self.params = np.asarray(params, np.float64)
        self.temperature = temperature
        self.plans: list[tuple] = []  # (t, slots, tile, eaten, chosen) of every plan

    def plan(self, slots: np.ndarray, rng: np.random.Generator) -> None:
        e = self.episodes
        cdf = softmax(self.values(slots) / self.temperature).cumsum(1)
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
        _, _, dlogp, dentropy = target_grads(
            self.params[e.agent[slots]], TileFeatures.of(b, maze, eaten),
            b.dist[maze, here].astype(np.float64), self.floor[maze], chosen, self.temperature)
        grad = np.zeros_like(self.params)
        np.add.at(grad, e.agent[slots], weight[:, None] * dlogp + entropy * dentropy)
        return grad


# --------------------------------------------------------------------------------------------
# Reflex: the controller's own sampling, recorded, and backpropagation through the MLP


class RecordingReflex(ReflexController):
    """The reflex controller, recording every running slot's input and relative move."""

    def __init__(self, mind, params: np.ndarray, episodes: Episodes):
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


def reflex_grads(mind, params: np.ndarray, x: np.ndarray, move: np.ndarray, weight: np.ndarray,
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


# --------------------------------------------------------------------------------------------
# Adam


class Adam:
    """Adam ascent on (A, D) parameters, each row its own learner (Kingma & Ba, 2015)."""

    def __init__(self, shape: tuple, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m, self.v, self.t = np.zeros(shape), np.zeros(shape), 0

    def step(self, params: np.ndarray, grad: np.ndarray) -> np.ndarray:
        self.t += 1
        self.m = self.beta1 * self.m + (1 - self.beta1) * grad
        self.v = self.beta2 * self.v + (1 - self.beta2) * grad * grad
        m_hat = self.m / (1 - self.beta1 ** self.t)
        v_hat = self.v / (1 - self.beta2 ** self.t)
        return params + self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


# --------------------------------------------------------------------------------------------
# The training loop


def collect(world: WorldSpec, mind, params: np.ndarray, settings: GradientSettings,
            maze_rngs: list, rng: AgentStreams):
    """One batch: every learner's rollouts in fresh mazes of its own; the controller, result and batch."""
    batch = MazeBatch.of([maze for r in maze_rngs for maze in generate_many(world, settings.mazes, r)])
    episodes = LearnerEpisodes(batch, len(params), settings.rollouts, world.max_steps)
    if mind.name == "planner":
        controller = SamplingPlanner(params, episodes, settings.temperature)
    else:
        controller = RecordingReflex(mind, params, episodes)
    while not episodes.done:
        episodes.step(controller.act(rng))
    return controller, episodes.result(), batch


def policy_gradient(controller, result: EpisodeResult, batch: MazeBatch, world: WorldSpec,
                    settings: GradientSettings) -> np.ndarray:
    """(A, D) ascent direction: mean over a learner's episodes of its decisions' scaled advantage gradients."""
    advantage = advantages(step_rewards(result, world.objective, batch.n_floor), settings.rollouts,
                           settings.discount)
    t, slots = controller.decisions()
    weight = advantage[t, slots]
    learner = controller.episodes.agent[slots]
    scale = np.sqrt(np.bincount(learner, weight * weight) / np.bincount(learner))
    weight = weight / (scale[learner] + 1e-8)
    return controller.gradient(weight, settings.entropy) / settings.episodes_per_update


def learner_result(result: EpisodeResult, a: int, per: int) -> EpisodeResult:
    """The slots of learner ``a`` (``per`` episodes each) as a result of their own."""
    s = slice(a * per, (a + 1) * per)
    return EpisodeResult(np.zeros(per, np.int64), result.maze[s], result.steps[s], result.exit_reached[s],
                         result.apples[s], result.explored[s], result.first_visit[s])


def train(world: WorldSpec, mind, settings: GradientSettings, seeds: list[int],
          reporters=(), progress=None) -> list[TrainingLog]:
    """Train one learner per seed on ``world``; one log per seed, each with its final (1, D) params."""
    per = settings.episodes_per_update
    maze_rngs = [np.random.default_rng(seed) for seed in seeds]  # each learner's init and mazes
    params = np.concatenate([mind.init(r, 1) for r in maze_rngs]).astype(np.float64)
    rng = AgentStreams(seeds)  # each learner's actions: its own stream, whatever the other seeds
    adam = Adam(params.shape, settings.learning_rate)
    logs = [TrainingLog("gradient", mind.name, seed) for seed in seeds]
    for update in range(settings.updates + 1):
        last = update == settings.updates
        controller, result, batch = collect(world, mind, params, settings, maze_rngs, rng)
        for a, log in enumerate(logs):
            log.record_episodes(update, learner_result(result, a, per), world.objective, per)
            log.report(update, params[a:a + 1], reporters, last=last)
        if progress is not None:
            progress.update(1)
            progress.set_postfix(exit=f"{result.exit_reached.mean():.2f}")
        if last:
            break
        if settings.anneal:
            adam.lr = settings.learning_rate * (1 - update / settings.updates)
        params = adam.step(params, policy_gradient(controller, result, batch, world, settings))
    for a, log in enumerate(logs):
        log.final_params = params[a:a + 1].copy()
    return logs


# --------------------------------------------------------------------------------------------
# ``evosim train``


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``evosim train``: the world, the mind, seeds, budget, every GradientSettings field."""
    parser.add_argument("world", help="training world file (TOML)")
    parser.add_argument("--mind", choices=sorted(MINDS), default="planner")
    defaults = GradientSettings()
    for f in fields(GradientSettings):
        default = getattr(defaults, f.name)
        kind = {"action": argparse.BooleanOptionalAction} if isinstance(default, bool) else {"type": type(default)}
        parser.add_argument(f"--{f.name.replace('_', '-')}", dest=f.name, default=None,
                            help=f"(default {default})", **kind)
    parser.add_argument("--episodes-budget", type=int,
                        help="total training episodes, split over the seeds; sets --updates")
    parser.add_argument("--seed", type=int, default=0, help="first seed")
    parser.add_argument("--seeds", type=int, default=8, help="independent learners, seeds seed..seed+N-1")
    parser.add_argument("--out", required=True, help="run directory to write")
    parser.add_argument("--force", action="store_true", help="replace a run already in --out")


def gradient_settings(args) -> GradientSettings:
    """GradientSettings from command-line flags, the budget taking precedence over --updates."""
    values = {f.name: getattr(args, f.name) for f in fields(GradientSettings)
              if getattr(args, f.name, None) is not None}
    settings = GradientSettings(**values)
    checks = [("updates", settings.updates >= 0, "must be at least 0"),
              ("mazes", settings.mazes >= 1, "must be at least 1"),
              ("rollouts", settings.rollouts >= 2, "must be at least 2 (each rollout's baseline is the others')"),
              ("learning-rate", settings.learning_rate > 0, "must be positive"),
              ("discount", 0 < settings.discount <= 1, "must be in (0, 1]"),
              ("entropy", settings.entropy >= 0, "must be at least 0"),
              ("temperature", settings.temperature > 0, "must be positive"),
              ("log-every", settings.log_every >= 1, "must be at least 1"),
              ("seeds", args.seeds >= 1, "must be at least 1"),
              ("seed", args.seed >= 0, "must be at least 0")]
    for name, ok, message in checks:
        if not ok:
            value = getattr(args, name.replace("-", "_"), None)
            value = getattr(settings, name.replace("-", "_")) if value is None else value
            raise UserError(f"--{name}: {value} {message}")
    budget = args.episodes_budget
    if budget is not None:
        least = args.seeds * settings.episodes_per_update
        if budget < least:
            raise UserError(f"--episodes-budget: {budget} must be at least {least} "
                            f"(one batch of {settings.episodes_per_update} episodes for each of {args.seeds} seeds)")
        settings = replace(settings, updates=settings.updates_for_budget(budget, args.seeds))
    return settings


def train_seeds(world: WorldSpec, mind_name: str, settings: GradientSettings, seeds: list[int],
                progress: bool = True) -> list[TrainingLog]:
    """One learner per seed with the default reporters and a progress bar (for commands and the demo)."""
    from tqdm import tqdm

    from .reporters import default_reporters

    mind = make_mind(mind_name)
    reporters = default_reporters(mind, settings.log_every, world)
    with tqdm(total=settings.updates + 1, desc=f"train {mind_name} x {len(seeds)} seed(s)",
              disable=None if progress else True, leave=False) as bar:
        return train(world, mind, settings, seeds, reporters, bar)


def train_command(args) -> None:
    """``evosim train``: train one learner per seed by policy gradient and write the run directory."""
    world = load_world(args.world)
    mind = make_mind(args.mind)
    settings = gradient_settings(args)
    out = rundir.check_out(args.out, args.force)
    seeds = list(range(args.seed, args.seed + args.seeds))
    logs = train_seeds(world, args.mind, settings, seeds)
    rundir.prepare(out, force=True)
    run_settings = {"gradient": asdict(settings)}
    if args.episodes_budget is not None:
        run_settings["episodes_budget"] = args.episodes_budget
    rundir.write_training(out, logs, mind, world, run_settings)
    rate = sum(log.generations[-1]["exit_rate"] for log in logs) / len(logs)
    print(f"trained {args.mind} x {len(seeds)} seed(s) by gradient, {logs[0].episodes:,} episodes each: "
          f"final training exit rate {rate:.3f}; run in {out}")


# --------------------------------------------------------------------------------------------
# ``evosim bench``


def bench_gradient(world: WorldSpec, seeds: int = 8, updates: int = 5,
                   settings: GradientSettings = GradientSettings()) -> list[dict]:
    """Gradient training speed for each mind: updates per second of ``seeds`` learners from their start.

    Each figure is one dict: mind, learners, episodes per update (all learners),
    updates per second and training episodes per second. The time includes the
    final batch of episodes that follows the last update, and early updates are
    the slowest (untrained agents run every episode to ``max_steps``), so the
    figures are conservative.
    """
    figures = []
    for name in ("planner", "reflex"):
        mind = make_mind(name)
        start = time.perf_counter()
        train(world, mind, replace(settings, updates=updates), list(range(seeds)))
        seconds = time.perf_counter() - start
        per_update = seeds * settings.episodes_per_update
        figures.append({"mind": name, "learners": seeds, "episodes_per_update": per_update,
                        "updates_per_s": updates / seconds, "episodes_per_s": updates * per_update / seconds})
    return figures
