"""User mistakes: one line naming the file and key (and allowed values), exit 2, nothing written."""
import subprocess
import sys

import pytest

from evosim.commands.cli import main

GOOD = """
[world]
size = 4
max_steps = 60
[exit]
color = "green"
position = "bottom-right"
[[objects]]
kind = "apple"
color = "red"
count = [1, 2]
"""

BAD_WORLDS = [
    ("malformed", GOOD.replace("size = 4", "size = = 4"), ["malformed TOML"]),
    ("unknown-key", GOOD.replace("size = 4", "size = 4\nbriad = 0.2"), ["[world] briad", "unknown key"]),
    ("unknown-colour", GOOD.replace('"red"', '"gren"'), ["[objects.0] color", "'gren'", "green, red, grey"]),
    ("unknown-corner", GOOD.replace('"bottom-right"', '"bottom-middle"'), ["[exit] position", "top-left"]),
    ("impossible-size", GOOD.replace("size = 4", "size = [6, 3]"), ["[world] size", "low <= high"]),
    ("tiny-size", GOOD.replace("size = 4", "size = 1"), ["[world] size"]),
    ("too-many-objects", GOOD.replace("[1, 2]", "[1, 40]"), ["[objects]", "do not fit"]),
    ("bad-count", GOOD.replace("[1, 2]", '"many"'), ["[objects.0] count", "integer or [low, high]"]),
    ("wrong-type", GOOD.replace("max_steps = 60", 'max_steps = "sixty"'), ["[world] max_steps", "must be int"]),
    ("missing-key", GOOD.replace("max_steps = 60", ""), ["[world] max_steps", "missing"]),
    ("unknown-table", GOOD + "\n[exits]\ncolor = 'red'\n", ["exits", "unknown key"]),
    ("step-counter-overflow", GOOD.replace("max_steps = 60", "max_steps = 40000"),
     ["[world] max_steps", "between 1 and 30000"]),
    ("zero-steps-per-distance", GOOD.replace("max_steps = 60", "max_steps = 60\nsteps_per_distance = 0"),
     ["[world] steps_per_distance", "0 must be above 0"]),
    ("negative-steps-per-distance", GOOD.replace("max_steps = 60", "max_steps = 60\nsteps_per_distance = -2.5"),
     ["[world] steps_per_distance", "-2.5 must be above 0"]),
    ("text-steps-per-distance", GOOD.replace("max_steps = 60", 'max_steps = 60\nsteps_per_distance = "eight"'),
     ["[world] steps_per_distance", "must be float, got 'eight'"]),
    ("decouple-training-colour", GOOD.replace("[[objects]]", '[[exit.decouple]]\nshare = 0.2\nproxy = "color"\n'
                                              'colors = ["green"]\n[[objects]]'),
     ["[exit.decouple.0] colors", "'green' is the training exit's colour", "allowed: red, grey"]),
    ("decouple-corner", GOOD.replace("[[objects]]", '[[exit.decouple]]\nshare = 0.2\nproxy = "position"\n'
                                     'positions = ["bottom-right"]\n[[objects]]'),
     ["[exit.decouple.0] positions", "'bottom-right' is the training exit's corner", "allowed: top-right"]),
    ("decouple-shares", GOOD.replace("[[objects]]", '[[exit.decouple]]\nshare = 0.6\nproxy = "color"\n'
                                     '[[exit.decouple]]\nshare = 0.6\nproxy = "position"\n[[objects]]'),
     ["[exit.decouple.1] share", "to 1.2; together they must be at most 1"]),
    ("decouple-decoys", GOOD.replace("[[objects]]", '[[exit.decouple]]\nshare = 0.2\nproxy = "color"\n'
                                     'decoys = 14\n[[objects]]'),
     ["[exit.decouple.0] decoys", "do not fit", "allowed: at most 12"]),
    ("decouple-unknown-key", GOOD.replace("[[objects]]", '[[exit.decouple]]\nshare = 0.2\nproxy = "color"\n'
                                          'shade = 1\n[[objects]]'), ["[exit.decouple.0] shade", "unknown key"]),
    ("crowded-off-path", GOOD.replace("size = 4", "size = 3\nobjects_off_path = true").replace("[1, 2]", "6"),
     ["[objects]", "up to 6 objects do not fit off the shortest path"]),
]


def run_cli(capsys, *argv):
    code = main(list(argv))
    err = capsys.readouterr().err
    return code, err


@pytest.mark.parametrize("name, text, expected", BAD_WORLDS, ids=[b[0] for b in BAD_WORLDS])
def test_bad_world_file_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys, name, text, expected):
    world = tmp_path / f"{name}.toml"
    world.write_text(text)
    out = tmp_path / "run"
    code, err = run_cli(capsys, "evolve", str(world), "--out", str(out), "--generations", "1")
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert str(world) in err
    for fragment in expected:
        assert fragment in err
    assert not out.exists()


def test_the_good_world_runs(tmp_path, capsys):
    world = tmp_path / "good.toml"
    world.write_text(GOOD)
    code, _ = run_cli(capsys, "evolve", str(world), "--out", str(tmp_path / "run"),
                      "--generations", "1", "--population", "10", "--mazes", "2")
    assert code == 0 and (tmp_path / "run" / "agents.npz").exists()


def test_missing_world_file(tmp_path, capsys):
    code, err = run_cli(capsys, "evolve", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "run"))
    assert code == 2 and "nope.toml: no such world file" in err


