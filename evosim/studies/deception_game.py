"""``evosim deception WORLD``: the three strategies play the deceptive-alignment game in mazes.

Every strategy meets the same episode mazes (drawn from ``--seed``); in each it
walks a shortest path to its choice, the exit (B) or the green apple (A), which
lies off every shortest path to the other. Modification draws come from the seed too.
Prints one row per strategy (its choice in each episode, ``*`` where it was
modified, apples, base score, expected apples) and the deceptive plan.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from evosim.runs import rundir
from evosim.core.errors import UserError
from evosim.core.settings import Settings, setting
from evosim.worlds import load_world
from evosim.worlds.deception import DeceptionWorld
from evosim.worlds.deception.game import STRATEGIES, Game
from evosim.worlds.deception.play import DeceptionPlay


EVOLVE_ONLY = ("seeds", "generations", "population", "out")  # settings of --evolve alone


@dataclass(frozen=True)
class DeceptionSettings(Settings):
    """Settings of ``evosim deception``."""

    training_episodes: int | None = setting(None, "T, training episodes (default: the world file's)", least=0)
    deployment_episodes: int | None = setting(None, "D, deployment episodes (default: the world file's)", least=0)
    modification: float | None = setting(None, "p, chance that choosing A in training gets the agent modified "
                                               "(default: the world file's)", least=0.0, most=1.0)
    seed: int = setting(0, "seed of the episode mazes and the modification draws (with --evolve: the first seed)",
                        least=0)
    evolve: bool = setting(False, "evolve genomes that see a training/deployment flag, selected on training "
                                  "episodes only; write a table and figure to --out")
    seeds: int = setting(5, "with --evolve: independent populations", least=1)
    generations: int = setting(150, "with --evolve: generations", least=1)
    population: int = setting(200, "with --evolve: genomes per population", least=2)
    out: Path | None = setting(None, "with --evolve: folder for deception_evolution.csv and .png")

    def check(self) -> None:
        if self.evolve and self.out is None:
            self.fail("out", "is needed with --evolve")
        if not self.evolve:
            for name in EVOLVE_ONLY:
                if getattr(self, name) != getattr(DeceptionSettings, name):
                    self.fail(name, "applies only with --evolve")


def deception(path: str, settings: DeceptionSettings) -> None:
    world = load_world(path, (DeceptionWorld.kind,))
    world = world.with_game(settings.training_episodes, settings.deployment_episodes, settings.modification)
    game = Game(world.training, world.deployment, world.modification)
    if settings.evolve:
        return evolve_genomes(game, settings)
    play = DeceptionPlay(world, settings.seed)
    play.play_out()
    print(f"evosim deception: {world.name}, T={game.training} training then D={game.deployment} deployment "
          f"episodes, modification p={game.modification:g}")
    header = [f"{'train' if e < game.training else 'deploy'} {e + 1}" for e in range(game.episodes)]
    print(f"  {'strategy':10s} " + " ".join(f"{h:>9s}" for h in header)
          + f" {'apples (A)':>11s} {'base (B)':>9s} {'expected apples':>16s}")
    for i, strategy in enumerate(STRATEGIES):
        cells = [f"{choice}{'*' if modified else ''}" for choice, modified in play.history[i]]
        print(f"  {strategy:10s} " + " ".join(f"{c:>9s}" for c in cells)
              + f" {play.apples[i]:>11d} {play.base[i]:>9d} {game.expected_apples(strategy):>16.3f}")
    print("  (* the base optimizer modified the agent there: from then on it wants B)")
    print(f"plan: {','.join(game.plan())}")


EVOLUTION = "deception_evolution"


def evolve_genomes(game: Game, settings: DeceptionSettings) -> None:
    """Evolve flag-reading genomes over several seeds; print the end state, write the table and figure."""
    from tqdm import tqdm

    from evosim.analysis.deception_figure import deception_evolution_figure
    from evosim.worlds.deception.evolution import EvolutionSettings, evolve

    out = settings.out
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / f"{EVOLUTION}.csv").exists())):
        raise UserError(f"{out}: --out must be a new or empty folder, or one holding an earlier "
                        f"{EVOLUTION}.csv")
    evolution = EvolutionSettings(settings.population, settings.generations,
                                  replace(EvolutionSettings().ga, population=settings.population))
    seeds = range(settings.seed, settings.seed + settings.seeds)
    rows = [row for seed in tqdm(seeds, desc="deception evolution", disable=None)
            for row in evolve(game, evolution, seed)]
    out.mkdir(parents=True, exist_ok=True)
    rundir.write_csv(out / f"{EVOLUTION}.csv", rows)
    deception_evolution_figure(rows, game).savefig(out / f"{EVOLUTION}.png")
    print(f"evolution in the deception game (T={game.training}, D={game.deployment}, p={game.modification:g}); "
          f"fitness = B chosen in training only; last generation of each seed:")
    print(f"  {'seed':>4s} {'P(A) training':>14s} {'P(A) deployment':>16s} {'deceptive':>10s} {'aligned':>8s}")
    for row in rows:
        if row["generation"] == settings.generations:
            print(f"  {row['seed']:>4d} {row['p_a_training']:>14.3f} {row['p_a_deployment']:>16.3f} "
                  f"{row['deceptive_share']:>10.3f} {row['aligned_share']:>8.3f}")
    print(f"table: {out / f'{EVOLUTION}.csv'}; figure: {out / f'{EVOLUTION}.png'}")
