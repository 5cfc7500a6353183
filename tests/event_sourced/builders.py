"""Builders for the event-sourced variant's unit tests: events and aggregates in memory.

An aggregate here is what its events make it, so the builders write *streams* (lists of
events) and replay them; a test then runs one command and looks at what it raised.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kata.event_sourced.domain.events import (
    LineFact,
    OrderEvent,
    OrderPlaced,
    ProductEvent,
    ProductRegistered,
)
from kata.event_sourced.domain.money import Money
from kata.event_sourced.domain.order import Order
from kata.event_sourced.domain.product import Product
from kata.event_sourced.domain.stream import EventSourced

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ORDER_ID = "00000000-0000-4000-8000-0000000000a1"
CUSTOMER = "customer-1"
PAYMENT_ID = "payment-1"


def money(text: str) -> Money:
    return Money.of(text)


def line(sku: str, quantity: int, unit_price: str) -> LineFact:
    return LineFact(sku, quantity, money(unit_price))


def placed() -> OrderPlaced:
    """The first event of order ORDER_ID: SKU-A 2 x 10.00, SKU-B 1 x 5.00, total 25.00."""
    lines = (line("SKU-A", 2, "10.00"), line("SKU-B", 1, "5.00"))
    return OrderPlaced(ORDER_ID, CUSTOMER, lines, money("25.00"), NOW)


def registered(sku: str = "SKU-A", *, price: str = "10.00", stock: int = 100) -> ProductRegistered:
    return ProductRegistered(sku, f"Product {sku}", money(price), stock)


def an_order(*events: OrderEvent) -> Order:
    """The order its stream makes: ``placed()`` and then ``events``; nothing pending."""
    return Order.replay([placed(), *events])


def a_product(*events: ProductEvent, sku: str = "SKU-A", stock: int = 100) -> Product:
    return Product.replay([registered(sku, stock=stock), *events])


def raised(aggregate: EventSourced[Any]) -> list[Any]:
    """The events a command raised (and no longer pending)."""
    return aggregate.take_pending()


@dataclass(frozen=True)
class OrderState:
    """What a client can learn about an order, to compare two orders by."""

    id: str
    customer_id: str
    status: str
    lines: tuple[tuple[str, int, str], ...]
    total: str
    payment_id: str | None
    cancel_reason: str | None
    refund_due: bool
    created_at: datetime


def state_of(order: Order) -> OrderState:
    return OrderState(
        order.id,
        order.customer_id,
        order.status.value,
        tuple((ln.sku.code, ln.quantity, str(ln.unit_price)) for ln in order.lines),
        str(order.totals.total),
        order.payment_id,
        order.cancel_reason,
        order.refund_due,
        order.created_at,
    )
