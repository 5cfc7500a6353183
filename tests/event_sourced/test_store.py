"""The event store (``SqlEventStore``) on each configured database: streams read back in
order, positions in commit order, and optimistic concurrency per stream.

Two transactions that read a stream at the same version and both append: the first to
commit wins, the second is refused with ``Conflict`` and nothing of it is written, not even
its events on other streams, nor the read models' changes. On PostgreSQL the two overlap.
SQLite runs one writer at a time (``BEGIN IMMEDIATE``), so there the rival read the stream
in a transaction that ended before the winner's began, and appends in a new one expecting
what it read: the same stale version, refused the same way.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy import Connection, event, select
from sqlalchemy.exc import DBAPIError

from kata.event_sourced.application import unit
from kata.event_sourced.application.errors import ConcurrentModification
from kata.event_sourced.application.ports import Conflict, EventStore, Recorded
from kata.event_sourced.application.streams import SNAPSHOT_EVERY, Streams
from kata.event_sourced.domain.events import (
    DomainEvent,
    IdempotencyKeyBound,
    OrderPaid,
    OrderPlaced,
    ProductRenamed,
    ProductRepriced,
    ProductRestocked,
    StockReleased,
    StockReserved,
    idempotency_stream,
    order_stream,
    product_stream,
)
from kata.event_sourced.domain.product import Product
from kata.event_sourced.domain.values import Quantity, Sku
from kata.event_sourced.eventstore import codec
from kata.event_sourced.eventstore.database import Database, lost_a_race
from kata.event_sourced.eventstore.store import SqlEventStore, _reading_since_snapshot
from kata.event_sourced.eventstore.tables import events, positions, snapshots
from kata.event_sourced.projections import tables
from kata.event_sourced.projections.projector import project
from kata.event_sourced.projections.queries import Queries, open_orders
from tests.backends import backends, fresh_database, fresh_postgres_or_skip
from tests.event_sourced.builders import CUSTOMER, NOW, ORDER_ID, line, money, registered

A, B = product_stream("SKU-A"), product_stream("SKU-B")
RENAMED = ProductRenamed("SKU-A", "Renamed by the winner")
REPRICED = ProductRepriced("SKU-A", money("99.00"))
RESTOCKED = ProductRestocked("SKU-B", 5)
ORDER = order_stream(ORDER_ID)
PLACED = OrderPlaced(ORDER_ID, CUSTOMER, (line("SKU-A", 2, "10.00"),), money("20.00"), NOW)


def _open(url: str) -> Database:
    database = Database(url)
    database.create_schema(tables.metadata)
    return database


@pytest.fixture(params=backends())
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """Products SKU-A and SKU-B registered (each stream at version 1)."""
    with fresh_database(request.param, tmp_path) as url:
        database = _open(url)
        _commit(database, (A, 0, [registered("SKU-A")]), (B, 0, [registered("SKU-B", stock=7)]))
        yield database
        database.close()


def _store(database: Database) -> SqlEventStore:
    return SqlEventStore(database, project=project, open_orders=open_orders)


def _commit(database: Database, *appends: tuple[str, int, list[DomainEvent]]) -> None:
    with _store(database) as store:
        for stream, expected, new in appends:
            store.append(stream, expected, new)
        store.commit()


def _streams(database: Database) -> dict[str, list[DomainEvent]]:
    with _store(database) as store:
        return store.read([A, B])


def _log(database: Database) -> list[tuple[int, str, int, str]]:
    with database.engine.connect() as connection:
        rows = connection.execute(
            select(events.c.position, events.c.stream, events.c.version, events.c.type).order_by(
                events.c.position
            )
        )
        return [tuple(row) for row in rows]


def _only_the_winner_is_written(database: Database) -> None:
    assert _streams(database) == {
        A: [registered("SKU-A"), RENAMED],
        B: [registered("SKU-B", stock=7)],
    }
    assert _log(database) == [
        (1, A, 1, "ProductRegistered"),
        (2, B, 1, "ProductRegistered"),
        (3, A, 2, "ProductRenamed"),
    ]
    with database.engine.connect() as connection:  # the loser's positions were not taken
        assert connection.scalar(select(positions.c.last)) == 3
    queries = Queries(database.engine)  # nor did its events reach the read side
    product_a, product_b = queries.product("SKU-A"), queries.product("SKU-B")
    assert product_a is not None
    assert product_b is not None
    assert (product_a.name, product_a.price, product_b.stock) == (RENAMED.name, money("10.00"), 7)


def test_streams_read_back_in_version_order_at_positions_in_commit_order(
    database: Database,
) -> None:
    _commit(database, (B, 1, [RESTOCKED, RESTOCKED]), (A, 1, [RENAMED]))

    assert _streams(database) == {
        A: [registered("SKU-A"), RENAMED],
        B: [registered("SKU-B", stock=7), RESTOCKED, RESTOCKED],
    }
    assert [row[1:3] for row in _log(database)] == [(A, 1), (B, 1), (B, 2), (B, 3), (A, 2)]


def test_the_stock_moves_of_one_product_in_one_commit_add_up_in_its_view(
    database: Database,
) -> None:
    """P3/O3/O8: the projector sums a commit's moves per product before writing them: a reserve
    and its release cancel out, two restocks both count."""
    moves: list[DomainEvent] = [
        StockReserved("SKU-A", ORDER_ID, 2),
        StockReleased("SKU-A", ORDER_ID, 2),
    ]

    _commit(database, (A, 1, moves), (B, 1, [RESTOCKED, RESTOCKED]))

    queries = Queries(database.engine)
    product_a, product_b = queries.product("SKU-A"), queries.product("SKU-B")
    assert product_a is not None
    assert product_b is not None
    assert (product_a.stock, product_b.stock) == (100, 7 + 2 * RESTOCKED.quantity)


def test_a_stream_with_no_events_is_left_out(database: Database) -> None:
    with _store(database) as store:
        assert store.read([product_stream("SKU-Z")]) == {}


def test_an_append_expecting_a_version_the_stream_has_passed_is_refused_whole(
    database: Database,
) -> None:
    with _store(database) as rival:
        seen = len(rival.read([A])[A])  # the rival reads SKU-A at version 1 ...
    _commit(database, (A, seen, [RENAMED]))  # ... and the winner appends first

    with pytest.raises(Conflict):  # SKU-B's restock too: nobody else touched its stream
        _commit(database, (A, seen, [REPRICED]), (B, 1, [RESTOCKED]))

    _only_the_winner_is_written(database)


def _store_handing_over(database: Database, handed: list[Recorded]) -> SqlEventStore:
    """A store whose projections also keep what each commit hands them."""

    def project_and_keep(connection: Connection, recorded: Sequence[Recorded]) -> None:
        handed.extend(recorded)
        project(connection, recorded)

    return SqlEventStore(database, project=project_and_keep, open_orders=open_orders)


def test_a_commit_hands_the_projections_each_event_as_the_log_records_it(
    database: Database,
) -> None:
    """Each new event with its position, stream, version and time: the ``Recorded`` its row
    reads back as (what rebuilding the projections replays)."""
    handed: list[Recorded] = []
    reserved = StockReserved("SKU-A", ORDER_ID, 2)

    with _store_handing_over(database, handed) as store:
        store.append(ORDER, 0, [PLACED])
        store.append(A, 1, [reserved])
        store.commit()
    with database.engine.connect() as connection:
        query = select(events).where(events.c.position > 2).order_by(events.c.position)
        rows = connection.execute(query).all()

    assert [(one.position, one.stream, one.version, one.event) for one in handed] == [
        (3, ORDER, 1, PLACED),
        (4, A, 2, reserved),
    ]
    assert handed[0].occurred_at == NOW  # OrderPlaced records its own time; others the commit's
    assert [codec.recorded(row) for row in rows] == handed


def test_an_order_read_back_from_its_stream_is_the_one_placed(database: Database) -> None:
    """OrderPlaced comes back with the time it records: the order's created_at."""
    _commit(database, (ORDER, 0, [PLACED]))

    with _store(database) as store:
        stream = store.read([ORDER])
        order = Streams(store).order(ORDER_ID)

    assert stream == {ORDER: [PLACED]}
    assert order is not None
    assert (order.id, order.customer_id, order.created_at) == (ORDER_ID, CUSTOMER, NOW)


