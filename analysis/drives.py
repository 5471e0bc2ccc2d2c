"""Drive-weight trajectories of planner populations: mean and spread per feature.

One panel per drive feature (titles mark the exit's invariant feature, the proxies
and colours never seen in training) plus drive alignment when alignment.csv is
there; one line per optimizer x mind. Writes DIR/drives.png (.pdf or .svg with --format).

    python analysis/drives.py RUN_DIR [RUN_DIR ...] --out DIR [--format png|pdf|svg]
"""
import sys

from evosim.analysis.training_report import plot_drives
from evosim.analysis.report import script_main

if __name__ == "__main__":
    sys.exit(script_main(plot_drives, __doc__))
