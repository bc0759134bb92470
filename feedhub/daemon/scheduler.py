"""The daemon: APScheduler says when each source is due; one loop does the work.

APScheduler (3.x) holds one job per source, firing at the source's next poll
time from the store (so a restart resumes the schedule instead of polling
everything at once). A job only marks its source due and wakes the loop; the
loop starts the source's fetch at once (continuous.py), stores each source's
result as soon as it is parsed, reschedules that source from the state it
stored (interval, backoff, server hints), and publishes what changed once
news has waited COALESCE for more (issue #15). Only the loop touches the
store.

Signal handlers only set flags and wake the loop (as Radicale's do): SIGTERM
and SIGINT stop it after aborting in-flight requests, SIGHUP reloads the
config (an invalid one is reported and the old one kept running).

Around the loop: a service manager is told how it is (notify.py), an
operator sees it through `run --serve` (health.py, metrics.py,
problems_feed.py), and sources whose feeds name a WebSub hub are pushed to
as well as polled (pushing.py, push.py); the server's threads only read and queue, the
loop does the rest.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from urllib.parse import urlsplit
from collections.abc import Sequence
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from feedhub.config import Config, SourceConfig, load_config
from feedhub.daemon.continuous import ContinuousRefresh
from feedhub.daemon.cycle import pollable
from feedhub.daemon.health import Health, problems_from_json, problems_to_json, verdict
from feedhub.daemon.metrics import Metrics
from feedhub.daemon.notify import ServiceManager
from feedhub.daemon.problems_feed import problems_feed
from feedhub.daemon.pushing import Pusher
from feedhub.errors import ConfigError, FeedhubError
from feedhub.fetch import Fetcher
from feedhub.publish.run import claim_output
from feedhub.store import Store, open_store
from feedhub.daemon.refresh import Updater
from feedhub.daemon.timing import jitter_for, utcnow
from feedhub.logs import VERBOSE
from feedhub.memory import release_free_memory
from feedhub.pool import WorkerPool
from feedhub.publish.run import needs_publishing, publish
from feedhub.types import CycleReport, CycleSummary, SourceOutcome

log = logging.getLogger("feedhub.daemon")

PROBLEMS_META = "daemon_problems"  # the store's meta key of the problems feed

# After a cycle that could not publish (a full disk, an output folder not
# writable), publishing alone is tried again this often until it works.
PUBLISH_RETRY = timedelta(minutes=1)
# News stored waits this long for more before it is published: a burst of
# sources answering together is one publish, and no story waits longer.
COALESCE = timedelta(seconds=1)
# How long a publish of its own waits for the fetches in flight.
RETRY_WAIT = 10.0
# Polls that bring nothing are summed up in a line at most this often.
QUIET_LINE = timedelta(minutes=1)


class _Unpublished:
    """The outcomes stored since the last publish, and since when."""

    def __init__(self) -> None:
        self.report = CycleReport()
        self.since: float | None = None  # time.monotonic() of the first that changed a category
        self.first = 0.0  # time.monotonic() of the first outcome of the line

    def add(self, outcomes: list[SourceOutcome]) -> None:
        if not self.report.outcomes:
            self.first = time.monotonic()
        self.report.outcomes.extend(outcomes)
        if self.since is None and any(o.categories_changed for o in outcomes):
            self.since = time.monotonic()

    def quiet_round(self, sources: int) -> bool:
        """Polls that changed nothing are said in one line when each source
        has been polled once, or after a minute: not one line a poll."""
        return bool(self.report.outcomes) and (
            len(self.report.outcomes) >= sources or time.monotonic() - self.first >= QUIET_LINE.total_seconds())

    def take(self) -> CycleReport:
        report, self.report, self.since = self.report, CycleReport(), None
        return report


class Daemon:
    def __init__(self, config: Config, take_over_output: bool = False):
        self.config = config
        self.take_over_output = take_over_output
        self.wake = threading.Event()
        self.stopping = False
        self.reload_requested = False
        self._due: set[str] = set()
        self._due_lock = threading.Lock()
        self.scheduler = BackgroundScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1,
                                                                           "misfire_grace_time": None})
        self.fetcher: Fetcher | None = None
        self.refresh: ContinuousRefresh | None = None
        self._changes = _Unpublished()
        self._publish_retry_at: float | None = None  # time.monotonic() of the next publish-only cycle
        self.service = ServiceManager()  # systemd's Type=notify and watchdog, when run under it
        self.health = Health()  # what `run --serve` answers at /healthz, /metrics, /problems.xml
        self.metrics = Metrics(self.health)
        self._site_id = ""
        self._started_at = utcnow()
        self.serving = False  # run --serve: hubs can reach the WebSub callbacks
        self.push: Pusher | None = None  # with websub.callback and run --serve

    # --- signals: set a flag, wake the loop, nothing else ------------------

    def request_stop(self, *_):
        self.stopping = True
        self.wake.set()
        if self.fetcher is not None:
            # Abort requests in flight so that shutdown takes seconds, not a
            # whole timeout; their sources are simply polled next time.
            threading.Thread(target=self.fetcher.close, daemon=True).start()

    def request_reload(self, *_):
        self.reload_requested = True
        self.wake.set()

    def _mark_due(self, name: str) -> None:
        with self._due_lock:
            self._due.add(name)
        self.wake.set()

    # --- the loop ------------------------------------------------------------

    def run(self) -> int:
        store = open_store(self.config.storage_url, lock=True)
        try:
            claim_output(self.config, store, take_over=self.take_over_output, at_start=True)
        except BaseException:
            store.close()
            raise
        self.fetcher = _fetcher(self.config)
        self.scheduler.start()
        try:
            with WorkerPool() as pool:
                self.refresh = ContinuousRefresh(self._updater(store), pool, self.wake.set,
                                                 on_fetched=self.metrics.fetched)
                self._schedule_all(store)
                self._site_id = store.site_id()
                self._start_push(store)
                states = store.source_states()
                self.health.started(len(self.config.sources),
                                    failing=[s.name for s in self.config.sources
                                             if s.name in states and states[s.name].failures],
                                    problems=problems_from_json(store.get_meta(PROBLEMS_META)))
                log.info("feedhub daemon started: %d sources, publishing to %s", len(self.config.sources),
                         self.config.output_dir)
                self.service.ready(f"polling {len(self.config.sources)} sources")
                # What the last run could not publish (or a config changed while
                # stopped): now, not at the next poll, which may be hours away.
                self._publish_retry_at = time.monotonic()
                self._loop(store, pool)
                if self._changes.since is not None:
                    self._publish(store, pool)  # what was stored before the stop
        finally:
            self.service.stopping()
            self.scheduler.shutdown(wait=False)
            self.fetcher.close()
            store.close()
            self.service.close()
        log.info("feedhub daemon stopped")
        return 0

    def _updater(self, store: Store) -> Updater:
        return Updater(self.config, store, self.fetcher, stopping=lambda: self.stopping)

    def _loop(self, store: Store, pool: WorkerPool) -> None:
        while not self.stopping:
            # A timeout, so that a signal arriving just before the wait is
            # seen within a second whatever the platform's wait does; shorter
            # while news waits for its publish.
            self.wake.wait(0.2 if self._changes.since is not None else 1.0)
            self.wake.clear()
            if self.stopping:
                break
            self.service.alive()
            self.health.turned(len(self.config.sources))
            if self.reload_requested:
                self.reload_requested = False
                self.service.reloading()
                self._reload(store)
                self.refresh.updater = self._updater(store)
                if self.push is not None:
                    self.refresh.updater.interval_for = self.push.interval_for
                self.service.ready(f"polling {len(self.config.sources)} sources")
            with self._due_lock:
                due, self._due = self._due, set()
            if due:
                self._start(store, due)
            self._store_completed(store)
            if self.push is not None:
                self.push.turn(store)
            if self._publish_due() or self._changes.quiet_round(len(self.config.sources)):
                self._publish(store, pool)
            self._save_problems(store)
        self.health.stopping()

    def _save_problems(self, store: Store) -> None:
        """The problems feed survives a restart: kept in the store's meta."""
        if not self.health.changed:
            return
        self.health.changed = False
        try:
            with store.transaction():
                store.set_meta(PROBLEMS_META, problems_to_json(reversed(self.health.problems())))
        except FeedhubError:
            pass  # the store cannot be written: that is itself in the feed, and saved with the next problem

    def _start(self, store: Store, due: set[str]) -> None:
        """Start fetching each due source (a source still in flight keeps its
        place: it is rescheduled when its result is stored)."""
        sources, _ = pollable(self.config, store)
        for source in sources:
            if self.stopping:
                return  # a SIGTERM meanwhile: the fetcher is closing
            if source.name in due:
                self.refresh.start(source)

    def _store_completed(self, store: Store) -> None:
        try:
            outcomes = self.refresh.drain()
        except FeedhubError as e:
            # The store cannot be written (a full disk): say so, keep running,
            # and poll again no sooner than each source's interval.
            log.error("cannot store what was fetched: %s; polled again at its interval", e)
            self.health.store_failed(str(e))
            failed = [s for s in self.config.sources if s.name in self.refresh.in_flight]
            self.refresh.in_flight.clear()
            store.forget_cached_states()
            self._reschedule(store, failed, at_least=True)
            self._publish_retry_at = time.monotonic() + PUBLISH_RETRY.total_seconds()
            return
        if not outcomes:
            return
        self.health.stored(outcomes)
        self.metrics.polled(outcomes)
        if self.push is not None:
            self.push.stored(outcomes)
        self._changes.add(outcomes)
        by_name = {s.name: s for s in self.config.sources}
        self._reschedule(store, [by_name[o.source] for o in outcomes if o.source in by_name and not o.aborted])

    def _publish_due(self) -> bool:
        """News waits COALESCE seconds for more to join it (a burst is one
        publish), never longer; a publish that failed is tried again at its time."""
        now = time.monotonic()
        if self._changes.since is not None and now - self._changes.since >= COALESCE.total_seconds():
            return True
        # A publish of its own (at start, or after one failed) waits for the
        # fetches in flight, whose news it would otherwise miss; not for long.
        retry = self._publish_retry_at
        return retry is not None and now >= retry and (not self.refresh.in_flight or now >= retry + RETRY_WAIT)

    def _publish(self, store: Store, pool: WorkerPool) -> None:
        started = time.monotonic()
        report = self._changes.take()
        self._publish_retry_at = None
        written: list = []
        try:
            if needs_publishing(self.config, store):
                written = publish(self.config, store, pool=pool, stopping=lambda: self.stopping)
        except FeedhubError as e:
            log.error("publishing failed: %s; tried again in %d s", e, PUBLISH_RETRY.seconds)
            self._publish_retry_at = time.monotonic() + PUBLISH_RETRY.total_seconds()
            self.health.publish_failed(str(e))
            self.metrics.publish(time.monotonic() - started, ok=False)
            return
        self.metrics.publish(time.monotonic() - started, ok=True)
        self.health.published(_newest_stories(self.config, store))
        for path in written:
            log.log(VERBOSE, "wrote %s", path)
        if report.new_entries:
            release_free_memory()  # what the daemon holds until its next news (memory.py)
        if report.outcomes or written:
            log.info("%s", CycleSummary(report, tuple(written), time.monotonic() - started).line())

    def _reschedule(self, store: Store, batch: list[SourceConfig], at_least: bool = False) -> None:
        """Each source of ``batch`` at the next poll its refresh stored;
        ``at_least``: and not before its interval from now."""
        now = utcnow()
        for s in batch:
            state = store.source_state(s.name)
            if state and state.disabled_reason:
                self._unschedule(s.name)
                continue
            when = state.next_poll if state and state.next_poll else now + s.interval
            self._schedule(s.name, max(when, now + s.interval) if at_least else when)

    def _schedule_all(self, store: Store) -> None:
        """Each enabled source at its stored next poll; never polled ones now,
        spread by their jitter so that a big config does not start as a burst."""
        sources, skipped = pollable(self.config, store)
        for source, reason in skipped:
            log.info("%s: not polled: %s", source.name, reason)
        states = store.source_states()
        now = utcnow()
        for job in self.scheduler.get_jobs():
            job.remove()
        for source in sources:
            state = states.get(source.name)
            # A next poll stored for another URL (the user fixed a broken
            # source's address) says nothing of this one: polled soon.
            known = state is not None and state.next_poll is not None and state.configured_url == source.url
            when = state.next_poll if known else now + jitter_for(source.name, timedelta(seconds=20))
            self._schedule(source.name, max(when, now))

    def _schedule(self, name: str, when: datetime) -> None:
        self.scheduler.add_job(self._mark_due, "date", run_date=max(when, utcnow()), args=[name], id=name,
                               replace_existing=True)

    def _unschedule(self, name: str) -> None:
        job = self.scheduler.get_job(name)
        if job:
            job.remove()

    def _reload(self, store: Store) -> None:
        store.forget_cached_states()
        try:
            new = load_config(self.config.path)
        except ConfigError as e:
            log.error("config not reloaded, the running one stays: %s", str(e).replace("\n", " "))
            return
        if new.storage_url != self.config.storage_url:
            log.error("config not reloaded: storage.url cannot change while running (restart feedhub)")
            return
        if new.output_dir != self.config.output_dir or [c.slug for c in new.categories] != [
                c.slug for c in self.config.categories]:
            try:
                claim_output(new, store, at_start=True)
            except FeedhubError as e:
                log.error("config not reloaded, the running one stays: %s", e)
                return
        if new.fetch != self.config.fetch:
            # Between polls: no fetch is in flight. public_addresses_only is
            # a safety setting, and must not wait for a restart.
            self.fetcher.close()
            self.fetcher = _fetcher(new)
        self.health.forget_sources({s.name for s in self.config.sources} - {s.name for s in new.sources})
        self.config = new
        self._schedule_all(store)
        self._publish_retry_at = time.monotonic()  # a new title, slug or format shows at once
        log.info("config reloaded from %s: %d sources", new.path, len(new.sources))
        for warning in new.warnings:
            log.warning("%s", warning)


    def _start_push(self, store: Store) -> None:
        if self.config.websub.callback is None:
            return
        if not self.serving:
            log.warning("websub.callback is set, but hubs cannot reach this daemon without run --serve: "
                        "no subscriptions, sources are polled")
            return
        self.push = Pusher(lambda: self.config, lambda: self.fetcher, self.refresh, store, self.wake.set)
        self.refresh.updater.interval_for = self.push.interval_for

    def _websub(self, call) -> tuple[int, str, bytes]:
        if self.push is None:
            return 404, "text/plain; charset=utf-8", b"no subscriptions\n"
        return self.push.answer(call)

    # --- what `run --serve` answers besides output/ -------------------------

    def http_routes(self) -> dict:
        routes = {"/healthz": self._healthz, "/metrics": self._metrics, "/problems.xml": self._problems}
        if self.config.websub.callback:
            routes[urlsplit(self.config.websub.callback).path.rstrip("/") + "/"] = self._websub
        return routes

    def _healthz(self, call=None) -> tuple[int, str, bytes]:
        healthy, reason = verdict(self.health.snapshot())
        return (200 if healthy else 503), "text/plain; charset=utf-8", (reason + "\n").encode("utf-8")

    def _metrics(self, call=None) -> tuple[int, str, bytes]:
        body, media_type = self.metrics.render()
        return 200, media_type, body

    def _problems(self, call=None) -> tuple[int, str, bytes]:
        body = problems_feed(self.config.site.title, self._site_id, self.health.problems(), self._started_at)
        return 200, "application/atom+xml; charset=utf-8", body


