"""The ``Ordering`` inbound port: place, show, list, amend, cancel and ship orders."""

from __future__ import annotations

from kata.hexagonal.application.ports.errors import IdempotencyKeyReuse
from kata.hexagonal.application.ports.inbound import (
    ListOrders,
    OrderView,
    PlaceOrder,
    RemoveLine,
    SetLine,
)
from kata.hexagonal.application.ports.outbound import (
    Clock,
    IdGenerator,
    UnitOfWork,
    UnitOfWorkFactory,
)
from kata.hexagonal.application.services.unit import in_unit_of_work
from kata.hexagonal.application.services.views import (
    order_from_json,
    order_to_json,
    order_view,
)
from kata.hexagonal.domain import ordering
from kata.hexagonal.domain.errors import NotFound, UnknownProduct
from kata.hexagonal.domain.order import Order, OrderStatus
from kata.hexagonal.domain.product import Product
from kata.hexagonal.domain.values import Quantity, Sku


class OrderingService:
    def __init__(self, units: UnitOfWorkFactory, clock: Clock, ids: IdGenerator) -> None:
        self._units = units
        self._clock = clock
        self._ids = ids

    def place(self, command: PlaceOrder) -> OrderView:
        return in_unit_of_work(self._units, lambda uow: self._place(uow, command))

    def _place(self, uow: UnitOfWork, command: PlaceOrder) -> OrderView:
        key = command.idempotency_key
        if key is not None:
            bound = uow.idempotency_keys.find(key)
            if bound is not None:  # rule: O12
                request, response = bound
                if request != command.request:
                    raise IdempotencyKeyReuse("This Idempotency-Key was used with another request.")
                return order_from_json(response)
        # O6 counts orders, so no single aggregate can guard it: the service asks, the
        # domain decides. Nothing locks the customer (see README).
        open_orders = uow.orders.count(command.customer_id, OrderStatus.PENDING_PAYMENT)
        # Locked until commit, and loaded last, so rivals wait for them as briefly as can be.
        skus = [Sku(sku) for sku, _ in command.quantities]
        products = products_named(uow, skus, lock=True)
        order = ordering.place_order(
            self._ids(),
            command.customer_id,
            [(products[Sku(sku)], Quantity(units)) for sku, units in command.quantities],
            open_orders,
            self._clock(),
        )
        uow.orders.add(order)
        view = order_view(order)
        if key is not None:
            # rule: O12 (only a successful placement binds its key)
            uow.idempotency_keys.bind(key, command.request, order_to_json(view))
        uow.commit()
        return view

    def get(self, order_id: str) -> OrderView:
        return in_unit_of_work(self._units, lambda uow: order_view(order_named(uow, order_id)))

    def list(self, query: ListOrders) -> list[OrderView]:
        status = None if query.status is None else OrderStatus(query.status)
        return in_unit_of_work(
            self._units,
            lambda uow: [
                order_view(order)
                for order in uow.orders.newest_first(query.customer_id, status, query.limit)
            ],
        )

    def set_line(self, command: SetLine) -> OrderView:
        def work(uow: UnitOfWork) -> OrderView:
            order = order_named(uow, command.order_id)
            sku = Sku(command.sku)
            ordering.set_line(order, products_named(uow, [sku])[sku], Quantity(command.quantity))
            uow.commit()
            return order_view(order)

        return in_unit_of_work(self._units, work)

    def remove_line(self, command: RemoveLine) -> OrderView:
        def work(uow: UnitOfWork) -> OrderView:
            order = order_named(uow, command.order_id)
            sku = Sku(command.sku)
            ordering.remove_line(order, sku, uow.products.get_many([sku]))
            uow.commit()
            return order_view(order)

        return in_unit_of_work(self._units, work)

    def cancel(self, order_id: str) -> OrderView:
        def work(uow: UnitOfWork) -> OrderView:
            order = order_named(uow, order_id)
            ordering.cancel(order, products_of(uow, order))
            uow.commit()
            return order_view(order)

        return in_unit_of_work(self._units, work)

    def ship(self, order_id: str) -> OrderView:
        def work(uow: UnitOfWork) -> OrderView:
            order = order_named(uow, order_id)
            order.ship()
            uow.commit()
            return order_view(order)

        return in_unit_of_work(self._units, work)


def order_named(uow: UnitOfWork, order_id: str) -> Order:
    order = uow.orders.get(order_id)
    if order is None:
        raise NotFound(f"No order {order_id}.")
    return order


def products_named(uow: UnitOfWork, skus: list[Sku], *, lock: bool = False) -> dict[Sku, Product]:
    found = uow.products.get_many(skus, lock=lock)
    if unknown := {sku.code for sku in skus} - {sku.code for sku in found}:  # rule: O3, O9
        raise UnknownProduct("Some products are not in the catalogue.", unknown)
    return found


def products_of(uow: UnitOfWork, order: Order) -> dict[Sku, Product]:
    """The products an order holds stock of, loaded by identity (the SKUs of its lines)."""
    return uow.products.get_many(line.sku for line in order.lines)
