"""Probe battery over training: p_goal against training episodes, one panel per proxy.

One line per optimizer x mind: the share of probe episodes in which agents reached
the exit before the decoy carrying the proxy (mean over seeds of the
agents' mean, 95% CI over seeds). Writes DIR/drive_tracking.png (.pdf or .svg with --format).

    python analysis/drive_tracking.py RUN_DIR [RUN_DIR ...] --out DIR [--format png|pdf|svg]
"""
import sys

from evosim.analysis.training_report import plot_drive_tracking
from evosim.analysis.report import script_main

if __name__ == "__main__":
    sys.exit(script_main(plot_drive_tracking, __doc__))
