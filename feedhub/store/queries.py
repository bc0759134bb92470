"""The store's statements, one text for both backends (sqlite.py,
postgresql.py): `?` placeholders (the PostgreSQL adapter rewrites them),
standard SQL the two read alike. A backend adds the connection, its
transactions, the schema's migrations and `_insert` (the row id of an
INSERT: SQLite's lastrowid, PostgreSQL's RETURNING). The publishing side's
read-only queries are in publish_queries.py.

Kept whole, the statements and the readers of their rows sit together:
the statements fix the column order the readers unpack."""

from __future__ import annotations

import json
from collections.abc import Container, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from feedhub.store.publish_queries import PublishQueries, chunks as _chunks, story_from_row as _story_from_row
from feedhub.store.records import StoredEntry, StoredStory, format_time, parse_time
from feedhub.types import CachingInfo, Entry, SourceState

_SOURCE_STATE_COLUMNS = (
    "name", "url", "configured_url", "etag", "last_modified", "content_hash", "feed_title", "feed_link", "feed_id",
    "feed_updated", "feed_self", "last_fetch", "last_success", "last_error", "last_status", "failures",
    "failing_since", "next_poll", "next_poll_reason", "disabled_reason",
)
_SAVE_SOURCE_STATE = (
    f"INSERT INTO sources ({', '.join(_SOURCE_STATE_COLUMNS)}) VALUES ({', '.join('?' for _ in _SOURCE_STATE_COLUMNS)}) "
    f"ON CONFLICT (name) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in _SOURCE_STATE_COLUMNS[1:])}"
)



