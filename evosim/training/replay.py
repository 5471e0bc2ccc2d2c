"""Training worlds chosen by exact regret: prioritized level replay (``--source plr``) and ACCEL
(``--source accel``), world sources beside the world file and the adversary.

Each seed keeps a buffer of the highest-regret mazes its agents met (a maze's regret is exact:
:meth:`MazeWorld.regret <evosim.worlds.maze.world.MazeWorld.regret>`), each with the step it was last played.
Until the buffer is full every maze is drawn from the world file. Then each step replays a share of its mazes
from the buffer, drawn without replacement with probability ``(1 - staleness) * P_rank + staleness *
P_stale``: ``P_rank`` weighs the maze of regret rank r by ``(1/r)^(1/temperature)``, ``P_stale`` by the steps
since it was last played (Jiang et al., 2021). Under accel a further share are children of buffer mazes drawn
the same way, each a few small edits (:mod:`evosim.worlds.maze.edits`) from its parent, kept only if their
regret exceeds the parent's (Parker-Holder et al., 2022). A new maze takes the place of a full buffer's
lowest-regret maze when its regret is higher. Replay draws and edits come from the seed's own stream, so a
seed's run is the same in process and on a Dask worker; buffers, regrets and streams join the checkpoint.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from evosim.core.expect import Expect
from evosim.core.features import COLOR_NAMES, CORNERS
from evosim.core.streams import set_stream_state, stream, stream_state
from evosim.training.sources import WorldFile, WorldScores
from evosim.worlds.maze.edits import edit
from evosim.worlds.maze.generator import region_tile
from evosim.worlds.maze.graph import Maze


@dataclass
class Level:
    """A maze in a seed's buffer: its last regret, the step it was last played, and its id in the seed's
    replay table."""

    maze: Maze
    regret: float
    last: int
    id: int


@dataclass
class Buffer:
    """One seed's buffer of high-regret mazes and the stream of its replay draws and edits."""

    capacity: int
    rng: np.random.Generator
    levels: list[Level] = field(default_factory=list)
    next_id: int = 0  # the id the next new maze gets, kept or not

    @property
    def full(self) -> bool:
        return len(self.levels) == self.capacity

    def draw(self, k: int, step: int, temperature: float, staleness: float) -> list[Level]:
        """``k`` distinct levels by regret rank and staleness."""
        regret = np.array([level.regret for level in self.levels])
        rank = np.empty(len(regret))
        rank[np.argsort(-regret, kind="stable")] = np.arange(1, len(regret) + 1)
        by_rank = (1.0 / rank) ** (1.0 / temperature)
        stale = step - np.array([level.last for level in self.levels], float)
        by_age = stale / stale.sum() if stale.sum() > 0 else np.full(len(stale), 1.0 / len(stale))
        p = (1.0 - staleness) * by_rank / by_rank.sum() + staleness * by_age
        return [self.levels[i] for i in self.rng.choice(len(self.levels), size=k, replace=False, p=p / p.sum())]

    def admit(self, maze: Maze, regret: float, step: int, above: float = -np.inf) -> tuple[int, bool]:
        """A new maze's id, and whether it joined the buffer: when its regret exceeds ``above`` and the buffer
        has room, or in place of the lowest-regret level if its regret is higher."""
        level = Level(maze, regret, step, self.next_id)
        self.next_id += 1
        if regret <= above:
            return level.id, False
        if not self.full:
            self.levels.append(level)
            return level.id, True
        low = int(np.argmin([lv.regret for lv in self.levels]))
        if regret <= self.levels[low].regret:
            return level.id, False
        self.levels[low] = level
        return level.id, True


@dataclass(frozen=True)
class Planned:
    """One maze of a step as the source chose it: drawn from the file, replayed, or an edited child."""

    origin: str  # "drawn", "replayed" or "edited"
    maze: Maze
    level: Level | None = None  # the replayed level, or the edited maze's parent
    edits: str = ""  # the edits that made a child, joined by "+"


