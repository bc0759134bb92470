"""Refreshing sources: fetch -> parse -> normalise -> merge -> store.

    for source in due sources:            (threads: fetching waits on the network)
        result = fetch(source)            FetchResult | FetchError
        feed, entries = parse(result)     (processes: parsing is CPU-bound Python)
        with store.transaction():         (this thread only)
            apply entries, record the source's state

A source's failure is a value recorded on the source (shown by `status`),
never an exception that stops the batch. A source's entries and its new
validators are committed in one transaction, so a crash never leaves the store
claiming "not modified" for entries it did not keep.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from concurrent.futures import BrokenExecutor, CancelledError
from dataclasses import dataclass, field, replace
from functools import partial
from datetime import datetime, timezone

from feedhub.daemon import timing as policy
from feedhub.config import Config, SourceConfig
from feedhub.errors import FetchError, MergeError, ParseError, SourceError, StorageError
from feedhub.fetch import Fetcher, FetchOptions
from feedhub.fetch.lanes import FetchLanes
from feedhub.logs import VERBOSE
from feedhub.merge.apply import Merger
from feedhub.store import Store
from feedhub.types import EMPTY_ENTRIES_META, Entry, FeedData, FetchResult, SourceState
from feedhub.memory import release_free_memory
from feedhub.pool import CrashIsolation, WorkerPool

# The parsing stack (feedparser, nh3) is imported where first needed, inside
# the functions below: a warm cycle, every source answering 304, needs none
# of it, and a `run --once` then starts 0.1 s sooner.

log = logging.getLogger("feedhub.daemon.refresh")

# Below this many documents a process pool costs more to start than it saves.
PARSE_POOL_THRESHOLD = 8
# Free heap is handed back to the system after this many sources with news.
TRIM_EVERY = 20
# Documents fetched and not yet parsed, at most (fetch/lanes.py).
BODIES_IN_FLIGHT = max(8, 4 * (os.cpu_count() or 1))


@dataclass(frozen=True)
class SourceOutcome:
    """What one source's refresh did, for progress, logs and the summary."""

    source: str
    new: int = 0
    edited: int = 0
    not_modified: bool = False
    error: str | None = None
    categories_changed: frozenset[str] = frozenset()
    moved_to: str | None = None
    # Not polled because feedhub is shutting down: not the source's failure,
    # and logged once for all such sources rather than once each.
    aborted: bool = False


@dataclass
class CycleReport:
    outcomes: list[SourceOutcome] = field(default_factory=list)

    @property
    def changed_categories(self) -> set[str]:
        return {c for o in self.outcomes for c in o.categories_changed}

    @property
    def failed(self) -> list[SourceOutcome]:
        return [o for o in self.outcomes if o.error and not o.aborted]

    @property
    def aborted(self) -> int:
        """Sources not polled because feedhub is shutting down."""
        return sum(o.aborted for o in self.outcomes)

    @property
    def new_entries(self) -> int:
        return sum(o.new for o in self.outcomes)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def initial_state(source: SourceConfig, stored: SourceState | None) -> SourceState:
    """The stored state, reset where the config changed the source's URL."""
    if stored is None:
        return SourceState(name=source.name, url=source.url, configured_url=source.url)
    if stored.configured_url != source.url:
        # The user pointed the source elsewhere: forget the old address, its
        # validators and any 410; entries already stored stay.
        return replace(stored, url=source.url, configured_url=source.url, caching=type(stored.caching)(),
                       disabled_reason=None, failures=0, failing_since=None, next_poll=None)
    return stored


