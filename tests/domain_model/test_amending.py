"""Amending lines (O9, with O1, O2, O4, O5): stock moves by the difference, one event a change."""

from __future__ import annotations

import pytest

from kata.domain_model.domain.errors import (
    InsufficientStock,
    LastLine,
    NotFound,
    OrderLimitExceeded,
    TooManyLines,
)
from kata.domain_model.domain.events import LineFact, OrderAmended
from kata.domain_model.domain.values import Quantity
from tests.domain_model.builders import (
    a_product,
    an_order,
    an_order_with_lines,
    changes_nothing,
    money,
)


@pytest.mark.parametrize(
    ("held", "wanted"),
    [(2, 5), (5, 2), (1, 1000), (1000, 1)],
    ids=["up", "down", "1-1000", "1000-1"],
)
def test_o9_setting_a_quantity_moves_stock_by_the_difference(held: int, wanted: int) -> None:
    """O9: more units reserve the difference, fewer return it."""
    product = a_product(stock=1000)
    order = an_order((product, held))
    product_stock = product.stock
    order.set_line(product, Quantity(wanted))
    assert order.lines[0].quantity == wanted
    assert product.stock == product_stock - (wanted - held)


def test_o9_setting_a_quantity_records_order_amended_with_every_line_and_the_total() -> None:
    """O9/events: OrderAmended carries the whole new list, sorted by SKU, and the new total."""
    a, b = a_product("SKU-A", price="10.00"), a_product("SKU-B", price="5.00")
    order = an_order((b, 1), (a, 2))
    order.set_line(a, Quantity(3))
    assert order.take_events() == [
        OrderAmended(
            order.id,
            (LineFact("SKU-A", 3, money("10.00")), LineFact("SKU-B", 1, money("5.00"))),
            money("35.00"),
        )
    ]


def test_o9_setting_the_quantity_a_line_already_has_changes_nothing() -> None:
    """O9: same quantity: no stock moves, no event."""
    product = a_product()
    order = an_order((product, 2))
    with changes_nothing(order):
        order.set_line(product, Quantity(2))


def test_o4_totals_are_recomputed_after_a_change_of_lines() -> None:
    """O4: 99.99 x 2 = 199.98 reaches the 5 % tier: discount 10.00 (9.999 half-up)."""
    product = a_product(price="99.99")
    order = an_order((product, 1))
    assert order.totals.discount == money("0.00")
    order.set_line(product, Quantity(2))
    assert (order.totals.subtotal, order.totals.discount, order.totals.total) == (
        money("199.98"),
        money("10.00"),
        money("189.98"),
    )


def test_o9_a_new_line_takes_the_current_price_and_reserves_its_stock() -> None:
    """O9/P4: a line added after a price change takes the new price."""
    order = an_order()
    product = a_product("SKU-0", price="10.00", stock=5)
    product.reprice(money("7.25"))
    order.set_line(product, Quantity(2))
    assert [(line.sku, line.unit_price) for line in order.lines] == [
        ("SKU-0", money("7.25")),
        ("SKU-A", money("10.00")),
        ("SKU-B", money("5.00")),
    ]
    assert product.stock == 3
    (event,) = order.take_events()
    assert isinstance(event, OrderAmended)
    assert [fact.sku for fact in event.lines] == ["SKU-0", "SKU-A", "SKU-B"]


def test_o2_an_existing_line_keeps_its_price_when_its_quantity_changes() -> None:
    """O2/P4: resizing a line after a price change keeps the line's own unit price."""
    product = a_product(price="10.00")
    order = an_order((product, 1))
    product.reprice(money("50.00"))
    order.set_line(product, Quantity(3))
    assert order.lines[0].unit_price == money("10.00")
    assert order.totals.total == money("30.00")


def test_o9_setting_more_than_the_stock_is_refused_and_changes_nothing() -> None:
    """O9/O3: insufficient-stock naming the SKU; no stock moves, no event."""
    product = a_product("SKU-A", stock=5)
    order = an_order((product, 2))
    with changes_nothing(order), pytest.raises(InsufficientStock) as refused:
        order.set_line(product, Quantity(6))  # 4 more wanted, 3 left
    assert refused.value.skus == ["SKU-A"]


