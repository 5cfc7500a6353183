"""Records as the JSON the contract shows (money as two-decimal strings, times with Z)."""

from __future__ import annotations

import json
from typing import Any

from flask import Response

from kata.transaction_script.records import Event, Order, Product, money_text, timestamp_text


def product_view(product: Product) -> dict[str, Any]:
    return {
        "sku": product.sku,
        "name": product.name,
        "price": money_text(product.price),
        "stock": product.stock,
    }


def order_view(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "customer_id": order.customer_id,
        "status": order.status,
        "lines": [
            {
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": money_text(line.unit_price),
                "line_total": money_text(line.line_total),
            }
            for line in order.lines
        ],
        "subtotal": money_text(order.subtotal),
        "discount": money_text(order.discount),
        "total": money_text(order.total),
        "payment_id": order.payment_id,
        "cancel_reason": order.cancel_reason,
        "refund_due": order.refund_due,
        "created_at": timestamp_text(order.created_at),
    }


def event_view(event: Event) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "type": event.type,
        "order_id": event.order_id,
        "occurred_at": timestamp_text(event.occurred_at),
        "data": event.data,
    }


def ok(body: dict[str, Any]) -> Response:
    return Response(json.dumps(body), 200, mimetype="application/json")


def created(body: dict[str, Any], location: str) -> Response:
    response = Response(json.dumps(body), 201, mimetype="application/json")
    response.headers["Location"] = location
    return response
