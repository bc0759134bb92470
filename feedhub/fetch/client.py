"""The fetcher: limits (overall, per host), a pool of httpcore connection
pools, and the choice between HTTP(S) and a file.
"""

from __future__ import annotations

import functools
import math
import threading
import time
import urllib.parse
import urllib.request
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

import feedhub
from feedhub.errors import FetchError, one_line
from feedhub.fetch.files import _file_url_path, _read_file
from feedhub.fetch.http import _follow
from feedhub.fetch.options import FetchOptions
from feedhub.fetch.transport import _DEADLINE, _Transport
from feedhub.types import CachingInfo, FetchResult


_MAX_PER_POOL = 8  # connections per httpcore pool, see the module docstring


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
            raise FetchError(f"invalid URL {url!r}: {one_line(exc)}") from exc
        with self._transport_for(first.host) as transport:
            token = _DEADLINE.set(time.monotonic() + options.timeout)
            try:
                return _follow(transport, first, caching, options)
            finally:
                _DEADLINE.reset(token)

    def post_form(self, url: str, fields: dict[str, str], timeout: float = 10.0) -> tuple[int, str]:
        """POST ``fields`` form-encoded to ``url`` (a WebSub hub's subscription
        request, W3C WebSub §5.1): the status and reason. The same limits and
        address checks as a fetch; redirects are not followed, the answer's
        body is not read. Raises FetchError."""
        if self._closed:
            raise FetchError("not sent: feedhub is shutting down")
        if _scheme(url) not in ("http", "https"):
            raise FetchError(f"not an http(s) URL: {url}")
        try:
            target = _parse_url(url)
            _ = target.host
        except (httpx.InvalidURL, UnicodeError) as exc:
            raise FetchError(f"invalid URL {url!r}: {one_line(exc)}") from exc
        body = urllib.parse.urlencode(fields).encode("ascii")
        headers = [(b"Content-Type", b"application/x-www-form-urlencoded"), (b"User-Agent", feedhub.USER_AGENT.encode())]
        timeouts = {"connect": min(10.0, timeout), "read": timeout, "write": timeout, "pool": timeout}
        with self._transport_for(target.host) as transport:
            token = _DEADLINE.set(time.monotonic() + timeout)
            try:
                response = transport.request(target, headers, timeouts, method=b"POST", content=body)
                response.close()
            except FetchError:
                raise
            except Exception as exc:  # httpcore's errors, a refused address
                raise FetchError(f"{url}: {one_line(exc) or type(exc).__name__}") from exc
            finally:
                _DEADLINE.reset(token)
        return response.status, response.extensions.get("reason_phrase", b"").decode("latin-1")

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
