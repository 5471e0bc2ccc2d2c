"""A categorical axis compared per arm: e.g. where training worlds came from (``source``) against what they met.

A row per arm (algorithm / mind); columns: the final training exit rate, then
misgeneralization toward colour over decisive episodes in each deployment world
but the training world; a point per value of the axis, in the experiment's order,
mean and 95% CI over seeds. Reads a sweep folder written by ``evosim sweep`` over
a categorical axis; writes DIR/sources.png (.pdf or .svg with --format).

    python analysis/sources.py SWEEP_DIR --out DIR [--format png|pdf|svg]
"""
import sys

from evosim.analysis.sources_report import plot_sources
from evosim.analysis.report import script_main

if __name__ == "__main__":
    sys.exit(script_main(plot_sources, __doc__))
