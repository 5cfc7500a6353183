"""Builders for the aggregate variant's unit tests: aggregates made in memory, no database.

An order refers to its products by SKU only, so every builder hands back a ``Placed``: the
order and the products it holds stock of, keyed by SKU, as a repository would load them for
``domain.ordering``. Every test builds what it needs here, so a constructor change touches
one file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from kata.aggregate.domain import ordering
from kata.aggregate.domain.events import LineFact
from kata.aggregate.domain.money import Money
from kata.aggregate.domain.order import Order, OrderStatus
from kata.aggregate.domain.pricing import Totals
from kata.aggregate.domain.product import Product
from kata.aggregate.domain.values import Quantity, Sku

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
CUSTOMER = "customer-1"
PAYMENT_ID = "payment-1"
STOCK = 100  # every product's stock unless a test says otherwise

Item = tuple[Sku, Quantity, Money]


def money(text: str) -> Money:
    return Money.of(text)


def item(sku: str, units: int, unit_price: str) -> Item:
    """One item for ``Order.place``: a SKU, a quantity and the product's price today."""
    return Sku(sku), Quantity(units), money(unit_price)


def a_product(sku: str = "SKU-A", *, price: str = "10.00", stock: int = STOCK) -> Product:
    return Product(Sku(sku), f"Product {sku}", money(price), stock)


def stock_of(*products: Product) -> dict[str, int]:
    return {product.sku.code: product.stock for product in products}


@dataclass
class Placed:
    """An order and the products it holds stock of, by SKU."""

    order: Order
    products: dict[Sku, Product] = field(default_factory=dict)

    def product(self, sku: str) -> Product:
        return self.products[Sku(sku)]

    def stock(self) -> dict[str, int]:
        return stock_of(*self.products.values())


def place_order(
    *items: tuple[Product, int], open_orders: int = 0, customer_id: str = CUSTOMER
) -> Order:
    """``ordering.place_order`` for ``(product, units)`` items; its ``OrderPlaced`` is left."""
    return ordering.place_order(
        customer_id,
        [(product, Quantity(units)) for product, units in items],
        open_orders,
        NOW,
    )


def an_order(*items: tuple[Product, int]) -> Placed:
    """A placed order with no event left to take (by default SKU-A 2 x 10.00, SKU-B 1 x 5.00:
    total 25.00, stock 98 and 99 left)."""
    if not items:
        items = ((a_product("SKU-A", price="10.00"), 2), (a_product("SKU-B", price="5.00"), 1))
    order = place_order(*items)
    order.take_events()
    return Placed(order, {product.sku: product for product, _ in items})


def an_order_with_lines(count: int) -> Placed:
    """A placed order of ``count`` lines, SKU-01 ... (1 unit at 1.00 each)."""
    return an_order(*[(a_product(f"SKU-{n:02}", price="1.00"), 1) for n in range(1, count + 1)])


def walk(placed: Placed, *steps: str) -> Placed:
    """Take ``placed`` through lifecycle ``steps`` (paying and failing with PAYMENT_ID) the way
    the use cases do; no event left to take."""
    order = placed.order
    for step in steps:
        if step == "pay":
            order.pay(PAYMENT_ID, order.totals.total)
        elif step == "fail_payment":
            ordering.fail_payment(order, PAYMENT_ID, placed.products)
        elif step == "cancel":
            ordering.cancel(order, placed.products)
        elif step == "ship":
            order.ship()
        else:
            raise ValueError(f"unknown step {step!r}")
    order.take_events()
    return placed


def an_order_after(*steps: str) -> Placed:
    """The default order taken through lifecycle ``steps``; no event left to take."""
    return walk(an_order(), *steps)


# The shortest walk to each status (CANCELLED: by the customer, before payment).
WALK_TO = {
    OrderStatus.PENDING_PAYMENT: (),
    OrderStatus.PAID: ("pay",),
    OrderStatus.SHIPPED: ("pay", "ship"),
    OrderStatus.CANCELLED: ("cancel",),
}


def an_order_in(status: OrderStatus) -> Placed:
    return an_order_after(*WALK_TO[status])


def facts(*lines: tuple[str, int, str]) -> tuple[LineFact, ...]:
    """Event lines written as ``(sku, quantity, unit price)``."""
    return tuple(LineFact(sku, quantity, money(unit_price)) for sku, quantity, unit_price in lines)


@dataclass(frozen=True)
class Snapshot:
    """Everything the public API shows of an order, and the stock of some products."""

    status: OrderStatus
    payment_id: str | None
    cancel_reason: str | None
    refund_due: bool
    processed_payments: frozenset[str]
    lines: tuple[LineFact, ...]
    totals: Totals
    stock: dict[str, int]


def snapshot(placed: Placed, *others: Product) -> Snapshot:
    order = placed.order
    return Snapshot(
        status=order.status,
        payment_id=order.payment_id,
        cancel_reason=order.cancel_reason,
        refund_due=order.refund_due,
        processed_payments=order.processed_payments,
        lines=tuple(line.fact() for line in order.lines),
        totals=order.totals,
        stock=stock_of(*placed.products.values(), *others),
    )


@contextmanager
def changes_nothing(placed: Placed, *others: Product) -> Iterator[None]:
    """The block leaves the order and the stock of its products (and ``others``) as they were,
    and records no event.

    Around ``pytest.raises`` it checks a refusal: ``with changes_nothing(placed),
    pytest.raises(InvalidState): ...``; alone, a request that is a no-op.
    """
    before = snapshot(placed, *others)
    yield
    assert snapshot(placed, *others) == before
    assert placed.order.take_events() == []
