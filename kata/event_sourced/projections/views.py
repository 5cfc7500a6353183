"""What queries answer: plain data read from the projections (and, for the feed, the log)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kata.event_sourced.domain.money import Money


@dataclass(frozen=True)
class ProductView:
    sku: str
    name: str
    price: Money
    stock: int


@dataclass(frozen=True)
class LineView:
    sku: str
    quantity: int
    unit_price: Money
    line_total: Money


@dataclass(frozen=True)
class OrderView:
    id: str
    customer_id: str
    status: str
    lines: tuple[LineView, ...]
    subtotal: Money
    discount: Money
    total: Money
    payment_id: str | None
    cancel_reason: str | None
    refund_due: bool
    created_at: datetime


@dataclass(frozen=True)
class EventRecord:
    """A published event as ``GET /events`` shows it."""

    seq: int
    type: str
    order_id: str
    occurred_at: datetime
    data: dict[str, Any]  # in its wire form: money as "12.50"
