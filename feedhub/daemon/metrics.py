"""/metrics in Prometheus' text format (prometheus-client; the one module
that imports it).

A registry per daemon, not the library's global one: tests run several
daemons in one process, and nothing else of the process (the Python GC, the
platform) is feedhub's to report. The numbers are what an operator alerts
on: polls by outcome, fetch time, new and edited entries, publish time and
failures, each category's newest entry's age, the failing sources.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from feedhub.daemon.health import Health, verdict
from feedhub.daemon.timing import utcnow
from feedhub.types import SourceOutcome

# Fetch time buckets: a loopback fetch takes milliseconds, a slow outlet tens
# of seconds (the default timeout is 30 s).
_FETCH_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
_PUBLISH_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)


class Metrics:
    def __init__(self, health: Health):
        self.registry = CollectorRegistry(auto_describe=True)
        self.polls = Counter("feedhub_polls", "Polls stored, by outcome", ["outcome"], registry=self.registry)
        self.fetch_seconds = Histogram("feedhub_fetch_seconds", "Time from starting a fetch to its answer",
                                       buckets=_FETCH_BUCKETS, registry=self.registry)
        self.entries = Counter("feedhub_entries", "Entries stored, new or edited", ["kind"], registry=self.registry)
        self.publish_seconds = Histogram("feedhub_publish_seconds", "Time of a publish",
                                         buckets=_PUBLISH_BUCKETS, registry=self.registry)
        self.publish_failures = Counter("feedhub_publish_failures", "Publishes that failed", registry=self.registry)
        self.registry.register(_FromHealth(health))
        for outcome in ("new", "unchanged", "not_modified", "failed"):
            self.polls.labels(outcome)  # present at 0, so that rate() works from the start
        for kind in ("new", "edited"):
            self.entries.labels(kind)

    def polled(self, outcomes: Iterable[SourceOutcome]) -> None:
        for o in outcomes:
            if o.aborted:
                continue
            outcome = ("failed" if o.error else "not_modified" if o.not_modified
                       else "new" if o.new or o.edited else "unchanged")
            self.polls.labels(outcome).inc()
            self.entries.labels("new").inc(o.new)
            self.entries.labels("edited").inc(o.edited)

    def fetched(self, seconds: float) -> None:
        self.fetch_seconds.observe(seconds)

    def publish(self, seconds: float, ok: bool) -> None:
        self.publish_seconds.observe(seconds)
        if not ok:
            self.publish_failures.inc()

    def render(self) -> tuple[bytes, str]:
        """The response body and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class _FromHealth:
    """Gauges read from the daemon's health at each scrape."""

    def __init__(self, health: Health):
        self.health = health

    def describe(self):
        return []  # their values come at collect time

    def collect(self):
        snapshot = self.health.snapshot()
        yield GaugeMetricFamily("feedhub_sources", "Sources in the config", value=snapshot.sources)
        failing = GaugeMetricFamily("feedhub_source_failing", "1 for each source whose last poll failed",
                                    labels=["source"])
        for name in sorted(snapshot.failing):
            failing.add_metric([name], 1)
        yield failing
        yield GaugeMetricFamily("feedhub_sources_failing", "Sources whose last poll failed",
                                value=len(snapshot.failing))
        age = GaugeMetricFamily("feedhub_category_newest_entry_age_seconds",
                                "Seconds since the newest story of each category was published", labels=["category"])
        now = utcnow()
        for slug, newest in sorted(self.health.newest_entries().items()):
            age.add_metric([slug], max(0.0, (now - newest).total_seconds()))
        yield age
        healthy, _ = verdict(snapshot)
        yield GaugeMetricFamily("feedhub_healthy", "1 when /healthz answers 200", value=int(healthy))

