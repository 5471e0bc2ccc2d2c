"""The savanna ecology study (``evosim ecology WORLD --out DIR``): creatures live, eat, breed and die.

The run trains the trained species (seconds), then ticks the ecology, recording
the tidy tables of :mod:`evosim.worlds.savanna.logs` every ``--log-every`` ticks
and saving the whole state (creatures, food, counters, random streams, the rows
so far) to ``RUN/checkpoints/seed-N.npz`` every ``--checkpoint-every`` ticks, so
that ``evosim resume RUN`` writes the same bytes as a run never interrupted.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from evosim.core.expect import Expect
from evosim.core import limits
from evosim.core.settings import Settings, setting
from evosim.runs import rundir
from evosim.runs.checkpoint import run_steps
from evosim.runs.memory import ROW_BYTES, require_memory
from evosim.studies import register_study
from evosim.studies.base import Study
from evosim.training.savanna_species import new_ecology
from evosim.worlds import load_world
from evosim.worlds.savanna.logs import TABLES, EcologyLog
from evosim.worlds.savanna.simulation import Ecology
from evosim.worlds.savanna.world import SPECIES, SavannaWorld

COMMAND = "ecology"


@dataclass(frozen=True)
class EcologySettings(Settings):
    """Settings of ``evosim ecology``."""

    ticks: int = setting(20_000, "ticks to simulate", least=1, most=limits.TICKS)
    seed: int = setting(0, "seed of the arena, the creatures and the trained species", least=0,
                        most=limits.SEED)
    log_every: int = setting(50, "ticks between records of the tables", least=1)
    checkpoint_every: int = setting(1000, "ticks between checkpoints ('evosim resume RUN' continues from the last)",
                                    least=1)

BYTES_PER_CREATURE_KIND = 80  # a tick's distances, slots, values and choices of one creature for one food kind
BYTES_PER_ITEM = 100  # an item's place, kind and state, and its share of the search tree


class Ticks:
    """An ecology and its tables as steps of one tick, for the checkpointed loop."""

    def __init__(self, world, settings: EcologySettings):
        self.world, self.settings = world, settings
        self.ecology, self.log = new_ecology(world, settings.seed), EcologyLog()
        self.log.record(self.ecology)
        self.postfix: dict = {}

    @property
    def position(self) -> int:
        return self.ecology.tick

    @property
    def done(self) -> bool:
        return self.ecology.tick >= self.settings.ticks

    def step(self) -> None:
        self.ecology.step()
        if self.ecology.tick % self.settings.log_every == 0 or self.done:
            self.log.record(self.ecology)

    def state(self) -> tuple[dict, dict]:
        arrays, doc = self.ecology.state()
        return arrays, doc | {"tables": self.log.tables}

    def spec(self) -> dict:
        return self.ecology.spec() | {"tick": Expect("i", None, 0, self.settings.ticks)}

    def restore(self, arrays: dict, doc: dict) -> None:
        self.ecology = Ecology.restore(self.world, self.settings.seed, arrays, doc)
        self.log = EcologyLog(doc["tables"])


@register_study
@dataclass(frozen=True)
class SavannaEcology(Study):
    """A savanna run: its world, the file's text and its settings."""

    kind = "ecology"
    description = "creatures live, eat, reproduce and die in a savanna; the shift adds candy (evosim ecology)"

    world: object
    settings: EcologySettings

    @property
    def seeds(self) -> list[int]:
        return [self.settings.seed]

    def check(self, cluster) -> None:
        """Refuse an ecology whose ticks (every creature weighs every food kind) or tables would not fit."""
        world, s = self.world, self.settings
        kinds, items, cap = len(world.foods), sum(k.count for k in world.foods), world.life.cap
        tick = cap * kinds * BYTES_PER_CREATURE_KIND + items * BYTES_PER_ITEM
        records = s.ticks // s.log_every + 1
        rows = records * len(SPECIES) * (1 + kinds + world.feature_matrix().shape[1])
        require_memory(tick + rows * ROW_BYTES, f"--ticks {s.ticks:,}, --log-every {s.log_every} and "
                       f"{world.path}'s creatures.cap {cap:,}, {kinds} food kinds and {items:,} items:",
                       f"{records:,} records of {rows // records:,} rows each, ticks of {cap:,} creatures x "
                       f"{kinds} kinds,")

    def to_doc(self) -> dict:
        return {COMMAND: asdict(self.settings)}

    @classmethod
    def from_run(cls, doc: dict, world) -> "SavannaEcology":
        return cls(world, EcologySettings(**doc["settings"][COMMAND]))

    def checkpoint_names(self) -> list[str]:
        return [f"seed-{self.settings.seed}.npz"]

    def execute(self, run: Path, client) -> dict:
        """Tick from the checkpoint (or tick 0) to the end; write the tables; the last rows of each species."""
        from tqdm import tqdm

        path = run / rundir.CHECKPOINTS / self.checkpoint_names()[0]
        with tqdm(total=self.settings.ticks, desc=f"savanna seed {self.settings.seed}", unit="tick",
                  disable=None) as bar:
            ticks = run_steps(Ticks(self.world, self.settings), path, self.settings.checkpoint_every, bar)
        for table in TABLES:
            rundir.write_table(run, table, ticks.log.tables[table])
        return {s: [r for r in ticks.log.tables["population"] if r["species"] == s][-1] for s in SPECIES}

    def describe(self, final: dict, run: Path) -> str:
        species = ", ".join(f"{s} {r['population']} (alignment {r['alignment']:.2f})" for s, r in final.items())
        return f"ecology: seed {self.settings.seed}, {self.settings.ticks:,} ticks; at the end {species}; run in {run}"


def ecology_study(path, settings: EcologySettings) -> SavannaEcology:
    """The ecology ``evosim ecology WORLD`` (and :func:`evosim.api.ecology`) runs: the savanna world file at ``path``
    with the settings."""
    return SavannaEcology(load_world(path, (SavannaWorld.kind,)), settings)
