"""Domain events: immutable facts the ``Order`` aggregate records (spec section 4)."""

from __future__ import annotations

from dataclasses import dataclass

from kata.microservices.ordering.domain.money import Money


@dataclass(frozen=True)
class LineFact:
    sku: str
    quantity: int
    unit_price: Money


@dataclass(frozen=True)
class OrderPlaced:
    order_id: str
    customer_id: str
    lines: tuple[LineFact, ...]  # sorted by SKU
    total: Money


@dataclass(frozen=True)
class OrderAmended:
    order_id: str
    lines: tuple[LineFact, ...]  # the whole new list, sorted by SKU
    total: Money


@dataclass(frozen=True)
class OrderPaid:
    order_id: str
    payment_id: str
    amount: Money


@dataclass(frozen=True)
class OrderCancelled:
    order_id: str
    reason: str
    refund_due: bool


@dataclass(frozen=True)
class OrderShipped:
    order_id: str


DomainEvent = OrderPlaced | OrderAmended | OrderPaid | OrderCancelled | OrderShipped
