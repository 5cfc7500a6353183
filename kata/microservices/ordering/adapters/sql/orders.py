"""The order repository and the saga log, on the ordering service's own tables."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, func, insert, select, update

from kata.microservices.ordering.adapters.sql import outbox
from kata.microservices.ordering.adapters.sql.tables import orders, sagas
from kata.microservices.ordering.application.ports import Conflict, Saga
from kata.microservices.ordering.domain.money import Money
from kata.microservices.ordering.domain.order import Order, OrderLine, OrderStatus
from kata.microservices.ordering.domain.values import Sku

_ORDER = select(orders).where(orders.c.id == bindparam("order_id"))
_COUNT = select(func.count()).where(
    orders.c.customer_id == bindparam("customer"), orders.c.status == bindparam("wanted")
)
_SAVE = (
    update(orders)
    .where(orders.c.id == bindparam("order_id"), orders.c.version == bindparam("seen"))
    .values(
        status=bindparam("status"),
        lines=bindparam("lines"),
        payment_id=bindparam("payment_id"),
        cancel_reason=bindparam("cancel_reason"),
        refund_due=bindparam("refund_due"),
        processed_payments=bindparam("processed_payments"),
        version=orders.c.version + 1,
    )
)
_NEXT_VERSIONS = (
    update(orders)
    .where(orders.c.id == bindparam("order_id"), orders.c.version == bindparam("seen"))
    .values(reservation_version=orders.c.reservation_version + 2)
    .returning(orders.c.reservation_version)
)
_FINISH = delete(sagas).where(
    sagas.c.order_id == bindparam("order_id"),
    sagas.c.forward_version == bindparam("forward"),
    sagas.c.state == "STARTED",
)
_FORGET = delete(sagas).where(
    sagas.c.order_id == bindparam("order_id"), sagas.c.forward_version == bindparam("forward")
)
_STALE = select(sagas).where(sagas.c.started_at < bindparam("before"))
_CLAIM = (
    update(sagas)
    .where(
        # Not "order_id": an UPDATE keeps its columns' names for the values it sets.
        sagas.c.order_id == bindparam("claimed"),
        sagas.c.forward_version == bindparam("forward"),
        sagas.c.started_at == bindparam("seen"),
    )
    .values(state="UNDOING", started_at=bindparam("now"))
)
# A place saga's order has no row yet: its reservation starts at these versions.
FIRST_VERSIONS = (1, 2)


class SqlOrders:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, order: Order) -> None:
        self._connection.execute(
            insert(orders).values(
                id=order.id,
                customer_id=order.customer_id,
                created_at=order.created_at.isoformat(),
                version=1,
                reservation_version=FIRST_VERSIONS[1],
                **_row(order),
            )
        )
        order.version = 1
        self._write_events(order)

    def get(self, order_id: str) -> Order | None:
        if "\x00" in order_id:  # no id holds one, and PostgreSQL text cannot
            return None
        row = self._connection.execute(_ORDER, {"order_id": order_id}).first()
        return None if row is None else _order(row)

    def count(self, customer_id: str, status: OrderStatus) -> int:
        found = self._connection.scalar(_COUNT, {"customer": customer_id, "wanted": status.value})
        return int(found or 0)

    def newest_first(
        self, customer_id: str | None, status: OrderStatus | None, limit: int
    ) -> list[Order]:
        query = select(orders).order_by(orders.c.number.desc()).limit(limit)
        if customer_id is not None:
            query = query.where(orders.c.customer_id == customer_id)
        if status is not None:
            query = query.where(orders.c.status == status.value)
        return [_order(row) for row in self._connection.execute(query)]

    def save(self, order: Order) -> None:
        """Save an order loaded earlier, unless another transaction saved it since."""
        saved = self._connection.execute(
            _SAVE, {"order_id": order.id, "seen": order.version, **_row(order)}
        )
        if saved.rowcount != 1:
            raise Conflict(f"Order {order.id} changed since it was loaded.")
        order.version += 1
        self._write_events(order)

    def reservation_versions(self, order_id: str, seen: int) -> tuple[int, int]:
        if not seen:
            return FIRST_VERSIONS
        last = self._connection.scalar(_NEXT_VERSIONS, {"order_id": order_id, "seen": seen})
        if last is None:
            raise Conflict(f"Order {order_id} changed since it was loaded.")
        return last - 1, last

    def _write_events(self, order: Order) -> None:
        for event in order.take_events():
            outbox.append(self._connection, event, datetime.now(UTC))


class SqlSagaLog:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def start(self, saga: Saga) -> None:
        # One saga per order: a second one in flight is refused by the primary key.
        self._connection.execute(insert(sagas).values(**_saga_row(saga)))

    def finish(self, saga: Saga) -> bool:
        found = self._connection.execute(_FINISH, _key(saga))
        return found.rowcount == 1

    def forget(self, saga: Saga) -> None:
        self._connection.execute(_FORGET, _key(saga))

    def stale(self, started_before: datetime) -> list[Saga]:
        rows = self._connection.execute(_STALE, {"before": started_before.isoformat()})
        return [_saga(row) for row in rows]

    def claim(self, saga: Saga) -> bool:
        now = datetime.now(UTC).isoformat()
        claimed = self._connection.execute(
            _CLAIM,
            {
                "claimed": saga.order_id,
                "forward": saga.forward_version,
                "seen": saga.started_at.isoformat(),
                "now": now,
            },
        )
        return claimed.rowcount == 1


def _row(order: Order) -> dict[str, Any]:
    return {
        "status": order.status.value,
        "lines": json.dumps(
            [[line.sku.code, line.quantity, line.unit_price.cents] for line in order.lines]
        ),
        "payment_id": order.payment_id,
        "cancel_reason": order.cancel_reason,
        "refund_due": order.refund_due,
        "processed_payments": json.dumps(sorted(order.processed_payments)),
    }


def _order(row: Row[Any]) -> Order:
    return Order(
        id=row.id,
        customer_id=row.customer_id,
        status=OrderStatus(row.status),
        lines=[
            OrderLine(Sku(sku), quantity, Money.from_cents(cents))
            for sku, quantity, cents in json.loads(row.lines)
        ],
        payment_id=row.payment_id,
        cancel_reason=row.cancel_reason,
        refund_due=bool(row.refund_due),
        processed_payments=json.loads(row.processed_payments),
        created_at=datetime.fromisoformat(row.created_at),
        version=row.version,
    )


def _saga_row(saga: Saga) -> dict[str, Any]:
    return {
        "order_id": saga.order_id,
        "step": saga.step,
        "state": saga.state,
        "previous": json.dumps(saga.previous, sort_keys=True),
        "target": json.dumps(saga.target, sort_keys=True),
        "forward_version": saga.forward_version,
        "undo_version": saga.undo_version,
        "started_at": saga.started_at.isoformat(),
        "redo": None if saga.redo is None else json.dumps(saga.redo, sort_keys=True),
    }


def _saga(row: Row[Any]) -> Saga:
    return Saga(
        row.order_id,
        row.step,
        row.state,
        json.loads(row.previous),
        json.loads(row.target),
        row.forward_version,
        row.undo_version,
        datetime.fromisoformat(row.started_at),
        None if row.redo is None else json.loads(row.redo),
    )


def _key(saga: Saga) -> dict[str, Any]:
    return {"order_id": saga.order_id, "forward": saga.forward_version}
