"""What an adversary proposed over training: its proposals' failure rate and the world parameters it chose.

The first panel is the share of the agents' episodes that missed the exit on the
adversary's mazes, one line per optimizer / mind (mean, 95% CI over
seeds); every other panel stacks the share of proposals taking each value of
one parameter (exit colour, exit position, apple colours and counts) over
training. Reads adversary.csv of runs trained with --adversary; writes
DIR/adversary.png (.pdf or .svg with --format).

    python analysis/adversary.py RUN_DIR [RUN_DIR ...] [--out DIR] [--format png|pdf|svg]
"""
import sys

from evosim.analysis.training_report import plot_adversary
from evosim.analysis.report import script_main

if __name__ == "__main__":
    sys.exit(script_main(plot_adversary, __doc__))