class Updater:
    """Refreshes sources into a store. One per run (or per daemon)."""

    def __init__(self, config: Config, store: Store, fetcher: Fetcher, *, clock: Callable[[], datetime] = utcnow,
                 stopping: Callable[[], bool] = lambda: False):
        self.config = config
        self.store = store
        self.fetcher = fetcher
        self.clock = clock
        self.stopping = stopping  # true once a shutdown was asked for
        self._pending_states: list[SourceState] = []
        self.merger = Merger(config, store)
        self._base_dir = config.base_dir  # where relative file sources are read from

    def refresh(self, sources: Sequence[SourceConfig], on_outcome: Callable[[SourceOutcome], None] | None = None,
                pool: WorkerPool | None = None) -> CycleReport:
        """Refresh ``sources``; parsing runs in ``pool`` (the caller's, so
        that publishing can use it next; else one of its own, closed at the
        end) once there are enough documents to be worth it."""
        report = CycleReport()

        def done(outcome: SourceOutcome) -> None:
            report.outcomes.append(outcome)
            if outcome.aborted:
                pass  # one line for all of them, at the end
            elif outcome.error:
                log.warning("%s: %s", outcome.source, outcome.error)
            else:
                log.log(VERBOSE, "%s: %d new, %d edited%s", outcome.source, outcome.new, outcome.edited,
                         " (not modified)" if outcome.not_modified else "")
            if on_outcome:
                on_outcome(outcome)

        if not sources:
            return report
        stored = self.store.source_states()
        states = {s.name: initial_state(s, stored.get(s.name)) for s in sources}
        own_pool = pool is None
        workers = pool if pool is not None else WorkerPool()
        use_pool = len(sources) >= PARSE_POOL_THRESHOLD
        # Results are stored in config order whatever order the network
        # answers in, so that which copy of a story arrives first (and so the
        # story's id) is the same on every machine.
        steps: dict[int, Callable[[], SourceOutcome]] = {}
        stored_since_trim = 0
        next_index = 0

        def ready(index: int, step: Callable[[], SourceOutcome]) -> None:
            nonlocal next_index, stored_since_trim
            steps[index] = step
            while next_index in steps:
                outcome = steps.pop(next_index)()
                done(outcome)
                next_index += 1
                stored_since_trim += bool(outcome.new or outcome.edited)
                if stored_since_trim >= TRIM_EVERY:
                    # Parsed documents come and go by the megabyte; without
                    # this the heap only grows during a cold cycle (memory.py).
                    release_free_memory(collect=False)
                    stored_since_trim = 0

        # Fetches run in lanes per host (fetch/lanes.py); with a pool, documents
        # fetched but not yet parsed are bounded (BODIES_IN_FLIGHT).
        urls = [states[s.name].url for s in sources]
        fetches = FetchLanes(urls, lambda i: self._fetch(sources[i], states[sources[i].name]),
                             per_host=self.fetcher.per_host, bound=BODIES_IN_FLIGHT if use_pool else None)
        completed = fetches.reports
        try:
            fetches.start(self.fetcher.executor())
            unfinished = len(sources)  # sources whose fetch (and parse) has not reported yet
            fetched: dict[int, tuple[FetchResult, datetime]] = {}

            def parse(i: int) -> None:
                # The pool starts on the first document to parse: a cycle
                # where every source answers 304 never pays for it.
                call = self._parse_call(sources[i], *fetched[i])
                future = workers.submit(call.func, *call.args)
                future.add_done_callback(lambda f: completed.put(("parse", i, f, None)))

            # A document whose parse a dead worker took along is parsed
            # again alone; one that kills its worker alone is given up.
            parses = CrashIsolation(workers, parse)

            while unfinished:
                stage, i, value, error = completed.get()
                source, state = sources[i], states[sources[i].name]
                if stage == "parse":
                    # Lost: with a dead worker, or cancelled when a pool that
                    # could not start a worker was shut down under it.
                    lost = value.cancelled() or isinstance(value.exception(), BrokenExecutor)
                    if lost and self.stopping():
                        # Workers die with the rest at shutdown (a service
                        # manager signals the whole group): nobody's fault,
                        # nothing to parse again now, nothing stored.
                        parses.finished(i, lost=False)
                        unfinished -= 1
                        fetches.release()
                        fetched.pop(i)
                        ready(i, partial(SourceOutcome, source.name, error="not parsed: shutting down", aborted=True))
                        continue
                    if not parses.finished(i, lost=lost):
                        continue  # it will be parsed again
                    unfinished -= 1
                    fetches.release()
                    result, fetched_at = fetched.pop(i)
                    ready(i, partial(self._apply_parse, source, state, result, fetched_at, value.result))
                    continue
                fetched_at = self.clock()
                if error is not None or value.not_modified or not use_pool:
                    unfinished -= 1
                    fetches.release()
                if isinstance(error, SourceError):
                    if self.stopping():
                        # Aborted by a shutdown: not the source's failure, nothing stored.
                        ready(i, partial(SourceOutcome, source.name, error=str(error), aborted=True))
                        continue
                    ready(i, partial(self._record_failure, source, state, error, fetched_at))
                    continue
                if error is not None:  # a bug must not stop the batch; say what it was
                    log.error("%s: unexpected error while fetching", source.name, exc_info=error)
                    error = FetchError(f"unexpected fetch error: {type(error).__name__}: {error}")
                    ready(i, partial(self._record_failure, source, state, error, fetched_at))
                    continue
                result = value
                if result.not_modified:
                    ready(i, partial(self._record_unchanged, source, state, result, fetched_at))
                    continue
                if not use_pool:
                    ready(i, partial(self._apply_parse, source, state, result, fetched_at,
                                     self._parse_call(source, result, fetched_at)))
                else:
                    fetched[i] = (result, fetched_at)
                    parses.submit(i)
            self._flush_states()
            if report.aborted:
                log.warning("%d source%s not polled: feedhub is shutting down", report.aborted,
                            "s" if report.aborted != 1 else "")
        finally:
            fetches.stop()  # after an exception or Ctrl-C too: no lane left waiting
            if own_pool:
                workers.close()
        return report

    # --- the steps -------------------------------------------------------

    def _fetch(self, source: SourceConfig, state: SourceState) -> FetchResult:
        options = FetchOptions(
            timeout=source.timeout,
            max_bytes=self.config.fetch.max_bytes,
            connect_timeout=min(10.0, source.timeout),
            headers=source.headers,
            **({"user_agent": source.user_agent} if source.user_agent else {}),
        )
        return self.fetcher.fetch(state.url, caching=state.caching, options=options, base_dir=self._base_dir)

    def _parse_call(self, source: SourceConfig, result: FetchResult, fetched_at: datetime) -> partial:
        """worker.parse_and_normalize of ``result``, ready to call here or in the pool."""
        from feedhub.parse.job import parse_and_normalize

        return partial(parse_and_normalize, result.content, result.url, result.content_type, source.encoding,
                       source.timezone, source.name, fetched_at, self.merger.needs_signatures(source))

    def _apply_parse(self, source: SourceConfig, state: SourceState, result: FetchResult, fetched_at: datetime,
                     parsed: Callable[[], tuple[FeedData, list[Entry]]]) -> SourceOutcome:
        try:
            feed, entries = parsed()
        except ParseError as e:
            return self._record_failure(source, state, e, fetched_at, status=result.status)
        except (BrokenExecutor, CancelledError):
            error = ParseError("not parsed: the parsing process died on this document alone (out of memory? a crash?); "
                               "tried again next poll")
            return self._record_failure(source, state, error, fetched_at, status=result.status)
        except Exception as e:  # a parser bug must not stop the batch; say what it was
            log.exception("%s: unexpected error while parsing", source.name)
            return self._record_failure(source, state, ParseError(f"unexpected parser error: {type(e).__name__}: {e}"),
                                        fetched_at, status=result.status)
        try:
            return self._store(source, state, result, fetched_at, feed, entries)
        except StorageError:
            raise  # the store itself fails (a full disk): every source would, the cycle ends
        except Exception as e:  # a bug in merging one source's entries must not stop the batch (issue #19)
            # Row ids the rollback undid are handed out again: signatures
            # cached under them would be another entry's.
            self.merger.forget_cached()
            log.debug("%s: unexpected error while storing its entries", source.name, exc_info=True)
            error = MergeError(f"not stored: unexpected error while merging its entries: {type(e).__name__}: {e}; "
                               "tried again next poll (-vv logs the traceback)")
            return self._record_failure(source, state, error, fetched_at, status=result.status)

    def _store(self, source: SourceConfig, state: SourceState, result: FetchResult, fetched_at: datetime,
               feed: FeedData, entries: list[Entry]) -> SourceOutcome:
        """One transaction: the source's entries merged, its new state saved."""
        now = self.clock()
        pending, self._pending_states = self._pending_states, []
        try:
            with self.store.transaction():
                self.store.save_source_states(pending)
                outcome = self._store_in_transaction(source, state, result, fetched_at, feed, entries, now)
        except BaseException:
            self._pending_states[:0] = pending  # rolled back with the rest: written with the next transaction
            raise
        if result.moved_to:
            log.warning("%s: moved permanently to %s; polling there from now on", source.name, result.moved_to)
        return outcome

    def _store_in_transaction(self, source: SourceConfig, state: SourceState, result: FetchResult,
                              fetched_at: datetime, feed: FeedData, entries: list[Entry],
                              now: datetime) -> SourceOutcome:
        new, edited, changed = self.merger.store_entries(source, entries, now)
        if changed:
            self.store.set_publish_pending(True)
        # Empty entries dropped from this document, for `feedhub status` (issue #13).
        key = EMPTY_ENTRIES_META + source.name
        if feed.empty_entries or self.store.get_meta(key) not in (None, "0"):
            self.store.set_meta(key, str(feed.empty_entries))
        next_poll, reason = policy.after_success(
            source.name, source.interval, fetched_at,
            policy.server_hint(result.headers, feed.ttl_seconds, fetched_at), self.config.fetch.max_hint)
        self.store.save_source_state(replace(
            state,
            url=result.moved_to or state.url,
            caching=result.caching,
            feed_title=feed.title or state.feed_title,
            feed_link=feed.link or state.feed_link,
            feed_id=feed.id or state.feed_id,
            feed_updated=feed.updated or state.feed_updated,
            feed_self=self._self_link(feed, result),
            last_fetch=fetched_at, last_success=fetched_at, last_error=None, last_status=result.status,
            failures=0, failing_since=None, next_poll=next_poll, next_poll_reason=reason,
        ))
        return SourceOutcome(source.name, new=new, edited=edited, categories_changed=frozenset(changed),
                             moved_to=result.moved_to)

    def _self_link(self, feed: FeedData, result: FetchResult) -> str:
        """An absolute URL for the source feed, for atom:source's self link."""
        for url in (feed.url, result.url):
            if url and url.split(":", 1)[0].lower() in ("http", "https", "file"):
                return url
        return (self._base_dir / result.url).resolve().as_uri()

    def _record_unchanged(self, source: SourceConfig, state: SourceState, result: FetchResult,
                          fetched_at: datetime) -> SourceOutcome:
        next_poll, reason = policy.after_success(source.name, source.interval, fetched_at,
                                                 policy.server_hint(result.headers, None, fetched_at),
                                                 self.config.fetch.max_hint)
        # Written with the next transaction, not one of its own: a cycle of
        # 304s commits once. Lost in a crash, it only means polling again.
        self._pending_states.append(replace(
            state, url=result.moved_to or state.url, caching=result.caching,
            last_fetch=fetched_at, last_success=fetched_at, last_error=None, last_status=result.status,
            failures=0, failing_since=None, next_poll=next_poll, next_poll_reason=reason,
        ))
        return SourceOutcome(source.name, not_modified=True, moved_to=result.moved_to)

    def _flush_states(self) -> None:
        if self._pending_states:
            with self.store.transaction():
                self.store.save_source_states(self._pending_states)
            self._pending_states.clear()

    def _record_failure(self, source: SourceConfig, state: SourceState, error: SourceError, fetched_at: datetime,
                        status: int | None = None) -> SourceOutcome:
        failures = state.failures + 1
        status = getattr(error, "status", None) or status
        headers = getattr(error, "headers", ())
        # Retry-After is meant for 429 and 503 (RFC 6585 §4, RFC 9110 §15.6.4).
        wait = policy.retry_after(headers, fetched_at) if status in (429, 503) else None
        next_poll, reason = policy.after_failure(source.name, source.interval, failures, fetched_at, wait,
                                                 self.config.fetch.max_backoff, self.config.fetch.max_hint)
        disabled = None
        if isinstance(error, FetchError) and error.status == 410:
            # 410 Gone: the publisher says the feed is gone for good. Stop
            # polling, say so in `status`; a new URL in the config revives it.
            disabled = "410 Gone: the server says this feed was removed; change its url to poll it again"
            reason = "disabled"
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        with self.store.transaction():
            self.store.save_source_state(replace(
                state, last_fetch=fetched_at, last_error=message, last_status=status, failures=failures,
                failing_since=state.failing_since or fetched_at, next_poll=next_poll, next_poll_reason=reason,
                disabled_reason=disabled or state.disabled_reason,
            ))
        return SourceOutcome(source.name, error=message)
