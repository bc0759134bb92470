"""Fetching a batch of sources in lanes: the scheduling half of daemon/refresh.py.

A host gets as many lanes as the fetcher lets it have connections
(``fetch.per_host``, at most one per source), each lane a fetch thread taking
the host's sources in turn from one shared queue; a source that is not
fetched over the network (a file) has a lane of its own. A thread per source,
most of them blocked on their host's limit, cost a warm cycle a third more
CPU in thread hand-offs (bench/README.md).

Every fetch reports on one queue, ``("fetch", index, result, error)``, which
costs the same whatever is pending. With a ``bound``, a lane starts no fetch
while that many fetched documents wait (each counts from its fetch's end
until the caller's ``release``, once it is parsed or there was nothing to
parse): on a cold cycle the network outruns the parser, and 200 documents
held at once were a fifth of the process's peak memory. A fetch in progress
does not count, so slow or hanging sources never hold fetching up (issue
#15: eight of them stopped a `run --once`); the fetches already running when
the bound is reached may pass it, by at most the fetcher's connections.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from functools import lru_cache
from urllib.parse import urlsplit

from feedhub.errors import FetchError
from feedhub.types import FetchResult

Report = tuple  # ("fetch", index, FetchResult | None, BaseException | None), or the caller's own


class FetchLanes:
    """The fetches of one batch: ``start`` them, read ``reports``, ``stop``
    at the end (always: a lane may be waiting for a slot)."""

    def __init__(self, urls: Sequence[str], fetch: Callable[[int], FetchResult], *, per_host: int,
                 bound: int | None) -> None:
        self.reports: queue.SimpleQueue[Report] = queue.SimpleQueue()
        self._fetch = fetch
        self._lanes = lanes(interleaved_by_host(urls), urls, per_host)
        self._bound = bound
        self._held = 0  # fetched documents not released yet
        self._stopped = False
        self._changed = threading.Condition()

    def start(self, threads: Executor) -> None:
        for lane in self._lanes:
            try:
                future = threads.submit(self._run, lane)
            except RuntimeError:  # the fetcher was closed: feedhub is shutting down
                self._abandon(lane)
                continue
            # A shutdown closes the fetcher, which cancels the lanes not
            # started yet: their sources must still report, or the caller
            # would wait for them for ever.
            future.add_done_callback(lambda f, lane=lane: f.cancelled() and self._abandon(lane))

    def release(self) -> None:
        """A document fetched under the bound is parsed, or was nothing to parse."""
        if self._bound is not None:
            with self._changed:
                self._held -= 1
                self._changed.notify()

    def stop(self) -> None:
        """Lanes take no new source, and none stays blocked waiting for room."""
        for lane in self._lanes:
            lane.clear()
        with self._changed:
            self._stopped = True
            self._changed.notify_all()

    def _wait_for_room(self) -> None:
        if self._bound is not None:
            with self._changed:
                self._changed.wait_for(lambda: self._held < self._bound or self._stopped)

    def _fetched(self) -> None:
        if self._bound is not None:
            with self._changed:
                self._held += 1

    def _run(self, lane: deque[int]) -> None:
        """Fetch the sources of ``lane`` one after another (other threads
        may share the lane)."""
        while True:
            try:
                i = lane.popleft()
            except IndexError:
                return
            self._wait_for_room()
            try:
                result, error = self._fetch(i), None
            except BaseException as e:  # noqa: BLE001 - reported: the caller makes it the source's failure
                result, error = None, e
            self._fetched()
            self.reports.put(("fetch", i, result, error))

    def _abandon(self, lane: deque[int]) -> None:
        """Report the sources left in ``lane`` as not fetched (a shutdown);
        the caller releases each, as it does every source."""
        while True:
            try:
                i = lane.popleft()
            except IndexError:
                return
            self._fetched()
            self.reports.put(("fetch", i, None, FetchError("not fetched: feedhub is shutting down")))


def lanes(order: Sequence[int], urls: Sequence[str], per_host: int) -> list[deque[int]]:
    """The fetch ``order`` as lanes: a host's sources in one queue, listed
    once per connection the fetcher allows it (``per_host``, at most one per
    source), so that that many threads take turns on it and none waits for a
    slow source another holds. A source that is not fetched over the network
    (a file) has a lane of its own. A lane is listed where the source that
    opened it is in ``order``, so that threads start on different hosts."""
    result: list[deque[int]] = []
    by_host: dict[str, deque[int]] = {}
    for i in order:
        scheme, host, _ = _split(urls[i])
        if scheme not in ("http", "https"):
            result.append(deque([i]))
            continue
        host_queue = by_host.get(host)
        if host_queue is None:
            host_queue = by_host[host] = deque()
        host_queue.append(i)
        if len(host_queue) <= per_host:  # one more thread for this host, up to its limit
            result.append(host_queue)
    return result


def interleaved_by_host(urls: Sequence[str]) -> list[int]:
    """Indexes of `urls` ordered so that consecutive fetches go to different
    hosts where possible: one per host, then a second per host, and so on."""
    rank: dict[str, int] = {}
    keyed = []
    for i, url in enumerate(urls):
        host = _split(url)[2]
        keyed.append((rank.get(host, 0), i))
        rank[host] = rank.get(host, 0) + 1
    return [i for _, i in sorted(keyed)]


@lru_cache(maxsize=4096)
def _split(url: str) -> tuple[str, str, str]:
    """(scheme, host name, netloc) of a URL, lower-cased. Cached: the daemon
    asks for the same few hundred URLs every cycle, and parsing them was a
    twentieth of a warm cycle's bookkeeping (bench/warm_daemon.py)."""
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.netloc.lower()
