"""The lifecycle (O7, with O8, O9, O10, O11) as one table of status x action.

Each action goes through the API the use cases call (``ordering`` where stock moves, the root
where it does not). An allowed move sets the order's fields, moves exactly the stock it should
and records exactly one event; every other move raises ``InvalidState`` and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import pytest

from kata.aggregate.domain import ordering
from kata.aggregate.domain.errors import InvalidState
from kata.aggregate.domain.events import (
    DomainEvent,
    OrderAmended,
    OrderCancelled,
    OrderPaid,
    OrderShipped,
)
from kata.aggregate.domain.order import OrderStatus
from kata.aggregate.domain.product import Product
from kata.aggregate.domain.values import Quantity, Sku
from tests.aggregate.builders import (
    PAYMENT_ID,
    Placed,
    a_product,
    an_order,
    an_order_after,
    an_order_in,
    changes_nothing,
    facts,
    money,
    place_order,
    stock_of,
)

PENDING, PAID, SHIPPED, CANCELLED = (
    OrderStatus.PENDING_PAYMENT,
    OrderStatus.PAID,
    OrderStatus.SHIPPED,
    OrderStatus.CANCELLED,
)
NEW_PAYMENT_ID = "payment-2"

# Each action gets the default order (SKU-A 2 x 10.00, SKU-B 1 x 5.00: stock 98 and 99 left)
# and a spare product on no order (SKU-Z, 10.00, stock 100).
Action = Callable[[Placed, Product], None]


def _pay(placed: Placed, spare: Product) -> None:
    placed.order.pay(NEW_PAYMENT_ID, placed.order.totals.total)


def _fail_payment(placed: Placed, spare: Product) -> None:
    ordering.fail_payment(placed.order, NEW_PAYMENT_ID, placed.products)


def _cancel(placed: Placed, spare: Product) -> None:
    ordering.cancel(placed.order, placed.products)


def _ship(placed: Placed, spare: Product) -> None:
    placed.order.ship()


def _set_line(placed: Placed, spare: Product) -> None:
    ordering.set_line(placed.order, placed.product("SKU-A"), Quantity(3))


def _add_line(placed: Placed, spare: Product) -> None:
    ordering.set_line(placed.order, spare, Quantity(1))


def _remove_line(placed: Placed, spare: Product) -> None:
    ordering.remove_line(placed.order, Sku("SKU-A"), placed.products)


ACTIONS: dict[str, Action] = {
    "pay": _pay,
    "fail_payment": _fail_payment,
    "cancel": _cancel,
    "ship": _ship,
    "set_line": _set_line,
    "add_line": _add_line,
    "remove_line": _remove_line,
}

HELD = {"SKU-A": 98, "SKU-B": 99, "SKU-Z": 100}  # stock while the default order holds its units
RETURNED = {"SKU-A": 100, "SKU-B": 100, "SKU-Z": 100}


@dataclass(frozen=True)
class After:
    """What an allowed move leaves: the order's fields, the stock, and the one event (made
    from the order's id)."""

    status: OrderStatus
    event: Callable[[str], DomainEvent]
    stock: dict[str, int]
    payment_id: str | None = None
    cancel_reason: str | None = None
    refund_due: bool = False


ALLOWED: dict[tuple[OrderStatus, str], After] = {
    (PENDING, "pay"): After(
        PAID,
        partial(OrderPaid, payment_id=NEW_PAYMENT_ID, amount=money("25.00")),
        HELD,
        payment_id=NEW_PAYMENT_ID,
    ),
    (PENDING, "fail_payment"): After(
        CANCELLED,
        partial(OrderCancelled, reason="payment-failed", refund_due=False),
        RETURNED,
        cancel_reason="payment-failed",
    ),
    (PENDING, "cancel"): After(
        CANCELLED,
        partial(OrderCancelled, reason="customer", refund_due=False),
        RETURNED,
        cancel_reason="customer",
    ),
    (PENDING, "set_line"): After(
        PENDING,
        partial(
            OrderAmended,
            lines=facts(("SKU-A", 3, "10.00"), ("SKU-B", 1, "5.00")),
            total=money("35.00"),
        ),
        {**HELD, "SKU-A": 97},
    ),
    (PENDING, "add_line"): After(
        PENDING,
        partial(
            OrderAmended,
            lines=facts(("SKU-A", 2, "10.00"), ("SKU-B", 1, "5.00"), ("SKU-Z", 1, "10.00")),
            total=money("35.00"),
        ),
        {**HELD, "SKU-Z": 99},
    ),
    (PENDING, "remove_line"): After(
        PENDING,
        partial(OrderAmended, lines=facts(("SKU-B", 1, "5.00")), total=money("5.00")),
        {**HELD, "SKU-A": 100},
    ),
    (PAID, "cancel"): After(
        CANCELLED,
        partial(OrderCancelled, reason="customer", refund_due=True),
        RETURNED,
        payment_id=PAYMENT_ID,
        cancel_reason="customer",
        refund_due=True,
    ),
    (PAID, "ship"): After(SHIPPED, OrderShipped, HELD, payment_id=PAYMENT_ID),
}
FORBIDDEN = [
    (status, action)
    for status in OrderStatus
    for action in ACTIONS
    if (status, action) not in ALLOWED
]


def _id(status: OrderStatus, action: str) -> str:
    return f"{status}-{action}"


