"""Domain service: the changes that span an ``Order`` and the ``Product``s it holds stock of.

Each aggregate is its own stream, and a stream is the consistency boundary: its events are
appended expecting the version it was loaded at. The spec does not let stock catch up later
(a short line refuses the whole order, O3; a cancellation returns stock exactly once, O8),
so these operations raise events on the order *and* its products, and the store appends all
of them in one transaction, each stream checked against its own expected version.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from kata.event_sourced.domain.errors import InsufficientStock
from kata.event_sourced.domain.order import Order
from kata.event_sourced.domain.product import Product
from kata.event_sourced.domain.values import Quantity, Sku


def place_order(
    customer_id: str,
    items: Sequence[tuple[Product, Quantity]],
    open_orders: int,
    now: datetime,
) -> Order:
    """A new order, with every line's stock reserved or none (O3)."""
    order = Order.place(
        customer_id,
        [(product.sku, quantity, product.price) for product, quantity in items],
        open_orders,
        now,
    )
    products = {product.sku: product for product, _ in items}
    held = [(products[line.sku], Quantity(line.quantity)) for line in order.lines]
    short = [product.sku.code for product, quantity in held if not product.can_reserve(quantity)]
    if short:  # rule: O3
        raise InsufficientStock("Not enough stock for every line.", short)
    for product, quantity in held:
        product.reserve(order.id, quantity)
    return order


def set_line(order: Order, product: Product, quantity: Quantity) -> None:
    """Set a line and move the product's stock by the difference (O9)."""
    more = order.units_to_move(product.sku, quantity, product.price)
    if more > 0:  # rule: O9
        product.reserve(order.id, Quantity(more))  # refuses before the order changes
    order.set_line(product.sku, quantity, product.price)
    if more < 0:
        product.release(order.id, Quantity(-more))


def remove_line(order: Order, sku: Sku, products: Mapping[Sku, Product]) -> None:
    """Remove a line and give its units back to the product (a line's SKU is always one)."""
    units = order.remove_line(sku)
    products[sku].release(order.id, Quantity(units))


def cancel(order: Order, products: Mapping[Sku, Product]) -> None:
    order.cancel()
    _return_stock(order, products)


def fail_payment(order: Order, payment_id: str, products: Mapping[Sku, Product]) -> None:
    if order.fail_payment(payment_id):
        _return_stock(order, products)


def _return_stock(order: Order, products: Mapping[Sku, Product]) -> None:
    """Every unit of a cancelled order back to stock, once: CANCELLED is final (O8)."""
    for line in order.lines:  # rule: O8
        products[line.sku].release(order.id, Quantity(line.quantity))
