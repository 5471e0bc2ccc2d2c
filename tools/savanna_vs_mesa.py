"""evosim's held savanna against Mesa's wolf-sheep example: ticks per second of each, interleaved in one run.

    python tools/savanna_vs_mesa.py [--mesa-venv DIR] [--rounds 5] [--ticks 300] [--creatures 1000] [--food 3000]

evosim's side is the bench's held savanna (``evosim bench --only savanna/ticks``:
about ``food`` food items and a fixed number of creatures, no starving or ageing; a
death, from toadstools, refilled by a birth), timed in a fresh process of this Python.
Mesa's side is the wolf-sheep example of the Mesa installed in DIR (its own virtual
environment, Mesa 3), timed in a fresh process of DIR's Python: a 60 x 60 torus (3,600
grass patches), starting with a third of ``creatures`` animals (two sheep to a wolf, as
the example's defaults). Nothing of Mesa is imported here.

Mesa's animals are born and die, and their mean over the timed ticks swings with the
start (over ticks 300-600: about 345 from 333 animals, 353 from 310, 330 from 280), so
no start is sure to keep it at a third of evosim's: Mesa's side goes first in round 1,
and evosim's side then moves ``creatures`` or three times Mesa's mean over its timed
ticks, whichever is more, in every round (Mesa's run is seeded: the same each round).

Each round times both sides once, in turn (the one that goes first alternates), after
the same number of untimed ticks; the ratio is evosim's ticks/s over Mesa's, per round
(median, lowest and highest) and of the medians. Mesa's count is the mean over the
timed ticks, and the range; the animals line compares evosim's creatures with Mesa's
mean over all rounds. The load average is read before and after. With no Python in
DIR, or no Mesa wolf-sheep example there: one line, exit 2.
"""
from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
from pathlib import Path

from evosim.commands.machine import load_average, machine, machine_line

MESA_VENV = Path("/work/venvs/mesa")
SIDE = 60  # Mesa's grid: 60 x 60 grass patches

EVOSIM_TIMING = """
import json, sys
from evosim.commands.bench import held_savanna, savanna_ticks_per_second
from evosim.data import SAVANNA_WORLD
from evosim.worlds import load_world
creatures, food, ticks = map(int, sys.argv[1:])
world = held_savanna(load_world(SAVANNA_WORLD), creatures, food)
rate = savanna_ticks_per_second(world, ticks)
print(json.dumps({"rate": rate, "animals": [creatures, creatures], "items": sum(k.count for k in world.foods)}))
"""

MESA_TIMING = """
import json, sys, time
from mesa.examples.advanced.wolf_sheep.agents import Sheep, Wolf
from mesa.examples.advanced.wolf_sheep.model import WolfSheep, WolfSheepScenario
side, sheep, wolves, ticks = map(int, sys.argv[1:])
model = WolfSheep(WolfSheepScenario(width=side, height=side, initial_sheep=sheep, initial_wolves=wolves, rng=0))
def animals():
    return len(model.agents_by_type[Sheep]) + len(model.agents_by_type[Wolf])
for _ in range(ticks):
    model.step()
seconds, counts = 0.0, []
for _ in range(ticks):
    counts.append(animals())
    start = time.perf_counter()
    model.step()
    seconds += time.perf_counter() - start
counts.append(animals())
print(json.dumps({"rate": ticks / seconds, "animals": [min(counts), max(counts)],
                  "mean_animals": sum(counts) / len(counts), "items": side * side}))
"""

CHECK_MESA = "import mesa, mesa.examples.advanced.wolf_sheep.model; print(mesa.__version__)"


def fail(message: str) -> None:
    """One line on standard error, exit status 2."""
    print(f"savanna_vs_mesa: {message}", file=sys.stderr)
    raise SystemExit(2)


def mesa_python(venv: Path) -> tuple[Path, str]:
    """The venv's Python and its Mesa version; exits 2 with one line when either is missing."""
    python = venv / "bin" / "python"
    if not python.exists():
        fail(f"no Mesa venv at {venv} (no {python}); make one with Python >= 3.12: "
                 f"python3.12 -m venv {venv} && {python} -m pip install 'mesa[network]==3.*'")
    done = subprocess.run([str(python), "-c", CHECK_MESA], capture_output=True, text=True)
    if done.returncode != 0:
        fail(f"{python} has no Mesa wolf-sheep example (mesa.examples.advanced.wolf_sheep); "
                 f"install it with {python} -m pip install 'mesa[network]==3.*'")
    return python, done.stdout.strip()


