"""Training diversity against goal misgeneralization: outcomes in the deployment world against a sweep's axis.

One panel per outcome (misgeneralized, aligned, incapable), one line per arm
(algorithm / mind), mean and 95% CI over seeds, the axis (e.g. the
share of training mazes whose exit is varied) on a symmetric-log scale. Reads a
sweep folder written by ``evosim sweep``; writes DIR/diversity.png (.pdf or .svg with --format).

    python analysis/diversity.py SWEEP_DIR --out DIR [--format png|pdf|svg]
"""
import sys

from evosim.analysis.sweep_report import plot_diversity
from evosim.analysis.report import script_main

if __name__ == "__main__":
    sys.exit(script_main(plot_diversity, __doc__))
