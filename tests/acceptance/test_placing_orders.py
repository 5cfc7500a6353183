"""Placing an order: lines and quantities (O1), reserving stock (O3), the order limit (O5),
open orders per customer (O6), and the order as clients see it.

Elsewhere: the customer_id pattern in test_values.py, the price snapshot (O2, P4) in
test_products.py, which error answers first in test_bad_input.py, the OrderPlaced event in
test_events.py."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from tests.acceptance.driver import Reply
from tests.acceptance.dsl import Line, Order, Shop
from tests.acceptance.expectations import (
    body_of,
    expect_invalid,
    expect_order_shape,
    expect_problem,
    expect_skus_problem,
    expect_status,
    line_of,
    unchanged,
)


def _refused_placement(shop: Shop, lines: Sequence[Line], *orders: Order) -> Reply:
    """Place ``lines`` for a new customer, checking that this changes nothing: the products
    named on the lines, the customer's orders (none), these ``orders``, every event."""
    customer = shop.new_customer()
    with unchanged(shop, skus=[sku for sku, _ in lines], customers=[customer], orders=orders):
        return shop.place_order(customer, lines)


# --- O1: lines and quantities ---------------------------------------------------------------


@pytest.mark.rule("O1")
def test_an_order_may_have_twenty_lines(shop: Shop) -> None:
    skus = [shop.add_product() for _ in range(20)]
    order = body_of(shop.place_order(shop.new_customer(), [(sku, 1) for sku in skus]), 201)
    assert [line["sku"] for line in order["lines"]] == sorted(skus)
    assert all(line["quantity"] == 1 for line in order["lines"])


@pytest.mark.rule("O1")
@pytest.mark.parametrize(
    ("products", "items"),
    [(0, 0), (21, 21), (1, 21)],
    ids=["no-items", "21-products", "21-items-of-one-product"],
)
def test_a_request_without_items_or_with_more_than_twenty_is_refused_under_lines(
    shop: Shop, products: int, items: int
) -> None:
    skus = [shop.add_product() for _ in range(products)]
    lines = [(skus[i % products], 1) for i in range(items)]

    expect_invalid(_refused_placement(shop, lines), "lines")


@pytest.mark.rule("O1")
@pytest.mark.parametrize(
    ("quantities", "index"),
    [([0], "0"), ([1001], "0"), ([5, 2, 0], "2")],
    ids=["zero", "1001", "third-item-zero"],
)
def test_an_item_quantity_outside_one_to_a_thousand_is_refused_under_its_index(
    shop: Shop, quantities: list[int], index: str
) -> None:
    skus = [shop.add_product(stock=2000) for _ in quantities]

    reply = _refused_placement(shop, list(zip(skus, quantities, strict=True)))

    expect_invalid(reply, f"lines.{index}.quantity")


@pytest.mark.rule("O1")
def test_items_with_the_same_sku_are_merged_into_one_line(shop: Shop) -> None:
    pen = shop.add_product(price="2.00", stock=50, label="PEN")
    ink = shop.add_product(price="3.00", stock=50, label="INK")

    order = body_of(shop.place_order(shop.new_customer(), [(pen, 2), (ink, 1), (pen, 3)]), 201)

    assert order["lines"] == [line_of(ink, 1, "3.00"), line_of(pen, 5, "2.00")]
    assert (order["subtotal"], order["total"]) == ("13.00", "13.00")
    assert (shop.stock_of(pen), shop.stock_of(ink)) == (45, 49)


@pytest.mark.rule("O1")
def test_a_merged_quantity_over_a_thousand_is_refused_under_lines(shop: Shop) -> None:
    sku = shop.add_product(price="0.50", stock=5000)

    expect_invalid(_refused_placement(shop, [(sku, 600), (sku, 401)]), "lines")


@pytest.mark.rule("O1")
def test_a_merged_quantity_of_exactly_a_thousand_is_accepted(shop: Shop) -> None:
    sku = shop.add_product(price="0.50", stock=5000)
    order = body_of(shop.place_order(shop.new_customer(), [(sku, 600), (sku, 400)]), 201)
    assert order["lines"] == [line_of(sku, 1000, "0.50")]
    assert shop.stock_of(sku) == 4000


# --- O3: reserving stock, all or nothing ----------------------------------------------------


@pytest.mark.rule("O3")
def test_an_order_short_of_stock_on_any_line_is_refused_naming_every_short_sku(
    shop: Shop,
) -> None:
    plenty = shop.add_product(stock=10, label="MID")
    short = shop.add_product(stock=2, label="ZED")
    empty = shop.add_product(stock=0, label="ALPHA")

    reply = _refused_placement(shop, [(short, 3), (plenty, 5), (empty, 1)])

    expect_skus_problem(reply, 409, "insufficient-stock", [empty, short])


@pytest.mark.rule("O3", "O1")
def test_stock_is_checked_against_the_merged_quantity(shop: Shop) -> None:
    sku = shop.add_product(stock=5)

    reply = _refused_placement(shop, [(sku, 3), (sku, 3)])

    expect_skus_problem(reply, 409, "insufficient-stock", [sku])


@pytest.mark.rule("O3")
def test_an_order_for_exactly_the_stock_left_succeeds_and_leaves_none(shop: Shop) -> None:
    sku = shop.add_product(stock=7)
    order = shop.placed_order([(sku, 7)])
    assert order["lines"] == [line_of(sku, 7, "10.00")]
    assert shop.stock_of(sku) == 0

    reply = _refused_placement(shop, [(sku, 1)], order)
    expect_skus_problem(reply, 409, "insufficient-stock", [sku])


