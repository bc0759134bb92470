"""Records passed between the pipeline's stages, named by stage.

Data flows one way::

    Source (config) -> FetchResult (fetch.py) -> FeedData/EntryData (parse.py)
      -> Entry (normalize.py) -> stored rows (store.py) -> Story/CategoryView
      -> files (publish/)

Every record is a frozen dataclass; every datetime is timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class CachingInfo:
    """Validators kept between polls of one source (conditional GET, RFC 9110 §13)."""

    etag: str | None = None
    last_modified: str | None = None
    # For servers without validators: an unchanged body is not parsed again.
    content_hash: str | None = None


@dataclass(frozen=True)
class FetchResult:
    """What one retrieval of a source's URL gave.

    ``content`` is None when the source is unchanged (304, or the same body
    hash as last time): nothing to parse, nothing to publish.
    """

    url: str  # the URL finally read, after redirects
    status: int | None  # HTTP status; None for file: sources
    content: bytes | None
    content_type: str | None = None  # the Content-Type header, with its charset
    caching: CachingInfo = field(default_factory=CachingInfo)
    # Set on 301/308 only: the stored URL of the source should become this one.
    moved_to: str | None = None
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def not_modified(self) -> bool:
        return self.content is None


@dataclass(frozen=True)
class EntryData:
    """One entry as its feed gave it, before normalisation.

    Links are as found (parse.py resolves them against the feed's base);
    HTML is unsanitised; datetimes are aware UTC or None.
    """

    id: str | None
    link: str | None
    title: str | None  # plain text
    author: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    content: str | None = None  # the fullest HTML body the feed carries
    summary: str | None = None  # HTML
    # Base URL for relative links inside content/summary (xml:base, else the entry link).
    content_base: str | None = None
    tags: tuple[str, ...] = ()
    # <link rel="canonical"> or equivalent, when the entry gives one.
    canonical_link: str | None = None


@dataclass(frozen=True)
class FeedData:
    """One parsed feed document."""

    url: str  # the URL it was read from (its self link if it gives none)
    version: str  # e.g. "rss20", "atom10", "json11"
    title: str | None = None
    link: str | None = None  # the site's home page (alternate link)
    id: str | None = None
    updated: datetime | None = None
    author: str | None = None
    language: str | None = None
    entries: tuple[EntryData, ...] = ()
    # Polling hints from the document itself (RSS <ttl>, sy:updatePeriod), seconds.
    ttl_seconds: int | None = None
    # Entries with no title, no link and no text, which normalisation drops
    # (normalize.is_empty); counted by worker.py for `feedhub status`.
    empty_entries: int = 0
    # The WebSub hub the document names (rel="hub"; JSON Feed's "hubs"), for push.
    hub: str | None = None


# The store's meta key (+ source name) of a source's empty entries in the
# last document parsed: FeedData.empty_entries, shown by `feedhub status`.
EMPTY_ENTRIES_META = "empty_entries/"


@dataclass(frozen=True)
class Entry:
    """An entry ready to store: clean, absolute, with a stable id."""

    source: str  # the source's configured name
    entry_id: str  # stable within the source: its id, else link, else content hash
    link: str | None  # absolute http(s) URL of the original
    canonical_url: str | None  # normalised URL used to find the same article elsewhere
    title: str  # plain text, never empty
    author: str | None
    published: datetime | None
    updated: datetime | None
    content: str  # sanitised HTML, absolute links
    summary: str  # sanitised HTML
    tags: tuple[str, ...]
    content_hash: str  # of title + content: tells an edit from a re-poll
    # dedupe.Signature as JSON: what near-duplicate detection compares (issue #4).
    signature: str | None = None


@dataclass(frozen=True)
class SourceInfo:
    """How a published entry credits one source: feed and site metadata."""

    name: str
    feed_url: str  # the source feed's self link
    site_link: str | None  # the source site's home page
    feed_id: str | None
    feed_title: str | None
    feed_updated: datetime | None


@dataclass(frozen=True)
class StoryCopy:
    """One source's copy of a story."""

    source: SourceInfo
    link: str | None  # the original article at that source
    title: str
    author: str | None
    # The outlet this copy says it reprints, when it names one and is the
    # copy shown (merge/reprint.py): the attribution credits it too.
    origin: str | None = None


@dataclass(frozen=True)
class Story:
    """One story in one category: what a published entry carries."""

    id: str  # the published atom:id; never changes once given
    category: str
    title: str
    link: str | None
    author: str  # the canonical copy's author, else its source's name
    content: str  # sanitised HTML without the attribution line (publish adds it)
    summary: str
    published: datetime
    updated: datetime
    tags: tuple[str, ...]
    canonical: StoryCopy
    others: tuple[StoryCopy, ...] = ()  # the other sources that carried it
    # False when no copy gave a date: ``published`` is when feedhub first saw
    # the story, and its page says so (issue #17).
    dated: bool = True
    # Its neighbours in the category, for its own page (publish/neighbours.py);
    # None where no page of it is being written (feeds, lists).
    around: Around | None = None


@dataclass(frozen=True)
class Around:
    """A story's neighbours in its category, by date, as its page links
    them: the previous (older) and next (newer) story, and related ones.
    Text-less Story records: a page shows their titles and dates only."""

    older: Story | None
    newer: Story | None
    related: tuple[Story, ...] = ()


@dataclass(frozen=True)
class CategoryView:
    """A category as published: its stories newest first, at most entries_per_feed."""

    name: str
    slug: str
    stories: tuple[Story, ...]
    sources: tuple[SourceInfo, ...] = ()  # the sources feeding this category
    # The newest archive document (RFC 5005) holding the stories older than
    # these, published as <slug>/archive/<n>.xml and <slug>/page/<n>.html;
    # None when everything the category keeps fits in its feed.
    archive: int | None = None

    @property
    def updated(self) -> datetime | None:
        """The newest story's updated time, never the clock: an unchanged
        category gives a byte-identical feed."""
        return max((s.updated for s in self.stories), default=None)


@dataclass(frozen=True)
class SiteInfo:
    """The publishing side of the config, as publish/ needs it."""

    title: str
    base_url: str | None  # ends with "/" when set
    language: str
    timezone: str  # IANA name, for displayed dates
    # A WebSub hub (https://www.w3.org/TR/websub/): feeds name it with
    # rel="hub", and it is pinged when a feed changes. Needs base_url.
    websub_hub: str | None = None
    # (name, slug) of every category, in the config's order: the bar of
    # categories on every page. Empty: the pages list those they are given.
    categories: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class SourceState:
    """What the store remembers of one source between polls and restarts."""

    name: str
    url: str  # where it is polled now: the configured URL, or where a 301/308 sent it
    configured_url: str  # the config's URL when `url` was set; a new one in the config wins
    caching: CachingInfo = field(default_factory=CachingInfo)
    feed_title: str | None = None
    feed_link: str | None = None
    feed_id: str | None = None
    feed_updated: datetime | None = None
    # The feed's absolute self link (its own, else the http(s) or file: URL read).
    feed_self: str | None = None
    last_fetch: datetime | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    last_status: int | None = None
    failures: int = 0  # consecutive
    failing_since: datetime | None = None
    next_poll: datetime | None = None
    next_poll_reason: str | None = None
    disabled_reason: str | None = None  # set on 410 Gone: not polled again until the config changes

    def source_info(self) -> SourceInfo:
        return SourceInfo(self.name, self.feed_self or self.url, self.feed_link, self.feed_id, self.feed_title, self.feed_updated)


@dataclass(frozen=True)
class Thresholds:
    """The tunables of :func:`is_same_story` (config ``merge:``)."""

    # Containment of the shorter text's shingles in the longer's.
    cjk_similarity: float = 0.8
    latin_similarity: float = 0.8
    # Titles agree when equal, when one is the other plus at most
    # title_extra_chars of an unrecognised decoration (a CJK character
    # counting as two), or when the Jaccard of their token unigrams+bigrams
    # reaches title_similarity.
    title_similarity: float = 0.8
    title_extra_chars: int = 16
    # The shorter text needs this many shingles (~characters of Chinese,
    # ~words of English) for its content to count.
    min_shingles: int = 20
    # ... and the comparison this many sampled shingles of the shorter text.
    min_sample: int = 6
    # Share of the shorter text's identifying tokens allowed to be missing
    # from the longer text (rounded down: below 10 tokens, none).
    token_slack: float = 0.0
    # Title-only decision (no usable text): the equal title key must be this
    # long, a CJK character counting as two.
    min_title_chars: int = 24
    # A reworded headline (the titles fail the rule above): the texts alone
    # decide, on stricter terms (issue #17). Wire copy carried under another
    # headline has the same body, containment 1.0 give or take a footer; job
    # postings and podcast episodes that share a boilerplate text under
    # titles differing in a slot score 0.85-0.90, so 0.95 keeps them apart.
    reworded_similarity: float = 0.95
    # ... and the shorter text needs this many shingles: the LSH band keys,
    # the only way a copy under another headline is found, start at 64.
    reworded_min_shingles: int = 64
    # The store's candidate window (not used by is_same_story itself).
    window_hours: float = 72


# --------------------------------------------------------------------------
# A refresh and a cycle (daemon/): what they did, for progress, logs, `run --once`'s last line

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
    # Where the source offers push (W3C WebSub §4, discovery): its hub and
    # the topic to subscribe to (its self URL), from the document just read.
    hub: str | None = None
    topic: str | None = None


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


@dataclass(frozen=True)
class CycleSummary:
    report: CycleReport
    written: tuple[Path, ...]
    seconds: float

    def line(self) -> str:
        """The one-line summary `run --once` ends with."""
        outcomes = self.report.outcomes
        failed = len(self.report.failed)
        unchanged = sum(o.not_modified for o in outcomes)
        edited = sum(o.edited for o in outcomes)
        polled = len(outcomes) - self.report.aborted
        parts = [f"{polled} source{'s' if polled != 1 else ''} polled"]
        details = [f"{failed} failed"] if failed else []
        if unchanged:
            details.append(f"{unchanged} not modified")
        if details:
            parts[0] += f" ({', '.join(details)})"
        if self.report.aborted:
            parts.append(f"{self.report.aborted} not polled (shutting down)")
        parts.append(f"{self.report.new_entries} new entr{'ies' if self.report.new_entries != 1 else 'y'}")
        if edited:
            parts.append(f"{edited} edited")
        parts.append(f"{len(self.written)} file{'s' if len(self.written) != 1 else ''} written")
        return ", ".join(parts) + f" in {self.seconds:.1f} s"
