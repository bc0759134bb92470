"""The transport under the HTTP exchange: httpcore's connection pools, a
network backend that clamps every socket operation to the fetch's deadline,
proxies from the environment, public-address checks, and transport errors
named in one line.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import time
import urllib.parse
import urllib.request
import weakref
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any

import httpcore
import httpx

from feedhub.errors import FetchError, one_line
from feedhub.fetch.headers import _complete_headers
from feedhub.fetch.options import FetchOptions


def _proxy(proxy_url: str, ssl_context: ssl.SSLContext, size: int, backend: httpcore.NetworkBackend) -> httpcore.HTTPProxy:
    """A proxy from the environment; a user:password in its URL
    (http://user:secret@proxy:3128) is sent as Proxy-Authorization (Basic)."""
    auth = None
    url = httpx.URL(proxy_url)
    if url.username or url.password:
        # As octets: httpcore refuses non-ASCII text; UTF-8 is what RFC 7617
        # §2.1 lets a server ask for, and what curl sends.
        auth = (url.username.encode("utf-8"), url.password.encode("utf-8"))
        proxy_url = str(url.copy_with(username=None, password=None))
    return httpcore.HTTPProxy(
        proxy_url=proxy_url, proxy_auth=auth,
        ssl_context=ssl_context, max_connections=size, max_keepalive_connections=size, keepalive_expiry=5.0,
        network_backend=backend)


_TRANSPORT_ERRORS = (
    httpx.HTTPError,
    httpx.InvalidURL,
    httpx.StreamError,
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.UnsupportedProtocol,
    httpcore.ProxyError,
    UnicodeError,  # a header name that is not ASCII
)


def _transport_error(exc: Exception, url: httpx.URL, options: FetchOptions) -> FetchError:
    """Turn an httpx/httpcore exception into one line a user can act on."""
    where = f"{url.host}:{url.port or (443 if url.scheme == 'https' else 80)}"
    cause = exc.__cause__ or exc.__context__
    if isinstance(exc, (httpx.TimeoutException, httpcore.TimeoutException)):
        deadline = _DEADLINE.get()
        if isinstance(exc, (httpx.ConnectTimeout, httpcore.ConnectTimeout)) and (
            deadline is None or time.monotonic() < deadline
        ):
            return FetchError(f"timed out after {options.connect_timeout:g} s connecting to {where}")
        return FetchError(f"timed out after {options.timeout:g} s")
    if isinstance(exc, (httpx.ConnectError, httpcore.ConnectError)):
        if isinstance(cause, socket.gaierror):
            return FetchError(f"cannot resolve host {url.host} (DNS lookup failed)")
        if isinstance(cause, ConnectionRefusedError):
            return FetchError(f"connection refused by {where}")
        if isinstance(cause, ssl.SSLCertVerificationError):
            return FetchError(f"TLS certificate of {url.host} not accepted: {cause.verify_message}")
        if isinstance(cause, ssl.SSLError):
            return FetchError(f"TLS handshake with {where} failed: {cause.reason or one_line(cause)}")
        return FetchError(f"cannot connect to {where}: {one_line(cause or exc)}")
    if isinstance(cause, ConnectionResetError):
        return FetchError(f"connection reset by {where} before the whole response was received")
    if isinstance(exc, (httpx.ReadError, httpcore.ReadError)):
        return FetchError(f"connection closed by {where} before the whole response was received")
    if isinstance(exc, (httpx.RemoteProtocolError, httpcore.RemoteProtocolError)):
        # h11's words for a connection that ended early (RFC 9112 §8: incomplete message).
        if "peer closed connection" in str(exc) or "disconnected" in str(exc):
            return FetchError(f"connection closed by {where} before the whole response was received")
        return FetchError(f"invalid HTTP response from {where}: {one_line(exc)}")
    if isinstance(exc, (UnicodeError, httpx.LocalProtocolError, httpcore.LocalProtocolError)):
        return FetchError(f"invalid request header, check the source's headers: {one_line(exc)}")
    if isinstance(exc, (httpx.InvalidURL, httpx.UnsupportedProtocol, httpcore.UnsupportedProtocol)):
        return FetchError(f"invalid URL {url}: {one_line(exc)}")
    return FetchError(f"request to {where} failed: {type(exc).__name__}: {one_line(exc)}")


# The monotonic time by which the current thread's fetch must end. Sync
# httpcore does all socket I/O of a request in the calling thread, so the
# network streams below see the deadline of the fetch they are serving.
_DEADLINE: ContextVar[float | None] = ContextVar("feedhub_fetch_deadline", default=None)


def _time_left(timeout: float | None, expired: type[Exception]) -> float | None:
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise expired("total deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every wait ends at the fetch's deadline."""

    def __init__(self, inner: httpcore.NetworkStream, track: Callable[[_DeadlineStream], _DeadlineStream]) -> None:
        self._inner = inner
        self._track = track
        # A second descriptor of a TCP socket: wrapping it for TLS detaches
        # the socket object from its descriptor before the handshake, and
        # shut_down() must still reach it then (the daemon stopping while a
        # connection is in its handshake). Ours, so never another's socket.
        self._dup: socket.socket | None = None
        sock = inner.get_extra_info("socket")
        if sock is not None and not isinstance(sock, ssl.SSLSocket):
            try:
                self._dup = sock.dup()
            except OSError:
                pass
            else:
                weakref.finalize(self, self._dup.close)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _time_left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _time_left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        # shutdown() before close(): a thread blocked reading this socket
        # (a fetch in progress when the daemon is told to stop) wakes up at
        # once, where a plain close() would leave it waiting for its deadline.
        self.shut_down()
        self._inner.close()
        if self._dup is not None:
            self._dup.close()

    def shut_down(self) -> None:
        """End both directions; safe from any thread (the socket stays open
        until its owner closes it)."""
        sock = self._dup or self._inner.get_extra_info("socket")
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        timeout = _time_left(timeout, httpcore.ConnectTimeout)
        return self._track(_DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, timeout), self._track))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    # DNS resolution inside connect_tcp (getaddrinfo) cannot be interrupted;
    # only the TCP connect itself is bounded here.
    def __init__(self, public_only: bool = False) -> None:
        self._inner = httpcore.SyncBackend()
        self._public_only = public_only
        # Every stream still open, so that interrupt() can reach one whose
        # connection the pool does not know of yet (a TLS handshake).
        self._streams: weakref.WeakSet[_DeadlineStream] = weakref.WeakSet()
        self._streams_lock = threading.Lock()  # fetch threads add while close() looks
        self._interrupted = False

    def interrupt(self) -> None:
        """Wake every thread waiting on one of our sockets, and refuse new
        ones: the fetcher is closing (the daemon was told to stop)."""
        with self._streams_lock:
            self._interrupted = True
            streams = list(self._streams)
        for stream in streams:
            stream.shut_down()

    def _track(self, stream: _DeadlineStream) -> _DeadlineStream:
        with self._streams_lock:
            self._streams.add(stream)
            interrupted = self._interrupted
        if interrupted:
            stream.shut_down()
        return stream

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _time_left(timeout, httpcore.ConnectTimeout)
        if self._public_only:
            # Checked here, at connection time, on the address actually dialled:
            # a redirect or a DNS answer that changes between a check and the
            # connection (DNS rebinding) cannot reach a private address.
            host = _public_address(host, port)
        stream = self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return self._track(_DeadlineStream(stream, self._track))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _public_address(host: str, port: int) -> str:
    """The first address of `host`, if every address it has is public;
    raises httpcore.ConnectError otherwise (SSRF guard, issue #6)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise httpcore.ConnectError(str(exc)) from exc
    addresses = [info[4][0] for info in infos]
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global or ip.is_multicast:
            raise httpcore.ConnectError(
                f"refused: {host} resolves to the non-public address {ip} (fetch.public_addresses_only is on)")
    return addresses[0]


class _Transport:
    """HTTP/1.1 connection pools (httpcore, httpx's transport layer) on the
    deadline-keeping backend. No cookies are kept: sources are independent,
    and a cookie one feed sets must never reach another."""

    def __init__(self, size: int, ssl_context: ssl.SSLContext, public_only: bool = False) -> None:
        backend = self._backend = _DeadlineBackend(public_only)
        self._closed = False
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=size,
            max_keepalive_connections=size,
            keepalive_expiry=5.0,
            network_backend=backend,
        )
        # Proxies from the environment (HTTP_PROXY, HTTPS_PROXY, NO_PROXY), as
        # curl and urllib read them, on the same deadline-keeping backend.
        # Not with public_only: the address dialled would be the proxy's, and
        # the guard could no longer see where a request goes.
        self._proxies: dict[str, httpcore.HTTPProxy] = {}
        if not public_only:
            for scheme, proxy_url in urllib.request.getproxies().items():
                if scheme in ("http", "https") and "://" not in proxy_url:
                    proxy_url = "http://" + proxy_url  # "proxy:3128", as curl reads it
                if scheme in ("http", "https") and proxy_url.startswith(("http://", "https://")):
                    try:
                        self._proxies[scheme] = _proxy(proxy_url, ssl_context, size, backend)
                    except (ValueError, httpx.InvalidURL, httpcore.UnsupportedProtocol) as exc:
                        raise FetchError(f"the proxy {scheme.upper()}_PROXY={proxy_url} is not a usable URL "
                                         f"({one_line(exc)}): correct or unset it") from exc

    def _pool_for(self, url: httpx.URL) -> httpcore.ConnectionPool:
        proxy = self._proxies.get(url.scheme)
        if proxy is not None and not urllib.request.proxy_bypass(url.host):
            return proxy
        return self._pool

    def request(self, url: httpx.URL, headers: list[tuple[bytes, bytes]], timeouts: dict[str, float],
                method: bytes = b"GET", content: bytes = b"") -> httpcore.Response:
        """Send a GET (or a POST of ``content``: a WebSub subscription); the
        response's body is left to stream."""
        if self._closed:
            # The daemon closes the fetcher to abort a cycle on SIGTERM.
            raise FetchError("not fetched: feedhub is shutting down")
        if url.scheme not in ("http", "https"):
            raise httpcore.UnsupportedProtocol(f"unsupported scheme {url.scheme!r}")
        if not url.host:
            raise httpx.InvalidURL("no host in the URL")
        head = _complete_headers(url, headers)
        target = httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path)
        if method != b"GET":
            head = [*head, (b"Content-Length", str(len(content)).encode("ascii"))]
        request = httpcore.Request(method, target, headers=head, content=content or None,
                                   extensions={"timeout": timeouts})
        response = self._pool_for(url).handle_request(request)
        assert isinstance(response.stream, Iterable)
        return response

    def close(self) -> None:
        # Closing the pools closes the connections in use too; their streams
        # shut their sockets down, which wakes a fetch waiting on one.
        self._closed = True
        # First the sockets the pools cannot see yet: a connection in its
        # TLS handshake would otherwise finish it, up to its timeout.
        self._backend.interrupt()
        self._pool.close()
        for proxy in self._proxies.values():
            proxy.close()
