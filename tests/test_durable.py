"""Durable runs: killed at any moment and resumed, a run writes the same bytes; status, lock, checkpoints."""
import json
import os
import signal
import subprocess
import sys
import tomllib

import numpy as np
import psutil
import pytest
import tomli_w

from evosim.runs import checkpoint, rundir
from evosim.commands.cli import main
from helpers import TRAIN, StopAfter, evosim, kill_when

OUTPUTS = ("generations.csv", "drives.csv", "alignment.csv", "probes.csv", "agents.npz")
COMMANDS = {
    "evolve": ["evolve", TRAIN, "--mind", "planner", "--population", "24", "--generations", "14", "--mazes", "3",
               "--seeds", "2", "--log-every", "3", "--checkpoint-every", "2"],
    "train": ["train", TRAIN, "--mind", "planner", "--updates", "24", "--seeds", "3", "--mazes", "2",
              "--rollouts", "4", "--log-every", "5", "--checkpoint-every", "3"],
}
#: Training mazes replayed and edited by regret from a buffer of 4 (full after two updates): its buffers, regrets
#: and replay stream must resume too.
COMMANDS["train-accel"] = [*COMMANDS["train"], "--source", "accel"]
#: The evolve run stopped by a signal when its first checkpoint appears: long enough (the last --generations counts)
#: that the signal finds it still training on a busy machine (14 generations end about 0.8 s after that checkpoint).
STOPPED_EVOLVE = [*COMMANDS["evolve"], "--generations", "100"]
#: The neural mind (JAX) under the policy gradient back through whole episodes (an evolution strategy's state
#: resumes in test_open_es, its networks' in the same-bytes tests of test_neural).
NEURAL = ["--mind", "neural", "--mind-option", "channels=4", "--log-every", "2", "--checkpoint-every", "2"]
COMMANDS["train-neural"] = ["train", TRAIN, *NEURAL, "--updates", "9", "--seeds", "2", "--mazes", "1",
                            "--rollouts", "4", "--learning-rate", "0.005"]


def small_buffer(tmp_path, argv: list) -> list:
    """``argv`` training on maze_train with a replay buffer of 4 mazes, if it trains with --source."""
    if "--source" not in argv:
        return argv
    raw = tomllib.loads(open(TRAIN).read()) | {"replay": {"buffer": 4}}
    (tmp_path / "small-buffer.toml").write_text(tomli_w.dumps(raw))
    return [str(tmp_path / "small-buffer.toml") if a == TRAIN else a for a in argv]


@pytest.mark.slow
@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_run_killed_at_random_moments_resumes_to_the_same_bytes(tmp_path, command):
    argv = small_buffer(tmp_path, COMMANDS[command])
    assert main([*argv, "--out", str(tmp_path / "whole")]) == 0

    run = tmp_path / "killed"
    rng = np.random.default_rng(11)
    kills = 0
    proc = evosim(*argv, "--out", run)
    # first kill: any moment after the run began (perhaps before its first checkpoint)
    kills += kill_when(proc, lambda: (run / rundir.RUN_JSON).exists(), rng.uniform(0, 0.3))
    for _ in range(2):  # then: at random moments after a checkpoint exists
        if rundir.status(run) == rundir.COMPLETE:
            break
        assert rundir.status(run) == rundir.INTERRUPTED  # marked running, but its writer is dead
        code = main(["deploy", str(run), TRAIN])
        assert code == 2
        proc = evosim("resume", run)
        kills += kill_when(proc, lambda: any((run / rundir.CHECKPOINTS).glob("seed*.npz")), rng.uniform(0, 0.4))
    assert kills >= 2, "the run finished before it could be killed; make it longer"
    if rundir.status(run) != rundir.COMPLETE:
        assert main(["resume", str(run)]) == 0
    assert rundir.status(run) == rundir.COMPLETE
    assert not (run / rundir.CHECKPOINTS).exists() and not (run / rundir.LOCK).exists()
    for name in OUTPUTS + (rundir.SNAPSHOTS_NPZ,) + (("replay.csv",) if "--source" in argv else ()):
        whole = tmp_path / "whole" / name
        if not whole.exists():  # the drives and alignment of a mind without explicit drives, a planner's snapshots
            assert name in ("drives.csv", "alignment.csv", rundir.SNAPSHOTS_NPZ) and not (run / name).exists()
            continue
        assert (run / name).read_bytes() == whole.read_bytes(), name


