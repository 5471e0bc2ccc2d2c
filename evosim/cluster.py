"""Many seeds at once: in this process, on a local Dask cluster, or on a remote scheduler.

Each seed's run is independent and deterministic, so where it runs never changes
what it returns.
"""
from __future__ import annotations

from typing import Callable

from tqdm import tqdm


def map_seeds(fn: Callable, seeds: list[int], workers: int = 1, scheduler: str | None = None,
              desc: str = "seeds") -> list:
    """``[fn(seed) for seed in seeds]``, spread over Dask workers when asked."""
    if scheduler is None and workers <= 1:
        return [fn(seed) for seed in seeds]
    from distributed import Client, LocalCluster, as_completed

    if scheduler is not None:
        client = Client(scheduler)
    else:
        client = Client(LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                     dashboard_address=":0"))
    with client:
        futures = client.map(fn, seeds, pure=False)
        for _ in tqdm(as_completed(futures), total=len(futures), desc=desc, disable=None):
            pass
        results = client.gather(futures)
        if scheduler is None:
            client.cluster.close()
    return results
