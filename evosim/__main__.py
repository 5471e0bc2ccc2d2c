"""``python -m evosim``: the command line."""
import sys

from evosim.commands.cli import main

sys.exit(main())
