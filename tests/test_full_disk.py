"""A full disk: one line naming the file, no draft left behind, and a run that resumes once there is room."""
import errno
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from evosim.commands.cli import main
from evosim.runs import files, rundir
from helpers import ROOT, TRAIN
from test_savanna import small_world

E = ["evolve", TRAIN, "--mind", "planner", "--population", "20", "--generations", "2", "--mazes", "2"]
SWEEP = f"""
[sweep]
train = "{ROOT / 'worlds' / 'maze_train.toml'}"
deploy = ["{ROOT / 'worlds' / 'maze_deploy.toml'}"]
arms = ["ga/planner"]
seeds = 1
episodes = 2
budgets = {{ planner = 1600 }}
"""


@pytest.fixture
def disk(tmp_path):
    """A real 4 MB filesystem (tmpfs) for the test; skipped where this machine does not let us mount one."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = shutil.which("mount") and subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
                                                    capture_output=True).returncode == 0
    if not made:
        pytest.skip("mounting a small tmpfs is not permitted here (needs root); test_a_failed_write_* cover it")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(disk: Path, room: int) -> Path:
    """Fill ``disk`` with a ballast file until about ``room`` bytes are left free; the ballast."""
    stat = os.statvfs(disk)
    ballast = disk / "ballast"
    ballast.write_bytes(b"\0" * max(stat.f_bavail * stat.f_frsize - room, 0))
    return ballast


def full(capsys, argv, under: Path) -> str:
    """Run evosim on a full disk: exit 2, one line naming a file under ``under``, no draft left anywhere."""
    code = main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith(f"evosim: error: {under}"), err
    assert "no space left on device" in err, err
    assert not [p for p in under.parent.rglob("*") if p.name.endswith(".tmp")]
    return err


@pytest.mark.parametrize("command, room", [
    (E, 16 * 1024),
    (["ecology", "WORLD", "--ticks", "300", "--log-every", "10", "--checkpoint-every", "100"], 24 * 1024),
])
def test_a_run_on_a_full_disk_is_interrupted_and_resumes_once_there_is_room(disk, tmp_path, capsys, command, room):
    argv = [str(small_world(tmp_path / "small.toml")) if a == "WORLD" else a for a in command]
    run = disk / "R"
    ballast = fill(disk, room)
    full(capsys, [*argv, "--out", run], run)
    assert rundir.status(run) == rundir.INTERRUPTED
    ballast.unlink()
    assert main(["resume", str(run)]) == 0
    assert rundir.status(run) == rundir.COMPLETE


def test_a_sweep_on_a_full_disk_stops_at_once_and_continues_once_there_is_room(disk, tmp_path, capsys):
    experiment = tmp_path / "tiny.toml"
    experiment.write_text(SWEEP)
    argv = ["sweep", experiment, "--out", disk / "S", "--workers", "1"]
    ballast = fill(disk, 32 * 1024)
    err = full(capsys, argv, disk / "S" / "cells" / "ga-planner")
    assert err.count("the run is interrupted") == 1, err
    ballast.unlink()
    assert main([str(a) for a in argv]) == 0
    assert rundir.read_csv(disk / "S" / rundir.SWEEP_CSV)[0]["status"] == "complete"


@pytest.mark.parametrize("command", [
    ["deception", ROOT / "worlds" / "deception.toml", "--evolve", "--seeds", "2", "--generations", "5", "--out"],
    ["watch", ROOT / "worlds" / "maze_deploy.toml", "--frames", "12", "--size", "800x600", "--record"],
])
def test_deception_evolution_and_a_recording_on_a_full_disk(disk, capsys, command):
    fill(disk, 16 * 1024)
    full(capsys, [*command, disk / "out"], disk / "out")


def test_a_report_on_a_full_disk_leaves_its_folder_as_it_was(disk, tmp_path, capsys):
    run = tmp_path / "R"
    assert main([*E, "--out", str(run)]) == 0
    fill(disk, 8 * 1024)
    full(capsys, ["report", run, "--out", disk / "report"], disk / "report")
    assert not (disk / "report").exists() or not any((disk / "report").iterdir())


def test_a_failed_write_is_one_line_naming_the_file_and_resumes(tmp_path, capsys, monkeypatch):
    """Every machine: writing drives.csv says ENOSPC (its draft made first); evolve stops with one line, leaves
    no draft, and resumes once the disk has room."""
    run = tmp_path / "R"

    def no_room(path, *args, **kw):
        f = open(path, *args, **kw)
        if Path(path).name == ".drives.csv.tmp":
            f.close()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return f

    monkeypatch.setattr(files, "open", no_room, raising=False)
    assert main([*E, "--out", str(run)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"evosim: error: {run / 'drives.csv'}: no space left"), err
    assert not list(tmp_path.rglob("*.tmp")) and not (run / "drives.csv").exists()
    assert rundir.status(run) == rundir.INTERRUPTED
    monkeypatch.undo()
    assert main(["resume", str(run)]) == 0
    assert rundir.status(run) == rundir.COMPLETE and (run / "drives.csv").exists()


def test_a_failed_write_keeps_the_file_it_was_to_replace(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("old\n")
    with pytest.raises(files.UserError, match=f"{path}: no space left on device"):
        with files.atomic(path) as f:
            f.write("new\n")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert path.read_text() == "old\n" and os.listdir(tmp_path) == ["t.csv"]


@pytest.mark.parametrize("name", ["out.gif", "out.mp4"])
def test_a_video_recording_on_a_full_disk_leaves_no_file(disk, capsys, name):
    fill(disk, 16 * 1024)
    full(capsys, ["watch", ROOT / "worlds" / "maze_deploy.toml", "--duration", "1", "--size", "800x600",
                  "--record", disk / name], disk / name)
    assert not (disk / name).exists()
