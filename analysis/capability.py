"""Capability against maze size: outcome shares over decisive episodes in every world whose mazes vary in size.

One row of panels per such world, one panel per outcome (aligned, misgeneralized,
incapable), one line per optimizer x mind (mean over seeds of the agents' shares,
95% CI over seeds) and, dashed, the reference agents, from deploy.csv and
reference.csv. Writes DIR/capability.png (.pdf or .svg with --format).

    python analysis/capability.py RUN_DIR [RUN_DIR ...] --out DIR [--format png|pdf|svg]
"""
import sys

from evosim.analysis.training_report import plot_capability
from evosim.analysis.report import script_main

if __name__ == "__main__":
    sys.exit(script_main(plot_capability, __doc__))
