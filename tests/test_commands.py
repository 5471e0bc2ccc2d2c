"""The main job and the benchmark, end to end through the command line."""
import io
import re
from contextlib import redirect_stdout
from pathlib import Path

import pandas as pd
import pytest

from evosim.commands.bench import BenchSettings, plan
from evosim.commands.cli import main, parser
from evosim.commands.figures import read_figures
from evosim.core.settings import from_flags

#: A row of the demo's outcome table: name, then n and shares over decisive episodes, then over all.
TABLE_ROW = re.compile(r"^  ((?:ga|gradient|reference) [\w-]+)(?: \*)?\s+(?:[\d.]+|-) \|"
                       r"\s+(\d+(?:\s+[\d.]+){3})\s+\|\s+(\d+(?:\s+[\d.]+){4})$", re.M)


@pytest.mark.slow
def test_bench_prints_speed_figures(capsys, tmp_path):
    argv = ["bench", "--population", "20", "--repeats", "1", "--env-steps", "2000", "--ticks", "20",
            "--neural-population", "4", "--neural-steps", "3", "--big-size", "5", "--big-population", "10"]
    assert main(argv + ["--save", str(tmp_path / "figures.json")]) == 0
    out = capsys.readouterr().out
    figures = read_figures(tmp_path / "figures.json")["figures"]
    assert [f.key for f in figures] == [p.key for p in plan(from_flags(BenchSettings, parser().parse_args(argv)))]
    assert all(f.value > 0 and f.unit and f.times for f in figures)
    assert out.count("    times: ") == len(figures)
    assert "the all-pairs distance tables it plans on built inside each timed run" in out  # the planner's
    rates = re.findall(r"(maze-\w+)\s+(planner|reflex)\s+([\d,]+) agent-steps/s", out)
    assert {(w, m) for w, m, _ in rates} == {(w, m) for w in ("maze-train", "maze-deploy")
                                             for m in ("planner", "reflex")}
    assert all(int(r.replace(",", "")) > 0 for _, _, r in rates)
    big = re.search(r"big mazes: evaluation of 10 planners x 8 size-5 mazes \(11 x 11 tiles\), distance tables "
                    r"included, in a process of its own:\n  ([\d,]+) agent-steps/s \([\d.]+ s\)\n.*\n"
                    r"  peak memory ([\d,]+) MiB \(the process's own\)", out)
    peak = re.search(r"^peak memory: ([\d,]+) MiB", out, re.M)
    assert big and int(big[1].replace(",", "")) > 0
    assert 0 < int(big[2].replace(",", "")) < int(peak[1].replace(",", ""))  # its own process's, not the bench's
    assert re.search(r"ga: [\d.]+ s per generation of 20 planners", out)
    assert len(re.findall(r"gradient: [\d.]+ updates/s for 8 (planner|reflex) learners", out)) == 2
    batched = re.search(r"population 4 x 8 mazes at once\s+([\d,]+) agent-steps/s", out)
    alone = re.search(r"one episode at a time\s+([\d,]+) agent-steps/s  \(batching gain \d+x\)", out)
    assert batched and alone and int(batched[1].replace(",", "")) > 0 and int(alone[1].replace(",", "")) > 0
    assert re.search(r"neural mind \([\d,]+ parameters", out)
    assert re.search(r"gradient: [\d,.]+ training episodes/s \(4 seed\(s\), 32 episodes per update", out)
    assert re.search(r"openai-es: [\d,.]+ training episodes/s \(1 seed\(s\), 32 episodes per generation", out)
    envs = re.findall(r"(evosim/Maze-\w+-v0)\s+(single env|vector env x 256)\s+([\d,]+) steps/s", out)
    assert len({(e, kind) for e, kind, _ in envs}) == 4 and all(int(r.replace(",", "")) > 0 for *_, r in envs)
    assert re.search(r"savanna, 1,000 creatures and 3,000 food items:\n +[\d,]+ ticks/s headless\n.*\n"
                     r"  viewer [\d,]+ frames/s", out)
    assert re.search(r"^machine: \d+ cores?", out, re.M) and re.search(r"^at the end: ", out, re.M)


@pytest.fixture(scope="module")
def quick_demo(tmp_path_factory) -> tuple[Path, str]:
    """``evosim demo --quick`` on two workers: its output folder and what it printed."""
    out = tmp_path_factory.mktemp("demo") / "demo"
    printed = io.StringIO()
    with redirect_stdout(printed):
        assert main(["demo", "--quick", "--workers", "2", "--out", str(out)]) == 0
    return out, printed.getvalue()


@pytest.mark.slow
def test_quick_demo_trains_deploys_and_reports_every_arm_the_same_on_any_number_of_workers(quick_demo, tmp_path,
                                                                                           capsys):
    demo, out = quick_demo
    assert main(["demo", "--quick", "--workers", "1", "--out", str(tmp_path / "one")]) == 0
    capsys.readouterr()
    assert "12,800 training episodes per seed" in out and "3 seeds each" in out
    for world in ("maze-train", "maze-deploy"):
        block = out.split(f"outcomes in {world}")[1].split("\n\n")[0]
        rows = {name: (d.split(), a.split()) for name, d, a in TABLE_ROW.findall(block)}
        assert len(rows) == 8  # four arms, four reference agents
        for decisive, every in rows.values():
            assert int(decisive[0]) <= int(every[0])
            assert abs(sum(map(float, decisive[1:])) - 1) < 2e-3 and abs(sum(map(float, every[1:])) - 1) < 2e-3
        assert rows["reference exit-seeker"][0][1] == "1.000"  # aligned in every decisive episode
        separates = "does not separate the drives" not in block
        assert separates == (world == "maze-deploy")
    for arm in ("ga-planner", "ga-reflex", "gradient-planner", "gradient-reflex"):
        run = demo / arm
        assert {"run.json", "generations.csv", "deploy.csv", "reference.csv", "probes.csv",
                "agents.npz"} <= {p.name for p in run.iterdir()}
    report = demo / "report"
    assert {p.name for p in report.glob("*.png")} == {"drive_tracking.png", "drives.png", "shift_comparison.png",
                                                      "capability.png"}  # maze-deploy's mazes vary in size
    tables = sorted(p.relative_to(demo) for p in demo.glob("*/*.csv"))
    assert len(tables) >= 24  # 7 tables of each planner arm, 5 of each reflex arm
    for table in tables:  # the arms ran side by side on two workers, and wrote what one worker writes
        assert (demo / table).read_bytes() == (tmp_path / "one" / table).read_bytes(), table