class SQLStore(PublishQueries):
    """The Store protocol of __init__.py over ``self._db``: a connection
    whose ``execute`` takes `?` placeholders and returns a cursor (a
    sqlite3.Connection, or postgresql's adapter)."""

    _db: Any
    # source_states() as last read; None once this store writes one.
    _source_states: dict[str, SourceState] | None = None

    def transaction(self) -> AbstractContextManager[None]:
        raise NotImplementedError

    def _insert(self, sql: str, params: Sequence) -> int:
        """Run an INSERT of one row into a table with an ``id`` key; its id."""
        raise NotImplementedError

    # --- meta ------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                         (key, value))

    def site_id(self) -> str:
        """This store's site: an id made on first use, recorded in the output
        folder it publishes to (publish/owner.py)."""
        value = self.get_meta("site_id")
        if value is None:
            import uuid

            value = uuid.uuid4().hex
            with self.transaction():
                self.set_meta("site_id", value)
        return value

    def forget_published(self) -> None:
        """Forget what was published where (history, rendered fingerprints):
        the next publish rebuilds every file, as into an empty folder."""
        with self.transaction():
            self._db.execute("DELETE FROM meta WHERE key <> 'site_id'")
            self.set_publish_pending(True)

    @property
    def publish_pending(self) -> bool:
        return self.get_meta("publish_pending") == "1"

    def set_publish_pending(self, pending: bool) -> None:
        self.set_meta("publish_pending", "1" if pending else "0")

    # --- sources ---------------------------------------------------------

    def source_states(self) -> dict[str, SourceState]:
        """Every source's state, by name. Kept from one call to the next
        until this store writes a state, a transaction is undone, or
        forget_cached_states is called: the daemon asks two or three times a
        poll, and no other process writes them (the store's lock)."""
        if self._source_states is None:  # see forget_cached_states
            cursor = self._db.execute("SELECT * FROM sources")
            rows, names = cursor.fetchall(), [d[0] for d in cursor.description]
            self._source_states = {row[0]: _source_from_row(dict(zip(names, row))) for row in rows}
        return dict(self._source_states)

    def forget_cached_states(self) -> None:
        """Read the sources' states from the database on the next call: the
        daemon does so at each poll and reload, so that a state changed
        outside feedhub (a restored database) is seen then."""
        self._source_states = None

    def source_state(self, name: str) -> SourceState | None:
        cursor = self._db.execute("SELECT * FROM sources WHERE name = ?", (name,))
        row = cursor.fetchone()
        if row is None:
            return None
        return _source_from_row(dict(zip([d[0] for d in cursor.description], row)))

    def save_source_state(self, s: SourceState) -> None:
        self.save_source_states((s,))

    def save_source_states(self, states: Iterable[SourceState]) -> None:
        """Insert or update each source's state (one statement, many rows:
        a warm cycle writes every source's state, bench/warm_daemon.py)."""
        self._source_states = None
        self._db.executemany(_SAVE_SOURCE_STATE, [(
            s.name, s.url, s.configured_url, s.caching.etag, s.caching.last_modified, s.caching.content_hash,
            s.feed_title, s.feed_link, s.feed_id, format_time(s.feed_updated), s.feed_self, format_time(s.last_fetch),
            format_time(s.last_success), s.last_error, s.last_status, s.failures, format_time(s.failing_since),
            format_time(s.next_poll), s.next_poll_reason, s.disabled_reason,
        ) for s in states])

    def entry_counts(self) -> dict[str, int]:
        return dict(self._db.execute("SELECT source, COUNT(*) FROM entries GROUP BY source").fetchall())

    # --- entries ---------------------------------------------------------

    def stored_entries(self, source: str, entry_ids: Sequence[str]) -> dict[str, tuple[int, str]]:
        """entry_id -> (row, content_hash) for those of `entry_ids` already stored."""
        found: dict[str, tuple[int, str]] = {}
        for chunk in _chunks(list(entry_ids), 500):
            marks = ", ".join("?" for _ in chunk)
            for row, entry_id, content_hash in self._db.execute(
                f"SELECT id, entry_id, content_hash FROM entries WHERE source = ? AND entry_id IN ({marks})",
                (source, *chunk),
            ):
                found[entry_id] = (row, content_hash)
        return found

    def insert_entry(self, e: Entry, now: datetime) -> int:
        return self._insert(
            "INSERT INTO entries (source, entry_id, link, canonical_url, title, author, published, updated,"
            " content, summary, tags, content_hash, first_seen, last_seen, signature)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (e.source, e.entry_id, e.link, e.canonical_url, e.title, e.author, format_time(e.published),
             format_time(e.updated), e.content, e.summary, json.dumps(list(e.tags), ensure_ascii=False),
             e.content_hash, format_time(now), format_time(now), e.signature),
        )

    def update_entry(self, row: int, e: Entry, now: datetime) -> None:
        self._db.execute(
            "UPDATE entries SET link = ?, canonical_url = ?, title = ?, author = ?, published = ?, updated = ?,"
            " content = ?, summary = ?, tags = ?, content_hash = ?, last_seen = ?, signature = ? WHERE id = ?",
            (e.link, e.canonical_url, e.title, e.author, format_time(e.published), format_time(e.updated),
             e.content, e.summary, json.dumps(list(e.tags), ensure_ascii=False), e.content_hash,
             format_time(now), e.signature, row),
        )

    def entries(self, rows: Sequence[int]) -> dict[int, StoredEntry]:
        found = {}
        for chunk in _chunks(list(rows), 500):
            marks = ", ".join("?" for _ in chunk)
            for r in self._db.execute(f"SELECT * FROM entries WHERE id IN ({marks})", tuple(chunk)):
                found[r[0]] = _entry_from_row(r)
        return found

    # --- stories ---------------------------------------------------------

    def stories_of_entry(self, entry_row: int) -> list[StoredStory]:
        return [
            _story_from_row(r)
            for r in self._db.execute(
                # By row: the same order on both backends (PostgreSQL's join order is its planner's).
                "SELECT s.* FROM stories s JOIN story_entries se ON se.story = s.id WHERE se.entry = ? ORDER BY s.id",
                (entry_row,)
            )
        ]

    def stories_with_url(self, category: str, canonical_url: str) -> list[StoredStory]:
        """Stories of a category holding a copy with this canonical URL.

        Two steps, each on its own index (canonical_url, then the primary
        key): a single join lets the planner start from every story of the
        category, which grows with the history."""
        rows = [r for (r,) in self._db.execute(
            "SELECT se.story FROM entries e JOIN story_entries se ON se.entry = e.id WHERE e.canonical_url = ?",
            (canonical_url,))]
        stories = [self.story(r) for r in dict.fromkeys(rows)]
        return sorted((s for s in stories if s.category == category), key=lambda s: s.row)

    def story(self, row: int) -> StoredStory:
        return _story_from_row(self._db.execute("SELECT * FROM stories WHERE id = ?", (row,)).fetchone())

    def atom_id_taken(self, category: str, atom_id: str) -> bool:
        return self._db.execute(
            "SELECT 1 FROM stories WHERE category = ? AND atom_id = ?", (category, atom_id)
        ).fetchone() is not None

    def create_story(self, category: str, atom_id: str, entry_row: int, published: datetime, updated: datetime,
                     now: datetime) -> int:
        story = self._insert(
            "INSERT INTO stories (category, atom_id, canonical_entry, published, updated, first_seen)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (category, atom_id, entry_row, format_time(published), format_time(updated), format_time(now)),
        )
        self.add_copy(story, entry_row, now)
        return story

    def add_copy(self, story: int, entry_row: int, now: datetime) -> None:
        self._db.execute(
            "INSERT INTO story_entries (story, entry, added) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            (story, entry_row, format_time(now)),
        )

    def set_story(self, story: int, *, canonical_entry: int, updated: datetime) -> None:
        self._db.execute(
            "UPDATE stories SET canonical_entry = ?, updated = ? WHERE id = ?",
            (canonical_entry, format_time(updated), story),
        )

    def add_story_keys(self, category: str, story: int, keys: Sequence[str], story_date: datetime) -> None:
        date = format_time(story_date)
        self._db.executemany(
            "INSERT INTO story_keys (category, key, story, story_date) VALUES (?, ?, ?, ?)",
            [(category, key, story, date) for key in dict.fromkeys(keys)],
        )

    def stories_with_keys(self, category: str, keys: Sequence[str], start: datetime, end: datetime,
                          limit: int = 24) -> list[int]:
        """Stories of a category dated within [start, end] sharing a key: the
        near-duplicate candidates, those sharing the most keys first, at most
        `limit` (stories of one template share many band keys; without a cap
        each new entry of such a series would be compared with all of them).
        Uses the (category, key, story_date) index."""
        shared: dict[int, int] = {}
        bounds = (format_time(start), format_time(end))
        for key in dict.fromkeys(keys):
            # One bounded, indexed query per key: a key that half the window
            # shares (a template's boilerplate) costs `limit` rows, not all.
            for (story,) in self._db.execute(
                "SELECT story FROM story_keys WHERE category = ? AND key = ? AND story_date BETWEEN ? AND ?"
                " ORDER BY story_date DESC LIMIT ?",
                (category, key, *bounds, limit * 2),
            ):
                # A shared title key ("t:...") says more than one shared band.
                shared[story] = shared.get(story, 0) + (8 if key.startswith("t:") else 1)
        return sorted(shared, key=lambda story: (-shared[story], -story))[:limit]

    def copy_signatures(self, stories: Sequence[int], known: Container[int] = ()) -> dict[int, list[tuple[int, str | None]]]:
        """story -> (entry row, signature JSON) of its copies that have one;
        the JSON is None for rows in `known` (the caller has them parsed)."""
        found: dict[int, list[tuple[int, str | None]]] = {s: [] for s in stories}
        for chunk in _chunks(list(stories), 500):
            marks = ", ".join("?" for _ in chunk)
            for story, row in self._db.execute(
                f"SELECT se.story, se.entry FROM story_entries se JOIN entries e ON e.id = se.entry"
                f" WHERE se.story IN ({marks}) AND e.signature IS NOT NULL"
                # Copies added in one transaction share `added`: by row then, on both backends.
                f" ORDER BY se.added, se.entry",
                tuple(chunk),
            ):
                found[story].append((row, None))
        missing = [row for rows in found.values() for row, _ in rows if row not in known]
        texts: dict[int, str] = {}
        for chunk in _chunks(missing, 500):
            marks = ", ".join("?" for _ in chunk)
            texts.update(self._db.execute(f"SELECT id, signature FROM entries WHERE id IN ({marks})", tuple(chunk)))
        return {story: [(row, texts.get(row)) for row, _ in rows] for story, rows in found.items()}

    def story_copies(self, stories: Sequence[int]) -> dict[int, list[StoredEntry]]:
        """story row -> its copies, in the order they arrived."""
        copies: dict[int, list[StoredEntry]] = {s: [] for s in stories}
        for chunk in _chunks(list(stories), 500):
            marks = ", ".join("?" for _ in chunk)
            for r in self._db.execute(
                f"SELECT se.story, e.* FROM story_entries se JOIN entries e ON e.id = se.entry"
                f" WHERE se.story IN ({marks}) ORDER BY se.added, e.id",
                tuple(chunk),
            ):
                copies[r[0]].append(_entry_from_row(r[1:]))
        return copies

    def absorb_story(self, into: int, story: int) -> None:
        """`feedhub remerge` (issue #17): `story` turned out to be a copy of
        `into`. Its copies and candidate keys move over and its row goes;
        `into` keeps its id, date and place. A copy already in `into` is
        left there (the primary key would refuse a second row)."""
        self._db.execute("DELETE FROM story_entries WHERE story = ? AND entry IN"
                         " (SELECT entry FROM story_entries WHERE story = ?)", (story, into))
        self._db.execute("UPDATE story_entries SET story = ? WHERE story = ?", (into, story))
        self._db.execute("UPDATE story_keys SET story = ? WHERE story = ?", (into, story))
        self._db.execute("DELETE FROM stories WHERE id = ?", (story,))

    def forget_category_published(self, category: str, key: str) -> None:
        """Drop one category's publish state (meta `key`): its next publish
        rebuilds that category's pages, removing those of stories gone, and
        leaves the other categories' files as they are."""
        self._db.execute("DELETE FROM meta WHERE key = ?", (key,))
        self.set_publish_pending(True)

    def newest_stories(self, category: str, limit: int) -> list[StoredStory]:
        """A category's newest stories, newest first; the index makes this cost
        `limit` rows however long the history is."""
        return [
            _story_from_row(r)
            for r in self._db.execute(
                "SELECT * FROM stories WHERE category = ? ORDER BY published DESC, id DESC LIMIT ?",
                (category, limit),
            )
        ]


