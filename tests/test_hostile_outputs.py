"""Hostile output paths, every command's: refused in one line before any compute, nothing of the user's touched."""
import os
from pathlib import Path

import pytest

from evosim.analysis.report import script_main
from evosim.analysis.training_report import plot_drives
from evosim.commands import demo
from evosim.commands.cli import main
from evosim.core.errors import UserError
from evosim.data import SAVANNA_WORLD, WORLDS
from evosim.runs.names import safe_name
from evosim.worlds import load_world
from helpers import DEPLOY, TRAIN, fake_run
from test_hostile import refused, snapshot

DECEPTION = str(WORLDS / "deception.toml")

#: Every command's output path, as (the flag, a folder or file, the command line writing to OUT).
OUTPUTS = {
    "evolve": ("--out", "folder", ["evolve", TRAIN, "--population", "4", "--generations", "1", "--out", "OUT"]),
    "ecology": ("--out", "folder", ["ecology", SAVANNA_WORLD, "--ticks", "10", "--out", "OUT"]),
    "deception": ("--out", "folder", ["deception", DECEPTION, "--evolve", "--generations", "1", "--population", "4",
                                      "--seeds", "1", "--out", "OUT"]),
    "report": ("--out", "folder", ["report", "RUN", "--out", "OUT"]),
    "demo": ("--out", "folder", ["demo", "--quick", "--out", "OUT"]),
    "watch --record": ("--record", "folder", ["watch", DEPLOY, "--frames", "2", "--record", "OUT"]),
    "watch --screenshot-dir": ("--screenshot-dir", "folder", ["watch", DEPLOY, "--frames", "2",
                                                              "--screenshot-dir", "OUT"]),
    "watch --screenshot": ("--screenshot", "file", ["watch", DEPLOY, "--frames", "2", "--screenshot", "OUT"]),
    "watch deception --screenshot": ("--screenshot", "file", ["watch", DECEPTION, "--frames", "2",
                                                              "--screenshot", "OUT"]),
}


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A folder holding a user's file ``f``, a read-only folder ``ro`` and a run ``R`` to report on; no window,
    and no compute: a command that gets as far as training fails the test."""
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    monkeypatch.setattr(demo, "side_by_side", lambda *a, **k: pytest.fail("the demo started its compute"))
    (tmp_path / "f").write_text("mine")
    (tmp_path / "ro").mkdir()
    fake_run(tmp_path / "R", load_world(TRAIN))
    return tmp_path


def argv_for(command: str, home: Path, out: Path) -> list[str]:
    return [str(out) if a == "OUT" else str(home / "R") if a == "RUN" else str(a) for a in OUTPUTS[command][2]]


@pytest.fixture
def read_only(home, monkeypatch):
    """``home/ro`` made read-only; as root, who writes anywhere, read-only to evosim's check."""
    ro = home / "ro"
    ro.chmod(0o555)
    if os.access(ro, os.W_OK):
        real = os.access
        monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != ro and real(path, mode))
    yield ro
    ro.chmod(0o755)


@pytest.mark.parametrize("command", OUTPUTS)
def test_an_output_under_a_file(home, capsys, command):
    before = snapshot(home)
    flag = OUTPUTS[command][0]
    refused(capsys, *argv_for(command, home, home / "f" / "sub"), says=f"{flag} cannot be made: {home / 'f'} is a file")
    assert snapshot(home) == before


@pytest.mark.parametrize("command", OUTPUTS)
def test_an_output_in_a_read_only_folder(home, read_only, capsys, command):
    before = snapshot(home)
    flag = OUTPUTS[command][0]
    refused(capsys, *argv_for(command, home, read_only / "sub"), says=f"{flag} cannot be written: {read_only} is read-only")
    assert snapshot(home) == before and not any(read_only.iterdir())


@pytest.mark.parametrize("command", OUTPUTS)
def test_an_output_of_the_other_kind(home, capsys, command):
    """A folder output that is a file is "a file", never "read-only"; a file output that is a folder, "a folder"."""
    flag, kind, _ = OUTPUTS[command]
    (home / "d").mkdir()
    before = snapshot(home)
    out, says = ((home / "f", f"{flag} is a file, not a folder") if kind == "folder" else
                 (home / "d", f"{flag} is a folder, not a file"))
    refused(capsys, *argv_for(command, home, out), says=says)
    assert snapshot(home) == before


def test_the_demo_report_folder_is_checked_before_the_arms_train(home, capsys):
    (home / "demo").mkdir()
    (home / "demo" / "report").write_text("mine")
    refused(capsys, "demo", "--quick", "--out", home / "demo", says="report: --out is a file, not a folder")
    assert snapshot(home / "demo") == {Path("report"): b"mine"}


