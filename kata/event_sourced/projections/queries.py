"""The query side: every read a client makes, answered from the read models (and the feed
from the log itself). One short transaction per query; no aggregate is loaded."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Select, bindparam, select

from kata.event_sourced.domain.events import PUBLISHED, OrderPlaced, order_stream
from kata.event_sourced.domain.money import Money
from kata.event_sourced.eventstore import codec
from kata.event_sourced.eventstore.tables import events
from kata.event_sourced.projections.projector import order_row
from kata.event_sourced.projections.tables import open_orders as open_orders_table
from kata.event_sourced.projections.tables import orders, products
from kata.event_sourced.projections.views import EventRecord, LineView, OrderView, ProductView

# Built once, at import: building a statement costs more than running it.
_PRODUCT = select(products).where(products.c.sku == bindparam("sku"))
_PRODUCTS = select(products).order_by(products.c.sku)
_ORDER = select(orders).where(orders.c.id == bindparam("order_id"))
_FIRST_EVENT = select(events).where(events.c.stream == bindparam("stream"), events.c.version == 1)
_FEED = (
    select(events)
    .where(events.c.position > bindparam("after"), events.c.type.in_(PUBLISHED))
    .order_by(events.c.position)
    .limit(bindparam("limit"))
)
_OPEN = select(open_orders_table.c.open).where(
    open_orders_table.c.customer_id == bindparam("customer_id")
)


class Queries:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def product(self, sku: str) -> ProductView | None:
        with self._engine.connect() as connection:
            row = connection.execute(_PRODUCT, {"sku": sku}).first()
        return None if row is None else _product_view(row._mapping)

    def products(self) -> list[ProductView]:
        with self._engine.connect() as connection:
            return [_product_view(row._mapping) for row in connection.execute(_PRODUCTS)]

    def order(self, order_id: str) -> OrderView | None:
        if "\x00" in order_id:  # no id holds one, and PostgreSQL text cannot
            return None
        with self._engine.connect() as connection:
            row = connection.execute(_ORDER, {"order_id": order_id}).first()
        return None if row is None else _order_view(row._mapping)

    def order_as_placed(self, order_id: str) -> OrderView | None:
        """The order as its first event left it: what its placement answered (O12)."""
        with self._engine.connect() as connection:
            row = connection.execute(_FIRST_EVENT, {"stream": order_stream(order_id)}).first()
        if row is None:
            return None
        placed = codec.recorded(row).event
        assert isinstance(placed, OrderPlaced), "an order's stream starts with OrderPlaced"
        return _order_view(order_row(placed, row.position))

    def orders(self, customer_id: str | None, status: str | None, limit: int) -> list[OrderView]:
        """Newest first: by the log position of their placement."""
        query: Select[Any] = select(orders).order_by(orders.c.number.desc()).limit(limit)
        if customer_id is not None:
            query = query.where(orders.c.customer_id == customer_id)
        if status is not None:
            query = query.where(orders.c.status == status)
        with self._engine.connect() as connection:
            return [_order_view(row._mapping) for row in connection.execute(query)]

    def events_after(self, after: int, limit: int) -> list[EventRecord]:
        """The published events after ``after``, read from the log in its own order."""
        with self._engine.connect() as connection:
            rows = connection.execute(_FEED, {"after": after, "limit": limit}).all()
        return [
            EventRecord(
                row.position,
                row.type,
                row.stream.split("/", 1)[1],
                _time(row.occurred_at),
                json.loads(row.data),
            )
            for row in rows
        ]


def open_orders(connection: Connection, customer_id: str) -> int:
    """A customer's unpaid orders (O6), read in the caller's transaction."""
    return int(connection.scalar(_OPEN, {"customer_id": customer_id}) or 0)


def _product_view(row: Mapping[Any, Any]) -> ProductView:
    return ProductView(row["sku"], row["name"], Money.from_cents(row["price_cents"]), row["stock"])


def _order_view(row: Mapping[Any, Any]) -> OrderView:
    return OrderView(
        id=row["id"],
        customer_id=row["customer_id"],
        status=row["status"],
        lines=tuple(
            LineView(sku, quantity, Money.of(price), Money.of(price).times(quantity))
            for sku, quantity, price in json.loads(row["lines"])
        ),
        subtotal=Money.from_cents(row["subtotal_cents"]),
        discount=Money.from_cents(row["discount_cents"]),
        total=Money.from_cents(row["total_cents"]),
        payment_id=row["payment_id"],
        cancel_reason=row["cancel_reason"],
        refund_due=bool(row["refund_due"]),
        created_at=_time(row["created_at"]),
    )


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)
