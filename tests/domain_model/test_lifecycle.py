"""The lifecycle (O7, O8, O10, O11, O9's state rule) as one table over status x action.

Allowed moves change the order and record exactly one event of their type; every other
move raises ``InvalidState`` and changes nothing: status, fields, lines, stock, events.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from kata.domain_model.domain.errors import InvalidState
from kata.domain_model.domain.events import (
    DomainEvent,
    OrderAmended,
    OrderCancelled,
    OrderPaid,
    OrderShipped,
)
from kata.domain_model.domain.order import Order, OrderStatus
from kata.domain_model.domain.product import Product
from kata.domain_model.domain.values import Quantity
from tests.domain_model.builders import (
    PAYMENT_ID,
    a_product,
    an_order_after,
    an_order_in,
    changes_nothing,
    stock_of,
)

PENDING, PAID, SHIPPED, CANCELLED = (
    OrderStatus.PENDING_PAYMENT,
    OrderStatus.PAID,
    OrderStatus.SHIPPED,
    OrderStatus.CANCELLED,
)
NEW_PAYMENT_ID = "payment-2"

# Each action gets the order and a spare product that is on no order (SKU-Z).
Action = Callable[[Order, Product], None]


def _pay(order: Order, spare: Product) -> None:
    order.pay(NEW_PAYMENT_ID, order.totals.total)


def _fail_payment(order: Order, spare: Product) -> None:
    order.fail_payment(NEW_PAYMENT_ID)


def _cancel(order: Order, spare: Product) -> None:
    order.cancel()


def _ship(order: Order, spare: Product) -> None:
    order.ship()


def _set_line(order: Order, spare: Product) -> None:
    line = order.lines[0]
    order.set_line(line.product, Quantity(line.quantity + 1))


def _add_line(order: Order, spare: Product) -> None:
    order.set_line(spare, Quantity(1))


def _remove_line(order: Order, spare: Product) -> None:
    order.remove_line(order.lines[0].sku)


ACTIONS: dict[str, Action] = {
    "pay": _pay,
    "fail_payment": _fail_payment,
    "cancel": _cancel,
    "ship": _ship,
    "set_line": _set_line,
    "add_line": _add_line,
    "remove_line": _remove_line,
}


@dataclass(frozen=True)
class After:
    """What an allowed move leaves: status, the order's fields and the one event recorded."""

    status: OrderStatus
    event: type[DomainEvent]
    payment_id: str | None = None
    cancel_reason: str | None = None
    refund_due: bool = False


