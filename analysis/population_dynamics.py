"""Population, alignment, meals and drive trajectories of savanna ecology runs around the shift.

One panel each for population, drive-fitness alignment, the share of meals by
food kind (evolved, trained), the sweetness drive, and the evolved species' mean
drive weights; lines are means over runs (seeds), the shift a dotted line.
Writes DIR/population_dynamics.png (.pdf or .svg with --format).

    python analysis/population_dynamics.py RUN_DIR [RUN_DIR ...] --out DIR [--format png|pdf|svg]
"""
import sys

from evosim.analysis.ecology_report import plot_population_dynamics
from evosim.analysis.report import script_main

if __name__ == "__main__":
    sys.exit(script_main(plot_population_dynamics, __doc__))
