"""A real HTTP server on 127.0.0.1 for tests, misbehaving on purpose when asked.

    from httpserver import Reply, http_server  # the fixture

    def test_feed(http_server):
        http_server.route("/feed", Reply(body=b"<rss/>", headers={"ETag": '"v1"'}))
        http_server.route("/echo", lambda request: Reply(body=request.headers["user-agent"].encode()))
        ... fetch http_server.url("/feed") ...
        assert http_server.requests_to("/feed")[0].headers["if-none-match"] == '"v1"'

A route is a ``Reply`` or a function of the ``Request`` that returns one. A
Reply can wait before answering, drip its body in small pieces, use chunked
encoding, lie in Content-Length, close or reset the connection mid-body, or send
raw bytes instead of a well-formed response. Unknown paths get 404.

The server is a ThreadingHTTPServer on port 0 serving from a background thread;
it speaks HTTP/1.1 with keep-alive, like real feed servers.
"""

from __future__ import annotations

import socket
import struct
import threading
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass(frozen=True)
class Request:
    """A request as the server received it; header names lowercased."""

    method: str
    path: str  # with its query string
    headers: dict[str, str]


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] | Sequence[tuple[str, str]] = ()
    delay: float = 0.0  # seconds before the status line is sent
    chunk_size: int | None = None  # send the body (or raw) in pieces of this size…
    chunk_delay: float = 0.0  # …waiting this long before each piece
    chunked: bool = False  # Transfer-Encoding: chunked instead of Content-Length
    content_length: int | None = None  # announce this length instead of the true one
    cut_after: int | None = None  # end the connection after this many body bytes
    reset: bool = False  # …with a TCP RST instead of a clean close
    raw: bytes | None = None  # sent as is instead of status line, headers and body


Route = Reply | Callable[[Request], Reply]


class _Stopping(Exception):
    """The server is closing: abandon the reply in progress."""


class HTTPTestServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[str, Route] = {}
        self._requests: list[Request] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._thread: threading.Thread | None = None
        self.in_flight = 0
        self.max_in_flight = 0  # most requests being answered at the same time
        self.connections_accepted = 0  # TCP connections, to see keep-alive at work

    # -- public API ---------------------------------------------------------

    @property
    def port(self) -> int:
        return self.server_address[1]

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.origin + path

    def route(self, path: str, reply: Route) -> str:
        """Serve ``reply`` at ``path`` (without query string); returns the full URL."""
        self.routes[path] = reply
        return self.url(path)

    @property
    def requests(self) -> list[Request]:
        with self._lock:
            return list(self._requests)

    def requests_to(self, path: str) -> list[Request]:
        return [r for r in self.requests if urllib.parse.urlsplit(r.path).path == path]

    def start(self) -> HTTPTestServer:
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self._stopping.set()
        self.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:  # wake handlers blocked on keep-alive reads
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> HTTPTestServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- internals ----------------------------------------------------------

    def process_request(self, request, client_address):  # type: ignore[no-untyped-def]
        with self._lock:
            self._connections.add(request)
            self.connections_accepted += 1
        super().process_request(request, client_address)

    def shutdown_request(self, request):  # type: ignore[no-untyped-def]
        with self._lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def _record(self, request: Request) -> None:
        with self._lock:
            self._requests.append(request)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _done(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def _sleep(self, seconds: float) -> None:
        if seconds > 0 and self._stopping.wait(seconds):
            raise _Stopping


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: HTTPTestServer

    def handle(self) -> None:
        try:
            super().handle()
        except (_Stopping, OSError):
            pass  # the client went away, or the test is over

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._answer()

    do_HEAD = do_POST = do_GET

    def _answer(self) -> None:
        names = {name.lower() for name in self.headers.keys()}
        request = Request(
            method=self.command,
            path=self.path,
            headers={name: ", ".join(self.headers.get_all(name, [])) for name in names},
        )
        self.server._record(request)
        try:
            route = self.server.routes.get(urllib.parse.urlsplit(self.path).path)
            if route is None:
                reply = Reply(status=404, body=b"not found")
            else:
                reply = route(request) if callable(route) else route
            self._send(reply)
        finally:
            self.server._done()

    def _send(self, reply: Reply) -> None:
        self.server._sleep(reply.delay)
        if reply.raw is not None:
            self._write_pieces(reply.raw, reply)
            self.close_connection = True
            return
        self.send_response(reply.status)
        items = reply.headers.items() if isinstance(reply.headers, Mapping) else reply.headers
        for name, value in items:
            self.send_header(name, value)
        if reply.chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            length = len(reply.body) if reply.content_length is None else reply.content_length
            self.send_header("Content-Length", str(length))
        self.end_headers()
        if self.command == "HEAD":
            return
        body = reply.body if reply.cut_after is None else reply.body[: reply.cut_after]
        self._write_pieces(body, reply)
        if reply.cut_after is not None:
            self._abort(reply.reset)
        elif reply.chunked:
            self.wfile.write(b"0\r\n\r\n")

    def _write_pieces(self, data: bytes, reply: Reply) -> None:
        size = reply.chunk_size or max(len(data), 1)
        for start in range(0, len(data), size):
            self.server._sleep(reply.chunk_delay)
            piece = data[start : start + size]
            if reply.chunked and reply.raw is None:
                piece = b"%x\r\n%s\r\n" % (len(piece), piece)
            self.wfile.write(piece)
            self.wfile.flush()

    def _abort(self, reset: bool) -> None:
        self.close_connection = True
        if reset:
            # Linger 0: close() sends RST instead of FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        else:
            self.connection.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def http_server() -> Iterator[HTTPTestServer]:
    """A started HTTPTestServer, closed after the test."""
    with HTTPTestServer() as server:
        yield server


__all__ = ["HTTPTestServer", "Reply", "Request", "Route", "http_server"]