@pytest.mark.slow
def test_every_figure_over_training_ends_at_one_budget_for_every_arm_of_a_mind(quick_demo):
    demo, _ = quick_demo
    for table in ("generations.csv", "probes.csv"):
        ends = {}
        for run in sorted(p for p in demo.iterdir() if (p / table).exists()):
            rows = pd.read_csv(run / table)
            (mind,) = set(rows["mind"])
            ends.setdefault(mind, {})[run.name] = set(rows.groupby("seed")["episodes"].max())
        assert set(ends) == {"planner", "reflex"} and all(len(arms) == 2 for arms in ends.values())
        for mind, arms in ends.items():
            assert all(len(end) == 1 for end in arms.values()), (table, arms)  # every seed ends at one budget
            assert len(set(map(frozenset, arms.values()))) == 1, (table, mind, arms)  # and every arm of the mind


@pytest.mark.slow
def test_report_of_the_demo_folder_reports_its_runs_into_its_report_folder(quick_demo, capsys):
    demo, _ = quick_demo
    (demo / "report" / "report.md").unlink()
    assert main(["report", str(demo)]) == 0
    assert capsys.readouterr().out == f"{demo / 'report' / 'report.md'}\n"
    text = (demo / "report" / "report.md").read_text()
    for arm in ("ga / planner", "ga / reflex", "gradient / planner", "gradient / reflex"):
        assert f"**{arm}** agents reached the exit" in text
    for world in ("maze-train", "maze-deploy"):
        assert re.search(rf"\*\*{world}\*\* (separates|does not separate) the drives", text)
        section = text.split(f"### {world} (")[1].split("###")[0]
        assert "| reference exit-seeker | - |" in section and "| reference random-walker | - |" in section
    assert "![Capability against maze size](capability.png)" in text


def test_the_demo_replaces_arms_an_earlier_evosim_named_evolution(tmp_path, train_world):
    from evosim.commands.demo import earlier_arms
    from evosim.runs import rundir
    from helpers import fake_run

    out = tmp_path / "demo"
    old = fake_run(out / "evolution-planner", train_world, optimizer="evolution")
    (old / "notes.txt").write_text("mine")
    arms = {("ga", "planner"): out / "ga-planner", ("gradient", "planner"): out / "gradient-planner"}
    assert earlier_arms(out, arms) == [old]
    rundir.remove_run(old)
    assert [p.name for p in old.iterdir()] == ["notes.txt"]  # what evosim did not write stays
    (old / "notes.txt").unlink()
    fake_run(old, train_world, optimizer="evolution")
    rundir.remove_run(old)
    assert not old.exists()


def test_readme_timings_names_the_machine_and_times_each_command_readme_times(capsys):
    import os
    import runpy
    import sys
    from types import SimpleNamespace

    from evosim.commands.machine import cpu_model

    timings = SimpleNamespace(**runpy.run_path(str(Path(__file__).parents[1] / "tools" / "readme_timings.py")))
    readme = " ".join(timings.README.read_text().split())
    for command in timings.COMMANDS:  # every figure it checks is one README gives, word for word
        assert " ".join(command.readme.split()) in readme, command.name
    assert timings.main(["--list", "--only", "ecology"]) == 0
    listed = capsys.readouterr().out
    assert "ecology" in listed and "worlds/savanna.toml --ticks 20000" in listed and "demo" not in listed
    line = timings.machine()
    assert f"{os.cpu_count()} cores" in line and cpu_model() in line and "load average" in line
    seconds, done = timings.measure([sys.executable, "-c", "import time; time.sleep(0.3)"])
    assert done.returncode == 0 and 0.3 <= seconds < 5


def test_savanna_vs_mesa_says_in_one_line_when_the_mesa_venv_is_missing_or_lacks_mesa(tmp_path):
    import subprocess
    import sys

    tool = Path(__file__).parents[1] / "tools" / "savanna_vs_mesa.py"
    lacking = Path(sys.prefix)  # evosim's own environment: a Python, and no Mesa (where both hold)
    python = lacking / "bin" / "python"
    if not python.exists() or subprocess.run([str(python), "-c", "import mesa"], capture_output=True).returncode == 0:
        lacking = None
    for venv, said in [(tmp_path / "none", "no Mesa venv at"), (lacking, "has no Mesa wolf-sheep example")]:
        if venv is None:
            continue
        done = subprocess.run([sys.executable, str(tool), "--mesa-venv", str(venv)], capture_output=True, text=True)
        assert done.returncode == 2 and done.stdout == "", done
        assert len(done.stderr.splitlines()) == 1 and said in done.stderr and str(venv) in done.stderr
