"""The state the in-memory units of work share: committed rows, the outbox and the counters.

Rows are immutable copies, never the aggregates themselves: a unit of work builds fresh
aggregates from them on every load, so a change nobody committed can reach no one else.
Every field is read and written only while holding ``lock``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from kata.hexagonal.domain.money import Money
from kata.hexagonal.domain.order import OrderStatus


@dataclass(frozen=True)
class ProductRow:
    sku: str
    name: str
    price: Money
    stock: int
    version: int


@dataclass(frozen=True)
class LineRow:
    sku: str
    quantity: int
    unit_price: Money


@dataclass(frozen=True)
class OrderRow:
    id: str
    customer_id: str
    status: OrderStatus
    lines: tuple[LineRow, ...]
    payment_id: str | None
    cancel_reason: str | None
    refund_due: bool
    processed_payments: frozenset[str]
    created_at: datetime
    version: int


@dataclass(frozen=True)
class EventRow:
    seq: int
    type: str
    order_id: str
    occurred_at: datetime
    data: str  # JSON text: every read hands out a fresh dict, as a database would


class MemoryStore:
    """What a database would hold, for the units of work of one process to share."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.products: dict[str, ProductRow] = {}
        # Keyed by id, kept in placement order: an update replaces a value in its place.
        self.orders: dict[str, OrderRow] = {}
        self.idempotency_keys: dict[str, tuple[str, str]] = {}  # key -> (request, response)
        self.events: list[EventRow] = []  # ascending seq
        self.last_seq = 0
        self.relay_position = 0
