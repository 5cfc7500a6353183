"""Use cases of orders: place, show, list, amend lines, cancel, ship, and payment results."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from kata.domain_model.domain.errors import NotFound, UnknownProduct
from kata.domain_model.domain.money import Money
from kata.domain_model.domain.order import Order, OrderStatus
from kata.domain_model.domain.values import Quantity
from kata.domain_model.persistence.unit_of_work import UnitOfWork
from kata.domain_model.services.errors import IdempotencyKeyReuse
from kata.domain_model.services.unit import use_case
from kata.domain_model.services.views import (
    OrderView,
    order_from_json,
    order_to_json,
    order_view,
)


@dataclass(frozen=True)
class Idempotency:
    """An ``Idempotency-Key`` and the request it came with, as canonical JSON."""

    key: str
    request: str


@use_case
def place_order(
    uow: UnitOfWork,
    customer_id: str,
    quantities: Mapping[str, int],
    idempotency: Idempotency | None = None,
) -> OrderView:
    """Place an order for ``quantities`` (SKU -> units, items already merged: O1)."""
    if idempotency is not None:
        bound = uow.idempotency_keys.find(idempotency.key)
        if bound is not None:  # rule: O12
            request, response = bound
            if request != idempotency.request:
                raise IdempotencyKeyReuse("This Idempotency-Key was used with another request.")
            return order_from_json(response)
    open_orders = uow.orders.count(customer_id, OrderStatus.PENDING_PAYMENT)
    # Locked until commit, and loaded last, so rival placements wait for them briefly.
    products = uow.products.get_many(quantities, lock=True)
    if unknown := set(quantities) - set(products):  # rule: O3
        raise UnknownProduct("Some products are not in the catalogue.", unknown)
    order = Order.place(
        customer_id,
        [(products[sku], Quantity(quantities[sku])) for sku in sorted(quantities)],
        open_orders=open_orders,
        now=datetime.now(UTC),
    )
    uow.orders.add(order)
    view = order_view(order)
    if idempotency is not None:
        # rule: O12 (only a successful placement binds its key)
        uow.idempotency_keys.bind(idempotency.key, idempotency.request, order_to_json(view))
    uow.commit()
    return view


@use_case
def get_order(uow: UnitOfWork, order_id: str) -> OrderView:
    return order_view(_order(uow, order_id))


@use_case
def list_orders(
    uow: UnitOfWork, customer_id: str | None, status: str | None, limit: int
) -> list[OrderView]:
    wanted = None if status is None else OrderStatus(status)
    return [order_view(order) for order in uow.orders.newest_first(customer_id, wanted, limit)]


@use_case
def set_line(uow: UnitOfWork, order_id: str, sku: str, quantity: int) -> OrderView:
    order = _order(uow, order_id)
    product = uow.products.get(sku)
    if product is None:  # rule: O9
        raise UnknownProduct(f"No product with SKU {sku}.", [sku])
    order.set_line(product, Quantity(quantity))
    uow.commit()
    return order_view(order)


@use_case
def remove_line(uow: UnitOfWork, order_id: str, sku: str) -> OrderView:
    order = _order(uow, order_id, with_products=True)
    order.remove_line(sku)
    uow.commit()
    return order_view(order)


@use_case
def cancel_order(uow: UnitOfWork, order_id: str) -> OrderView:
    order = _order(uow, order_id, with_products=True)
    order.cancel()
    uow.commit()
    return order_view(order)


@use_case
def ship_order(uow: UnitOfWork, order_id: str) -> OrderView:
    order = _order(uow, order_id)
    order.ship()
    uow.commit()
    return order_view(order)


@use_case
def record_payment_result(
    uow: UnitOfWork, payment_id: str, order_id: str, outcome: str, amount: Decimal
) -> OrderView:
    # A failed payment cancels the order and returns its stock (O10).
    order = _order(uow, order_id, with_products=outcome != "succeeded", with_payments=True)
    if outcome == "succeeded":
        order.pay(payment_id, Money(amount))
    else:
        order.fail_payment(payment_id)
    uow.commit()
    return order_view(order)


def _order(
    uow: UnitOfWork, order_id: str, *, with_products: bool = False, with_payments: bool = False
) -> Order:
    order = uow.orders.get(order_id, with_products=with_products, with_payments=with_payments)
    if order is None:
        raise NotFound(f"No order {order_id}.")
    return order
