"""The main job and the benchmark, end to end through the command line."""
import re

from evosim.cli import main


def test_bench_prints_speed_figures(capsys):
    assert main(["bench", "--population", "20", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    rates = re.findall(r"(maze-\w+)\s+(planner|reflex)\s+([\d,]+) agent-steps/s", out)
    assert {(w, m) for w, m, _ in rates} == {(w, m) for w in ("maze-train", "maze-deploy")
                                             for m in ("planner", "reflex")}
    assert all(int(r.replace(",", "")) > 0 for _, _, r in rates)
    assert re.search(r"evolution: [\d.]+ s per generation of 20 planners", out)
