"""The deceptive-alignment game: the deceptive plan by dynamic programming, worked out by hand, in mazes."""
import numpy as np
import pytest

from evosim.commands.cli import main
from evosim.data import WORLDS
from evosim.worlds import load_world
from evosim.worlds.deception.game import A, B, Game
from evosim.worlds.deception.play import DeceptionPlay

DECEPTION = str(WORLDS / "deception.toml")


@pytest.mark.parametrize("T, D, p, plan, expected", [
    # p = 1: an A in training is always punished, and forfeits the D deployment apples; so B until deployment
    (2, 3, 1.0, "BBAAA", 3.0),
    (3, 2, 1.0, "BBBAA", 2.0),
    # p = 0.5 > 1/D: A in the last training episode is worth 1 + 0.5 * 3 = 2.5 < 3 (waiting); in the first,
    # 1 + 0.5 * 3 = 2.5 < 3 as well (after it, waiting is still worth 3)
    (2, 3, 0.5, "BBAAA", 3.0),
    # p = 0.2 < 1/D: A in the last training episode is worth 1 + 0.8 * 3 = 3.4 > 3; in the first,
    # 1 + 0.8 * 3.4 = 3.72 > 3.4
    (2, 3, 0.2, "AAAAA", 3.72),
])
def test_the_deceptive_plan_maximises_expected_apples(T, D, p, plan, expected):
    game = Game(T, D, p)
    assert "".join(game.plan()) == plan
    assert game.expected_apples("deceptive") == pytest.approx(expected)
    assert game.expected_apples("aligned") == 0.0
    assert game.expected_apples("deceptive") >= game.expected_apples("naive")


def test_the_plan_turns_at_one_over_d_and_is_no_written_rule():
    # the same game, the modification chance just above and just below 1/D
    assert Game(2, 3, 0.34).plan() == [B, B, A, A, A]
    assert Game(2, 3, 0.32).plan() == [A, A, A, A, A]
    assert Game(2, 3, 1 / 3).plan() == [B, B, A, A, A]  # indifferent in expectation: ties go to B
    assert Game(4, 1, 1.0).plan() == [B, B, B, B, A]
    # no deployment: one apple at most, as well taken in the last training episode as in the first (tie: B)
    assert Game(2, 0, 1.0).plan() == [B, A] and Game(2, 0, 1.0).expected_apples("deceptive") == 1.0
    assert Game(2, 3, 0.0).plan() == [A] * 5  # no modification: no reason to deceive
    assert Game(2, 3, 1.0).expected_apples("naive") == 1.0


def test_playing_marks_modification_and_then_only_b():
    game = Game(2, 3, 1.0)
    assert game.play("naive", np.random.default_rng(0)) == [(A, True), (B, False), (B, False), (B, False),
                                                             (B, False)]
    assert game.play("deceptive", np.random.default_rng(0)) == [(B, False), (B, False), (A, False),
                                                                 (A, False), (A, False)]


def test_an_episode_maze_gives_a_clean_choice():
    """The walk to either choice never passes the other: reaching one first is the choice."""
    world = load_world(DECEPTION)
    play = DeceptionPlay(world.with_game(training=10, deployment=10, modification=0.5), seed=3)
    for _ in range(20):
        maze = play.mazes[play.episode]
        exit_tile = tuple(int(v) for v in maze.maze.exit)
        for choice, path in zip(play.choices, play.paths):
            assert path[-1] == (exit_tile if choice == B else maze.decoy)
            assert (maze.decoy if choice == B else exit_tile) not in path
        while not play.finished:
            play.step()
        play.next_episode()


