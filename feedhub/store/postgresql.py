"""The PostgreSQL backend of the store (storage.url: postgresql://...,
issue #16): the same schema and migrations as SQLite's (schema.py), the
version kept in a one-row schema_version table, and the same statements
(queries.py) sent through pg_driver.py, the one module that imports
psycopg.

One feedhub per store, as on SQLite: ``lock`` takes a session-level
advisory lock, which the server releases when the connection ends, even
when its process was killed with -9. Several daemons sharing one database
are issue #16's next step, not this one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from feedhub.errors import StorageError
from feedhub.redact import redact
from feedhub.store import pg_driver
from feedhub.store.queries import SQLStore
from feedhub.store.schema import SCHEMA_VERSION, migration_statements
from feedhub.types import SourceState

# Advisory lock keys, per database: "feed" for the store's one feedhub,
# "feee" for its migrations (held for the migrating transaction).
_LOCK_KEY = 0x66656564
_MIGRATION_KEY = 0x66656565


class PostgreSQLStore(SQLStore):
    """A feedhub database on a PostgreSQL server."""

    def __init__(self, connection: pg_driver.Connection, where: str):
        self._db = connection
        self._where = where  # the URL, redacted: what messages name
        self._source_states: dict[str, SourceState] | None = None

    @classmethod
    def open(cls, url: str, *, lock: bool = False) -> PostgreSQLStore:
        """The store ``url`` names, its tables created or migrated if need
        be (the database itself is the administrator's to create).
        ``lock``: claimed for this process alone first."""
        where = redact(url)
        try:
            db = pg_driver.connect(url)
        except pg_driver.Error as e:
            raise StorageError(f"cannot connect to the store {where}: {pg_driver.one_line(e)}") from None
        try:
            store = cls(db, where)
            if lock:
                store._claim()
            store._migrate()
        except BaseException as e:
            db.close()
            if isinstance(e, pg_driver.Error):
                raise StorageError(f"cannot open the store {where}: {pg_driver.one_line(e)}") from None
            raise
        return store

    @staticmethod
    def exists(url: str) -> bool:
        """Whether feedhub's tables are in the database ``url`` names
        (looking creates nothing: `feedhub status` before the first run)."""
        try:
            db = pg_driver.connect(url)
        except pg_driver.Error as e:
            raise StorageError(f"cannot connect to the store {redact(url)}: {pg_driver.one_line(e)}") from None
        try:
            return db.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()[0]
        finally:
            db.close()

    def close(self) -> None:
        self._db.close()  # ends the session: releases the advisory lock

    def _claim(self) -> None:
        """This store for this process alone, or StorageError naming the
        feedhub that holds it (its application_name, set by pg_driver)."""
        if self._db.execute(f"SELECT pg_try_advisory_lock({_LOCK_KEY})").fetchone()[0]:
            return
        row = self._db.execute(
            "SELECT a.application_name, a.client_addr FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            f" WHERE l.locktype = 'advisory' AND l.objid = {_LOCK_KEY} AND l.granted"
            " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())").fetchone()
        holder = (row[0] or "").removeprefix("feedhub ") if row else ""
        where = f" from {row[1]}" if row and row[1] else ""
        raise StorageError(f"another feedhub ({holder or 'unknown'}{where}) is using the store {self._where}; "
                           "stop it first, or wait for it to finish")

    def _version(self) -> int:
        if not self._db.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()[0]:
            return 0
        row = self._db.execute("SELECT version FROM schema_version").fetchone()
        return row[0] if row else 0

    def _migrate(self) -> None:
        """Every step from the store's version to SCHEMA_VERSION, in one
        transaction (PostgreSQL's DDL is transactional: a failure leaves the
        store at its old version). A store from a newer feedhub is refused."""
        if self._version() == SCHEMA_VERSION:
            return  # the common case: no write, so a read-only role can run `feedhub status`
        with self.transaction():
            # Two feedhubs opening a new store at once (a status beside a
            # run): the second waits here, then finds the work done.
            self._db.execute(f"SELECT pg_advisory_xact_lock({_MIGRATION_KEY})")
            version = self._version()
            if version > SCHEMA_VERSION:
                raise StorageError(f"the store {self._where} has schema version {version}, newer than this "
                                   f"feedhub's {SCHEMA_VERSION}: upgrade feedhub")
            if version == 0:
                self._db.execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
                self._db.execute("DELETE FROM schema_version")
                self._db.execute("INSERT INTO schema_version (version) VALUES (0)")
            for step in range(version, SCHEMA_VERSION):
                for statement in migration_statements(step, "postgresql"):
                    self._db.execute(statement)
            self._db.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: a crash mid-way, or the server going away, leaves
        the store as it was."""
        try:
            self._db.execute("BEGIN")
        except pg_driver.Error as e:
            raise StorageError(f"cannot write the store {self._where}: {pg_driver.one_line(e)}") from None
        try:
            yield
        except pg_driver.Error as e:
            self._undo()
            if pg_driver.is_callers_error(e):
                raise  # the caller's to record, as sqlite.py does with IntegrityError
            raise StorageError(f"cannot write the store {self._where}: {pg_driver.one_line(e)}") from None
        except BaseException:
            self._undo()
            raise
        else:
            self._commit()

    def _commit(self) -> None:
        try:
            status = self._db.execute("COMMIT").statusmessage
        except pg_driver.Error as e:
            self._source_states = None
            raise StorageError(f"cannot write the store {self._where}: {pg_driver.one_line(e)}") from None
        if status != "COMMIT":
            # COMMIT of a transaction a failed statement aborted is a
            # ROLLBACK, without an error: a caller caught that statement's.
            self._source_states = None
            raise StorageError(f"the store {self._where} rolled the transaction back: a statement in it failed")

    def _insert(self, sql: str, params: Sequence) -> int:
        return self._db.execute(sql + " RETURNING id", params).fetchone()[0]

    def _undo(self) -> None:
        self._source_states = None  # it may hold what is undone here
        if self._db.broken:
            return  # the server is gone, and the transaction with it: a ROLLBACK would hide the cause
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")
