"""The bench's figures as records: what each times, the machine's load, --save, --only and --compare."""
import json
import os
import re
import sys

import pytest

from evosim.commands import bench
from evosim.commands.cli import main
from evosim.commands.compare import Side, table
from evosim.commands.figures import FORMAT, LOWER, Figure, read_figures

TINY = ["--population", "4", "--repeats", "1"]


def test_each_figure_is_a_record_saying_what_it_times_and_under_what_load(tmp_path, capsys, monkeypatch):
    cores = os.cpu_count()
    monkeypatch.setattr(os, "getloadavg", lambda: (cores + 0.5, 1.0, 1.0))
    saved = tmp_path / "figures.json"
    assert main(["bench", "--only", "steps/maze-train,memory", *TINY, "--save", str(saved)]) == 0
    out = capsys.readouterr().out
    doc = json.loads(saved.read_text())
    assert doc["format"] == FORMAT and doc["machine"]["cores"] == cores and doc["settings"] == {"population": 4,
                                                                                                 "repeats": 1}
    assert doc["start"]["load_average"] == [cores + 0.5, 1.0, 1.0] and 0 <= doc["end"]["others_cpu"] <= 1
    figures = {f["key"]: f for f in doc["figures"]}
    assert list(figures) == ["steps/maze-train/planner", "steps/maze-train/reflex", "memory/peak"]
    assert [f["unit"] for f in figures.values()] == ["agent-steps/s", "agent-steps/s", "MiB"]
    assert figures["memory/peak"]["better"] == LOWER and all(f["value"] > 0 for f in figures.values())
    planner, reflex = figures["steps/maze-train/planner"]["times"], figures["steps/maze-train/reflex"]["times"]
    assert planner.startswith("run() of 4 planner agents x 8 maze-train mazes") and planner.endswith("best of 1")
    assert "distance tables it plans on built inside each timed run" in planner and "no distance tables" in reflex
    assert f"    times: {planner}  [LOADED: load {cores + 0.5:.2f} on {cores} cores" in out
    assert re.search(rf"^machine: {cores} cores?", out, re.M) and "at the start: load average" in out

    monkeypatch.setattr(os, "getloadavg", lambda: (cores - 0.5, 1.0, 1.0))
    assert main(["bench", "--only", "memory", "--save", str(saved)]) == 0  # the bench's own file: replaced
    out = capsys.readouterr().out
    assert "LOADED" not in out and f"[load {cores - 0.5:.2f} on {cores} cores" in out
    assert [f.key for f in read_figures(saved)["figures"]] == ["memory/peak"]


def test_save_never_replaces_a_file_evosim_did_not_write(tmp_path, capsys):
    theirs = tmp_path / "notes.json"
    theirs.write_text('{"mine": 1}\n')
    assert main(["bench", "--only", "memory", "--save", str(theirs)]) == 2
    out, err = capsys.readouterr()
    assert err == (f"evosim: error: {theirs}: --save names a file evosim did not write (no figures file of evosim "
                   "bench); evosim replaces only a file its bench saved, pick another name\n")
    assert out == "" and theirs.read_text() == '{"mine": 1}\n'


def side(*figures: Figure, evosim: str = "evosim 1 (a)") -> Side:
    return Side({f.key: f for f in figures}, evosim, 2, [f.key for f in figures])


def test_the_table_divides_this_by_the_reference_and_names_what_one_side_lacks():
    this = side(Figure("steps/a", 3000.0, "agent-steps/s", "run() of a"), Figure("gen/b", 0.25, "s/gen", "b", LOWER))
    ref = side(Figure("steps/a", 1200.0, "agent-steps/s", "run() of A", load=5.0), Figure("c", 1.0, "MiB", "c"),
               evosim="evosim 0 (b)")
    lines = table(this, ref)
    assert lines[:2] == ["this:      evosim 1 (a)", "reference: evosim 0 (b)"]
    rows = {line.split()[0]: line.split() for line in lines[3:] if not line.startswith(" ")}
    assert rows["steps/a"][1:4] == ["3,000", "1,200", "2.500"] and rows["steps/a"][-1] == "LOADED"
    assert rows["gen/b"][1:4] == ["0.25", "missing", "-"] and "(lower is better)" in " ".join(rows["gen/b"])
    assert rows["c"][1:4] == ["missing", "1", "-"]
    assert "    times here:      run() of a" in lines and "    times reference: run() of A" in lines
    assert "missing in the reference: gen/b" in lines and "missing in this evosim: c" in lines
    only = table(this, ref, only="steps,gen")  # the reference's figures --only does not name are left out
    assert "missing in the reference: gen/b" in only and not any(line.startswith("c ") for line in only)
    assert not any("missing in this evosim" in line for line in only)


