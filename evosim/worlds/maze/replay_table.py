"""The ``[replay]`` table of a maze world: how prioritized level replay (``--source plr``) and its editing
variant (``--source accel``) keep, replay and edit training mazes."""
from __future__ import annotations

from dataclasses import dataclass

from evosim.worlds.table import Table


@dataclass(frozen=True)
class ReplaySpec:
    """Each seed keeps a buffer of the highest-regret mazes it met; once the buffer is full, a share of every
    step's mazes is replayed from it (by regret rank, with a pull towards mazes not played for long) and,
    under accel, a share are small edits of buffer mazes."""

    buffer: int = 64  # mazes kept per seed
    share: float = 0.5  # of each step's training mazes replayed once the buffer is full
    temperature: float = 0.1  # replay weight of the maze ranked r: (1/r)^(1/temperature)
    staleness: float = 0.3  # how much of the replay distribution goes by steps since a maze was last played
    edited: float = 0.25  # accel: share of each step's mazes that are edits of buffer mazes
    edits: int = 2  # accel: edits that make one child maze

    @classmethod
    def parse(cls, t: Table) -> "ReplaySpec":
        default = cls()
        spec = cls(t.get("buffer", int, default.buffer, least=2, most=100_000),
                   t.number("share", 0.0, 1.0, default.share),
                   t.number("temperature", 0.01, 10.0, default.temperature),
                   t.number("staleness", 0.0, 1.0, default.staleness),
                   t.number("edited", 0.0, 1.0, default.edited),
                   t.get("edits", int, default.edits, least=1, most=100))
        t.done()
        if spec.share + spec.edited > 1.0:
            t.fail("edited", f"{spec.edited:g} with share {spec.share:g} is more than every maze of a step")
        return spec

    def counts(self, per_step: int, editing: bool) -> tuple[int, int]:
        """How many of a step's ``per_step`` mazes are replayed and how many edited (halves round up)."""
        replayed = int(self.share * per_step + 0.5)
        edited = min(int(self.edited * per_step + 0.5), per_step - replayed) if editing else 0
        return replayed, edited
