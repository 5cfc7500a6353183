"""Withdrawals owed: the ids of catalogue writes answered 503 that inventory may have taken,
kept until recovery has withdrawn them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, insert, select

from kata.microservices.ordering.adapters.sql.tables import withdrawals


class SqlWithdrawals:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def owe(self, write: str, since: datetime) -> None:
        self._connection.execute(insert(withdrawals).values(write=write, since=since.isoformat()))

    def owed(self) -> list[str]:
        query = select(withdrawals.c.write).order_by(withdrawals.c.since, withdrawals.c.write)
        return list(self._connection.scalars(query))

    def settle(self, write: str) -> None:
        self._connection.execute(delete(withdrawals).where(withdrawals.c.write == write))
