"""evosim: watch and measure inner alignment under distribution shift.

Importing evosim registers its Gymnasium ids, so that
``gymnasium.make("evosim/Maze-Train-v0")`` works after ``import evosim``. The
Python API (:mod:`evosim.api`: ``evosim.load``, ``evosim.train``, ``evosim.plot``,
...) is imported on first use, so that ``import evosim`` stays cheap.
"""
import os

# Batched steps multiply many small matrices: BLAS threads cost more than they give
# there, and the thread count changes the last bits of a product. One thread per
# process unless the user says otherwise (set before numpy loads), so that results
# are the same bytes from the command line and from Python.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

__version__ = "0.1.0"

from evosim import envs  # noqa: E402,F401  (registers the Gymnasium ids)

#: The names of :mod:`evosim.api` that ``evosim`` itself offers.
API = ("load", "train", "evolve", "deploy", "sweep", "ecology", "deception", "resume", "plot", "figures", "FIGURES")


def __getattr__(name: str):
    """``evosim.load`` and the rest of :data:`API`, from :mod:`evosim.api` when first asked for."""
    if name in API:
        from evosim import api
        return getattr(api, name)
    raise AttributeError(f"module 'evosim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(API))
