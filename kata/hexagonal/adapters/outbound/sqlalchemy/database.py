"""The database: engine set-up and schema creation."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, insert, select
from sqlalchemy.exc import DBAPIError

from kata.hexagonal.adapters.outbound.sqlalchemy.tables import (
    event_counter,
    metadata,
    relay_position,
)

# SQLSTATEs of a transaction that lost a race: serialization failure, deadlock, unique
# violation (a concurrent insert of the same key won).
_POSTGRES_CONFLICTS = {"40001", "40P01", "23505"}
_SQLITE_CONFLICTS = ("database is locked", "UNIQUE constraint failed")
# Serialises schema creation on PostgreSQL: any key, the same in every server.
_SCHEMA_LOCK = 7_020_101
# Tries at switching a new SQLite file to WAL (see _use_write_ahead_log).
_WAL_ATTEMPTS = 10


class Database:
    """An engine and the schema; units of work borrow connections from it."""

    def __init__(self, url: str) -> None:
        self.engine = _engine(url)
        if not self.engine.dialect.supports_sane_multi_rowcount:
            # The versioned writes count the rows an executemany matched to find a stale root.
            self.engine.dispose()
            raise ValueError(f"{self.engine.dialect.driver} cannot count the rows it updates")

    def create_schema(self) -> None:
        """Make the tables and seed the counters, once, however many servers start at once.

        All in one transaction: SQLite's BEGIN IMMEDIATE lets one server in at a time, and on
        PostgreSQL (whose DDL is transactional) an advisory lock does the same, so a server
        that waited finds the tables made and does not make them again.
        """
        with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(select(func.pg_advisory_xact_lock(_SCHEMA_LOCK)))
            metadata.create_all(connection)
            if connection.scalar(select(event_counter.c.id)) is None:
                connection.execute(insert(event_counter).values(id=1, last_seq=0))
                connection.execute(insert(relay_position).values(id=1, seq=0))

    def close(self) -> None:
        self.engine.dispose()


def lost_a_race(error: DBAPIError) -> bool:
    """Did the database refuse this transaction because a concurrent one won?"""
    if getattr(error.orig, "sqlstate", None) in _POSTGRES_CONFLICTS:
        return True
    return any(text in str(error.orig) for text in _SQLITE_CONFLICTS)


def _engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        # Up to 20 connections at once, 5 kept open: one PostgreSQL server (its default limit
        # is 100) holds every variant's pool in a test run, or a room's servers.
        return create_engine(url, pool_size=5, max_overflow=15)
    engine = create_engine(url, connect_args={"timeout": 30})
    event.listen(engine, "connect", _configure_sqlite)
    # Every transaction begins IMMEDIATE. Set as the dialect's way to begin, which SQLAlchemy
    # calls at each begin, not as a "begin" listener: any listener on the engine makes it
    # dispatch events around every statement (a seventh of a request's Python calls).
    engine.dialect.do_begin = _begin_immediately  # type: ignore[method-assign]
    return engine


def _configure_sqlite(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # Let each transaction issue BEGIN itself (pysqlite would defer it).
    dbapi_connection.isolation_level = None
    _use_write_ahead_log(dbapi_connection)
    dbapi_connection.execute("PRAGMA foreign_keys=ON")


def _use_write_ahead_log(dbapi_connection: sqlite3.Connection) -> None:
    """WAL lets readers run beside the writer; the file keeps the mode once set.

    Connections that open a new file together may each see the other switching it and be
    refused at once ("database is locked": SQLite reports the deadlock without waiting for
    the busy timeout), so the switch is tried again after a short, growing pause.
    """
    for attempt in range(1, _WAL_ATTEMPTS + 1):
        try:
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == _WAL_ATTEMPTS:
                raise
            time.sleep(0.005 * attempt)


def _begin_immediately(dbapi_connection: Any) -> None:
    # Take the write lock up front: concurrent writers then queue on the busy timeout
    # instead of deadlocking when both try to upgrade a read lock.
    dbapi_connection.execute("BEGIN IMMEDIATE")
