"""``--scheduler``: an address where no Dask scheduler answers is one clear line, in bounded time.

(Named with the report's prefix for ownership only: it tests ``analysis/distributed.py``.)
Every server here listens on a port the system picks (``bind(('127.0.0.1', 0))``), and the
timeouts are shortened through the module's constants, so nothing waits for long.
"""

from __future__ import annotations

import signal
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from cli_helpers import run
from nscc_proj.analysis import distributed
from nscc_proj.errors import ClusterError

pytest.importorskip("dask.distributed")

Handler = Callable[[socket.socket], None]


@contextmanager
def server(handle: Handler) -> Iterator[str]:
    """A TCP server on a free local port that hands each connection to ``handle``."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.05)  # so the thread sees ``stop`` soon
    stop = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connection.settimeout(None)
            held.append(connection)
            handle(connection)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        listener.close()
        for connection in held:
            connection.close()
        thread.join(timeout=5)


def silent(connection: socket.socket) -> None:
    """Accepts and says nothing, as a database or an HTTP server waiting for a request."""


def http(connection: socket.socket) -> None:
    connection.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello")


def hangs_up(connection: socket.socket) -> None:
    connection.close()


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(autouse=True)
def short_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT", 0.5)
    monkeypatch.setattr(distributed, "WORKER_TIMEOUT", 1.0)


@contextmanager
def bounded(seconds: int) -> Iterator[None]:
    """A watchdog, not a timer: fails the test (SIGALRM) if the block hangs past ``seconds``.

    The bound is generous; nothing is measured, so a busy machine cannot fail it."""

    def hung(*_: object) -> None:
        raise AssertionError(f"still waiting after {seconds} s: the timeout is not honoured")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _refused(address: str, pattern: str) -> None:
    with bounded(30), pytest.raises(ClusterError, match=pattern) as info:
        distributed.dask_map_blocks(address)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("handler", "pattern"),
    [
        (silent, r"accepts connections but is not a Dask scheduler \(no handshake within 0.5 s\)"),
        (http, r"answers but is not a Dask scheduler \(it sent b'HTTP/1.0'"),
        (hangs_up, r"answers but is not a Dask scheduler"),
    ],
    ids=["silent", "http", "hangs-up"],
)
def test_a_foreign_server_is_named_as_such(handler: Handler, pattern: str) -> None:
    with server(handler) as address:
        _refused(address, pattern)


def test_nothing_listening_is_unreachable() -> None:
    _refused(f"tcp://127.0.0.1:{free_port()}", r"cannot reach the Dask scheduler .*: .*refused")


@pytest.mark.parametrize("address", ["tcp://", "tcp://127.0.0.1", "tcp://127.0.0.1:notaport"])
def test_an_address_without_host_and_port_is_refused(address: str) -> None:
    _refused(address, r"give it as tcp://host:port")


def test_the_cli_says_it_in_one_line(workdir: object) -> None:
    with server(silent) as address, bounded(60):
        result = run("simulate", "--paths", "100", "--engine", "dask", "--scheduler", address)
    assert result.exit_code == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"Error: {address!r} accepts connections but is not a Dask scheduler "
        "(no handshake within 0.5 s)"
    ]


@pytest.mark.dask
def test_a_real_scheduler_passes_the_probe_and_one_without_workers_is_named() -> None:
    from dask.distributed import LocalCluster

    with LocalCluster(
        n_workers=0, protocol="tcp://", host="127.0.0.1", dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://127.0.0.1:")
        distributed.check_scheduler(address)  # a Dask handshake: accepted
        map_blocks = distributed.dask_map_blocks(address)
        with pytest.raises(ClusterError, match=r"has no worker \(none joined within 1 s\)"):
            map_blocks(None, 0, [])  # type: ignore[arg-type]