def test_o9_taking_the_last_units_in_stock_is_allowed() -> None:
    """O9/O3: the difference may use up the stock exactly."""
    product = a_product(stock=5)
    order = an_order((product, 2))
    order.set_line(product, Quantity(5))
    assert product.stock == 0


def test_o5_amending_to_a_total_of_exactly_10000_is_allowed() -> None:
    """O5: 25.00 + 11086.11 = 11111.11, less 1111.11 (10 %): 10000.00, at the limit."""
    order = an_order()  # 25.00
    order.set_line(a_product("SKU-C", price="11086.11"), Quantity(1))
    assert order.totals.total == money("10000.00")


def test_o5_amending_past_10000_is_refused_and_changes_nothing() -> None:
    """O5: 25.00 + 11086.12 = 11111.12, less 1111.11: 10000.01, order-limit-exceeded."""
    order, dear = an_order(), a_product("SKU-C", price="11086.12")
    with changes_nothing(order, dear), pytest.raises(OrderLimitExceeded):
        order.set_line(dear, Quantity(1))


def test_o5_raising_a_quantity_past_10000_is_refused_and_changes_nothing() -> None:
    """O5: 1 x 5000.00 is 4500.00; 3 x 5000.00 is 13500.00, over the limit."""
    product = a_product(price="5000.00")
    order = an_order((product, 1))
    with changes_nothing(order), pytest.raises(OrderLimitExceeded):
        order.set_line(product, Quantity(3))


def test_o1_a_20th_line_may_be_added() -> None:
    """O1: an order holds up to 20 lines."""
    order = an_order_with_lines(19)
    order.set_line(a_product("SKU-20"), Quantity(1))
    assert len(order.lines) == 20


def test_o9_a_21st_line_is_refused_and_changes_nothing() -> None:
    """O9/O1: too-many-lines; the spare product's stock does not move."""
    order, spare = an_order_with_lines(20), a_product("SKU-21")
    with changes_nothing(order, spare), pytest.raises(TooManyLines):
        order.set_line(spare, Quantity(1))


def test_o9_a_line_of_a_full_order_may_still_change_quantity() -> None:
    """O9/O1: the 20-line cap stops new lines, not changes to existing ones."""
    order = an_order_with_lines(20)
    order.set_line(order.lines[0].product, Quantity(2))
    assert order.lines[0].quantity == 2


def test_o9_removing_a_line_returns_its_units_and_records_order_amended() -> None:
    """O9/events: the line goes, its units go back; OrderAmended lists what is left."""
    a, b = a_product("SKU-A", price="10.00"), a_product("SKU-B", price="5.00")
    order = an_order((a, 2), (b, 1))
    order.remove_line("SKU-A")
    assert [line.sku for line in order.lines] == ["SKU-B"]
    assert a.stock == 100
    assert order.take_events() == [
        OrderAmended(order.id, (LineFact("SKU-B", 1, money("5.00")),), money("5.00"))
    ]


def test_o9_removing_the_last_line_is_refused_and_changes_nothing() -> None:
    """O9: last-line (cancel the order instead)."""
    order = an_order((a_product("SKU-A"), 1))
    with changes_nothing(order), pytest.raises(LastLine):
        order.remove_line("SKU-A")


@pytest.mark.parametrize("lines", [1, 2], ids=["only-line", "two-lines"])
def test_o9_removing_a_line_that_is_not_there_is_not_found(lines: int) -> None:
    """O9 and precedence: not-found, before last-line even on a one-line order."""
    order = an_order_with_lines(lines)
    with changes_nothing(order), pytest.raises(NotFound):
        order.remove_line("SKU-99")


def test_o5_the_limit_is_checked_on_the_lines_own_prices_not_todays() -> None:
    """O5/O2: a line added at 10.00 may grow after its product was repriced to 9000.00."""
    product = a_product(price="10.00")
    order = an_order((product, 1))
    product.reprice(money("9000.00"))
    order.set_line(product, Quantity(2))
    assert order.totals.total == money("20.00")
