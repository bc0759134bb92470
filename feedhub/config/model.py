"""The settings the rest of feedhub sees: frozen, validated, resolved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from feedhub.config.rules import CategoryRules
from feedhub.types import SiteInfo, Thresholds


@dataclass(frozen=True)
class SourceConfig:
    name: str
    url: str  # http(s) URL, file: URL, or a path relative to the config's folder
    categories: tuple[str, ...]
    interval: timedelta
    timeout: float  # seconds, total per request
    encoding: str | None  # overrides what the document and server declare
    timezone: str  # for dates the source gives without an offset
    headers: tuple[tuple[str, str], ...]
    user_agent: str | None
    enabled: bool
    priority: int  # higher wins when a merged story picks its canonical copy


@dataclass(frozen=True)
class CategoryConfig:
    name: str
    slug: str
    rules: CategoryRules = CategoryRules()


@dataclass(frozen=True)
class FetchConfig:
    max_connections: int = 16  # fetches at once, overall
    per_host: int = 2  # fetches at once to one host
    max_bytes: int = 10 * 1024 * 1024  # a body larger than this (decompressed) is refused
    max_backoff: timedelta = timedelta(hours=12)  # the longest wait after failures
    max_hint: timedelta = timedelta(hours=24)  # the longest wait a server's hint can impose
    # Refuse sources and redirects that resolve to loopback, private or
    # link-local addresses, and local files (for configs written by others).
    public_addresses_only: bool = False


@dataclass(frozen=True)
class WebSubConfig:
    """Push from the sources' WebSub hubs (config `websub:`)."""

    # The public URL under which hubs reach this daemon's `run --serve`
    # (its /websub/ path, as seen from outside); None: no subscriptions.
    callback: str | None = None
    lease: timedelta = timedelta(days=7)  # asked of the hub; renewed before it ends
    # A subscribed source is still polled, in case a push is lost, but no
    # more often than this (or its own interval, if longer).
    poll_interval: timedelta = timedelta(hours=1)


@dataclass(frozen=True)
class Retention:
    """How much history a category publishes in its archive documents
    (output.retention). Stories beyond it stay in the store; they are only
    left out of the archives and their pages. None: no limit."""

    max_entries: int | None = None  # the newest N stories by arrival, feed and archives together
    max_age: timedelta | None = None  # stories dated longer ago than this


@dataclass(frozen=True)
class Config:
    path: Path  # the config file; relative paths in it are relative to its folder
    site: SiteInfo
    storage_url: str  # sqlite:////absolute/path after resolution, or postgresql://... as written
    output_dir: Path
    entries_per_feed: int
    template_dir: Path | None
    categories: tuple[CategoryConfig, ...]
    sources: tuple[SourceConfig, ...]
    fetch: FetchConfig = FetchConfig()
    websub: WebSubConfig = WebSubConfig()
    merge: Thresholds = Thresholds()  # near-duplicate detection (dedupe.py)
    formats: tuple[str, ...] = ("atom", "rss", "json")  # feed files written per category
    retention: Retention = Retention()  # archive documents (RFC 5005)
    # What check-config warns of but that runs: a category no source feeds,
    # an interval that hammers its server.
    warnings: tuple[str, ...] = ()

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def category(self, name: str) -> CategoryConfig:
        return next(c for c in self.categories if c.name == name)
