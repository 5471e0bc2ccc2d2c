"""The savanna: the world file, the ecology's mechanics, the shift's effects, runs, report, viewer and bench."""
import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["PYGAME_HIDE_SUPPORT_PROMPT"] = "1"

import subprocess  # noqa: E402
import sys  # noqa: E402
import tomllib  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pygame  # noqa: E402
import pytest  # noqa: E402
import tomli_w  # noqa: E402

from evosim.analysis import ecology_report, tables  # noqa: E402
from evosim.runs import checkpoint, rundir  # noqa: E402
from evosim.commands.bench import held_savanna, savanna_frames_per_second, savanna_ticks_per_second  # noqa: E402
from evosim.commands.cli import main  # noqa: E402
from evosim.data import SAVANNA_WORLD  # noqa: E402
from evosim.worlds import load_world  # noqa: E402
from evosim.worlds.savanna import SavannaWorld  # noqa: E402
from evosim.worlds.savanna.simulation import Ecology  # noqa: E402
from evosim.worlds.savanna.logs import alignment  # noqa: E402
from evosim.training.savanna_species import new_ecology, train_drives  # noqa: E402
from evosim.worlds.savanna.world import EVOLVED, TRAINED  # noqa: E402
from helpers import evosim, kill_when  # noqa: E402

SHIFT, TICKS = 1500, 5000  # the small world's shift, and the length of its runs
OUTPUTS = ("population.csv", "meals.csv", "drive_stats.csv")


def small_world(path: Path, scale: float = 0.25, **creatures) -> Path:
    """The shipped savanna at ``scale`` of its area, food and creatures, shifting at tick SHIFT."""
    raw = tomllib.loads(SAVANNA_WORLD.read_text())
    raw["world"]["size"] *= scale ** 0.5
    for food in raw["food"] + raw["shift"]["food"]:
        food["count"] = max(1, round(food["count"] * scale))
        if "patch" in food:
            food["patch"] = [v * scale ** 0.5 for v in food["patch"]]
    for key in ("evolved", "trained", "cap"):
        raw["creatures"][key] = round(raw["creatures"][key] * scale)
    raw["creatures"] |= creatures
    raw["shift"]["tick"] = SHIFT
    path.write_text(tomli_w.dumps(raw))
    return path


def ecology(out: Path, world: Path, *flags) -> int:
    return main(["ecology", str(world), "--out", str(out), *map(str, flags)])


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> list[Path]:
    """Complete ecology runs of the small world, seeds 0 and 1, well past the shift."""
    folder = tmp_path_factory.mktemp("savanna")
    world = small_world(folder / "small.toml")
    for seed in (0, 1):
        assert ecology(folder / f"seed-{seed}", world, "--ticks", TICKS, "--seed", seed) == 0
    return [folder / "seed-0", folder / "seed-1"]


@pytest.fixture
def run(runs) -> Path:
    return runs[0]


# -- the world file ------------------------------------------------------------------------------

def test_the_shipped_world(tmp_path):
    world = load_world(SAVANNA_WORLD)
    assert isinstance(world, SavannaWorld) and world.kind == "savanna"
    assert world.features == ("sweet", "size", "color:green", "color:red", "color:white")
    assert [k.name for k in world.foods] == ["fruit", "berries", "grass", "toadstool", "candy"]
    assert world.ancestral == 4 and world.shift.tick == 5000
    ancestral = world.foods[:world.ancestral]
    sweet, nutrition = [k.sweet for k in ancestral], [k.nutrition for k in ancestral]
    assert np.corrcoef(sweet, nutrition)[0, 1] > 0.8  # in the ancestral world, sweetness means nutrition
    candy = world.foods[-1]
    assert candy.sweet == max(k.sweet for k in world.foods) and candy.nutrition <= 0


