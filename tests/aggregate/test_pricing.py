"""Pricing (O4) as the ``Order`` root applies it: totals always from the lines' own prices."""

from __future__ import annotations

import pytest

from kata.aggregate.domain import ordering
from kata.aggregate.domain.events import OrderPlaced
from kata.aggregate.domain.order import Order, OrderLine, OrderStatus
from kata.aggregate.domain.pricing import Totals
from kata.aggregate.domain.values import Quantity, Sku
from tests.aggregate.builders import CUSTOMER, NOW, a_product, an_order, item, money


@pytest.mark.parametrize(
    ("lines", "subtotal", "discount", "total"),
    [
        # tiers: 0 % below 100.00, 5 % from 100.00, 10 % from 500.00 (both inclusive)
        ([(1, "0.01")], "0.01", "0.00", "0.01"),
        ([(1000, "0.01")], "10.00", "0.00", "10.00"),
        ([(1, "99.99")], "99.99", "0.00", "99.99"),
        ([(1, "100.00")], "100.00", "5.00", "95.00"),
        ([(2, "55.00")], "110.00", "5.50", "104.50"),
        ([(1, "499.99")], "499.99", "25.00", "474.99"),  # 24.9995 -> 25.00
        ([(4, "125.00")], "500.00", "50.00", "450.00"),
        # the discount rounds half-up to the cent (half a cent goes up, never to even)
        ([(2, "50.05")], "100.10", "5.01", "95.09"),  # 5.005 -> 5.01
        ([(1, "100.30")], "100.30", "5.02", "95.28"),  # 5.015 -> 5.02
        ([(3, "33.36")], "100.08", "5.00", "95.08"),  # 5.004 -> 5.00
        ([(1, "100.09")], "100.09", "5.00", "95.09"),  # 5.0045 -> 5.00
        ([(1, "100.11")], "100.11", "5.01", "95.10"),  # 5.0055 -> 5.01
        ([(5, "100.01")], "500.05", "50.01", "450.04"),  # 50.005 -> 50.01
        ([(1, "500.15")], "500.15", "50.02", "450.13"),  # 50.015 -> 50.02
        ([(1, "1000.05")], "1000.05", "100.01", "900.04"),  # 100.005 -> 100.01
        # the tier follows the subtotal of every line, not each line on its own
        ([(1, "60.00"), (1, "40.00")], "100.00", "5.00", "95.00"),
        ([(1, "99.99"), (1, "400.01")], "500.00", "50.00", "450.00"),
        ([(3, "1.50"), (1, "100.00"), (3, "0.99")], "107.47", "5.37", "102.10"),  # 5.3735
    ],
)
def test_totals_are_the_sum_of_unit_price_times_quantity_less_a_tiered_discount_half_up(
    lines: list[tuple[int, str]], subtotal: str, discount: str, total: str
) -> None:
    items = [item(f"SKU-{n}", units, unit_price) for n, (units, unit_price) in enumerate(lines)]
    order = Order.place(CUSTOMER, items, 0, NOW)
    assert order.totals == Totals(money(subtotal), money(discount), money(total))
    (event,) = order.take_events()
    assert isinstance(event, OrderPlaced)
    assert event.total == money(total)


def test_each_line_total_is_its_unit_price_times_its_quantity() -> None:
    order = Order.place(CUSTOMER, [item("SKU-A", 3, "19.99"), item("SKU-B", 1000, "0.07")], 0, NOW)
    assert [line.line_total for line in order.lines] == [money("59.97"), money("70.00")]


def test_a_rebuilt_order_computes_its_totals_from_its_lines() -> None:
    """O4: totals are never stored; an order loaded from its lines prices itself."""
    order = Order(
        id="order-1",
        customer_id=CUSTOMER,
        status=OrderStatus.PAID,
        lines=[
            OrderLine(Sku("SKU-B"), 1, money("0.10")),
            OrderLine(Sku("SKU-A"), 2, money("50.00")),
        ],
        payment_id="payment-1",
        cancel_reason=None,
        refund_due=False,
        processed_payments=["payment-1"],
        created_at=NOW,
        version=3,
    )
    assert order.totals == Totals(money("100.10"), money("5.01"), money("95.09"))
    assert [line.sku.code for line in order.lines] == ["SKU-A", "SKU-B"]
    assert order.take_events() == []


def test_totals_are_recomputed_when_a_quantity_changes() -> None:
    """O4: 99.99 x 2 = 199.98 reaches the 5 % tier: discount 10.00 (9.999 half-up)."""
    placed = an_order((a_product(price="99.99"), 1))
    assert placed.order.totals.discount == money("0.00")
    ordering.set_line(placed.order, placed.product("SKU-A"), Quantity(2))
    assert placed.order.totals == Totals(money("199.98"), money("10.00"), money("189.98"))


def test_totals_are_recomputed_when_a_line_is_removed() -> None:
    """O4: without its 100.00 line, a 105.00 order drops out of the 5 % tier."""
    placed = an_order((a_product("SKU-A", price="100.00"), 1), (a_product("SKU-B"), 1))
    assert placed.order.totals.total == money("104.50")
    ordering.remove_line(placed.order, Sku("SKU-A"), placed.products)
    assert placed.order.totals == Totals(money("10.00"), money("0.00"), money("10.00"))


def test_totals_follow_the_lines_prices_not_the_products_prices_today() -> None:
    """O4 and O2: repricing both products leaves the order's totals as placed."""
    placed = an_order()
    for product in placed.products.values():
        product.reprice(money("999.00"))
    assert placed.order.totals == Totals(money("25.00"), money("0.00"), money("25.00"))
