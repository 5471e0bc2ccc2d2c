"""watch --record FILE.gif / FILE.mp4: real files, read back with imageio; every flag mistake one line, exit 2."""
import os

os.environ["SDL_VIDEODRIVER"] = "dummy"

import imageio.v3 as iio  # noqa: E402
import pygame  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from evosim.commands.cli import main  # noqa: E402
from evosim.data import DEPLOY_WORLD, WORLDS  # noqa: E402

DEPLOY = str(DEPLOY_WORLD)


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_a_recording_has_its_frames_at_its_size(tmp_path, capsys, suffix):
    """Hand-set planners walking at one tile per frame: every frame differs, so even the GIF keeps them all."""
    video = tmp_path / f"walk{suffix}"
    assert main(["watch", DEPLOY, "--record", str(video), "--duration", "0.6", "--fps", "10",
                 "--size", "640x480"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"recorded 6 frames (0.6 s at 10 fps, 640x480, maze 1) to {video}, ")
    assert out.count("\n") == 1
    frames = iio.imread(video, index=None, **({"plugin": "FFMPEG"} if suffix == ".mp4" else {}))
    assert frames.shape[:3] == (6, 480, 640)
    assert not (frames[0] == frames[-1]).all()  # the agents moved
    if suffix == ".gif":
        with Image.open(video) as gif:
            assert gif.n_frames == 6 and gif.info["duration"] == 100 and gif.info["loop"] == 0
    else:
        assert iio.immeta(video, plugin="FFMPEG")["fps"] == 10
    assert not pygame.display.get_init() and os.environ["SDL_VIDEODRIVER"] == "dummy"
    assert sorted(p.name for p in tmp_path.iterdir()) == [video.name]  # no draft left beside it


def test_a_gif_of_a_still_scene_lengthens_its_frames(tmp_path, capsys):
    """A paused-looking deception hold: identical frames are one GIF frame shown longer; the line says so."""
    gif = tmp_path / "game.gif"
    assert main(["watch", str(WORLDS / "deception.toml"), "--record", str(gif), "--duration", "3", "--fps", "5",
                 "--speed", "240", "--size", "640x480"]) == 0
    out = capsys.readouterr().out
    assert "recorded 15 frames (3 s at 5 fps, 640x480, episode" in out and "the GIF stores" in out
    with Image.open(gif) as image:
        durations = []
        for i in range(image.n_frames):
            image.seek(i)
            durations.append(image.info["duration"])
    assert image.n_frames < 15 and sum(durations) == 3000


def test_record_into_a_folder_still_saves_png_frames_and_says_so(tmp_path, capsys):
    assert main(["watch", DEPLOY, "--frames", "4", "--every", "2", "--record", str(tmp_path / "rec"),
                 "--size", "640x480"]) == 0
    assert sorted(p.name for p in (tmp_path / "rec").glob("*.png")) == ["frame_000002.png", "frame_000004.png"]
    assert capsys.readouterr().out == f"recorded 2 frames (every 2 of 4, 640x480, maze 1) as PNG files in {tmp_path / 'rec'}\n"


@pytest.mark.parametrize("flags, says", [
    (["--record", "OUT/walk.avi"], "OUT/walk.avi: --record ends in .avi; record a .gif or .mp4 file, or PNG frames"),
    (["--record", "OUT/walk.gif", "--fps", "60"], "--fps: 60 is above 50: a GIF's frame times are hundredths"),
    (["--record", "OUT/walk.gif", "--fps", "0"], "--fps: 0 must be between 1 and 60"),
    (["--record", "OUT/walk.gif", "--duration", "0"], "--duration: 0.0 must be above 0.0"),
    (["--record", "OUT/walk.gif", "--duration", "0.01"], "--duration: 0.01 is shorter than one frame at 20 frames"),
    (["--record", "OUT/walk.mp4", "--size", "641x480"], "--size: '641x480' has an odd side; an MP4"),
    (["--record", "OUT/walk.gif", "--frames", "10"], "--frames: 10 does not apply to a GIF or MP4 recording"),
    (["--record", "OUT/walk.mp4", "--every", "2"], "--every: 2 applies to --record DIR (PNG frames)"),
    (["--duration", "5"], "--duration: 5.0 applies only with --record FILE.gif or FILE.mp4"),
    (["--record", "OUT/frames", "--fps", "10"], "--fps: 10 applies only with --record FILE.gif or FILE.mp4"),
    (["--record", "OUT/old.gif"], "OUT/old.gif: --record already exists; evosim records only to a new file"),
])
def test_recording_flags_are_checked_before_anything_runs(tmp_path, capsys, flags, says):
    (tmp_path / "old.gif").write_bytes(b"mine")
    argv = ["watch", DEPLOY] + [f.replace("OUT", str(tmp_path)) for f in flags]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says.replace("OUT", str(tmp_path)) in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.gif"] and (tmp_path / "old.gif").read_bytes() == b"mine"
    assert not pygame.display.get_init()


def test_a_recording_needs_no_display(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SDL_VIDEODRIVER")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert main(["watch", DEPLOY, "--record", str(tmp_path / "w.mp4"), "--duration", "0.2", "--fps", "10",
                 "--size", "640x480"]) == 0
    assert "recorded 2 frames" in capsys.readouterr().out
    assert "SDL_VIDEODRIVER" not in os.environ  # headless only while it recorded
