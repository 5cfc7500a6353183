"""O7, O8, O11: the order lifecycle, cancellation and shipment.

The O7 transition table in full: every state x every action. Six cells are allowed; every
other cell is 409 ``invalid-state`` and changes nothing. Cancellation and shipment with an
empty body: test_bad_input.py.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest

from tests.acceptance.dsl import ORDER_ACTIONS, ORDER_STATES, QUANTITY, STOCK, PaymentReply, Shop
from tests.acceptance.expectations import body_of, expect_one_new_event, expect_problem, unchanged


class Allowed(NamedTuple):
    status: str
    cancel_reason: str | None
    refund_due: bool
    event: str
    stock: int  # the product's stock afterwards (STOCK before the order was placed)


RESERVED = STOCK - QUANTITY

ALLOWED: dict[tuple[str, str], Allowed] = {
    ("PENDING_PAYMENT", "pay"): Allowed("PAID", None, False, "OrderPaid", RESERVED),
    ("PENDING_PAYMENT", "fail payment"): Allowed(
        "CANCELLED", "payment-failed", False, "OrderCancelled", STOCK
    ),
    ("PENDING_PAYMENT", "cancel"): Allowed("CANCELLED", "customer", False, "OrderCancelled", STOCK),
    ("PENDING_PAYMENT", "amend"): Allowed(
        "PENDING_PAYMENT", None, False, "OrderAmended", RESERVED - 1
    ),
    ("PAID", "cancel"): Allowed("CANCELLED", "customer", True, "OrderCancelled", STOCK),
    ("PAID", "ship"): Allowed("SHIPPED", None, False, "OrderShipped", RESERVED),
}

FORBIDDEN = [
    (state, action)
    for state in ORDER_STATES
    for action in ORDER_ACTIONS
    if (state, action) not in ALLOWED
]

# What an allowed transition may change besides the lines (only "amend" changes those).
STATE_FIELDS = ("status", "payment_id", "cancel_reason", "refund_due")
LINE_FIELDS = ("lines", "subtotal", "discount", "total")


def _without(order: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {key: value for key, value in order.items() if key not in fields}


@pytest.mark.rule("O7", "O8", "O11", "events")
@pytest.mark.parametrize(("state", "action"), list(ALLOWED), ids=[f"{s}-{a}" for s, a in ALLOWED])
def test_an_allowed_transition_moves_the_order_and_records_one_event(
    shop: Shop, state: str, action: str
) -> None:
    expected = ALLOWED[state, action]
    before = shop.order_in_state(state)
    sku = before["lines"][0]["sku"]
    events_before = shop.events_of(before["id"])

    reply = shop.act(action, before)

    after = body_of(reply, 200)
    assert after == shop.order(before["id"])
    assert after["status"] == expected.status
    assert after["cancel_reason"] == expected.cancel_reason
    assert after["refund_due"] is expected.refund_due
    if action == "pay":
        assert isinstance(reply, PaymentReply), reply
        assert after["payment_id"] == reply.payment_id
    else:
        assert after["payment_id"] == before["payment_id"]
    if action == "amend":
        assert after["lines"][0]["quantity"] == QUANTITY + 1
        assert _without(after, STATE_FIELDS + LINE_FIELDS) == _without(
            before, STATE_FIELDS + LINE_FIELDS
        )
    else:
        assert _without(after, STATE_FIELDS) == _without(before, STATE_FIELDS)
    assert shop.stock_of(sku) == expected.stock
    expect_one_new_event(shop, before["id"], events_before, expected.event)


@pytest.mark.rule("O7", "O9", "O10", "O11")
@pytest.mark.parametrize(("state", "action"), FORBIDDEN, ids=[f"{s}-{a}" for s, a in FORBIDDEN])
def test_a_forbidden_transition_is_refused_and_changes_nothing(
    shop: Shop, state: str, action: str
) -> None:
    order = shop.order_in_state(state)

    with unchanged(shop, orders=[order]):
        expect_problem(shop.act(action, order), 409, "invalid-state")

    assert shop.order(order["id"])["status"] == state


@pytest.mark.rule("O7", "O8", "O10")
@pytest.mark.parametrize(
    ("action", "reason"), [("cancel", "customer"), ("fail payment", "payment-failed")]
)
def test_cancelling_returns_every_reserved_unit_exactly_once(
    shop: Shop, action: str, reason: str
) -> None:
    pen, ink, pad = (shop.add_product(stock=50) for _ in range(3))
    order = shop.placed_order([(pen, 3), (ink, 1)])
    body_of(shop.set_line(order["id"], ink, 5), 200)
    body_of(shop.set_line(order["id"], pad, 7), 200)
    amended = body_of(shop.set_line(order["id"], pen, 2), 200)
    assert [shop.stock_of(sku) for sku in (pen, ink, pad)] == [48, 45, 43]

    cancelled = body_of(shop.act(action, amended), 200)

    assert cancelled["status"] == "CANCELLED"
    assert cancelled["cancel_reason"] == reason
    assert cancelled["refund_due"] is False
    assert shop.order(order["id"]) == cancelled
    assert [shop.stock_of(sku) for sku in (pen, ink, pad)] == [50, 50, 50]
    with unchanged(shop, orders=[cancelled]):
        expect_problem(shop.act(action, amended), 409, "invalid-state")
    assert [shop.stock_of(sku) for sku in (pen, ink, pad)] == [50, 50, 50]


@pytest.mark.rule("O7", "http")
def test_the_order_list_filtered_by_status_holds_exactly_the_orders_in_it(shop: Shop) -> None:
    """``GET /orders?customer_id=&status=``: one order of the customer in each state, so a
    filter that is ignored, or that matches the wrong state, shows."""
    customer = shop.new_customer()
    sku = shop.add_product(price="10.00", stock=STOCK)
    in_state = {
        state: shop.move_to(shop.placed_order([(sku, 1)], customer), state)
        for state in ORDER_STATES
    }

    for state, order in in_state.items():
        listed = body_of(shop.list_orders(customer_id=customer, status=state), 200)["orders"]
        assert listed == [order], state
    every = body_of(shop.list_orders(customer_id=customer), 200)["orders"]
    assert [o["id"] for o in every] == [o["id"] for o in reversed(in_state.values())]