def test_record_never_replaces_a_users_frame(home, capsys):
    (home / "rec").mkdir()
    (home / "rec" / "frame_000001.png").write_bytes(b"my frame")
    refused(capsys, "watch", DEPLOY, "--frames", "2", "--record", home / "rec", says="a folder evosim did not record into")
    assert snapshot(home / "rec") == {Path("frame_000001.png"): b"my frame"}


def test_record_over_its_own_recording_replaces_only_its_frames(home, capsys):
    rec = home / "new" / "rec"  # a folder that does not exist yet is made
    assert main(["watch", DEPLOY, "--frames", "4", "--record", str(rec)]) == 0
    assert sorted(p.name for p in rec.glob("*.png")) == [f"frame_00000{i}.png" for i in (1, 2, 3, 4)]
    (rec / "notes.txt").write_text("mine")
    assert main(["watch", DEPLOY, "--frames", "4", "--every", "2", "--record", str(rec)]) == 0
    assert sorted(p.name for p in rec.glob("*.png")) == ["frame_000002.png", "frame_000004.png"]
    assert (rec / "notes.txt").read_text() == "mine"
    (rec / "frame_000006.png").write_bytes(b"my frame")  # a frame name evosim did not record
    refused(capsys, "watch", DEPLOY, "--frames", "6", "--record", rec, says="holds frame_000006.png, which evosim did not record")
    assert (rec / "frame_000006.png").read_bytes() == b"my frame" and (rec / ".evosim-recording").exists()


@pytest.mark.parametrize("world", [DEPLOY, DECEPTION])
def test_screenshot_never_replaces_a_file(home, capsys, world):
    refused(capsys, "watch", world, "--frames", "2", "--screenshot", home / "f", says="--screenshot already exists")
    assert (home / "f").read_text() == "mine"


def test_the_deception_viewer_makes_the_screenshots_folder(home):
    shot = home / "new" / "deeper" / "shot.png"
    assert main(["watch", DECEPTION, "--frames", "2", "--screenshot", str(shot)]) == 0
    assert shot.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("out, says", [("f/sub", "f is a file"), ("f", "--out is a file, not a folder")])
def test_analysis_scripts_check_their_out(home, capsys, out, says):
    before = snapshot(home)
    assert script_main(plot_drives, "drives", [str(home / "R"), "--out", str(home / out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err, err
    assert snapshot(home) == before


@pytest.mark.parametrize("value", ["", ".", "..", "a/b", "../x", "a\\b", "tab\there", "nul\0", "/abs"])
def test_safe_name_refuses_anything_but_one_plain_name(value):
    with pytest.raises(UserError, match=r"cell: .* is not a safe file name \(letters, digits and \. _ - \+ only"):
        safe_name(value, "cell")
    assert safe_name("gp-0.5_x+1", "cell") == "gp-0.5_x+1"


def test_a_report_never_replaces_a_users_file_of_a_reports_name(home, capsys):
    figures = home / "figures"
    figures.mkdir()
    (figures / "report.md").write_text("my notes")
    before = snapshot(home)
    assert main(["report", str(home / "R"), "--out", str(figures)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "report.md: --out holds a file evosim did not write" in err
    assert snapshot(home) == before
    (figures / "drives.png").write_bytes(b"my figure")
    before = snapshot(home)
    assert script_main(plot_drives, "drives", [str(home / "R"), "--out", str(figures)]) == 2  # the scripts too
    assert "drives.png: --out holds a file evosim did not write" in capsys.readouterr().err
    assert snapshot(home) == before


def test_a_users_figure_of_a_reports_name_blocks_a_report_in_its_format_only(home, capsys):
    figures = home / "figures"
    figures.mkdir()
    (figures / "drives.pdf").write_bytes(b"my figure")
    before = snapshot(home)
    refused(capsys, "report", home / "R", "--out", figures, "--format", "pdf",
            says="drives.pdf: --out holds a file evosim did not write")
    assert snapshot(home) == before
    assert main(["report", str(home / "R"), "--out", str(figures), "--format", "svg"]) == 0
    assert (figures / "drives.pdf").read_bytes() == b"my figure" and (figures / "report.md").exists()


def test_a_report_writes_over_its_own_report_and_keeps_the_users_other_files(home, capsys):
    figures = home / "figures"
    figures.mkdir()
    (figures / "notes.txt").write_text("keep")
    for _ in range(2):  # the second report replaces the first's files, which the folder's marker lists
        assert main(["report", str(home / "R"), "--out", str(figures)]) == 0
    assert (figures / "report.md").exists() and (figures / "notes.txt").read_text() == "keep"
    assert (figures / ".evosim-report").read_text() == "report.md\n"
