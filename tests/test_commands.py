"""The main job and the benchmark, end to end through the command line."""
import re

import pytest

from evosim.commands.cli import main

#: A row of the demo's outcome table: name, then n and shares over decisive episodes, then over all.
TABLE_ROW = re.compile(r"^  ((?:evolution|gradient|reference) [\w-]+)(?: \*)?\s+(?:[\d.]+|-) \|"
                       r"\s+(\d+(?:\s+[\d.]+){3})\s+\|\s+(\d+(?:\s+[\d.]+){4})$", re.M)


@pytest.mark.slow
def test_bench_prints_speed_figures(capsys):
    assert main(["bench", "--population", "20", "--repeats", "1", "--env-steps", "2000", "--ticks", "20"]) == 0
    out = capsys.readouterr().out
    rates = re.findall(r"(maze-\w+)\s+(planner|reflex)\s+([\d,]+) agent-steps/s", out)
    assert {(w, m) for w, m, _ in rates} == {(w, m) for w in ("maze-train", "maze-deploy")
                                             for m in ("planner", "reflex")}
    assert all(int(r.replace(",", "")) > 0 for _, _, r in rates)
    assert re.search(r"evolution: [\d.]+ s per generation of 20 planners", out)
    assert len(re.findall(r"gradient: [\d.]+ updates/s for 8 (planner|reflex) learners", out)) == 2
    envs = re.findall(r"(evosim/Maze-\w+-v0)\s+(single env|vector env x 256)\s+([\d,]+) steps/s", out)
    assert len({(e, kind) for e, kind, _ in envs}) == 4 and all(int(r.replace(",", "")) > 0 for *_, r in envs)
    assert re.search(r"savanna, 1,000 creatures and 3,000 food items: [\d,]+ ticks/s headless; viewer [\d,]+ "
                     r"frames/s", out)


@pytest.mark.slow
def test_quick_demo_trains_deploys_and_reports_every_arm_the_same_on_any_number_of_workers(tmp_path, capsys):
    assert main(["demo", "--quick", "--workers", "1", "--out", str(tmp_path / "one")]) == 0
    capsys.readouterr()
    assert main(["demo", "--quick", "--workers", "2", "--out", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
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
    for arm in ("evolution-planner", "evolution-reflex", "gradient-planner", "gradient-reflex"):
        run = tmp_path / "demo" / arm
        assert {"run.json", "generations.csv", "deploy.csv", "probes.csv", "agents.npz"} <= {p.name for p in run.iterdir()}
    report = tmp_path / "demo" / "report"
    assert (report / "report.md").exists() and len(list(report.glob("*.png"))) == 3
    tables = sorted(p.relative_to(tmp_path / "demo") for p in (tmp_path / "demo").glob("*/*.csv"))
    assert len(tables) >= 14
    for table in tables:  # the arms ran side by side on two workers, and wrote what one worker writes
        assert (tmp_path / "demo" / table).read_bytes() == (tmp_path / "one" / table).read_bytes(), table
