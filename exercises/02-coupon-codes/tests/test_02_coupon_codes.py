"""Exercise 02, new rule: coupon codes (the rule is spelled out in the exercise's README).

An order may carry one coupon from the shop's fixed table (``KATA5`` 5.00 off, ``KATA50``
50.00 off, ``FREE`` 100000.00 off). It comes off after the tier discount and never takes the
total below 0.00: ``coupon_discount = min(amount, subtotal - discount)``. The order shows
``coupon`` and ``coupon_discount``; ``OrderPlaced`` carries ``coupon``; O5, O10 and every
event's total see the total after the coupon.

Run with ``pytest --exercise 02 --variant NAME`` (``kata exercise check 02 --variant NAME``
adds the shared suite). Each case runs once per ``--variant`` and database, like the suite,
and every reply is checked against ``docs/openapi.yaml``: the contract must declare the new
fields too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypedDict

import pytest

from tests.acceptance.driver import Reply
from tests.acceptance.dsl import Order, Shop, order_body
from tests.acceptance.expectations import (
    Failures,
    body_of,
    event_lines,
    expect_amended,
    expect_invalid,
    expect_one_new_event,
    expect_problem,
    expect_skus_problem,
    expect_status,
    line_of,
    unchanged,
)

NO_COUPON: Any = object()  # leave the field out of the body

# Codes the shop does not know: well formed but not in the table, or not a code at all.
NOT_COUPONS: dict[str, Any] = {
    "unknown": "KATA6",
    "lower case": "kata5",
    "empty": "",
    "too long": "A" * 17,
    "hyphen": "KATA-5",
    "surrounding space": " KATA5",
    "trailing newline": "KATA5\n",
    "number": 5,
    "boolean": True,
    "list": ["KATA5"],
    "object": {"code": "KATA5"},
}


def place(
    shop: Shop,
    customer: str,
    lines: list[tuple[str, int]],
    coupon: Any = NO_COUPON,
    idempotency_key: str | None = None,
) -> Reply:
    """``POST /orders`` with ``coupon`` in the body (left out unless given)."""
    body = order_body(customer, lines)
    if coupon is not NO_COUPON:
        body["coupon"] = coupon
    headers = {} if idempotency_key is None else {"Idempotency-Key": idempotency_key}
    return shop.request("POST", "/orders", body, headers=headers)


def placed(shop: Shop, lines: list[tuple[str, int]], coupon: Any = NO_COUPON) -> Order:
    """A new customer's order of ``lines``, placed with ``coupon``; returns it."""
    return body_of(place(shop, shop.new_customer(), lines, coupon), 201)


class Figures(TypedDict):
    """What the coupon rule decides in an order: its coupon and its money."""

    coupon: str | None
    subtotal: str
    discount: str
    coupon_discount: str
    total: str


def figures(order: Order) -> dict[str, Any]:
    """The order's ``Figures`` as it shows them; a field it leaves out reads "(missing)"."""
    return {name: order.get(name, "(missing)") for name in Figures.__annotations__}


# --- no coupon ------------------------------------------------------------------------------


@pytest.mark.parametrize("coupon", [NO_COUPON, None], ids=["absent", "null"])
def test_an_order_without_a_coupon_shows_none_and_costs_what_it_did(
    shop: Shop, coupon: Any
) -> None:
    """No coupon (field absent or null): ``coupon`` is null, ``coupon_discount`` "0.00",
    the total is O4's, and OrderPlaced carries ``"coupon": null``."""
    sku = shop.add_product(price="60.00")
    customer = shop.new_customer()

    order = body_of(place(shop, customer, [(sku, 2)], coupon), 201)

    assert figures(order) == Figures(
        coupon=None, subtotal="120.00", discount="6.00", coupon_discount="0.00", total="114.00"
    )
    event = expect_one_new_event(shop, order["id"], [], "OrderPlaced")
    assert event["data"] == {
        "customer_id": customer,
        "lines": event_lines([(sku, 2, "60.00")]),
        "total": "114.00",
        "coupon": None,
    }


# --- placing with a coupon ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "coupon_discount", "total"),
    [("KATA5", "5.00", "185.00"), ("KATA50", "50.00", "140.00"), ("FREE", "190.00", "0.00")],
)
def test_each_code_comes_off_after_the_tier_discount(
    shop: Shop, code: str, coupon_discount: str, total: str
) -> None:
    """Subtotal 200.00, 5 % tier discount 10.00, then the coupon's amount (FREE: all that is
    left); the order shows the same figures when read back and listed."""
    sku = shop.add_product(price="50.00")
    customer = shop.new_customer()

    order = body_of(place(shop, customer, [(sku, 4)], code), 201)

    assert figures(order) == Figures(
        coupon=code,
        subtotal="200.00",
        discount="10.00",
        coupon_discount=coupon_discount,
        total=total,
    )
    assert order["lines"] == [line_of(sku, 4, "50.00")]
    assert shop.order(order["id"]) == order
    assert shop.orders_of(customer) == [order]
    assert shop.stock_of(sku) == 96


