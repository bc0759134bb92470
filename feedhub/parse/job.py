"""What runs in the parse pool's worker processes: bytes in, clean entries out.

Kept apart from daemon/refresh.py so that a worker imports only the parsing stack
(feedparser, nh3, the pure modules), not httpx, SQLite, the publishers or the
config's validators: each worker then costs tens of MB less (bench/README.md).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from feedhub.merge.dedupe import signature
from feedhub.normalize import normalize_feed_counted
from feedhub.parse.feed import parse_feed
from feedhub.types import Entry, FeedData


def parse_and_normalize(content: bytes, url: str, content_type: str | None, encoding: str | None,
                        timezone_name: str, source_name: str, fetched_at: datetime,
                        with_signatures: bool = True) -> tuple[FeedData, list[Entry]]:
    feed = parse_feed(content, url=url, content_type=content_type, encoding=encoding, timezone=timezone_name)
    with_text, empty = normalize_feed_counted(feed, source_name, fetched_at, with_text=with_signatures)
    if with_signatures:
        # The signature (about 1 ms an entry) is computed here, in the worker
        # processes, rather than in the single thread that writes the store.
        entries = [replace(e, signature=signature(e.title, text or "").to_json()) for e, text in with_text]
    else:
        entries = [e for e, _ in with_text]
    return replace(feed, entries=(), empty_entries=empty), entries
