"""The ordering service's ``Order`` on its own, in memory: what a request cannot show.

The request schema lets 1 to 20 items reach ``Order.place``, and the HTTP adapter merges them
by SKU first, so the order's own guards of its lines never fire over HTTP; what a command
answers the use case may not read; and a refusal's words are free text to the shared suite.
Here the model is held to each: its guards, its answers, and every refusal's whole message,
as the problem's ``detail`` and as the exception's own text (which a log line shows).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from kata.microservices.ordering.domain.errors import (
    DomainError,
    InvalidState,
    LastLine,
    TooManyLines,
)
from kata.microservices.ordering.domain.money import Money
from kata.microservices.ordering.domain.order import Order, OrderStatus
from kata.microservices.ordering.domain.values import Quantity, Sku
from tests.messages import exactly

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
CUSTOMER = "customer-1"

Item = tuple[Sku, Quantity, Money]


def item(sku: str, units: int, unit_price: str = "1.00") -> Item:
    """One item for ``Order.place``: a SKU, a quantity and the product's price today."""
    return Sku(sku), Quantity(units), Money.of(unit_price)


def place(*items: Item) -> Order:
    return Order.place(CUSTOMER, items, 0, NOW)


def paid(order: Order) -> Order:
    order.pay("payment-1", order.totals.total)
    return order


def cancelled(order: Order) -> Order:
    order.cancel()
    return order


def assert_refused(refused: DomainError, message: str) -> None:
    """The problem's detail is the message; the exception's own text is the same."""
    assert refused.detail == str(refused) == message


# --- placing --------------------------------------------------------------------------------


def test_an_order_needs_at_least_one_line() -> None:
    with pytest.raises(ValueError, match=exactly("An order needs at least one line.")):
        place()


def test_an_order_of_21_lines_is_refused() -> None:
    """O1: the schema's limit of 20 items keeps this from HTTP; the model keeps it too."""
    with pytest.raises(TooManyLines) as refused:
        place(*[item(f"SKU-{n:02}", 1) for n in range(21)])
    assert_refused(refused.value, "An order has at most 20 lines.")


def test_items_of_one_sku_merge_into_one_line_with_their_quantities_added() -> None:
    """O1: the HTTP adapter merges items before the model sees them; the model merges too."""
    order = place(item("SKU-A", 2, "3.00"), item("SKU-B", 1), item("SKU-A", 5, "3.00"))
    assert [(line.sku.code, line.quantity) for line in order.lines] == [("SKU-A", 7), ("SKU-B", 1)]
    assert order.totals.subtotal == Money.of("22.00")


def test_21_items_that_merge_into_20_lines_may_be_placed() -> None:
    items = [item(f"SKU-{n:02}", 1) for n in range(20)]
    order = place(*items, item("SKU-00", 1))
    assert len(order.lines) == 20
    assert order.lines[0].quantity == 2


def test_a_new_order_is_at_version_0_until_it_is_saved() -> None:
    """Version 0: never saved (the repository stores it at version 1)."""
    assert place(item("SKU-A", 1)).version == 0


# --- a failed payment -----------------------------------------------------------------------


def test_a_failed_payment_cancels_the_order_and_answers_that_it_did() -> None:
    order = place(item("SKU-A", 1))
    assert order.fail_payment("payment-1") is True
    assert (order.status, order.cancel_reason) == (OrderStatus.CANCELLED, "payment-failed")


def test_a_failed_payment_seen_before_changes_nothing_and_answers_so() -> None:
    """O10: the same payment again is known, not refused by the order's new status."""
    order = place(item("SKU-A", 1))
    order.fail_payment("payment-1")
    order.take_events()
    assert order.fail_payment("payment-1") is False
    assert order.take_events() == []


# --- refusals, word for word ----------------------------------------------------------------


# Each way to change an order's lines, or to ask what a change would move (O9).
LINE_CHANGES: dict[str, Callable[[Order], object]] = {
    "set_line": lambda order: order.set_line(Sku("SKU-A"), Quantity(3), Money.of("1.00")),
    "units_to_move": lambda order: order.units_to_move(Sku("SKU-C"), Quantity(1), Money.of("1.00")),
    "remove_line": lambda order: order.remove_line(Sku("SKU-B")),
}


@pytest.mark.parametrize("change", LINE_CHANGES)
@pytest.mark.parametrize("leave_pending", [paid, cancelled], ids=["PAID", "CANCELLED"])
def test_the_lines_of_an_order_no_longer_pending_cannot_change(
    leave_pending: Callable[[Order], Order], change: str
) -> None:
    order = leave_pending(place(item("SKU-A", 2), item("SKU-B", 1)))
    with pytest.raises(InvalidState) as refused:
        LINE_CHANGES[change](order)
    assert_refused(refused.value, f"Cannot change the lines of an order in status {order.status}.")
    assert [(line.sku.code, line.quantity) for line in order.lines] == [("SKU-A", 2), ("SKU-B", 1)]


def test_the_last_line_cannot_be_removed() -> None:
    order = place(item("SKU-A", 2))
    with pytest.raises(LastLine) as refused:
        order.remove_line(Sku("SKU-A"))
    assert_refused(refused.value, "An order keeps at least one line; cancel it instead.")


def test_a_cancelled_order_cannot_be_paid() -> None:
    order = cancelled(place(item("SKU-A", 1)))
    with pytest.raises(InvalidState) as refused:
        order.pay("payment-2", Money.of("1.00"))
    assert_refused(refused.value, "Cannot pay an order in status CANCELLED.")


def test_the_payment_of_a_paid_order_cannot_fail() -> None:
    order = paid(place(item("SKU-A", 1)))
    with pytest.raises(InvalidState) as refused:
        order.fail_payment("payment-2")
    assert_refused(refused.value, "Cannot fail the payment of an order in status PAID.")
    assert order.status is OrderStatus.PAID
