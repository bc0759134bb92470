"""The store on both backends (issue #16): every test with `store_url` runs
on SQLite and on a real PostgreSQL server (conftest.py's throwaway cluster).
The schema: created at the newest version, migrated step by step, and
refused when newer than this feedhub. The Store protocol: the same answers
from both backends."""

import sqlite3
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from feedhub.errors import StorageError
from feedhub.store import open_store, pg_driver, store_exists
from feedhub.store.schema import MIGRATIONS, SCHEMA_VERSION, migration_statements
from feedhub.types import CachingInfo, Entry, SourceState

UTC = timezone.utc
T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


def raw(url: str, *statements: str) -> list:
    """Statements run on the store's database behind its back, as an
    administrator or an older feedhub would; the last one's rows."""
    if url.startswith("sqlite:///"):
        db = sqlite3.connect(url[len("sqlite:///"):])
        try:
            rows = [db.execute(s).fetchall() for s in statements]
            db.commit()
        finally:
            db.close()
    else:
        db = pg_driver.connect(url)
        try:
            rows = [(c.fetchall() if (c := db.execute(s)).description else []) for s in statements]
        finally:
            db.close()
    return rows[-1] if rows else []


def schema_version(url: str) -> int:
    if url.startswith("sqlite:///"):
        return raw(url, "PRAGMA user_version")[0][0]
    return raw(url, "SELECT version FROM schema_version")[0][0]


def set_schema_version(url: str, version: int) -> None:
    if url.startswith("sqlite:///"):
        raw(url, f"PRAGMA user_version = {version}")
    else:
        raw(url, "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)", "DELETE FROM schema_version",
            f"INSERT INTO schema_version VALUES ({version})")


def dialect(url: str) -> str:
    return "sqlite" if url.startswith("sqlite:///") else "postgresql"


def test_new_store_is_at_the_newest_version(store_url):
    assert not store_exists(store_url)  # looking creates nothing
    store = open_store(store_url)
    store.close()
    assert store_exists(store_url)
    assert schema_version(store_url) == SCHEMA_VERSION == len(MIGRATIONS)
    if dialect(store_url) == "sqlite":
        assert raw(store_url, "PRAGMA journal_mode")[0][0] == "wal"
        indexes = {row[0] for row in raw(store_url, "SELECT name FROM sqlite_master WHERE type = 'index'")}
    else:
        indexes = {row[0] for row in raw(store_url, "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")}
    assert {"entries_by_canonical_url", "story_keys_lookup", "entries_by_last_seen"} <= indexes
    open_store(store_url).close()  # opened again: nothing to migrate
    assert schema_version(store_url) == SCHEMA_VERSION


def test_an_old_store_is_migrated_and_keeps_its_rows(store_url):
    raw(store_url, *migration_statements(0, dialect(store_url)),
        "INSERT INTO sources (name, url, configured_url) VALUES ('a', 'https://a.example/', 'https://a.example/')")
    set_schema_version(store_url, 1)
    store = open_store(store_url)
    assert store.source_state("a").url == "https://a.example/"
    assert store.publish_pending  # v2 marks a migrated store for publishing
    store.close()
    assert schema_version(store_url) == SCHEMA_VERSION


def test_a_store_from_a_newer_feedhub_is_refused(store_url):
    if dialect(store_url) == "sqlite":
        sqlite3.connect(store_url[len("sqlite:///"):]).close()
    set_schema_version(store_url, SCHEMA_VERSION + 1)
    with pytest.raises(StorageError, match="newer than this feedhub's") as refused:
        open_store(store_url)
    assert "\n" not in str(refused.value) and f"version {SCHEMA_VERSION + 1}" in str(refused.value)


def test_source_states_are_read_again_after_a_write_or_a_rollback(store_url):
    # source_states() is kept between calls (the daemon asks several times a
    # cycle); what this store writes, or undoes, must show in the next call.
    store = open_store(store_url)
    first = SourceState(name="a", url="http://a.example/feed", configured_url="http://a.example/feed")
    store.save_source_state(first)
    assert store.source_states()["a"].failures == 0
    store.source_states()["a"] = None  # a caller changing its copy changes nothing
    assert store.source_states()["a"] == first

    store.save_source_state(replace(first, failures=3))
    assert store.source_states()["a"].failures == 3

    with pytest.raises(RuntimeError), store.transaction():
        store.save_source_state(replace(first, failures=9))
        assert store.source_states()["a"].failures == 9
        raise RuntimeError("undo")
    assert store.source_states()["a"].failures == 3
    store.close()


def test_a_state_changed_outside_is_read_once_the_cache_is_forgotten(store_url):
    # The daemon forgets its cached states at each poll and reload.
    store = open_store(store_url)
    state = SourceState(name="a", url="http://a.example/feed", configured_url="http://a.example/feed",
                        disabled_reason="410 Gone")
    store.save_source_state(state)
    assert store.source_states()["a"].disabled_reason == "410 Gone"
    other = open_store(store_url)  # e.g. a restored database
    other.save_source_state(replace(state, disabled_reason=None))
    other.close()
    store.forget_cached_states()
    assert store.source_states()["a"].disabled_reason is None
    store.close()


def test_an_error_after_the_database_rolled_back_by_itself_is_not_hidden(store_url):
    # After some errors (a full disk, an interrupt) SQLite has already rolled
    # back; the transaction must still raise the error itself, not "cannot
    # rollback - no transaction is active".
    store = open_store(store_url)
    with pytest.raises(RuntimeError, match="the cause"), store.transaction():
        store._db.execute("ROLLBACK")  # what SQLite does by itself on those errors
        raise RuntimeError("the cause")
    store.close()


