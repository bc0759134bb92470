"""Retrieve a source's document: over HTTP(S) with a conditional GET, or from a file.

This is the only module that imports httpx (and httpcore, the layer httpx is
built on). Whatever goes wrong becomes one ``FetchError`` with a one-line
message; the caller records it on the source and carries on with the others.

Every fetch is bounded three ways:

* a total deadline (``FetchOptions.timeout``) covering connect, TLS, redirects,
  headers and body. httpx's read timeout restarts on every read, so a server
  that drips one byte a second, in its headers or its body, would never trip
  it. A small network backend clamps every socket operation, each read of a
  body chunk included, to the time left (``_DeadlineStream``).
* a cap on the *decoded* body (``max_bytes``). We undo the content codings
  ourselves, in steps of at most ``_STEP`` output bytes, and count while
  streaming, so a gzip bomb costs about ``max_bytes`` of memory, not gigabytes.
* ``max_redirects``. Redirects are followed by hand: we need to know whether
  every hop was permanent (``moved_to``), and to refuse loops and non-HTTP
  targets.

Requests go straight to httpx's transport layer, httpcore's connection pools,
without httpx.Client's request and response models around them: those models
were a third of the CPU of a warm cycle (200 conditional GETs answered 304,
bench/warm_daemon.py), and everything they add (redirects, cookies, content
decoding, proxies from the environment) feedhub does itself, its own way.
httpx still parses and joins the URLs and names the errors. Several small
pools share the work instead of one big one: httpcore's pool spends CPU per
request in proportion to its size (encode/httpx#3215).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import ipaddress
import itertools
import math
import os
import socket
import ssl
import stat
import threading
import time
import urllib.parse
import urllib.request
import weakref
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO

import httpcore
import httpx

import feedhub
from feedhub.errors import FetchError
from feedhub.types import CachingInfo, FetchResult

try:
    import brotli
except ImportError:  # optional: without it we simply don't offer br
    brotli = None

# Only brotli >= 1.2 can bound the output of one call (output_buffer_limit);
# with an older one a few input bytes could become gigabytes, so no br then.
_BROTLI = brotli is not None and hasattr(brotli.Decompressor, "can_accept_more_data")

# Feed types first; a server with content negotiation picks a feed over HTML
# (RFC 9110 §12.5.1). The catch-all stays: many feeds are served as text/html.
ACCEPT = (
    "application/atom+xml, application/rss+xml, application/rdf+xml, "
    "application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"
)
ACCEPT_ENCODING = "gzip, deflate, br" if _BROTLI else "gzip, deflate"

# Response headers the scheduler may use to pace its polls (RFC 9111 §5,
# RFC 9110 §10.2.3 Retry-After) and WebSub hub discovery (Link).
KEPT_HEADERS = frozenset({"cache-control", "expires", "date", "age", "retry-after", "link"})

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT = frozenset({301, 308})  # RFC 9110 §15.4.2, §15.4.9: update stored links
_MAX_PER_POOL = 8  # connections per httpcore pool, see the module docstring
_STEP = 64 * 1024  # most output bytes one decompression call may produce


@dataclass(frozen=True)
class FetchOptions:
    timeout: float = 30.0  # total deadline per fetch, seconds, redirects included
    connect_timeout: float = 10.0
    max_bytes: int = 10 * 1024 * 1024  # cap on the decoded body
    max_redirects: int = 10
    user_agent: str = feedhub.USER_AGENT
    # Sent only to the source URL's own origin: they may carry cookies or tokens.
    headers: tuple[tuple[str, str], ...] = ()


class Fetcher:
    """Fetches sources; safe to call from many threads at once.

    At most ``max_connections`` fetches run at a time, and at most
    ``per_host`` to one host, so fifty sources on one site do not hammer it
    (FreshRSS#6973); callers beyond that wait *before* their deadline starts,
    so a long queue never makes a fetch time out.
    """

    def __init__(self, *, max_connections: int = 16, per_host: int = 2, public_only: bool = False) -> None:
        if max_connections < 1 or per_host < 1:
            raise ValueError("max_connections and per_host must be at least 1")
        self._per_host = per_host
        self._host_slots: dict[str, threading.BoundedSemaphore] = {}
        count = math.ceil(max_connections / _MAX_PER_POOL)
        sizes = [max_connections // count + (i < max_connections % count) for i in range(count)]
        ssl_context = httpx.create_ssl_context()  # certifi's CAs; built once, it is slow
        self._lanes = [_Lane(_Transport(size, ssl_context, public_only), size) for size in sizes]
        # For deployments that accept sources from others: only public
        # addresses are dialled, and no local file is read.
        self._public_only = public_only
        self._slots = threading.BoundedSemaphore(max_connections)
        self._lock = threading.Lock()
        self._closed = False
        # More threads than connections: a thread waiting for its host's turn
        # must not keep another host's source waiting (the semaphores above
        # enforce the limits). Kept from cycle to cycle: starting 32 threads
        # was a tenth of a warm cycle (bench/warm_daemon.py).
        self._threads = max_connections * 2
        self._executor: ThreadPoolExecutor | None = None

    @property
    def per_host(self) -> int:
        """Fetches at once to one host (config fetch.per_host)."""
        return self._per_host

    def executor(self) -> ThreadPoolExecutor:
        """The threads fetches run on, started on first use."""
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=self._threads, thread_name_prefix="fetch")
            return self._executor

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._closed = True
        for lane in self._lanes:
            lane.transport.close()
        if self._executor is not None:
            # Fetches still running fail fast: their sockets are shut down.
            self._executor.shutdown(wait=False, cancel_futures=True)

    def fetch(self, url: str, *, caching: CachingInfo, options: FetchOptions, base_dir: Path) -> FetchResult:
        """Retrieve ``url``: http(s), a ``file:`` URL, or a path relative to ``base_dir``.

        Returns content=None when the source is unchanged since ``caching``.
        Raises FetchError for every failure.
        """
        if self._closed:
            # The daemon closes the fetcher to abort a cycle on SIGTERM.
            raise FetchError("not fetched: feedhub is shutting down")
        try:
            scheme = _scheme(url)
        except ValueError as exc:
            raise FetchError(f"invalid URL {url!r}: {exc}") from exc
        if scheme in ("http", "https"):
            return self._fetch_http(url, caching, options)
        if scheme in ("file", "") or len(scheme) == 1:
            if self._public_only:
                raise FetchError(f"refused: {url} is a local file (fetch.public_addresses_only is on)")
        if scheme == "file":
            return _read_file(_file_url_path(url, base_dir), caching, options)
        if scheme == "" or len(scheme) == 1:  # a plain path; one letter is a Windows drive
            return _read_file(base_dir / url, caching, options)
        raise FetchError(f"unsupported URL scheme {scheme!r} in {url}: use http(s), file: or a path")

    def _fetch_http(self, url: str, caching: CachingInfo, options: FetchOptions) -> FetchResult:
        try:
            first = _parse_url(url)
            _ = first.host  # an xn-- label is decoded (and refused) only when read
        except (httpx.InvalidURL, UnicodeError) as exc:  # idna.IDNAError is a UnicodeError
            raise FetchError(f"invalid URL {url!r}: {_one_line(exc)}") from exc
        with self._transport_for(first.host) as transport:
            token = _DEADLINE.set(time.monotonic() + options.timeout)
            try:
                return _follow(transport, first, caching, options)
            finally:
                _DEADLINE.reset(token)

    @contextmanager
    def _transport_for(self, host: str) -> Iterator[_Transport]:
        """Take a connection slot; prefer the host's own pool so that feeds of
        one site polled together reuse its keep-alive connections."""
        host_slots = self._host_slots.get(host)
        if host_slots is None:
            with self._lock:
                host_slots = self._host_slots.setdefault(host, threading.BoundedSemaphore(self._per_host))
        with host_slots, self._slots:
            with self._lock:
                lane = self._lanes[zlib.crc32(host.encode()) % len(self._lanes)]
                if lane.busy >= lane.capacity:
                    # The semaphore guarantees some pool has a free connection.
                    lane = min(self._lanes, key=lambda candidate: candidate.busy)
                lane.busy += 1
            try:
                yield lane.transport
            finally:
                with self._lock:
                    lane.busy -= 1


# The same few hundred URLs are fetched cycle after cycle; parsing them again
# was a tenth of the CPU of a request answered 304 (bench/warm_daemon.py).
# httpx.URL is immutable, so one parsed URL can serve every thread.
_parse_url = functools.lru_cache(maxsize=4096)(httpx.URL)


@functools.lru_cache(maxsize=4096)
def _scheme(url: str) -> str:
    return urllib.parse.urlsplit(url).scheme.lower()


@dataclass(eq=False)
class _Lane:
    transport: _Transport
    capacity: int
    busy: int = 0


# ---------------------------------------------------------------- HTTP exchange


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


def _complete_headers(url: httpx.URL, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The request's header fields with what httpx.Client would add: Host
    (RFC 9112 §3.2, with the port when it is not the default) and persistent
    connections said out loud, unless the source's headers set them; and
    Basic credentials from a URL's user:password (RFC 7617), which take the
    place of any Authorization given."""
    names = {name.lower() for name, _ in headers}
    head = []
    if b"host" not in names:
        head.append((b"Host", url.netloc))
    if b"connection" not in names:
        head.append((b"Connection", b"keep-alive"))
    if url.username or url.password:
        credentials = base64.b64encode(f"{url.username}:{url.password}".encode())
        headers = [(name, value) for name, value in headers if name.lower() != b"authorization"]
        headers.append((b"Authorization", b"Basic " + credentials))
    return head + headers


class _Headers:
    """A response's header fields as received, looked up by name in any
    case (RFC 9110 §5.1); values read as UTF-8, else Latin-1, as httpx
    reads them. Lighter than httpx.Headers, which normalises every field of
    every response while a 304 needs two or three (bench/warm_daemon.py)."""

    __slots__ = ("raw",)

    def __init__(self, raw: list[tuple[bytes, bytes]]) -> None:
        self.raw = raw

    def get(self, name: str, default: str | None = None) -> str | None:
        """The field's value; several fields of that name joined with ", "
        (RFC 9110 §5.3)."""
        key = name.lower().encode("ascii")
        values = [_header_text(value) for field, value in self.raw if field.lower() == key]
        return ", ".join(values) if values else default

    def multi_items(self) -> list[tuple[str, str]]:
        """(lower-case name, value) of every field, in order."""
        return [(field.decode("latin-1").lower(), _header_text(value)) for field, value in self.raw]


def _header_text(value: bytes) -> str:
    try:
        return value.decode("utf-8")  # ASCII, the usual case, is UTF-8 too
    except UnicodeDecodeError:
        return value.decode("latin-1")


@dataclass(frozen=True)
class _Reply:
    status: int
    reason: str
    headers: _Headers
    body: bytes | None  # read for 2xx only


def _follow(transport: _Transport, url: httpx.URL, caching: CachingInfo, options: FetchOptions) -> FetchResult:
    """GET ``url``, following redirects, and apply the status and caching policy."""
    statuses: list[int] = []
    seen = {str(url)}
    current = url
    sent = caching
    while True:
        # Caller-given headers go to the configured origin only (RFC 9110 §15.4).
        own_origin = _origin(current) == _origin(url)
        if statuses and all(s in _PERMANENT for s in statuses):
            # The source has just moved for good (once the move is stored it
            # is polled at its new URL, without redirects): our validators
            # belong to the old URL, and the new one could answer 304 to
            # them, comparing its own dates with another document's.
            sent = CachingInfo()
        reply = _exchange(transport, current, _request_headers(options, sent, own_origin), options)
        if reply.status not in _REDIRECTS:
            break
        target = _redirect_target(current, reply)
        statuses.append(reply.status)
        if str(target) in seen:
            raise FetchError(f"redirect loop: {current} redirects back to {target}", status=reply.status)
        if len(statuses) > options.max_redirects:
            message = f"too many redirects (more than {options.max_redirects}), last to {target}"
            raise FetchError(message, status=reply.status)
        seen.add(str(target))
        current = target

    # A chain of permanent redirects only means the source has moved for good.
    # (Its URL keeps any user:password the configured one had; the result's
    # does not: it becomes the base of the entries' links and the source's
    # self link in published feeds.)
    moved_to = str(current) if statuses and all(s in _PERMANENT for s in statuses) else None
    if moved_to and url.scheme == "https" and current.scheme == "http":
        moved_to = None  # followed, as browsers do, but never remembered: no downgrade for good
    where_read = str(current.copy_with(username=None, password=None)) if current.userinfo else str(current)
    kept = tuple((name, value) for name, value in reply.headers.multi_items() if name in KEPT_HEADERS)
    where = f" at {current}" if statuses else ""

    if reply.status == 304:  # RFC 9110 §15.4.5: our stored copy is still current
        if not (sent.etag or sent.last_modified):
            raise FetchError(f"HTTP 304 Not Modified to an unconditional request{where}", status=304)
        # RFC 9111 §4.3.4: a 304's validators update those stored.
        etag = _validator(reply.headers, b"etag") or caching.etag
        last_modified = _validator(reply.headers, b"last-modified") or caching.last_modified
        refreshed = (caching if (etag, last_modified) == (caching.etag, caching.last_modified)
                     else replace(caching, etag=etag, last_modified=last_modified))
        return FetchResult(url=where_read, status=304, content=None, caching=refreshed, moved_to=moved_to, headers=kept)
    if not 200 <= reply.status < 300:
        raise FetchError(_status_message(reply) + where, status=reply.status, headers=kept)

    assert reply.body is not None
    digest = hashlib.sha256(reply.body).hexdigest()
    new_caching = CachingInfo(
        etag=_validator(reply.headers, b"etag"),
        last_modified=_validator(reply.headers, b"last-modified"),
        content_hash=digest,
    )
    return FetchResult(
        url=where_read,
        status=reply.status,
        # Servers without validators: the same bytes as last time are no news.
        content=None if digest == caching.content_hash else reply.body,
        content_type=reply.headers.get("content-type"),
        caching=new_caching,
        moved_to=moved_to,
        headers=kept,
    )


def _exchange(transport: _Transport, url: httpx.URL, headers: list[tuple[bytes, bytes]], options: FetchOptions) -> _Reply:
    """One request and its response; the body is read only for a 2xx status."""
    timeouts = {"connect": options.connect_timeout, "read": options.timeout, "write": options.timeout,
                "pool": options.timeout}
    try:
        response = transport.request(url, headers, timeouts)
        try:
            status = response.status
            reply_headers = _Headers(response.headers)
            body = _read_body(response.stream, reply_headers, status, options) if 200 <= status < 300 else None
            if body is None and (_empty_304(status, reply_headers) or reply_headers.get("content-length") == "0"):
                # Nothing to read, but reading it is what lets httpcore see the
                # message end and keep the connection: otherwise every 304 of
                # a warm cycle closed its connection and the next source
                # opened a new one (bench/warm_daemon.py: 200 connects a cycle).
                for _ in response.stream:
                    pass
            reason = response.extensions.get("reason_phrase", b"").decode("latin-1")
            return _Reply(status, reason, reply_headers, body)
        finally:
            # Back to the pool; with an unread redirect or error body the
            # connection is closed instead, which is cheaper than draining it.
            response.close()
    except _TRANSPORT_ERRORS as exc:
        raise _transport_error(exc, url, options) from exc


def _empty_304(status: int, headers: _Headers) -> bool:
    """A 304 that announces no body. A 304 never has one (RFC 9110
    §15.4.5), so whatever bytes a server sends after one would be read as
    the next response on the connection: with a Transfer-Encoding or a
    Content-Length other than 0 it is closed instead of kept."""
    return status == 304 and headers.get("transfer-encoding") is None and headers.get("content-length") in (None, "0")


def _request_headers(options: FetchOptions, caching: CachingInfo, own_origin: bool) -> list[tuple[bytes, bytes]]:
    extra = list(options.headers) if own_origin else []
    for name, _ in extra:
        if name.lower() in _FRAMING_HEADERS:
            raise FetchError(f"the header {name} cannot be set for a source: remove it from the source's headers")
    overridden = {name.lower() for name, _ in extra}
    ours = (("User-Agent", options.user_agent), ("Accept", ACCEPT), ("Accept-Encoding", ACCEPT_ENCODING))
    headers = [(name, value) for name, value in ours if name.lower() not in overridden]
    headers += [(n, v) for n, v in extra if n.lower() not in ("if-none-match", "if-modified-since")]
    # Text from the config goes out as UTF-8 (header values are octets,
    # RFC 9110 §5.5; most servers read them as UTF-8). A name must be ASCII:
    # encoding one that is not raises UnicodeError, a bad header.
    try:
        sent = [(n.encode("ascii"), v.encode("utf-8")) for n, v in headers]
    except UnicodeError as exc:
        raise FetchError(f"invalid request header, check the source's headers: {_one_line(exc)}") from exc
    # Conditional GET (RFC 9110 §13.1.2, §13.1.3): the validators byte for
    # byte as the server gave them (see _validator); sending both is allowed
    # (RFC 9111 §4.3.1).
    if caching.etag:
        sent.append((b"If-None-Match", _octets(caching.etag)))
    if caching.last_modified:
        sent.append((b"If-Modified-Since", _octets(caching.last_modified)))
    return sent


# Header fields that describe the request's own message; h11 refuses a GET
# that announces a body, with an error of its own.
_FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding", "te", "trailer", "upgrade", "expect"})


def _validator(headers: _Headers, name: bytes) -> str | None:
    """A validator kept as Latin-1 text, so that any octets the server sent
    (RFC 9110 §5.5 obs-text) go back unchanged."""
    for key, value in headers.raw:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _octets(value: str) -> bytes:
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:  # not one of ours: a caller-made CachingInfo
        return value.encode("utf-8")


def _redirect_target(current: httpx.URL, reply: _Reply) -> httpx.URL:
    location = reply.headers.get("location")
    if not location:
        raise FetchError(f"HTTP {reply.status} redirect without a Location header from {current}", status=reply.status)
    try:
        target = current.join(location.strip())  # relative references: RFC 9110 §10.2.2
        _ = target.host  # an xn-- label is decoded (and refused) only when read
    except (httpx.InvalidURL, UnicodeError) as exc:
        raise FetchError(f"HTTP {reply.status} redirect to an invalid URL {location!r}", status=reply.status) from exc
    if target.scheme not in ("http", "https"):
        # Never let a remote server make us read a local file.
        raise FetchError(f"HTTP {reply.status} redirect to a non-HTTP URL {target}, refused", status=reply.status)
    return target.copy_with(fragment=None)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port)


