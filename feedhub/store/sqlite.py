"""The SQLite backend of the store, the embedded default: WAL, the schema
of schema.py brought up to date with PRAGMA user_version, one process at a
time (lock.py). The statements themselves are queries.py's, shared with
the PostgreSQL backend."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from feedhub.errors import StorageError
from feedhub.store.lock import claim_store
from feedhub.store.queries import SQLStore
from feedhub.store.schema import SCHEMA_VERSION, migration_statements
from feedhub.types import SourceState


class SQLiteStore(SQLStore):
    """A feedhub database in one SQLite file. Not shared between threads: the pipeline writes
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
                for statement in migration_statements(version, "sqlite"):
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

    def _insert(self, sql: str, params: Sequence) -> int:
        return self._db.execute(sql, params).lastrowid

    def _undo(self) -> None:
        self._source_states = None  # it may hold what is undone here
        # SQLite has already rolled back after some errors (a full disk, an
        # interrupt); a second ROLLBACK would raise and hide the cause.
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")