# rule: O7 (and O9: lines change only while PENDING_PAYMENT, O11: ship only from PAID)
ALLOWED: dict[tuple[OrderStatus, str], After] = {
    (PENDING, "pay"): After(PAID, OrderPaid, payment_id=NEW_PAYMENT_ID),
    (PENDING, "fail_payment"): After(CANCELLED, OrderCancelled, cancel_reason="payment-failed"),
    (PENDING, "cancel"): After(CANCELLED, OrderCancelled, cancel_reason="customer"),
    (PENDING, "set_line"): After(PENDING, OrderAmended),
    (PENDING, "add_line"): After(PENDING, OrderAmended),
    (PENDING, "remove_line"): After(PENDING, OrderAmended),
    (PAID, "cancel"): After(
        CANCELLED, OrderCancelled, payment_id=PAYMENT_ID, cancel_reason="customer", refund_due=True
    ),
    (PAID, "ship"): After(SHIPPED, OrderShipped, payment_id=PAYMENT_ID),
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
    """O7: 4 statuses x 7 actions, each either allowed or forbidden."""
    assert len(ALLOWED) + len(FORBIDDEN) == len(OrderStatus) * len(ACTIONS) == 28


@pytest.mark.parametrize(("status", "action"), list(ALLOWED), ids=[_id(*key) for key in ALLOWED])
def test_o7_an_allowed_move_changes_the_order_and_records_exactly_one_event(
    status: OrderStatus, action: str
) -> None:
    """O7/O9/O10/O11: the new status and fields, and one event of the move's type."""
    order, spare = an_order_in(status), a_product("SKU-Z")
    expected = ALLOWED[status, action]
    ACTIONS[action](order, spare)
    assert (order.status, order.payment_id, order.cancel_reason, order.refund_due) == (
        expected.status,
        expected.payment_id,
        expected.cancel_reason,
        expected.refund_due,
    )
    events = order.take_events()
    assert [type(event) for event in events] == [expected.event]
    assert events[0].order_id == order.id


@pytest.mark.parametrize(("status", "action"), FORBIDDEN, ids=[_id(*key) for key in FORBIDDEN])
def test_o7_any_other_move_raises_invalid_state_and_changes_nothing(
    status: OrderStatus, action: str
) -> None:
    """O7/O9/O10/O11: invalid-state; status, fields, lines, stock as they were; no event."""
    order, spare = an_order_in(status), a_product("SKU-Z")
    with changes_nothing(order, spare), pytest.raises(InvalidState):
        ACTIONS[action](order, spare)


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize(
    "walk", [("fail_payment",), ("pay", "cancel")], ids=["payment-failed", "cancelled-when-paid"]
)
def test_o7_a_cancelled_order_is_final_however_it_was_cancelled(
    walk: tuple[str, ...], action: str
) -> None:
    """O7: CANCELLED is final, after a failed payment or a refund too."""
    order, spare = an_order_after(*walk), a_product("SKU-Z")
    with changes_nothing(order, spare), pytest.raises(InvalidState):
        ACTIONS[action](order, spare)


@pytest.mark.parametrize(
    ("walk", "refund_due"),
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
def test_o7_a_refund_is_due_only_when_a_paid_order_is_cancelled(
    walk: tuple[str, ...], refund_due: bool
) -> None:
    """O7: refund_due is true after PAID -> CANCELLED, false in every other case."""
    assert an_order_after(*walk).refund_due is refund_due


# --- the events and the stock of each move ----------------------------------------------------


def test_o10_paying_records_order_paid_with_the_payment_and_amount() -> None:
    """O10/events: OrderPaid carries payment_id and amount; stock does not move."""
    order = an_order_in(PENDING)
    before = stock_of(*(line.product for line in order.lines))
    order.pay(NEW_PAYMENT_ID, order.totals.total)
    assert order.take_events() == [OrderPaid(order.id, NEW_PAYMENT_ID, order.totals.total)]
    assert stock_of(*(line.product for line in order.lines)) == before


@pytest.mark.parametrize(
    ("walk", "reason", "refund_due"),
    [
        (("cancel",), "customer", False),
        (("fail_payment",), "payment-failed", False),
        (("pay", "cancel"), "customer", True),
    ],
    ids=["customer", "payment-failed", "customer-when-paid"],
)
def test_o8_cancelling_returns_every_reserved_unit_and_records_order_cancelled(
    walk: tuple[str, ...], reason: str, refund_due: bool
) -> None:
    """O8/events: the lines' units go back to stock; OrderCancelled carries reason and refund."""
    order = an_order_after(*walk[:-1])
    products = [line.product for line in order.lines]
    reserved = {line.sku: line.quantity for line in order.lines}
    before = stock_of(*products)
    ACTIONS[walk[-1]](order, a_product("SKU-Z"))
    assert stock_of(*products) == {sku: before[sku] + reserved[sku] for sku in before}
    assert order.take_events() == [OrderCancelled(order.id, reason, refund_due)]


def test_o8_stock_returns_exactly_once() -> None:
    """O8: a second cancellation is refused, so the units cannot come back twice."""
    order = an_order_in(CANCELLED)
    with changes_nothing(order), pytest.raises(InvalidState):
        order.cancel()


def test_o11_shipping_records_order_shipped_and_keeps_the_stock_taken() -> None:
    """O11/events: OrderShipped with no data; shipped units stay out of stock."""
    order = an_order_in(PAID)
    before = stock_of(*(line.product for line in order.lines))
    order.ship()
    assert order.take_events() == [OrderShipped(order.id)]
    assert stock_of(*(line.product for line in order.lines)) == before
