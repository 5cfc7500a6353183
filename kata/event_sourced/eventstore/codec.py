"""Events to rows and back: the type's name, and its fields as JSON.

One rule for every event class, and for snapshots: its first field names its stream
(``order_id``, ``sku``, ``key``), so it is not repeated in the data; money is a string
("12.50"); lines are a list of objects; ``OrderPlaced.placed_at`` is the row's
``occurred_at``. The five published order events come out exactly in the spec's wire form, so
``GET /events`` serves the stored data as it is.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from datetime import datetime
from typing import Any

from sqlalchemy import Row

from kata.event_sourced.application.ports import Recorded
from kata.event_sourced.domain import events as domain
from kata.event_sourced.domain.events import DomainEvent, LineFact
from kata.event_sourced.domain.money import Money
from kata.event_sourced.domain.snapshots import ProductSnapshot

_LINES = tuple[LineFact, ...]
_CLASSES: dict[str, type[Any]] = {cls.__name__: cls for cls in typing.get_args(DomainEvent)}
_STREAMS = {
    **dict.fromkeys(typing.get_args(domain.OrderEvent), domain.order_stream),
    **dict.fromkeys(typing.get_args(domain.ProductEvent), domain.product_stream),
    domain.IdempotencyKeyBound: domain.idempotency_stream,
}


def stream_of(event: DomainEvent) -> str:
    """The stream an event belongs to, named by its first field."""
    return _STREAMS[type(event)](getattr(event, _fields(type(event))[0][0]))


def encode(event: DomainEvent) -> tuple[str, str, datetime | None]:
    """(type, data as JSON, the time it records or None for "now")."""
    data, occurred_at = _data(event)
    return type(event).__name__, data, occurred_at


def decode(type_name: str, stream: str, data: str, occurred_at: datetime) -> DomainEvent:
    event: DomainEvent = _CLASSES[type_name](
        **_values(_CLASSES[type_name], stream, data, occurred_at)
    )
    return event


def encode_snapshot(snapshot: ProductSnapshot) -> tuple[str, str]:
    """(type, data as JSON): the same rules as an event's."""
    return type(snapshot).__name__, _data(snapshot)[0]


def decode_snapshot(stream: str, data: str) -> ProductSnapshot:
    return ProductSnapshot(**_values(ProductSnapshot, stream, data, None))


def _data(fact: Any) -> tuple[str, datetime | None]:
    """A fact's fields but the first (its stream's name) as JSON, and the time it records."""
    data: dict[str, Any] = {}
    occurred_at = None
    for name, hint in _fields(type(fact))[1:]:
        value = getattr(fact, name)
        if hint is datetime:
            occurred_at = value
        elif hint is Money:
            data[name] = str(value)
        elif hint == _LINES:
            data[name] = [_line(line) for line in value]
        else:
            data[name] = value
    return json.dumps(data, sort_keys=True), occurred_at


def _values(cls: type[Any], stream: str, data: str, occurred_at: datetime | None) -> dict[str, Any]:
    """The fields of a ``cls`` stored in ``stream`` as ``data``, by name."""
    fields = _fields(cls)
    values: dict[str, Any] = {fields[0][0]: stream.split("/", 1)[1]}
    stored = json.loads(data)
    for name, hint in fields[1:]:
        if hint is datetime:
            values[name] = occurred_at
        elif hint is Money:
            values[name] = Money.of(stored[name])
        elif hint == _LINES:
            values[name] = tuple(
                LineFact(line["sku"], line["quantity"], Money.of(line["unit_price"]))
                for line in stored[name]
            )
        else:
            values[name] = stored[name]
    return values


def recorded(row: Row[Any]) -> Recorded:
    """A row of ``es_events`` as the event it records."""
    at = datetime.fromisoformat(row.occurred_at)
    return Recorded(
        row.position, row.stream, row.version, at, decode(row.type, row.stream, row.data, at)
    )


def _fields(cls: type[Any]) -> list[tuple[str, Any]]:
    """(name, type) of each field, in order: read once per class."""
    if cls not in _FIELDS:
        hints = typing.get_type_hints(cls)
        _FIELDS[cls] = [(field.name, hints[field.name]) for field in dataclasses.fields(cls)]
    return _FIELDS[cls]


_FIELDS: dict[type[Any], list[tuple[str, Any]]] = {}


def _line(line: LineFact) -> dict[str, Any]:
    return {"sku": line.sku, "quantity": line.quantity, "unit_price": str(line.unit_price)}