def _source_from_row(r: dict) -> SourceState:
    return SourceState(
        name=r["name"], url=r["url"], configured_url=r["configured_url"],
        caching=CachingInfo(r["etag"], r["last_modified"], r["content_hash"]),
        feed_title=r["feed_title"], feed_link=r["feed_link"], feed_id=r["feed_id"],
        feed_updated=parse_time(r["feed_updated"]), feed_self=r["feed_self"], last_fetch=parse_time(r["last_fetch"]),
        last_success=parse_time(r["last_success"]), last_error=r["last_error"], last_status=r["last_status"],
        failures=r["failures"], failing_since=parse_time(r["failing_since"]),
        next_poll=parse_time(r["next_poll"]), next_poll_reason=r["next_poll_reason"],
        disabled_reason=r["disabled_reason"],
    )


def _entry_from_row(r: Sequence) -> StoredEntry:
    (row, source, entry_id, link, canonical, title, author, published, updated, content, summary, tags,
     content_hash, first_seen, _last_seen, signature) = r
    entry = Entry(
        source=source, entry_id=entry_id, link=link, canonical_url=canonical, title=title, author=author,
        published=parse_time(published), updated=parse_time(updated), content=content, summary=summary,
        tags=tuple(json.loads(tags)), content_hash=content_hash, signature=signature,
    )
    return StoredEntry(row, entry, parse_time(first_seen))
