"""An outbox event as a message: the JSON of spec section 4, routed by its type."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from kata.hexagonal.application.ports.outbound import EventRecord

EVENTS_EXCHANGE = "kata.events"


def event_json(event: EventRecord) -> dict[str, Any]:
    """``{"seq", "type", "order_id", "occurred_at", "data"}``, as ``GET /events`` lists it."""
    return {
        "seq": event.seq,
        "type": event.type,
        "order_id": event.order_id,
        "occurred_at": timestamp(event.occurred_at),
        "data": event.data,
    }


def event_body(event: EventRecord) -> bytes:
    return json.dumps(event_json(event)).encode("utf-8")


def routing_key(event: EventRecord) -> str:
    return event.type


def timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with ``Z``, to the millisecond: the HTTP adapter's form, so a message
    and the ``GET /events`` entry of one event are equal."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
