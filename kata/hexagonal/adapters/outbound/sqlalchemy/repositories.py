"""One repository per aggregate root: a data mapper by hand, saving with optimistic concurrency.

Each repository remembers the state every aggregate had when it was loaded. At commit it
writes only the aggregates that changed, with ``UPDATE … WHERE version = :seen``: if
another transaction saved the aggregate first, no row matches and the write is refused.
Inner entities (order lines) have no repository: they are saved with their root.

Loads and saves are set-based, so a use case issues as many statements for an order of 20
lines as for one: the products of an order come in one ``WHERE sku IN`` query, and every
root of a kind is inserted, or updated, by one statement executed for all of them at once.

The statements a request runs are built once, at import, with ``bindparam`` for the values
each call supplies: building a SQLAlchemy statement costs several times what running it does
(``benchmarks/latency.py`` measures it).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from sqlalchemy import (
    Column,
    Connection,
    Insert,
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

from kata.hexagonal.adapters.outbound.sqlalchemy.tables import (
    order_lines,
    orders,
    processed_payments,
    products,
)
from kata.hexagonal.application.ports.outbound import Conflict
from kata.hexagonal.domain.money import Money
from kata.hexagonal.domain.order import Order, OrderLine, OrderStatus
from kata.hexagonal.domain.product import Product
from kata.hexagonal.domain.values import Sku


def _versioned_update(table: Table, key: Column[Any]) -> Update:
    """``UPDATE table SET … WHERE key = :key AND version = :seen``; the columns it sets are
    the other parameters it runs with (see ``_update_versioned``)."""
    return update(table).where(key == bindparam("key"), table.c.version == bindparam("seen"))


_PRODUCTS = select(products).where(products.c.sku.in_(bindparam("skus", expanding=True)))
_PRODUCTS_LOCKED = _PRODUCTS.order_by(products.c.sku).with_for_update()
_INSERT_PRODUCTS = insert(products)
_SAVE_PRODUCTS = _versioned_update(products, products.c.sku)
_ORDER = select(orders).where(orders.c.id == bindparam("order_id"))
_COUNT = select(func.count()).where(
    orders.c.customer_id == bindparam("customer_id"), orders.c.status == bindparam("status")
)
_INSERT_ORDERS = insert(orders)
_SAVE_ORDERS = _versioned_update(orders, orders.c.id)
_LINES_OF = select(order_lines).where(
    order_lines.c.order_id.in_(bindparam("order_ids", expanding=True))
)
_DELETE_LINES_OF = delete(order_lines).where(
    order_lines.c.order_id.in_(bindparam("order_ids", expanding=True))
)
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
        # lock: SELECT … FOR UPDATE: the rows stay this transaction's until it ends, so a
        # rival waits rather than losing at commit. SKU order, as at save: never a deadlock.
        # (SQLite drops FOR UPDATE; its BEGIN IMMEDIATE runs one writer at a time.)
        query = _PRODUCTS_LOCKED if lock else _PRODUCTS
        rows = self._connection.execute(query, {"skus": [sku.code for sku in skus]})
        return {product.sku: product for product in map(self._loaded_product, rows)}

    def all(self) -> list[Product]:
        rows = self._connection.execute(select(products).order_by(products.c.sku))
        return [self._loaded_product(row) for row in rows]

    def save_changes(self) -> None:
        """Insert the products added, then save every changed one in one versioned write."""
        _insert_new(
            self._connection,
            _INSERT_PRODUCTS,
            [
                (product, {"sku": product.sku.code, **_product_row(product)})
                for product in self._added
            ],
        )
        _update_versioned(
            self._connection,
            _SAVE_PRODUCTS,
            [
                (sku.code, product, _product_row(product))
                for sku, (product, as_loaded) in self._loaded.items()
                if _product_state(product) != as_loaded
            ],
        )

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
        """Insert the orders added, save every changed one in one versioned write, then
        the entities inside their boundaries (a changed order's lines are written anew)."""
        changed = [
            (order, as_loaded)
            for order, as_loaded in self._loaded.values()
            if _order_state(order) != as_loaded
        ]
        _insert_new(
            self._connection,
            _INSERT_ORDERS,
            [
                (
                    order,
                    {
                        "id": order.id,
                        "customer_id": order.customer_id,
                        "created_at": order.created_at.isoformat(),
                        **_order_row(order),
                    },
                )
                for order in self._added
            ],
        )
        _update_versioned(
            self._connection,
            _SAVE_ORDERS,
            [(order.id, order, _order_row(order)) for order, _ in changed],
        )
        if changed:
            self._connection.execute(_DELETE_LINES_OF, {"order_ids": [o.id for o, _ in changed]})
        self._write_inside(
            [(order, frozenset[str]()) for order in self._added]
            + [(order, as_loaded.payments) for order, as_loaded in changed]
        )

    def _write_inside(self, saved: list[tuple[Order, frozenset[str]]]) -> None:
        """The lines and the new payments of the orders saved (each with the payments it was
        loaded with), in one statement each."""
        lines = [
            {
                "order_id": order.id,
                "sku": line.sku.code,
                "quantity": line.quantity,
                "unit_price_cents": line.unit_price.cents,
            }
            for order, _ in saved
            for line in order.lines
        ]
        payments = [
            {"order_id": order.id, "payment_id": payment_id}
            for order, previous in saved
            for payment_id in sorted(order.processed_payments - previous)
        ]
        for statement, rows in ((_INSERT_LINES, lines), (_INSERT_PAYMENTS, payments)):
            if rows:
                self._connection.execute(statement, rows)

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


class _Root(Protocol):
    version: int  # the version the root was loaded at (0: never saved)


def _insert_new(
    connection: Connection, statement: Insert, new: list[tuple[_Root, dict[str, Any]]]
) -> None:
    """Insert new roots at version 1, all in one statement.

    A root another transaction inserted first breaks the primary key: the unit of work turns
    that into ``Conflict``.
    """
    if new:
        connection.execute(statement, [{**row, "version": 1} for _, row in new])
    for root, _ in new:
        root.version = 1


def _update_versioned(
    connection: Connection,
    statement: Update,
    changed: list[tuple[str, _Root, dict[str, Any]]],
) -> None:
    """Save changed roots only if nobody saved any of them since they were loaded.

    One ``UPDATE … WHERE key = :key AND version = :seen``, executed for every root at once
    (``executemany``: one round trip). Both drivers add up the rows each execution matched
    (SQLAlchemy's ``supports_sane_multi_rowcount``, which ``Database`` requires), so fewer
    rows than roots means another transaction saved at least one of them first: the whole
    unit is refused, and its transaction rolled back.
    """
    if not changed:
        return
    # Key order: concurrent transactions lock the rows in one order, so never deadlock.
    changed = sorted(changed, key=lambda write: write[0])
    result = connection.execute(
        statement,
        [
            {**row, "version": root.version + 1, "key": identity, "seen": root.version}
            for identity, root, row in changed
        ],
    )
    if result.rowcount != len(changed):
        stale, kind = len(changed) - result.rowcount, type(changed[0][1]).__name__
        raise Conflict(f"{kind}: {stale} of {len(changed)} changed since they were loaded")
    for _, root, _ in changed:
        root.version += 1


def _product_row(product: Product) -> dict[str, Any]:
    """The columns a product's changes write (the key apart)."""
    return {
        "name": product.name,
        "price_cents": product.price.cents,
        "stock": product.stock,
    }


def _product_state(product: Product) -> Hashable:
    return (product.name, product.price, product.stock)


def _order_row(order: Order) -> dict[str, Any]:
    """The columns an order's changes write (what never changes apart)."""
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
