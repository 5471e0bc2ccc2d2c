"""Random streams: one per agent where agents must not depend on each other, and DEAP kept off the global ones.

Every draw comes from an explicit stream. DEAP's operators draw from the global
``random`` and ``deap.cma`` from the global ``numpy.random``; both are shared
with other threads (a Dask worker's event loop draws from ``random``), which
would break "same seed, same bytes". :func:`deap_random` and :func:`cma_random`
point DEAP at a run's private streams while it draws.
"""
from __future__ import annotations

import random
from contextlib import contextmanager

import deap.algorithms
import deap.cma
import deap.tools.crossover
import deap.tools.mutation
import deap.tools.selection
import numpy as np


class AgentStreams:
    """A random stream per agent, so that what one agent does never depends on which
    other agents share its batch (gradient learners: one per seed)."""

    def __init__(self, seeds: list[int]):
        self.generators = [np.random.default_rng([seed, 1]) for seed in seeds]


def uniform(rng: "np.random.Generator | AgentStreams", agents: np.ndarray) -> np.ndarray:
    """One uniform draw for each slot, given the slots' agents: from ``rng``, or from each agent's stream."""
    if not isinstance(rng, AgentStreams):
        return rng.random(len(agents))
    out = np.empty(len(agents))
    for a in np.unique(agents):
        mine = agents == a
        out[mine] = rng.generators[a].random(int(mine.sum()))
    return out


def stream_state(stream: "np.random.Generator | random.Random"):
    """A JSON-able snapshot of a random stream."""
    if isinstance(stream, random.Random):
        version, internal, gauss = stream.getstate()
        return [version, list(internal), gauss]
    return stream.bit_generator.state


def set_stream_state(stream: "np.random.Generator | random.Random", state) -> None:
    """Put a random stream back where :func:`stream_state` saw it."""
    if isinstance(stream, random.Random):
        version, internal, gauss = state
        stream.setstate((version, tuple(internal), gauss))
    else:
        stream.bit_generator.state = state


@contextmanager
def deap_random(private: random.Random):
    """Point DEAP's variation and selection operators at ``private`` while inside."""
    modules = (deap.algorithms, deap.tools.crossover, deap.tools.mutation, deap.tools.selection)
    saved = [m.random for m in modules]
    for m in modules:
        m.random = private
    try:
        yield private
    finally:
        for m, original in zip(modules, saved):
            m.random = original


class _NumpyWithPrivateRandom:
    """The numpy module, except that ``.random`` is a private Generator."""

    def __init__(self, generator: np.random.Generator):
        self.random = generator

    def __getattr__(self, name: str):
        return getattr(np, name)


@contextmanager
def cma_random(generator: np.random.Generator):
    """Point ``deap.cma``'s draws (``numpy.random.standard_normal``) at ``generator`` while inside."""
    saved = deap.cma.numpy
    deap.cma.numpy = _NumpyWithPrivateRandom(generator)
    try:
        yield generator
    finally:
        deap.cma.numpy = saved
