"""Payment results (O10): replays change nothing, mismatches and refusals process nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kata.domain_model.domain.errors import InvalidState, PaymentMismatch
from kata.domain_model.domain.money import Money
from kata.domain_model.domain.order import OrderStatus
from tests.domain_model.builders import (
    PAYMENT_ID,
    an_order,
    an_order_after,
    an_order_in,
    changes_nothing,
    money,
    stock_of,
)
from tests.messages import exactly


def test_o10_a_payment_of_the_total_pays_the_order_and_shows_its_id() -> None:
    """O10: succeeded with amount == total -> PAID, payment_id on the order."""
    order = an_order_in(OrderStatus.PENDING_PAYMENT)
    order.pay(PAYMENT_ID, money("25.00"))
    assert (order.status, order.payment_id) == (OrderStatus.PAID, PAYMENT_ID)


def test_o10_the_amount_is_compared_by_value() -> None:
    """O10/values: "25" pays a total of "25.00"."""
    order = an_order_in(OrderStatus.PENDING_PAYMENT)
    order.pay(PAYMENT_ID, Money(Decimal("25")))
    assert order.status is OrderStatus.PAID


@pytest.mark.parametrize("amount", ["24.99", "25.01", "0.00", "250.00"])
def test_o10_a_payment_of_another_amount_is_a_mismatch_and_changes_nothing(amount: str) -> None:
    """O10: payment-mismatch; the order stays PENDING_PAYMENT, no event."""
    order = an_order_in(OrderStatus.PENDING_PAYMENT)
    with changes_nothing(order), pytest.raises(PaymentMismatch):
        order.pay(PAYMENT_ID, money(amount))


def test_o10_a_refused_payment_processes_nothing_so_its_id_can_still_pay() -> None:
    """O10: a refused event is not a processed payment id; the right amount later pays."""
    order = an_order_in(OrderStatus.PENDING_PAYMENT)
    with pytest.raises(PaymentMismatch):
        order.pay(PAYMENT_ID, money("1.00"))
    order.pay(PAYMENT_ID, money("25.00"))
    assert order.status is OrderStatus.PAID


@pytest.mark.parametrize(
    ("walk", "replay"),
    [
        (("pay",), "pay"),
        (("pay",), "fail_payment"),
        (("pay", "ship"), "pay"),
        (("pay", "cancel"), "pay"),
        (("fail_payment",), "fail_payment"),
        (("fail_payment",), "pay"),
    ],
    ids=[
        "paid-replay-success",
        "paid-replay-as-failure",
        "shipped-replay-success",
        "cancelled-when-paid-replay-success",
        "payment-failed-replay-failure",
        "payment-failed-replay-as-success",
    ],
)
def test_o10_a_payment_id_already_processed_changes_nothing(
    walk: tuple[str, ...], replay: str
) -> None:
    """O10: the same payment_id again (any outcome or amount) is answered as is, no event."""
    order = an_order_after(*walk)
    with changes_nothing(order):
        if replay == "pay":
            order.pay(PAYMENT_ID, money("1.00"))  # not the total: a replay is not checked
        else:
            order.fail_payment(PAYMENT_ID)


def test_o10_payment_ids_are_scoped_to_their_order() -> None:
    """O10: one payment id paying two orders pays each of them."""
    first, second = an_order(), an_order()
    first.pay(PAYMENT_ID, first.totals.total)
    second.pay(PAYMENT_ID, second.totals.total)
    assert (first.status, second.status) == (OrderStatus.PAID, OrderStatus.PAID)


def test_o10_a_failed_payment_cancels_and_returns_the_stock() -> None:
    """O10/O8: failed -> CANCELLED with reason payment-failed; every unit back in stock."""
    order = an_order_in(OrderStatus.PENDING_PAYMENT)
    products = [line.product for line in order.lines]
    assert stock_of(*products) == {"SKU-A": 98, "SKU-B": 99}
    order.fail_payment(PAYMENT_ID)
    assert (order.status, order.cancel_reason, order.refund_due, order.payment_id) == (
        OrderStatus.CANCELLED,
        "payment-failed",
        False,
        None,
    )
    assert stock_of(*products) == {"SKU-A": 100, "SKU-B": 100}


def test_precedence_invalid_state_before_payment_mismatch() -> None:
    """precedence (O7 before O10's mismatch): a new payment of a wrong amount on a PAID order."""
    order = an_order_in(OrderStatus.PAID)
    with changes_nothing(order), pytest.raises(InvalidState):
        order.pay("payment-2", money("1.00"))


def test_o10_a_failed_payment_refused_names_the_move_and_the_status() -> None:
    """O10/O7: a failed payment of an order no longer awaiting payment is refused, and the
    detail names what was refused and in which status."""
    order = an_order_in(OrderStatus.SHIPPED)
    refused = exactly("Cannot fail the payment of an order in status SHIPPED.")
    with changes_nothing(order), pytest.raises(InvalidState, match=refused):
        order.fail_payment("payment-2")