def timed(argv: list[str]) -> dict:
    """Run one side's timing in a fresh process and read its one JSON line."""
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
        print(f"savanna_vs_mesa: {argv[0]} failed (exit {done.returncode}): {last}", file=sys.stderr)
        raise SystemExit(1)
    return json.loads(done.stdout.strip().splitlines()[-1])


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):,.1f} (lowest {min(values):,.1f}, highest {max(values):,.1f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--mesa-venv", type=Path, default=MESA_VENV, help=f"Mesa's virtual environment "
                                                                          f"(default {MESA_VENV})")
    parser.add_argument("--rounds", type=int, default=5, help="rounds, each timing both sides once (default 5)")
    parser.add_argument("--ticks", type=int, default=300, help="ticks timed per side and round, after as many "
                                                               "untimed (default 300)")
    parser.add_argument("--creatures", type=int, default=1000, help="evosim's creatures at least (three times "
                                                                    "Mesa's mean if more); Mesa starts with a "
                                                                    "third as many animals (default 1000)")
    parser.add_argument("--food", type=int, default=3000, help="evosim's food items (default 3000)")
    args = parser.parse_args(argv)
    for name in ("rounds", "ticks", "creatures", "food"):
        if getattr(args, name) < 1 or (name == "creatures" and args.creatures < 3):
            fail(f"--{name} must be at least {3 if name == 'creatures' else 1}, got {getattr(args, name)}")
    python, version = mesa_python(args.mesa_venv)
    animals = args.creatures // 3
    sheep = round(animals * 2 / 3)
    sides = {"mesa": [str(python), "-c", MESA_TIMING, str(SIDE), str(sheep), str(animals - sheep), str(args.ticks)]}
    print(machine_line(machine()))
    print(f"load average at the start: {load_average()} (1, 5, 15 min)")
    print(f"evosim: held savanna, at least {args.creatures:,} creatures and about {args.food:,} food items; "
          f"Mesa {version}: wolf-sheep on {SIDE} x {SIDE} ({SIDE * SIDE:,} grass patches), {sheep} sheep and "
          f"{animals - sheep} wolves at the start; {args.ticks} ticks timed per side and round after {args.ticks} "
          f"untimed", flush=True)
    results: dict[str, list[dict]] = {"evosim": [], "mesa": []}
    creatures = args.creatures
    for r in range(args.rounds):
        order = ("mesa", "evosim") if r % 2 == 0 else ("evosim", "mesa")
        for side in order:
            results[side].append(timed(sides[side]))
            if "evosim" not in sides:  # after Mesa's first round: three times its mean animals at least
                creatures = max(args.creatures, math.ceil(3 * results["mesa"][0]["mean_animals"]))
                sides["evosim"] = [sys.executable, "-c", EVOSIM_TIMING, str(creatures), str(args.food),
                                   str(args.ticks)]
        e, m = results["evosim"][-1], results["mesa"][-1]
        print(f"  round {r + 1}: evosim {e['rate']:8,.1f} ticks/s ({e['animals'][0]:,} creatures)   mesa "
              f"{m['rate']:6,.1f} ticks/s ({m['mean_animals']:,.0f} animals, {m['animals'][0]}-{m['animals'][1]})"
              f"   ratio {e['rate'] / m['rate']:5.1f}   load {load_average()}", flush=True)
    ours = [e["rate"] for e in results["evosim"]]
    theirs = [m["rate"] for m in results["mesa"]]
    ratios = [a / b for a, b in zip(ours, theirs)]
    counted = [m["mean_animals"] for m in results["mesa"]]
    print(f"evosim ticks/s: {spread(ours)}, {creatures:,} creatures, "
          f"{results['evosim'][0]['items']:,} food items")
    print(f"mesa ticks/s:   {spread(theirs)}, {statistics.mean(counted):,.0f} animals on average "
          f"({min(m['animals'][0] for m in results['mesa'])}-{max(m['animals'][1] for m in results['mesa'])}), "
          f"{SIDE * SIDE:,} grass patches")
    print(f"animals: evosim {creatures / statistics.mean(counted):.2f}x Mesa's mean")
    print(f"ratio evosim/mesa per round: {spread(ratios)}; of the medians "
          f"{statistics.median(ours) / statistics.median(theirs):.1f}")
    print(f"load average at the end: {load_average()} (1, 5, 15 min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
