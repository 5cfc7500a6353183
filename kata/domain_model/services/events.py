"""Use case for reading the outbox (``GET /events``)."""

from __future__ import annotations

from kata.domain_model.persistence.outbox import StoredEvent
from kata.domain_model.persistence.unit_of_work import UnitOfWork
from kata.domain_model.services.unit import use_case


@use_case
def list_events(uow: UnitOfWork, after: int, limit: int) -> list[StoredEvent]:
    return uow.events_after(after, limit)
