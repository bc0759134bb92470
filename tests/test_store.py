"""The store's schema: created at the newest version, migrated step by step,
and refused when newer than this feedhub."""

import sqlite3
from dataclasses import replace

import pytest

from feedhub.errors import StorageError
from feedhub.store import open_store
from feedhub.store.schema import MIGRATIONS, SCHEMA_VERSION
from feedhub.types import SourceState


def test_new_store_is_at_the_newest_version(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'db'}")
    store.close()
    db = sqlite3.connect(tmp_path / "db")
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == len(MIGRATIONS)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    indexes = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"entries_by_canonical_url", "story_keys_lookup", "entries_by_last_seen"} <= indexes


def test_an_old_store_is_migrated_and_keeps_its_rows(tmp_path):
    db = sqlite3.connect(tmp_path / "db")
    for statement in MIGRATIONS[0].split(";"):
        if statement.strip():
            db.execute(statement)
    db.execute("INSERT INTO sources (name, url, configured_url) VALUES ('a', 'https://a.example/', 'https://a.example/')")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    store = open_store(f"sqlite:///{tmp_path / 'db'}")
    assert store.source_state("a").url == "https://a.example/"
    assert store.publish_pending  # v2 marks a migrated store for publishing
    store.close()
    assert sqlite3.connect(tmp_path / "db").execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_store_from_a_newer_feedhub_is_refused(tmp_path):
    db = sqlite3.connect(tmp_path / "db")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(StorageError, match="newer than this feedhub's"):
        open_store(f"sqlite:///{tmp_path / 'db'}")


def test_source_states_are_read_again_after_a_write_or_a_rollback(tmp_path):
    # source_states() is kept between calls (the daemon asks several times a
    # cycle); what this store writes, or undoes, must show in the next call.
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
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


def test_a_state_changed_outside_is_read_once_the_cache_is_forgotten(tmp_path):
    # The daemon forgets its cached states at each poll and reload.
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    store = open_store(url)
    state = SourceState(name="a", url="http://a.example/feed", configured_url="http://a.example/feed",
                        disabled_reason="410 Gone")
    store.save_source_state(state)
    assert store.source_states()["a"].disabled_reason == "410 Gone"
    other = open_store(url)  # e.g. a restored database
    other.save_source_state(replace(state, disabled_reason=None))
    other.close()
    store.forget_cached_states()
    assert store.source_states()["a"].disabled_reason is None
    store.close()


def test_an_error_after_sqlite_rolled_back_by_itself_is_not_hidden(tmp_path):
    # After some errors (a full disk, an interrupt) SQLite has already rolled
    # back; the transaction must still raise the error itself, not "cannot
    # rollback - no transaction is active".
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with pytest.raises(RuntimeError, match="the cause"), store.transaction():
        store._db.execute("ROLLBACK")  # what SQLite does by itself on those errors
        raise RuntimeError("the cause")
    store.close()