def test_a_coupon_worth_more_than_the_order_brings_its_total_to_zero(shop: Shop) -> None:
    """KATA5 on a 3.00 order takes 3.00 off, not 5.00: the total is 0.00, never negative.
    A payment of "0.00" pays it (O10 compares with the total after the coupon), and the
    amount before the coupon is a mismatch."""
    sku = shop.add_product(price="1.50")
    order = placed(shop, [(sku, 2)], "KATA5")
    assert figures(order) == Figures(
        coupon="KATA5", subtotal="3.00", discount="0.00", coupon_discount="3.00", total="0.00"
    )

    with unchanged(shop, orders=[order]):
        expect_problem(shop.pay(order["id"], "3.00"), 409, "payment-mismatch")
    events = shop.events_of(order["id"])
    paid = body_of(shop.pay(order["id"], "0.00"), 200)

    assert paid["status"] == "PAID"
    assert figures(paid) == figures(order)
    event = expect_one_new_event(shop, order["id"], events, "OrderPaid")
    assert event["data"] == {"payment_id": paid["payment_id"], "amount": "0.00"}


def test_a_payment_must_match_the_total_after_the_coupon(shop: Shop) -> None:
    """O10 with a coupon: 20.00 of goods less KATA5 is paid with "15.00"; "20.00" is a
    mismatch that changes nothing."""
    sku = shop.add_product(price="10.00")
    order = placed(shop, [(sku, 2)], "KATA5")
    assert order["total"] == "15.00"

    with unchanged(shop, orders=[order]):
        expect_problem(shop.pay(order["id"], "20.00"), 409, "payment-mismatch")
    paid = body_of(shop.pay(order["id"], "15.00"), 200)

    assert paid["status"] == "PAID"


# --- codes the shop does not know -----------------------------------------------------------


def test_a_code_the_shop_does_not_know_is_a_validation_error_and_changes_nothing(
    shop: Shop,
) -> None:
    """Not a string matching ``[A-Z0-9]{1,16}``, or not in the table: 422 validation-error
    under ``errors.coupon``, no order, no stock moved, no event. The same body with a known
    code is then accepted."""
    sku = shop.add_product(stock=10)
    customer = shop.new_customer()
    failures = Failures()

    for label, coupon in NOT_COUPONS.items():
        with failures.check(label), unchanged(shop, skus=[sku], customers=[customer]):
            expect_invalid(place(shop, customer, [(sku, 2)], coupon), "coupon")
    failures.assert_none()

    order = body_of(place(shop, customer, [(sku, 2)], "KATA5"), 201)
    assert order["coupon"] == "KATA5"


def test_the_coupon_is_checked_with_the_body_before_the_products(shop: Shop) -> None:
    """An unknown code is a ``validation-error`` (step 2 of the precedence): reported with
    the body's other bad fields, and before ``unknown-product``, ``insufficient-stock`` or
    ``too-many-open-orders``. A known code leaves those answers as they were."""
    short = shop.add_product(stock=1)
    missing = shop.new_sku("MISSING")
    busy = shop.new_customer()
    lines = [(shop.add_product(), 1)]
    for _ in range(3):
        expect_status(place(shop, busy, lines), 201)

    with unchanged(shop, skus=[short], customers=[busy]):
        expect_invalid(place(shop, "no such id!", lines, "NOPE"), "customer_id", "coupon")
        expect_invalid(place(shop, busy, [(missing, 1)], "NOPE"), "coupon")
        expect_invalid(place(shop, busy, [(short, 2)], "NOPE"), "coupon")
        expect_invalid(place(shop, busy, lines, "NOPE"), "coupon")

        reply = place(shop, busy, [(missing, 1)], "KATA50")
        expect_skus_problem(reply, 422, "unknown-product", [missing])
        expect_problem(place(shop, busy, lines, "KATA50"), 409, "too-many-open-orders")
        reply = place(shop, shop.new_customer(), [(short, 2)], "KATA50")
        expect_skus_problem(reply, 409, "insufficient-stock", [short])


# --- amending ---------------------------------------------------------------------------------


