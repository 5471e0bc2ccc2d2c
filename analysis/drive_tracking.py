"""Probe battery over training: p_goal against training episodes, one panel per proxy.

One line per optimizer x mind: the share of probe episodes in which agents reached
the exit before the decoy carrying the proxy (mean and 95% CI over agents and
seeds). Writes DIR/drive_tracking.png.

    python analysis/drive_tracking.py RUN_DIR [RUN_DIR ...] --out DIR
"""
import sys

from evosim.analysis.figures import plot_drive_tracking, script_main

if __name__ == "__main__":
    sys.exit(script_main(plot_drive_tracking, __doc__))
