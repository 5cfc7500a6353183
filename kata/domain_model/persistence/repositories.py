"""Repositories: collections of entities, backed by the ORM session.

The queries a request runs are built once, at import, with ``bindparam`` for the values each
call supplies: building a SQLAlchemy statement costs several times what running it does
(``benchmarks/latency.py`` measures it).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session, joinedload

from kata.domain_model.domain.order import Order, OrderLine, OrderStatus
from kata.domain_model.domain.product import Product

_orders = Order.__table__.c

_PRODUCTS = select(Product).where(Product.sku.in_(bindparam("skus", expanding=True)))
_PRODUCTS_LOCKED = _PRODUCTS.order_by(Product.sku).with_for_update()
_COUNT = select(func.count()).where(
    _orders.customer_id == bindparam("customer_id"), _orders.status == bindparam("status")
)


def _order_query(with_products: bool, with_payments: bool) -> Select[Order]:
    """The order by id with its lines joined in: one SELECT, where loading them took one
    more. The lines' products and the payments processed are joined too when the use case
    will navigate to them (a lazy load would cost a SELECT of its own)."""
    lines = joinedload(Order._lines)
    options = [lines.joinedload(OrderLine.product) if with_products else lines]
    if with_payments:
        options.append(joinedload(Order._payments))
    return select(Order).where(_orders.id == bindparam("order_id")).options(*options)


# Every combination, built at import: (with_products, with_payments) -> query.
_ORDER_QUERIES = {(p, q): _order_query(p, q) for p in (False, True) for q in (False, True)}


class ProductRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, product: Product) -> None:
        self._session.add(product)

    def get(self, sku: str) -> Product | None:
        return self._session.get(Product, sku)

    def get_many(self, skus: Iterable[str], *, lock: bool = False) -> dict[str, Product]:
        """The products of these SKUs, by SKU; unknown SKUs are left out.

        ``lock``: for a use case many clients run at once on the same products (placing an
        order). Their rows stay locked until the session ends (``SELECT … FOR UPDATE``), so
        a rival placement waits for them instead of losing on the version column at flush
        and running again; the version check still guards every write. SKU order, as the
        stock is written: two placements never deadlock. SQLite drops ``FOR UPDATE``; its
        ``BEGIN IMMEDIATE`` already lets one writer in at a time.
        """
        query = _PRODUCTS_LOCKED if lock else _PRODUCTS
        found = self._session.scalars(query, {"skus": list(skus)})
        return {product.sku: product for product in found}

    def all(self) -> list[Product]:
        return list(self._session.scalars(select(Product).order_by(Product.sku)))


class OrderRepository:
    def __init__(self, session: Session) -> None:
        self._session = session
        self.seen: list[Order] = []  # whose events the unit of work stores at commit

    def add(self, order: Order) -> None:
        self._session.add(order)
        self.seen.append(order)

    def get(
        self, order_id: str, *, with_products: bool = False, with_payments: bool = False
    ) -> Order | None:
        """The order with its lines, in one SELECT. ``with_products``: every line's product
        too, for a use case that moves the lines' stock (a line's product is never loaded on
        its own); ``with_payments``: the payments processed, for a payment result (O10)."""
        if "\x00" in order_id:
            # Ids are the server's UUIDs, and PostgreSQL text cannot even hold a NUL: an id
            # with one names no order, and is never sent to the database.
            return None
        query = _ORDER_QUERIES[with_products, with_payments]
        # unique(): the joined lines make one row per line, all of the same order.
        order = self._session.scalars(query, {"order_id": order_id}).unique().first()
        if order is not None:
            self.seen.append(order)
        return order

    def count(self, customer_id: str, status: OrderStatus) -> int:
        found = self._session.scalar(_COUNT, {"customer_id": customer_id, "status": status})
        return int(found or 0)

    def newest_first(
        self, customer_id: str | None, status: OrderStatus | None, limit: int
    ) -> list[Order]:
        query = select(Order).order_by(_orders.number.desc()).limit(limit)
        if customer_id is not None:
            query = query.where(_orders.customer_id == customer_id)
        if status is not None:
            query = query.where(_orders.status == status)
        return list(self._session.scalars(query))
