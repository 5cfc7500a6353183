"""Payment results (O10): the root remembers the payment ids it processed, so a replay changes
nothing (no second stock return either); a refused event processes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kata.aggregate.domain import ordering
from kata.aggregate.domain.errors import InvalidState, PaymentMismatch
from kata.aggregate.domain.money import Money
from kata.aggregate.domain.order import Order, OrderLine, OrderStatus
from kata.aggregate.domain.values import Quantity, Sku
from tests.aggregate.builders import (
    CUSTOMER,
    NOW,
    PAYMENT_ID,
    Placed,
    a_product,
    an_order,
    an_order_after,
    an_order_in,
    changes_nothing,
    money,
)
from tests.messages import exactly


def test_a_payment_of_the_total_pays_the_order_and_shows_its_id() -> None:
    order = an_order_in(OrderStatus.PENDING_PAYMENT).order
    order.pay(PAYMENT_ID, money("25.00"))
    assert (order.status, order.payment_id) == (OrderStatus.PAID, PAYMENT_ID)
    assert order.processed_payments == {PAYMENT_ID}


def test_the_amount_is_compared_by_value() -> None:
    """O10 and values: 25 pays a total of 25.00."""
    order = an_order_in(OrderStatus.PENDING_PAYMENT).order
    order.pay(PAYMENT_ID, Money(Decimal("25")))
    assert order.status is OrderStatus.PAID


@pytest.mark.parametrize("amount", ["24.99", "25.01", "0.00", "250.00"])
def test_a_payment_of_another_amount_is_a_mismatch_and_changes_nothing(amount: str) -> None:
    placed = an_order_in(OrderStatus.PENDING_PAYMENT)
    with changes_nothing(placed), pytest.raises(PaymentMismatch):
        placed.order.pay(PAYMENT_ID, money(amount))


def test_a_payment_must_match_the_total_after_amendments() -> None:
    """O10 and O4: the total to pay is the current one (25.00 became 15.00)."""
    placed = an_order()
    ordering.set_line(placed.order, placed.product("SKU-A"), Quantity(1))
    with pytest.raises(PaymentMismatch):
        placed.order.pay(PAYMENT_ID, money("25.00"))
    placed.order.pay(PAYMENT_ID, money("15.00"))
    assert placed.order.status is OrderStatus.PAID


def test_a_refused_payment_processes_nothing_so_its_id_may_pay_later() -> None:
    order = an_order_in(OrderStatus.PENDING_PAYMENT).order
    with pytest.raises(PaymentMismatch):
        order.pay(PAYMENT_ID, money("1.00"))
    assert order.processed_payments == frozenset()
    order.pay(PAYMENT_ID, money("25.00"))
    assert order.status is OrderStatus.PAID


def test_a_failure_refused_as_an_invalid_state_processes_nothing() -> None:
    """O10: failed on a PAID order is refused (409); its id is not remembered."""
    placed = an_order_in(OrderStatus.PAID)
    refused = exactly("Cannot fail the payment of an order in status PAID.")
    with changes_nothing(placed), pytest.raises(InvalidState, match=refused):
        ordering.fail_payment(placed.order, "payment-2", placed.products)
    assert placed.order.processed_payments == {PAYMENT_ID}


@pytest.mark.parametrize(
    ("steps", "replay"),
    [
        (("pay",), "pay"),
        (("pay",), "fail_payment"),
        (("pay", "ship"), "pay"),
        (("pay", "ship"), "fail_payment"),
        (("pay", "cancel"), "pay"),
        (("pay", "cancel"), "fail_payment"),
        (("fail_payment",), "fail_payment"),
        (("fail_payment",), "pay"),
    ],
    ids=[
        "paid-replay-success",
        "paid-replay-as-failure",
        "shipped-replay-success",
        "shipped-replay-as-failure",
        "cancelled-when-paid-replay-success",
        "cancelled-when-paid-replay-as-failure",
        "payment-failed-replay-failure",
        "payment-failed-replay-as-success",
    ],
)
def test_a_payment_id_already_processed_changes_nothing_and_returns_no_stock_again(
    steps: tuple[str, ...], replay: str
) -> None:
    """O10 and O8: the same payment_id again, any outcome or amount, is answered as is."""
    placed = an_order_after(*steps)
    with changes_nothing(placed):
        if replay == "pay":
            placed.order.pay(PAYMENT_ID, money("1.00"))  # not the total: a replay is not checked
        else:
            ordering.fail_payment(placed.order, PAYMENT_ID, placed.products)


def test_the_root_tells_whether_a_failed_payment_was_new() -> None:
    """O10: True when it cancels the order, False for a replay (so no stock moves)."""
    order = an_order_in(OrderStatus.PENDING_PAYMENT).order
    assert order.fail_payment(PAYMENT_ID) is True
    assert order.fail_payment(PAYMENT_ID) is False


def test_a_failed_payment_cancels_the_order_and_returns_its_stock() -> None:
    """O10 and O8: CANCELLED with reason payment-failed; the payment id stays unshown."""
    placed = an_order_in(OrderStatus.PENDING_PAYMENT)
    assert placed.stock() == {"SKU-A": 98, "SKU-B": 99}
    ordering.fail_payment(placed.order, PAYMENT_ID, placed.products)
    order = placed.order
    assert (order.status, order.cancel_reason, order.refund_due, order.payment_id) == (
        OrderStatus.CANCELLED,
        "payment-failed",
        False,
        None,
    )
    assert order.processed_payments == {PAYMENT_ID}
    assert placed.stock() == {"SKU-A": 100, "SKU-B": 100}


def test_payment_ids_are_scoped_to_their_order() -> None:
    first, second = an_order().order, an_order().order
    first.pay(PAYMENT_ID, first.totals.total)
    second.pay(PAYMENT_ID, second.totals.total)
    assert (first.status, second.status) == (OrderStatus.PAID, OrderStatus.PAID)


def test_an_order_rebuilt_from_storage_still_knows_its_processed_payments() -> None:
    """O10: the ids a repository loads back are replays too; rebuilding records no event."""
    product = a_product(stock=98)
    order = Order(
        id="order-1",
        customer_id=CUSTOMER,
        status=OrderStatus.CANCELLED,
        lines=[OrderLine(Sku("SKU-A"), 2, money("10.00"))],
        payment_id=None,
        cancel_reason="payment-failed",
        refund_due=False,
        processed_payments=[PAYMENT_ID],
        created_at=NOW,
        version=2,
    )
    placed = Placed(order, {product.sku: product})
    with changes_nothing(placed):
        ordering.fail_payment(order, PAYMENT_ID, placed.products)
        order.pay(PAYMENT_ID, money("20.00"))
    assert order.version == 2


def test_invalid_state_answers_before_payment_mismatch() -> None:
    """precedence: a new payment of a wrong amount on a PAID order is an invalid state."""
    placed = an_order_in(OrderStatus.PAID)
    with changes_nothing(placed), pytest.raises(InvalidState):
        placed.order.pay("payment-2", money("1.00"))
