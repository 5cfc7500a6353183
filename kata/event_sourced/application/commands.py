"""The commands: every change a client can ask for. Each loads the streams it needs, asks the
aggregates to decide, and saves the events they raised (``streams.save``).

A command answers only the identity of what it changed; the presentation reads the result
from the query side. Rule order follows the spec's error precedence: the order in the path,
then unknown products, then the aggregates' own checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from kata.event_sourced.application.errors import IdempotencyKeyReuse
from kata.event_sourced.application.streams import Streams
from kata.event_sourced.application.unit import command
from kata.event_sourced.domain import ordering
from kata.event_sourced.domain.errors import DuplicateSku, NotFound, UnknownProduct
from kata.event_sourced.domain.money import Money
from kata.event_sourced.domain.order import Order
from kata.event_sourced.domain.product import Product
from kata.event_sourced.domain.values import Quantity, Sku

# --- the catalogue ------------------------------------------------------------------------------


@command
def register_product(streams: Streams, sku: str, name: str, price: Decimal, stock: int) -> None:
    if streams.products([Sku(sku)]):  # rule: P2
        raise DuplicateSku(f"A product with SKU {sku} is already registered.")
    streams.add_product(Product.register(Sku(sku), name, Money(price), stock))
    streams.save()


@command
def change_product(streams: Streams, sku: str, name: str | None, price: Decimal | None) -> None:
    product = _product(streams, sku)
    if name is not None:
        product.rename(name)
    if price is not None:
        product.reprice(Money(price))
    streams.save()


@command
def restock(streams: Streams, sku: str, quantity: int) -> None:
    _product(streams, sku).restock(Quantity(quantity))
    streams.save()


# --- orders -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Idempotency:
    """An ``Idempotency-Key`` and the request it came with, as canonical JSON."""

    key: str
    request: str


@command
def place_order(
    streams: Streams,
    customer_id: str,
    quantities: Mapping[str, int],
    idempotency: Idempotency | None = None,
) -> str:
    """The new order's id; with a key already bound to an equal request, the id of the order
    it placed (the caller answers with that order as it was placed: O12)."""
    if idempotency is not None:
        bound = streams.binding(idempotency.key)
        if bound is not None:  # rule: O12
            if bound.request != idempotency.request:
                raise IdempotencyKeyReuse("This Idempotency-Key was used with another request.")
            return bound.order_id
    # O6 counts orders, so no single stream can guard it: the command asks the projection of
    # open orders (committed state, read in this transaction) and the domain decides.
    open_orders = streams.store.open_orders(customer_id)
    # Locked until commit, and loaded last, so rivals wait for them as briefly as can be.
    products = _products(streams, [Sku(sku) for sku in quantities], lock=True)
    order = ordering.place_order(
        customer_id,
        [(products[Sku(sku)], Quantity(quantities[sku])) for sku in sorted(quantities)],
        open_orders,
        datetime.now(UTC),
    )
    streams.add_order(order)
    if idempotency is not None:
        # rule: O12 (only a successful placement binds its key)
        streams.bind(idempotency.key, idempotency.request, order.id)
    streams.save()
    return order.id


@command
def set_line(streams: Streams, order_id: str, sku: str, quantity: int) -> None:
    order = _order(streams, order_id)
    product = _products(streams, [Sku(sku)])[Sku(sku)]
    ordering.set_line(order, product, Quantity(quantity))
    streams.save()


@command
def remove_line(streams: Streams, order_id: str, sku: str) -> None:
    order = _order(streams, order_id)
    ordering.remove_line(order, Sku(sku), streams.products([Sku(sku)]))
    streams.save()


@command
def cancel_order(streams: Streams, order_id: str) -> None:
    order = _order(streams, order_id)
    ordering.cancel(order, _products_of(streams, order))
    streams.save()


@command
def ship_order(streams: Streams, order_id: str) -> None:
    _order(streams, order_id).ship()
    streams.save()


@command
def record_payment_result(
    streams: Streams, payment_id: str, order_id: str, outcome: str, amount: Decimal
) -> None:
    order = _order(streams, order_id)
    if outcome == "succeeded":
        order.pay(payment_id, Money(amount))
    else:
        ordering.fail_payment(order, payment_id, _products_of(streams, order))
    streams.save()


def _order(streams: Streams, order_id: str) -> Order:
    order = streams.order(order_id)
    if order is None:
        raise NotFound(f"No order {order_id}.")
    return order


def _product(streams: Streams, sku: str) -> Product:
    found = streams.products([Sku(sku)])
    if not found:
        raise NotFound(f"No product with SKU {sku}.")
    return found[Sku(sku)]


def _products(streams: Streams, skus: list[Sku], *, lock: bool = False) -> dict[Sku, Product]:
    found = streams.products(skus, lock=lock)
    if unknown := {sku.code for sku in skus} - {sku.code for sku in found}:  # rule: O3, O9
        raise UnknownProduct("Some products are not in the catalogue.", unknown)
    return found


def _products_of(streams: Streams, order: Order) -> dict[Sku, Product]:
    """The products an order holds stock of (the SKUs of its lines)."""
    return streams.products(line.sku for line in order.lines)
