"""Recording domain events in the outbox, inside the script's own transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from kata.transaction_script.data import events
from kata.transaction_script.records import OrderLine, money_text


def now() -> datetime:
    return datetime.now(UTC)


def record(connection: Connection, type_: str, order_id: str, data: dict[str, Any]) -> None:
    """Record one event; scripts call it as their last step (see ``events.append``)."""
    events.append(connection, type_, order_id, now(), data)


def lines_data(lines: Iterable[OrderLine]) -> list[dict[str, Any]]:
    """Lines as event data: sorted by SKU, money in its wire form."""
    return [
        {"sku": line.sku, "quantity": line.quantity, "unit_price": money_text(line.unit_price)}
        for line in sorted(lines, key=lambda line: line.sku)
    ]