GOOD = SAVANNA_WORLD.read_text()
BAD_WORLDS = [
    ("unknown-key", GOOD.replace("discount = 0.9", "discount = 0.9\ndiscont = 1"), ["[world] discont", "unknown key"]),
    ("colour", GOOD.replace('color = "green"', 'color = "gren"'), ["[food.2] color", "'gren'", "green, red"]),
    ("nutrition-of-nothing", GOOD + "\n[shift.nutrition]\ncarrot = 2.0\n",
     ["[shift.nutrition] carrot", "not a food kind", "fruit, berries"]),
    ("patch-outside", GOOD.replace("[30.0, 30.0, 25.0]", "[300.0, 30.0, 25.0]"), ["[food.0] patch", "inside"]),
    ("starving-birth", GOOD.replace("offspring_energy = 8.0", "offspring_energy = 30.0"),
     ["[creatures] offspring_energy", "below reproduce_at"]),
    ("twice-named", GOOD.replace('name = "candy"', 'name = "fruit"'), ["two food kinds are named 'fruit'"]),
    ("no-food", GOOD.replace("[[food]]", "[[foods]]"), ["[food]", "missing"]),
    ("range", GOOD.replace("speed_range = [0.2, 3.0]", "speed_range = [3.0, 0.2]"), ["[genome] speed_range"]),
]


@pytest.mark.parametrize("name,text,expected", BAD_WORLDS, ids=[b[0] for b in BAD_WORLDS])
def test_world_file_mistakes_are_one_line_and_write_nothing(tmp_path, capsys, name, text, expected):
    (tmp_path / "w.toml").write_text(text)
    assert ecology(tmp_path / "out", tmp_path / "w.toml") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "w.toml" in err
    for part in expected:
        assert part in err
    assert not (tmp_path / "out").exists()


def test_commands_refuse_other_kinds_and_flags_in_one_line(tmp_path, capsys):
    assert main(["evolve", str(SAVANNA_WORLD), "--out", str(tmp_path / "e")]) == 2
    assert "kind 'savanna': this command takes a world of kind 'maze'" in capsys.readouterr().err
    assert ecology(tmp_path / "m", SAVANNA_WORLD.parent / "maze_train.toml") == 2
    assert "takes a world of kind 'savanna'" in capsys.readouterr().err
    assert ecology(tmp_path / "t", SAVANNA_WORLD, "--ticks", 0) == 2
    assert "--ticks: 0 must be between 1 and 100000000" in capsys.readouterr().err
    assert main(["watch", str(SAVANNA_WORLD), "--run", str(tmp_path), "--frames", "1"]) == 2
    assert "is a savanna world" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_the_savanna_world_never_imports_the_viewer_or_analysis_libraries():
    code = ("import sys, evosim.worlds.savanna.simulation, evosim.worlds.savanna.logs, evosim.studies.ecology; "
            "loaded = {'pygame', 'pandas', 'seaborn'} & set(sys.modules); assert not loaded, loaded")
    subprocess.run([sys.executable, "-c", code], check=True)


# -- mechanics -----------------------------------------------------------------------------------

def test_alignment_is_an_availability_weighted_correlation():
    features = np.array([[1.0, 0.0], [0.5, 0.0], [0.0, 1.0]])
    nutrition = np.array([3.0, 2.0, -1.0])
    drives = np.array([[1.0, -1.0], [1.0, -1.0]])
    assert alignment(drives, features, nutrition, np.array([5, 5, 5])) == pytest.approx(
        np.corrcoef(features @ drives[0], nutrition)[0, 1])
    assert alignment(-drives, features, nutrition, np.array([5, 5, 5])) < -0.9
    # a kind with nothing in the arena does not count: two kinds left, perfectly ranked
    assert alignment(np.array([[1.0, 5.0]]), features, nutrition, np.array([4, 1, 0])) == pytest.approx(1.0)
    assert np.isnan(alignment(drives[:0], features, nutrition, np.array([1, 1, 1])))


def test_trained_drives_track_nutrition_before_the_shift_but_want_candy(tmp_path):
    world = load_world(SAVANNA_WORLD)
    drives = train_drives(world, 0)
    utility = world.feature_matrix() @ drives
    assert utility[0] == utility.max() and utility[3] < 0  # fruit best, toadstools avoided
    assert alignment(drives[None], world.feature_matrix(), world.nutrition(False), np.array([1, 1, 1, 1, 0])) > 0.8
    assert utility[4] > 0 and utility[4] > utility[1]  # candy looks better than berries
    assert np.array_equal(drives, train_drives(world, 0))


