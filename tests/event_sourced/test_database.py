"""The database's start-up, where servers that start at once meet: a new SQLite file's switch
to WAL, tried again while another connection is switching it, and the schema made once on
PostgreSQL, one server at a time (``eventstore/database.py``)."""

from __future__ import annotations

import sqlite3
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from kata.event_sourced.eventstore import database
from kata.event_sourced.eventstore.database import Database
from tests.backends import LOCK_NOT_AVAILABLE, fresh_postgres_or_skip

TRIES = 10  # database._WAL_ATTEMPTS


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
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pauses between tries, recorded instead of waited."""
    taken: list[float] = []
    monkeypatch.setattr(database, "time", SimpleNamespace(sleep=taken.append))
    return taken


def _switch(connection: NewFile) -> None:
    database._use_write_ahead_log(connection)  # type: ignore[arg-type]


def test_a_switch_to_wal_refused_as_locked_is_tried_again_after_a_pause(
    pauses: list[float],
) -> None:
    connection = NewFile(refusals=TRIES - 1)

    _switch(connection)

    assert connection.tries == TRIES
    assert len(pauses) == TRIES - 1
    assert all(pause > 0 for pause in pauses)


def test_a_switch_to_wal_still_locked_at_the_last_try_fails_the_start(
    pauses: list[float],
) -> None:
    connection = NewFile(refusals=TRIES + 5)

    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        _switch(connection)

    assert connection.tries == TRIES


def test_a_switch_to_wal_refused_for_another_reason_fails_the_start_at_once(
    pauses: list[float],
) -> None:
    connection = NewFile(refusals=1, error="disk I/O error")

    with pytest.raises(sqlite3.OperationalError, match="disk I/O error"):
        _switch(connection)

    assert (connection.tries, pauses) == (1, [])


def test_on_postgresql_the_schema_is_made_by_one_server_at_a_time() -> None:
    """Servers that start at once make the schema once: each takes the schema lock first, so
    one that comes while another holds it waits (here, told to wait at most 10 ms for a
    lock, it gives up) instead of making the same tables beside it."""
    with fresh_postgres_or_skip() as url:
        rival = create_engine(url)
        schema_lock = select(func.pg_advisory_xact_lock(database._SCHEMA_LOCK))
        impatient_url = make_url(url)
        options = f"{impatient_url.query.get('options', '')} -clock_timeout=10".strip()
        impatient = Database(
            impatient_url.update_query_dict({"options": options}).render_as_string(
                hide_password=False
            )
        )
        try:
            with rival.begin() as making_the_schema:
                making_the_schema.execute(schema_lock)
                with pytest.raises(OperationalError) as waited:
                    impatient.create_schema()
            assert getattr(waited.value.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE
            impatient.create_schema()  # the lock released, it makes the schema
        finally:
            impatient.close()
            rival.dispose()
