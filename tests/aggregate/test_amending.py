"""Amending lines (O9, with O1, O2, O5): the root says how many units it holds more or less,
``ordering`` moves the product's stock by that difference; one ``OrderAmended`` a change."""

from __future__ import annotations

import pytest

from kata.aggregate.domain import ordering
from kata.aggregate.domain.errors import (
    InsufficientStock,
    LastLine,
    NotFound,
    OrderLimitExceeded,
    TooManyLines,
)
from kata.aggregate.domain.events import OrderAmended
from kata.aggregate.domain.values import Quantity, Sku
from tests.aggregate.builders import (
    a_product,
    an_order,
    an_order_with_lines,
    changes_nothing,
    facts,
    money,
)

# --- the root: what set_line and remove_line report --------------------------------------


@pytest.mark.parametrize(
    ("held", "wanted", "more"),
    [(2, 5, 3), (5, 2, -3), (1, 1000, 999), (1000, 1, -999), (3, 3, 0)],
    ids=["up", "down", "1-to-1000", "1000-to-1", "same"],
)
def test_the_units_a_quantity_change_would_move_are_reported_before_anything_changes(
    held: int, wanted: int, more: int
) -> None:
    """O9: the root says how many units a change needs, then changes only when told to."""
    placed = an_order((a_product(stock=1000), held))
    assert placed.order.units_to_move(Sku("SKU-A"), Quantity(wanted), money("10.00")) == more
    assert placed.order.lines[0].quantity == held
    placed.order.set_line(Sku("SKU-A"), Quantity(wanted), money("10.00"))
    assert placed.order.lines[0].quantity == wanted


def test_adding_a_line_would_move_all_its_units() -> None:
    placed = an_order()
    assert placed.order.units_to_move(Sku("SKU-C"), Quantity(4), money("1.00")) == 4


def test_removing_a_line_reports_the_units_it_held() -> None:
    placed = an_order()
    assert placed.order.remove_line(Sku("SKU-A")) == 2


def test_the_root_alone_never_touches_stock() -> None:
    """The order refers to products by SKU only: amending it leaves every product as it was."""
    placed = an_order()
    placed.order.set_line(Sku("SKU-A"), Quantity(7), money("10.00"))
    placed.order.remove_line(Sku("SKU-B"))
    assert placed.stock() == {"SKU-A": 98, "SKU-B": 99}


# --- the domain service: stock moves by the difference ---------------------------------------


@pytest.mark.parametrize(
    ("held", "wanted"),
    [(2, 5), (5, 2), (1, 1000), (1000, 1)],
    ids=["up", "down", "1-to-1000", "1000-to-1"],
)
def test_setting_a_quantity_moves_stock_by_the_difference(held: int, wanted: int) -> None:
    placed = an_order((a_product(stock=1000), held))
    ordering.set_line(placed.order, placed.product("SKU-A"), Quantity(wanted))
    assert placed.order.lines[0].quantity == wanted
    assert placed.stock() == {"SKU-A": 1000 - wanted}


def test_setting_a_quantity_records_order_amended_with_every_line_and_the_new_total() -> None:
    placed = an_order()  # SKU-A 2 x 10.00, SKU-B 1 x 5.00
    ordering.set_line(placed.order, placed.product("SKU-A"), Quantity(3))
    assert placed.order.take_events() == [
        OrderAmended(
            placed.order.id,
            facts(("SKU-A", 3, "10.00"), ("SKU-B", 1, "5.00")),
            money("35.00"),
        )
    ]


def test_setting_the_quantity_a_line_already_has_changes_nothing() -> None:
    placed = an_order()
    with changes_nothing(placed):
        ordering.set_line(placed.order, placed.product("SKU-A"), Quantity(2))


def test_a_new_line_takes_the_current_price_and_reserves_its_units() -> None:
    """O9 and P4: a line added after a price change takes the new price."""
    placed = an_order()
    product = a_product("SKU-0", price="10.00", stock=5)
    product.reprice(money("7.25"))
    ordering.set_line(placed.order, product, Quantity(2))
    assert product.stock == 3
    assert placed.order.take_events() == [
        OrderAmended(
            placed.order.id,
            facts(("SKU-0", 2, "7.25"), ("SKU-A", 2, "10.00"), ("SKU-B", 1, "5.00")),
            money("39.50"),
        )
    ]


def test_an_existing_line_keeps_its_price_when_its_quantity_changes() -> None:
    """O2 and P4: resizing a line after a price change keeps the line's own unit price."""
    placed = an_order((a_product(price="10.00"), 1))
    product = placed.product("SKU-A")
    product.reprice(money("50.00"))
    ordering.set_line(placed.order, product, Quantity(3))
    assert placed.order.lines[0].unit_price == money("10.00")
    assert placed.order.totals.total == money("30.00")


def test_raising_a_quantity_past_the_stock_is_refused_and_changes_nothing() -> None:
    """O9 and O3: 4 more wanted, 3 left: insufficient-stock naming the SKU."""
    placed = an_order((a_product("SKU-A", stock=5), 2))
    with changes_nothing(placed), pytest.raises(InsufficientStock) as refused:
        ordering.set_line(placed.order, placed.product("SKU-A"), Quantity(6))
    assert refused.value.skus == ["SKU-A"]


def test_adding_a_line_short_of_stock_is_refused_and_changes_nothing() -> None:
    placed, short = an_order(), a_product("SKU-C", stock=1)
    with changes_nothing(placed, short), pytest.raises(InsufficientStock) as refused:
        ordering.set_line(placed.order, short, Quantity(2))
    assert refused.value.skus == ["SKU-C"]