@pytest.mark.rule("O3")
def test_unknown_skus_are_refused_naming_every_unknown_sku(shop: Shop) -> None:
    known = shop.add_product(label="MID")
    unknown_z, unknown_a = shop.new_sku("ZED"), shop.new_sku("ALPHA")

    reply = _refused_placement(shop, [(unknown_z, 1), (known, 1), (unknown_a, 1)])

    expect_skus_problem(reply, 422, "unknown-product", [unknown_a, unknown_z])


# --- O5: the order limit applies to the discounted total -------------------------------------


@pytest.mark.rule("O5", "O4")
def test_an_order_totalling_exactly_ten_thousand_after_discount_is_accepted(shop: Shop) -> None:
    sku = shop.add_product(price="11111.11")
    order = body_of(shop.place_order(shop.new_customer(), [(sku, 1)]), 201)
    assert (order["subtotal"], order["discount"], order["total"]) == (
        "11111.11",
        "1111.11",
        "10000.00",
    )


@pytest.mark.rule("O5", "O4")
@pytest.mark.parametrize(
    "lines",
    [[("5555.56", 1), ("5555.56", 1)], [("1000.00", 12)]],
    ids=["10000.01", "12000.00-less-discount"],
)
def test_an_order_totalling_over_ten_thousand_is_refused(
    shop: Shop, lines: list[tuple[str, int]]
) -> None:
    skus = [shop.add_product(price=price) for price, _ in lines]
    request = [(sku, quantity) for sku, (_, quantity) in zip(skus, lines, strict=True)]

    expect_problem(_refused_placement(shop, request), 409, "order-limit-exceeded")


# --- O6: at most three orders awaiting payment per customer ----------------------------------


@pytest.mark.rule("O6")
def test_a_customer_may_have_three_orders_awaiting_payment_but_not_four(shop: Shop) -> None:
    sku = shop.add_product()
    customer = shop.new_customer()
    placed = shop.placed_orders(3, [(sku, 1)], customer)
    assert [o["status"] for o in placed] == ["PENDING_PAYMENT"] * 3

    with unchanged(shop, orders=placed):
        expect_problem(shop.place_order(customer, [(sku, 1)]), 409, "too-many-open-orders")


@pytest.mark.rule("O6")
@pytest.mark.parametrize("state", ["PAID", "CANCELLED"])
def test_a_customer_may_order_again_once_an_open_order_leaves_pending_payment(
    shop: Shop, state: str
) -> None:
    sku = shop.add_product()
    customer = shop.new_customer()
    first, *_ = shop.placed_orders(3, [(sku, 1)], customer)

    shop.move_to(first, state)
    assert shop.order(first["id"])["status"] == state

    fourth = body_of(shop.place_order(customer, [(sku, 1)]), 201)
    assert fourth["status"] == "PENDING_PAYMENT"
    expect_problem(shop.place_order(customer, [(sku, 1)]), 409, "too-many-open-orders")


@pytest.mark.rule("O6")
def test_the_open_order_limit_counts_each_customer_separately(shop: Shop) -> None:
    sku = shop.add_product()
    busy, other = shop.new_customer(), shop.new_customer()
    shop.placed_orders(3, [(sku, 1)], busy)

    for _ in range(3):
        assert body_of(shop.place_order(other, [(sku, 1)]), 201)["customer_id"] == other

    expect_problem(shop.place_order(busy, [(sku, 1)]), 409, "too-many-open-orders")
    assert len(shop.orders_of(busy)) == len(shop.orders_of(other)) == 3


# --- the order as clients see it -----------------------------------------------------------


@pytest.mark.rule("O1", "O4", "http")
def test_a_placed_order_awaits_payment_with_its_lines_sorted_by_sku(shop: Shop) -> None:
    zed = shop.add_product(price="40.00", label="ZED")
    alpha = shop.add_product(price="12.50", label="ALPHA")
    customer = shop.new_customer()

    order = body_of(shop.place_order(customer, [(zed, 2), (alpha, 3)]), 201)

    expect_order_shape(order)
    assert order == {
        "id": order["id"],
        "customer_id": customer,
        "status": "PENDING_PAYMENT",
        "lines": [line_of(alpha, 3, "12.50"), line_of(zed, 2, "40.00")],
        "subtotal": "117.50",
        "discount": "5.88",
        "total": "111.62",
        "payment_id": None,
        "cancel_reason": None,
        "refund_due": False,
        "created_at": order["created_at"],
    }
    assert order["lines"][0]["line_total"] == "37.50"


@pytest.mark.rule("http")
def test_a_placed_order_is_found_at_its_location(shop: Shop) -> None:
    reply = expect_status(shop.place_order(shop.new_customer(), [(shop.add_product(), 1)]), 201)
    placed = reply.json()
    assert reply.headers["location"] == f"/orders/{placed['id']}"
    assert reply.content_type == "application/json"

    assert shop.order(placed["id"]) == placed
    assert body_of(shop.request("GET", reply.headers["location"]), 200) == placed


@pytest.mark.rule("http")
def test_an_order_id_that_names_no_order_is_not_found(shop: Shop) -> None:
    expect_problem(shop.get_order(shop.unknown_order_id()), 404, "not-found")
