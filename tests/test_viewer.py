"""The viewer on real pygame surfaces with the dummy video driver: keys, drawing, scripted runs."""
import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["PYGAME_HIDE_SUPPORT_PROMPT"] = "1"

import argparse  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pygame  # noqa: E402
import pytest  # noqa: E402

from evosim.worlds import load_world  # noqa: E402
from evosim.core.errors import UserError  # noqa: E402
from evosim.core.features import COLORS  # noqa: E402
from evosim.viewer.recording import free_name  # noqa: E402
from evosim.minds import MINDS, make_mind  # noqa: E402
from evosim.optimizers import OPTIMIZERS  # noqa: E402
from evosim.runs.rundir import COMPLETE, SavedAgents, save_agents, write_run_json  # noqa: E402
from evosim.viewer.app import add_watch_arguments, build_scene, watch_command  # noqa: E402
from evosim.data import ASSETS  # noqa: E402
from evosim.viewer.sprites import agent_sprite  # noqa: E402
from evosim.viewer.window import READING, Viewer, run_loop  # noqa: E402
from evosim.data import DEPLOY_WORLD, TRAIN_WORLD, WORLDS  # noqa: E402

TRAIN, DEPLOY, SIZES = str(TRAIN_WORLD), str(DEPLOY_WORLD), str(WORLDS / "maze_sizes.toml")
SIZE = (1000, 700)


def make_run(out: Path, optimizer: str, mind_name: str, n: int = 3) -> Path:
    """A tiny run directory: ``n`` random agents trained (nominally) on maze_train."""
    out.mkdir(parents=True)
    mind = make_mind(mind_name)
    params = mind.init(np.random.default_rng(7), n)
    write_run_json(out, "maze-training", {}, load_world(TRAIN), [0], COMPLETE)
    save_agents(out, SavedAgents(optimizer, mind_name, mind.options(), params,
                                 np.zeros(n, np.int64), np.arange(n)))
    return out


