"""Placing: ``Order.place`` guards O1, O2, O5, O6 on its own; ``ordering.place_order`` adds the
stock (O3), all or nothing, across the ``Product`` aggregates."""

from __future__ import annotations

import pytest

from kata.aggregate.domain.errors import (
    InsufficientStock,
    OrderLimitExceeded,
    TooManyLines,
    TooManyOpenOrders,
)
from kata.aggregate.domain.events import OrderPlaced
from kata.aggregate.domain.order import Order, OrderStatus
from kata.aggregate.domain.values import Sku
from tests.aggregate.builders import (
    CUSTOMER,
    NOW,
    Item,
    a_product,
    facts,
    item,
    money,
    place_order,
    stock_of,
)
from tests.messages import exactly


def place(*items: Item, open_orders: int = 0) -> Order:
    return Order.place(CUSTOMER, items, open_orders, NOW)


# --- the root on its own: Order.place ------------------------------------------------------


def test_a_new_order_awaits_payment_with_its_lines_sorted_by_sku() -> None:
    order = place(item("SKU-B", 1, "5.00"), item("SKU-A", 2, "10.00"))
    assert (order.status, order.customer_id, order.created_at) == (
        OrderStatus.PENDING_PAYMENT,
        CUSTOMER,
        NOW,
    )
    assert (order.payment_id, order.cancel_reason, order.refund_due) == (None, None, False)
    assert order.processed_payments == frozenset()
    assert [
        (line.sku, line.quantity, line.unit_price, line.line_total) for line in order.lines
    ] == [
        (Sku("SKU-A"), 2, money("10.00"), money("20.00")),
        (Sku("SKU-B"), 1, money("5.00"), money("5.00")),
    ]


def test_an_order_line_refers_to_its_product_by_sku_only() -> None:
    (line,) = place(item("SKU-A", 1, "10.00")).lines
    assert type(line.sku) is Sku
    assert not hasattr(line, "product")


def test_placing_records_exactly_one_order_placed_with_the_lines_sorted_by_sku() -> None:
    order = place(item("SKU-C", 2, "1.50"), item("SKU-A", 1, "100.00"), item("SKU-B", 3, "0.99"))
    assert order.take_events() == [
        OrderPlaced(
            order_id=order.id,
            customer_id=CUSTOMER,
            lines=facts(("SKU-A", 1, "100.00"), ("SKU-B", 3, "0.99"), ("SKU-C", 2, "1.50")),
            total=money("100.67"),  # 105.97 less 5.30 (5.2985 half-up)
        )
    ]
    assert order.take_events() == []


def test_every_placed_order_gets_its_own_id_and_starts_unsaved() -> None:
    first, second = place(item("SKU-A", 1, "1.00")), place(item("SKU-A", 1, "1.00"))
    assert first.id != second.id
    assert (first.version, second.version) == (0, 0)


def test_an_order_needs_at_least_one_line() -> None:
    with pytest.raises(ValueError, match=exactly("An order needs at least one line.")):
        place()


@pytest.mark.parametrize("count", [1, 20])
def test_an_order_holds_1_to_20_lines(count: int) -> None:
    order = place(*[item(f"SKU-{n:02}", 1, "1.00") for n in range(count)])
    assert len(order.lines) == count


def test_an_order_of_21_lines_is_refused() -> None:
    with pytest.raises(TooManyLines) as refused:
        place(*[item(f"SKU-{n:02}", 1, "1.00") for n in range(21)])
    # The detail is the problem's; the exception's own text (a log shows it) is the same.
    assert refused.value.detail == str(refused.value) == "An order has at most 20 lines."


def test_items_of_one_sku_merge_into_one_line_with_their_quantities_added() -> None:
    order = place(item("SKU-A", 2, "3.00"), item("SKU-B", 1, "1.00"), item("SKU-A", 5, "3.00"))
    assert [(line.sku.code, line.quantity) for line in order.lines] == [("SKU-A", 7), ("SKU-B", 1)]
    assert order.totals.subtotal == money("22.00")
    (event,) = order.take_events()
    assert isinstance(event, OrderPlaced)
    assert event.lines == facts(("SKU-A", 7, "3.00"), ("SKU-B", 1, "1.00"))


def test_21_items_that_merge_into_20_lines_may_be_placed() -> None:
    items = [item(f"SKU-{n:02}", 1, "1.00") for n in range(20)]
    order = place(*items, item("SKU-00", 1, "1.00"))
    assert len(order.lines) == 20
    assert order.lines[0].quantity == 2


def test_each_line_keeps_the_price_it_was_placed_at() -> None:
    """O2: the root copies the price it is given; the product is not consulted again."""
    product = a_product(price="10.00")
    order = place_order((product, 1))
    product.reprice(money("12.00"))
    assert order.lines[0].unit_price == money("10.00")
    assert order.totals.total == money("10.00")


