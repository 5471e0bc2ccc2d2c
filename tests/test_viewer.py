"""The viewer on real pygame surfaces with the dummy video driver: keys, drawing, scripted runs."""
import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["PYGAME_HIDE_SUPPORT_PROMPT"] = "1"

import argparse  # noqa: E402
import re  # noqa: E402
from collections import Counter  # noqa: E402
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
from evosim.viewer.window import Viewer, run_loop  # noqa: E402
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


def test_f_saves_a_screenshot_of_the_window_and_says_so_above_the_keys(viewer, tmp_path, monkeypatch):
    viewer.draw()
    press(viewer, pygame.K_f)
    [shot] = (tmp_path / "shots").glob("*.png")
    assert pygame.image.load(str(shot)).get_size() == SIZE
    shown = texts_of(monkeypatch)
    viewer.draw()
    assert f"saved {shot.name}" in shown and any("watched world" in s for s in shown)  # the header keeps its words


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
    frames(viewer, 5)  # a few frames to finish: counted as soon as it is
    assert scene.maze_number == 1 and scene.done and scene.mazes_seen["maze-train"] == 1
    assert [c["aligned"] for c in scene.counts["maze-train"]] == [1, 1]
    frames(viewer, 65)  # one second of holding, then the next maze
    assert scene.maze_number == 2
    assert [t.label for t in scene.teams] == ["hand-set · exit-seeker", "hand-set · green-seeker"]


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
    assert labels == {"ga", "cma-es", "gradient", "openai-es", "hand-set"}
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


# -- legibility: fixed arm colours, full labels, the exit in sight, counts of finished mazes, help ---------------

def texts_of(monkeypatch) -> list[str]:
    """Every string the viewers write on a surface from now on."""
    from evosim.viewer import text

    shown, write = [], text.write

    def recording(surface, s, *args):
        shown.append(s)
        return write(surface, s, *args)

    for module in ("text", "panel", "savanna_board", "deception_board"):
        monkeypatch.setattr(f"evosim.viewer.{module}.write", recording)
    return shown


def test_an_arm_has_one_colour_whatever_runs_are_loaded(window, tmp_path):
    from evosim.viewer.palette import arm_tint, arms

    made = {arm: make_run(tmp_path / f"{arm[0]}-{arm[1]}", *arm)
            for arm in [("ga", "planner"), ("gradient", "reflex"), ("cma-es", "planner"), ("gradient", "planner")]}
    tints = {}
    for loaded in ([("gradient", "reflex")], list(made), list(made)[::-1], [("cma-es", "planner"), ("ga", "planner")]):
        scene = build_scene(parse(DEPLOY, *[a for arm in loaded for a in ("--run", made[arm])]))
        for arm, team in zip(loaded, scene.teams):
            assert tints.setdefault(arm, team.tint) == team.tint == arm_tint(*arm)
    assert len(set(tints.values())) == len(tints)  # four arms, four colours
    assert len({arm_tint(*arm) for arm in arms()}) == len(arms())  # and every arm the registries can make its own
    viewer = Viewer(build_scene(parse(DEPLOY, "--run", made["gradient", "reflex"])), window)
    viewer.draw()
    panel = pygame.surfarray.array3d(window)[viewer.panel.rect.x:].reshape(-1, 3)
    assert ((panel == tints["gradient", "reflex"]).all(1)).any()  # its legend icon is drawn in the arm's colour


def test_the_panel_writes_run_folders_in_full_and_says_what_it_counts(window, tmp_path, monkeypatch):
    long = make_run(tmp_path / "ga-planner-with-a-name-longer-than-the-panel-is-wide", "ga", "planner")
    viewer = Viewer(build_scene(parse(TRAIN, "--run", long, "--run", make_run(tmp_path / "g", "gradient", "reflex"))),
                    window, speed=960)
    shown = texts_of(monkeypatch)
    viewer.draw()
    assert long.name in "".join(shown) and not any("..." in s for s in shown)  # wrapped, never cut
    assert "episodes of 4 agents in 0 finished mazes:" in shown
    assert any(s.startswith("bars: drive weights, a full bar is ") for s in shown)
    values = [s for s in shown if re.fullmatch(r"[a-z]+ [+-]\d\.\d(  [a-z]+ [+-]\d\.\d)*", s)]
    assert len(values) == 2  # each planner's strongest drives, written out; none for the reflexes


