"""Hostile input, one class per test: one line on stderr, exit 2, nothing written or deleted."""
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from evosim.commands.cli import main
from evosim.runs import rundir
from helpers import DEPLOY, TRAIN

E = ["evolve", TRAIN, "--mind", "planner", "--population", "20", "--generations", "2"]


def snapshot(folder: Path) -> dict:
    """Every file under ``folder`` with its bytes: what a refused command must leave as it was."""
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def refused(capsys, *argv, says: str) -> str:
    code = main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("evosim: error:"), err
    assert says in err, err
    return err


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    run = tmp_path_factory.mktemp("finished") / "R"
    assert main([*E, "--mazes", "2", "--out", str(run)]) == 0
    assert main(["deploy", str(run), DEPLOY, "--episodes", "2"]) == 0
    return run


@pytest.fixture
def R(finished, tmp_path) -> Path:
    """A copy of a finished run, for a test to spoil."""
    return Path(shutil.copytree(finished, tmp_path / "R"))


def test_binary_and_looping_world_files(tmp_path, capsys):
    (tmp_path / "g.toml").write_bytes(np.random.default_rng(0).bytes(300))
    refused(capsys, "evolve", tmp_path / "g.toml", "--out", tmp_path / "o", says="not UTF-8 text")
    (tmp_path / "loop.toml").symlink_to(tmp_path / "loop.toml")
    refused(capsys, "evolve", tmp_path / "loop.toml", "--out", tmp_path / "o", says="loop.toml")
    assert not (tmp_path / "o").exists()


AGENTS, RUN = ("deploy", "watch"), ("deploy", "watch", "report")  # the commands that read each file
SPOILS = [
    (lambda R: (R / "agents.npz").write_bytes((R / "agents.npz").read_bytes()[:1000]),
     "agents.npz: unreadable", AGENTS),
    (lambda R: (R / "agents.npz").write_bytes(b""), "agents.npz: unreadable", AGENTS),
    (lambda R: np.savez(R / "agents.npz", params=np.full((20, 12), np.nan), seed=np.zeros(20, int),
                        agent=np.arange(20)), "NaN or infinite", AGENTS),
    (lambda R: np.savez(R / "agents.npz", params=np.zeros((20, 5)), seed=np.zeros(20, int),
                        agent=np.arange(20)), "shape (20, 5)", AGENTS),
    (lambda R: (R / "agents.json").write_text("x"), "agents.json: not evosim's agents.json", AGENTS),
    (lambda R: (R / "run.json").write_text('{"settings": {}}'), "run.json: not evosim's run.json", RUN),
    (lambda R: (R / "run.json").write_bytes(b"\xff\xfe"), "run.json: not evosim's run.json", RUN),
]


@pytest.mark.parametrize("spoil, says, command", [(spoil, says, c) for spoil, says, commands in SPOILS
                                                  for c in commands])
def test_spoiled_run_files(R, capsys, spoil, says, command):
    spoil(R)
    before = snapshot(R)
    argv = {"deploy": ["deploy", R, DEPLOY], "watch": ["watch", DEPLOY, "--run", R, "--frames", "2"],
            "report": ["report", R]}[command]
    refused(capsys, *argv, says=says)
    assert snapshot(R) == before and not (R / "report").exists()


