"""The catalogue: registering, listing, restocking and changing products (P1-P4), and what a
price change does to orders (P4, O2: each line keeps the price it was added at)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.acceptance.dsl import Shop
from tests.acceptance.expectations import (
    Failures,
    body_of,
    expect_invalid,
    expect_problem,
    expect_status,
    line_of,
    unchanged,
)

MAX_RESTOCKED_STOCK = 10_000_000


# --- P1: registering ------------------------------------------------------------------------


@pytest.mark.rule("P1", "http")
def test_registering_a_product_answers_201_with_the_product_and_its_location(
    shop: Shop,
) -> None:
    sku = shop.new_sku("PEN")

    reply = shop.register_product(sku, name="Fountain pen", price="12.50", stock=7)

    expected = {"sku": sku, "name": "Fountain pen", "price": "12.50", "stock": 7}
    assert body_of(reply, 201) == expected
    assert reply.content_type == "application/json", str(reply)
    assert reply.headers.get("location") == f"/products/{sku}", str(reply)
    assert shop.product(sku) == expected
    assert [p for p in shop.products() if p["sku"] == sku] == [expected]


@pytest.mark.rule("P1")
def test_price_and_stock_at_their_limits_are_accepted(shop: Shop) -> None:
    failures = Failures()
    for price, stock, shown_price in (
        ("0.01", 0, "0.01"),
        ("100000.00", 1_000_000, "100000.00"),
        ("100000", 5, "100000.00"),
    ):
        with failures.check(f"price {price!r}, stock {stock}"):
            sku = shop.new_sku()
            shown = body_of(shop.register_product(sku, price=price, stock=stock), 201)
            assert (shown["price"], shown["stock"]) == (shown_price, stock)
            assert shop.product(sku) == shown
    failures.assert_none()


@pytest.mark.rule("P1")
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("price", "0.00"),
        ("price", "0"),
        ("price", "100000.01"),
        ("stock", -1),
        ("stock", 1_000_001),
    ],
)
def test_price_or_stock_just_outside_its_limits_is_refused(
    shop: Shop, field: str, value: Any
) -> None:
    sku = shop.new_sku()
    product = {"sku": sku, "name": "Pen", "price": "10.00", "stock": 5, field: value}

    with unchanged(shop, catalogue=True):
        expect_invalid(shop.request("POST", "/products", product), field)
    expect_problem(shop.get_product(sku), 404, "not-found")


@pytest.mark.rule("P1", "values")
def test_a_product_name_is_trimmed_and_counted_in_code_points(shop: Shop) -> None:
    accepted = [
        ("  Fountain pen  ", "Fountain pen"),
        ("\u00a0Ink\u3000", "Ink"),  # str.strip() white space beyond ASCII
        ("x" * 100, "x" * 100),
        (" " + "é" * 100 + " ", "é" * 100),  # 100 characters once trimmed
        ("\U0001f58b" * 100, "\U0001f58b" * 100),  # 100 code points, 200 UTF-16 units
        ("Pen \u00e9\u0301 \u4e07\u5e74\u7b14", "Pen \u00e9\u0301 \u4e07\u5e74\u7b14"),
    ]
    failures = Failures()
    for given, stored in accepted:
        with failures.check(f"name {given!r}"):
            sku = shop.new_sku()
            assert body_of(shop.register_product(sku, name=given), 201)["name"] == stored
            assert shop.product(sku)["name"] == stored
    failures.assert_none()


@pytest.mark.rule("P1", "values")
@pytest.mark.parametrize(
    "name",
    [
        pytest.param("", id="empty"),
        pytest.param(" \t\n ", id="white-space-only"),
        pytest.param("x" * 101, id="101-characters"),
        pytest.param("Pen\x00", id="NUL"),
        pytest.param("Pen\tnib", id="tab-inside"),
        pytest.param("Pen\x7f", id="DEL"),
        pytest.param("Pe\x85n", id="C1-control-NEL"),
    ],
)
def test_a_product_name_empty_too_long_or_with_control_characters_is_refused(
    shop: Shop, name: str
) -> None:
    sku = shop.new_sku()

    with unchanged(shop, catalogue=True):
        expect_invalid(shop.register_product(sku, name=name), "name")


@pytest.mark.rule("P1", "values")
def test_skus_matching_the_pattern_whole_are_accepted(shop: Shop) -> None:
    base = shop.new_sku("9")  # starts with a digit
    failures = Failures()
    for sku in (base, (base + "-" * 32)[:32], base + "--Z"):
        with failures.check(f"sku {sku!r}"):
            assert body_of(shop.register_product(sku), 201)["sku"] == sku
            assert shop.product(sku)["sku"] == sku
    failures.assert_none()


@pytest.mark.rule("P1", "values")
@pytest.mark.parametrize(
    ("label", "make"),
    [
        ("lower-case", lambda s: s.lower()),
        ("33-characters", lambda s: (s + "X" * 33)[:33]),
        ("leading-hyphen", lambda s: "-" + s),
        ("underscore", lambda s: s + "_A"),
        ("inner-space", lambda s: s + " A"),
        ("trailing-newline", lambda s: s + "\n"),
        ("full-width-letter", lambda s: "\uff21" + s),
        ("empty", lambda s: ""),
    ],
)
def test_a_sku_not_matching_the_pattern_whole_is_refused(shop: Shop, label: str, make: Any) -> None:
    sku: str = make(shop.new_sku())

    with unchanged(shop, catalogue=True):
        expect_invalid(shop.register_product(sku), "sku")


# --- P2: duplicates ---------------------------------------------------------------------------


@pytest.mark.rule("P2")
def test_registering_an_existing_sku_is_a_duplicate_and_changes_nothing(shop: Shop) -> None:
    sku = shop.add_product(price="10.00", stock=100)

    with unchanged(shop, skus=[sku], catalogue=True):
        reply = shop.register_product(sku, name="Another pen", price="99.00", stock=1)
        expect_problem(reply, 409, "duplicate-sku")


# --- P3: restocking -----------------------------------------------------------------------------


@pytest.mark.rule("P3")
def test_restocking_adds_to_the_stock(shop: Shop) -> None:
    sku = shop.add_product(price="10.00", stock=100)
    shop.placed_order([(sku, 30)])

    reply = shop.restock(sku, 5)

    expected = {"sku": sku, "name": "Fountain pen", "price": "10.00", "stock": 75}
    assert body_of(reply, 200) == expected
    assert shop.product(sku) == expected


@pytest.mark.rule("P3")
def test_restock_quantities_at_their_limits_are_accepted(shop: Shop) -> None:
    sku = shop.add_product(stock=0)

    assert body_of(shop.restock(sku, 1), 200)["stock"] == 1
    assert body_of(shop.restock(sku, 1_000_000), 200)["stock"] == 1_000_001


@pytest.mark.rule("P3")
@pytest.mark.parametrize("quantity", [0, -1, 1_000_001])
def test_a_restock_quantity_outside_1_to_1000000_is_refused(shop: Shop, quantity: int) -> None:
    sku = shop.add_product(stock=10)

    with unchanged(shop, skus=[sku]):
        expect_invalid(shop.restock(sku, quantity), "quantity")


@pytest.mark.rule("P3")
def test_restocking_up_to_ten_million_is_allowed_and_one_unit_more_is_refused(
    shop: Shop,
) -> None:
    sku = shop.add_product(stock=1_000_000)
    for _ in range(9):
        expect_status(shop.restock(sku, 1_000_000), 200)
    assert shop.stock_of(sku) == MAX_RESTOCKED_STOCK

    with unchanged(shop, skus=[sku]):
        expect_problem(shop.restock(sku, 1), 409, "stock-limit-exceeded")


@pytest.mark.rule("P3")
def test_a_restock_crossing_ten_million_is_refused_whole(shop: Shop) -> None:
    sku = shop.add_product(stock=1_000_000)
    for _ in range(8):
        expect_status(shop.restock(sku, 1_000_000), 200)
    expect_status(shop.restock(sku, 1), 200)  # 9,000,001

    with unchanged(shop, skus=[sku]):
        expect_problem(shop.restock(sku, 1_000_000), 409, "stock-limit-exceeded")
    assert body_of(shop.restock(sku, 999_999), 200)["stock"] == MAX_RESTOCKED_STOCK


_GET = ("GET", "", None)
_PATCH = ("PATCH", "", {"name": "Renamed"})
_RESTOCK = ("POST", "/restock", {"quantity": 1})


@pytest.mark.rule("P3", "values", "http")
@pytest.mark.parametrize(
    ("which", "method", "suffix", "body"),
    [
        pytest.param("unknown", *_GET, id="get-unknown"),
        pytest.param("unknown", *_PATCH, id="patch-unknown"),
        pytest.param("unknown", *_RESTOCK, id="restock-unknown"),
        pytest.param("lower-case-of-existing", *_GET, id="get-lower-case"),
        pytest.param("lower-case-of-existing", *_PATCH, id="patch-lower-case"),
        pytest.param("lower-case-of-existing", *_RESTOCK, id="restock-lower-case"),
        pytest.param("33-characters", *_GET, id="get-33-characters"),
    ],
)
def test_a_sku_in_the_path_that_names_no_product_is_not_found(
    shop: Shop, which: str, method: str, suffix: str, body: dict[str, Any] | None
) -> None:
    existing = shop.add_product(stock=10)
    path_sku = {
        "unknown": shop.new_sku(),
        "lower-case-of-existing": existing.lower(),
        "33-characters": (existing + "X" * 33)[:33],
    }[which]

    with unchanged(shop, skus=[existing]):
        if body is None:
            reply = shop.request(method, f"/products/{path_sku}{suffix}")
        else:
            reply = shop.request(method, f"/products/{path_sku}{suffix}", body)
        expect_problem(reply, 404, "not-found")


# --- listing ----------------------------------------------------------------------------------


@pytest.mark.rule("http")
def test_products_are_listed_sorted_by_sku(shop: Shop) -> None:
    # "A-C…" sorts before "AB…" by code point; a collation that skips hyphens says otherwise.
    mine = [shop.add_product(label=label) for label in ("ZED", "AB", "A-C", "9", "MID")]

    listed = [p["sku"] for p in shop.products()]

    assert [s for s in listed if s in mine] == sorted(mine)
    assert listed == sorted(listed), "the whole list is not sorted by SKU"
    assert len(listed) == len(set(listed))


# --- P4: changing a product ---------------------------------------------------------------------


@pytest.mark.rule("P4", "http")
@pytest.mark.parametrize(
    ("change", "name", "price"),
    [
        ({"name": "Ink pen"}, "Ink pen", "10.00"),
        ({"price": "12.5"}, "Fountain pen", "12.50"),
        ({"name": "  Ink pen ", "price": "0.01"}, "Ink pen", "0.01"),
    ],
    ids=["name", "price", "both"],
)
def test_patch_changes_the_name_and_or_the_price_only(
    shop: Shop, change: dict[str, str], name: str, price: str
) -> None:
    sku = shop.add_product(price="10.00", stock=40)
    expected = {"sku": sku, "name": name, "price": price, "stock": 40}

    reply = shop.update_product(sku, **change)

    assert body_of(reply, 200) == expected
    assert shop.product(sku) == expected


@pytest.mark.rule("P4", "values")
def test_a_patch_is_held_to_the_rules_of_registration(shop: Shop) -> None:
    sku = shop.add_product()
    failures = Failures()
    for change, field in (
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "Pen\x00"}, "name"),
        ({"name": None}, "name"),
        ({"price": "0.00"}, "price"),
        ({"price": "100000.01"}, "price"),
        ({"price": None}, "price"),
        ({"name": "Fine", "price": "-1"}, "price"),
    ):
        with failures.check(f"PATCH {change!r}"), unchanged(shop, skus=[sku]):
            expect_invalid(shop.update_product(sku, **change), field)
    failures.assert_none()


# --- P4, O2: a price change and the orders ------------------------------------------------------


@pytest.mark.rule("P4", "O2", "O4", "O5", "O9")
def test_a_price_change_leaves_existing_orders_and_their_lines_at_the_old_price(
    shop: Shop,
) -> None:
    sku = shop.add_product(price="10.00", stock=100)
    order = shop.placed_order([(sku, 2)])
    assert order["lines"] == [line_of(sku, 2, "10.00")]

    expect_status(shop.update_product(sku, price="5000.00"), 200)

    assert shop.order(order["id"]) == order
    # At the new price, 3 units would be 13500.00 after discount, over O5's limit: the limit
    # too is checked at the line's own price.
    amended = body_of(shop.set_line(order["id"], sku, 3), 200)
    assert amended["lines"] == [line_of(sku, 3, "10.00")]
    assert amended["total"] == "30.00"


@pytest.mark.rule("P4", "O2", "O4", "O9")
def test_orders_and_lines_added_after_a_price_change_take_the_new_price(shop: Shop) -> None:
    kept = shop.add_product(price="10.00", stock=100, label="INK")
    added = shop.add_product(price="5.00", stock=100, label="PEN")
    order = shop.placed_order([(kept, 1)])

    expect_status(shop.update_product(kept, price="11.00"), 200)
    expect_status(shop.update_product(added, price="7.50"), 200)

    new_order = shop.placed_order([(added, 2)])
    assert new_order["lines"] == [line_of(added, 2, "7.50")]
    assert new_order["total"] == "15.00"
    amended = body_of(shop.set_line(order["id"], added, 2), 200)
    assert amended["lines"] == [line_of(kept, 1, "10.00"), line_of(added, 2, "7.50")]
    assert amended["total"] == "25.00"
    assert shop.order(order["id"]) == amended


@pytest.mark.rule("P4", "O2", "O4", "O9")
def test_a_line_removed_and_added_again_takes_the_current_price(shop: Shop) -> None:
    ink = shop.add_product(price="10.00", label="INK")
    pen = shop.add_product(price="95.00", label="PEN")
    order = shop.placed_order([(ink, 2), (pen, 1)])
    assert (order["subtotal"], order["discount"], order["total"]) == ("115.00", "5.75", "109.25")

    expect_status(shop.update_product(ink, price="12.00"), 200)
    expect_status(shop.remove_line(order["id"], ink), 200)
    again = body_of(shop.set_line(order["id"], ink, 2), 200)

    assert again["lines"] == [line_of(ink, 2, "12.00"), line_of(pen, 1, "95.00")]
    assert (again["subtotal"], again["discount"], again["total"]) == ("119.00", "5.95", "113.05")
