"""Many seeds at once: in this process, on a local Dask cluster, or on a remote scheduler.

Each seed's run is independent and deterministic, so where it runs never changes
what it returns.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from tqdm import tqdm

from .settings import Settings, setting


@dataclass(frozen=True)
class ClusterSettings(Settings):
    """Where the seeds run."""

    workers: int = setting(1, "Dask LocalCluster workers for the seeds", least=1)
    scheduler: str | None = setting(None, "address of a running Dask scheduler to send the seeds to, "
                                          "e.g. tcp://HOST:8786")


def map_seeds(fn: Callable, seeds: list, workers: int = 1, scheduler: str | None = None,
              desc: str = "seeds") -> list:
    """``[fn(seed) for seed in seeds]``, spread over Dask workers when asked."""
    if scheduler is None and workers <= 1:
        return [fn(seed) for seed in seeds]
    from distributed import Client, LocalCluster

    if scheduler is not None:
        with Client(scheduler) as client:
            return _gather(client, fn, seeds, desc)
    # the client closes before its cluster, so that no worker leaves while it holds results
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        return _gather(client, fn, seeds, desc)


def _gather(client, fn: Callable, seeds: list, desc: str) -> list:
    """Every seed's result, in order, with a progress bar as they finish."""
    from distributed import as_completed

    futures = client.map(fn, seeds, pure=False)
    for _ in tqdm(as_completed(futures), total=len(futures), desc=desc, disable=None):
        pass
    return client.gather(futures)