def _status_message(reply: _Reply) -> str:
    reason = httpx.codes.get_reason_phrase(reply.status) or reply.reason
    message = f"HTTP {reply.status} {reason}".rstrip()
    retry_after = reply.headers.get("retry-after")
    if retry_after:
        message += f" (Retry-After: {retry_after})"
    return message


# ---------------------------------------------------------------- body, decoding


def _read_body(stream: Iterable[bytes], headers: _Headers, status: int, options: FetchOptions) -> bytes:
    limit = options.max_bytes
    codings = [c.strip().lower() for c in headers.get("content-encoding", "").split(",")]
    codings = [c for c in codings if c and c != "identity"]
    length = headers.get("content-length", "")
    if not codings and length.isdigit() and int(length) > limit:
        raise FetchError(_too_large(limit), status=status)

    chunks: Iterator[bytes] = iter(stream)
    for coding in reversed(codings):  # listed in the order applied (RFC 9110 §8.4)
        chunks = _decoder(coding)(chunks)

    # No clock check needed here: every socket read of the body goes through
    # _DeadlineStream, which refuses to start one after the deadline.
    body = bytearray()
    for chunk in chunks:
        body += chunk
        if len(body) > limit:
            raise FetchError(_too_large(limit), status=status)
    return bytes(body)