def test_a_customers_unpaid_orders_are_counted_from_none(database: Database) -> None:
    """O6: none before the first order, one once it is placed, none again once it is paid."""

    def counted() -> int:
        with _store(database) as store:
            return store.open_orders(CUSTOMER)

    assert counted() == 0
    _commit(database, (ORDER, 0, [PLACED]))
    assert counted() == 1
    _commit(database, (ORDER, 1, [OrderPaid(ORDER_ID, "payment-1", money("20.00"))]))
    assert counted() == 0


def _bind(store: SqlEventStore, key: str, request: str, order_id: str) -> None:
    with store:
        streams = Streams(store)
        streams.bind(key, request, order_id)
        streams.save()


def test_a_key_is_bound_by_the_first_event_of_its_own_stream(database: Database) -> None:
    """O12: one IdempotencyKeyBound naming the key, the request and the order, at version 1
    of the key's stream; a rival binding the same key loses."""
    handed: list[Recorded] = []
    request = '{"customer_id":"c1"}'

    _bind(_store_handing_over(database, handed), "key-1", request, ORDER_ID)
    with pytest.raises(Conflict):
        _bind(_store(database), "key-1", request, "another-order")

    bound = IdempotencyKeyBound("key-1", request, ORDER_ID)
    assert [(one.stream, one.version, one.event) for one in handed] == [
        (idempotency_stream("key-1"), 1, bound)
    ]
    with _store(database) as store:
        assert Streams(store).binding("key-1") == bound