def test_amending_keeps_the_coupon_and_recomputes_what_it_takes_off(shop: Shop) -> None:
    """Every change of lines prices the order again with its coupon: KATA50 takes off all of
    a 20.00 order, 50.00 of a 120.00 one, and all again when the order shrinks to 1.00; each
    OrderAmended carries the total after the coupon."""
    pen = shop.add_product(price="10.00")
    ink = shop.add_product(price="1.00")
    order = placed(shop, [(pen, 2)], "KATA50")
    assert (order["coupon_discount"], order["total"]) == ("20.00", "0.00")

    def amend(send: Callable[[], Reply], lines: list[tuple[str, int, str]], *money: str) -> None:
        before = shop.events_of(order["id"])
        amended = body_of(send(), 200)
        names = ("subtotal", "discount", "coupon_discount", "total")
        assert figures(amended) == {"coupon": "KATA50", **dict(zip(names, money, strict=True))}
        assert shop.order(order["id"]) == amended
        expect_amended(shop, order["id"], before, lines, amended["total"])

    amend(
        lambda: shop.set_line(order["id"], pen, 12),
        [(pen, 12, "10.00")],
        *("120.00", "6.00", "50.00", "64.00"),
    )
    amend(
        lambda: shop.set_line(order["id"], ink, 1),
        [(ink, 1, "1.00"), (pen, 12, "10.00")],
        *("121.00", "6.05", "50.00", "64.95"),
    )
    amend(
        lambda: shop.remove_line(order["id"], pen),
        [(ink, 1, "1.00")],
        *("1.00", "0.00", "1.00", "0.00"),
    )


# --- the order limit (O5) -----------------------------------------------------------------


def test_the_order_limit_applies_to_the_total_after_the_coupon(shop: Shop) -> None:
    """11166.67 less the 10 % tier discount is 10050.00: over the limit without a coupon,
    exactly 10000.00 (allowed) with KATA50. One cent more, added by an amendment, is over
    the limit again and changes nothing."""
    dear = shop.add_product(price="11166.67")
    cent = shop.add_product(price="0.01")
    customer = shop.new_customer()
    with unchanged(shop, skus=[dear], customers=[customer]):
        expect_problem(place(shop, customer, [(dear, 1)]), 409, "order-limit-exceeded")
        expect_problem(place(shop, customer, [(dear, 1)], "KATA5"), 409, "order-limit-exceeded")

    order = body_of(place(shop, customer, [(dear, 1)], "KATA50"), 201)

    assert figures(order) == Figures(
        coupon="KATA50",
        subtotal="11166.67",
        discount="1116.67",
        coupon_discount="50.00",
        total="10000.00",
    )
    with unchanged(shop, skus=[cent], orders=[order]):
        expect_problem(shop.set_line(order["id"], cent, 1), 409, "order-limit-exceeded")


# --- events and replays -------------------------------------------------------------------------


def test_the_events_carry_the_coupon_and_the_totals_after_it(shop: Shop) -> None:
    """OrderPlaced carries ``coupon`` and the total after it; OrderAmended and OrderPaid
    carry the new total."""
    sku = shop.add_product(price="10.00")
    customer = shop.new_customer()

    order = body_of(place(shop, customer, [(sku, 2)], "KATA5"), 201)
    amended = body_of(shop.set_line(order["id"], sku, 3), 200)
    paid = body_of(shop.pay(order["id"], amended["total"]), 200)

    assert (order["total"], amended["total"]) == ("15.00", "25.00")
    events = shop.events_of(order["id"])
    assert [(event["type"], event["data"]) for event in events] == [
        (
            "OrderPlaced",
            {
                "customer_id": customer,
                "lines": event_lines([(sku, 2, "10.00")]),
                "total": "15.00",
                "coupon": "KATA5",
            },
        ),
        ("OrderAmended", {"lines": event_lines([(sku, 3, "10.00")]), "total": "25.00"}),
        ("OrderPaid", {"payment_id": paid["payment_id"], "amount": "25.00"}),
    ]


def test_a_replayed_placement_answers_with_its_coupon_as_first_sent(shop: Shop) -> None:
    """O12 with a coupon: a repeat with the same key and body gets the first response,
    coupon and coupon discount included, even after an amendment changed them; the same key
    with another coupon is another request (``idempotency-key-reuse``)."""
    sku = shop.add_product(price="10.00")
    customer, key = shop.new_customer(), shop.new_idempotency_key()
    first = body_of(place(shop, customer, [(sku, 2)], "KATA50", key), 201)
    body_of(shop.set_line(first["id"], sku, 20), 200)

    with unchanged(shop, skus=[sku], customers=[customer]):
        repeat = body_of(place(shop, customer, [(sku, 2)], "KATA50", key), 201)
        other = place(shop, customer, [(sku, 2)], "KATA5", key)

    assert repeat == first
    assert (repeat["coupon"], repeat["coupon_discount"], repeat["total"]) == (
        "KATA50",
        "20.00",
        "0.00",
    )
    expect_problem(other, 422, "idempotency-key-reuse")
