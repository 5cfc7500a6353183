"""Outbound ports: what the use cases need from the world, as protocols.

Adapters implement them: ``adapters.outbound.sqlalchemy`` and ``adapters.outbound.memory``
for storage, ``adapters.outbound.amqp`` (or an in-process list) for publishing events.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from kata.hexagonal.domain.events import (
    DomainEvent,
    LineFact,
    OrderAmended,
    OrderCancelled,
    OrderPaid,
    OrderPlaced,
    OrderShipped,
)
from kata.hexagonal.domain.order import Order, OrderStatus
from kata.hexagonal.domain.product import Product
from kata.hexagonal.domain.values import Sku


class Conflict(Exception):
    """A concurrent transaction changed an aggregate this one loaded: a stale write refused."""


@dataclass(frozen=True)
class EventRecord:
    """An event as the outbox stored it."""

    seq: int
    type: str
    order_id: str
    occurred_at: datetime
    data: dict[str, Any]  # in its wire form: money as "12.50"


class ProductRepository(Protocol):
    """Collection-shaped: a use case asks once for every product it needs (an order of 20
    lines costs the storage what an order of one does), and the unit of work saves them."""

    def add(self, product: Product) -> None: ...
    def get(self, sku: Sku) -> Product | None: ...

    def get_many(self, skus: Iterable[Sku], *, lock: bool = False) -> dict[Sku, Product]:
        """The stored products of these SKUs, by SKU, in one go; unknown SKUs are left out.

        ``lock`` is for a use case many clients run at once on the same products (placing an
        order): where the storage can, a rival unit of work that wants them waits until this
        one ends instead of losing the race at commit (the SQL adapter locks their rows). The
        version check at commit guards the save either way.
        """
        ...

    def all(self) -> list[Product]: ...


class OrderRepository(Protocol):
    def add(self, order: Order) -> None: ...
    def get(self, order_id: str) -> Order | None: ...
    def count(self, customer_id: str, status: OrderStatus) -> int: ...
    def newest_first(
        self, customer_id: str | None, status: OrderStatus | None, limit: int
    ) -> list[Order]: ...


class IdempotencyKeys(Protocol):
    def find(self, key: str) -> tuple[str, str] | None: ...
    def bind(self, key: str, request: str, response: str) -> None: ...


class UnitOfWork(Protocol):
    """One transaction, used as a context manager; leaving it without ``commit`` changes nothing.

    Within it each aggregate is one object. ``commit`` saves the roots that changed, then the
    orders' events; it saves them all together (a set-based write per kind of root, not one
    per root) and all or none: if a concurrent unit saved any one of them since it was
    loaded, nothing is saved and :class:`Conflict` is raised, from ``commit`` or, for a key
    both inserted, on leaving the unit; the caller may run the work again.
    """

    @property
    def products(self) -> ProductRepository: ...
    @property
    def orders(self) -> OrderRepository: ...
    @property
    def idempotency_keys(self) -> IdempotencyKeys: ...

    def events_after(self, seq: int, limit: int) -> list[EventRecord]: ...
    def relay_position(self) -> int: ...
    def move_relay_position(self, seq: int) -> None: ...
    def commit(self) -> None: ...
    def __enter__(self) -> UnitOfWork: ...
    def __exit__(self, *exc_info: object) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...


class IdGenerator(Protocol):
    """New order ids (opaque to clients; the adapters make UUIDs)."""

    def __call__(self) -> str: ...


class EventPublisher(Protocol):
    """Hands committed events to the world (the outbox relay calls it)."""

    def publish(self, event: EventRecord) -> None: ...


def event_data(event: DomainEvent) -> dict[str, Any]:
    """An event's ``data`` in its wire form (spec section 4): money as "12.50"."""
    match event:
        case OrderPlaced():
            return {
                "customer_id": event.customer_id,
                "lines": _lines(event.lines),
                "total": str(event.total),
            }
        case OrderAmended():
            return {"lines": _lines(event.lines), "total": str(event.total)}
        case OrderPaid():
            return {"payment_id": event.payment_id, "amount": str(event.amount)}
        case OrderCancelled():
            return {"reason": event.reason, "refund_due": event.refund_due}
        case OrderShipped():
            return {}


def _lines(lines: tuple[LineFact, ...]) -> list[dict[str, Any]]:
    return [
        {"sku": line.sku, "quantity": line.quantity, "unit_price": str(line.unit_price)}
        for line in lines
    ]
