"""The PostgreSQL driver, psycopg 3, behind the few calls postgresql.py
makes: the one module that imports it, and only imported for a
postgresql:// storage.url, so that SQLite's users need nothing of it.

The connection looks like sqlite3's to queries.py: ``execute`` takes `?`
placeholders and returns a cursor with fetchone/fetchall/description that
iterates over tuples. It runs in autocommit mode, as the SQLite backend's
connection does (isolation_level=None): a statement outside
Store.transaction() is its own transaction, and BEGIN/COMMIT are sent as
statements by postgresql.py.
"""

from __future__ import annotations

import functools
import os
import socket
from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from psycopg import errors as _errors
from psycopg.conninfo import conninfo_to_dict
from psycopg.pq import TransactionStatus

from feedhub.redact import redact

Error = psycopg.Error

# libpq's own wait is unbounded: a server that drops the packets would hang
# `feedhub run` at start without a word. A URL's connect_timeout wins.
_CONNECT_TIMEOUT = 10


def one_line(error: BaseException) -> str:
    """A driver error as one redacted line: libpq's messages run over
    several lines (a FATAL, then a HINT), and may quote the connection
    string."""
    return redact(" ".join(str(error).split()))


def connect(url: str) -> Connection:
    """A connection to the database ``url`` names (a libpq URI: its query
    carries sslmode, connect_timeout, options... as libpq reads them; the
    password from the URL, PGPASSWORD or a .pgpass file, libpq's order).
    Raises psycopg.Error."""
    given = conninfo_to_dict(url)
    extra: dict[str, Any] = {}
    if "connect_timeout" not in given:
        extra["connect_timeout"] = _CONNECT_TIMEOUT
    if "application_name" not in given:
        # Named so: pg_stat_activity then shows which feedhub holds the store (postgresql.py's lock).
        extra["application_name"] = f"feedhub pid {os.getpid()} on {socket.gethostname()}"[:63]
    return Connection(psycopg.connect(url, autocommit=True, **extra))


def is_callers_error(error: BaseException) -> bool:
    """Whether ``error`` is a mistake in what one caller wrote (a broken
    constraint, a value the database cannot hold such as a NUL in a text,
    a value psycopg cannot send) rather than a store that fails (the server
    gone, a full disk, a missing privilege): the counterpart of the
    sqlite3.IntegrityError and ProgrammingError that the refresh records on
    one source (issue #19) while a failing store ends the cycle."""
    if isinstance(error, _errors.InsufficientPrivilege):
        return False
    return isinstance(error, (psycopg.IntegrityError, psycopg.DataError, psycopg.ProgrammingError))


@functools.lru_cache(maxsize=512)
def _placeholders(sql: str) -> str:
    """queries.py's `?` as psycopg's `%s` (a literal `%` doubled first). The
    statements hold no `?` nor `%` in a string literal."""
    return sql.replace("%", "%%").replace("?", "%s")


class Connection:
    """A psycopg connection that reads queries.py's statements."""

    def __init__(self, connection: psycopg.Connection):
        self._connection = connection

    def execute(self, sql: str, params: Sequence = ()) -> psycopg.Cursor:
        return self._connection.execute(_placeholders(sql), tuple(params))

    def executemany(self, sql: str, rows: Iterable[Sequence]) -> None:
        rows = [tuple(r) for r in rows]
        if rows:
            with self._connection.cursor() as cursor:
                cursor.executemany(_placeholders(sql), rows)

    @property
    def in_transaction(self) -> bool:
        """Inside a transaction, failed ones included (which need a ROLLBACK)."""
        return self._connection.info.transaction_status in (TransactionStatus.INTRANS, TransactionStatus.INERROR)

    @property
    def broken(self) -> bool:
        return self._connection.closed or self._connection.broken

    def close(self) -> None:
        self._connection.close()
