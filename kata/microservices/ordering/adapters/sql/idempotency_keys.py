"""Idempotency keys (O12): each bound to its request and the first answer, as stored text."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select

from kata.microservices.ordering.adapters.sql.tables import idempotency_keys


class SqlIdempotencyKeys:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def find(self, key: str) -> tuple[str, str] | None:
        row = self._connection.execute(
            select(idempotency_keys).where(idempotency_keys.c.key == key)
        ).first()
        return None if row is None else (row.request, row.response)

    def bind(self, key: str, request: str, response: str) -> None:
        """A concurrent request binding the same key makes one of the two transactions fail."""
        self._connection.execute(
            insert(idempotency_keys).values(key=key, request=request, response=response)
        )
