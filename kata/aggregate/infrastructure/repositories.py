"""One repository per aggregate root: a data mapper by hand, saving with optimistic concurrency.

Each repository remembers the state every aggregate had when it was loaded. At commit it
writes only the aggregates that changed, with ``UPDATE … WHERE version = :seen``: if
another transaction saved the aggregate first, no row matches and the write is refused.
Inner entities (order lines) have no repository: they are saved with their root.

The repositories work on collections of roots, not one at a time: ``get_many`` loads every
product an order needs in one ``WHERE sku IN`` query, and a commit saves every changed root
of a kind with one statement. An order of 20 lines costs the same statements as one of 1.

The statements a request runs are built once, at import, with ``bindparam`` for the values
each call supplies: building a SQLAlchemy statement costs several times what running it does
(``benchmarks/latency.py`` measures it).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    Column,
    Connection,
    Row,
    Table,
    Update,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)

from kata.aggregate.application.ports import Conflict
from kata.aggregate.domain.money import Money
from kata.aggregate.domain.order import Order, OrderLine, OrderStatus
from kata.aggregate.domain.product import Product
from kata.aggregate.domain.values import Sku
from kata.aggregate.infrastructure.tables import order_lines, orders, processed_payments, products


def _versioned_update(table: Table, key: Column[str], names: Sequence[str]) -> Update:
    """``UPDATE table SET name = :name … , version = version + 1 WHERE key = :key AND
    version = :seen``: the save of one root, run for many at once (see ``_update_versioned``)."""
    return (
        update(table)
        .where(key == bindparam("key"), table.c.version == bindparam("seen"))
        .values({name: bindparam(name) for name in names})
        .values(version=table.c.version + 1)
    )


_PRODUCTS = select(products).where(products.c.sku.in_(bindparam("skus", expanding=True)))
_PRODUCTS_LOCKED = _PRODUCTS.order_by(products.c.sku).with_for_update()
_INSERT_PRODUCT = insert(products)
_SAVE_PRODUCTS = _versioned_update(products, products.c.sku, ["name", "price_cents", "stock"])
_ORDER = select(orders).where(orders.c.id == bindparam("order_id"))
_COUNT = select(func.count()).where(
    orders.c.customer_id == bindparam("customer_id"), orders.c.status == bindparam("status")
)
_INSERT_ORDER = insert(orders)
_SAVE_ORDERS = _versioned_update(
    orders, orders.c.id, ["status", "payment_id", "cancel_reason", "refund_due"]
)
_LINES_OF = select(order_lines).where(
    order_lines.c.order_id.in_(bindparam("order_ids", expanding=True))
)
_DELETE_LINES = delete(order_lines).where(order_lines.c.order_id == bindparam("order_id"))
_INSERT_LINES = insert(order_lines)
_PAYMENTS_OF = select(processed_payments).where(
    processed_payments.c.order_id.in_(bindparam("order_ids", expanding=True))
)
_INSERT_PAYMENTS = insert(processed_payments)


class SqlProductRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._loaded: dict[Sku, tuple[Product, Hashable]] = {}
        self._added: list[Product] = []

    def add(self, product: Product) -> None:
        self._added.append(product)

    def get(self, sku: Sku) -> Product | None:
        return self.get_many([sku]).get(sku)

    def get_many(self, skus: Iterable[Sku], *, lock: bool = False) -> dict[Sku, Product]:
        # lock: a pessimistic lock, here only: hot products lost most optimistic races (see
        # README). SKU order, as at save: two placements never deadlock. (SQLite drops
        # FOR UPDATE; its BEGIN IMMEDIATE already runs one writer at a time.)
        query = _PRODUCTS_LOCKED if lock else _PRODUCTS
        rows = self._connection.execute(query, {"skus": [sku.code for sku in skus]})
        return {product.sku: product for product in map(self._loaded_product, rows)}

    def all(self) -> list[Product]:
        rows = self._connection.execute(select(products).order_by(products.c.sku))
        return [self._loaded_product(row) for row in rows]

    def save_changes(self) -> None:
        for product in self._added:
            self._connection.execute(
                _INSERT_PRODUCT, {"sku": product.sku.code, **_product_row(product), "version": 1}
            )
            product.version = 1
        # SKU order: concurrent transactions lock product rows in one order, so never deadlock.
        changed = [
            _Changed(sku.code, product, _product_row(product))
            for sku, (product, as_loaded) in sorted(self._loaded.items())
            if _product_state(product) != as_loaded
        ]
        _update_versioned(self._connection, _SAVE_PRODUCTS, changed)

    def _loaded_product(self, row: Row[Any]) -> Product:
        sku = Sku(row.sku)
        if sku in self._loaded:  # one object per aggregate in a unit of work
            return self._loaded[sku][0]
        product = Product(sku, row.name, Money.from_cents(row.price_cents), row.stock, row.version)
        self._loaded[sku] = (product, _product_state(product))
        return product


class SqlOrderRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._loaded: dict[str, tuple[Order, _OrderState]] = {}
        self._added: list[Order] = []

    @property
    def tracked(self) -> list[Order]:
        """Every order this unit of work added or loaded: whose events it will store."""
        return [*self._added, *(order for order, _ in self._loaded.values())]

    def add(self, order: Order) -> None:
        self._added.append(order)

    def get(self, order_id: str) -> Order | None:
        if "\x00" in order_id:
            # Ids are the server's UUIDs, and PostgreSQL text cannot even hold a NUL: an id
            # with one names no order, and is never sent to the database.
            return None
        found = self._load(_ORDER, {"order_id": order_id})
        return found[0] if found else None

    def count(self, customer_id: str, status: OrderStatus) -> int:
        found = self._connection.scalar(_COUNT, {"customer_id": customer_id, "status": status})
        return int(found or 0)

    def newest_first(
        self, customer_id: str | None, status: OrderStatus | None, limit: int
    ) -> list[Order]:
        query = select(orders).order_by(orders.c.number.desc()).limit(limit)
        if customer_id is not None:
            query = query.where(orders.c.customer_id == customer_id)
        if status is not None:
            query = query.where(orders.c.status == status)
        return self._load(query)

    def save_changes(self) -> None:
        for order in self._added:
            self._connection.execute(
                _INSERT_ORDER,
                {
                    **_order_row(order),
                    "id": order.id,
                    "customer_id": order.customer_id,
                    "created_at": order.created_at.isoformat(),
                    "version": 1,
                },
            )
            self._write_inside(order, previous_payments=frozenset())
            order.version = 1
        changed = [
            (order, as_loaded)
            for order, as_loaded in self._loaded.values()
            if _order_state(order) != as_loaded
        ]
        _update_versioned(
            self._connection,
            _SAVE_ORDERS,
            [_Changed(order.id, order, _order_row(order)) for order, _ in changed],
        )
        for order, as_loaded in changed:
            self._connection.execute(_DELETE_LINES, {"order_id": order.id})
            self._write_inside(order, previous_payments=as_loaded.payments)

    def _write_inside(self, order: Order, previous_payments: frozenset[str]) -> None:
        """The entities inside the boundary, saved with their root."""
        self._connection.execute(
            _INSERT_LINES,
            [
                {
                    "order_id": order.id,
                    "sku": line.sku.code,
                    "quantity": line.quantity,
                    "unit_price_cents": line.unit_price.cents,
                }
                for line in order.lines
            ],
        )
        new_payments = order.processed_payments - previous_payments
        if new_payments:
            self._connection.execute(
                _INSERT_PAYMENTS,
                [{"order_id": order.id, "payment_id": p} for p in sorted(new_payments)],
            )

    def _load(self, query: Any, parameters: dict[str, Any] | None = None) -> list[Order]:
        rows = self._connection.execute(query, parameters).all()
        ids = [row.id for row in rows]
        lines: dict[str, list[OrderLine]] = {order_id: [] for order_id in ids}
        for line in self._connection.execute(_LINES_OF, {"order_ids": ids}):
            lines[line.order_id].append(
                OrderLine(Sku(line.sku), line.quantity, Money.from_cents(line.unit_price_cents))
            )
        payments: dict[str, list[str]] = {order_id: [] for order_id in ids}
        for payment in self._connection.execute(_PAYMENTS_OF, {"order_ids": ids}):
            payments[payment.order_id].append(payment.payment_id)
        return [self._loaded_order(row, lines[row.id], payments[row.id]) for row in rows]

    def _loaded_order(self, row: Row[Any], lines: list[OrderLine], payments: list[str]) -> Order:
        if row.id in self._loaded:  # one object per aggregate in a unit of work
            return self._loaded[row.id][0]
        order = Order(
            id=row.id,
            customer_id=row.customer_id,
            status=OrderStatus(row.status),
            lines=lines,
            payment_id=row.payment_id,
            cancel_reason=row.cancel_reason,
            refund_due=bool(row.refund_due),
            processed_payments=payments,
            created_at=datetime.fromisoformat(row.created_at),
            version=row.version,
        )
        self._loaded[row.id] = (order, _order_state(order))
        return order


class _Changed(NamedTuple):
    """A root to save: its key in its table, the root, and its row's new values."""

    key: str
    root: Product | Order
    values: dict[str, Any]


