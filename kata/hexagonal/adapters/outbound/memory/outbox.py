"""The outbox rows: domain events in their wire form (money as "12.50"), as the SQL outbox
stores them, so both adapters hand the same ``EventRecord`` to the feed and the relay."""

from __future__ import annotations

import json
from datetime import datetime

from kata.hexagonal.adapters.outbound.memory.store import EventRow
from kata.hexagonal.application.ports.outbound import EventRecord, event_data
from kata.hexagonal.domain.events import DomainEvent


def row(seq: int, event: DomainEvent, occurred_at: datetime) -> EventRow:
    return EventRow(
        seq, type(event).__name__, event.order_id, occurred_at, json.dumps(event_data(event))
    )


def record(row: EventRow) -> EventRecord:
    return EventRecord(row.seq, row.type, row.order_id, row.occurred_at, json.loads(row.data))
