"""Each variant's database module, where servers that start at once and transactions that
race meet: a new SQLite file's switch to WAL, tried again while another connection is
switching it; the schema made once on PostgreSQL, one server at a time; every SQLite
transaction taking the write lock as it begins; and a lost race told from any other error,
so that it is run again instead of answered 500.

Every variant keeps this code in a module of its own (the variants share nothing); the same
cases run against each, as the shared suite does over HTTP. The shared suite cannot reach
these paths: its database is made once, by one app, before any case runs, and its races
rarely lose on SQLite, whose writers queue.
"""

from __future__ import annotations

import importlib
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import MetaData, create_engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from kata.aggregate.application import ports as aggregate_ports
from kata.aggregate.infrastructure import database as aggregate_database
from kata.aggregate.infrastructure.unit_of_work import SqlUnitOfWork as AggregateUnitOfWork
from kata.hexagonal.adapters.outbound.sqlalchemy import database as hexagonal_database
from kata.hexagonal.adapters.outbound.sqlalchemy.unit_of_work import (
    SqlUnitOfWork as HexagonalUnitOfWork,
)
from kata.hexagonal.application.ports import outbound as hexagonal_ports
from tests.backends import LOCK_NOT_AVAILABLE, fresh_postgres_or_skip

# Each variant's database module, and how it makes its schema from a URL (then closes).
MODULES = {
    "transaction_script": "kata.transaction_script.data.database",
    "domain_model": "kata.domain_model.persistence.database",
    "aggregate": "kata.aggregate.infrastructure.database",
    "hexagonal": "kata.hexagonal.adapters.outbound.sqlalchemy.database",
    "event_sourced": "kata.event_sourced.eventstore.database",
    "microservices": "kata.microservices.chassis.database",
}


@pytest.fixture(params=list(MODULES))
def database(request: pytest.FixtureRequest) -> ModuleType:
    """One variant's database module."""
    return importlib.import_module(MODULES[request.param])


def _make_schema(database: ModuleType) -> Callable[[str], None]:
    def make(url: str) -> None:
        made = (
            database.Database(url, MetaData())
            if database.__name__.startswith("kata.microservices")
            else database.Database(url)
        )
        try:
            made.create_schema()
        finally:
            made.close()

    return make


TRIES = 10  # each module's _WAL_ATTEMPTS


class NewFile:
    """A connection to a new SQLite file that other connections are switching to WAL: its
    own switch is refused ``refusals`` times ("database is locked"), then done."""

    def __init__(self, refusals: int, error: str = "database is locked") -> None:
        self.refusals = refusals
        self.error = error
        self.tries = 0

    def execute(self, sql: str) -> None:
        assert sql == "PRAGMA journal_mode=WAL"
        self.tries += 1
        if self.tries <= self.refusals:
            raise sqlite3.OperationalError(self.error)


