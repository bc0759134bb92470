"""What the store hands back: stored entries and stories, and the one time
format of its columns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from feedhub.types import Entry


def format_time(value: datetime | None) -> str | None:
    """One fixed-width UTC format, so that text order is time order."""
    if value is None:
        return None
    # isoformat is ~50x faster than strftime; microseconds always written.
    return value.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromisoformat(value)  # reads the trailing Z as UTC (Python 3.11+)


@dataclass(frozen=True)
class StoredEntry:
    row: int
    entry: Entry
    first_seen: datetime


@dataclass(frozen=True)
class StoredStory:
    row: int
    category: str
    atom_id: str
    canonical_entry: int
    published: datetime
    updated: datetime