def _decoder(coding: str) -> Callable[[Iterable[bytes]], Iterator[bytes]]:
    if coding in ("gzip", "x-gzip"):  # RFC 9110 §8.4.1.3
        return lambda chunks: _inflate(chunks, wbits=16 + zlib.MAX_WBITS)
    if coding == "deflate":
        return _deflate
    if coding == "br" and _BROTLI:
        return _unbrotli
    raise FetchError(f"unsupported Content-Encoding {coding!r} (we accept {ACCEPT_ENCODING})")


def _inflate(chunks: Iterable[bytes], wbits: int) -> Iterator[bytes]:
    decompressor = zlib.decompressobj(wbits)
    after_member = b""  # the start of what follows a gzip member, too short to tell
    try:
        for data in chunks:
            data, after_member = after_member + data, b""
            while data:
                if decompressor.eof:
                    # A gzip body may hold several members (RFC 1952 §2.2); other
                    # bytes after the end are junk, ignored as browsers do.
                    if wbits > zlib.MAX_WBITS and data == b"\x1f":
                        after_member = data  # a read ended inside the next magic number
                        break
                    if wbits <= zlib.MAX_WBITS or not data.startswith(b"\x1f\x8b"):
                        return
                    decompressor = zlib.decompressobj(wbits)
                # At most _STEP bytes out; input not yet used waits in
                # unconsumed_tail, output not yet given comes with the next call.
                yield decompressor.decompress(data, _STEP)
                data = decompressor.unused_data if decompressor.eof else decompressor.unconsumed_tail
        # The last few pending bytes. A stream cut before its end (or without
        # the gzip trailer) is kept, as browsers do: the parser judges it.
        yield decompressor.flush()
    except zlib.error as exc:
        raise FetchError(f"invalid compressed body ({exc})") from exc