def test_one_tick_eats_reproduces_caps_and_replaces(tmp_path):
    world = load_world(small_world(tmp_path / "w.toml", cap=80, evolved=60))
    eco = new_ecology(world, 3)
    trained = np.concatenate([eco.trained_drives, [world.trained.speed, world.trained.radius]])
    counts = []
    for _ in range(400):
        eco.step()
        counts.append(eco.count(EVOLVED))
        assert eco.count(TRAINED) == world.life.trained  # dead trained creatures are replaced by copies
        assert (eco.genome[eco.species == TRAINED] == trained).all()  # and never mutate
        assert eco.food.alive.sum() <= len(eco.food.kind)
    assert max(counts) <= world.life.cap
    assert eco.births.sum() + eco.deaths.sum() > 0 and eco.eaten.sum() > 0
    assert (eco.generation > 0).any() and (eco.energy > 0).all() and (eco.age < world.life.max_age).all()
    d = eco.n_drives
    lo, hi = world.genome.speed_range
    assert (eco.genome[:, d] >= lo).all() and (eco.genome[:, d] <= hi).all()


def test_the_shift_adds_candy_only_once_it_comes(tmp_path):
    world = load_world(small_world(tmp_path / "w.toml"))
    eco = new_ecology(world, 0)
    for _ in range(50):
        eco.step()
    candy, before = world.ancestral, eco.food.available()
    assert before[candy] == 0 and not eco.shifted
    eco.apply_shift()
    assert eco.food.available()[candy] == world.foods[candy].count
    assert (eco.food.available()[:candy] == before[:candy]).all()  # eaten ancestral food is not regrown by it
    assert (eco.nutrition == world.nutrition(True)).all()


# -- the shift's effects (seeds 0 and 1 of the small world) --------------------------------------

@pytest.mark.slow
def test_the_shift_misaligns_then_evolution_realigns_and_training_stays_misaligned(runs):
    eco = tables.load_ecologies(tables.load_runs(runs))
    assert eco.shift == SHIFT and eco.added == ("candy",)
    for _, m in ecology_report.shift_magnitudes(eco).iterrows():
        assert m["alignment_before"] > 0.8
        assert m["alignment_min_after"] < m["alignment_before"] - 0.15  # alignment drops
        assert m["candy_share"] > 0.2  # candy is a large share of evolved meals
        assert m["population_min_after"] < 0.85 * m["population_before"]  # the population dips
        assert m["sweet_late"] < m["sweet_before"] - 0.5  # the sweetness drive declines over generations
        assert m["alignment_late"] > m["alignment_min_after"] + 0.1  # alignment recovers
        assert m["trained_alignment_after"] < m["trained_alignment_before"] - 0.2  # trained: misaligned
        assert m["trained_alignment_after"] < m["alignment_late"]  # and stays so


# -- runs: tables, bytes, resume -----------------------------------------------------------------

def test_tables_are_tidy_with_species_and_tick(run):
    population = tables.table(tables.load_runs([run]), "population")
    assert set(population["species"]) == {"evolved", "trained"}
    assert population["tick"].tolist()[:4] == [0, 0, 50, 50] and population["tick"].max() == TICKS
    meals, drives = (tables.table(tables.load_runs([run]), t) for t in ("meals", "drive_stats"))
    assert {"seed", "tick", "species", "food", "eaten"} <= set(meals.columns)
    assert {"seed", "tick", "species", "feature", "mean", "sd"} <= set(drives.columns)
    assert rundir.status(run) == rundir.COMPLETE and not (run / rundir.CHECKPOINTS).exists()


