"""Builders for the domain-model unit tests: products and orders made in memory, no session.

Every test builds what it needs here, so a change to a constructor touches one file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from kata.domain_model.domain.events import LineFact
from kata.domain_model.domain.money import Money
from kata.domain_model.domain.order import Order, OrderStatus
from kata.domain_model.domain.pricing import Totals
from kata.domain_model.domain.product import Product
from kata.domain_model.domain.values import Quantity, Sku

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
CUSTOMER = "customer-1"
PAYMENT_ID = "payment-1"

# A lifecycle step an order can be walked through, by name (see `an_order_after`).
STEPS = ("pay", "fail_payment", "cancel", "ship")


def money(text: str) -> Money:
    return Money.of(text)


def a_product(sku: str = "SKU-A", *, price: str = "10.00", stock: int = 100) -> Product:
    return Product(Sku(sku), f"Product {sku}", money(price), stock)


def place(*items: tuple[Product, int], open_orders: int = 0, customer_id: str = CUSTOMER) -> Order:
    """``Order.place`` for ``(product, units)`` items; its ``OrderPlaced`` is left to take."""
    return Order.place(
        customer_id,
        [(product, Quantity(units)) for product, units in items],
        open_orders=open_orders,
        now=NOW,
    )


def an_order(*items: tuple[Product, int]) -> Order:
    """A placed order with no events left to take (by default SKU-A 2 x 10.00, SKU-B 1 x 5.00)."""
    if not items:
        items = ((a_product("SKU-A", price="10.00"), 2), (a_product("SKU-B", price="5.00"), 1))
    order = place(*items)
    order.take_events()
    return order


def an_order_with_lines(count: int) -> Order:
    """A placed order of ``count`` lines, SKU-01 ... (1 unit at 1.00 each)."""
    return an_order(*[(a_product(f"SKU-{n:02}", price="1.00"), 1) for n in range(1, count + 1)])


def an_order_after(*steps: str) -> Order:
    """The default order walked through lifecycle ``steps``; no events left to take."""
    order = an_order()
    for step in steps:
        if step == "pay":
            order.pay(PAYMENT_ID, order.totals.total)
        elif step == "fail_payment":
            order.fail_payment(PAYMENT_ID)
        elif step == "cancel":
            order.cancel()
        elif step == "ship":
            order.ship()
        else:
            raise ValueError(f"unknown step {step!r}; known: {STEPS}")
    order.take_events()
    return order


# The shortest walk to each status (CANCELLED: by the customer, before payment).
_WALK_TO = {
    OrderStatus.PENDING_PAYMENT: (),
    OrderStatus.PAID: ("pay",),
    OrderStatus.SHIPPED: ("pay", "ship"),
    OrderStatus.CANCELLED: ("cancel",),
}


def an_order_in(status: OrderStatus) -> Order:
    """The default order brought to ``status``; no events left to take."""
    return an_order_after(*_WALK_TO[status])


@dataclass(frozen=True)
class Snapshot:
    """Everything the public API shows of an order and the stock of some products."""

    status: OrderStatus
    payment_id: str | None
    cancel_reason: str | None
    refund_due: bool
    lines: tuple[LineFact, ...]
    totals: Totals
    stock: tuple[tuple[str, int], ...]


def stock_of(*products: Product) -> dict[str, int]:
    return {product.sku: product.stock for product in products}


def snapshot(order: Order, *products: Product) -> Snapshot:
    """The order as it stands, with the stock of its lines' products and of ``products``."""
    everyone = [line.product for line in order.lines] + list(products)
    return Snapshot(
        status=order.status,
        payment_id=order.payment_id,
        cancel_reason=order.cancel_reason,
        refund_due=order.refund_due,
        lines=tuple(line.fact() for line in order.lines),
        totals=order.totals,
        stock=tuple(sorted(stock_of(*everyone).items())),
    )


@contextmanager
def changes_nothing(order: Order, *products: Product) -> Iterator[None]:
    """The block leaves ``order`` and the stock as they were and records no event.

    Use it outside ``pytest.raises`` to check a refusal: ``with changes_nothing(order),
    pytest.raises(InvalidState): ...``; alone, to check a request that is a no-op.
    """
    before = snapshot(order, *products)
    yield
    assert snapshot(order, *products) == before
    assert order.take_events() == []