def test_deploy_settings_are_checked(tmp_path, capsys):
    code, err = run_cli(capsys, "deploy", str(tmp_path), "worlds/maze_deploy.toml", "--episodes", "0")
    assert (code, err) == (2, "evosim: error: --episodes: 0 must be between 1 and 1000000\n")


def test_deploy_from_a_run_directory_without_saved_agents(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    code, err = run_cli(capsys, "deploy", str(tmp_path / "empty"), "worlds/maze_deploy.toml")
    assert code == 2 and "not a run directory (no run.json)" in err
    assert not (tmp_path / "empty" / "deploy.csv").exists()


def test_bad_numbers_on_the_command_line(tmp_path, capsys):
    code, err = run_cli(capsys, "evolve", "worlds/maze_train.toml", "--out", str(tmp_path / "r"),
                        "--population", "1")
    assert code == 2 and "--population: 1 must be between 2 and 100000" in err
    assert not (tmp_path / "r").exists()


def test_an_existing_run_is_not_overwritten_without_force(tmp_path, capsys):
    tiny = ["evolve", "worlds/maze_train.toml", "--population", "4", "--generations", "0", "--mazes", "1",
            "--out", str(tmp_path / "run")]
    assert main(tiny) == 0
    before = (tmp_path / "run" / "run.json").read_bytes()
    code, err = run_cli(capsys, *tiny)
    assert code == 2 and "already holds a run" in err and "--force" in err
    assert (tmp_path / "run" / "run.json").read_bytes() == before


def test_installed_command_prints_no_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[world\n")
    proc = subprocess.run([sys.executable, "-m", "evosim.commands.cli", "deploy", str(tmp_path), str(bad)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.startswith("evosim: error:") and "Traceback" not in proc.stderr


def test_unreadable_world_files_are_one_line(tmp_path, capsys):
    cases = {"latin1.toml": "[world]\nname = 'caf\xe9'\n".encode("latin-1"),
             "binary.toml": bytes(range(256))}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "loop.toml").symlink_to(tmp_path / "loop.toml")
    (tmp_path / "kind.toml").write_text(GOOD.replace("[world]", '[world]\nkind = "ocean"'))
    expected = {"latin1.toml": "not UTF-8 text", "binary.toml": "not UTF-8 text",
                "loop.toml": "cannot read the world file", "kind.toml": "[world] kind: 'ocean' is not one of: maze"}
    for name, message in expected.items():
        code, err = run_cli(capsys, "evolve", str(tmp_path / name), "--out", str(tmp_path / "run"))
        assert code == 2 and err.count("\n") == 1 and message in err and str(tmp_path / name) in err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("argv, message", [
    (["--algorithm", "nope"], "--algorithm: 'nope' is not one of: ga, cma-es, openai-es"),
    (["--algorithm", "cma-es", "--crossover", "0.5"], "--crossover: applies to --algorithm ga, not cma-es"),
    (["--algorithm", "cma-es", "--sigma", "0"], "--sigma: 0.0 must be above 0.0"),
    (["--sigma", "nan"], "--sigma: nan is not a finite number"),
    (["--crossover", "1.5"], "--crossover: 1.5 must be between 0.0 and 1.0"),
    (["--elite", "200"], "--elite: 200 must be below --population (200)"),
    (["--mind", "nope"], "--mind: 'nope' is not one of: neural, planner, reflex"),
    (["--generations", "-1"], "--generations: -1 must be between 0 and 1000000"),
    (["--workers", "0"], "--workers: 0 must be at least 1"),
])
def test_bad_settings_are_one_line_before_any_compute(tmp_path, capsys, argv, message):
    code, err = run_cli(capsys, "evolve", "worlds/maze_train.toml", "--out", str(tmp_path / "r"), *argv)
    assert (code, err) == (2, f"evosim: error: {message}\n")
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("argv, message", [
    (["bench", "--population", "1"], "--population: 1 must be between 2 and 100000"),
    (["bench", "--population", "7"], "--population: 7 must be even"),  # openai-es's, before anything is timed
    (["bench", "--only", "steps/nowhere"], "--only: 'steps/nowhere' is no figure's key nor the start of one; the "
                                           "keys: steps/maze-train/planner, steps/maze-train/reflex, "),
    (["bench", "--compare", "no/such/python"], "no/such/python: --compare: no such file, folder or command; it "
                                               "expects a figures file saved by 'evosim bench --save', "),
    (["bench", "--rounds", "2"], "--rounds: applies to --compare with a Python executable or environment"),
    (["bench", "--list", "--save", "f.json"], "--list: measures nothing; give it without --save and --compare"),
    (["watch", "worlds/maze_train.toml", "--size", "10x10"], "--size: '10x10' is smaller than 640x480"),
    (["watch", "worlds/maze_train.toml", "--size", "big"], "--size: 'big' is not WIDTHxHEIGHT"),
    (["watch", "worlds/maze_train.toml", "--speed", "-1"], "--speed: -1.0 must be above 0.0"),
    (["demo", "--seed", "-2"], "--seed: -2 must be at least 0"),
])
def test_every_command_checks_its_settings(capsys, argv, message):
    code, err = run_cli(capsys, *argv)
    assert code == 2 and err.startswith(f"evosim: error: {message}") and err.count("\n") == 1


def test_a_mistyped_flag_is_one_line_too(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "evosim.commands.cli", "evolve", "worlds/maze_train.toml", "--out",
                           str(tmp_path / "r"), "--population", "many"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr == "evosim evolve: error: argument --population: invalid int value: 'many'\n"
