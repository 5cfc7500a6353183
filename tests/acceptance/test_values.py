"""Values on the wire (spec §1): money, quantities and identifiers."""

from __future__ import annotations

import string
from typing import Any

import pytest

from tests.acceptance.dsl import Send, Shop
from tests.acceptance.expectations import (
    Failures,
    body_of,
    expect_invalid,
    expect_problem,
    unchanged,
)

# --- money in -----------------------------------------------------------------------------


@pytest.mark.rule("values", "P1")
@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("1", "1.00"),
        ("1.5", "1.50"),
        ("1.50", "1.50"),
        ("000001.00", "1.00"),  # six integer digits, leading zeros and all
        ("0.1", "0.10"),
    ],
)
def test_money_matching_the_pattern_is_accepted_and_shown_with_two_decimals(
    shop: Shop, given: str, shown: str
) -> None:
    sku = shop.new_sku()

    assert body_of(shop.register_product(sku, price=given), 201)["price"] == shown
    assert shop.product(sku)["price"] == shown
    listed = [p for p in shop.products() if p["sku"] == sku]
    assert [p["price"] for p in listed] == [shown]


# Prices refused, by test id: not a string matching the money pattern whole.
REFUSED_MONEY: dict[str, Any] = {
    "json-number": 12.5,
    "exponent": "1e3",
    "NaN": "NaN",
    "minus-sign": "-1",
    "plus-sign": "+1",
    "trailing-newline": "10.00\n",
    "leading-space": " 10",
    "three-decimals": "1.234",
    "seven-integer-digits": "0000010",
    "full-width-digits": "\uff11\uff12",
    "empty": "",
    "no-integer-digit": ".5",
    "decimal-comma": "1,50",
    "null": None,
}


@pytest.mark.rule("values", "P1")
@pytest.mark.parametrize("price", REFUSED_MONEY.values(), ids=REFUSED_MONEY.keys())
def test_money_not_matching_the_pattern_whole_is_refused(shop: Shop, price: Any) -> None:
    sku = shop.new_sku()

    with unchanged(shop, catalogue=True):
        expect_invalid(shop.register_product(sku, name="Pen", price=price, stock=5), "price")
    expect_problem(shop.get_product(sku), 404, "not-found")


@pytest.mark.rule("values", "P4", "O10")
def test_every_money_field_is_held_to_the_pattern(shop: Shop) -> None:
    sku = shop.add_product(price="10.00", stock=10)
    order = shop.placed_order([(sku, 2)])
    failures = Failures()
    for bad in (20, 20.0, "2e1", "20.00\n", "\uff12\uff10", "-20"):
        with failures.check(f"PATCH price {bad!r}"), unchanged(shop, orders=[order]):
            expect_invalid(shop.update_product(sku, price=bad), "price")
        with failures.check(f"payment amount {bad!r}"), unchanged(shop, orders=[order]):
            expect_invalid(shop.pay(order["id"], bad), "amount")
    failures.assert_none()


# --- money out and compared -----------------------------------------------------------------


@pytest.mark.rule("values", "O4", "events")
def test_money_is_shown_with_two_decimals_everywhere(shop: Shop) -> None:
    sku = shop.add_product(price="20", stock=10)
    assert shop.product(sku)["price"] == "20.00"

    order = shop.placed_order([(sku, 1)])

    assert order["lines"] == [
        {"sku": sku, "quantity": 1, "unit_price": "20.00", "line_total": "20.00"}
    ]
    assert (order["subtotal"], order["discount"], order["total"]) == ("20.00", "0.00", "20.00")
    (placed,) = shop.events_of(order["id"])
    assert placed["data"]["lines"] == [{"sku": sku, "quantity": 1, "unit_price": "20.00"}]
    assert placed["data"]["total"] == "20.00"


