"""What use cases answer: plain data copied from the aggregates.

Aggregates stay inside the application layer; the presentation layer only sees these.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from kata.microservices.ordering.domain.money import Money
from kata.microservices.ordering.domain.order import Order


@dataclass(frozen=True)
class LineView:
    sku: str
    quantity: int
    unit_price: Money
    line_total: Money


@dataclass(frozen=True)
class OrderView:
    id: str
    customer_id: str
    status: str
    lines: tuple[LineView, ...]
    subtotal: Money
    discount: Money
    total: Money
    payment_id: str | None
    cancel_reason: str | None
    refund_due: bool
    created_at: datetime


def order_view(order: Order) -> OrderView:
    totals = order.totals
    return OrderView(
        id=order.id,
        customer_id=order.customer_id,
        status=order.status.value,
        lines=tuple(
            LineView(line.sku.code, line.quantity, line.unit_price, line.line_total)
            for line in order.lines
        ),
        subtotal=totals.subtotal,
        discount=totals.discount,
        total=totals.total,
        payment_id=order.payment_id,
        cancel_reason=order.cancel_reason,
        refund_due=order.refund_due,
        created_at=order.created_at,
    )


def order_to_json(view: OrderView) -> str:
    """The view as text, to replay exactly (O12)."""
    return json.dumps(
        {
            "id": view.id,
            "customer_id": view.customer_id,
            "status": view.status,
            "lines": [[line.sku, line.quantity, str(line.unit_price)] for line in view.lines],
            "payment_id": view.payment_id,
            "cancel_reason": view.cancel_reason,
            "refund_due": view.refund_due,
            "created_at": view.created_at.isoformat(),
            "totals": [str(view.subtotal), str(view.discount), str(view.total)],
        }
    )


def order_from_json(text: str) -> OrderView:
    data = json.loads(text)
    subtotal, discount, total = (Money.of(amount) for amount in data["totals"])
    return OrderView(
        id=data["id"],
        customer_id=data["customer_id"],
        status=data["status"],
        lines=tuple(
            LineView(sku, quantity, Money.of(price), Money.of(price).times(quantity))
            for sku, quantity, price in data["lines"]
        ),
        subtotal=subtotal,
        discount=discount,
        total=total,
        payment_id=data["payment_id"],
        cancel_reason=data["cancel_reason"],
        refund_due=data["refund_due"],
        created_at=datetime.fromisoformat(data["created_at"]),
    )
