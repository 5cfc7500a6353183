"""An order's history, read from the log alone: each event of its stream, and the order as
it stood right after that event (``kata history event_sourced ORDER_ID``).

This is what event sourcing keeps that a table of current state cannot: the state at any
version is the fold of the stream up to it, so replaying a prefix answers "what did this
order look like then?". No projection is read; the read side may be stale or gone.
Composition level, beside ``app``: it reads the event store's table and replays the domain.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import inspect, select

from kata.event_sourced.domain.events import OrderEvent, order_stream
from kata.event_sourced.domain.order import Order
from kata.event_sourced.eventstore import codec
from kata.event_sourced.eventstore.database import Database
from kata.event_sourced.eventstore.tables import events


@dataclass(frozen=True)
class Step:
    """One event of an order's stream, as stored, and the order after it."""

    version: int
    type: str
    occurred_at: str  # as stored: ISO 8601
    data: dict[str, Any]  # as stored
    state: dict[str, Any]  # the order replayed up to and with this event


def order_history(database_url: str, order_id: str) -> list[Step]:
    """The stream of order ``order_id`` step by step; empty if the log holds no such order."""
    database = Database(database_url)
    try:
        with database.engine.connect() as connection:
            if not inspect(connection).has_table(events.name):
                return []  # no log at all: nothing was ever recorded here
            rows = connection.execute(
                select(events)
                .where(events.c.stream == order_stream(order_id))
                .order_by(events.c.version)
            ).all()
    finally:
        database.close()
    replayed: list[OrderEvent] = []
    steps = []
    for row in rows:
        replayed.append(cast(OrderEvent, codec.recorded(row).event))  # an order's stream
        state = _state(Order.replay(replayed))
        steps.append(Step(row.version, row.type, row.occurred_at, json.loads(row.data), state))
    return steps


def _state(order: Order) -> dict[str, Any]:
    """What a client would see of the order (the fields of ``GET /orders/<id>``)."""
    totals = order.totals
    return {
        "status": order.status.value,
        "lines": [
            {"sku": line.sku.code, "quantity": line.quantity, "unit_price": str(line.unit_price)}
            for line in order.lines
        ],
        "subtotal": str(totals.subtotal),
        "discount": str(totals.discount),
        "total": str(totals.total),
        "payment_id": order.payment_id,
        "cancel_reason": order.cancel_reason,
        "refund_due": order.refund_due,
    }


def render(order_id: str, steps: list[Step]) -> str:
    """The history as text: per event, its version, time, type and data, then the order."""
    lines = [f"order {order_id}: {len(steps)} events in stream {order_stream(order_id)}"]
    for step in steps:
        lines.append(f"v{step.version}  {step.occurred_at}  {step.type}  {_json(step.data)}")
        lines.append(f"    order: {_json(step.state)}")
    return "\n".join(lines)


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False)
