"""The store: sources' state, entries, stories and their copies.

`Store` is the interface the rest of feedhub sees; `open_store` picks the
backend a `storage.url` names: SQLite (`sqlite:///PATH`, sqlite.py), the
embedded default, or PostgreSQL (`postgresql://...`, postgresql.py, issue
#16), imported only for such a URL so that SQLite needs nothing more. Both
run the statements of queries.py and publish_queries.py, and the schema
and migrations of schema.py. Nothing outside this package writes SQL.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Protocol

from feedhub.errors import StorageError
from feedhub.redact import redact
from feedhub.store.records import StoredEntry, StoredStory, format_time, parse_time
from feedhub.types import Entry, SourceState

__all__ = ["Store", "StoredEntry", "StoredStory", "format_time", "open_store", "parse_time", "store_exists"]


def open_store(url: str, *, lock: bool = False) -> Store:
    """The store ``url`` names, created and brought to the current schema if
    need be. ``lock``: claimed for this process alone first, so that a second
    feedhub on the same store is told so at once."""
    if url.startswith("sqlite:///"):
        from feedhub.store.sqlite import SQLiteStore

        return SQLiteStore.open(url, lock=lock)
    if is_postgresql(url):
        from feedhub.store.postgresql import PostgreSQLStore

        return PostgreSQLStore.open(url, lock=lock)
    raise StorageError(f"storage.url {redact(url)!r}: only sqlite:///PATH and postgresql://... are supported")


def is_postgresql(url: str) -> bool:
    return url.startswith(POSTGRESQL_SCHEMES)


# libpq reads both.
POSTGRESQL_SCHEMES = ("postgresql://", "postgres://")


def store_exists(url: str) -> bool:
    """Whether the store a storage.url names has been created (an in-memory
    one never has; a PostgreSQL one once its tables are there)."""
    if is_postgresql(url):
        from feedhub.store.postgresql import PostgreSQLStore

        return PostgreSQLStore.exists(url)
    target = url[len("sqlite:///"):] if url.startswith("sqlite:///") else ""
    return target not in ("", ":memory:") and Path(target).is_file()


class Store(Protocol):
    """What a backend offers. Not shared between threads: the pipeline writes
    from one thread and fetches in others."""

    def close(self) -> None:
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """All or nothing: a crash mid-way leaves the store as it was."""
        ...

    def get_meta(self, key: str) -> str | None:
        ...

    def set_meta(self, key: str, value: str) -> None:
        ...

    def site_id(self) -> str:
        """This store's site: an id made on first use, recorded in the output folder it publishes to (publish/owner.py)."""
        ...

    def forget_published(self) -> None:
        """Forget what was published where (history, rendered fingerprints): the next publish rebuilds every file, as
        into an empty folder."""
        ...

    @property
    def publish_pending(self) -> bool:
        ...

    def set_publish_pending(self, pending: bool) -> None:
        ...

    def source_states(self) -> dict[str, SourceState]:
        """Every source's state, by name. Kept from one call to the next until this store writes a state, a transaction
        is undone, or forget_cached_states is called: the daemon asks two or three times a poll, and no other
        process writes them (the store's lock)."""
        ...

    def forget_cached_states(self) -> None:
        """Read the sources' states from the database on the next call: the daemon does so at each poll and reload, so
        that a state changed outside feedhub (a restored database) is seen then."""
        ...

    def source_state(self, name: str) -> SourceState | None:
        ...

    def save_source_state(self, s: SourceState) -> None:
        ...

    def save_source_states(self, states: Iterable[SourceState]) -> None:
        """Insert or update each source's state (one statement, many rows: a warm cycle writes every source's state,
        bench/warm_daemon.py)."""
        ...

    def entry_counts(self) -> dict[str, int]:
        ...

    def stored_entries(self, source: str, entry_ids: Sequence[str]) -> dict[str, tuple[int, str]]:
        """entry_id -> (row, content_hash) for those of `entry_ids` already stored."""
        ...

    def insert_entry(self, e: Entry, now: datetime) -> int:
        ...

    def update_entry(self, row: int, e: Entry, now: datetime) -> None:
        ...

    def entries(self, rows: Sequence[int]) -> dict[int, StoredEntry]:
        ...

    def stories_of_entry(self, entry_row: int) -> list[StoredStory]:
        ...

    def stories_with_url(self, category: str, canonical_url: str) -> list[StoredStory]:
        """Stories of a category holding a copy with this canonical URL."""
        ...

    def story(self, row: int) -> StoredStory:
        ...

    def atom_id_taken(self, category: str, atom_id: str) -> bool:
        ...

    def create_story(self, category: str, atom_id: str, entry_row: int, published: datetime, updated: datetime, now: datetime) -> int:
        ...

    def add_copy(self, story: int, entry_row: int, now: datetime) -> None:
        ...

    def set_story(self, story: int, *, canonical_entry: int, updated: datetime) -> None:
        ...

    def add_story_keys(self, category: str, story: int, keys: Sequence[str], story_date: datetime) -> None:
        ...

    def stories_with_keys(self, category: str, keys: Sequence[str], start: datetime, end: datetime, limit: int=24) -> list[int]:
        """Stories of a category dated within [start, end] sharing a key: the near-duplicate candidates, those sharing
        the most keys first, at most `limit` (stories of one template share many band keys; without a cap each new
        entry of such a series would be compared with all of them). Uses the (category, key, story_date) index."""
        ...

    def copy_signatures(self, stories: Sequence[int], known: Container[int]=()) -> dict[int, list[tuple[int, str | None]]]:
        """story -> (entry row, signature JSON) of its copies that have one; the JSON is None for rows in `known` (the
        caller has them parsed)."""
        ...

    def story_copies(self, stories: Sequence[int]) -> dict[int, list[StoredEntry]]:
        """story row -> its copies, in the order they arrived."""
        ...

    def absorb_story(self, into: int, story: int) -> None:
        """Move `story`'s copies and keys to `into` and delete `story` (feedhub remerge)."""
        ...

    def forget_category_published(self, category: str, key: str) -> None:
        """Drop the category's publish state (meta `key`) so its next publish rebuilds it; mark a publish pending."""
        ...

    def newest_stories(self, category: str, limit: int) -> list[StoredStory]:
        """A category's newest stories, newest first; the index makes this cost `limit` rows however long the history
        is."""
        ...

    def max_story_row(self) -> int:
        ...

    def max_entry_row(self) -> int:
        ...

    def max_entry_last_seen(self) -> str | None:
        """The latest entries.last_seen (set when an entry is stored or edited)."""
        ...

    def stories_after(self, row: int) -> list[StoredStory]:
        """Stories created after story ``row``, of every category, by row (a range of the primary key)."""
        ...

    def stories_by_rows(self, rows: Sequence[int]) -> list[StoredStory]:
        ...

    def stories_with_copies_after(self, entry_row: int) -> list[int]:
        """Stories that gained a copy stored after entry ``entry_row`` (a range of the story_entries_by_entry index)."""
        ...

    def stories_with_copies_seen_since(self, last_seen: str) -> tuple[list[int], str | None]:
        """Stories holding an entry stored or edited at or after ``last_seen``, and the latest last_seen among those
        entries (a range of the entries_by_last_seen index)."""
        ...

    def category_story_keys(self, category: str, after_row: int=0) -> list[tuple[str, int]]:
        """(published, row) of a category's stories after ``after_row``, by row. All of them by default: for rebuilding
        a category's archives."""
        ...

    def category_stories_in_rows(self, category: str, first: int, end: int) -> list[StoredStory]:
        """A category's stories with ``first`` <= row < ``end``, by row: one archive page. A range of the primary key,
        filtered here: with ``category = ?`` in the SQL, SQLite prefers the category index and would read the whole
        category. (An index on (category, id) would read only the page's rows.)"""
        ...

    def category_story_keys_in_rows(self, category: str, first: int, end: int) -> list[tuple[str, int]]:
        """(published, row) of a category's stories with ``first`` <= row < ``end``, by row."""
        ...

    def category_story_keys_between(self, category: str, low: tuple[str, int] | None, high: tuple[str, int]) -> list[tuple[str, int]]:
        """(published, row) of a category's stories with ``low`` <= key < ``high`` (no lower bound when ``low`` is
        None), through the stories_by_category_date index."""
        ...

    def category_stories_beside(self, category: str, key: tuple[str, int], limit: int, *, older: bool) -> list[StoredStory]:
        """Up to ``limit`` of a category's stories just before ``key`` (older, newest first) or just after it (newer,
        oldest first): a story's neighbours, through the stories_by_category_date index."""
        ...

    def category_story_keys_dated(self, category: str, start: str | None, end: str) -> list[tuple[str, int]]:
        """(published, row) of a category's stories dated in [start, end)."""
        ...
