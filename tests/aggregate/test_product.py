"""The ``Product`` aggregate guards its stock (P1, P3, O3, O8) and its price (P4), alone."""

from __future__ import annotations

import pytest

from kata.aggregate.domain.errors import DomainError, InsufficientStock, StockLimitExceeded
from kata.aggregate.domain.product import Product
from kata.aggregate.domain.values import Quantity, Sku
from tests.aggregate.builders import a_product, money, place_order
from tests.messages import exactly


def test_a_product_shows_what_it_was_registered_with_and_starts_unsaved() -> None:
    product = Product(Sku("SKU-A"), "Tea", money("12.50"), 7)
    assert (product.sku, product.name, product.price, product.stock, product.version) == (
        Sku("SKU-A"),
        "Tea",
        money("12.50"),
        7,
        0,
    )


@pytest.mark.parametrize("stock", [0, 1_000_000])
def test_a_product_may_be_registered_with_0_to_1_000_000_units(stock: int) -> None:
    assert a_product(stock=stock).stock == stock


def test_a_product_cannot_start_with_negative_stock() -> None:
    with pytest.raises(ValueError, match=exactly("stock cannot be negative")):
        a_product(stock=-1)


@pytest.mark.parametrize(("stock", "wanted", "can"), [(5, 4, True), (5, 5, True), (5, 6, False)])
def test_a_product_can_promise_up_to_its_stock(stock: int, wanted: int, can: bool) -> None:
    assert a_product(stock=stock).can_reserve(Quantity(wanted)) is can


# Each row: the stock before, the move, its units, then the stock after or the refusal (which
# leaves the stock as it was).
STOCK_MOVES: list[tuple[int, str, int, int | type[DomainError]]] = [
    # O3: a reservation takes units, down to zero and no further
    (5, "reserve", 2, 3),
    (5, "reserve", 5, 0),
    (5, "reserve", 6, InsufficientStock),
    (0, "reserve", 1, InsufficientStock),
    # O8: units taken back have no cap (P3 limits restocking only)
    (0, "release", 3, 3),
    (10_000_000, "release", 1, 10_000_001),
    # P3: restocking may reach 10,000,000 exactly, never more
    (0, "restock", 1, 1),
    (0, "restock", 1_000_000, 1_000_000),
    (9_000_000, "restock", 1_000_000, 10_000_000),
    (9_999_999, "restock", 1, 10_000_000),
    (9_000_001, "restock", 1_000_000, StockLimitExceeded),
    (10_000_000, "restock", 1, StockLimitExceeded),
    (10_000_001, "restock", 1, StockLimitExceeded),  # over the cap by a cancellation
]


@pytest.mark.parametrize(("stock", "move", "units", "after"), STOCK_MOVES)
def test_stock_moves_by_the_units_or_is_refused_and_stays_as_it_was(
    stock: int, move: str, units: int, after: int | type[DomainError]
) -> None:
    product = a_product(stock=stock)
    step = {"reserve": product.reserve, "release": product.release, "restock": product.restock}
    if isinstance(after, int):
        step[move](Quantity(units))
        assert product.stock == after
    else:
        with pytest.raises(after):
            step[move](Quantity(units))
        assert product.stock == stock


def test_a_refused_reservation_names_the_product() -> None:
    with pytest.raises(InsufficientStock) as refused:
        a_product("SKU-Q", stock=0).reserve(Quantity(1))
    assert (refused.value.code, refused.value.skus) == ("insufficient-stock", ["SKU-Q"])


def test_a_refused_restock_says_stock_limit_exceeded() -> None:
    with pytest.raises(StockLimitExceeded) as refused:
        a_product(stock=10_000_000).restock(Quantity(1))
    assert refused.value.code == "stock-limit-exceeded"


def test_a_product_may_be_renamed() -> None:
    product = a_product()
    product.rename("New name")
    assert product.name == "New name"


def test_a_new_price_applies_to_orders_placed_after_it_only() -> None:
    """P4: the order placed before keeps 10.00 a unit; the one placed after pays 12.00."""
    product = a_product(price="10.00")
    before = place_order((product, 1))
    product.reprice(money("12.00"))
    after = place_order((product, 1))
    assert product.price == money("12.00")
    assert (before.totals.total, after.totals.total) == (money("10.00"), money("12.00"))
