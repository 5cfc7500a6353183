"""An order's view as the text an idempotency key keeps (O12), and back: the same view.

Over HTTP a key is only ever bound to a just-placed order (no payment, no cancel reason), so
the shared suite replays views whose every optional member is null. The text is the view's,
whatever the order's state: here it is read back from orders paid and cancelled too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from kata.microservices.ordering.application.views import order_from_json, order_to_json, order_view
from kata.microservices.ordering.domain.money import Money
from kata.microservices.ordering.domain.order import Order
from kata.microservices.ordering.domain.values import Quantity, Sku

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _placed() -> Order:
    items = [
        (Sku("SKU-B"), Quantity(1), Money.of("5.00")),
        (Sku("SKU-A"), Quantity(2), Money.of("60.00")),
    ]
    return Order.place("customer-1", items, 0, NOW)


def _paid(order: Order) -> None:
    order.pay("payment-1", order.totals.total)


def _payment_failed(order: Order) -> None:
    order.fail_payment("payment-2")


def _paid_then_cancelled(order: Order) -> None:
    _paid(order)
    order.cancel()


STATES: dict[str, Callable[[Order], None]] = {
    "placed": lambda order: None,
    "paid": _paid,
    "payment failed": _payment_failed,
    "paid then cancelled": _paid_then_cancelled,
}


@pytest.mark.parametrize("state", STATES)
def test_a_view_read_back_from_its_text_is_the_same_view(state: str) -> None:
    order = _placed()
    STATES[state](order)
    view = order_view(order)

    assert order_from_json(order_to_json(view)) == view


def test_a_paid_and_cancelled_order_keeps_its_payment_and_reason_in_its_text() -> None:
    order = _placed()
    _paid_then_cancelled(order)

    read = order_from_json(order_to_json(order_view(order)))

    assert (read.status, read.payment_id, read.cancel_reason, read.refund_due) == (
        "CANCELLED",
        "payment-1",
        "customer",
        True,
    )
