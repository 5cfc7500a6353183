"""Amending an order awaiting payment (O9): setting and removing lines, the stock they move,
the limits they meet, and the one OrderAmended event each change records."""

from __future__ import annotations

from typing import Any

import pytest

from tests.acceptance.dsl import Shop
from tests.acceptance.expectations import (
    body_of,
    expect_amended,
    expect_invalid,
    expect_problem,
    expect_skus_problem,
    line_of,
    unchanged,
)

# --- PUT: setting a quantity ----------------------------------------------------------------


@pytest.mark.rule("O9", "events")
@pytest.mark.parametrize(
    ("new_quantity", "stock_left", "total"),
    [(8, 1992, "76.00"), (1, 1999, "9.50")],
    ids=["raise", "lower-to-one"],
)
def test_setting_a_quantity_moves_stock_by_the_difference(
    shop: Shop, new_quantity: int, stock_left: int, total: str
) -> None:
    sku = shop.add_product(price="9.50", stock=2000)
    order = shop.placed_order([(sku, 5)])
    assert shop.stock_of(sku) == 1995
    events = shop.events_of(order["id"])

    amended = body_of(shop.set_line(order["id"], sku, new_quantity), 200)

    assert amended["lines"] == [line_of(sku, new_quantity, "9.50")]
    assert amended["total"] == total
    assert amended["status"] == "PENDING_PAYMENT"
    assert shop.stock_of(sku) == stock_left
    assert shop.order(order["id"]) == amended
    expect_amended(shop, order["id"], events, [(sku, new_quantity, "9.50")], total)


@pytest.mark.rule("O9")
def test_raising_a_quantity_by_exactly_the_stock_left_succeeds(shop: Shop) -> None:
    sku = shop.add_product(stock=8)
    order = shop.placed_order([(sku, 5)])

    amended = body_of(shop.set_line(order["id"], sku, 8), 200)

    assert amended["lines"] == [line_of(sku, 8, "10.00")]
    assert shop.stock_of(sku) == 0


@pytest.mark.rule("O9", "O3")
def test_raising_a_quantity_beyond_the_stock_left_is_refused(shop: Shop) -> None:
    sku = shop.add_product(stock=8)
    order = shop.placed_order([(sku, 5)])
    with unchanged(shop, orders=[order]):
        expect_skus_problem(shop.set_line(order["id"], sku, 9), 409, "insufficient-stock", [sku])


@pytest.mark.rule("O9", "events")
def test_setting_the_quantity_a_line_already_has_changes_nothing(shop: Shop) -> None:
    ink = shop.add_product(label="INK")
    pen = shop.add_product(label="PEN")
    order = shop.placed_order([(ink, 3), (pen, 1)])
    with unchanged(shop, orders=[order]):
        assert body_of(shop.set_line(order["id"], ink, 3), 200) == order


@pytest.mark.rule("O9", "events")
def test_setting_a_sku_not_on_the_order_adds_a_line(shop: Shop) -> None:
    # A line added after a price change takes the new price: test_products.py (P4, O2).
    pen = shop.add_product(price="20.00", label="PEN")
    ink = shop.add_product(price="4.50", stock=10, label="INK")
    order = shop.placed_order([(pen, 1)])
    events = shop.events_of(order["id"])

    amended = body_of(shop.set_line(order["id"], ink, 4), 200)

    assert amended["lines"] == [line_of(ink, 4, "4.50"), line_of(pen, 1, "20.00")]
    assert (amended["subtotal"], amended["discount"], amended["total"]) == (
        "38.00",
        "0.00",
        "38.00",
    )
    assert shop.stock_of(ink) == 6
    expect_amended(shop, order["id"], events, [(ink, 4, "4.50"), (pen, 1, "20.00")], "38.00")


@pytest.mark.rule("O9", "O3")
def test_adding_a_line_short_of_stock_is_refused(shop: Shop) -> None:
    pen = shop.add_product(label="PEN")
    ink = shop.add_product(stock=2, label="INK")
    order = shop.placed_order([(pen, 1)])
    with unchanged(shop, skus=[ink], orders=[order]):
        expect_skus_problem(shop.set_line(order["id"], ink, 3), 409, "insufficient-stock", [ink])


@pytest.mark.rule("O9")
@pytest.mark.parametrize("quantity", [0, 1001])
def test_setting_a_quantity_outside_one_to_a_thousand_is_refused(shop: Shop, quantity: int) -> None:
    sku = shop.add_product(stock=2000)
    order = shop.placed_order([(sku, 5)])
    with unchanged(shop, orders=[order]):
        expect_invalid(shop.set_line(order["id"], sku, quantity), "quantity")


@pytest.mark.rule("O9")
def test_setting_an_unknown_sku_is_refused_as_an_unknown_product(shop: Shop) -> None:
    sku = shop.add_product()
    unknown = shop.new_sku()
    order = shop.placed_order([(sku, 1)])
    with unchanged(shop, orders=[order]):
        expect_skus_problem(
            shop.set_line(order["id"], unknown, 1), 422, "unknown-product", [unknown]
        )


