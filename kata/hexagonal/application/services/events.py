"""The ``EventFeed`` inbound port, and the outbox relay that publishes committed events."""

from __future__ import annotations

from kata.hexagonal.application.ports.inbound import ReadEvents
from kata.hexagonal.application.ports.outbound import (
    EventPublisher,
    EventRecord,
    UnitOfWork,
    UnitOfWorkFactory,
)
from kata.hexagonal.application.services.unit import in_unit_of_work

RELAY_BATCH = 100


class EventFeedService:
    def __init__(self, units: UnitOfWorkFactory) -> None:
        self._units = units

    def read(self, query: ReadEvents) -> list[EventRecord]:
        return in_unit_of_work(self._units, lambda uow: uow.events_after(query.after, query.limit))


class OutboxRelay:
    """Publishes committed events in seq order, at least once: the position moves only after
    the publisher took them, so a crash between the two publishes them again."""

    def __init__(self, units: UnitOfWorkFactory, publisher: EventPublisher) -> None:
        self._units = units
        self._publisher = publisher

    def relay(self) -> int:
        """Publish the next batch of unpublished events; returns how many."""

        def work(uow: UnitOfWork) -> int:
            batch = uow.events_after(uow.relay_position(), RELAY_BATCH)
            for event in batch:
                self._publisher.publish(event)
            if batch:
                uow.move_relay_position(batch[-1].seq)
                uow.commit()
            return len(batch)

        return in_unit_of_work(self._units, work)
