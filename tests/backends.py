"""Databases for tests: a fresh SQLite file, or a fresh schema on a PostgreSQL server, and
snapshots that put one back to an earlier state.

PostgreSQL tests run when ``KATA_TEST_POSTGRES_URL`` names a server (``.ci/run`` sets it);
elsewhere only SQLite runs.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import tempfile
from collections.abc import Callable, Hashable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pytest
from sqlalchemy import ColumnElement, Engine, MetaData, create_engine, delete, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.sql.dml import UpdateBase

from kata import variants

if TYPE_CHECKING:
    from flask import Flask

POSTGRES_ENV = "KATA_TEST_POSTGRES_URL"
FAST_FOLDER = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None  # memory-backed files


def backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get(POSTGRES_ENV) else ["sqlite"]


@contextmanager
def fresh_database(backend: str, folder: Path) -> Iterator[str]:
    """Yield the URL of an empty database that is dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'kata.sqlite3'}"
        return
    with fresh_postgres_schema(os.environ[POSTGRES_ENV]) as url:
        yield url


@contextmanager
def fresh_postgres_or_skip() -> Iterator[str]:
    """A fresh PostgreSQL schema's URL, for a test that means something only there (rivals
    that interleave, row locks); the test is skipped where no server is configured."""
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        pytest.skip(f"PostgreSQL only: set {POSTGRES_ENV}")
    with fresh_postgres_schema(server) as url:
        yield url


@contextmanager
def fresh_postgres_schema(server_url: str) -> Iterator[str]:
    # A schema per test is as isolated as a database per test, and far cheaper to make.
    schema = f"kata_test_{secrets.token_hex(6)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        # Commits without waiting for the WAL to reach the disk: a test database never
        # outlives a crash of its server, and nothing a test sees changes (each commit is
        # visible to every other connection at once, as before; a killed *client* loses
        # nothing). Each commit used to wait for a disk flush: half a PostgreSQL case's time.
        options = f"-csynchronous_commit=off -csearch_path={schema}"
        url = make_url(server_url).update_query_dict({"options": options})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


# --- row locks seen from another connection ---------------------------------------------------

LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for a NOWAIT lock that is held


def lock_row_now(engine: Engine, key: ColumnElement[Any], value: object) -> None:
    """Lock the row where ``key == value`` from a connection of its own, asking not to wait:
    raises ``OperationalError`` (SQLSTATE ``LOCK_NOT_AVAILABLE``) while another transaction
    holds it (``SELECT … FOR UPDATE NOWAIT``; PostgreSQL only)."""
    with engine.connect() as rival:
        rival.execute(select(key).where(key == value).with_for_update(nowait=True))


# --- a database put back to how it was: one app per variant serves many test cases ----------


class Snapshot(Protocol):
    """A database's content at one moment, to put back later (the schema stays as it is)."""

    def restore(self) -> None: ...

    def close(self) -> None: ...


def snapshot(url: str) -> Snapshot:
    """What the database at ``url`` holds now (an app's schema and seed rows, just made)."""
    if url.startswith("sqlite"):
        return _SqliteSnapshot(make_url(url).database or "")
    return _PostgresSnapshot(url)


class _SqliteSnapshot:
    """A page-for-page copy in memory, written back with SQLite's online backup.

    Restoring rewrites the whole file in one step, counters and sequences included, while the
    app's pooled connections stay open: they see the restored file at their next statement.
    """

    def __init__(self, path: str) -> None:
        self._file = sqlite3.connect(path, isolation_level=None)
        self._copy = sqlite3.connect(":memory:")
        self._file.backup(self._copy)

    def restore(self) -> None:
        self._copy.backup(self._file)

    def close(self) -> None:
        self._copy.close()
        self._file.close()


class _PostgresSnapshot:
    """The rows of every table of the schema, put back by deleting what is there and
    inserting them again (a few seed rows: far cheaper than a new schema), in one script sent
    in one round trip: a statement each would cost a case more than most of its requests.

    Sequences are not reset: ids and seqs go on from where they were, as on a server that
    already holds data (the spec allows gaps in ``seq``).
    """

    def __init__(self, url: str) -> None:
        self._engine = create_engine(url, pool_size=1, max_overflow=0)  # one, kept open
        tables = MetaData()
        tables.reflect(self._engine)
        in_order = tables.sorted_tables  # parents before children
        with self._engine.connect() as connection:
            rows = {table: connection.execute(select(table)).mappings().all() for table in in_order}
        statements: list[UpdateBase] = [delete(table) for table in reversed(in_order)]
        statements += [insert(table).values(row) for table in in_order for row in rows[table]]
        dialect = self._engine.dialect
        self._script = ";\n".join(
            str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
            for statement in statements
        )

    def restore(self) -> None:
        with self._engine.begin() as connection:
            connection.exec_driver_sql(self._script)

    def close(self) -> None:
        self._engine.dispose()


# --- apps started once, each handed out on its database as it was right after start ----------


class RestoredApps:
    """Flask apps started on first use (under a key), each later use handed its app on a
    database put back to its state right after start: schema and seed rows, nothing an
    earlier use made. Tests stay independent and only the first pays the start-up (building
    the app, making the schema: ~10 ms for one variant). Closed with ``resources``.

    SQLite files go to a folder in memory where the machine has one (/dev/shm): a commit
    there costs no disk flush.
    """

    def __init__(self, resources: ExitStack) -> None:
        self._resources = resources
        self._folder = Path(resources.enter_context(tempfile.TemporaryDirectory(dir=FAST_FOLDER)))
        self._started: dict[Hashable, tuple[Flask, Snapshot]] = {}

    def fresh(self, key: Hashable, start: Callable[[str], Flask], backend: str = "sqlite") -> Flask:
        """The app started under ``key`` by ``start(database_url)``, on a restored database."""
        if key in self._started:
            app, saved = self._started[key]
            saved.restore()
            return app
        folder = self._folder / str(len(self._started))
        folder.mkdir()
        url = self._resources.enter_context(fresh_database(backend, folder))
        app = start(url)
        self._resources.callback(variants.close_app, app)
        saved = snapshot(url)
        self._resources.callback(saved.close)
        self._started[key] = (app, saved)
        return app
