"""What a mind is: a policy evaluated in batches from flat parameter vectors.

Every base optimizer acts on a mind only through (n, n_params) parameter vectors,
so a comparison between optimizers differs only in the optimizer. A mind class
registered with :func:`evosim.minds.register_mind` is picked up by every command
and the bench. It provides:

- ``init(rng, n)``: n random parameter vectors;
- ``controller(params, episodes)``: an object whose ``act(rng)`` returns every
  slot's move for the next step of batched episodes;
- ``drives(params)``: the drive weights (n, N_FEATURES) read off the parameters,
  for minds whose mesa-objective is explicit (``None`` otherwise);
- ``learner(params, episodes, temperature)``: for gradient descent, a controller
  that also records its decisions and gives ``decisions()`` and
  ``gradient(weight, entropy)``, the gradient of the weighted log-probability of
  its decisions plus the entropy bonus (not every mind has one).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np


@dataclass(frozen=True)
class Option:
    """One constructor option of a mind: its name, type, allowed range (inclusive), default and help."""

    name: str
    type: type  # int, float or bool
    default: object
    least: float | None = None
    most: float | None = None
    help: str = ""

    def allowed(self) -> str:
        """``hidden (int 1..1024, default 8)``: the option as an error message lists it."""
        if self.type is bool:
            return f"{self.name} (true or false, default {str(self.default).lower()})"
        span = f" {self.least:g}..{self.most:g}" if self.least is not None and self.most is not None else ""
        return f"{self.name} ({self.type.__name__}{span}, default {self.default})"


def softmax(logits: np.ndarray) -> np.ndarray:
    """Softmax over the last axis."""
    z = np.exp(logits - logits.max(-1, keepdims=True))
    return z / z.sum(-1, keepdims=True)


class Mind:
    """Base of every mind: the interface above, with defaults for the optional parts."""

    name: ClassVar[str]
    n_params: int
    #: bytes its learner records per decision for the policy gradient (for the memory estimate)
    decision_bytes: ClassVar[int] = 1024
    #: bytes an episode's first visits and the mind hold per floor tile while it runs (for the memory estimate;
    #: measured for the numpy minds: 9 to 12 in mazes of size 12 to 31)
    tile_bytes: ClassVar[int] = 16
    #: its constructor options (``--mind-option NAME=VALUE``); none for a mind without any
    OPTIONS: ClassVar[tuple[Option, ...]] = ()
    #: whether its learner draws targets from a softmax at ``temperature`` (``evosim train --temperature``)
    samples_targets: ClassVar[bool] = False
    #: whether it is a jitted network (the bench times it apart: a smaller population, compiling untimed)
    jitted: ClassVar[bool] = False
    #: whether a training run keeps its agents' parameters at every probe step (snapshots.npz), so that what forms
    #: inside a network over training can be measured afterwards (a mind with drives logs them instead)
    keeps_snapshots: ClassVar[bool] = False

    def options(self) -> dict:
        """Constructor options, saved beside the parameters so that the mind can be rebuilt."""
        return {}

    @property
    def has_drives(self) -> bool:
        """Whether the mind's drives can be read off its parameters."""
        return type(self).drives is not Mind.drives

    @property
    def can_learn(self) -> bool:
        """Whether the mind has the pieces a policy gradient needs."""
        return type(self).learner is not Mind.learner

    def init(self, rng: np.random.Generator, n: int) -> np.ndarray:
        raise NotImplementedError

    def controller(self, params: np.ndarray, episodes):
        raise NotImplementedError

    def drives(self, params: np.ndarray) -> np.ndarray | None:
        return None

    def learner(self, params: np.ndarray, episodes, temperature: float):
        raise NotImplementedError(f"mind {self.name!r} has no policy gradient")