def _deflate(chunks: Iterable[bytes]) -> Iterator[bytes]:
    # "deflate" means zlib-wrapped data (RFC 9110 §8.4.1.2), but some servers
    # send the raw deflate stream; the zlib header tells them apart.
    chunks = iter(chunks)
    head = b""
    for chunk in chunks:
        head += chunk
        if len(head) >= 2:
            break
    is_zlib = len(head) >= 2 and head[0] & 0x0F == 8 and int.from_bytes(head[:2], "big") % 31 == 0
    yield from _inflate(itertools.chain([head], chunks), wbits=zlib.MAX_WBITS if is_zlib else -zlib.MAX_WBITS)


def _unbrotli(chunks: Iterable[bytes]) -> Iterator[bytes]:
    decompressor = brotli.Decompressor()
    try:
        for data in chunks:
            yield decompressor.process(data, output_buffer_limit=_STEP)
            while not decompressor.can_accept_more_data():
                yield decompressor.process(b"", output_buffer_limit=_STEP)
    except brotli.error as exc:
        raise FetchError(f"invalid compressed body ({exc})") from exc


def _too_large(limit: int) -> str:
    return f"response larger than {_size(limit)}, refused"


def _size(n: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale and n % scale == 0:
            return f"{n // scale} {unit}"
    return f"{n} bytes"


# ---------------------------------------------------------------- files


def _file_url_path(url: str, base_dir: Path) -> Path:
    parts = urllib.parse.urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise FetchError(f"{url} names the host {parts.netloc!r}; file: URLs can only read local files")
    # "file:feeds/a.xml" (no slashes) is taken relative to the config's folder.
    return base_dir / urllib.request.url2pathname(parts.path)


def _read_file(path: Path, caching: CachingInfo, options: FetchOptions) -> FetchResult:
    try:
        # Non-blocking: opening a FIFO with no writer would wait for ever.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError as exc:
        raise FetchError(f"no such file: {path}") from exc
    except IsADirectoryError as exc:
        raise FetchError(f"{path} is a folder, not a feed file") from exc
    except OSError as exc:
        raise FetchError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:  # a NUL character in the path
        raise FetchError(f"invalid file path {str(path)!r}: {exc}") from exc
    try:
        try:
            kind = os.fstat(fd).st_mode
        except OSError:
            os.close(fd)
            raise
        if not stat.S_ISREG(kind):
            os.close(fd)
            if stat.S_ISDIR(kind):
                raise FetchError(f"{path} is a folder, not a feed file")
            raise FetchError(f"{path} is not a regular file (a pipe or a device?), not read")
        with os.fdopen(fd, "rb") as f:
            data = _read_at_most(f, options.max_bytes + 1)
    except OSError as exc:
        raise FetchError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if len(data) > options.max_bytes:
        raise FetchError(f"file {path} larger than {_size(options.max_bytes)}, refused")
    digest = hashlib.sha256(data).hexdigest()
    # No content_type: a guessed text/xml would make the parser assume ASCII
    # (RFC 3023) instead of reading the document's own encoding declaration.
    return FetchResult(
        url=path.absolute().as_uri(),
        status=None,
        content=None if digest == caching.content_hash else data,
        caching=CachingInfo(content_hash=digest),
    )


def _read_at_most(f: BinaryIO, limit: int) -> bytes:
    """Up to ``limit`` bytes, in pieces: ``read(limit)`` would allocate all
    of a huge ``fetch.max_bytes`` up front."""
    pieces = []
    while limit > 0:
        piece = f.read(min(limit, 1 << 20))
        if not piece:
            break
        pieces.append(piece)
        limit -= len(piece)
    return b"".join(pieces)


# ---------------------------------------------------------------- errors

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
            return FetchError(f"TLS handshake with {where} failed: {cause.reason or _one_line(cause)}")
        return FetchError(f"cannot connect to {where}: {_one_line(cause or exc)}")
    if isinstance(cause, ConnectionResetError):
        return FetchError(f"connection reset by {where} before the whole response was received")
    if isinstance(exc, (httpx.ReadError, httpcore.ReadError)):
        return FetchError(f"connection closed by {where} before the whole response was received")
    if isinstance(exc, (httpx.RemoteProtocolError, httpcore.RemoteProtocolError)):
        # h11's words for a connection that ended early (RFC 9112 §8: incomplete message).
        if "peer closed connection" in str(exc) or "disconnected" in str(exc):
            return FetchError(f"connection closed by {where} before the whole response was received")
        return FetchError(f"invalid HTTP response from {where}: {_one_line(exc)}")
    if isinstance(exc, (UnicodeError, httpx.LocalProtocolError, httpcore.LocalProtocolError)):
        return FetchError(f"invalid request header, check the source's headers: {_one_line(exc)}")
    if isinstance(exc, (httpx.InvalidURL, httpx.UnsupportedProtocol, httpcore.UnsupportedProtocol)):
        return FetchError(f"invalid URL {url}: {_one_line(exc)}")
    return FetchError(f"request to {where} failed: {type(exc).__name__}: {_one_line(exc)}")


def _one_line(value: object) -> str:
    return " ".join(str(value).split()) or type(value).__name__


# ---------------------------------------------------------------- transport

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
                                         f"({_one_line(exc)}): correct or unset it") from exc

    def _pool_for(self, url: httpx.URL) -> httpcore.ConnectionPool:
        proxy = self._proxies.get(url.scheme)
        if proxy is not None and not urllib.request.proxy_bypass(url.host):
            return proxy
        return self._pool

    def request(self, url: httpx.URL, headers: list[tuple[bytes, bytes]], timeouts: dict[str, float]) -> httpcore.Response:
        """Send a GET; the response's body is left to stream."""
        if self._closed:
            # The daemon closes the fetcher to abort a cycle on SIGTERM.
            raise FetchError("not fetched: feedhub is shutting down")
        if url.scheme not in ("http", "https"):
            raise httpcore.UnsupportedProtocol(f"unsupported scheme {url.scheme!r}")
        if not url.host:
            raise httpx.InvalidURL("no host in the URL")
        head = _complete_headers(url, headers)
        target = httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path)
        request = httpcore.Request(b"GET", target, headers=head, extensions={"timeout": timeouts})
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


