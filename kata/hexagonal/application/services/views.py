"""Results of the inbound ports, copied from the aggregates (which never leave the inside)."""

from __future__ import annotations

import json
from datetime import datetime

from kata.hexagonal.application.ports.inbound import LineView, OrderView, ProductView
from kata.hexagonal.domain.money import Money
from kata.hexagonal.domain.order import Order
from kata.hexagonal.domain.product import Product


def product_view(product: Product) -> ProductView:
    return ProductView(product.sku.code, product.name, product.price, product.stock)


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
