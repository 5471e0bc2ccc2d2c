"""Base optimizers: a registry of ask/tell optimizers over populations of flat parameter vectors.

Every module of this package is imported with it, so a new base optimizer is one
module here whose class is decorated with :func:`register_optimizer` (see
:mod:`evosim.optimizers.base` for what it provides).
"""
from __future__ import annotations

import importlib
import pkgutil

from evosim.optimizers.base import BaseOptimizer

OPTIMIZERS: dict[str, type[BaseOptimizer]] = {}


def register_optimizer(cls: type[BaseOptimizer]) -> type[BaseOptimizer]:
    """Class decorator: make ``cls`` available by its settings' ``algorithm`` name."""
    OPTIMIZERS[cls.Settings.algorithm] = cls
    return cls


def algorithms(command: str) -> list[str]:
    """Names of the optimizers a command runs (``evolve`` or ``train``)."""
    return [name for name, cls in OPTIMIZERS.items() if cls.Settings.command == command]


for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
