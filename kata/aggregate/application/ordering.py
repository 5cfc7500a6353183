"""Use cases of orders: place, show, list, amend lines, cancel, ship, and payment results."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from kata.aggregate.application.errors import IdempotencyKeyReuse
from kata.aggregate.application.ports import UnitOfWork
from kata.aggregate.application.unit import use_case
from kata.aggregate.application.views import (
    OrderView,
    order_from_json,
    order_to_json,
    order_view,
)
from kata.aggregate.domain import ordering
from kata.aggregate.domain.errors import NotFound, UnknownProduct
from kata.aggregate.domain.money import Money
from kata.aggregate.domain.order import Order, OrderStatus
from kata.aggregate.domain.product import Product
from kata.aggregate.domain.values import Quantity, Sku


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
    if idempotency is not None:
        bound = uow.idempotency_keys.find(idempotency.key)
        if bound is not None:  # rule: O12
            request, response = bound
            if request != idempotency.request:
                raise IdempotencyKeyReuse("This Idempotency-Key was used with another request.")
            return order_from_json(response)
    # O6 counts orders, so no single aggregate can guard it: the use case asks, the
    # domain decides. Nothing locks the customer (see README).
    open_orders = uow.orders.count(customer_id, OrderStatus.PENDING_PAYMENT)
    # Locked until commit, and loaded last, so rivals wait for them as briefly as can be.
    products = _products(uow, [Sku(sku) for sku in quantities], lock=True)
    order = ordering.place_order(
        customer_id,
        [(products[Sku(sku)], Quantity(quantities[sku])) for sku in sorted(quantities)],
        open_orders,
        datetime.now(UTC),
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
    product = _products(uow, [Sku(sku)])[Sku(sku)]
    ordering.set_line(order, product, Quantity(quantity))
    uow.commit()
    return order_view(order)


@use_case
def remove_line(uow: UnitOfWork, order_id: str, sku: str) -> OrderView:
    order = _order(uow, order_id)
    ordering.remove_line(order, Sku(sku), uow.products.get_many([Sku(sku)]))
    uow.commit()
    return order_view(order)


@use_case
def cancel_order(uow: UnitOfWork, order_id: str) -> OrderView:
    order = _order(uow, order_id)
    ordering.cancel(order, _products_of(uow, order))
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
    order = _order(uow, order_id)
    if outcome == "succeeded":
        order.pay(payment_id, Money(amount))
    else:
        ordering.fail_payment(order, payment_id, _products_of(uow, order))
    uow.commit()
    return order_view(order)


def _order(uow: UnitOfWork, order_id: str) -> Order:
    order = uow.orders.get(order_id)
    if order is None:
        raise NotFound(f"No order {order_id}.")
    return order


def _products(uow: UnitOfWork, skus: list[Sku], *, lock: bool = False) -> dict[Sku, Product]:
    found = uow.products.get_many(skus, lock=lock)
    if unknown := {sku.code for sku in skus} - {sku.code for sku in found}:  # rule: O3, O9
        raise UnknownProduct("Some products are not in the catalogue.", unknown)
    return found


def _products_of(uow: UnitOfWork, order: Order) -> dict[Sku, Product]:
    """The products an order holds stock of, loaded by identity (the SKUs of its lines)."""
    return uow.products.get_many(line.sku for line in order.lines)