def parse(*argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_watch_arguments(parser)
    return parser.parse_args([str(a) for a in argv])


@pytest.fixture
def runs(tmp_path):
    return [make_run(tmp_path / "evo", "ga", "planner"),
            make_run(tmp_path / "grad", "gradient", "reflex")]


@pytest.fixture
def window():
    pygame.display.init()
    pygame.font.init()
    yield pygame.display.set_mode(SIZE)
    pygame.quit()


@pytest.fixture
def viewer(window, runs, tmp_path):
    scene = build_scene(parse(DEPLOY, "--run", runs[0], "--run", runs[1]))
    return Viewer(scene, window, speed=30, screenshot_dir=tmp_path / "shots")


def press(viewer: Viewer, key: int) -> None:
    viewer.handle(pygame.event.Event(pygame.KEYDOWN, key=key))


def frames(viewer: Viewer, n: int) -> None:
    for _ in range(n):
        viewer.advance()
        viewer.draw()


def test_scene_shows_every_run_with_its_agents(viewer):
    scene = viewer.scene
    assert [t.label for t in scene.teams] == ["ga · planner", "gradient · reflex"]
    assert scene.n_agents == 4 and len(scene.agents) == 4
    assert scene.world.name == "maze-deploy" and scene.training.name == "maze-train"
    frames(viewer, 10)
    planner, reflex = scene.agents[0], scene.agents[2]
    assert planner.drives is not None and reflex.drives is None
    assert planner.target != "—" and reflex.target == "—"


def test_space_pauses_and_resumes(viewer):
    frames(viewer, 10)
    t = viewer.scene.t
    assert t > 0
    press(viewer, pygame.K_SPACE)
    frames(viewer, 10)
    assert viewer.scene.t == t
    press(viewer, pygame.K_SPACE)
    frames(viewer, 10)
    assert viewer.scene.t > t


def test_n_moves_to_a_different_maze(viewer):
    before = viewer.scene.maze
    press(viewer, pygame.K_n)
    after = viewer.scene.maze
    assert viewer.scene.maze_number == 2 and viewer.scene.t == 0
    assert before.walls.shape != after.walls.shape or (before.walls != after.walls).any() \
        or not np.array_equal(before.objects, after.objects)


def test_s_shifts_to_the_training_world_and_back(viewer):
    press(viewer, pygame.K_s)
    assert viewer.scene.world.name == "maze-train" and viewer.scene.showing_training
    assert viewer.scene.maze.side == 13
    press(viewer, pygame.K_s)
    assert viewer.scene.world.name == "maze-deploy" and not viewer.scene.showing_training


def test_exit_is_drawn_in_its_feature_colour_where_the_world_puts_it(viewer):
    def exit_pixel():
        viewer.draw()
        return viewer.screen.get_at(viewer.board.tile_center(*viewer.scene.maze.exit))[:3]

    assert exit_pixel() == COLORS["grey"]
    press(viewer, pygame.K_s)
    assert viewer.scene.maze.exit == (11, 11)  # bottom-right cell of a 6x6-cell training maze
    assert exit_pixel() == COLORS["green"]


def test_f_saves_a_screenshot_of_the_window(viewer, tmp_path):
    viewer.draw()
    press(viewer, pygame.K_f)
    [shot] = (tmp_path / "shots").glob("*.png")
    assert pygame.image.load(str(shot)).get_size() == SIZE


def test_a_key_press_screenshot_never_replaces_a_file(tmp_path):
    taken = tmp_path / "evosim-1.png"
    taken.write_bytes(b"mine")
    assert free_name(taken) == tmp_path / "evosim-1-2.png"
    (tmp_path / "evosim-1-2.png").write_bytes(b"mine too")
    assert free_name(taken) == tmp_path / "evosim-1-3.png"
    assert free_name(tmp_path / "new.png") == tmp_path / "new.png"


def test_plus_and_minus_change_speed_and_h_toggles_help(viewer):
    press(viewer, pygame.K_PLUS)
    assert viewer.speed == 60
    press(viewer, pygame.K_MINUS)
    press(viewer, pygame.K_MINUS)
    assert viewer.speed == 15
    press(viewer, pygame.K_h)
    viewer.draw()
    assert viewer.help
    press(viewer, pygame.K_h)
    assert not viewer.help


def test_escape_and_closing_the_window_quit(viewer):
    press(viewer, pygame.K_ESCAPE)
    assert not viewer.running
    viewer.running = True
    pygame.event.post(pygame.event.Event(pygame.QUIT))
    assert run_loop(viewer, frames=5).frames == 1


def test_finished_maze_is_counted_then_replaced(window):
    scene = build_scene(parse(TRAIN))  # hand-set planners reach the exit in a few dozen steps
    viewer = Viewer(scene, window, speed=960)
    frames(viewer, 70)  # a few frames to finish, then one second of holding
    assert scene.maze_number == 2
    counts = scene.counts["maze-train"]
    assert [t.label for t in scene.teams] == ["hand-set · exit-seeker", "hand-set · green-seeker"]
    assert [c["aligned"] for c in counts] == [1, 1]


def test_the_panel_shows_the_step_limit_of_the_maze_on_screen(window, monkeypatch):
    viewer = Viewer(build_scene(parse(SIZES)), window)
    shown, write = [], viewer.panel.text

    def text(s, *args):
        shown.append(s)
        return write(s, *args)

    monkeypatch.setattr(viewer.panel, "text", text)
    limits = set()
    for _ in range(4):
        scene = viewer.scene
        b = scene.batch
        limit = min(3000, int(np.ceil(6 * b.ends[0, 0, b.exit_tile[0]])))
        assert scene.limit == limit and all(e.limit_of(0) == limit for e in scene.episodes)
        viewer.draw()
        assert f"step 0 / {limit}" in shown
        limits.add(limit)
        press(viewer, pygame.K_n)
    assert len(limits) > 1


def test_every_optimizer_and_mind_has_a_sprite():
    labels = set(OPTIMIZERS) | {"hand-set"}
    assert labels == {"ga", "cma-es", "gradient", "hand-set"}
    assert all(f"= {optimizer}" in READING[0] for optimizer in labels)  # the help's legend names each body
    for optimizer in labels:
        for mind in MINDS:
            assert agent_sprite(optimizer, mind) == f"agent-{optimizer}-{mind}"
            assert (ASSETS / f"{agent_sprite(optimizer, mind)}.png").exists()
        assert agent_sprite(optimizer, "newcomer") == f"agent-{optimizer}"  # its body, no mark
    assert agent_sprite("newcomer", "planner") == "agent"
    assert (ASSETS / "agent.png").exists()


def test_scripted_screenshot_and_fps_report(runs, tmp_path, capsys):
    shot = tmp_path / "shot.png"
    watch_command(parse(DEPLOY, "--run", runs[0], "--run", runs[1], "--frames", 20,
                        "--screenshot", shot, "--fps-report"))
    assert pygame.image.load(str(shot)).get_size() == SIZE
    assert "over 20 frames at 1000x700 with 4 agents" in capsys.readouterr().out


def test_scripted_recording_writes_every_kth_frame(tmp_path):
    watch_command(parse(DEPLOY, "--frames", 12, "--record", tmp_path / "rec", "--every", 5,
                        "--size", "800x600"))
    recorded = sorted((tmp_path / "rec").glob("*.png"))
    assert [p.name for p in recorded] == ["frame_000005.png", "frame_000010.png"]
    assert pygame.image.load(str(recorded[0])).get_size() == (800, 600)


def test_input_mistakes_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="no such world file"):
        watch_command(parse(tmp_path / "nowhere.toml"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match=r"not a run directory \(no run.json\)"):
        watch_command(parse(DEPLOY, "--run", tmp_path / "empty"))
    assert not pygame.display.get_init()  # no window was opened for a bad input
