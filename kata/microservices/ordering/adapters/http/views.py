"""Service answers as the JSON the contract shows (money as "12.50", times with Z)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kata.microservices.ordering.application.ports import EventRecord
from kata.microservices.ordering.application.views import OrderView


def order_view(order: OrderView) -> dict[str, Any]:
    return {
        "id": order.id,
        "customer_id": order.customer_id,
        "status": order.status,
        "lines": [
            {
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
                "line_total": str(line.line_total),
            }
            for line in order.lines
        ],
        "subtotal": str(order.subtotal),
        "discount": str(order.discount),
        "total": str(order.total),
        "payment_id": order.payment_id,
        "cancel_reason": order.cancel_reason,
        "refund_due": order.refund_due,
        "created_at": _timestamp(order.created_at),
    }


def event_view(event: EventRecord) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "type": event.type,
        "order_id": event.order_id,
        "occurred_at": _timestamp(event.occurred_at),
        "data": event.data,
    }


def _timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with ``Z``, to the millisecond."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