@pytest.mark.rule("values", "O10", "events")
@pytest.mark.parametrize(
    ("price", "total", "amount"),
    [
        ("10.00", "20.00", "20"),
        ("10.00", "20.00", "20.0"),
        ("10.00", "20.00", "020.00"),
        ("10.45", "20.90", "020.9"),
    ],
)
def test_an_amount_equal_in_value_to_the_total_pays_the_order(
    shop: Shop, price: str, total: str, amount: str
) -> None:
    sku = shop.add_product(price=price, stock=10)
    order = shop.placed_order([(sku, 2)])
    assert order["total"] == total

    reply = shop.pay(order["id"], amount)

    paid = body_of(reply, 200)
    assert (paid["status"], paid["total"]) == ("PAID", total)
    assert paid["payment_id"] == reply.payment_id
    assert [e["data"] for e in shop.events_of(order["id"]) if e["type"] == "OrderPaid"] == [
        {"payment_id": reply.payment_id, "amount": total}
    ]


# --- quantities -----------------------------------------------------------------------------


@pytest.mark.rule("values", "P3", "O1", "O9")
@pytest.mark.parametrize(
    "quantity",
    [
        pytest.param(True, id="true"),
        pytest.param(2.0, id="float-2.0"),
        pytest.param("2", id="string"),
        pytest.param(None, id="null"),
    ],
)
def test_a_quantity_must_be_a_json_integer(shop: Shop, quantity: Any) -> None:
    sku = shop.add_product(price="10.00", stock=10)
    order = shop.placed_order([(sku, 1)])
    customer = shop.new_customer()
    attempts: list[tuple[str, Send, str]] = [
        ("restock", lambda: shop.restock(sku, quantity), "quantity"),
        ("place order", lambda: shop.place_order(customer, [(sku, quantity)]), "lines.0.quantity"),
        ("set line", lambda: shop.set_line(order["id"], sku, quantity), "quantity"),
    ]
    failures = Failures()
    for label, send, path in attempts:
        with failures.check(label), unchanged(shop, customers=[customer], orders=[order]):
            expect_invalid(send(), path)
    assert shop.orders_of(customer) == []
    failures.assert_none()


# --- identifiers ----------------------------------------------------------------------------


_CUSTOMER_ALPHABET = string.ascii_letters + string.digits + "_-"


@pytest.mark.rule("values", "O1")
def test_a_customer_id_must_match_its_pattern_whole(shop: Shop) -> None:
    sku = shop.add_product(price="10.00", stock=10)
    failures = Failures()
    for customer in ("", "x" * 65, "ann smith", "ann\n", "zoë", "ann.smith"):
        with failures.check(f"customer_id {customer!r}"), unchanged(shop, skus=[sku]):
            expect_invalid(shop.place_order(customer, [(sku, 1)]), "customer_id")
    longest = (shop.new_customer() + "-" + _CUSTOMER_ALPHABET)[:64]
    assert len(longest) == 64
    placed = body_of(shop.place_order(longest, [(sku, 1)]), 201)
    assert placed["customer_id"] == longest
    assert shop.order(placed["id"])["customer_id"] == longest
    failures.assert_none()


@pytest.mark.rule("values", "O10")
def test_payment_ids_and_order_ids_in_a_body_are_checked_before_they_are_looked_up(
    shop: Shop,
) -> None:
    sku = shop.add_product(price="10.00", stock=10)
    order = shop.placed_order([(sku, 1)])
    failures = Failures()
    for payment_id in ("", "x" * 65, "pay 1", "pay/1", "päy"):
        with failures.check(f"payment_id {payment_id!r}"), unchanged(shop, orders=[order]):
            expect_invalid(shop.pay(order["id"], "10.00", payment_id), "payment_id")
    for order_id, status in (("", 422), ("x" * 65, 422), ("x" * 64, 404)):
        with failures.check(f"order_id {order_id!r}"), unchanged(shop, orders=[order]):
            reply = shop.pay(order_id, "10.00")
            if status == 422:
                expect_invalid(reply, "order_id")
            else:
                expect_problem(reply, 404, "not-found")
    failures.assert_none()