def _newest_stories(config: Config, store: Store) -> dict:
    """Each category's newest story's date, for /metrics."""
    newest = {}
    for category in config.categories:
        stories = store.newest_stories(category.name, 1)
        if stories:
            newest[category.slug] = stories[0].published
    return newest


def _fetcher(config: Config) -> Fetcher:
    return Fetcher(max_connections=config.fetch.max_connections, per_host=config.fetch.per_host,
                   public_only=config.fetch.public_addresses_only)


def run_daemon(config: Config, serve: tuple[str, int] | None = None, early_signals: Sequence[int] = (),
               take_over_output: bool = False) -> int:
    """Run until SIGTERM/SIGINT; with `serve`, also serve output/ over HTTP.
    ``early_signals``: those that arrived while the config was loading."""
    daemon = Daemon(config, take_over_output)
    server_thread = None
    stop_serving = threading.Event()
    if serve is not None:
        from feedhub.serve import make_server, serve_forever

        # Bound before the daemon starts, so that a bad address fails at once.
        server = make_server(config.output_dir, *serve, routes=daemon.http_routes())
        daemon.serving = True
        server_thread = threading.Thread(target=serve_forever, args=(server, stop_serving), name="serve", daemon=True)
        server_thread.start()
        log.info("serving %s on http://%s:%d/", config.output_dir, serve[0], server.server_address[1])
    signal.signal(signal.SIGTERM, daemon.request_stop)
    signal.signal(signal.SIGINT, daemon.request_stop)
    signal.signal(signal.SIGHUP, daemon.request_reload)
    for signum in early_signals:
        (daemon.request_reload if signum == signal.SIGHUP else daemon.request_stop)()
    try:
        return daemon.run()
    finally:
        stop_serving.set()
        if server_thread is not None:
            server_thread.join(timeout=5)