def test_compare_with_a_saved_file_prints_exact_ratios(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(bench, "peak_memory", lambda: 100.0)
    same = tmp_path / "same.json"
    assert main(["bench", "--only", "memory", "--save", str(same)]) == 0
    assert main(["bench", "--only", "memory", "--compare", str(same)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^memory/peak +100 +100 +1\.000  MiB \(lower is better\)", out, re.M)
    assert "(the same evosim on both sides" in out

    doc = json.loads(same.read_text())
    doc["figures"] = [dict(doc["figures"][0], value=50.0), dict(doc["figures"][0], key="memory/swap", times="x")]
    half = tmp_path / "half.json"
    half.write_text(json.dumps(doc))
    assert main(["bench", "--only", "memory", "--compare", str(half)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^memory/peak +100 +50 +2\.000  MiB", out, re.M)
    assert re.search(r"^memory/swap +missing +100 +-  MiB", out, re.M) and "missing in this evosim: memory/swap" in out


@pytest.mark.slow
def test_compare_with_a_python_runs_each_figure_in_turn_in_fresh_processes(tmp_path, capsys):
    saved = tmp_path / "this.json"
    assert main(["bench", "--only", "steps/maze-train/planner", *TINY, "--compare", sys.executable, "--rounds", "1",
                 "--save", str(saved)]) == 0
    out = capsys.readouterr().out
    runs = re.search(r"^steps/maze-train/planner: this ([\d,]+); reference ([\d,]+) agent-steps/s$", out, re.M)
    row = re.search(r"^steps/maze-train/planner +([\d,]+) +([\d,]+) +([\d.]+)  agent-steps/s", out, re.M)
    assert runs and row and runs.groups() == row.groups()[:2]
    this, ref = (float(x.replace(",", "")) for x in row.groups()[:2])
    assert float(row[3]) == pytest.approx(this / ref, abs=1e-3)
    assert "(the same evosim on both sides" in out and "    times: run() of 4 planner agents" in out
    assert read_figures(saved)["figures"][0].value == pytest.approx(this, abs=1)


def test_a_bad_reference_or_key_is_one_line_before_anything_runs(tmp_path, capsys):
    text = tmp_path / "notes.txt"
    text.write_text("not figures\n")
    script = tmp_path / "python"
    script.write_text("#!/bin/sh\necho hello\n")
    script.chmod(0o755)
    (tmp_path / "venv").mkdir()
    saved = tmp_path / "out.json"
    for ref, why in [(text, "is neither a figures file of evosim bench nor an executable"),
                     (tmp_path / "venv", "is a folder without bin/python"),
                     (tmp_path / "nowhere", "no such file, folder or command"),
                     (script, f"'{script} -m evosim bench --list' failed (it listed no figures)")]:
        assert main(["bench", "--compare", str(ref), "--save", str(saved)]) == 2
        out, err = capsys.readouterr()
        assert err.startswith(f"evosim: error: {ref}: --compare") and why in err and err.count("\n") == 1
        assert "it expects a figures file saved by 'evosim bench --save', a Python executable" in err and out == ""
    assert main(["bench", "--only", "steps/maze-train,gym/nope", "--save", str(saved)]) == 2
    out, err = capsys.readouterr()
    assert err.startswith("evosim: error: --only: 'gym/nope' is no figure's key nor the start of one; the keys: "
                          "steps/maze-train/planner, ") and err.count("\n") == 1 and out == ""
    assert not saved.exists() and not list(tmp_path.glob(".*.tmp"))