def _read_then_lose_to_a_rival(database: Database) -> None:
    """Read SKU-A; a rival reads it too, appends and commits; then append and commit."""
    with _store(database) as loser:
        seen = len(loser.read([A])[A])
        with _store(database) as winner:
            assert len(winner.read([A])[A]) == seen == 1  # both read version 1
            winner.append(A, seen, [RENAMED])
            winner.commit()
        loser.append(A, seen, [REPRICED])
        loser.append(B, 1, [RESTOCKED])
        loser.commit()


def test_of_two_overlapping_transactions_at_one_version_the_second_to_commit_is_refused() -> None:
    with fresh_postgres_or_skip() as url:
        database = _open(url)
        try:
            _commit(database, (A, 0, [registered("SKU-A")]), (B, 0, [registered("SKU-B", stock=7)]))

            with pytest.raises(Conflict):
                _read_then_lose_to_a_rival(database)

            _only_the_winner_is_written(database)
        finally:
            database.close()


def _restock_one_at_a_time(database: Database, times: int, sku: str = "SKU-A") -> None:
    """Product ``sku`` restocked by one unit, ``times`` times, each in its own transaction."""
    for _ in range(times):
        with _store(database) as store:
            streams = Streams(store)
            streams.products([Sku(sku)])[Sku(sku)].restock(Quantity(1))
            streams.save()


def _snapshot_versions(database: Database, stream: str = A) -> list[int]:
    with database.engine.connect() as connection:
        query = select(snapshots.c.version).where(snapshots.c.stream == stream)
        return list(connection.scalars(query.order_by(snapshots.c.version)))


def test_a_product_loads_from_its_latest_snapshot_and_the_events_after_it(
    database: Database,
) -> None:
    _restock_one_at_a_time(database, 2 * SNAPSHOT_EVERY + 2)  # the stream: 2 * EVERY + 3

    with _store(database) as store:
        since = store.read_since_snapshot([A, B])
        whole = Product.replay(store.read([A])[A])  # type: ignore[arg-type]
        loaded = Streams(store).products([Sku("SKU-A"), Sku("SKU-B")])

    assert _snapshot_versions(database) == [SNAPSHOT_EVERY, 2 * SNAPSHOT_EVERY]
    assert (since[A].version, len(since[A].events)) == (2 * SNAPSHOT_EVERY, 3)
    assert (since[B].snapshot, since[B].version, since[B].events) == (
        None,
        0,
        [registered("SKU-B", stock=7)],
    )
    assert vars(loaded[Sku("SKU-A")]) == vars(whole)
    assert loaded[Sku("SKU-A")].stock == 100 + 2 * SNAPSHOT_EVERY + 2