class LevelReplay(WorldFile):
    """A world source that replays each seed's highest-regret mazes (plr), and under ``editing`` edits them
    (accel); rows of replay.csv say where each step's mazes came from and what regret they had."""

    table = "replay"

    def __init__(self, world, seeds: list[int], mazes: int, editing: bool):
        super().__init__(world)
        self.replay = world.replay
        self.replayed, self.edited = self.replay.counts(mazes, editing)
        self.buffers = [Buffer(self.replay.buffer, stream("replay", seed)) for seed in seeds]
        self.planned: list[list[Planned]] = [[] for _ in seeds]
        self.proxy_color = COLOR_NAMES.index(world.exit.color) if world.exit.color in COLOR_NAMES else -1

    def sample(self, step: int, index: int, rng: np.random.Generator, n: int) -> list:
        buffer, spec = self.buffers[index], self.replay
        replayed, edited = (self.replayed, self.edited) if buffer.full else (0, 0)
        planned = [Planned("drawn", m) for m in super().sample(step, index, rng, n - replayed - edited)]
        chosen = buffer.draw(replayed + edited, step, spec.temperature, spec.staleness) if replayed + edited else []
        planned += [Planned("replayed", level.maze, level) for level in chosen[:replayed]]
        for parent in chosen[replayed:]:
            maze, kinds = parent.maze, []
            for _ in range(spec.edits):
                maze, kind = edit(maze, buffer.rng)
                kinds.append(kind)
            planned.append(Planned("edited", maze, parent, "+".join(kinds)))
        self.planned[index] = planned
        return [p.maze for p in planned]

    def tell(self, step: int, index: int, scores: WorldScores) -> list[dict]:
        buffer, planned = self.buffers[index], self.planned[index]
        regrets, exits = scores.regret[index], scores.exit_rate[index]
        above = [p.level.regret if p.origin == "edited" else -np.inf for p in planned]  # parents' before updates
        for p, regret in zip(planned, regrets):  # replayed levels take their new regret before new mazes compete
            if p.origin == "replayed":
                p.level.regret, p.level.last = float(regret), step
        rows = []
        for p, regret, exit_rate, bar in zip(planned, regrets, exits, above):
            level, kept = (p.level.id, True) if p.origin == "replayed" else buffer.admit(p.maze, float(regret),
                                                                                          step, bar)
            rows.append({"origin": p.origin, "level": level, "parent": p.level.id if p.origin == "edited" else -1,
                         "edits": p.edits, "regret": float(regret), "exit_rate": float(exit_rate), "kept": kept}
                        | self.features(p.maze))
        return rows

    def features(self, maze: Maze) -> dict:
        """What a maze is, as the replay table shows it: the exit's colour and corner, its apples, and how
        many of them wear the training exit's colour."""
        corners = {region_tile(c, maze.side): c for c in CORNERS}
        apples = maze.objects[1:]
        return {"exit_color": COLOR_NAMES[int(maze.objects[0, 2])], "exit_position": corners.get(maze.exit, "inside"),
                "apples": len(apples), "proxy_colored": int((apples[:, 2] == self.proxy_color).sum())}

    def state(self) -> tuple[dict, dict]:
        arrays, docs = {}, []
        for i, buffer in enumerate(self.buffers):
            levels = buffer.levels
            side = max([lv.maze.side for lv in levels], default=0)
            count = max([len(lv.maze.objects) for lv in levels], default=0)
            walls = np.ones((len(levels), side, side), bool)
            objects = np.full((len(levels), count, 4), -1, np.int64)
            for k, lv in enumerate(levels):
                walls[k, :lv.maze.side, :lv.maze.side] = lv.maze.walls
                objects[k, :len(lv.maze.objects)] = lv.maze.objects
            arrays |= {f"{i}.walls": walls, f"{i}.objects": objects,
                       f"{i}.sides": np.array([lv.maze.side for lv in levels], np.int64),
                       f"{i}.starts": np.array([lv.maze.start for lv in levels], np.int64).reshape(-1, 2),
                       f"{i}.regret": np.array([lv.regret for lv in levels], float),
                       f"{i}.last": np.array([lv.last for lv in levels], np.int64),
                       f"{i}.ids": np.array([lv.id for lv in levels], np.int64)}
            docs.append({"next_id": buffer.next_id, "rng": stream_state(buffer.rng)})
        return arrays, {"buffers": docs}

    def spec(self) -> dict[str, Expect]:
        spec = {}
        for i in range(len(self.buffers)):
            levels, side = f"levels of seed {i}", f"maze side of seed {i}"
            spec |= {f"{i}.walls": Expect("b", (levels, side, side)),
                     f"{i}.objects": Expect("i", (levels, f"objects of seed {i}", 4), least=-1),
                     f"{i}.sides": Expect("i", (levels,), least=3), f"{i}.starts": Expect("i", (levels, 2), least=0),
                     f"{i}.regret": Expect("f", (levels,)), f"{i}.last": Expect("i", (levels,), least=0),
                     f"{i}.ids": Expect("i", (levels,), least=0),
                     f"buffers.{i}.next_id": Expect("i", None, 0)}
        return spec

    def restore(self, arrays: dict, doc: dict) -> None:
        for i, (buffer, saved) in enumerate(zip(self.buffers, doc["buffers"])):
            buffer.levels = []
            for k, side in enumerate(arrays[f"{i}.sides"]):
                objects = arrays[f"{i}.objects"][k]
                maze = Maze(arrays[f"{i}.walls"][k, :side, :side].copy(), tuple(int(v) for v in arrays[f"{i}.starts"][k]),
                            objects[objects[:, 0] >= 0].copy())
                buffer.levels.append(Level(maze, float(arrays[f"{i}.regret"][k]), int(arrays[f"{i}.last"][k]),
                                           int(arrays[f"{i}.ids"][k])))
            buffer.next_id = saved["next_id"]
            set_stream_state(buffer.rng, saved["rng"])
