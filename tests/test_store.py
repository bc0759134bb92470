"""The store's schema: created at the newest version, migrated step by step,
and refused when newer than this feedhub."""

import sqlite3

import pytest

from feedhub.errors import StorageError
from feedhub.store import MIGRATIONS, SCHEMA_VERSION, Store


def test_new_store_is_at_the_newest_version(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'db'}")
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
    store = Store.open(f"sqlite:///{tmp_path / 'db'}")
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
        Store.open(f"sqlite:///{tmp_path / 'db'}")
