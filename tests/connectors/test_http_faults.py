"""The shared session against real sockets that fail, and the retry counts of each fault.

`responses` replays answers inside requests; these tests also open real TCP servers on
127.0.0.1 that reset the connection, never answer or refuse it, so the errors come from
urllib3 and the operating system exactly as they would in production.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import requests
import responses
import urllib3.exceptions

from socialplan.connectors.base import NetworkDown, RateLimited, ServiceError
from socialplan.connectors.http import (
    MAX_NETWORK_RETRIES,
    MAX_RETRIES,
    make_session,
    read_json,
    was_cut_off,
)
from tests.connectors.payloads import MAINTENANCE_PAGE

URL = "https://api.example.com/data"
OK_ANSWER = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12\r\n"
    b'Connection: close\r\n\r\n{"ok": true}'
)

Handler = Callable[[socket.socket, int], None]


class TinyServer:
    """A TCP server on 127.0.0.1 that hands each accepted connection to `handle(conn, n)`."""

    def __init__(self, handle: Handler) -> None:
        self.handle = handle
        self.accepted = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self._stop = threading.Event()
        self._open: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}/data"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            self._open.append(conn)
            self.handle(conn, self.accepted)

    def __enter__(self) -> TinyServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for conn in self._open:
            conn.close()
        self._listener.close()


def read_request(conn: socket.socket) -> None:
    """Read up to the end of the request headers (GET has no body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return
        data += chunk


def reset(conn: socket.socket) -> None:
    """Close with SO_LINGER 0: the kernel sends RST, the client sees 'connection reset'."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def reset_first(times: int) -> Handler:
    def handle(conn: socket.socket, n: int) -> None:
        read_request(conn)
        if n <= times:
            reset(conn)
        else:
            conn.sendall(OK_ANSWER)
            conn.close()

    return handle


def never_answer(conn: socket.socket, n: int) -> None:
    read_request(conn)  # and keep the connection open, silent, until the server stops


def close_after_headers(conn: socket.socket, n: int) -> None:
    """Promise 1000 bytes of body, send 10, close: the body stops halfway."""
    read_request(conn)
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
        b'{"feed": ['
    )
    conn.close()


@contextmanager
def serving(handle: Handler) -> Iterator[TinyServer]:
    with TinyServer(handle) as server:
        yield server


def no_wait_session(network: str = "Bluesky", **options: object) -> requests.Session:
    # Real sockets, but the backoff between tries is recorded instead of slept.
    waits: list[float] = []
    session = make_session(network, sleep=waits.append, **options)  # type: ignore[arg-type]
    session.waits = waits  # type: ignore[attr-defined]
    return session


# ---------------------------------------------------------------- real sockets


def test_a_reset_connection_is_tried_once_more_and_then_succeeds() -> None:
    with serving(reset_first(1)) as server:
        session = no_wait_session()
        assert session.get(server.url).json() == {"ok": True}
    assert server.accepted == 2
    assert session.waits == [1.0]  # type: ignore[attr-defined]


def test_a_connection_reset_every_time_is_network_down_after_one_retry() -> None:
    with serving(reset_first(99)) as server:
        session = no_wait_session()
        with pytest.raises(NetworkDown) as caught:
            session.get(server.url)
    assert server.accepted == 1 + MAX_NETWORK_RETRIES
    assert str(caught.value) == (
        "Could not reach Bluesky (the connection was cut off) — check the internet "
        "connection and try again."
    )


def test_a_server_that_never_answers_times_out_once_without_retrying() -> None:
    with serving(never_answer) as server:
        session = no_wait_session("Mastodon", timeout=(2.0, 0.3))
        with pytest.raises(NetworkDown, match=r"Could not reach Mastodon \(no answer in time\)"):
            session.get(server.url)
    assert server.accepted == 1
    assert session.waits == []  # type: ignore[attr-defined]


def test_a_body_that_stops_halfway_is_tried_once_more() -> None:
    with serving(close_after_headers) as server:
        session = no_wait_session("X")
        with pytest.raises(NetworkDown, match=r"Could not reach X \(the connection broke off\)"):
            read_json(session.get(server.url), "X")
    assert server.accepted == 1 + MAX_NETWORK_RETRIES


def test_a_refused_connection_is_no_connection_and_not_retried() -> None:
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    # Nothing listens on `port` now: the operating system refuses the connection.
    session = no_wait_session()
    with pytest.raises(NetworkDown, match=r"Could not reach Bluesky \(no connection\)"):
        session.get(f"http://127.0.0.1:{port}/data")
    assert session.waits == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("error", "cut"),
    [
        (ConnectionResetError(104, "Connection reset by peer"), True),
        (urllib3.exceptions.ProtocolError("Connection aborted.", ConnectionResetError()), True),
        (ConnectionRefusedError(111, "Connection refused"), False),
        (urllib3.exceptions.NameResolutionError("api.example.com", None, OSError()), False),
    ],
)
def test_cut_off_is_told_from_refused(error: Exception, cut: bool) -> None:
    assert was_cut_off(requests.ConnectionError(error)) is cut


# ---------------------------------------------------------------- replayed answers


def test_a_429_without_a_reset_header_backs_off_a_bounded_number_of_times(
    api: responses.RequestsMock, sleeps: list[float]
) -> None:
    api.get(URL, status=429, json={"error": "Too Many Requests"})
    with pytest.raises(RateLimited) as caught:
        make_session("Mastodon").get(URL)
    assert len(api.calls) == 1 + MAX_RETRIES
    assert sleeps == [1.0, 2.0, 4.0]
    assert caught.value.until is None  # the network never said: no made-up time
    assert str(caught.value) == (
        "Mastodon is refusing more requests for now (HTTP 429) and did not say for how long "
        "— wait a few minutes, then sync again."
    )


def test_a_429_then_a_reset_connection_share_one_retry_count(
    api: responses.RequestsMock, sleeps: list[float]
) -> None:
    api.get(URL, status=429)
    api.get(URL, body=requests.ConnectionError(ConnectionResetError(104, "reset")))
    api.get(URL, json={"ok": True})
    assert make_session("Bluesky").get(URL).json() == {"ok": True}
    assert sleeps == [1.0, 2.0]


@pytest.mark.parametrize(
    ("body", "content_type", "says"),
    [
        (MAINTENANCE_PAGE, "text/html", "answered with a web page instead of data (HTTP 200)"),
        ('{"followersCount": 12,', "application/json", "(HTTP 200, not valid JSON)"),
    ],
)
def test_unreadable_answers_are_not_retried(
    api: responses.RequestsMock, sleeps: list[float], body: str, content_type: str, says: str
) -> None:
    api.get(URL, body=body, content_type=content_type)
    with pytest.raises(ServiceError) as caught:
        read_json(make_session("Bluesky").get(URL), "Bluesky")
    assert says in str(caught.value)
    assert len(api.calls) == 1 and sleeps == []
