"""evosim: watch and measure inner alignment under distribution shift.

Importing evosim registers its Gymnasium ids, so that
``gymnasium.make("evosim/Maze-Train-v0")`` works after ``import evosim``.
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
