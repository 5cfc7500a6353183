"""Idempotency keys (O12): each bound to its request and the first answer, as stored text."""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from kata.domain_model.persistence.tables import idempotency_keys


class IdempotencyKeys:
    def __init__(self, session: Session) -> None:
        self._session = session

    def find(self, key: str) -> tuple[str, str] | None:
        """(request, response) bound to ``key``, or None."""
        row = self._session.execute(
            select(idempotency_keys).where(idempotency_keys.c.key == key)
        ).first()
        return None if row is None else (row.request, row.response)

    def bind(self, key: str, request: str, response: str) -> None:
        """A concurrent request binding the same key makes one of the two transactions fail."""
        self._session.execute(
            insert(idempotency_keys).values(key=key, request=request, response=response)
        )
