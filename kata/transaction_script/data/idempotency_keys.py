"""Table data gateway for ``idempotency_keys``: each key bound to its request and the
order exactly as the first successful placement answered it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, insert, select

from kata.transaction_script.data.tables import idempotency_keys
from kata.transaction_script.records import Order, OrderLine


@dataclass(frozen=True)
class Binding:
    request: str  # the request body as canonical JSON
    order: Order  # the order as first placed, whatever happened to it since


def find(connection: Connection, key: str) -> Binding | None:
    row = connection.execute(select(idempotency_keys).where(idempotency_keys.c.key == key)).first()
    return None if row is None else Binding(row.request, _load_order(json.loads(row.response)))


def bind(connection: Connection, key: str, request: str, order: Order) -> None:
    """Bind ``key``; a concurrent request binding the same key makes one of them fail."""
    connection.execute(
        insert(idempotency_keys).values(
            key=key, request=request, response=json.dumps(_dump_order(order))
        )
    )


def _dump_order(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "customer_id": order.customer_id,
        "status": order.status,
        "lines": [[line.sku, line.quantity, str(line.unit_price)] for line in order.lines],
        "subtotal": str(order.subtotal),
        "discount": str(order.discount),
        "total": str(order.total),
        "payment_id": order.payment_id,
        "cancel_reason": order.cancel_reason,
        "refund_due": order.refund_due,
        "created_at": order.created_at.isoformat(),
    }


def _load_order(data: dict[str, Any]) -> Order:
    return Order(
        id=data["id"],
        customer_id=data["customer_id"],
        status=data["status"],
        lines=tuple(OrderLine(sku, qty, Decimal(price)) for sku, qty, price in data["lines"]),
        subtotal=Decimal(data["subtotal"]),
        discount=Decimal(data["discount"]),
        total=Decimal(data["total"]),
        payment_id=data["payment_id"],
        cancel_reason=data["cancel_reason"],
        refund_due=data["refund_due"],
        created_at=datetime.fromisoformat(data["created_at"]),
    )
