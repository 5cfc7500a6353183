"""The ``Order`` aggregate on its own: ``Order.place`` guards O1 whatever items it is given, and
the root refuses a failed payment once the order has left ``PENDING_PAYMENT`` (O10), each
refusal with its whole message. Over HTTP the request schema holds 1-20 items, so only the
root itself shows its empty and over-long orders refused."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kata.hexagonal.domain.errors import InvalidState, TooManyLines
from kata.hexagonal.domain.events import LineFact, OrderPlaced
from kata.hexagonal.domain.order import Order, OrderStatus
from kata.hexagonal.domain.values import Sku
from tests.hexagonal.builders import (
    CUSTOMER,
    NOW,
    ORDER_ID,
    PAYMENT_ID,
    a_new_order,
    item,
    money,
)
from tests.messages import exactly

# --- placing --------------------------------------------------------------------------------


def test_a_new_order_awaits_payment_unsaved_with_its_lines_sorted_by_sku() -> None:
    """O1 and events: lines sorted by SKU, one OrderPlaced; version 0 until a repository saves."""
    order = a_new_order(item("SKU-B", 1, "5.00"), item("SKU-A", 2, "10.00"))
    assert (order.id, order.customer_id, order.status, order.created_at, order.version) == (
        ORDER_ID,
        CUSTOMER,
        OrderStatus.PENDING_PAYMENT,
        NOW,
        0,
    )
    assert (order.payment_id, order.cancel_reason, order.refund_due) == (None, None, False)
    assert order.processed_payments == frozenset()
    assert [(line.sku, line.quantity, line.unit_price) for line in order.lines] == [
        (Sku("SKU-A"), 2, money("10.00")),
        (Sku("SKU-B"), 1, money("5.00")),
    ]
    assert order.take_events() == [
        OrderPlaced(
            ORDER_ID,
            CUSTOMER,
            (LineFact("SKU-A", 2, money("10.00")), LineFact("SKU-B", 1, money("5.00"))),
            money("25.00"),
        )
    ]


def test_an_order_needs_at_least_one_line() -> None:
    """O1: an order has 1-20 lines."""
    with pytest.raises(ValueError, match=exactly("An order needs at least one line.")):
        Order.place(ORDER_ID, CUSTOMER, [], 0, NOW)


@pytest.mark.parametrize("count", [1, 20])
def test_an_order_holds_1_to_20_lines(count: int) -> None:
    """O1: an order has 1-20 lines."""
    order = a_new_order(*[item(f"SKU-{n:02}", 1, "1.00") for n in range(count)])
    assert len(order.lines) == count


def test_an_order_of_21_lines_is_refused() -> None:
    """O1: an order has 1-20 lines."""
    with pytest.raises(TooManyLines) as refused:
        a_new_order(*[item(f"SKU-{n:02}", 1, "1.00") for n in range(21)])
    # The detail is the problem's; the exception's own text (a log shows it) is the same.
    assert refused.value.detail == str(refused.value) == "An order has at most 20 lines."


def test_21_items_that_merge_into_20_lines_may_be_placed() -> None:
    """O1: the 20 lines are counted after items of one SKU are merged."""
    items = [item(f"SKU-{n:02}", 1, "1.00") for n in range(20)]
    order = a_new_order(*items, item("SKU-00", 1, "1.00"))
    assert len(order.lines) == 20
    assert order.lines[0].quantity == 2


# --- a failed payment once the order has moved on -------------------------------------------


STEPS: dict[str, Callable[[Order], None]] = {
    "pay": lambda order: order.pay(PAYMENT_ID, order.totals.total),
    "ship": Order.ship,
    "cancel": Order.cancel,
}


def _after(*steps: str) -> Order:
    """The default new order taken through ``steps`` (pay, ship, cancel), its events taken."""
    order = a_new_order()
    for step in steps:
        STEPS[step](order)
    order.take_events()
    return order


@pytest.mark.parametrize(
    ("steps", "status"),
    [(("pay",), "PAID"), (("pay", "ship"), "SHIPPED"), (("cancel",), "CANCELLED")],
)
def test_a_new_failed_payment_is_refused_once_the_order_is_not_pending(
    steps: tuple[str, ...], status: str
) -> None:
    """O10: failed on any state but PENDING_PAYMENT is an invalid state; it processes nothing."""
    order = _after(*steps)
    processed = order.processed_payments
    refused = exactly(f"Cannot fail the payment of an order in status {status}.")
    with pytest.raises(InvalidState, match=refused):
        order.fail_payment("payment-2")
    assert (order.status, order.processed_payments, order.take_events()) == (
        status,
        processed,
        [],
    )
