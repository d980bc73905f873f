"""Running Monte Carlo chunks as Dask tasks, on a local or a remote cluster.

Each chunk is ``montecarlo.simulate_blocks`` on blocks whose random streams
are fixed by their index, so a cluster returns the same integer tallies as a
single process. Dask is an optional extra: ``pip install 'nscc-proj[dask]'``.
"""

from __future__ import annotations

from collections.abc import Callable

from nscc_proj.analysis.montecarlo import Setup, Tally, default_workers, simulate_blocks
from nscc_proj.errors import ClusterError, InputError

Progress = Callable[[int, int], None]


def dask_map_blocks(
    scheduler: str | None = None, workers: int | None = None, progress: Progress | None = None
) -> Callable[[Setup, int, list[list[tuple[int, int]]]], Tally]:
    """A ``map_blocks`` for ``montecarlo.run`` on Dask.

    ``scheduler`` (``tcp://host:8786``) uses an existing cluster; otherwise a
    ``LocalCluster`` with ``workers`` single-threaded worker processes starts
    for the run and stops after it.
    """
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise InputError("the Dask engine needs Dask: pip install 'nscc-proj[dask]'") from None

    def map_blocks(setup: Setup, seed: int, chunks: list[list[tuple[int, int]]]) -> Tally:
        cluster = None
        try:
            if scheduler is None:
                cluster = LocalCluster(
                    n_workers=workers or default_workers(),
                    threads_per_worker=1,
                    dashboard_address=None,
                    # The scheduler serves HTTP anyway (8787 by default): any free local port.
                    scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                )
            client = Client(cluster if cluster is not None else scheduler, timeout="10s")
        except (OSError, ValueError, TypeError) as exc:
            raise ClusterError(f"cannot reach the Dask scheduler {scheduler!r}: {exc}") from None
        try:
            shared = client.scatter(setup, broadcast=True)
            futures = client.map(
                simulate_blocks, [shared] * len(chunks), [seed] * len(chunks), chunks, pure=False
            )
            total: Tally | None = None
            # Added as they arrive, so the client holds one running total.
            for done, (_, part) in enumerate(as_completed(futures, with_results=True), start=1):
                if total is None:
                    total = part
                else:
                    total += part
                if progress is not None:
                    progress(done, len(futures))
            assert total is not None
            return total
        finally:
            client.close()
            if cluster is not None:
                cluster.close()

    return map_blocks