@pytest.fixture
def pauses(database: ModuleType, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pauses between tries, recorded instead of waited."""
    taken: list[float] = []
    monkeypatch.setattr(database, "time", SimpleNamespace(sleep=taken.append))
    return taken


def test_a_switch_to_wal_refused_as_locked_is_tried_again_after_a_pause(
    database: ModuleType, pauses: list[float]
) -> None:
    connection = NewFile(refusals=TRIES - 1)

    database._use_write_ahead_log(connection)

    assert connection.tries == TRIES
    assert len(pauses) == TRIES - 1
    assert all(pause > 0 for pause in pauses)


def test_a_switch_to_wal_still_locked_at_the_last_try_fails_the_start(
    database: ModuleType, pauses: list[float]
) -> None:
    connection = NewFile(refusals=TRIES + 5)

    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        database._use_write_ahead_log(connection)

    assert connection.tries == TRIES


def test_a_switch_to_wal_refused_for_another_reason_fails_the_start_at_once(
    database: ModuleType, pauses: list[float]
) -> None:
    connection = NewFile(refusals=1, error="disk I/O error")

    with pytest.raises(sqlite3.OperationalError, match="disk I/O error"):
        database._use_write_ahead_log(connection)

    assert (connection.tries, pauses) == (1, [])


def test_on_postgresql_the_schema_is_made_by_one_server_at_a_time(database: ModuleType) -> None:
    """Servers that start at once make the schema once: each takes the schema lock first, so
    one that comes while another holds it waits (here, told to wait at most 10 ms for a
    lock, it gives up) instead of making the same tables beside it."""
    make_schema = _make_schema(database)
    with fresh_postgres_or_skip() as url:
        rival = create_engine(url)
        schema_lock = select(func.pg_advisory_xact_lock(database._SCHEMA_LOCK))
        impatient = make_url(url)
        options = f"{impatient.query.get('options', '')} -clock_timeout=10".strip()
        impatient_url = impatient.update_query_dict({"options": options})
        try:
            with rival.begin() as making_the_schema:
                making_the_schema.execute(schema_lock)
                with pytest.raises(OperationalError) as waited:
                    make_schema(impatient_url.render_as_string(hide_password=False))
            assert getattr(waited.value.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE
            make_schema(url)  # the lock released, it makes the schema
        finally:
            rival.dispose()


def _lost_a_race(database: ModuleType) -> Callable[[DBAPIError], bool]:
    found: Callable[[DBAPIError], bool] = getattr(database, "lost_a_race", None) or (
        database._is_conflict  # transaction_script's name for it
    )
    return found


class PostgresError(Exception):
    """What psycopg raises: an error with its SQLSTATE."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"SQLSTATE {sqlstate}")
        self.sqlstate = sqlstate


LOST_RACES = {
    "sqlite-locked": sqlite3.OperationalError("database is locked"),
    "sqlite-unique": sqlite3.IntegrityError("UNIQUE constraint failed: products.sku"),
    "postgresql-serialization": PostgresError("40001"),
    "postgresql-deadlock": PostgresError("40P01"),
    "postgresql-unique": PostgresError("23505"),
}
OTHER_ERRORS = {
    "sqlite-io": sqlite3.OperationalError("disk I/O error"),
    "sqlite-check": sqlite3.IntegrityError("CHECK constraint failed: stock >= 0"),
    "postgresql-undefined-table": PostgresError("42P01"),
}


@pytest.mark.parametrize("orig", LOST_RACES.values(), ids=list(LOST_RACES))
def test_an_error_of_a_transaction_that_lost_a_race_is_known_as_one(
    database: ModuleType, orig: Exception
) -> None:
    assert _lost_a_race(database)(DBAPIError("UPDATE", None, orig)) is True


@pytest.mark.parametrize("orig", OTHER_ERRORS.values(), ids=list(OTHER_ERRORS))
def test_any_other_database_error_is_not_taken_for_a_lost_race(
    database: ModuleType, orig: Exception
) -> None:
    assert _lost_a_race(database)(DBAPIError("UPDATE", None, orig)) is False


def test_on_sqlite_every_transaction_takes_the_write_lock_as_it_begins(
    database: ModuleType, tmp_path: Path
) -> None:
    """Writers queue on the lock instead of deadlocking when two read and then both try to
    write; and the file is in WAL mode, so readers run beside the writer."""
    path = tmp_path / "kata.sqlite3"
    engine = database._engine(f"sqlite:///{path}")
    rival = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        with engine.begin():  # nothing read or written yet
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                rival.execute("BEGIN IMMEDIATE")
            assert rival.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        rival.close()
        engine.dispose()


# The units of work that begin their transaction themselves on their variant's database: how
# each opens on it, and the refusal that tells its use case to run again. (event_sourced's
# store has this case in tests/event_sourced/test_store.py, microservices' unit of work in
# tests/microservices/test_sql_adapters.py.)
UNITS_OF_WORK: dict[str, tuple[ModuleType, Callable[[Any], Any], type[Exception]]] = {
    "aggregate": (aggregate_database, AggregateUnitOfWork, aggregate_ports.Conflict),
    "hexagonal": (
        hexagonal_database,
        lambda database: HexagonalUnitOfWork(database, lambda: datetime.now(UTC)),
        hexagonal_ports.Conflict,
    ),
}


def _no_busy_wait(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    dbapi_connection.execute("PRAGMA busy_timeout = 0")  # refused at once, not after 30 s


@pytest.mark.parametrize("variant", list(UNITS_OF_WORK))
def test_on_sqlite_a_unit_of_work_kept_from_the_write_lock_lost_a_race(
    variant: str, tmp_path: Path
) -> None:
    """A unit of work begins by taking SQLite's write lock (``BEGIN IMMEDIATE``). One that a
    rival transaction keeps waiting past the busy timeout lost a race: its ``__enter__``
    raises the variant's ``Conflict``, which the use case runs again, and gives its
    connection back to the pool."""
    module, unit_of_work, conflict = UNITS_OF_WORK[variant]
    path = tmp_path / "kata.sqlite3"
    database = module.Database(f"sqlite:///{path}")
    event.listen(database.engine, "connect", _no_busy_wait, insert=True)
    rival = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        database.create_schema()
        rival.execute("BEGIN IMMEDIATE")  # the rival holds the write lock

        with pytest.raises(conflict, match="database is locked"):
            unit_of_work(database).__enter__()

        assert database.engine.pool.checkedout() == 0
    finally:
        rival.close()
        database.close()


@pytest.mark.parametrize("variant", list(UNITS_OF_WORK))
def test_a_unit_of_work_whose_begin_fails_for_another_reason_raises_that_error(
    variant: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a lost race is run again: a ``BEGIN`` that fails otherwise (a disk error) is not
    a concurrent modification, and ``__enter__`` raises it as it is (a 500, not a 409 after
    eight runs of the same failure)."""
    module, unit_of_work, conflict = UNITS_OF_WORK[variant]
    database = module.Database(f"sqlite:///{tmp_path / 'kata.sqlite3'}")

    def disk_error(connection: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    try:
        database.create_schema()
        monkeypatch.setattr(database.engine.dialect, "do_begin", disk_error)

        with pytest.raises(OperationalError, match="disk I/O error") as failed:
            unit_of_work(database).__enter__()

        assert not isinstance(failed.value, conflict)
    finally:
        database.close()