@pytest.mark.slow
def test_ctrl_c_names_the_command_that_resumes_the_run_and_resume_completes_it(tmp_path, capsys):
    argv = STOPPED_EVOLVE
    assert main([*argv, "--out", str(tmp_path / "whole")]) == 0
    run = tmp_path / "stopped"
    proc = evosim(*argv, "--out", run)
    assert kill_when(proc, lambda: any((run / rundir.CHECKPOINTS).glob("seed*.npz")), 0.0, signal.SIGINT)
    assert proc.returncode == 130
    (line,) = proc.stderr.read().splitlines()  # one line, no traceback
    assert line.startswith("evosim: interrupted (Ctrl-C); the run is interrupted, its last good checkpoint kept in ")
    assert line.endswith(f"'evosim resume {run}' continues it")
    assert rundir.status(run) == rundir.INTERRUPTED
    assert main(["resume", str(run)]) == 0
    assert rundir.status(run) == rundir.COMPLETE
    for name in OUTPUTS:
        assert (run / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name


@pytest.mark.slow
def test_checkpoints_hold_state_logs_and_streams(tmp_path, capsys):
    run = tmp_path / "r"
    argv = ["evolve", TRAIN, "--population", "10", "--generations", "5", "--mazes", "2", "--checkpoint-every", "2",
            "--out", str(run)]
    assert main(argv) == 0
    capsys.readouterr()
    # a run that stopped after generation 3: its checkpoint (kept, as evosim keeps it) is where resume starts
    rundir.update_run_json(run, status=rundir.INTERRUPTED)
    whole = {name: (run / name).read_bytes() for name in OUTPUTS}
    (tmp_path / "whole.csv").write_bytes(whole["generations.csv"])
    (run / rundir.CHECKPOINTS).mkdir()
    from evosim.minds import make_mind
    from evosim.optimizers.ga import GASettings
    from evosim.training.reporters import default_reporters
    from evosim.training.loop import Checkpoints, train
    from evosim.worlds import load_world

    world, mind = load_world(TRAIN), make_mind("planner")
    settings = GASettings(population=10, generations=5, mazes=2)
    ckpt = Checkpoints(run / rundir.CHECKPOINTS / "seed-0.npz", 2)
    with pytest.raises(KeyboardInterrupt):
        train(world, mind, settings, [0], reporters=default_reporters(mind, 5, world), checkpoints=ckpt,
              progress=StopAfter(4))
    arrays, state = checkpoint.load(ckpt.path)
    assert state["next_step"] == 4 and state["algorithm"] == "ga" and state["seeds"] == [0]
    assert arrays["optimizer.population"].shape == (10, mind.n_params)
    assert set(state["optimizer"]) == {"random"} and len(state["streams"]) == 1  # DEAP's private Random; the
    # seed's numpy stream (its mazes and actions) is the loop's
    assert [row["step"] for row in state["logs"][0]["generations"]] == [0, 1, 2, 3]
    for name in OUTPUTS:
        (run / name).unlink()
    state["logs"][0]["generations"][0]["exit_rate"] = 0.125  # marks the rows resume takes from the checkpoint
    checkpoint.save(ckpt.path, arrays, state)
    assert main(["resume", str(run)]) == 0
    for name in OUTPUTS[1:]:
        assert (run / name).read_bytes() == whole[name], name
    rows, expected = rundir.read_csv(run / "generations.csv"), rundir.read_csv(tmp_path / "whole.csv")
    assert rows[0].pop("exit_rate") == "0.125" and expected[0].pop("exit_rate") != "0.125"
    assert rows == expected  # the rest continued from the checkpoint, to the same values
    assert main(["resume", str(run)]) == 0
    assert "already complete; nothing to resume" in capsys.readouterr().out


def test_incomplete_runs_are_refused_by_deploy_report_and_watch(tmp_path, capsys):
    run = tmp_path / "r"
    assert main(["evolve", TRAIN, "--population", "6", "--generations", "1", "--mazes", "1",
                 "--out", str(run)]) == 0
    rundir.update_run_json(run, status=rundir.INTERRUPTED)
    capsys.readouterr()
    for argv in (["deploy", str(run), TRAIN], ["report", str(run)], ["watch", TRAIN, "--run", str(run),
                                                                        "--frames", "1"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "incomplete (interrupted)" in err and f"evosim resume {run}" in err
    assert not (run / "deploy.csv").exists() and not (run / "report").exists()


def test_a_lock_stops_a_second_writer_and_a_stale_lock_is_taken_over(tmp_path, capsys):
    run = tmp_path / "r"
    argv = ["evolve", TRAIN, "--population", "6", "--generations", "1", "--mazes", "1", "--out", str(run)]
    assert main(argv) == 0
    before = (run / "generations.csv").read_bytes()
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    started = repr(psutil.Process(holder.pid).create_time())
    try:
        (run / rundir.LOCK).write_text(f"{holder.pid} {os.uname().nodename} {started}\n")
        capsys.readouterr()
        assert main([*argv, "--force", "--seed", "5"]) == 2
        assert f"another evosim command (PID {holder.pid}" in capsys.readouterr().err
        assert (run / "generations.csv").read_bytes() == before
        assert main(["deploy", str(run), TRAIN]) == 2
        (run / rundir.LOCK).write_text(f"{holder.pid} {os.uname().nodename} 1\n")
        assert not rundir.is_locked(run)  # the PID lives, but it is another process than the one that locked
        (run / rundir.LOCK).write_text(f"{holder.pid} {os.uname().nodename} {started}\n")
    finally:
        holder.kill()
        holder.wait()
    assert main([*argv, "--force", "--seed", "5"]) == 0  # its holder died: the lock is stale
    assert json.loads((run / "run.json").read_text())["seeds"] == [5]
    assert not (run / rundir.LOCK).exists()


@pytest.mark.slow
def test_two_commands_writing_one_run_cannot_both_succeed(tmp_path):
    out = tmp_path / "x"
    procs = [evosim("evolve", TRAIN, "--population", "30", "--generations", "8", "--seed", seed, "--out", out)
             for seed in (1, 2)]
    codes = [p.wait(timeout=120) for p in procs]
    assert sorted(codes) == [0, 2]
    winner = (1, 2)[codes.index(0)]
    assert json.loads((out / "run.json").read_text())["seeds"] == [winner]
    loser = procs[codes.index(2)].stderr.read()
    assert loser.count("\n") == 1 and ("another evosim command" in loser or "already holds a run" in loser)


@pytest.mark.slow
def test_seeds_resume_on_a_dask_cluster_quietly(tmp_path):
    argv = STOPPED_EVOLVE
    assert main([*argv, "--out", str(tmp_path / "whole")]) == 0
    run = tmp_path / "killed"
    assert kill_when(evosim(*argv, "--out", run), lambda: any((run / rundir.CHECKPOINTS).glob("seed*.npz")), 0.0)
    proc = subprocess.run([sys.executable, "-m", "evosim.commands.cli", "resume", str(run), "--workers", "2"],
                          capture_output=True, text=True, timeout=300, env=os.environ | {"OMP_NUM_THREADS": "1"})
    assert proc.returncode == 0 and proc.stdout.startswith("resumed: evolved planner x 2 seed(s) by ga")
    assert proc.stderr == ""  # no Dask chatter (workers joining, leaving, being removed)
    for name in OUTPUTS:
        assert (run / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name