@pytest.mark.parametrize("open_orders", [0, 1, 2])
def test_a_customer_with_fewer_than_3_open_orders_may_place_another(open_orders: int) -> None:
    order = place(item("SKU-A", 1, "1.00"), open_orders=open_orders)
    assert order.status is OrderStatus.PENDING_PAYMENT


@pytest.mark.parametrize("open_orders", [3, 4])
def test_a_fourth_open_order_is_refused(open_orders: int) -> None:
    with pytest.raises(TooManyOpenOrders):
        place(item("SKU-A", 1, "1.00"), open_orders=open_orders)


def test_an_order_totalling_exactly_10000_may_be_placed() -> None:
    """O5: 11111.11 less 10 % (1111.11) is 10000.00, at the limit."""
    assert place(item("SKU-A", 1, "11111.11")).totals.total == money("10000.00")


def test_an_order_totalling_one_cent_over_10000_is_refused() -> None:
    """O5: 11111.12 less 1111.11 (1111.112 half-up) is 10000.01."""
    with pytest.raises(OrderLimitExceeded):
        place(item("SKU-A", 1, "11111.12"))


def test_the_limit_applies_to_the_merged_lines() -> None:
    """O5 and O1: 2 items of 5555.56 merge into 11111.12, less 1111.11: 10000.01."""
    with pytest.raises(OrderLimitExceeded):
        place(item("SKU-A", 1, "5555.56"), item("SKU-A", 1, "5555.56"))


def test_too_many_open_orders_answers_before_the_order_limit() -> None:
    """precedence: too-many-open-orders (step 7) before order-limit-exceeded (step 8)."""
    with pytest.raises(TooManyOpenOrders):
        place(item("SKU-A", 1, "20000.00"), open_orders=3)


# --- across aggregates: ordering.place_order and the stock (O3) ------------------------------


def test_placing_reserves_the_stock_of_every_line_the_last_unit_included() -> None:
    a, b = a_product("SKU-A", stock=10), a_product("SKU-B", stock=3)
    place_order((a, 4), (b, 3))
    assert stock_of(a, b) == {"SKU-A": 6, "SKU-B": 0}


def test_a_product_named_twice_reserves_its_merged_quantity_once() -> None:
    product = a_product(stock=10)
    order = place_order((product, 2), (product, 3))
    assert [line.quantity for line in order.lines] == [5]
    assert product.stock == 5


def test_placing_is_all_or_nothing_and_names_every_short_sku_sorted() -> None:
    enough, short_c, short_a = (
        a_product("SKU-B", stock=5),
        a_product("SKU-C", stock=1),
        a_product("SKU-A", stock=0),
    )
    with pytest.raises(InsufficientStock) as refused:
        place_order((enough, 5), (short_c, 2), (short_a, 1))
    assert refused.value.skus == ["SKU-A", "SKU-C"]
    assert stock_of(enough, short_c, short_a) == {"SKU-A": 0, "SKU-B": 5, "SKU-C": 1}


def test_items_of_one_product_short_only_together_reserve_nothing() -> None:
    """O1 and O3: 2 + 2 of 3 in stock is short once merged, though each item alone fits."""
    product = a_product(stock=3)
    with pytest.raises(InsufficientStock) as refused:
        place_order((product, 2), (product, 2))
    assert refused.value.skus == ["SKU-A"]
    assert product.stock == 3


def test_a_fourth_open_order_reserves_nothing() -> None:
    product = a_product(stock=5)
    with pytest.raises(TooManyOpenOrders):
        place_order((product, 1), open_orders=3)
    assert product.stock == 5


def test_an_order_over_the_limit_reserves_nothing() -> None:
    cheap, dear = a_product("SKU-A", price="1.00"), a_product("SKU-B", price="11111.11")
    with pytest.raises(OrderLimitExceeded):
        place_order((cheap, 1), (dear, 1))
    assert stock_of(cheap, dear) == {"SKU-A": 100, "SKU-B": 100}


def test_the_order_limit_answers_before_insufficient_stock() -> None:
    """precedence: order-limit-exceeded (step 8) before insufficient-stock (step 9)."""
    product = a_product(price="20000.00", stock=0)
    with pytest.raises(OrderLimitExceeded):
        place_order((product, 1))


def test_the_order_placed_takes_each_products_price_of_today() -> None:
    """O2: a product repriced before placing is placed at its new price."""
    product = a_product(price="10.00")
    product.reprice(money("7.25"))
    order = place_order((product, 2))
    assert order.take_events() == [
        OrderPlaced(order.id, CUSTOMER, facts(("SKU-A", 2, "7.25")), money("14.50"))
    ]