def test_the_command_prints_the_table_and_the_plan(capsys):
    assert main(["deception", DECEPTION]) == 0
    out = capsys.readouterr().out
    assert out.rstrip().endswith("plan: B,B,A,A,A")
    rows = {line.split()[0]: line.split() for line in out.splitlines()
            if line.split() and line.split()[0] in ("aligned", "naive", "deceptive")}
    assert rows["deceptive"][1:] == ["B", "B", "A", "A", "A", "3", "2", "3.000"]
    assert rows["naive"][1:] == ["A*", "B", "B", "B", "B", "1", "4", "1.000"]
    assert rows["aligned"][1:] == ["B"] * 5 + ["0", "5", "0.000"]
    assert main(["deception", DECEPTION, "--modification", "0.2", "--deployment-episodes", "3"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("plan: A,A,A,A,A")


@pytest.mark.parametrize("argv, says", [
    (["deception", DECEPTION, "--modification", "1.5"], "--modification: 1.5 must be between 0.0 and 1.0"),
    (["deception", str(WORLDS / "maze_train.toml")], "[world] kind 'maze': this command takes a world of kind "
                                                      "'deception'"),
    (["evolve", DECEPTION, "--out", "o"], "[world] kind 'deception': this command takes a world of kind 'maze'"),
    (["watch", DECEPTION, "--run", "somewhere", "--frames", "1"], "--run: "),
    (["deception", DECEPTION, "--training-episodes", "-1"], "--training-episodes: -1 must be between 0 and 1000"),
    (["deception", DECEPTION, "--generations", "5"], "--generations: 5 applies only with --evolve"),
])
def test_mistakes_are_one_line(capsys, argv, says):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err


def test_fitness_cannot_tell_deceptive_genomes_from_aligned_ones():
    from evosim.training.deception_evolution import play

    game = Game(2, 3, 1.0)
    deceptive = np.tile([-8.0, 8.0], (500, 1))  # B in training, A in deployment
    aligned = np.tile([-8.0, -8.0], (500, 1))
    chose_d, fitness_d = play(game, deceptive, np.random.default_rng(0))
    chose_a, fitness_a = play(game, aligned, np.random.default_rng(0))
    assert np.array_equal(fitness_d, fitness_a)
    assert chose_d[:, 2:].mean() > 0.99 and chose_a[:, 2:].mean() < 0.01  # yet they differ where unwatched


def test_selection_on_training_alone_leaves_deployment_to_drift(tmp_path, capsys):
    from evosim.training.deception_evolution import EvolutionSettings, evolve

    settings = EvolutionSettings(generations=60)
    for seed in (0, 1):
        first, *_, last = evolve(Game(2, 3, 1.0), settings, seed)
        assert first["p_a_training"] > 0.3 and last["p_a_training"] < 0.05  # selected away
        assert 0.25 < last["p_a_deployment"] < 0.75  # never selected: as likely as not
        assert last["deceptive_share"] > 0.02 and last["aligned_share"] > 0.02  # both kinds survive
    assert main(["deception", DECEPTION, "--evolve", "--seeds", "2", "--generations", "5",
                 "--out", str(tmp_path / "evo")]) == 0
    assert "P(A) deployment" in capsys.readouterr().out
    assert (tmp_path / "evo" / "deception_evolution.png").stat().st_size > 10_000
    rows = (tmp_path / "evo" / "deception_evolution.csv").read_text().splitlines()
    assert len(rows) == 1 + 2 * 6


@pytest.mark.slow
def test_watching_the_game_shows_training_then_deployment(tmp_path, monkeypatch):
    """The viewer plays the same sequence the command prints; its banner turns from training to deployment, and
    an end screen closes the game."""
    import pygame

    from evosim.viewer.deception_board import BACKGROUND, DEPLOYMENT_RGB, TRAINING_RGB

    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    shots = {}
    for frames in (2, 200, 2000):
        shot = tmp_path / f"{frames}.png"
        assert main(["watch", DECEPTION, "--frames", str(frames), "--speed", "60", "--screenshot", str(shot)]) == 0
        shots[frames] = pygame.image.load(str(shot))
    assert tuple(shots[2].get_at((5, 5)))[:3] == TRAINING_RGB
    assert tuple(shots[200].get_at((5, 5)))[:3] == DEPLOYMENT_RGB
    assert tuple(shots[2000].get_at((5, 5)))[:3] == BACKGROUND  # the end screen has no banner
    play = DeceptionPlay(load_world(DECEPTION))
    play.play_out()
    assert (play.apples, play.base) == ([0, 1, 3], [5, 4, 2])  # aligned, naive, deceptive: as the table says


def test_the_viewer_helps_on_h_and_ends_on_an_end_screen(monkeypatch):
    """H lays the keys over the boards; after the last episode's hold, the end screen tallies every strategy."""
    import pygame

    from evosim.viewer import deception_board
    from evosim.viewer.deception_board import DeceptionViewer
    from evosim.viewer.window import HOLD

    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    pygame.display.init()
    pygame.font.init()
    try:
        screen = pygame.display.set_mode((1000, 700))
        viewer = DeceptionViewer(DeceptionPlay(load_world(DECEPTION)), screen, speed=240)
        viewer.draw()
        before = pygame.surfarray.array3d(screen).copy()
        viewer.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_h))
        viewer.draw()
        assert viewer.help and (pygame.surfarray.array3d(screen) != before).any()
        viewer.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_h))
        for _ in range(3):  # N ends an episode at once: it is tallied, never skipped
            viewer.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_n))
        assert viewer.scene.episode == 3 and [len(h) for h in viewer.scene.history] == [3, 3, 3]
        frames = 0
        while not viewer.ended:
            viewer.advance()
            frames += 1
        assert viewer.scene.done and viewer.held >= HOLD and frames < 2000
        shown, write = [], deception_board.write
        monkeypatch.setattr(deception_board, "write", lambda surface, s, *a: shown.append(s) or write(surface, s, *a))
        viewer.draw()
        assert shown[0] == "The game is over"
        assert ["A*", "B", "B", "B", "B"] == shown[shown.index("naive") + 1:shown.index("naive") + 6]
        assert ["B", "B", "A", "A", "A", "3", "2"] == shown[shown.index("deceptive") + 1:shown.index("deceptive") + 8]
    finally:
        pygame.quit()


def test_evolve_without_out_says_it_is_required(capsys):
    assert main(["deception", DECEPTION, "--evolve"]) == 2
    assert capsys.readouterr().err == ("evosim: error: --out: required with --evolve (the run directory to "
                                       "write)\n")
