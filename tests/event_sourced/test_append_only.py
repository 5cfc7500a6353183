"""The watch that keeps event_sourced's log append-only (``append_only.py``) tells a rewrite
of the log from every other statement, sees the variant's engines and only them.

The claim itself is checked where the variant does its work: every case of the shared
acceptance suite run on event_sourced in process fails if, during it, the variant sent an
``UPDATE``, ``DELETE`` (or another rewrite) of ``es_events``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, delete, update

from kata.event_sourced.eventstore.database import Database
from kata.event_sourced.eventstore.tables import events
from tests.backends import backends, fresh_database, snapshot
from tests.event_sourced.append_only import LogWatch, rewrites_the_log

REWRITES = [
    "UPDATE es_events SET type=? WHERE es_events.position = ?",
    'update "es_events" set data = %(data)s',
    "DELETE FROM es_events WHERE es_events.stream = %(stream)s",
    'DELETE FROM "kata_test_1a2b".es_events',
    "TRUNCATE TABLE es_events",
    "DROP TABLE es_events",
    "INSERT OR REPLACE INTO es_events (position, stream) VALUES (?, ?)",
    "INSERT INTO es_events (position) VALUES (%(p)s) ON CONFLICT (position) DO UPDATE SET x = 1",
    "WITH gone AS (SELECT 1) UPDATE es_events SET type = 'X'",
]
APPENDS_AND_OTHERS = [
    "INSERT INTO es_events (position, stream, version, type, occurred_at, data) VALUES (?, ?, ?)",
    "SELECT es_events.stream, es_events.type FROM es_events WHERE es_events.stream IN (?)",
    "UPDATE es_positions SET last=(es_positions.last + ?) WHERE es_positions.id = ? RETURNING last",
    "UPDATE es_product_view SET stock=(es_product_view.stock + ?) WHERE es_product_view.sku = ?",
    "DELETE FROM es_events_archive",
    "CREATE TABLE es_events (position BIGINT NOT NULL)",
    "INSERT INTO es_events (position) VALUES (1) ON CONFLICT DO NOTHING",
]


@pytest.mark.parametrize("statement", REWRITES)
def test_a_rewrite_of_the_log_is_told_apart(statement: str) -> None:
    assert rewrites_the_log(statement)


@pytest.mark.parametrize("statement", APPENDS_AND_OTHERS)
def test_appending_reading_and_the_other_tables_are_not_rewrites(statement: str) -> None:
    assert not rewrites_the_log(statement)


@pytest.fixture(params=backends())
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_database(request.param, tmp_path) as url:
        yield url


def test_the_watch_sees_an_update_and_a_delete_through_an_engine_the_variant_makes(
    log_watch: LogWatch, url: str
) -> None:
    before = len(log_watch.rewrites)
    database = Database(url)
    try:
        database.create_schema()
        with database.engine.begin() as connection:
            connection.execute(update(events).values(type="Planted"))
            connection.execute(delete(events))
    finally:
        database.close()

    planted = log_watch.rewrites[before:]
    assert [statement.split()[0] for statement in planted] == ["UPDATE", "DELETE"]
    assert database.engine in log_watch.engines


def test_the_harness_putting_the_database_back_is_not_watched(
    log_watch: LogWatch, url: str
) -> None:
    database = Database(url)
    database.create_schema()
    saved = snapshot(url)
    before = len(log_watch.rewrites)
    try:
        saved.restore()  # on PostgreSQL: DELETE FROM es_events, on an engine of its own
        other = create_engine(url)
        with other.begin() as connection:
            connection.execute(delete(events))
        other.dispose()
    finally:
        saved.close()
        database.close()

    assert log_watch.rewrites[before:] == []
    assert other not in log_watch.engines


def test_the_watch_keeps_each_rewrite_as_it_was_sent() -> None:
    watch = LogWatch()
    engine = create_engine("sqlite://")
    watch.watch(engine)
    with engine.begin() as connection:
        events.create(connection)
        connection.execute(update(events).values(type="Planted"))

    assert watch.rewrites == ["UPDATE es_events SET type=?"]
