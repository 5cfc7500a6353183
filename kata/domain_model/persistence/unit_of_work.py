"""The unit of work: one session, its repositories, and a commit that stores the events."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from kata.domain_model.persistence import outbox
from kata.domain_model.persistence.idempotency_keys import IdempotencyKeys
from kata.domain_model.persistence.repositories import OrderRepository, ProductRepository


class UnitOfWork:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.products = ProductRepository(session)
        self.orders = OrderRepository(session)
        self.idempotency_keys = IdempotencyKeys(session)

    def events_after(self, seq: int, limit: int) -> list[outbox.StoredEvent]:
        return outbox.after(self.session, seq, limit)

    def commit(self) -> None:
        """Write the changes, then the events the orders recorded, in one transaction."""
        # Entities first: a lost optimistic race fails here, before the counter is locked.
        self.session.flush()
        now = datetime.now(UTC)
        for order in self.orders.seen:
            for event in order.take_events():
                outbox.append(self.session, event, now)
        self.session.commit()
