"""The daemon's refresh: each source on its own, from the moment it is due
(issue #15).

A batch refresh (refresh.py, what `run --once` runs) stores its results in
config order and ends with its slowest source: in the daemon, one source
that trickles its body over 25 s held back every story fetched with it, and
the next polls of all the others. Here a due source's fetch starts at once
on the fetcher's threads (its limits, overall and per host, still hold); a
document is parsed in the pool as soon as it arrives; and the loop's thread,
the store's only writer, stores each source's result as soon as it is
parsed, so a slow or hanging source holds only its own slot and its host's.

The loop calls `start` for due sources and `drain` for what has completed;
both run on the loop's thread. Fetch and parse threads only put events on a
queue and wake the loop.
"""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import datetime

from feedhub.config import SourceConfig
from feedhub.daemon.refresh import Updater, initial_state
from feedhub.errors import FetchError, SourceError
from feedhub.pool import WorkerPool
from feedhub.types import FetchResult, SourceOutcome, SourceState

log = logging.getLogger("feedhub.daemon")

# Documents up to this size are parsed on the loop's thread, larger ones in the pool.
INLINE_PARSE_BYTES = 64 * 1024


@dataclass(frozen=True)
class _Event:
    stage: str  # "fetched" or "parsed"
    source: SourceConfig
    state: SourceState
    future: Future
    fetched_at: datetime
    result: FetchResult | None = None  # with "parsed": what was parsed


class ContinuousRefresh:
    """Sources refreshed one by one as they fall due; results stored as they
    come. Not thread-safe: one loop thread calls start and drain."""

    def __init__(self, updater: Updater, pool: WorkerPool, wake: Callable[[], None],
                 on_fetched: Callable[[float], None] | None = None):
        self.updater = updater
        self._on_fetched = on_fetched  # each fetch's seconds, for /metrics
        self.pool = pool
        self._wake = wake
        self._events: queue.SimpleQueue[_Event] = queue.SimpleQueue()
        self.in_flight: set[str] = set()

    def start(self, source: SourceConfig) -> bool:
        """Start fetching ``source``; False if it is still in flight (a
        source is never polled twice at once)."""
        if source.name in self.in_flight:
            return False
        updater = self.updater
        state = initial_state(source, updater.store.source_state(source.name))
        try:
            future = updater.fetcher.executor().submit(updater._fetch, source, state)
        except RuntimeError:  # the fetcher's threads were shut down: feedhub is stopping
            return False
        self.in_flight.add(source.name)
        started = time.monotonic()

        def fetched(f: Future) -> None:
            if self._on_fetched is not None:
                self._on_fetched(time.monotonic() - started)
            self._report(_Event("fetched", source, state, f, updater.clock()))

        future.add_done_callback(fetched)
        return True

    def push(self, source: SourceConfig, result: FetchResult) -> bool:
        """A document a WebSub hub pushed: parsed, merged and stored like a
        poll's. False while the source is in flight: pushed again next turn."""
        if source.name in self.in_flight:
            return False
        updater = self.updater
        state = initial_state(source, updater.store.source_state(source.name))
        done: Future = Future()
        done.set_result(replace(result, caching=state.caching))  # the poll's validators stay the poll's
        self.in_flight.add(source.name)
        self._report(_Event("fetched", source, state, done, updater.clock()))
        return True

    def _report(self, event: _Event) -> None:
        self._events.put(event)
        self._wake()

    def drain(self) -> list[SourceOutcome]:
        """Store what has completed since the last call; the sources' outcomes."""
        outcomes: list[SourceOutcome] = []
        while True:
            try:
                event = self._events.get_nowait()
            except queue.Empty:
                break
            outcome = self._handle(event)
            if outcome is not None:
                self.in_flight.discard(outcome.source)
                outcomes.append(outcome)
        self.updater._flush_states()
        return outcomes

    def _handle(self, event: _Event) -> SourceOutcome | None:
        updater, source, state = self.updater, event.source, event.state
        if event.stage == "parsed":
            return updater._apply_parse(source, state, event.result, event.fetched_at, event.future.result)
        error = event.future.exception()
        if isinstance(error, SourceError):
            if updater.stopping():
                return SourceOutcome(source.name, error=str(error), aborted=True)
            return updater._record_failure(source, state, error, event.fetched_at)
        if error is not None:  # a bug must not stop the daemon; say what it was
            log.error("%s: unexpected error while fetching", source.name, exc_info=error)
            error = FetchError(f"unexpected fetch error: {type(error).__name__}: {error}")
            return updater._record_failure(source, state, error, event.fetched_at)
        result: FetchResult = event.future.result()
        if result.not_modified:
            return updater._record_unchanged(source, state, result, event.fetched_at)
        call = updater._parse_call(source, result, event.fetched_at)
        if len(result.content or b"") <= INLINE_PARSE_BYTES:
            # A small document is parsed here at once: a few milliseconds,
            # where the pool's workers, niced, can wait long behind a busy CPU.
            return updater._apply_parse(source, state, result, event.fetched_at, call)
        parsed = self.pool.submit(call.func, *call.args)
        parsed.add_done_callback(lambda f: self._report(
            _Event("parsed", source, state, f, event.fetched_at, result)))
        return None
