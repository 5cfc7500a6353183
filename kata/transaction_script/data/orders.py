"""Table data gateway for ``orders`` and ``order_lines``.

Statements are built once, at import (``bindparam`` marks what each call supplies): building
one costs more than running it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Executable,
    Row,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from kata.transaction_script.data.money import from_cents, to_cents
from kata.transaction_script.data.tables import order_lines, orders
from kata.transaction_script.records import Order, OrderLine

_INSERT_ORDER = insert(orders)
_INSERT_LINES = insert(order_lines)
# A no-op UPDATE that hands back the row it locked: the lock and the read in one statement.
_LOCK = (
    update(orders)
    .where(orders.c.id == bindparam("order_id"))
    .values(status=orders.c.status)
    .returning(*orders.c)
)
_FIND = select(orders).where(orders.c.id == bindparam("order_id"))
_COUNT = select(func.count()).where(
    orders.c.customer_id == bindparam("customer_id"), orders.c.status == bindparam("status")
)
_DELETE_LINE = delete(order_lines).where(
    order_lines.c.order_id == bindparam("order_id"), order_lines.c.sku == bindparam("sku")
)
_LINES_OF_ORDER = (
    select(order_lines)
    .where(order_lines.c.order_id == bindparam("order_id"))
    .order_by(order_lines.c.sku)
)
# An expanding IN is rendered anew at every call: only lists of orders pay for it.
_LINES_OF = (
    select(order_lines)
    .where(order_lines.c.order_id.in_(bindparam("order_ids", expanding=True)))
    .order_by(order_lines.c.order_id, order_lines.c.sku)
)
_CHANGE = update(orders).where(orders.c.id == bindparam("order_id"))


def _setting_line(insert_into: Callable[[Table], Any]) -> Executable:
    """An upsert: INSERT … ON CONFLICT (order_id, sku) DO UPDATE SET quantity. Both databases
    speak it, but SQLAlchemy builds it with each dialect's own ``insert``."""
    statement = insert_into(order_lines)
    return cast(
        Executable,
        statement.on_conflict_do_update(
            index_elements=[order_lines.c.order_id, order_lines.c.sku],
            set_={"quantity": statement.excluded.quantity},
        ),
    )


_SET_LINE = {"sqlite": _setting_line(sqlite.insert), "postgresql": _setting_line(postgresql.insert)}


def insert_order(connection: Connection, order: Order) -> None:
    connection.execute(
        _INSERT_ORDER,
        {
            "id": order.id,
            "customer_id": order.customer_id,
            "status": order.status,
            "subtotal_cents": to_cents(order.subtotal),
            "discount_cents": to_cents(order.discount),
            "total_cents": to_cents(order.total),
            "payment_id": order.payment_id,
            "cancel_reason": order.cancel_reason,
            "refund_due": order.refund_due,
            "created_at": order.created_at.isoformat(),
        },
    )
    _insert_lines(connection, order.id, order.lines)


def _storable(order_id: str) -> bool:
    """Order ids are the server's UUIDs; PostgreSQL text cannot even hold a NUL, so an id with
    one names no order (and is never sent to the database)."""
    return "\x00" not in order_id


def lock(connection: Connection, order_id: str) -> Order | None:
    """The order, its row locked for the rest of the transaction; None if no such order.

    A no-op UPDATE locks on every database (SQLite locks the whole file anyway), so two
    scripts changing one order run one after the other and each reads the other's result.
    """
    return _with_lines(connection, _LOCK, order_id)


def find(connection: Connection, order_id: str) -> Order | None:
    return _with_lines(connection, _FIND, order_id)


def _with_lines(connection: Connection, statement: Executable, order_id: str) -> Order | None:
    """The order row ``statement`` gives for ``order_id``, with its lines."""
    if not _storable(order_id):
        return None
    row = connection.execute(statement, {"order_id": order_id}).first()
    if row is None:
        return None
    lines = connection.execute(_LINES_OF_ORDER, {"order_id": order_id})
    return _order(row, [_line(line) for line in lines])


def find_many(
    connection: Connection, customer_id: str | None, status: str | None, limit: int
) -> list[Order]:
    """Orders newest first (by placement), optionally of one customer and/or in one status."""
    query = select(orders).order_by(orders.c.number.desc()).limit(limit)
    if customer_id is not None:
        query = query.where(orders.c.customer_id == customer_id)
    if status is not None:
        query = query.where(orders.c.status == status)
    rows = connection.execute(query).all()
    lines = _lines_of(connection, [row.id for row in rows])
    return [_order(row, lines[row.id]) for row in rows]


def count(connection: Connection, customer_id: str, status: str) -> int:
    found = connection.scalar(_COUNT, {"customer_id": customer_id, "status": status})
    return int(found or 0)


def set_line(connection: Connection, order_id: str, line: OrderLine) -> None:
    """Add the line, or set the quantity of the order's line for its SKU (one row per SKU:
    an existing line keeps its unit price)."""
    connection.execute(
        _SET_LINE[connection.dialect.name],
        {
            "order_id": order_id,
            "sku": line.sku,
            "quantity": line.quantity,
            "unit_price_cents": to_cents(line.unit_price),
        },
    )


def remove_line(connection: Connection, order_id: str, sku: str) -> None:
    connection.execute(_DELETE_LINE, {"order_id": order_id, "sku": sku})


def set_totals(
    connection: Connection, order_id: str, *, subtotal: Decimal, discount: Decimal, total: Decimal
) -> None:
    _change(
        connection,
        order_id,
        subtotal_cents=to_cents(subtotal),
        discount_cents=to_cents(discount),
        total_cents=to_cents(total),
    )


def mark_paid(connection: Connection, order_id: str, status: str, payment_id: str) -> None:
    _change(connection, order_id, status=status, payment_id=payment_id)


def mark_cancelled(
    connection: Connection, order_id: str, status: str, reason: str, refund_due: bool
) -> None:
    _change(connection, order_id, status=status, cancel_reason=reason, refund_due=refund_due)


def mark_status(connection: Connection, order_id: str, status: str) -> None:
    _change(connection, order_id, status=status)


def _change(connection: Connection, order_id: str, **changed: object) -> None:
    # The SET clause names the columns given in the parameters (SQLAlchemy's rule).
    connection.execute(_CHANGE, {"order_id": order_id, **changed})


def _insert_lines(connection: Connection, order_id: str, lines: Sequence[OrderLine]) -> None:
    connection.execute(
        _INSERT_LINES,
        [
            {
                "order_id": order_id,
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price_cents": to_cents(line.unit_price),
            }
            for line in lines
        ],
    )


def _lines_of(connection: Connection, order_ids: list[str]) -> dict[str, list[OrderLine]]:
    lines: dict[str, list[OrderLine]] = defaultdict(list)
    for row in connection.execute(_LINES_OF, {"order_ids": order_ids}):
        lines[row.order_id].append(_line(row))
    return lines


def _line(row: Row[tuple[object, ...]]) -> OrderLine:
    return OrderLine(row.sku, row.quantity, from_cents(row.unit_price_cents))


def _order(row: Row[tuple[object, ...]], lines: list[OrderLine]) -> Order:
    return Order(
        id=row.id,
        customer_id=row.customer_id,
        status=row.status,
        lines=tuple(lines),
        subtotal=from_cents(row.subtotal_cents),
        discount=from_cents(row.discount_cents),
        total=from_cents(row.total_cents),
        payment_id=row.payment_id,
        cancel_reason=row.cancel_reason,
        refund_due=bool(row.refund_due),
        created_at=datetime.fromisoformat(row.created_at),
    )
