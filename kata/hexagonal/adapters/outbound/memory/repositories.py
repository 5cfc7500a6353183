"""In-memory repositories: adapters for the ``ProductRepository``, ``OrderRepository`` and
``IdempotencyKeys`` ports, on a ``MemoryStore``.

Like the SQL data mappers, each repository keeps an identity map of the aggregates its unit
of work loaded (one object per aggregate in a unit), remembers the row each was loaded from,
and at commit writes only the roots that changed, all or none: every write is checked before
any is stored, so one root whose stored version moved on since it was loaded refuses them
all (the SQL adapter's set-based ``UPDATE … WHERE version = :seen``, by hand). Roots added
are stored at commit, not before: until then no query sees them, this unit's own included,
as in SQL.

The unit of work calls ``writes`` before taking the store's lock, then ``check`` and
``apply`` under it, then ``saved``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Generic, Protocol, TypeVar

from kata.hexagonal.adapters.outbound.memory.store import (
    LineRow,
    MemoryStore,
    OrderRow,
    ProductRow,
)
from kata.hexagonal.application.ports.outbound import Conflict
from kata.hexagonal.domain.order import Order, OrderLine, OrderStatus
from kata.hexagonal.domain.product import Product
from kata.hexagonal.domain.values import Sku


class _Versioned(Protocol):
    @property
    def version(self) -> int: ...


R = TypeVar("R", bound=_Versioned)


@dataclass(frozen=True)
class Write(Generic[R]):
    """One root to store: ``seen`` is the version it was loaded at, None for a new root."""

    key: str
    row: R
    seen: int | None


def check(table: Mapping[str, R], writes: list[Write[R]], kind: str) -> None:
    """Refuse the commit if any write is stale; call with the store's lock held."""
    inserted: set[str] = set()
    for write in writes:
        stored = table.get(write.key)
        if write.seen is None:
            if stored is not None or write.key in inserted:  # a unique key, as in SQL
                raise Conflict(f"{kind} {write.key} is already stored")
            inserted.add(write.key)
        elif stored is None or stored.version != write.seen:
            raise Conflict(f"{kind} changed since it was loaded (version {write.seen})")


def apply(table: dict[str, R], writes: list[Write[R]]) -> None:
    """Store checked writes; a new key goes last, so ``orders`` stays in placement order."""
    for write in writes:
        table[write.key] = write.row


class MemoryProductRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._loaded: dict[Sku, tuple[Product, ProductRow]] = {}
        self._added: list[Product] = []

    def add(self, product: Product) -> None:
        self._added.append(product)

    def get(self, sku: Sku) -> Product | None:
        return self.get_many([sku]).get(sku)

    def get_many(self, skus: Iterable[Sku], *, lock: bool = False) -> dict[Sku, Product]:
        # ``lock`` changes nothing here: no unit of work holds a product, and the version
        # check at commit refuses a stale save (see the module docstring of unit_of_work).
        codes = sorted({sku.code for sku in skus})
        with self._store.lock:
            rows = [self._store.products[code] for code in codes if code in self._store.products]
        return {product.sku: product for product in map(self._loaded_product, rows)}

    def all(self) -> list[Product]:
        with self._store.lock:
            rows = [self._store.products[code] for code in sorted(self._store.products)]
        return [self._loaded_product(row) for row in rows]

    def writes(self) -> list[Write[ProductRow]]:
        new = [Write(p.sku.code, _product_row(p, version=1), None) for p in self._added]
        changed = [
            Write(sku.code, _product_row(product, as_loaded.version + 1), as_loaded.version)
            for sku, (product, as_loaded) in sorted(self._loaded.items())
            if _product_row(product, as_loaded.version) != as_loaded
        ]
        return new + changed

    def saved(self, writes: list[Write[ProductRow]]) -> None:
        """After commit: the objects carry their new versions and count as loaded from them."""
        objects = {product.sku: product for product in self._added}
        objects.update((sku, product) for sku, (product, _) in self._loaded.items())
        for write in writes:
            product = objects[Sku(write.key)]
            product.version = write.row.version
            self._loaded[product.sku] = (product, write.row)
        self._added = []

    def _loaded_product(self, row: ProductRow) -> Product:
        sku = Sku(row.sku)
        if sku in self._loaded:  # one object per aggregate in a unit of work
            return self._loaded[sku][0]
        product = Product(sku, row.name, row.price, row.stock, row.version)
        self._loaded[sku] = (product, row)
        return product


class MemoryOrderRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._loaded: dict[str, tuple[Order, OrderRow]] = {}
        self._added: list[Order] = []

    @property
    def tracked(self) -> list[Order]:
        """Every order this unit of work added or loaded: whose events it will store."""
        return [*self._added, *(order for order, _ in self._loaded.values())]

    def add(self, order: Order) -> None:
        self._added.append(order)

    def get(self, order_id: str) -> Order | None:
        with self._store.lock:
            row = self._store.orders.get(order_id)
        return None if row is None else self._loaded_order(row)

    def count(self, customer_id: str, status: OrderStatus) -> int:
        with self._store.lock:
            return sum(
                1
                for row in self._store.orders.values()
                if row.customer_id == customer_id and row.status == status
            )

    def newest_first(
        self, customer_id: str | None, status: OrderStatus | None, limit: int
    ) -> list[Order]:
        with self._store.lock:
            rows = list(
                islice(
                    (
                        row
                        for row in reversed(self._store.orders.values())
                        if (customer_id is None or row.customer_id == customer_id)
                        and (status is None or row.status == status)
                    ),
                    max(limit, 0),
                )
            )
        return [self._loaded_order(row) for row in rows]

    def writes(self) -> list[Write[OrderRow]]:
        new = [Write(order.id, _order_row(order, version=1), None) for order in self._added]
        changed = [
            Write(order_id, _order_row(order, as_loaded.version + 1), as_loaded.version)
            for order_id, (order, as_loaded) in self._loaded.items()
            if _order_row(order, as_loaded.version) != as_loaded
        ]
        return new + changed

    def saved(self, writes: list[Write[OrderRow]]) -> None:
        objects = {order.id: order for order in self._added}
        objects.update((order_id, order) for order_id, (order, _) in self._loaded.items())
        for write in writes:
            order = objects[write.key]
            order.version = write.row.version
            self._loaded[order.id] = (order, write.row)
        self._added = []

    def _loaded_order(self, row: OrderRow) -> Order:
        if row.id in self._loaded:  # one object per aggregate in a unit of work
            return self._loaded[row.id][0]
        order = Order(
            id=row.id,
            customer_id=row.customer_id,
            status=row.status,
            lines=[OrderLine(Sku(line.sku), line.quantity, line.unit_price) for line in row.lines],
            payment_id=row.payment_id,
            cancel_reason=row.cancel_reason,
            refund_due=row.refund_due,
            processed_payments=row.processed_payments,
            created_at=row.created_at,
            version=row.version,
        )
        self._loaded[row.id] = (order, row)
        return order


class MemoryIdempotencyKeys:
    """Keys bound in this unit of work are seen by its own ``find`` and stored at commit.
    A key is bound once: binding one already bound is a ``Conflict``, as a unique key is."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._bound: dict[str, tuple[str, str]] = {}

    def find(self, key: str) -> tuple[str, str] | None:
        if key in self._bound:
            return self._bound[key]
        with self._store.lock:
            return self._store.idempotency_keys.get(key)

    def bind(self, key: str, request: str, response: str) -> None:
        if key in self._bound or self.find(key) is not None:
            raise Conflict(f"Idempotency key {key!r} is already bound")
        self._bound[key] = (request, response)

    def check(self) -> None:
        """Refuse a key another unit of work bound meanwhile; call with the lock held."""
        for key in self._bound:
            if key in self._store.idempotency_keys:
                raise Conflict(f"Idempotency key {key!r} is already bound")

    def apply(self) -> None:
        self._store.idempotency_keys.update(self._bound)

    def saved(self) -> None:
        self._bound = {}


def _product_row(product: Product, version: int) -> ProductRow:
    return ProductRow(product.sku.code, product.name, product.price, product.stock, version)


def _order_row(order: Order, version: int) -> OrderRow:
    return OrderRow(
        id=order.id,
        customer_id=order.customer_id,
        status=order.status,
        lines=tuple(LineRow(line.sku.code, line.quantity, line.unit_price) for line in order.lines),
        payment_id=order.payment_id,
        cancel_reason=order.cancel_reason,
        refund_due=order.refund_due,
        processed_payments=order.processed_payments,
        created_at=order.created_at,
        version=version,
    )