def _update_versioned(
    connection: Connection, statement: Update, changed: Sequence[_Changed]
) -> None:
    """Save changed roots, each only if nobody saved it since it was loaded; bump versions.

    Batched so that saving costs one statement however many roots changed: placing or
    cancelling an order changes one product per line, all in one transaction (see
    ``domain/ordering.py``). It is one ``UPDATE … WHERE key = :key AND version = :seen``
    run with every root's parameters (an executemany: one round trip), so each root's
    version is still checked on its own row. The rowcount is the sum over the roots
    (SQLAlchemy's ``supports_sane_multi_rowcount``, true for pysqlite and psycopg 3): fewer
    rows than roots means one of them is stale, and the whole save is refused.
    """
    if not changed:
        return
    result = connection.execute(
        statement,
        [{**each.values, "key": each.key, "seen": each.root.version} for each in changed],
    )
    if result.rowcount != len(changed):
        kind = type(changed[0].root).__name__
        seen = ", ".join(f"{each.key} version {each.root.version}" for each in changed)
        raise Conflict(
            f"{kind} changed since it was loaded: {len(changed) - result.rowcount} of "
            f"{len(changed)} stale ({seen})"
        )
    for each in changed:
        each.root.version += 1


def _product_row(product: Product) -> dict[str, Any]:
    """The values a product's row takes; its key (the SKU) never changes."""
    return {
        "name": product.name,
        "price_cents": product.price.cents,
        "stock": product.stock,
    }


def _product_state(product: Product) -> Hashable:
    return (product.name, product.price, product.stock)


def _order_row(order: Order) -> dict[str, Any]:
    return {
        "status": order.status.value,
        "payment_id": order.payment_id,
        "cancel_reason": order.cancel_reason,
        "refund_due": order.refund_due,
    }


class _OrderState(NamedTuple):
    fields: Hashable
    payments: frozenset[str]


def _order_state(order: Order) -> _OrderState:
    lines = tuple((line.sku, line.quantity, line.unit_price) for line in order.lines)
    fields = (order.status, order.payment_id, order.cancel_reason, order.refund_due, lines)
    return _OrderState(fields, order.processed_payments)
