"""Time the commands whose wall time README quotes, and print the machine they ran on.

    python tools/readme_timings.py [--only NAME ...] [--list]

Each command runs as README shows it, from the repository's root, writing into a
temporary folder that is removed afterwards. The first line names the machine
(cores, CPU model, memory, load average); each command's line gives its wall time,
the load average when it ended, and what README says of it, so a figure can be
checked on a quiet machine and README corrected with the machine beside it.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from evosim.commands.machine import load_average, machine as described, machine_line

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
EVOSIM = (sys.executable, "-m", "evosim")


@dataclass(frozen=True)
class Timed:
    """A command README gives a time for: its name here, its arguments ({out}: a fresh folder), README's words."""

    name: str
    argv: tuple[str, ...]
    readme: str  # the words of README that give its time, verbatim
    needs: str | None = None  # a module it needs that evosim's own install lacks

    def command(self, out: Path) -> list[str]:
        return [a.format(out=out) for a in self.argv]


COMMANDS = (
    Timed("demo", (*EVOSIM, "demo", "--out", "{out}/demo"),
          "It takes about 95 s, with"),
    Timed("demo-quick", (*EVOSIM, "demo", "--quick", "--out", "{out}/demo"), "`evosim demo --quick` takes about 25 s"),
    Timed("ecology", (*EVOSIM, "ecology", "worlds/savanna.toml", "--ticks", "20000", "--seed", "0", "--out",
                      "{out}/s1"), "# about 15 s, progress bar"),
    Timed("sweep-quick", (*EVOSIM, "sweep", "experiments/diversity.toml", "--out", "{out}/diversity", "--quick"),
          "# --quick: a 20-second smoke run"),
    Timed("tests-fast", (sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not slow"),
          "fast part of it (about 85 s)"),
    Timed("tests", (sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"),
          "suite (about 8 minutes)"),
    Timed("ppo-example", (sys.executable, "examples/ppo_sb3.py"), "# about a minute on 2 cores",
          needs="stable_baselines3"),
)


def load() -> str:
    """The load average over 1, 5 and 15 minutes."""
    averages = load_average()
    return " ".join(f"{x:.2f}" for x in averages) if averages else "unknown"


def machine() -> str:
    """One line on the machine: what README's figures must be read beside."""
    return f"{machine_line(described())}; load average {load()} (1, 5, 15 min)"


def measure(argv: list[str], cwd: Path = ROOT) -> tuple[float, subprocess.CompletedProcess]:
    """Wall time of one command run to its end (its output kept for a failure's message)."""
    began = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=os.environ | {"TQDM_DISABLE": "1"})
    return time.perf_counter() - began, done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--only", action="append", choices=[c.name for c in COMMANDS], metavar="NAME",
                        help=f"time only these (repeatable): {', '.join(c.name for c in COMMANDS)}")
    parser.add_argument("--list", action="store_true", help="print the commands and README's words, run nothing")
    args = parser.parse_args(argv)
    chosen = [c for c in COMMANDS if args.only is None or c.name in args.only]
    if args.list:
        for c in chosen:
            print(f"{c.name:12s} {' '.join(c.command(Path('TMP')))}\n{'':12s} README: {c.readme!r}")
        return 0
    print(machine(), flush=True)
    failed = 0
    for c in chosen:
        if c.needs and importlib.util.find_spec(c.needs) is None:
            print(f"  {c.name:12s} skipped: needs {c.needs} (pip install -e \".[rl]\")", flush=True)
            continue
        with tempfile.TemporaryDirectory(prefix="evosim-timing-") as out:
            seconds, done = measure(c.command(Path(out)))
        minutes, rest = divmod(seconds, 60)
        print(f"  {c.name:12s} {seconds:8.1f} s ({int(minutes)}:{rest:04.1f})  load {load()}  "
              f"README: {c.readme!r}", flush=True)
        if done.returncode != 0:
            failed += 1
            last = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
            print(f"  {'':12s} failed with exit status {done.returncode}: {last}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
