"""The ordering service's use cases. Those that move stock run a saga (``sagas.py``); paying
and shipping change the order alone, in one local transaction.

``@use_case`` runs a use case again when it lost a race (a stale write, a saga already in
flight for the order), eight runs at most, then answers 409 ``concurrent-modification``.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Concatenate, ParamSpec, TypeVar

from kata.microservices.ordering.application.errors import (
    ConcurrentModification,
    IdempotencyKeyReuse,
)
from kata.microservices.ordering.application.ports import Conflict, EventRecord, UnitOfWork
from kata.microservices.ordering.application.sagas import Services, held, move_stock, saga_for
from kata.microservices.ordering.application.views import (
    OrderView,
    order_from_json,
    order_to_json,
    order_view,
)
from kata.microservices.ordering.domain.errors import NotFound, UnknownProduct
from kata.microservices.ordering.domain.money import Money
from kata.microservices.ordering.domain.order import Order, OrderStatus
from kata.microservices.ordering.domain.values import Quantity, Sku

log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")

ATTEMPTS = 8
FIRST_PAUSE_SECONDS = 0.010


def use_case(
    procedure: Callable[Concatenate[Services, P], T],
) -> Callable[Concatenate[Services, P], T]:
    @functools.wraps(procedure)
    def run(services: Services, /, *args: P.args, **kwargs: P.kwargs) -> T:
        for attempt in range(ATTEMPTS):
            if attempt:  # jittered exponential backoff: rivals spread out
                time.sleep(random.uniform(0, FIRST_PAUSE_SECONDS * 2 ** (attempt - 1)))
            try:
                return procedure(services, *args, **kwargs)
            except Conflict as conflict:
                log.info("%s lost a race: %s", procedure.__name__, conflict)
        raise ConcurrentModification("Too many concurrent changes; try again.")

    return run


@dataclass(frozen=True)
class Idempotency:
    key: str
    request: str  # the body as canonical JSON


# --- reading ------------------------------------------------------------------------------------


def get_order(services: Services, order_id: str) -> OrderView:
    with services.units() as uow:
        return order_view(_order(uow, order_id))


def list_orders(
    services: Services, customer_id: str | None, status: str | None, limit: int
) -> list[OrderView]:
    wanted = None if status is None else OrderStatus(status)
    with services.units() as uow:
        return [order_view(o) for o in uow.orders.newest_first(customer_id, wanted, limit)]


def list_events(services: Services, after: int, limit: int) -> list[EventRecord]:
    with services.units() as uow:
        return uow.events_after(after, limit)


# --- sagas: changes that move stock -------------------------------------------------------------


@use_case
def place_order(
    services: Services,
    customer_id: str,
    quantities: Mapping[str, int],
    idempotency: Idempotency | None = None,
) -> OrderView:
    with services.units() as uow:
        if idempotency is not None and (bound := uow.idempotency_keys.find(idempotency.key)):
            request, response = bound  # rule: O12
            if request != idempotency.request:
                raise IdempotencyKeyReuse("This Idempotency-Key was used with another request.")
            return order_from_json(response)
        # O6 counts committed orders of this service: no lock, as the spec allows.
        open_orders = uow.orders.count(customer_id, OrderStatus.PENDING_PAYMENT)
    prices = _prices(services, quantities)
    order = Order.place(
        customer_id,
        [(Sku(sku), Quantity(quantities[sku]), prices[sku]) for sku in sorted(quantities)],
        open_orders,
        datetime.now(UTC),
    )
    view = order_view(order)

    def complete(uow: UnitOfWork) -> OrderView:
        uow.orders.add(order)
        if idempotency is not None:  # rule: O12 (only a placement that succeeds binds a key)
            uow.idempotency_keys.bind(idempotency.key, idempotency.request, order_to_json(view))
        return view

    return move_stock(services, saga_for("place", order, previous={}), 0, complete)


@use_case
def set_line(services: Services, order_id: str, sku: str, quantity: int) -> OrderView:
    order = _loaded(services, order_id)
    price = _prices(services, {sku: quantity})[sku]
    before = held(order)
    order.set_line(Sku(sku), Quantity(quantity), price)
    redo = {"do": "set_line", "sku": sku, "quantity": quantity, "price": str(price)}
    return _changed(services, "set-line", order, before, redo)


@use_case
def remove_line(services: Services, order_id: str, sku: str) -> OrderView:
    order = _loaded(services, order_id)
    before = held(order)
    order.remove_line(Sku(sku))
    return _changed(services, "remove-line", order, before, {"do": "remove_line", "sku": sku})


@use_case
def cancel_order(services: Services, order_id: str) -> OrderView:
    order = _loaded(services, order_id)
    before = held(order)
    order.cancel()
    return _changed(services, "cancel", order, before, {"do": "cancel"})


@use_case
def record_payment_result(
    services: Services, payment_id: str, order_id: str, outcome: str, amount: Decimal
) -> OrderView:
    order = _loaded(services, order_id)
    before = held(order)
    if outcome == "succeeded":
        order.pay(payment_id, Money(amount))
        return _changed(services, "pay", order, before)
    order.fail_payment(payment_id)
    redo = {"do": "fail_payment", "payment_id": payment_id}
    return _changed(services, "payment-failed", order, before, redo)


@use_case
def ship_order(services: Services, order_id: str) -> OrderView:
    order = _loaded(services, order_id)
    before = held(order)
    order.ship()
    return _changed(services, "ship", order, before)


def _changed(
    services: Services,
    step: str,
    order: Order,
    before: dict[str, int],
    redo: dict[str, Any] | None = None,
) -> OrderView:
    """Save a changed order: through a saga when what its reservation holds changes, else in
    one local transaction. ``redo`` is the change as a command, for recovery to complete a
    saga that gave units back and cannot be undone."""
    if not order.has_changes:
        return order_view(order)  # nothing changed (a repeated payment, the same quantity)
    if held(order) == before:
        return _saved(services, order)

    def complete(uow: UnitOfWork) -> OrderView:
        uow.orders.save(order)
        return order_view(order)

    return move_stock(services, saga_for(step, order, before, redo), order.version, complete)


def _saved(services: Services, order: Order) -> OrderView:
    with services.units() as uow:
        uow.orders.save(order)
        uow.commit()
    return order_view(order)


def _loaded(services: Services, order_id: str) -> Order:
    with services.units() as uow:
        return _order(uow, order_id)


def _order(uow: UnitOfWork, order_id: str) -> Order:
    order = uow.orders.get(order_id)
    if order is None:
        raise NotFound(f"No order {order_id}.")
    return order


def _prices(services: Services, quantities: Mapping[str, int]) -> dict[str, Money]:
    """Today's prices from the inventory service; unknown SKUs refused (O3, O9)."""
    prices = services.inventory.prices(quantities)
    if unknown := set(quantities) - set(prices):
        raise UnknownProduct("Some products are not in the catalogue.", unknown)
    return prices
