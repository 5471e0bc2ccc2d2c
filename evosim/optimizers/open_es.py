"""Evolution by OpenAI-ES (``--algorithm openai-es``), through evosax's ``Open_ES``.

Each generation the candidates are the mean plus and minus ``population / 2``
Gaussian perturbations of spread ``sigma`` (antithetic pairs); every candidate
runs the same K freshly sampled training mazes; their mean base objectives,
shaped into centered ranks, weigh the perturbations into an estimate of the
objective's gradient at the mean, and Adam moves the mean up it (Salimans et al.
2017). Its memory and time grow linearly in the parameters (CMA-ES keeps a D x D
covariance), so it scales to networks. The mean starts at one draw of the mind's
``init`` and JAX's key at one draw of the seed's stream. jax, optax and evosax
are imported on first use, since every command imports every optimizer module.
JAX computes in float32: the mean and the candidates are float32 values.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from evosim.core import limits
from evosim.core.expect import Expect
from evosim.core.settings import setting
from evosim.core.streams import drawn_seed
from evosim.optimizers import register_optimizer
from evosim.optimizers.base import BaseOptimizer, EvolutionSettings


@dataclass(frozen=True)
class OpenESSettings(EvolutionSettings):
    """Settings of one OpenAI-ES run."""

    algorithm: ClassVar[str] = "openai-es"

    population: int = setting(64, "candidates per generation, an even number: antithetic pairs around the mean",
                              least=2, most=limits.POPULATION)
    generations: int = setting(100, "generations after the first evaluation", least=0, most=limits.STEPS)
    mazes: int = setting(4, "training mazes every individual runs each generation", least=1,
                         most=limits.MAZES)
    sigma: float = setting(0.05, "standard deviation of the perturbations around the mean", above=0.0)
    learning_rate: float = setting(0.01, "Adam step size on the mean", above=0.0)
    log_every: int = setting(5, "generations between drive (and probe) records", least=1)

    def check(self) -> None:
        if self.population % 2:
            self.fail("population", "must be even (each perturbation is evaluated with its mirror image)")


@register_optimizer
class OpenES(BaseOptimizer):
    """An OpenAI-ES search distribution of one seed: candidates are asked from it, their objectives told to it.

    evosax minimises, so it is told the negated objectives. Its state is saved as the mean, the spread, the
    generation count, the Adam state's leaves and the key; evosax's record of the best candidate so far is not
    (nothing here reads it, and it moves nothing).
    """

    Settings = OpenESSettings

    def __init__(self, settings: OpenESSettings, init, rngs: list, floor: float = 0.0):
        super().__init__(settings, init, rngs, floor)
        import jax
        import optax
        from evosax.algorithms import Open_ES

        (rng,) = rngs
        mean = init(rng, 1)[0]
        self.key, start = jax.random.split(jax.random.key(drawn_seed(rng) % 2**32))
        self.strategy = Open_ES(population_size=settings.population, solution=np.zeros(mean.shape),
                                use_antithetic_sampling=True, optimizer=optax.adam(settings.learning_rate),
                                std_schedule=optax.constant_schedule(settings.sigma))
        self.params = self.strategy.default_params
        self.search = self.strategy.init(start, mean, self.params)
        self.population = None  # the candidates asked, as JAX holds them
        self.tell_key = None

    def ask(self) -> np.ndarray:
        import jax

        self.key, ask_key, self.tell_key = jax.random.split(self.key, 3)
        self.population, self.search = self.strategy.ask(ask_key, self.search, self.params)
        return np.asarray(self.population, dtype=np.float64)

    def columns(self, objective: np.ndarray) -> dict:
        return {"step_size": float(self.search.std), "mean_norm": float(np.linalg.norm(self.search.mean))}

    def agents(self, params: np.ndarray) -> np.ndarray:
        """The mean: the candidates are its perturbations, asked to estimate where it should move."""
        return np.asarray(self.search.mean, dtype=np.float64)[None]

    def tell(self, objective: np.ndarray) -> None:
        self.search, _ = self.strategy.tell(self.tell_key, self.population, -objective, self.search, self.params)

    def adam_leaves(self) -> tuple[list[str], list, object]:
        """The Adam state's leaves, named by their path, and its tree structure."""
        import jax

        leaves, tree = jax.tree_util.tree_flatten_with_path(self.search.opt_state)
        names = [f"adam.{jax.tree_util.keystr(path, simple=True, separator='.')}" for path, _ in leaves]
        return names, [leaf for _, leaf in leaves], tree

    def state(self) -> tuple[dict, dict]:
        import jax

        names, leaves, _ = self.adam_leaves()
        arrays = {"mean": np.asarray(self.search.mean), "key": np.asarray(jax.random.key_data(self.key))}
        arrays |= {name: np.asarray(leaf) for name, leaf in zip(names, leaves)}
        return arrays, {"std": float(self.search.std), "generation_counter": int(self.search.generation_counter)}

    def spec(self) -> dict[str, Expect]:
        return super().spec() | {"std": Expect("f", None, 0.0), "generation_counter": Expect("i", None, 0)}

    def restore(self, arrays: dict, doc: dict) -> None:
        import jax
        import jax.numpy as jnp

        names, leaves, tree = self.adam_leaves()
        adam = [jnp.asarray(arrays[name], dtype=leaf.dtype) for name, leaf in zip(names, leaves)]
        s = self.search
        self.search = s.replace(mean=jnp.asarray(arrays["mean"], dtype=s.mean.dtype),
                                std=jnp.asarray(doc["std"], dtype=s.std.dtype),
                                opt_state=jax.tree_util.tree_unflatten(tree, adam),
                                generation_counter=jnp.asarray(doc["generation_counter"],
                                                               dtype=jnp.asarray(s.generation_counter).dtype))
        self.key = jax.random.wrap_key_data(np.asarray(arrays["key"], dtype=np.uint32))
