"""Many seeds at once: in this process, on a local Dask cluster, or on a remote scheduler.

Each seed's run is independent and deterministic, so where it runs never changes
what it returns. The paths a worker is handed are absolute: a remote worker reads
and writes the same filesystem, but from a folder of its own. A scheduler address
is checked for its form when the settings are made, and for an answer (within
seconds) before any compute starts.
"""
from __future__ import annotations

import logging
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from tqdm import tqdm

from evosim.core.errors import UserError
from evosim.core.settings import Settings, setting

#: A Dask scheduler address: an optional protocol, a host (a name, IPv4, or [IPv6]) and a port.
ADDRESS = re.compile(r"(?:(?:tcp|tls|ucx|ws|wss)://)?(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})")
CONNECT_TIMEOUT = "5s"
#: A local worker's environment: one thread for JAX's CPU backend as for numpy's, since the workers share the
#: cores (XLA's own pool in every worker oversubscribes them; results are the same bytes either way).
ONE_THREAD = {"XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"}


def cores() -> int:
    """The local machine's cores: the workers of a study that runs on every core by default (a sweep)."""
    return os.cpu_count() or 1


@dataclass(frozen=True)
class ClusterSettings(Settings):
    """Where the seeds run."""

    exclusive = (("workers", "scheduler", "--workers sizes a local cluster; a --scheduler has its own workers"),)

    workers: int = setting(1, "Dask LocalCluster workers for the seeds", least=1)
    scheduler: str | None = setting(None, "address of a running Dask scheduler to send the seeds to, "
                                          "e.g. tcp://HOST:8786")

    def check(self) -> None:
        if self.scheduler is None:
            return
        match = ADDRESS.fullmatch(self.scheduler)
        if match is None or not 0 < int(match.group(1)) < 65536:
            self.fail("scheduler", "is not a scheduler address PROTOCOL://HOST:PORT, e.g. tcp://10.0.0.5:8786 "
                      "(protocols: tcp, tls, ucx, ws, wss)")
        if self.workers != 1:
            self.fail("workers", "applies to a local cluster; a --scheduler has its own workers")


@contextmanager
def connect(settings: ClusterSettings, always: bool = False):
    """A Dask client for the settings, closed on leaving; None for one local worker, unless ``always``.

    An unreachable scheduler is a UserError within seconds. The client closes
    before a local cluster, so that no worker leaves while it holds results; the
    cluster's own logging (workers joining, leaving, and missing a heartbeat while the cluster
    shuts down) stays out of the output; a failed task reaches the caller through its future.
    """
    if settings.scheduler is None and settings.workers <= 1 and not always:
        yield None
        return
    from distributed import Client, LocalCluster

    if settings.scheduler is not None:
        try:
            client = Client(settings.scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as e:
            raise UserError(f"--scheduler: no Dask scheduler answers at {settings.scheduler} "
                            f"within {CONNECT_TIMEOUT} ({str(e).splitlines()[0]})") from None
        with client:
            yield client
        return
    with LocalCluster(n_workers=settings.workers, threads_per_worker=1, processes=True, env=ONE_THREAD,
                      dashboard_address=":0", silence_logs=logging.CRITICAL) as cluster, Client(cluster) as client:
        yield client


def for_workers(path: str | Path) -> Path:
    """``path`` as it is handed to a Dask worker: absolute, since a worker of a remote cluster runs in a folder
    of its own (it must still see the same filesystem)."""
    return Path(path).absolute()


def map_each(fn: Callable, items: list, client=None, desc: str = "tasks") -> list:
    """``[fn(item) for item in items]``, on the Dask ``client``'s workers when there is one."""
    if client is None:
        return [fn(item) for item in items]
    from distributed import as_completed

    futures = client.map(fn, items, pure=False)
    for _ in tqdm(as_completed(futures), total=len(futures), desc=desc, disable=None):
        pass
    return client.gather(futures)
