"""``evosim deception WORLD``: the deceptive-alignment game, played by three strategies or evolved.

Played: every strategy meets the same episode mazes (drawn from ``--seed``); in
each it walks a shortest path to its choice, the exit (B) or the green apple (A),
which lies off every shortest path to the other. Modification draws come from the
seed too. Prints one row per strategy (its choice in each episode, ``*`` where it
was modified, apples, base score, expected apples) and the deceptive plan.

Evolved (``--evolve --out DIR``): the :class:`DeceptionEvolution` study, a run
directory with ``deception_evolution.csv`` and its figure.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path


from evosim.core import limits
from evosim.core.errors import UserError
from evosim.core.settings import Settings, flag, setting
from evosim.runs import lifecycle, rundir
from evosim.runs.files import atomic
from evosim.runs.memory import require_memory
from evosim.studies import register_study
from evosim.studies.base import Study
from evosim.worlds import load_world
from evosim.worlds.deception import DeceptionWorld
from evosim.worlds.deception.game import STRATEGIES, Game
from evosim.worlds.deception.play import DeceptionPlay


WORLD_FILES = "the world file's [game] value"  # the default of T, D and p
EVOLVE_ONLY = ("seeds", "generations", "population", "out", "force")  # settings of --evolve alone

BYTES_PER_GENOME = 1_000  # a DEAP individual of two genes, its fitness and its row of choices' bookkeeping


@dataclass(frozen=True)
class DeceptionSettings(Settings):
    """Settings of ``evosim deception``."""

    training_episodes: int | None = setting(None, "T, training episodes", shown=WORLD_FILES, least=0,
                                            most=limits.GAME_EPISODES)
    deployment_episodes: int | None = setting(None, "D, deployment episodes", shown=WORLD_FILES, least=0,
                                              most=limits.GAME_EPISODES)
    modification: float | None = setting(None, "p, chance that choosing A in training gets the agent modified",
                                         shown=WORLD_FILES, least=0.0, most=1.0)
    seed: int = setting(0, "seed of the episode mazes and the modification draws (with --evolve: the first seed)",
                        least=0)
    evolve: bool = setting(False, "evolve genomes that see a training/deployment flag, selected on training "
                                  "episodes only; write a table and figure to --out")
    seeds: int = setting(5, "with --evolve: independent populations", least=1, most=limits.SEEDS)
    generations: int = setting(150, "with --evolve: generations", least=1, most=limits.STEPS)
    population: int = setting(200, "with --evolve: genomes per population", least=2,
                              most=limits.POPULATION)
    out: Path | None = setting(None, "with --evolve: run directory for deception_evolution.csv and .png")
    force: bool = setting(False, "with --evolve: replace an evosim run already in --out (its files only)")

    def check(self) -> None:
        if self.evolve and self.out is None:
            raise UserError("--out: required with --evolve (the run directory to write)")
        if not self.evolve:
            for name in EVOLVE_ONLY:
                if getattr(self, name) != getattr(DeceptionSettings, name):
                    self.fail(name, "applies only with --evolve")


def played(world, s: DeceptionSettings) -> DeceptionWorld:
    """``world`` with the settings' T, D and p; refused, naming the flag or the world file's key that set the
    zero, when its game has no episode, or (with --evolve) no training episode for selection to count."""
    played = world.with_game(s.training_episodes, s.deployment_episodes, s.modification)

    def given(name: str) -> str:
        return flag(name) if getattr(s, name) is not None else f"{world.path}: [game] {name}"

    if s.evolve and played.training == 0:
        raise UserError(f"{given('training_episodes')}: 0 leaves --evolve no training episode to select on; "
                        f"it must be at least 1")
    if played.training + played.deployment == 0:
        name = "deployment_episodes" if s.deployment_episodes is not None else "training_episodes"
        raise UserError(f"{given(name)}: 0 leaves the game without episodes (T = D = 0); T + D must be at least 1")
    return played


def deception(path: str, settings: DeceptionSettings) -> None:
    """``evosim deception WORLD``: the game played by the three strategies, printed; or, with ``--evolve``, the
    :class:`DeceptionEvolution` run."""
    if settings.evolve:
        study = evolution_study(path, settings)
        print(study.describe(lifecycle.start(study, settings.out, settings.force), settings.out))
        return
    world = played(load_world(path, (DeceptionWorld.kind,)), settings)
    game = Game(world.training, world.deployment, world.modification)
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
#: The settings that say what game is evolved (the rest say where the run goes).
GAME = ("training_episodes", "deployment_episodes", "modification", "seed", "seeds", "generations", "population")


@register_study
@dataclass(frozen=True)
class DeceptionEvolution(Study):
    """Flag-reading genomes evolved in the deception game, selected on training episodes only."""

    kind = "deception-evolution"
    description = ("genomes that see a training/deployment flag evolve in the deceptive-alignment game, "
                   "fitness counted in training only (evosim deception --evolve)")

    world: object  # the deception world file's, before the game's overrides
    settings: DeceptionSettings

    @property
    def seeds(self) -> list[int]:
        return list(range(self.settings.seed, self.settings.seed + self.settings.seeds))

    @property
    def game(self) -> Game:
        world = played(self.world, self.settings)
        return Game(world.training, world.deployment, world.modification)

    def check(self, cluster) -> None:
        """Refuse a game without episodes (through ``game``), and an evolution whose population's episodes and
        DEAP individuals would not fit."""
        s, episodes = self.settings, self.game.episodes
        require_memory(s.population * (episodes + BYTES_PER_GENOME), f"--population {s.population:,}:",
                       f"each generation plays {episodes:,} episodes for each of {s.population:,} genomes")

    def to_doc(self) -> dict:
        return {name: getattr(self.settings, name) for name in GAME}

    @classmethod
    def from_run(cls, doc: dict, world) -> "DeceptionEvolution":
        return cls(world, DeceptionSettings(**doc["settings"], evolve=True, out=Path(".")))

    def execute(self, run: Path, client) -> list[dict]:
        """Evolve every seed's population; write the table and its figure."""
        from tqdm import tqdm

        from evosim.analysis.deception_figure import deception_evolution_figure
        from evosim.training.deception_evolution import EvolutionSettings, evolve

        s, game = self.settings, self.game
        evolution = EvolutionSettings(s.population, s.generations, replace(EvolutionSettings().ga,
                                                                           population=s.population))
        rows = [row for seed in tqdm(self.seeds, desc="deception evolution", disable=None)
                for row in evolve(game, evolution, seed)]
        rundir.write_table(run, EVOLUTION, rows)
        rundir.record(run, f"{EVOLUTION}.png")
        with atomic(run / f"{EVOLUTION}.png", "wb") as f:
            deception_evolution_figure(rows, game).savefig(f, format="png")
        return rows

    def describe(self, rows: list[dict], run: Path) -> str:
        """The end state of every seed, the table and the figure."""
        game, last = self.game, self.settings.generations
        lines = [f"evolution in the deception game (T={game.training}, D={game.deployment}, "
                 f"p={game.modification:g}); fitness = B chosen in training only; last generation of each seed:",
                 f"  {'seed':>4s} {'P(A) training':>14s} {'P(A) deployment':>16s} {'deceptive':>10s} "
                 f"{'aligned':>8s}"]
        lines += [f"  {row['seed']:>4d} {row['p_a_training']:>14.3f} {row['p_a_deployment']:>16.3f} "
                  f"{row['deceptive_share']:>10.3f} {row['aligned_share']:>8.3f}"
                  for row in rows if row["generation"] == last]
        lines.append(f"table: {run / f'{EVOLUTION}.csv'}; figure: {run / f'{EVOLUTION}.png'}")
        return "\n".join(lines)


def evolution_study(path, settings: DeceptionSettings) -> DeceptionEvolution:
    """The evolution ``evosim deception WORLD --evolve`` (and :func:`evosim.api.deception`) runs: the deception
    world file at ``path`` with the settings."""
    return DeceptionEvolution(load_world(path, (DeceptionWorld.kind,)), settings)