def test_the_table_covers_every_status_and_action() -> None:
    assert len(ALLOWED) + len(FORBIDDEN) == len(OrderStatus) * len(ACTIONS) == 28


@pytest.mark.parametrize(("status", "action"), list(ALLOWED), ids=[_id(*key) for key in ALLOWED])
def test_an_allowed_move_changes_the_order_and_the_stock_and_records_exactly_its_event(
    status: OrderStatus, action: str
) -> None:
    placed, spare = an_order_in(status), a_product("SKU-Z")
    expected = ALLOWED[status, action]
    ACTIONS[action](placed, spare)
    order = placed.order
    assert (order.status, order.payment_id, order.cancel_reason, order.refund_due) == (
        expected.status,
        expected.payment_id,
        expected.cancel_reason,
        expected.refund_due,
    )
    assert stock_of(*placed.products.values(), spare) == expected.stock
    assert order.take_events() == [expected.event(order.id)]


@pytest.mark.parametrize(("status", "action"), FORBIDDEN, ids=[_id(*key) for key in FORBIDDEN])
def test_any_other_move_is_an_invalid_state_and_changes_nothing(
    status: OrderStatus, action: str
) -> None:
    placed, spare = an_order_in(status), a_product("SKU-Z")
    with changes_nothing(placed, spare), pytest.raises(InvalidState):
        ACTIONS[action](placed, spare)


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize(
    "steps", [("fail_payment",), ("pay", "cancel")], ids=["payment-failed", "cancelled-when-paid"]
)
def test_a_cancelled_order_is_final_however_it_was_cancelled(
    steps: tuple[str, ...], action: str
) -> None:
    placed, spare = an_order_after(*steps), a_product("SKU-Z")
    with changes_nothing(placed, spare), pytest.raises(InvalidState):
        ACTIONS[action](placed, spare)


@pytest.mark.parametrize("status", [PAID, SHIPPED, CANCELLED])
def test_setting_a_line_to_its_own_quantity_outside_pending_payment_is_an_invalid_state(
    status: OrderStatus,
) -> None:
    """precedence: invalid-state answers before "the same quantity changes nothing"."""
    placed = an_order_in(status)
    with changes_nothing(placed), pytest.raises(InvalidState):
        ordering.set_line(placed.order, placed.product("SKU-A"), Quantity(2))


@pytest.mark.parametrize(
    ("steps", "refund_due"),
    [
        ((), False),
        (("pay",), False),
        (("pay", "ship"), False),
        (("cancel",), False),
        (("fail_payment",), False),
        (("pay", "cancel"), True),
    ],
    ids=["placed", "paid", "shipped", "cancelled", "payment-failed", "cancelled-when-paid"],
)
def test_a_refund_is_due_only_when_a_paid_order_is_cancelled(
    steps: tuple[str, ...], refund_due: bool
) -> None:
    assert an_order_after(*steps).order.refund_due is refund_due


# --- O8: every reserved unit back to stock, exactly once ----------------------------------


@pytest.mark.parametrize(
    "steps",
    [("cancel",), ("fail_payment",), ("pay", "cancel")],
    ids=["customer", "payment-failed", "customer-when-paid"],
)
def test_a_cancelled_order_gives_back_its_stock_and_no_second_cancellation_gives_it_again(
    steps: tuple[str, ...],
) -> None:
    placed = an_order_after(*steps)
    assert placed.stock() == {"SKU-A": 100, "SKU-B": 100}
    for again in (_cancel, _fail_payment):
        with changes_nothing(placed), pytest.raises(InvalidState):
            again(placed, a_product("SKU-Z"))


def test_cancelling_gives_back_the_quantities_the_lines_hold_after_amendments() -> None:
    """O8 and O9: the units held now, not the units placed, go back."""
    placed = an_order((a_product("SKU-A"), 2), (a_product("SKU-B"), 1))
    extra = a_product("SKU-C")
    placed.products[extra.sku] = extra
    ordering.set_line(placed.order, placed.product("SKU-A"), Quantity(7))
    ordering.set_line(placed.order, extra, Quantity(4))
    ordering.remove_line(placed.order, Sku("SKU-B"), placed.products)
    assert placed.stock() == {"SKU-A": 93, "SKU-B": 100, "SKU-C": 96}
    ordering.cancel(placed.order, placed.products)
    assert placed.stock() == {"SKU-A": 100, "SKU-B": 100, "SKU-C": 100}


def test_stock_goes_back_to_the_products_the_lines_name_by_sku() -> None:
    """Aggregates refer to each other by identity: a fresh copy of each product, as loaded
    by another transaction, gets the units."""
    placed = an_order()
    reloaded = {
        sku: Product(sku, product.name, product.price, product.stock, version=1)
        for sku, product in placed.products.items()
    }
    ordering.cancel(placed.order, reloaded)
    assert stock_of(*reloaded.values()) == {"SKU-A": 100, "SKU-B": 100}
    assert placed.stock() == {"SKU-A": 98, "SKU-B": 99}


def test_stock_given_back_may_exceed_the_restock_cap() -> None:
    """O8 and P3: the 10,000,000 cap applies to restocking only."""
    product = a_product(stock=10_000_000)
    placed = Placed(place_order((product, 1)), {product.sku: product})
    product.restock(Quantity(1))
    ordering.cancel(placed.order, placed.products)
    assert product.stock == 10_000_001
