"""A small threaded HTTP server on 127.0.0.1 that replays the recorded Sotkanet and THL bodies.

Routes (everything else is 404):

* ``/rest/1.1/regions``, ``/rest/1.1/indicators`` → ``sotkanet/regions.json``, ``sotkanet/indicators.json``
* ``/rest/1.1/indicators/{id}`` → ``sotkanet/indicator_{id}.json``
* ``/rest/1.1/json?indicator=…&years=…&genders=…`` → the rows of ``sotkanet/data_{id}.json``
  with those years and genders, as the real server filters them; a ``region`` parameter is ignored
  (the real API has no region filter); no ``indicator`` is a 400
* ``/pivot/prod/{lang}/{subject}/{hydra}/fact_{cube}.json`` → ``thl/fact_{cube}.json``
  (the query is recorded, not applied)

Like Sotkanet, a request without a ``User-Agent`` header gets 403. Tests script
failures per path with :meth:`StubServer.script`: each scripted :class:`Reply`
answers one request, in order, before the recorded routes take over again.

:func:`guard_network` makes any connection to a non-loopback address raise
:class:`NetworkBlocked`, a ``BaseException`` so that no client code can turn it
into an ordinary error and let a test pass by accident.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import socket
import threading
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

import pytest

RECORDED = Path(__file__).resolve().parents[2] / "sample_data" / "recorded"
SOTKANET_PREFIX = "/rest/1.1"
THL_PREFIX = "/pivot/prod"
JSON_TYPE = "application/json;charset=UTF-8"


@dataclass(frozen=True)
class Reply:
    """One scripted answer.

    ``body`` None serves the recorded body of the path. ``delay`` waits before
    answering (longer than the client's read timeout: a timeout; longer than
    any test: a hung server). ``truncate`` sends only the first N bytes with a
    matching Content-Length (a complete response whose JSON is cut). ``cut``
    announces the full Content-Length, sends N bytes and closes the connection
    (a transfer broken off). ``drip`` sends the body ``drip[0]`` bytes at a
    time with ``drip[1]`` seconds between (each pause shorter than a read
    timeout). ``stream`` sends that many bytes of a JSON array of zeros in 64 KiB
    pieces, announced in Content-Length unless ``announce`` is False (then the
    end of the body is the closed connection). Every loop stops when the
    client goes away or the server stops.
    """

    status: int = 200
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    truncate: int | None = None
    cut: int | None = None
    drip: tuple[int, float] | None = None
    stream: int | None = None
    announce: bool = True


def fail(status: int, body: bytes = b"", *headers: tuple[str, str]) -> Reply:
    return Reply(status=status, body=body, headers=headers)


def rate_limited(retry_after: str) -> Reply:
    return Reply(status=429, body=b"Too Many Requests", headers=(("Retry-After", retry_after),))


def slow(seconds: float) -> Reply:
    return Reply(delay=seconds)


def truncated(size: int) -> Reply:
    return Reply(truncate=size)


def cut_off(size: int) -> Reply:
    return Reply(cut=size)


def hung() -> Reply:
    """An answer that never comes (until the server stops)."""
    return Reply(delay=3600.0)


def dripping(piece: int = 1, pause: float = 0.02) -> Reply:
    """The recorded body, ``piece`` bytes at a time: every read succeeds, the whole takes minutes."""
    return Reply(drip=(piece, pause))


def oversized(size: int, *, announce: bool = True) -> Reply:
    """A 200 answer of ``size`` bytes (a JSON array of zeros), with or without its Content-Length."""
    return Reply(stream=size, announce=announce)


def body(payload: object) -> Reply:
    """A 200 answer with ``payload`` as JSON (an empty array, an object where a list belongs, …)."""
    return Reply(body=json.dumps(payload, ensure_ascii=False).encode())


@dataclass(frozen=True)
class SeenRequest:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str] = field(default_factory=dict)


class StubServer:
    """The server, started on a free port; use as a context manager."""

    def __init__(self, root: Path = RECORDED, *, require_user_agent: bool = True) -> None:
        self.root = root
        self.require_user_agent = require_user_agent
        self.requests: list[SeenRequest] = []
        self._scripts: dict[str, deque[Reply]] = defaultdict(deque)
        self._lock = threading.Lock()
        self.release = threading.Event()  # set on stop: a delayed answer stops waiting
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="stub-server", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def sotkanet_url(self) -> str:
        return self.url + SOTKANET_PREFIX

    @property
    def thl_url(self) -> str:
        return self.url + THL_PREFIX

    def script(self, path: str, *replies: Reply) -> None:
        """Answer the next requests for ``path`` (no query) with ``replies``, in order."""
        with self._lock:
            self._scripts[path].extend(replies)

    def seen(self, path: str) -> list[SeenRequest]:
        with self._lock:
            return [request for request in self.requests if request.path == path]

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # -- used by the handler -------------------------------------------------------------------

    def record(self, request: SeenRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def next_reply(self, path: str) -> Reply:
        with self._lock:
            queue = self._scripts.get(path)
            return queue.popleft() if queue else Reply()

    def recorded(self, path: str, query: list[tuple[str, str]]) -> tuple[int, bytes]:
        """Status and body of the recorded route for ``path``."""
        if path.startswith(SOTKANET_PREFIX + "/"):
            return self._sotkanet(path.removeprefix(SOTKANET_PREFIX + "/"), query)
        if path.startswith(THL_PREFIX + "/"):
            parts = path.removeprefix(THL_PREFIX + "/").split("/")
            if len(parts) == 4 and parts[3].startswith("fact_") and parts[3].endswith(".json"):
                return self._file(f"thl/{parts[3]}")
        return 404, b'{"error": "not recorded"}'

    def _sotkanet(self, route: str, query: list[tuple[str, str]]) -> tuple[int, bytes]:
        if route in ("regions", "indicators"):
            return self._file(f"sotkanet/{route}.json")
        if route.startswith("indicators/") and route.removeprefix("indicators/").isdigit():
            return self._file(f"sotkanet/indicator_{route.removeprefix('indicators/')}.json")
        if route == "json":
            indicators = [value for key, value in query if key == "indicator"]
            if len(indicators) != 1 or not indicators[0].isdigit():
                return 400, b"exactly one numeric indicator is required"
            status, content = self._file(f"sotkanet/data_{indicators[0]}.json")
            if status != 200:
                return status, content
            years = {int(value) for key, value in query if key == "years" and value.isdigit()}
            genders = {value for key, value in query if key == "genders"}
            rows = [
                row
                for row in json.loads(content)
                if (not years or row["year"] in years) and (not genders or row["gender"] in genders)
            ]
            return 200, json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode()
        return 404, b'{"error": "not recorded"}'

    def _file(self, relative: str) -> tuple[int, bytes]:
        path = self.root / relative
        if not path.is_file():
            return 404, b'{"error": "not recorded"}'
        return 200, path.read_bytes()


def _handler_for(stub: StubServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qsl(parts.query, keep_blank_values=True)
            request = SeenRequest("GET", parts.path, query, dict(self.headers.items()))
            stub.record(request)
            if stub.require_user_agent and not self.headers.get("User-Agent"):
                self._send(403, b"<html><body><h1>403 Forbidden</h1></body></html>", "text/html", close=True)
                return
            reply = stub.next_reply(parts.path)
            if reply.delay and stub.release.wait(reply.delay):
                return  # the server is stopping
            if reply.body is None and reply.status == 200:
                status, content = stub.recorded(parts.path, query)
            else:
                status, content = reply.status, reply.body or b""
            if reply.truncate is not None:
                content = content[: reply.truncate]
            if reply.stream is not None:
                self._stream(reply.stream, announce=reply.announce)
            elif reply.drip is not None:
                self._drip(content, *reply.drip)
            else:
                self._send(status, content, JSON_TYPE, headers=reply.headers, cut=reply.cut)

        def _head(self, status: int, length: int | None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", JSON_TYPE)
            if length is not None:
                self.send_header("Content-Length", str(length))
            else:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.flush()

        def _drip(self, content: bytes, piece: int, pause: float) -> None:
            self.close_connection = True
            try:
                self._head(200, len(content))
                for start in range(0, len(content), piece):
                    if stub.release.wait(pause):
                        return
                    self.wfile.write(content[start : start + piece])
                    self.wfile.flush()
            except OSError:  # the client gave up: that is what the test wants
                pass

        def _stream(self, size: int, *, announce: bool) -> None:
            self.close_connection = True
            piece = b"[" + b"0," * (32 * 1024 - 1)
            try:
                self._head(200, size if announce else None)
                sent = 0
                while sent < size and not stub.release.is_set():
                    part = piece[: size - sent] if sent == 0 else piece[1:][: size - sent]
                    self.wfile.write(part)
                    sent += len(part)
            except OSError:  # the client stopped reading: that is what the test wants
                pass

        def _send(
            self,
            status: int,
            content: bytes,
            content_type: str,
            *,
            headers: tuple[tuple[str, str], ...] = (),
            cut: int | None = None,
            close: bool = False,
        ) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(content)))
                for name, value in headers:
                    self.send_header(name, value)
                if close or cut is not None:
                    self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(content if cut is None else content[:cut])
                self.wfile.flush()
            except OSError:  # the client gave up (a timeout test): nothing to answer
                pass
            if cut is not None or close:
                self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    return Handler


@dataclass(frozen=True)
class Recorded:
    """Parsed recorded bodies, for expectations in tests."""

    root: Path = RECORDED

    def json(self, relative: str) -> Any:
        return json.loads((self.root / relative).read_text(encoding="utf-8"))


class NetworkBlocked(BaseException):  # a BaseException on purpose: see the module docstring
    """A test tried to reach a non-loopback address."""


_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "ip6-localhost"})


def _is_loopback(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode()
    if not isinstance(host, str):
        return False
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def guard_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any name lookup or connection that leaves the machine; loopback and Unix sockets pass."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(address: object) -> None:
        if isinstance(address, tuple) and not _is_loopback(address[0]):
            raise NetworkBlocked(f"a test tried to connect to {address[0]!r}; tests use the 127.0.0.1 stub only")

    def connect(self: socket.socket, address: Any) -> None:
        check(address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(address)
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not _is_loopback(host):
            raise NetworkBlocked(f"a test tried to look up {host!r}; tests use the 127.0.0.1 stub only")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def raw_get(url: str, *, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """A GET with exactly ``headers`` (http.client adds no User-Agent), for checking the stub itself."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=5)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request("GET", target, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def running_stub(**options: Any) -> Iterator[StubServer]:
    """Body of a fixture: a started server, stopped afterwards."""
    with StubServer(**options) as server:
        yield server
