"""Capacity against competent misgeneralization: a sweep over mind options drawn against each mind's capacity.

A column per arm (algorithm / mind), a row each for the final training exit rate,
the share of the shift's decisive episodes failed, the competent share of those
failures (misgeneralized rather than incapable) and the exit rate in the other
deployment world; mean and 95% CI over seeds. Reads a sweep folder written by
``evosim sweep`` over ``mind.OPTION`` axes (e.g. experiments/capacity.toml);
writes DIR/capacity.png (.pdf or .svg with --format).

    python analysis/capacity.py SWEEP_DIR --out DIR [--format png|pdf|svg]
"""
import sys

from evosim.analysis.capacity_report import plot_capacity
from evosim.analysis.report import script_main

if __name__ == "__main__":
    sys.exit(script_main(plot_capacity, __doc__))