def test_each_product_loads_from_the_latest_snapshot_of_its_own_stream(
    database: Database,
) -> None:
    """Two streams with snapshots at different versions: each loads from its own latest one
    (SKU-A's at 2 * EVERY, SKU-B's at EVERY), not from the latest of any stream."""
    _restock_one_at_a_time(database, 2 * SNAPSHOT_EVERY + 1)  # A: 2 * EVERY + 2 events
    _restock_one_at_a_time(database, SNAPSHOT_EVERY, sku="SKU-B")  # B: EVERY + 1 events

    with _store(database) as store:
        since = store.read_since_snapshot([A, B])
        loaded = Streams(store).products([Sku("SKU-A"), Sku("SKU-B")])
    with database.engine.connect() as connection:  # the statement, built now (see below)
        rows = connection.execute(_reading_since_snapshot(), {"streams": [A, B]}).all()

    assert (_snapshot_versions(database, A), _snapshot_versions(database, B)) == (
        [SNAPSHOT_EVERY, 2 * SNAPSHOT_EVERY],
        [SNAPSHOT_EVERY],
    )
    # Its rows: each stream's latest snapshot (no occurred_at), then the events after it.
    # Built at import, the statement keeps its original code in a mutation run's workers;
    # built here, it is the code under test.
    assert [(row.stream, row.version, row.occurred_at is None) for row in rows] == [
        (A, 2 * SNAPSHOT_EVERY, True),
        (A, 2 * SNAPSHOT_EVERY + 1, False),
        (A, 2 * SNAPSHOT_EVERY + 2, False),
        (B, SNAPSHOT_EVERY, True),
        (B, SNAPSHOT_EVERY + 1, False),
    ]
    assert {stream: (s.version, len(s.events)) for stream, s in since.items()} == {
        A: (2 * SNAPSHOT_EVERY, 2),
        B: (SNAPSHOT_EVERY, 1),
    }
    assert (loaded[Sku("SKU-A")].stock, loaded[Sku("SKU-B")].stock) == (
        100 + 2 * SNAPSHOT_EVERY + 1,
        7 + SNAPSHOT_EVERY,
    )


def test_a_snapshot_with_no_event_after_it_is_the_product(database: Database) -> None:
    _restock_one_at_a_time(database, SNAPSHOT_EVERY - 1)

    with _store(database) as store:
        since = store.read_since_snapshot([A])
        product = Streams(store).products([Sku("SKU-A")])[Sku("SKU-A")]

    assert (since[A].version, since[A].events) == (SNAPSHOT_EVERY, [])
    assert (product.version, product.stock) == (SNAPSHOT_EVERY, 100 + SNAPSHOT_EVERY - 1)


def test_on_sqlite_the_events_after_a_snapshot_are_found_by_key_not_by_reading_the_stream(
    tmp_path: Path,
) -> None:
    """A snapshot saves the replay and the reading: SQLite's plan looks up the events after
    it by (stream, version), rather than reading the stream from its first event."""
    database = _open(f"sqlite:///{tmp_path / 'kata.sqlite3'}")
    statement = _reading_since_snapshot().params(streams=[A, B])
    sql = str(statement.compile(database.engine, compile_kwargs={"render_postcompile": True}))
    try:
        with database.engine.connect() as connection:
            explained = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", (A, B, A, B))
            plan = [str(row[-1]) for row in explained]
    finally:
        database.close()

    searches = [step for step in plan if "es_events" in step]
    assert any("(stream=? AND version>?)" in step for step in searches), plan


def _save_with_a_snapshot(database: Database, product: Product) -> None:
    with _store(database) as store:
        store.append(A, product.loaded_version, product.take_pending())
        store.keep_snapshot(A, product.version, product.snapshot())
        store.commit()


def test_a_refused_append_leaves_no_snapshot(database: Database) -> None:
    _restock_one_at_a_time(database, SNAPSHOT_EVERY - 2)  # A at version EVERY - 1
    with _store(database) as store:
        rival = Streams(store).products([Sku("SKU-A")])[Sku("SKU-A")]
    _restock_one_at_a_time(database, 1)  # the winner: A at EVERY, and its snapshot

    rival.restock(Quantity(50))
    with pytest.raises(Conflict):
        _save_with_a_snapshot(database, rival)

    with _store(database) as store:
        product = Streams(store).products([Sku("SKU-A")])[Sku("SKU-A")]
    assert _snapshot_versions(database) == [SNAPSHOT_EVERY]
    assert product.stock == 100 + SNAPSHOT_EVERY - 1


