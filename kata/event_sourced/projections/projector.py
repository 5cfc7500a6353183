"""The projector: each recorded event, applied to the read models it changes.

Called by the store with the events a transaction appends, inside that transaction (so the
read side is never behind an answered write), and by :mod:`rebuild` with the whole log.
It reads events, never aggregates: a projection is a function of the log alone.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Update, bindparam, insert, select, update

from kata.event_sourced.application.ports import Recorded
from kata.event_sourced.domain.events import (
    LineFact,
    OrderAmended,
    OrderCancelled,
    OrderPaid,
    OrderPlaced,
    OrderShipped,
    ProductRegistered,
    ProductRenamed,
    ProductRepriced,
    ProductRestocked,
    StockReleased,
    StockReserved,
)
from kata.event_sourced.domain.pricing import price
from kata.event_sourced.domain.values import OrderStatus
from kata.event_sourced.projections.tables import open_orders, orders, products

# Built once, at import: building a statement costs more than running it.
_PRODUCT = products.c.sku == bindparam("product_sku")
_ORDER = orders.c.id == bindparam("order_id")
_INSERT_PRODUCT = insert(products)
_RENAME = update(products).where(_PRODUCT).values(name=bindparam("name"))
_REPRICE = update(products).where(_PRODUCT).values(price_cents=bindparam("price_cents"))
_MOVE_STOCK = update(products).where(_PRODUCT).values(stock=products.c.stock + bindparam("units"))
_INSERT_ORDER = insert(orders)
_AMEND = (
    update(orders)
    .where(_ORDER)
    .values(
        lines=bindparam("lines"),
        subtotal_cents=bindparam("subtotal_cents"),
        discount_cents=bindparam("discount_cents"),
        total_cents=bindparam("total_cents"),
    )
)
_PAID = update(orders).where(_ORDER).values(status="PAID", payment_id=bindparam("payment_id"))
_CANCELLED = (
    update(orders)
    .where(_ORDER)
    .values(
        status="CANCELLED",
        cancel_reason=bindparam("cancel_reason"),
        refund_due=bindparam("refund_due"),
    )
)
_SHIPPED = update(orders).where(_ORDER).values(status="SHIPPED")
_ONE_MORE_OPEN = (
    update(open_orders)
    .where(open_orders.c.customer_id == bindparam("customer"))
    .values(open=open_orders.c.open + 1)
)
_FIRST_OPEN = insert(open_orders).values(customer_id=bindparam("customer"), open=1)
# Run before the status changes: only an order leaving PENDING_PAYMENT closes one.
_ONE_LESS_OPEN = (
    update(open_orders)
    .where(
        open_orders.c.customer_id.in_(
            select(orders.c.customer_id).where(
                _ORDER, orders.c.status == OrderStatus.PENDING_PAYMENT.value
            )
        )
    )
    .values(open=open_orders.c.open - 1)
)


def project(connection: Connection, recorded: Sequence[Recorded]) -> None:
    """Apply the events in log order. Stock moves are summed per product and written last, in
    one batch: an order of 20 lines moves stock in as many statements as an order of 1."""
    moves: dict[str, int] = {}
    for one in recorded:
        _project(connection, one, moves)
    if moves:
        connection.execute(
            _MOVE_STOCK,
            [{"product_sku": sku, "units": units} for sku, units in sorted(moves.items())],
        )


def _project(connection: Connection, recorded: Recorded, moves: dict[str, int]) -> None:
    event = recorded.event
    run = connection.execute
    match event:
        case ProductRegistered():
            run(_INSERT_PRODUCT, _product_row(event))
        case ProductRenamed():
            run(_RENAME, {"product_sku": event.sku, "name": event.name})
        case ProductRepriced():
            run(_REPRICE, {"product_sku": event.sku, "price_cents": event.price.cents})
        case ProductRestocked() | StockReleased():
            moves[event.sku] = moves.get(event.sku, 0) + event.quantity
        case StockReserved():
            moves[event.sku] = moves.get(event.sku, 0) - event.quantity
        case OrderPlaced():
            run(_INSERT_ORDER, order_row(event, recorded.position))
            _count_open(connection, event.customer_id)
        case OrderAmended():
            run(_AMEND, {"order_id": event.order_id, **_lines_and_totals(event.lines)})
        case OrderPaid():
            _close(connection, _PAID, order_id=event.order_id, payment_id=event.payment_id)
        case OrderCancelled():
            _close(
                connection,
                _CANCELLED,
                order_id=event.order_id,
                cancel_reason=event.reason,
                refund_due=event.refund_due,
            )
        case OrderShipped():
            run(_SHIPPED, {"order_id": event.order_id})
        case _:
            pass  # PaymentFailed, IdempotencyKeyBound: no read model shows them


def order_row(placed: OrderPlaced, position: int) -> dict[str, Any]:
    """The order's row as its first event makes it: also the answer an idempotent replay
    gives (O12), the order as it was placed."""
    return {
        "number": position,
        "id": placed.order_id,
        "customer_id": placed.customer_id,
        "status": OrderStatus.PENDING_PAYMENT.value,
        **_lines_and_totals(placed.lines),
        "payment_id": None,
        "cancel_reason": None,
        "refund_due": False,
        "created_at": placed.placed_at.isoformat(),
    }


def _product_row(event: ProductRegistered) -> dict[str, Any]:
    return {
        "sku": event.sku,
        "name": event.name,
        "price_cents": event.price.cents,
        "stock": event.stock,
    }


def _lines_and_totals(lines: tuple[LineFact, ...]) -> dict[str, Any]:
    totals = price(line.unit_price.times(line.quantity) for line in lines)  # rule: O4
    return {
        "lines": json.dumps([[line.sku, line.quantity, str(line.unit_price)] for line in lines]),
        "subtotal_cents": totals.subtotal.cents,
        "discount_cents": totals.discount.cents,
        "total_cents": totals.total.cents,
    }


def _count_open(connection: Connection, customer_id: str) -> None:
    counted = connection.execute(_ONE_MORE_OPEN, {"customer": customer_id}).rowcount
    if not counted:
        connection.execute(_FIRST_OPEN, {"customer": customer_id})


def _close(connection: Connection, change: Update, **values: Any) -> None:
    """Move an order out of PENDING_PAYMENT (if it was there): one open order less."""
    connection.execute(_ONE_LESS_OPEN, {"order_id": values["order_id"]})
    connection.execute(change, values)
