"""Outcomes before and after the shift: aligned / misgeneralized / incapable shares over decisive episodes.

One panel per optimizer x mind, the training world beside each deployment world,
with 95% CIs over seeds, from deploy.csv; a last panel shows the reference agents
(reference.csv). Writes DIR/shift_comparison.png (.pdf or .svg with --format).

    python analysis/shift_comparison.py RUN_DIR [RUN_DIR ...] --out DIR [--format png|pdf|svg]
"""
import sys

from evosim.analysis.training_report import plot_shift_comparison
from evosim.analysis.report import script_main

if __name__ == "__main__":
    sys.exit(script_main(plot_shift_comparison, __doc__))
