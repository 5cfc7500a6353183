"""Inbound ports: the use cases the outside world may call, with their commands and results.

Adapters (the HTTP controller, the AMQP payment consumer) build a command, call a port and
turn the result into their own format. Commands and results are plain immutable data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from kata.hexagonal.application.ports.outbound import EventRecord
from kata.hexagonal.domain.money import Money

# --- commands ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterProduct:
    sku: str
    name: str
    price: Decimal
    stock: int


@dataclass(frozen=True)
class ChangeProduct:
    sku: str
    name: str | None
    price: Decimal | None


@dataclass(frozen=True)
class Restock:
    sku: str
    quantity: int


@dataclass(frozen=True)
class PlaceOrder:
    customer_id: str
    quantities: tuple[tuple[str, int], ...]  # (SKU, units), one per SKU: items merged (O1)
    idempotency_key: str | None = None
    request: str = ""  # the request as canonical JSON: what a repeated key must match (O12)


@dataclass(frozen=True)
class ListOrders:
    customer_id: str | None
    status: str | None
    limit: int


@dataclass(frozen=True)
class SetLine:
    order_id: str
    sku: str
    quantity: int


@dataclass(frozen=True)
class RemoveLine:
    order_id: str
    sku: str


@dataclass(frozen=True)
class RecordPaymentResult:
    payment_id: str
    order_id: str
    outcome: str  # "succeeded" or "failed"
    amount: Decimal


@dataclass(frozen=True)
class ReadEvents:
    after: int
    limit: int


# --- results -----------------------------------------------------------------------------------


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


# --- the use cases ----------------------------------------------------------------------------


class Catalogue(Protocol):
    def register(self, command: RegisterProduct) -> ProductView: ...
    def list(self) -> list[ProductView]: ...
    def get(self, sku: str) -> ProductView: ...
    def change(self, command: ChangeProduct) -> ProductView: ...
    def restock(self, command: Restock) -> ProductView: ...


class Ordering(Protocol):
    def place(self, command: PlaceOrder) -> OrderView: ...
    def get(self, order_id: str) -> OrderView: ...
    def list(self, query: ListOrders) -> list[OrderView]: ...
    def set_line(self, command: SetLine) -> OrderView: ...
    def remove_line(self, command: RemoveLine) -> OrderView: ...
    def cancel(self, order_id: str) -> OrderView: ...
    def ship(self, order_id: str) -> OrderView: ...


class Payments(Protocol):
    """One door for payment results, whichever adapter they arrive through (HTTP or AMQP)."""

    def record_result(self, command: RecordPaymentResult) -> OrderView: ...


class EventFeed(Protocol):
    def read(self, query: ReadEvents) -> list[EventRecord]: ...


@dataclass(frozen=True)
class UseCases:
    """Every inbound port, as the composition root built them: what inbound adapters drive."""

    catalogue: Catalogue
    ordering: Ordering
    payments: Payments
    events: EventFeed