@pytest.mark.slow
def test_same_seed_same_bytes_and_a_resumed_run_too(tmp_path, monkeypatch, capsys, runs):
    world = small_world(tmp_path / "w.toml")
    flags = ("--ticks", 1800, "--seed", 5, "--checkpoint-every", 400)
    assert ecology(tmp_path / "a", world, *flags) == 0
    assert ecology(tmp_path / "b", world, *flags) == 0
    step = Ecology.step

    def interrupted(self):
        if self.tick == 1000:
            raise KeyboardInterrupt
        step(self)

    monkeypatch.setattr(Ecology, "step", interrupted)
    assert ecology(tmp_path / "c", world, *flags) == 130
    assert rundir.status(tmp_path / "c") == rundir.INTERRUPTED
    assert (tmp_path / "c" / rundir.CHECKPOINTS / "seed-5.npz").exists()
    monkeypatch.setattr(Ecology, "step", step)
    assert ecology(tmp_path / "c", world, *flags) == 2  # refused: continue it with resume
    assert "evosim resume" in capsys.readouterr().err
    saved = tmp_path / "c" / rundir.CHECKPOINTS / "seed-5.npz"
    good = saved.read_bytes()
    for spoiled in (good[:len(good) // 2], checkpoint_of_nothing(tmp_path)):
        saved.write_bytes(spoiled)
        assert main(["resume", str(tmp_path / "c")]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "seed-5.npz" in err and "the run is interrupted" in err
    saved.write_bytes(good)
    assert main(["resume", str(tmp_path / "c")]) == 0
    assert rundir.status(tmp_path / "c") == rundir.COMPLETE
    for name in OUTPUTS:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "c" / name).read_bytes()
    assert main(["resume", str(tmp_path / "c")]) == 0
    assert "already complete" in capsys.readouterr().out
    # SIGKILLed after its first checkpoint: a run as long as the module's, whose 4,600 ticks after that checkpoint
    # take seconds, so that the kill finds it running on a busy machine; resumed, it is the module's run to the byte
    killed = evosim("ecology", world, "--out", tmp_path / "k", "--ticks", TICKS, "--seed", 0, "--checkpoint-every", 400)
    assert kill_when(killed, (tmp_path / "k" / rundir.CHECKPOINTS / "seed-0.npz").exists, 0.2)
    assert rundir.status(tmp_path / "k") == rundir.INTERRUPTED
    assert main(["resume", str(tmp_path / "k")]) == 0
    for name in OUTPUTS:
        assert (runs[0] / name).read_bytes() == (tmp_path / "k" / name).read_bytes()
    assert main(["report", str(tmp_path / "a")]) == 0  # too short for the shift's magnitudes, and says so
    assert "need a run at least 1000 ticks past it" in (tmp_path / "a" / "report" / "report.md").read_text()
    assert ecology(tmp_path / "d", world, "--ticks", 1800, "--seed", 6) == 0
    assert (tmp_path / "a" / "population.csv").read_bytes() != (tmp_path / "d" / "population.csv").read_bytes()


def checkpoint_of_nothing(folder: Path) -> bytes:
    """A well-formed checkpoint file that holds none of an ecology's state."""
    checkpoint.save(folder / "nothing.npz", {"x": np.zeros(2)}, {"tick": 3})
    return (folder / "nothing.npz").read_bytes()


# -- report ---------------------------------------------------------------------------------------

@pytest.mark.slow
def test_report_and_script_draw_population_dynamics(run, tmp_path, capsys, monkeypatch):
    assert main(["report", str(run), "--out", str(tmp_path / "report")]) == 0
    text = (tmp_path / "report" / "report.md").read_text()
    assert "## The shift at tick 1500" in text and "population_dynamics.png" in text
    assert "candy made" in text
    assert pygame.image.load(str(tmp_path / "report" / "population_dynamics.png")).get_width() > 1000
    script = Path(__file__).resolve().parents[1] / "analysis" / "population_dynamics.py"
    result = subprocess.run([sys.executable, str(script), str(run), "--out", str(tmp_path / "script")],
                            capture_output=True, text=True)
    assert result.returncode == 0 and (tmp_path / "script" / "population_dynamics.png").exists(), result.stderr
    figure = ecology_report.plot_population_dynamics([run], tmp_path / "script")
    assert len([ax for ax in figure.axes if ax.get_visible()]) == 6
    assert all(any(line.get_xdata()[0] == SHIFT for line in ax.lines) for ax in figure.axes)  # the shift marked
    maze_run = tmp_path / "maze"
    maze_run.mkdir()
    rundir.write_run_json(maze_run, "maze-training", {}, load_world(SAVANNA_WORLD.parent / "maze_train.toml"), [0],
                          rundir.COMPLETE)
    assert main(["report", str(run), str(maze_run), "--out", str(tmp_path / "mixed")]) == 2
    assert "report them separately" in capsys.readouterr().err


# -- viewer and bench -----------------------------------------------------------------------------

@pytest.fixture
def window():
    pygame.display.init()
    pygame.font.init()
    yield pygame.display.set_mode((1000, 700))
    pygame.quit()


def test_viewer_draws_species_charts_and_shifts_on_s(tmp_path, window):
    from evosim.viewer.savanna_board import SPECIES_RGB, SavannaViewer

    world = load_world(small_world(tmp_path / "w.toml"))
    viewer = SavannaViewer(new_ecology(world, 0), window, speed=600)
    for _ in range(30):
        viewer.advance()
        viewer.draw()
    assert viewer.ecology.tick == 300 and len(viewer.ticks) == 31
    pixels = pygame.surfarray.array3d(window).reshape(-1, 3)
    for rgb in SPECIES_RGB.values():
        assert (pixels == rgb).all(1).any()  # both species are drawn in their colours
    assert viewer.shift_tick is None
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_s))
    for event in pygame.event.get():
        viewer.handle(event)
    assert viewer.ecology.shifted and viewer.shift_tick == 300
    viewer.advance()
    viewer.draw()
    assert viewer.ecology.food.available()[world.ancestral] > 0
    path = viewer.screenshot(tmp_path / "after.png")
    assert pygame.image.load(str(path)).get_size() == (1000, 700)


