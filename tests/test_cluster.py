"""A real Dask cluster: a scheduler and two workers, each its own process on loopback, as a user starts them by
hand; a sweep and a multi-seed evolve sent there write the same tables as in one process."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evosim.commands.cli import main
from evosim.data import DEPLOY_WORLD
from helpers import TRAIN
from test_sweep import EXPERIMENT as SWEEP_EXPERIMENT

REPO = Path(__file__).resolve().parents[1]
#: test_sweep's tiny experiment with one arm (two cells: one for each worker), deployed only in a world file beside
#: it (read by the workers).
EXPERIMENT = SWEEP_EXPERIMENT.replace(', "gradient/planner"]', "]").replace(
    'deploy = ["maze_train.toml", "maze_deploy.toml"]', 'deploy = ["shifted.toml"]')
EVOLVE = [TRAIN, "--population", "8", "--generations", "3", "--seeds", "2"]
WAIT = 30  # seconds for the scheduler and both workers to come up
STOP = 15  # seconds for a process to leave on SIGTERM before it is killed


def start(log: Path, cwd: Path, module: str, *args: str) -> subprocess.Popen:
    """``python -m MODULE ARGS`` with this interpreter (so this clone's evosim), in its own process group, its
    output in ``log``."""
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, "-m", module, *args], cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)


def stop(procs: list[subprocess.Popen]) -> None:
    """SIGTERM each process group started here, then SIGKILL what is still there after :data:`STOP` seconds."""
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(STOP)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def tails(logs: list[Path]) -> str:
    return "\n".join(f"--- {log.name}:\n" + log.read_text(errors="replace")[-2000:] for log in logs if log.exists())


@pytest.fixture
def cluster(tmp_path):
    """``dask scheduler`` and two ``dask worker`` processes (one thread each, a scratch folder each) on 127.0.0.1 at
    free ports the system picks, started in a folder of their own; the scheduler's address once both workers are
    connected. Stopped when the test ends, also when it fails; should this process die, the scheduler stops after
    two idle minutes and the workers a minute after it."""
    from distributed import Client

    home = tmp_path / "cluster"
    (home / "elsewhere").mkdir(parents=True)
    address_file = home / "scheduler.json"
    logs = [home / "scheduler.log", home / "worker-0.log", home / "worker-1.log"]
    procs = []
    try:
        procs.append(start(logs[0], home / "elsewhere", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                           "--port", "0", "--no-dashboard", "--scheduler-file", str(address_file),
                           "--idle-timeout", "120s"))
        for i in (0, 1):
            procs.append(start(logs[1 + i], home / "elsewhere", "distributed.cli.dask_worker",
                               "--scheduler-file", str(address_file), "--host", "127.0.0.1", "--nthreads", "1",
                               "--nworkers", "1", "--name", f"worker-{i}", "--no-dashboard", "--death-timeout", "60s",
                               "--local-directory", str(home / f"scratch-{i}")))
        deadline = time.monotonic() + WAIT
        while not address_file.exists() and time.monotonic() < deadline and procs[0].poll() is None:
            time.sleep(0.1)
        assert address_file.exists(), f"no scheduler within {WAIT} s\n{tails(logs)}"
        with Client(scheduler_file=str(address_file), timeout="10s") as client:
            try:
                client.wait_for_workers(2, timeout=max(deadline - time.monotonic(), 1))
            except TimeoutError:
                pytest.fail(f"both workers not connected within {WAIT} s\n{tails(logs)}")
            address = client.scheduler.address
            imported = client.run(lambda: __import__("evosim").__file__)
        assert address.startswith("tcp://127.0.0.1:") and len(imported) == 2
        assert all(Path(f).is_relative_to(REPO / "evosim") for f in imported.values()), imported
        yield address, logs
    finally:
        stop(procs)


def tables(folder: Path) -> dict:
    """Every table and the agents under ``folder``, with their bytes (the wall times in timings.csv aside)."""
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.suffix in (".csv", ".npz") and p.name != "timings.csv"}


def tasks_run_on_each_worker(address: str) -> dict:
    """Per worker of the cluster: the keys of the tasks its log of task transitions holds (``cell-NAME`` for a
    sweep's cells, ``train_run-…`` for a seed's population)."""
    from distributed import Client

    with Client(address, timeout="10s") as client:
        return client.run(lambda dask_worker: sorted({e[0] for e in dask_worker.state.log if isinstance(e[0], str)}))


@pytest.mark.slow
def test_a_sweep_and_an_evolve_on_a_real_cluster_write_the_tables_of_one_process(cluster, tmp_path, monkeypatch):
    address, logs = cluster
    assert 'deploy = ["shifted.toml"]' in EXPERIMENT and "gradient" not in EXPERIMENT  # test_sweep's, as changed
    work = tmp_path / "work"  # the user's folder: paths on the command line are relative to it, not the workers'
    work.mkdir()
    monkeypatch.chdir(work)
    (work / "tiny.toml").write_text(EXPERIMENT)
    (work / "shifted.toml").write_bytes(DEPLOY_WORLD.read_bytes())
    for where, flags in (("cluster", ["--scheduler", address]), ("local", ["--workers", "1"])):
        assert main(["sweep", "tiny.toml", "--out", f"sweep-{where}", *flags]) == 0, tails(logs)
        assert main(["evolve", *EVOLVE, "--out", f"evolve-{where}", *flags]) == 0, tails(logs)

    sweep = tables(work / "sweep-cluster")
    assert sweep == tables(work / "sweep-local"), tails(logs)
    assert {Path("sweep.csv"), Path("cells/ga-planner_share-0.5/deploy.csv")} <= set(sweep) and len(sweep) >= 2 * 7 + 1
    evolve = tables(work / "evolve-cluster")
    assert evolve == tables(work / "evolve-local")
    assert {Path("generations.csv"), Path("drives.csv"), Path("agents.npz")} <= set(evolve)
    ran = tasks_run_on_each_worker(address)
    cells = sorted(t for tasks in ran.values() for t in tasks if t.startswith("cell-"))
    assert cells == ["cell-ga-planner_share-0.0", "cell-ga-planner_share-0.5"], ran
    assert all(any(t.startswith("cell-") for t in tasks) for tasks in ran.values()), ran  # one cell on each worker
    assert any(t.startswith("train_run-") for tasks in ran.values() for t in tasks), ran  # and the seeds
    assert not list((tmp_path / "cluster" / "elsewhere").iterdir())  # nothing written where the workers run