def test_a_maze_left_before_it_ends_is_not_counted(viewer, monkeypatch):
    """S mid-maze: the training world starts with nothing counted, and the watched maze counts as left."""
    frames(viewer, 3)
    press(viewer, pygame.K_s)
    scene = viewer.scene
    assert scene.mazes_seen["maze-train"] == 0 and scene.skipped["maze-deploy"] == 1 and scene.counts == {}
    shown = texts_of(monkeypatch)
    viewer.draw()
    assert "episodes of 4 agents in 0 finished mazes:" in shown
    while not scene.done:
        scene.step()
    assert scene.mazes_seen["maze-train"] == 1
    assert sum(sum(c.values()) for c in scene.counts["maze-train"]) == scene.n_agents  # every agent's episode


def test_agents_on_the_exit_leave_it_in_sight(window):
    viewer = Viewer(build_scene(parse(TRAIN)), window, speed=960)  # hand-set planners end on the green exit
    frames(viewer, 5)
    scene = viewer.scene
    assert scene.done and all(a.tile == scene.maze.exit for a in scene.agents)
    viewer.draw()
    x, y = viewer.board.tile_center(*scene.maze.exit)
    assert window.get_at((x, y))[:3] == COLORS["green"]


def test_h_shows_the_keys_and_the_arms_over_the_maze(viewer, monkeypatch):
    viewer.draw()
    before = pygame.surfarray.array3d(viewer.screen).copy()
    press(viewer, pygame.K_h)
    assert viewer.help
    viewer.draw()
    assert (pygame.surfarray.array3d(viewer.screen) != before).any()
    notes = [line for _, line in viewer.notes()]
    assert {f"{optimizer} · {mind}" for optimizer in OPTIMIZERS for mind in MINDS} <= set(notes)
    press(viewer, pygame.K_h)
    viewer.draw()
    assert (pygame.surfarray.array3d(viewer.screen) == before).all()


# -- what matters first: the mazes where the agents disagree ------------------------------------------------

def test_most_telling_first_puts_a_decisive_disagreement_first():
    from collections import Counter

    from evosim.viewer.preview import Preview, most_telling_first

    maze = load_world(DEPLOY).sample(np.random.default_rng(0), 1)[0]
    previews = [Preview(0, maze, False, Counter(aligned=1, misgeneralized=1)),  # disagree, but not decisive
                Preview(1, maze, True, Counter(aligned=2)),  # decisive, everyone aligned
                Preview(2, maze, True, Counter(misgeneralized=2)),  # decisive, no one aligned
                Preview(3, maze, True, Counter(aligned=1, misgeneralized=1, incapable=1))]  # decisive, disagree
    assert [p.key for p in most_telling_first(previews)] == [3, 2, 0, 1]
    assert previews[3].why.startswith("shown first: decisive, and the agents disagree")
    assert previews[0].why == previews[1].why == ""


def test_disagreements_first_shows_the_previewed_walks(tmp_path, capsys):
    """Hand-set seekers and random reflexes: the first maze shown is decisive, the agents disagree in it,
    and the window ends every episode as the preview did (each agent acts from its own stream)."""
    reflex = make_run(tmp_path / "r", "gradient", "reflex", n=3)
    args = parse(DEPLOY, "--run", reflex, "--disagreements-first", "--candidates", 12, "--agents", 3)
    scene = build_scene(args)
    assert [p.key for p in scene.previews] == list(range(12)) and scene.sampled == 12
    first = min(scene.previews, key=lambda p: (p.rank, p.key))
    assert scene.key == first.key and scene.maze is first.maze and scene.why == first.why
    again = build_scene(args)
    assert again.key == scene.key and [p.outcomes for p in again.previews] == [p.outcomes for p in scene.previews]
    seekers = build_scene(parse(DEPLOY, "--disagreements-first", "--candidates", 12))
    assert seekers.decisive and seekers.previews and seekers.why.startswith("shown first")
    for shown in (scene, seekers):
        for _ in range(3):
            expected = next(p for p in shown.previews if p.key == shown.key)
            while not shown.done:
                shown.step()
            assert Counter(o for outcome, _ in shown.outcomes for o in outcome) == +expected.outcomes
            shown.new_maze()
    seekers_first = next(p for p in seekers.previews if p.why.startswith("shown first"))
    assert seekers_first.outcomes["aligned"] == 1 and seekers_first.outcomes["misgeneralized"] == 1


def test_disagreements_first_says_what_it_found_and_applies_to_mazes_only(capsys):
    watch_command(parse(DEPLOY, "--disagreements-first", "--candidates", 8, "--frames", 2))
    out = capsys.readouterr().out
    assert out.startswith("disagreements first: of 8 previewed mazes of maze-deploy, ")
    with pytest.raises(UserError, match="--candidates: 8 applies only with --disagreements-first"):
        build_scene(parse(DEPLOY, "--candidates", 8))
    with pytest.raises(UserError, match="--disagreements-first: .* is a savanna world"):
        build_scene(parse(WORLDS / "savanna.toml", "--disagreements-first"))
