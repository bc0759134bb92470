"""The daemon: APScheduler says when each source is due; one loop does the work.

APScheduler (3.x) holds one job per source, firing at the source's next poll
time from the store (so a restart resumes the schedule instead of polling
everything at once). A job only marks its source due and wakes the loop; the
loop refreshes every due source in one batch, publishes, and reschedules each
from the state the refresh stored (interval, backoff, server hints). Only the
loop touches the store.

Signal handlers only set flags and wake the loop (as Radicale's do): SIGTERM
and SIGINT stop it after aborting in-flight requests, SIGHUP reloads the
config (an invalid one is reported and the old one kept running).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Sequence
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from feedhub.config import Config, SourceConfig, load_config
from feedhub.daemon.cycle import pollable, run_cycle
from feedhub.errors import ConfigError, FeedhubError
from feedhub.fetch import Fetcher
from feedhub.daemon.timing import jitter_for
from feedhub.publish.run import claim_output
from feedhub.store import Store, open_store
from feedhub.daemon.refresh import Updater, utcnow

log = logging.getLogger("feedhub.daemon")

# After a cycle that could not publish (a full disk, an output folder not
# writable), publishing alone is tried again this often until it works.
PUBLISH_RETRY = timedelta(minutes=1)


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
        self._publish_retry_at: float | None = None  # time.monotonic() of the next publish-only cycle

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
            self._schedule_all(store)
            log.info("feedhub daemon started: %d sources, publishing to %s", len(self.config.sources),
                        self.config.output_dir)
            # What the last run could not publish (or a config changed while
            # stopped): now, not at the next poll, which may be hours away.
            self._publish_retry_at = time.monotonic()
            while not self.stopping:
                # A timeout, so that a signal arriving just before the wait is
                # seen within a second whatever the platform's wait does.
                self.wake.wait(1.0)
                self.wake.clear()
                if self.stopping:
                    break
                if self.reload_requested:
                    self.reload_requested = False
                    self._reload(store)
                with self._due_lock:
                    due, self._due = self._due, set()
                if due:
                    self._poll(store, due)
                elif self._publish_retry_at is not None and time.monotonic() >= self._publish_retry_at:
                    self._poll(store, set())
        finally:
            self.scheduler.shutdown(wait=False)
            self.fetcher.close()
            store.close()
        log.info("feedhub daemon stopped")
        return 0

    def _poll(self, store: Store, due: set[str]) -> None:
        store.forget_cached_states()
        sources, _ = pollable(self.config, store)
        batch = [s for s in sources if s.name in due]
        updater = Updater(self.config, store, self.fetcher, stopping=lambda: self.stopping)
        self._publish_retry_at = None
        try:
            summary = run_cycle(self.config, store, updater, batch)
        except FeedhubError as e:
            # Storage or output trouble: say so, and publish again in a while
            # (the sources keep the schedule their refresh stored: a server's
            # max-age or Retry-After holds even when our disk is full).
            log.error("cycle failed: %s; publishing is tried again in %d s", e, PUBLISH_RETRY.seconds)
            self._publish_retry_at = time.monotonic() + PUBLISH_RETRY.total_seconds()
            store.forget_cached_states()
            # Not before their interval either: a store that cannot be written
            # kept no new next poll, and the old one has passed.
            self._reschedule(store, batch, at_least=True)
            return
        if not self.stopping:
            if batch or summary.written:
                log.info("%s", summary.line())
            self._reschedule(store, batch)

    def _reschedule(self, store: Store, batch: list[SourceConfig], at_least: bool = False) -> None:
        """Each source of ``batch`` at the next poll its refresh stored;
        ``at_least``: and not before its interval from now."""
        states = store.source_states()
        now = utcnow()
        for s in batch:
            state = states.get(s.name)
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
        self.config = new
        self._schedule_all(store)
        self._publish_retry_at = time.monotonic()  # a new title, slug or format shows at once
        log.info("config reloaded from %s: %d sources", new.path, len(new.sources))
        for warning in new.warnings:
            log.warning("%s", warning)


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
        server = make_server(config.output_dir, *serve)
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