# --- WebSub (publishing) ---------------------------------------------------


def ping_websub(hub: str, urls: Iterable[str], timeout: float = 10.0,
                stopping: Callable[[], bool] = lambda: False) -> list[str]:
    """Tell a WebSub hub that the feeds at ``urls`` changed; never raises.

    WebSub (W3C Recommendation, §7) leaves how a publisher notifies its hub
    to the hub; the form that hubs accept (Google's, Superfeedr,
    websub.rocks, the PubSubHubbub 0.4 convention) is a POST of
    ``hub.mode=publish&hub.url=<feed>``, form-encoded, one feed per request.
    A 2xx answer is success. Each request is bounded by ``timeout`` seconds
    and redirects are not followed; once ``stopping()`` is true no more are
    sent. Returns one line per failure, for the caller to log: a hub that is
    down must not fail a publish.
    """
    errors: list[str] = []
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False,
                          headers={"User-Agent": feedhub.USER_AGENT}) as client:
            for url in urls:
                if stopping():
                    # A daemon told to stop must not wait for a slow hub a
                    # feed at a time; the hub polls the feeds itself anyway.
                    errors.append(f"{hub}: not notified of {url} and the rest: feedhub is shutting down")
                    break
                try:
                    # Streamed and never read: only the status matters, and a
                    # hub's answer could be of any size.
                    with client.stream("POST", hub, data={"hub.mode": "publish", "hub.url": url}) as response:
                        pass
                except httpx.HTTPError as exc:
                    errors.append(f"{hub}: cannot notify of {url}: {_one_line(exc)}")
                    continue
                if not 200 <= response.status_code < 300:
                    errors.append(f"{hub}: answered {response.status_code} {response.reason_phrase} to the ping for {url}")
    except Exception as exc:  # an unusable hub URL, a TLS setup error: a value, like every fetch error
        errors.append(f"{hub}: cannot notify: {type(exc).__name__}: {_one_line(exc)}")
    return errors