# --- what counts as a lost race, and what @command does with one --------------------------------


def test_a_database_error_that_is_no_lost_race_comes_out_as_it_is(database: Database) -> None:
    """Only a lost race (a rival's commit took the key or the lock first) is a ``Conflict``
    that ``@command`` runs again; any other error of the database is no race and comes out
    unchanged (an internal error, not a retry that ends in 409 concurrent-modification)."""
    with database.engine.begin() as connection:  # the read side is gone: projecting fails
        tables.metadata.drop_all(connection)

    with pytest.raises(DBAPIError) as failed:
        _commit(database, (B, 1, [RESTOCKED]))

    assert not lost_a_race(failed.value)


def test_on_sqlite_a_unit_of_work_holds_the_write_lock_from_its_start(tmp_path: Path) -> None:
    """SQLite runs one writer at a time from BEGIN on (``BEGIN IMMEDIATE``), not from the
    first write: what a unit of work reads (a product's stock, a customer's unpaid orders
    for O6, which no stream version guards) cannot change under it before it commits."""
    path = tmp_path / "kata.sqlite3"
    database = _open(f"sqlite:///{path}")
    rival = sqlite3.connect(path, timeout=0, isolation_level=None)  # asks not to wait
    try:
        with _store(database) as store:
            store.read([A])
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                rival.execute("BEGIN IMMEDIATE")
        rival.execute("BEGIN IMMEDIATE")  # and once it is over, the rival gets in
        rival.execute("ROLLBACK")
    finally:
        rival.close()
        database.close()


def _no_busy_wait(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    dbapi_connection.execute("PRAGMA busy_timeout = 0")


def test_on_sqlite_a_unit_of_work_kept_from_beginning_by_a_writer_lost_a_race(
    tmp_path: Path,
) -> None:
    """A rival that holds the write lock past the busy timeout (here 0 s instead of 30) keeps
    a unit of work from beginning: a lost race (``Conflict``, run again by ``@command``)."""
    path = tmp_path / "kata.sqlite3"
    database = Database(f"sqlite:///{path}")
    event.listen(database.engine, "connect", _no_busy_wait)
    database.create_schema(tables.metadata)
    rival = sqlite3.connect(path, isolation_level=None)
    try:
        rival.execute("BEGIN IMMEDIATE")
        with pytest.raises(Conflict, match="database is locked"), _store(database):
            pass
    finally:
        rival.close()
        database.close()


def test_a_unit_of_work_that_cannot_begin_for_another_reason_raises_that_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a lost race is run again: a BEGIN that fails otherwise (here a disk I/O error)
    reaches the caller as it is (answered 500, with no internals), not as a ``Conflict``."""
    database = Database(f"sqlite:///{tmp_path / 'kata.sqlite3'}")
    database.create_schema(tables.metadata)

    def failing_begin(dbapi_connection: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(database.engine.dialect, "do_begin", failing_begin)
    try:
        with pytest.raises(DBAPIError, match="disk I/O error") as raised, _store(database):
            pass
        assert not isinstance(raised.value, Conflict)
    finally:
        database.close()


def test_a_command_that_loses_every_race_gives_up_with_a_concurrent_modification(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Spec section 6: a run that lost a race runs again, at most ``ATTEMPTS`` runs in all;
    then the command is refused with 409 ``concurrent-modification``, whose problem detail
    is a string like every problem's."""
    monkeypatch.setattr(unit, "FIRST_PAUSE_SECONDS", 0.0)  # no pause: the races are staged
    runs: list[Streams] = []

    @unit.command
    def always_overtaken(streams: Streams) -> None:
        runs.append(streams)
        raise Conflict("a rival appended first")

    with pytest.raises(ConcurrentModification) as refused:
        always_overtaken(lambda: cast("EventStore", nullcontext()))  # it never gets to use one

    assert len(runs) == unit.ATTEMPTS
    assert refused.value.code == "concurrent-modification"
    assert isinstance(refused.value.detail, str)
    assert refused.value.detail
    assert str(refused.value) == refused.value.detail  # the exception's own text (a log's)
