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
from dataclasses import replace
from functools import partial
from datetime import datetime, timedelta

from feedhub.daemon import timing as policy
from feedhub.daemon.push import discover
from feedhub.daemon.timing import utcnow
from feedhub.config import Config, SourceConfig
from feedhub.errors import FetchError, MergeError, ParseError, SourceError, StorageError
from feedhub.fetch import Fetcher, FetchOptions
from feedhub.fetch.lanes import FetchLanes
from feedhub.logs import VERBOSE
from feedhub.merge.apply import Merger
from feedhub.store import Store
from feedhub.types import EMPTY_ENTRIES_META, CycleReport, Entry, FeedData, FetchResult, SourceOutcome, SourceState
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
        # A source a WebSub hub pushes is polled less often (daemon/push.py).
        self.interval_for: Callable[[SourceConfig], timedelta] = lambda source: source.interval

    def refresh(self, sources: Sequence[SourceConfig], on_outcome: Callable[[SourceOutcome], None] | None = None,
                pool: WorkerPool | None = None) -> CycleReport:
        """Refresh ``sources``; parsing runs in ``pool`` (the caller's, so
        that publishing can use it next; else one of its own, closed at the
        end) once there are enough documents to be worth it."""
        report = CycleReport()
        if not sources:
            return report
        stored = self.store.source_states()
        states = {s.name: initial_state(s, stored.get(s.name)) for s in sources}
        own_pool = pool is None
        workers = pool if pool is not None else WorkerPool()
        try:
            _Batch(self, sources, states, partial(self._report, report, on_outcome), workers,
                   use_pool=len(sources) >= PARSE_POOL_THRESHOLD).run()
            self._flush_states()
            if report.aborted:
                log.warning("%d source%s not polled: feedhub is shutting down", report.aborted,
                            "s" if report.aborted != 1 else "")
        finally:
            if own_pool:
                workers.close()
        return report

    @staticmethod
    def _report(report: CycleReport, on_outcome: Callable[[SourceOutcome], None] | None,
                outcome: SourceOutcome) -> None:
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
            source.name, self.interval_for(source), fetched_at,
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
        hub, topic = discover(result.headers, feed.hub, feed.url)
        return SourceOutcome(source.name, new=new, edited=edited, categories_changed=frozenset(changed),
                             moved_to=result.moved_to, hub=hub, topic=topic)

    def _self_link(self, feed: FeedData, result: FetchResult) -> str:
        """An absolute URL for the source feed, for atom:source's self link."""
        for url in (feed.url, result.url):
            if url and url.split(":", 1)[0].lower() in ("http", "https", "file"):
                return url
        return (self._base_dir / result.url).resolve().as_uri()

    def _record_unchanged(self, source: SourceConfig, state: SourceState, result: FetchResult,
                          fetched_at: datetime) -> SourceOutcome:
        next_poll, reason = policy.after_success(source.name, self.interval_for(source), fetched_at,
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
        next_poll, reason = policy.after_failure(source.name, self.interval_for(source), failures, fetched_at, wait,
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


class _Batch:
    """One call of Updater.refresh: fetches run in lanes per host
    (fetch/lanes.py), documents are parsed in the pool (with a pool, those
    fetched but not yet parsed are bounded by BODIES_IN_FLIGHT), and each
    source's outcome is stored in config order."""

    def __init__(self, updater: Updater, sources: Sequence[SourceConfig], states: dict[str, SourceState],
                 report: Callable[[SourceOutcome], None], workers: WorkerPool, *, use_pool: bool):
        self.updater = updater
        self.sources = sources
        self.states = states
        self.report = report
        self.workers = workers
        self.use_pool = use_pool
        # Results are stored in config order whatever order the network
        # answers in, so that which copy of a story arrives first (and so the
        # story's id) is the same on every machine.
        self.steps: dict[int, Callable[[], SourceOutcome]] = {}
        self.next_index = 0
        self.stored_since_trim = 0
        self.unfinished = len(sources)  # sources whose fetch (and parse) has not reported yet
        self.fetched: dict[int, tuple[FetchResult, datetime]] = {}
        urls = [states[s.name].url for s in sources]
        self.fetches = FetchLanes(urls, lambda i: updater._fetch(sources[i], states[sources[i].name]),
                                  per_host=updater.fetcher.per_host, bound=BODIES_IN_FLIGHT if use_pool else None)
        # A document whose parse a dead worker took along is parsed again
        # alone; one that kills its worker alone is given up.
        self.parses = CrashIsolation(workers, self._submit_parse)

    def run(self) -> None:
        completed = self.fetches.reports
        try:
            self.fetches.start(self.updater.fetcher.executor())
            while self.unfinished:
                stage, i, value, error = completed.get()
                if stage == "parse":
                    self._parsed(i, value)
                else:
                    self._fetched(i, value, error)
        finally:
            self.fetches.stop()  # after an exception or Ctrl-C too: no lane left waiting

    def _ready(self, index: int, step: Callable[[], SourceOutcome]) -> None:
        """Run the steps that are due in config order, this one included when its turn has come."""
        self.steps[index] = step
        while self.next_index in self.steps:
            outcome = self.steps.pop(self.next_index)()
            self.report(outcome)
            self.next_index += 1
            self.stored_since_trim += bool(outcome.new or outcome.edited)
            if self.stored_since_trim >= TRIM_EVERY:
                # Parsed documents come and go by the megabyte; without
                # this the heap only grows during a cold cycle (memory.py).
                release_free_memory(collect=False)
                self.stored_since_trim = 0

    def _finished(self) -> None:
        """One source is done with fetching and parsing: its slot is free."""
        self.unfinished -= 1
        self.fetches.release()

    def _submit_parse(self, i: int) -> None:
        # The pool starts on the first document to parse: a cycle where
        # every source answers 304 never pays for it.
        call = self.updater._parse_call(self.sources[i], *self.fetched[i])
        future = self.workers.submit(call.func, *call.args)
        future.add_done_callback(lambda f: self.fetches.reports.put(("parse", i, f, None)))

    def _parsed(self, i: int, future) -> None:
        source, state = self.sources[i], self.states[self.sources[i].name]
        # Lost: with a dead worker, or cancelled when a pool that could not
        # start a worker was shut down under it.
        lost = future.cancelled() or isinstance(future.exception(), BrokenExecutor)
        if lost and self.updater.stopping():
            # Workers die with the rest at shutdown (a service manager
            # signals the whole group): nobody's fault, nothing to parse
            # again now, nothing stored.
            self.parses.finished(i, lost=False)
            self._finished()
            self.fetched.pop(i)
            self._ready(i, partial(SourceOutcome, source.name, error="not parsed: shutting down", aborted=True))
            return
        if not self.parses.finished(i, lost=lost):
            return  # it will be parsed again
        self._finished()
        result, fetched_at = self.fetched.pop(i)
        self._ready(i, partial(self.updater._apply_parse, source, state, result, fetched_at, future.result))

    def _fetched(self, i: int, result: FetchResult | None, error: BaseException | None) -> None:
        updater = self.updater
        source, state = self.sources[i], self.states[self.sources[i].name]
        fetched_at = updater.clock()
        if error is not None or result.not_modified or not self.use_pool:
            self._finished()
        if isinstance(error, SourceError):
            if updater.stopping():
                # Aborted by a shutdown: not the source's failure, nothing stored.
                self._ready(i, partial(SourceOutcome, source.name, error=str(error), aborted=True))
            else:
                self._ready(i, partial(updater._record_failure, source, state, error, fetched_at))
        elif error is not None:  # a bug must not stop the batch; say what it was
            log.error("%s: unexpected error while fetching", source.name, exc_info=error)
            error = FetchError(f"unexpected fetch error: {type(error).__name__}: {error}")
            self._ready(i, partial(updater._record_failure, source, state, error, fetched_at))
        elif result.not_modified:
            self._ready(i, partial(updater._record_unchanged, source, state, result, fetched_at))
        elif not self.use_pool:
            self._ready(i, partial(updater._apply_parse, source, state, result, fetched_at,
                                   updater._parse_call(source, result, fetched_at)))
        else:
            self.fetched[i] = (result, fetched_at)
            self.parses.submit(i)
