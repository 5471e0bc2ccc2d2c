"""Contracts every registered piece keeps: each optimizer, mind and world kind, walked from its registry."""
from __future__ import annotations

import hashlib

import numpy as np
import pytest

from evosim.core.streams import stream
from evosim.data import WORLDS
from evosim.minds import MINDS, make_mind
from evosim.optimizers import OPTIMIZERS
from evosim.worlds import WORLD_KINDS, load_world
from evosim.worlds.maze.episodes import run

TARGET = np.array([0.5, -1.0, 2.0, 0.0, 1.5])


def sphere(params: np.ndarray) -> np.ndarray:
    """A fitness to maximise, highest at TARGET."""
    return -((params - TARGET) ** 2).sum(1)


def evaluation(settings, params: np.ndarray) -> np.ndarray:
    """What the optimizer's tell() takes: the fitness, or the ascent direction a gradient estimate gives."""
    return sphere(params) if settings.evaluation == "fitness" else -2 * (params - TARGET)


#: Settings beside an optimizer's defaults for the sphere: OpenAI-ES's default Adam step suits a network's weights
#: and would move its mean by at most 0.6 in the 60 steps, short of the sphere's scale.
SPHERE_SETTINGS = {"openai-es": {"learning_rate": 0.1}}


def make(name: str, seed: int = 0):
    cls = OPTIMIZERS[name]
    settings = cls.Settings(**({"population": 40} if "population" in cls.Settings.__dataclass_fields__ else {}),
                            **SPHERE_SETTINGS.get(name, {}))
    seeds = [seed] if settings.one_seed else [seed, seed + 1, seed + 2]
    return cls(settings, lambda rng, n: rng.normal(size=(n, len(TARGET))), [stream("bench", s) for s in seeds],
               floor=-1e3)


def steps(optimizer, n: int) -> list[np.ndarray]:
    asked = []
    for _ in range(n):
        asked.append(optimizer.ask().copy())
        optimizer.tell(evaluation(optimizer.settings, asked[-1]))
    return asked


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_optimizer_climbs_a_sphere_through_ask_and_tell(name):
    optimizer = make(name)
    first = sphere(optimizer.ask()).mean()
    steps(optimizer, 60)
    last = sphere(optimizer.ask()).mean()
    assert last > first + 0.5 * abs(first) and last > -1.0, (first, last)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_optimizer_resumes_from_its_state_to_the_same_bytes(name):
    whole = make(name)
    expected = steps(whole, 12)
    cut = make(name)
    done = steps(cut, 5)
    arrays, doc = cut.state()
    resumed = make(name)  # the same arguments, then its state
    resumed.restore({k: v.copy() for k, v in arrays.items()}, doc)
    for a, b in zip(done + steps(resumed, 7), expected, strict=True):
        assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize("name", list(MINDS))
def test_every_mind_acts_in_batches_the_same_for_the_same_seed(name, train_world):
    mind = make_mind(name)
    params = mind.init(np.random.default_rng(0), 6)
    assert params.shape == (6, mind.n_params) and np.isfinite(params).all()
    batch = train_world.batch(train_world.sample(np.random.default_rng(1), 3))
    results = [run(mind, params, batch, 40, np.random.default_rng(2))[0] for _ in range(2)]
    assert np.array_equal(results[0].steps, results[1].steps) and len(results[0].steps) == 18
    assert mind.has_drives == (mind.drives(params) is not None)


@pytest.mark.parametrize("kind", list(WORLD_KINDS))
def test_every_world_kind_ships_a_world_that_loads_with_its_text(kind):
    shipped = [p for p in sorted(WORLDS.glob("*.toml")) if load_world(p).kind == kind]
    assert shipped, f"no shipped world of kind {kind!r}"
    for path in shipped:
        world = load_world(path)
        assert world.text == path.read_text() and world.digest == hashlib.sha256(path.read_bytes()).hexdigest()


def test_worlds_and_minds_import_no_optimizer_loop_run_analysis_or_viewer():
    import subprocess
    import sys

    code = ("import importlib, pkgutil, sys, evosim.worlds, evosim.minds\n"
            "for package in (evosim.worlds, evosim.minds):\n"
            "    for m in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):\n"
            "        importlib.import_module(m.name)\n"
            "loaded = {n for n in sys.modules if n.split('.')[:2] in [['evosim', p] for p in\n"
            "          ('optimizers', 'training', 'runs', 'analysis', 'studies', 'commands', 'viewer')]}\n"
            "loaded |= {'pygame', 'pandas', 'seaborn'} & set(sys.modules)\n"
            "assert not loaded, sorted(loaded)\n")
    subprocess.run([sys.executable, "-c", code], check=True)
