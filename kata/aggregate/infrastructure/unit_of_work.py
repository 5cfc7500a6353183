"""The SQL unit of work: one transaction; commit saves changed aggregates, then their events."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, RootTransaction
from sqlalchemy.exc import DBAPIError

from kata.aggregate.application.ports import Conflict, EventRecord
from kata.aggregate.infrastructure import outbox
from kata.aggregate.infrastructure.database import Database, lost_a_race
from kata.aggregate.infrastructure.idempotency_keys import SqlIdempotencyKeys
from kata.aggregate.infrastructure.repositories import SqlOrderRepository, SqlProductRepository


class SqlUnitOfWork:
    products: SqlProductRepository
    orders: SqlOrderRepository
    idempotency_keys: SqlIdempotencyKeys

    def __init__(self, database: Database) -> None:
        self._database = database

    def __enter__(self) -> SqlUnitOfWork:
        self._connection: Connection = self._database.engine.connect()
        try:
            self._transaction: RootTransaction = self._connection.begin()
        except DBAPIError as error:
            self._connection.close()
            raise _conflict_or(error) from error
        self.products = SqlProductRepository(self._connection)
        self.orders = SqlOrderRepository(self._connection)
        self.idempotency_keys = SqlIdempotencyKeys(self._connection)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._transaction.is_active:
            self._transaction.rollback()
        self._connection.close()
        error = exc_info[1]
        if isinstance(error, DBAPIError) and lost_a_race(error):
            raise Conflict(str(error.orig)) from error

    def events_after(self, seq: int, limit: int) -> list[EventRecord]:
        return outbox.after(self._connection, seq, limit)

    def commit(self) -> None:
        # Aggregates first (a stale one is refused here), the seq counter's lock last.
        self.products.save_changes()
        self.orders.save_changes()
        now = datetime.now(UTC)
        for order in self.orders.tracked:
            for event in order.take_events():
                outbox.append(self._connection, event, now)
        self._transaction.commit()


def _conflict_or(error: DBAPIError) -> Exception:
    return Conflict(str(error.orig)) if lost_a_race(error) else error
