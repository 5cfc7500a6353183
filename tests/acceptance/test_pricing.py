"""Pricing (O4): line totals, the subtotal, the discount bands and half-up rounding at the
cent, recomputed after every change of lines. Lines priced before a price change (O2, P4):
test_products.py."""

from __future__ import annotations

import pytest

from tests.acceptance.dsl import Shop
from tests.acceptance.expectations import body_of, expect_amended, line_of

Priced = tuple[str, int]  # (unit price, quantity)


def _totals(order: dict[str, str]) -> tuple[str, str, str]:
    return order["subtotal"], order["discount"], order["total"]


@pytest.mark.rule("O4")
@pytest.mark.parametrize(
    ("lines", "line_totals", "totals"),
    [
        ([("99.99", 1)], ["99.99"], ("99.99", "0.00", "99.99")),
        ([("100.00", 1)], ["100.00"], ("100.00", "5.00", "95.00")),
        ([("499.99", 1)], ["499.99"], ("499.99", "25.00", "474.99")),
        ([("500.00", 1)], ["500.00"], ("500.00", "50.00", "450.00")),
        ([("100.10", 1)], ["100.10"], ("100.10", "5.01", "95.09")),
        ([("500.05", 1)], ["500.05"], ("500.05", "50.01", "450.04")),
        ([("1234.55", 1)], ["1234.55"], ("1234.55", "123.46", "1111.09")),
        ([("100.08", 1)], ["100.08"], ("100.08", "5.00", "95.08")),
        (
            [("33.33", 2), ("33.34", 1)],
            ["66.66", "33.34"],
            ("100.00", "5.00", "95.00"),
        ),
        (
            [("12.50", 3), ("0.10", 7), ("40.00", 2)],
            ["37.50", "0.70", "80.00"],
            ("118.20", "5.91", "112.29"),
        ),
    ],
    ids=[
        "99.99-no-discount",
        "100.00-five-percent",
        "499.99-five-percent",
        "500.00-ten-percent",
        "5.005-rounds-up",
        "50.005-rounds-up",
        "123.455-rounds-up",
        "5.004-rounds-down",
        "band-reached-by-several-lines",
        "three-lines",
    ],
)
def test_an_order_is_priced_from_its_lines_with_the_discount_rounded_half_up(
    shop: Shop,
    lines: list[Priced],
    line_totals: list[str],
    totals: tuple[str, str, str],
) -> None:
    # Labels make the SKUs sort in the order of the table.
    skus = [
        shop.add_product(price=p, stock=1000, label=f"L{i:02}") for i, (p, _) in enumerate(lines)
    ]
    request = [(sku, q) for sku, (_, q) in zip(skus, lines, strict=True)]

    order = body_of(shop.place_order(shop.new_customer(), request), 201)

    assert [line["line_total"] for line in order["lines"]] == line_totals
    assert [line["unit_price"] for line in order["lines"]] == [p for p, _ in lines]
    assert _totals(order) == totals
    assert _totals(shop.order(order["id"])) == totals


@pytest.mark.rule("O4", "O9")
@pytest.mark.parametrize(
    ("placed", "amended", "totals"),
    [
        (9, 10, ("100.00", "5.00", "95.00")),
        (50, 49, ("490.00", "24.50", "465.50")),
    ],
    ids=["into-five-percent", "out-of-ten-percent"],
)
def test_setting_a_quantity_reprices_the_order_across_discount_bands(
    shop: Shop, placed: int, amended: int, totals: tuple[str, str, str]
) -> None:
    sku = shop.add_product(price="10.00")
    order = shop.placed_order([(sku, placed)])
    events = shop.events_of(order["id"])

    amended_order = body_of(shop.set_line(order["id"], sku, amended), 200)

    assert amended_order["lines"] == [line_of(sku, amended, "10.00")]
    assert _totals(amended_order) == totals
    assert shop.order(order["id"]) == amended_order
    expect_amended(shop, order["id"], events, [(sku, amended, "10.00")], totals[2])


@pytest.mark.rule("O4", "O9")
def test_removing_a_line_reprices_the_order(shop: Shop) -> None:
    pen = shop.add_product(price="60.00", label="PEN")
    ink = shop.add_product(price="50.00", label="INK")
    order = shop.placed_order([(pen, 1), (ink, 1)])
    assert _totals(order) == ("110.00", "5.50", "104.50")

    amended = body_of(shop.remove_line(order["id"], ink), 200)

    assert amended["lines"] == [line_of(pen, 1, "60.00")]
    assert _totals(amended) == ("60.00", "0.00", "60.00")
