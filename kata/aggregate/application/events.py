"""Use case for reading the outbox (``GET /events``)."""

from __future__ import annotations

from kata.aggregate.application.ports import EventRecord, UnitOfWork
from kata.aggregate.application.unit import use_case


@use_case
def list_events(uow: UnitOfWork, after: int, limit: int) -> list[EventRecord]:
    return uow.events_after(after, limit)
