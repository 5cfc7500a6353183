"""The whole inside of the hexagonal variant on in-memory adapters, and helpers to drive it.

``a_shop()`` wires ``bootstrap.use_cases`` to the memory adapters (store, manual clock,
sequential ids): no database, no Flask app, no broker. The helpers build commands and call
the inbound ports the way the HTTP and AMQP adapters do; tests read results through the
ports too (``snapshot``), never the store.

The domain's own tests need no shop: ``a_product``, ``item`` and ``a_new_order`` make the
aggregates in memory, as the use cases would hand them over (no unit of work, no event taken).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from kata.hexagonal.adapters.outbound.memory.clock import ManualClock
from kata.hexagonal.adapters.outbound.memory.ids import SequentialIds
from kata.hexagonal.adapters.outbound.memory.publisher import CollectingPublisher
from kata.hexagonal.adapters.outbound.memory.store import MemoryStore
from kata.hexagonal.adapters.outbound.memory.unit_of_work import in_memory_units
from kata.hexagonal.application.ports.inbound import (
    ListOrders,
    OrderView,
    PlaceOrder,
    ProductView,
    ReadEvents,
    RecordPaymentResult,
    RegisterProduct,
    RemoveLine,
    SetLine,
    UseCases,
)
from kata.hexagonal.application.ports.outbound import (
    Clock,
    EventPublisher,
    EventRecord,
    IdGenerator,
    UnitOfWorkFactory,
)
from kata.hexagonal.application.services.events import OutboxRelay
from kata.hexagonal.bootstrap import use_cases
from kata.hexagonal.domain.money import Money
from kata.hexagonal.domain.order import Order
from kata.hexagonal.domain.product import Product
from kata.hexagonal.domain.values import Quantity, Sku

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
CUSTOMER = "customer-1"
PAYMENT_ID = "payment-1"
STOCK = 100  # every product's stock unless a test says otherwise
EVERYTHING = 10_000  # a limit no test reaches
ORDER_ID = "order-1"


@dataclass
class Shop:
    """The use cases on one in-memory store, and the clock they read."""

    clock: ManualClock
    units: UnitOfWorkFactory
    cases: UseCases

    # --- commands ----------------------------------------------------------------------

    def add_product(
        self, sku: str, price: str = "10.00", stock: int = STOCK, name: str | None = None
    ) -> ProductView:
        return self.cases.catalogue.register(
            RegisterProduct(sku, name or f"Product {sku}", Decimal(price), stock)
        )

    def place(
        self, *items: tuple[str, int], customer_id: str = CUSTOMER, key: str | None = None
    ) -> OrderView:
        """Place (SKU, units) items; with a key, the request text is what HTTP would send."""
        return self.cases.ordering.place(place_command(*items, customer_id=customer_id, key=key))

    def an_order(self) -> OrderView:
        """SKU-A 2 x 10.00 and SKU-B 1 x 5.00 (total 25.00), registering them if needed."""
        for sku, price in (("SKU-A", "10.00"), ("SKU-B", "5.00")):
            if sku not in {product.sku for product in self.cases.catalogue.list()}:
                self.add_product(sku, price)
        return self.place(("SKU-A", 2), ("SKU-B", 1))

    def set_line(self, order_id: str, sku: str, quantity: int) -> OrderView:
        return self.cases.ordering.set_line(SetLine(order_id, sku, quantity))

    def remove_line(self, order_id: str, sku: str) -> OrderView:
        return self.cases.ordering.remove_line(RemoveLine(order_id, sku))

    def pay(
        self, order: OrderView, payment_id: str = PAYMENT_ID, amount: str | None = None
    ) -> OrderView:
        paid = order.total.amount if amount is None else Decimal(amount)
        return self.cases.payments.record_result(
            RecordPaymentResult(payment_id, order.id, "succeeded", paid)
        )

    def fail_payment(self, order: OrderView, payment_id: str = PAYMENT_ID) -> OrderView:
        return self.cases.payments.record_result(
            RecordPaymentResult(payment_id, order.id, "failed", order.total.amount)
        )

    def walk(self, order: OrderView, *steps: str) -> OrderView:
        """Take ``order`` through lifecycle steps: pay, fail_payment, cancel, ship."""
        for step in steps:
            if step == "pay":
                order = self.pay(order)
            elif step == "fail_payment":
                order = self.fail_payment(order)
            elif step == "cancel":
                order = self.cases.ordering.cancel(order.id)
            elif step == "ship":
                order = self.cases.ordering.ship(order.id)
            else:
                raise ValueError(f"unknown step {step!r}")
        return order

    # --- reading, through the ports --------------------------------------------------------

    def stock(self, *skus: str) -> dict[str, int]:
        return {sku: self.cases.catalogue.get(sku).stock for sku in skus}

    def events(self, after: int = 0) -> list[EventRecord]:
        return self.cases.events.read(ReadEvents(after, EVERYTHING))

    def event_types(self, after: int = 0) -> list[str]:
        return [event.type for event in self.events(after)]

    def last_seq(self) -> int:
        events = self.events()
        return events[-1].seq if events else 0

    def snapshot(self) -> tuple[object, ...]:
        """Everything the ports show: products, orders and events; equal means unchanged."""
        return (
            self.cases.catalogue.list(),
            self.cases.ordering.list(ListOrders(None, None, EVERYTHING)),
            self.events(),
        )

    def tick(self, seconds: int = 1) -> datetime:
        return self.clock.advance(timedelta(seconds=seconds))


def place_command(
    *items: tuple[str, int], customer_id: str = CUSTOMER, key: str | None = None
) -> PlaceOrder:
    body = {"customer_id": customer_id, "lines": [{"sku": s, "quantity": q} for s, q in items]}
    return PlaceOrder(customer_id, tuple(items), key, json.dumps(body, sort_keys=True))


def a_shop(wrap: Callable[[UnitOfWorkFactory], UnitOfWorkFactory] | None = None) -> Shop:
    """The inside on a fresh in-memory store; ``wrap`` may put a decorator round its units.

    The typed names prove to mypy that each memory adapter fits its port."""
    store = MemoryStore()
    clock = ManualClock(NOW)
    clock_port: Clock = clock
    ids: IdGenerator = SequentialIds()
    units: UnitOfWorkFactory = in_memory_units(store, clock_port)
    if wrap is not None:
        units = wrap(units)
    return Shop(clock, units, use_cases(units, clock_port, ids))


def a_relay(shop: Shop) -> tuple[OutboxRelay, CollectingPublisher]:
    """The outbox relay of ``shop``, publishing to a list."""
    publisher = CollectingPublisher()
    port: EventPublisher = publisher
    return OutboxRelay(shop.units, port), publisher


# --- the domain on its own: aggregates made in memory -------------------------------------------

Item = tuple[Sku, Quantity, Money]


def money(text: str) -> Money:
    return Money.of(text)


def item(sku: str, units: int, unit_price: str) -> Item:
    """One item for ``Order.place``: a SKU, a quantity and the product's price today."""
    return Sku(sku), Quantity(units), money(unit_price)


def a_product(sku: str = "SKU-A", *, price: str = "10.00", stock: int = STOCK) -> Product:
    return Product(Sku(sku), f"Product {sku}", money(price), stock)


def a_new_order(*items: Item, open_orders: int = 0) -> Order:
    """``Order.place`` for ``items`` (by default SKU-A 2 x 10.00 and SKU-B 1 x 5.00: total
    25.00); its ``OrderPlaced`` is left to take."""
    if not items:
        items = (item("SKU-A", 2, "10.00"), item("SKU-B", 1, "5.00"))
    return Order.place(ORDER_ID, CUSTOMER, items, open_orders, NOW)
