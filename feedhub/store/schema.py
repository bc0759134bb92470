"""The store's schema: SQL migrations keyed by the version they start from
(PRAGMA user_version on SQLite), as lemon24/reader does. Kept portable: no
SQLite-only functions, ON CONFLICT upserts that PostgreSQL also reads, so
that a second backend can run the same migrations.

Data model: an *entry* is one source's copy of an article, keyed by (source,
entry_id). A *story* is what one category publishes once; it has one or more
entries (story_entries), one of which is canonical. Its atom_id is fixed when
the story is created and never changes.
"""

# 0 -> 1: the first schema.
_SCHEMA_V1 = """
CREATE TABLE sources (
    name TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    configured_url TEXT NOT NULL,
    etag TEXT, last_modified TEXT, content_hash TEXT,
    feed_title TEXT, feed_link TEXT, feed_id TEXT, feed_updated TEXT, feed_self TEXT,
    last_fetch TEXT, last_success TEXT, last_error TEXT, last_status INTEGER,
    failures INTEGER NOT NULL DEFAULT 0, failing_since TEXT,
    next_poll TEXT, next_poll_reason TEXT, disabled_reason TEXT
);
CREATE TABLE entries (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    link TEXT, canonical_url TEXT,
    title TEXT NOT NULL, author TEXT,
    published TEXT, updated TEXT,
    content TEXT NOT NULL, summary TEXT NOT NULL, tags TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
    UNIQUE (source, entry_id)
);
CREATE INDEX entries_by_canonical_url ON entries (canonical_url);
CREATE TABLE stories (
    id INTEGER PRIMARY KEY,
    category TEXT NOT NULL,
    atom_id TEXT NOT NULL,
    canonical_entry INTEGER NOT NULL REFERENCES entries (id),
    published TEXT NOT NULL,  -- the sort key: the entry's date, else when first seen
    updated TEXT NOT NULL,    -- moves only when the canonical text changes
    first_seen TEXT NOT NULL,
    UNIQUE (category, atom_id)
);
CREATE INDEX stories_by_category_date ON stories (category, published, id);
CREATE TABLE story_entries (
    story INTEGER NOT NULL REFERENCES stories (id),
    entry INTEGER NOT NULL REFERENCES entries (id),
    added TEXT NOT NULL,
    PRIMARY KEY (story, entry)
);
CREATE INDEX story_entries_by_entry ON story_entries (entry);
"""

# 1 -> 2: a key/value table; "publish_pending" is set in the same transaction
# as any change to what is published and cleared once the files are written,
# so that a publish that failed (disk full, read-only output) is retried by
# the next cycle even when that cycle finds nothing new (issue #6).
_META_V2 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta (key, value) VALUES ('publish_pending', '1')
"""

# 2 -> 3: near-duplicate detection (issue #4). Each entry keeps its
# signature; story_keys indexes every copy's LSH band and title keys by
# category and story date, so finding candidates is an indexed lookup within
# the time window, whatever the size of the store. Entries stored before
# have no signature and are simply not candidates.
_DEDUPE_V3 = """
ALTER TABLE entries ADD COLUMN signature TEXT;
CREATE TABLE story_keys (
    category TEXT NOT NULL,
    key TEXT NOT NULL,
    story INTEGER NOT NULL REFERENCES stories (id),
    story_date TEXT NOT NULL
);
CREATE INDEX story_keys_lookup ON story_keys (category, key, story_date)
"""

# 3 -> 4: publishing finds entries stored or edited since its last run by
# last_seen (publish/plan.py); without an index that is a scan of the history.
_LAST_SEEN_V4 = """
CREATE INDEX entries_by_last_seen ON entries (last_seen)
"""

MIGRATIONS: dict[int, str] = {0: _SCHEMA_V1, 1: _META_V2, 2: _DEDUPE_V3, 3: _LAST_SEEN_V4}
SCHEMA_VERSION = max(MIGRATIONS) + 1
