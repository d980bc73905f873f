"""Running Monte Carlo chunks as Dask tasks, on a local or a remote cluster.

Each chunk is ``montecarlo.simulate_blocks`` on blocks whose random streams
are fixed by their index, so a cluster returns the same integer tallies as a
single process. Dask is an optional extra: ``pip install 'nscc-proj[dask]'``.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Callable
from urllib.parse import urlsplit

from nscc_proj.analysis.montecarlo import Setup, Tally, default_workers, simulate_blocks
from nscc_proj.errors import ClusterError, InputError

Progress = Callable[[int, int], None]

# Seconds to reach a --scheduler and hear its handshake, and to find a worker on it.
CONNECT_TIMEOUT = 10.0
WORKER_TIMEOUT = 60.0
# A Dask TCP message starts with its length (8 bytes, little-endian); a handshake is tens
# of bytes. Anything that announces more is not Dask talking.
_HANDSHAKE_LIMIT = 1 << 16


def dask_map_blocks(
    scheduler: str | None = None, workers: int | None = None, progress: Progress | None = None
) -> Callable[[Setup, int, list[list[tuple[int, int]]]], Tally]:
    """A ``map_blocks`` for ``montecarlo.run`` on Dask.

    ``scheduler`` (``tcp://host:8786``) uses an existing cluster; otherwise a
    ``LocalCluster`` with ``workers`` single-threaded worker processes starts
    for the run and stops after it. An unreachable scheduler, or an address where
    something other than Dask answers, is a ``ClusterError`` within
    ``CONNECT_TIMEOUT`` seconds (``check_scheduler``); a scheduler without workers,
    within ``WORKER_TIMEOUT``.
    """
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise InputError("the Dask engine needs Dask: pip install 'nscc-proj[dask]'") from None
    if scheduler is not None:
        check_scheduler(scheduler)  # before the run, and bounded in time

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
            client = Client(
                cluster if cluster is not None else scheduler, timeout=f"{CONNECT_TIMEOUT:g}s"
            )
        except (OSError, ValueError, TypeError, MemoryError) as exc:
            if cluster is not None:
                cluster.close()
            where = (
                "start a local Dask cluster"
                if scheduler is None
                else f"reach the Dask scheduler {scheduler!r}"
            )
            raise ClusterError(f"cannot {where}: {_one_line(exc)}") from None
        try:
            if cluster is None:
                _wait_for_workers(client, scheduler)
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


def check_scheduler(address: str) -> None:
    """Fail within ``CONNECT_TIMEOUT`` seconds, in one line, unless a Dask scheduler answers
    at ``address``.

    Dask's own client waits without bound on a server that accepts and stays silent, and
    one that answers something else (HTTP, SSH) makes it allocate whatever size the first
    bytes spell. So the address is probed first: a TCP connection, and the first message,
    which a Dask server sends unasked on every connection (its handshake), of a plausible
    length. Only plain ``tcp://`` (or ``host:port``) addresses are probed; other transports
    are left to Dask.
    """
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme != "tcp":
        return
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if not host or port is None:
        raise ClusterError(
            f"cannot reach the Dask scheduler {address!r}: give it as tcp://host:port"
        )
    where = f"the Dask scheduler {address!r}"
    try:
        connection = socket.create_connection((host, port), timeout=CONNECT_TIMEOUT)
    except TimeoutError:
        raise ClusterError(
            f"cannot reach {where}: no connection within {CONNECT_TIMEOUT:g} s"
        ) from None
    except OSError as exc:
        raise ClusterError(f"cannot reach {where}: {_one_line(exc)}") from None
    with connection:
        try:
            head = _receive(connection, 8)
        except TimeoutError:
            raise ClusterError(
                f"{address!r} accepts connections but is not a Dask scheduler "
                f"(no handshake within {CONNECT_TIMEOUT:g} s)"
            ) from None
        except OSError as exc:
            raise ClusterError(
                f"{address!r} accepts connections but is not a Dask scheduler ({_one_line(exc)})"
            ) from None
        length = struct.unpack("<Q", head)[0] if len(head) == 8 else 0
        if not 0 < length <= _HANDSHAKE_LIMIT:
            raise ClusterError(
                f"{address!r} answers but is not a Dask scheduler "
                f"(it sent {head[:8]!r} where Dask sends its handshake)"
            )


def _receive(connection: socket.socket, size: int) -> bytes:
    """Up to ``size`` bytes, fewer if the peer closes first; TimeoutError when silent."""
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return data


def _wait_for_workers(client: object, scheduler: str | None) -> None:
    """A scheduler with no worker would take the tasks and never run them."""
    try:
        client.wait_for_workers(1, timeout=WORKER_TIMEOUT)  # type: ignore[attr-defined]
    except (TimeoutError, OSError):
        raise ClusterError(
            f"the Dask scheduler {scheduler!r} has no worker "
            f"(none joined within {WORKER_TIMEOUT:g} s): start one with dask worker ADDRESS"
        ) from None


def _one_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    if isinstance(error, MemoryError):
        text = "it answered with something Dask could not read (not a Dask scheduler?)"
    return " ".join(text.split())