def test_raising_a_quantity_may_take_the_last_units_in_stock() -> None:
    placed = an_order((a_product(stock=5), 2))
    ordering.set_line(placed.order, placed.product("SKU-A"), Quantity(5))
    assert placed.stock() == {"SKU-A": 0}


def test_lowering_a_quantity_needs_no_stock() -> None:
    placed = an_order((a_product(stock=5), 5))
    ordering.set_line(placed.order, placed.product("SKU-A"), Quantity(1))
    assert placed.stock() == {"SKU-A": 4}


# --- O5 --------------------------------------------------------------------------------------


def test_amending_to_a_total_of_exactly_10000_is_allowed() -> None:
    """O5: 25.00 + 11086.11 = 11111.11, less 1111.11 (10 %): 10000.00, at the limit."""
    placed = an_order()
    ordering.set_line(placed.order, a_product("SKU-C", price="11086.11"), Quantity(1))
    assert placed.order.totals.total == money("10000.00")


def test_adding_a_line_past_10000_is_refused_and_changes_nothing() -> None:
    """O5: 25.00 + 11086.12 = 11111.12, less 1111.11: 10000.01."""
    placed, dear = an_order(), a_product("SKU-C", price="11086.12")
    with changes_nothing(placed, dear), pytest.raises(OrderLimitExceeded):
        ordering.set_line(placed.order, dear, Quantity(1))


def test_raising_a_quantity_past_10000_is_refused_and_changes_nothing() -> None:
    """O5: 1 x 5000.00 is 4500.00; 3 x 5000.00 less 10 % is 13500.00."""
    placed = an_order((a_product(price="5000.00"), 1))
    with changes_nothing(placed), pytest.raises(OrderLimitExceeded):
        ordering.set_line(placed.order, placed.product("SKU-A"), Quantity(3))


def test_the_limit_is_checked_on_the_lines_own_prices_not_todays() -> None:
    """O5 and O2: a line added at 10.00 may grow after its product was repriced to 9000.00."""
    placed = an_order((a_product(price="10.00"), 1))
    placed.product("SKU-A").reprice(money("9000.00"))
    ordering.set_line(placed.order, placed.product("SKU-A"), Quantity(2))
    assert placed.order.totals.total == money("20.00")


def test_the_order_limit_answers_before_insufficient_stock() -> None:
    """precedence: order-limit-exceeded (step 8) before insufficient-stock (step 9)."""
    placed, dear = an_order(), a_product("SKU-C", price="20000.00", stock=0)
    with changes_nothing(placed, dear), pytest.raises(OrderLimitExceeded):
        ordering.set_line(placed.order, dear, Quantity(1))


# --- O1: at most 20 lines --------------------------------------------------------------------


def test_a_20th_line_may_be_added() -> None:
    placed = an_order_with_lines(19)
    ordering.set_line(placed.order, a_product("SKU-20"), Quantity(1))
    assert len(placed.order.lines) == 20


def test_a_21st_line_is_refused_and_changes_nothing() -> None:
    placed, spare = an_order_with_lines(20), a_product("SKU-21")
    with changes_nothing(placed, spare), pytest.raises(TooManyLines):
        ordering.set_line(placed.order, spare, Quantity(1))


def test_too_many_lines_answers_before_the_order_limit_and_the_stock() -> None:
    """precedence: too-many-lines (step 7) before the limit (8) and the stock (9)."""
    placed, spare = an_order_with_lines(20), a_product("SKU-21", price="20000.00", stock=0)
    with changes_nothing(placed, spare), pytest.raises(TooManyLines):
        ordering.set_line(placed.order, spare, Quantity(1))


def test_a_line_of_a_full_order_may_still_change_its_quantity() -> None:
    placed = an_order_with_lines(20)
    ordering.set_line(placed.order, placed.product("SKU-01"), Quantity(2))
    assert placed.order.lines[0].quantity == 2
    assert placed.stock()["SKU-01"] == 98


# --- removing a line -------------------------------------------------------------------------


def test_removing_a_line_returns_its_units_and_records_order_amended() -> None:
    placed = an_order()
    ordering.remove_line(placed.order, Sku("SKU-A"), placed.products)
    assert [line.sku.code for line in placed.order.lines] == ["SKU-B"]
    assert placed.stock() == {"SKU-A": 100, "SKU-B": 99}
    assert placed.order.take_events() == [
        OrderAmended(placed.order.id, facts(("SKU-B", 1, "5.00")), money("5.00"))
    ]


def test_removing_the_last_line_is_refused_and_changes_nothing() -> None:
    placed = an_order((a_product("SKU-A"), 1))
    with changes_nothing(placed), pytest.raises(LastLine):
        ordering.remove_line(placed.order, Sku("SKU-A"), placed.products)


@pytest.mark.parametrize("lines", [1, 2], ids=["only-line", "two-lines"])
def test_removing_a_line_that_is_not_there_is_not_found_even_on_a_one_line_order(
    lines: int,
) -> None:
    """precedence: not-found for a line not on the order before last-line."""
    placed = an_order_with_lines(lines)
    with changes_nothing(placed), pytest.raises(NotFound):
        ordering.remove_line(placed.order, Sku("SKU-99"), placed.products)


def test_a_removed_line_added_again_takes_the_price_of_today() -> None:
    """O2 and P4: the old line's price went with it."""
    placed = an_order()
    product = placed.product("SKU-A")
    ordering.remove_line(placed.order, Sku("SKU-A"), placed.products)
    product.reprice(money("11.00"))
    ordering.set_line(placed.order, product, Quantity(2))
    assert [(line.sku.code, line.unit_price) for line in placed.order.lines] == [
        ("SKU-A", money("11.00")),
        ("SKU-B", money("5.00")),
    ]
    assert placed.stock() == {"SKU-A": 98, "SKU-B": 99}
