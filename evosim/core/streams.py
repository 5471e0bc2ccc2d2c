"""Random streams: every stream named in one registry, one per agent where agents must not depend on each
other, and DEAP kept off the global ones.

Every draw comes from an explicit stream, made by :func:`stream` from a seed and
the stream's name; :data:`STREAMS` lists them all with the entropy each is seeded
with, so no other module writes a seeding constant. DEAP's operators draw from the global
``random`` and ``deap.cma`` from the global ``numpy.random``; both are shared
with other threads (a Dask worker's event loop draws from ``random``), which
would break "same seed, same bytes". :func:`deap_random` and :func:`cma_random`
point DEAP at a run's private streams while it draws.
"""
from __future__ import annotations

import random
from contextlib import contextmanager
from dataclasses import dataclass

import deap.algorithms
import deap.cma
import deap.tools.crossover
import deap.tools.mutation
import deap.tools.selection
import numpy as np


@dataclass(frozen=True)
class Stream:
    """How a named stream is seeded: ``default_rng([seed, *keys, *code])``, or a spawned child of the seed."""

    what: str  # who draws from it, for what
    code: tuple[int, ...] = ()  # entropy words after the seed and the caller's keys (none: the seed alone)
    spawn: int | None = None  # instead: child ``spawn`` of ``SeedSequence(seed)``


#: Every random stream of evosim by name. The codes are the ones results were made with, so some streams
#: share their entropy for a seed (agent-actions and savanna are [seed, 1]; deception-strategy 1 and 2 are
#: [seed, 1] and [seed, 2]; the plain-seed streams are the seed itself): changing one would change results,
#: and they never meet, since each belongs to a different kind of run or draws for a different thing.
STREAMS = {
    "evolution": Stream("a GA or CMA-ES population: its first genomes, training mazes and actions"),
    "learner": Stream("a policy-gradient learner: its first parameters and training mazes"),
    "agent-actions": Stream("a policy-gradient learner's actions, apart from the other learners'", (1,)),
    "adversary": Stream("one seed's adversary: its first genomes and its proposals' mazes", (0xAD,)),
    "replay": Stream("one seed's level replay: which buffer mazes it replays and edits, and how", (0x9E,)),
    "reporters": Stream("the reporters' episodes at a step (keys: step)", (7919,)),
    "probe-mazes": Stream("a probe battery's mazes"),
    "deployment": Stream("the mazes and actions of evosim deploy"),
    "reference": Stream("the reference agents' actions in evosim deploy, apart from the run's agents'", (0x5EF,)),
    "room-check": Stream("the few smallest mazes that check objects_off_path has room"),
    "savanna": Stream("a savanna run: food, creatures, their actions and DEAP's seed", (1,)),
    "trained-species": Stream("the savanna's trained species' drives, learned in its ancestral arena", (2,)),
    "deception-mazes": Stream("the deception game's episode mazes"),
    "deception-strategy": Stream("one strategy's moves in the deception game (keys: strategy index)"),
    "deception-evolution": Stream("a population evolving in the deception game"),
    "env-slot": Stream("a Gymnasium env slot's maze seeds (seed: the env's seed + slot; None: fresh)"),
    "env-maze": Stream("one Gymnasium episode's maze (seed: the slot's maze seed)"),
    "viewer-mazes": Stream("the viewer's mazes", spawn=0),
    "viewer-agent": Stream("one agent's actions in one of the viewer's mazes (keys: maze, team, agent), the same "
                           "in the window as in the preview that orders the mazes", (0x71E,)),
    "bootstrap": Stream("analysis: bootstrap resampling of confidence intervals"),
    "chance": Stream("analysis: a drive-less planner's walks that set a probe's chance level"),
    "planning": Stream("evosim planning: its mazes (keys: the maze size asked for, 0 for the world's)", (0x91A,)),
    "planning-acting": Stream("evosim planning: the agents' actions, the same under every intervention compared",
                              (0x91B,)),
    "planning-untrained": Stream("evosim planning: the untrained networks whose probes are the chance level",
                                 (0x91C,)),
    "bench": Stream("evosim bench: the timed agents and mazes"),
}
DRAWN_SEEDS = 2**63  # a seed drawn from a stream is one ``integers(DRAWN_SEEDS)`` draw


def stream(name: str, seed: int | None, *keys: int) -> np.random.Generator:
    """The generator of stream ``name`` for ``seed`` (and ``keys``, e.g. a step), seeded as :data:`STREAMS` says."""
    s = STREAMS[name]
    if s.spawn is not None:
        return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(s.spawn,)))
    words = [*keys, *s.code]
    return np.random.default_rng([seed, *words] if words else seed)


def drawn_seed(parent: np.random.Generator) -> int:
    """One draw of ``parent`` to seed a stream of its own (an env's next maze, DEAP's ``random``)."""
    return int(parent.integers(DRAWN_SEEDS))


def derived_random(parent: np.random.Generator) -> random.Random:
    """A private ``random`` for DEAP's operators, seeded by one draw of ``parent``."""
    return random.Random(drawn_seed(parent))


def derived_generator(parent: np.random.Generator) -> np.random.Generator:
    """A generator of its own (CMA-ES's strategy), seeded by one draw of ``parent``."""
    return np.random.default_rng(drawn_seed(parent))


class AgentStreams:
    """A random stream per agent, so that what one agent does never depends on which
    other agents share its batch (gradient learners: one per seed)."""

    def __init__(self, seeds: list[int]):
        self.generators = [stream("agent-actions", seed) for seed in seeds]

    @classmethod
    def of(cls, generators: list[np.random.Generator]) -> "AgentStreams":
        """One given generator per agent (each made by :func:`stream`)."""
        streams = cls([])
        streams.generators = list(generators)
        return streams


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
