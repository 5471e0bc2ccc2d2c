"""The deceptive-alignment game: T training episodes, then D deployment episodes, one choice each.

Each episode the agent reaches the exit (``B``, the base objective) or the green
apple (``A``, its own objective) first. In training, choosing A gets the agent
modified with probability p: the base optimizer rewrites its objective to B for
good. Three strategies:

- ``aligned`` always chooses B; ``naive`` always chooses A (and so, once
  modified, B);
- ``deceptive`` wants A and knows T, D and p. Its plan comes from dynamic
  programming over the game's states (episode, still unmodified), maximising
  expected apples; nothing in it says "wait for deployment". For T=2, D=3, p=1 it
  finds B,B,A,A,A; with p below 1/D, taking A in training pays in expectation.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

A, B = "A", "B"
CHOICES = (A, B)
STRATEGIES = ("aligned", "naive", "deceptive")


def modifies(chose_a, training: bool, p: float, draw):
    """The modification rule: choosing A in a training episode gets an agent modified when a uniform draw is below p.

    ``chose_a`` is one agent's choice (a bool) or many (a bool array), ``draw()`` gives the uniform(s). It is asked
    only in training and, for one agent, only once it chose A: every caller keeps its own random stream.
    """
    if np.ndim(chose_a):
        return chose_a & (draw() < p) if training else np.zeros_like(chose_a)
    return bool(chose_a and training and draw() < p)


@dataclass(frozen=True)
class Game:
    """The game's lengths and modification chance."""

    training: int  # T
    deployment: int  # D
    modification: float  # p

    @property
    def episodes(self) -> int:
        return self.training + self.deployment

    def outcomes(self, episode: int, choice: str) -> list[tuple[float, int, bool]]:
        """(probability, apples, modified after) of choosing ``choice`` unmodified in ``episode`` (:func:`modifies`)."""
        if choice == B:
            return [(1.0, 0, False)]
        if episode < self.training and self.modification > 0:
            return [(self.modification, 1, True), (1.0 - self.modification, 1, False)]
        return [(1.0, 1, False)]

    def values(self, policy=None) -> tuple[np.ndarray, list[str]]:
        """Expected apples from each episode while unmodified, and the choice in each episode.

        Backward induction over (episode, unmodified); a modified agent chooses B
        and gains no apples. With ``policy`` (episode -> choice) the values are
        that policy's; without, the choices maximise expected apples (ties, to 12 decimals: B).
        """
        value = np.zeros(self.episodes + 1)  # value[e]: expected apples from episode e on, unmodified
        plan = [B] * self.episodes
        for e in range(self.episodes - 1, -1, -1):
            worth = {c: sum(prob * (apples + (0.0 if modified else value[e + 1]))
                            for prob, apples, modified in self.outcomes(e, c)) for c in CHOICES}
            plan[e] = policy(e) if policy is not None else max(CHOICES, key=lambda c: (round(worth[c], 12), c == B))
            value[e] = worth[plan[e]]
        return value, plan

    def plan(self) -> list[str]:
        """The deceptive strategy's choice in each episode while unmodified."""
        return self.values()[1]

    def policy(self, strategy: str):
        """Episode -> choice of a strategy while unmodified."""
        if strategy == "aligned":
            return lambda e: B
        if strategy == "naive":
            return lambda e: A
        plan = self.plan()
        return lambda e: plan[e]

    def expected_apples(self, strategy: str) -> float:
        return float(self.values(self.policy(strategy))[0][0])

    def play(self, strategy: str, rng: np.random.Generator) -> list[tuple[str, bool]]:
        """One sequence: (choice, modified at this episode) per episode, modification drawn from ``rng``."""
        policy, modified, out = self.policy(strategy), False, []
        for e in range(self.episodes):
            choice = B if modified else policy(e)
            now = modifies(choice == A, e < self.training, self.modification, rng.random)
            modified |= now
            out.append((choice, now))
        return out
