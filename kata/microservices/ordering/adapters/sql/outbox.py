"""The outbox: domain events stored in the same transaction as the change that caused them."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from kata.microservices.ordering.adapters.sql.tables import event_counter, events
from kata.microservices.ordering.application.ports import EventRecord
from kata.microservices.ordering.domain.events import (
    DomainEvent,
    LineFact,
    OrderAmended,
    OrderCancelled,
    OrderPaid,
    OrderPlaced,
    OrderShipped,
)

# Built once, at import: building a statement costs more than running it.
_NEXT_SEQ = (
    update(event_counter)
    .where(event_counter.c.id == 1)
    .values(last_seq=event_counter.c.last_seq + 1)
    .returning(event_counter.c.last_seq)
)
_INSERT = insert(events)
_AFTER = (
    select(events)
    .where(events.c.seq > bindparam("after"))
    .order_by(events.c.seq)
    .limit(bindparam("limit"))
)


def append(connection: Connection, event: DomainEvent, occurred_at: datetime) -> None:
    """Store one event. The counter's row lock is held until commit, so seq numbers are
    handed out in commit order (a reader never sees seq 7 committed before seq 6)."""
    seq = connection.scalar(_NEXT_SEQ)
    connection.execute(
        _INSERT,
        {
            "seq": seq,
            "type": type(event).__name__,
            "order_id": event.order_id,
            "occurred_at": occurred_at.isoformat(),
            "data": json.dumps(_data(event), sort_keys=True),
        },
    )


def after(connection: Connection, seq: int, limit: int) -> list[EventRecord]:
    return [
        EventRecord(
            row.seq,
            row.type,
            row.order_id,
            datetime.fromisoformat(row.occurred_at),
            json.loads(row.data),
        )
        for row in connection.execute(_AFTER, {"after": seq, "limit": limit})
    ]


def _data(event: DomainEvent) -> dict[str, Any]:
    match event:
        case OrderPlaced():
            return {
                "customer_id": event.customer_id,
                "lines": _lines(event.lines),
                "total": str(event.total),
            }
        case OrderAmended():
            return {"lines": _lines(event.lines), "total": str(event.total)}
        case OrderPaid():
            return {"payment_id": event.payment_id, "amount": str(event.amount)}
        case OrderCancelled():
            return {"reason": event.reason, "refund_due": event.refund_due}
        case OrderShipped():
            return {}


def _lines(lines: tuple[LineFact, ...]) -> list[dict[str, Any]]:
    return [
        {"sku": line.sku, "quantity": line.quantity, "unit_price": str(line.unit_price)}
        for line in lines
    ]