def entry(source: str, n: int, *, title: str = "", day: int = 1, signature: str | None = None) -> Entry:
    link = f"https://{source}.example/news/{n}"
    return Entry(source=source, entry_id=link, link=link, canonical_url=f"https://news.example/{n}",
                 title=title or f"Story {n} 新闻", author="Ann" if n % 2 else None,
                 published=T0 + timedelta(days=day, hours=n), updated=None, content=f"<p>text {n} ½%?</p>",
                 summary="", tags=("markets", "标签"), content_hash=f"hash-{source}-{n}", signature=signature)


def test_a_broken_constraint_is_the_callers_error_and_undone(store_url):
    # The refresh records such an error on the one source whose entries
    # broke it and goes on (issue #19); a failing store raises StorageError.
    store = open_store(store_url)
    with pytest.raises(Exception) as raised, store.transaction():
        store.insert_entry(entry("a", 1), T0)
        store.insert_entry(entry("a", 1), T0)  # (source, entry_id) is unique
    assert not isinstance(raised.value, StorageError)
    assert "unique" in str(raised.value).lower()
    assert store.entry_counts() == {}
    store.insert_entry(entry("a", 1), T0)  # the store goes on
    assert store.entry_counts() == {"a": 1}
    store.close()


def exercise(store) -> list:
    """Every call of the Store protocol, and what each answered."""
    seen: list = []
    with store.transaction():
        states = [SourceState(name=n, url=f"https://{n}.example/f", configured_url=f"https://{n}.example/f",
                              caching=CachingInfo('"etag"', "Wed, 01 May 2024 08:00:00 GMT", "h"),
                              last_fetch=T0, failures=i, last_status=200 + i, next_poll=T0 + timedelta(hours=i))
                  for i, n in enumerate(["b", "a", "媒体"])]
        store.save_source_states(states)
        rows = [store.insert_entry(entry(s, n, day=n % 3, signature=f'{{"n": {n}}}' if n % 2 else None), T0)
                for s in ("a", "b") for n in range(1, 6)]
        stories = [store.create_story("World" if r % 2 else "市场", f"urn:x:{r}", r, T0 + timedelta(days=r),
                                      T0 + timedelta(days=r), T0) for r in rows[:6]]
        for story, r in zip(stories, rows[6:]):
            store.add_copy(story, r, T0 + timedelta(minutes=1))
            store.add_copy(story, r, T0 + timedelta(minutes=2))  # twice: kept once
            store.add_story_keys("World", story, [f"k{story % 3}", "t:same", f"k{story % 3}"], T0 + timedelta(days=story))
        store.set_story(stories[0], canonical_entry=rows[6], updated=T0 + timedelta(days=9))
        store.update_entry(rows[1], entry("a", 2, title="Edited"), T0 + timedelta(hours=5))
        store.set_meta("k", "v1")
        store.set_meta("k", "v2")
    seen += [sorted(store.source_states().items()), store.source_state("媒体"), store.source_state("none"),
             store.entry_counts(), store.stored_entries("a", ["https://a.example/news/1", "nope"]),
             sorted(store.entries(rows).items()), store.stories_of_entry(rows[6]),
             store.stories_with_url("World", "https://news.example/1"), store.story(stories[1]),
             store.atom_id_taken("World", f"urn:x:{rows[0]}"), store.atom_id_taken("World", "urn:x:none"),
             store.stories_with_keys("World", ["k0", "k1", "t:same"], T0, T0 + timedelta(days=30)),
             store.copy_signatures(stories, known={rows[0]}), store.story_copies(stories),
             store.newest_stories("World", 2), store.newest_stories("市场", 10), store.max_story_row(),
             store.max_entry_row(), store.max_entry_last_seen(), store.stories_after(stories[2]),
             store.stories_by_rows([stories[3], stories[1], 999]), sorted(store.stories_with_copies_after(rows[7])),
             (lambda r: (sorted(r[0]), r[1]))(store.stories_with_copies_seen_since("2024-05-01T08:01")),
             store.category_story_keys("World"), store.category_story_keys("World", stories[1]),
             store.category_stories_in_rows("World", stories[1], stories[5]),
             store.category_story_keys_in_rows("市场", 0, 100)]
    newest = store.category_story_keys("World")[-1]
    seen += [sorted(store.category_story_keys_between("World", None, newest)),
             sorted(store.category_story_keys_between("World", store.category_story_keys("World")[0], newest)),
             sorted(store.category_story_keys_dated("World", None, "2024-05-05")),
             sorted(store.category_story_keys_dated("World", "2024-05-03", "2024-05-09")),
             store.get_meta("k"), store.get_meta("none"), store.publish_pending]
    store.set_publish_pending(False)
    site = store.site_id()
    store.forget_published()
    seen += [store.publish_pending, store.get_meta("k"), store.site_id() == site]
    return seen


def test_both_backends_answer_every_call_alike(tmp_path, pg_url):
    # One set of statements for both (queries.py): the same rows, in the
    # same order, with the same types.
    answers = []
    for url in (f"sqlite:///{tmp_path / 'db.sqlite'}", pg_url):
        store = open_store(url)
        try:
            answers.append(exercise(store))
        finally:
            store.close()
    sqlite_answers, pg_answers = answers
    assert len(sqlite_answers) == len(pg_answers) == 37
    for i, (a, b) in enumerate(zip(sqlite_answers, pg_answers)):
        assert a == b, f"answer {i} differs"
    assert sqlite_answers[1].last_fetch == T0 and sqlite_answers[3] == {"a": 5, "b": 5}