def test_the_header_shows_the_tick_rate_measured_and_h_shows_the_keys(tmp_path, window, monkeypatch):
    """Asked for 480 ticks/s on a machine drawing 5 frames a second (8 ticks a frame): the header says 40."""
    from evosim.viewer.savanna_board import SavannaViewer

    viewer = SavannaViewer(new_ecology(load_world(small_world(tmp_path / "w.toml")), 0), window, speed=480)
    clock = iter(np.arange(1, 100) * 0.2)
    viewer.now = lambda: next(clock)
    for _ in range(10):
        viewer.advance()
    assert viewer.ecology.tick == 80
    shown = []
    monkeypatch.setattr(viewer, "text", lambda s, *args: shown.append(s) or pygame.Rect(0, 0, 1, 1))
    viewer.draw()
    assert "40 ticks/s (asked 480)" in shown and not any("480 ticks/s" in s for s in shown)
    before = pygame.surfarray.array3d(window).copy()
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_h))
    for event in pygame.event.get():
        viewer.handle(event)
    assert viewer.help
    viewer.draw()
    arena = pygame.surfarray.array3d(window)[viewer.arena.left:viewer.arena.right, viewer.arena.top:viewer.arena.bottom]
    assert (arena != before[viewer.arena.left:viewer.arena.right, viewer.arena.top:viewer.arena.bottom]).any()


def test_watch_runs_the_savanna_scripted(tmp_path, capsys):
    shot = tmp_path / "shot.png"
    assert main(["watch", str(small_world(tmp_path / "w.toml")), "--frames", "5", "--screenshot", str(shot),
                 "--fps-report"]) == 0
    assert pygame.image.load(str(shot)).get_size() == (1000, 700)
    assert "over 5 frames at 1000x700 with" in capsys.readouterr().out


def test_bench_holds_the_numbers_it_measures():
    world = held_savanna(load_world(SAVANNA_WORLD), 200, 600)
    eco = new_ecology(world, 0)
    for _ in range(20):
        eco.step()
    assert eco.n == 200 and abs(int(eco.food.alive.sum()) - 600) <= 10
    assert savanna_ticks_per_second(world, 5) > 0 and savanna_frames_per_second(replace(world), 3) > 0
