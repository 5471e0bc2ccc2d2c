"""Checkpoint files: numpy arrays plus a JSON document in one ``.npz``, written atomically.

A checkpoint is one zip file holding ``<name>.npy`` arrays and a ``state.json``
member (numpy's ``np.load`` reads it back as bytes, never unpickling anything).
It is written to a temporary name, flushed to disk and renamed over the old one,
so a process killed at any moment leaves either the old checkpoint or the new one.
:func:`run_steps` is the checkpointed loop that every study's stepping work runs; it
checks a loaded checkpoint against what its state owner declares it must hold
(:class:`~evosim.core.expect.Expect` by key) before restoring anything, so a spoiled or
foreign checkpoint is refused in one line.
"""
from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import numpy as np

from evosim.core.errors import UserError
from evosim.core.expect import check
from evosim.runs.files import atomic

STATE_JSON = "state.json"


def save(path: Path, arrays: dict[str, np.ndarray], state: dict) -> None:
    """Write ``arrays`` and the JSON-able ``state`` to ``path`` atomically."""
    with atomic(path, "wb") as f, zipfile.ZipFile(f, "w") as z:
        for name, array in arrays.items():
            with z.open(f"{name}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asarray(array), allow_pickle=False)
        z.writestr(STATE_JSON, json.dumps(state))
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def load(path: Path) -> tuple[dict[str, np.ndarray], dict]:
    """The arrays and the state of a checkpoint written by :func:`save`."""
    try:
        with np.load(path, allow_pickle=False) as z:
            state = json.loads(z[STATE_JSON])
            arrays = {name: z[name] for name in z.files if name != STATE_JSON}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as e:
        raise UserError(f"{path}: unreadable checkpoint: {e}") from None
    return arrays, state


def run_steps(steps, path: Path | None, every: int, progress=None):
    """Step ``steps`` until it is done, saving its state to ``path`` every ``every`` steps and at the end.

    ``steps`` has ``done``, ``position`` (steps taken), ``postfix`` (what the progress bar shows beside
    its count), ``step()``, ``state()``, ``spec()`` (what its state must hold: ``Expect`` by key) and
    ``restore(arrays, doc)``; a saved state at ``path`` is checked against the spec, then continued from.
    """
    if path is not None and path.exists():
        arrays, doc = load(path)
        try:
            check(arrays, doc, steps.spec())
            steps.restore(arrays, doc)
        except UserError as e:
            raise UserError(f"{path}: {e}") from None
        except (KeyError, TypeError, ValueError) as e:
            raise UserError(f"{path}: not a checkpoint of this run: {type(e).__name__}: {e}") from None
    if progress is not None:
        progress.update(steps.position)
    while not steps.done:
        steps.step()
        if progress is not None:
            progress.update(1)
            progress.set_postfix(**steps.postfix)
        if path is not None and (steps.done or steps.position % every == 0):
            save(path, *steps.state())
    return steps
