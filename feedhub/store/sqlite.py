"""The SQLite backend of the store: WAL, the schema of schema.py brought up
to date with PRAGMA user_version. The only module that talks SQL.

Kept whole, above 400 lines: it is one class, the Store protocol of
__init__.py over one connection, a statement or two a method, with the
readers of its rows, whose column order those statements fix; split, a
query and the code that reads its rows would sit in different files."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Container, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from feedhub.errors import StorageError
from feedhub.store.lock import claim_store
from feedhub.store.records import StoredEntry, StoredStory, format_time, parse_time
from feedhub.store.schema import MIGRATIONS, SCHEMA_VERSION
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


class SQLiteStore:
    """A feedhub database. Not shared between threads: the pipeline writes
    from one thread and fetches in others."""

    def __init__(self, connection: sqlite3.Connection, where: str):
        self._db = connection
        self._where = where
        self._lock_file = None
        # source_states() as last read; None once this store writes one.
        self._source_states: dict[str, SourceState] | None = None

    @classmethod
    def open(cls, url: str, *, lock: bool = False) -> SQLiteStore:
        """The store ``url`` names, created and brought to the current schema
        if need be. ``lock``: claimed for this process alone first (lock.claim_store),
        so that a second feedhub is told so, and never meets the first one's
        schema migration as "database is locked"."""
        if not url.startswith("sqlite:///"):
            raise StorageError(f"storage.url {url!r}: only sqlite:///PATH is supported")
        target = url[len("sqlite:///"):]
        claim = None
        try:
            if target != ":memory:":
                Path(target).parent.mkdir(parents=True, exist_ok=True)
            if lock:
                claim = claim_store(target)
            db = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA busy_timeout = 10000")
            if target != ":memory:":
                db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA foreign_keys = ON")
            # NORMAL is durable across application crashes in WAL mode, which is
            # what feedhub needs; only a power loss may lose the last commit.
            db.execute("PRAGMA synchronous = NORMAL")
            store = cls(db, target)
            store._lock_file = claim
            store._migrate()
        except BaseException as e:
            if claim is not None:
                claim.close()  # releases the lock
            if isinstance(e, sqlite3.Error):
                raise StorageError(f"cannot open the store {target}: {e} (check the path in storage.url and its "
                                   "permissions)") from None
            if isinstance(e, OSError):
                raise StorageError(f"cannot create the store's folder for {target}: {e.strerror}") from None
            raise
        return store

    def close(self) -> None:
        self._db.close()
        if self._lock_file is not None:
            self._lock_file.close()  # releases the lock
            self._lock_file = None

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StorageError(
                f"the store {self._where} has schema version {version}, newer than this feedhub's {SCHEMA_VERSION}: upgrade feedhub"
            )
        while version < SCHEMA_VERSION:
            with self.transaction():
                for statement in MIGRATIONS[version].split(";"):
                    if statement.strip():
                        self._db.execute(statement)
                version += 1
                self._db.execute(f"PRAGMA user_version = {version}")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: a crash mid-way leaves the store as it was."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            raise StorageError(f"the store {self._where} is busy or read-only: {e}") from None
        try:
            yield
        except (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError):
            # A bug in what one caller wrote, not a store that fails: the
            # caller's to record (the refresh records it on one source, issue #19).
            self._undo()
            raise
        except sqlite3.Error as e:  # a write inside failed: a full disk, an I/O error
            self._undo()
            raise StorageError(f"cannot write the store {self._where}: {e}") from None
        except BaseException:
            self._undo()
            raise
        else:
            try:
                self._db.execute("COMMIT")
            except sqlite3.Error as e:
                self._source_states = None
                raise StorageError(f"cannot write the store {self._where}: {e}") from None

    def _undo(self) -> None:
        self._source_states = None  # it may hold what is undone here
        # SQLite has already rolled back after some errors (a full disk, an
        # interrupt); a second ROLLBACK would raise and hide the cause.
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")

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
            rows = self._db.execute("SELECT * FROM sources").fetchall()
            names = [d[0] for d in self._db.execute("SELECT * FROM sources LIMIT 0").description]
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
        cursor = self._db.execute(
            "INSERT INTO entries (source, entry_id, link, canonical_url, title, author, published, updated,"
            " content, summary, tags, content_hash, first_seen, last_seen, signature)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (e.source, e.entry_id, e.link, e.canonical_url, e.title, e.author, format_time(e.published),
             format_time(e.updated), e.content, e.summary, json.dumps(list(e.tags), ensure_ascii=False),
             e.content_hash, format_time(now), format_time(now), e.signature),
        )
        return cursor.lastrowid

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
                "SELECT s.* FROM stories s JOIN story_entries se ON se.story = s.id WHERE se.entry = ?", (entry_row,)
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
        cursor = self._db.execute(
            "INSERT INTO stories (category, atom_id, canonical_entry, published, updated, first_seen)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (category, atom_id, entry_row, format_time(published), format_time(updated), format_time(now)),
        )
        story = cursor.lastrowid
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
                f" WHERE se.story IN ({marks}) AND e.signature IS NOT NULL ORDER BY se.added",
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

    # --- archive queries (publishing) ---------------------------------------
    # Read-only, for publish/plan.py: what changed since the last publish
    # and one archive page's stories, found through the primary keys and the
    # existing indexes, so that a publish costs what is new plus a page, not
    # the length of the history. A story's key is (published, row), as
    # format_time wrote it: the order of newest_stories.

    def max_story_row(self) -> int:
        return self._db.execute("SELECT COALESCE(MAX(id), 0) FROM stories").fetchone()[0]

    def max_entry_row(self) -> int:
        return self._db.execute("SELECT COALESCE(MAX(id), 0) FROM entries").fetchone()[0]

    def max_entry_last_seen(self) -> str | None:
        """The latest entries.last_seen (set when an entry is stored or edited)."""
        return self._db.execute("SELECT MAX(last_seen) FROM entries").fetchone()[0]

    def stories_after(self, row: int) -> list[StoredStory]:
        """Stories created after story ``row``, of every category, by row (a
        range of the primary key)."""
        return [_story_from_row(r) for r in self._db.execute("SELECT * FROM stories WHERE id > ? ORDER BY id", (row,))]

    def stories_by_rows(self, rows: Sequence[int]) -> list[StoredStory]:
        found = []
        for chunk in _chunks(sorted(set(rows)), 500):
            marks = ", ".join("?" for _ in chunk)
            found += [_story_from_row(r) for r in self._db.execute(
                f"SELECT * FROM stories WHERE id IN ({marks}) ORDER BY id", tuple(chunk))]
        return found

    def stories_with_copies_after(self, entry_row: int) -> list[int]:
        """Stories that gained a copy stored after entry ``entry_row`` (a range
        of the story_entries_by_entry index)."""
        # Without DISTINCT: SQLite would then scan the (story, entry) key in
        # story order instead of seeking the entry index.
        return list(dict.fromkeys(r for (r,) in self._db.execute(
            "SELECT story FROM story_entries WHERE entry > ?", (entry_row,))))

    def stories_with_copies_seen_since(self, last_seen: str) -> tuple[list[int], str | None]:
        """Stories holding an entry stored or edited at or after ``last_seen``,
        and the latest last_seen among those entries (a range of the
        entries_by_last_seen index)."""
        rows: dict[int, None] = {}
        latest = None
        entries = self._db.execute("SELECT id, last_seen FROM entries WHERE last_seen >= ?", (last_seen,)).fetchall()
        for chunk in _chunks([e for e, _ in entries], 500):
            marks = ", ".join("?" for _ in chunk)
            for (story,) in self._db.execute(f"SELECT story FROM story_entries WHERE entry IN ({marks})", tuple(chunk)):
                rows[story] = None
        if entries:
            latest = max(seen for _, seen in entries)
        return list(rows), latest

    def category_story_keys(self, category: str, after_row: int = 0) -> list[tuple[str, int]]:
        """(published, row) of a category's stories after ``after_row``, by
        row. All of them by default: for rebuilding a category's archives."""
        return [(published, row) for row, published in self._db.execute(
            "SELECT id, published FROM stories WHERE category = ? AND id > ? ORDER BY id", (category, after_row))]

    def category_stories_in_rows(self, category: str, first: int, end: int) -> list[StoredStory]:
        """A category's stories with ``first`` <= row < ``end``, by row: one
        archive page. A range of the primary key, filtered here: with
        ``category = ?`` in the SQL, SQLite prefers the category index and
        would read the whole category. (An index on (category, id) would
        read only the page's rows.)"""
        return [_story_from_row(r) for r in self._db.execute(
            "SELECT * FROM stories WHERE id >= ? AND id < ? ORDER BY id", (first, end)) if r[1] == category]

    def category_story_keys_in_rows(self, category: str, first: int, end: int) -> list[tuple[str, int]]:
        """(published, row) of a category's stories with ``first`` <= row < ``end``, by row."""
        return [(published, row) for row, kind, published in self._db.execute(
            "SELECT id, category, published FROM stories WHERE id >= ? AND id < ? ORDER BY id", (first, end))
            if kind == category]

    def category_story_keys_between(self, category: str, low: tuple[str, int] | None,
                                    high: tuple[str, int]) -> list[tuple[str, int]]:
        """(published, row) of a category's stories with ``low`` <= key <
        ``high`` (no lower bound when ``low`` is None), through the
        stories_by_category_date index."""
        if low is None:
            cursor = self._db.execute(
                "SELECT published, id FROM stories WHERE category = ? AND (published, id) < (?, ?)", (category, *high))
        else:
            cursor = self._db.execute(
                "SELECT published, id FROM stories WHERE category = ? AND (published, id) >= (?, ?)"
                " AND (published, id) < (?, ?)", (category, *low, *high))
        return [(published, row) for published, row in cursor]

    def category_story_keys_dated(self, category: str, start: str | None, end: str) -> list[tuple[str, int]]:
        """(published, row) of a category's stories dated in [start, end)."""
        return [(published, row) for published, row in self._db.execute(
            "SELECT published, id FROM stories WHERE category = ? AND published >= ? AND published < ?",
            (category, start or "", end))]


def _chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


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


def _story_from_row(r: Sequence) -> StoredStory:
    row, category, atom_id, canonical_entry, published, updated, _first_seen = r
    return StoredStory(row, category, atom_id, canonical_entry, parse_time(published), parse_time(updated))
