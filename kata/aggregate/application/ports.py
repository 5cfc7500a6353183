"""What the use cases need from storage, as protocols; ``infrastructure`` implements them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from kata.aggregate.domain.order import Order, OrderStatus
from kata.aggregate.domain.product import Product
from kata.aggregate.domain.values import Sku


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
    def add(self, product: Product) -> None: ...
    def get(self, sku: Sku) -> Product | None: ...

    def get_many(self, skus: Iterable[Sku], *, lock: bool = False) -> dict[Sku, Product]:
        """The stored products of these SKUs, by SKU; unknown SKUs are left out.

        ``lock`` is for a use case many clients run at once on the same products (placing an
        order): a rival unit of work that wants them waits until this one ends, instead of
        losing the race at commit and running again. The version check guards the save anyway.
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
    """One transaction. Aggregates loaded or added are saved by ``commit`` (optimistically:
    one that changed since it was loaded raises :class:`Conflict`), with their events."""

    @property
    def products(self) -> ProductRepository: ...
    @property
    def orders(self) -> OrderRepository: ...
    @property
    def idempotency_keys(self) -> IdempotencyKeys: ...

    def events_after(self, seq: int, limit: int) -> list[EventRecord]: ...
    def commit(self) -> None: ...
    def __enter__(self) -> UnitOfWork: ...
    def __exit__(self, *exc_info: object) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