def _twenty_line_order(shop: Shop) -> tuple[list[str], dict[str, Any]]:
    skus = [shop.add_product(price="1.00") for _ in range(20)]
    return skus, shop.placed_order([(sku, 1) for sku in skus])


@pytest.mark.rule("O9")
def test_a_twenty_first_line_is_refused(shop: Shop) -> None:
    _, order = _twenty_line_order(shop)
    extra = shop.add_product(price="1.00")
    with unchanged(shop, skus=[extra], orders=[order]):
        expect_problem(shop.set_line(order["id"], extra, 1), 409, "too-many-lines")


@pytest.mark.rule("O9")
def test_a_line_of_a_twenty_line_order_may_still_be_set(shop: Shop) -> None:
    skus, order = _twenty_line_order(shop)

    amended = body_of(shop.set_line(order["id"], skus[7], 3), 200)

    assert len(amended["lines"]) == 20
    assert line_of(skus[7], 3, "1.00") in amended["lines"]
    assert amended["total"] == "22.00"


@pytest.mark.rule("O9", "O1")
def test_a_twentieth_line_may_be_added_to_a_nineteen_line_order(shop: Shop) -> None:
    skus = [shop.add_product(price="1.00") for _ in range(20)]
    order = shop.placed_order([(sku, 1) for sku in skus[:19]])

    amended = body_of(shop.set_line(order["id"], skus[19], 2), 200)

    assert len(amended["lines"]) == 20
    assert line_of(skus[19], 2, "1.00") in amended["lines"]
    assert amended["total"] == "21.00"
    assert shop.order(order["id"]) == amended


# --- DELETE: removing a line ----------------------------------------------------------------


@pytest.mark.rule("O9", "O8", "events")
def test_removing_a_line_returns_its_stock(shop: Shop) -> None:
    ink = shop.add_product(price="2.00", stock=10, label="INK")
    pen = shop.add_product(price="7.00", stock=10, label="PEN")
    order = shop.placed_order([(ink, 3), (pen, 2)])
    events = shop.events_of(order["id"])

    amended = body_of(shop.remove_line(order["id"], ink), 200)

    assert amended["lines"] == [line_of(pen, 2, "7.00")]
    assert amended["total"] == "14.00"
    assert (shop.stock_of(ink), shop.stock_of(pen)) == (10, 8)
    assert shop.order(order["id"]) == amended
    expect_amended(shop, order["id"], events, [(pen, 2, "7.00")], "14.00")


@pytest.mark.rule("O9")
def test_removing_the_last_line_is_refused(shop: Shop) -> None:
    sku = shop.add_product()
    order = shop.placed_order([(sku, 2)])
    with unchanged(shop, orders=[order]):
        expect_problem(shop.remove_line(order["id"], sku), 409, "last-line")


# --- the order limit, the state, the order itself -------------------------------------------


@pytest.mark.rule("O9", "O5", "O4")
def test_amending_up_to_a_total_of_exactly_ten_thousand_is_accepted(shop: Shop) -> None:
    big = shop.add_product(price="11111.10", label="BIG")
    cent = shop.add_product(price="0.01", label="CENT")
    order = shop.placed_order([(big, 1)])
    assert order["total"] == "9999.99"

    amended = body_of(shop.set_line(order["id"], cent, 1), 200)

    assert (amended["subtotal"], amended["discount"], amended["total"]) == (
        "11111.11",
        "1111.11",
        "10000.00",
    )


@pytest.mark.rule("O9", "O5", "O4")
def test_amending_past_a_total_of_ten_thousand_is_refused(shop: Shop) -> None:
    big = shop.add_product(price="11111.10", label="BIG")
    cent = shop.add_product(price="0.01", label="CENT")
    two_cents = shop.add_product(price="0.02", label="TWO")
    order = shop.placed_order([(big, 1), (cent, 1)])
    assert order["total"] == "10000.00"
    with unchanged(shop, skus=[two_cents], orders=[order]):
        reply = shop.set_line(order["id"], two_cents, 1)
        expect_problem(reply, 409, "order-limit-exceeded")


@pytest.mark.rule("O9", "O7")
@pytest.mark.parametrize("state", ["PAID", "CANCELLED", "SHIPPED"])
def test_a_line_cannot_be_removed_from_an_order_no_longer_awaiting_payment(
    shop: Shop, state: str
) -> None:
    # Setting a quantity in these states: the O7 table in test_lifecycle.py ("amend").
    ink = shop.add_product(label="INK")
    pen = shop.add_product(label="PEN")
    order = shop.order_in_state(state, [(ink, 2), (pen, 1)])
    with unchanged(shop, orders=[order]):
        expect_problem(shop.remove_line(order["id"], pen), 409, "invalid-state")


@pytest.mark.rule("O9", "http")
@pytest.mark.parametrize("change", ["PUT", "DELETE"])
def test_amending_an_unknown_order_is_not_found(shop: Shop, change: str) -> None:
    sku = shop.add_product()
    order_id = shop.unknown_order_id()
    with unchanged(shop, skus=[sku]):
        if change == "PUT":
            reply = shop.set_line(order_id, sku, 1)
        else:
            reply = shop.remove_line(order_id, sku)
        expect_problem(reply, 404, "not-found")
