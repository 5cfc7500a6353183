"""Domain events: the only state this variant keeps. Every fact is one immutable event.

An aggregate's state is the fold of its stream: ``Order`` replays the order events,
``Product`` the product events. Nothing here knows how events are stored; the event store
encodes them, and the projections (the read side) turn them into tables for queries.

The five order events of spec section 4 are *published*: ``GET /events`` shows them. The
others stay inside the variant: product events (stock moves with every order, so the
product's stream says why), ``PaymentFailed`` (which payment cancelled an order, so a
repeat of it is recognised: O10) and ``IdempotencyKeyBound`` (O12).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kata.event_sourced.domain.money import Money


@dataclass(frozen=True)
class LineFact:
    sku: str
    quantity: int
    unit_price: Money


# --- the order's stream -----------------------------------------------------------------------


@dataclass(frozen=True)
class OrderPlaced:
    order_id: str
    customer_id: str
    lines: tuple[LineFact, ...]  # sorted by SKU
    total: Money
    placed_at: datetime  # the order's created_at: the time the event is stored with


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
class PaymentFailed:
    """Not published: it records which payment failed, right before the ``OrderCancelled``
    it causes, so that the provider's repeat of it changes nothing (O10)."""

    order_id: str
    payment_id: str


@dataclass(frozen=True)
class OrderCancelled:
    order_id: str
    reason: str
    refund_due: bool


@dataclass(frozen=True)
class OrderShipped:
    order_id: str


# --- a product's stream -----------------------------------------------------------------------


@dataclass(frozen=True)
class ProductRegistered:
    sku: str
    name: str
    price: Money
    stock: int


@dataclass(frozen=True)
class ProductRenamed:
    sku: str
    name: str


@dataclass(frozen=True)
class ProductRepriced:
    sku: str
    price: Money


@dataclass(frozen=True)
class ProductRestocked:
    sku: str
    quantity: int


@dataclass(frozen=True)
class StockReserved:
    """Units promised to an order: placing it, or raising a line's quantity."""

    sku: str
    order_id: str
    quantity: int


@dataclass(frozen=True)
class StockReleased:
    """Units an order gave back: cancelled, a line removed or lowered."""

    sku: str
    order_id: str
    quantity: int


# --- an idempotency key's stream (O12) --------------------------------------------------------


@dataclass(frozen=True)
class IdempotencyKeyBound:
    """A key bound to the request that placed an order. The first answer is not stored: it
    is the order as its first event left it, which the log keeps for ever."""

    key: str
    request: str  # canonical JSON of the body
    order_id: str


OrderEvent = OrderPlaced | OrderAmended | OrderPaid | PaymentFailed | OrderCancelled | OrderShipped
ProductEvent = (
    ProductRegistered
    | ProductRenamed
    | ProductRepriced
    | ProductRestocked
    | StockReserved
    | StockReleased
)
DomainEvent = OrderEvent | ProductEvent | IdempotencyKeyBound

# The events GET /events shows (spec section 4), by type name.
PUBLISHED = ("OrderPlaced", "OrderAmended", "OrderPaid", "OrderCancelled", "OrderShipped")


def order_stream(order_id: str) -> str:
    return f"order/{order_id}"


def product_stream(sku: str) -> str:
    return f"product/{sku}"


def idempotency_stream(key: str) -> str:
    return f"idempotency/{key}"