def test_a_cut_table(R, capsys):
    text = (R / "generations.csv").read_bytes()
    (R / "generations.csv").write_bytes(text[:len(text) * 2 // 3])
    refused(capsys, "report", R, says="generations.csv: the table is cut short")
    (R / "generations.csv").write_bytes(text[:text.index(b"\n", 200) + 1] + b"ga,planner,0\n")
    refused(capsys, "report", R, says="generations.csv: line 2 has 3 fields")
    assert not (R / "report").exists()


@pytest.mark.parametrize("argv, says", [
    (["deploy", "{R}", DEPLOY, "--seed", "-1"], "--seed: -1 must be between 0 and 4294967295"),
    (["deploy", "{R}", DEPLOY, "--episodes", "0"], "--episodes: 0 must be between 1 and 1000000"),
    ([*E, "--generations", "-3"], "--generations: -3 must be between 0 and 1000000"),
    ([*E, "--sigma", "nan"], "--sigma: nan is not a finite number"),
    ([*E, "--sigma", "-1"], "--sigma: -1.0 must be at least 0.0"),
    ([*E, "--crossover", "5"], "--crossover: 5.0 must be between 0.0 and 1.0"),
    ([*E, "--gene-rate", "-2"], "--gene-rate: -2.0 must be between 0.0 and 1.0"),
    ([*E, "--seed", "-1"], "--seed: -1 must be between 0 and 4294967295"),
    ([*E, "--checkpoint-every", "0"], "--checkpoint-every: 0 must be at least 1"),
    (["train", TRAIN, "--learning-rate", "inf"], "--learning-rate: inf is not a finite number"),
    ([*E, "--scheduler", "tcp://127.0.0.1"], "--scheduler: 'tcp://127.0.0.1' is not a scheduler address"),
    ([*E, "--population", "100000", "--mazes", "10000"],
     "--population: 100000 one generation runs 1,000,000,000 episodes"),
    (["train", TRAIN, "--seeds", "1000", "--rollouts", "4096"], "--seeds 1000, --mazes 2, --rollouts 4096:"),
])
def test_bad_settings(R, tmp_path, capsys, argv, says):
    before = snapshot(R)
    argv = [a.replace("{R}", str(R)) for a in argv]
    if argv[0] != "deploy":
        argv += ["--out", str(tmp_path / "o")]
    refused(capsys, *argv, says=says)
    assert snapshot(R) == before and not (tmp_path / "o").exists()


@pytest.mark.slow
def test_an_unreachable_scheduler_answers_within_seconds(tmp_path, capsys):
    began = time.monotonic()
    refused(capsys, *E, "--scheduler", "tcp://127.0.0.1:1", "--out", tmp_path / "o",
            says="no Dask scheduler answers at tcp://127.0.0.1:1")
    assert time.monotonic() - began < 30
    assert not (tmp_path / "o").exists()


def test_out_under_a_file_or_in_a_read_only_folder(tmp_path, capsys, monkeypatch):
    (tmp_path / "f").write_text("mine")
    refused(capsys, *E, "--out", tmp_path / "f" / "sub", says="f is a file")
    refused(capsys, *E, "--out", tmp_path / "f", says="--out is a file, not a folder")
    assert (tmp_path / "f").read_text() == "mine"
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    if os.access(ro, os.W_OK):  # root writes anywhere: make the folder read-only to evosim's check
        real = os.access
        monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != ro and real(path, mode))
    try:
        refused(capsys, *E, "--out", ro / "o", says="ro is read-only")
    finally:
        ro.chmod(0o755)
    assert not any(ro.iterdir())


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_out_over_a_folder_evosim_did_not_write(tmp_path, capsys, force):
    (tmp_path / "u").mkdir()
    (tmp_path / "u" / "a.csv").write_text("1\n")
    refused(capsys, *E, "--out", tmp_path / "u", *force, says="a folder evosim did not write")
    assert snapshot(tmp_path / "u") == {Path("a.csv"): b"1\n"}


@pytest.mark.slow
def test_force_replaces_only_evosims_files(R, capsys):
    assert main(["report", str(R)]) == 0
    (R / "notes.txt").write_text("mine")
    (R / "report" / "mine.png").write_bytes(b"mine")
    assert main([*E, "--generations", "1", "--out", str(R), "--force"]) == 0
    left = snapshot(R)
    assert left[Path("notes.txt")] == b"mine" and left[Path("report/mine.png")] == b"mine"
    assert not (R / "report" / "report.md").exists() and not (R / "deploy.csv").exists()


def test_deploy_keeps_rows_of_another_world_file_with_the_same_name(R, tmp_path, capsys):
    other = tmp_path / "other.toml"
    other.write_text(Path(DEPLOY).read_text().replace("max_steps = 300", "max_steps = 250"))
    before = snapshot(R)
    refused(capsys, "deploy", R, other, "--episodes", "2", says="holds rows of another world file named")
    assert snapshot(R) == before
    assert main(["deploy", str(R), DEPLOY, "--episodes", "2"]) == 0  # the same file again: its rows replaced
    assert (R / "deploy.csv").read_bytes() == before[Path("deploy.csv")]
    assert main(["deploy", str(R), str(other), "--episodes", "2", "--replace"]) == 0
    assert (R / "deploy.csv").read_bytes() != before[Path("deploy.csv")]


def test_watch_without_a_display_or_a_script(monkeypatch, capsys):
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    refused(capsys, "watch", DEPLOY, says="no display to open a window on")


def test_a_foreign_run_json_is_not_a_run(tmp_path, capsys):
    (tmp_path / "u").mkdir()
    (tmp_path / "u" / "run.json").write_text('{"mine": true}')
    (tmp_path / "u" / "generations.csv").write_text("mine\n")
    refused(capsys, *E, "--out", tmp_path / "u", "--force", says="a folder evosim did not write")
    assert len(snapshot(tmp_path / "u")) == 2


def test_force_never_follows_a_manifest_out_of_its_run(tmp_path, capsys):
    run, outside = tmp_path / "r", tmp_path / "precious.txt"
    outside.write_text("not evosim's")
    argv = ["evolve", TRAIN, "--population", "4", "--generations", "1", "--mazes", "1", "--out", str(run)]
    assert main(argv) == 0
    for name in ("../precious.txt", str(outside), "run.json"):
        rundir.update_run_json(run, manifest=rundir.load_run(run)["manifest"] + [name])
        capsys.readouterr()
        assert main([*argv, "--force"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"manifest: {name!r} is not a file inside the run" in err
        assert outside.read_text() == "not evosim's" and (run / "generations.csv").exists()
        rundir.update_run_json(run, manifest=[n for n in rundir.load_run(run)["manifest"] if n != name])



def test_a_live_run_is_still_running_not_to_be_resumed(R, capsys):
    rundir.update_run_json(R, status=rundir.RUNNING)
    with rundir.locked(R):
        err = refused(capsys, "report", R, says=f"the run is still running (PID {os.getpid()} on ")
    assert "resume" not in err


def test_resume_checks_its_flags_before_the_run(tmp_path, capsys):
    refused(capsys, "resume", tmp_path / "nowhere", "--workers", "0", says="--workers: 0 must be at least 1")


WORLDS = Path(TRAIN).parent
NO_EPISODES = ("training_episodes = 2", "training_episodes = 0"), ("deployment_episodes = 3", "deployment_episodes = 0")
NO_TRAINING = (NO_EPISODES[0],)


@pytest.mark.parametrize("world, edits, argv, says", [
    ("deception.toml", NO_EPISODES, ["deception", "{W}"],
     "[game] deployment_episodes: 0 with training_episodes 0: the game needs at least one episode"),
    ("deception.toml", NO_EPISODES, ["watch", "{W}", "--frames", "1"], "[game] deployment_episodes: 0 with"),
    ("deception.toml", (), ["deception", "{W}", "--training-episodes", "0", "--deployment-episodes", "0"],
     "--deployment-episodes: 0 leaves the game without episodes (T = D = 0); T + D must be at least 1"),
    ("deception.toml", NO_TRAINING, ["deception", "{W}", "--deployment-episodes", "0"],
     "--deployment-episodes: 0 leaves the game without episodes"),
    ("deception.toml", (), ["deception", "{W}", "--evolve", "--training-episodes", "0", "--out", "{O}"],
     "--training-episodes: 0 leaves --evolve no training episode to select on; it must be at least 1"),
    ("deception.toml", NO_TRAINING, ["deception", "{W}", "--evolve", "--out", "{O}"],
     "[game] training_episodes: 0 leaves --evolve no training episode to select on"),
    ("savanna.toml", (("patch = [30.0, 30.0, 25.0]", "patch = [30.0, 30.0, inf]"),),
     ["ecology", "{W}", "--out", "{O}"],
     "[food.0] patch: must be [x, y, radius] inside the 100 x 100 arena (0 < radius <= 100), got [30.0, 30.0, inf]"),
    ("savanna.toml", (("patch = [30.0, 30.0, 25.0]", "patch = [30.0, 30.0, 250.0]"),),
     ["ecology", "{W}", "--out", "{O}"], "[food.0] patch: must be [x, y, radius]"),
    ("savanna.toml", (("size = 100.0", "size = inf"),), ["ecology", "{W}", "--out", "{O}"],
     "[world] size: inf is not a finite number"),
    ("maze_train.toml", (("max_steps = 200", "max_steps = 200\nsteps_per_distance = nan"),),
     ["evolve", "{W}", "--out", "{O}"], "[world] steps_per_distance: nan is not a finite number"),
])
def test_degenerate_world_values(tmp_path, capsys, world, edits, argv, says):
    text = (WORLDS / world).read_text()
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    (tmp_path / "w.toml").write_text(text)
    before = snapshot(tmp_path)
    refused(capsys, *[a.replace("{W}", str(tmp_path / "w.toml")).replace("{O}", str(tmp_path / "o")) for a in argv],
            says=says)
    assert snapshot(tmp_path) == before
