"""The SQL unit of work: one transaction on the ordering service's own database."""

from __future__ import annotations

from sqlalchemy import Connection, RootTransaction, insert, select
from sqlalchemy.exc import DBAPIError

from kata.microservices.chassis.database import Database, lost_a_race
from kata.microservices.ordering.adapters.sql import outbox
from kata.microservices.ordering.adapters.sql.idempotency_keys import SqlIdempotencyKeys
from kata.microservices.ordering.adapters.sql.orders import SqlOrders, SqlSagaLog
from kata.microservices.ordering.adapters.sql.tables import event_counter, metadata
from kata.microservices.ordering.adapters.sql.withdrawals import SqlWithdrawals
from kata.microservices.ordering.application.ports import Conflict, EventRecord


def ordering_database(url: str) -> Database:
    database = Database(url, metadata)
    database.create_schema(seed=_seed_counter)
    return database


def _seed_counter(connection: Connection) -> None:
    if connection.scalar(select(event_counter.c.id)) is None:
        connection.execute(insert(event_counter).values(id=1, last_seq=0))


class SqlUnitOfWork:
    orders: SqlOrders
    sagas: SqlSagaLog
    idempotency_keys: SqlIdempotencyKeys
    withdrawals: SqlWithdrawals

    def __init__(self, database: Database) -> None:
        self._database = database

    def __enter__(self) -> SqlUnitOfWork:
        self._connection: Connection = self._database.engine.connect()
        try:
            self._transaction: RootTransaction = self._connection.begin()
        except DBAPIError as error:
            self._connection.close()
            raise (Conflict(str(error.orig)) if lost_a_race(error) else error) from error
        self.orders = SqlOrders(self._connection)
        self.sagas = SqlSagaLog(self._connection)
        self.idempotency_keys = SqlIdempotencyKeys(self._connection)
        self.withdrawals = SqlWithdrawals(self._connection)
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
        try:
            self._transaction.commit()
        except DBAPIError as error:
            if lost_a_race(error):
                raise Conflict(str(error.orig)) from error
            raise
