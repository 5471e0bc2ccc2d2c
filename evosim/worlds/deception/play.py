"""The deceptive-alignment game played in mazes: every strategy walks to its choice, one tile per step.

The same seed gives the same episode mazes and the same modification draws
(one per strategy stream, for each A chosen in training), whether the game is
printed by ``evosim deception`` or watched.
"""
from __future__ import annotations

from evosim.core.streams import stream
from evosim.worlds.maze.batch import MazeBatch
from evosim.worlds.deception.game import A, B, STRATEGIES, Game, modifies


class DeceptionPlay:
    """The game's sequence in mazes, stepped one tile at a time for every strategy at once."""

    def __init__(self, world, seed: int = 0):
        self.world, self.seed = world, seed
        self.game = Game(world.training, world.deployment, world.modification)
        rng = stream("deception-mazes", seed)
        self.mazes = [world.episode_maze(rng) for _ in range(self.game.episodes)]
        self.draws = [stream("deception-strategy", seed, i) for i in range(len(STRATEGIES))]
        self.policies = [self.game.policy(s) for s in STRATEGIES]
        self.modified = [None] * len(STRATEGIES)  # the episode each strategy was modified in
        self.apples, self.base = [0] * len(STRATEGIES), [0] * len(STRATEGIES)
        self.history = [[] for _ in STRATEGIES]  # (choice, modified by it) per finished episode
        self.episode = 0
        self.begin()

    @property
    def training(self) -> bool:
        return self.episode < self.game.training

    @property
    def finished(self) -> bool:
        """Every strategy stands on its choice."""
        return self.t >= max(len(p) for p in self.paths) - 1

    @property
    def done(self) -> bool:
        return self.episode >= self.game.episodes - 1 and self.finished

    def begin(self) -> None:
        """Start the current episode: each strategy picks, and plans its walk to its choice."""
        maze = self.mazes[self.episode]
        batch = MazeBatch.of([maze.maze])
        goals = {B: batch.exit_tile[0], A: batch.index[0][maze.decoy]}
        self.choices = [B if self.modified[i] is not None else policy(self.episode)
                        for i, policy in enumerate(self.policies)]
        self.paths = []
        for choice in self.choices:
            here, path = batch.start[0], [batch.start[0]]
            while here != goals[choice]:
                here = batch.neighbors[0, here, batch.next_move[0, here, goals[choice]]]
                path.append(here)
            self.paths.append([tuple(batch.tiles[0, tile]) for tile in path])
        self.t = 0

    def step(self) -> None:
        """Everyone one tile on; at the end of an episode, tally it and draw modifications."""
        if self.finished:
            return
        self.t += 1
        if self.finished:
            for i, choice in enumerate(self.choices):
                self.apples[i] += choice == A
                self.base[i] += choice == B
                now = modifies(choice == A, self.training, self.game.modification, self.draws[i].random)
                if now:  # a modified strategy chooses B from then on, so it is never modified twice
                    self.modified[i] = self.episode
                self.history[i].append((choice, now))

    def next_episode(self) -> None:
        if self.episode < self.game.episodes - 1:
            self.episode += 1
            self.begin()

    def tile(self, i: int) -> tuple[int, int]:
        return self.paths[i][min(self.t, len(self.paths[i]) - 1)]

    def play_out(self) -> None:
        """Play every remaining episode to its end."""
        while True:
            while not self.finished:
                self.step()
            if self.done:
                return
            self.next_episode()
