"""``Order.place``: O2, O3, O5, O6 decided by the order itself, and its ``OrderPlaced`` event."""

from __future__ import annotations

import pytest

from kata.domain_model.domain.errors import (
    InsufficientStock,
    OrderLimitExceeded,
    TooManyLines,
    TooManyOpenOrders,
)
from kata.domain_model.domain.events import LineFact, OrderPlaced
from kata.domain_model.domain.order import OrderStatus
from tests.domain_model.builders import (
    CUSTOMER,
    NOW,
    a_product,
    money,
    place,
    stock_of,
)
from tests.messages import exactly


def test_a_placed_order_awaits_payment_with_its_lines_sorted_by_sku() -> None:
    """O1/O7: a new order is PENDING_PAYMENT, nothing paid or cancelled, lines sorted by SKU."""
    order = place((a_product("SKU-B", price="5.00"), 1), (a_product("SKU-A", price="10.00"), 2))
    assert order.status is OrderStatus.PENDING_PAYMENT
    assert (order.customer_id, order.created_at) == (CUSTOMER, NOW)
    assert (order.payment_id, order.cancel_reason, order.refund_due) == (None, None, False)
    assert [(line.sku, line.quantity, line.line_total) for line in order.lines] == [
        ("SKU-A", 2, money("20.00")),
        ("SKU-B", 1, money("5.00")),
    ]
    assert order.totals.total == money("25.00")


def test_o3_placing_reserves_the_stock_of_every_line() -> None:
    """O3: each line's quantity leaves its product's stock, the last unit included."""
    a, b = a_product("SKU-A", stock=10), a_product("SKU-B", stock=3)
    place((a, 4), (b, 3))
    assert stock_of(a, b) == {"SKU-A": 6, "SKU-B": 0}


def test_o2_each_line_snapshots_the_price_at_placement() -> None:
    """O2: the line keeps the price the product had when the order was placed."""
    product = a_product(price="10.00")
    order = place((product, 1))
    product.reprice(money("12.00"))
    assert order.lines[0].unit_price == money("10.00")
    assert order.totals.total == money("10.00")


def test_placing_records_exactly_one_order_placed_with_lines_sorted_by_sku() -> None:
    """events: OrderPlaced carries customer, lines (sku, quantity, unit price) by SKU, total."""
    order = place(
        (a_product("SKU-C", price="1.50"), 2),
        (a_product("SKU-A", price="100.00"), 1),
        (a_product("SKU-B", price="0.99"), 3),
    )
    assert order.take_events() == [
        OrderPlaced(
            order_id=order.id,
            customer_id=CUSTOMER,
            lines=(
                LineFact("SKU-A", 1, money("100.00")),
                LineFact("SKU-B", 3, money("0.99")),
                LineFact("SKU-C", 2, money("1.50")),
            ),
            total=money("100.67"),  # 105.97 less 5.30 (5.2985 half-up)
        )
    ]
    assert order.take_events() == []


def test_every_placed_order_gets_its_own_id() -> None:
    """values: the server makes the order id."""
    product = a_product()
    assert place((product, 1)).id != place((product, 1)).id


# --- O6 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("open_orders", [0, 1, 2])
def test_o6_a_customer_with_fewer_than_3_open_orders_may_place_another(open_orders: int) -> None:
    """O6: the third PENDING_PAYMENT order is still allowed."""
    assert place((a_product(), 1), open_orders=open_orders).status is OrderStatus.PENDING_PAYMENT


@pytest.mark.parametrize("open_orders", [3, 4])
def test_o6_a_fourth_open_order_is_refused_and_reserves_nothing(open_orders: int) -> None:
    """O6: too-many-open-orders; no stock moves."""
    product = a_product(stock=5)
    with pytest.raises(TooManyOpenOrders):
        place((product, 1), open_orders=open_orders)
    assert product.stock == 5


# --- O3 ------------------------------------------------------------------------------------


def test_o3_placing_is_all_or_nothing_and_lists_every_short_sku_sorted() -> None:
    """O3: insufficient-stock names each short SKU, sorted; no line reserves anything."""
    enough, short_c, short_a = (
        a_product("SKU-B", stock=5),
        a_product("SKU-C", stock=1),
        a_product("SKU-A", stock=0),
    )
    with pytest.raises(InsufficientStock) as refused:
        place((enough, 5), (short_c, 2), (short_a, 1))
    assert refused.value.skus == ["SKU-A", "SKU-C"]
    assert stock_of(enough, short_c, short_a) == {"SKU-A": 0, "SKU-B": 5, "SKU-C": 1}


# --- O5 ------------------------------------------------------------------------------------


def test_o5_an_order_totalling_exactly_10000_may_be_placed() -> None:
    """O5: 11111.11 less 10 % (1111.11) is 10000.00, at the limit."""
    order = place((a_product(price="11111.11"), 1))
    assert order.totals.total == money("10000.00")


def test_o5_an_order_over_10000_is_refused_and_reserves_nothing() -> None:
    """O5: 11111.12 less 1111.11 is 10000.01: order-limit-exceeded, no stock moves."""
    cheap, dear = a_product("SKU-A", price="1.00"), a_product("SKU-B", price="11111.11")
    with pytest.raises(OrderLimitExceeded):
        place((cheap, 1), (dear, 1))
    assert stock_of(cheap, dear) == {"SKU-A": 100, "SKU-B": 100}


# --- which refusal comes first (spec section 5) -----------------------------------------------


def test_precedence_too_many_open_orders_before_the_limit_and_stock() -> None:
    """precedence (O6 before O5 before O3): a placement breaking all three is told O6."""
    product = a_product(price="20000.00", stock=0)
    with pytest.raises(TooManyOpenOrders):
        place((product, 1), open_orders=3)


def test_precedence_the_order_limit_before_insufficient_stock() -> None:
    """precedence (O5 before O3): a placement over the limit and short of stock is told O5."""
    product = a_product(price="20000.00", stock=0)
    with pytest.raises(OrderLimitExceeded):
        place((product, 1))


# --- O1/O3 guarded only by the service today (known gaps in the domain) ----------------------


def test_o3_a_refused_placement_naming_a_product_twice_moves_no_stock() -> None:
    """O1/O3: two items of one SKU (2 + 2 of 3 in stock) are short together: nothing moves."""
    product = a_product(stock=3)
    with pytest.raises(InsufficientStock):
        place((product, 2), (product, 2))
    assert product.stock == 3


def test_o1_items_naming_a_product_twice_make_one_line_of_their_units() -> None:
    """O1: the model merges items of one SKU itself, whoever calls it (HTTP merges first)."""
    product = a_product(stock=10)
    order = place((product, 2), (product, 3))
    assert [(line.sku, line.quantity) for line in order.lines] == [("SKU-A", 5)]
    assert product.stock == 5


def test_o1_an_order_of_no_lines_cannot_be_placed() -> None:
    """O1: an order has 1-20 lines."""
    with pytest.raises(ValueError, match=exactly("An order needs at least one line.")):
        place()


def test_o1_an_order_of_21_lines_cannot_be_placed() -> None:
    """O1: an order has 1-20 lines (set_line refuses a 21st; placing must agree)."""
    with pytest.raises(TooManyLines) as refused:
        place(*[(a_product(f"SKU-{n:02}"), 1) for n in range(21)])
    # The detail is the problem's; the exception's own text (a log shows it) is the same.
    assert refused.value.detail == str(refused.value) == "An order has at most 20 lines."
