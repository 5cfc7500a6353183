"""``Product`` guards its own stock (P1, P3, P4, O3, O8) and price."""

from __future__ import annotations

import pytest

from kata.domain_model.domain.errors import InsufficientStock, StockLimitExceeded
from kata.domain_model.domain.values import Quantity
from tests.domain_model.builders import a_product, an_order, money
from tests.messages import exactly


def test_p1_a_product_shows_what_it_was_registered_with() -> None:
    """P1: SKU, name, price and stock."""
    product = a_product("SKU-A", price="12.50", stock=7)
    assert (product.sku, product.name, product.price, product.stock) == (
        "SKU-A",
        "Product SKU-A",
        money("12.50"),
        7,
    )


def test_p1_a_product_cannot_start_with_negative_stock() -> None:
    """P1: 0 <= stock."""
    with pytest.raises(ValueError, match=exactly("stock cannot be negative")):
        a_product(stock=-1)


@pytest.mark.parametrize(("stock", "wanted", "can"), [(5, 4, True), (5, 5, True), (5, 6, False)])
def test_o3_a_product_can_reserve_up_to_its_stock(stock: int, wanted: int, can: bool) -> None:
    """O3: stock is what is available to promise, the last unit included."""
    assert a_product(stock=stock).can_reserve(Quantity(wanted)) is can


def test_o3_reserving_takes_units_from_stock() -> None:
    """O3: a reservation lowers the stock by its quantity, down to zero."""
    product = a_product(stock=5)
    product.reserve(Quantity(2))
    assert product.stock == 3
    product.reserve(Quantity(3))
    assert product.stock == 0


def test_o3_reserving_more_than_the_stock_is_refused_and_takes_nothing() -> None:
    """O3: insufficient-stock names the SKU; the stock stays as it was."""
    product = a_product("SKU-A", stock=5)
    with pytest.raises(InsufficientStock) as refused:
        product.reserve(Quantity(6))
    assert refused.value.skus == ["SKU-A"]
    assert product.stock == 5


def test_o8_releasing_returns_units_to_stock_even_past_the_restock_cap() -> None:
    """O8 and P3: the cap applies to restocking only; returned stock may exceed it."""
    product = a_product(stock=10_000_000)
    product.release(Quantity(1))
    assert product.stock == 10_000_001


@pytest.mark.parametrize(
    ("stock", "added"), [(0, 1), (0, 1_000_000), (9_000_000, 1_000_000), (9_999_999, 1)]
)
def test_p3_restocking_up_to_exactly_10_000_000_is_allowed(stock: int, added: int) -> None:
    """P3: the resulting stock may be 10,000,000 exactly."""
    product = a_product(stock=stock)
    product.restock(Quantity(added))
    assert product.stock == stock + added


@pytest.mark.parametrize(("stock", "added"), [(9_000_001, 1_000_000), (10_000_000, 1)])
def test_p3_restocking_past_10_000_000_is_refused_and_changes_nothing(
    stock: int, added: int
) -> None:
    """P3: stock-limit-exceeded, stock unchanged."""
    product = a_product(stock=stock)
    with pytest.raises(StockLimitExceeded):
        product.restock(Quantity(added))
    assert product.stock == stock


def test_p3_restocking_a_product_already_over_the_cap_is_refused() -> None:
    """P3: stock returned by cancellations may exceed the cap, but then no restock fits."""
    product = a_product(stock=10_000_001)
    with pytest.raises(StockLimitExceeded):
        product.restock(Quantity(1))
    assert product.stock == 10_000_001


def test_p1_a_product_can_be_renamed() -> None:
    """P1: a product has a name, which may change (PATCH)."""
    product = a_product()
    product.rename("New name")
    assert product.name == "New name"


def test_p4_repricing_changes_the_product_but_not_existing_order_lines() -> None:
    """P4 and O2: a line keeps the unit price it was added at; totals follow the lines."""
    product = a_product("SKU-A", price="10.00")
    order = an_order((product, 3))
    product.reprice(money("99.00"))
    assert product.price == money("99.00")
    assert order.lines[0].unit_price == money("10.00")
    assert order.lines[0].line_total == money("30.00")
    assert order.totals.total == money("30.00")
